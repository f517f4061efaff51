//! ESL frames as they travel on the wire: header lines `Name: value\n`, a
//! blank line, then `Content-Length` bytes of body when that header is
//! present.
//!
//! [`read_frame`] bounds the header block to [`MAX_HEADER_BYTES`] and the
//! body to [`MAX_BODY_BYTES`], and reports garbage as a [`FrameError`]
//! instead of panicking.

use std::fmt;
use std::io::{self, BufRead, Read};

/// Largest header block accepted in one frame (64 KiB).
pub const MAX_HEADER_BYTES: usize = 64 * 1024;

/// Largest body accepted in one frame (64 MiB).
pub const MAX_BODY_BYTES: usize = 64 * 1024 * 1024;

/// One ESL frame: its headers in wire order and its body, if it had one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Frame {
    /// Header names and values in the order they arrived; values are raw
    /// (not URL-decoded).
    pub headers: Vec<(String, String)>,
    /// The body, when the frame carried a `Content-Length` header (invalid
    /// UTF-8 is replaced with U+FFFD).
    pub body: Option<String>,
}

/// What a frame is, from its `Content-Type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrameKind {
    /// `auth/request`: the server's greeting.
    AuthRequest,
    /// `command/reply`: the answer to a command; see [`Frame::reply_text`].
    CommandReply,
    /// `api/response`: the answer to `api`, in the body.
    ApiResponse,
    /// `log/data`: one log line, with a `Log-Level` header.
    Log,
    /// `text/event-plain`, `text/event-json` or `text/event-xml`.
    Event,
    /// `text/disconnect-notice`: the server is closing the connection.
    DisconnectNotice,
    /// `text/rude-rejection`: the server refused the connection outright.
    RudeRejection,
    /// Any other or no content type.
    Other,
}

impl Frame {
    /// The value of the first header called `name`, compared ASCII
    /// case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The `Content-Type` header, if any.
    pub fn content_type(&self) -> Option<&str> {
        self.header("Content-Type")
    }

    /// The `Reply-Text` header of a `command/reply`, if any.
    pub fn reply_text(&self) -> Option<&str> {
        self.header("Reply-Text")
    }

    /// The frame's kind, from its `Content-Type`.
    pub fn kind(&self) -> FrameKind {
        let Some(content_type) = self.content_type() else {
            return FrameKind::Other;
        };
        match content_type.trim().to_ascii_lowercase().as_str() {
            "auth/request" => FrameKind::AuthRequest,
            "command/reply" => FrameKind::CommandReply,
            "api/response" => FrameKind::ApiResponse,
            "log/data" => FrameKind::Log,
            "text/event-plain" | "text/event-json" | "text/event-xml" => FrameKind::Event,
            "text/disconnect-notice" => FrameKind::DisconnectNotice,
            "text/rude-rejection" => FrameKind::RudeRejection,
            _ => FrameKind::Other,
        }
    }
}

/// Why a frame could not be read.
#[derive(Debug)]
pub enum FrameError {
    /// The peer closed the connection between frames.
    Closed,
    /// The peer closed the connection in the middle of a frame.
    Truncated,
    /// The header block exceeded [`MAX_HEADER_BYTES`].
    HeaderTooLarge,
    /// `Content-Length` announced more than [`MAX_BODY_BYTES`].
    BodyTooLarge(u64),
    /// `Content-Length` was not a non-negative integer.
    BadContentLength(String),
    /// A header line had no `:` or an empty name.
    MalformedHeader(String),
    /// The socket failed (including read timeouts).
    Io(io::Error),
}

impl fmt::Display for FrameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Closed => write!(f, "connection closed by the server"),
            Self::Truncated => write!(f, "connection closed in the middle of a frame"),
            Self::HeaderTooLarge => {
                write!(f, "frame headers larger than {MAX_HEADER_BYTES} bytes")
            }
            Self::BodyTooLarge(len) => write!(
                f,
                "frame body of {len} bytes is larger than the limit of {MAX_BODY_BYTES} bytes"
            ),
            Self::BadContentLength(value) => write!(f, "invalid Content-Length {value:?}"),
            Self::MalformedHeader(line) => write!(f, "malformed header line {line:?}"),
            Self::Io(err) => write!(f, "{err}"),
        }
    }
}

impl std::error::Error for FrameError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Io(err) => Some(err),
            _ => None,
        }
    }
}

