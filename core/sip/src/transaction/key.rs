//! Transaction identities and matching: RFC 3261 §17.1.3 (client),
//! §17.2.3 (server, with the RFC 2543 fallback for requests whose branch
//! lacks the `z9hG4bK` magic cookie) and §9.2 (CANCEL).

use crate::message::{Method, ParseError, Request, Response, Via};

/// The RFC 3261 magic cookie that starts every branch built by a
/// compliant element.
pub const MAGIC_COOKIE: &str = "z9hG4bK";

/// True if `branch` is an RFC 3261 branch: the magic cookie followed by at
/// least one more character (RFC 4475 `badbranch` has the bare cookie and
/// is matched the RFC 2543 way).
pub fn is_rfc3261_branch(branch: &str) -> bool {
    branch.len() > MAGIC_COOKIE.len() && branch.starts_with(MAGIC_COOKIE)
}

/// Identifies a client transaction (RFC 3261 §17.1.3): the branch of the
/// top Via of the request and its method (the CSeq method of a response).
/// A CANCEL shares its INVITE's branch and is a different transaction.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ClientKey {
    branch: String,
    method: String,
}

impl ClientKey {
    /// The branch of the request's top Via.
    pub fn branch(&self) -> &str {
        &self.branch
    }

    /// The request's method.
    pub fn method(&self) -> Method<'_> {
        Method::from_token(&self.method)
    }

    /// The key of an outgoing request; the branch must be an RFC 3261 one.
    pub(crate) fn for_request(request: &Request) -> Result<ClientKey, ParseError> {
        let via = request.headers().top_via()?;
        let branch = via.branch().ok_or(ParseError::Missing("Via branch"))?;
        if !is_rfc3261_branch(branch) {
            return Err(ParseError::InvalidInput(
                "top Via branch must start with z9hG4bK and carry a unique id",
            ));
        }
        let cseq = request.headers().cseq()?;
        if cseq.method.as_str() != request.method_str() {
            return Err(ParseError::InvalidInput(
                "CSeq method does not match the request method",
            ));
        }
        Ok(ClientKey {
            branch: branch.to_owned(),
            method: request.method_str().to_owned(),
        })
    }

    /// The key of the client transaction a response belongs to.
    pub(crate) fn for_response(response: &Response) -> Option<ClientKey> {
        let via = response.headers().top_via().ok()?;
        let branch = via.branch()?;
        let cseq = response.headers().cseq().ok()?;
        Some(ClientKey {
            branch: branch.to_owned(),
            method: cseq.method.as_str().to_owned(),
        })
    }

    /// The key of the INVITE transaction this CANCEL's key cancels.
    pub(crate) fn invite_of_cancel(&self) -> ClientKey {
        ClientKey {
            branch: self.branch.clone(),
            method: "INVITE".to_owned(),
        }
    }
}

/// Identifies a server transaction (RFC 3261 §17.2.3).
///
/// For a request whose top Via branch carries the magic cookie: branch,
/// sent-by and method (an ACK's method reads as INVITE, so an ACK for a
/// non-2xx answer finds its INVITE transaction). Otherwise (RFC 2543
/// peers): Request-URI, To tag, From tag, Call-ID, CSeq number and method,
/// and the top Via.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ServerKey(Kind);

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Kind {
    Rfc3261 {
        branch: String,
        host: String,
        port: Option<u16>,
        method: String,
    },
    /// Boxed: RFC 2543 peers are rare, and every key is as large as its
    /// largest variant.
    Rfc2543(Box<Legacy>),
}

/// The fields of an RFC 2543 server key.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
struct Legacy {
    request_uri: String,
    to_tag: Option<String>,
    from_tag: Option<String>,
    call_id: String,
    cseq: u32,
    top_via: String,
    method: String,
}

