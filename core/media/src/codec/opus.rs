//! Opus (RFC 6716, RTP payload per RFC 7587) through `audiopus` 0.2, the
//! binding to the system libopus (Debian `libopus-dev`, linked dynamically).
//!
//! Mono only, at 8, 12, 16, 24 or 48 kHz. In SDP Opus always says
//! `opus/48000/2` and its RTP timestamps always tick at 48 kHz
//! ([`RTP_CLOCK_RATE`]), whatever rate we encode from or decode to: the
//! transcoder decodes straight to the rate the other leg needs (8 kHz for
//! G.711), which saves a resampler.
//!
//! Every call is checked before it reaches libopus (frame lengths, buffer
//! sizes, empty packets), and whatever libopus refuses comes back as a
//! [`CodecError`]; nothing here panics on any packet. Encoding and decoding
//! allocate nothing: libopus works in the state allocated once by
//! [`OpusEncoder::new`] / [`OpusDecoder::new`].

use audiopus::coder::{Decoder, Encoder};
use audiopus::{Application, Bitrate, Channels, SampleRate};

use super::error::{CodecError, Result};

/// The RTP clock rate of Opus, fixed by RFC 7587 whatever the audio rate.
pub const RTP_CLOCK_RATE: u32 = 48_000;

/// The longest audio one Opus packet may carry: 120 ms.
pub const MAX_PACKET_MS: usize = 120;

/// A size for encode buffers that any single Opus frame fits in (RFC 6716
/// caps a frame at 1275 bytes; a packet of one frame adds a TOC byte).
pub const MAX_ENCODED_BYTES: usize = 1276;

/// Default encoder complexity: the design's budget for transcoding (≤ 5).
pub const DEFAULT_COMPLEXITY: u8 = 5;

/// A packet this short carries no audio: during DTX the encoder emits 1–2
/// byte packets that RFC 7587 §3.1.3 lets the sender leave out.
pub const fn is_dtx_packet(len: usize) -> bool {
    len <= 2
}

fn opus_rate(rate: u32) -> Result<SampleRate> {
    Ok(match rate {
        8_000 => SampleRate::Hz8000,
        12_000 => SampleRate::Hz12000,
        16_000 => SampleRate::Hz16000,
        24_000 => SampleRate::Hz24000,
        48_000 => SampleRate::Hz48000,
        other => return Err(CodecError::UnsupportedRate(other)),
    })
}

/// Whether libopus can encode or decode PCM at `rate` hertz.
pub const fn supports_rate(rate: u32) -> bool {
    matches!(rate, 8_000 | 12_000 | 16_000 | 24_000 | 48_000)
}

/// Samples in `tenths_of_ms` tenths of a millisecond at `rate` (exact for
/// Opus's rates and 2.5 ms multiples).
const fn samples(rate: u32, tenths_of_ms: usize) -> usize {
    rate as usize * tenths_of_ms / 10_000
}

/// Whether `len` samples at `rate` is a frame length Opus encodes: 2.5, 5,
/// 10, 20, 40 or 60 ms.
pub fn is_valid_frame(rate: u32, len: usize) -> bool {
    [25, 50, 100, 200, 400, 600]
        .iter()
        .any(|&tenths| samples(rate, tenths) == len)
}

/// Whether `len` samples at `rate` is something the decoder can conceal or
/// recover: a multiple of 2.5 ms up to 120 ms.
fn is_valid_concealment(rate: u32, len: usize) -> bool {
    let unit = samples(rate, 25);
    len > 0 && unit > 0 && len.is_multiple_of(unit) && len <= samples(rate, MAX_PACKET_MS * 10)
}

/// How an [`OpusEncoder`] is set up. `Default` gives 48 kHz, complexity 5,
/// automatic bitrate, no FEC, no DTX — SDP `fmtp` parameters
/// (`useinbandfec`, `usedtx`, `maxaveragebitrate`) turn the rest on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpusConfig {
    /// PCM rate fed to the encoder: 8000, 12000, 16000, 24000 or 48000.
    pub sample_rate: u32,
    /// Computational complexity, 0..=10 (higher is better and slower).
    pub complexity: u8,
    /// Target bitrate in bits per second (500..=512000), or `None` for
    /// libopus's automatic choice.
    pub bitrate: Option<i32>,
    /// In-band forward error correction: each packet also carries a coarse
    /// copy of the previous frame (only when `packet_loss_percent` > 0).
    pub inband_fec: bool,
    /// Expected packet loss, 0..=100; drives how much FEC is spent.
    pub packet_loss_percent: u8,
    /// Discontinuous transmission: near-silent frames shrink to 1–2 bytes.
    pub dtx: bool,
}

