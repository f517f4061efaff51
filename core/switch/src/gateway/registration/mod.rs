//! Outbound registration: keeping each `register=true` gateway registered
//! with its provider, sans-IO (no sockets, no clock: time comes in as
//! [`Instant`]s, REGISTERs go out as [`Outgoing`]s, and the thread that
//! drives the engine sends them through the transaction layer).
//!
//! Driving it, on the SIP thread:
//!
//! - [`Registrations::poll`] at start, when [`Registrations::next_deadline`]
//!   passes, and when woken by [`GatewayStates::set_waker`]'s waker (the
//!   API changed the gateways); send what it returns.
//! - [`Registrations::on_response`] with each final response to a request
//!   it returned (by the [`RequestId`] of its [`Outgoing`]); send what it
//!   returns (a request answering a challenge, a retry after 423, an
//!   un-REGISTER).
//! - [`Registrations::on_timeout`] when the transaction timed out or the
//!   request could not be sent.
//!
//! Rules:
//!
//! - One Call-ID and From tag per gateway, kept across refreshes; CSeq
//!   goes up by one per REGISTER (RFC 3261 §10.2.4).
//! - A refresh is sent 60 s before the granted expiry, but never before
//!   half of it has passed: after `max(granted / 2, granted - 60)` seconds.
//!   The granted expiry is our Contact's `expires` in the 2xx, else the
//!   Expires header, else what was asked for.
//! - `401`/`407`: answered with digest credentials (MD5 or SHA-256, `qop=auth`)
//!   in `Authorization`/`Proxy-Authorization`; later REGISTERs carry
//!   credentials for the same nonce (next `nc`) at once. A second challenge
//!   that is not `stale=true` in answer to credentials computed for a
//!   fresh challenge means the username or password is wrong: FAIL_WAIT.
//!   So does a challenge of another realm than the gateway's `realm`, a
//!   challenge to a gateway without credentials, and a fourth challenge in
//!   one attempt.
//! - `423`: retried at once with the Min-Expires asked for (at most 86400).
//! - Any other final failure, a timeout, or a proxy whose name does not
//!   resolve: FAIL_WAIT, then a new attempt after `retry_seconds`, doubled
//!   after each further failure in a row, but at most 30 minutes (or
//!   `retry_seconds` if that is longer). A success starts again from
//!   `retry_seconds`.
//! - A request with no answer after 40 s (longer than the transaction
//!   layer's 32 s Timer F) counts as timed out, in case the driver never
//!   reports it.
//! - The gateways are reloaded from the store when the
//!   [`GatewayStates`] generation changed (the `gateway` commands bump it)
//!   and every 60 s (for changes made otherwise, such as `tenant del`
//!   taking a tenant's private gateways with it). A gateway deleted, or
//!   replaced by one with other settings, while registered is
//!   un-registered (`Expires: 0`, same Call-ID, next CSeq) and forgotten;
//!   the replacement starts afresh with a new Call-ID.

mod request;
#[cfg(test)]
mod tests;

use super::source::resolve;
use super::state::{GatewayStates, GatewayStatus, RegState};
use super::store::{Gateway, GatewayTransport, list_gateways};
use crate::store::Store;
use request::{Register, granted_expiry, request_uri};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use switchyard_sip::auth::{DigestClient, KEY_LEN, RandomCnonce};
use switchyard_sip::message::{HeaderName, Request, Response};
use switchyard_sip::transaction::BranchGenerator;

/// How often the gateways are re-read even without a change notice.
pub const RESYNC_INTERVAL: Duration = Duration::from_secs(60);

/// How long a request may go unanswered before it counts as timed out.
pub const IN_FLIGHT_LIMIT: Duration = Duration::from_secs(40);

/// The longest wait between failed attempts (unless `retry_seconds` is
/// longer).
pub const MAX_RETRY_DELAY: Duration = Duration::from_secs(1800);

