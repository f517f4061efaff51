//! `bridge`: the dial string's groups are rung one after another, the
//! endpoints of a group in parallel ([`super::targets`] says where each
//! rings); a gateway's challenge is answered with its credentials; the
//! responses of each fork are followed, and when every fork of a group
//! failed the next group rings. When every endpoint failed, the best
//! failure (RFC 3261 §16.7) ends the bridge; an answer ends it as
//! [`super::outcome`] describes.

use super::targets::{Failure, Target, failure};
use super::{
    ASide, B2bua, ClientRole, DEFAULT_CALL_TIMEOUT_SECS, Dialing, Fork, reason_phrase, transport_of,
};
use crate::channel::cause::HangupCause;
use crate::channel::{CallerProfile, Direction, NewChannel};
use crate::sip::dialstring;
use std::sync::Arc;
use std::time::{Duration, Instant};
use switchyard_sip::auth::DigestClient;
use switchyard_sip::message::{Request, Response};
use switchyard_sip::transaction::{ClientKey, TransactionLayer};

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
        if !self.decide_anchoring(call_id) {
            let (status, reason, cause) = failure(HangupCause::IncompatibleDestination);
            self.bridge_failed(layer, call_id, cause, (status, reason));
            return;
        }
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
    pub(super) fn dial_next_group(&mut self, layer: &mut TransactionLayer, call_id: u64) {
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

    pub(super) fn record_failure(&mut self, call_id: u64, failure: Failure) {
        if let Some(dialing) = self
            .calls
            .get_mut(&call_id)
            .and_then(|call| call.dialing.as_mut())
        {
            dialing.failures.push(failure);
        }
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
        let anchored = call.anchored;
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
                Some(ct) if !offer.is_empty() && !anchored => headers.push("Content-Type", ct),
                _ => Ok(()),
            });
        if pushed.is_err() {
            tracing::warn!("bridge: cannot build the INVITE to {}", target.request_uri);
            return Err(failure(HangupCause::InvalidUrl));
        }
        if !anchored {
            invite.set_body(offer);
        }
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
        // What the A leg exported first; the callee's directory settings
        // and the dial string's own variables override it.
        spec.variables = crate::session::dialplan_apps::exported_variables(&a_channel);
        spec.variables.extend(target.variables.iter().cloned());
        spec.variables.extend(variables.iter().cloned());
        spec.variables.push(("sip_call_id".into(), sip_call_id));
        let channel = self
            .switch
            .channels
            .create(&self.switch.bus, &self.switch.sessions, spec)
            .map_err(|e| {
                tracing::error!("cannot create a channel: {e}");
                failure(HangupCause::NormalTemporaryFailure)
            })?;
        let media = if anchored {
            match self.offer_for_fork(call_id, &channel) {
                Ok(media) => {
                    let _ = invite.headers_mut().push("Content-Type", "application/sdp");
                    invite.set_body(media.local_sdp.clone());
                    Some(media)
                }
                Err(cause) => {
                    channel.hangup(&self.switch.bus, cause, None);
                    self.finish(&channel);
                    return Err(failure(cause));
                }
            }
        } else {
            None
        };
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
            media,
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
        if matches!(self.by_client.get(&key), Some(ClientRole::Reinvite(_))) {
            if response.status() >= 200
                && let Some(ClientRole::Reinvite(reinvite)) = self.by_client.remove(&key)
            {
                self.on_reinvite_response(layer, *reinvite, &response);
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
                if early_media && !self.fork_answered_sdp(call_id, index, &response) {
                    return;
                }
                let Some(call) = self.calls.get_mut(&call_id) else {
                    return;
                };
                let Some(fork) = call.forks.get_mut(index) else {
                    return;
                };
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
}

/// The value a `{}` prefix gives `name`.
fn variable_in(variables: &[(String, String)], name: &str) -> Option<String> {
    variables
        .iter()
        .rev()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.clone())
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
