//! Generated sources: FreeSWITCH tone scripts (`tone_stream://`) and
//! `silence_stream://`, rendered as 16-bit linear PCM at the rate the call
//! needs, frame by frame, without allocating per frame.

mod generator;
mod oscillator;
mod script;
mod silence;

pub use generator::{ToneGenerator, ZERO_DB_PEAK};
pub use oscillator::Oscillator;
pub use script::{
    DEFAULT_KEY_OFF_MS, DEFAULT_KEY_ON_MS, DEFAULT_VOLUME_DB, MAX_FREQS, MIN_VOLUME_DB, Ramp,
    Repeat, ToneError, ToneErrorKind, ToneScript, ToneSegment,
};
pub use silence::{SilenceError, SilenceGenerator, SilenceSpec};

use std::fmt;

/// A generated source opened from its URL-like name.
#[derive(Debug, Clone)]
pub enum GeneratedSource {
    /// `tone_stream://…` (boxed: the generator carries 18 oscillators).
    Tone(Box<ToneGenerator>),
    /// `silence_stream://…`
    Silence(SilenceGenerator),
}

/// Why a generated source could not be opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpenError {
    /// The name starts with neither `tone_stream://` nor `silence_stream://`.
    UnknownScheme,
    /// The tone script is wrong.
    Tone(ToneError),
    /// The silence specification is wrong.
    Silence(SilenceError),
}

impl fmt::Display for OpenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OpenError::UnknownScheme => {
                f.write_str("not a tone_stream:// or silence_stream:// source")
            }
            OpenError::Tone(e) => e.fmt(f),
            OpenError::Silence(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for OpenError {}

fn has_prefix(s: &str, prefix: &str) -> bool {
    s.get(..prefix.len())
        .is_some_and(|p| p.eq_ignore_ascii_case(prefix))
}

impl GeneratedSource {
    /// Opens `tone_stream://…` or `silence_stream://…` at `sample_rate` Hz;
    /// `seed` starts comfort noise.
    pub fn open(name: &str, sample_rate: u32, seed: u16) -> Result<GeneratedSource, OpenError> {
        if has_prefix(name, "tone_stream://") {
            let script = ToneScript::parse(name).map_err(OpenError::Tone)?;
            Ok(GeneratedSource::Tone(Box::new(ToneGenerator::new(
                script,
                sample_rate,
            ))))
        } else if has_prefix(name, "silence_stream://") {
            let spec = SilenceSpec::parse(name).map_err(OpenError::Silence)?;
            Ok(GeneratedSource::Silence(SilenceGenerator::new(
                spec,
                sample_rate,
                seed,
            )))
        } else {
            Err(OpenError::UnknownScheme)
        }
    }

    /// Renders into `out`; returns the samples written (0 once finished).
    pub fn fill(&mut self, out: &mut [i16]) -> usize {
        match self {
            GeneratedSource::Tone(g) => g.fill(out),
            GeneratedSource::Silence(g) => g.fill(out),
        }
    }

    /// Whether everything has been rendered.
    pub fn is_finished(&self) -> bool {
        match self {
            GeneratedSource::Tone(g) => g.is_finished(),
            GeneratedSource::Silence(g) => g.is_finished(),
        }
    }
}
