//! The event socket's wire forms of an event, byte for byte as FreeSWITCH's
//! mod_event_socket writes them, so ESL client libraries parse them unchanged.

use super::Event;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use std::fmt::Write as _;

/// Characters left unescaped in plain-event header values; everything else is
/// percent-encoded, so a value can never break the line-based framing.
const HEADER_VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'!')
    .remove(b'~')
    .remove(b'*')
    .remove(b'(')
    .remove(b')');

/// Header names may not contain line breaks or the `:` separator; anything
/// else passes. Offending characters become `_`.
fn clean_header_name(name: &str) -> std::borrow::Cow<'_, str> {
    if name.bytes().any(|b| matches!(b, b'\r' | b'\n' | b':')) {
        name.chars()
            .map(|c| {
                if matches!(c, '\r' | '\n' | ':') {
                    '_'
                } else {
                    c
                }
            })
            .collect::<String>()
            .into()
    } else {
        name.into()
    }
}

/// The serialized event (`Header: url-encoded value` lines, a blank line, and
/// the body announced by its own `Content-Length`).
pub fn plain_body(event: &Event) -> String {
    let mut out = String::with_capacity(64 * (event.headers().len() + 1));
    for (name, value) in event.headers() {
        let _ = writeln!(
            out,
            "{}: {}",
            clean_header_name(name),
            utf8_percent_encode(value, HEADER_VALUE)
        );
    }
    match event.body() {
        Some(body) => {
            let _ = write!(out, "Content-Length: {}\n\n{}", body.len(), body);
        }
        None => out.push('\n'),
    }
    out
}

/// A complete `text/event-plain` frame.
pub fn plain_frame(event: &Event) -> Vec<u8> {
    let body = plain_body(event);
    let mut frame = format!(
        "Content-Length: {}\nContent-Type: text/event-plain\n\n",
        body.len()
    )
    .into_bytes();
    frame.extend_from_slice(body.as_bytes());
    frame
}

/// The event as a JSON object: every header a string member (a repeated
/// header becomes an array, as in FreeSWITCH) and the body as `_body`.
pub fn json_body(event: &Event) -> String {
    let mut map = serde_json::Map::with_capacity(event.headers().len() + 1);
    for (name, value) in event.headers() {
        match map.get_mut(name.as_str()) {
            Some(serde_json::Value::Array(values)) => {
                values.push(serde_json::Value::String(value.clone()))
            }
            Some(existing) => {
                let first = existing.take();
                *existing =
                    serde_json::Value::Array(vec![first, serde_json::Value::String(value.clone())]);
            }
            None => {
                map.insert(name.clone(), serde_json::Value::String(value.clone()));
            }
        }
    }
    if let Some(body) = event.body() {
        map.insert(
            "Content-Length".into(),
            serde_json::Value::String(body.len().to_string()),
        );
        map.insert("_body".into(), serde_json::Value::String(body.to_owned()));
    }
    serde_json::Value::Object(map).to_string()
}

/// A complete `text/event-json` frame.
pub fn json_frame(event: &Event) -> Vec<u8> {
    let body = json_body(event);
    let mut frame = format!(
        "Content-Length: {}\nContent-Type: text/event-json\n\n",
        body.len()
    )
    .into_bytes();
    frame.extend_from_slice(body.as_bytes());
    frame
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Event {
        Event::new("CUSTOM", Some("probe::ping"))
            .unwrap()
            .with_header("Event-Name", "CUSTOM")
            .with_header("Event-Subclass", "probe::ping")
            .with_header("Greeting", "hello world: 100%")
    }

    #[test]
    fn plain_values_are_url_encoded_and_framed_by_length() {
        let frame = String::from_utf8(plain_frame(&sample())).unwrap();
        let (head, body) = frame.split_once("\n\n").unwrap();
        assert_eq!(
            head,
            format!(
                "Content-Length: {}\nContent-Type: text/event-plain",
                body.len()
            )
        );
        assert!(body.contains("Event-Subclass: probe%3A%3Aping\n"));
        assert!(body.contains("Greeting: hello%20world%3A%20100%25\n"));
        assert!(body.ends_with("\n\n"));
    }

    #[test]
    fn plain_body_carries_its_own_content_length() {
        let mut event = sample();
        event.set_body("line one\nline two\n");
        let body = plain_body(&event);
        assert!(body.ends_with("Content-Length: 18\n\nline one\nline two\n"));
    }

    #[test]
    fn hostile_header_names_cannot_break_framing() {
        let event = Event::core("HEARTBEAT").with_header("Evil\n\nName:", "x\n\ny");
        let body = plain_body(&event);
        assert_eq!(body, "Evil__Name_: x%0A%0Ay\n\n");
    }

    #[test]
    fn json_has_headers_body_and_arrays_for_repeats() {
        let mut event = sample().with_header("Greeting", "again");
        event.set_body("text");
        let value: serde_json::Value = serde_json::from_str(&json_body(&event)).unwrap();
        assert_eq!(value["Event-Subclass"], "probe::ping");
        assert_eq!(value["Greeting"][1], "again");
        assert_eq!(value["_body"], "text");
        assert_eq!(value["Content-Length"], "4");
    }
}
