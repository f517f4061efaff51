//! The first line of a message: Request-Line (any method token, the
//! Request-URI kept raw) or Status-Line (any 3-digit code, any reason).

use super::error::ParseError;
use super::span::Span;
use super::syntax::{is_token_byte, is_ws};

/// A request method. Methods are case-sensitive (RFC 3261 §7.1); anything
/// that is not one of the well-known methods is an [`Method::Extension`],
/// which lets a server answer `501 Not Implemented`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Method<'a> {
    /// INVITE (RFC 3261).
    Invite,
    /// ACK (RFC 3261).
    Ack,
    /// BYE (RFC 3261).
    Bye,
    /// CANCEL (RFC 3261).
    Cancel,
    /// OPTIONS (RFC 3261).
    Options,
    /// REGISTER (RFC 3261).
    Register,
    /// PRACK (RFC 3262).
    Prack,
    /// SUBSCRIBE (RFC 6665).
    Subscribe,
    /// NOTIFY (RFC 6665).
    Notify,
    /// PUBLISH (RFC 3903).
    Publish,
    /// INFO (RFC 6086).
    Info,
    /// REFER (RFC 3515).
    Refer,
    /// MESSAGE (RFC 3428).
    Message,
    /// UPDATE (RFC 3311).
    Update,
    /// Any other method token, as received.
    Extension(&'a str),
}

impl<'a> Method<'a> {
    /// Recognises a method token (case-sensitive).
    pub fn from_token(token: &'a str) -> Method<'a> {
        match token {
            "INVITE" => Method::Invite,
            "ACK" => Method::Ack,
            "BYE" => Method::Bye,
            "CANCEL" => Method::Cancel,
            "OPTIONS" => Method::Options,
            "REGISTER" => Method::Register,
            "PRACK" => Method::Prack,
            "SUBSCRIBE" => Method::Subscribe,
            "NOTIFY" => Method::Notify,
            "PUBLISH" => Method::Publish,
            "INFO" => Method::Info,
            "REFER" => Method::Refer,
            "MESSAGE" => Method::Message,
            "UPDATE" => Method::Update,
            other => Method::Extension(other),
        }
    }

    /// The method token.
    pub fn as_str(&self) -> &'a str {
        match self {
            Method::Invite => "INVITE",
            Method::Ack => "ACK",
            Method::Bye => "BYE",
            Method::Cancel => "CANCEL",
            Method::Options => "OPTIONS",
            Method::Register => "REGISTER",
            Method::Prack => "PRACK",
            Method::Subscribe => "SUBSCRIBE",
            Method::Notify => "NOTIFY",
            Method::Publish => "PUBLISH",
            Method::Info => "INFO",
            Method::Refer => "REFER",
            Method::Message => "MESSAGE",
            Method::Update => "UPDATE",
            Method::Extension(token) => token,
        }
    }
}

/// Where the parts of a Request-Line live in the head text.
#[derive(Clone, Copy, Debug)]
pub(crate) struct RequestLine {
    pub(crate) method: Span,
    pub(crate) uri: Span,
    pub(crate) version: Span,
    /// SP or HTAB after the SIP-Version (RFC 4475 `trws`).
    pub(crate) trailing_whitespace: bool,
}

/// Where the parts of a Status-Line live in the head text.
#[derive(Clone, Copy, Debug)]
pub(crate) struct StatusLine {
    pub(crate) version: Span,
    pub(crate) code: u16,
    pub(crate) reason: Span,
}

/// A parsed start line.
#[derive(Clone, Copy, Debug)]
pub(crate) enum StartLine {
    Request(RequestLine),
    Response(StatusLine),
}

/// Parses the first line (without its line terminator); `base` is its
/// offset in the head text.
///
/// The Request-Line is split structurally (method up to the first SP,
/// SIP-Version after the last SP, the Request-URI in between, kept raw) so
/// that a request with a bad URI or odd spacing still yields its headers and
/// can be answered `400` by validation.
pub(crate) fn parse_start_line(line: &[u8], base: usize) -> Result<StartLine, ParseError> {
    if line.len() >= 4
        && line
            .get(..4)
            .is_some_and(|p| p.eq_ignore_ascii_case(b"SIP/"))
    {
        return parse_status_line(line, base).map(StartLine::Response);
    }
    let method_end = line.iter().position(|&b| b == b' ').unwrap_or(line.len());
    let method = line.get(..method_end).unwrap_or_default();
    if method.is_empty() || !method.iter().all(|&b| is_token_byte(b)) {
        return Err(ParseError::StartLine("method is not a token"));
    }
    let mut end = line.len();
    while end > method_end && line.get(end - 1).is_some_and(|&b| is_ws(b)) {
        end -= 1;
    }
    let trailing_whitespace = end < line.len();
    let rest_start = method_end + 1;
    let rest = line.get(rest_start..end).unwrap_or_default();
    let Some(last_sp) = rest.iter().rposition(|&b| b == b' ') else {
        return Err(ParseError::StartLine("missing SIP-Version"));
    };
    let version = rest.get(last_sp + 1..).unwrap_or_default();
    if version.len() < 4
        || !version
            .get(..4)
            .is_some_and(|p| p.eq_ignore_ascii_case(b"SIP/"))
    {
        return Err(ParseError::StartLine("missing SIP-Version"));
    }
    Ok(StartLine::Request(RequestLine {
        method: Span::new(base, base + method_end),
        uri: Span::new(base + rest_start, base + rest_start + last_sp),
        version: Span::new(base + rest_start + last_sp + 1, base + end),
        trailing_whitespace,
    }))
}

fn parse_status_line(line: &[u8], base: usize) -> Result<StatusLine, ParseError> {
    let version_end = line.iter().position(|&b| b == b' ').unwrap_or(line.len());
    let code_start = version_end + 1;
    let code_bytes = line.get(code_start..code_start + 3);
    let code = match code_bytes {
        Some(digits) if digits.iter().all(u8::is_ascii_digit) => digits
            .iter()
            .fold(0u16, |n, d| n * 10 + u16::from(d - b'0')),
        _ => return Err(ParseError::StartLine("status code must be 3 digits")),
    };
    let after = code_start + 3;
    let reason_start = match line.get(after) {
        None => after,
        Some(b' ') => after + 1,
        Some(_) => return Err(ParseError::StartLine("status code must be 3 digits")),
    };
    Ok(StatusLine {
        version: Span::new(base, base + version_end),
        code,
        reason: Span::new(base + reason_start.min(line.len()), base + line.len()),
    })
}
