//! Answering a peer's offer (RFC 3264 §6): one audio stream accepted with
//! one codec (plus `telephone-event` and CN when both sides use them),
//! the offerer's payload type numbers kept, every other stream rejected
//! with port 0.

use super::local::LocalMedia;
use super::model::{MediaDescription, MediaFormat, MediaType, RtpMap, SessionDescription};
use super::negotiated::{Choice, NegotiatedMedia};
use super::negotiation_error::NegotiationError;
use super::offer::{codec_rtpmap, disabled, session_shell, telephone_event};
use super::select::{choose_codec, choose_comfort_noise, choose_telephone_event};
use super::stream::effective_direction;

/// Our answer to an offer and the media it sets up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// The answer to send (origin unstamped: id and version 0; see
    /// [`LocalSession::stamp`](super::LocalSession::stamp)).
    pub sdp: SessionDescription,
    /// The negotiated audio.
    pub media: NegotiatedMedia,
}

/// Answers an offer. The first audio stream over RTP/AVP or RTP/AVPF with
/// a port and a codec in common is accepted; the codec is picked per
/// [`LocalMedia::mode`]. Our `a=ptime` is the offer's, else the codec
/// spec's, else [`LocalMedia::ptime`]; the direction is the offer's
/// reversed and limited by [`LocalMedia::direction`] (RFC 3264 §6.1).
///
/// # Errors
/// [`NegotiationError::NoAudioStream`] or
/// [`NegotiationError::NoCommonCodec`] (answer 488), or a connection
/// error for the chosen stream.
pub fn answer_offer(
    offer: &SessionDescription,
    local: &LocalMedia,
) -> Result<Answer, NegotiationError> {
    if local.codecs.is_empty() {
        return Err(NegotiationError::NoCodecs);
    }
    let mut any_audio = false;
    let mut accepted: Option<(MediaDescription, NegotiatedMedia)> = None;
    let mut sdp = session_shell(local);
    for (index, media) in offer.media.iter().enumerate() {
        if accepted.is_none()
            && media.media == MediaType::Audio
            && media.port != 0
            && plain_rtp(&media.proto)
        {
            any_audio = true;
            if let Some(answered) = answer_stream(offer, index, media, local)? {
                sdp.media.push(answered.0.clone());
                accepted = Some(answered);
                continue;
            }
        }
        sdp.media.push(disabled(media));
    }
    match accepted {
        Some((_, media)) => Ok(Answer { sdp, media }),
        None if any_audio => Err(NegotiationError::NoCommonCodec),
        None => Err(NegotiationError::NoAudioStream),
    }
}

/// RTP without SRTP: what the switch can terminate today.
fn plain_rtp(proto: &str) -> bool {
    proto.eq_ignore_ascii_case("RTP/AVP") || proto.eq_ignore_ascii_case("RTP/AVPF")
}

/// Our `m=` section for an offered audio stream, or `None` when no codec
/// is in common.
fn answer_stream(
    offer: &SessionDescription,
    index: usize,
    offered: &MediaDescription,
    local: &LocalMedia,
) -> Result<Option<(MediaDescription, NegotiatedMedia)>, NegotiationError> {
    let Some((format, spec)) = choose_codec(&offered.formats, local) else {
        return Ok(None);
    };
    let codec = spec.codec;
    let mut answer = MediaDescription::new(MediaType::Audio, local.port, offered.proto.clone());
    answer.formats.push(MediaFormat {
        id: format.id.clone(),
        rtpmap: Some(codec_rtpmap(codec)),
        fmtp: local.fmtp_for(spec),
    });
    let te = local
        .telephone_event
        .then(|| choose_telephone_event(&offered.formats, codec.clock_rate()))
        .flatten();
    if let Some((te_format, te)) = te {
        answer.formats.push(telephone_event(
            te.payload_type,
            te.clock_rate,
            te_format.fmtp.as_deref(),
        ));
    }
    let cn = local
        .comfort_noise
        .then(|| choose_comfort_noise(&offered.formats))
        .flatten();
    if let Some(pt) = cn.and_then(MediaFormat::payload_type) {
        answer.formats.push(MediaFormat::rtp(
            pt,
            Some(RtpMap::new("CN", 8000, None)),
            None,
        ));
    }
    let answer_ptime = offered.ptime.or(spec.ptime).unwrap_or(local.ptime);
    answer.ptime = Some(answer_ptime);
    let mut send_ptime = offered.ptime.unwrap_or(answer_ptime);
    if let Some(max) = offered.maxptime {
        send_ptime = send_ptime.min(max);
    }
    let rtcp_mux = offered.rtcp_mux && local.rtcp_mux;
    answer.rtcp_mux = rtcp_mux;
    let direction = effective_direction(offer, offered).answer_to(local.direction);
    answer.direction = Some(direction);
    let negotiated = NegotiatedMedia::from_choice(
        offer,
        offered,
        Choice {
            stream: index,
            format,
            codec,
            telephone_event: te.map(|(_, te)| te),
            comfort_noise: cn.and_then(MediaFormat::payload_type),
            ptime: send_ptime,
            direction,
            rtcp_mux,
        },
    )?;
    Ok(Some((answer, negotiated)))
}
