//! `bridge`: the dial string's groups are rung one after another, the
//! endpoints of a group in parallel; a gateway's challenge is answered
//! with its credentials; ringing, early media and the answer go back to
//! the A leg; the first 2xx wins and the other forks are cancelled. When
//! every endpoint failed, the best failure (RFC 3261 §16.7) ends the
//! bridge.

use super::{
    ASide, B2bua, ClientRole, DEFAULT_CALL_TIMEOUT_SECS, Dialing, Fork, reason_phrase,
    transport_of, trunk,
};
use crate::channel::cause::HangupCause;
use crate::channel::registry::ChannelHandle;
use crate::channel::{CallerProfile, Direction, NewChannel};
use crate::sip::dialstring::{self, Endpoint};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};
use switchyard_sip::auth::DigestClient;
use switchyard_sip::dialog::Dialog;
use switchyard_sip::message::{Request, Response, Uri};
use switchyard_sip::transaction::{
    ClientKey, ConnectionId, Peer, ServerKey, TransactionLayer, cancel_for,
};

/// Where one fork goes.
struct Target {
    request_uri: String,
    to: String,
    peer: Peer,
    callee: String,
    /// The tenant that owns the B leg.
    tenant: String,
    channel_name: String,
    gateway: Option<trunk::Trunk>,
}

/// Why an endpoint could not be rung: status, reason, cause.
type Failure = (u16, String, HangupCause);

fn failure(cause: HangupCause) -> Failure {
    let status = cause.sip_status();
    (status, reason_phrase(status).to_owned(), cause)
}

impl B2bua {
    /// Starts ringing the dial string `data` for the call.
    pub(super) fn bridge(&mut self, layer: &mut TransactionLayer, call_id: u64, data: &str) {
        let dial = match dialstring::parse(data) {
            Ok(dial) => dial,
            Err(e) => {
                tracing::warn!("bridge: {e}");
                let (status, reason, cause) = failure(HangupCause::InvalidUrl);
                self.bridge_failed(layer, call_id, cause, (status, reason));
                return;
            }
        };
        let Some(call) = self.calls.get_mut(&call_id) else {
            return;
        };
        let timeout_secs = dial
            .variable("call_timeout")
            .map(str::to_owned)
            .or_else(|| call.a.channel.variable("call_timeout"))
            .and_then(|value| value.trim().parse::<u64>().ok())
            .filter(|secs| *secs > 0)
            .unwrap_or(DEFAULT_CALL_TIMEOUT_SECS);
        call.dialing = Some(Dialing {
            dial,
            next_group: 0,
            group_start: call.forks.len(),
            timeout: Duration::from_secs(timeout_secs),
            failures: Vec::new(),
        });
        self.dial_next_group(layer, call_id);
    }

    /// Rings the next group that has something to ring; when none is left,
    /// the bridge has failed.
    fn dial_next_group(&mut self, layer: &mut TransactionLayer, call_id: u64) {
        loop {
            let Some(call) = self.calls.get_mut(&call_id) else {
                return;
            };
            let tenant = call.a.channel.tenant().to_owned();
            let forks_before = call.forks.len();
            let Some(dialing) = call.dialing.as_mut() else {
                return;
            };
            let Some(group) = dialing.dial.groups.get(dialing.next_group).cloned() else {
                let (cause, answer) = best_failure(&dialing.failures);
                self.bridge_failed(layer, call_id, cause, answer);
                return;
            };
            dialing.next_group += 1;
            dialing.group_start = forks_before;
            let variables = dialing.dial.variables.clone();
            let timeout = dialing.timeout;
            for endpoint in &group {
                match self.targets_of(endpoint, &tenant) {
                    Ok(targets) => {
                        for target in targets {
                            if let Err(failure) =
                                self.place_fork(layer, call_id, target, &variables)
                            {
                                self.record_failure(call_id, failure);
                            }
                        }
                    }
                    Err(failure) => self.record_failure(call_id, failure),
                }
            }
            let Some(call) = self.calls.get_mut(&call_id) else {
                return;
            };
            if call.forks.len() > forks_before {
                call.no_answer_at = Some(Instant::now() + timeout);
                return;
            }
        }
    }

