//! The `sip-core` thread: runs the SIP transaction layer and answers every
//! request, as RFC 3261 §8.2 asks of a server: malformed → 400 (the reason
//! phrase says what is wrong), wrong version → 505, unknown URI scheme →
//! 416, unknown `Require` → 420, requests for a dialog that does not exist
//! → 481, REGISTER → the registrar, methods this switch does not serve →
//! 501 with `Allow`.
//!
//! Requests that fail validation are answered statelessly; valid ones get a
//! server transaction, so retransmissions are absorbed and re-answered with
//! the same response instead of being processed twice.

use super::b2bua::B2bua;
use super::outbound::Outbound;
use super::{CallCommand, Inbound, Origin, Transport};
use crate::gateway::{GatewayTransport, LocalAddress, Outgoing, Registrations, RequestId};
use crate::registrar::{Deferred, PendingRegister, RegisterOutcome};
use crate::switch::Switch;
use crossbeam_channel::Receiver;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use switchyard_sip::message::{Message, Method, Request, Response};
use switchyard_sip::transaction::{
    ClientKey, Config, ConnectionId, Peer, RequestDisposition, ResponseDisposition, ServerKey,
    TransactionEvent, TransactionKey, TransactionLayer,
};

/// The methods the switch answers (the `Allow` header).
pub const ALLOWED_METHODS: &str = "INVITE, ACK, CANCEL, BYE, REGISTER, OPTIONS";

/// Option tags the switch supports (`Supported`); a `Require` naming
/// anything else gets 420.
const SUPPORTED: &[&str] = &[];

/// The `Retry-After` of a 503 sent when the transaction table is full.
const OVERLOAD_RETRY_AFTER_SECS: &str = "5";

/// The longest the thread sleeps without checking timers and shutdown.
const TICK: Duration = Duration::from_millis(200);

/// The most messages handled while REGISTERs wait for their group commit.
const REGISTER_BATCH: usize = 64;

/// Answers requests arriving from the transports.
pub struct Dispatcher {
    switch: Arc<Switch>,
    outbound: Arc<Outbound>,
    transactions: TransactionLayer,
    b2bua: B2bua,
    /// Outbound registration of gateways (`None` when the OS gave no
    /// randomness for its tags).
    registrations: Option<Registrations>,
    /// The REGISTERs in flight, by client transaction.
    gateway_requests: HashMap<ClientKey, RequestId>,
    /// The gateway generation last acted on.
    gateway_generation: u64,
    /// REGISTERs waiting for their bindings to be committed, as a group,
    /// before they are answered.
    registers: Vec<(ServerKey, PendingRegister)>,
    /// The address the transports listen on.
    local: SocketAddr,
}

impl Dispatcher {
    /// A dispatcher sending through `outbound`.
    pub fn new(switch: Arc<Switch>, outbound: Arc<Outbound>, local: SocketAddr) -> Dispatcher {
        let registrations =
            match Registrations::new(Arc::clone(&switch.gateways), LocalAddress { addr: local }) {
                Ok(registrations) => Some(registrations),
                Err(e) => {
                    tracing::error!("gateways will not register: no randomness for tags: {e}");
                    None
                }
            };
        let transactions = TransactionLayer::new(Config {
            max_transactions: switch.config().settings.sip_max_transactions,
            ..Config::default()
        });
        Dispatcher {
            b2bua: B2bua::new(Arc::clone(&switch), Arc::clone(&outbound), local),
            switch,
            outbound,
            transactions,
            registrations,
            gateway_requests: HashMap::new(),
            gateway_generation: u64::MAX,
            registers: Vec::new(),
            local,
        }
    }

