//! Sequence-number bookkeeping for one received stream, after RFC 3550
//! Appendix A.1: probation of new sources, dropout and misorder limits,
//! 16-bit wrap into an extended sequence number, and the
//! expected/received/lost figures a receiver report carries (A.3).

/// Packets in sequence needed before a new source is believed (A.1's
/// `MIN_SEQUENTIAL`).
pub const MIN_SEQUENTIAL: u32 = 2;
/// The largest forward jump still taken as loss rather than a restart
/// (A.1's `MAX_DROPOUT`).
pub const MAX_DROPOUT: u16 = 3000;
/// The largest backward step still taken as reordering (A.1's
/// `MAX_MISORDER`).
pub const MAX_MISORDER: u16 = 100;

const SEQ_MOD: u32 = 1 << 16;

/// What the tracker made of one packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SequenceVerdict {
    /// A packet of the current source, in order or a small step ahead.
    InOrder {
        /// The sequence number extended with the wrap count.
        extended: u32,
    },
    /// A late (reordered) or duplicated packet of the current source,
    /// within [`MAX_MISORDER`]; counted as received, as A.1 does.
    Late,
    /// A new source is on probation; the packet is not counted yet.
    Probation,
    /// A jump too large to be loss; dropped unless the next packet
    /// follows it, in which case the stream restarts there.
    Jump,
    /// The sender restarted its sequence (two packets in a row after a
    /// jump); the statistics were reset and this packet counted.
    Restarted {
        /// The new extended sequence number.
        extended: u32,
    },
}

impl SequenceVerdict {
    /// Whether the packet belongs to the stream and is worth playing or
    /// relaying (everything except a jump still unconfirmed; a source on
    /// probation is worth playing, it is merely not counted yet).
    pub fn is_usable(&self) -> bool {
        !matches!(self, SequenceVerdict::Jump)
    }
}

/// The loss figures of one reception report (RFC 3550 §6.4.1, A.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LossReport {
    /// Lost fraction since the previous report, in 1/256 units.
    pub fraction_lost: u8,
    /// Cumulative packets lost, clamped to the signed 24-bit range of the
    /// report block.
    pub cumulative_lost: i32,
    /// Highest extended sequence number received.
    pub extended_highest: u32,
}

/// Per-source sequence state of A.1, plus source-change counting.
#[derive(Debug, Clone)]
pub struct SequenceTracker {
    ssrc: Option<u32>,
    max_seq: u16,
    cycles: u32,
    base_seq: u32,
    bad_seq: u32,
    probation: u32,
    received: u32,
    expected_prior: u32,
    received_prior: u32,
    source_changes: u32,
    late: u64,
}

impl Default for SequenceTracker {
    fn default() -> Self {
        Self::new()
    }
}

impl SequenceTracker {
    /// A tracker that has seen no packet.
    pub fn new() -> Self {
        SequenceTracker {
            ssrc: None,
            max_seq: 0,
            cycles: 0,
            base_seq: 0,
            bad_seq: SEQ_MOD + 1,
            probation: 0,
            received: 0,
            expected_prior: 0,
            received_prior: 0,
            source_changes: 0,
            late: 0,
        }
    }

    fn init(&mut self, seq: u16) {
        self.base_seq = u32::from(seq);
        self.max_seq = seq;
        self.bad_seq = SEQ_MOD + 1;
        self.cycles = 0;
        self.received = 0;
        self.received_prior = 0;
        self.expected_prior = 0;
    }

    /// Feeds the SSRC and sequence number of one received packet.
    ///
    /// A packet with another SSRC than the current one starts a new
    /// source: the state is re-initialised, the new source goes on
    /// probation and [`source_changes`](Self::source_changes) counts it.
    pub fn update(&mut self, ssrc: u32, seq: u16) -> SequenceVerdict {
        if self.ssrc != Some(ssrc) {
            if self.ssrc.is_some() {
                self.source_changes = self.source_changes.saturating_add(1);
            }
            self.ssrc = Some(ssrc);
            self.init(seq);
            self.max_seq = seq.wrapping_sub(1);
            self.probation = MIN_SEQUENTIAL;
        }
        let udelta = seq.wrapping_sub(self.max_seq);
        if self.probation > 0 {
            if seq == self.max_seq.wrapping_add(1) {
                self.probation -= 1;
                self.max_seq = seq;
                if self.probation == 0 {
                    self.init(seq);
                    self.received += 1;
                    return SequenceVerdict::InOrder {
                        extended: self.extended_highest(),
                    };
                }
            } else {
                self.probation = MIN_SEQUENTIAL - 1;
                self.max_seq = seq;
            }
            return SequenceVerdict::Probation;
        }
        if udelta == 0 {
            self.received += 1;
            self.late += 1;
            return SequenceVerdict::Late;
        }
        if udelta < MAX_DROPOUT {
            if seq < self.max_seq {
                self.cycles = self.cycles.wrapping_add(SEQ_MOD);
            }
            self.max_seq = seq;
        } else if udelta <= (SEQ_MOD - u32::from(MAX_MISORDER)) as u16 {
            if u32::from(seq) == self.bad_seq {
                self.init(seq);
                self.received += 1;
                return SequenceVerdict::Restarted {
                    extended: self.extended_highest(),
                };
            }
            self.bad_seq = (u32::from(seq) + 1) & (SEQ_MOD - 1);
            return SequenceVerdict::Jump;
        } else {
            self.received += 1;
            self.late += 1;
            return SequenceVerdict::Late;
        }
        self.received += 1;
        SequenceVerdict::InOrder {
            extended: self.extended_highest(),
        }
    }