    fn record_failure(&mut self, call_id: u64, failure: Failure) {
        if let Some(dialing) = self
            .calls
            .get_mut(&call_id)
            .and_then(|call| call.dialing.as_mut())
        {
            dialing.failures.push(failure);
        }
    }

    /// The forks an endpoint rings.
    fn targets_of(&self, endpoint: &Endpoint, tenant: &str) -> Result<Vec<Target>, Failure> {
        match endpoint {
            Endpoint::User { extension, domain } => {
                let domain = domain.clone().unwrap_or_else(|| tenant.to_owned());
                self.user_targets(extension, &domain)
            }
            Endpoint::Uri(uri) => self.uri_target(uri, tenant),
            Endpoint::Gateway { name, number } => self.gateway_target(name, number, tenant),
            Endpoint::Error(cause) => Err(failure(*cause)),
        }
    }

    fn user_targets(&self, extension: &str, domain: &str) -> Result<Vec<Target>, Failure> {
        let Ok(Some(user)) = crate::directory::find_user(&self.switch.store, extension, domain)
        else {
            return Err(failure(HangupCause::UnallocatedNumber));
        };
        if user.max_calls > 0 && self.user_calls(extension, domain) >= user.max_calls as usize {
            tracing::info!(
                "{extension}@{domain} is in {} call(s), its max_calls",
                user.max_calls
            );
            return Err(failure(HangupCause::UserBusy));
        }
        let bindings =
            crate::registrar::contacts_of(&self.switch.store, extension, domain, SystemTime::now())
                .map_err(|e| {
                    tracing::warn!("bridge: reading the contacts of {extension}@{domain}: {e}");
                    failure(HangupCause::NormalTemporaryFailure)
                })?;
        let mut targets = Vec::new();
        for binding in bindings {
            let contact = binding
                .contact
                .trim()
                .trim_start_matches('<')
                .trim_end_matches('>')
                .to_owned();
            let peer = if binding.transport.eq_ignore_ascii_case("tcp") {
                // The connection the user registered over; when it has
                // closed, a new one to the address in its Contact.
                let id = match self.outbound.connection_to(binding.network_addr) {
                    Some(id) => Some(id),
                    None => contact_address(&contact)
                        .and_then(|addr| self.outbound.connection_or_connect(addr)),
                };
                let Some(id) = id else {
                    tracing::info!("bridge: no way to reach {extension}@{domain} over tcp");
                    continue;
                };
                Peer::reliable(binding.network_addr, ConnectionId(id))
            } else {
                Peer::unreliable(binding.network_addr, ConnectionId(0))
            };
            targets.push(Target {
                request_uri: contact.clone(),
                to: format!("<sip:{extension}@{domain}>"),
                peer,
                callee: extension.to_owned(),
                tenant: domain.to_owned(),
                channel_name: format!("sofia/internal/{contact}"),
                gateway: None,
            });
        }
        if targets.is_empty() {
            return Err(failure(HangupCause::UserNotRegistered));
        }
        Ok(targets)
    }

    fn uri_target(&self, uri: &str, tenant: &str) -> Result<Vec<Target>, Failure> {
        let parsed = Uri::parse(uri).map_err(|_| failure(HangupCause::InvalidUrl))?;
        let sip = parsed
            .as_sip()
            .ok_or_else(|| failure(HangupCause::InvalidUrl))?;
        let host = sip.host.to_ascii_lowercase();
        if let Some(user) = sip.user
            && sip.port.is_none()
            && matches!(
                crate::directory::is_tenant(&self.switch.store, &host),
                Ok(true)
            )
        {
            // A user of a tenant here: ring it rather than loop back.
            return self.user_targets(user, &host);
        }
        if sip.secure {
            tracing::info!("bridge: {uri} needs TLS, which this switch does not offer");
            return Err(failure(HangupCause::InvalidUrl));
        }
        let addr = trunk::resolve(sip.host, sip.port).ok_or_else(|| {
            tracing::info!("bridge: cannot resolve the host of {uri}");
            failure(HangupCause::NoRouteDestination)
        })?;
        let tcp = sip
            .transport()
            .is_some_and(|t| t.eq_ignore_ascii_case("tcp"));
        let peer = self.peer_for(addr, tcp)?;
        let user = sip.user.unwrap_or_default();
        Ok(vec![Target {
            request_uri: uri.to_owned(),
            to: format!("<{uri}>"),
            peer,
            callee: user.to_owned(),
            tenant: tenant.to_owned(),
            channel_name: format!("sofia/external/{}", uri.trim_start_matches("sip:")),
            gateway: None,
        }])
    }

