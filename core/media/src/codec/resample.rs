//! Streaming sample-rate conversion between telephony and prompt rates
//! (8, 16, 32, 44.1 and 48 kHz, any direction), one fixed-size frame at a
//! time, into buffers the caller owns.
//!
//! # Why `rubato`
//!
//! The rule is not to hand-roll what a solid crate does well, as long as
//! the media path stays allocation-free per frame. `rubato` 5 (the
//! resampler of the Rust audio ecosystem, maintained, MIT/Apache) was
//! checked for that: its `Fft` synchronous resampler allocates its FFT
//! plans and scratch buffers once in the constructor, and
//! `Resampler::process_into_buffer` then reads from and writes to slices we
//! pass (via `audioadapter`), with no allocation per call (read in its
//! source: `synchro.rs` works in `input_scratch`/`output_scratch`/`overlaps`
//! held by the resampler). It resamples by any rational ratio, so 44.1 kHz
//! WAV prompts to 8/16/48 kHz come for free, with a proper windowed
//! (Blackman–Harris) anti-aliasing filter. A polyphase FIR of our own would
//! be a few hundred lines of filter design and tests for the integer
//! ratios only, and no faster where it matters: G.711↔Opus transcoding
//! needs no resampler at all, because libopus decodes straight to 8 kHz.
//!
//! The cost is latency: the FFT resampler with fixed input and output
//! chunks delays by half a frame (10 ms with 20 ms frames;
//! [`Resampler::delay`] says exactly how many output samples), against a
//! millisecond or two for a short FIR.
//! Transcoded calls between different rates are rare enough (L16 wideband,
//! prompts) for that to be the right trade.
//!
//! `rubato` works in floating point; the conversion to and from `i16`
//! (rounded, saturated) happens here in two scratch buffers allocated by
//! [`Resampler::new`].

use rubato::audioadapter_buffers::direct::SequentialSlice;
use rubato::{Fft, FixedSync, Resampler as _};

use super::error::{CodecError, Result};

/// The rates a [`Resampler`] converts between.
pub const SUPPORTED_RATES: [u32; 7] = [8_000, 12_000, 16_000, 24_000, 32_000, 44_100, 48_000];

/// Converts mono `i16` audio from one rate to another, frame by frame,
/// keeping its filter state across frames.
pub struct Resampler {
    inner: Option<Fft<f32>>,
    input_rate: u32,
    output_rate: u32,
    input_frames: usize,
    output_frames: usize,
    scratch_in: Vec<f32>,
    scratch_out: Vec<f32>,
}

impl std::fmt::Debug for Resampler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Resampler")
            .field("input_rate", &self.input_rate)
            .field("output_rate", &self.output_rate)
            .field("input_frames", &self.input_frames)
            .field("output_frames", &self.output_frames)
            .finish_non_exhaustive()
    }
}

impl Resampler {
    /// A resampler taking frames of exactly `input_frames` samples at
    /// `input_rate` and giving frames at `output_rate`. The output frame
    /// must be a whole number of samples (20 ms frames always are). Equal
    /// rates give a plain copy.
    pub fn new(input_rate: u32, output_rate: u32, input_frames: usize) -> Result<Self> {
        for rate in [input_rate, output_rate] {
            if !SUPPORTED_RATES.contains(&rate) {
                return Err(CodecError::UnsupportedRate(rate));
            }
        }
        let scaled = input_frames as u64 * u64::from(output_rate);
        if input_frames == 0
            || input_frames > 48_000
            || !scaled.is_multiple_of(u64::from(input_rate))
        {
            return Err(CodecError::InvalidFrameLength {
                samples: input_frames,
                rate: input_rate,
            });
        }
        let output_frames = (scaled / u64::from(input_rate)) as usize;
        let inner = if input_rate == output_rate {
            None
        } else {
            let fft = Fft::<f32>::new(
                input_rate as usize,
                output_rate as usize,
                input_frames,
                1,
                FixedSync::Both,
            )
            .map_err(|_| CodecError::InvalidFrameLength {
                samples: input_frames,
                rate: input_rate,
            })?;
            // With both sides fixed, rubato may round the chunk to its FFT
            // block; we only accept the exact frame we were asked for.
            if fft.input_frames_next() != input_frames || fft.output_frames_next() != output_frames
            {
                return Err(CodecError::InvalidFrameLength {
                    samples: input_frames,
                    rate: input_rate,
                });
            }
            Some(fft)
        };
        Ok(Resampler {
            inner,
            input_rate,
            output_rate,
            input_frames,
            output_frames,
            scratch_in: vec![0.0; input_frames],
            scratch_out: vec![0.0; output_frames],
        })
    }

    /// The input rate in hertz.
    pub fn input_rate(&self) -> u32 {
        self.input_rate
    }

    /// The output rate in hertz.
    pub fn output_rate(&self) -> u32 {
        self.output_rate
    }

    /// Samples every input frame must have.
    pub fn input_frames(&self) -> usize {
        self.input_frames
    }

    /// Samples every output frame has.
    pub fn output_frames(&self) -> usize {
        self.output_frames
    }

    /// The delay the filter adds, in output samples.
    pub fn delay(&self) -> usize {
        self.inner.as_ref().map_or(0, |fft| fft.output_delay())
    }

