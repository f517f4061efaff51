//! Anchored media: the switch terminates each leg's RTP. The A leg is
//! negotiated against the caller's offer (or offered to, when the INVITE
//! had none), each B leg gets the switch's own offer with the A leg's
//! codec first (so a call whose legs agree needs no transcoding), and the
//! two legs' media are bridged once both are negotiated. Re-INVITEs and
//! UPDATEs (hold, resume, new addresses) are answered by the switch on
//! the leg they came from; SIP INFO DTMF is taken in and regenerated on
//! the other leg. With `bypass_media=true` none of this happens and SDP
//! passes between the legs unchanged.

use super::{ASide, B2bua};
use crate::channel::cause::HangupCause;
use crate::channel::registry::ChannelHandle;
use crate::media::{Dtmf, DtmfSource, MediaLeg};
use std::sync::Arc;
use std::time::Instant;
use switchyard_media::sdp::{CodecPrefs, CodecSpec, LocalMedia, Negotiator, SessionDescription};
use switchyard_sip::dialog::DialogId;
use switchyard_sip::message::{Method, Request, Response};
use switchyard_sip::transaction::{ServerKey, TransactionLayer};

/// The codecs a leg offers and accepts when neither `absolute_codec_string`
/// nor `codec_string` says (FreeSWITCH's default order).
pub const DEFAULT_CODEC_STRING: &str = "OPUS,PCMU,PCMA";

/// One leg's media and offer/answer state.
pub(super) struct LegMedia {
    /// The leg's RTP.
    pub leg: Arc<MediaLeg>,
    /// Its offer/answer state.
    pub sdp: Negotiator,
    /// Our description to send it (answer, or offer for a late offer).
    pub local_sdp: Vec<u8>,
}

/// The codecs for a channel, most preferred first.
pub(super) fn codecs_for(channel: &ChannelHandle) -> Vec<CodecSpec> {
    let text = channel
        .variable("absolute_codec_string")
        .or_else(|| channel.variable("codec_string"))
        .unwrap_or_else(|| DEFAULT_CODEC_STRING.to_owned());
    let prefs = CodecPrefs::parse(&text);
    for warning in &prefs.warnings {
        tracing::warn!("codec_string '{text}': {warning}");
    }
    if prefs.codecs.is_empty() {
        CodecPrefs::parse(DEFAULT_CODEC_STRING).codecs
    } else {
        prefs.codecs
    }
}

pub(super) fn local_media(leg: &MediaLeg, codecs: Vec<CodecSpec>) -> LocalMedia {
    LocalMedia::new(leg.local().ip(), leg.port(), codecs)
}

/// Whether `bypass_media` asks for pass-through.
pub(super) fn bypass_requested(channel: &ChannelHandle) -> bool {
    channel
        .variable("bypass_media")
        .is_some_and(|v| crate::dialplan::is_true(&v))
}

fn parse_sdp(body: &[u8]) -> Result<SessionDescription, HangupCause> {
    SessionDescription::parse(body).map_err(|e| {
        tracing::info!("unusable SDP: {e}");
        HangupCause::IncompatibleDestination
    })
}

impl B2bua {
    /// Opens the A leg's media: negotiates the caller's offer, or makes
    /// our offer when the INVITE carried none. Idempotent.
    pub(super) fn anchor_a(&mut self, call_id: u64) -> Result<(), HangupCause> {
        let Some(call) = self.calls.get_mut(&call_id) else {
            return Err(HangupCause::NormalTemporaryFailure);
        };
        if call.a.media.is_some() {
            return Ok(());
        }
        let ASide::Caller { invite, .. } = &call.a.side else {
            // Originated legs keep RFC 3725's pass-through.
            return Err(HangupCause::IncompatibleDestination);
        };
        let offer = invite.body().to_vec();
        let channel = Arc::clone(&call.a.channel);
        let leg = self
            .switch
            .media()
            .open(&channel, &self.switch.bus)
            .map_err(|e| {
                tracing::warn!("no media for {}: {e}", channel.id().as_str());
                HangupCause::NormalTemporaryFailure
            })?;
        let local = local_media(&leg, codecs_for(&channel));
        let mut sdp = Negotiator::new(crate::media::random_session_id());
        let local_sdp = if offer.is_empty() {
            sdp.create_offer(&local)
                .map_err(|_| HangupCause::IncompatibleDestination)?
        } else {
            let outcome = sdp
                .receive_offer(&parse_sdp(&offer)?, &local)
                .map_err(|e| {
                    tracing::info!("caller's offer refused: {e}");
                    HangupCause::IncompatibleDestination
                })?;
            leg.configure(outcome.media);
            outcome.sdp
        };
        call.a.media = Some(LegMedia {
            leg,
            sdp,
            local_sdp: local_sdp.to_string().into_bytes(),
        });
        call.anchored = true;
        Ok(())
    }

