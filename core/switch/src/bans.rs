//! Temporary bans of source addresses that fail authentication too often
//! (password guessing against the registrar), as `show bans` lists them.
//!
//! Time is passed in, so the policy is tested on virtual time.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// When to ban and for how long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BanPolicy {
    /// Failures within `window` that trigger a ban; 0 disables banning.
    pub max_failures: u32,
    /// The sliding window failures are counted in.
    pub window: Duration,
    /// How long a ban lasts.
    pub ban_for: Duration,
}

impl Default for BanPolicy {
    fn default() -> BanPolicy {
        BanPolicy {
            max_failures: 10,
            window: Duration::from_secs(60),
            ban_for: Duration::from_secs(600),
        }
    }
}

#[derive(Debug, Default)]
struct Source {
    failures: Vec<Instant>,
    banned_until: Option<Instant>,
    total_failures: u64,
}

/// One banned address, for `show bans`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ban {
    /// The address.
    pub address: IpAddr,
    /// Time left.
    pub remaining: Duration,
    /// Failures seen from it since it was first tracked.
    pub failures: u64,
}

/// Failure counts and bans per source address.
#[derive(Debug, Default)]
pub struct BanList {
    sources: Mutex<HashMap<IpAddr, Source>>,
}

/// Most addresses tracked at once; beyond it the oldest quiet ones go.
const MAX_TRACKED: usize = 100_000;

impl BanList {
    /// An empty list.
    pub fn new() -> BanList {
        BanList::default()
    }

    /// Whether `address` is banned at `now`.
    pub fn is_banned(&self, address: IpAddr, now: Instant) -> bool {
        self.lock()
            .get(&address)
            .and_then(|s| s.banned_until)
            .is_some_and(|until| until > now)
    }

    /// Counts a failed authentication; returns true when it starts a ban.
    pub fn record_failure(&self, address: IpAddr, now: Instant, policy: &BanPolicy) -> bool {
        if policy.max_failures == 0 {
            return false;
        }
        let mut sources = self.lock();
        if sources.len() >= MAX_TRACKED && !sources.contains_key(&address) {
            sources.retain(|_, s| s.banned_until.is_some_and(|until| until > now));
        }
        let source = sources.entry(address).or_default();
        source.total_failures += 1;
        source
            .failures
            .retain(|at| now.saturating_duration_since(*at) < policy.window);
        source.failures.push(now);
        let already = source.banned_until.is_some_and(|until| until > now);
        if !already && source.failures.len() >= policy.max_failures as usize {
            source.banned_until = Some(now + policy.ban_for);
            source.failures.clear();
            return true;
        }
        false
    }

    /// Forgets the failures of an address that authenticated successfully.
    pub fn record_success(&self, address: IpAddr) {
        let mut sources = self.lock();
        if let Some(source) = sources.get_mut(&address)
            && source.banned_until.is_none()
        {
            sources.remove(&address);
        }
    }

    /// Lifts a ban; false when the address was not banned.
    pub fn lift(&self, address: IpAddr) -> bool {
        self.lock()
            .remove(&address)
            .is_some_and(|s| s.banned_until.is_some())
    }

    /// The bans in force at `now`, longest remaining first.
    pub fn list(&self, now: Instant) -> Vec<Ban> {
        let mut bans: Vec<Ban> = self
            .lock()
            .iter()
            .filter_map(|(address, s)| {
                let until = s.banned_until.filter(|until| *until > now)?;
                Some(Ban {
                    address: *address,
                    remaining: until - now,
                    failures: s.total_failures,
                })
            })
            .collect();
        bans.sort_by(|a, b| {
            b.remaining
                .cmp(&a.remaining)
                .then(a.address.cmp(&b.address))
        });
        bans
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<IpAddr, Source>> {
        self.sources.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const POLICY: BanPolicy = BanPolicy {
        max_failures: 3,
        window: Duration::from_secs(60),
        ban_for: Duration::from_secs(300),
    };

    fn ip(last: u8) -> IpAddr {
        IpAddr::from([127, 0, 0, last])
    }

    #[test]
    fn bans_after_n_failures_in_the_window_and_expires() {
        let list = BanList::new();
        let t0 = Instant::now();
        assert!(!list.record_failure(ip(1), t0, &POLICY));
        assert!(!list.record_failure(ip(1), t0 + Duration::from_secs(1), &POLICY));
        assert!(list.record_failure(ip(1), t0 + Duration::from_secs(2), &POLICY));
        assert!(list.is_banned(ip(1), t0 + Duration::from_secs(3)));
        assert!(!list.is_banned(ip(2), t0));
        let bans = list.list(t0 + Duration::from_secs(2));
        assert_eq!(bans.len(), 1);
        assert_eq!(bans[0].remaining, Duration::from_secs(300));
        assert_eq!(bans[0].failures, 3);
        assert!(!list.is_banned(ip(1), t0 + Duration::from_secs(303)));
        assert!(list.list(t0 + Duration::from_secs(303)).is_empty());
    }

    #[test]
    fn failures_outside_the_window_do_not_count() {
        let list = BanList::new();
        let t0 = Instant::now();
        for i in 0..10u64 {
            assert!(!list.record_failure(ip(1), t0 + Duration::from_secs(40 * i), &POLICY));
        }
        assert!(!list.is_banned(ip(1), t0 + Duration::from_secs(400)));
    }

    #[test]
    fn success_clears_failures_and_lift_ends_a_ban() {
        let list = BanList::new();
        let t0 = Instant::now();
        list.record_failure(ip(1), t0, &POLICY);
        list.record_failure(ip(1), t0, &POLICY);
        list.record_success(ip(1));
        assert!(!list.record_failure(ip(1), t0, &POLICY));
        list.record_failure(ip(1), t0, &POLICY);
        assert!(list.record_failure(ip(1), t0, &POLICY));
        assert!(list.lift(ip(1)));
        assert!(!list.is_banned(ip(1), t0));
        assert!(!list.lift(ip(1)));
    }

    #[test]
    fn a_zero_limit_disables_banning() {
        let list = BanList::new();
        let off = BanPolicy {
            max_failures: 0,
            ..POLICY
        };
        for _ in 0..100 {
            assert!(!list.record_failure(ip(1), Instant::now(), &off));
        }
    }
}
