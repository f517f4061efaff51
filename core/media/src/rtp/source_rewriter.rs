//! Keeping the stream we send continuous while the stream we relay
//! changes underneath.
//!
//! A B2BUA relays media from leg A to leg B under its own SSRC. When A's
//! source changes (a new SSRC after a transfer or re-INVITE, or a sender
//! that restarts its sequence numbers), B must still see one stream whose
//! sequence numbers and timestamps keep increasing, or B's jitter buffer
//! and loss statistics go wrong. [`SourceRewriter`] maps each upstream
//! source onto our outbound numbering with fixed offsets, and picks new
//! offsets when the upstream source changes so that the first packet of
//! the new source follows our last one.

use super::packet::RtpError;
use super::rewrite::RtpHeaderMut;
use super::sequence::{MAX_DROPOUT, MAX_MISORDER};

/// The header fields to send for one relayed packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RewrittenHeader {
    /// Our SSRC.
    pub ssrc: u32,
    /// The outbound sequence number.
    pub sequence: u16,
    /// The outbound timestamp.
    pub timestamp: u32,
    /// The marker bit: the upstream one, or set on the first packet after
    /// a source change so the far end resynchronises its playout.
    pub marker: bool,
}

#[derive(Debug, Clone, Copy)]
struct Upstream {
    ssrc: u32,
    last_seq: u16,
    last_ts: u32,
}

/// Maps upstream SSRC/sequence/timestamp onto one continuous outbound
/// stream.
#[derive(Debug, Clone)]
pub struct SourceRewriter {
    ssrc: u32,
    default_ts_step: u32,
    seq_offset: u16,
    ts_offset: u32,
    upstream: Option<Upstream>,
    last_out: Option<(u16, u32)>,
    ts_step: u32,
    source_changes: u32,
}

impl SourceRewriter {
    /// A rewriter sending as `ssrc`, starting from `initial_sequence` and
    /// `initial_timestamp` (random values, RFC 3550 §5.1), with
    /// `ts_step` timestamp units per packet until measured (160 for 20 ms
    /// of 8 kHz audio).
    pub fn new(ssrc: u32, initial_sequence: u16, initial_timestamp: u32, ts_step: u32) -> Self {
        SourceRewriter {
            ssrc,
            default_ts_step: ts_step,
            seq_offset: initial_sequence,
            ts_offset: initial_timestamp,
            upstream: None,
            last_out: None,
            ts_step,
            source_changes: 0,
        }
    }

    /// Our SSRC.
    pub fn ssrc(&self) -> u32 {
        self.ssrc
    }

    /// How many times the upstream source changed (new SSRC or sequence
    /// restart) after the first.
    pub fn source_changes(&self) -> u32 {
        self.source_changes
    }

    /// The last sequence number and timestamp we sent, if any.
    pub fn last_sent(&self) -> Option<(u16, u32)> {
        self.last_out
    }

    /// Computes our header for an upstream packet.
    pub fn map(&mut self, ssrc: u32, seq: u16, ts: u32, marker: bool) -> RewrittenHeader {
        let mut marker = marker;
        match self.upstream {
            None => {
                // First packet: our initial values become its image.
                self.seq_offset = self.seq_offset.wrapping_sub(seq);
                self.ts_offset = self.ts_offset.wrapping_sub(ts);
                self.upstream = Some(Upstream {
                    ssrc,
                    last_seq: seq,
                    last_ts: ts,
                });
            }
            Some(up) => {
                let step = seq.wrapping_sub(up.last_seq);
                let restarted =
                    up.ssrc != ssrc || (MAX_DROPOUT..=u16::MAX - MAX_MISORDER).contains(&step);
                if restarted {
                    self.source_changes = self.source_changes.saturating_add(1);
                    self.ts_step = self.default_ts_step;
                    let (last_seq, last_ts) = self.last_out.unwrap_or((0, 0));
                    self.seq_offset = last_seq.wrapping_add(1).wrapping_sub(seq);
                    self.ts_offset = last_ts.wrapping_add(self.ts_step).wrapping_sub(ts);
                    marker = true;
                    self.upstream = Some(Upstream {
                        ssrc,
                        last_seq: seq,
                        last_ts: ts,
                    });
                } else if step != 0 && step < MAX_DROPOUT {
                    let ts_delta = ts.wrapping_sub(up.last_ts);
                    // Learn the packet duration from clean consecutive packets.
                    if step == 1 && ts_delta > 0 && ts_delta < 0x8000_0000 {
                        self.ts_step = ts_delta;
                    }
                    self.upstream = Some(Upstream {
                        ssrc,
                        last_seq: seq,
                        last_ts: ts,
                    });
                }
            }
        }
        let out = RewrittenHeader {
            ssrc: self.ssrc,
            sequence: seq.wrapping_add(self.seq_offset),
            timestamp: ts.wrapping_add(self.ts_offset),
            marker,
        };
        let newer = match self.last_out {
            None => true,
            Some((last_seq, _)) => {
                let d = out.sequence.wrapping_sub(last_seq);
                d != 0 && d < 0x8000
            }
        };
        if newer {
            self.last_out = Some((out.sequence, out.timestamp));
        }
        out
    }

