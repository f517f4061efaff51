//! Turns one leg's frames into the other leg's when their codecs differ,
//! through 16-bit linear PCM (resampled when the rates differ), and says
//! when they do not differ, so the relay can forward payloads untouched.
//!
//! ```text
//! payload A ─decode─▶ PCM @ rate A ─(resample)─▶ PCM @ rate B ─queue─▶ encode ─▶ payload B
//! ```
//!
//! Opus decodes to, and encodes from, whatever rate the other leg uses if
//! libopus supports it, so PCMU↔Opus needs no resampler. The queue lets the
//! two legs use different ptimes: [`Transcoder::push`] one payload, then
//! [`Transcoder::pull`] until it returns `None`.
//!
//! Every buffer is allocated by [`Transcoder::new`]; pushing and pulling
//! allocate nothing.

use super::coder::{AudioDecoder, AudioEncoder, Decode, Encode};
use super::error::{CodecError, Result};
use super::opus::{self, MAX_PACKET_MS, OpusConfig};
use super::queue::SampleQueue;
use super::registry::{Codec, CodecKind};
use super::resample::Resampler;

/// A one-way converter from leg A's codec to leg B's (a call needs one per
/// direction).
#[derive(Debug)]
pub struct Transcoder {
    from: Codec,
    to: Codec,
    pipeline: Option<Box<Pipeline>>,
}

/// The decode → resample → encode path, absent when relaying.
#[derive(Debug)]
struct Pipeline {
    decoder: AudioDecoder,
    encoder: AudioEncoder,
    resampler: Option<Resampler>,
    /// One decoded payload (up to 120 ms at the decode rate).
    decoded: Vec<i16>,
    /// Samples at the decode rate waiting for a full resampler chunk.
    before_resampling: SampleQueue,
    /// One resampler chunk in and out.
    chunk_in: Vec<i16>,
    chunk_out: Vec<i16>,
    /// Samples at the encode rate waiting for a full output frame.
    ready: SampleQueue,
    /// One output frame.
    frame: Vec<i16>,
    /// One input frame's samples at the decode rate (for loss).
    input_frame: usize,
}

impl Transcoder {
    /// A transcoder from `from` to `to` with Opus's default settings
    /// (complexity 5, no FEC, no DTX) when `to` is Opus.
    pub fn new(from: Codec, to: Codec) -> Result<Self> {
        Transcoder::with_opus_config(from, to, OpusConfig::default())
    }

    /// A transcoder from `from` to `to`; when `to` is Opus its encoder uses
    /// `opus` (its `sample_rate` is chosen here, to match `from`'s rate).
    /// When the two can relay ([`Codec::can_relay_to`]) nothing is built.
    pub fn with_opus_config(from: Codec, to: Codec, opus: OpusConfig) -> Result<Self> {
        if from.can_relay_to(&to) {
            return Ok(Transcoder {
                from,
                to,
                pipeline: None,
            });
        }
        let native = |codec: &Codec| {
            if codec.kind() == CodecKind::Opus {
                opus::RTP_CLOCK_RATE
            } else {
                codec.clock_rate()
            }
        };
        // Opus works at the other leg's rate when it can.
        let decode_rate = match from.kind() {
            CodecKind::Opus if opus::supports_rate(native(&to)) => native(&to),
            _ => native(&from),
        };
        let encode_rate = match to.kind() {
            CodecKind::Opus if opus::supports_rate(decode_rate) => decode_rate,
            _ => native(&to),
        };
        let decoder = AudioDecoder::new(&from, decode_rate)?;
        let encoder = AudioEncoder::new(
            &to,
            OpusConfig {
                sample_rate: encode_rate,
                ..opus
            },
        )?;
        let input_frame = from.frame_samples_at(decode_rate);
        let output_frame = to.frame_samples_at(encode_rate);
        let max_decoded = decode_rate as usize * MAX_PACKET_MS / 1000;
        let resampler = if decode_rate == encode_rate {
            None
        } else {
            Some(Resampler::new(decode_rate, encode_rate, input_frame)?)
        };
        let (chunk_in, chunk_out) = match &resampler {
            Some(r) => (r.input_frames(), r.output_frames()),
            None => (0, 0),
        };
        let max_resampled =
            (max_decoded + input_frame) * encode_rate as usize / decode_rate as usize + 1;
        let pipeline = Pipeline {
            decoder,
            encoder,
            resampler,
            decoded: vec![0; max_decoded],
            before_resampling: SampleQueue::new(if chunk_in > 0 {
                max_decoded + chunk_in
            } else {
                0
            }),
            chunk_in: vec![0; chunk_in],
            chunk_out: vec![0; chunk_out],
            ready: SampleQueue::new(max_resampled + 2 * output_frame),
            frame: vec![0; output_frame],
            input_frame,
        };
        Ok(Transcoder {
            from,
            to,
            pipeline: Some(Box::new(pipeline)),
        })
    }

