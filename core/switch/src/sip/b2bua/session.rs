//! The A leg's session thread and the SIP side of what it asks: ringing,
//! early media and answer by the switch itself, and going on with the
//! dialplan (or hanging up) after each application it ran.

use super::{ASide, B2bua};
use crate::channel::cause::HangupCause;
use crate::session::{AnswerStage, AppOutcome, SessionLink};
use std::sync::Arc;
use switchyard_sip::message::Response;
use switchyard_sip::transaction::TransactionLayer;

impl B2bua {
    /// Hands `application` to the call's session thread (started on first
    /// use). False when no thread could run it.
    pub(super) fn run_in_session(&mut self, call_id: u64, application: &str, data: &str) -> bool {
        let Some(call) = self.calls.get_mut(&call_id) else {
            return false;
        };
        if call.session.is_none() {
            match SessionLink::spawn(&self.switch, &call.a.channel) {
                Ok(link) => call.session = Some(link),
                Err(e) => {
                    tracing::error!("cannot start a session thread: {e}");
                    return false;
                }
            }
        }
        let handed = call
            .session
            .as_ref()
            .is_some_and(|link| link.run(application, data));
        call.plan.in_session = handed;
        handed
    }

    /// A session thread asks for 180, 183 or 200 on its caller's INVITE.
    pub fn answer_for_session(
        &mut self,
        layer: &mut TransactionLayer,
        uuid: &str,
        stage: AnswerStage,
    ) -> bool {
        let Some(&call_id) = self.by_uuid.get(uuid) else {
            return false;
        };
        let Some(call) = self.calls.get(&call_id) else {
            return false;
        };
        if call.a.finished {
            return false;
        }
        if call.a.answered
            && (call.a.media.is_some() || matches!(call.a.side, ASide::Caller { .. }))
        {
            // Up already (an anchored originated leg answered its INVITE).
            return true;
        }
        if !matches!(call.a.side, ASide::Caller { .. }) {
            return false;
        }
        if stage != AnswerStage::RingReady {
            if call.a.media.is_none() && super::media::bypass_requested(&call.a.channel) {
                tracing::warn!("{uuid}: bypass_media is set; the switch cannot answer with media");
                return false;
            }
            if let Err(cause) = self.anchor_a(call_id) {
                tracing::info!("{uuid}: cannot answer: {cause}");
                return false;
            }
        }
        let Some(call) = self.calls.get(&call_id) else {
            return false;
        };
        let ASide::Caller { invite, .. } = &call.a.side else {
            return false;
        };
        let (status, reason) = match stage {
            AnswerStage::RingReady => (180, "Ringing"),
            AnswerStage::PreAnswer => (183, "Session Progress"),
            AnswerStage::Answer => (200, "OK"),
        };
        let Ok(mut response) = Response::for_request(invite, status, reason) else {
            return false;
        };
        let transport = invite
            .headers()
            .top_via()
            .map(|v| v.transport.to_ascii_lowercase())
            .unwrap_or_else(|_| "udp".into());
        if stage != AnswerStage::RingReady
            && let Some(body) = self.a_body(call_id)
        {
            let _ = response
                .headers_mut()
                .push("Content-Type", "application/sdp");
            response.set_body(body);
        }
        let contact = self.contact(&transport);
        let channel = Arc::clone(&call.a.channel);
        self.deliver_to_caller(layer, call_id, response, &contact);
        let bus = &self.switch.bus;
        match stage {
            AnswerStage::RingReady => {
                let _ = channel.ring(bus);
            }
            AnswerStage::PreAnswer => {
                let _ = channel.pre_answer(bus);
            }
            AnswerStage::Answer => {
                let _ = channel.answer(bus);
                if let Some(call) = self.calls.get_mut(&call_id) {
                    call.a.answered = true;
                }
            }
        }
        true
    }

