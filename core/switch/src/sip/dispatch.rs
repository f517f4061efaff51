//! The `sip-core` thread: validates every request and answers it, as RFC
//! 3261 §8.2 asks of a server: malformed → 400 (the reason phrase says
//! what is wrong), wrong version → 505, unknown URI scheme → 416, unknown
//! `Require` → 420, requests for a dialog that does not exist → 481,
//! methods this switch does not serve → 501 with `Allow`.

use super::outbound::Outbound;
use super::{Inbound, Origin, Transport};
use crate::registrar::RegisterOutcome;
use crate::switch::Switch;
use crossbeam_channel::Receiver;
use std::hash::{Hash, Hasher};
use std::net::SocketAddr;
use std::sync::Arc;
use switchyard_sip::message::{Message, Method, Request, Response};

/// The methods the switch answers (the `Allow` header).
pub const ALLOWED_METHODS: &str = "REGISTER, OPTIONS, ACK, CANCEL, BYE";

/// Option tags the switch supports (`Supported`); a `Require` naming
/// anything else gets 420.
const SUPPORTED: &[&str] = &[];

/// Answers requests arriving from the transports.
pub struct Dispatcher {
    switch: Arc<Switch>,
    outbound: Arc<Outbound>,
}

impl Dispatcher {
    /// A dispatcher sending through `outbound`.
    pub fn new(switch: Arc<Switch>, outbound: Arc<Outbound>) -> Dispatcher {
        Dispatcher { switch, outbound }
    }

    /// Serves until the transports stop (the channel closes) or shutdown.
    pub fn run(self, inbound: Receiver<Inbound>) {
        let shutdown = self.switch.shutdown_signal();
        loop {
            match inbound.recv_timeout(std::time::Duration::from_millis(200)) {
                Ok(Inbound::Message { message, origin }) => match message {
                    Message::Request(request) => self.on_request(request, origin),
                    Message::Response(response) => tracing::debug!(
                        "SIP: stray {} {} from {} (no client transaction)",
                        response.status(),
                        response.reason(),
                        origin.peer
                    ),
                },
                Ok(Inbound::CloseConnection { id, last_words }) => {
                    if let Some(bytes) = last_words {
                        let origin = Origin {
                            peer: std::net::SocketAddr::from(([0, 0, 0, 0], 0)),
                            transport: Transport::Tcp(id),
                        };
                        self.outbound.send(&origin, origin.peer, bytes);
                    }
                    self.outbound.remove_connection(id);
                }
                Err(crossbeam_channel::RecvTimeoutError::Timeout) => {
                    if *shutdown.borrow() {
                        return;
                    }
                }
                Err(crossbeam_channel::RecvTimeoutError::Disconnected) => return,
            }
        }
    }

    fn on_request(&self, mut request: Request, origin: Origin) {
        tracing::debug!(
            "SIP: {} {} from {} over {}",
            request.method_str(),
            request.uri_str(),
            origin.peer,
            origin.transport.name()
        );
        if let Err(rejection) = request.validate() {
            self.reply(&request, &origin, rejection.status, &rejection.reason, &[]);
            return;
        }
        if request.stamp_received(origin.peer).is_err() {
            return;
        }
        let method = request.method();
        if matches!(method, Method::Ack) {
            // An ACK for a response this switch sent statelessly, or for
            // nothing: there is nothing to answer (RFC 3261 §17.2.3).
            return;
        }
        if !matches!(method, Method::Cancel)
            && let Some(unsupported) = unsupported_requirements(&request)
        {
            self.reply(
                &request,
                &origin,
                420,
                "Bad Extension",
                &[("Unsupported", unsupported.as_str())],
            );
            return;
        }
        match method {
            Method::Register => self.register(&request, &origin),
            Method::Options => self.reply(
                &request,
                &origin,
                200,
                "OK",
                &[
                    ("Allow", ALLOWED_METHODS),
                    ("Accept", "application/sdp"),
                    ("Accept-Language", "en"),
                ],
            ),
            Method::Cancel | Method::Bye => self.reply(
                &request,
                &origin,
                481,
                "Call/Transaction Does Not Exist",
                &[],
            ),
            _ => self.reply(
                &request,
                &origin,
                501,
                "Not Implemented",
                &[("Allow", ALLOWED_METHODS)],
            ),
        }
    }

    fn register(&self, request: &Request, origin: &Origin) {
        let outcome = self.switch.registrar.handle(
            &self.switch.store,
            &self.switch.bans,
            request,
            origin.peer,
            origin.transport.name(),
            std::time::SystemTime::now(),
            std::time::Instant::now(),
        );
        match outcome {
            RegisterOutcome::Respond(response) => self.send_response(request, origin, response),
            RegisterOutcome::Drop => {
                tracing::debug!("SIP: REGISTER from banned {} dropped", origin.peer);
            }
        }
    }

