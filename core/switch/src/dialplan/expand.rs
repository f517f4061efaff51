//! Text expansion: `${var}` from channel variables and `$1` from regex captures.
//!
//! The two happen at different moments, as in FreeSWITCH: `$N` captures are
//! substituted into an action's data during the hunt (they belong to the
//! condition that matched), while `${var}` is expanded when the action runs,
//! so that an earlier `set` in the same extension is visible to later actions.
//! Field and expression attributes of conditions are expanded during the hunt.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};

/// Deepest `${...}` nesting expanded; anything deeper is left as text.
const MAX_DEPTH: usize = 16;

/// Where channel variables come from. The dialplan engine knows nothing about
/// channels: the caller passes an implementation of this trait.
pub trait Variables {
    /// The value of channel variable `name`, or `None` if it is unset.
    fn get(&self, name: &str) -> Option<Cow<'_, str>>;

    /// The value of global variable `name` (`$${name}`), or `None` if unset.
    fn global(&self, _name: &str) -> Option<Cow<'_, str>> {
        None
    }

    /// Runs API `command` with `args` for `${command args}` expansion and
    /// returns its output; `None` (the default) expands to the empty string.
    fn api(&self, _command: &str, _args: &str) -> Option<String> {
        None
    }
}

impl Variables for HashMap<String, String> {
    fn get(&self, name: &str) -> Option<Cow<'_, str>> {
        HashMap::get(self, name).map(|v| Cow::Borrowed(v.as_str()))
    }
}

impl Variables for BTreeMap<String, String> {
    fn get(&self, name: &str) -> Option<Cow<'_, str>> {
        BTreeMap::get(self, name).map(|v| Cow::Borrowed(v.as_str()))
    }
}

/// No variables at all.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoVariables;

impl Variables for NoVariables {
    fn get(&self, _name: &str) -> Option<Cow<'_, str>> {
        None
    }
}

/// Adapts a closure `Fn(&str) -> Option<String>` into [`Variables`].
#[derive(Debug, Clone, Copy)]
pub struct VariablesFn<F>(pub F);

impl<F: Fn(&str) -> Option<String>> Variables for VariablesFn<F> {
    fn get(&self, name: &str) -> Option<Cow<'_, str>> {
        (self.0)(name).map(Cow::Owned)
    }
}

/// True if `text` contains something [`expand`] would replace.
pub fn needs_expansion(text: &str) -> bool {
    text.contains("${")
}

/// Expands `${name}` (channel variable; unset expands to nothing),
/// `$${name}` (global variable), `${name:offset[:length]}` (substring, in
/// characters; a negative offset counts from the end), `${command args}`
/// and FreeSWITCH's `${command(args)}` (API call through
/// [`Variables::api`]) and nested forms such as
/// `${a_${b}}`. A `${` with no closing brace is kept as written.
pub fn expand(text: &str, vars: &dyn Variables) -> String {
    if !needs_expansion(text) {
        return text.to_owned();
    }
    expand_depth(text, vars, 0)
}

fn expand_depth(text: &str, vars: &dyn Variables, depth: usize) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(pos) = rest.find("${") {
        let global = pos > 0 && rest.as_bytes().get(pos - 1) == Some(&b'$');
        let lead_end = if global { pos - 1 } else { pos };
        out.push_str(&rest[..lead_end]);
        let body_start = pos + 2;
        let Some(close) = matching_brace(&rest[body_start..]) else {
            // Unterminated: keep everything literally.
            out.push_str(&rest[lead_end..]);
            return out;
        };
        let raw_body = &rest[body_start..body_start + close];
        if depth >= MAX_DEPTH {
            out.push_str(&rest[lead_end..body_start + close + 1]);
        } else {
            let body = if needs_expansion(raw_body) {
                Cow::Owned(expand_depth(raw_body, vars, depth + 1))
            } else {
                Cow::Borrowed(raw_body)
            };
            if global {
                if let Some(v) = vars.global(&body) {
                    out.push_str(&v);
                }
            } else {
                lookup(&body, vars, &mut out);
            }
        }
        rest = &rest[body_start + close + 1..];
    }
    out.push_str(rest);
    out
}

/// Index of the `}` closing a `${` whose body starts at `s[0]`.
fn matching_brace(s: &str) -> Option<usize> {
    let mut depth = 0usize;
    for (i, c) in s.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => return Some(i),
            '}' => depth -= 1,
            _ => {}
        }
    }
    None
}

/// FreeSWITCH's API call form `name(args)`: the name before the first
/// `(` (no spaces), the arguments up to the final `)`.
fn call_form(body: &str) -> Option<(&str, &str)> {
    let (name, rest) = body.split_once('(')?;
    let args = rest.strip_suffix(')')?;
    let name = name.trim_end();
    (!name.is_empty() && !name.contains(char::is_whitespace)).then_some((name, args))
}

fn lookup(body: &str, vars: &dyn Variables, out: &mut String) {
    if let Some((command, args)) = call_form(body) {
        if let Some(v) = vars.api(command, args) {
            out.push_str(&v);
        }
        return;
    }
    if let Some((command, args)) = body.split_once(' ') {
        if let Some(v) = vars.api(command, args.trim_start()) {
            out.push_str(&v);
        }
        return;
    }
    if let Some(v) = vars.get(body) {
        out.push_str(&v);
        return;
    }
    // `${name:offset[:length]}` only when the plain name is unset.
    let mut parts = body.splitn(3, ':');
    let (Some(name), Some(offset)) = (parts.next(), parts.next()) else {
        return;
    };
    let Ok(offset) = offset.trim().parse::<i64>() else {
        return;
    };
    let length = match parts.next() {
        Some(l) => match l.trim().parse::<i64>() {
            Ok(l) => Some(l),
            Err(_) => return,
        },
        None => None,
    };
    if let Some(v) = vars.get(name) {
        out.push_str(&substring(&v, offset, length));
    }
}

