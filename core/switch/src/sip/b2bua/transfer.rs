//! Transfers asked from outside the dialplan's own flow: a session thread's
//! `transfer` (Lua `session:transfer`, `execute("transfer")`) and the
//! `uuid_transfer` API. What the call is doing stops first:
//!
//! - an application on the session thread is told (the channel is marked
//!   transferring, so `ready()` turns false and playback breaks) and the
//!   call is routed again when it returns;
//! - a bridged partner is sent BYE and hung up, and the A leg, whose media
//!   the switch anchors, is routed again;
//! - otherwise the call is routed again at once.

use super::B2bua;
use switchyard_sip::transaction::TransactionLayer;

impl B2bua {
    /// Routes the call of A leg `uuid` to `destination` in `context`
    /// (default: the current one).
    ///
    /// # Errors
    /// No such live A leg, or its media is not anchored while bridged.
    pub fn transfer_uuid(
        &mut self,
        layer: &mut TransactionLayer,
        uuid: &str,
        destination: &str,
        context: Option<String>,
    ) -> Result<(), String> {
        let call_id = self
            .by_uuid
            .iter()
            .find(|(id, _)| id.eq_ignore_ascii_case(uuid))
            .map(|(_, call)| *call)
            .ok_or_else(|| format!("no call has the A leg {uuid}"))?;
        let call = self
            .calls
            .get_mut(&call_id)
            .ok_or_else(|| format!("no call has the A leg {uuid}"))?;
        if call.a.finished {
            return Err(format!("{uuid} has hung up"));
        }
        if let Some(context) = &context {
            self.context_of_own_tenant(call_id, context)?;
        }
        let Some(call) = self.calls.get_mut(&call_id) else {
            return Err(format!("no call has the A leg {uuid}"));
        };
        if call.plan.in_session {
            call.plan.pending_transfer = Some((destination.to_owned(), context));
            call.a.channel.set_transferring(true);
            if let Some(media) = &call.a.media {
                media.leg.interrupt();
            }
            return Ok(());
        }
        if call.winner.is_some() {
            if !call.anchored || call.a.media.is_none() {
                return Err(format!(
                    "{uuid} is bridged with bypass_media: the switch has no media of its own to keep the caller on"
                ));
            }
            if let Some(Some(reply)) = self.release_winner(layer, call_id, true) {
                // A session's bridge ends; its thread goes on and the
                // transfer waits for its application like any other.
                let _ = reply.send(Ok(()));
                if let Some(call) = self.calls.get_mut(&call_id) {
                    call.plan.pending_transfer = Some((destination.to_owned(), context));
                    call.a.channel.set_transferring(true);
                }
                return Ok(());
            }
        }
        if self
            .calls
            .get(&call_id)
            .is_some_and(|call| call.dialing.is_some())
        {
            return Err(format!(
                "{uuid} is ringing a bridge; try again once it is answered"
            ));
        }
        self.transfer_to(layer, call_id, destination, context);
        Ok(())
    }

    /// A transfer asked while the session thread was busy, taken now that
    /// its application ended. True when there was one.
    pub(super) fn take_pending_transfer(
        &mut self,
        layer: &mut TransactionLayer,
        call_id: u64,
    ) -> bool {
        let Some(call) = self.calls.get_mut(&call_id) else {
            return false;
        };
        let Some((destination, context)) = call.plan.pending_transfer.take() else {
            return false;
        };
        call.a.channel.set_transferring(false);
        if call.a.finished {
            return true;
        }
        self.transfer_to(layer, call_id, &destination, context);
        true
    }
}
