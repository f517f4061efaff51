//! Why a session description was refused, and on which line.

use std::fmt;

/// A parse failure: the 1-based line it happened on (0 when it concerns
/// the whole body) and what was wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// The 1-based line number (counting every line, empty ones too), or 0.
    pub line: usize,
    /// What was wrong.
    pub kind: ParseErrorKind,
}

/// What was wrong with a session description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParseErrorKind {
    /// The body is larger than [`Limits::max_size`](super::Limits::max_size).
    TooLarge {
        /// The body's size in bytes.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// The body is not UTF-8 text.
    NotUtf8,
    /// The body has a NUL or another control character inside a line.
    ControlCharacter,
    /// More lines than [`Limits::max_lines`](super::Limits::max_lines).
    TooManyLines {
        /// The limit.
        limit: usize,
    },
    /// A line longer than [`Limits::max_line_len`](super::Limits::max_line_len).
    LineTooLong {
        /// The limit.
        limit: usize,
    },
    /// More `m=` sections than [`Limits::max_media`](super::Limits::max_media).
    TooManyMedia {
        /// The limit.
        limit: usize,
    },
    /// More formats on an `m=` line than
    /// [`Limits::max_formats`](super::Limits::max_formats).
    TooManyFormats {
        /// The limit.
        limit: usize,
    },
    /// More attributes in a section than
    /// [`Limits::max_attributes`](super::Limits::max_attributes).
    TooManyAttributes {
        /// The limit.
        limit: usize,
    },
    /// An attribute value longer than
    /// [`Limits::max_attribute_len`](super::Limits::max_attribute_len).
    AttributeTooLong {
        /// The limit.
        limit: usize,
    },
    /// A line that is not `<letter>=<value>`.
    MalformedLine,
    /// The body is empty or does not start with `v=`.
    MissingVersion,
    /// `v=` is not `0`.
    UnsupportedVersion,
    /// A required line is missing (`o`, `s` or `t`).
    MissingLine(char),
    /// A line that may appear once appears again.
    DuplicateLine(char),
    /// A session-level line (`v`, `o`, `s`, `t`, `r`, `z`) inside a media
    /// section, or `r=` before any `t=`.
    MisplacedLine(char),
    /// A line or attribute whose value does not follow its grammar; `what`
    /// names it and the rule broken.
    Invalid {
        /// What was invalid, e.g. `"o= line: expected 6 fields"`.
        what: &'static str,
    },
    /// A port outside 0–65535 (or not a number).
    InvalidPort,
    /// An RTP payload type outside 0–127 (or not a number).
    InvalidPayloadType,
    /// The same format twice on one `m=` line.
    DuplicateFormat,
    /// A typed attribute given twice (e.g. two `a=rtpmap` for one payload
    /// type, two `a=ptime`).
    DuplicateAttribute(&'static str),
    /// Two different direction attributes in one section.
    ConflictingDirection,
}

impl ParseError {
    pub(crate) fn new(line: usize, kind: ParseErrorKind) -> Self {
        ParseError { line, kind }
    }
}

impl fmt::Display for ParseErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParseErrorKind::TooLarge { size, limit } => {
                write!(f, "SDP body of {size} bytes exceeds the {limit}-byte limit")
            }
            ParseErrorKind::NotUtf8 => f.write_str("SDP body is not UTF-8 text"),
            ParseErrorKind::ControlCharacter => f.write_str("control character inside a line"),
            ParseErrorKind::TooManyLines { limit } => write!(f, "more than {limit} lines"),
            ParseErrorKind::LineTooLong { limit } => write!(f, "line longer than {limit} bytes"),
            ParseErrorKind::TooManyMedia { limit } => write!(f, "more than {limit} m= sections"),
            ParseErrorKind::TooManyFormats { limit } => {
                write!(f, "more than {limit} formats on an m= line")
            }
            ParseErrorKind::TooManyAttributes { limit } => {
                write!(f, "more than {limit} attributes in one section")
            }
            ParseErrorKind::AttributeTooLong { limit } => {
                write!(f, "attribute value longer than {limit} bytes")
            }
            ParseErrorKind::MalformedLine => f.write_str("line is not <letter>=<value>"),
            ParseErrorKind::MissingVersion => f.write_str("SDP must start with v=0"),
            ParseErrorKind::UnsupportedVersion => f.write_str("only v=0 is supported"),
            ParseErrorKind::MissingLine(c) => write!(f, "required {c}= line missing"),
            ParseErrorKind::DuplicateLine(c) => write!(f, "{c}= line given twice"),
            ParseErrorKind::MisplacedLine(c) => write!(f, "{c}= line out of place"),
            ParseErrorKind::Invalid { what } => write!(f, "invalid {what}"),
            ParseErrorKind::InvalidPort => f.write_str("port is not a number in 0-65535"),
            ParseErrorKind::InvalidPayloadType => {
                f.write_str("RTP payload type is not a number in 0-127")
            }
            ParseErrorKind::DuplicateFormat => f.write_str("format listed twice on the m= line"),
            ParseErrorKind::DuplicateAttribute(name) => write!(f, "a={name} given twice"),
            ParseErrorKind::ConflictingDirection => {
                f.write_str("conflicting direction attributes in one section")
            }
        }
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "SDP: {}", self.kind)
        } else {
            write!(f, "SDP line {}: {}", self.line, self.kind)
        }
    }
}

impl std::error::Error for ParseError {}

#[cfg(test)]
mod tests {
    use super::{ParseError, ParseErrorKind};

    #[test]
    fn messages_name_the_line_and_the_rule() {
        let e = ParseError::new(4, ParseErrorKind::InvalidPort);
        assert_eq!(e.to_string(), "SDP line 4: port is not a number in 0-65535");
        let e = ParseError::new(0, ParseErrorKind::TooLarge { size: 9, limit: 8 });
        assert_eq!(
            e.to_string(),
            "SDP: SDP body of 9 bytes exceeds the 8-byte limit"
        );
        let e = ParseError::new(
            2,
            ParseErrorKind::Invalid {
                what: "o= line: expected 6 fields",
            },
        );
        assert_eq!(
            e.to_string(),
            "SDP line 2: invalid o= line: expected 6 fields"
        );
    }
}
