//! A SIP request: Request-Line, headers, body.

use super::error::ParseError;
use super::framing::FramingDefect;
use super::headers::Headers;
use super::span::Span;
use super::start_line::{Method, RequestLine};
use super::syntax::is_token;
use super::uri::{Uri, parse_uri};

/// A SIP request. Headers are kept raw and parsed on access through
/// [`Request::headers`].
#[derive(Clone, Debug)]
pub struct Request {
    pub(crate) line: RequestLine,
    pub(crate) headers: Headers,
    pub(crate) body: Vec<u8>,
    pub(crate) defect: Option<FramingDefect>,
}

impl Request {
    /// Builds a request with no headers: `METHOD uri SIP/2.0`. The method
    /// must be a token; the URI must parse.
    pub fn new(method: &str, uri: &str) -> Result<Request, ParseError> {
        if !is_token(method) {
            return Err(ParseError::InvalidInput("method is not a token"));
        }
        parse_uri(uri, "Request-URI")?;
        let text = format!("{method} {uri} SIP/2.0\n");
        let method_end = method.len();
        let uri_end = method_end + 1 + uri.len();
        let line = RequestLine {
            method: Span::new(0, method_end),
            uri: Span::new(method_end + 1, uri_end),
            version: Span::new(uri_end + 1, uri_end + 8),
            trailing_whitespace: false,
        };
        Ok(Request {
            line,
            headers: Headers::from_parts(text, Vec::new()),
            body: Vec::new(),
            defect: None,
        })
    }

    /// The method.
    pub fn method(&self) -> Method<'_> {
        Method::from_token(self.method_str())
    }

    /// The method token as received.
    pub fn method_str(&self) -> &str {
        self.headers.slice(self.line.method)
    }

    /// The Request-URI text as received.
    pub fn uri_str(&self) -> &str {
        self.headers.slice(self.line.uri)
    }

    /// The Request-URI, parsed.
    pub fn uri(&self) -> Result<Uri<'_>, ParseError> {
        parse_uri(self.uri_str(), "Request-URI")
    }

    /// The SIP-Version as received (normally `SIP/2.0`).
    pub fn version(&self) -> &str {
        self.headers.slice(self.line.version)
    }

    /// True if the Request-Line ended with whitespace after the SIP-Version.
    pub fn has_trailing_whitespace(&self) -> bool {
        self.line.trailing_whitespace
    }

    /// The headers.
    pub fn headers(&self) -> &Headers {
        &self.headers
    }

    /// The headers, for changing.
    pub fn headers_mut(&mut self) -> &mut Headers {
        &mut self.headers
    }

    /// The body (possibly binary).
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// Replaces the body; the writer emits the matching Content-Length.
    pub fn set_body(&mut self, body: Vec<u8>) {
        self.body = body;
    }

    /// A framing fault found when the request arrived as a datagram.
    pub fn framing_defect(&self) -> Option<FramingDefect> {
        self.defect
    }
}