    fn gateway_target(
        &self,
        name: &str,
        number: &str,
        tenant: &str,
    ) -> Result<Vec<Target>, Failure> {
        let Some(gateway) = trunk::by_name(&self.switch, name) else {
            tracing::info!("bridge: no gateway '{name}'");
            return Err(failure(HangupCause::InvalidGateway));
        };
        if gateway
            .tenant
            .as_deref()
            .is_some_and(|owner| owner != tenant)
        {
            // A tenant's private trunk is not for other tenants' calls.
            tracing::warn!("bridge: gateway '{name}' belongs to another tenant than {tenant}");
            return Err(failure(HangupCause::InvalidGateway));
        }
        let Some(addr) = gateway.address else {
            tracing::info!(
                "bridge: cannot resolve gateway '{name}' ({})",
                gateway.proxy
            );
            return Err(failure(HangupCause::GatewayDown));
        };
        let peer = self.peer_for(addr, gateway.tcp)?;
        let uri = format!("sip:{number}@{}", gateway.proxy);
        Ok(vec![Target {
            request_uri: uri.clone(),
            to: format!("<{uri}>"),
            peer,
            callee: number.to_owned(),
            tenant: tenant.to_owned(),
            channel_name: format!("sofia/gateway/{}/{number}", gateway.name),
            gateway: Some(gateway),
        }])
    }

    fn peer_for(&self, addr: SocketAddr, tcp: bool) -> Result<Peer, Failure> {
        if !tcp {
            return Ok(Peer::unreliable(addr, ConnectionId(0)));
        }
        self.outbound
            .connection_or_connect(addr)
            .map(|id| Peer::reliable(addr, ConnectionId(id)))
            .ok_or_else(|| failure(HangupCause::NetworkOutOfOrder))
    }

