//! The transaction table and the TU-facing API: requests, responses and
//! time go in; transmits, events and the next deadline come out.

use std::collections::{BTreeSet, HashMap, VecDeque};
use std::hash::{BuildHasher, RandomState};
use std::sync::Arc;
use std::time::Instant;

use super::branch::BranchGenerator;
use super::client_invite::ClientInvite;
use super::client_non_invite::ClientNonInvite;
use super::config::Config;
use super::effects::{AckVerdict, ClientVerdict, Effects};
use super::error::{RespondError, SendError};
use super::key::{ClientKey, ServerKey, TransactionKey};
use super::machine::Machine;
use super::output::{RequestDisposition, ResponseDisposition, TransactionEvent, Transmit};
use super::peer::{ConnectionId, Peer};
use super::server_invite::ServerInvite;
use super::server_non_invite::ServerNonInvite;
use super::state::TransactionState;
use crate::message::{Method, Request, Response};

/// One live transaction.
#[derive(Debug)]
struct Entry {
    key: TransactionKey,
    peer: Peer,
    machine: Machine,
    /// The deadline under which the entry sits in the timer index.
    indexed: Option<Instant>,
}

/// A non-INVITE server transaction Completed over an unreliable transport,
/// kept lean: all it still does is re-send its final response to
/// retransmissions of the request until Timer J (64·T1) ends it. At high
/// request rates (REGISTER) these are most live transactions, so they keep
/// neither a state machine nor a timer entry of their own: Timer J has the
/// same duration for all of them, so their deadlines come in order and a
/// queue holds them.
#[derive(Debug)]
struct Completed {
    response: Box<[u8]>,
    peer: Peer,
}

/// How many maps [`CompletedTable`] spreads its entries over.
const SHARDS: usize = 64;

/// The lean Completed transactions by key, spread over [`SHARDS`] maps so
/// that the table grows a slice at a time: a `HashMap` rehashes every
/// entry when it grows, which for the 230,000 entries of 9,000 REGISTER
/// requests per second took about 100 ms — long enough for the UDP socket
/// buffer to overflow and the clients to retransmit.
#[derive(Debug)]
struct CompletedTable {
    hasher: RandomState,
    shards: Vec<HashMap<Arc<ServerKey>, Completed>>,
    len: usize,
}

impl CompletedTable {
    fn new() -> CompletedTable {
        CompletedTable {
            hasher: RandomState::new(),
            shards: (0..SHARDS).map(|_| HashMap::new()).collect(),
            len: 0,
        }
    }

    fn shard(&self, key: &ServerKey) -> usize {
        // The remainder is below SHARDS, so the cast cannot truncate it.
        (self.hasher.hash_one(key) % SHARDS as u64) as usize
    }

    fn len(&self) -> usize {
        self.len
    }

    fn is_empty(&self) -> bool {
        self.len == 0
    }

    fn contains_key(&self, key: &ServerKey) -> bool {
        self.shards[self.shard(key)].contains_key(key)
    }

    fn get_key_value(&self, key: &ServerKey) -> Option<(&Arc<ServerKey>, &Completed)> {
        self.shards[self.shard(key)].get_key_value(key)
    }

    fn insert(&mut self, key: Arc<ServerKey>, completed: Completed) {
        let shard = self.shard(&key);
        if self.shards[shard].insert(key, completed).is_none() {
            self.len += 1;
        }
    }

    fn remove_entry(&mut self, key: &ServerKey) -> Option<(Arc<ServerKey>, Completed)> {
        let shard = self.shard(key);
        let removed = self.shards[shard].remove_entry(key);
        if removed.is_some() {
            self.len -= 1;
        }
        removed
    }
}

