//! `uuid_hold`: the switch holds a leg's far end with its own re-INVITE
//! (`a=sendonly`; RFC 3264 §8.4), plays the held channel's `hold_music`
//! to the leg bridged to it from a shared stream, and resumes with
//! `a=sendrecv`. `CHANNEL_HOLD` and `CHANNEL_UNHOLD` report it.

use super::media::{codecs_for, local_media};
use super::{B2bua, ClientRole, transport_of};
use crate::channel::events;
use crate::media::MediaLeg;
use crate::sip::HoldAction;
use std::sync::Arc;
use std::time::Instant;
use switchyard_media::sdp::Direction;
use switchyard_sip::dialog::DialogId;
use switchyard_sip::message::{Method, Response};
use switchyard_sip::transaction::{Peer, TransactionLayer};

/// A re-INVITE of ours waiting for its answer.
pub(super) struct Reinvite {
    call_id: u64,
    dialog: DialogId,
    sent: switchyard_sip::message::Request,
    peer: Peer,
    uuid: String,
    hold: bool,
}

/// The channel variable that remembers a hold the switch placed.
const HELD: &str = "switchyard_held";

impl B2bua {
    /// Holds or resumes the far end of channel `uuid`.
    pub fn hold(
        &mut self,
        layer: &mut TransactionLayer,
        uuid: &str,
        action: HoldAction,
    ) -> Result<(), String> {
        let &call_id = self
            .by_uuid
            .get(uuid)
            .or_else(|| {
                self.calls.iter().find_map(|(id, call)| {
                    call.forks
                        .iter()
                        .any(|f| f.channel.id().as_str() == uuid)
                        .then_some(id)
                })
            })
            .ok_or("No such channel!")?;
        let call = self.calls.get_mut(&call_id).ok_or("No such channel!")?;
        let is_a = call.a.channel.id().as_str() == uuid;
        let (channel, dialog, peer, media) = if is_a {
            let peer = match &call.a.side {
                super::ASide::Caller { .. } | super::ASide::Originated(_) => None,
                super::ASide::Originating(_) => return Err("the call is not up".into()),
            };
            (
                Arc::clone(&call.a.channel),
                call.a.dialog.clone(),
                peer,
                call.a.media.as_mut(),
            )
        } else {
            let fork = call
                .forks
                .iter_mut()
                .find(|f| f.channel.id().as_str() == uuid)
                .ok_or("No such channel!")?;
            (
                Arc::clone(&fork.channel),
                fork.dialog.clone(),
                Some(fork.peer),
                fork.media.as_mut(),
            )
        };
        let media = media.ok_or("the channel's media is not anchored (bypass_media)")?;
        let dialog = dialog.ok_or("the call is not answered")?;
        let held = channel.variable(HELD).is_some_and(|v| v == "true");
        let hold = match action {
            HoldAction::Hold => true,
            HoldAction::Unhold => false,
            HoldAction::Toggle => !held,
        };
        let mut codecs = codecs_for(&channel);
        if let Some(current) = media.leg.negotiated()
            && let Some(at) = codecs.iter().position(|s| s.codec == current.codec)
        {
            let spec = codecs.remove(at);
            codecs.insert(0, spec);
        }
        let mut local = local_media(&media.leg, codecs);
        local.direction = if hold {
            Direction::SendOnly
        } else {
            Direction::SendRecv
        };
        let offer = media
            .sdp
            .create_offer(&local)
            .map_err(|e| format!("cannot make the offer: {e}"))?;
        let peer = match peer {
            Some(peer) => peer,
            None => self
                .peer_for_a(call_id)
                .ok_or("the caller cannot be reached")?,
        };
        let via = self.via(transport_of(&peer));
        let contact = self.contact(transport_of(&peer));
        let dialog_state = self
            .dialogs
            .get_mut(&dialog)
            .ok_or("the call is not answered")?;
        let mut request = dialog_state
            .new_request(Method::Invite, &via)
            .map_err(|e| format!("cannot re-INVITE now: {e:?}"))?;
        let headers = request.headers_mut();
        let _ = headers.push("Contact", &contact);
        let _ = headers.push("Content-Type", "application/sdp");
        request.set_body(offer.to_string().into_bytes());
        let key = layer
            .send_request(request.clone(), peer, Instant::now())
            .map_err(|e| format!("cannot send the re-INVITE: {e:?}"))?;
        self.by_client.insert(
            key,
            ClientRole::Reinvite(Box::new(Reinvite {
                call_id,
                dialog,
                sent: request,
                peer,
                uuid: uuid.to_owned(),
                hold,
            })),
        );
        Ok(())
    }

