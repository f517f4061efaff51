//! Requests derived from an INVITE: the ACK for a non-2xx final response
//! (RFC 3261 §17.1.1.3) and the CANCEL (§9.1).

use crate::message::{ParseError, Request, Response, Via};

/// Writes one Via hop back as text (`SIP/2.0/UDP host:port;params`).
pub(crate) fn via_element(via: &Via<'_>) -> String {
    let port = via.port.map(|p| format!(":{p}")).unwrap_or_default();
    format!(
        "{}/{}/{} {}{}{}",
        via.protocol_name,
        via.protocol_version,
        via.transport,
        via.host,
        port,
        via.params.as_str().trim()
    )
}

/// The headers ACK and CANCEL copy from the INVITE: Request-URI, top Via
/// (one hop), From, Call-ID, CSeq number with `method`, Route headers, and
/// To from `to` (the response's, for an ACK).
fn derive(invite: &Request, method: &str, to: &str) -> Result<Request, ParseError> {
    let headers = invite.headers();
    let mut out = Request::new(method, invite.uri_str())?;
    let via = via_element(&headers.top_via()?);
    let from = headers
        .first(crate::message::HeaderName::From)
        .ok_or(ParseError::Missing("From"))?;
    let call_id = headers.call_id()?;
    let cseq = headers.cseq()?;
    let new = out.headers_mut();
    new.push("Via", &via)?;
    new.push("Max-Forwards", "70")?;
    new.push("From", from)?;
    new.push("To", to)?;
    new.push("Call-ID", call_id)?;
    new.push("CSeq", &format!("{} {method}", cseq.number))?;
    for route in headers.values(crate::message::HeaderName::Route) {
        new.push("Route", route)?;
    }
    Ok(out)
}

/// The ACK an INVITE client transaction sends for a 300–699 response
/// (RFC 3261 §17.1.1.3): the INVITE's Request-URI, Call-ID, From, top Via
/// (same branch) and Route headers, the response's To (with its tag), and
/// CSeq with the INVITE's number and method ACK.
pub fn ack_for_non_2xx(invite: &Request, response: &Response) -> Result<Request, ParseError> {
    let to = response
        .headers()
        .first(crate::message::HeaderName::To)
        .ok_or(ParseError::Missing("To"))?;
    derive(invite, "ACK", to)
}

/// A CANCEL for `invite` (RFC 3261 §9.1): same Request-URI, Call-ID, From,
/// To, CSeq number, top Via (same branch) and Route headers; method CANCEL.
/// Send it with [`send_request`](super::TransactionLayer::send_request)
/// once a provisional response has arrived for the INVITE.
pub fn cancel_for(invite: &Request) -> Result<Request, ParseError> {
    let to = invite
        .headers()
        .first(crate::message::HeaderName::To)
        .ok_or(ParseError::Missing("To"))?;
    derive(invite, "CANCEL", to)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::{Message, Method};

    fn parse(text: &str) -> Message {
        Message::parse(text.as_bytes()).unwrap()
    }

    const INVITE: &str = "INVITE sip:b@example.com SIP/2.0\r\n\
        Via: SIP/2.0/UDP a.example.com:5060;branch=z9hG4bKx1;rport, SIP/2.0/UDP other\r\n\
        Max-Forwards: 70\r\nRoute: <sip:p1.example.com;lr>\r\nRoute: <sip:p2.example.com;lr>\r\n\
        From: <sip:a@example.com>;tag=f\r\nTo: <sip:b@example.com>\r\n\
        Call-ID: c1\r\nCSeq: 4711 INVITE\r\nContact: <sip:a@a.example.com>\r\n\
        Content-Length: 0\r\n\r\n";

    #[test]
    fn ack_copies_what_17_1_1_3_says() {
        let Message::Request(invite) = parse(INVITE) else {
            panic!()
        };
        let mut response = Response::for_request(&invite, 486, "Busy Here").unwrap();
        response.add_to_tag("t9").unwrap();
        let ack = ack_for_non_2xx(&invite, &response).unwrap();
        let Message::Request(ack) = parse(std::str::from_utf8(&ack.to_bytes()).unwrap()) else {
            panic!()
        };
        let h = ack.headers();
        assert_eq!(ack.method(), Method::Ack);
        assert_eq!(ack.uri_str(), "sip:b@example.com");
        assert_eq!(h.vias().count(), 1);
        assert_eq!(h.top_via().unwrap().branch(), Some("z9hG4bKx1"));
        assert_eq!(h.to().unwrap().tag(), Some("t9"));
        assert_eq!(h.from().unwrap().tag(), Some("f"));
        assert_eq!(h.call_id().unwrap(), "c1");
        let cseq = h.cseq().unwrap();
        assert_eq!((cseq.number, cseq.method), (4711, Method::Ack));
        assert_eq!(h.routes().count(), 2);
        assert!(h.contacts().next().is_none());
    }

    #[test]
    fn cancel_copies_what_9_1_says() {
        let Message::Request(invite) = parse(INVITE) else {
            panic!()
        };
        let cancel = cancel_for(&invite).unwrap();
        let h = cancel.headers();
        assert_eq!(cancel.method(), Method::Cancel);
        assert_eq!(h.to().unwrap().tag(), None);
        assert_eq!(h.cseq().unwrap().number, 4711);
        assert_eq!(h.cseq().unwrap().method, Method::Cancel);
        assert_eq!(h.top_via().unwrap().branch(), Some("z9hG4bKx1"));
    }
}
