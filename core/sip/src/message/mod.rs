//! SIP messages: framing, parsing, typed header views, validation and
//! writing (RFC 3261 §7, §18, §20, §25; RFC 4475 torture tests).
//!
//! - [`StreamFramer`] cuts messages out of a TCP/TLS byte stream and reports
//!   bytes consumed; [`Datagram::parse`] reads one UDP datagram.
//! - A [`Message`] is a [`Request`] or [`Response`] whose [`Headers`] are
//!   kept raw (names as received) in one owned text; typed views ([`Via`],
//!   [`NameAddr`], [`CSeq`], [`Uri`], ...) are parsed on access and borrow it.
//! - [`Request::validate`] decides whether a server can process a request
//!   or which [`Rejection`] (400, 416, 505 ...) to answer.
//! - [`Request::to_bytes`] / [`Response::for_request`] write and build
//!   messages with CRLF line endings and a correct Content-Length.
//!
//! Nothing here panics on any input.

mod cseq;
mod datagram;
mod error;
mod framer;
mod framing;
mod head;
mod header_name;
mod headers;
mod limits;
mod media_type;
mod name_addr;
mod params;
mod received;
mod request;
mod response;
mod sip_message;
mod span;
mod start_line;
mod syntax;
mod typed;
mod uri;
mod validate;
mod via;
mod writer;

pub use cseq::CSeq;
pub use datagram::Datagram;
pub use error::{ParseError, Rejection};
pub use framer::{Frame, StreamError, StreamFramer};
pub use framing::FramingDefect;
pub use header_name::HeaderName;
pub use headers::{Header, Headers};
pub use limits::Limits;
pub use media_type::MediaType;
pub use name_addr::{Contact, NameAddr};
pub use params::{Param, ParamIter, Params};
pub use request::Request;
pub use response::Response;
pub use sip_message::Message;
pub use start_line::Method;
pub use uri::{OtherUri, SipUri, TelUri, Uri, UriKind, percent_decode};
pub use via::Via;