impl ServerKey {
    /// The method of the transaction (INVITE for an INVITE transaction
    /// even when the key was computed from its ACK).
    pub fn method(&self) -> Method<'_> {
        match &self.0 {
            Kind::Rfc3261 { method, .. } => Method::from_token(method),
            Kind::Rfc2543(legacy) => Method::from_token(&legacy.method),
        }
    }

    /// The RFC 3261 branch, or `None` for an RFC 2543 transaction.
    pub fn branch(&self) -> Option<&str> {
        match &self.0 {
            Kind::Rfc3261 { branch, .. } => Some(branch),
            Kind::Rfc2543(_) => None,
        }
    }

    /// True if this transaction is matched the RFC 2543 way.
    pub fn is_rfc2543(&self) -> bool {
        matches!(self.0, Kind::Rfc2543(_))
    }

    /// The key of the transaction `request` belongs to (ACK reads as INVITE).
    pub(crate) fn for_request(request: &Request) -> Result<ServerKey, ParseError> {
        let headers = request.headers();
        let via = headers.top_via()?;
        let method = match request.method() {
            Method::Ack => "INVITE",
            _ => request.method_str(),
        };
        if let Some(branch) = via.branch().filter(|b| is_rfc3261_branch(b)) {
            return Ok(ServerKey(Kind::Rfc3261 {
                branch: branch.to_owned(),
                host: via.host.to_ascii_lowercase(),
                port: via.port,
                method: method.to_owned(),
            }));
        }
        let cseq = headers.cseq()?;
        Ok(ServerKey(Kind::Rfc2543(Box::new(Legacy {
            request_uri: request.uri_str().to_owned(),
            to_tag: headers.to()?.tag().map(str::to_owned),
            from_tag: headers.from()?.tag().map(str::to_owned),
            call_id: headers.call_id()?.to_owned(),
            cseq: cseq.number,
            top_via: via_text(&via),
            method: method.to_owned(),
        }))))
    }

    /// The same key for another method: the INVITE a CANCEL targets
    /// (§9.2: same branch and sent-by, or the same RFC 2543 fields).
    pub(crate) fn with_method(&self, new_method: &str) -> ServerKey {
        let mut key = self.clone();
        match &mut key.0 {
            Kind::Rfc3261 { method, .. } => new_method.clone_into(method),
            Kind::Rfc2543(legacy) => new_method.clone_into(&mut legacy.method),
        }
        key
    }

    /// The RFC 2543 key with another To tag; an RFC 3261 key unchanged.
    /// An RFC 2543 ACK carries the tag of the response, which the INVITE
    /// that created the transaction did not have.
    pub(crate) fn with_to_tag(&self, tag: Option<&str>) -> ServerKey {
        let mut key = self.clone();
        if let Kind::Rfc2543(legacy) = &mut key.0 {
            legacy.to_tag = tag.map(str::to_owned);
        }
        key
    }

    /// The To tag in an RFC 2543 key.
    pub(crate) fn legacy_to_tag(&self) -> Option<&str> {
        match &self.0 {
            Kind::Rfc2543(legacy) => legacy.to_tag.as_deref(),
            Kind::Rfc3261 { .. } => None,
        }
    }
}

/// A canonical text for a Via hop, for RFC 2543 comparison.
fn via_text(via: &Via<'_>) -> String {
    let port = via.port.map(|p| format!(":{p}")).unwrap_or_default();
    format!(
        "{}/{}/{} {}{}{}",
        via.protocol_name,
        via.protocol_version,
        via.transport.to_ascii_uppercase(),
        via.host.to_ascii_lowercase(),
        port,
        via.params.as_str().trim()
    )
}

/// Either side's key: what events and transmits name.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TransactionKey {
    /// A client transaction.
    Client(ClientKey),
    /// A server transaction.
    Server(ServerKey),
}

impl From<ClientKey> for TransactionKey {
    fn from(key: ClientKey) -> TransactionKey {
        TransactionKey::Client(key)
    }
}

impl From<ServerKey> for TransactionKey {
    fn from(key: ServerKey) -> TransactionKey {
        TransactionKey::Server(key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::Message;

    fn request(text: &str) -> Request {
        match Message::parse(text.as_bytes()) {
            Ok(Message::Request(r)) => r,
            other => panic!("not a request: {other:?}"),
        }
    }

    const INVITE: &str = "INVITE sip:b@example.com SIP/2.0\r\n\
        Via: SIP/2.0/UDP Host.Example.com:5060;branch=z9hG4bK1\r\n\
        From: <sip:a@example.com>;tag=f\r\nTo: <sip:b@example.com>\r\n\
        Call-ID: c1\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n";

    #[test]
    fn ack_and_cancel_keys() {
        let invite = ServerKey::for_request(&request(INVITE)).unwrap();
        let ack = ServerKey::for_request(&request(
            &INVITE
                .replace("INVITE sip", "ACK sip")
                .replace("1 INVITE", "1 ACK"),
        ))
        .unwrap();
        assert_eq!(invite, ack);
        let cancel = ServerKey::for_request(&request(
            &INVITE
                .replace("INVITE sip", "CANCEL sip")
                .replace("1 INVITE", "1 CANCEL"),
        ))
        .unwrap();
        assert_ne!(invite, cancel);
        assert_eq!(cancel.with_method("INVITE"), invite);
        assert_eq!(invite.branch(), Some("z9hG4bK1"));
        assert_eq!(invite.method(), Method::Invite);
    }

    #[test]
    fn sent_by_is_part_of_the_key() {
        let a = ServerKey::for_request(&request(INVITE)).unwrap();
        let b = ServerKey::for_request(&request(&INVITE.replace(":5060", ":5070"))).unwrap();
        assert_ne!(a, b);
        let c = ServerKey::for_request(&request(&INVITE.replace("Host.Example", "host.example")))
            .unwrap();
        assert_eq!(a, c);
    }

    #[test]
    fn bare_cookie_is_rfc2543() {
        let key = ServerKey::for_request(&request(&INVITE.replace("z9hG4bK1", "z9hG4bK"))).unwrap();
        assert!(key.is_rfc2543());
        assert!(!is_rfc3261_branch("z9hG4bK"));
        assert!(is_rfc3261_branch("z9hG4bKx"));
    }

    #[test]
    fn client_key_needs_cookie_and_matching_cseq() {
        assert!(ClientKey::for_request(&request(INVITE)).is_ok());
        assert!(ClientKey::for_request(&request(&INVITE.replace("z9hG4bK1", "abc"))).is_err());
        assert!(ClientKey::for_request(&request(&INVITE.replace("1 INVITE", "1 BYE"))).is_err());
    }
}
