//! The adaptive part of the jitter buffer: estimating network jitter from
//! arrivals and turning it into a target playout delay.

use std::time::{Duration, Instant};

/// Running estimate of arrival jitter and the playout delay it calls for.
///
/// The jitter is RFC 3550's smoothed |D| (gain 1/16) computed in
/// microseconds; the target delay is one frame plus three times that
/// jitter, clamped between the configured minimum and maximum.
#[derive(Debug, Clone)]
pub struct DelayEstimator {
    clock_rate: u32,
    frame: Duration,
    min: Duration,
    max: Duration,
    epoch: Option<Instant>,
    last_transit_us: Option<i64>,
    jitter_us: f64,
}

impl DelayEstimator {
    /// An estimator for a stream with `clock_rate` and frames of `frame`,
    /// keeping the target between `min` and `max`.
    pub fn new(clock_rate: u32, frame: Duration, min: Duration, max: Duration) -> Self {
        DelayEstimator {
            clock_rate: clock_rate.max(1),
            frame,
            min,
            max: max.max(min),
            epoch: None,
            last_transit_us: None,
            jitter_us: 0.0,
        }
    }

    /// Forgets the transit history (new source); keeps the jitter learnt,
    /// since the network path is likely the same.
    pub fn restart(&mut self) {
        self.last_transit_us = None;
    }

    /// Feeds a packet's RTP timestamp and arrival time.
    pub fn on_arrival(&mut self, timestamp: u32, arrival: Instant) {
        let epoch = *self.epoch.get_or_insert(arrival);
        let arrival_us = arrival.saturating_duration_since(epoch).as_micros() as i64;
        let media_us = (u64::from(timestamp) * 1_000_000 / u64::from(self.clock_rate)) as i64;
        let transit = arrival_us - media_us;
        if let Some(last) = self.last_transit_us {
            let mut d = (transit - last).unsigned_abs() as f64;
            // A timestamp wrap or a jump is not jitter: cap one sample at
            // the maximum delay so it cannot blow the estimate up.
            d = d.min(self.max.as_micros() as f64);
            self.jitter_us += (d - self.jitter_us) / 16.0;
        }
        self.last_transit_us = Some(transit);
    }

    /// The smoothed jitter.
    pub fn jitter(&self) -> Duration {
        Duration::from_micros(self.jitter_us as u64)
    }

    /// The playout delay to aim for.
    pub fn target(&self) -> Duration {
        let wanted = self.frame + self.jitter() * 3;
        wanted.clamp(self.min, self.max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    fn estimator() -> DelayEstimator {
        DelayEstimator::new(8000, 20 * MS, 40 * MS, 200 * MS)
    }

    #[test]
    fn steady_arrivals_keep_the_minimum() {
        let mut d = estimator();
        let t0 = Instant::now();
        for i in 0..100u32 {
            d.on_arrival(i * 160, t0 + 20 * MS * i);
        }
        assert_eq!(d.jitter(), Duration::ZERO);
        assert_eq!(d.target(), 40 * MS);
    }

    #[test]
    fn jittery_arrivals_raise_the_target_up_to_the_maximum() {
        let mut d = estimator();
        let t0 = Instant::now();
        for i in 0..400u32 {
            let late = if i % 2 == 1 { 30 * MS } else { Duration::ZERO };
            d.on_arrival(i * 160, t0 + 20 * MS * i + late);
        }
        // |D| = 30 ms each packet: target = 20 + 3 × 30 = 110 ms.
        let target = d.target();
        assert!(target > 100 * MS && target < 115 * MS, "{target:?}");
        for i in 400..800u32 {
            let late = if i % 2 == 1 { 300 * MS } else { Duration::ZERO };
            d.on_arrival(i * 160, t0 + 20 * MS * i + late);
        }
        assert_eq!(d.target(), 200 * MS);
        d.restart();
        assert!(d.jitter() > Duration::ZERO);
    }

    #[test]
    fn min_above_max_is_tolerated() {
        let d = DelayEstimator::new(0, 20 * MS, 100 * MS, 10 * MS);
        assert_eq!(d.target(), 100 * MS);
    }
}
