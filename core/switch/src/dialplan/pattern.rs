//! Condition expressions: regular expressions compiled once at load.

use regex::{Regex, RegexBuilder};

use super::expand::{Variables, expand, needs_expansion};

/// Largest compiled program a dialplan regex may produce, in bytes.
const SIZE_LIMIT: usize = 1 << 20;

/// Captures of a match: index 0 is the whole match, then each group
/// (`None` for a group that did not take part).
pub type Captures = Vec<Option<String>>;

/// A condition's `expression`: compiled at load unless it contains `${...}`,
/// in which case it is expanded and compiled at each evaluation. An anchored
/// literal (`^1001$`, `^(1001)$`, `^(?:1001|1002)$`) is matched by string
/// comparison, with the same captures the regex would give.
///
/// FreeSWITCH's `/regex/flags` form is accepted (`i` caseless, `s` dot
/// matches newline).
#[derive(Debug, Clone)]
pub struct Pattern {
    source: String,
    kind: Kind,
    has_paren: bool,
}

#[derive(Debug, Clone)]
enum Kind {
    Literal {
        alternatives: Vec<String>,
        capturing: bool,
    },
    /// A regex and, when it has one, a literal prefix every match starts with.
    Compiled(Regex, Option<String>),
    Dynamic,
}

impl Pattern {
    /// Compiles `source`; the error is the regex engine's message.
    pub fn new(source: &str) -> Result<Pattern, String> {
        let has_paren = source.contains('(');
        let kind = if needs_expansion(source) {
            Kind::Dynamic
        } else if let Some((alternatives, capturing)) = exact_literals(source) {
            Kind::Literal {
                alternatives,
                capturing,
            }
        } else {
            Kind::Compiled(compile(source)?, required_prefix(source))
        };
        Ok(Pattern {
            source: source.to_owned(),
            kind,
            has_paren,
        })
    }

    /// The expression as written.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// True if the expression depends on channel variables.
    pub fn is_dynamic(&self) -> bool {
        matches!(self.kind, Kind::Dynamic)
    }

    /// The strings this expression matches, when it is nothing but an
    /// anchored literal or alternation of literals.
    pub fn exact_literals(&self) -> Option<&[String]> {
        match &self.kind {
            Kind::Literal { alternatives, .. } => Some(alternatives),
            _ => None,
        }
    }

    /// Matches `value`. `Ok(None)`: no match. `Ok(Some(captures))`: a match,
    /// with captures when `want_captures` and the (expanded) expression has a
    /// `(` — which is when FreeSWITCH substitutes `$N` into action data.
    /// `Err` when a dynamic expression expands to an invalid regex.
    pub fn matches(
        &self,
        value: &str,
        vars: &dyn Variables,
        want_captures: bool,
    ) -> Result<Option<Option<Captures>>, String> {
        match &self.kind {
            Kind::Literal {
                alternatives,
                capturing,
            } => {
                if !alternatives.iter().any(|a| a == value) {
                    return Ok(None);
                }
                if !(want_captures && self.has_paren) {
                    return Ok(Some(None));
                }
                let mut caps = vec![Some(value.to_string())];
                if *capturing {
                    caps.push(Some(value.to_string()));
                }
                Ok(Some(Some(caps)))
            }
            Kind::Compiled(re, prefix) => {
                if prefix.as_deref().is_some_and(|p| !value.starts_with(p)) {
                    return Ok(None);
                }
                Ok(run(re, value, want_captures && self.has_paren))
            }
            Kind::Dynamic => {
                let expanded = expand(&self.source, vars);
                let re = compile(&expanded).map_err(|e| format!("expression {expanded:?}: {e}"))?;
                Ok(run(&re, value, want_captures && expanded.contains('(')))
            }
        }
    }
}

fn run(re: &Regex, value: &str, captures: bool) -> Option<Option<Captures>> {
    if captures {
        re.captures(value).map(|c| {
            Some(
                c.iter()
                    .map(|m| m.map(|m| m.as_str().to_string()))
                    .collect(),
            )
        })
    } else {
        re.is_match(value).then_some(None)
    }
}

fn compile(source: &str) -> Result<Regex, String> {
    let (body, caseless, dotall) = split_flags(source);
    RegexBuilder::new(body)
        .case_insensitive(caseless)
        .dot_matches_new_line(dotall)
        .size_limit(SIZE_LIMIT)
        .build()
        .map_err(|e| e.to_string())
}