    /// Sends a response to `request` back the way it came.
    fn send_response(&self, request: &Request, origin: &Origin, response: Response) {
        let target = if self.switch.config().settings.sip_force_rport {
            origin.peer
        } else {
            udp_response_target(request, origin.peer)
        };
        self.outbound.send(origin, target, response.to_bytes());
    }

    /// Sends a final response built from `request` (a deterministic To tag,
    /// so retransmitted requests get the same answer).
    fn reply(
        &self,
        request: &Request,
        origin: &Origin,
        status: u16,
        reason: &str,
        extra: &[(&str, &str)],
    ) {
        let Ok(mut response) = Response::for_request(request, status, reason) else {
            tracing::debug!(
                "SIP: cannot answer {} from {} (no usable Via/From/To/Call-ID/CSeq)",
                request.method_str(),
                origin.peer
            );
            return;
        };
        if status >= 200 {
            let _ = response.add_to_tag(&stateless_tag(request));
        }
        for (name, value) in extra {
            let _ = response.headers_mut().push(name, value);
        }
        let _ = response
            .headers_mut()
            .push("Server", concat!("Switchyard/", env!("CARGO_PKG_VERSION")));
        let target = if self.switch.config().settings.sip_force_rport {
            origin.peer
        } else {
            udp_response_target(request, origin.peer)
        };
        self.outbound.send(origin, target, response.to_bytes());
    }
}

/// The `Require` option tags this switch does not support, comma-joined.
fn unsupported_requirements(request: &Request) -> Option<String> {
    let unsupported: Vec<&str> = request
        .headers()
        .get_all("Require")
        .flat_map(|value| value.split(','))
        .map(str::trim)
        .filter(|tag| !tag.is_empty() && !SUPPORTED.iter().any(|s| s.eq_ignore_ascii_case(tag)))
        .collect();
    (!unsupported.is_empty()).then(|| unsupported.join(", "))
}

/// Where a UDP response goes (RFC 3261 §18.2.2, RFC 3581): the source port
/// when `rport` was asked for, else the port in the top Via; always the
/// source address (which `stamp_received` recorded as `received`).
fn udp_response_target(request: &Request, peer: SocketAddr) -> SocketAddr {
    match request.headers().top_via() {
        Ok(via) if via.rport().is_some() => peer,
        Ok(via) => SocketAddr::new(peer.ip(), via.port.unwrap_or(5060)),
        Err(_) => peer,
    }
}

/// A To tag derived from the request, identical for its retransmissions.
fn stateless_tag(request: &Request) -> String {
    let mut hasher = std::hash::DefaultHasher::new();
    let headers = request.headers();
    headers.get("Call-ID").hash(&mut hasher);
    headers.get("From").hash(&mut hasher);
    headers.get("CSeq").hash(&mut hasher);
    headers
        .top_via()
        .ok()
        .and_then(|via| via.branch())
        .hash(&mut hasher);
    format!("sy{:016x}", hasher.finish())
}

impl Transport {
    /// Whether the transport is a stream.
    pub fn is_reliable(self) -> bool {
        matches!(self, Transport::Tcp(_))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(text: &str) -> Request {
        match Message::parse(text.replace('\n', "\r\n").as_bytes()).unwrap() {
            Message::Request(r) => r,
            Message::Response(_) => unreachable!(),
        }
    }

    const OPTIONS: &str = "OPTIONS sip:switch@127.0.0.1 SIP/2.0
Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-1
To: <sip:switch@127.0.0.1>
From: <sip:probe@127.0.0.1>;tag=a
Call-ID: c1
CSeq: 1 OPTIONS
Max-Forwards: 70
Require: 100rel, foo
Content-Length: 0

";

    #[test]
    fn unknown_requirements_are_listed() {
        assert_eq!(
            unsupported_requirements(&request(OPTIONS)).as_deref(),
            Some("100rel, foo")
        );
    }

    #[test]
    fn udp_responses_follow_rport_or_the_via_port() {
        let peer: SocketAddr = "127.0.0.1:40000".parse().unwrap();
        assert_eq!(
            udp_response_target(&request(OPTIONS), peer),
            "127.0.0.1:5070".parse().unwrap()
        );
        let with_rport = OPTIONS.replace("branch=z9hG4bK-1", "branch=z9hG4bK-1;rport");
        assert_eq!(udp_response_target(&request(&with_rport), peer), peer);
    }

    #[test]
    fn stateless_tags_repeat_for_retransmissions_only() {
        let a = stateless_tag(&request(OPTIONS));
        assert_eq!(a, stateless_tag(&request(OPTIONS)));
        assert_ne!(
            a,
            stateless_tag(&request(&OPTIONS.replace("CSeq: 1", "CSeq: 2")))
        );
    }
}
