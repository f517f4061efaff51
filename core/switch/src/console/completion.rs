//! Tab completion: command names from `api show api` plus the console's
//! slash commands, and log levels after `/log `.

use rustyline::completion::Completer;
use rustyline::highlight::Highlighter;
use rustyline::hint::Hinter;
use rustyline::validate::Validator;
use rustyline::{Context, Helper};

use super::dispatch::{LOG_LEVELS, SLASH_COMMANDS};

/// Command names from the CSV that `show api` returns: a header line
/// `name,description,syntax,ikey`, one command per line, a blank line and
/// `N total.`. Sorted, without duplicates.
pub(crate) fn parse_show_api(csv: &str) -> Vec<String> {
    let mut names: Vec<String> = csv
        .lines()
        .map(str::trim)
        .take_while(|line| !line.is_empty())
        .filter(|line| !line.starts_with("name,"))
        .filter_map(|line| line.split(',').next())
        .map(|name| name.trim().trim_matches('"').trim())
        .filter(|name| !name.is_empty() && !name.contains(char::is_whitespace))
        .map(str::to_owned)
        .collect();
    names.sort();
    names.dedup();
    names
}

/// The rustyline helper: completes the first word of a line, and a level
/// after `/log `.
#[derive(Debug, Default)]
pub(crate) struct ConsoleHelper {
    /// API command names and slash commands, sorted.
    words: Vec<String>,
}

impl ConsoleHelper {
    /// A helper completing `api_commands` and the slash commands.
    pub(crate) fn new(api_commands: Vec<String>) -> Self {
        let mut words = api_commands;
        words.extend(SLASH_COMMANDS.iter().map(|word| (*word).to_owned()));
        words.sort();
        words.dedup();
        Self { words }
    }

    /// Where the word being completed starts in `line`, and the candidates
    /// for it; a sole candidate gets a trailing space.
    pub(crate) fn candidates(&self, line: &str, pos: usize) -> (usize, Vec<String>) {
        let Some(before) = line.get(..pos) else {
            return (pos, Vec::new());
        };
        let start = before.rfind(char::is_whitespace).map_or(0, |i| {
            i + before[i..].chars().next().map_or(1, char::len_utf8)
        });
        let partial = &before[start..];
        let earlier: Vec<&str> = before[..start].split_whitespace().collect();
        let pool: Vec<&str> = match earlier.as_slice() {
            [] => self.words.iter().map(String::as_str).collect(),
            [first] if first.eq_ignore_ascii_case("/log") => LOG_LEVELS.to_vec(),
            _ => Vec::new(),
        };
        let mut matches: Vec<String> = pool
            .into_iter()
            .filter(|word| word.starts_with(partial))
            .map(str::to_owned)
            .collect();
        if let [only] = matches.as_mut_slice() {
            only.push(' ');
        }
        (start, matches)
    }
}

impl Completer for ConsoleHelper {
    type Candidate = String;

    fn complete(
        &self,
        line: &str,
        pos: usize,
        _ctx: &Context<'_>,
    ) -> rustyline::Result<(usize, Vec<String>)> {
        Ok(self.candidates(line, pos))
    }
}

impl Hinter for ConsoleHelper {
    type Hint = String;
}

impl Highlighter for ConsoleHelper {}

impl Validator for ConsoleHelper {}

impl Helper for ConsoleHelper {}

#[cfg(test)]
mod tests {
    use super::*;

    const SHOW_API: &str = "name,description,syntax,ikey\n\
        status,Show the switch status,,core\n\
        show,Show various reports,api|application|modules,core\n\
        load,Load a module,<mod_name>,core\n\
        reload,Reload a module,<mod_name>,core\n\
        show,duplicate,,core\n\
        \n\
        5 total.\n";

    #[test]
    fn parses_show_api_csv() {
        assert_eq!(
            parse_show_api(SHOW_API),
            vec!["load", "reload", "show", "status"]
        );
        assert!(parse_show_api("").is_empty());
        assert!(parse_show_api("-ERR show Command not found!\n").is_empty());
        assert!(parse_show_api("name,description,syntax,ikey\n\n0 total.\n").is_empty());
    }

    #[test]
    fn completes_the_first_word() {
        let helper = ConsoleHelper::new(parse_show_api(SHOW_API));
        assert_eq!(helper.candidates("st", 2), (0, vec!["status ".to_owned()]));
        assert_eq!(
            helper.candidates("s", 1),
            (0, vec!["show".to_owned(), "status".to_owned()])
        );
        assert_eq!(
            helper.candidates("  re", 4),
            (2, vec!["reload ".to_owned()])
        );
        assert_eq!(
            helper.candidates("/", 1).1,
            vec![
                "/bye",
                "/event",
                "/exit",
                "/filter",
                "/help",
                "/log",
                "/nixevent",
                "/noevents",
                "/nolog",
                "/quit"
            ]
        );
        assert_eq!(
            helper.candidates("/nol", 4),
            (0, vec!["/nolog ".to_owned()])
        );
    }

    #[test]
    fn completes_log_levels_after_slash_log() {
        let helper = ConsoleHelper::new(Vec::new());
        assert_eq!(
            helper.candidates("/log d", 6),
            (5, vec!["debug ".to_owned()])
        );
        assert_eq!(helper.candidates("/log ", 5).1.len(), LOG_LEVELS.len());
        assert!(helper.candidates("status x", 8).1.is_empty());
        assert!(helper.candidates("/log info x", 11).1.is_empty());
    }

    #[test]
    fn odd_cursor_positions_do_not_panic() {
        let helper = ConsoleHelper::new(vec!["état".to_owned()]);
        assert!(helper.candidates("é", 1).1.is_empty());
        assert!(helper.candidates("x", 5).1.is_empty());
        assert_eq!(helper.candidates("é", 2), (0, vec!["état ".to_owned()]));
        assert_eq!(
            helper.candidates("\u{3000}é", 5),
            (3, vec!["état ".to_owned()])
        );
    }
}
