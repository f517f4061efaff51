//! Test audio: writing a WAV of tones, reading a WAV back, and telling
//! which tone a stretch of audio carries (Goertzel), so a test can check
//! that the audio that arrived is the audio that was sent, in order.

use std::fs;
use std::path::Path;

/// Writes 8 kHz mono 16-bit PCM: each `(frequency, seconds)` in turn
/// (frequency 0 is silence).
pub fn write_tones(path: &Path, parts: &[(f64, f64)]) {
    let mut samples: Vec<i16> = Vec::new();
    for &(frequency, seconds) in parts {
        let count = (seconds * 8000.0) as usize;
        for i in 0..count {
            let value = if frequency > 0.0 {
                8000.0 * (2.0 * std::f64::consts::PI * frequency * i as f64 / 8000.0).sin()
            } else {
                0.0
            };
            samples.push(value as i16);
        }
    }
    write_wav(path, 8000, &samples);
}

/// Reads a 16-bit PCM WAV: (sample rate, samples of the first channel).
pub fn read_wav(path: &Path) -> (u32, Vec<i16>) {
    let bytes = fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut at = 12;
    let (mut rate, mut channels, mut data) = (8000u32, 1usize, &bytes[0..0]);
    while at + 8 <= bytes.len() {
        let id = &bytes[at..at + 4];
        let len = u32::from_le_bytes([bytes[at + 4], bytes[at + 5], bytes[at + 6], bytes[at + 7]])
            as usize;
        let body = &bytes[at + 8..(at + 8 + len).min(bytes.len())];
        if id == b"fmt " && body.len() >= 16 {
            channels = u16::from_le_bytes([body[2], body[3]]) as usize;
            rate = u32::from_le_bytes([body[4], body[5], body[6], body[7]]);
        } else if id == b"data" {
            data = body;
        }
        at += 8 + len + (len & 1);
    }
    let samples = data
        .chunks_exact(2 * channels.max(1))
        .map(|frame| i16::from_le_bytes([frame[0], frame[1]]))
        .collect();
    (rate, samples)
}

/// The power of `frequency` in `samples` (Goertzel).
fn goertzel(samples: &[i16], rate: u32, frequency: f64) -> f64 {
    let coefficient = 2.0 * (2.0 * std::f64::consts::PI * frequency / f64::from(rate)).cos();
    let (mut s1, mut s2) = (0.0f64, 0.0f64);
    for &sample in samples {
        let s0 = f64::from(sample) + coefficient * s1 - s2;
        s2 = s1;
        s1 = s0;
    }
    s1 * s1 + s2 * s2 - coefficient * s1 * s2
}

/// For each 100 ms frame: which of `candidates` dominates it (a tone at
/// least 10 times stronger than the others and clearly above silence),
/// or `None`.
pub fn dominant_tones(samples: &[i16], rate: u32, candidates: &[f64]) -> Vec<Option<f64>> {
    let frame = (rate / 10) as usize;
    samples
        .chunks(frame)
        .filter(|chunk| chunk.len() == frame)
        .map(|chunk| {
            let mut powers: Vec<(f64, f64)> = candidates
                .iter()
                .map(|&f| (f, goertzel(chunk, rate, f)))
                .collect();
            powers.sort_by(|a, b| b.1.total_cmp(&a.1));
            let energy: f64 = chunk.iter().map(|&s| f64::from(s) * f64::from(s)).sum();
            let loud = energy / frame as f64 > 1_000_000.0; // RMS above 1000
            (loud && powers.len() > 1 && powers[0].1 > 10.0 * powers[1].1).then_some(powers[0].0)
        })
        .collect()
}

/// The distinct tones of `frames` in order of appearance, ignoring gaps
/// and frames that belong to no tone.
pub fn tone_sequence(frames: &[Option<f64>]) -> Vec<f64> {
    let mut sequence: Vec<f64> = Vec::new();
    for tone in frames.iter().flatten() {
        if sequence.last() != Some(tone) {
            sequence.push(*tone);
        }
    }
    sequence
}

