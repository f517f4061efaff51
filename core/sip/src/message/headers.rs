//! The raw header list: every header kept as received (name spelling and
//! value), stored as ranges into one owned text so parsing allocates once.

use super::error::ParseError;
use super::header_name::HeaderName;
use super::span::Span;
use super::syntax::is_token;

/// One stored header: where its name and value live in the text.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Entry {
    pub(crate) name: Span,
    pub(crate) value: Span,
    pub(crate) kind: HeaderName,
}

/// The headers of a message, in the order received.
///
/// The text also holds the message's start line; header values are kept as
/// received (a folded value has its line breaks turned into spaces, which
/// RFC 3261 §7.3.1 defines as equivalent). Typed views (Via, From, CSeq ...)
/// are parsed on access; see the methods in the `typed` section.
#[derive(Clone, Debug, Default)]
pub struct Headers {
    pub(crate) text: String,
    pub(crate) entries: Vec<Entry>,
}

/// A borrowed view of one header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header<'a> {
    /// The name as received (e.g. `v` or `VIA`).
    pub name: &'a str,
    /// The value, without surrounding whitespace.
    pub value: &'a str,
    /// The recognised name.
    pub kind: HeaderName,
}

impl Headers {
    pub(crate) fn from_parts(text: String, entries: Vec<Entry>) -> Headers {
        Headers { text, entries }
    }

    /// The text a span covers.
    pub(crate) fn slice(&self, span: Span) -> &str {
        span.of(&self.text)
    }

    fn view(&self, entry: &Entry) -> Header<'_> {
        Header {
            name: self.slice(entry.name),
            value: self.slice(entry.value),
            kind: entry.kind,
        }
    }

    /// Number of header lines (a comma-separated line counts once).
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when there are no headers.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// All headers in order.
    pub fn iter(&self) -> impl Iterator<Item = Header<'_>> + '_ {
        self.entries.iter().map(|e| self.view(e))
    }

    /// Values of every header of a known kind, in order (raw, not split at commas).
    ///
    /// For [`HeaderName::Other`] this yields every unrecognised header; use
    /// [`Headers::get_all`] to look one up by name.
    pub fn values(&self, kind: HeaderName) -> impl Iterator<Item = &str> + '_ {
        self.entries
            .iter()
            .filter(move |e| e.kind == kind)
            .map(|e| self.slice(e.value))
    }

    /// The first value of a header of a known kind.
    pub fn first(&self, kind: HeaderName) -> Option<&str> {
        self.values(kind).next()
    }

    /// How many header lines of a known kind there are.
    pub fn count(&self, kind: HeaderName) -> usize {
        self.entries.iter().filter(|e| e.kind == kind).count()
    }

    /// Values of every header called `name` (any case; compact forms match
    /// their long form), in order.
    pub fn get_all<'s>(&'s self, name: &'s str) -> impl Iterator<Item = &'s str> + 's {
        let kind = HeaderName::from_name(name);
        self.entries
            .iter()
            .filter(move |e| {
                e.kind == kind
                    && (kind != HeaderName::Other || self.slice(e.name).eq_ignore_ascii_case(name))
            })
            .map(|e| self.slice(e.value))
    }

    /// The first value of the header called `name` (see [`Headers::get_all`]).
    pub fn get(&self, name: &str) -> Option<&str> {
        let kind = HeaderName::from_name(name);
        self.entries
            .iter()
            .find(|e| {
                e.kind == kind
                    && (kind != HeaderName::Other || self.slice(e.name).eq_ignore_ascii_case(name))
            })
            .map(|e| self.slice(e.value))
    }

    /// Appends a header. The name must be a token and the value must not
    /// contain CR or LF (no header injection).
    pub fn push(&mut self, name: &str, value: &str) -> Result<(), ParseError> {
        check_header_input(name, value)?;
        let value = value.trim_matches([' ', '\t']);
        let name_start = self.text.len();
        self.text.push_str(name);
        let name_span = Span::new(name_start, self.text.len());
        self.text.push_str(": ");
        let value_start = self.text.len();
        self.text.push_str(value);
        let value_span = Span::new(value_start, self.text.len());
        self.text.push('\n');
        self.entries.push(Entry {
            name: name_span,
            value: value_span,
            kind: HeaderName::from_name(name),
        });
        Ok(())
    }

    /// Removes every header called `name`; returns how many were removed.
    pub fn remove(&mut self, name: &str) -> usize {
        let kind = HeaderName::from_name(name);
        let before = self.entries.len();
        let text = &self.text;
        self.entries.retain(|e| {
            !(e.kind == kind
                && (kind != HeaderName::Other || e.name.of(text).eq_ignore_ascii_case(name)))
        });
        before - self.entries.len()
    }

    /// Replaces every header called `name` with one header holding `value`.
    pub fn set(&mut self, name: &str, value: &str) -> Result<(), ParseError> {
        check_header_input(name, value)?;
        self.remove(name);
        self.push(name, value)
    }
}

/// Checks that a header built by hand cannot break the message framing.
fn check_header_input(name: &str, value: &str) -> Result<(), ParseError> {
    if !is_token(name) {
        return Err(ParseError::InvalidInput("header name is not a token"));
    }
    if value.contains(['\r', '\n']) {
        return Err(ParseError::InvalidInput("header value contains CR or LF"));
    }
    Ok(())
}
