//! Symmetric RTP (RFC 4961) and latching for peers behind NAT, with
//! protection against media hijacking.
//!
//! A peer behind NAT announces in SDP an address it cannot be reached at;
//! its packets arrive from the NAT's public address. The [`Latch`] starts
//! out sending to the SDP address, learns the real source from the first
//! valid packet, and from then on sends there and accepts media only from
//! there.
//!
//! # Hijack protection
//!
//! Once latched, a packet from any other address is dropped and counted.
//! Another address takes over (re-latching) only when one of these holds:
//!
//! - **It looks like one continuous stream and the current source went
//!   quiet.** [`LatchConfig::packets_to_relatch`] consecutive valid
//!   packets from the new address, all with one SSRC and increasing
//!   sequence numbers, with *no* packet from the current source in
//!   between, and the current source silent for at least
//!   [`LatchConfig::quiet_before_relatch`]. A NAT rebinding (the real peer
//!   changed port) satisfies this within a few packet times; an attacker
//!   spraying packets while the real peer keeps talking never does,
//!   because every packet from the current source resets the count, and
//!   a burst of forged packets arriving between two genuine ones fails the
//!   quiet-time test.
//! - **The current source has been silent for a long time.**
//!   After [`LatchConfig::idle_before_relatch`] without a packet from the
//!   current source, the first valid packet from a new address latches.
//!   The media was dead anyway; this recovers calls whose peer moved.
//!
//! - **It comes from the address the peer's SDP names.** Signalling is
//!   authenticated and the SDP is the peer's own word: a packet from that
//!   address latches at once. This also repairs a latch onto a stray
//!   stream (RTP still arriving from the previous user of a reused port).
//!
//! The caller feeds only packets that parsed as RTP for the expected
//! payload types; garbage never counts towards a takeover. SRTP, where
//! used, authenticates packets before they reach the latch, which is the
//! complete answer to hijacking.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use super::sequence::MAX_DROPOUT;

/// Thresholds of a [`Latch`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LatchConfig {
    /// Consecutive in-sequence packets with one SSRC a new address must
    /// send before it takes over from a quiet current source.
    pub packets_to_relatch: u32,
    /// How long the current source must have been silent for the count
    /// above to take over.
    pub quiet_before_relatch: Duration,
    /// After this long without a packet from the current source, the
    /// first valid packet from another address takes over.
    pub idle_before_relatch: Duration,
}

impl Default for LatchConfig {
    /// 4 packets, 60 ms of quiet (three 20 ms packet times), 2 s idle.
    fn default() -> Self {
        LatchConfig {
            packets_to_relatch: 4,
            quiet_before_relatch: Duration::from_millis(60),
            idle_before_relatch: Duration::from_secs(2),
        }
    }
}

/// What to do with one received packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LatchDecision {
    /// From the latched source (or the one just latched): use it.
    Accept,
    /// From another address that has not earned a takeover: drop it.
    Drop,
}

#[derive(Debug, Clone, Copy)]
struct Candidate {
    addr: SocketAddr,
    ssrc: u32,
    last_seq: u16,
    count: u32,
}

/// The latching state of one RTP (or RTCP) socket of a leg.
#[derive(Debug, Clone)]
pub struct Latch {
    config: LatchConfig,
    signalled: Option<SocketAddr>,
    latched: Option<SocketAddr>,
    last_from_latched: Option<Instant>,
    candidate: Option<Candidate>,
    dropped: u64,
    relatches: u32,
}

impl Latch {
    /// A latch expecting media from (and sending to) the address from the
    /// peer's SDP, when known.
    pub fn new(signalled: Option<SocketAddr>, config: LatchConfig) -> Self {
        Latch {
            config,
            signalled,
            latched: None,
            last_from_latched: None,
            candidate: None,
            dropped: 0,
            relatches: 0,
        }
    }

    /// Where to send media: the latched source once learned, the SDP
    /// address before.
    pub fn remote(&self) -> Option<SocketAddr> {
        self.latched.or(self.signalled)
    }

