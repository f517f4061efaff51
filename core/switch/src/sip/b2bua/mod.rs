//! The back-to-back user agent: an authenticated INVITE is routed through
//! the caller's tenant dialplan; `bridge` places outgoing INVITEs to every
//! registered contact of the dialled user (in parallel), relays ringing,
//! early media and the answer, and ties the two dialogs together until a
//! BYE from either side. SDP passes between the legs unchanged (media is
//! not anchored yet).
//!
//! Runs on the `sip-core` thread, driven by the dispatcher: every method
//! takes the transaction layer it queues messages on.

mod dialstring;

use super::Origin;
use super::outbound::Outbound;
use crate::channel::cause::HangupCause;
use crate::channel::registry::ChannelHandle;
use crate::channel::{CallerProfile, Direction, NewChannel};
use crate::dialplan::{self, HuntRequest};
use crate::registrar::CallerAuth;
use crate::switch::Switch;
use dialstring::Endpoint;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Instant, SystemTime};
use switchyard_sip::dialog::{Dialog, DialogId, DialogSet, LocalVia};
use switchyard_sip::message::{Method, Request, Response};
use switchyard_sip::transaction::{
    BranchGenerator, ClientKey, ConnectionId, Peer, ServerKey, TransactionLayer, cancel_for,
};

/// The A leg: the INVITE we received.
struct ALeg {
    invite: Request,
    key: ServerKey,
    tag: String,
    dialog: Option<DialogId>,
    channel: Arc<ChannelHandle>,
    answered: bool,
    finished: bool,
}

/// One B leg: an INVITE we sent.
struct Fork {
    invite: Request,
    key: ClientKey,
    peer: Peer,
    dialog: Option<DialogId>,
    channel: Arc<ChannelHandle>,
    final_status: Option<u16>,
}

struct Call {
    a: ALeg,
    forks: Vec<Fork>,
    winner: Option<usize>,
    /// When ringing gives up (`call_timeout`, default 60 s).
    no_answer_at: Option<Instant>,
}

/// Ringing time when neither `call_timeout` nor the dial string says.
const DEFAULT_CALL_TIMEOUT_SECS: u64 = 60;

/// What a client transaction of ours belongs to.
enum ClientRole {
    /// A B-leg INVITE: call and fork.
    Invite(u64, usize),
    /// An in-dialog request relayed from the other leg, whose server
    /// transaction waits for the answer.
    Relay(Box<Relay>),
    /// CANCEL and BYE: nothing to do with the answer.
    Other,
}

/// A request relayed across the bridge (re-INVITE, INFO, UPDATE …).
struct Relay {
    /// The server transaction of the request as received.
    server_key: ServerKey,
    /// The request as received.
    received: Request,
    /// The request as sent on the other leg, and where.
    sent: Request,
    to: DialogId,
    peer: Peer,
}

/// Live calls and the indexes that route SIP messages to them.
pub struct B2bua {
    switch: Arc<Switch>,
    outbound: Arc<Outbound>,
    local: SocketAddr,
    calls: HashMap<u64, Call>,
    by_server: HashMap<ServerKey, u64>,
    by_client: HashMap<ClientKey, ClientRole>,
    by_dialog: HashMap<DialogId, u64>,
    dialogs: DialogSet,
    branches: BranchGenerator,
    next_call: u64,
}

