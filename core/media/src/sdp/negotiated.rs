//! The outcome of a negotiation: everything the switch needs to configure
//! one leg's RTP session.

use std::net::SocketAddr;

use super::codec::Codec;
use super::direction::Direction;
use super::model::{MediaDescription, MediaFormat, SessionDescription};
use super::negotiation_error::NegotiationError;
use super::opus::OpusParams;
use super::stream::{is_hold, remote_endpoints};

/// RFC 4733 `telephone-event` as negotiated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TelephoneEvent {
    /// The payload type to send and expect events with.
    pub payload_type: u8,
    /// Its clock rate (8000, or 48000 alongside Opus).
    pub clock_rate: u32,
}

/// One leg's negotiated audio: where to send, how to encode, what to
/// expect. Payload types are the ones to put in (and expect in) RTP
/// packets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NegotiatedMedia {
    /// The index of the `m=` section this describes.
    pub stream_index: usize,
    /// Where to send RTP (`0.0.0.0` when the peer holds RFC 2543-style).
    pub remote_rtp: SocketAddr,
    /// Where to send RTCP.
    pub remote_rtcp: SocketAddr,
    /// Whether RTP and RTCP share the port (RFC 5761).
    pub rtcp_mux: bool,
    /// The audio payload type.
    pub payload_type: u8,
    /// The codec.
    pub codec: Codec,
    /// The encoding name as written in `a=rtpmap` (`PCMU`, `opus`).
    pub encoding_name: &'static str,
    /// The RTP clock rate in Hz.
    pub clock_rate: u32,
    /// The channels to encode: 1, or 2 for Opus when the peer asked for
    /// `stereo=1`.
    pub channels: u16,
    /// The packetization to send with, in ms.
    pub ptime: u32,
    /// The peer's `a=fmtp` for the codec, as sent.
    pub fmtp: Option<String>,
    /// The peer's Opus parameters (what it prefers to receive), for Opus.
    pub opus: Option<OpusParams>,
    /// `telephone-event`, when both sides use it.
    pub telephone_event: Option<TelephoneEvent>,
    /// The comfort noise payload type, when both sides use CN.
    pub comfort_noise: Option<u8>,
    /// What we do: `sendrecv`, `sendonly` (we hold them or they hold us),
    /// `recvonly` or `inactive`.
    pub direction: Direction,
    /// Whether the peer's description puts us on hold (`sendonly`,
    /// `inactive` or `c=0.0.0.0`).
    pub remote_hold: bool,
}

/// What a negotiation step chose for a stream, before the addresses are
/// read.
pub(crate) struct Choice<'a> {
    pub stream: usize,
    pub format: &'a MediaFormat,
    pub codec: Codec,
    pub telephone_event: Option<TelephoneEvent>,
    pub comfort_noise: Option<u8>,
    pub ptime: u32,
    pub direction: Direction,
    pub rtcp_mux: bool,
}

impl NegotiatedMedia {
    /// Completes a choice with the peer's addresses and hold state.
    pub(crate) fn from_choice(
        remote: &SessionDescription,
        media: &MediaDescription,
        choice: Choice<'_>,
    ) -> Result<Self, NegotiationError> {
        let endpoints = remote_endpoints(remote, choice.stream, media, choice.rtcp_mux)?;
        let opus = (choice.codec == Codec::Opus)
            .then(|| OpusParams::parse(choice.format.fmtp.as_deref().unwrap_or_default()));
        Ok(NegotiatedMedia {
            stream_index: choice.stream,
            remote_rtp: endpoints.rtp,
            remote_rtcp: endpoints.rtcp,
            rtcp_mux: choice.rtcp_mux,
            payload_type: choice.format.payload_type().unwrap_or_default(),
            codec: choice.codec,
            encoding_name: choice.codec.encoding_name(),
            clock_rate: choice.codec.clock_rate(),
            channels: if opus.is_some_and(|o| o.stereo) { 2 } else { 1 },
            ptime: choice.ptime,
            fmtp: choice.format.fmtp.clone(),
            opus,
            telephone_event: choice.telephone_event,
            comfort_noise: choice.comfort_noise,
            direction: choice.direction,
            remote_hold: is_hold(remote, media),
        })
    }
}
