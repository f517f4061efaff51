//! How a bridge ends: the answer (the winning fork ACKed, the others
//! cancelled, the A leg answered or, for an originate, ACKed), or the
//! caller's failure, a group ringing past its `call_timeout`, and CANCEL.

use super::{ASide, B2bua, ClientRole, reason_phrase, transport_of};
use crate::channel::cause::HangupCause;
use crate::channel::registry::ChannelHandle;
use std::sync::Arc;
use std::time::Instant;
use switchyard_sip::dialog::Dialog;
use switchyard_sip::message::{Request, Response};
use switchyard_sip::transaction::{Peer, ServerKey, TransactionLayer, cancel_for};

impl B2bua {
    pub(super) fn on_answer(
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
        let anchored = call.anchored;
        let late_offer = !anchored
            && matches!(&call.a.side, ASide::Caller { invite, .. } if invite.body().is_empty())
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
        } else if !originating || already_answered || anchored {
            // ACK now; an originated leg's ACK waits for the B leg's answer
            // unless the switch anchors its media.
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
            if anchored && !self.fork_answered_sdp(call_id, index, response) {
                tracing::warn!("the originated leg's answer is unusable: no media will flow");
            }
            self.originate_answered(layer, call_id, index, response);
            return;
        }
        if anchored && !self.fork_answered_sdp(call_id, index, response) {
            tracing::warn!("the callee's answer is unusable: no media will flow");
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
        // A caller the switch already answered (a session application ran
        // before the bridge) gets nothing more; an originated leg still
        // waits for its ACK.
        let already_up = call.a.answered && matches!(call.a.side, ASide::Caller { .. });
        self.cancel_forks(layer, call_id, HangupCause::LoseRace, Some(index));
        if !already_up {
            self.relay_to_a(layer, call_id, response);
        }
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
    pub(super) fn relay_to_a(
        &mut self,
        layer: &mut TransactionLayer,
        call_id: u64,
        response: &Response,
    ) {
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
        let ASide::Caller { invite, .. } = &call.a.side else {
            return;
        };
        let Ok(mut relay) = Response::for_request(invite, response.status(), response.reason())
        else {
            return;
        };
        match call.a.media.as_ref().map(|m| m.local_sdp.clone()) {
            // Anchored: the caller gets our description, in the 2xx and in
            // any 18x that brings early media.
            Some(body) if response.status() >= 200 || !response.body().is_empty() => {
                let _ = relay.headers_mut().push("Content-Type", "application/sdp");
                relay.set_body(body);
            }
            Some(_) => {}
            None if !response.body().is_empty() => {
                if let Some(ct) = response.headers().get("Content-Type") {
                    let _ = relay.headers_mut().push("Content-Type", ct);
                }
                relay.set_body(response.body().to_vec());
            }
            None => {}
        }
        self.deliver_to_caller(layer, call_id, relay, contact);
    }

    /// Sends a response to the caller's INVITE, making the dialog with the
    /// caller on the first one that has a To tag.
    pub(super) fn deliver_to_caller(
        &mut self,
        layer: &mut TransactionLayer,
        call_id: u64,
        mut relay: Response,
        contact: &str,
    ) {
        let Some(call) = self.calls.get_mut(&call_id) else {
            return;
        };
        let ASide::Caller { invite, key, tag } = &call.a.side else {
            return;
        };
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

    /// Ends a call: the A leg gets the failure (a final response to a
    /// caller, the end of an originated leg) and is hung up with `cause`;
    /// a caller the switch already answered gets BYE instead.
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
        if call.a.answered && matches!(call.a.side, ASide::Caller { .. }) {
            // The INVITE has its 200 already: the call ends with BYE.
            self.end_call(layer, call_id, cause);
            return;
        }
        self.end_partner(layer, call_id);
        let Some(call) = self.calls.get_mut(&call_id) else {
            return;
        };
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