/// Splits FreeSWITCH's `/body/flags` form.
fn split_flags(source: &str) -> (&str, bool, bool) {
    if let Some(inner) = source.strip_prefix('/')
        && let Some(slash) = inner.rfind('/')
    {
        let flags = &inner[slash + 1..];
        return (&inner[..slash], flags.contains('i'), flags.contains('s'));
    }
    (source, false, false)
}

/// Literal strings matched by `^lit$`, `^(lit)$`, `^(?:a|b)$`, `^(a|b)$`,
/// and whether the alternation is a capturing group.
fn exact_literals(source: &str) -> Option<(Vec<String>, bool)> {
    let inner = source.strip_prefix('^')?.strip_suffix('$')?;
    if inner.ends_with('\\') {
        return None;
    }
    let (inner, capturing) =
        if let Some(g) = inner.strip_prefix("(?:").and_then(|s| s.strip_suffix(')')) {
            (g, false)
        } else if let Some(g) = inner.strip_prefix('(').and_then(|s| s.strip_suffix(')')) {
            if g.starts_with('?') {
                return None;
            }
            (g, true)
        } else {
            // A bare alternation would bind to the anchors: `^a|b$`.
            if inner.contains('|') {
                return None;
            }
            (inner, false)
        };
    let mut out = Vec::new();
    for alt in inner.split('|') {
        out.push(literal(alt)?);
    }
    Some((out, capturing))
}

/// A literal every match must start with: `^(10000)(\d*)$` gives `10000`.
/// Only for patterns without alternation or inline flags, where it is safe.
fn required_prefix(source: &str) -> Option<String> {
    if source.contains('|')
        || (source.contains("(?") && !source.starts_with("^(?:"))
        || source.matches("(?").count() > 1
    {
        return None;
    }
    let rest = source.strip_prefix('^')?;
    let rest = rest
        .strip_prefix("(?:")
        .or_else(|| rest.strip_prefix('('))
        .unwrap_or(rest);
    let mut prefix = String::new();
    let mut chars = rest.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c == '\\' {
            let mut ahead = chars.clone();
            ahead.next();
            match ahead.next() {
                Some(e) if e.is_ascii_punctuation() => {
                    prefix.push(e);
                    chars = ahead;
                    continue;
                }
                _ => break,
            }
        }
        if c.is_ascii_alphanumeric()
            || matches!(
                c,
                '_' | '-' | '@' | '#' | '%' | ':' | '/' | '=' | ',' | '!' | '~' | ' '
            )
        {
            prefix.push(c);
            chars.next();
            continue;
        }
        break;
    }
    match chars.next() {
        // The last literal is optional or repeated from zero.
        Some('?' | '*' | '{') => {
            prefix.pop();
        }
        // A group closing: it must not be optional.
        Some(')') => {
            if matches!(chars.next(), Some('?' | '*' | '{')) {
                return None;
            }
        }
        _ => {}
    }
    (!prefix.is_empty()).then_some(prefix)
}