    /// The far end answered our re-INVITE.
    pub(super) fn on_reinvite_response(
        &mut self,
        layer: &mut TransactionLayer,
        reinvite: Reinvite,
        response: &Response,
    ) {
        if let Some(dialog) = self.dialogs.get_mut(&reinvite.dialog) {
            let _ = dialog.on_response(response);
        }
        if !(200..300).contains(&response.status()) {
            tracing::info!(
                "{}: the far end refused the {} with {}",
                reinvite.uuid,
                if reinvite.hold { "hold" } else { "resume" },
                response.status()
            );
            return;
        }
        let via = self.via(transport_of(&reinvite.peer));
        if let Some(dialog) = self.dialogs.get(&reinvite.dialog)
            && let Ok(ack) = dialog.ack_for_2xx(&reinvite.sent, response, &via)
        {
            layer.send_stateless(ack.to_bytes(), reinvite.peer);
        }
        let Some(call) = self.calls.get_mut(&reinvite.call_id) else {
            return;
        };
        let is_a = call.a.channel.id().as_str() == reinvite.uuid;
        let winner = call.winner;
        let (channel, media, partner): (_, _, Option<Arc<MediaLeg>>) = if is_a {
            let partner = winner
                .and_then(|i| call.forks.get(i))
                .and_then(|f| f.media.as_ref())
                .map(|m| Arc::clone(&m.leg));
            (Arc::clone(&call.a.channel), call.a.media.as_mut(), partner)
        } else {
            let partner = call.a.media.as_ref().map(|m| Arc::clone(&m.leg));
            let Some(fork) = call
                .forks
                .iter_mut()
                .find(|f| f.channel.id().as_str() == reinvite.uuid)
            else {
                return;
            };
            (Arc::clone(&fork.channel), fork.media.as_mut(), partner)
        };
        let Some(media) = media else {
            return;
        };
        let answer = match switchyard_media::sdp::SessionDescription::parse(response.body()) {
            Ok(answer) => answer,
            Err(e) => {
                tracing::info!("{}: unusable answer to our re-INVITE: {e}", reinvite.uuid);
                return;
            }
        };
        match media.sdp.receive_answer(&answer) {
            Ok(negotiated) => media.leg.configure(negotiated),
            Err(e) => {
                tracing::info!("{}: answer to our re-INVITE refused: {e}", reinvite.uuid);
                return;
            }
        }
        channel.set_variable(HELD, if reinvite.hold { "true" } else { "false" });
        if let Some(partner) = partner {
            if reinvite.hold {
                self.play_hold_music(&channel, &partner);
            } else {
                partner.clear_overlay();
            }
        }
        let name = if reinvite.hold {
            "CHANNEL_HOLD"
        } else {
            "CHANNEL_UNHOLD"
        };
        self.switch
            .bus
            .fire(channel.with(|c| events::build_named(name, c)));
    }

    /// The held channel's `hold_music` (else the partner's) to the partner.
    fn play_hold_music(&self, held: &crate::channel::registry::ChannelHandle, partner: &MediaLeg) {
        let Some(music) = held
            .variable("hold_music")
            .or_else(|| partner.channel().variable("hold_music"))
        else {
            return;
        };
        let Some((rate, _)) = partner.pcm_format() else {
            return;
        };
        let sounds = self.switch.paths.conf_dir.join("sounds");
        match self.switch.media().moh.listen(&music, rate, sounds) {
            Ok(listener) => partner.overlay_moh(listener),
            Err(e) => tracing::warn!("hold_music {music}: {e}"),
        }
    }
}