    /// Serves until the transports stop (the channel closes) or shutdown.
    pub fn run(mut self, inbound: Receiver<Inbound>) {
        let shutdown = self.switch.shutdown_signal();
        let mut gathered = 0;
        loop {
            let deadline = [
                self.transactions.poll_timeout(),
                self.b2bua.next_deadline(),
                self.registrations
                    .as_ref()
                    .and_then(Registrations::next_deadline),
            ]
            .into_iter()
            .flatten()
            .min();
            let wait = deadline.map_or(TICK, |deadline| {
                deadline.saturating_duration_since(Instant::now()).min(TICK)
            });
            match inbound.recv_timeout(wait) {
                Ok(Inbound::Message { message, origin }) => match message {
                    Message::Request(request) => self.on_request(request, origin),
                    Message::Response(response) => {
                        match self.transactions.on_response(response, Instant::now()) {
                            ResponseDisposition::ToTu { key, response }
                                if self.gateway_requests.contains_key(&key) =>
                            {
                                self.on_register_response(&key, &response);
                            }
                            ResponseDisposition::ToTu { key, response } => {
                                self.b2bua
                                    .on_response(&mut self.transactions, key, response);
                            }
                            ResponseDisposition::Retransmitted2xx { key, .. } => {
                                self.b2bua
                                    .on_retransmitted_2xx(&mut self.transactions, &key);
                            }
                            _ => {}
                        }
                    }
                },
                Ok(Inbound::Command(command)) => match command {
                    CallCommand::Originate(request) => {
                        self.b2bua.originate(&mut self.transactions, request);
                    }
                    CallCommand::Status { reply } => {
                        let (calls, dialogs) = self.b2bua.counts();
                        let _ = reply.send(super::SipStatus {
                            address: self.local,
                            transactions: self.transactions.len(),
                            dialogs,
                            calls,
                        });
                    }
                    CallCommand::Kill { uuid, cause, reply } => {
                        let found = self.b2bua.kill(&mut self.transactions, &uuid, cause);
                        let _ = reply.send(found);
                    }
                    CallCommand::Answer { uuid, stage, reply } => {
                        let done =
                            self.b2bua
                                .answer_for_session(&mut self.transactions, &uuid, stage);
                        let _ = reply.send(done);
                    }
                    CallCommand::Bridge {
                        uuid,
                        dial_string,
                        reply,
                    } => {
                        self.b2bua.bridge_for_session(
                            &mut self.transactions,
                            &uuid,
                            &dial_string,
                            reply,
                        );
                    }
                    CallCommand::Hold {
                        uuid,
                        action,
                        reply,
                    } => {
                        let done = self.b2bua.hold(&mut self.transactions, &uuid, action);
                        let _ = reply.send(done);
                    }
                    CallCommand::Transfer {
                        uuid,
                        destination,
                        context,
                        reply,
                    } => {
                        let done = self.b2bua.transfer_uuid(
                            &mut self.transactions,
                            &uuid,
                            &destination,
                            context,
                        );
                        let _ = reply.send(done);
                    }
                    CallCommand::UuidBridge { a, b, now, reply } => {
                        let done = self.b2bua.uuid_bridge(&mut self.transactions, &a, &b, now);
                        let _ = reply.send(done);
                    }
                    CallCommand::AppDone { uuid, outcome } => {
                        self.b2bua
                            .on_app_done(&mut self.transactions, &uuid, outcome);
                    }
                    CallCommand::HangupAll {
                        cause,
                        tenant,
                        reply,
                    } => {
                        let count =
                            self.b2bua
                                .kill_all(&mut self.transactions, cause, tenant.as_deref());
                        let _ = reply.send(count);
                    }
                },
                Ok(Inbound::CloseConnection { id, last_words }) => {
                    if let Some(bytes) = last_words {
                        self.outbound
                            .send_to(&Peer::reliable(unspecified(), ConnectionId(id)), bytes);
                    }
                    self.transactions.on_connection_closed(ConnectionId(id));
                    self.outbound.remove_connection(id);
                }
                Err(crossbeam_channel::RecvTimeoutError::Timeout) => {
                    if *shutdown.borrow() {
                        return;
                    }
                }
                Err(crossbeam_channel::RecvTimeoutError::Disconnected) => return,
            }
            // While more messages wait, REGISTERs gather into one commit
            // (for a bounded number of messages: answers wait meanwhile).
            if !self.registers.is_empty() && gathered < REGISTER_BATCH && !inbound.is_empty() {
                gathered += 1;
                continue;
            }
            gathered = 0;
            self.commit_registers();
            let now = Instant::now();
            self.transactions.handle_timeout(now);
            self.b2bua.on_tick(&mut self.transactions, now);
            self.register_gateways(now);
            self.flush();
        }
    }

    /// Sends the gateway REGISTERs that are due (or that a change to the
    /// gateways calls for).
    fn register_gateways(&mut self, now: Instant) {
        let Some(registrations) = self.registrations.as_mut() else {
            return;
        };
        let generation = self.switch.gateways.generation();
        let due = registrations
            .next_deadline()
            .is_none_or(|deadline| deadline <= now);
        if !due && generation == self.gateway_generation {
            return;
        }
        self.gateway_generation = generation;
        let outgoing = registrations.poll(&self.switch.store, now);
        for register in outgoing {
            self.send_register(register, now);
        }
    }

