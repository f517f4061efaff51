//! Requests inside a call: BYE ends it (on both legs), ACK is absorbed,
//! re-INVITE, INFO, UPDATE, OPTIONS, MESSAGE, NOTIFY and REFER cross to
//! the other leg and its answer comes back; and hanging calls up from the
//! API (`uuid_kill`, `hupall`).

use super::{ASide, B2bua, ClientRole, reason_phrase, transport_of};
use crate::channel::cause::HangupCause;
use crate::channel::registry::ChannelHandle;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;
use switchyard_sip::dialog::DialogId;
use switchyard_sip::message::{Method, Request, Response};
use switchyard_sip::transaction::{ConnectionId, Peer, ServerKey, TransactionLayer};

/// A request relayed across the bridge (re-INVITE, INFO, UPDATE …).
pub(super) struct Relay {
    /// The server transaction of the request as received.
    server_key: ServerKey,
    /// The request as received.
    received: Request,
    /// The request as sent on the other leg, and where.
    pub(super) sent: Request,
    to: DialogId,
    peer: Peer,
}

impl B2bua {
    /// A request inside a dialog. Returns the response to send now, or
    /// `None` (nothing, or an answer to come).
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
            Method::Ack => {
                let from_caller = self
                    .calls
                    .get(&call_id)
                    .is_some_and(|call| call.a.dialog.as_ref() == Some(&dialog_id));
                let anchored = self.calls.get(&call_id).is_some_and(|call| call.anchored);
                if anchored {
                    self.answer_in_ack(call_id, &dialog_id, request);
                } else if from_caller {
                    self.ack_with_answer(layer, call_id, request);
                }
                None
            }
            Method::Bye => {
                self.hang_up_from(layer, call_id, &dialog_id);
                Some((200, "OK".into()))
            }
            Method::Invite | Method::Info | Method::Update
                if self.calls.get(&call_id).is_some_and(|call| call.anchored) =>
            {
                let key = key?.clone();
                self.answer_locally(layer, call_id, &dialog_id, request, &key)
            }
            Method::Options
                if self
                    .calls
                    .get(&call_id)
                    .is_some_and(|call| call.anchored && call.winner.is_none()) =>
            {
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
            let Some(fork) = winner else {
                // Nothing answered on the other side yet.
                return Some((491, "Request Pending".into()));
            };
            (fork.dialog.clone()?, fork.peer)
        } else {
            let to = call.a.dialog.clone()?;
            let peer = self.peer_for_a(call_id)?;
            (to, peer)
        };
        let via = self.via(transport_of(&peer));
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
    pub(super) fn relay_back(
        &mut self,
        layer: &mut TransactionLayer,
        relay: Relay,
        response: &Response,
    ) {
        if let Some(dialog) = self.dialogs.get_mut(&relay.to) {
            let _ = dialog.on_response(response);
        }
        let is_invite = matches!(relay.sent.method(), Method::Invite);
        if is_invite && (200..300).contains(&response.status()) {
            let via = self.via(transport_of(&relay.peer));
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
            let a_leg = !matches!(call.a.side, ASide::Originating(_))
                && call.a.channel.id().as_str().eq_ignore_ascii_case(uuid);
            let matches = a_leg
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

    /// Ends a call from the API.
    pub(super) fn end_call(
        &mut self,
        layer: &mut TransactionLayer,
        call_id: u64,
        cause: HangupCause,
    ) {
        let Some(call) = self.calls.get(&call_id) else {
            return;
        };
        if call.winner.is_none() && !call.a.answered {
            let status = cause.sip_status();
            self.abandon(
                layer,
                call_id,
                cause,
                (status, reason_phrase(status).to_owned()),
            );
            return;
        }
        self.hang_up_bridged(layer, call_id, None, cause);
    }

    /// One side of a call sent BYE. Bridged: BYE the other side and end
    /// both legs. Not yet bridged (the A leg gave up while B rings): cancel
    /// the forks and end the A leg.
    fn hang_up_from(&mut self, layer: &mut TransactionLayer, call_id: u64, from: &DialogId) {
        let Some(call) = self.calls.get_mut(&call_id) else {
            return;
        };
        if call.winner.is_none() && !call.a.answered {
            if call.a.dialog.as_ref() == Some(from) {
                // The A leg's dialog is over: nothing more to send on it.
                if let ASide::Originated(originated) = &mut call.a.side {
                    originated.hung_up = true;
                }
                self.abandon(
                    layer,
                    call_id,
                    HangupCause::NormalClearing,
                    (487, "Request Terminated".into()),
                );
            }
            return;
        }
        let from_b = call.a.dialog.as_ref() != Some(from);
        if from_b && call.bridge_reply.is_some() {
            self.end_session_bridge(layer, call_id);
            return;
        }
        // FreeSWITCH goes on with the caller's dialplan after the callee
        // hangs up unless `hangup_after_bridge` is true; the switch can when
        // it anchors the caller's media (with bypass_media the caller's RTP
        // went to the callee).
        let continues = from_b
            && call.a.media.is_some()
            && matches!(call.a.side, ASide::Caller { .. })
            && !call
                .a
                .channel
                .variable("hangup_after_bridge")
                .is_some_and(|v| crate::dialplan::is_true(&v));
        if continues {
            self.release_winner(layer, call_id, false);
            self.run_actions(layer, call_id);
            return;
        }
        self.hang_up_bridged(layer, call_id, Some(from), HangupCause::NormalClearing);
    }

    /// Ends a bridged call: BYE to every leg but `from` (the one that sent
    /// BYE), both channels hung up with `cause`.
    fn hang_up_bridged(
        &mut self,
        layer: &mut TransactionLayer,
        call_id: u64,
        from: Option<&DialogId>,
        cause: HangupCause,
    ) {
        self.end_partner(layer, call_id);
        let Some(call) = self.calls.get(&call_id) else {
            return;
        };
        let a_dialog = call.a.dialog.clone();
        let winner = call.winner.and_then(|i| call.forks.get(i));
        let b_dialog = winner.and_then(|f| f.dialog.clone());
        let channels: Vec<Arc<ChannelHandle>> = std::iter::once(Arc::clone(&call.a.channel))
            .chain(winner.map(|f| Arc::clone(&f.channel)))
            .collect();
        for dialog in [a_dialog, b_dialog].into_iter().flatten() {
            if Some(&dialog) != from {
                self.send_bye(layer, &dialog);
            }
        }
        for channel in channels {
            channel.hangup(&self.switch.bus, cause, None);
            self.finish(&channel);
        }
        if let Some(call) = self.calls.get_mut(&call_id) {
            call.a.finished = true;
            if let Some(reply) = call.bridge_reply.take() {
                let _ = reply.send(Ok(()));
            }
        }
        self.forget(call_id);
    }

    /// Sends BYE on a dialog of ours.
    pub(super) fn send_bye(&mut self, layer: &mut TransactionLayer, dialog_id: &DialogId) {
        let fork_peer = self
            .calls
            .values()
            .flat_map(|c| c.forks.iter())
            .find(|f| f.dialog.as_ref() == Some(dialog_id))
            .map(|f| f.peer);
        let peer = match fork_peer {
            Some(peer) => peer,
            None => {
                let call_id = self.by_dialog.get(dialog_id).copied();
                match call_id.and_then(|id| self.peer_for_a(id)) {
                    Some(peer) => peer,
                    None => return,
                }
            }
        };
        let via = self.via(transport_of(&peer));
        let Some(dialog) = self.dialogs.get_mut(dialog_id) else {
            return;
        };
        let Ok(bye) = dialog.new_request(Method::Bye, &via) else {
            return;
        };
        if let Ok(key) = layer.send_request(bye, peer, Instant::now()) {
            self.by_client.insert(key, ClientRole::Other);
        }
    }

    /// Where requests to the A leg go: the address a caller's INVITE came
    /// from, or the peer an originated leg was placed to.
    pub(super) fn peer_for_a(&self, call_id: u64) -> Option<Peer> {
        let call = self.calls.get(&call_id)?;
        let invite = match &call.a.side {
            ASide::Caller { invite, .. } => invite,
            ASide::Originated(originated) => return Some(originated.peer),
            ASide::Originating(_) => return None,
        };
        let via = invite.headers().top_via().ok()?;
        let ip = via.received()?.parse().ok()?;
        let port = via.rport().flatten().or(via.port).unwrap_or(5060);
        let source = SocketAddr::new(ip, port);
        if via.transport.eq_ignore_ascii_case("tcp") {
            self.outbound
                .connection_to(source)
                .map(|id| Peer::reliable(source, ConnectionId(id)))
        } else {
            Some(Peer::unreliable(source, ConnectionId(0)))
        }
    }
}
