//! Recording calls to 16-bit PCM WAV files, frame by frame: mono (one
//! source, or both legs mixed) or stereo (caller left, callee right).
//!
//! The header's sizes are written when the recorder is finished with
//! [`WavRecorder::finish`], and also when it is dropped (errors then cannot
//! be reported, so prefer `finish`). [`WavRecorder::flush`] brings the
//! header up to date mid-call, so a crash leaves a readable file.

use std::fs::File;
use std::io::{BufWriter, Seek, Write};
use std::path::Path;

use super::WavError;

/// The channel layout of a recording.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordLayout {
    /// One channel: a single source, or both legs mixed.
    Mono,
    /// Two channels: caller on the left, callee on the right.
    Stereo,
}

/// What a finished recording holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordingInfo {
    /// Frames written (samples per channel).
    pub frames: u64,
    /// Sample rate in Hz.
    pub sample_rate: u32,
    /// Channel layout.
    pub layout: RecordLayout,
}

impl RecordingInfo {
    /// The recording's length in milliseconds.
    pub fn duration_ms(&self) -> u64 {
        self.frames * 1000 / u64::from(self.sample_rate.max(1))
    }
}

/// Writes a 16-bit PCM WAV file frame by frame.
pub struct WavRecorder<W: Write + Seek> {
    writer: hound::WavWriter<W>,
    sample_rate: u32,
    layout: RecordLayout,
    frames: u64,
}

impl<W: Write + Seek> std::fmt::Debug for WavRecorder<W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WavRecorder")
            .field("sample_rate", &self.sample_rate)
            .field("layout", &self.layout)
            .field("frames", &self.frames)
            .finish()
    }
}

impl WavRecorder<BufWriter<File>> {
    /// Creates (or truncates) a WAV file at `path`.
    pub fn create(
        path: impl AsRef<Path>,
        sample_rate: u32,
        layout: RecordLayout,
    ) -> Result<WavRecorder<BufWriter<File>>, WavError> {
        if sample_rate == 0 {
            return Err(WavError::Usage("a sample rate of 0"));
        }
        let file = BufWriter::new(File::create(path)?);
        WavRecorder::new(file, sample_rate, layout)
    }
}

impl<W: Write + Seek> WavRecorder<W> {
    /// Starts a WAV file on any seekable writer (a file, or a cursor in memory).
    pub fn new(
        writer: W,
        sample_rate: u32,
        layout: RecordLayout,
    ) -> Result<WavRecorder<W>, WavError> {
        if sample_rate == 0 {
            return Err(WavError::Usage("a sample rate of 0"));
        }
        let spec = hound::WavSpec {
            channels: match layout {
                RecordLayout::Mono => 1,
                RecordLayout::Stereo => 2,
            },
            sample_rate,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        };
        Ok(WavRecorder {
            writer: hound::WavWriter::new(writer, spec)?,
            sample_rate,
            layout,
            frames: 0,
        })
    }

    /// The channel layout.
    pub fn layout(&self) -> RecordLayout {
        self.layout
    }

    /// Frames written so far.
    pub fn frames(&self) -> u64 {
        self.frames
    }

    /// Writes samples of a single source to a mono recording.
    pub fn write_mono(&mut self, samples: &[i16]) -> Result<(), WavError> {
        if self.layout != RecordLayout::Mono {
            return Err(WavError::Usage(
                "write_mono on a stereo recording (use write)",
            ));
        }
        for &s in samples {
            self.writer.write_sample(s)?;
        }
        self.frames += samples.len() as u64;
        Ok(())
    }

    /// Writes one frame of both legs: stereo puts the caller left and the
    /// callee right, mono mixes them (with clipping). If one leg's frame is
    /// shorter it is padded with silence.
    pub fn write(&mut self, caller: &[i16], callee: &[i16]) -> Result<(), WavError> {
        let n = caller.len().max(callee.len());
        for i in 0..n {
            let a = caller.get(i).copied().unwrap_or(0);
            let b = callee.get(i).copied().unwrap_or(0);
            match self.layout {
                RecordLayout::Stereo => {
                    self.writer.write_sample(a)?;
                    self.writer.write_sample(b)?;
                }
                RecordLayout::Mono => self.writer.write_sample(a.saturating_add(b))?,
            }
        }
        self.frames += n as u64;
        Ok(())
    }

    /// Brings the header up to date and flushes, so the file is valid as it
    /// stands.
    pub fn flush(&mut self) -> Result<(), WavError> {
        self.writer.flush()?;
        Ok(())
    }

    /// Writes the final header and closes the file.
    pub fn finish(self) -> Result<RecordingInfo, WavError> {
        let info = RecordingInfo {
            frames: self.frames,
            sample_rate: self.sample_rate,
            layout: self.layout,
        };
        self.writer.finalize()?;
        Ok(info)
    }
}