/// How long before the granted expiry a refresh is sent (see the module
/// rules: never before half of it).
pub const REFRESH_MARGIN: u32 = 60;

/// The most challenges answered in one attempt.
const MAX_CHALLENGES: u8 = 3;

/// The largest expiry a 423's Min-Expires can raise a request to.
const MAX_EXPIRES: u32 = 86_400;

/// The switch's own SIP address, for Via and Contact. It must be an address
/// the providers can reach (not `0.0.0.0`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LocalAddress {
    /// The IP and port the switch's SIP transports listen on (UDP and TCP
    /// share it).
    pub addr: SocketAddr,
}

/// Names one request the engine sent, to tell it the outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RequestId(u64);

/// A REGISTER to send.
#[derive(Debug)]
pub struct Outgoing {
    /// Give this back with the response or timeout.
    pub id: RequestId,
    /// The gateway it is for.
    pub gateway: String,
    /// The request: Via (with branch), From, To, Call-ID, CSeq, Contact,
    /// Expires and any credentials are set.
    pub request: Request,
    /// Where to send it: the proxy's address.
    pub destination: SocketAddr,
    /// Over what.
    pub transport: GatewayTransport,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// `401`, `WWW-Authenticate` / `Authorization`.
    Www,
    /// `407`, `Proxy-Authenticate` / `Proxy-Authorization`.
    Proxy,
}

/// How a request used one kind of credentials.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AuthUse {
    /// It carried none.
    None,
    /// It reused an earlier challenge's nonce.
    Reused,
    /// It answered a challenge just received.
    Answer,
}

/// A request awaiting its final response.
#[derive(Debug)]
struct Pending {
    id: RequestId,
    expires: u32,
    sent_at: Instant,
    www: AuthUse,
    proxy: AuthUse,
    challenges: u8,
}

/// One gateway's registration.
struct Slot {
    gateway: Gateway,
    /// Deleted or replaced: un-register if needed, then forget.
    retiring: bool,
    call_id: String,
    from_tag: String,
    cseq: u32,
    www: DigestClient,
    proxy: DigestClient,
    state: RegState,
    /// When to send the next REGISTER (none while one is pending).
    due: Option<Instant>,
    pending: Option<Pending>,
    failures: u32,
    /// Raised by a 423.
    min_expires: Option<u32>,
    registered_at: Option<Instant>,
    registered_until: Option<Instant>,
    code: Option<u16>,
    reason: String,
}

impl Slot {
    fn new(gateway: Gateway, ids: &mut BranchGenerator, now: Instant) -> Slot {
        let username = gateway.username.clone().unwrap_or_default();
        let password = gateway.password.clone().unwrap_or_default();
        let register = gateway.register;
        Slot {
            call_id: format!("{}@switchyard", ids.tag()),
            from_tag: ids.tag(),
            cseq: 0,
            www: DigestClient::new(&username, &password),
            proxy: DigestClient::new(&username, &password),
            state: if register {
                RegState::Unreged
            } else {
                RegState::NoReg
            },
            due: register.then_some(now),
            pending: None,
            failures: 0,
            min_expires: None,
            registered_at: None,
            registered_until: None,
            code: None,
            reason: String::new(),
            retiring: false,
            gateway,
        }
    }

    fn registered(&self, now: Instant) -> bool {
        self.registered_until.is_some_and(|t| t > now)
    }

    /// Marks the slot deleted: a valid registration is removed (at once, or
    /// once the pending request is answered).
    fn retire(&mut self, now: Instant) {
        self.retiring = true;
        if self.pending.is_none() {
            self.due = self.registered(now).then_some(now);
        }
    }

    fn finished(&self) -> bool {
        self.retiring && self.pending.is_none() && self.due.is_none()
    }

    fn client(&mut self, kind: Kind) -> &mut DigestClient {
        match kind {
            Kind::Www => &mut self.www,
            Kind::Proxy => &mut self.proxy,
        }
    }

