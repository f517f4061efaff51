//! Unique Via branches and tags (RFC 3261 §8.1.1.7, §19.3) without an RNG
//! dependency: a secret 64-bit seed and a counter run through a bijective
//! mixer, so ids never repeat within one generator and differ between
//! generators with different seeds.

use super::key::MAGIC_COOKIE;

/// Makes `z9hG4bK…` branches for new client transactions and tags for
/// To/From headers.
///
/// The TU (not the transaction layer) puts the branch in the top Via of
/// every request it sends, because only the TU and the transport know the
/// sent-by address;
/// [`send_request`](super::TransactionLayer::send_request) only checks
/// that it is there.
#[derive(Clone, Debug)]
pub struct BranchGenerator {
    seed: u64,
    counter: u64,
}

impl BranchGenerator {
    /// A generator from a seed: deterministic, for tests and replays.
    pub fn new(seed: u64) -> BranchGenerator {
        BranchGenerator { seed, counter: 0 }
    }

    /// A generator seeded by the operating system's random source.
    pub fn from_os_entropy() -> std::io::Result<BranchGenerator> {
        let mut bytes = [0u8; 8];
        getrandom::fill(&mut bytes).map_err(|e| std::io::Error::other(e.to_string()))?;
        Ok(BranchGenerator::new(u64::from_le_bytes(bytes)))
    }

    /// The next 64-bit id (never repeats before 2^64 draws).
    fn next_id(&mut self) -> u64 {
        self.counter = self.counter.wrapping_add(1);
        splitmix64(self.seed.wrapping_add(self.counter.wrapping_mul(GAMMA)))
    }

    /// A new branch: the magic cookie and 16 hex digits.
    pub fn branch(&mut self) -> String {
        format!("{MAGIC_COOKIE}{:016x}", self.next_id())
    }

    /// A new tag (16 hex digits, 64 bits).
    pub fn tag(&mut self) -> String {
        format!("{:016x}", self.next_id())
    }
}

const GAMMA: u64 = 0x9e37_79b9_7f4a_7c15;

/// SplitMix64's output function: a bijection on u64.
fn splitmix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn branches_are_unique_and_cookied() {
        let mut generator = BranchGenerator::new(7);
        let all: HashSet<String> = (0..10_000).map(|_| generator.branch()).collect();
        assert_eq!(all.len(), 10_000);
        assert!(all.iter().all(|b| super::super::key::is_rfc3261_branch(b)));
    }

    #[test]
    fn seeds_differ() {
        assert_ne!(
            BranchGenerator::new(1).branch(),
            BranchGenerator::new(2).branch()
        );
        assert_eq!(BranchGenerator::new(3).tag(), BranchGenerator::new(3).tag());
        assert!(BranchGenerator::from_os_entropy().is_ok());
    }
}
