//! ESL frames: header lines, a blank line, then `Content-Length` bytes of body.

use std::io::{self, Read};

/// Largest header block accepted from the server (a sanity bound, not a spec limit).
const MAX_HEADER_BYTES: usize = 1 << 20;
/// Largest body accepted from the server (a sanity bound, not a spec limit).
const MAX_BODY_BYTES: usize = 256 << 20;

/// One frame received from the event socket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    /// Header lines in order, as `(name, value)`, values as sent (not decoded).
    pub headers: Vec<(String, String)>,
    /// The body (`Content-Length` bytes), empty when there is none.
    pub body: Vec<u8>,
}

impl Frame {
    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    /// The `Content-Type` header, or `""`.
    pub fn content_type(&self) -> &str {
        self.header("Content-Type").unwrap_or("")
    }

    /// The `Reply-Text` header, or `""`.
    pub fn reply_text(&self) -> &str {
        self.header("Reply-Text").unwrap_or("")
    }

    /// The body as text (lossy UTF-8).
    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// True for `text/disconnect-notice` and `text/rude-rejection` frames.
    pub fn is_disconnect(&self) -> bool {
        matches!(
            self.content_type(),
            "text/disconnect-notice" | "text/rude-rejection"
        )
    }
}

/// Splits a byte stream into [`Frame`]s, keeping partial input between calls
/// so that a read timeout never loses data.
#[derive(Debug, Default)]
pub struct FrameReader {
    buffer: Vec<u8>,
}

impl FrameReader {
    /// Reads from `source` until one whole frame is buffered and returns it.
    ///
    /// Errors: the source's own errors (a read timeout comes back as
    /// `WouldBlock` or `TimedOut` and keeps what was read), `UnexpectedEof`
    /// when the peer closed, `InvalidData` for an oversized or malformed frame.
    pub fn read_frame(&mut self, source: &mut impl Read) -> io::Result<Frame> {
        loop {
            if let Some(frame) = self.take_frame()? {
                return Ok(frame);
            }
            let mut chunk = [0u8; 16 * 1024];
            let count = source.read(&mut chunk)?;
            if count == 0 {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    format!(
                        "the server closed the connection ({} unparsed bytes)",
                        self.buffer.len()
                    ),
                ));
            }
            self.buffer.extend_from_slice(&chunk[..count]);
        }
    }

    /// Removes one complete frame from the buffer, if there is one.
    fn take_frame(&mut self) -> io::Result<Option<Frame>> {
        // Stray blank lines between frames carry nothing.
        let leading_newlines = self
            .buffer
            .iter()
            .take_while(|&&byte| byte == b'\n' || byte == b'\r')
            .count();
        self.buffer.drain(..leading_newlines);
        let Some(header_end) = find_blank_line(&self.buffer) else {
            if self.buffer.len() > MAX_HEADER_BYTES {
                return Err(invalid("header block larger than 1 MiB"));
            }
            return Ok(None);
        };
        let header_text = String::from_utf8_lossy(&self.buffer[..header_end.start]).into_owned();
        let headers = parse_header_lines(&header_text);
        let body_len = match headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case("Content-Length"))
        {
            Some((_, value)) => value
                .trim()
                .parse::<usize>()
                .map_err(|_| invalid(&format!("bad Content-Length {value:?}")))?,
            None => 0,
        };
        if body_len > MAX_BODY_BYTES {
            return Err(invalid("body larger than 256 MiB"));
        }
        if self.buffer.len() < header_end.end + body_len {
            return Ok(None);
        }
        let body = self.buffer[header_end.end..header_end.end + body_len].to_vec();
        self.buffer.drain(..header_end.end + body_len);
        Ok(Some(Frame { headers, body }))
    }
}

/// Byte range of the first blank line (`\n\n` or `\r\n\r\n`) in `bytes`.
fn find_blank_line(bytes: &[u8]) -> Option<std::ops::Range<usize>> {
    let lf = bytes.windows(2).position(|pair| pair == b"\n\n");
    let crlf = bytes.windows(4).position(|quad| quad == b"\r\n\r\n");
    match (lf, crlf) {
        (Some(a), Some(b)) if b < a => Some(b..b + 4),
        (Some(a), _) => Some(a..a + 2),
        (None, Some(b)) => Some(b..b + 4),
        (None, None) => None,
    }
}

/// Parses `Name: value` lines; lines without a colon are ignored.
pub fn parse_header_lines(text: &str) -> Vec<(String, String)> {
    text.lines()
        .filter_map(|line| {
            let line = line.trim_end_matches('\r');
            let (name, value) = line.split_once(':')?;
            Some((name.trim().to_string(), value.trim_start().to_string()))
        })
        .collect()
}

fn invalid(message: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_split_across_reads_are_reassembled() {
        let wire =
            b"Content-Type: auth/request\n\nContent-Type: api/response\nContent-Length: 5\n\nUP ok";
        let mut reader = FrameReader::default();
        let mut source: &[u8] = wire;
        let first = reader.read_frame(&mut source).unwrap();
        assert_eq!(first.content_type(), "auth/request");
        let second = reader.read_frame(&mut source).unwrap();
        assert_eq!(second.content_type(), "api/response");
        assert_eq!(second.body_text(), "UP ok");
        let end = reader.read_frame(&mut source).unwrap_err();
        assert_eq!(end.kind(), io::ErrorKind::UnexpectedEof);
    }
}