    fn status(&self) -> GatewayStatus {
        GatewayStatus {
            state: self.state,
            code: self.code,
            reason: self.reason.clone(),
            registered_at: self.registered_at,
            expires_at: self.registered_until,
            next_attempt: self.due,
            failures: self.failures,
        }
    }
}

/// The delay before attempt `failures + 1` after `failures` failures in a
/// row (see the module rules).
fn retry_delay(retry_seconds: u32, failures: u32) -> Duration {
    let base = Duration::from_secs(u64::from(retry_seconds));
    let doubled = base.saturating_mul(1u32 << failures.saturating_sub(1).min(16));
    doubled.min(MAX_RETRY_DELAY.max(base))
}

/// When to refresh a registration granted for `granted` seconds.
fn refresh_delay(granted: u32) -> Duration {
    let secs = (granted / 2)
        .max(granted.saturating_sub(REFRESH_MARGIN))
        .max(1);
    Duration::from_secs(u64::from(secs))
}

type Resolver = Box<dyn FnMut(&str, u16) -> Vec<SocketAddr> + Send>;

/// The outbound registrations of every gateway.
pub struct Registrations {
    states: Arc<GatewayStates>,
    local: LocalAddress,
    ids: BranchGenerator,
    cnonce: RandomCnonce,
    resolve: Resolver,
    seen_generation: Option<u64>,
    loaded_at: Option<Instant>,
    next_request: u64,
    slots: Vec<Slot>,
}

impl std::fmt::Debug for Registrations {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registrations")
            .field("local", &self.local)
            .field("gateways", &self.slots.len())
            .field("seen_generation", &self.seen_generation)
            .finish_non_exhaustive()
    }
}

impl Registrations {
    /// An engine reporting to `states`, sending from `local`, with Call-IDs,
    /// tags, branches and client nonces seeded by the operating system.
    pub fn new(states: Arc<GatewayStates>, local: LocalAddress) -> std::io::Result<Registrations> {
        let ids = BranchGenerator::from_os_entropy()?;
        let cnonce = RandomCnonce::new().map_err(|e| std::io::Error::other(e.to_string()))?;
        Ok(Registrations::with_parts(states, local, ids, cnonce))
    }

    /// An engine whose ids and client nonces derive from `seed`
    /// (deterministic, for tests).
    pub fn with_seed(states: Arc<GatewayStates>, local: LocalAddress, seed: u64) -> Registrations {
        let mut key = [0u8; KEY_LEN];
        for (i, byte) in key.iter_mut().enumerate() {
            *byte = seed.to_le_bytes()[i % 8] ^ (i as u8);
        }
        Registrations::with_parts(
            states,
            local,
            BranchGenerator::new(seed),
            RandomCnonce::from_seed(key),
        )
    }

    fn with_parts(
        states: Arc<GatewayStates>,
        local: LocalAddress,
        ids: BranchGenerator,
        cnonce: RandomCnonce,
    ) -> Registrations {
        Registrations {
            states,
            local,
            ids,
            cnonce,
            resolve: Box::new(resolve),
            seen_generation: None,
            loaded_at: None,
            next_request: 1,
            slots: Vec::new(),
        }
    }

    /// Replaces the system resolver (used for proxies given by name) with
    /// `resolver`, e.g. a fixed table in tests.
    pub fn set_resolver(
        &mut self,
        resolver: impl FnMut(&str, u16) -> Vec<SocketAddr> + Send + 'static,
    ) {
        self.resolve = Box::new(resolver);
    }