/// All client and server transactions of one SIP stack, sans-IO
/// (RFC 3261 §17 with RFC 6026).
///
/// The IO edge feeds it parsed messages and the current time, sends what
/// [`poll_transmit`](TransactionLayer::poll_transmit) yields, and calls
/// [`handle_timeout`](TransactionLayer::handle_timeout) at
/// [`poll_timeout`](TransactionLayer::poll_timeout). It never reads a clock
/// or touches a socket, so tests run on virtual time.
///
/// Division of work with the TU:
/// - The TU builds requests complete, with a top Via carrying a fresh
///   branch from a [`BranchGenerator`]; the layer adds nothing to them.
/// - The TU builds responses (see
///   [`Response::for_request`](crate::message::Response::for_request)); the
///   layer sends `100 Trying` for INVITEs itself if configured, and answers
///   CANCEL itself (`200`, or `481` when nothing matches).
/// - The INVITE client transaction builds and sends the ACK for non-2xx
///   final responses; the ACK for a 2xx is the TU's, sent with
///   [`send_stateless`](TransactionLayer::send_stateless).
///
/// Memory: at most [`Config::max_transactions`] transactions live at once,
/// and every one of them always has a deadline armed, so each reaches
/// Terminated and is removed. The transmit and event queues grow only
/// until the IO edge drains them, which it should do after every call.
#[derive(Debug)]
pub struct TransactionLayer {
    config: Config,
    tags: BranchGenerator,
    next_id: u64,
    entries: HashMap<u64, Entry>,
    servers: HashMap<ServerKey, u64>,
    clients: HashMap<ClientKey, u64>,
    deadlines: BTreeSet<(Instant, u64)>,
    /// Lean Completed non-INVITE server transactions (not in `servers`).
    completed: CompletedTable,
    /// Their Timer J deadlines, earliest first; one entry per entry of
    /// `completed`, sharing its key.
    expiries: VecDeque<(Instant, Arc<ServerKey>)>,
    transmits: VecDeque<Transmit>,
    events: VecDeque<TransactionEvent>,
}

impl TransactionLayer {
    /// An empty layer. Timer values are made safe with
    /// [`TimerConfig::sanitized`](super::TimerConfig::sanitized).
    pub fn new(mut config: Config) -> TransactionLayer {
        config.timers = config.timers.sanitized();
        let tags = match config.seed {
            Some(seed) => BranchGenerator::new(seed),
            None => BranchGenerator::from_os_entropy().unwrap_or_else(|_| {
                // Without OS randomness, tags stay unique within this run.
                BranchGenerator::new(std::process::id().into())
            }),
        };
        TransactionLayer {
            config,
            tags,
            next_id: 0,
            entries: HashMap::new(),
            servers: HashMap::new(),
            clients: HashMap::new(),
            deadlines: BTreeSet::new(),
            completed: CompletedTable::new(),
            expiries: VecDeque::new(),
            transmits: VecDeque::new(),
            events: VecDeque::new(),
        }
    }

    /// The configuration in use.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// How many transactions are live.
    pub fn len(&self) -> usize {
        self.entries.len() + self.completed.len()
    }

