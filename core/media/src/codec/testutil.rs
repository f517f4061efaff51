//! Signal measurements shared by the codec tests.

use std::f64::consts::PI;

/// `len` samples of a sine of `freq` Hz and `amplitude` at `rate`, from
/// sample index `start` (so consecutive frames join up).
pub fn sine(freq: f64, amplitude: f64, rate: u32, start: usize, len: usize) -> Vec<i16> {
    (start..start + len)
        .map(|n| (amplitude * (2.0 * PI * freq * n as f64 / f64::from(rate)).sin()).round() as i16)
        .collect()
}

/// Mean power of `x`.
pub fn power(x: &[i16]) -> f64 {
    x.iter().map(|&s| f64::from(s) * f64::from(s)).sum::<f64>() / x.len().max(1) as f64
}

/// Mean power of `x` at `freq` (Goertzel), comparable with [`power`]: a
/// pure tone at `freq` gives the same figure from both.
pub fn tone_power(x: &[i16], freq: f64, rate: u32) -> f64 {
    let w = 2.0 * PI * freq / f64::from(rate);
    let coeff = 2.0 * w.cos();
    let (mut s1, mut s2) = (0.0f64, 0.0f64);
    for &sample in x {
        let s0 = f64::from(sample) + coeff * s1 - s2;
        s2 = s1;
        s1 = s0;
    }
    let magnitude2 = s1 * s1 + s2 * s2 - coeff * s1 * s2;
    let n = x.len().max(1) as f64;
    2.0 * magnitude2 / (n * n)
}

/// Frequency estimated from upward zero crossings (with linear
/// interpolation between samples).
pub fn zero_crossing_frequency(x: &[i16], rate: u32) -> f64 {
    let mut crossings = Vec::new();
    for n in 1..x.len() {
        let (a, b) = (f64::from(x[n - 1]), f64::from(x[n]));
        if a < 0.0 && b >= 0.0 {
            crossings.push((n - 1) as f64 + a / (a - b));
        }
    }
    if crossings.len() < 2 {
        return 0.0;
    }
    let span = crossings[crossings.len() - 1] - crossings[0];
    (crossings.len() - 1) as f64 * f64::from(rate) / span
}

/// Power ratio in decibels.
pub fn db(ratio: f64) -> f64 {
    10.0 * ratio.log10()
}
