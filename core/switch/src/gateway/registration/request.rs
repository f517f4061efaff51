//! Writing a gateway's REGISTER (RFC 3261 §10.2) and reading the expiry a
//! registrar granted.

use crate::gateway::store::{Gateway, GatewayTransport};
use std::net::SocketAddr;
use switchyard_sip::message::{NameAddr, ParseError, Request, Response};

/// What varies between one gateway's REGISTERs.
pub(super) struct Register<'a> {
    /// The gateway.
    pub gateway: &'a Gateway,
    /// The switch's SIP address (Via sent-by and Contact).
    pub local: SocketAddr,
    /// The top Via's branch.
    pub branch: &'a str,
    /// The Call-ID, the same for every REGISTER of the gateway.
    pub call_id: &'a str,
    /// The From tag.
    pub from_tag: &'a str,
    /// The CSeq number.
    pub cseq: u32,
    /// The expiry asked for (0 removes the binding).
    pub expires: u32,
}

/// The username in the gateway's URIs (registering gateways always have
/// one: the store refuses `register=true` without).
fn user(gateway: &Gateway) -> &str {
    gateway.username.as_deref().unwrap_or("switchyard")
}

/// The Request-URI: `sip:<proxy>`, with `;transport=tcp` over TCP.
pub(super) fn request_uri(gateway: &Gateway) -> String {
    match gateway.transport {
        GatewayTransport::Udp => format!("sip:{}", gateway.proxy),
        GatewayTransport::Tcp => format!("sip:{};transport=tcp", gateway.proxy),
    }
}

/// The Contact address: `<sip:USERNAME@ip:port>`, with `;transport=tcp`
/// over TCP.
pub(super) fn contact(gateway: &Gateway, local: SocketAddr) -> String {
    match gateway.transport {
        GatewayTransport::Udp => format!("<sip:{}@{local}>", user(gateway)),
        GatewayTransport::Tcp => format!("<sip:{}@{local};transport=tcp>", user(gateway)),
    }
}

impl Register<'_> {
    /// The REGISTER with `authorization` headers (`(name, value)`) added.
    pub fn build(&self, authorization: &[(&str, String)]) -> Result<Request, ParseError> {
        let gateway = self.gateway;
        let aor = format!("<sip:{}@{}>", user(gateway), gateway.from_domain());
        let via = format!(
            "SIP/2.0/{} {};branch={};rport",
            gateway.transport.name().to_ascii_uppercase(),
            self.local,
            self.branch
        );
        let mut request = Request::new("REGISTER", &request_uri(gateway))?;
        let headers = request.headers_mut();
        headers.push("Via", &via)?;
        headers.push("Max-Forwards", "70")?;
        headers.push("From", &format!("{aor};tag={}", self.from_tag))?;
        headers.push("To", &aor)?;
        headers.push("Call-ID", self.call_id)?;
        headers.push("CSeq", &format!("{} REGISTER", self.cseq))?;
        headers.push("Contact", &contact(gateway, self.local))?;
        headers.push("Expires", &self.expires.to_string())?;
        headers.push(
            "User-Agent",
            concat!("Switchyard/", env!("CARGO_PKG_VERSION")),
        )?;
        for (name, value) in authorization {
            headers.push(name, value)?;
        }
        Ok(request)
    }
}

/// Whether `addr` is our Contact: same user, host and port.
fn is_ours(addr: &NameAddr<'_>, gateway: &Gateway, local: SocketAddr) -> bool {
    let Some(sip) = addr.uri.as_sip() else {
        return false;
    };
    let host = match local {
        SocketAddr::V4(v4) => v4.ip().to_string(),
        SocketAddr::V6(v6) => format!("[{}]", v6.ip()),
    };
    sip.user == Some(user(gateway))
        && sip.host.eq_ignore_ascii_case(&host)
        && sip.port.unwrap_or(5060) == local.port()
}

/// The expiry a 2xx granted, in seconds: the `expires` parameter of our
/// Contact among those listed (or of the only one listed, as registrars
/// that rewrite Contacts for NAT list it), else the Expires header, else
/// what was asked for. A grant of 0 reads as what was asked for.
pub(super) fn granted_expiry(
    response: &Response,
    gateway: &Gateway,
    local: SocketAddr,
    asked: u32,
) -> u32 {
    let contacts: Vec<NameAddr<'_>> = response
        .headers()
        .contacts()
        .filter_map(Result::ok)
        .filter_map(|c| c.address().copied())
        .collect();
    let ours = contacts
        .iter()
        .find(|a| is_ours(a, gateway, local))
        .and_then(NameAddr::expires);
    let only = match contacts.as_slice() {
        [one] => one.expires(),
        _ => None,
    };
    ours.or(only)
        .or_else(|| response.headers().expires().ok().flatten())
        .filter(|&e| e > 0)
        .unwrap_or(asked)
}
