//! A SIP response: Status-Line, headers, body; and building one for a
//! request as RFC 3261 §8.2.6 says.

use super::error::ParseError;
use super::framing::FramingDefect;
use super::header_name::HeaderName;
use super::headers::Headers;
use super::request::Request;
use super::span::Span;
use super::start_line::StatusLine;
use super::syntax::is_token;

/// A SIP response. Headers are kept raw and parsed on access through
/// [`Response::headers`].
#[derive(Clone, Debug)]
pub struct Response {
    pub(crate) line: StatusLine,
    pub(crate) headers: Headers,
    pub(crate) body: Vec<u8>,
    pub(crate) defect: Option<FramingDefect>,
}

impl Response {
    /// Builds a response with no headers: `SIP/2.0 code reason`. The code
    /// must be 100..=699 and the reason must not contain CR or LF.
    pub fn new(code: u16, reason: &str) -> Result<Response, ParseError> {
        if !(100..=699).contains(&code) {
            return Err(ParseError::InvalidInput("status code outside 100..=699"));
        }
        if reason.contains(['\r', '\n']) {
            return Err(ParseError::InvalidInput("reason phrase contains CR or LF"));
        }
        let text = format!("SIP/2.0 {code} {reason}\n");
        let line = StatusLine {
            version: Span::new(0, 7),
            code,
            reason: Span::new(12, 12 + reason.len()),
        };
        Ok(Response {
            line,
            headers: Headers::from_parts(text, Vec::new()),
            body: Vec::new(),
            defect: None,
        })
    }

    /// Builds the response to `request` per RFC 3261 §8.2.6.2: the Via
    /// headers (all, in order), From, To, Call-ID and CSeq are copied as
    /// received; for `100 Trying` a Timestamp is copied too (§8.2.6.1).
    /// Add a To tag with [`Response::add_to_tag`].
    pub fn for_request(request: &Request, code: u16, reason: &str) -> Result<Response, ParseError> {
        let mut response = Response::new(code, reason)?;
        let copied: &[HeaderName] = if code == 100 {
            &[
                HeaderName::Via,
                HeaderName::From,
                HeaderName::To,
                HeaderName::CallId,
                HeaderName::CSeq,
                HeaderName::Timestamp,
            ]
        } else {
            &[
                HeaderName::Via,
                HeaderName::From,
                HeaderName::To,
                HeaderName::CallId,
                HeaderName::CSeq,
            ]
        };
        for header in request.headers().iter() {
            if copied.contains(&header.kind) {
                response.headers.push(header.name, header.value)?;
            }
        }
        Ok(response)
    }

    /// Adds `;tag=tag` to the To header unless it already has a tag.
    /// Returns whether a tag was added.
    pub fn add_to_tag(&mut self, tag: &str) -> Result<bool, ParseError> {
        if !is_token(tag) {
            return Err(ParseError::InvalidInput("tag is not a token"));
        }
        let to = self.headers.to()?;
        if to.tag().is_some() {
            return Ok(false);
        }
        let name = self
            .headers
            .iter()
            .find(|h| h.kind == HeaderName::To)
            .map_or("To", |h| h.name)
            .to_owned();
        let mut value = self
            .headers
            .first(HeaderName::To)
            .unwrap_or_default()
            .to_owned();
        if !to.bracketed && (value.contains(';') || value.contains(',')) {
            return Err(ParseError::InvalidInput("To URI not enclosed in <>"));
        }
        value.push_str(";tag=");
        value.push_str(tag);
        let position = self
            .headers
            .entries
            .iter()
            .position(|e| e.kind == HeaderName::To);
        self.headers.push(&name, &value)?;
        // The new value replaces the first To in place, keeping header order.
        if let (Some(at), Some(new_entry)) = (position, self.headers.entries.pop())
            && let Some(slot) = self.headers.entries.get_mut(at)
        {
            *slot = new_entry;
        }
        Ok(true)
    }

    /// The status code.
    pub fn status(&self) -> u16 {
        self.line.code
    }

    /// The reason phrase as received (may be empty).
    pub fn reason(&self) -> &str {
        self.headers.slice(self.line.reason)
    }

    /// The SIP-Version as received (normally `SIP/2.0`).
    pub fn version(&self) -> &str {
        self.headers.slice(self.line.version)
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

    /// A framing fault found when the response arrived as a datagram.
    pub fn framing_defect(&self) -> Option<FramingDefect> {
        self.defect
    }
}
