//! Interarrival jitter of RFC 3550 §6.4.1, computed as Appendix A.8 does:
//! in timestamp units, with the integer estimator scaled by 16.

use std::time::Instant;

/// Running interarrival-jitter estimate for one source.
///
/// Arrivals are given as [`Instant`]s and converted to timestamp units
/// with the stream's clock rate, relative to the first arrival seen.
#[derive(Debug, Clone)]
pub struct InterarrivalJitter {
    clock_rate: u32,
    epoch: Option<Instant>,
    last_transit: Option<u32>,
    scaled: u64,
}

impl InterarrivalJitter {
    /// An estimator for a stream with the given RTP clock rate (8000 for
    /// G.711; 0 is taken as 8000).
    pub fn new(clock_rate: u32) -> Self {
        InterarrivalJitter {
            clock_rate: if clock_rate == 0 { 8000 } else { clock_rate },
            epoch: None,
            last_transit: None,
            scaled: 0,
        }
    }

    /// The clock rate the estimator converts arrivals with.
    pub fn clock_rate(&self) -> u32 {
        self.clock_rate
    }

    /// Forgets the stream (on a new SSRC or a sequence restart).
    pub fn reset(&mut self) {
        self.last_transit = None;
        self.scaled = 0;
    }

    /// Feeds the RTP timestamp of a packet and its arrival time.
    pub fn update(&mut self, rtp_timestamp: u32, arrival: Instant) {
        let epoch = *self.epoch.get_or_insert(arrival);
        let elapsed = arrival.saturating_duration_since(epoch);
        let units = elapsed.as_nanos() * u128::from(self.clock_rate) / 1_000_000_000;
        // Wrapping to 32 bits is what the timestamp arithmetic wants.
        let arrival_units = units as u32;
        let transit = arrival_units.wrapping_sub(rtp_timestamp);
        if let Some(last) = self.last_transit {
            let d = (transit.wrapping_sub(last) as i32).unsigned_abs();
            // J += |D| - ((J + 8) >> 4), in A.8's scaled integer form.
            // |D| < 2^31, so J stays below 2^35: no overflow in u64.
            self.scaled = self.scaled + u64::from(d) - ((self.scaled + 8) >> 4);
        }
        self.last_transit = Some(transit);
    }

    /// The jitter in timestamp units, as a report block carries it.
    pub fn jitter(&self) -> u32 {
        u32::try_from(self.scaled >> 4).unwrap_or(u32::MAX)
    }

    /// The jitter in milliseconds.
    pub fn jitter_ms(&self) -> f64 {
        f64::from(self.jitter()) * 1000.0 / f64::from(self.clock_rate)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn steady_stream_has_no_jitter() {
        let mut j = InterarrivalJitter::new(8000);
        let start = Instant::now();
        for i in 0..100u32 {
            j.update(
                1000 + i * 160,
                start + Duration::from_millis(20 * u64::from(i)),
            );
        }
        assert_eq!(j.jitter(), 0);
        assert_eq!(j.clock_rate(), 8000);
    }

    #[test]
    fn alternating_delay_converges_to_its_swing() {
        // Every other packet 10 ms (80 units) late: |D| = 80 each time,
        // so J converges to 80 units = 10 ms.
        let mut j = InterarrivalJitter::new(8000);
        let start = Instant::now();
        for i in 0..2000u32 {
            let late = if i % 2 == 1 { 10 } else { 0 };
            j.update(
                i * 160,
                start + Duration::from_millis(20 * u64::from(i) + late),
            );
        }
        assert!((78..=80).contains(&j.jitter()), "{}", j.jitter());
        assert!((j.jitter_ms() - 10.0).abs() < 0.3);
        j.reset();
        assert_eq!(j.jitter(), 0);
    }

    #[test]
    fn handles_timestamp_wrap_and_zero_rate() {
        let mut j = InterarrivalJitter::new(0);
        assert_eq!(j.clock_rate(), 8000);
        let start = Instant::now();
        j.update(u32::MAX - 80, start);
        j.update(79, start + Duration::from_millis(20));
        assert_eq!(j.jitter(), 0);
        // Arrivals out of order in time must not panic.
        j.update(239, start);
        assert!(j.jitter() > 0);
    }
}