    /// Resamples one frame of exactly [`input_frames`](Self::input_frames)
    /// samples into the start of `output`; returns the samples written
    /// ([`output_frames`](Self::output_frames)).
    pub fn process(&mut self, input: &[i16], output: &mut [i16]) -> Result<usize> {
        if input.len() != self.input_frames {
            return Err(CodecError::InvalidFrameLength {
                samples: input.len(),
                rate: self.input_rate,
            });
        }
        let needed = self.output_frames;
        if output.len() < needed {
            return Err(CodecError::BufferTooSmall {
                needed,
                available: output.len(),
            });
        }
        let Some(fft) = self.inner.as_mut() else {
            output[..needed].copy_from_slice(input);
            return Ok(needed);
        };
        for (x, &sample) in self.scratch_in.iter_mut().zip(input) {
            *x = f32::from(sample) / 32_768.0;
        }
        let frames_in = self.input_frames;
        let adapter_in =
            SequentialSlice::new(&self.scratch_in[..], 1, frames_in).map_err(|_| {
                CodecError::InvalidFrameLength {
                    samples: frames_in,
                    rate: self.input_rate,
                }
            })?;
        let mut adapter_out = SequentialSlice::new_mut(&mut self.scratch_out[..], 1, needed)
            .map_err(|_| CodecError::BufferTooSmall {
                needed,
                available: needed,
            })?;
        let (_, written) = fft
            .process_into_buffer(&adapter_in, &mut adapter_out, None)
            .map_err(|_| CodecError::InvalidFrameLength {
                samples: frames_in,
                rate: self.input_rate,
            })?;
        for (sample, &y) in output.iter_mut().zip(&self.scratch_out[..written]) {
            // `as` saturates float-to-int conversions (and maps NaN to 0).
            *sample = (y * 32_768.0).round() as i16;
        }
        Ok(written)
    }

    /// Forgets the filter history (a new stream).
    pub fn reset(&mut self) {
        if let Some(fft) = self.inner.as_mut() {
            fft.reset();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::testutil::{db, power, sine, tone_power, zero_crossing_frequency};

    /// Runs `seconds` of a `freq` tone at `from` through a 20 ms resampler
    /// to `to`; returns the output after the filter's delay and a frame.
    fn run(from: u32, to: u32, freq: f64, frames: usize) -> Vec<i16> {
        let frame_in = from as usize / 50;
        let mut resampler = Resampler::new(from, to, frame_in).unwrap();
        let mut out = vec![0i16; resampler.output_frames()];
        let mut all = Vec::new();
        for k in 0..frames {
            let input = sine(freq, 10_000.0, from, k * frame_in, frame_in);
            assert_eq!(
                resampler.process(&input, &mut out),
                Ok(resampler.output_frames())
            );
            all.extend_from_slice(&out);
        }
        let skip = resampler.delay() + resampler.output_frames();
        all.split_off(skip.min(all.len()))
    }

    #[test]
    fn passes_an_in_band_tone() {
        for (from, to) in [
            (8_000, 16_000),
            (16_000, 8_000),
            (8_000, 48_000),
            (48_000, 8_000),
            (16_000, 48_000),
            (48_000, 16_000),
            (44_100, 8_000),
            (44_100, 16_000),
            (44_100, 48_000),
        ] {
            let out = run(from, to, 1000.0, 25);
            let frequency = zero_crossing_frequency(&out, to);
            assert!(
                (frequency - 1000.0).abs() < 1.0,
                "{from}→{to}: {frequency} Hz"
            );
            let level = db(power(&out) / 50_000_000.0);
            assert!(level.abs() < 0.2, "{from}→{to}: level {level:.3} dB");
            let purity = tone_power(&out, 1000.0, to) / power(&out);
            assert!(purity > 0.999, "{from}→{to}: only {purity:.5} at the tone");
        }
    }

    /// Going down, a tone above the new Nyquist frequency must be filtered
    /// out rather than folded back (aliased) into the band.
    #[test]
    fn attenuates_above_the_target_nyquist() {
        for (from, to, freq) in [
            (48_000, 8_000, 6_000.0),
            (16_000, 8_000, 5_000.0),
            (48_000, 16_000, 12_000.0),
            (44_100, 8_000, 7_000.0),
        ] {
            let out = run(from, to, freq, 25);
            let attenuation = db(power(&out).max(1e-3) / 50_000_000.0);
            assert!(
                attenuation < -50.0,
                "{from}→{to} at {freq} Hz: only {attenuation:.1} dB down"
            );
        }
    }

    #[test]
    fn frame_and_buffer_checks() {
        assert_eq!(
            Resampler::new(8_000, 11_025, 160).unwrap_err(),
            CodecError::UnsupportedRate(11_025)
        );
        assert!(matches!(
            Resampler::new(8_000, 44_100, 100),
            Err(CodecError::InvalidFrameLength { .. })
        ));
        assert!(matches!(
            Resampler::new(8_000, 48_000, 0),
            Err(CodecError::InvalidFrameLength { .. })
        ));
        let mut resampler = Resampler::new(8_000, 48_000, 160).unwrap();
        assert_eq!(
            (resampler.input_rate(), resampler.output_rate()),
            (8_000, 48_000)
        );
        assert_eq!(
            (resampler.input_frames(), resampler.output_frames()),
            (160, 960)
        );
        let mut out = [0i16; 960];
        assert!(matches!(
            resampler.process(&[0; 159], &mut out),
            Err(CodecError::InvalidFrameLength { .. })
        ));
        assert!(matches!(
            resampler.process(&[0; 160], &mut out[..900]),
            Err(CodecError::BufferTooSmall { .. })
        ));
        // Full scale in, nothing wraps around.
        assert_eq!(resampler.process(&[i16::MAX; 160], &mut out), Ok(960));
        resampler.reset();
        let mut same = Resampler::new(16_000, 16_000, 320).unwrap();
        assert_eq!(same.delay(), 0);
        let input: Vec<i16> = (0..320).map(|i| i as i16).collect();
        let mut copy = [0i16; 320];
        assert_eq!(same.process(&input, &mut copy), Ok(320));
        assert_eq!(&copy[..], &input[..]);
    }
}