/// Writes `samples` as a 16-bit mono PCM WAV at `rate`.
pub fn write_wav(path: &Path, rate: u32, samples: &[i16]) {
    let data_len = (samples.len() * 2) as u32;
    let mut bytes = Vec::with_capacity(44 + data_len as usize);
    bytes.extend_from_slice(b"RIFF");
    bytes.extend_from_slice(&(36 + data_len).to_le_bytes());
    bytes.extend_from_slice(b"WAVEfmt ");
    bytes.extend_from_slice(&16u32.to_le_bytes());
    bytes.extend_from_slice(&1u16.to_le_bytes()); // PCM
    bytes.extend_from_slice(&1u16.to_le_bytes()); // mono
    bytes.extend_from_slice(&rate.to_le_bytes());
    bytes.extend_from_slice(&(rate * 2).to_le_bytes());
    bytes.extend_from_slice(&2u16.to_le_bytes());
    bytes.extend_from_slice(&16u16.to_le_bytes());
    bytes.extend_from_slice(b"data");
    bytes.extend_from_slice(&data_len.to_le_bytes());
    for sample in samples {
        bytes.extend_from_slice(&sample.to_le_bytes());
    }
    fs::write(path, bytes).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
}

/// A small deterministic pseudo-random generator (xorshift64*), so test
/// signals are the same on every run without a dependency.
#[derive(Debug, Clone)]
pub struct TestRng(u64);

impl TestRng {
    /// A generator seeded with `seed` (0 is replaced by a fixed constant).
    pub fn new(seed: u64) -> TestRng {
        TestRng(if seed == 0 {
            0x9E37_79B9_7F4A_7C15
        } else {
            seed
        })
    }

    /// The next value, uniform in `[0, 1)`.
    pub fn next_f64(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        let value = self.0.wrapping_mul(0x2545_F491_4F6C_DD1D);
        (value >> 11) as f64 / (1u64 << 53) as f64
    }

    /// The next value, uniform in `[low, high)`.
    pub fn range(&mut self, low: f64, high: f64) -> f64 {
        low + (high - low) * self.next_f64()
    }
}

/// The highest frequency [`test_signal`] puts energy at: inside the
/// telephone band, so G.711 at 8 kHz carries all of it.
pub const TEST_SIGNAL_MAX_HZ: f64 = 3400.0;

/// A deterministic, speech-like test signal of `seconds` at `rate`
/// (see [`write_test_signal`] for its shape and why).
pub fn test_signal(rate: u32, seconds: f64) -> Vec<i16> {
    use std::f64::consts::PI;
    /// One "syllable": when it starts and how long it lasts (seconds),
    /// its loudness and the pitch it glides between.
    struct Syllable {
        start: f64,
        length: f64,
        level: f64,
        pitch_from: f64,
        pitch_to: f64,
        /// The fundamental's phase at `start`, in radians, reduced mod 2π.
        phase: f64,
    }
    // The syllables are laid out in continuous time and the phase is
    // integrated exactly, so the signal at 8 kHz and at 48 kHz is the
    // same waveform sampled differently (they correlate sample for
    // sample after resampling).
    let mut rng = TestRng::new(0x5157_17C4_A11D_0001);
    let mut syllables: Vec<Syllable> = Vec::new();
    let (mut start, mut phase) = (0.0f64, 0.0f64);
    while start < seconds {
        let length = rng.range(0.100, 0.200);
        let level = if rng.next_f64() < 1.0 / 6.0 {
            0.0
        } else {
            rng.range(0.2, 1.0)
        };
        let (pitch_from, pitch_to) = (rng.range(110.0, 260.0), rng.range(110.0, 260.0));
        syllables.push(Syllable {
            start,
            length,
            level,
            pitch_from,
            pitch_to,
            phase,
        });
        phase = (phase + PI * (pitch_from + pitch_to) * length) % (2.0 * PI);
        start += length;
    }
    let rate_f = f64::from(rate);
    let top = TEST_SIGNAL_MAX_HZ.min(0.45 * rate_f);
    let taper_from = top - 400.0;
    let ramp = 0.020; // 20 ms attack and release
    let count = (seconds * rate_f).round() as usize;
    let mut current = 0;
    (0..count)
        .map(|n| {
            let t = n as f64 / rate_f;
            while current + 1 < syllables.len() && t >= syllables[current + 1].start {
                current += 1;
            }
            let syllable = &syllables[current];
            let tau = t - syllable.start;
            let glide = (syllable.pitch_to - syllable.pitch_from) / syllable.length;
            let pitch = syllable.pitch_from + glide * tau;
            let phase =
                syllable.phase + 2.0 * PI * (syllable.pitch_from * tau + glide * tau * tau / 2.0);
            let edge = tau.min(syllable.length - tau).max(0.0);
            let envelope = if edge < ramp {
                0.5 - 0.5 * (PI * edge / ramp).cos()
            } else {
                1.0
            };
            let mut value = 0.0;
            let mut harmonic = 1;
            while f64::from(harmonic) * pitch < top {
                let frequency = f64::from(harmonic) * pitch;
                let weight = if frequency > taper_from {
                    0.5 + 0.5 * (PI * (frequency - taper_from) / 400.0).cos()
                } else {
                    1.0
                };
                value += weight * (f64::from(harmonic) * phase).sin() / f64::from(harmonic);
                harmonic += 1;
            }
            // The partial sums of sin(kx)/k stay below 1.86 (Gibbs), so
            // the peak is about 12 000: loud, never clipped.
            (12_000.0 / 1.86 * syllable.level * envelope * value) as i16
        })
        .collect()
}

