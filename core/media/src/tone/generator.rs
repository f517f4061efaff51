//! Renders a [`ToneScript`] as 16-bit linear PCM at a requested rate,
//! frame by frame. Oscillators keep their phase across frames; nothing is
//! allocated after construction.

use super::oscillator::Oscillator;
use super::script::{MAX_FREQS, MIN_VOLUME_DB, Repeat, ToneScript, ToneSegment};

/// Peak amplitude of a 0 dB tone: FreeSWITCH's 0 dBm0 (3.14 dB + 3.02 dB
/// below a full-scale square), about 22,800.
pub const ZERO_DB_PEAK: f32 = 22_801.0;

/// Renders a tone script.
#[derive(Debug, Clone)]
pub struct ToneGenerator {
    script: ToneScript,
    rate: u32,
    /// Position: loop number, script pass (`L=`), segment, repeat (`l=`),
    /// sample within the segment.
    loop_no: u32,
    pass: u32,
    segment: usize,
    repeat: u32,
    sample: u64,
    on_samples: u64,
    total_samples: u64,
    oscillators: [Oscillator; MAX_FREQS],
    active: usize,
    volume_db: f32,
    gain: f32,
    ramp_every: u64,
    ramp_db: f32,
    ramp_count: u64,
    finished: bool,
}

fn samples_for(ms: u32, rate: u32) -> u64 {
    u64::from(ms) * u64::from(rate) / 1000
}

impl ToneGenerator {
    /// A generator rendering `script` at `sample_rate` Hz (mono).
    /// Frequencies at or above half the rate are left out.
    pub fn new(script: ToneScript, sample_rate: u32) -> ToneGenerator {
        let rate = sample_rate.max(1);
        let silent = script
            .segments
            .iter()
            .all(|s| samples_for(s.on_ms, rate) + samples_for(s.off_ms, rate) == 0);
        let mut generator = ToneGenerator {
            script,
            rate,
            loop_no: 0,
            pass: 0,
            segment: 0,
            repeat: 0,
            sample: 0,
            on_samples: 0,
            total_samples: 0,
            oscillators: [Oscillator::default(); MAX_FREQS],
            active: 0,
            volume_db: 0.0,
            gain: 0.0,
            ramp_every: 0,
            ramp_db: 0.0,
            ramp_count: 0,
            finished: silent,
        };
        if !generator.finished {
            generator.enter_segment();
            generator.skip_empty();
        }
        generator
    }

    /// The sample rate being rendered.
    pub fn sample_rate(&self) -> u32 {
        self.rate
    }

    /// The script being rendered.
    pub fn script(&self) -> &ToneScript {
        &self.script
    }

    /// Whether everything has been rendered.
    pub fn is_finished(&self) -> bool {
        self.finished
    }

    /// The length of everything still to render, in samples, or `None` if
    /// the script loops forever.
    pub fn total_len(&self) -> Option<u64> {
        let per_pass: u64 = self
            .script
            .segments
            .iter()
            .map(|s| {
                (samples_for(s.on_ms, self.rate) + samples_for(s.off_ms, self.rate))
                    .saturating_mul(u64::from(s.repeat))
            })
            .fold(0u64, u64::saturating_add);
        match self.script.loops {
            Repeat::Forever => None,
            Repeat::Times(n) => Some(
                per_pass
                    .saturating_mul(u64::from(self.script.script_repeats))
                    .saturating_mul(u64::from(n)),
            ),
        }
    }

    /// Renders into `out` and returns how many samples were written: all
    /// of `out` unless the script ends (0 once it has ended).
    pub fn fill(&mut self, out: &mut [i16]) -> usize {
        let mut written = 0;
        while written < out.len() && !self.finished {
            let remaining_on = self.on_samples.saturating_sub(self.sample);
            let want = (out.len() - written) as u64;
            if remaining_on > 0 {
                let n = remaining_on.min(want) as usize;
                for slot in &mut out[written..written + n] {
                    *slot = self.tone_sample();
                }
                written += n;
                self.sample += n as u64;
            } else {
                let n = (self.total_samples - self.sample).min(want) as usize;
                out[written..written + n].fill(0);
                written += n;
                self.sample += n as u64;
            }
            if self.sample >= self.total_samples {
                self.next_segment();
            }
        }
        written
    }

    #[inline]
    fn tone_sample(&mut self) -> i16 {
        let mut sum = 0.0f32;
        for osc in &mut self.oscillators[..self.active] {
            sum += osc.next_sample();
        }
        if self.ramp_every > 0 {
            self.ramp_count += 1;
            if self.ramp_count >= self.ramp_every {
                self.ramp_count = 0;
                let v = self.volume_db + self.ramp_db;
                if (MIN_VOLUME_DB..=0.0).contains(&v) {
                    self.set_volume(v);
                }
            }
        }
        (sum * self.gain).round().clamp(-32768.0, 32767.0) as i16
    }

    fn set_volume(&mut self, db: f32) {
        self.volume_db = db;
        let n = self.active.max(1) as f32;
        self.gain = ZERO_DB_PEAK * 10f32.powf(db / 20.0) / n;
    }

    fn current(&self) -> Option<&ToneSegment> {
        self.script.segments.get(self.segment)
    }

    fn enter_segment(&mut self) {
        let rate = self.rate;
        let Some(segment) = self.current() else {
            self.finished = true;
            return;
        };
        let on = samples_for(segment.on_ms, rate);
        let off = samples_for(segment.off_ms, rate);
        let volume = segment.volume_db;
        let ramp = segment.ramp;
        let nyquist = rate as f32 / 2.0;
        let mut oscillators = [Oscillator::default(); MAX_FREQS];
        let mut active = 0;
        for &f in segment.freqs().iter().filter(|f| **f < nyquist) {
            oscillators[active] = Oscillator::new(f, rate);
            active += 1;
        }
        self.oscillators = oscillators;
        self.active = active;
        self.on_samples = if active == 0 { 0 } else { on };
        self.total_samples = on + off;
        self.sample = 0;
        self.ramp_count = 0;
        match ramp {
            Some(r) => {
                self.ramp_every = samples_for(r.step_ms, rate).max(1);
                self.ramp_db = r.step_db;
            }
            None => {
                self.ramp_every = 0;
                self.ramp_db = 0.0;
            }
        }
        self.set_volume(volume);
    }

    /// Moves past segments that render no sample (a whole pass is never
    /// empty: `new` finishes at once if it would be).
    fn skip_empty(&mut self) {
        while !self.finished && self.total_samples == 0 {
            // All repeats of an empty segment are empty: skip them at once.
            self.repeat = u32::MAX - 1;
            self.step();
        }
    }

    fn next_segment(&mut self) {
        self.step();
        self.skip_empty();
    }

    fn step(&mut self) {
        self.repeat = self.repeat.saturating_add(1);
        let repeats = self.current().map_or(1, |s| s.repeat.max(1));
        if self.repeat < repeats {
            self.enter_segment();
            return;
        }
        self.repeat = 0;
        self.segment += 1;
        if self.segment >= self.script.segments.len() {
            self.segment = 0;
            self.pass += 1;
            if self.pass >= self.script.script_repeats.max(1) {
                self.pass = 0;
                self.loop_no = self.loop_no.saturating_add(1);
                if let Repeat::Times(n) = self.script.loops
                    && self.loop_no >= n.max(1)
                {
                    self.finished = true;
                    return;
                }
            }
        }
        self.enter_segment();
    }
}
