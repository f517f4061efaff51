//! The event socket's wire format, sans-IO: a framer that turns received
//! bytes into commands, and the reply frames mod_event_socket sends.
//!
//! A command is a block of lines ending with an empty line: the first line
//! is the command, the rest are `Name: value` headers; a `Content-Length`
//! header announces a body that follows the blank line. Lines may end in
//! `\n` or `\r\n`. Sizes are bounded so no peer can make the switch buffer
//! without limit.

use crate::logging::LogRecord;

/// Most bytes a command's line and headers may take.
pub const MAX_HEAD: usize = 64 * 1024;
/// Most bytes a command body (`sendevent`) may take.
pub const MAX_BODY: usize = 8 * 1024 * 1024;

/// One command received from a client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command {
    /// The command line (`api status`).
    pub line: String,
    /// Headers after the command line, in order.
    pub headers: Vec<(String, String)>,
    /// The body announced by `Content-Length`.
    pub body: Option<String>,
}

impl Command {
    /// The first value of a header, case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Why the framer gave up on a connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FrameError {
    /// The command line and headers exceed [`MAX_HEAD`].
    HeadTooLong,
    /// `Content-Length` is not a number or exceeds [`MAX_BODY`].
    BadContentLength(String),
}

impl std::fmt::Display for FrameError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FrameError::HeadTooLong => write!(
                f,
                "command too long (more than {MAX_HEAD} bytes before the blank line that ends a command)"
            ),
            FrameError::BadContentLength(value) => write!(
                f,
                "invalid Content-Length '{value}' (a number up to {MAX_BODY})"
            ),
        }
    }
}

impl std::error::Error for FrameError {}

/// Accumulates received bytes and yields complete commands.
#[derive(Debug, Default)]
pub struct CommandFramer {
    buffer: Vec<u8>,
    /// A parsed head waiting for its body: (command, body length).
    awaiting_body: Option<(Command, usize)>,
    /// How far `buffer` was already searched for the end of a head.
    scanned: usize,
}

impl CommandFramer {
    /// A new framer.
    pub fn new() -> CommandFramer {
        CommandFramer::default()
    }

    /// Adds received bytes.
    pub fn push(&mut self, data: &[u8]) {
        self.buffer.extend_from_slice(data);
    }

    /// Bytes received but not yet consumed.
    pub fn buffered(&self) -> usize {
        self.buffer.len()
    }

    /// The next complete command, `Ok(None)` when more bytes are needed.
    pub fn next_command(&mut self) -> Result<Option<Command>, FrameError> {
        loop {
            if let Some((_, len)) = &self.awaiting_body {
                let len = *len;
                if self.buffer.len() < len {
                    return Ok(None);
                }
                let body: Vec<u8> = self.buffer.drain(..len).collect();
                let (mut command, _) = self.awaiting_body.take().expect("checked above");
                command.body = Some(String::from_utf8_lossy(&body).into_owned());
                return Ok(Some(command));
            }
            // Blank lines between commands are ignored.
            let skip = self
                .buffer
                .iter()
                .take_while(|b| matches!(b, b'\n' | b'\r'))
                .count();
            if skip > 0 {
                self.buffer.drain(..skip);
                self.scanned = 0;
            }
            let Some((head_len, consumed)) = self.find_head_end() else {
                if self.buffer.len() > MAX_HEAD {
                    return Err(FrameError::HeadTooLong);
                }
                return Ok(None);
            };
            if head_len > MAX_HEAD {
                return Err(FrameError::HeadTooLong);
            }
            let head = String::from_utf8_lossy(&self.buffer[..head_len]).into_owned();
            self.buffer.drain(..consumed);
            self.scanned = 0;
            let command = parse_head(&head);
            match command.header("Content-Length") {
                Some(value) => {
                    let len = value
                        .trim()
                        .parse::<usize>()
                        .ok()
                        .filter(|n| *n <= MAX_BODY)
                        .ok_or_else(|| FrameError::BadContentLength(value.to_owned()))?;
                    self.awaiting_body = Some((command, len));
                }
                None => return Ok(Some(command)),
            }
        }
    }

    /// Finds the blank line ending a head: returns (head length, bytes to
    /// consume including the terminator).
    fn find_head_end(&mut self) -> Option<(usize, usize)> {
        let start = self.scanned.saturating_sub(3);
        let haystack = &self.buffer[start..];
        let mut i = 0;
        while let Some(pos) = haystack[i..].iter().position(|&b| b == b'\n') {
            let newline = i + pos;
            let rest = &haystack[newline + 1..];
            if rest.first() == Some(&b'\n') {
                return Some((start + newline, start + newline + 2));
            }
            if rest.starts_with(b"\r\n") {
                return Some((start + newline, start + newline + 3));
            }
            i = newline + 1;
        }
        self.scanned = self.buffer.len();
        None
    }
}

fn parse_head(head: &str) -> Command {
    let mut lines = head.split('\n').map(|l| l.trim_end_matches('\r'));
    let line = lines.next().unwrap_or("").trim().to_owned();
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
        .filter(|(n, _)| !n.is_empty())
        .collect();
    Command {
        line,
        headers,
        body: None,
    }
}

/// `auth/request`, sent when a client connects.
pub fn auth_request() -> &'static [u8] {
    b"Content-Type: auth/request\n\n"
}