/// Writes [`test_signal`] as a 16-bit mono WAV at `rate`.
///
/// The signal is shaped like voiced speech so that it survives the codecs
/// a call may pass through and so that aligning it with what arrived is
/// unambiguous:
///
/// - a harmonic series (a pitch with its overtones, weights 1/k, nothing
///   above [`TEST_SIGNAL_MAX_HZ`]): Opus and G.711 both keep such a
///   waveform (Opus models pitch and spectral envelope; white noise it
///   would only reproduce statistically, and tones above 3.4 kHz G.711 at
///   8 kHz cannot carry);
/// - the pitch glides within each syllable and jumps between them, so the
///   signal is never periodic and cross-correlation has no side peaks one
///   pitch period away from the true lag, as a steady tone would;
/// - the loudness changes every 100-200 ms (syllables with 20 ms ramps,
///   one in six a pause), so the amplitude envelope alone already pins
///   the alignment to a few milliseconds, which makes the search in
///   [`best_alignment`] cheap.
///
/// The same `seconds` and `rate` always give the same samples.
pub fn write_test_signal(path: &Path, rate: u32, seconds: f64) {
    write_wav(path, rate, &test_signal(rate, seconds));
}

/// Resamples by linear interpolation between neighbouring samples
/// (test-side only: there is no anti-aliasing filter, which is fine for
/// band-limited signals such as [`test_signal`] or telephone audio).
pub fn resample_linear(samples: &[i16], from_rate: u32, to_rate: u32) -> Vec<i16> {
    if from_rate == to_rate || samples.is_empty() {
        return samples.to_vec();
    }
    let count = (samples.len() as u64 * u64::from(to_rate) / u64::from(from_rate)) as usize;
    let step = f64::from(from_rate) / f64::from(to_rate);
    (0..count)
        .map(|i| {
            let position = i as f64 * step;
            let index = position as usize;
            let fraction = position - index as f64;
            let a = f64::from(samples[index.min(samples.len() - 1)]);
            let b = f64::from(samples[(index + 1).min(samples.len() - 1)]);
            (a + (b - a) * fraction).round() as i16
        })
        .collect()
}

/// Samples per envelope block in [`best_alignment`] (5 ms at 8 kHz).
const ENVELOPE_BLOCK: usize = 40;
/// How many envelope candidates [`best_alignment`] refines.
const CANDIDATES: usize = 3;

/// The overlap of `reference` and `received` when `received` is `lag`
/// samples late: the range of reference indexes `i` with `i + lag` inside
/// `received`.
fn overlap(reference_len: usize, received_len: usize, lag: isize) -> std::ops::Range<usize> {
    let start = (-lag).max(0) as usize;
    let end = (received_len as isize - lag).clamp(0, reference_len as isize) as usize;
    start..end.max(start)
}

/// Mean absolute value per block of [`ENVELOPE_BLOCK`] samples.
fn envelope(samples: &[i16]) -> Vec<f64> {
    samples
        .chunks_exact(ENVELOPE_BLOCK)
        .map(|block| block.iter().map(|&s| f64::from(s).abs()).sum::<f64>() / ENVELOPE_BLOCK as f64)
        .collect()
}

/// Prefix sums of values and of squares (index `i` holds the sums of the
/// first `i` values).
fn prefix_sums(values: impl Iterator<Item = f64>) -> (Vec<f64>, Vec<f64>) {
    let (mut sums, mut squares) = (vec![0.0], vec![0.0]);
    for value in values {
        sums.push(sums[sums.len() - 1] + value);
        squares.push(squares[squares.len() - 1] + value * value);
    }
    (sums, squares)
}