    /// Sends the INVITE of one fork and creates its B channel.
    fn place_fork(
        &mut self,
        layer: &mut TransactionLayer,
        call_id: u64,
        target: Target,
        variables: &[(String, String)],
    ) -> Result<(), Failure> {
        let transport = transport_of(&target.peer);
        let via = self.via(transport);
        let contact = self.contact(transport);
        let from_tag = self.branches.tag();
        let sip_call_id = format!("{}@switchyard", self.branches.tag());
        let Some(call) = self.calls.get_mut(&call_id) else {
            return Ok(());
        };
        let a_channel = Arc::clone(&call.a.channel);
        let (cid_name, cid_number) = a_channel.with(|c| {
            (
                c.variable("origination_caller_id_name")
                    .unwrap_or(&c.profile().caller_id_name)
                    .to_owned(),
                c.variable("origination_caller_id_number")
                    .unwrap_or(&c.profile().caller_id_number)
                    .to_owned(),
            )
        });
        let (cid_name, cid_number) = (
            variable_in(variables, "origination_caller_id_name").unwrap_or(cid_name),
            variable_in(variables, "origination_caller_id_number").unwrap_or(cid_number),
        );
        let (offer, content_type, max_forwards) = match &call.a.side {
            ASide::Caller { invite, .. } => (
                invite.body().to_vec(),
                invite.headers().get("Content-Type").map(str::to_owned),
                invite
                    .headers()
                    .max_forwards()
                    .ok()
                    .flatten()
                    .map_or(70, |mf| mf.saturating_sub(1)),
            ),
            ASide::Originated(a) => (
                a.ok.body().to_vec(),
                a.ok.headers().get("Content-Type").map(str::to_owned),
                70,
            ),
            ASide::Originating(_) => (Vec::new(), None, 70),
        };
        if max_forwards == 0 {
            return Err((
                483,
                "Too Many Hops".into(),
                HangupCause::ExchangeRoutingError,
            ));
        }
        let a_tenant = a_channel.tenant().to_owned();
        let from = match &target.gateway {
            Some(gw) => {
                let user = if gw.caller_id_in_from || gw.username.is_empty() {
                    cid_number.clone()
                } else {
                    gw.username.clone()
                };
                format!(
                    "\"{}\" <sip:{user}@{}>;tag={from_tag}",
                    cid_name.replace('"', ""),
                    gw.from_domain
                )
            }
            None => format!(
                "\"{}\" <sip:{cid_number}@{a_tenant}>;tag={from_tag}",
                cid_name.replace('"', "")
            ),
        };
        let Ok(mut invite) = Request::new("INVITE", &target.request_uri) else {
            tracing::warn!("bridge: {} is not a usable Request-URI", target.request_uri);
            return Err(failure(HangupCause::InvalidUrl));
        };
        let headers = invite.headers_mut();
        let pushed = headers
            .push("Via", &via)
            .and_then(|()| headers.push("Max-Forwards", &max_forwards.to_string()))
            .and_then(|()| headers.push("From", &from))
            .and_then(|()| headers.push("To", &target.to))
            .and_then(|()| headers.push("Call-ID", &sip_call_id))
            .and_then(|()| headers.push("CSeq", "1 INVITE"))
            .and_then(|()| headers.push("Contact", &contact))
            .and_then(|()| headers.push("Allow", crate::sip::ALLOWED_METHODS))
            .and_then(|()| match &content_type {
                Some(ct) if !offer.is_empty() => headers.push("Content-Type", ct),
                _ => Ok(()),
            });
        if pushed.is_err() {
            tracing::warn!("bridge: cannot build the INVITE to {}", target.request_uri);
            return Err(failure(HangupCause::InvalidUrl));
        }
        invite.set_body(offer);
        let profile = CallerProfile {
            username: target.callee.clone(),
            caller_id_name: cid_name.clone(),
            caller_id_number: cid_number.clone(),
            callee_id_number: target.callee.clone(),
            destination_number: target.callee.clone(),
            context: target.tenant.clone(),
            network_addr: target.peer.addr.ip().to_string(),
            ani: cid_number,
            ..CallerProfile::default()
        };
        let mut spec = NewChannel::new(
            Direction::Outbound,
            target.tenant.clone(),
            target.channel_name.clone(),
            profile,
        );
        if !matches!(call.a.side, ASide::Originating(_)) {
            spec.originator = Some(a_channel.id().clone());
        }
        spec.gateway = target.gateway.as_ref().map(|gw| gw.name.clone());
        spec.variables = variables.to_vec();
        spec.variables.push(("sip_call_id".into(), sip_call_id));
        let channel = self
            .switch
            .channels
            .create(&self.switch.bus, &self.switch.sessions, spec)
            .map_err(|e| {
                tracing::error!("cannot create a channel: {e}");
                failure(HangupCause::NormalTemporaryFailure)
            })?;
        let key = match layer.send_request(invite.clone(), target.peer, Instant::now()) {
            Ok(key) => key,
            Err(e) => {
                tracing::warn!(
                    "bridge: cannot send the INVITE to {}: {e:?}",
                    target.request_uri
                );
                channel.hangup(&self.switch.bus, HangupCause::NormalTemporaryFailure, None);
                self.finish(&channel);
                return Err(failure(HangupCause::NormalTemporaryFailure));
            }
        };
        let auth = target
            .gateway
            .as_ref()
            .filter(|gw| !gw.username.is_empty())
            .map(|gw| DigestClient::new(&gw.username, &gw.password));
        let Some(call) = self.calls.get_mut(&call_id) else {
            return Ok(());
        };
        let index = call.forks.len();
        call.forks.push(Fork {
            invite,
            key: key.clone(),
            peer: target.peer,
            dialog: None,
            channel,
            final_status: None,
            ack: None,
            auth,
            authorized: false,
            awaiting_answer: None,
        });
        self.by_client
            .insert(key, ClientRole::Invite(call_id, index));
        Ok(())
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
        if fork.final_status.is_some() && status >= 300 {
            return;
        }
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
                let early_media = !response.body().is_empty();
                if early_media {
                    let _ = fork.channel.pre_answer(bus);
                } else {
                    let _ = fork.channel.ring(bus);
                }
                if matches!(call.a.side, ASide::Caller { .. }) && !call.a.answered {
                    if early_media {
                        let _ = call.a.channel.pre_answer(bus);
                    } else {
                        let _ = call.a.channel.ring(bus);
                    }
                    self.relay_to_a(layer, call_id, &response);
                }
            }
            200..=299 => self.on_answer(layer, call_id, index, &response),
            401 | 407 if fork.auth.is_some() && !fork.authorized => {
                if !self.authorize_fork(layer, call_id, index, &response) {
                    self.fork_failed(layer, call_id, index, &response);
                }
            }
            _ => self.fork_failed(layer, call_id, index, &response),
        }
    }

    /// A failure response of one fork: its leg ends, the bridge goes on
    /// with the other forks or the next group.
    fn fork_failed(
        &mut self,
        layer: &mut TransactionLayer,
        call_id: u64,
        index: usize,
        response: &Response,
    ) {
        let status = response.status();
        let cause = HangupCause::from_sip_status(status);
        let Some(fork) = self
            .calls
            .get_mut(&call_id)
            .and_then(|call| call.forks.get_mut(index))
        else {
            return;
        };
        fork.final_status = Some(status);
        fork.channel.hangup(&self.switch.bus, cause, Some(status));
        let channel = Arc::clone(&fork.channel);
        self.finish(&channel);
        self.record_failure(call_id, (status, response.reason().to_owned(), cause));
        self.after_fork_failed(layer, call_id);
    }

    /// Answers a gateway's 401/407 with its credentials: the INVITE again
    /// with a new branch and CSeq. False when it cannot be answered.
    fn authorize_fork(
        &mut self,
        layer: &mut TransactionLayer,
        call_id: u64,
        index: usize,
        response: &Response,
    ) -> bool {
        let (challenge_header, credentials_header) = if response.status() == 401 {
            ("WWW-Authenticate", "Authorization")
        } else {
            ("Proxy-Authenticate", "Proxy-Authorization")
        };
        let Some(peer) = self
            .calls
            .get(&call_id)
            .and_then(|call| call.forks.get(index))
            .map(|fork| fork.peer)
        else {
            return false;
        };
        let via = self.via(transport_of(&peer));
        let Some(fork) = self
            .calls
            .get_mut(&call_id)
            .and_then(|call| call.forks.get_mut(index))
        else {
            return false;
        };
        let (Some(client), Some(cnonces)) = (fork.auth.as_mut(), self.cnonces.as_mut()) else {
            return false;
        };
        if let Err(e) = client.on_challenge(response.headers().get_all(challenge_header)) {
            tracing::info!("bridge: cannot answer the gateway's challenge: {e}");
            return false;
        }
        let uri = fork.invite.uri_str().to_owned();
        let Ok(value) = client.authorize("INVITE", &uri, cnonces) else {
            return false;
        };
        let mut invite = fork.invite.clone();
        let cseq = invite.headers().cseq().map_or(1, |c| c.number) + 1;
        let headers = invite.headers_mut();
        let set = headers
            .set("Via", &via)
            .and_then(|()| headers.set("CSeq", &format!("{cseq} INVITE")))
            .and_then(|()| headers.set(credentials_header, &value));
        if set.is_err() {
            return false;
        }
        let Ok(key) = layer.send_request(invite.clone(), peer, Instant::now()) else {
            return false;
        };
        let old = std::mem::replace(&mut fork.key, key.clone());
        fork.invite = invite;
        fork.authorized = true;
        self.by_client.remove(&old);
        self.by_client
            .insert(key, ClientRole::Invite(call_id, index));
        true
    }

    /// A retransmitted 2xx: the ACK we sent for it again.
    pub fn on_retransmitted_2xx(&mut self, layer: &mut TransactionLayer, key: &ClientKey) {
        if let Some(&ClientRole::Invite(call_id, index)) = self.by_client.get(key)
            && let Some(fork) = self
                .calls
                .get(&call_id)
                .and_then(|call| call.forks.get(index))
            && let Some(ack) = &fork.ack
        {
            layer.send_stateless(ack.clone(), fork.peer);
        }
    }

    /// A client transaction of ours timed out (Timer B/F): as a 408; or
    /// could not be sent (`transport_error`): as a 503 (RFC 3261 §8.1.3.1).
    pub fn on_timeout(
        &mut self,
        layer: &mut TransactionLayer,
        key: &ClientKey,
        transport_error: bool,
    ) {
        let (status, reason, cause) = if transport_error {
            (
                503,
                "Service Unavailable",
                HangupCause::NormalTemporaryFailure,
            )
        } else {
            (408, "Request Timeout", HangupCause::RecoveryOnTimerExpire)
        };
        if matches!(self.by_client.get(key), Some(ClientRole::Relay(_))) {
            if let Some(ClientRole::Relay(relay)) = self.by_client.remove(key)
                && let Ok(timeout) = Response::for_request(&relay.sent, status, reason)
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
        fork.final_status = Some(status);
        fork.channel.hangup(&self.switch.bus, cause, Some(status));
        let channel = Arc::clone(&fork.channel);
        self.finish(&channel);
        self.record_failure(call_id, (status, reason.into(), cause));
        self.after_fork_failed(layer, call_id);
    }

    /// When every fork of the group ringing now has failed: the next group.
    fn after_fork_failed(&mut self, layer: &mut TransactionLayer, call_id: u64) {
        let Some(call) = self.calls.get(&call_id) else {
            return;
        };
        if call.winner.is_some() || call.a.finished {
            return;
        }
        let Some(dialing) = &call.dialing else {
            return;
        };
        let pending = call.forks[dialing.group_start.min(call.forks.len())..]
            .iter()
            .any(|f| f.final_status.is_none());
        if !pending {
            self.dial_next_group(layer, call_id);
        }
    }

    fn on_answer(
        &mut self,
        layer: &mut TransactionLayer,
        call_id: u64,
        index: usize,
        response: &Response,
    ) {
        let Some(call) = self.calls.get(&call_id) else {
            return;
        };
        let Some(fork) = call.forks.get(index) else {
            return;
        };
        let (peer, dialog_id, invite) = (fork.peer, fork.dialog.clone(), fork.invite.clone());
        let originating = matches!(call.a.side, ASide::Originating(_));
        let already_answered = call.winner.is_some() || fork.final_status == Some(200);
        // A caller that sent no offer answers in its ACK (RFC 3264 §4, the
        // offer is in our 2xx): the callee's ACK waits to carry it.
        let late_offer = matches!(&call.a.side, ASide::Caller { invite, .. } if invite.body().is_empty())
            && fork.invite.body().is_empty()
            && !response.body().is_empty();
        if late_offer && !already_answered {
            if let Some(fork) = self
                .calls
                .get_mut(&call_id)
                .and_then(|call| call.forks.get_mut(index))
            {
                fork.awaiting_answer = Some(response.clone());
            }
        } else if !originating || already_answered {
            // ACK now; an originated leg's ACK waits for the B leg's answer.
            let via = self.via(transport_of(&peer));
            if let Some(id) = &dialog_id
                && let Some(dialog) = self.dialogs.get(id)
                && let Ok(ack) = dialog.ack_for_2xx(&invite, response, &via)
            {
                let bytes = ack.to_bytes();
                layer.send_stateless(bytes.clone(), peer);
                if let Some(fork) = self
                    .calls
                    .get_mut(&call_id)
                    .and_then(|call| call.forks.get_mut(index))
                {
                    fork.ack = Some(bytes);
                }
            }
        }
        if already_answered {
            // Another fork answered first (or a second 2xx of a fork that
            // became the A leg): hang this dialog up.
            if let Some(id) = dialog_id {
                self.send_bye(layer, &id);
            }
            return;
        }
        if originating {
            self.originate_answered(layer, call_id, index, response);
            return;
        }
        let switch = Arc::clone(&self.switch);
        let bus = &switch.bus;
        let Some(call) = self.calls.get_mut(&call_id) else {
            return;
        };
        call.winner = Some(index);
        call.no_answer_at = None;
        call.forks[index].final_status = Some(response.status());
        let _ = call.forks[index].channel.answer(bus);
        let _ = call.a.channel.answer(bus);
        let a_id = call.a.channel.id().as_str().to_owned();
        let b_id = call.forks[index].channel.id().as_str().to_owned();
        let _ = switch.channels.bridge(bus, &a_id, &b_id);
        self.cancel_forks(layer, call_id, HangupCause::LoseRace, Some(index));
        self.relay_to_a(layer, call_id, response);
        if let Some(call) = self.calls.get_mut(&call_id) {
            call.a.answered = true;
            call.dialing = None;
        }
    }

    /// The caller's ACK brought the answer to the callee's offer: the
    /// callee's 2xx is ACKed with it.
    pub(super) fn ack_with_answer(
        &mut self,
        layer: &mut TransactionLayer,
        call_id: u64,
        caller_ack: &Request,
    ) {
        let Some(call) = self.calls.get(&call_id) else {
            return;
        };
        let Some(index) = call.winner else {
            return;
        };
        let Some(fork) = call.forks.get(index) else {
            return;
        };
        let Some(ok) = fork.awaiting_answer.clone() else {
            return;
        };
        let (peer, invite, dialog_id) = (fork.peer, fork.invite.clone(), fork.dialog.clone());
        let via = self.via(transport_of(&peer));
        let Some(dialog) = dialog_id.as_ref().and_then(|id| self.dialogs.get(id)) else {
            return;
        };
        let Ok(mut ack) = dialog.ack_for_2xx(&invite, &ok, &via) else {
            return;
        };
        if !caller_ack.body().is_empty() {
            let content_type = caller_ack
                .headers()
                .get("Content-Type")
                .unwrap_or("application/sdp");
            let _ = ack.headers_mut().push("Content-Type", content_type);
            ack.set_body(caller_ack.body().to_vec());
        }
        let bytes = ack.to_bytes();
        layer.send_stateless(bytes.clone(), peer);
        if let Some(fork) = self
            .calls
            .get_mut(&call_id)
            .and_then(|call| call.forks.get_mut(index))
        {
            fork.awaiting_answer = None;
            fork.ack = Some(bytes);
        }
    }

    /// CANCELs every fork still ringing (but `except`), hanging their legs
    /// up with `cause`.
    pub(super) fn cancel_forks(
        &mut self,
        layer: &mut TransactionLayer,
        call_id: u64,
        cause: HangupCause,
        except: Option<usize>,
    ) {
        let pending: Vec<(Request, Peer, Arc<ChannelHandle>)> = self
            .calls
            .get_mut(&call_id)
            .map(|call| {
                call.forks
                    .iter_mut()
                    .enumerate()
                    .filter(|(i, f)| Some(*i) != except && f.final_status.is_none())
                    .map(|(_, f)| {
                        f.final_status = Some(487);
                        (f.invite.clone(), f.peer, Arc::clone(&f.channel))
                    })
                    .collect()
            })
            .unwrap_or_default();
        for (invite, peer, channel) in pending {
            if let Ok(cancel) = cancel_for(&invite)
                && let Ok(key) = layer.send_request(cancel, peer, Instant::now())
            {
                self.by_client.insert(key, ClientRole::Other);
            }
            channel.hangup(&self.switch.bus, cause, Some(487));
            self.finish(&channel);
        }
    }

    /// Relays a provisional or 2xx response from a B leg to the A leg.
    fn relay_to_a(&mut self, layer: &mut TransactionLayer, call_id: u64, response: &Response) {
        let Some(call) = self.calls.get(&call_id) else {
            return;
        };
        match &call.a.side {
            ASide::Caller { invite, .. } => {
                let transport = invite
                    .headers()
                    .top_via()
                    .map(|v| v.transport.to_ascii_lowercase())
                    .unwrap_or_else(|_| "udp".into());
                let contact = self.contact(&transport);
                self.respond_to_caller(layer, call_id, response, &contact);
            }
            ASide::Originated(_) if (200..300).contains(&response.status()) => {
                let answer = response.body().to_vec();
                let content_type = response.headers().get("Content-Type").map(str::to_owned);
                self.ack_originated(layer, call_id, answer, content_type);
            }
            ASide::Originated(_) | ASide::Originating(_) => {}
        }
    }

    fn respond_to_caller(
        &mut self,
        layer: &mut TransactionLayer,
        call_id: u64,
        response: &Response,
        contact: &str,
    ) {
        let Some(call) = self.calls.get_mut(&call_id) else {
            return;
        };
        let ASide::Caller { invite, key, tag } = &call.a.side else {
            return;
        };
        let Ok(mut relay) = Response::for_request(invite, response.status(), response.reason())
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
            match Dialog::uas_from_request(invite, tag, contact) {
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
        let _ = layer.respond(key, relay, Instant::now());
    }

    /// Ends a call that was not answered: the A leg gets the failure (a
    /// final response to a caller, the end of an originated leg) and is
    /// hung up with `cause`.
    pub(super) fn fail_call(
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
        match &mut call.a.side {
            ASide::Caller { invite, key, tag } => {
                if let Ok(mut response) = Response::for_request(invite, status, &reason) {
                    let _ = response.add_to_tag(tag);
                    let _ = layer.respond(key, response, Instant::now());
                }
            }
            ASide::Originating(originating) => {
                originating.reply_failure(cause);
                // The A channel is detached: nothing to hang up.
                self.forget(call_id);
                return;
            }
            ASide::Originated(_) => {
                self.end_originated(layer, call_id);
            }
        }
        let Some(call) = self.calls.get(&call_id) else {
            return;
        };
        let channel = Arc::clone(&call.a.channel);
        channel.hangup(&self.switch.bus, cause, Some(status));
        self.finish(&channel);
        self.forget(call_id);
    }

    /// Gives up on groups that rang past their `call_timeout`: their forks
    /// are cancelled (NO_ANSWER) and the next group rings, or the bridge
    /// fails with 480.
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
            if let Some(call) = self.calls.get_mut(&call_id) {
                call.no_answer_at = None;
            }
            self.cancel_forks(layer, call_id, HangupCause::NoAnswer, None);
            self.record_failure(call_id, (480, "No Answer".into(), HangupCause::NoAnswer));
            self.dial_next_group(layer, call_id);
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

    /// Cancels every pending fork of an unanswered call and ends the A leg
    /// with `answer`.
    pub(super) fn abandon(
        &mut self,
        layer: &mut TransactionLayer,
        call_id: u64,
        cause: HangupCause,
        answer: (u16, String),
    ) {
        self.cancel_forks(layer, call_id, cause, None);
        self.fail_call(layer, call_id, cause, Some(answer));
    }
}

/// The value a `{}` prefix gives `name`.
fn variable_in(variables: &[(String, String)], name: &str) -> Option<String> {
    variables
        .iter()
        .rev()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.clone())
}