    /// Rewrites a relayed packet in place: SSRC, sequence, timestamp and
    /// marker. Returns the values written.
    pub fn rewrite(&mut self, packet: &mut [u8]) -> Result<RewrittenHeader, RtpError> {
        let mut header = RtpHeaderMut::new(packet)?;
        let out = self.map(
            header.ssrc(),
            header.sequence(),
            header.timestamp(),
            header.marker(),
        );
        header.set_ssrc(out.ssrc);
        header.set_sequence(out.sequence);
        header.set_timestamp(out.timestamp);
        header.set_marker(out.marker);
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rtp::{RtpHeader, RtpPacket};

    #[test]
    fn first_packet_maps_to_initial_values_and_offsets_hold() {
        let mut r = SourceRewriter::new(99, 1000, 50_000, 160);
        let a = r.map(1, 7, 8000, false);
        assert_eq!(
            (a.ssrc, a.sequence, a.timestamp, a.marker),
            (99, 1000, 50_000, false)
        );
        let b = r.map(1, 8, 8160, false);
        assert_eq!((b.sequence, b.timestamp), (1001, 50_160));
        // Loss upstream shows as loss downstream.
        let c = r.map(1, 11, 8640, true);
        assert_eq!((c.sequence, c.timestamp, c.marker), (1004, 50_640, true));
        assert_eq!(r.last_sent(), Some((1004, 50_640)));
        assert_eq!(r.ssrc(), 99);
    }

    #[test]
    fn new_upstream_ssrc_continues_our_stream() {
        let mut r = SourceRewriter::new(99, 65_534, u32::MAX - 100, 160);
        r.map(1, 10, 0, false);
        r.map(1, 11, 160, false);
        let n = r.map(2, 40_000, 1_234_567, false);
        assert_eq!(n.sequence, 0); // 65_535 + 1 wraps
        assert_eq!(n.timestamp, (u32::MAX - 100).wrapping_add(320));
        assert!(n.marker);
        assert_eq!(r.source_changes(), 1);
        let m = r.map(2, 40_001, 1_234_727, false);
        assert_eq!(
            (m.sequence, m.timestamp.wrapping_sub(n.timestamp)),
            (1, 160)
        );
    }

    #[test]
    fn sequence_restart_with_same_ssrc_is_a_source_change() {
        let mut r = SourceRewriter::new(5, 0, 0, 160);
        r.map(1, 30_000, 0, false);
        let n = r.map(1, 3, 777, false);
        assert_eq!((n.sequence, n.timestamp, n.marker), (1, 160, true));
        assert_eq!(r.source_changes(), 1);
    }

    #[test]
    fn reordered_packets_keep_their_place() {
        let mut r = SourceRewriter::new(5, 100, 0, 160);
        r.map(1, 10, 0, false);
        r.map(1, 12, 320, false);
        let late = r.map(1, 11, 160, false);
        assert_eq!((late.sequence, late.timestamp), (101, 160));
        assert_eq!(r.last_sent(), Some((102, 320)));
        // A duplicate does not move anything.
        let dup = r.map(1, 12, 320, false);
        assert_eq!(dup.sequence, 102);
        assert_eq!(r.source_changes(), 0);
    }

    #[test]
    fn rewrites_a_packet_in_place() {
        let mut buf = vec![0; 200];
        let n = RtpHeader {
            sequence: 5,
            timestamp: 800,
            ssrc: 1,
            payload_type: 8,
            ..RtpHeader::default()
        }
        .write(&[3; 160], &mut buf)
        .unwrap();
        let mut r = SourceRewriter::new(0xfeed, 42, 4200, 160);
        let out = r.rewrite(&mut buf[..n]).unwrap();
        let p = RtpPacket::parse(&buf[..n]).unwrap();
        assert_eq!(
            (p.ssrc(), p.sequence(), p.timestamp(), p.payload_type()),
            (0xfeed, 42, 4200, 8)
        );
        assert_eq!(out.sequence, 42);
        assert!(r.rewrite(&mut [0u8; 4]).is_err());
    }
}