impl From<io::Error> for FrameError {
    fn from(err: io::Error) -> Self {
        Self::Io(err)
    }
}

/// Reads one frame from `reader`.
///
/// Blank lines before the first header are skipped (they count against the
/// header limit). A bare `\n` or `\r\n` ends each line.
pub fn read_frame<R: BufRead>(reader: &mut R) -> Result<Frame, FrameError> {
    let mut headers = Vec::new();
    let mut used = 0usize;
    let mut seen_bytes = false;
    let mut line = Vec::new();
    loop {
        let remaining = MAX_HEADER_BYTES.saturating_sub(used);
        if remaining == 0 {
            return Err(FrameError::HeaderTooLarge);
        }
        line.clear();
        let limit = u64::try_from(remaining).unwrap_or(u64::MAX);
        let n = (&mut *reader).take(limit).read_until(b'\n', &mut line)?;
        if n == 0 {
            return Err(if seen_bytes {
                FrameError::Truncated
            } else {
                FrameError::Closed
            });
        }
        seen_bytes = true;
        used = used.saturating_add(n);
        if line.last() != Some(&b'\n') {
            return Err(if n >= remaining {
                FrameError::HeaderTooLarge
            } else {
                FrameError::Truncated
            });
        }
        line.pop();
        if line.last() == Some(&b'\r') {
            line.pop();
        }
        if line.is_empty() {
            if headers.is_empty() {
                continue;
            }
            break;
        }
        headers.push(parse_header_line(&line)?);
    }
    let mut frame = Frame {
        headers,
        body: None,
    };
    if let Some(value) = frame.header("Content-Length") {
        let len = parse_content_length(value)?;
        frame.body = Some(read_body(reader, len)?);
    }
    Ok(frame)
}

/// Splits `Name: value` at the first colon.
fn parse_header_line(line: &[u8]) -> Result<(String, String), FrameError> {
    let text = String::from_utf8_lossy(line);
    let Some((name, value)) = text.split_once(':') else {
        return Err(FrameError::MalformedHeader(text.into_owned()));
    };
    let name = name.trim();
    if name.is_empty() {
        return Err(FrameError::MalformedHeader(text.into_owned()));
    }
    Ok((name.to_owned(), value.trim().to_owned()))
}

/// Parses a `Content-Length` value and checks it against [`MAX_BODY_BYTES`].
fn parse_content_length(value: &str) -> Result<u64, FrameError> {
    let trimmed = value.trim();
    if trimmed.is_empty() || !trimmed.bytes().all(|b| b.is_ascii_digit()) {
        return Err(FrameError::BadContentLength(value.to_owned()));
    }
    // All digits: the only possible failure is overflow, which is too large.
    let len = trimmed.parse::<u64>().unwrap_or(u64::MAX);
    if len > MAX_BODY_BYTES as u64 {
        return Err(FrameError::BodyTooLarge(len));
    }
    Ok(len)
}