    /// Whether a bridge may go ahead, anchoring the A leg's media unless
    /// `bypass_media` asks for pass-through (or the leg was originated,
    /// which keeps RFC 3725's third-party flow). False when the caller's
    /// offer cannot be used.
    pub(super) fn decide_anchoring(&mut self, call_id: u64) -> bool {
        let Some(call) = self.calls.get(&call_id) else {
            return false;
        };
        if call.a.media.is_some() {
            return true;
        }
        if bypass_requested(&call.a.channel) || !matches!(call.a.side, ASide::Caller { .. }) {
            return true;
        }
        self.anchor_a(call_id).is_ok()
    }

    /// Opens a B leg's media and makes its offer, the A leg's codec first.
    pub(super) fn offer_for_fork(
        &mut self,
        call_id: u64,
        channel: &Arc<ChannelHandle>,
    ) -> Result<LegMedia, HangupCause> {
        let first = self
            .calls
            .get(&call_id)
            .and_then(|call| call.a.media.as_ref())
            .and_then(|a| a.leg.negotiated())
            .map(|m| m.codec);
        let leg = self
            .switch
            .media()
            .open(channel, &self.switch.bus)
            .map_err(|e| {
                tracing::warn!("no media for {}: {e}", channel.id().as_str());
                HangupCause::NormalTemporaryFailure
            })?;
        let mut codecs = codecs_for(channel);
        if let Some(first) = first
            && let Some(at) = codecs.iter().position(|spec| spec.codec == first)
        {
            let spec = codecs.remove(at);
            codecs.insert(0, spec);
        }
        let mut sdp = Negotiator::new(crate::media::random_session_id());
        let offer = sdp
            .create_offer(&local_media(&leg, codecs))
            .map_err(|_| HangupCause::IncompatibleDestination)?;
        Ok(LegMedia {
            leg,
            sdp,
            local_sdp: offer.to_string().into_bytes(),
        })
    }

    /// A B leg's answer (in a 18x or the 2xx): its media is configured and,
    /// once the A leg's is too, the two are bridged. False when the answer
    /// is unusable.
    pub(super) fn fork_answered_sdp(
        &mut self,
        call_id: u64,
        index: usize,
        response: &Response,
    ) -> bool {
        if response.body().is_empty() {
            return true;
        }
        let Some(call) = self.calls.get_mut(&call_id) else {
            return false;
        };
        let Some(fork) = call.forks.get_mut(index) else {
            return false;
        };
        let Some(media) = fork.media.as_mut() else {
            return true;
        };
        let Ok(answer) = parse_sdp(response.body()) else {
            return false;
        };
        match media.sdp.receive_answer(&answer) {
            Ok(negotiated) => {
                media.leg.configure(negotiated);
                if let Some(a) = &call.a.media {
                    a.leg.bridge(&media.leg);
                }
                true
            }
            Err(e) => {
                tracing::info!("callee's answer refused: {e}");
                false
            }
        }
    }

    /// Our SDP for the caller, when the call is anchored.
    pub(super) fn a_body(&self, call_id: u64) -> Option<Vec<u8>> {
        self.calls
            .get(&call_id)?
            .a
            .media
            .as_ref()
            .map(|m| m.local_sdp.clone())
    }

    /// An ACK (or PRACK) carrying the answer to our offer on a leg.
    pub(super) fn answer_in_ack(&mut self, call_id: u64, dialog: &DialogId, ack: &Request) {
        if ack.body().is_empty() {
            return;
        }
        let Ok(answer) = parse_sdp(ack.body()) else {
            return;
        };
        let Some(call) = self.calls.get_mut(&call_id) else {
            return;
        };
        let is_a = call.a.dialog.as_ref() == Some(dialog);
        let winner = call.winner;
        let (media, other) = if is_a {
            let other = winner
                .and_then(|i| call.forks.get(i))
                .and_then(|f| f.media.as_ref())
                .map(|m| Arc::clone(&m.leg));
            (call.a.media.as_mut(), other)
        } else {
            let other = call.a.media.as_ref().map(|m| Arc::clone(&m.leg));
            let fork = call
                .forks
                .iter_mut()
                .find(|f| f.dialog.as_ref() == Some(dialog));
            (fork.and_then(|f| f.media.as_mut()), other)
        };
        let Some(media) = media else {
            return;
        };
        match media.sdp.receive_answer(&answer) {
            Ok(negotiated) => {
                media.leg.configure(negotiated);
                if let Some(other) = other {
                    media.leg.bridge(&other);
                }
            }
            Err(e) => tracing::info!("answer in ACK refused: {e}"),
        }
    }

