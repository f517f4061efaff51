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
    let data_len = (samples.len() * 2) as u32;
    let mut bytes = Vec::with_capacity(44 + data_len as usize);
    bytes.extend_from_slice(b"RIFF");
    bytes.extend_from_slice(&(36 + data_len).to_le_bytes());
    bytes.extend_from_slice(b"WAVEfmt ");
    bytes.extend_from_slice(&16u32.to_le_bytes());
    bytes.extend_from_slice(&1u16.to_le_bytes()); // PCM
    bytes.extend_from_slice(&1u16.to_le_bytes()); // mono
    bytes.extend_from_slice(&8000u32.to_le_bytes());
    bytes.extend_from_slice(&16000u32.to_le_bytes());
    bytes.extend_from_slice(&2u16.to_le_bytes());
    bytes.extend_from_slice(&16u16.to_le_bytes());
    bytes.extend_from_slice(b"data");
    bytes.extend_from_slice(&data_len.to_le_bytes());
    for sample in samples {
        bytes.extend_from_slice(&sample.to_le_bytes());
    }
    fs::write(path, bytes).expect("write the tone file");
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
