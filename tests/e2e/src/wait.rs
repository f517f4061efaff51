//! Polling with a deadline: the only way tests wait for something.

use std::thread;
use std::time::{Duration, Instant};

/// Calls `probe` every `interval` until it returns `Some` or `limit` has passed.
///
/// Returns the first `Some` value, or `None` when the deadline passed first.
/// The probe is always called at least once, and once more at the deadline.
pub fn poll_until<T>(
    limit: Duration,
    interval: Duration,
    mut probe: impl FnMut() -> Option<T>,
) -> Option<T> {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(value) = probe() {
            return Some(value);
        }
        let now = Instant::now();
        if now >= deadline {
            return None;
        }
        thread::sleep(interval.min(deadline - now));
    }
}

/// Time left until `deadline`, or `None` when it has passed.
pub fn remaining(deadline: Instant) -> Option<Duration> {
    deadline
        .checked_duration_since(Instant::now())
        .filter(|left| !left.is_zero())
}
