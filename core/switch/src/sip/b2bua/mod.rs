//! The back-to-back user agent. A call has an A leg (the INVITE we
//! received, or the leg `originate` placed) and the B legs `bridge` rings:
//! the A leg is routed through its tenant's dialplan, `bridge` places
//! outgoing INVITEs (to registered users, SIP URIs, gateways), relays
//! ringing, early media and the answer, and ties the two dialogs together
//! until a BYE from either side. SDP passes between the legs unchanged
//! (media is not anchored yet).
//!
//! Runs on the `sip-core` thread, driven by the dispatcher: every method
//! takes the transaction layer it queues messages on. The parts:
//! [`inbound`] (new INVITEs: users and gateways), [`route`] (the dialplan
//! applications), [`bridge`] (dial strings, forks, failover, answer),
//! [`originate`], [`dialog`] (requests inside a call, hangup).

mod bridge;
mod dialog;
mod hold;
mod inbound;
mod limit;
mod media;
mod originate;
mod outcome;
mod route;
mod session;
mod targets;
mod transfer;
mod trunk;
mod uuid_bridge;

use super::outbound::Outbound;
use crate::channel::cause::HangupCause;
use crate::channel::registry::ChannelHandle;
use crate::sip::dialstring::DialString;
use limit::{LimitKey, Limits};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};
use switchyard_sip::auth::{DigestClient, RandomCnonce};
use switchyard_sip::dialog::{DialogId, DialogSet, LocalVia};
use switchyard_sip::message::{Request, Response};
use switchyard_sip::transaction::{BranchGenerator, ClientKey, Peer, ServerKey, TransactionLayer};

pub use originate::{OriginateReply, OriginateRequest};

/// The A leg of a call.
struct ALeg {
    side: ASide,
    dialog: Option<DialogId>,
    channel: Arc<ChannelHandle>,
    answered: bool,
    finished: bool,
    /// Its media, when the switch anchors it.
    media: Option<media::LegMedia>,
}

/// How the A leg came to be. The caller's variant is the common one and
/// stays inline (no allocation per call); the rare originate states are
/// boxed.
#[allow(clippy::large_enum_variant)]
enum ASide {
    /// We received its INVITE: a caller waiting for our answer.
    Caller {
        invite: Request,
        key: ServerKey,
        tag: String,
    },
    /// `originate` rings its dial string; no leg has answered yet. The A
    /// channel is detached (no events, no CDR): it only holds settings.
    Originating(Box<originate::Originating>),
    /// The leg `originate` placed answered: it is the A leg, whose 2xx
    /// (with the offer) is ACKed with the B leg's answer.
    Originated(Box<originate::Originated>),
}

/// One B leg: an INVITE we sent.
struct Fork {
    invite: Request,
    key: ClientKey,
    peer: Peer,
    dialog: Option<DialogId>,
    channel: Arc<ChannelHandle>,
    final_status: Option<u16>,
    /// The ACK sent for its 2xx, re-sent when the 2xx is retransmitted.
    ack: Option<Vec<u8>>,
    /// Credentials for a gateway that challenges the INVITE.
    auth: Option<DigestClient>,
    /// Whether the INVITE already carried credentials.
    authorized: bool,
    /// Its 2xx, when it carried the offer (the caller sent none): the ACK
    /// waits for the caller's ACK, whose answer it carries.
    awaiting_answer: Option<Response>,
    /// Its media, when the switch anchors the call.
    media: Option<media::LegMedia>,
}

/// Where the dialplan of a call stands.
#[derive(Default)]
struct Plan {
    /// The actions to run, as the dialplan gave them (expanded when run).
    actions: Vec<(String, String)>,
    /// The next one to run.
    next: usize,
    /// The context routed in.
    context: String,
    /// Transfers so far (a loop guard).
    transfers: u32,
    /// Whether the session thread is running one of the actions.
    in_session: bool,
    /// A transfer asked while the session thread was busy: taken when its
    /// application ends.
    pending_transfer: Option<(String, Option<String>)>,
    /// `uuid_bridge` to this call, waiting for the session threads of
    /// both to be idle.
    pending_bridge: Option<u64>,
}

/// A `bridge` in progress.
struct Dialing {
    dial: DialString,
    /// The next group (`|`) to ring.
    next_group: usize,
    /// Where the forks of the group ringing now start in `Call::forks`.
    group_start: usize,
    /// How long each group rings.
    timeout: Duration,
    /// Why each endpoint failed: SIP status, reason, cause.
    failures: Vec<(u16, String, HangupCause)>,
}

