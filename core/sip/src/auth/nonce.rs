//! Self-validating nonces and per-nonce `nc` replay tracking.
//!
//! A nonce is 64 lowercase hex characters encoding 32 bytes:
//! `issued (u64, big-endian seconds since the Unix epoch) ‖ salt (8 bytes)
//! ‖ tag (first 16 bytes of HMAC-SHA-256(key, issued ‖ salt))`.
//! The salt is itself `HMAC-SHA-256(key, "salt" ‖ counter)` truncated, so
//! nonces are unique within a process and unpredictable without the key.
//! Validating a nonce needs only the key and the clock: no storage.

use std::collections::BTreeMap;

use sha2::{Digest, Sha256};

use super::algorithm::to_hex;

/// Length of a secret nonce key in bytes.
pub const KEY_LEN: usize = 32;

/// What a nonce says about itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NonceStatus {
    /// Issued by this key and not yet expired.
    Fresh(NonceId),
    /// Issued by this key, but older than the lifetime.
    Expired,
    /// Not issued by this key (forged, mangled, from another process or
    /// from before a restart).
    Foreign,
}

/// The identity of a valid nonce: when it was issued and its salt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct NonceId {
    pub(crate) issued: u64,
    pub(crate) salt: u64,
}

/// HMAC-SHA-256 (RFC 2104) over the concatenation of `parts`.
pub(crate) fn hmac_sha256(key: &[u8; KEY_LEN], parts: &[&[u8]]) -> [u8; 32] {
    const BLOCK: usize = 64;
    let mut ipad = [0x36u8; BLOCK];
    let mut opad = [0x5cu8; BLOCK];
    for (i, k) in key.iter().enumerate() {
        ipad[i] ^= k;
        opad[i] ^= k;
    }
    let mut inner = Sha256::new();
    inner.update(ipad);
    for p in parts {
        inner.update(p);
    }
    let inner = inner.finalize();
    let mut outer = Sha256::new();
    outer.update(opad);
    outer.update(inner);
    outer.finalize().into()
}

/// Makes and checks nonces with one secret key.
#[derive(Clone)]
pub(crate) struct NonceCodec {
    key: [u8; KEY_LEN],
}

impl std::fmt::Debug for NonceCodec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NonceCodec { key: <secret> }")
    }
}

impl NonceCodec {
    pub(crate) fn new(key: [u8; KEY_LEN]) -> NonceCodec {
        NonceCodec { key }
    }

    fn tag(&self, issued: u64, salt: u64) -> [u8; 16] {
        let mac = hmac_sha256(&self.key, &[&issued.to_be_bytes(), &salt.to_be_bytes()]);
        let mut tag = [0u8; 16];
        tag.copy_from_slice(&mac[..16]);
        tag
    }

    /// The nonce issued at `issued` (Unix seconds) with the `counter`-th salt.
    pub(crate) fn issue(&self, issued: u64, counter: u64) -> String {
        let mac = hmac_sha256(&self.key, &[b"salt", &counter.to_be_bytes()]);
        let mut salt = [0u8; 8];
        salt.copy_from_slice(&mac[..8]);
        let salt = u64::from_be_bytes(salt);
        let mut raw = [0u8; 32];
        raw[..8].copy_from_slice(&issued.to_be_bytes());
        raw[8..16].copy_from_slice(&salt.to_be_bytes());
        raw[16..].copy_from_slice(&self.tag(issued, salt));
        to_hex(&raw)
    }

    /// Checks `nonce` at `now` (Unix seconds) for a `lifetime` in seconds.
    /// A nonce from the future (the clock stepped back) counts as fresh: the
    /// tag proves we issued it.
    pub(crate) fn check(&self, nonce: &str, now: u64, lifetime: u64) -> NonceStatus {
        let Some(raw) = from_hex_32(nonce) else {
            return NonceStatus::Foreign;
        };
        let mut word = [0u8; 8];
        word.copy_from_slice(&raw[..8]);
        let issued = u64::from_be_bytes(word);
        word.copy_from_slice(&raw[8..16]);
        let salt = u64::from_be_bytes(word);
        let want = self.tag(issued, salt);
        let diff = want
            .iter()
            .zip(&raw[16..])
            .fold(0u8, |d, (a, b)| d | (a ^ b));
        if diff != 0 {
            NonceStatus::Foreign
        } else if now >= issued.saturating_add(lifetime) {
            NonceStatus::Expired
        } else {
            NonceStatus::Fresh(NonceId { issued, salt })
        }
    }
}