    /// Reloads the gateways if they changed (or every
    /// [`RESYNC_INTERVAL`]), counts unanswered requests older than
    /// [`IN_FLIGHT_LIMIT`] as timed out, and returns the REGISTERs due at
    /// `now`: first registrations, refreshes, retries, and un-REGISTERs of
    /// deleted gateways.
    pub fn poll(&mut self, store: &Store, now: Instant) -> Vec<Outgoing> {
        self.reload(store, now);
        let mut out = Vec::new();
        for i in 0..self.slots.len() {
            let overdue = self.slots[i]
                .pending
                .as_ref()
                .is_some_and(|p| now >= p.sent_at + IN_FLIGHT_LIMIT);
            if overdue && let Some(pending) = self.slots[i].pending.take() {
                self.timed_out(i, pending.expires, now);
            }
            let slot = &self.slots[i];
            if slot.pending.is_none() && slot.due.is_some_and(|due| due <= now) {
                out.extend(self.send(i, None, 0, now));
            }
        }
        self.slots.retain(|s| !s.finished());
        out
    }

    /// Takes the final response to request `id` (provisional responses
    /// and responses to requests it does not know are ignored). Returns a
    /// request to send at once: the REGISTER again with credentials after
    /// a challenge, with a longer expiry after a 423, or an un-REGISTER of
    /// a deleted gateway.
    pub fn on_response(
        &mut self,
        id: RequestId,
        response: &Response,
        now: Instant,
    ) -> Option<Outgoing> {
        let code = response.status();
        if code < 200 {
            return None;
        }
        let i = self.find(id)?;
        let pending = self.slots[i].pending.take()?;
        let slot = &mut self.slots[i];
        slot.code = Some(code);
        slot.reason = response.reason().to_owned();
        let out = match code {
            200..=299 => self.registered(i, &pending, response, now),
            401 => self.challenged(i, &pending, Kind::Www, response, now),
            407 => self.challenged(i, &pending, Kind::Proxy, response, now),
            423 => self.too_brief(i, &pending, response, now),
            _ => {
                self.failed(i, pending.expires, now);
                None
            }
        };
        self.slots.retain(|s| !s.finished());
        out
    }

    /// Request `id` got no final response (the transaction timed out, or
    /// it could not be sent): FAIL_WAIT, and a retry later.
    pub fn on_timeout(&mut self, id: RequestId, now: Instant) {
        if let Some(i) = self.find(id)
            && let Some(pending) = self.slots[i].pending.take()
        {
            self.timed_out(i, pending.expires, now);
        }
        self.slots.retain(|s| !s.finished());
    }

    /// When [`poll`](Registrations::poll) next has something to do (`None`
    /// before the first poll).
    pub fn next_deadline(&self) -> Option<Instant> {
        let slots = self.slots.iter().filter_map(|s| match &s.pending {
            Some(p) => Some(p.sent_at + IN_FLIGHT_LIMIT),
            None => s.due,
        });
        slots
            .chain(self.loaded_at.map(|t| t + RESYNC_INTERVAL))
            .min()
    }

    fn find(&self, id: RequestId) -> Option<usize> {
        self.slots
            .iter()
            .position(|s| s.pending.as_ref().is_some_and(|p| p.id == id))
    }

    fn publish(&self, i: usize) {
        let slot = &self.slots[i];
        if !slot.retiring {
            self.states.set(&slot.gateway.name, slot.status());
        }
    }

    fn reload(&mut self, store: &Store, now: Instant) {
        let generation = self.states.generation();
        let stale = self.seen_generation != Some(generation)
            || self.loaded_at.is_none_or(|t| now >= t + RESYNC_INTERVAL);
        if !stale {
            return;
        }
        self.seen_generation = Some(generation);
        self.loaded_at = Some(now);
        match list_gateways(store) {
            Ok(gateways) => self.apply(gateways, now),
            Err(e) => tracing::warn!("gateways: cannot read the gateways from the store: {e}"),
        }
    }

    /// Retires slots whose gateway is gone or changed and adds slots for
    /// new gateways.
    fn apply(&mut self, gateways: Vec<Gateway>, now: Instant) {
        for slot in self.slots.iter_mut().filter(|s| !s.retiring) {
            if gateways.contains(&slot.gateway) {
                continue;
            }
            slot.retire(now);
            if !gateways.iter().any(|g| g.name == slot.gateway.name) {
                self.states.remove(&slot.gateway.name);
            }
        }
        for gateway in gateways {
            if self
                .slots
                .iter()
                .any(|s| !s.retiring && s.gateway == gateway)
            {
                continue;
            }
            self.slots.push(Slot::new(gateway, &mut self.ids, now));
            self.publish(self.slots.len() - 1);
        }
    }

