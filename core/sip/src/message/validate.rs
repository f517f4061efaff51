//! Checks, separate from parsing, that a parsed message is one a server can
//! process, and which response to send when it is not (RFC 3261 §8.2, §16.3,
//! §18.3; RFC 4475 for the edge cases).

use super::error::{ParseError, Rejection};
use super::header_name::HeaderName;
use super::headers::Headers;
use super::request::Request;
use super::response::Response;
use super::uri::UriKind;

/// The headers a request must carry exactly once.
const SINGLE_REQUIRED: [HeaderName; 4] = [
    HeaderName::To,
    HeaderName::From,
    HeaderName::CallId,
    HeaderName::CSeq,
];

fn reject(status: u16, reason: &str) -> Rejection {
    Rejection {
        status,
        reason: reason.to_owned(),
    }
}

/// `SIP/<digits>.<digits>`: `Some(true)` for 2.0, `Some(false)` for another
/// version, `None` when it is not a SIP-Version at all.
fn is_sip_2_0(version: &str) -> Option<bool> {
    let (name, number) = version.split_once('/')?;
    let (major, minor) = number.split_once('.')?;
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !name.eq_ignore_ascii_case("SIP") || !digits(major) || !digits(minor) {
        return None;
    }
    Some(major.trim_start_matches('0') == "2" && minor.trim_start_matches('0').is_empty())
}

/// Checks that each of `kinds` appears exactly once.
fn check_single(headers: &Headers, kinds: &[HeaderName]) -> Result<(), ParseError> {
    for &kind in kinds {
        match headers.count(kind) {
            0 => return Err(ParseError::Missing(kind.as_str())),
            1 => {}
            _ => return Err(ParseError::Multiple(kind.as_str())),
        }
    }
    Ok(())
}

/// Parses every typed header both requests and responses rely on.
fn check_common(headers: &Headers) -> Result<(), ParseError> {
    if headers.count(HeaderName::Via) == 0 {
        return Err(ParseError::Missing("Via"));
    }
    for via in headers.vias() {
        via?;
    }
    headers.from()?;
    headers.to()?;
    headers.call_id()?;
    headers.cseq()?;
    match headers.count(HeaderName::ContentLength) {
        0 | 1 => {}
        _ => return Err(ParseError::MultipleContentLength),
    }
    headers.content_length()?;
    headers.content_type()?;
    Ok(())
}

impl Request {
    /// Decides whether a server can process this request, or the response
    /// it should send instead:
    ///
    /// - `400` for a malformed Request-Line, Request-URI or header, a
    ///   missing or repeated To/From/Call-ID/CSeq, no Via, a CSeq method
    ///   unlike the request method, or a datagram framing fault;
    /// - `505` for a SIP-Version other than 2.0;
    /// - `416` for a Request-URI scheme other than sip, sips and tel.
    ///
    /// Max-Forwards is required of RFC 3261 senders (top Via branch with
    /// the `z9hG4bK` cookie); an RFC 2543 request without it is accepted.
    /// Unknown methods pass: answering `501` is the switch's business.
    pub fn validate(&self) -> Result<(), Rejection> {
        if self.has_trailing_whitespace() {
            return Err(reject(400, "Malformed Request-Line: trailing whitespace"));
        }
        let uri = self.uri_str();
        if uri.starts_with([' ', '\t']) || uri.ends_with([' ', '\t']) {
            return Err(reject(400, "Malformed Request-Line: extra whitespace"));
        }
        match is_sip_2_0(self.version()) {
            None => return Err(reject(400, "Malformed Request-Line: bad SIP-Version")),
            Some(false) => return Err(reject(505, "Version Not Supported")),
            Some(true) => {}
        }
        let uri = self.uri().map_err(|e| e.rejection())?;
        if uri.as_sip().is_some_and(|sip| sip.headers.is_some()) {
            return Err(reject(400, "Malformed Request-URI: headers not allowed"));
        }
        self.check_headers().map_err(|e| e.rejection())?;
        if let Some(defect) = self.framing_defect() {
            return Err(defect.to_error().rejection());
        }
        if let UriKind::Other(_) = uri.kind() {
            return Err(reject(416, "Unsupported URI Scheme"));
        }
        Ok(())
    }

    fn check_headers(&self) -> Result<(), ParseError> {
        let headers = self.headers();
        check_single(headers, &SINGLE_REQUIRED)?;
        check_common(headers)?;
        if headers.cseq()?.method.as_str() != self.method_str() {
            return Err(ParseError::Bad {
                what: "CSeq",
                detail: "method does not match request line",
            });
        }
        match headers.count(HeaderName::MaxForwards) {
            0 if headers.top_via()?.has_rfc3261_branch() => {
                return Err(ParseError::Missing("Max-Forwards"));
            }
            0 | 1 => {}
            _ => return Err(ParseError::Multiple("Max-Forwards")),
        }
        headers.max_forwards()?;
        for contact in headers.contacts() {
            contact?;
        }
        for route in headers.routes().chain(headers.record_routes()) {
            route?;
        }
        headers.expires()?;
        Ok(())
    }
}

impl Response {
    /// Checks that this response can be processed; a response failing
    /// this is discarded (RFC 3261 §18.1.2), never answered. The error says
    /// why, for the log.
    pub fn validate(&self) -> Result<(), ParseError> {
        if is_sip_2_0(self.version()) != Some(true) {
            return Err(ParseError::StartLine("SIP-Version is not SIP/2.0"));
        }
        if !(100..=699).contains(&self.status()) {
            return Err(ParseError::StartLine("status code outside 100..=699"));
        }
        let headers = self.headers();
        check_single(headers, &SINGLE_REQUIRED)?;
        check_common(headers)?;
        if let Some(defect) = self.framing_defect() {
            return Err(defect.to_error());
        }
        Ok(())
    }
}
