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

/// `N` Goertzel filters run side by side over the same samples, laid out
/// so the compiler can use vector instructions.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GoertzelBank<const N: usize> {
    coeff: [f32; N],
    s1: [f32; N],
    s2: [f32; N],
}

impl<const N: usize> GoertzelBank<N> {
    /// Filters for `freqs` Hz at `sample_rate` Hz.
    pub fn new(freqs: [f32; N], sample_rate: u32) -> GoertzelBank<N> {
        GoertzelBank {
            coeff: freqs.map(|f| Goertzel::new(f, sample_rate).coeff),
            s1: [0.0; N],
            s2: [0.0; N],
        }
    }

    /// Feeds samples to every filter.
    #[inline]
    pub fn push_all(&mut self, samples: &[i16]) {
        for &sample in samples {
            let x = f32::from(sample);
            for i in 0..N {
                let s0 = x + self.coeff[i] * self.s1[i] - self.s2[i];
                self.s2[i] = self.s1[i];
                self.s1[i] = s0;
            }
        }
    }

    /// The power seen by filter `i` (0 if there is no such filter).
    pub fn power(&self, i: usize) -> f32 {
        match (self.s1.get(i), self.s2.get(i), self.coeff.get(i)) {
            (Some(s1), Some(s2), Some(c)) => s1 * s1 + s2 * s2 - c * s1 * s2,
            _ => 0.0,
        }
    }

    /// Starts a new block for every filter.
    pub fn reset(&mut self) {
        self.s1 = [0.0; N];
        self.s2 = [0.0; N];
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

    #[test]
    fn a_bank_agrees_with_single_filters() {
        let samples: Vec<i16> = (0..300)
            .map(|i| ((i * 7919) % 2000 - 1000) as i16)
            .collect();
        let freqs = [697.0, 1209.0, 2000.0];
        let mut bank = GoertzelBank::new(freqs, 16000);
        bank.push_all(&samples);
        for (i, f) in freqs.iter().enumerate() {
            let mut one = Goertzel::new(*f, 16000);
            samples.iter().for_each(|s| one.push(f32::from(*s)));
            assert_eq!(bank.power(i), one.power());
        }
        assert_eq!(bank.power(3), 0.0);
        bank.reset();
        assert_eq!(bank.power(0), 0.0);
    }
}