    /// Sends one gateway REGISTER in a client transaction.
    fn send_register(&mut self, register: Outgoing, now: Instant) {
        let peer = match register.transport {
            GatewayTransport::Udp => Some(Peer::unreliable(register.destination, ConnectionId(0))),
            GatewayTransport::Tcp => self
                .outbound
                .connection_or_connect(register.destination)
                .map(|id| Peer::reliable(register.destination, ConnectionId(id))),
        };
        let sent = peer.and_then(|peer| {
            self.transactions
                .send_request(register.request, peer, now)
                .ok()
        });
        match sent {
            Some(key) => {
                self.gateway_requests.insert(key, register.id);
            }
            None => {
                tracing::info!("gateway {}: cannot send REGISTER", register.gateway);
                if let Some(registrations) = self.registrations.as_mut() {
                    registrations.on_timeout(register.id, now);
                }
            }
        }
    }

    /// A response to a gateway REGISTER.
    fn on_register_response(&mut self, key: &ClientKey, response: &Response) {
        if response.status() < 200 {
            return;
        }
        let (Some(id), Some(registrations)) = (
            self.gateway_requests.remove(key),
            self.registrations.as_mut(),
        ) else {
            return;
        };
        let now = Instant::now();
        if let Some(next) = registrations.on_response(id, response, now) {
            self.send_register(next, now);
        }
    }

    /// Sends what the transaction layer queued and logs its events.
    fn flush(&mut self) {
        while let Some(transmit) = self.transactions.poll_transmit() {
            if !self.outbound.send_to(&transmit.peer, transmit.bytes)
                && let Some(key) = transmit.key
            {
                self.transactions.on_transport_error(&key);
            }
        }
        while let Some(event) = self.transactions.poll_event() {
            tracing::trace!("SIP transaction event: {event:?}");
            let (key, transport_error) = match &event {
                TransactionEvent::Timeout {
                    key: TransactionKey::Client(key),
                    ..
                } => (key, false),
                TransactionEvent::TransportError {
                    key: TransactionKey::Client(key),
                } => (key, true),
                _ => continue,
            };
            if let Some(id) = self.gateway_requests.remove(key) {
                if let Some(registrations) = self.registrations.as_mut() {
                    registrations.on_timeout(id, Instant::now());
                }
            } else {
                self.b2bua
                    .on_timeout(&mut self.transactions, key, transport_error);
            }
        }
    }

    /// The peer responses to `request` go to (RFC 3261 §18.2.2, RFC 3581).
    fn response_peer(&self, request: &Request, origin: &Origin) -> Peer {
        match origin.transport {
            Transport::Tcp(id) => Peer::reliable(origin.peer, ConnectionId(id)),
            Transport::Udp => {
                let target = if self.switch.config().settings.sip_force_rport {
                    origin.peer
                } else {
                    udp_response_target(request, origin.peer)
                };
                Peer::unreliable(target, ConnectionId(0))
            }
        }
    }

    fn on_request(&mut self, mut request: Request, origin: Origin) {
        tracing::debug!(
            "SIP: {} {} from {} over {}",
            request.method_str(),
            request.uri_str(),
            origin.peer,
            origin.transport.name()
        );
        if let Err(rejection) = request.validate() {
            let peer = self.response_peer(&request, &origin);
            self.stateless(&request, peer, rejection.status, &rejection.reason);
            return;
        }
        if request.stamp_received(origin.peer).is_err() {
            return;
        }
        let peer = self.response_peer(&request, &origin);
        let now = Instant::now();
        match self.transactions.on_request(request, peer, now) {
            RequestDisposition::New { key, request }
                if matches!(request.method(), Method::Invite) && !has_to_tag(&request) =>
            {
                self.b2bua
                    .on_invite(&mut self.transactions, key, request, &origin);
            }
            RequestDisposition::New { key, request } if has_to_tag(&request) => {
                if let Some((status, reason)) =
                    self.b2bua
                        .on_in_dialog(&mut self.transactions, &request, Some(&key))
                    && let Some(response) = build(&request, status, &reason, &[])
                {
                    let _ = self.transactions.respond(&key, response, Instant::now());
                }
            }
            RequestDisposition::Ack { request, .. } => {
                let _ = self
                    .b2bua
                    .on_in_dialog(&mut self.transactions, &request, None);
            }
            RequestDisposition::Cancel {
                invite,
                pending: true,
                ..
            } => {
                self.b2bua.on_cancel(&mut self.transactions, &invite);
            }
            RequestDisposition::New { key, request }
                if request.method() == Method::Register
                    && unsupported_requirements(&request).is_none() =>
            {
                self.register(key, &request, &origin);
            }
            RequestDisposition::New { key, request } => {
                if let Some(response) = self.answer(&request)
                    && let Err(e) = self.transactions.respond(&key, response, Instant::now())
                {
                    tracing::warn!("SIP: could not answer {}: {e:?}", request.method_str());
                }
            }
            RequestDisposition::Invalid { reason, request } => {
                self.stateless(&request, peer, 400, &reason.to_string());
            }
            RequestDisposition::Overloaded { request } => {
                // RFC 3261 §21.5.4: say when to try again (a completed
                // transaction lives at most Timer J, 32 s; most go sooner).
                if let Some(response) = build(
                    &request,
                    503,
                    "Service Unavailable: too many transactions",
                    &[("Retry-After", OVERLOAD_RETRY_AFTER_SECS)],
                ) {
                    self.transactions.send_stateless(response.to_bytes(), peer);
                }
            }
            // Retransmissions, ACKs and CANCELs are the layer's business:
            // it re-sends the last answer or answers the CANCEL itself.
            _ => {}
        }
    }

