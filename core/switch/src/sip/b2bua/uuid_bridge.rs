//! `uuid_bridge <uuid> <other-uuid>`: joins two calls' A legs whose media
//! the switch anchors (two callers parked, an originated agent and a
//! caller in a queue). What runs on either leg stops first (its session
//! thread is told, as for a transfer); once both are idle their media are
//! relayed to each other and `CHANNEL_BRIDGE` fires. When either hangs up,
//! the other is hung up too.

use super::B2bua;
use crate::channel::cause::HangupCause;
use switchyard_sip::transaction::TransactionLayer;

impl B2bua {
    /// The call whose A leg is `uuid` (any spelling).
    fn call_of_a_leg(&self, uuid: &str) -> Option<u64> {
        self.by_uuid
            .iter()
            .find(|(id, _)| id.eq_ignore_ascii_case(uuid))
            .map(|(_, call)| *call)
    }

    /// Bridges the A legs `a` and `b`.
    ///
    /// # Errors
    /// Either leg is unknown, not up, not anchored, or already bridged.
    ///
    /// With `now`, the legs are joined at once, whatever runs on them (a
    /// script that asked for the bridge and waits for it to end).
    pub fn uuid_bridge(
        &mut self,
        layer: &mut TransactionLayer,
        a: &str,
        b: &str,
        now: bool,
    ) -> Result<(), String> {
        let x = self
            .call_of_a_leg(a)
            .ok_or_else(|| format!("no call has the A leg {a}"))?;
        let y = self
            .call_of_a_leg(b)
            .ok_or_else(|| format!("no call has the A leg {b}"))?;
        if x == y {
            return Err("a leg cannot be bridged to itself".into());
        }
        for (id, uuid) in [(x, a), (y, b)] {
            let call = self
                .calls
                .get(&id)
                .ok_or_else(|| format!("{uuid} is gone"))?;
            if call.a.finished {
                return Err(format!("{uuid} has hung up"));
            }
            if !call.a.answered || call.a.media.is_none() {
                return Err(format!(
                    "{uuid} has no media of the switch's own (not answered, or bypass_media)"
                ));
            }
            if call.winner.is_some() || call.dialing.is_some() || call.partner.is_some() {
                return Err(format!("{uuid} is bridged or ringing a bridge already"));
            }
            if call.plan.pending_bridge.is_some() || call.plan.pending_transfer.is_some() {
                return Err(format!("{uuid} is being transferred or bridged already"));
            }
        }
        for (id, other) in [(x, y), (y, x)] {
            if let Some(call) = self.calls.get_mut(&id) {
                call.plan.pending_bridge = Some(other);
                if call.plan.in_session && !now {
                    call.a.channel.set_transferring(true);
                    if let Some(media) = &call.a.media {
                        media.leg.interrupt();
                    }
                }
            }
        }
        if now {
            self.join(x, y);
        } else {
            self.join_if_idle(layer, x);
        }
        Ok(())
    }

    /// Joins `call_id` with the call it waits to be bridged to, once
    /// neither runs a session application. True when `call_id` waits for
    /// a bridge (done now or later).
    pub(super) fn join_if_idle(&mut self, layer: &mut TransactionLayer, call_id: u64) -> bool {
        let Some(other) = self.calls.get(&call_id).and_then(|c| c.plan.pending_bridge) else {
            return false;
        };
        let busy = |b: &B2bua, id: u64| b.calls.get(&id).is_none_or(|c| c.plan.in_session);
        if busy(self, call_id) || busy(self, other) {
            return true;
        }
        let still_paired = self
            .calls
            .get(&other)
            .is_some_and(|c| c.plan.pending_bridge == Some(call_id) && !c.a.finished);
        if !still_paired {
            // The other side went away meanwhile: this leg's plan is over.
            if let Some(call) = self.calls.get_mut(&call_id) {
                call.plan.pending_bridge = None;
                call.a.channel.set_transferring(false);
            }
            self.end_call(layer, call_id, HangupCause::NormalClearing);
            return true;
        }
        self.join(call_id, other);
        true
    }

    /// Relays the two calls' A-leg media to each other and records them as
    /// partners.
    fn join(&mut self, call_id: u64, other: u64) {
        let mut uuids = Vec::new();
        for (id, partner) in [(call_id, other), (other, call_id)] {
            if let Some(call) = self.calls.get_mut(&id) {
                call.plan.pending_bridge = None;
                call.partner = Some(partner);
                call.a.channel.set_transferring(false);
                uuids.push(call.a.channel.id().as_str().to_owned());
            }
        }
        let legs: Vec<_> = [call_id, other]
            .iter()
            .filter_map(|id| self.calls.get(id))
            .filter_map(|c| c.a.media.as_ref().map(|m| std::sync::Arc::clone(&m.leg)))
            .collect();
        if let [x, y] = legs.as_slice() {
            x.bridge(y);
        }
        if let [x, y] = uuids.as_slice() {
            let _ = self.switch.channels.bridge(&self.switch.bus, x, y);
            tracing::info!("uuid_bridge: {x} and {y} bridged");
        }
    }

    /// `call_id` is ending: the call it was joined to by `uuid_bridge`
    /// (if any) is unbridged and hung up too.
    pub(super) fn end_partner(&mut self, layer: &mut TransactionLayer, call_id: u64) {
        let Some(partner) = self.calls.get_mut(&call_id).and_then(|c| c.partner.take()) else {
            return;
        };
        for id in [call_id, partner] {
            if let Some(call) = self.calls.get(&id) {
                if let Some(media) = &call.a.media {
                    media.leg.unbridge();
                }
                let uuid = call.a.channel.id().as_str().to_owned();
                let _ = self.switch.channels.unbridge(&self.switch.bus, &uuid);
            }
        }
        if let Some(call) = self.calls.get_mut(&partner) {
            call.partner = None;
        }
        self.end_call(layer, partner, HangupCause::NormalClearing);
    }
}
