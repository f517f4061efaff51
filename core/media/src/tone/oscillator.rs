//! A phase-continuous sine oscillator: a unit phasor rotated by a fixed
//! angle per sample (two multiplies and adds, no `sin` per sample),
//! renormalised now and then so its amplitude does not drift.

/// A sine oscillator for one frequency.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Oscillator {
    re: f64,
    im: f64,
    cos: f64,
    sin: f64,
    since_renorm: u32,
}

impl Default for Oscillator {
    fn default() -> Oscillator {
        Oscillator::new(0.0, 8000)
    }
}

impl Oscillator {
    /// An oscillator for `freq` Hz at `sample_rate` Hz, starting at phase 0.
    pub fn new(freq: f32, sample_rate: u32) -> Oscillator {
        let step = 2.0 * std::f64::consts::PI * f64::from(freq) / f64::from(sample_rate.max(1));
        Oscillator {
            re: 1.0,
            im: 0.0,
            cos: step.cos(),
            sin: step.sin(),
            since_renorm: 0,
        }
    }

    /// The next sample, between −1 and 1.
    #[inline]
    pub fn next_sample(&mut self) -> f32 {
        let out = self.im;
        let re = self.re * self.cos - self.im * self.sin;
        let im = self.re * self.sin + self.im * self.cos;
        self.re = re;
        self.im = im;
        self.since_renorm += 1;
        if self.since_renorm >= 256 {
            self.since_renorm = 0;
            // One Newton step towards |z| = 1.
            let k = (3.0 - (re * re + im * im)) * 0.5;
            self.re *= k;
            self.im *= k;
        }
        out as f32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_sin_and_keeps_its_amplitude() {
        let mut osc = Oscillator::new(1000.0, 8000);
        for n in 0..1_000_000u32 {
            let expected = (2.0 * std::f64::consts::PI * 1000.0 * f64::from(n) / 8000.0).sin();
            let got = osc.next_sample();
            if n % 997 == 0 {
                assert!(
                    (f64::from(got) - expected).abs() < 1e-3,
                    "sample {n}: {got} vs {expected}"
                );
            }
        }
    }
}
