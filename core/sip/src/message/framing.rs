//! How a body is delimited: the Content-Length header(s) read for framing,
//! and the framing faults a datagram may carry into validation.

use super::error::ParseError;
use super::header_name::HeaderName;
use super::headers::Headers;
use super::syntax::{parse_u64, trim_ws};

/// A fault in how a datagram delimited its body. The message was still
/// parsed so a server can answer `400` (see `Request::validate`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FramingDefect {
    /// The datagram ended without the empty line closing the header section.
    UnterminatedHead,
    /// Content-Length is not a non-negative number (e.g. `-999`); the body
    /// was taken to the end of the datagram.
    BadContentLength,
    /// More than one Content-Length; the body was taken to the end of the datagram.
    MultipleContentLength,
    /// Content-Length announces more bytes than the datagram holds; the body
    /// is what the datagram holds.
    ContentLengthExceedsDatagram {
        /// The Content-Length value.
        declared: u64,
        /// The bytes the datagram holds after the head.
        available: usize,
    },
}

impl FramingDefect {
    /// The error this defect amounts to.
    pub fn to_error(self) -> ParseError {
        match self {
            FramingDefect::UnterminatedHead => ParseError::UnterminatedHead,
            FramingDefect::BadContentLength => ParseError::BadContentLength,
            FramingDefect::MultipleContentLength => ParseError::MultipleContentLength,
            FramingDefect::ContentLengthExceedsDatagram {
                declared,
                available,
            } => ParseError::ContentLengthExceedsDatagram {
                declared,
                available,
            },
        }
    }
}

/// What the Content-Length headers of a head say.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum DeclaredLength {
    /// No Content-Length.
    Absent,
    /// Exactly one, valid.
    Length(u64),
    /// Exactly one, not a non-negative number.
    Invalid,
    /// More than one.
    Multiple,
}

/// Reads the Content-Length headers (long form or compact `l`).
pub(crate) fn declared_length(headers: &Headers) -> DeclaredLength {
    let mut values = headers.values(HeaderName::ContentLength);
    match (values.next(), values.next()) {
        (None, _) => DeclaredLength::Absent,
        (Some(_), Some(_)) => DeclaredLength::Multiple,
        (Some(v), None) => match parse_u64(trim_ws(v)) {
            Some(n) => DeclaredLength::Length(n),
            None => DeclaredLength::Invalid,
        },
    }
}
