//! `name-addr` / `addr-spec` with header parameters (RFC 3261 §20.10 and
//! §25.1): the shape of From, To, Contact, Route, Record-Route and
//! P-Asserted-Identity values.

use std::borrow::Cow;

use super::error::ParseError;
use super::params::Params;
use super::syntax::{is_token_byte, is_ws, quoted_string_end, skip_ws, trim_ws, unquote};
use super::uri::{Uri, parse_uri};

/// An address with optional display name and header parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NameAddr<'a> {
    /// The display name as received (quotes and escapes kept), if any.
    pub display_name: Option<&'a str>,
    /// The URI.
    pub uri: Uri<'a>,
    /// True when the URI was enclosed in `<>`.
    pub bracketed: bool,
    /// Header parameters after the address (`tag`, `expires`, `q`, ...).
    pub params: Params<'a>,
}

/// One Contact value: an address, or `*` (remove all bindings).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Contact<'a> {
    /// `Contact: *`.
    Wildcard,
    /// An address.
    Address(NameAddr<'a>),
}

impl<'a> NameAddr<'a> {
    /// Parses a name-addr or addr-spec with parameters; `what` names the
    /// header in errors (e.g. `"To"`).
    pub fn parse(text: &'a str, what: &'static str) -> Result<NameAddr<'a>, ParseError> {
        parse_name_addr(text, what)
    }

    /// The display name without quotes and escapes.
    pub fn display_name_unquoted(&self) -> Option<Cow<'a, str>> {
        self.display_name.map(unquote)
    }

    /// The `tag` parameter.
    pub fn tag(&self) -> Option<&'a str> {
        self.params.value("tag")
    }

    /// The `expires` parameter of a Contact, in seconds (values beyond
    /// 2^32-1 read as 2^32-1); `None` if absent or not a number.
    pub fn expires(&self) -> Option<u32> {
        self.params.value("expires").and_then(saturating_seconds)
    }

    /// The `q` parameter of a Contact, as received (e.g. `0.33`).
    pub fn q(&self) -> Option<&'a str> {
        self.params.value("q")
    }
}

/// Reads delta-seconds, saturating at `u32::MAX`.
pub(crate) fn saturating_seconds(text: &str) -> Option<u32> {
    let text = trim_ws(text);
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(super::syntax::parse_u32(text).unwrap_or(u32::MAX))
}

fn parse_name_addr<'a>(text: &'a str, what: &'static str) -> Result<NameAddr<'a>, ParseError> {
    let err = |detail| ParseError::Malformed { what, detail };
    let text = trim_ws(text);
    let b = text.as_bytes();
    if b.is_empty() {
        return Err(err("empty value"));
    }
    let (display_name, open) = if b.first() == Some(&b'"') {
        let end = quoted_string_end(b, 0).ok_or(err("unterminated quoted string"))?;
        let open = skip_ws(b, end);
        if b.get(open) != Some(&b'<') {
            return Err(err("expected '<' after display name"));
        }
        (text.get(..end), Some(open))
    } else {
        let mut i = 0;
        while b.get(i).is_some_and(|&c| is_token_byte(c) || is_ws(c)) {
            i += 1;
        }
        if b.get(i) == Some(&b'<') {
            let name = trim_ws(text.get(..i).unwrap_or_default());
            ((!name.is_empty()).then_some(name), Some(i))
        } else if text.contains('<') {
            return Err(err("display name must be tokens or a quoted string"));
        } else {
            (None, None)
        }
    };
    let (uri_text, rest, bracketed) = match open {
        Some(open) => {
            let inner_start = open + 1;
            let close = text
                .get(inner_start..)
                .and_then(|r| r.find('>'))
                .ok_or(err("missing '>'"))?;
            let uri_text = text
                .get(inner_start..inner_start + close)
                .unwrap_or_default();
            if uri_text.starts_with([' ', '\t']) || uri_text.ends_with([' ', '\t']) {
                return Err(err("whitespace inside <>"));
            }
            (
                uri_text,
                text.get(inner_start + close + 1..).unwrap_or_default(),
                true,
            )
        }
        None => {
            let end = b
                .iter()
                .position(|&c| c == b';' || is_ws(c))
                .unwrap_or(b.len());
            let uri_text = text.get(..end).unwrap_or_default();
            if uri_text.contains([',', '?']) {
                return Err(err("URI with ',' or '?' must be enclosed in <>"));
            }
            (uri_text, text.get(end..).unwrap_or_default(), false)
        }
    };
    let uri = parse_uri(uri_text, what)?;
    let params = Params::parse(rest).map_err(err)?;
    Ok(NameAddr {
        display_name,
        uri,
        bracketed,
        params,
    })
}

impl<'a> Contact<'a> {
    /// Parses one Contact element (not a comma-separated list).
    pub fn parse(text: &'a str) -> Result<Contact<'a>, ParseError> {
        if trim_ws(text) == "*" {
            Ok(Contact::Wildcard)
        } else {
            NameAddr::parse(text, "Contact").map(Contact::Address)
        }
    }

    /// The address, unless this is the wildcard.
    pub fn address(&self) -> Option<&NameAddr<'a>> {
        match self {
            Contact::Wildcard => None,
            Contact::Address(addr) => Some(addr),
        }
    }
}
