//! Reading WAV files through hound as a stream of mono 16-bit frames at the
//! file's own rate (the caller resamples to the call's rate).
//!
//! 8, 16, 24 and 32-bit integer PCM and 32-bit float PCM are read, with any
//! number of channels, which are averaged to mono. Wider integers are
//! shifted down to 16 bits, narrower ones up; floats are scaled by 32767
//! and clipped.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;

use super::WavError;

/// A WAV file read frame by frame as mono 16-bit samples.
pub struct WavSource<R: Read> {
    reader: hound::WavReader<R>,
    spec: hound::WavSpec,
    frames_left: u64,
}

impl<R: Read> std::fmt::Debug for WavSource<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WavSource")
            .field("spec", &self.spec)
            .field("frames_left", &self.frames_left)
            .finish()
    }
}

impl WavSource<BufReader<File>> {
    /// Opens a WAV file.
    pub fn open(path: impl AsRef<Path>) -> Result<WavSource<BufReader<File>>, WavError> {
        WavSource::new(BufReader::new(File::open(path)?))
    }
}

impl<R: Read> WavSource<R> {
    /// Reads a WAV header from `reader` (a file, or bytes in memory).
    pub fn new(reader: R) -> Result<WavSource<R>, WavError> {
        let reader = hound::WavReader::new(reader)?;
        let spec = reader.spec();
        match (spec.sample_format, spec.bits_per_sample) {
            (hound::SampleFormat::Int, 1..=32) | (hound::SampleFormat::Float, 32) => {}
            (format, bits) => {
                return Err(WavError::Unsupported(format!(
                    "{bits}-bit {format:?} samples"
                )));
            }
        }
        if spec.channels == 0 || spec.sample_rate == 0 {
            return Err(WavError::Format("no channels or a sample rate of 0".into()));
        }
        let frames_left = u64::from(reader.duration());
        Ok(WavSource {
            reader,
            spec,
            frames_left,
        })
    }

    /// The file's sample rate in Hz.
    pub fn sample_rate(&self) -> u32 {
        self.spec.sample_rate
    }

    /// The file's channel count (the output is mono whatever it is).
    pub fn channels(&self) -> u16 {
        self.spec.channels
    }

    /// The file's bits per sample.
    pub fn bits_per_sample(&self) -> u16 {
        self.spec.bits_per_sample
    }

    /// Whether the file holds float samples.
    pub fn is_float(&self) -> bool {
        self.spec.sample_format == hound::SampleFormat::Float
    }

    /// Frames (samples per channel) not yet read, as the header says.
    pub fn frames_left(&self) -> u64 {
        self.frames_left
    }

    /// Fills `out` with the next mono samples and returns how many were
    /// written: less than `out.len()` only at the end of the file (0 after
    /// it). A damaged file is an error, never a panic.
    pub fn read(&mut self, out: &mut [i16]) -> Result<usize, WavError> {
        let channels = usize::from(self.spec.channels);
        let want = (out.len() as u64).min(self.frames_left) as usize;
        let bits = self.spec.bits_per_sample;
        let float = self.is_float();
        let mut written = 0;
        if float {
            let mut samples = self.reader.samples::<f32>();
            while written < want {
                let mut sum = 0.0f32;
                let mut got = 0;
                for _ in 0..channels {
                    match samples.next() {
                        Some(s) => {
                            sum += s?;
                            got += 1;
                        }
                        None => break,
                    }
                }
                if got < channels {
                    break;
                }
                let mono = sum / channels as f32;
                out[written] = (mono * 32767.0).round().clamp(-32768.0, 32767.0) as i16;
                written += 1;
            }
        } else {
            let mut samples = self.reader.samples::<i32>();
            while written < want {
                let mut sum = 0i64;
                let mut got = 0;
                for _ in 0..channels {
                    match samples.next() {
                        Some(s) => {
                            sum += i64::from(to_16(s?, bits));
                            got += 1;
                        }
                        None => break,
                    }
                }
                if got < channels {
                    break;
                }
                out[written] = (sum / channels as i64) as i16;
                written += 1;
            }
        }
        self.frames_left -= written as u64;
        if written < want {
            self.frames_left = 0;
        }
        Ok(written)
    }
}

/// An integer sample of `bits` bits as 16 bits.
fn to_16(sample: i32, bits: u16) -> i16 {
    let wide = i64::from(sample);
    let scaled = if bits >= 16 {
        wide >> (bits - 16).min(31)
    } else {
        wide << (16 - bits)
    };
    scaled.clamp(i64::from(i16::MIN), i64::from(i16::MAX)) as i16
}
