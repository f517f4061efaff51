//! `silence_stream://<ms>[,<noise divisor>]`: silence for `ms`
//! milliseconds (0 or negative: forever), optionally with comfort noise.
//!
//! As in FreeSWITCH the second number is a divisor, not a level: noise
//! samples are random 16-bit values divided by it, so a larger number is
//! quieter (1400 gives about ±23, a faint hiss); without it (or 0) the
//! silence is digital zero. The noise comes from a seeded linear
//! congruential generator, so output is reproducible (no clock is read).

use std::fmt;

/// A parsed `silence_stream://` specification.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SilenceSpec {
    /// How long, in ms; `None` for forever.
    pub duration_ms: Option<u32>,
    /// Comfort noise divisor (larger is quieter); `None` for digital silence.
    pub noise_divisor: Option<u32>,
}

/// What is wrong with a `silence_stream://` specification.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SilenceError {
    /// The duration is not a whole number of milliseconds.
    BadDuration,
    /// The noise divisor is not a whole number.
    BadNoise,
}

impl fmt::Display for SilenceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SilenceError::BadDuration => {
                "silence_stream: the duration must be whole milliseconds (-1 for forever)"
            }
            SilenceError::BadNoise => {
                "silence_stream: the noise divisor must be a whole number (larger is quieter)"
            }
        })
    }
}

impl std::error::Error for SilenceError {}

impl SilenceSpec {
    /// Parses `silence_stream://ms[,divisor]` (prefix optional).
    pub fn parse(spec: &str) -> Result<SilenceSpec, SilenceError> {
        let text = match spec.get(..17) {
            Some(p) if p.eq_ignore_ascii_case("silence_stream://") => &spec[17..],
            _ => spec,
        };
        let (ms, noise) = match text.split_once(',') {
            Some((ms, noise)) => (ms, Some(noise)),
            None => (text, None),
        };
        let ms: i64 = ms.trim().parse().map_err(|_| SilenceError::BadDuration)?;
        let duration_ms = (ms > 0).then(|| ms.min(i64::from(u32::MAX)) as u32);
        let noise_divisor = match noise.map(str::trim) {
            None | Some("") => None,
            Some(n) => {
                let n: i64 = n.parse().map_err(|_| SilenceError::BadNoise)?;
                (n > 0).then(|| n.min(i64::from(u32::MAX)) as u32)
            }
        };
        Ok(SilenceSpec {
            duration_ms,
            noise_divisor,
        })
    }
}

/// Renders silence (or comfort noise) frame by frame.
#[derive(Debug, Clone)]
pub struct SilenceGenerator {
    remaining: Option<u64>,
    divisor: Option<i32>,
    rng: u16,
}

impl SilenceGenerator {
    /// A generator for `spec` at `sample_rate` Hz; `seed` starts the noise.
    pub fn new(spec: SilenceSpec, sample_rate: u32, seed: u16) -> SilenceGenerator {
        SilenceGenerator {
            remaining: spec
                .duration_ms
                .map(|ms| u64::from(ms) * u64::from(sample_rate) / 1000),
            divisor: spec
                .noise_divisor
                .map(|d| i32::try_from(d).unwrap_or(i32::MAX)),
            rng: seed,
        }
    }

    /// Whether everything has been rendered.
    pub fn is_finished(&self) -> bool {
        self.remaining == Some(0)
    }

    /// Renders into `out` and returns how many samples were written (all
    /// of `out` unless the duration runs out; 0 once it has).
    pub fn fill(&mut self, out: &mut [i16]) -> usize {
        let n = match self.remaining {
            Some(left) => (left.min(out.len() as u64)) as usize,
            None => out.len(),
        };
        if let Some(left) = self.remaining.as_mut() {
            *left -= n as u64;
        }
        let out = &mut out[..n];
        match self.divisor {
            None => out.fill(0),
            Some(divisor) => {
                for slot in out {
                    let mut sum: i32 = 0;
                    for _ in 0..6 {
                        self.rng = self.rng.wrapping_mul(31821).wrapping_add(13849);
                        sum += i32::from(self.rng as i16);
                    }
                    *slot = (i32::from(sum as i16) / divisor) as i16;
                }
            }
        }
        n
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_durations_and_noise() {
        let p = |s| SilenceSpec::parse(s);
        assert_eq!(
            p("silence_stream://1000"),
            Ok(SilenceSpec {
                duration_ms: Some(1000),
                noise_divisor: None
            })
        );
        assert_eq!(
            p("silence_stream://-1,1400"),
            Ok(SilenceSpec {
                duration_ms: None,
                noise_divisor: Some(1400)
            })
        );
        assert_eq!(p("0").unwrap().duration_ms, None);
        assert_eq!(p("500, 0").unwrap().noise_divisor, None);
        assert_eq!(p("500,").unwrap().noise_divisor, None);
        assert_eq!(p("silence_stream://"), Err(SilenceError::BadDuration));
        assert_eq!(p("1s"), Err(SilenceError::BadDuration));
        assert_eq!(p("100,loud"), Err(SilenceError::BadNoise));
        assert!(!SilenceError::BadNoise.to_string().is_empty());
    }

    #[test]
    fn renders_the_right_length_and_level() {
        let mut quiet = SilenceGenerator::new(SilenceSpec::parse("250").unwrap(), 8000, 1);
        let mut buf = [7i16; 160];
        let mut total = 0;
        loop {
            let n = quiet.fill(&mut buf);
            if n == 0 {
                break;
            }
            assert!(buf[..n].iter().all(|s| *s == 0));
            total += n;
        }
        assert_eq!(total, 2000);
        assert!(quiet.is_finished());

        let mut noise = SilenceGenerator::new(SilenceSpec::parse("-1,1400").unwrap(), 8000, 7);
        for _ in 0..100 {
            assert_eq!(noise.fill(&mut buf), 160);
            assert!(buf.iter().all(|s| s.abs() <= 24));
        }
        assert!(buf.iter().any(|s| *s != 0));
        assert!(!noise.is_finished());
    }
}