    /// The session thread finished an application: the dialplan goes on,
    /// or the call ends.
    pub fn on_app_done(&mut self, layer: &mut TransactionLayer, uuid: &str, outcome: AppOutcome) {
        let Some(&call_id) = self.by_uuid.get(uuid) else {
            return;
        };
        if let Some(call) = self.calls.get_mut(&call_id) {
            call.plan.in_session = false;
        }
        if self.take_pending_transfer(layer, call_id) || self.join_if_idle(layer, call_id) {
            return;
        }
        match outcome {
            AppOutcome::Continue => self.run_actions(layer, call_id),
            AppOutcome::Hangup(cause) => self.end_call(layer, call_id, cause),
        }
    }

    /// The dialplan ran out: an answered call is hung up (BYE), an
    /// unanswered one refused with 480, as FreeSWITCH does.
    pub(super) fn plan_finished(&mut self, layer: &mut TransactionLayer, call_id: u64) {
        let answered = self.calls.get(&call_id).is_some_and(|call| call.a.answered);
        if answered {
            self.end_call(layer, call_id, HangupCause::NormalClearing);
        } else {
            self.fail_call(
                layer,
                call_id,
                HangupCause::NormalClearing,
                Some((480, "Temporarily Unavailable".into())),
            );
        }
    }

    /// A session thread bridges its call; `reply` learns how it ended.
    pub fn bridge_for_session(
        &mut self,
        layer: &mut TransactionLayer,
        uuid: &str,
        dial_string: &str,
        reply: crossbeam_channel::Sender<Result<(), HangupCause>>,
    ) {
        let Some(&call_id) = self.by_uuid.get(uuid) else {
            let _ = reply.send(Err(HangupCause::NormalClearing));
            return;
        };
        let Some(call) = self.calls.get_mut(&call_id) else {
            let _ = reply.send(Err(HangupCause::NormalClearing));
            return;
        };
        if call.a.finished || call.dialing.is_some() {
            let _ = reply.send(Err(HangupCause::NormalTemporaryFailure));
            return;
        }
        call.winner = None;
        call.bridge_reply = Some(reply);
        self.bridge(layer, call_id, dial_string);
    }

    /// The B leg of a session's bridge hung up (BYE from it): it ends, the
    /// A leg stays up and its session thread goes on.
    pub(super) fn end_session_bridge(&mut self, layer: &mut TransactionLayer, call_id: u64) {
        if let Some(Some(reply)) = self.release_winner(layer, call_id, false) {
            let _ = reply.send(Ok(()));
        }
    }

    /// Ends the bridged B leg of an anchored call and keeps the A leg:
    /// media and channels unbridged, the B leg hung up (sent BYE when
    /// `send_bye`) and finished. Returns the session's bridge reply, if a
    /// session asked for the bridge; `None` when nothing was bridged.
    pub(super) fn release_winner(
        &mut self,
        layer: &mut TransactionLayer,
        call_id: u64,
        send_bye: bool,
    ) -> Option<Option<BridgeReply>> {
        let call = self.calls.get_mut(&call_id)?;
        let index = call.winner.take()?;
        let reply = call.bridge_reply.take();
        let fork = call.forks.get(index)?;
        let channel = Arc::clone(&fork.channel);
        let dialog = fork.dialog.clone();
        if let Some(a) = &call.a.media {
            a.leg.unbridge();
        }
        let a_id = call.a.channel.id().as_str().to_owned();
        let _ = self.switch.channels.unbridge(&self.switch.bus, &a_id);
        if send_bye && let Some(id) = &dialog {
            self.send_bye(layer, id);
        }
        channel.hangup(&self.switch.bus, HangupCause::NormalClearing, None);
        self.finish(&channel);
        if let Some(id) = dialog {
            self.by_dialog.remove(&id);
            self.dialogs.remove(&id);
        }
        Some(reply)
    }
}

/// Where a session's bridge learns how it ended.
pub(super) type BridgeReply = crossbeam_channel::Sender<Result<(), HangupCause>>;