/// A `command/reply` with `Reply-Text` and optional extra headers.
pub fn command_reply(text: &str, extra: &[(&str, &str)]) -> Vec<u8> {
    let mut out = format!(
        "Content-Type: command/reply\nReply-Text: {}\n",
        one_line(text)
    );
    for (name, value) in extra {
        out.push_str(&format!("{name}: {}\n", one_line(value)));
    }
    out.push('\n');
    out.into_bytes()
}

/// An `api/response` carrying a command's output.
pub fn api_response(body: &str) -> Vec<u8> {
    let mut out = format!(
        "Content-Type: api/response\nContent-Length: {}\n\n",
        body.len()
    )
    .into_bytes();
    out.extend_from_slice(body.as_bytes());
    out
}

/// A `text/disconnect-notice` sent before the switch closes a connection.
pub fn disconnect_notice(text: &str) -> Vec<u8> {
    let body = format!("Disconnected, goodbye.\n{text}\n");
    let mut out = format!(
        "Content-Type: text/disconnect-notice\nContent-Length: {}\n\n",
        body.len()
    )
    .into_bytes();
    out.extend_from_slice(body.as_bytes());
    out
}

/// A `log/data` frame.
pub fn log_frame(record: &LogRecord) -> Vec<u8> {
    let mut out = format!(
        "Content-Type: log/data\nContent-Length: {}\nLog-Level: {}\nText-Channel: 3\nLog-File: {}\nLog-Func: {}\nLog-Line: {}\nUser-Data: \n\n",
        record.text.len(),
        record.level as u8,
        one_line(&record.file),
        one_line(&record.function),
        record.line
    )
    .into_bytes();
    out.extend_from_slice(record.text.as_bytes());
    out
}

/// Keeps a header value on one line.
fn one_line(text: &str) -> std::borrow::Cow<'_, str> {
    if text.contains(['\n', '\r']) {
        text.replace(['\n', '\r'], " ").into()
    } else {
        text.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(framer: &mut CommandFramer) -> Vec<Command> {
        let mut out = Vec::new();
        while let Some(c) = framer.next_command().unwrap() {
            out.push(c);
        }
        out
    }

    #[test]
    fn commands_split_on_blank_lines_with_either_line_ending() {
        let mut framer = CommandFramer::new();
        framer.push(b"auth secret\n\napi status\r\n\r\n\nevent plain ALL\n\n");
        let lines: Vec<_> = all(&mut framer).into_iter().map(|c| c.line).collect();
        assert_eq!(lines, ["auth secret", "api status", "event plain ALL"]);
        assert_eq!(framer.buffered(), 0);
    }

    #[test]
    fn commands_arrive_byte_by_byte() {
        let input = b"bgapi status\nJob-UUID: abc\n\n";
        let mut framer = CommandFramer::new();
        let mut got = Vec::new();
        for b in input {
            framer.push(&[*b]);
            got.extend(all(&mut framer));
        }
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].line, "bgapi status");
        assert_eq!(got[0].header("job-uuid"), Some("abc"));
    }

    #[test]
    fn sendevent_bodies_follow_content_length() {
        let mut framer = CommandFramer::new();
        framer.push(b"sendevent CUSTOM\nEvent-Subclass: a::b\nContent-Length: 5\n\nhel");
        assert_eq!(framer.next_command().unwrap(), None);
        framer.push(b"lo\n\napi status\n\n");
        let got = all(&mut framer);
        assert_eq!(got[0].body.as_deref(), Some("hello"));
        assert_eq!(got[1].line, "api status");
    }

    #[test]
    fn oversized_heads_and_bodies_are_refused() {
        let mut framer = CommandFramer::new();
        framer.push(&vec![b'x'; MAX_HEAD + 1]);
        assert_eq!(framer.next_command(), Err(FrameError::HeadTooLong));

        let mut framer = CommandFramer::new();
        framer.push(b"sendevent CUSTOM\nContent-Length: 999999999999\n\n");
        assert!(matches!(
            framer.next_command(),
            Err(FrameError::BadContentLength(_))
        ));
        let mut framer = CommandFramer::new();
        framer.push(b"sendevent CUSTOM\nContent-Length: -1\n\n");
        assert!(framer.next_command().is_err());
    }

    #[test]
    fn garbage_never_panics() {
        let mut framer = CommandFramer::new();
        framer.push(&[
            0xff, 0xfe, b'\n', b'\n', b':', b'\n', 0, b'\r', b'\n', b'\r', b'\n',
        ]);
        let got = all(&mut framer);
        assert_eq!(got.len(), 2);
    }

    #[test]
    fn reply_frames_match_mod_event_socket() {
        assert_eq!(
            command_reply("+OK accepted", &[]),
            b"Content-Type: command/reply\nReply-Text: +OK accepted\n\n"
        );
        assert_eq!(
            command_reply("+OK Job-UUID: x", &[("Job-UUID", "x")]),
            b"Content-Type: command/reply\nReply-Text: +OK Job-UUID: x\nJob-UUID: x\n\n"
        );
        assert_eq!(
            api_response("UP\n"),
            b"Content-Type: api/response\nContent-Length: 3\n\nUP\n"
        );
        assert_eq!(
            command_reply("-ERR two\nlines", &[]),
            b"Content-Type: command/reply\nReply-Text: -ERR two lines\n\n"
        );
    }
}
