//! Message framing for stream transports (TCP, TLS): cuts messages out of a
//! byte stream by Content-Length and reports how many bytes each used;
//! recognises RFC 5626 CRLF keep-alives.

use super::error::ParseError;
use super::framing::{DeclaredLength, declared_length};
use super::head::{HeadEnd, ParsedHead, find_head_end, parse_head};
use super::limits::Limits;
use super::sip_message::Message;

/// What [`StreamFramer::next_frame`] found at the front of the buffer.
#[derive(Clone, Debug)]
pub enum Frame {
    /// Not enough bytes yet; call again when more arrive.
    Incomplete,
    /// An RFC 5626 keep-alive ping (`CRLF CRLF`): answer with a pong (`CRLF`).
    Ping {
        /// Bytes to drop from the front of the buffer (4).
        consumed: usize,
    },
    /// An RFC 5626 keep-alive pong (a lone `CRLF`).
    Pong {
        /// Bytes to drop from the front of the buffer (2).
        consumed: usize,
    },
    /// A complete message.
    Message {
        /// The message.
        message: Message,
        /// Bytes it used; drop them from the front of the buffer.
        consumed: usize,
    },
}

/// A stream that cannot be framed any further: the transport should answer
/// if it can (using [`StreamError::head`]) and close the connection.
#[derive(Clone, Debug)]
pub struct StreamError {
    /// What is wrong (its [`ParseError::status_code`] is the answer to send).
    pub error: ParseError,
    /// The message head (with an empty body) when the head itself parsed,
    /// e.g. for a missing or oversized Content-Length, so a response can be
    /// built for it.
    pub head: Option<Box<Message>>,
}

/// Frames SIP messages on a stream.
///
/// Feed it the connection's receive buffer; after a [`Frame`] with
/// `consumed`, drop that many bytes from the front before the next call.
/// Between calls the buffer may only grow at the end. The framer remembers
/// how far it searched and a head waiting for its body, so a message
/// arriving in many segments is scanned once.
#[derive(Clone, Debug, Default)]
pub struct StreamFramer {
    limits: Limits,
    resume: usize,
    pending: Option<Pending>,
}

#[derive(Clone, Debug)]
struct Pending {
    head: ParsedHead,
    head_len: usize,
    body_len: usize,
}

impl StreamFramer {
    /// A framer with the given limits.
    pub fn new(limits: Limits) -> StreamFramer {
        StreamFramer {
            limits,
            resume: 0,
            pending: None,
        }
    }

    /// The limits in force.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Looks at the front of `buf` for the next frame.
    pub fn next_frame(&mut self, buf: &[u8]) -> Result<Frame, StreamError> {
        if let Some(pending) = self.pending.take() {
            return Ok(self.finish(pending, buf));
        }
        if buf.first() == Some(&b'\r') && self.resume == 0 {
            match (buf.get(1), buf.get(2), buf.get(3)) {
                (None, _, _) | (Some(b'\n'), Some(b'\r'), None) => return Ok(Frame::Incomplete),
                (Some(b'\n'), Some(b'\r'), Some(b'\n')) => return Ok(Frame::Ping { consumed: 4 }),
                (Some(b'\n'), _, _) => return Ok(Frame::Pong { consumed: 2 }),
                _ => {}
            }
        }
        let head_len = match find_head_end(buf, self.resume) {
            HeadEnd::Found(end) => end,
            HeadEnd::NeedMore(resume) => {
                if buf.len() > self.limits.max_head {
                    self.resume = 0;
                    return Err(StreamError {
                        error: ParseError::HeadTooLarge {
                            limit: self.limits.max_head,
                        },
                        head: None,
                    });
                }
                self.resume = resume;
                return Ok(Frame::Incomplete);
            }
        };
        self.resume = 0;
        if head_len > self.limits.max_head {
            return Err(StreamError {
                error: ParseError::HeadTooLarge {
                    limit: self.limits.max_head,
                },
                head: None,
            });
        }
        let head = parse_head(buf.get(..head_len).unwrap_or_default())
            .map_err(|error| StreamError { error, head: None })?;
        let fail = |error, head| StreamError {
            error,
            head: Some(Box::new(Message::assemble(head, Vec::new(), None))),
        };
        let body_len = match declared_length(&head.headers) {
            DeclaredLength::Length(n) => n,
            DeclaredLength::Absent => return Err(fail(ParseError::MissingContentLength, head)),
            DeclaredLength::Invalid => return Err(fail(ParseError::BadContentLength, head)),
            DeclaredLength::Multiple => return Err(fail(ParseError::MultipleContentLength, head)),
        };
        let body_len = match usize::try_from(body_len) {
            Ok(n) if n <= self.limits.max_body => n,
            _ => {
                let error = ParseError::BodyTooLarge {
                    declared: body_len,
                    limit: self.limits.max_body,
                };
                return Err(fail(error, head));
            }
        };
        Ok(self.finish(
            Pending {
                head,
                head_len,
                body_len,
            },
            buf,
        ))
    }

    fn finish(&mut self, pending: Pending, buf: &[u8]) -> Frame {
        let end = pending.head_len + pending.body_len;
        match buf.get(pending.head_len..end) {
            Some(body) => Frame::Message {
                message: Message::assemble(pending.head, body.to_vec(), None),
                consumed: end,
            },
            None => {
                self.pending = Some(pending);
                Frame::Incomplete
            }
        }
    }
}
