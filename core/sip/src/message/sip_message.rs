//! A message that is either a request or a response, as it comes off the
//! wire.

use super::error::ParseError;
use super::framing::FramingDefect;
use super::head::ParsedHead;
use super::headers::Headers;
use super::limits::Limits;
use super::request::Request;
use super::response::Response;
use super::start_line::StartLine;

/// A parsed SIP message.
#[derive(Clone, Debug)]
pub enum Message {
    /// A request.
    Request(Request),
    /// A response.
    Response(Response),
}

impl Message {
    /// Parses one complete message as a datagram with default [`Limits`]
    /// (RFC 3261 §18.3: without Content-Length the body runs to the end;
    /// octets beyond Content-Length are dropped). A datagram holding only
    /// CRLF keep-alives is [`ParseError::Empty`]; use
    /// [`Datagram::parse`](super::Datagram::parse) to tell them apart.
    pub fn parse(bytes: &[u8]) -> Result<Message, ParseError> {
        match super::datagram::Datagram::parse(bytes, &Limits::default())? {
            super::datagram::Datagram::Message(message) => Ok(message),
            super::datagram::Datagram::KeepAlive => Err(ParseError::Empty),
        }
    }

    pub(crate) fn assemble(
        head: ParsedHead,
        body: Vec<u8>,
        defect: Option<FramingDefect>,
    ) -> Message {
        match head.start {
            StartLine::Request(line) => Message::Request(Request {
                line,
                headers: head.headers,
                body,
                defect,
            }),
            StartLine::Response(line) => Message::Response(Response {
                line,
                headers: head.headers,
                body,
                defect,
            }),
        }
    }

    /// The headers.
    pub fn headers(&self) -> &Headers {
        match self {
            Message::Request(r) => r.headers(),
            Message::Response(r) => r.headers(),
        }
    }

    /// The body.
    pub fn body(&self) -> &[u8] {
        match self {
            Message::Request(r) => r.body(),
            Message::Response(r) => r.body(),
        }
    }

    /// A framing fault found when the message arrived as a datagram.
    pub fn framing_defect(&self) -> Option<FramingDefect> {
        match self {
            Message::Request(r) => r.framing_defect(),
            Message::Response(r) => r.framing_defect(),
        }
    }

    /// The request, if this is one.
    pub fn as_request(&self) -> Option<&Request> {
        match self {
            Message::Request(r) => Some(r),
            Message::Response(_) => None,
        }
    }

    /// The response, if this is one.
    pub fn as_response(&self) -> Option<&Response> {
        match self {
            Message::Request(_) => None,
            Message::Response(r) => Some(r),
        }
    }
}
