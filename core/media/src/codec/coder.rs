//! The codec traits and the one encoder and decoder type per leg that
//! implement them for every [`CodecKind`], chosen from a [`Codec`].

use super::error::{CodecError, Result};
use super::g711::{G711, Law};
use super::l16;
use super::opus::{OpusConfig, OpusDecoder, OpusEncoder};
use super::registry::{Codec, CodecKind};

/// Turns frames of PCM into payloads.
pub trait Encode {
    /// Encodes one frame of `pcm` into `out`; returns the payload length.
    fn encode(&mut self, pcm: &[i16], out: &mut [u8]) -> Result<usize>;
    /// The PCM rate it takes, in hertz.
    fn sample_rate(&self) -> u32;
}

/// Turns payloads into PCM, and fills in for lost ones.
pub trait Decode {
    /// Decodes one payload into the start of `out`; returns the samples written.
    fn decode(&mut self, payload: &[u8], out: &mut [i16]) -> Result<usize>;
    /// Fills all of `out` for a lost payload of that duration.
    fn conceal(&mut self, out: &mut [i16]) -> Result<usize>;
    /// The PCM rate it produces, in hertz.
    fn sample_rate(&self) -> u32;
}

/// An encoder for any supported codec.
#[derive(Debug)]
pub enum AudioEncoder {
    /// G.711, stateless.
    G711(G711),
    /// L16 at the given rate.
    L16(u32),
    /// Opus (boxed: libopus state lives behind it anyway).
    Opus(Box<OpusEncoder>),
}

/// A decoder for any supported codec.
#[derive(Debug)]
pub enum AudioDecoder {
    /// G.711, stateless; a lost payload becomes silence.
    G711(G711),
    /// L16 at the given rate; a lost payload becomes silence.
    L16(u32),
    /// Opus, with its own concealment.
    Opus(Box<OpusDecoder>),
}

impl AudioEncoder {
    /// An encoder for `codec`. For Opus, `opus` gives the settings and its
    /// `sample_rate` the PCM rate fed in; other codecs take PCM at their
    /// clock rate and ignore `opus`.
    pub fn new(codec: &Codec, opus: OpusConfig) -> Result<Self> {
        Ok(match codec.kind() {
            CodecKind::Pcmu => AudioEncoder::G711(G711::new(Law::Ulaw)),
            CodecKind::Pcma => AudioEncoder::G711(G711::new(Law::Alaw)),
            CodecKind::L16 => AudioEncoder::L16(codec.clock_rate()),
            CodecKind::Opus => AudioEncoder::Opus(Box::new(OpusEncoder::new(opus)?)),
        })
    }
}

impl AudioDecoder {
    /// A decoder for `codec`, producing PCM at `pcm_rate` for Opus (any of
    /// its rates) and at the clock rate for the others.
    pub fn new(codec: &Codec, pcm_rate: u32) -> Result<Self> {
        Ok(match codec.kind() {
            CodecKind::Pcmu => AudioDecoder::G711(G711::new(Law::Ulaw)),
            CodecKind::Pcma => AudioDecoder::G711(G711::new(Law::Alaw)),
            CodecKind::L16 => AudioDecoder::L16(codec.clock_rate()),
            CodecKind::Opus => AudioDecoder::Opus(Box::new(OpusDecoder::new(pcm_rate)?)),
        })
    }

    /// Recovers a lost payload from the one after it where the codec can
    /// (Opus in-band FEC); otherwise conceals. Fills all of `out`.
    pub fn recover(&mut self, next_payload: &[u8], out: &mut [i16]) -> Result<usize> {
        match self {
            AudioDecoder::Opus(decoder) => decoder.decode_fec(next_payload, out),
            _ => self.conceal(out),
        }
    }
}

impl Encode for AudioEncoder {
    fn encode(&mut self, pcm: &[i16], out: &mut [u8]) -> Result<usize> {
        match self {
            AudioEncoder::G711(coder) => coder.encode(pcm, out),
            AudioEncoder::L16(_) => l16::pack(pcm, out),
            AudioEncoder::Opus(encoder) => encoder.encode(pcm, out),
        }
    }

    fn sample_rate(&self) -> u32 {
        match self {
            AudioEncoder::G711(_) => 8_000,
            AudioEncoder::L16(rate) => *rate,
            AudioEncoder::Opus(encoder) => encoder.config().sample_rate,
        }
    }
}

impl Decode for AudioDecoder {
    fn decode(&mut self, payload: &[u8], out: &mut [i16]) -> Result<usize> {
        match self {
            AudioDecoder::G711(coder) => coder.decode(payload, out),
            AudioDecoder::L16(_) => l16::unpack(payload, out),
            AudioDecoder::Opus(decoder) => decoder.decode(payload, out),
        }
    }

    fn conceal(&mut self, out: &mut [i16]) -> Result<usize> {
        match self {
            AudioDecoder::Opus(decoder) => decoder.conceal(out),
            _ => {
                if out.is_empty() {
                    return Err(CodecError::InvalidFrameLength {
                        samples: 0,
                        rate: self.sample_rate(),
                    });
                }
                out.fill(0);
                Ok(out.len())
            }
        }
    }

    fn sample_rate(&self) -> u32 {
        match self {
            AudioDecoder::G711(_) => 8_000,
            AudioDecoder::L16(rate) => *rate,
            AudioDecoder::Opus(decoder) => decoder.sample_rate(),
        }
    }
}