/// Pearson correlation of the envelopes at each block lag in
/// `-max_lag..=max_lag` whose overlap is at least `min_overlap` blocks.
fn envelope_correlations(
    reference: &[f64],
    received: &[f64],
    max_lag: isize,
    min_overlap: usize,
) -> Vec<(f64, isize)> {
    let (ref_sum, ref_sq) = prefix_sums(reference.iter().copied());
    let (rec_sum, rec_sq) = prefix_sums(received.iter().copied());
    let mut out = Vec::new();
    for lag in -max_lag..=max_lag {
        let range = overlap(reference.len(), received.len(), lag);
        let n = range.len();
        if n < min_overlap.max(2) {
            continue;
        }
        let (a, b) = (range.start, range.end);
        let (ra, rb) = ((a as isize + lag) as usize, (b as isize + lag) as usize);
        let dot: f64 = reference[a..b]
            .iter()
            .zip(&received[ra..rb])
            .map(|(x, y)| x * y)
            .sum();
        let (sx, sy) = (ref_sum[b] - ref_sum[a], rec_sum[rb] - rec_sum[ra]);
        let vx = (ref_sq[b] - ref_sq[a]) - sx * sx / n as f64;
        let vy = (rec_sq[rb] - rec_sq[ra]) - sy * sy / n as f64;
        let cov = dot - sx * sy / n as f64;
        let value = if vx > 0.0 && vy > 0.0 {
            cov / (vx * vy).sqrt()
        } else {
            0.0
        };
        out.push((value, lag));
    }
    out
}

/// Normalized correlation (cosine similarity) of `reference` and
/// `received` over their overlap when `received` is `lag` samples late;
/// 0 when either side is silent there.
fn correlation_at(reference: &[i16], received: &[i16], lag: isize) -> f64 {
    let range = overlap(reference.len(), received.len(), lag);
    if range.is_empty() {
        return 0.0;
    }
    let shifted = (range.start as isize + lag) as usize..(range.end as isize + lag) as usize;
    let (mut dot, mut xx, mut yy) = (0.0f64, 0.0f64, 0.0f64);
    for (&x, &y) in reference[range].iter().zip(&received[shifted]) {
        let (x, y) = (f64::from(x), f64::from(y));
        dot += x * y;
        xx += x * x;
        yy += y * y;
    }
    if xx > 0.0 && yy > 0.0 {
        dot / (xx * yy).sqrt()
    } else {
        0.0
    }
}

/// Finds where `reference` sits in `received`: the lag (in samples,
/// positive when `received` is late, so `received[i + lag]` matches
/// `reference[i]`) within `±max_lag_samples` that maximizes the
/// normalized cross-correlation over the overlapping part, and that
/// correlation (1.0 for a perfect copy at any gain; about 0 for
/// unrelated audio).
///
/// Lags whose overlap is shorter than half the shorter signal are not
/// considered (a short overlap correlates well by chance). The search is
/// envelope-first: the mean-absolute envelopes (5 ms blocks) are
/// correlated at every block lag, and the best few envelope peaks are
/// refined sample by sample within ±3 blocks at full rate. That takes
/// milliseconds in release for 10 s at 8 kHz with lags of ±2 s, but it
/// needs a signal whose loudness varies (speech, [`test_signal`]); for
/// a steady tone the envelope carries no timing and the result is only
/// the best lag near an arbitrary envelope peak.
pub fn best_alignment(reference: &[i16], received: &[i16], max_lag_samples: usize) -> (f64, isize) {
    let shorter = reference.len().min(received.len());
    if shorter == 0 {
        return (0.0, 0);
    }
    let max_lag = max_lag_samples as isize;
    let (env_ref, env_rec) = (envelope(reference), envelope(received));
    let block = ENVELOPE_BLOCK as isize;
    let mut candidates: Vec<isize> = Vec::new();
    if env_ref.len() >= 4 && env_rec.len() >= 4 {
        let scores = envelope_correlations(
            &env_ref,
            &env_rec,
            max_lag / block,
            env_ref.len().min(env_rec.len()) / 2,
        );
        let mut peaks: Vec<(f64, isize)> = scores
            .iter()
            .enumerate()
            .filter(|&(i, &(value, _))| {
                let left = i.checked_sub(1).map_or(f64::MIN, |j| scores[j].0);
                let right = scores.get(i + 1).map_or(f64::MIN, |s| s.0);
                value >= left && value >= right
            })
            .map(|(_, &peak)| peak)
            .collect();
        peaks.sort_by(|a, b| b.0.total_cmp(&a.0));
        for (_, lag) in peaks {
            if candidates
                .iter()
                .all(|&c| (c - lag * block).abs() > 3 * block)
            {
                candidates.push(lag * block);
            }
            if candidates.len() == CANDIDATES {
                break;
            }
        }
    }
    if candidates.is_empty() {
        candidates.push(0);
    }
    let min_overlap = shorter / 2;
    let mut best = (f64::MIN, 0isize);
    for centre in candidates {
        let from = (centre - 3 * block).max(-max_lag);
        let to = (centre + 3 * block).min(max_lag);
        for lag in from..=to {
            if overlap(reference.len(), received.len(), lag).len() < min_overlap {
                continue;
            }
            let value = correlation_at(reference, received, lag);
            if value > best.0 {
                best = (value, lag);
            }
        }
    }
    if best.0 == f64::MIN { (0.0, 0) } else { best }
}