    /// Builds and records the next REGISTER of slot `i`; `answer` names the
    /// challenge it answers.
    fn send(
        &mut self,
        i: usize,
        answer: Option<Kind>,
        challenges: u8,
        now: Instant,
    ) -> Option<Outgoing> {
        let Registrations {
            slots,
            ids,
            cnonce,
            resolve,
            local,
            next_request,
            ..
        } = self;
        let slot = &mut slots[i];
        let expires = if slot.retiring {
            0
        } else {
            slot.gateway.expires.max(slot.min_expires.unwrap_or(0))
        };
        let host = slot.gateway.proxy_host().to_owned();
        let addresses = resolve(&host, slot.gateway.proxy_port());
        let destination = addresses
            .iter()
            .find(|a| a.is_ipv4() == local.addr.is_ipv4())
            .or(addresses.first())
            .copied();
        let Some(destination) = destination else {
            slot.code = None;
            slot.reason = format!("cannot resolve {host}");
            self.failed(i, expires, now);
            return None;
        };
        let uri = request_uri(&slot.gateway);
        let mut authorization = Vec::new();
        let (mut www, mut proxy) = (AuthUse::None, AuthUse::None);
        for kind in [Kind::Www, Kind::Proxy] {
            let client = slot.client(kind);
            if client.challenge().is_none() {
                continue;
            }
            match client.authorize("REGISTER", &uri, cnonce) {
                Ok(value) => {
                    let used = if answer == Some(kind) {
                        AuthUse::Answer
                    } else {
                        AuthUse::Reused
                    };
                    let header = match kind {
                        Kind::Www => {
                            www = used;
                            "Authorization"
                        }
                        Kind::Proxy => {
                            proxy = used;
                            "Proxy-Authorization"
                        }
                    };
                    authorization.push((header, value));
                }
                Err(e) => {
                    client.reset();
                    tracing::debug!("gateway {}: no credentials sent: {e}", slot.gateway.name);
                }
            }
        }
        slot.cseq = slot.cseq.wrapping_add(1).max(1);
        let branch = ids.branch();
        let built = Register {
            gateway: &slot.gateway,
            local: local.addr,
            branch: &branch,
            call_id: &slot.call_id,
            from_tag: &slot.from_tag,
            cseq: slot.cseq,
            expires,
        }
        .build(&authorization);
        let request = match built {
            Ok(request) => request,
            Err(e) => {
                slot.code = None;
                slot.reason = format!("cannot write the REGISTER: {e}");
                self.failed(i, expires, now);
                return None;
            }
        };
        let id = RequestId(*next_request);
        *next_request += 1;
        slot.pending = Some(Pending {
            id,
            expires,
            sent_at: now,
            www,
            proxy,
            challenges,
        });
        slot.due = None;
        if !slot.retiring && slot.state != RegState::Reged {
            slot.state = RegState::Trying;
        }
        let out = Outgoing {
            id,
            gateway: slot.gateway.name.clone(),
            request,
            destination,
            transport: slot.gateway.transport,
        };
        self.publish(i);
        Some(out)
    }

    /// A 2xx: registered for the granted time (or un-registered).
    fn registered(
        &mut self,
        i: usize,
        pending: &Pending,
        response: &Response,
        now: Instant,
    ) -> Option<Outgoing> {
        let local = self.local.addr;
        let slot = &mut self.slots[i];
        slot.failures = 0;
        if pending.expires == 0 {
            slot.registered_at = None;
            slot.registered_until = None;
            slot.due = None;
            return None;
        }
        let granted = granted_expiry(response, &slot.gateway, local, pending.expires);
        slot.registered_at = Some(now);
        slot.registered_until = Some(now + Duration::from_secs(u64::from(granted)));
        if slot.retiring {
            return self.send(i, None, 0, now);
        }
        slot.state = RegState::Reged;
        slot.due = Some(now + refresh_delay(granted));
        self.publish(i);
        None
    }

