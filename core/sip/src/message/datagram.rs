//! Message framing for datagram transports (UDP): one message per datagram
//! (RFC 3261 §18.3).

use super::error::ParseError;
use super::framing::{DeclaredLength, FramingDefect, declared_length};
use super::head::{HeadEnd, find_head_end, parse_head};
use super::limits::Limits;
use super::sip_message::Message;

/// What one datagram carried.
#[derive(Clone, Debug)]
pub enum Datagram {
    /// Only CR/LF octets: a keep-alive (RFC 5626 §4.4.1 style), nothing to answer.
    KeepAlive,
    /// A message. Framing faults (Content-Length larger than the datagram,
    /// negative, repeated; no empty line after the headers) are kept on it
    /// as a [`FramingDefect`] so a server can still answer `400`.
    Message(Message),
}

impl Datagram {
    /// Parses a datagram. Leading CRLFs are ignored (RFC 3261 §7.5); octets
    /// after Content-Length are dropped; without Content-Length the body
    /// runs to the end of the datagram.
    pub fn parse(bytes: &[u8], limits: &Limits) -> Result<Datagram, ParseError> {
        let start = bytes
            .iter()
            .position(|&b| b != b'\r' && b != b'\n')
            .unwrap_or(bytes.len());
        let data = bytes.get(start..).unwrap_or_default();
        if data.is_empty() {
            return Ok(Datagram::KeepAlive);
        }
        let (head_len, unterminated) = match find_head_end(data, 0) {
            HeadEnd::Found(end) => (end, false),
            HeadEnd::NeedMore(_) => (data.len(), true),
        };
        if head_len > limits.max_head {
            return Err(ParseError::HeadTooLarge {
                limit: limits.max_head,
            });
        }
        let head = parse_head(data.get(..head_len).unwrap_or_default())?;
        let rest = data.get(head_len..).unwrap_or_default();
        let (body, defect) = if unterminated {
            (&[][..], Some(FramingDefect::UnterminatedHead))
        } else {
            match declared_length(&head.headers) {
                DeclaredLength::Absent => (rest, None),
                DeclaredLength::Invalid => (rest, Some(FramingDefect::BadContentLength)),
                DeclaredLength::Multiple => (rest, Some(FramingDefect::MultipleContentLength)),
                DeclaredLength::Length(n) => {
                    match usize::try_from(n).ok().and_then(|n| rest.get(..n)) {
                        Some(body) => (body, None),
                        None => (
                            rest,
                            Some(FramingDefect::ContentLengthExceedsDatagram {
                                declared: n,
                                available: rest.len(),
                            }),
                        ),
                    }
                }
            }
        };
        if body.len() > limits.max_body {
            return Err(ParseError::BodyTooLarge {
                declared: body.len() as u64,
                limit: limits.max_body,
            });
        }
        Ok(Datagram::Message(Message::assemble(
            head,
            body.to_vec(),
            defect,
        )))
    }
}