fn substring(value: &str, offset: i64, length: Option<i64>) -> String {
    let count = i64::try_from(value.chars().count()).unwrap_or(i64::MAX);
    let start = if offset < 0 {
        (count + offset).max(0)
    } else {
        offset.min(count)
    };
    let end = match length {
        Some(l) if l < 0 => (count + l).max(start),
        Some(l) => start.saturating_add(l).min(count),
        None => count,
    };
    let take = usize::try_from(end - start).unwrap_or(0);
    let skip = usize::try_from(start).unwrap_or(0);
    value.chars().skip(skip).take(take).collect()
}

/// Replaces `$N` and `${N}` (N decimal digits) in `data` with capture group N
/// of the matching regex (`$0` is the whole match); a group that does not
/// exist or did not take part expands to nothing. A `$` not followed by a
/// digit, including `${name}`, is kept for later variable expansion.
pub fn substitute_captures(data: &str, captures: &[Option<String>]) -> String {
    if !data.contains('$') {
        return data.to_owned();
    }
    let bytes = data.as_bytes();
    let mut out = String::with_capacity(data.len() + 16);
    let mut i = 0;
    let mut literal_start = 0;
    while i < bytes.len() {
        if bytes[i] != b'$' {
            i += 1;
            continue;
        }
        let brace = bytes.get(i + 1) == Some(&b'{');
        let digits_start = i + 1 + usize::from(brace);
        let mut j = digits_start;
        while j < bytes.len() && bytes[j].is_ascii_digit() {
            j += 1;
        }
        if j == digits_start || (brace && bytes.get(j) != Some(&b'}')) {
            i += 1;
            continue;
        }
        out.push_str(&data[literal_start..i]);
        let index = data[digits_start..j].parse::<usize>().ok();
        if let Some(Some(text)) = index.and_then(|n| captures.get(n)) {
            out.push_str(text);
        }
        i = j + usize::from(brace);
        literal_start = i;
    }
    out.push_str(&data[literal_start..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars() -> HashMap<String, String> {
        let mut m = HashMap::new();
        m.insert("a".into(), "one".into());
        m.insert("b".into(), "x".into());
        m.insert("a_x".into(), "nested".into());
        m.insert("long".into(), "abcdef".into());
        m
    }

    #[test]
    fn plain_text_is_unchanged() {
        assert_eq!(expand("hello $1 world", &vars()), "hello $1 world");
    }

    #[test]
    fn variables_expand_and_unset_is_empty() {
        assert_eq!(expand("[${a}] [${missing}]", &vars()), "[one] []");
        assert_eq!(expand("${a}${a}", &vars()), "oneone");
    }

    #[test]
    fn nested_variables() {
        assert_eq!(expand("${a_${b}}", &vars()), "nested");
    }

    #[test]
    fn unterminated_kept() {
        assert_eq!(expand("x ${a", &vars()), "x ${a");
    }

    #[test]
    fn substrings() {
        assert_eq!(expand("${long:2}", &vars()), "cdef");
        assert_eq!(expand("${long:1:2}", &vars()), "bc");
        assert_eq!(expand("${long:-2}", &vars()), "ef");
        assert_eq!(expand("${long:0:-1}", &vars()), "abcde");
        assert_eq!(expand("${long:99}", &vars()), "");
    }

    struct WithApi;
    impl Variables for WithApi {
        fn get(&self, _name: &str) -> Option<Cow<'_, str>> {
            None
        }
        fn global(&self, name: &str) -> Option<Cow<'_, str>> {
            (name == "domain").then_some(Cow::Borrowed("acme.test"))
        }
        fn api(&self, command: &str, args: &str) -> Option<String> {
            Some(format!("{command}({args})"))
        }
    }

    #[test]
    fn api_and_globals() {
        assert_eq!(expand("${strftime %H}", &WithApi), "strftime(%H)");
        assert_eq!(
            expand("${hash(select/calls/${long})}", &WithApi),
            "hash(select/calls/)"
        );
        assert_eq!(expand("${expr(1 + (2))}", &WithApi), "expr(1 + (2))");
        assert_eq!(
            expand("${odd (x)}", &WithApi),
            "odd(x)",
            "spaces before ( go"
        );
        assert_eq!(expand("u@$${domain}", &WithApi), "u@acme.test");
        assert_eq!(expand("u@$${other}", &WithApi), "u@");
    }

    #[test]
    fn closure_variables() {
        let v = VariablesFn(|n: &str| (n == "k").then(|| "v".to_string()));
        assert_eq!(expand("${k}${j}", &v), "v");
    }

    #[test]
    fn captures_substitute() {
        let caps = vec![Some("1001".to_string()), Some("10".to_string()), None];
        assert_eq!(
            substitute_captures("user/$0 $1 [$2] [$3] ${1}", &caps),
            "user/1001 10 [] [] 10"
        );
        assert_eq!(substitute_captures("${var} $x $", &caps), "${var} $x $");
        assert_eq!(substitute_captures("${1x}", &caps), "${1x}");
        assert_eq!(substitute_captures("$99999999999999999999999", &caps), "");
        assert_eq!(substitute_captures("é$1é", &caps), "é10é");
    }
}