    /// A 401 or 407: answer it, unless it says our credentials are wrong.
    fn challenged(
        &mut self,
        i: usize,
        pending: &Pending,
        kind: Kind,
        response: &Response,
        now: Instant,
    ) -> Option<Outgoing> {
        let slot = &mut self.slots[i];
        let header = match kind {
            Kind::Www => HeaderName::WwwAuthenticate,
            Kind::Proxy => HeaderName::ProxyAuthenticate,
        };
        let used = match kind {
            Kind::Www => pending.www,
            Kind::Proxy => pending.proxy,
        };
        let realm_wanted = slot.gateway.realm.clone();
        let has_credentials = slot.gateway.username.is_some() && slot.gateway.password.is_some();
        let client = slot.client(kind);
        let refusal = if !has_credentials {
            Some("challenged, but the gateway has no username and password".to_owned())
        } else {
            match client.on_challenge(response.headers().values(header)) {
                Err(e) => Some(e.to_string()),
                Ok(challenge) => {
                    let (realm, stale) = (challenge.realm.clone(), challenge.stale);
                    if let Some(wanted) = realm_wanted.filter(|w| !w.eq_ignore_ascii_case(&realm)) {
                        Some(format!("challenged by realm {realm}, not {wanted}"))
                    } else if used == AuthUse::Answer && !stale {
                        Some("credentials rejected".to_owned())
                    } else if pending.challenges >= MAX_CHALLENGES {
                        Some("challenged again and again".to_owned())
                    } else {
                        None
                    }
                }
            }
        };
        match refusal {
            Some(why) => {
                client.reset();
                slot.reason = format!("{} ({why})", response.reason());
                self.failed(i, pending.expires, now);
                None
            }
            None => self.send(i, Some(kind), pending.challenges + 1, now),
        }
    }

    /// A 423: again at once with the Min-Expires asked for.
    fn too_brief(
        &mut self,
        i: usize,
        pending: &Pending,
        response: &Response,
        now: Instant,
    ) -> Option<Outgoing> {
        let min = response
            .headers()
            .first(HeaderName::MinExpires)
            .and_then(|v| v.trim().parse::<u32>().ok());
        match min {
            Some(min) if pending.expires > 0 && min > pending.expires && min <= MAX_EXPIRES => {
                self.slots[i].min_expires = Some(min);
                self.send(i, None, pending.challenges, now)
            }
            _ => {
                self.failed(i, pending.expires, now);
                None
            }
        }
    }

    fn timed_out(&mut self, i: usize, expires: u32, now: Instant) {
        let slot = &mut self.slots[i];
        slot.code = Some(408);
        slot.reason = "Request Timeout (no response)".to_owned();
        self.failed(i, expires, now);
    }

    /// An attempt failed: wait and retry; a deleted gateway tries once to
    /// un-register a registration that is still valid, then is forgotten.
    fn failed(&mut self, i: usize, expires_sent: u32, now: Instant) {
        let slot = &mut self.slots[i];
        if slot.retiring {
            slot.due = (expires_sent > 0 && slot.registered(now)).then_some(now);
            return;
        }
        slot.failures = slot.failures.saturating_add(1);
        slot.state = RegState::FailWait;
        slot.due = Some(now + retry_delay(slot.gateway.retry_seconds, slot.failures));
        tracing::info!(
            "gateway {}: registration failed ({}{}), next attempt in {} s",
            slot.gateway.name,
            slot.code.map(|c| format!("{c} ")).unwrap_or_default(),
            slot.reason,
            retry_delay(slot.gateway.retry_seconds, slot.failures).as_secs()
        );
        self.publish(i);
    }
}