/// Reads exactly `len` body bytes without trusting `len` for the initial
/// allocation.
fn read_body<R: BufRead>(reader: &mut R, len: u64) -> Result<String, FrameError> {
    let initial = usize::try_from(len.min(64 * 1024)).unwrap_or(0);
    let mut body = Vec::with_capacity(initial);
    let got = (&mut *reader).take(len).read_to_end(&mut body)?;
    if (got as u64) < len {
        return Err(FrameError::Truncated);
    }
    Ok(match String::from_utf8(body) {
        Ok(text) => text,
        Err(err) => String::from_utf8_lossy(err.as_bytes()).into_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    fn parse(bytes: &[u8]) -> Result<Frame, FrameError> {
        read_frame(&mut Cursor::new(bytes))
    }

    #[test]
    fn reads_headers_and_body() {
        let frame = parse(b"Content-Type: api/response\nContent-Length: 5\n\nhello").unwrap();
        assert_eq!(frame.content_type(), Some("api/response"));
        assert_eq!(frame.kind(), FrameKind::ApiResponse);
        assert_eq!(frame.body.as_deref(), Some("hello"));
    }

    #[test]
    fn header_lookup_is_case_insensitive_and_trims() {
        let frame =
            parse(b"content-type:  command/reply \r\nREPLY-TEXT: +OK accepted\r\n\r\n").unwrap();
        assert_eq!(frame.header("Content-Type"), Some("command/reply"));
        assert_eq!(frame.reply_text(), Some("+OK accepted"));
        assert_eq!(frame.body, None);
        assert_eq!(frame.kind(), FrameKind::CommandReply);
    }

    #[test]
    fn value_keeps_later_colons() {
        let frame = parse(b"Reply-Text: +OK Job-UUID: abc\n\n").unwrap();
        assert_eq!(frame.reply_text(), Some("+OK Job-UUID: abc"));
    }

    #[test]
    fn skips_leading_blank_lines_and_reads_consecutive_frames() {
        let mut cursor = Cursor::new(
            b"\n\nContent-Type: auth/request\n\nContent-Type: log/data\nContent-Length: 3\nLog-Level: 6\n\nab\n"
                .as_slice(),
        );
        assert_eq!(
            read_frame(&mut cursor).unwrap().kind(),
            FrameKind::AuthRequest
        );
        let log = read_frame(&mut cursor).unwrap();
        assert_eq!(log.kind(), FrameKind::Log);
        assert_eq!(log.body.as_deref(), Some("ab\n"));
        assert!(matches!(read_frame(&mut cursor), Err(FrameError::Closed)));
    }

    #[test]
    fn empty_input_is_closed_and_partial_is_truncated() {
        assert!(matches!(parse(b""), Err(FrameError::Closed)));
        assert!(matches!(
            parse(b"Content-Type: x"),
            Err(FrameError::Truncated)
        ));
        assert!(matches!(
            parse(b"Content-Type: x\n"),
            Err(FrameError::Truncated)
        ));
        assert!(matches!(
            parse(b"Content-Length: 10\n\nshort"),
            Err(FrameError::Truncated)
        ));
    }

    #[test]
    fn rejects_bad_content_length() {
        for value in ["-1", "abc", "", "1 2", "+5"] {
            let input = format!("Content-Length: {value}\n\n");
            assert!(
                matches!(
                    parse(input.as_bytes()),
                    Err(FrameError::BadContentLength(_))
                ),
                "{value:?}"
            );
        }
    }

    #[test]
    fn rejects_oversized_body_without_allocating_it() {
        let input = format!("Content-Length: {}\n\n", MAX_BODY_BYTES + 1);
        assert!(matches!(
            parse(input.as_bytes()),
            Err(FrameError::BodyTooLarge(_))
        ));
        let huge = b"Content-Length: 99999999999999999999999999\n\n";
        assert!(matches!(parse(huge), Err(FrameError::BodyTooLarge(_))));
    }

    #[test]
    fn rejects_oversized_headers() {
        let long_line = vec![b'a'; MAX_HEADER_BYTES + 10];
        assert!(matches!(parse(&long_line), Err(FrameError::HeaderTooLarge)));
        let mut many = Vec::new();
        while many.len() <= MAX_HEADER_BYTES {
            many.extend_from_slice(b"X-Header: value\n");
        }
        many.extend_from_slice(b"\n");
        assert!(matches!(parse(&many), Err(FrameError::HeaderTooLarge)));
        let blank_lines = vec![b'\n'; MAX_HEADER_BYTES + 1];
        assert!(matches!(
            parse(&blank_lines),
            Err(FrameError::HeaderTooLarge)
        ));
    }

    #[test]
    fn rejects_malformed_header_lines() {
        assert!(matches!(
            parse(b"no colon here\n\n"),
            Err(FrameError::MalformedHeader(_))
        ));
        assert!(matches!(
            parse(b": no name\n\n"),
            Err(FrameError::MalformedHeader(_))
        ));
    }

    #[test]
    fn invalid_utf8_is_replaced_not_fatal() {
        let frame = parse(b"X-Bin: \xff\xfe\nContent-Length: 2\n\n\xc3\x28").unwrap();
        assert_eq!(frame.header("X-Bin"), Some("\u{fffd}\u{fffd}"));
        assert!(frame.body.unwrap().contains('\u{fffd}'));
    }

    #[test]
    fn garbage_never_panics() {
        // A small deterministic generator biased towards bytes that matter.
        let alphabet = b"\n\r: Content-Length0123456789\xff\x00abc";
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..2_000 {
            let mut input = Vec::new();
            let len = (state % 200) as usize;
            for _ in 0..len {
                state = state
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407);
                input.push(alphabet[(state >> 33) as usize % alphabet.len()]);
            }
            let mut cursor = Cursor::new(input.as_slice());
            while read_frame(&mut cursor).is_ok() {}
        }
    }
}