    /// The final response to a new request, or `None` to send nothing.
    fn answer(&self, request: &Request) -> Option<Response> {
        let method = request.method();
        if !matches!(method, Method::Cancel | Method::Ack)
            && let Some(unsupported) = unsupported_requirements(request)
        {
            return build(
                request,
                420,
                "Bad Extension",
                &[("Unsupported", unsupported.as_str())],
            );
        }
        match method {
            // Answered by `register`, once its bindings are committed.
            Method::Register => None,
            Method::Options => build(
                request,
                200,
                "OK",
                &[
                    ("Allow", ALLOWED_METHODS),
                    ("Accept", "application/sdp"),
                    ("Accept-Language", "en"),
                ],
            ),
            Method::Ack => None,
            Method::Cancel | Method::Bye => {
                build(request, 481, "Call/Transaction Does Not Exist", &[])
            }
            _ => build(
                request,
                501,
                "Not Implemented",
                &[("Allow", ALLOWED_METHODS)],
            ),
        }
    }

    /// A REGISTER is answered at once, or once its bindings are committed
    /// with others ([`commit_registers`](Dispatcher::commit_registers)).
    fn register(&mut self, key: ServerKey, request: &Request, origin: &Origin) {
        let deferred = self.switch.registrar.handle_deferred(
            &self.switch.store,
            &self.switch.bans,
            request,
            origin.peer,
            origin.transport.name(),
            std::time::SystemTime::now(),
            Instant::now(),
        );
        match deferred {
            Deferred::Done(RegisterOutcome::Respond(response)) => {
                if let Err(e) = self.transactions.respond(&key, response, Instant::now()) {
                    tracing::warn!("SIP: could not answer REGISTER: {e:?}");
                }
            }
            Deferred::Done(RegisterOutcome::Drop) => {
                tracing::debug!("SIP: REGISTER from banned {} dropped", origin.peer);
            }
            Deferred::Pending(pending) => self.registers.push((key, *pending)),
        }
    }

    /// Commits the bindings of the REGISTERs gathered so far, in one
    /// transaction, then answers them.
    fn commit_registers(&mut self) {
        if self.registers.is_empty() {
            return;
        }
        let (keys, pending): (Vec<ServerKey>, Vec<PendingRegister>) =
            self.registers.drain(..).unzip();
        let outcomes = self.switch.registrar.complete(&self.switch.store, &pending);
        let now = Instant::now();
        for (key, outcome) in keys.iter().zip(outcomes) {
            if let RegisterOutcome::Respond(response) = outcome
                && let Err(e) = self.transactions.respond(key, response, now)
            {
                tracing::warn!("SIP: could not answer REGISTER: {e:?}");
            }
        }
    }

    /// Answers without a transaction (requests too broken for one).
    fn stateless(&mut self, request: &Request, peer: Peer, status: u16, reason: &str) {
        if let Some(response) = build(request, status, reason, &[]) {
            self.transactions.send_stateless(response.to_bytes(), peer);
        } else {
            tracing::debug!(
                "SIP: cannot answer {} from {} (no usable Via/From/To/Call-ID/CSeq)",
                request.method_str(),
                peer.addr
            );
        }
    }
}

/// Whether the request's To carries a tag (it belongs to a dialog).
fn has_to_tag(request: &Request) -> bool {
    request
        .headers()
        .to()
        .ok()
        .is_some_and(|to| to.tag().is_some())
}

fn unspecified() -> SocketAddr {
    SocketAddr::from(([0, 0, 0, 0], 0))
}

/// A response to `request` with a To tag derived from the request (the same
/// for its retransmissions) and a Server header.
fn build(request: &Request, status: u16, reason: &str, extra: &[(&str, &str)]) -> Option<Response> {
    let mut response = Response::for_request(request, status, reason).ok()?;
    if status >= 200 {
        let _ = response.add_to_tag(&stateless_tag(request));
    }
    for (name, value) in extra {
        let _ = response.headers_mut().push(name, value);
    }
    let _ = response
        .headers_mut()
        .push("Server", concat!("Switchyard/", env!("CARGO_PKG_VERSION")));
    Some(response)
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