struct Call {
    a: ALeg,
    forks: Vec<Fork>,
    winner: Option<usize>,
    /// When the group ringing now gives up (`call_timeout`).
    no_answer_at: Option<Instant>,
    plan: Plan,
    dialing: Option<Dialing>,
    /// The `limit` slots the call holds.
    limits: Vec<LimitKey>,
    /// Whether the switch anchors the call's media.
    anchored: bool,
    /// The A leg's session thread, once an application needed one.
    session: Option<crate::session::SessionLink>,
    /// A bridge the session thread asked for (a module's
    /// `channel_bridge`): told how it ended instead of the dialplan.
    bridge_reply: Option<crossbeam_channel::Sender<Result<(), HangupCause>>>,
    /// The call `uuid_bridge` joined this one to.
    partner: Option<u64>,
}

/// Ringing time when neither `call_timeout` nor the dial string says.
const DEFAULT_CALL_TIMEOUT_SECS: u64 = 60;

/// What a client transaction of ours belongs to.
enum ClientRole {
    /// A B-leg INVITE: call and fork.
    Invite(u64, usize),
    /// An in-dialog request relayed from the other leg, whose server
    /// transaction waits for the answer.
    Relay(Box<dialog::Relay>),
    /// A re-INVITE of ours (`uuid_hold`).
    Reinvite(Box<hold::Reinvite>),
    /// CANCEL and BYE: nothing to do with the answer.
    Other,
}

/// Live calls and the indexes that route SIP messages to them.
pub struct B2bua {
    switch: Arc<crate::switch::Switch>,
    outbound: Arc<Outbound>,
    local: SocketAddr,
    calls: HashMap<u64, Call>,
    by_server: HashMap<ServerKey, u64>,
    by_client: HashMap<ClientKey, ClientRole>,
    by_dialog: HashMap<DialogId, u64>,
    /// A legs by channel UUID (session threads name their call so).
    by_uuid: HashMap<String, u64>,
    dialogs: DialogSet,
    branches: BranchGenerator,
    cnonces: Option<RandomCnonce>,
    limits: Limits,
    next_call: u64,
}

impl B2bua {
    /// A B2BUA whose own address (Via, Contact) is `local`.
    pub fn new(
        switch: Arc<crate::switch::Switch>,
        outbound: Arc<Outbound>,
        local: SocketAddr,
    ) -> B2bua {
        // Tags and Call-IDs must not repeat across restarts: seed from the OS;
        // the clock is only the fallback when the OS has no entropy to give.
        let branches = BranchGenerator::from_os_entropy().unwrap_or_else(|_| {
            BranchGenerator::new(
                SystemTime::now()
                    .duration_since(SystemTime::UNIX_EPOCH)
                    .map_or(0, |d| d.as_nanos() as u64)
                    ^ u64::from(std::process::id()),
            )
        });
        B2bua {
            switch,
            outbound,
            local,
            calls: HashMap::new(),
            by_server: HashMap::new(),
            by_client: HashMap::new(),
            by_dialog: HashMap::new(),
            by_uuid: HashMap::new(),
            dialogs: DialogSet::new(),
            branches,
            cnonces: RandomCnonce::new().ok(),
            limits: Limits::default(),
            next_call: 1,
        }
    }

    fn contact(&self, transport: &str) -> String {
        if transport == "tcp" {
            format!("<sip:switchyard@{};transport=tcp>", self.local)
        } else {
            format!("<sip:switchyard@{}>", self.local)
        }
    }

    fn via(&mut self, transport: &str) -> String {
        LocalVia::new(
            transport.to_ascii_uppercase(),
            self.local.ip().to_string(),
            Some(self.local.port()),
        )
        .with_rport(true)
        .fresh(&mut self.branches)
    }

    fn insert_call(&mut self, a: ALeg) -> u64 {
        let call_id = self.next_call;
        self.next_call += 1;
        if let ASide::Caller { key, .. } = &a.side {
            self.by_server.insert(key.clone(), call_id);
        }
        self.by_uuid
            .insert(a.channel.id().as_str().to_owned(), call_id);
        self.calls.insert(
            call_id,
            Call {
                a,
                forks: Vec::new(),
                winner: None,
                no_answer_at: None,
                plan: Plan::default(),
                dialing: None,
                limits: Vec::new(),
                anchored: false,
                session: None,
                bridge_reply: None,
                partner: None,
            },
        );
        call_id
    }