    /// The SSRC being tracked, once a packet was seen.
    pub fn ssrc(&self) -> Option<u32> {
        self.ssrc
    }

    /// Whether the current source is still on probation.
    pub fn on_probation(&self) -> bool {
        self.probation > 0
    }

    /// How many times the SSRC changed after the first.
    pub fn source_changes(&self) -> u32 {
        self.source_changes
    }

    /// Late or duplicated packets seen (counted as received).
    pub fn late_packets(&self) -> u64 {
        self.late
    }

    /// The highest sequence number with its wrap count.
    pub fn extended_highest(&self) -> u32 {
        self.cycles.wrapping_add(u32::from(self.max_seq))
    }

    /// The number of wraps of the 16-bit sequence, times 65536.
    pub fn cycles(&self) -> u32 {
        self.cycles
    }

    /// Packets expected since the source was validated (A.3).
    pub fn expected(&self) -> u32 {
        if self.ssrc.is_none() || self.probation > 0 {
            return 0;
        }
        self.extended_highest()
            .wrapping_sub(self.base_seq)
            .wrapping_add(1)
    }

    /// Packets received since the source was validated, duplicates
    /// included (A.3).
    pub fn received(&self) -> u32 {
        self.received
    }

    /// Cumulative lost packets: expected minus received, negative when
    /// duplicates outnumber losses (A.3).
    pub fn cumulative_lost(&self) -> i64 {
        i64::from(self.expected()) - i64::from(self.received)
    }

