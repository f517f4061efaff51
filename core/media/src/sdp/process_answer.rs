//! Using the answer to our offer (RFC 3264 §7), from a 183 (early media)
//! or a 200: which codec and payload types the peer took, where to send,
//! which direction.

use super::codec::FormatKind;
use super::model::{MediaType, SessionDescription};
use super::negotiated::{Choice, NegotiatedMedia};
use super::negotiation_error::NegotiationError;
use super::select::{choose_comfort_noise, choose_telephone_event};
use super::stream::effective_direction;

/// Reads the answer to `offer` (ours). Our audio stream is the first
/// audio `m=` section of the offer with a port. The codec is the first
/// answered format that is a codec we offered (matched by codec, so a peer
/// that renumbers a dynamic type still works; its number is the one to
/// send). We send with the answer's `a=ptime`, else our offer's, else
/// 20 ms, capped by its `a=maxptime`. Our direction is the answer's
/// reversed, limited by what we offered.
///
/// # Errors
/// [`NegotiationError::StreamCountMismatch`],
/// [`NegotiationError::StreamRejected`],
/// [`NegotiationError::NoCommonCodec`], [`NegotiationError::NoAudioStream`]
/// (our offer had none), or a connection error.
pub fn process_answer(
    offer: &SessionDescription,
    answer: &SessionDescription,
) -> Result<NegotiatedMedia, NegotiationError> {
    if offer.media.len() != answer.media.len() {
        return Err(NegotiationError::StreamCountMismatch {
            offered: offer.media.len(),
            answered: answer.media.len(),
        });
    }
    let stream = offer
        .media
        .iter()
        .position(|m| m.media == MediaType::Audio && m.port != 0)
        .ok_or(NegotiationError::NoAudioStream)?;
    let ours = &offer.media[stream];
    let theirs = &answer.media[stream];
    if theirs.port == 0 {
        return Err(NegotiationError::StreamRejected { stream });
    }
    let offered_codecs: Vec<FormatKind> = ours.formats.iter().map(FormatKind::of).collect();
    let (format, codec) = theirs
        .formats
        .iter()
        .find_map(|f| match FormatKind::of(f) {
            FormatKind::Codec(codec)
                if f.payload_type().is_some()
                    && offered_codecs.contains(&FormatKind::Codec(codec)) =>
            {
                Some((f, codec))
            }
            _ => None,
        })
        .ok_or(NegotiationError::NoCommonCodec)?;
    let offered_events = ours
        .formats
        .iter()
        .any(|f| matches!(FormatKind::of(f), FormatKind::TelephoneEvent { .. }));
    let telephone_event = offered_events
        .then(|| choose_telephone_event(&theirs.formats, codec.clock_rate()))
        .flatten()
        .map(|(_, te)| te);
    let comfort_noise = choose_comfort_noise(&ours.formats)
        .and_then(|_| choose_comfort_noise(&theirs.formats))
        .and_then(|f| f.payload_type());
    let mut ptime = theirs.ptime.or(ours.ptime).unwrap_or(20);
    if let Some(max) = theirs.maxptime {
        ptime = ptime.min(max);
    }
    let offered_direction = offer.direction_for(ours);
    let direction = effective_direction(answer, theirs)
        .reverse()
        .intersect(offered_direction);
    NegotiatedMedia::from_choice(
        answer,
        theirs,
        Choice {
            stream,
            format,
            codec,
            telephone_event,
            comfort_noise,
            ptime,
            direction,
            rtcp_mux: ours.rtcp_mux && theirs.rtcp_mux,
        },
    )
}