impl Default for OpusConfig {
    fn default() -> Self {
        OpusConfig {
            sample_rate: RTP_CLOCK_RATE,
            complexity: DEFAULT_COMPLEXITY,
            bitrate: None,
            inband_fec: false,
            packet_loss_percent: 0,
            dtx: false,
        }
    }
}

/// A mono Opus encoder in VoIP mode.
pub struct OpusEncoder {
    inner: Encoder,
    config: OpusConfig,
}

impl std::fmt::Debug for OpusEncoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpusEncoder")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl OpusEncoder {
    /// An encoder set up as `config` says.
    pub fn new(config: OpusConfig) -> Result<Self> {
        let rate = opus_rate(config.sample_rate)?;
        let inner = Encoder::new(rate, Channels::Mono, Application::Voip)?;
        let mut encoder = OpusEncoder { inner, config };
        encoder.set_complexity(config.complexity)?;
        encoder.set_bitrate(config.bitrate)?;
        encoder.set_inband_fec(config.inband_fec)?;
        encoder.set_packet_loss_percent(config.packet_loss_percent)?;
        encoder.set_dtx(config.dtx)?;
        Ok(encoder)
    }

    /// The settings in force.
    pub fn config(&self) -> OpusConfig {
        self.config
    }

    /// Sets the complexity, 0..=10.
    pub fn set_complexity(&mut self, complexity: u8) -> Result<()> {
        if complexity > 10 {
            return Err(CodecError::InvalidConfig("Opus complexity must be 0..=10"));
        }
        self.inner.set_complexity(complexity)?;
        self.config.complexity = complexity;
        Ok(())
    }

    /// Sets the target bitrate (500..=512000 bit/s), or automatic with `None`.
    pub fn set_bitrate(&mut self, bitrate: Option<i32>) -> Result<()> {
        let value = match bitrate {
            None => Bitrate::Auto,
            Some(bps @ 500..=512_000) => Bitrate::BitsPerSecond(bps),
            Some(_) => {
                return Err(CodecError::InvalidConfig(
                    "Opus bitrate must be 500..=512000",
                ));
            }
        };
        self.inner.set_bitrate(value)?;
        self.config.bitrate = bitrate;
        Ok(())
    }

    /// Turns in-band FEC on or off.
    pub fn set_inband_fec(&mut self, enabled: bool) -> Result<()> {
        self.inner.set_inband_fec(enabled)?;
        self.config.inband_fec = enabled;
        Ok(())
    }

    /// Sets the expected packet loss, 0..=100 percent.
    pub fn set_packet_loss_percent(&mut self, percent: u8) -> Result<()> {
        if percent > 100 {
            return Err(CodecError::InvalidConfig(
                "packet loss must be 0..=100 percent",
            ));
        }
        self.inner.set_packet_loss_perc(percent)?;
        self.config.packet_loss_percent = percent;
        Ok(())
    }

    /// Turns discontinuous transmission on or off.
    pub fn set_dtx(&mut self, enabled: bool) -> Result<()> {
        self.inner
            .set_encoder_ctl_request(audiopus::ffi::OPUS_SET_DTX_REQUEST, i32::from(enabled))?;
        self.config.dtx = enabled;
        Ok(())
    }

    /// Encodes one frame of `pcm` (2.5, 5, 10, 20, 40 or 60 ms at the
    /// configured rate) into `out`; returns the packet length. A packet of
    /// two bytes or fewer is a DTX packet ([`is_dtx_packet`]).
    pub fn encode(&mut self, pcm: &[i16], out: &mut [u8]) -> Result<usize> {
        if !is_valid_frame(self.config.sample_rate, pcm.len()) {
            return Err(CodecError::InvalidFrameLength {
                samples: pcm.len(),
                rate: self.config.sample_rate,
            });
        }
        if out.len() < 3 {
            return Err(CodecError::BufferTooSmall {
                needed: 3,
                available: out.len(),
            });
        }
        // libopus never needs more than one maximal frame; the cap keeps the length an i32.
        let room = out.len().min(MAX_ENCODED_BYTES * 3);
        Ok(self.inner.encode(pcm, &mut out[..room])?)
    }
}

