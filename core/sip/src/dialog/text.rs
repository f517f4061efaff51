//! Reading the values a dialog keeps out of messages, and writing them
//! back as header text.

use crate::message::{Contact, HeaderName, Headers, Method, NameAddr, ParseError, Request, Uri};

/// True for an RFC 3261 `token` (tags, methods).
pub(crate) fn is_token(text: &str) -> bool {
    !text.is_empty()
        && text.bytes().all(|b| {
            b.is_ascii_alphanumeric()
                || matches!(
                    b,
                    b'-' | b'.' | b'!' | b'%' | b'*' | b'_' | b'+' | b'`' | b'\'' | b'~'
                )
        })
}

/// Methods whose request (and 2xx) replace the remote target (RFC 3261
/// §12.2, RFC 3311 for UPDATE, RFC 6665 §4.1 for SUBSCRIBE and NOTIFY).
pub(crate) fn is_target_refresh(method: Method<'_>) -> bool {
    matches!(
        method,
        Method::Invite | Method::Update | Method::Subscribe | Method::Notify
    )
}

/// The URI of the first Contact that is an address: `Ok(None)` when there
/// is no Contact header, an error when the first one does not parse or is
/// the wildcard.
pub(crate) fn first_contact_uri(headers: &Headers) -> Result<Option<String>, ParseError> {
    match headers.contacts().next() {
        None => Ok(None),
        Some(Ok(Contact::Address(addr))) => Ok(Some(addr.uri.as_str().to_owned())),
        Some(Ok(Contact::Wildcard)) => Err(ParseError::Bad {
            what: "Contact",
            detail: "'*' is not a target",
        }),
        Some(Err(error)) => Err(error),
    }
}

/// The URIs of every Record-Route value, in header order (across lines and
/// commas), with all URI parameters kept.
pub(crate) fn record_route_uris(headers: &Headers) -> Result<Vec<String>, ParseError> {
    headers
        .record_routes()
        .map(|rr| rr.map(|addr| addr.uri.as_str().to_owned()))
        .collect()
}

/// A name-addr written back: `[display ]<uri>[params]`.
pub(crate) fn name_addr_text(addr: &NameAddr<'_>) -> String {
    let display = addr
        .display_name
        .map(|d| format!("{d} "))
        .unwrap_or_default();
    format!(
        "{display}<{}>{}",
        addr.uri.as_str(),
        addr.params.as_str().trim_matches([' ', '\t'])
    )
}

/// The value of the first header of `kind`, or `Missing(what)`.
pub(crate) fn first_value<'h>(
    headers: &'h Headers,
    kind: HeaderName,
    what: &'static str,
) -> Result<&'h str, ParseError> {
    headers.first(kind).ok_or(ParseError::Missing(what))
}

/// RFC 3261 §12.1.1/§12.1.2: the secure flag is set when the request went
/// over TLS with a SIPS Request-URI. Sans-IO, the transport is read from the
/// top Via (ours for a UAC, the last hop's for a UAS).
pub(crate) fn is_secure(request: &Request) -> bool {
    let sips = request
        .uri()
        .is_ok_and(|uri| uri.scheme().eq_ignore_ascii_case("sips"));
    let tls = request.headers().top_via().is_ok_and(|via| {
        ["TLS", "WSS", "TLS-SCTP"]
            .iter()
            .any(|t| via.transport.eq_ignore_ascii_case(t))
    });
    sips && tls
}

/// Parses a URI we stored (always one that parsed before).
pub(crate) fn uri(text: &str) -> Result<Uri<'_>, ParseError> {
    Uri::parse(text)
}