impl B2bua {
    /// A B2BUA whose own address (Via, Contact) is `local`.
    pub fn new(switch: Arc<Switch>, outbound: Arc<Outbound>, local: SocketAddr) -> B2bua {
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
            dialogs: DialogSet::new(),
            branches,
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

    /// A new INVITE outside any dialog.
    pub fn on_invite(
        &mut self,
        layer: &mut TransactionLayer,
        key: ServerKey,
        invite: Request,
        origin: &Origin,
    ) {
        let now = Instant::now();
        if invite
            .headers()
            .to()
            .ok()
            .and_then(|to| to.tag().map(str::to_owned))
            .is_some()
        {
            // A re-INVITE for a dialog we do not know.
            respond(
                layer,
                &key,
                &invite,
                481,
                "Call/Transaction Does Not Exist",
                None,
            );
            return;
        }
        let Some(realm) = from_domain(&invite) else {
            // A well-formed call from outside any tenant (a tel: caller)
            // has no domain to authenticate in: refused.
            respond(
                layer,
                &key,
                &invite,
                403,
                "Forbidden: the caller is no user of a tenant here",
                None,
            );
            return;
        };
        let user = match self.switch.registrar.authenticate_caller(
            &self.switch.store,
            &self.switch.bans,
            &invite,
            origin.peer,
            &realm,
            SystemTime::now(),
            now,
        ) {
            CallerAuth::Authenticated(user) => user,
            CallerAuth::Respond(response) => {
                let _ = layer.respond(&key, response, now);
                return;
            }
            CallerAuth::Drop => return,
        };
        let caller = crate::directory::find_user(&self.switch.store, &user, &realm)
            .ok()
            .flatten();
        let (cid_name, cid_number) = caller.as_ref().map_or((user.clone(), user.clone()), |u| {
            (u.caller_id_name.clone(), u.caller_id_number.clone())
        });
        let destination = invite
            .uri()
            .ok()
            .and_then(|uri| uri.as_sip().and_then(|sip| sip.user.map(str::to_owned)))
            .unwrap_or_default();
        let profile = CallerProfile {
            username: user.clone(),
            caller_id_name: cid_name.clone(),
            caller_id_number: cid_number.clone(),
            destination_number: destination.clone(),
            context: realm.clone(),
            network_addr: origin.peer.ip().to_string(),
            ani: cid_number.clone(),
            ..CallerProfile::default()
        };
        let mut spec = NewChannel::new(
            Direction::Inbound,
            realm.clone(),
            format!("sofia/internal/{user}@{realm}"),
            profile,
        );
        if let Some(user) = &caller {
            spec.variables = user.variables.clone().into_iter().collect();
        }
        spec.variables.push(("domain_name".into(), realm.clone()));
        spec.variables.push(("user_name".into(), user.clone()));
        spec.variables.push((
            "sip_call_id".into(),
            invite.headers().get("Call-ID").unwrap_or("").to_owned(),
        ));
        let channel =
            match self
                .switch
                .channels
                .create(&self.switch.bus, &self.switch.sessions, spec)
            {
                Ok(channel) => channel,
                Err(e) => {
                    tracing::error!("cannot create a channel: {e}");
                    respond(layer, &key, &invite, 500, "Server Internal Error", None);
                    return;
                }
            };
        let call_id = self.next_call;
        self.next_call += 1;
        let tag = self.branches.tag();
        self.by_server.insert(key.clone(), call_id);
        self.calls.insert(
            call_id,
            Call {
                a: ALeg {
                    invite,
                    key,
                    tag,
                    dialog: None,
                    channel,
                    answered: false,
                    finished: false,
                },
                forks: Vec::new(),
                winner: None,
                no_answer_at: None,
            },
        );
        self.route(
            layer,
            call_id,
            &realm,
            &user,
            &cid_name,
            &cid_number,
            &destination,
        );
    }

    /// Hunts the dialplan and runs its actions up to the first that ends
    /// routing (`bridge`, `respond`, `hangup`).
    #[allow(clippy::too_many_arguments)]
    fn route(
        &mut self,
        layer: &mut TransactionLayer,
        call_id: u64,
        realm: &str,
        user: &str,
        cid_name: &str,
        cid_number: &str,
        destination: &str,
    ) {
        let Some(call) = self.calls.get(&call_id) else {
            return;
        };
        let channel = Arc::clone(&call.a.channel);
        let mut profile = dialplan::CallerProfile::new(destination, realm);
        profile.username = user.to_owned();
        profile.caller_id_name = cid_name.to_owned();
        profile.caller_id_number = cid_number.to_owned();
        profile.ani = cid_number.to_owned();
        profile.uuid = channel.id().as_str().to_owned();
        profile.network_addr = channel.with(|c| c.profile().network_addr.clone());
        // The channel is read in place: no copy of its variables.
        let variables = dialplan::VariablesFn(|name: &str| channel.variable(name));
        let plan = self.switch.dialplan();
        let hunt = plan.hunt(HuntRequest::new(
            &profile,
            &variables,
            jiff::Timestamp::now(),
            "UTC",
        ));
        let hunt = match hunt {
            Ok(hunt) if !hunt.is_empty() => hunt,
            Ok(_) | Err(_) => {
                tracing::info!("no route for {destination} in context {realm}");
                self.fail_call(layer, call_id, HangupCause::NoRouteDestination, None);
                return;
            }
        };
        for (name, value) in &hunt.variables {
            match value {
                Some(value) => channel.set_variable(name.clone(), value.clone()),
                None => {
                    channel.unset_variable(name);
                }
            }
        }
        for action in &hunt.actions {
            let data = dialplan::expand(&action.data, &variables);
            channel.set_application(Some((&action.application, &data)));
            match action.application.as_str() {
                "set" | "export" => {
                    if let Some((name, value)) = data.split_once('=') {
                        channel.set_variable(name.trim(), value.trim());
                    }
                }
                "unset" => {
                    channel.unset_variable(data.trim());
                }
                "log" => tracing::info!(target: "dialplan", "{data}"),
                "hangup" => {
                    let cause = HangupCause::parse(&data).unwrap_or(HangupCause::NormalClearing);
                    self.fail_call(layer, call_id, cause, None);
                    return;
                }
                "respond" => {
                    let (code, reason) = data.trim().split_once(' ').unwrap_or((data.trim(), ""));
                    let code: u16 = code.parse().unwrap_or(500);
                    let reason = if reason.is_empty() {
                        "Declined"
                    } else {
                        reason
                    };
                    let cause = HangupCause::from_sip_status(code);
                    self.fail_call(layer, call_id, cause, Some((code, reason.to_owned())));
                    return;
                }
                "bridge" => {
                    self.bridge(layer, call_id, realm, &data);
                    return;
                }
                other => tracing::warn!(
                    "dialplan application '{other}' is not available in this switch; skipped"
                ),
            }
        }
        // The dialplan ran out without answering or bridging.
        self.fail_call(
            layer,
            call_id,
            HangupCause::NormalClearing,
            Some((480, "Temporarily Unavailable".into())),
        );
    }

    fn bridge(&mut self, layer: &mut TransactionLayer, call_id: u64, realm: &str, data: &str) {
        let dial = match dialstring::parse(data) {
            Ok(dial) => dial,
            Err(e) => {
                tracing::warn!("bridge: {e}");
                self.fail_call(layer, call_id, HangupCause::InvalidUrl, None);
                return;
            }
        };
        let now = SystemTime::now();
        let mut targets = Vec::new();
        let mut unknown_users = 0usize;
        let endpoints: usize = dial.groups.iter().map(Vec::len).sum();
        // Sequential groups need timers between attempts; ring the first
        // group that has registered contacts.
        for group in &dial.groups {
            for endpoint in group {
                let Endpoint::User { extension, domain } = endpoint;
                let domain = domain.clone().unwrap_or_else(|| realm.to_owned());
                if !matches!(
                    crate::directory::find_user(&self.switch.store, extension, &domain),
                    Ok(Some(_))
                ) {
                    unknown_users += 1;
                    continue;
                }
                match crate::registrar::contacts_of(&self.switch.store, extension, &domain, now) {
                    Ok(bindings) => {
                        for binding in bindings {
                            targets.push((extension.clone(), domain.clone(), binding));
                        }
                    }
                    Err(e) => {
                        tracing::warn!("bridge: reading the contacts of {extension}@{domain}: {e}")
                    }
                }
            }
            if !targets.is_empty() {
                break;
            }
        }
        if targets.is_empty() {
            let cause = if unknown_users == endpoints {
                HangupCause::UnallocatedNumber
            } else {
                HangupCause::UserNotRegistered
            };
            self.fail_call(layer, call_id, cause, None);
            return;
        }
        let timeout_secs = dial
            .variables
            .iter()
            .rev()
            .find(|(name, _)| name == "call_timeout")
            .map(|(_, value)| value.clone())
            .or_else(|| {
                self.calls
                    .get(&call_id)
                    .and_then(|call| call.a.channel.variable("call_timeout"))
            })
            .and_then(|value| value.trim().parse::<u64>().ok())
            .filter(|secs| *secs > 0)
            .unwrap_or(DEFAULT_CALL_TIMEOUT_SECS);
        if let Some(call) = self.calls.get_mut(&call_id) {
            call.no_answer_at = Some(Instant::now() + std::time::Duration::from_secs(timeout_secs));
        }
        for (extension, domain, binding) in targets {
            self.place_fork(
                layer,
                call_id,
                &extension,
                &domain,
                &binding,
                &dial.variables,
            );
        }
        let all_failed = self
            .calls
            .get(&call_id)
            .is_some_and(|call| call.forks.is_empty());
        if all_failed {
            self.fail_call(layer, call_id, HangupCause::DestinationOutOfOrder, None);
        }
    }

    fn place_fork(
        &mut self,
        layer: &mut TransactionLayer,
        call_id: u64,
        extension: &str,
        domain: &str,
        binding: &crate::registrar::Binding,
        variables: &[(String, String)],
    ) {
        let transport = binding.transport.to_ascii_lowercase();
        let peer = if transport == "tcp" {
            match self.outbound.connection_to(binding.network_addr) {
                Some(id) => Peer::reliable(binding.network_addr, ConnectionId(id)),
                None => {
                    tracing::info!(
                        "bridge: {extension}@{domain} registered over a TCP connection that is closed"
                    );
                    return;
                }
            }
        } else {
            Peer::unreliable(binding.network_addr, ConnectionId(0))
        };
        let via = self.via(&transport);
        let contact = self.contact(&transport);
        let from_tag = self.branches.tag();
        let sip_call_id = format!("{}@switchyard", self.branches.tag());
        let Some(call) = self.calls.get_mut(&call_id) else {
            return;
        };
        let (cid_name, cid_number) = call.a.channel.with(|c| {
            (
                c.profile().caller_id_name.clone(),
                c.profile().caller_id_number.clone(),
            )
        });
        let a_invite = &call.a.invite;
        let contact_uri = binding
            .contact
            .trim()
            .trim_start_matches('<')
            .trim_end_matches('>')
            .to_owned();
        let Ok(mut invite) = Request::new("INVITE", &contact_uri) else {
            tracing::warn!("bridge: contact {contact_uri} is not a usable Request-URI");
            return;
        };
        let max_forwards = a_invite
            .headers()
            .max_forwards()
            .ok()
            .flatten()
            .map_or(70, |mf| mf.saturating_sub(1));
        let realm = call.a.channel.tenant().to_owned();
        let body = a_invite.body().to_vec();
        let content_type = a_invite.headers().get("Content-Type").map(str::to_owned);
        let headers = invite.headers_mut();
        let pushed = headers
            .push("Via", &via)
            .and_then(|()| headers.push("Max-Forwards", &max_forwards.to_string()))
            .and_then(|()| {
                headers.push(
                    "From",
                    &format!(
                        "\"{}\" <sip:{cid_number}@{realm}>;tag={from_tag}",
                        cid_name.replace('"', "")
                    ),
                )
            })
            .and_then(|()| headers.push("To", &format!("<sip:{extension}@{domain}>")))
            .and_then(|()| headers.push("Call-ID", &sip_call_id))
            .and_then(|()| headers.push("CSeq", "1 INVITE"))
            .and_then(|()| headers.push("Contact", &contact))
            .and_then(|()| headers.push("Allow", super::dispatch::ALLOWED_METHODS))
            .and_then(|()| match &content_type {
                Some(ct) => headers.push("Content-Type", ct),
                None => Ok(()),
            });
        if pushed.is_err() {
            tracing::warn!("bridge: cannot build the INVITE to {extension}@{domain}");
            return;
        }
        invite.set_body(body);
        let profile = CallerProfile {
            username: extension.to_owned(),
            caller_id_name: cid_name.clone(),
            caller_id_number: cid_number.clone(),
            callee_id_number: extension.to_owned(),
            destination_number: extension.to_owned(),
            context: domain.to_owned(),
            network_addr: binding.network_addr.ip().to_string(),
            ani: cid_number.clone(),
            ..CallerProfile::default()
        };
        let mut spec = NewChannel::new(
            Direction::Outbound,
            domain.to_owned(),
            format!("sofia/internal/{contact_uri}"),
            profile,
        );
        spec.originator = Some(call.a.channel.id().clone());
        spec.variables = variables.to_vec();
        spec.variables.push(("sip_call_id".into(), sip_call_id));
        let channel =
            match self
                .switch
                .channels
                .create(&self.switch.bus, &self.switch.sessions, spec)
            {
                Ok(channel) => channel,
                Err(e) => {
                    tracing::error!("cannot create a channel: {e}");
                    return;
                }
            };
        let key = match layer.send_request(invite.clone(), peer, Instant::now()) {
            Ok(key) => key,
            Err(e) => {
                tracing::warn!("bridge: cannot send the INVITE to {contact_uri}: {e:?}");
                channel.hangup(&self.switch.bus, HangupCause::NormalTemporaryFailure, None);
                self.finish(&channel);
                return;
            }
        };
        let index = call.forks.len();
        call.forks.push(Fork {
            invite,
            key: key.clone(),
            peer,
            dialog: None,
            channel,
            final_status: None,
        });
        self.by_client
            .insert(key, ClientRole::Invite(call_id, index));
    }

    /// A response to one of our client transactions.
    pub fn on_response(
        &mut self,
        layer: &mut TransactionLayer,
        key: ClientKey,
        response: Response,
    ) {
        if matches!(self.by_client.get(&key), Some(ClientRole::Relay(_))) {
            if response.status() >= 200
                && let Some(ClientRole::Relay(relay)) = self.by_client.remove(&key)
            {
                self.relay_back(layer, *relay, &response);
            }
            return;
        }
        let Some(&ClientRole::Invite(call_id, index)) = self.by_client.get(&key) else {
            return;
        };
        let status = response.status();
        if status == 100 {
            return;
        }
        let Some(call) = self.calls.get_mut(&call_id) else {
            return;
        };
        let Some(fork) = call.forks.get_mut(index) else {
            return;
        };
        if let Ok(outcome) = self.dialogs.on_invite_response(&fork.invite, &response) {
            use switchyard_sip::dialog::InviteOutcome;
            if let InviteOutcome::Created(id) | InviteOutcome::Updated(id, _) = outcome {
                fork.dialog = Some(id.clone());
                self.by_dialog.insert(id, call_id);
            }
        }
        let switch = Arc::clone(&self.switch);
        let bus = &switch.bus;
        match status {
            101..=199 => {
                if response.body().is_empty() {
                    let _ = fork.channel.ring(bus);
                    let _ = call.a.channel.ring(bus);
                } else {
                    let _ = fork.channel.pre_answer(bus);
                    let _ = call.a.channel.pre_answer(bus);
                }
                if !call.a.answered {
                    self.relay_to_a(layer, call_id, &response);
                }
            }
            200..=299 => self.on_answer(layer, call_id, index, &response),
            _ => {
                fork.final_status = Some(status);
                let cause = HangupCause::from_sip_status(status);
                fork.channel.hangup(bus, cause, Some(status));
                let channel = Arc::clone(&fork.channel);
                self.finish(&channel);
                self.after_fork_failed(layer, call_id, &response);
            }
        }
    }

    /// A client transaction of ours timed out (Timer B/F): as a 408.
    pub fn on_timeout(&mut self, layer: &mut TransactionLayer, key: &ClientKey) {
        if matches!(self.by_client.get(key), Some(ClientRole::Relay(_))) {
            if let Some(ClientRole::Relay(relay)) = self.by_client.remove(key)
                && let Ok(timeout) = Response::for_request(&relay.sent, 408, "Request Timeout")
            {
                self.relay_back(layer, *relay, &timeout);
            }
            return;
        }
        let Some(&ClientRole::Invite(call_id, index)) = self.by_client.get(key) else {
            return;
        };
        let Some(fork) = self
            .calls
            .get_mut(&call_id)
            .and_then(|c| c.forks.get_mut(index))
        else {
            return;
        };
        if fork.final_status.is_some() {
            return;
        }
        fork.final_status = Some(408);
        fork.channel.hangup(
            &self.switch.bus,
            HangupCause::RecoveryOnTimerExpire,
            Some(408),
        );
        let invite = fork.invite.clone();
        let channel = Arc::clone(&fork.channel);
        self.finish(&channel);
        let Ok(timeout) = Response::for_request(&invite, 408, "Request Timeout") else {
            return;
        };
        self.after_fork_failed(layer, call_id, &timeout);
    }

    fn after_fork_failed(
        &mut self,
        layer: &mut TransactionLayer,
        call_id: u64,
        response: &Response,
    ) {
        let Some(call) = self.calls.get(&call_id) else {
            return;
        };
        if call.winner.is_some() || call.forks.iter().any(|f| f.final_status.is_none()) {
            return;
        }
        // Every fork failed: the best answer goes to the caller (RFC 3261
        // §16.7: 6xx first, else the lowest class).
        let best = call
            .forks
            .iter()
            .filter_map(|f| f.final_status)
            .min_by_key(|s| if *s >= 600 { 0 } else { *s })
            .unwrap_or(response.status());
        let reason = if best == response.status() {
            response.reason().to_owned()
        } else {
            reason_phrase(best).to_owned()
        };
        self.fail_call(
            layer,
            call_id,
            HangupCause::from_sip_status(best),
            Some((best, reason)),
        );
    }

    fn on_answer(
        &mut self,
        layer: &mut TransactionLayer,
        call_id: u64,
        index: usize,
        response: &Response,
    ) {
        let Some((peer, dialog_id, invite)) = self
            .calls
            .get(&call_id)
            .and_then(|call| call.forks.get(index))
            .map(|fork| (fork.peer, fork.dialog.clone(), fork.invite.clone()))
        else {
            return;
        };
        let via = self.via(if peer.reliable { "tcp" } else { "udp" });
        if let Some(id) = &dialog_id
            && let Some(dialog) = self.dialogs.get(id)
            && let Ok(ack) = dialog.ack_for_2xx(&invite, response, &via)
        {
            layer.send_stateless(ack.to_bytes(), peer);
        }
        let already_answered = self
            .calls
            .get(&call_id)
            .is_some_and(|call| call.winner.is_some());
        if already_answered {
            // Another fork answered first: hang this one up.
            if let Some(id) = dialog_id {
                self.send_bye(layer, &id);
            }
            return;
        }
        let switch = Arc::clone(&self.switch);
        let bus = &switch.bus;
        let Some(call) = self.calls.get_mut(&call_id) else {
            return;
        };
        call.winner = Some(index);
        let _ = call.forks[index].channel.answer(bus);
        let _ = call.a.channel.answer(bus);
        let a_id = call.a.channel.id().as_str().to_owned();
        let b_id = call.forks[index].channel.id().as_str().to_owned();
        let _ = switch.channels.bridge(bus, &a_id, &b_id);
        // Cancel the other forks.
        let losers: Vec<(Request, Peer)> = call
            .forks
            .iter()
            .enumerate()
            .filter(|(i, f)| *i != index && f.final_status.is_none())
            .map(|(_, f)| (f.invite.clone(), f.peer))
            .collect();
        for (invite, peer) in losers {
            if let Ok(cancel) = cancel_for(&invite)
                && let Ok(key) = layer.send_request(cancel, peer, Instant::now())
            {
                self.by_client.insert(key, ClientRole::Other);
            }
        }
        self.relay_to_a(layer, call_id, response);
        if let Some(call) = self.calls.get_mut(&call_id) {
            call.a.answered = true;
        }
    }

    /// Relays a provisional or 2xx response from a B leg to the caller.
    fn relay_to_a(&mut self, layer: &mut TransactionLayer, call_id: u64, response: &Response) {
        let contact = {
            let Some(call) = self.calls.get(&call_id) else {
                return;
            };
            let transport = call
                .a
                .invite
                .headers()
                .top_via()
                .map(|v| v.transport.to_ascii_lowercase())
                .unwrap_or_else(|_| "udp".into());
            self.contact(&transport)
        };
        let Some(call) = self.calls.get_mut(&call_id) else {
            return;
        };
        let Ok(mut relay) =
            Response::for_request(&call.a.invite, response.status(), response.reason())
        else {
            return;
        };
        if !response.body().is_empty() {
            if let Some(ct) = response.headers().get("Content-Type") {
                let _ = relay.headers_mut().push("Content-Type", ct);
            }
            relay.set_body(response.body().to_vec());
        }
        if call.a.dialog.is_none() {
            match Dialog::uas_from_request(&call.a.invite, &call.a.tag, &contact) {
                Ok(dialog) => {
                    let id = dialog.id().clone();
                    self.dialogs.insert(dialog);
                    self.by_dialog.insert(id.clone(), call_id);
                    call.a.dialog = Some(id);
                }
                Err(e) => {
                    tracing::warn!("cannot make a dialog with the caller: {e:?}");
                    return;
                }
            }
        }
        if let Some(dialog) = call
            .a
            .dialog
            .as_ref()
            .and_then(|id| self.dialogs.get_mut(id))
        {
            let _ = dialog.prepare_response(&mut relay);
        }
        let _ = layer.respond(&call.a.key, relay, Instant::now());
    }

    /// Ends a call that was not answered: a final response to the caller,
    /// the caller's channel hung up with `cause`.
    fn fail_call(
        &mut self,
        layer: &mut TransactionLayer,
        call_id: u64,
        cause: HangupCause,
        answer: Option<(u16, String)>,
    ) {
        let Some(call) = self.calls.get_mut(&call_id) else {
            return;
        };
        if call.a.finished {
            return;
        }
        call.a.finished = true;
        let (status, reason) = answer.unwrap_or_else(|| {
            (
                cause.sip_status(),
                reason_phrase(cause.sip_status()).to_owned(),
            )
        });
        if let Ok(mut response) = Response::for_request(&call.a.invite, status, &reason) {
            let _ = response.add_to_tag(&call.a.tag);
            let _ = layer.respond(&call.a.key, response, Instant::now());
        }
        call.a.channel.hangup(&self.switch.bus, cause, Some(status));
        let channel = Arc::clone(&call.a.channel);
        self.finish(&channel);
        self.forget(call_id);
    }

    /// The earliest moment a ringing call gives up.
    pub fn next_deadline(&self) -> Option<Instant> {
        self.calls
            .values()
            .filter(|call| call.winner.is_none() && !call.a.finished)
            .filter_map(|call| call.no_answer_at)
            .min()
    }

    /// Gives up on calls that rang past their `call_timeout`: every fork
    /// is cancelled and the caller gets 480 (NO_ANSWER).
    pub fn on_tick(&mut self, layer: &mut TransactionLayer, now: Instant) {
        let expired: Vec<u64> = self
            .calls
            .iter()
            .filter(|(_, call)| {
                call.winner.is_none()
                    && !call.a.finished
                    && call.no_answer_at.is_some_and(|at| at <= now)
            })
            .map(|(id, _)| *id)
            .collect();
        for call_id in expired {
            self.abandon(
                layer,
                call_id,
                HangupCause::NoAnswer,
                (480, "No Answer".into()),
            );
        }
    }

    /// The caller cancelled: 487 to the INVITE, CANCEL every fork.
    pub fn on_cancel(&mut self, layer: &mut TransactionLayer, invite: &ServerKey) {
        let Some(call_id) = self.by_server.get(invite).copied() else {
            return;
        };
        self.abandon(
            layer,
            call_id,
            HangupCause::OriginatorCancel,
            (487, "Request Terminated".into()),
        );
    }

    /// Cancels every pending fork of an unanswered call and answers the
    /// caller with `answer`.
    fn abandon(
        &mut self,
        layer: &mut TransactionLayer,
        call_id: u64,
        cause: HangupCause,
        answer: (u16, String),
    ) {
        let forks: Vec<(Request, Peer, Arc<ChannelHandle>, bool)> = self
            .calls
            .get(&call_id)
            .map(|call| {
                call.forks
                    .iter()
                    .map(|f| {
                        (
                            f.invite.clone(),
                            f.peer,
                            Arc::clone(&f.channel),
                            f.final_status.is_none(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        for (invite, peer, channel, pending) in forks {
            if pending {
                if let Ok(cancel) = cancel_for(&invite)
                    && let Ok(key) = layer.send_request(cancel, peer, Instant::now())
                {
                    self.by_client.insert(key, ClientRole::Other);
                }
                channel.hangup(&self.switch.bus, cause, Some(answer.0));
                self.finish(&channel);
            }
        }
        self.fail_call(layer, call_id, cause, Some(answer));
    }

    /// A request inside a dialog: BYE ends the call, ACK is absorbed,
    /// re-INVITE, INFO, UPDATE, OPTIONS, MESSAGE, NOTIFY and REFER are
    /// relayed to the other leg and answered with its answer. Returns the
    /// response to send now, or `None` (nothing, or an answer to come).
    pub fn on_in_dialog(
        &mut self,
        layer: &mut TransactionLayer,
        request: &Request,
        key: Option<&ServerKey>,
    ) -> Option<(u16, String)> {
        let dialog_id = match self.dialogs.find_for_request_mut(request) {
            Some(dialog) => {
                if let Err((code, reason)) = dialog.on_request(request) {
                    return Some((code, reason.to_owned()));
                }
                dialog.id().clone()
            }
            None => {
                tracing::debug!(
                    "no dialog for {} ({} dialogs live)",
                    request.method_str(),
                    self.dialogs.len()
                );
                return Some((481, "Call/Transaction Does Not Exist".into()));
            }
        };
        let call_id = self.by_dialog.get(&dialog_id).copied()?;
        match request.method() {
            Method::Ack => None,
            Method::Bye => {
                self.hang_up_bridged(layer, call_id, &dialog_id);
                Some((200, "OK".into()))
            }
            Method::Invite
            | Method::Info
            | Method::Update
            | Method::Options
            | Method::Message
            | Method::Notify
            | Method::Refer => {
                let key = key?.clone();
                self.relay_request(layer, call_id, &dialog_id, request, key)
            }
            _ => Some((501, "Not Implemented".into())),
        }
    }

    /// Sends `request` (received on dialog `from`) on the other leg.
    fn relay_request(
        &mut self,
        layer: &mut TransactionLayer,
        call_id: u64,
        from: &DialogId,
        request: &Request,
        server_key: ServerKey,
    ) -> Option<(u16, String)> {
        let call = self.calls.get(&call_id)?;
        let winner = call.winner.and_then(|i| call.forks.get(i));
        let (to, peer) = if call.a.dialog.as_ref() == Some(from) {
            let fork = winner?;
            (fork.dialog.clone()?, fork.peer)
        } else {
            let to = call.a.dialog.clone()?;
            let peer = self.peer_for_caller(&to)?;
            (to, peer)
        };
        let via = self.via(if peer.reliable { "tcp" } else { "udp" });
        let dialog = self.dialogs.get_mut(&to)?;
        let mut sent = match dialog.new_request(request.method(), &via) {
            Ok(sent) => sent,
            Err(switchyard_sip::dialog::DialogError::InvitePending) => {
                return Some((491, "Request Pending".into()));
            }
            Err(e) => {
                tracing::debug!("cannot relay {}: {e:?}", request.method_str());
                return Some((500, "Server Internal Error".into()));
            }
        };
        if let Some(content_type) = request.headers().get("Content-Type") {
            let _ = sent.headers_mut().push("Content-Type", content_type);
        }
        sent.set_body(request.body().to_vec());
        match layer.send_request(sent.clone(), peer, Instant::now()) {
            Ok(key) => {
                self.by_client.insert(
                    key,
                    ClientRole::Relay(Box::new(Relay {
                        server_key,
                        received: request.clone(),
                        sent,
                        to,
                        peer,
                    })),
                );
                None
            }
            Err(e) => {
                tracing::debug!("cannot relay {}: {e:?}", request.method_str());
                Some((500, "Server Internal Error".into()))
            }
        }
    }

    /// The other leg answered a relayed request: ACK its 2xx to a
    /// re-INVITE, and answer the leg the request came from.
    fn relay_back(&mut self, layer: &mut TransactionLayer, relay: Relay, response: &Response) {
        if let Some(dialog) = self.dialogs.get_mut(&relay.to) {
            let _ = dialog.on_response(response);
        }
        let is_invite = matches!(relay.sent.method(), Method::Invite);
        if is_invite && (200..300).contains(&response.status()) {
            let via = self.via(if relay.peer.reliable { "tcp" } else { "udp" });
            if let Some(dialog) = self.dialogs.get(&relay.to)
                && let Ok(ack) = dialog.ack_for_2xx(&relay.sent, response, &via)
            {
                layer.send_stateless(ack.to_bytes(), relay.peer);
            }
        }
        let Ok(mut answer) =
            Response::for_request(&relay.received, response.status(), response.reason())
        else {
            return;
        };
        if !response.body().is_empty() {
            if let Some(content_type) = response.headers().get("Content-Type") {
                let _ = answer.headers_mut().push("Content-Type", content_type);
            }
            answer.set_body(response.body().to_vec());
        }
        if is_invite && (200..300).contains(&response.status()) {
            let transport = relay
                .received
                .headers()
                .top_via()
                .map(|v| v.transport.to_ascii_lowercase())
                .unwrap_or_else(|_| "udp".into());
            let _ = answer
                .headers_mut()
                .push("Contact", &self.contact(&transport));
        }
        let _ = layer.respond(&relay.server_key, answer, Instant::now());
    }

    /// Hangs up the call leg `uuid` belongs to: BYE on both sides of an
    /// answered call, or cancel an unanswered one. False when no live call
    /// has such a leg.
    pub fn kill(&mut self, layer: &mut TransactionLayer, uuid: &str, cause: HangupCause) -> bool {
        let found = self.calls.iter().find_map(|(id, call)| {
            let matches = call.a.channel.id().as_str().eq_ignore_ascii_case(uuid)
                || call
                    .forks
                    .iter()
                    .any(|f| f.channel.id().as_str().eq_ignore_ascii_case(uuid));
            matches.then_some(*id)
        });
        match found {
            Some(call_id) => {
                self.end_call(layer, call_id, cause);
                true
            }
            None => false,
        }
    }

    /// Hangs up every call, or every call of `tenant`; returns how many.
    pub fn kill_all(
        &mut self,
        layer: &mut TransactionLayer,
        cause: HangupCause,
        tenant: Option<&str>,
    ) -> usize {
        let ids: Vec<u64> = self
            .calls
            .iter()
            .filter(|(_, call)| tenant.is_none_or(|t| call.a.channel.tenant() == t))
            .map(|(id, _)| *id)
            .collect();
        for id in &ids {
            self.end_call(layer, *id, cause);
        }
        ids.len()
    }

    fn end_call(&mut self, layer: &mut TransactionLayer, call_id: u64, cause: HangupCause) {
        let Some(call) = self.calls.get(&call_id) else {
            return;
        };
        if call.winner.is_none() {
            let status = cause.sip_status();
            self.abandon(
                layer,
                call_id,
                cause,
                (status, reason_phrase(status).to_owned()),
            );
            return;
        }
        let a_dialog = call.a.dialog.clone();
        let winner = call.winner.and_then(|i| call.forks.get(i));
        let b_dialog = winner.and_then(|f| f.dialog.clone());
        let channels: Vec<Arc<ChannelHandle>> = std::iter::once(Arc::clone(&call.a.channel))
            .chain(winner.map(|f| Arc::clone(&f.channel)))
            .collect();
        for dialog in [a_dialog, b_dialog].into_iter().flatten() {
            self.send_bye(layer, &dialog);
        }
        for channel in channels {
            channel.hangup(&self.switch.bus, cause, None);
            self.finish(&channel);
        }
        if let Some(call) = self.calls.get_mut(&call_id) {
            call.a.finished = true;
        }
        self.forget(call_id);
    }

    /// One side of an answered call sent BYE: BYE the other side and end
    /// both legs.
    fn hang_up_bridged(&mut self, layer: &mut TransactionLayer, call_id: u64, from: &DialogId) {
        let Some(call) = self.calls.get(&call_id) else {
            return;
        };
        let a_dialog = call.a.dialog.clone();
        let winner = call.winner.and_then(|i| call.forks.get(i));
        let b_dialog = winner.and_then(|f| f.dialog.clone());
        let other = if a_dialog.as_ref() == Some(from) {
            b_dialog
        } else {
            a_dialog
        };
        let channels: Vec<Arc<ChannelHandle>> = std::iter::once(Arc::clone(&call.a.channel))
            .chain(winner.map(|f| Arc::clone(&f.channel)))
            .collect();
        if let Some(other) = other {
            self.send_bye(layer, &other);
        }
        for channel in channels {
            channel.hangup(&self.switch.bus, HangupCause::NormalClearing, None);
            self.finish(&channel);
        }
        self.forget(call_id);
    }

    fn send_bye(&mut self, layer: &mut TransactionLayer, dialog_id: &DialogId) {
        let transport = self
            .calls
            .values()
            .flat_map(|c| c.forks.iter())
            .find(|f| f.dialog.as_ref() == Some(dialog_id))
            .map(|f| f.peer);
        let via_transport = match transport {
            Some(peer) if peer.reliable => "tcp",
            _ => "udp",
        };
        let via = self.via(via_transport);
        let Some(dialog) = self.dialogs.get_mut(dialog_id) else {
            return;
        };
        let Ok(bye) = dialog.new_request(Method::Bye, &via) else {
            return;
        };
        let peer = match transport {
            Some(peer) => peer,
            None => match self.peer_for_caller(dialog_id) {
                Some(peer) => peer,
                None => return,
            },
        };
        if let Ok(key) = layer.send_request(bye, peer, Instant::now()) {
            self.by_client.insert(key, ClientRole::Other);
        }
    }

    /// Where requests to the caller go: the address its INVITE came from.
    fn peer_for_caller(&self, dialog_id: &DialogId) -> Option<Peer> {
        let call = self
            .calls
            .values()
            .find(|c| c.a.dialog.as_ref() == Some(dialog_id))?;
        let source = call.a.invite.headers().top_via().ok().and_then(|via| {
            let ip = via.received()?.parse().ok()?;
            let port = via.rport().flatten().or(via.port).unwrap_or(5060);
            Some(SocketAddr::new(ip, port))
        })?;
        let transport = call
            .a
            .invite
            .headers()
            .top_via()
            .map(|v| v.transport.to_ascii_lowercase())
            .ok()?;
        if transport == "tcp" {
            self.outbound
                .connection_to(source)
                .map(|id| Peer::reliable(source, ConnectionId(id)))
        } else {
            Some(Peer::unreliable(source, ConnectionId(0)))
        }
    }

    fn finish(&self, channel: &ChannelHandle) {
        if let Err(e) = crate::channel::cdr::finish(
            &self.switch.store,
            &self.switch.bus,
            &self.switch.channels,
            &self.switch.sessions,
            channel,
        ) {
            tracing::debug!("finishing channel {}: {e}", channel.id().as_str());
        }
    }

    fn forget(&mut self, call_id: u64) {
        if let Some(call) = self.calls.get(&call_id) {
            // Keep the call while a bridged dialog lives (its BYE is still
            // to come); forget it once every leg has ended.
            let live = call.winner.is_some() && !call.a.finished && call.a.answered;
            if live {
                return;
            }
        }
        if let Some(call) = self.calls.remove(&call_id) {
            self.by_server.remove(&call.a.key);
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
        }
    }
}

/// The From domain (the caller's tenant), lower-cased.
fn from_domain(request: &Request) -> Option<String> {
    let from = request.headers().from().ok()?;
    let sip = from.uri.as_sip()?;
    Some(sip.host.to_ascii_lowercase())
}

fn respond(
    layer: &mut TransactionLayer,
    key: &ServerKey,
    request: &Request,
    status: u16,
    reason: &str,
    tag: Option<&str>,
) {
    if let Ok(mut response) = Response::for_request(request, status, reason) {
        let _ = response.add_to_tag(tag.unwrap_or("sy-b2bua"));
        let _ = layer.respond(key, response, Instant::now());
    }
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