/// A mono Opus decoder producing PCM at one of Opus's rates.
pub struct OpusDecoder {
    inner: Decoder,
    sample_rate: u32,
    rate: SampleRate,
}

impl std::fmt::Debug for OpusDecoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpusDecoder")
            .field("sample_rate", &self.sample_rate)
            .finish_non_exhaustive()
    }
}

impl OpusDecoder {
    /// A decoder producing PCM at `sample_rate` (8000, 12000, 16000, 24000
    /// or 48000), whatever rate the sender encoded at.
    pub fn new(sample_rate: u32) -> Result<Self> {
        let rate = opus_rate(sample_rate)?;
        Ok(OpusDecoder {
            inner: Decoder::new(rate, Channels::Mono)?,
            sample_rate,
            rate,
        })
    }

    /// The PCM rate this decoder produces.
    pub fn sample_rate(&self) -> u32 {
        self.sample_rate
    }

    /// The samples `packet` decodes to at this decoder's rate, without
    /// decoding it.
    pub fn packet_samples(&self, packet: &[u8]) -> Result<usize> {
        if packet.is_empty() {
            return Err(CodecError::InvalidPayload("empty Opus packet"));
        }
        // audiopus 0.2 casts libopus's negative error codes to usize, so
        // anything longer than a packet can be is the error it stands for.
        let count = audiopus::packet::nb_samples(packet, self.rate)?;
        if count == 0 || count > samples(self.sample_rate, MAX_PACKET_MS * 10) {
            return Err(CodecError::Opus(super::error::OpusFailure::InvalidPacket));
        }
        Ok(count)
    }

    /// Decodes `packet` into the start of `out`; returns the samples written.
    pub fn decode(&mut self, packet: &[u8], out: &mut [i16]) -> Result<usize> {
        let needed = self.packet_samples(packet)?;
        if out.len() < needed {
            return Err(CodecError::BufferTooSmall {
                needed,
                available: out.len(),
            });
        }
        Ok(self.inner.decode(Some(packet), &mut out[..needed], false)?)
    }

    /// Packet loss concealment: fills all of `out` (a multiple of 2.5 ms, at
    /// most 120 ms — normally the lost packet's duration) with audio
    /// extrapolated from what came before.
    pub fn conceal(&mut self, out: &mut [i16]) -> Result<usize> {
        if !is_valid_concealment(self.sample_rate, out.len()) {
            return Err(CodecError::InvalidFrameLength {
                samples: out.len(),
                rate: self.sample_rate,
            });
        }
        Ok(self.inner.decode(None::<&[u8]>, out, false)?)
    }

    /// Recovers a lost packet from the in-band FEC data of the packet after
    /// it (`next_packet`); fills all of `out`, which must be the lost
    /// packet's duration. Call [`decode`](Self::decode) on `next_packet`
    /// afterwards as usual. Without FEC data in `next_packet` libopus
    /// conceals instead, so this is never worse than [`conceal`](Self::conceal).
    pub fn decode_fec(&mut self, next_packet: &[u8], out: &mut [i16]) -> Result<usize> {
        if next_packet.is_empty() {
            return Err(CodecError::InvalidPayload("empty Opus packet"));
        }
        if !is_valid_concealment(self.sample_rate, out.len()) {
            return Err(CodecError::InvalidFrameLength {
                samples: out.len(),
                rate: self.sample_rate,
            });
        }
        Ok(self.inner.decode(Some(next_packet), out, true)?)
    }

    /// Forgets all history (a new stream, e.g. after an SSRC change).
    pub fn reset(&mut self) -> Result<()> {
        use audiopus::coder::GenericCtl;
        Ok(self.inner.reset_state()?)
    }
}

#[cfg(test)]
#[path = "opus_tests.rs"]
mod tests;