/// The rate [`compare_audio`] compares at.
pub const COMPARE_RATE: u32 = 8000;

/// How well a recording matches a reference (see [`compare_audio`]).
#[derive(Debug, Clone, PartialEq)]
pub struct AudioMatch {
    /// Normalized cross-correlation at the best lag: 1.0 for an exact
    /// copy (at any gain), above 0.9 after G.711, about 0 for unrelated
    /// audio or silence.
    pub correlation: f64,
    /// How late the reference starts in the received audio, in
    /// milliseconds (negative: the received audio lacks the reference's
    /// beginning).
    pub lag_ms: f64,
    /// The same lag in samples at [`COMPARE_RATE`].
    pub lag_samples: isize,
    /// The correlation of each whole second of the reference that lies
    /// inside the received audio, each re-aligned within ±20 ms of the
    /// best lag (a jitter buffer may shift audio a little mid-call): a
    /// low value names the second that went missing or was garbled.
    /// `None` for a second the reference itself is (nearly) silent in.
    pub segments: Vec<Option<f64>>,
    /// The sample rate of the reference file.
    pub reference_rate: u32,
    /// The sample rate of the received file.
    pub received_rate: u32,
    /// The length of the reference in seconds.
    pub reference_seconds: f64,
    /// The length of the received audio in seconds.
    pub received_seconds: f64,
    /// The RMS level of the received audio (16-bit scale); near 0 means
    /// silence arrived.
    pub received_rms: f64,
}

impl AudioMatch {
    /// The lowest correlation among [`AudioMatch::segments`] (silent
    /// seconds of the reference left out), `None` when there is none.
    pub fn worst_segment(&self) -> Option<f64> {
        self.segments.iter().flatten().copied().reduce(f64::min)
    }
}

/// The RMS level of `samples` (16-bit scale).
pub fn rms(samples: &[i16]) -> f64 {
    if samples.is_empty() {
        return 0.0;
    }
    let energy: f64 = samples.iter().map(|&s| f64::from(s) * f64::from(s)).sum();
    (energy / samples.len() as f64).sqrt()
}

/// Compares two sample sequences at [`COMPARE_RATE`] (see
/// [`compare_audio`]); `max_lag_samples` bounds the alignment search.
pub fn compare_samples(reference: &[i16], received: &[i16], max_lag_samples: usize) -> AudioMatch {
    let (correlation, lag) = best_alignment(reference, received, max_lag_samples);
    let second = COMPARE_RATE as usize;
    let shift = (COMPARE_RATE / 50) as isize; // 20 ms
    let quiet = rms(reference) / 20.0;
    let mut segments = Vec::new();
    let mut start = 0usize;
    while start + second <= reference.len() {
        let begin = start as isize + lag;
        let piece = &reference[start..start + second];
        if begin >= 0 && begin as usize + second <= received.len() && rms(piece) < quiet {
            segments.push(None);
        } else if begin >= 0 && begin as usize + second <= received.len() {
            let best = (-shift..=shift)
                .filter_map(|extra| {
                    let from = begin + extra;
                    let to = from + second as isize;
                    (from >= 0 && to as usize <= received.len())
                        .then(|| correlation_at(piece, &received[from as usize..to as usize], 0))
                })
                .fold(0.0f64, f64::max);
            segments.push(Some(best));
        }
        start += second;
    }
    AudioMatch {
        correlation,
        lag_ms: lag as f64 * 1000.0 / f64::from(COMPARE_RATE),
        lag_samples: lag,
        segments,
        reference_rate: COMPARE_RATE,
        received_rate: COMPARE_RATE,
        reference_seconds: reference.len() as f64 / f64::from(COMPARE_RATE),
        received_seconds: received.len() as f64 / f64::from(COMPARE_RATE),
        received_rms: rms(received),
    }
}

