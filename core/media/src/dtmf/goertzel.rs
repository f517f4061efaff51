//! The Goertzel filter: the power of one frequency over a block of samples,
//! fed one sample at a time.

/// A Goertzel filter tuned to one frequency.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Goertzel {
    coeff: f32,
    s1: f32,
    s2: f32,
}

impl Goertzel {
    /// A filter for `freq` Hz at `sample_rate` Hz.
    pub fn new(freq: f32, sample_rate: u32) -> Goertzel {
        let omega = 2.0 * std::f32::consts::PI * freq / sample_rate.max(1) as f32;
        Goertzel {
            coeff: 2.0 * omega.cos(),
            s1: 0.0,
            s2: 0.0,
        }
    }

    /// Feeds one sample.
    #[inline]
    pub fn push(&mut self, x: f32) {
        let s0 = x + self.coeff * self.s1 - self.s2;
        self.s2 = self.s1;
        self.s1 = s0;
    }

    /// The power at the filter's frequency over the samples fed since the
    /// last reset: for a sine of amplitude `a` over `n` samples, about
    /// `(a * n / 2)^2`.
    pub fn power(&self) -> f32 {
        self.s1 * self.s1 + self.s2 * self.s2 - self.coeff * self.s1 * self.s2
    }

    /// Starts a new block.
    pub fn reset(&mut self) {
        self.s1 = 0.0;
        self.s2 = 0.0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn measures_a_sine_and_rejects_another() {
        let n = 205;
        let mut on = Goertzel::new(1000.0, 8000);
        let mut off = Goertzel::new(1477.0, 8000);
        for i in 0..n {
            let x = 1000.0 * (2.0 * std::f32::consts::PI * 1000.0 * i as f32 / 8000.0).sin();
            on.push(x);
            off.push(x);
        }
        let expected = (1000.0 * n as f32 / 2.0).powi(2);
        assert!(
            (on.power() / expected - 1.0).abs() < 0.05,
            "{}",
            on.power() / expected
        );
        assert!(off.power() < expected / 100.0);
        on.reset();
        assert_eq!(on.power(), 0.0);
    }
}
