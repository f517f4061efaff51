//! Serialising messages: start line, headers as kept (name as received),
//! CRLF line endings, and a Content-Length that matches the body.

use super::header_name::HeaderName;
use super::headers::Headers;
use super::request::Request;
use super::response::Response;
use super::sip_message::Message;

/// Writes the headers (dropping any Content-Length), a correct
/// Content-Length, the empty line and the body.
fn write_rest(headers: &Headers, body: &[u8], out: &mut Vec<u8>) {
    for header in headers.iter() {
        if header.kind == HeaderName::ContentLength {
            continue;
        }
        out.extend_from_slice(header.name.as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(header.value.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"Content-Length: ");
    out.extend_from_slice(body.len().to_string().as_bytes());
    out.extend_from_slice(b"\r\n\r\n");
    out.extend_from_slice(body);
}

fn estimated_len(headers: &Headers, body: &[u8]) -> usize {
    headers.text.len() + 2 * headers.len() + body.len() + 32
}

impl Request {
    /// Appends the request's wire form to `out`.
    pub fn write_to(&self, out: &mut Vec<u8>) {
        out.reserve(estimated_len(self.headers(), self.body()));
        out.extend_from_slice(self.method_str().as_bytes());
        out.push(b' ');
        out.extend_from_slice(self.uri_str().as_bytes());
        out.push(b' ');
        out.extend_from_slice(self.version().as_bytes());
        out.extend_from_slice(b"\r\n");
        write_rest(self.headers(), self.body(), out);
    }

    /// The request's wire form.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.write_to(&mut out);
        out
    }
}

impl Response {
    /// Appends the response's wire form to `out`.
    pub fn write_to(&self, out: &mut Vec<u8>) {
        out.reserve(estimated_len(self.headers(), self.body()));
        out.extend_from_slice(self.version().as_bytes());
        out.push(b' ');
        out.extend_from_slice(format!("{:03}", self.status()).as_bytes());
        out.push(b' ');
        out.extend_from_slice(self.reason().as_bytes());
        out.extend_from_slice(b"\r\n");
        write_rest(self.headers(), self.body(), out);
    }

    /// The response's wire form.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.write_to(&mut out);
        out
    }
}

impl Message {
    /// Appends the message's wire form to `out`.
    pub fn write_to(&self, out: &mut Vec<u8>) {
        match self {
            Message::Request(r) => r.write_to(out),
            Message::Response(r) => r.write_to(out),
        }
    }

    /// The message's wire form.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.write_to(&mut out);
        out
    }
}