    /// True when no transaction is live.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty() && self.completed.is_empty()
    }

    /// The state of a live transaction.
    pub fn state(&self, key: &TransactionKey) -> Option<TransactionState> {
        if let TransactionKey::Server(k) = key
            && self.completed.contains_key(k)
        {
            return Some(TransactionState::Completed);
        }
        self.id_of(key)
            .and_then(|id| self.entries.get(&id))
            .map(|e| e.machine.state())
    }

    /// Handles a request from `peer`: creates a server transaction, absorbs
    /// a retransmission (re-sending the last response), matches an ACK or
    /// a CANCEL. See [`RequestDisposition`].
    pub fn on_request(&mut self, request: Request, peer: Peer, now: Instant) -> RequestDisposition {
        let key = match ServerKey::for_request(&request) {
            Ok(key) => key,
            Err(reason) => return RequestDisposition::Invalid { reason, request },
        };
        match request.method() {
            Method::Ack => self.on_ack(key, request, now),
            Method::Cancel => self.on_cancel(key, request, peer, now),
            _ => {
                if let Some(id) = self.servers.get(&key).copied() {
                    self.retransmission(id);
                    return RequestDisposition::Retransmission { key };
                }
                if self.resend_completed(&key) {
                    return RequestDisposition::Retransmission { key };
                }
                if self.is_full() {
                    return RequestDisposition::Overloaded { request };
                }
                let mut fx = Effects::default();
                let machine = if request.method() == Method::Invite {
                    let trying = if self.config.send_100_trying {
                        Response::for_request(&request, 100, "Trying")
                            .ok()
                            .map(|r| r.to_bytes())
                    } else {
                        None
                    };
                    Machine::ServerInvite(ServerInvite::start(
                        trying,
                        peer.reliable,
                        self.config.timers,
                        self.config.proceeding_limit,
                        now,
                        &mut fx,
                    ))
                } else {
                    Machine::ServerNonInvite(ServerNonInvite::start(
                        peer.reliable,
                        self.config.timers,
                        now,
                    ))
                };
                self.insert(TransactionKey::Server(key.clone()), peer, machine, fx);
                RequestDisposition::New { key, request }
            }
        }
    }

    /// Re-sends the last response of a server transaction whose request
    /// came again.
    fn retransmission(&mut self, id: u64) {
        let mut fx = Effects::default();
        match self.entries.get_mut(&id).map(|e| &mut e.machine) {
            Some(Machine::ServerInvite(m)) => m.on_retransmission(&mut fx),
            Some(Machine::ServerNonInvite(m)) => m.on_retransmission(&mut fx),
            _ => {}
        }
        self.settle(id, fx);
    }

    /// Re-sends the response of a lean Completed transaction; false if
    /// `key` names none.
    fn resend_completed(&mut self, key: &ServerKey) -> bool {
        let Some((stored, completed)) = self.completed.get_key_value(key) else {
            return false;
        };
        self.transmits.push_back(Transmit {
            peer: completed.peer,
            bytes: completed.response.to_vec(),
            key: Some(TransactionKey::Server(ServerKey::clone(stored))),
            retransmission: true,
        });
        true
    }

    /// Ends a lean Completed transaction early (transport error).
    fn remove_completed(&mut self, key: &ServerKey) -> bool {
        let Some((stored, _)) = self.completed.remove_entry(key) else {
            return false;
        };
        if let Some(pos) = self
            .expiries
            .iter()
            .position(|(_, k)| Arc::ptr_eq(k, &stored))
        {
            self.expiries.remove(pos);
        }
        let key = Arc::unwrap_or_clone(stored);
        self.events.push_back(TransactionEvent::TransportError {
            key: TransactionKey::Server(key.clone()),
        });
        self.events.push_back(TransactionEvent::Terminated {
            key: TransactionKey::Server(key),
        });
        true
    }

    fn on_ack(&mut self, key: ServerKey, request: Request, now: Instant) -> RequestDisposition {
        let Some(id) = self.invite_for_ack(&key) else {
            return RequestDisposition::Ack {
                transaction: None,
                request,
            };
        };
        let verdict = match self.entries.get_mut(&id).map(|e| &mut e.machine) {
            Some(Machine::ServerInvite(m)) => m.on_ack(now),
            _ => AckVerdict::ToTu,
        };
        let found = self
            .entries
            .get(&id)
            .and_then(|e| match &e.key {
                TransactionKey::Server(k) => Some(k.clone()),
                TransactionKey::Client(_) => None,
            })
            .unwrap_or(key);
        self.settle(id, Effects::default());
        match verdict {
            AckVerdict::Absorbed => RequestDisposition::AckAbsorbed { key: found },
            AckVerdict::ToTu => RequestDisposition::Ack {
                transaction: Some(found),
                request,
            },
        }
    }

    /// The INVITE server transaction an ACK belongs to. RFC 3261 keys match
    /// directly; an RFC 2543 ACK carries the To tag of the response, so the
    /// INVITE's key is tried with that tag and without, and the tag must be
    /// the one the transaction answered with (§17.2.3).
    fn invite_for_ack(&self, key: &ServerKey) -> Option<u64> {
        if !key.is_rfc2543() {
            return self.servers.get(key).copied();
        }
        let ack_tag = key.legacy_to_tag();
        [key.clone(), key.with_to_tag(None)]
            .iter()
            .filter_map(|candidate| self.servers.get(candidate).copied())
            .find(|id| match self.entries.get(id).map(|e| &e.machine) {
                Some(Machine::ServerInvite(m)) => m.response_to_tag() == ack_tag,
                _ => false,
            })
    }

    fn on_cancel(
        &mut self,
        key: ServerKey,
        request: Request,
        peer: Peer,
        now: Instant,
    ) -> RequestDisposition {
        if let Some(id) = self.servers.get(&key).copied() {
            self.retransmission(id);
            return RequestDisposition::Retransmission { key };
        }
        if self.resend_completed(&key) {
            return RequestDisposition::Retransmission { key };
        }
        if self.is_full() {
            return RequestDisposition::Overloaded { request };
        }
        let invite_key = key.with_method("INVITE");
        let invite = self.servers.get(&invite_key).and_then(|id| {
            match self.entries.get(id).map(|e| &e.machine) {
                Some(Machine::ServerInvite(m)) => {
                    Some((m.awaits_final(), m.response_to_tag().map(str::to_owned)))
                }
                _ => None,
            }
        });
        let (status, reason) = match invite {
            Some(_) => (200, "OK"),
            None => (481, "Call/Transaction Does Not Exist"),
        };
        let mut response = match Response::for_request(&request, status, reason) {
            Ok(response) => response,
            Err(reason) => return RequestDisposition::Invalid { reason, request },
        };
        let tag = invite
            .as_ref()
            .and_then(|(_, tag)| tag.clone())
            .unwrap_or_else(|| self.tags.tag());
        // A To header that cannot take a tag is sent back as received.
        let _ = response.add_to_tag(&tag);
        let mut machine = ServerNonInvite::start(peer.reliable, self.config.timers, now);
        let mut fx = Effects::default();
        // A fresh transaction in Trying always accepts a final response.
        let _ = machine.respond(status, response.to_bytes(), now, &mut fx);
        self.insert(
            TransactionKey::Server(key.clone()),
            peer,
            Machine::ServerNonInvite(machine),
            fx,
        );
        match invite {
            Some((pending, _)) => RequestDisposition::Cancel {
                key,
                invite: invite_key,
                pending,
                request,
            },
            None => RequestDisposition::CancelUnmatched { key, request },
        }
    }

    /// Handles a response: passes it to the TU of its client transaction,
    /// absorbs a retransmission (re-sending the ACK for a non-2xx), or
    /// reports it stray. See [`ResponseDisposition`].
    pub fn on_response(&mut self, response: Response, now: Instant) -> ResponseDisposition {
        let Some(key) = ClientKey::for_response(&response) else {
            return ResponseDisposition::Stray { response };
        };
        let Some(id) = self.clients.get(&key).copied() else {
            return ResponseDisposition::Stray { response };
        };
        let mut fx = Effects::default();
        let verdict = match self.entries.get_mut(&id).map(|e| &mut e.machine) {
            Some(Machine::ClientInvite(m)) => m.on_response(&response, now, &mut fx),
            Some(Machine::ClientNonInvite(m)) => m.on_response(&response, now),
            _ => ClientVerdict::Absorbed,
        };
        self.settle(id, fx);
        if !(100..=699).contains(&response.status()) {
            return ResponseDisposition::Stray { response };
        }
        match verdict {
            ClientVerdict::ToTu => ResponseDisposition::ToTu { key, response },
            ClientVerdict::Retransmitted2xx => {
                ResponseDisposition::Retransmitted2xx { key, response }
            }
            ClientVerdict::Absorbed => ResponseDisposition::Absorbed { key },
        }
    }

    /// Starts a client transaction for `request` to `peer` and queues the
    /// request. The request must be complete: a top Via with a fresh
    /// RFC 3261 branch ([`BranchGenerator::branch`]), and a CSeq whose method
    /// is the request's. A CANCEL (see [`cancel_for`](super::cancel_for))
    /// also starts RFC 3261 §9.1's 64·T1 bound on the INVITE it cancels.
    pub fn send_request(
        &mut self,
        request: Request,
        peer: Peer,
        now: Instant,
    ) -> Result<ClientKey, SendError> {
        if request.method() == Method::Ack {
            return Err(SendError::Ack);
        }
        let key = ClientKey::for_request(&request).map_err(SendError::Invalid)?;
        if self.clients.contains_key(&key) {
            return Err(SendError::Duplicate(key));
        }
        if self.is_full() {
            return Err(SendError::Full {
                limit: self.config.max_transactions,
            });
        }
        let mut fx = Effects::default();
        let method = request.method();
        let machine = if method == Method::Invite {
            Machine::ClientInvite(ClientInvite::start(
                request,
                peer.reliable,
                self.config.timers,
                self.config.proceeding_limit,
                now,
                &mut fx,
            ))
        } else {
            let is_cancel = method == Method::Cancel;
            let machine = Machine::ClientNonInvite(ClientNonInvite::start(
                request.to_bytes(),
                peer.reliable,
                self.config.timers,
                now,
                &mut fx,
            ));
            if is_cancel && let Some(invite_id) = self.clients.get(&key.invite_of_cancel()).copied()
            {
                if let Some(Machine::ClientInvite(m)) =
                    self.entries.get_mut(&invite_id).map(|e| &mut e.machine)
                {
                    m.on_cancel_sent(now);
                }
                self.settle(invite_id, Effects::default());
            }
            machine
        };
        self.insert(TransactionKey::Client(key.clone()), peer, machine, fx);
        Ok(key)
    }

    /// Sends the TU's response on server transaction `key` (provisional,
    /// final, or a 2xx retransmission while Accepted).
    pub fn respond(
        &mut self,
        key: &ServerKey,
        response: Response,
        now: Instant,
    ) -> Result<(), RespondError> {
        let Some(id) = self.servers.get(key).copied() else {
            if !self.completed.contains_key(key) {
                return Err(RespondError::UnknownTransaction);
            }
            if !fits(key, &response) {
                return Err(RespondError::Mismatch);
            }
            // What the state machine answers once Completed.
            let status = response.status();
            return Err(if (100..=699).contains(&status) {
                RespondError::WrongState {
                    state: TransactionState::Completed,
                    status,
                }
            } else {
                RespondError::BadStatus(status)
            });
        };
        if !fits(key, &response) {
            return Err(RespondError::Mismatch);
        }
        let status = response.status();
        let to_tag = response
            .headers()
            .to()
            .ok()
            .and_then(|to| to.tag().map(str::to_owned));
        let bytes = response.to_bytes();
        let mut fx = Effects::default();
        let result = match self.entries.get_mut(&id).map(|e| &mut e.machine) {
            Some(Machine::ServerInvite(m)) => m.respond(status, bytes, to_tag, now, &mut fx),
            Some(Machine::ServerNonInvite(m)) => m.respond(status, bytes, now, &mut fx),
            _ => Err(RespondError::UnknownTransaction),
        };
        self.settle(id, fx);
        result
    }

    /// Queues a message outside any transaction: the ACK for a 2xx, a
    /// stateless answer (`400`, `503`), a keep-alive.
    pub fn send_stateless(&mut self, bytes: Vec<u8>, peer: Peer) {
        self.transmits.push_back(Transmit {
            peer,
            bytes,
            key: None,
            retransmission: false,
        });
    }

    /// The IO edge could not deliver a message of transaction `key` (RFC
    /// 3261 §17.1.4, §17.2.4): the transaction ends with
    /// [`TransactionEvent::TransportError`]. Returns false if no such
    /// transaction is live.
    pub fn on_transport_error(&mut self, key: &TransactionKey) -> bool {
        let Some(id) = self.id_of(key) else {
            return match key {
                TransactionKey::Server(k) => self.remove_completed(k),
                TransactionKey::Client(_) => false,
            };
        };
        if let Some(entry) = self.entries.get_mut(&id) {
            entry.machine.on_transport_error();
            self.events.push_back(TransactionEvent::TransportError {
                key: entry.key.clone(),
            });
        }
        self.settle(id, Effects::default());
        true
    }

    /// A reliable connection closed: every transaction on it ends as by
    /// [`on_transport_error`](TransactionLayer::on_transport_error).
    /// Returns how many ended. (Lean Completed transactions are all
    /// unreliable: over a reliable transport Timer J is zero.)
    pub fn on_connection_closed(&mut self, connection: ConnectionId) -> usize {
        let keys: Vec<TransactionKey> = self
            .entries
            .values()
            .filter(|e| e.peer.reliable && e.peer.connection == connection)
            .map(|e| e.key.clone())
            .collect();
        keys.iter()
            .filter(|key| self.on_transport_error(key))
            .count()
    }

    /// The next message to send.
    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        self.transmits.pop_front()
    }

    /// The next event for the TU.
    pub fn poll_event(&mut self) -> Option<TransactionEvent> {
        self.events.pop_front()
    }

    /// The earliest timer deadline; call
    /// [`handle_timeout`](TransactionLayer::handle_timeout) when it passes.
    /// `None` when no transaction is live.
    pub fn poll_timeout(&self) -> Option<Instant> {
        let machines = self.deadlines.first().map(|(at, _)| *at);
        let lean = self.expiries.front().map(|(at, _)| *at);
        match (machines, lean) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Fires every timer due at `now` (each transaction once per call; a
    /// deadline a firing moves to `now` or earlier is handled next call).
    pub fn handle_timeout(&mut self, now: Instant) {
        let due: Vec<u64> = self
            .deadlines
            .range(..=(now, u64::MAX))
            .map(|(_, id)| *id)
            .collect();
        for id in due {
            let mut fx = Effects::default();
            if let Some(entry) = self.entries.get_mut(&id) {
                entry.machine.on_timer(now, &mut fx);
            }
            self.settle(id, fx);
        }
        while let Some((at, _)) = self.expiries.front()
            && *at <= now
        {
            let Some((_, key)) = self.expiries.pop_front() else {
                break;
            };
            self.completed.remove_entry(&key);
            self.events.push_back(TransactionEvent::Terminated {
                key: TransactionKey::Server(Arc::unwrap_or_clone(key)),
            });
        }
    }

    fn is_full(&self) -> bool {
        self.len() >= self.config.max_transactions
    }

    fn id_of(&self, key: &TransactionKey) -> Option<u64> {
        match key {
            TransactionKey::Client(k) => self.clients.get(k).copied(),
            TransactionKey::Server(k) => self.servers.get(k).copied(),
        }
    }

    /// Stores a new transaction and applies its first effects.
    fn insert(&mut self, key: TransactionKey, peer: Peer, machine: Machine, fx: Effects) {
        let id = self.next_id;
        self.next_id = self.next_id.wrapping_add(1);
        match &key {
            TransactionKey::Client(k) => self.clients.insert(k.clone(), id),
            TransactionKey::Server(k) => self.servers.insert(k.clone(), id),
        };
        self.entries.insert(
            id,
            Entry {
                key,
                peer,
                machine,
                indexed: None,
            },
        );
        self.settle(id, fx);
    }

    /// Queues a machine's effects, re-indexes its deadline, and removes it
    /// once Terminated.
    fn settle(&mut self, id: u64, fx: Effects) {
        let Some(entry) = self.entries.get_mut(&id) else {
            return;
        };
        for send in fx.sends {
            self.transmits.push_back(Transmit {
                peer: entry.peer,
                bytes: send.bytes,
                key: Some(entry.key.clone()),
                retransmission: send.retransmission,
            });
        }
        for timer in fx.timeouts {
            self.events.push_back(TransactionEvent::Timeout {
                key: entry.key.clone(),
                timer,
            });
        }
        if let Some(old) = entry.indexed.take() {
            self.deadlines.remove(&(old, id));
        }
        if !entry.peer.reliable
            && let Machine::ServerNonInvite(m) = &mut entry.machine
            && let Some((response, deadline)) = m.take_completed()
        {
            let peer = entry.peer;
            if let Some(Entry {
                key: TransactionKey::Server(key),
                ..
            }) = self.entries.remove(&id)
            {
                self.servers.remove(&key);
                self.keep_completed(key, response, peer, deadline);
            }
            return;
        }
        if entry.machine.is_terminated() {
            if let Some(entry) = self.entries.remove(&id) {
                match &entry.key {
                    TransactionKey::Client(k) => self.clients.remove(k),
                    TransactionKey::Server(k) => self.servers.remove(k),
                };
                self.events
                    .push_back(TransactionEvent::Terminated { key: entry.key });
            }
        } else if let Some(next) = entry.machine.next_deadline() {
            self.deadlines.insert((next, id));
            entry.indexed = Some(next);
        }
    }
}

impl TransactionLayer {
    /// Stores a lean Completed transaction with its Timer J deadline.
    fn keep_completed(&mut self, key: ServerKey, response: Vec<u8>, peer: Peer, deadline: Instant) {
        let key = Arc::new(key);
        self.completed.insert(
            Arc::clone(&key),
            Completed {
                response: response.into_boxed_slice(),
                peer,
            },
        );
        // Timer J is the same for all, so the deadline is normally the
        // latest; a caller whose clock went back gets it sorted in.
        if self
            .expiries
            .back()
            .is_none_or(|(last, _)| *last <= deadline)
        {
            self.expiries.push_back((deadline, key));
        } else {
            let pos = self.expiries.partition_point(|(at, _)| *at <= deadline);
            self.expiries.insert(pos, (deadline, key));
        }
    }
}

/// True if `response` answers the request of server transaction `key`:
/// same CSeq method and, for RFC 3261 keys, the same top Via branch.
fn fits(key: &ServerKey, response: &Response) -> bool {
    let headers = response.headers();
    let Ok(cseq) = headers.cseq() else {
        return false;
    };
    if cseq.method != key.method() {
        return false;
    }
    match key.branch() {
        Some(branch) => headers.top_via().ok().and_then(|v| v.branch()) == Some(branch),
        None => true,
    }
}