    /// The incoming leg's codec.
    pub fn from(&self) -> &Codec {
        &self.from
    }

    /// The outgoing leg's codec.
    pub fn to(&self) -> &Codec {
        &self.to
    }

    /// True when both legs use the same codec, rate and ptime: payloads are
    /// forwarded as they are (only the payload type may need rewriting) and
    /// nothing is decoded. [`transcode`](Self::transcode) then copies.
    pub fn passthrough(&self) -> bool {
        self.pipeline.is_none()
    }

    fn pipeline(&mut self) -> Result<&mut Pipeline> {
        self.pipeline
            .as_deref_mut()
            .ok_or(CodecError::InvalidConfig(
                "both legs use the same codec: relay the payload",
            ))
    }

    /// Decodes one incoming payload into the queue.
    pub fn push(&mut self, payload: &[u8]) -> Result<()> {
        let pipeline = self.pipeline()?;
        let n = pipeline.decoder.decode(payload, &mut pipeline.decoded)?;
        pipeline.feed(n)
    }

    /// Fills in for one lost incoming frame (Opus concealment; silence for
    /// G.711 and L16).
    pub fn push_lost(&mut self) -> Result<()> {
        let pipeline = self.pipeline()?;
        let n = pipeline.input_frame;
        let frame = pipeline.decoded.get_mut(..n).ok_or(CodecError::Overflow)?;
        pipeline.decoder.conceal(frame)?;
        pipeline.feed(n)
    }

    /// Recovers one lost incoming frame from the payload after it (Opus
    /// in-band FEC), then the caller pushes `next_payload` itself as usual.
    pub fn push_recovered(&mut self, next_payload: &[u8]) -> Result<()> {
        let pipeline = self.pipeline()?;
        let n = pipeline.input_frame;
        let frame = pipeline.decoded.get_mut(..n).ok_or(CodecError::Overflow)?;
        pipeline.decoder.recover(next_payload, frame)?;
        pipeline.feed(n)
    }

    /// Encodes one outgoing frame into `out` if enough audio is queued;
    /// returns its length, or `None` when more input is needed. An Opus
    /// payload of two bytes or fewer is DTX ([`opus::is_dtx_packet`]) and
    /// need not be sent.
    pub fn pull(&mut self, out: &mut [u8]) -> Result<Option<usize>> {
        let pipeline = self.pipeline()?;
        if !pipeline.ready.pop_into(&mut pipeline.frame) {
            return Ok(None);
        }
        pipeline.encoder.encode(&pipeline.frame, out).map(Some)
    }

    /// One payload in, at most one out: [`push`](Self::push) then
    /// [`pull`](Self::pull) — enough when both legs use the same ptime. On
    /// the fast path the payload is copied unchanged.
    pub fn transcode(&mut self, payload: &[u8], out: &mut [u8]) -> Result<Option<usize>> {
        if self.pipeline.is_none() {
            let room = out.len();
            let dest = out
                .get_mut(..payload.len())
                .ok_or(CodecError::BufferTooSmall {
                    needed: payload.len(),
                    available: room,
                })?;
            dest.copy_from_slice(payload);
            return Ok(Some(payload.len()));
        }
        self.push(payload)?;
        self.pull(out)
    }

    /// Drops queued audio and codec history (a new stream on either leg).
    pub fn reset(&mut self) -> Result<()> {
        if let Some(pipeline) = self.pipeline.as_deref_mut() {
            pipeline.before_resampling.clear();
            pipeline.ready.clear();
            if let Some(resampler) = pipeline.resampler.as_mut() {
                resampler.reset();
            }
            if let AudioDecoder::Opus(decoder) = &mut pipeline.decoder {
                decoder.reset()?;
            }
        }
        Ok(())
    }
}

impl Pipeline {
    /// Moves the first `n` decoded samples on towards the encoder.
    fn feed(&mut self, n: usize) -> Result<()> {
        let decoded = self.decoded.get(..n).ok_or(CodecError::Overflow)?;
        let Some(resampler) = self.resampler.as_mut() else {
            return self.ready.push(decoded);
        };
        self.before_resampling.push(decoded)?;
        while self.before_resampling.pop_into(&mut self.chunk_in) {
            let written = resampler.process(&self.chunk_in, &mut self.chunk_out)?;
            self.ready.push(&self.chunk_out[..written])?;
        }
        Ok(())
    }
}

#[cfg(test)]
#[path = "transcoder_tests.rs"]
mod tests;
