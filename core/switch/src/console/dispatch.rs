//! What a typed console line means: a slash command handled by the console,
//! an ESL command answered by `command/reply`, or an `api` call.

/// What the console does with one typed line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Action {
    /// A blank line: nothing to do.
    Nothing,
    /// `/help`: list the slash commands.
    Help,
    /// `/exit`, `/quit`, `/bye` or `...`: send `exit` and leave.
    Exit,
    /// An ESL command answered by `command/reply` (`log info`, `nolog`, ...),
    /// exactly as sent on the wire.
    Command(String),
    /// An `api ...` command exactly as sent on the wire.
    Api(String),
    /// A slash command the console does not know (the word as typed).
    Unknown(String),
}

/// Slash commands sent to the server as they are, minus the slash.
const PASS_THROUGH: [&str; 6] = ["log", "nolog", "event", "noevents", "nixevent", "filter"];

/// Slash commands and the exit spelling, for tab completion.
pub(crate) const SLASH_COMMANDS: [&str; 11] = [
    "/help",
    "/exit",
    "/quit",
    "/bye",
    "/log",
    "/nolog",
    "/event",
    "/noevents",
    "/nixevent",
    "/filter",
    "...",
];

/// Log level names the server understands, for completing `/log `.
pub(crate) const LOG_LEVELS: [&str; 8] = [
    "console", "alert", "crit", "err", "warning", "notice", "info", "debug",
];

/// The text `/help` prints.
pub(crate) const HELP: &str = "\
Console commands:
  /help                        this list
  /exit, /quit, /bye, ...      leave the console (Ctrl-D too)
  /log LEVEL                   show the server log from LEVEL up
                               (console alert crit err warning notice info debug)
  /nolog                       stop showing the server log
  /event plain|json NAMES      show events, e.g. /event plain ALL
  /noevents                    stop showing events
  /nixevent NAMES              stop showing some events
  /filter HEADER VALUE         only show events whose HEADER is VALUE
Anything else is sent to the switch as an API command: try `status`, `show api`, `help`.
Tab completes command names; Ctrl-C clears the line.
";

/// Turns a typed line into what the console does with it, the way fs_cli
/// does: `/word ...` is a console command, a line starting with `...` leaves,
/// anything else is `api LINE`.
pub(crate) fn dispatch(line: &str) -> Action {
    let line = line.trim();
    if line.is_empty() {
        return Action::Nothing;
    }
    if line.starts_with("...") {
        return Action::Exit;
    }
    let Some(rest) = line.strip_prefix('/') else {
        return Action::Api(format!("api {line}"));
    };
    let (word, args) = match rest.split_once(char::is_whitespace) {
        Some((word, args)) => (word, args.trim()),
        None => (rest, ""),
    };
    let lower = word.to_ascii_lowercase();
    match lower.as_str() {
        "help" | "?" => Action::Help,
        "exit" | "quit" | "bye" => Action::Exit,
        known if PASS_THROUGH.contains(&known) => {
            if args.is_empty() {
                Action::Command(lower)
            } else {
                Action::Command(format!("{lower} {args}"))
            }
        }
        _ => Action::Unknown(format!("/{word}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_lines_are_api_commands() {
        assert_eq!(dispatch("status"), Action::Api("api status".into()));
        assert_eq!(
            dispatch("  show   api  "),
            Action::Api("api show   api".into())
        );
        assert_eq!(
            dispatch("load mod_example"),
            Action::Api("api load mod_example".into())
        );
        // As in fs_cli, a bare `exit` is an api command, not a way out.
        assert_eq!(dispatch("exit"), Action::Api("api exit".into()));
    }

    #[test]
    fn blank_lines_do_nothing() {
        assert_eq!(dispatch(""), Action::Nothing);
        assert_eq!(dispatch("   \t"), Action::Nothing);
    }

    #[test]
    fn log_commands_go_to_the_wire() {
        assert_eq!(dispatch("/log debug"), Action::Command("log debug".into()));
        assert_eq!(dispatch("/LOG  7 "), Action::Command("log 7".into()));
        assert_eq!(dispatch("/log"), Action::Command("log".into()));
        assert_eq!(dispatch("/nolog"), Action::Command("nolog".into()));
        assert_eq!(
            dispatch("/event plain ALL"),
            Action::Command("event plain ALL".into())
        );
        assert_eq!(dispatch("/noevents"), Action::Command("noevents".into()));
        assert_eq!(
            dispatch("/filter Unique-ID abc"),
            Action::Command("filter Unique-ID abc".into())
        );
    }

    #[test]
    fn leaving_and_help() {
        for line in ["/exit", "/quit", "/bye", "...", "/EXIT"] {
            assert_eq!(dispatch(line), Action::Exit, "{line}");
        }
        assert_eq!(dispatch("/help"), Action::Help);
    }

    #[test]
    fn unknown_slash_commands_stay_local() {
        assert_eq!(
            dispatch("/frobnicate now"),
            Action::Unknown("/frobnicate".into())
        );
        assert_eq!(dispatch("/"), Action::Unknown("/".into()));
        assert_eq!(dispatch("/logx"), Action::Unknown("/logx".into()));
    }

    #[test]
    fn every_completed_slash_command_is_understood() {
        for command in SLASH_COMMANDS {
            assert!(
                !matches!(dispatch(command), Action::Unknown(_) | Action::Api(_)),
                "{command}"
            );
        }
    }
}
