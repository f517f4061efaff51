//! RFC 3261 §17 timer values (Table 4 of §A, as updated by RFC 6026) and
//! the small per-transaction set of armed timers.

use std::time::{Duration, Instant};

/// The three base intervals every transaction timer derives from.
///
/// Defaults are RFC 3261's: T1 = 500 ms (RTT estimate), T2 = 4 s (maximum
/// retransmission interval for non-INVITE requests and INVITE responses),
/// T4 = 5 s (maximum time a message stays in the network).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TimerConfig {
    /// RTT estimate; retransmission intervals start here.
    pub t1: Duration,
    /// Cap on the retransmission interval of non-INVITE requests and INVITE
    /// final responses.
    pub t2: Duration,
    /// How long a message may linger in the network.
    pub t4: Duration,
}

impl Default for TimerConfig {
    fn default() -> TimerConfig {
        TimerConfig {
            t1: Duration::from_millis(500),
            t2: Duration::from_secs(4),
            t4: Duration::from_secs(5),
        }
    }
}

/// The shortest T1 accepted: a zero T1 would make retransmission timers fire
/// in a tight loop.
const MIN_T1: Duration = Duration::from_millis(1);

impl TimerConfig {
    /// The values made safe to use: T1 at least 1 ms, T2 at least T1.
    pub fn sanitized(self) -> TimerConfig {
        let t1 = self.t1.max(MIN_T1);
        TimerConfig {
            t1,
            t2: self.t2.max(t1),
            t4: self.t4,
        }
    }

    /// 64·T1: Timers B, F, H, L and M, and unreliable Timer J.
    pub fn sixty_four_t1(&self) -> Duration {
        self.t1.saturating_mul(64)
    }

    /// Timer A's first interval (INVITE request retransmission, unreliable
    /// transports only): T1, doubling without cap.
    pub fn timer_a(&self) -> Duration {
        self.t1
    }

    /// Timer B: INVITE transaction timeout, 64·T1.
    pub fn timer_b(&self) -> Duration {
        self.sixty_four_t1()
    }

    /// Timer D: wait time for response retransmissions after a non-2xx
    /// final response: at least 32 s (and 64·T1) unreliable, zero reliable.
    pub fn timer_d(&self, reliable: bool) -> Duration {
        if reliable {
            Duration::ZERO
        } else {
            Duration::from_secs(32).max(self.sixty_four_t1())
        }
    }

    /// Timer E's first interval (non-INVITE request retransmission,
    /// unreliable only): T1, doubling up to T2.
    pub fn timer_e(&self) -> Duration {
        self.t1
    }

    /// Timer F: non-INVITE transaction timeout, 64·T1.
    pub fn timer_f(&self) -> Duration {
        self.sixty_four_t1()
    }

    /// Timer G's first interval (INVITE final response retransmission,
    /// unreliable only): T1, doubling up to T2.
    pub fn timer_g(&self) -> Duration {
        self.t1
    }

    /// Timer H: wait time for ACK receipt, 64·T1.
    pub fn timer_h(&self) -> Duration {
        self.sixty_four_t1()
    }

    /// Timer I: wait time for ACK retransmissions: T4 unreliable, zero reliable.
    pub fn timer_i(&self, reliable: bool) -> Duration {
        if reliable { Duration::ZERO } else { self.t4 }
    }

    /// Timer J: wait time for non-INVITE request retransmissions: 64·T1
    /// unreliable, zero reliable.
    pub fn timer_j(&self, reliable: bool) -> Duration {
        if reliable {
            Duration::ZERO
        } else {
            self.sixty_four_t1()
        }
    }

    /// Timer K: wait time for response retransmissions: T4 unreliable, zero
    /// reliable.
    pub fn timer_k(&self, reliable: bool) -> Duration {
        if reliable { Duration::ZERO } else { self.t4 }
    }

    /// Timer L (RFC 6026): how long an INVITE server transaction stays
    /// Accepted absorbing INVITE retransmissions, 64·T1.
    pub fn timer_l(&self) -> Duration {
        self.sixty_four_t1()
    }

    /// Timer M (RFC 6026): how long an INVITE client transaction stays
    /// Accepted catching 2xx retransmissions and forked 2xx, 64·T1.
    pub fn timer_m(&self) -> Duration {
        self.sixty_four_t1()
    }

    /// The next retransmission interval for timers E and G: doubled, capped
    /// at T2.
    pub fn backoff_capped(&self, interval: Duration) -> Duration {
        interval.saturating_mul(2).min(self.t2)
    }
}