    /// A request inside an anchored call that the switch answers itself:
    /// re-INVITE and UPDATE (new offer: hold, resume, new address) and
    /// INFO (DTMF). Returns the response when it is simple; sends it
    /// itself when it carries SDP.
    pub(super) fn answer_locally(
        &mut self,
        layer: &mut TransactionLayer,
        call_id: u64,
        dialog: &DialogId,
        request: &Request,
        key: &ServerKey,
    ) -> Option<(u16, String)> {
        let call = self.calls.get_mut(&call_id)?;
        let is_a = call.a.dialog.as_ref() == Some(dialog);
        let (channel, media, other) = if is_a {
            let other = call
                .winner
                .and_then(|i| call.forks.get(i))
                .and_then(|f| f.media.as_ref())
                .map(|m| Arc::clone(&m.leg));
            (Arc::clone(&call.a.channel), call.a.media.as_mut(), other)
        } else {
            let other = call.a.media.as_ref().map(|m| Arc::clone(&m.leg));
            let fork = call
                .forks
                .iter_mut()
                .find(|f| f.dialog.as_ref() == Some(dialog))?;
            (Arc::clone(&fork.channel), fork.media.as_mut(), other)
        };
        let media = media?;
        match request.method() {
            Method::Info => {
                let content_type = request.headers().get("Content-Type").unwrap_or("");
                if let Ok(info) =
                    switchyard_media::dtmf::parse_info_body(content_type, request.body())
                {
                    media.leg.deliver_dtmf(Dtmf {
                        digit: info.digit.to_char(),
                        duration_ms: info.duration_ms.unwrap_or(100),
                        source: DtmfSource::Info,
                    });
                    if let Some(other) = other {
                        other.send_dtmf(
                            &info.digit.to_char().to_string(),
                            info.duration_ms.unwrap_or(100),
                        );
                    }
                }
                Some((200, "OK".into()))
            }
            Method::Invite | Method::Update => {
                let body = if request.body().is_empty() {
                    // An offerless re-INVITE: we offer, the ACK answers.
                    let local = local_media(&media.leg, codecs_for(&channel));
                    match media.sdp.create_offer(&local) {
                        Ok(offer) => offer.to_string(),
                        Err(_) => return Some((488, "Not Acceptable Here".into())),
                    }
                } else {
                    let offer = match parse_sdp(request.body()) {
                        Ok(offer) => offer,
                        Err(_) => return Some((488, "Not Acceptable Here".into())),
                    };
                    let mut codecs = codecs_for(&channel);
                    if let Some(current) = media.leg.negotiated()
                        && let Some(at) = codecs.iter().position(|s| s.codec == current.codec)
                    {
                        let spec = codecs.remove(at);
                        codecs.insert(0, spec);
                    }
                    let local = local_media(&media.leg, codecs);
                    match media.sdp.receive_offer(&offer, &local) {
                        Ok(outcome) => {
                            let held = outcome.media.remote_hold;
                            media.leg.configure(outcome.media);
                            channel.set_variable("sip_hold", if held { "true" } else { "false" });
                            tracing::info!(
                                "{} {}",
                                channel.id().as_str(),
                                if held { "holds" } else { "is off hold" }
                            );
                            outcome.sdp.to_string()
                        }
                        Err(e) => {
                            tracing::info!("re-offer refused: {e}");
                            return Some((e.sip_status(), "Not Acceptable Here".into()));
                        }
                    }
                };
                let mut response = Response::for_request(request, 200, "OK").ok()?;
                let transport = request
                    .headers()
                    .top_via()
                    .map(|v| v.transport.to_ascii_lowercase())
                    .unwrap_or_else(|_| "udp".into());
                let contact = self.contact(&transport);
                let headers = response.headers_mut();
                let _ = headers.push("Contact", &contact);
                let _ = headers.push("Content-Type", "application/sdp");
                response.set_body(body.into_bytes());
                if let Some(dialog) = self.dialogs.get_mut(dialog) {
                    let _ = dialog.prepare_response(&mut response);
                }
                let _ = layer.respond(key, response, Instant::now());
                None
            }
            _ => Some((200, "OK".into())),
        }
    }
}
