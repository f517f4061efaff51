//! One pass over a message head: start line, header lines (folded
//! continuations joined, bare LF accepted, whitespace before the colon
//! accepted), all kept as ranges into a single owned text.

use super::error::ParseError;
use super::header_name::HeaderName;
use super::headers::{Entry, Headers};
use super::span::Span;
use super::start_line::{StartLine, parse_start_line};
use super::syntax::{is_token_byte, is_ws};

/// A parsed start line and header section.
#[derive(Clone, Debug)]
pub(crate) struct ParsedHead {
    pub(crate) start: StartLine,
    pub(crate) headers: Headers,
}

/// Where a head ends in a buffer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum HeadEnd {
    /// The head (blank line included) is `buf[..n]`.
    Found(usize),
    /// Not yet; searching may resume at this position once more bytes arrive.
    NeedMore(usize),
}

/// Finds the empty line closing the head (`CRLF CRLF`, `LF LF` or
/// `LF CRLF`), starting the search at `from`.
pub(crate) fn find_head_end(buf: &[u8], from: usize) -> HeadEnd {
    let mut i = from;
    while let Some(offset) = buf
        .get(i..)
        .and_then(|rest| rest.iter().position(|&b| b == b'\n'))
    {
        let lf = i + offset;
        match (buf.get(lf + 1), buf.get(lf + 2)) {
            (Some(b'\n'), _) => return HeadEnd::Found(lf + 2),
            (Some(b'\r'), Some(b'\n')) => return HeadEnd::Found(lf + 3),
            (None, _) | (Some(b'\r'), None) => return HeadEnd::NeedMore(lf),
            _ => i = lf + 1,
        }
    }
    HeadEnd::NeedMore(buf.len().max(from))
}

/// The end of the line content starting at `pos` (line terminator
/// excluded) and the start of the next line.
fn line_bounds(text: &[u8], pos: usize) -> (usize, usize) {
    let rest = text.get(pos..).unwrap_or_default();
    match rest.iter().position(|&b| b == b'\n') {
        Some(k) => {
            let mut end = pos + k;
            if k > 0 && text.get(end - 1) == Some(&b'\r') {
                end -= 1;
            }
            (end, pos + k + 1)
        }
        None => {
            let mut end = text.len();
            if end > pos && text.get(end - 1) == Some(&b'\r') {
                end -= 1;
            }
            (end, text.len())
        }
    }
}

/// Parses a head (start line, headers, optionally the closing empty line).
pub(crate) fn parse_head(bytes: &[u8]) -> Result<ParsedHead, ParseError> {
    let mut text = bytes.to_vec();
    let (first_end, mut pos) = line_bounds(&text, 0);
    let start = parse_start_line(text.get(..first_end).unwrap_or_default(), 0)?;
    let mut entries: Vec<Entry> = Vec::with_capacity(24);
    while pos < text.len() {
        let (line_end, next) = line_bounds(&text, pos);
        if line_end == pos {
            break;
        }
        let first = text.get(pos).copied().unwrap_or(b' ');
        if is_ws(first) {
            let Some(last) = entries.last_mut() else {
                return Err(ParseError::HeaderLine("continuation line without a header"));
            };
            // RFC 3261 §7.3.1: a line fold is equivalent to SP.
            let from = last.value.end as usize;
            if let Some(terminator) = text.get_mut(from..pos) {
                terminator.fill(b' ');
            }
            last.value = Span::new(last.value.start as usize, line_end);
        } else {
            let line = text.get(pos..line_end).unwrap_or_default();
            let Some(colon) = line.iter().position(|&b| b == b':') else {
                return Err(ParseError::HeaderLine("missing ':'"));
            };
            let mut name_end = colon;
            while name_end > 0 && line.get(name_end - 1).is_some_and(|&b| is_ws(b)) {
                name_end -= 1;
            }
            let name = line.get(..name_end).unwrap_or_default();
            if name.is_empty() || !name.iter().all(|&b| is_token_byte(b)) {
                return Err(ParseError::HeaderLine("header name is not a token"));
            }
            let kind = std::str::from_utf8(name).map_or(HeaderName::Other, HeaderName::from_name);
            entries.push(Entry {
                name: Span::new(pos, pos + name_end),
                value: Span::new(pos + colon + 1, line_end),
                kind,
            });
        }
        pos = next;
    }
    for entry in &mut entries {
        let mut start = entry.value.start as usize;
        let mut end = entry.value.end as usize;
        while start < end && text.get(start).is_some_and(|&b| is_ws(b)) {
            start += 1;
        }
        while end > start && text.get(end - 1).is_some_and(|&b| is_ws(b)) {
            end -= 1;
        }
        entry.value = Span::new(start, end);
    }
    let text = String::from_utf8(text).map_err(|_| ParseError::NotUtf8)?;
    Ok(ParsedHead {
        start,
        headers: Headers::from_parts(text, entries),
    })
}
