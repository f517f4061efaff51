//! In-band DTMF detection for legs that do not send telephone-events.
//!
//! Samples (16-bit linear PCM, mono, 8 kHz to 48 kHz) are cut into blocks of
//! 12.75 ms (102 samples at 8 kHz, 204 at 16 kHz), whatever the frame size
//! fed. Each block is tested with Goertzel filters on the eight DTMF
//! frequencies and their second harmonics:
//!
//! - each of the two strongest tones (one row, one column) above a level
//!   threshold;
//! - twist within limits: the column tone at most 8 dB below the row tone
//!   (normal twist) and the row tone at most 4 dB below the column tone
//!   (reverse twist);
//! - relative peak: every other row (column) at least 8 dB below the
//!   strongest;
//! - the two tones together carry most of the block's energy (speech and
//!   noise spread theirs);
//! - the second harmonics are weak (speech has strong harmonics, a DTMF
//!   generator does not).
//!
//! A key is reported once it has held for the minimum on-time (40 ms by
//! default, that is three blocks) and cannot be reported again until it has
//! been absent for the minimum off-time (40 ms), so one press gives one
//! report even if a block in its middle is spoiled by noise.

use std::fmt;

use super::Digit;
use super::digit::{COL_FREQS, ROW_FREQS};
use super::goertzel::GoertzelBank;

/// Length of one analysis block in seconds (102 samples at 8 kHz).
pub const BLOCK_SECONDS: f32 = 0.01275;

/// Settings of a [`DtmfDetector`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DetectorConfig {
    /// Sample rate of the input in Hz (8000 to 48000).
    pub sample_rate: u32,
    /// Lowest accepted level of each tone, in dB relative to a full-scale
    /// sine (default −36 dBFS, about −33 dBm0).
    pub min_tone_level_db: f32,
    /// Largest accepted normal twist (column weaker than row), in dB (8).
    pub normal_twist_db: f32,
    /// Largest accepted reverse twist (row weaker than column), in dB (4).
    pub reverse_twist_db: f32,
    /// How far every other row or column tone must be below the strongest, in dB (8).
    pub relative_peak_db: f32,
    /// Share of the block's energy the two tones must carry (0.0–1.0; 0.6).
    pub min_energy_share: f32,
    /// Minimum on-time before a key is reported, in ms (40).
    pub min_on_ms: u32,
    /// Minimum off-time before the next key is reported, in ms (40).
    pub min_off_ms: u32,
}

impl DetectorConfig {
    /// Standard settings for a sample rate.
    pub fn new(sample_rate: u32) -> DetectorConfig {
        DetectorConfig {
            sample_rate,
            min_tone_level_db: -36.0,
            normal_twist_db: 8.0,
            reverse_twist_db: 4.0,
            relative_peak_db: 8.0,
            min_energy_share: 0.6,
            min_on_ms: 40,
            min_off_ms: 40,
        }
    }
}

/// Why a detector could not be made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DetectorError {
    /// The sample rate is outside 8000–48000 Hz.
    UnsupportedRate(u32),
}

impl fmt::Display for DetectorError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DetectorError::UnsupportedRate(rate) => {
                write!(
                    f,
                    "in-band DTMF detection needs 8000-48000 Hz, not {rate} Hz"
                )
            }
        }
    }
}

impl std::error::Error for DetectorError {}

/// What the detector reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InbandEvent {
    /// A key press was recognised (reported once per press).
    Digit {
        /// The key.
        digit: Digit,
        /// Sample index (since the detector was made) where the tone began.
        start_sample: u64,
    },
    /// The key is no longer heard (after the minimum off-time).
    End {
        /// The key.
        digit: Digit,
        /// Sample index where the tone began.
        start_sample: u64,
        /// How long the tone was heard, in samples.
        duration_samples: u64,
    },
}

fn db_to_power_ratio(db: f32) -> f32 {
    10f32.powf(db / 10.0)
}

/// An in-band DTMF detector for one audio stream.
#[derive(Debug, Clone)]
pub struct DtmfDetector {
    config: DetectorConfig,
    block_len: usize,
    filled: usize,
    energy: f32,
    /// Rows (0–3), columns (4–7), their second harmonics (8–11, 12–15).
    bank: GoertzelBank<16>,
    /// Precomputed thresholds.
    min_tone_power: f32,
    normal_twist: f32,
    reverse_twist: f32,
    relative_peak: f32,
    on_blocks: u32,
    off_blocks: u32,
    /// Samples consumed so far.
    position: u64,
    /// The key heard in consecutive blocks (candidate) and for how many.
    candidate: Option<Digit>,
    candidate_blocks: u32,
    candidate_start: u64,
    /// The key reported and not yet ended, with blocks since it was last heard.
    reported: Option<(Digit, u64)>,
    last_heard_end: u64,
    absent_blocks: u32,
}

impl DtmfDetector {
    /// A detector with standard settings for `sample_rate`.
    pub fn new(sample_rate: u32) -> Result<DtmfDetector, DetectorError> {
        DtmfDetector::with_config(DetectorConfig::new(sample_rate))
    }

