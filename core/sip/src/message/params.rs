//! `;name=value` parameter lists (RFC 3261 `generic-param`, `uri-parameter`),
//! validated once when a typed view is built and then read lazily without
//! allocating.

use super::syntax::{is_param_value_byte, quoted_string_end, skip_token, skip_ws};

/// One parameter: name, and value when it has `=value`. A quoted-string
/// value keeps its quotes (see [`Param::unquoted_value`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Param<'a> {
    /// The name as received.
    pub name: &'a str,
    /// The value as received, or `None` for a flag parameter like `lr`.
    pub value: Option<&'a str>,
}

impl<'a> Param<'a> {
    /// The value with quotes and backslash escapes removed.
    pub fn unquoted_value(&self) -> Option<std::borrow::Cow<'a, str>> {
        self.value.map(super::syntax::unquote)
    }
}

/// A validated parameter list such as `;branch=z9hG4bK1;rport`, possibly
/// with whitespace around `;` and `=` (as header parameters allow).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Params<'a> {
    raw: &'a str,
}

impl<'a> Params<'a> {
    /// Validates `raw` (empty, or starting with `;` after optional whitespace).
    pub(crate) fn parse(raw: &'a str) -> Result<Params<'a>, &'static str> {
        let mut pos = 0;
        while let Some((_, next)) = next_param(raw, pos)? {
            pos = next;
        }
        Ok(Params { raw })
    }

    /// The parameter text as received.
    pub fn as_str(&self) -> &'a str {
        self.raw
    }

    /// True when there are no parameters.
    pub fn is_empty(&self) -> bool {
        self.iter().next().is_none()
    }

    /// The parameters in order.
    pub fn iter(&self) -> ParamIter<'a> {
        ParamIter {
            raw: self.raw,
            pos: 0,
        }
    }

    /// Looks a parameter up by name (case-insensitive): `None` if absent,
    /// `Some(None)` if present without a value.
    pub fn get(&self, name: &str) -> Option<Option<&'a str>> {
        self.iter()
            .find(|p| p.name.eq_ignore_ascii_case(name))
            .map(|p| p.value)
    }

    /// The value of a parameter, if present with a value.
    pub fn value(&self, name: &str) -> Option<&'a str> {
        self.get(name).flatten()
    }

    /// True if the parameter is present (with or without a value).
    pub fn contains(&self, name: &str) -> bool {
        self.get(name).is_some()
    }
}

/// Iterator over a [`Params`] list.
#[derive(Clone, Debug)]
pub struct ParamIter<'a> {
    raw: &'a str,
    pos: usize,
}

impl<'a> Iterator for ParamIter<'a> {
    type Item = Param<'a>;

    fn next(&mut self) -> Option<Param<'a>> {
        let (param, next) = next_param(self.raw, self.pos).ok().flatten()?;
        self.pos = next;
        Some(param)
    }
}

/// Reads the parameter starting at `pos`: `Ok(None)` at the end of the list.
fn next_param(s: &str, pos: usize) -> Result<Option<(Param<'_>, usize)>, &'static str> {
    let b = s.as_bytes();
    let mut i = skip_ws(b, pos);
    match b.get(i) {
        None => return Ok(None),
        Some(b';') => {}
        Some(_) => return Err("unexpected character before parameter"),
    }
    i = skip_ws(b, i + 1);
    let name_start = i;
    i = skip_token(b, i);
    if i == name_start {
        return Err("empty parameter");
    }
    let name = s.get(name_start..i).unwrap_or_default();
    let after_name = skip_ws(b, i);
    if b.get(after_name) != Some(&b'=') {
        return Ok(Some((Param { name, value: None }, i)));
    }
    let value_start = skip_ws(b, after_name + 1);
    let value_end = if b.get(value_start) == Some(&b'"') {
        quoted_string_end(b, value_start).ok_or("unterminated quoted string")?
    } else {
        let mut k = value_start;
        while b.get(k).is_some_and(|&c| is_param_value_byte(c)) {
            k += 1;
        }
        k
    };
    if value_end == value_start {
        return Err("parameter without value after '='");
    }
    let value = s.get(value_start..value_end).unwrap_or_default();
    Ok(Some((
        Param {
            name,
            value: Some(value),
        },
        value_end,
    )))
}