    /// Writes the CDR of a leg that has hung up and removes it (its media
    /// counters become channel variables first). While the leg's session
    /// thread is still running an application (a script's hangup hook may
    /// set variables the CDR should carry), the thread does this when the
    /// application returns.
    fn finish(&self, channel: &ChannelHandle) {
        let uuid = channel.id().as_str();
        let session = self
            .by_uuid
            .get(uuid)
            .and_then(|id| self.calls.get(id))
            .and_then(|call| call.session.as_ref());
        if session.is_some_and(|link| link.defer_finish()) {
            return;
        }
        finish_channel(&self.switch, channel);
    }

    /// Forgets a call once every leg has ended, with its indexes, dialogs
    /// and `limit` slots.
    fn forget(&mut self, call_id: u64) {
        if let Some(call) = self.calls.get(&call_id) {
            // Keep the call while an answered dialog lives (its BYE is
            // still to come); forget it once every leg has ended.
            let live = !call.a.finished && call.a.answered;
            if live {
                return;
            }
        }
        if let Some(call) = self.calls.remove(&call_id) {
            if let ASide::Caller { key, .. } = &call.a.side {
                self.by_server.remove(key);
            }
            self.by_uuid.remove(call.a.channel.id().as_str());
            for fork in &call.forks {
                self.by_client.remove(&fork.key);
                if let Some(id) = &fork.dialog {
                    self.by_dialog.remove(id);
                    self.dialogs.remove(id);
                }
            }
            if let Some(id) = &call.a.dialog {
                self.by_dialog.remove(id);
                self.dialogs.remove(id);
            }
            for key in &call.limits {
                self.limits.release(key);
            }
        }
    }

    /// The legs a user of `domain` is in now, as caller or callee (its
    /// `max_calls` bounds them).
    fn user_calls(&self, extension: &str, domain: &str) -> usize {
        self.switch
            .channels
            .handles(Some(domain))
            .iter()
            .filter(|handle| {
                handle.with(|c| {
                    c.name().starts_with("sofia/internal/")
                        && c.profile().username == extension
                        && !c.state().is_hungup()
                })
            })
            .count()
    }

    /// How many calls and dialogs are live.
    pub fn counts(&self) -> (usize, usize) {
        (self.calls.len(), self.dialogs.len())
    }

    /// The earliest moment a ringing call gives up.
    pub fn next_deadline(&self) -> Option<Instant> {
        self.calls
            .values()
            .filter(|call| call.winner.is_none() && !call.a.finished)
            .filter_map(|call| call.no_answer_at)
            .min()
    }
}

/// The final response for a request outside any call.
fn respond(
    layer: &mut TransactionLayer,
    key: &ServerKey,
    request: &Request,
    status: u16,
    reason: &str,
) {
    if let Ok(mut response) = Response::for_request(request, status, reason) {
        let _ = response.add_to_tag("sy-b2bua");
        let _ = layer.respond(key, response, Instant::now());
    }
}

/// The Via transport token for a peer.
fn transport_of(peer: &Peer) -> &'static str {
    if peer.reliable { "tcp" } else { "udp" }
}

/// RFC 3261's reason phrase for a status.
fn reason_phrase(status: u16) -> &'static str {
    match status {
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        408 => "Request Timeout",
        410 => "Gone",
        480 => "Temporarily Unavailable",
        484 => "Address Incomplete",
        486 => "Busy Here",
        487 => "Request Terminated",
        488 => "Not Acceptable Here",
        500 => "Server Internal Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Server Time-out",
        600 => "Busy Everywhere",
        603 => "Decline",
        _ => "Failed",
    }
}

/// Writes the CDR of a hung-up leg and removes it (its media counters
/// become channel variables first).
pub(crate) fn finish_channel(switch: &crate::switch::Switch, channel: &ChannelHandle) {
    switch.media().close(channel.id().as_str());
    if let Err(e) = crate::channel::cdr::finish(
        &switch.store,
        &switch.bus,
        &switch.channels,
        &switch.sessions,
        channel,
    ) {
        tracing::debug!("finishing channel {}: {e}", channel.id().as_str());
    }
}
