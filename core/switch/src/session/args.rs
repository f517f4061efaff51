//! Splitting application arguments the way FreeSWITCH's applications do:
//! words separated by spaces, `'...'` grouping words into one (the quotes
//! are dropped), and the last of at most `max` arguments taking the rest
//! of the line; lists with a delimiter that `^^<d>` at the start replaces
//! (`^^:a=1:b=2`).

/// Splits `data` into at most `max` (at least 1) arguments: on whitespace,
/// with `'...'` quoting; the last argument takes the rest of the line (its
/// enclosing quotes dropped).
pub fn split_args(data: &str, max: usize) -> Vec<String> {
    let max = max.max(1);
    let mut out = Vec::new();
    let mut rest = data.trim();
    while !rest.is_empty() {
        if out.len() + 1 == max {
            out.push(unquote(rest).to_owned());
            break;
        }
        let (word, next) = next_word(rest);
        out.push(word);
        rest = next.trim_start();
    }
    out
}

/// One word from the start of `text` (not empty, no leading space), and
/// what follows it.
fn next_word(text: &str) -> (String, &str) {
    let mut word = String::new();
    let mut quoted = false;
    for (i, c) in text.char_indices() {
        match c {
            '\'' => quoted = !quoted,
            c if c.is_whitespace() && !quoted => return (word, &text[i..]),
            c => word.push(c),
        }
    }
    (word, "")
}

fn unquote(text: &str) -> &str {
    let text = text.trim();
    match text.strip_prefix('\'').and_then(|t| t.strip_suffix('\'')) {
        Some(inner) if !inner.contains('\'') => inner,
        _ => text,
    }
}

/// Splits a list on `delimiter`, or on the character after a leading `^^`
/// (`^^:a=1:b=2`); empty items are dropped and items are trimmed.
pub fn split_list(data: &str, delimiter: char) -> Vec<&str> {
    let data = data.trim();
    let (delimiter, list) = match data.strip_prefix("^^") {
        Some(rest) => match rest.chars().next() {
            Some(d) => (d, &rest[d.len_utf8()..]),
            None => (delimiter, ""),
        },
        None => (delimiter, data),
    };
    list.split(delimiter)
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_quotes_and_the_rest_of_the_line() {
        assert_eq!(split_args("  a  b c ", 10), ["a", "b", "c"]);
        assert_eq!(split_args("a 'b c' d", 10), ["a", "b c", "d"]);
        assert_eq!(
            split_args("a b 1 XML default", 3),
            ["a", "b", "1 XML default"]
        );
        assert_eq!(split_args("a '1 XML default'", 2), ["a", "1 XML default"]);
        assert_eq!(split_args("a ''", 5), ["a", ""]);
        assert!(split_args("   ", 3).is_empty());
        assert_eq!(split_args("x", 0), ["x"]);
    }

    #[test]
    fn lists_take_a_custom_delimiter() {
        assert_eq!(split_list("a=1 b=2", ' '), ["a=1", "b=2"]);
        assert_eq!(split_list("^^:a=1 x:b=2", ' '), ["a=1 x", "b=2"]);
        assert_eq!(split_list("A=1,,B=2", ','), ["A=1", "B=2"]);
        assert!(split_list("^^", ',').is_empty());
    }
}