    /// The loss figures for a report block, closing the interval: the next
    /// call reports the fraction lost since this one.
    pub fn take_loss_report(&mut self) -> LossReport {
        let expected = self.expected();
        let expected_interval = expected.wrapping_sub(self.expected_prior);
        let received_interval = self.received.wrapping_sub(self.received_prior);
        self.expected_prior = expected;
        self.received_prior = self.received;
        let lost_interval = i64::from(expected_interval) - i64::from(received_interval);
        let fraction_lost = if expected_interval == 0 || lost_interval <= 0 {
            0
        } else {
            ((lost_interval << 8) / i64::from(expected_interval)).min(255) as u8
        };
        LossReport {
            fraction_lost,
            cumulative_lost: self.cumulative_lost().clamp(-0x80_0000, 0x7f_ffff) as i32,
            extended_highest: self.extended_highest(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn validated(start: u16) -> SequenceTracker {
        let mut t = SequenceTracker::new();
        assert_eq!(t.update(7, start), SequenceVerdict::Probation);
        assert!(t.on_probation());
        assert!(matches!(
            t.update(7, start.wrapping_add(1)),
            SequenceVerdict::InOrder { .. }
        ));
        t
    }

    #[test]
    fn probation_then_counting() {
        let mut t = validated(100);
        assert_eq!(t.ssrc(), Some(7));
        assert!(!t.on_probation());
        assert_eq!(t.update(7, 102), SequenceVerdict::InOrder { extended: 102 });
        // A.1 counts from the packet that ended probation (101).
        assert_eq!((t.expected(), t.received(), t.cumulative_lost()), (2, 2, 0));
    }

    #[test]
    fn probation_restarts_on_out_of_order() {
        let mut t = SequenceTracker::new();
        assert_eq!(t.update(1, 10), SequenceVerdict::Probation);
        assert_eq!(t.update(1, 50), SequenceVerdict::Probation);
        assert_eq!(t.update(1, 51), SequenceVerdict::InOrder { extended: 51 });
        assert_eq!(t.expected(), 1);
    }

    #[test]
    fn wraps_into_extended_sequence() {
        let mut t = validated(65534);
        assert_eq!(t.update(7, 0), SequenceVerdict::InOrder { extended: 65536 });
        assert_eq!(t.cycles(), 65536);
        assert_eq!(t.update(7, 1), SequenceVerdict::InOrder { extended: 65537 });
        assert_eq!(t.expected(), 3);
        assert_eq!(t.cumulative_lost(), 0);
    }

    #[test]
    fn loss_fraction_and_report_interval() {
        let mut t = validated(0);
        // Counting starts at 1: 1..=9 with 3 and 4 missing, 9 expected, 7 received.
        for seq in [2, 5, 6, 7, 8, 9] {
            t.update(7, seq);
        }
        let r = t.take_loss_report();
        assert_eq!(r.cumulative_lost, 2);
        assert_eq!(r.extended_highest, 9);
        assert_eq!(r.fraction_lost, (2 * 256 / 9) as u8);
        // Next interval without loss.
        t.update(7, 10);
        let r = t.take_loss_report();
        assert_eq!((r.fraction_lost, r.cumulative_lost), (0, 2));
    }

    #[test]
    fn late_and_duplicate_packets_count_as_received() {
        let mut t = validated(10);
        t.update(7, 13);
        assert_eq!(t.update(7, 12), SequenceVerdict::Late);
        assert_eq!(t.update(7, 13), SequenceVerdict::Late);
        assert_eq!(t.late_packets(), 2);
        assert_eq!(t.cumulative_lost(), -1); // 4 expected, 5 received
        assert!(SequenceVerdict::Late.is_usable());
    }

    #[test]
    fn jump_then_restart() {
        let mut t = validated(10);
        assert_eq!(t.update(7, 20_000), SequenceVerdict::Jump);
        assert!(!SequenceVerdict::Jump.is_usable());
        assert_eq!(t.update(7, 12), SequenceVerdict::InOrder { extended: 12 });
        assert_eq!(t.update(7, 30_000), SequenceVerdict::Jump);
        assert_eq!(
            t.update(7, 30_001),
            SequenceVerdict::Restarted { extended: 30_001 }
        );
        assert_eq!((t.expected(), t.received()), (1, 1));
    }

    #[test]
    fn ssrc_change_reinitialises_and_counts() {
        let mut t = validated(10);
        assert_eq!(t.source_changes(), 0);
        assert_eq!(t.update(8, 5000), SequenceVerdict::Probation);
        assert_eq!(t.source_changes(), 1);
        assert_eq!(t.expected(), 0);
        assert_eq!(
            t.update(8, 5001),
            SequenceVerdict::InOrder { extended: 5001 }
        );
        assert_eq!(t.ssrc(), Some(8));
    }

    #[test]
    fn cumulative_loss_is_clamped_to_24_bits() {
        let mut t = validated(0);
        // Lose ~2999 per step many times.
        let mut seq = 1u16;
        for _ in 0..3000 {
            seq = seq.wrapping_add(2999);
            t.update(7, seq);
        }
        let r = t.take_loss_report();
        assert!(r.cumulative_lost <= 0x7f_ffff);
        assert!(t.cumulative_lost() > 0x7f_ffff);
    }

    proptest! {
        #[test]
        fn invariants_hold_for_any_sequence(seqs in proptest::collection::vec((0u32..3, any::<u16>()), 0..400)) {
            let mut t = SequenceTracker::new();
            let mut last_extended = None;
            let mut ssrc_prev = None;
            for (ssrc, seq) in seqs {
                if ssrc_prev != Some(ssrc) { last_extended = None; }
                ssrc_prev = Some(ssrc);
                let v = t.update(ssrc, seq);
                if let SequenceVerdict::InOrder { extended } = v {
                    prop_assert_eq!(extended as u16, seq);
                    if let Some(prev) = last_extended { prop_assert!(extended >= prev); }
                    last_extended = Some(extended);
                }
                if let SequenceVerdict::Restarted { extended } = v { last_extended = Some(extended); }
                let r = t.take_loss_report();
                prop_assert!((-0x80_0000..=0x7f_ffff).contains(&r.cumulative_lost));
            }
        }

        #[test]
        fn in_order_stream_loses_nothing(start: u16, n in 2usize..5000) {
            let mut t = SequenceTracker::new();
            for i in 0..n {
                t.update(1, start.wrapping_add(i as u16));
            }
            prop_assert_eq!(t.cumulative_lost(), 0);
            prop_assert_eq!(t.expected() as usize, n - 1);
        }
    }
}
