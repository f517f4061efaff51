//! Events as delivered in `text/event-plain` frames.

use crate::esl_frame::{Frame, parse_header_lines};

/// One event: URL-decoded headers in order and an optional body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EslEvent {
    /// Headers in order, values URL-decoded.
    pub headers: Vec<(String, String)>,
    /// The event's own body, when it has one.
    pub body: Option<String>,
}

impl EslEvent {
    /// Parses the body of a `text/event-plain` frame; `None` for other frames.
    ///
    /// The frame body is `Name: urlencoded-value` lines, a blank line, and,
    /// when a `Content-Length` header is among them, that many bytes of
    /// event body.
    pub fn from_plain_frame(frame: &Frame) -> Option<EslEvent> {
        if frame.content_type() != "text/event-plain" {
            return None;
        }
        let text = frame.body_text();
        let (head, rest) = match text.find("\n\n") {
            Some(split) => (&text[..split], &text[split + 2..]),
            None => (text.as_str(), ""),
        };
        let headers: Vec<(String, String)> = parse_header_lines(head)
            .into_iter()
            .map(|(name, value)| (name, url_decode(&value)))
            .collect();
        let body_len = headers
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case("Content-Length"))
            .and_then(|(_, value)| value.trim().parse::<usize>().ok());
        let body = body_len.map(|len| {
            let bytes = rest.as_bytes();
            String::from_utf8_lossy(&bytes[..len.min(bytes.len())]).into_owned()
        });
        Some(EslEvent { headers, body })
    }

    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    /// `Event-Name`, or `""`.
    pub fn name(&self) -> &str {
        self.header("Event-Name").unwrap_or("")
    }

    /// `Event-Subclass`, or `""`.
    pub fn subclass(&self) -> &str {
        self.header("Event-Subclass").unwrap_or("")
    }
}

/// Decodes `%XX` escapes (FreeSWITCH's url encoding; `+` stays `+`).
pub fn url_decode(value: &str) -> String {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index] == b'%'
            && index + 2 < bytes.len()
            && let Some(byte) = std::str::from_utf8(&bytes[index + 1..index + 3])
                .ok()
                .and_then(|hex| u8::from_str_radix(hex, 16).ok())
        {
            out.push(byte);
            index += 3;
            continue;
        }
        out.push(bytes[index]);
        index += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_event_with_body_is_decoded() {
        let body = "Event-Name: CUSTOM\nEvent-Subclass: probe%3A%3Apong\nGreeting: hello%20world\nContent-Length: 4\n\nbody";
        let frame = Frame {
            headers: vec![("Content-Type".into(), "text/event-plain".into())],
            body: body.as_bytes().to_vec(),
        };
        let event = EslEvent::from_plain_frame(&frame).unwrap();
        assert_eq!(event.name(), "CUSTOM");
        assert_eq!(event.subclass(), "probe::pong");
        assert_eq!(event.header("greeting"), Some("hello world"));
        assert_eq!(event.body.as_deref(), Some("body"));
    }

    #[test]
    fn url_decode_keeps_malformed_escapes() {
        assert_eq!(url_decode("100%"), "100%");
        assert_eq!(url_decode("%4"), "%4");
        assert_eq!(url_decode("a%2Bb+c"), "a+b+c");
    }
}