/// The name of a transaction timer, as RFC 3261 §17 and RFC 6026 call
/// them. Timer C (proxy INVITE timeout) is not here: it belongs to a proxy
/// core, and Switchyard is a user agent (B2BUA).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Timer {
    /// INVITE request retransmission (client, unreliable).
    A,
    /// INVITE transaction timeout (client).
    B,
    /// Wait for response retransmissions after a non-2xx (INVITE client).
    D,
    /// Non-INVITE request retransmission (client, unreliable).
    E,
    /// Non-INVITE transaction timeout (client).
    F,
    /// INVITE final response retransmission (server, unreliable).
    G,
    /// Wait for ACK (INVITE server).
    H,
    /// Wait for ACK retransmissions (INVITE server).
    I,
    /// Wait for request retransmissions (non-INVITE server).
    J,
    /// Wait for response retransmissions (non-INVITE client).
    K,
    /// Accepted state of the INVITE server transaction (RFC 6026).
    L,
    /// Accepted state of the INVITE client transaction (RFC 6026).
    M,
    /// Not an RFC timer: the bound that makes every transaction end even
    /// when the other side or the TU never does. It fires for an INVITE
    /// transaction that stays Proceeding longer than
    /// [`Config::proceeding_limit`](super::Config::proceeding_limit), for an
    /// INVITE client transaction 64·T1 after a CANCEL was sent for it with
    /// no final response (RFC 3261 §9.1), and for a non-INVITE server
    /// transaction the TU leaves without a final response for 64·T1 (the
    /// client gave up at Timer F).
    Guard,
}

/// `now + d`, or `now` if that would overflow `Instant` (never panics).
pub(crate) fn after(now: Instant, d: Duration) -> Instant {
    now.checked_add(d).unwrap_or(now)
}

/// The timers one transaction has armed, with their deadlines.
#[derive(Clone, Debug, Default)]
pub(crate) struct TimerSet {
    armed: Vec<(Timer, Instant)>,
}

impl TimerSet {
    /// Arms (or re-arms) `timer` to fire at `at`.
    pub(crate) fn arm(&mut self, timer: Timer, at: Instant) {
        match self.armed.iter_mut().find(|(t, _)| *t == timer) {
            Some(slot) => slot.1 = at,
            None => self.armed.push((timer, at)),
        }
    }

    /// Disarms every timer.
    pub(crate) fn clear(&mut self) {
        self.armed.clear();
    }

    /// When `timer` fires, if armed.
    pub(crate) fn deadline(&self, timer: Timer) -> Option<Instant> {
        self.armed
            .iter()
            .find(|(t, _)| *t == timer)
            .map(|(_, at)| *at)
    }

    /// True if `timer` is armed and due at `now`.
    pub(crate) fn is_due(&self, timer: Timer, now: Instant) -> bool {
        self.deadline(timer).is_some_and(|at| at <= now)
    }

    /// The earliest deadline.
    pub(crate) fn next(&self) -> Option<Instant> {
        self.armed.iter().map(|(_, at)| *at).min()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_derived_values() {
        let t = TimerConfig::default();
        assert_eq!(t.timer_b(), Duration::from_secs(32));
        assert_eq!(t.timer_d(false), Duration::from_secs(32));
        assert_eq!(t.timer_d(true), Duration::ZERO);
        assert_eq!(t.timer_i(false), Duration::from_secs(5));
        assert_eq!(t.timer_j(true), Duration::ZERO);
        assert_eq!(t.timer_k(false), Duration::from_secs(5));
        assert_eq!(
            t.backoff_capped(Duration::from_secs(2)),
            Duration::from_secs(4)
        );
        assert_eq!(
            t.backoff_capped(Duration::from_secs(4)),
            Duration::from_secs(4)
        );
    }

    #[test]
    fn sanitized_never_zero() {
        let t = TimerConfig {
            t1: Duration::ZERO,
            t2: Duration::ZERO,
            t4: Duration::ZERO,
        }
        .sanitized();
        assert!(t.t1 > Duration::ZERO && t.t2 >= t.t1);
    }

    #[test]
    fn timer_set_arms_and_reports() {
        let now = Instant::now();
        let mut set = TimerSet::default();
        set.arm(Timer::A, now + Duration::from_secs(1));
        set.arm(Timer::B, now + Duration::from_secs(32));
        set.arm(Timer::A, now + Duration::from_secs(2));
        assert_eq!(set.next(), Some(now + Duration::from_secs(2)));
        assert!(!set.is_due(Timer::A, now));
        set.clear();
        assert_eq!(set.next(), None);
    }
}