    /// The learned source address, if any packet latched yet.
    pub fn latched(&self) -> Option<SocketAddr> {
        self.latched
    }

    /// A new SDP address (re-INVITE): sends go there and the next valid
    /// packet latches afresh, from whatever address it comes.
    pub fn set_signalled(&mut self, signalled: Option<SocketAddr>) {
        self.signalled = signalled;
        self.latched = None;
        self.last_from_latched = None;
        self.candidate = None;
    }

    /// Packets dropped because they came from an address not latched.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// Times the latch moved from one source address to another.
    pub fn relatches(&self) -> u32 {
        self.relatches
    }

    /// Decides on a valid RTP packet (its SSRC and sequence number) that
    /// arrived from `from` at `now`.
    pub fn on_packet(
        &mut self,
        from: SocketAddr,
        ssrc: u32,
        seq: u16,
        now: Instant,
    ) -> LatchDecision {
        let Some(current) = self.latched else {
            self.latch(from, now, false);
            return LatchDecision::Accept;
        };
        if current != from && self.signalled == Some(from) {
            self.latch(from, now, true);
            return LatchDecision::Accept;
        }
        if from == current {
            self.last_from_latched = Some(now);
            self.candidate = None;
            return LatchDecision::Accept;
        }
        let quiet_for = self
            .last_from_latched
            .map_or(Duration::MAX, |last| now.saturating_duration_since(last));
        if quiet_for >= self.config.idle_before_relatch {
            self.latch(from, now, true);
            return LatchDecision::Accept;
        }
        let count = match self.candidate {
            Some(c)
                if c.addr == from && c.ssrc == ssrc && {
                    let step = seq.wrapping_sub(c.last_seq);
                    step != 0 && step < MAX_DROPOUT
                } =>
            {
                c.count + 1
            }
            _ => 1,
        };
        self.candidate = Some(Candidate {
            addr: from,
            ssrc,
            last_seq: seq,
            count,
        });
        if count >= self.config.packets_to_relatch && quiet_for >= self.config.quiet_before_relatch
        {
            self.latch(from, now, true);
            return LatchDecision::Accept;
        }
        self.dropped += 1;
        LatchDecision::Drop
    }