/// Decodes exactly 64 lowercase hex characters (the form we issue).
fn from_hex_32(s: &str) -> Option<[u8; 32]> {
    let b = s.as_bytes();
    if b.len() != 64 {
        return None;
    }
    let digit = |c: u8| match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        _ => None,
    };
    let mut out = [0u8; 32];
    for (i, o) in out.iter_mut().enumerate() {
        *o = (digit(b[2 * i])? << 4) | digit(b[2 * i + 1])?;
    }
    Some(out)
}

/// The verdict of the `nc` tracker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NcVerdict {
    /// `nc` is higher than any seen for this nonce; recorded.
    Accepted,
    /// `nc` is not higher than one already seen: a replay.
    Replay,
    /// The nonce's history was evicted to bound memory; it can no longer be
    /// protected, so it must be treated as stale.
    Forgotten,
}

/// Highest `nc` accepted per nonce, for nonces used within their lifetime.
///
/// Memory bound: at most `capacity` entries (each about 50 bytes in the
/// B-tree). Entries of expired nonces are dropped as time passes (those
/// nonces are refused as stale before `nc` matters). When the table is
/// full, the entry of the oldest-issued nonce is evicted and
/// `forgotten_through` remembers its issue time: any nonce issued at or
/// before that second and not in the table is reported
/// [`NcVerdict::Forgotten`], so eviction can never re-open a replay; its
/// cost is one extra `401 … stale=true` round trip for such a client.
#[derive(Debug)]
pub(crate) struct NcTracker {
    seen: BTreeMap<NonceId, u32>,
    capacity: usize,
    forgotten_through: Option<u64>,
}