/// Reads two 16-bit PCM WAVs (any rate; the first channel of a stereo
/// file), resamples both to [`COMPARE_RATE`] and finds where the
/// reference sits in the received audio ([`best_alignment`], any lag that
/// leaves at least half of the shorter signal overlapping).
pub fn compare_audio(reference_path: &Path, received_path: &Path) -> AudioMatch {
    let (reference_rate, reference) = read_wav(reference_path);
    let (received_rate, received) = read_wav(received_path);
    let reference = resample_linear(&reference, reference_rate, COMPARE_RATE);
    let received = resample_linear(&received, received_rate, COMPARE_RATE);
    let max_lag = reference.len().max(received.len());
    AudioMatch {
        reference_rate,
        received_rate,
        ..compare_samples(&reference, &received, max_lag)
    }
}

/// The DTMF row frequencies (low group), in Hz.
pub const DTMF_ROWS: [f64; 4] = [697.0, 770.0, 852.0, 941.0];
/// The DTMF column frequencies (high group), in Hz.
pub const DTMF_COLUMNS: [f64; 4] = [1209.0, 1336.0, 1477.0, 1633.0];
/// The DTMF keypad, by row and column.
const DTMF_KEYS: [[char; 4]; 4] = [
    ['1', '2', '3', 'A'],
    ['4', '5', '6', 'B'],
    ['7', '8', '9', 'C'],
    ['*', '0', '#', 'D'],
];

/// The (row, column) frequencies of a DTMF digit (`0-9`, `*`, `#`,
/// `A-D`, case-insensitive), or `None`.
pub fn dtmf_frequencies(digit: char) -> Option<(f64, f64)> {
    let digit = digit.to_ascii_uppercase();
    DTMF_KEYS.iter().enumerate().find_map(|(row, keys)| {
        keys.iter()
            .position(|&key| key == digit)
            .map(|column| (DTMF_ROWS[row], DTMF_COLUMNS[column]))
    })
}

/// In-band DTMF at `rate`: for each digit a tone pair of `tone_ms`
/// (each tone with peak 7000, about -10 dBm0, with 2 ms ramps) and then
/// `gap_ms` of silence.
///
/// # Panics
/// On a character that is not a DTMF digit.
pub fn dtmf_signal(digits: &str, rate: u32, tone_ms: u32, gap_ms: u32) -> Vec<i16> {
    let rate_f = f64::from(rate);
    let tone_len = (u64::from(rate) * u64::from(tone_ms) / 1000) as usize;
    let gap_len = (u64::from(rate) * u64::from(gap_ms) / 1000) as usize;
    let ramp = ((rate / 500) as usize).max(1);
    let mut samples = Vec::with_capacity(digits.len() * (tone_len + gap_len));
    for digit in digits.chars() {
        let (low, high) =
            dtmf_frequencies(digit).unwrap_or_else(|| panic!("{digit:?} is not a DTMF digit"));
        for i in 0..tone_len {
            let t = i as f64 / rate_f;
            let edge = i.min(tone_len - 1 - i);
            let gain = if edge < ramp {
                edge as f64 / ramp as f64
            } else {
                1.0
            };
            let value = 7000.0
                * gain
                * ((2.0 * std::f64::consts::PI * low * t).sin()
                    + (2.0 * std::f64::consts::PI * high * t).sin());
            samples.push(value as i16);
        }
        samples.resize(samples.len() + gap_len, 0);
    }
    samples
}

/// The DTMF digits heard in `samples` (test-side Goertzel detector):
/// 40 ms windows every 20 ms; a window holds a digit when one row and one
/// column tone each stand out of their group (4 times the power of any
/// other), together carry most of the window's energy, and the window is
/// not quiet; a digit counts once it holds for two windows in a row, and
/// again only after a window without it.
pub fn dtmf_digits(samples: &[i16], rate: u32) -> String {
    let window = (rate / 25) as usize;
    let hop = window / 2;
    let mut digits = String::new();
    let (mut previous, mut reported) = (None, None);
    let mut start = 0;
    while start + window <= samples.len() {
        let block = &samples[start..start + window];
        let heard = dtmf_in_window(block, rate);
        if heard.is_some() && heard == previous && reported != heard {
            digits.extend(heard);
            reported = heard;
        }
        if heard.is_none() {
            reported = None;
        }
        previous = heard;
        start += hop;
    }
    digits
}