    fn latch(&mut self, from: SocketAddr, now: Instant, is_relatch: bool) {
        self.latched = Some(from);
        self.last_from_latched = Some(now);
        self.candidate = None;
        if is_relatch {
            self.relatches = self.relatches.saturating_add(1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(port: u16) -> SocketAddr {
        SocketAddr::from(([192, 0, 2, 1], port))
    }

    const MS: Duration = Duration::from_millis(1);

    #[test]
    fn sends_to_sdp_then_latches_first_source() {
        let t0 = Instant::now();
        let mut l = Latch::new(Some(addr(4000)), LatchConfig::default());
        assert_eq!(l.remote(), Some(addr(4000)));
        assert_eq!(l.on_packet(addr(5555), 1, 1, t0), LatchDecision::Accept);
        assert_eq!(l.remote(), Some(addr(5555)));
        assert_eq!(l.latched(), Some(addr(5555)));
        assert_eq!(l.relatches(), 0);
    }

    #[test]
    fn drops_an_attacker_while_the_peer_talks() {
        let t0 = Instant::now();
        let mut l = Latch::new(None, LatchConfig::default());
        l.on_packet(addr(1), 1, 100, t0);
        let mut t = t0;
        for i in 0..50u16 {
            t += 10 * MS;
            // Attacker bursts 5 consistent packets between genuine ones.
            for k in 0..5 {
                assert_eq!(l.on_packet(addr(666), 9, i * 5 + k, t), LatchDecision::Drop);
            }
            t += 10 * MS;
            assert_eq!(l.on_packet(addr(1), 1, 101 + i, t), LatchDecision::Accept);
        }
        assert_eq!(l.dropped(), 250);
        assert_eq!(l.latched(), Some(addr(1)));
    }

    #[test]
    fn relatches_after_nat_rebinding() {
        let t0 = Instant::now();
        let mut l = Latch::new(None, LatchConfig::default());
        l.on_packet(addr(1), 1, 100, t0);
        // The peer moves to port 2; its first packets are dropped until
        // four arrive in sequence with the old port quiet for 60 ms.
        let mut t = t0;
        let mut decisions = Vec::new();
        for seq in 101..106 {
            t += 20 * MS;
            decisions.push(l.on_packet(addr(2), 1, seq, t));
        }
        assert_eq!(
            decisions,
            [
                LatchDecision::Drop,
                LatchDecision::Drop,
                LatchDecision::Drop,
                LatchDecision::Accept,
                LatchDecision::Accept
            ]
        );
        assert_eq!(l.latched(), Some(addr(2)));
        assert_eq!(l.relatches(), 1);
        // The old address is now foreign.
        assert_eq!(l.on_packet(addr(1), 1, 200, t + MS), LatchDecision::Drop);
    }

    #[test]
    fn candidate_must_be_one_stream() {
        let t0 = Instant::now();
        let mut l = Latch::new(None, LatchConfig::default());
        l.on_packet(addr(1), 1, 100, t0);
        let t = t0 + 500 * MS;
        // Changing SSRC or non-increasing sequence resets the count.
        assert_eq!(l.on_packet(addr(2), 5, 10, t), LatchDecision::Drop);
        assert_eq!(l.on_packet(addr(2), 5, 11, t), LatchDecision::Drop);
        assert_eq!(l.on_packet(addr(2), 6, 12, t), LatchDecision::Drop);
        assert_eq!(l.on_packet(addr(2), 6, 12, t), LatchDecision::Drop);
        assert_eq!(l.on_packet(addr(2), 6, 13, t), LatchDecision::Drop);
        assert_eq!(l.on_packet(addr(3), 6, 14, t), LatchDecision::Drop);
        assert_eq!(l.latched(), Some(addr(1)));
    }

    #[test]
    fn long_silence_lets_any_valid_source_take_over() {
        let t0 = Instant::now();
        let mut l = Latch::new(None, LatchConfig::default());
        l.on_packet(addr(1), 1, 100, t0);
        assert_eq!(
            l.on_packet(addr(3), 2, 7, t0 + Duration::from_secs(2)),
            LatchDecision::Accept
        );
        assert_eq!(l.latched(), Some(addr(3)));
        assert_eq!(l.relatches(), 1);
    }

    #[test]
    fn new_sdp_address_resets_the_latch() {
        let t0 = Instant::now();
        let mut l = Latch::new(Some(addr(10)), LatchConfig::default());
        l.on_packet(addr(11), 1, 1, t0);
        l.set_signalled(Some(addr(20)));
        assert_eq!(l.remote(), Some(addr(20)));
        assert_eq!(l.on_packet(addr(21), 1, 2, t0), LatchDecision::Accept);
        assert_eq!(l.remote(), Some(addr(21)));
    }

    #[test]
    fn the_signalled_address_takes_back_a_latch_from_a_stray_stream() {
        let signalled: SocketAddr = "192.0.2.10:4000".parse().unwrap();
        let stray: SocketAddr = "198.51.100.7:6000".parse().unwrap();
        let mut latch = Latch::new(Some(signalled), LatchConfig::default());
        let t0 = Instant::now();
        // A stray stream gets there first and latches.
        assert_eq!(latch.on_packet(stray, 1, 100, t0), LatchDecision::Accept);
        assert_eq!(latch.remote(), Some(stray));
        // The peer's own address, from its SDP, wins at once, even while
        // the stray keeps sending.
        let t1 = t0 + Duration::from_millis(5);
        assert_eq!(latch.on_packet(signalled, 2, 1, t1), LatchDecision::Accept);
        assert_eq!(latch.remote(), Some(signalled));
        assert_eq!(latch.on_packet(stray, 1, 101, t1), LatchDecision::Drop);
        assert_eq!(latch.relatches(), 1);
    }
}