    /// A detector with the given settings.
    pub fn with_config(config: DetectorConfig) -> Result<DtmfDetector, DetectorError> {
        let rate = config.sample_rate;
        if !(8000..=48000).contains(&rate) {
            return Err(DetectorError::UnsupportedRate(rate));
        }
        let block_len = (rate as f32 * BLOCK_SECONDS).round() as usize;
        let block_ms = BLOCK_SECONDS * 1000.0;
        let blocks_for = |ms: u32| ((ms as f32 / block_ms).round() as u32).max(1);
        let amplitude = 32767.0 * 10f32.powf(config.min_tone_level_db / 20.0);
        let min_tone_power = (amplitude * block_len as f32 / 2.0).powi(2);
        Ok(DtmfDetector {
            config,
            block_len,
            filled: 0,
            energy: 0.0,
            bank: GoertzelBank::new(bank_freqs(), rate),
            min_tone_power,
            normal_twist: db_to_power_ratio(-config.normal_twist_db.abs()),
            reverse_twist: db_to_power_ratio(-config.reverse_twist_db.abs()),
            relative_peak: db_to_power_ratio(-config.relative_peak_db.abs()),
            on_blocks: blocks_for(config.min_on_ms),
            off_blocks: blocks_for(config.min_off_ms),
            position: 0,
            candidate: None,
            candidate_blocks: 0,
            candidate_start: 0,
            reported: None,
            last_heard_end: 0,
            absent_blocks: 0,
        })
    }

    /// The settings in use.
    pub fn config(&self) -> DetectorConfig {
        self.config
    }

    /// Samples per analysis block.
    pub fn block_len(&self) -> usize {
        self.block_len
    }

    /// Feeds samples (any count, frame by frame) and calls `on_event` for
    /// each key recognised and each key that ended.
    pub fn process(&mut self, samples: &[i16], mut on_event: impl FnMut(InbandEvent)) {
        let mut rest = samples;
        while !rest.is_empty() {
            let take = (self.block_len - self.filled).min(rest.len());
            let (chunk, tail) = rest.split_at(take);
            rest = tail;
            self.bank.push_all(chunk);
            self.energy += chunk
                .iter()
                .map(|&s| f32::from(s) * f32::from(s))
                .sum::<f32>();
            self.filled += take;
            self.position += take as u64;
            if self.filled == self.block_len {
                let heard = self.classify_block();
                self.reset_block();
                self.advance(heard, &mut on_event);
            }
        }
    }

    /// Feeds one frame and returns the key recognised in it, if any (ends
    /// are not reported this way).
    pub fn process_frame(&mut self, samples: &[i16]) -> Option<Digit> {
        let mut found = None;
        self.process(samples, |event| {
            if let InbandEvent::Digit { digit, .. } = event {
                found.get_or_insert(digit);
            }
        });
        found
    }

    fn reset_block(&mut self) {
        self.filled = 0;
        self.energy = 0.0;
        self.bank.reset();
    }

    fn classify_block(&self) -> Option<Digit> {
        let rows = [0, 1, 2, 3].map(|i| self.bank.power(i));
        let cols = [4, 5, 6, 7].map(|i| self.bank.power(i));
        let (row, row_power) = strongest(&rows);
        let (col, col_power) = strongest(&cols);
        if row_power < self.min_tone_power || col_power < self.min_tone_power {
            return None;
        }
        if col_power < row_power * self.normal_twist || row_power < col_power * self.reverse_twist {
            return None;
        }
        let others_quiet = |powers: &[f32; 4], best: usize| {
            powers
                .iter()
                .enumerate()
                .all(|(i, p)| i == best || *p < powers[best] * self.relative_peak)
        };
        if !others_quiet(&rows, row) || !others_quiet(&cols, col) {
            return None;
        }
        // A pure sine of power P over n samples has energy 2P/n.
        let tone_energy = 2.0 * (row_power + col_power) / self.block_len as f32;
        if tone_energy < self.config.min_energy_share * self.energy {
            return None;
        }
        // Second harmonics: rows leak into 2f from the column tones, so the
        // row limit is lenient; columns have nothing near 2f.
        if self.bank.power(8 + row) * 1.7 > row_power
            || self.bank.power(12 + col) * 63.0 > col_power
        {
            return None;
        }
        Digit::from_keypad(row, col)
    }

    fn advance(&mut self, heard: Option<Digit>, on_event: &mut impl FnMut(InbandEvent)) {
        let block = self.block_len as u64;
        let block_start = self.position - block;
        if let Some(digit) = heard {
            if self.candidate == Some(digit) {
                self.candidate_blocks = self.candidate_blocks.saturating_add(1);
            } else {
                self.candidate = Some(digit);
                self.candidate_blocks = 1;
                self.candidate_start = block_start;
            }
        } else {
            self.candidate = None;
            self.candidate_blocks = 0;
        }

        if let Some((digit, start)) = self.reported {
            if heard == Some(digit) {
                self.absent_blocks = 0;
                self.last_heard_end = self.position;
                return;
            }
            self.absent_blocks += 1;
            if self.absent_blocks < self.off_blocks {
                return;
            }
            on_event(InbandEvent::End {
                digit,
                start_sample: start,
                duration_samples: self.last_heard_end.saturating_sub(start),
            });
            self.reported = None;
            // The key that ended the off-time counts from its own first block.
        }

        if let Some(digit) = self.candidate
            && self.candidate_blocks >= self.on_blocks
        {
            let start = self.candidate_start;
            self.reported = Some((digit, start));
            self.absent_blocks = 0;
            self.last_heard_end = self.position;
            on_event(InbandEvent::Digit {
                digit,
                start_sample: start,
            });
        }
    }
}

fn strongest(powers: &[f32; 4]) -> (usize, f32) {
    let mut best = (0, powers[0]);
    for (i, &p) in powers.iter().enumerate().skip(1) {
        if p > best.1 {
            best = (i, p);
        }
    }
    best
}

fn bank_freqs() -> [f32; 16] {
    let mut freqs = [0.0; 16];
    for i in 0..4 {
        freqs[i] = ROW_FREQS[i];
        freqs[4 + i] = COL_FREQS[i];
        freqs[8 + i] = 2.0 * ROW_FREQS[i];
        freqs[12 + i] = 2.0 * COL_FREQS[i];
    }
    freqs
}
