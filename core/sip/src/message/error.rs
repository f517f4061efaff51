//! What can be wrong with a message, worded so it can be sent as the reason
//! phrase of the response that rejects it.

use std::fmt;

/// Why a message could not be framed, parsed or accepted.
///
/// `Display` gives a short ASCII sentence suitable as a SIP reason phrase,
/// e.g. `Bad CSeq: method does not match request line`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ParseError {
    /// The input held no message at all.
    Empty,
    /// The start line and headers exceed [`Limits::max_head`](super::Limits::max_head).
    HeadTooLarge {
        /// The configured limit in bytes.
        limit: usize,
    },
    /// The declared or actual body exceeds [`Limits::max_body`](super::Limits::max_body).
    BodyTooLarge {
        /// The body size the peer declared or sent.
        declared: u64,
        /// The configured limit in bytes.
        limit: usize,
    },
    /// The start line or a header is not valid UTF-8.
    NotUtf8,
    /// The first line is neither a Request-Line nor a Status-Line.
    StartLine(&'static str),
    /// A header line is not `name: value` (or a continuation of one).
    HeaderLine(&'static str),
    /// A message on a stream transport has no Content-Length.
    MissingContentLength,
    /// Content-Length is not a non-negative decimal number.
    BadContentLength,
    /// More than one Content-Length header: the framing is ambiguous.
    MultipleContentLength,
    /// Content-Length announces more bytes than the datagram holds.
    ContentLengthExceedsDatagram {
        /// The Content-Length value.
        declared: u64,
        /// The bytes the datagram actually holds after the head.
        available: usize,
    },
    /// The header section is not closed by an empty line.
    UnterminatedHead,
    /// A required header is absent (the name is canonical, e.g. `Call-ID`).
    Missing(&'static str),
    /// A header that must appear once appears more than once.
    Multiple(&'static str),
    /// A header (or the Request-URI) is present but malformed.
    Malformed {
        /// What was being parsed: a canonical header name or `Request-URI`.
        what: &'static str,
        /// What is wrong with it.
        detail: &'static str,
    },
    /// Something named has a bad value, e.g. `Bad CSeq: ...`.
    Bad {
        /// What was being checked: a canonical header name.
        what: &'static str,
        /// What is wrong with it.
        detail: &'static str,
    },
    /// An argument given to a builder would produce an invalid message.
    InvalidInput(&'static str),
}

impl ParseError {
    /// The status code a server answers a request failing this way with:
    /// 413 for an oversized body, 513 for an oversized head, else 400.
    pub fn status_code(&self) -> u16 {
        match self {
            ParseError::BodyTooLarge { .. } => 413,
            ParseError::HeadTooLarge { .. } => 513,
            _ => 400,
        }
    }

    /// The status code and reason phrase that reject a request failing this way.
    pub fn rejection(&self) -> Rejection {
        Rejection {
            status: self.status_code(),
            reason: self.to_string(),
        }
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParseError::Empty => f.write_str("Empty message"),
            ParseError::HeadTooLarge { limit } => {
                write!(f, "Message Too Large: header section over {limit} bytes")
            }
            ParseError::BodyTooLarge { declared, limit } => {
                write!(
                    f,
                    "Request Entity Too Large: body of {declared} bytes over {limit}"
                )
            }
            ParseError::NotUtf8 => f.write_str("Malformed header section: not valid UTF-8"),
            ParseError::StartLine(detail) => write!(f, "Malformed start line: {detail}"),
            ParseError::HeaderLine(detail) => write!(f, "Malformed header line: {detail}"),
            ParseError::MissingContentLength => f.write_str("Missing Content-Length"),
            ParseError::BadContentLength => {
                f.write_str("Bad Content-Length: not a non-negative number")
            }
            ParseError::MultipleContentLength => f.write_str("Multiple Content-Length headers"),
            ParseError::ContentLengthExceedsDatagram {
                declared,
                available,
            } => write!(
                f,
                "Bad Content-Length: {declared} bytes declared, {available} received"
            ),
            ParseError::UnterminatedHead => {
                f.write_str("Malformed message: header section not terminated by an empty line")
            }
            ParseError::Missing(name) => write!(f, "Missing {name}"),
            ParseError::Multiple(name) => write!(f, "Multiple {name} headers"),
            ParseError::Malformed { what, detail } => write!(f, "Malformed {what}: {detail}"),
            ParseError::Bad { what, detail } => write!(f, "Bad {what}: {detail}"),
            ParseError::InvalidInput(detail) => write!(f, "Invalid input: {detail}"),
        }
    }
}

impl std::error::Error for ParseError {}

/// The response a server should send for a request it cannot process.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rejection {
    /// The status code, e.g. 400, 416 or 505.
    pub status: u16,
    /// The reason phrase, saying what is wrong.
    pub reason: String,
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.status, self.reason)
    }
}