fn literal(text: &str) -> Option<String> {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            let e = chars.next()?;
            if e.is_ascii_punctuation() {
                out.push(e);
            } else {
                return None;
            }
        } else if c.is_ascii_alphanumeric()
            || matches!(
                c,
                '_' | '-'
                    | '@'
                    | '#'
                    | '%'
                    | ':'
                    | '/'
                    | '='
                    | ','
                    | '!'
                    | '~'
                    | '\''
                    | '"'
                    | ' '
                    | '&'
                    | ';'
                    | '<'
                    | '>'
            )
        {
            out.push(c);
        } else {
            return None;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::super::expand::NoVariables;
    use super::*;
    use std::collections::HashMap;

    fn m(p: &Pattern, v: &str) -> Option<Option<Captures>> {
        p.matches(v, &NoVariables, true).unwrap()
    }

    fn caps(list: &[&str]) -> Option<Option<Captures>> {
        Some(Some(list.iter().map(|s| Some(s.to_string())).collect()))
    }

    #[test]
    fn compiles_and_matches_with_captures() {
        let p = Pattern::new(r"^(\d)(\d+)$").unwrap();
        assert_eq!(m(&p, "1234"), caps(&["1234", "1", "234"]));
        assert_eq!(m(&p, "12a"), None);
        assert_eq!(p.matches("12", &NoVariables, false).unwrap(), Some(None));
        let p = Pattern::new(r"^\d+$").unwrap();
        assert_eq!(m(&p, "12"), Some(None));
    }

    #[test]
    fn invalid_regex_reports_engine_error() {
        let e = Pattern::new("^(1|2$").unwrap_err();
        assert!(e.contains("unclosed group"), "{e}");
    }

    #[test]
    fn slash_flags() {
        let p = Pattern::new("/^abc$/i").unwrap();
        assert_eq!(m(&p, "ABC"), Some(None));
        let p = Pattern::new("/a.b/s").unwrap();
        assert_eq!(m(&p, "a\nb"), Some(None));
    }

    #[test]
    fn dynamic_expressions_expand_at_match_time() {
        let p = Pattern::new("^${prefix}(\\d+)$").unwrap();
        assert!(p.is_dynamic());
        let mut v = HashMap::new();
        v.insert("prefix".to_string(), "9".to_string());
        assert_eq!(p.matches("9123", &v, true).unwrap(), caps(&["9123", "123"]));
        assert_eq!(p.matches("8123", &v, true).unwrap(), None);
        v.insert("prefix".to_string(), "(".to_string());
        assert!(p.matches("9123", &v, true).is_err());
    }

    #[test]
    fn literals_match_like_the_regex_would() {
        let p = Pattern::new("^(1001|1002)$").unwrap();
        assert_eq!(m(&p, "1002"), caps(&["1002", "1002"]));
        assert_eq!(m(&p, "10021"), None);
        let p = Pattern::new("^(?:1001|1002)$").unwrap();
        assert_eq!(m(&p, "1001"), caps(&["1001"]));
        let p = Pattern::new("^1001$").unwrap();
        assert_eq!(m(&p, "1001"), Some(None));
        // Same answers as the regex engine.
        for src in ["^(1001|1002)$", "^(?:1001|1002)$", "^1001$", r"^\+1$"] {
            let re = Regex::new(src).unwrap();
            let p = Pattern::new(src).unwrap();
            for v in ["1001", "1002", "x", "+1", ""] {
                assert_eq!(m(&p, v).is_some(), re.is_match(v), "{src} {v}");
            }
        }
    }

    #[test]
    fn required_prefixes() {
        assert_eq!(required_prefix(r"^(10000)(\d*)$").as_deref(), Some("10000"));
        assert_eq!(required_prefix(r"^\+1(\d{10})$").as_deref(), Some("+1"));
        assert_eq!(required_prefix(r"^12?3$").as_deref(), Some("1"));
        assert_eq!(required_prefix(r"^(12)?3$"), None);
        assert_eq!(required_prefix(r"^(?:12)*3$"), None);
        assert_eq!(required_prefix(r"^1|2$"), None);
        assert_eq!(required_prefix(r"^(?i)abc$"), None);
        assert_eq!(required_prefix(r"abc"), None);
        assert_eq!(required_prefix(r"/^abc$/i"), None);
        assert_eq!(required_prefix(r"^\d+$"), None);
        let p = Pattern::new(r"^(100)(\d*)$").unwrap();
        assert_eq!(m(&p, "1005"), caps(&["1005", "100", "5"]));
        assert_eq!(m(&p, "2005"), None);
    }

    #[test]
    fn literal_extraction() {
        let lits = |s: &str| {
            Pattern::new(s)
                .unwrap()
                .exact_literals()
                .map(<[String]>::to_vec)
        };
        assert_eq!(lits("^1001$"), Some(vec!["1001".to_string()]));
        assert_eq!(lits("^(1001)$"), Some(vec!["1001".to_string()]));
        assert_eq!(
            lits("^(?:1001|1002)$"),
            Some(vec!["1001".to_string(), "1002".to_string()])
        );
        assert_eq!(lits(r"^\+15551234$"), Some(vec!["+15551234".to_string()]));
        assert_eq!(lits("^1001|1002$"), None);
        assert_eq!(lits("^10.1$"), None);
        assert_eq!(lits(r"^\d+$"), None);
        assert_eq!(lits("1001"), None);
        assert_eq!(lits("^(?i)abc$"), None);
        assert_eq!(lits("^(a)(b)$"), None);
        assert_eq!(lits("${x}"), None);
    }
}