/// The address a Contact URI points at.
fn contact_address(contact: &str) -> Option<SocketAddr> {
    let uri = Uri::parse(contact).ok()?;
    let sip = uri.as_sip()?;
    trunk::resolve(sip.host, sip.port)
}

/// The failure a bridge ends with: a 6xx first, else the lowest status
/// (RFC 3261 §16.7); with nothing rung at all, 480.
fn best_failure(failures: &[(u16, String, HangupCause)]) -> (HangupCause, (u16, String)) {
    match failures
        .iter()
        .min_by_key(|(status, _, _)| if *status >= 600 { 0 } else { *status })
    {
        Some((status, reason, cause)) => (*cause, (*status, reason.clone())),
        None => (
            HangupCause::NoRouteDestination,
            (404, reason_phrase(404).to_owned()),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn six_hundreds_win_then_the_lowest_status() {
        let busy = (486, "Busy Here".to_owned(), HangupCause::UserBusy);
        let gone = (404, "Not Found".to_owned(), HangupCause::UnallocatedNumber);
        let decline = (603, "Decline".to_owned(), HangupCause::CallRejected);
        assert_eq!(
            best_failure(&[busy.clone(), gone.clone()]),
            (HangupCause::UnallocatedNumber, (404, "Not Found".into()))
        );
        assert_eq!(
            best_failure(&[busy, decline, gone]),
            (HangupCause::CallRejected, (603, "Decline".into()))
        );
        assert_eq!(best_failure(&[]).1.0, 404);
    }
}