/// The DTMF digit one window carries, if any (see [`dtmf_digits`]).
fn dtmf_in_window(block: &[i16], rate: u32) -> Option<char> {
    let energy: f64 = block.iter().map(|&s| f64::from(s) * f64::from(s)).sum();
    if energy / (block.len() as f64) < 300.0 * 300.0 {
        return None;
    }
    let strongest = |group: &[f64; 4]| -> Option<(usize, f64)> {
        let powers: Vec<f64> = group.iter().map(|&f| goertzel(block, rate, f)).collect();
        let (best, power) = powers
            .iter()
            .copied()
            .enumerate()
            .max_by(|a, b| a.1.total_cmp(&b.1))?;
        let clear = powers
            .iter()
            .enumerate()
            .all(|(i, &other)| i == best || power > 4.0 * other);
        clear.then_some((best, power))
    };
    let (row, row_power) = strongest(&DTMF_ROWS)?;
    let (column, column_power) = strongest(&DTMF_COLUMNS)?;
    // A sine of amplitude A over N samples has Goertzel power (A N / 2)^2
    // and energy N A^2 / 2: the tone share of the energy is 2 P / (N E).
    let share = 2.0 * (row_power + column_power) / (block.len() as f64 * energy);
    (share > 0.6).then_some(DTMF_KEYS[row][column])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::g711::{ulaw_decode, ulaw_encode};
    use crate::temp_dir::TempDir;
    use std::time::Instant;

    fn ulaw_round_trip(samples: &[i16]) -> Vec<i16> {
        samples
            .iter()
            .map(|&s| ulaw_decode(ulaw_encode(s)))
            .collect()
    }

    fn noise(count: usize, seed: u64) -> Vec<i16> {
        let mut rng = TestRng::new(seed);
        (0..count)
            .map(|_| rng.range(-8000.0, 8000.0) as i16)
            .collect()
    }

    #[test]
    fn test_signal_is_deterministic_loud_and_never_clips() {
        let signal = test_signal(8000, 10.0);
        assert_eq!(signal, test_signal(8000, 10.0));
        assert_eq!(signal.len(), 80_000);
        let peak = signal.iter().map(|&s| i32::from(s).abs()).max().unwrap();
        let level = rms(&signal);
        println!("test signal: peak {peak}, RMS {level:.0}");
        assert!(peak < 13_000 && level > 1_000.0, "peak {peak}, RMS {level}");
    }

    #[test]
    fn identical_signal_matches_at_lag_zero() {
        let signal = test_signal(8000, 10.0);
        let started = Instant::now();
        let (correlation, lag) = best_alignment(&signal, &signal, 16_000);
        println!(
            "identical: correlation {correlation:.6} at lag {lag} ({:?})",
            started.elapsed()
        );
        assert!(correlation > 0.9999, "{correlation}");
        assert_eq!(lag, 0);
    }

    #[test]
    fn a_delay_of_137_ms_is_found() {
        let signal = test_signal(8000, 10.0);
        let mut delayed = vec![0i16; 137 * 8];
        delayed.extend_from_slice(&signal);
        let started = Instant::now();
        let (correlation, lag) = best_alignment(&signal, &delayed, 16_000);
        println!(
            "delayed 137 ms: correlation {correlation:.6} at lag {lag} = {} ms ({:?})",
            lag / 8,
            started.elapsed()
        );
        assert!(correlation > 0.9999, "{correlation}");
        assert_eq!(lag, 137 * 8);
    }

    #[test]
    fn a_missing_beginning_is_a_negative_lag() {
        let signal = test_signal(8000, 10.0);
        let (correlation, lag) = best_alignment(&signal, &signal[1_234..], 16_000);
        println!("first 1234 samples missing: correlation {correlation:.6} at lag {lag}");
        assert!(correlation > 0.9999, "{correlation}");
        assert_eq!(lag, -1_234);
    }

    #[test]
    fn a_ulaw_round_trip_keeps_the_correlation_high() {
        let signal = test_signal(8000, 10.0);
        let mut received = vec![0i16; 1_500 * 8];
        received.extend(ulaw_round_trip(&signal));
        let (correlation, lag) = best_alignment(&signal, &received, 16_000);
        println!("µ-law round trip, 1.5 s late: correlation {correlation:.6} at lag {lag}");
        assert!(correlation > 0.9, "{correlation}");
        assert_eq!(lag, 12_000);
    }

    #[test]
    fn unrelated_noise_does_not_match() {
        let signal = test_signal(8000, 10.0);
        let (correlation, lag) = best_alignment(&signal, &noise(96_000, 7), 16_000);
        println!("white noise: correlation {correlation:.6} at lag {lag}");
        assert!(correlation < 0.3, "{correlation}");
        let other = noise(80_000, 11);
        let (correlation, lag) = best_alignment(&noise(80_000, 5), &other, 16_000);
        println!("noise against other noise: correlation {correlation:.6} at lag {lag}");
        assert!(correlation < 0.3, "{correlation}");
    }

    #[test]
    fn the_correlation_has_one_clear_peak() {
        // A pitch period away (4-80 samples at 110-260 Hz and harmonics)
        // the signal must not look like itself, or a codec's phase
        // changes could move the peak by a period.
        let signal = test_signal(8000, 10.0);
        let side = (4..=400)
            .flat_map(|lag| [lag, -lag])
            .map(|lag| correlation_at(&signal, &signal, lag))
            .fold(f64::MIN, f64::max);
        println!("largest side lobe within 50 ms of the peak: {side:.3}");
        assert!(side < 0.8, "{side}");
    }

    #[test]
    fn resampling_to_48k_and_back_keeps_the_signal() {
        let signal = test_signal(8000, 5.0);
        let up = resample_linear(&signal, 8000, 48000);
        assert_eq!(up.len(), 240_000);
        let back = resample_linear(&up, 48000, 8000);
        assert_eq!(back.len(), 40_000);
        let (correlation, lag) = best_alignment(&signal, &back, 8_000);
        println!("8 kHz -> 48 kHz -> 8 kHz: correlation {correlation:.6} at lag {lag}");
        assert!(correlation > 0.99, "{correlation}");
        assert_eq!(lag, 0);
    }

    #[test]
    fn compare_audio_reads_files_at_different_rates() {
        let dir = TempDir::new("audio");
        let reference = dir.path().join("reference.wav");
        write_test_signal(&reference, 48000, 10.0);
        let mut received = vec![0i16; 800]; // 100 ms late
        received.extend(ulaw_round_trip(&test_signal(8000, 10.0)));
        received.extend(vec![0i16; 4000]);
        let received_path = dir.path().join("received.wav");
        write_wav(&received_path, 8000, &received);
        let started = Instant::now();
        let matched = compare_audio(&reference, &received_path);
        println!(
            "48 kHz reference against 8 kHz µ-law copy: {matched:?} ({:?})",
            started.elapsed()
        );
        assert!(matched.correlation > 0.9, "{matched:?}");
        assert!((matched.lag_ms - 100.0).abs() <= 0.5, "{matched:?}");
        assert_eq!(matched.segments.len(), 10, "{matched:?}");
        assert!(matched.worst_segment() > Some(0.9), "{matched:?}");
        assert_eq!(
            (matched.reference_rate, matched.received_rate),
            (48000, 8000)
        );
    }

    #[test]
    fn a_lost_second_shows_in_the_segments() {
        let signal = test_signal(8000, 6.0);
        let mut received = signal.clone();
        received[24_000..32_000].fill(0);
        let matched = compare_samples(&signal, &received, 8000);
        println!("second 3 silenced: {matched:?}");
        assert!(
            matches!(matched.segments[3], Some(c) if c < 0.3),
            "{matched:?}"
        );
        assert_eq!(matched.worst_segment(), matched.segments[3]);
        let good = matched.segments.iter().flatten().filter(|&&c| c > 0.99);
        assert_eq!(good.count(), 5, "{matched:?}");
        // A second of silence in the reference is not judged.
        let mut padded = vec![0i16; 8000];
        padded.extend_from_slice(&signal);
        let matched = compare_samples(&padded, &padded, 8000);
        assert_eq!(matched.segments[0], None, "{matched:?}");
        assert!(matched.worst_segment() > Some(0.99), "{matched:?}");
    }

    #[test]
    fn dtmf_tones_are_heard_in_order_after_ulaw() {
        let digits = "0123456789*#ABCD";
        let signal = dtmf_signal(digits, 8000, 100, 100);
        assert_eq!(signal.len(), digits.len() * 1600);
        assert_eq!(dtmf_digits(&signal, 8000), digits);
        assert_eq!(dtmf_digits(&ulaw_round_trip(&signal), 8000), digits);
        assert_eq!(dtmf_digits(&dtmf_signal("55", 8000, 60, 40), 8000), "55");
        assert_eq!(dtmf_digits(&test_signal(8000, 10.0), 8000), "");
        assert_eq!(dtmf_frequencies('d'), Some((941.0, 1633.0)));
        assert_eq!(dtmf_frequencies('x'), None);
    }
}