impl NcTracker {
    pub(crate) fn new(capacity: usize) -> NcTracker {
        NcTracker {
            seen: BTreeMap::new(),
            capacity: capacity.max(1),
            forgotten_through: None,
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.seen.len()
    }

    /// Drops entries of nonces expired at `now`.
    pub(crate) fn sweep(&mut self, now: u64, lifetime: u64) {
        while let Some(entry) = self.seen.first_entry() {
            if now >= entry.key().issued.saturating_add(lifetime) {
                entry.remove();
            } else {
                break;
            }
        }
    }

    /// Records `nc` for `id` if it is strictly higher than the last one.
    pub(crate) fn check_and_record(&mut self, id: NonceId, nc: u32) -> NcVerdict {
        if let Some(last) = self.seen.get_mut(&id) {
            if nc > *last {
                *last = nc;
                return NcVerdict::Accepted;
            }
            return NcVerdict::Replay;
        }
        if self.forgotten_through.is_some_and(|t| id.issued <= t) {
            return NcVerdict::Forgotten;
        }
        self.seen.insert(id, nc);
        while self.seen.len() > self.capacity {
            if let Some((old, _)) = self.seen.pop_first() {
                self.forgotten_through = Some(
                    self.forgotten_through
                        .map_or(old.issued, |t| t.max(old.issued)),
                );
            }
        }
        NcVerdict::Accepted
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 4231 test cases 1 and 2. HMAC pads a short key with zeros to
    /// the block size, so a 32-byte key that is the published key followed
    /// by zeros gives the published tag.
    #[test]
    fn hmac_rfc4231() {
        let mut key = [0u8; KEY_LEN];
        key[..20].copy_from_slice(&[0x0b; 20]);
        assert_eq!(
            to_hex(&hmac_sha256(&key, &[b"Hi ", b"There"])),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"
        );
        let mut key = [0u8; KEY_LEN];
        key[..4].copy_from_slice(b"Jefe");
        assert_eq!(
            to_hex(&hmac_sha256(&key, &[b"what do ya want for nothing?"])),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn issue_and_check() {
        let codec = NonceCodec::new([7; KEY_LEN]);
        let n = codec.issue(1000, 0);
        assert_eq!(n.len(), 64);
        assert_ne!(n, codec.issue(1000, 1));
        assert!(matches!(
            codec.check(&n, 1000, 60),
            NonceStatus::Fresh(NonceId { issued: 1000, .. })
        ));
        assert!(matches!(codec.check(&n, 1059, 60), NonceStatus::Fresh(_)));
        assert_eq!(codec.check(&n, 1060, 60), NonceStatus::Expired);
        assert!(matches!(codec.check(&n, 10, 60), NonceStatus::Fresh(_)));
        let other = NonceCodec::new([8; KEY_LEN]);
        assert_eq!(other.check(&n, 1000, 60), NonceStatus::Foreign);
        assert_eq!(
            codec.check(&n.to_uppercase(), 1000, 60),
            NonceStatus::Foreign
        );
        assert_eq!(codec.check(&n[..63], 1000, 60), NonceStatus::Foreign);
        assert_eq!(codec.check("", 1000, 60), NonceStatus::Foreign);
        // Flipping any single hex digit invalidates the nonce.
        for i in 0..64 {
            let mut b = n.clone().into_bytes();
            b[i] = if b[i] == b'0' { b'1' } else { b'0' };
            let m = String::from_utf8(b).unwrap_or_default();
            assert_eq!(codec.check(&m, 1000, 60), NonceStatus::Foreign, "digit {i}");
        }
        // Moving the timestamp forward (to extend the lifetime) breaks the tag.
        let forged = format!("{:016x}{}", 5000u64, &n[16..]);
        assert_eq!(codec.check(&forged, 5000, 60), NonceStatus::Foreign);
    }

    #[test]
    fn tracker_replay_and_eviction() {
        let id = |issued, salt| NonceId { issued, salt };
        let mut t = NcTracker::new(2);
        assert_eq!(t.check_and_record(id(10, 1), 1), NcVerdict::Accepted);
        assert_eq!(t.check_and_record(id(10, 1), 1), NcVerdict::Replay);
        assert_eq!(t.check_and_record(id(10, 1), 3), NcVerdict::Accepted);
        assert_eq!(t.check_and_record(id(10, 1), 2), NcVerdict::Replay);
        assert_eq!(t.check_and_record(id(11, 1), 1), NcVerdict::Accepted);
        assert_eq!(t.len(), 2);
        // A third nonce evicts the oldest-issued one, (10, 1).
        assert_eq!(t.check_and_record(id(12, 1), 1), NcVerdict::Accepted);
        assert_eq!(t.len(), 2);
        assert_eq!(t.check_and_record(id(10, 1), 9), NcVerdict::Forgotten);
        // Unused nonces issued in or before the evicted second are forgotten too.
        assert_eq!(t.check_and_record(id(10, 2), 1), NcVerdict::Forgotten);
        assert_eq!(t.check_and_record(id(9, 2), 1), NcVerdict::Forgotten);
        // Tracked ones keep working.
        assert_eq!(t.check_and_record(id(11, 1), 1), NcVerdict::Replay);
        assert_eq!(t.check_and_record(id(11, 1), 2), NcVerdict::Accepted);
        // Sweeping drops expired entries without forgetting anything new.
        t.sweep(1000, 60);
        assert_eq!(t.len(), 0);
        assert_eq!(t.check_and_record(id(990, 1), 1), NcVerdict::Accepted);
        t.sweep(1000, 60);
        assert_eq!(t.len(), 1);
    }

    #[test]
    fn tracker_zero_capacity_is_one() {
        let mut t = NcTracker::new(0);
        assert_eq!(
            t.check_and_record(NonceId { issued: 1, salt: 1 }, 1),
            NcVerdict::Accepted
        );
        assert_eq!(
            t.check_and_record(NonceId { issued: 1, salt: 1 }, 2),
            NcVerdict::Accepted
        );
        assert_eq!(t.len(), 1);
    }
}
