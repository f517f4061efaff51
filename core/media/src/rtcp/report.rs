//! Sender and receiver reports (RFC 3550 §6.4): sender info and report
//! blocks.

/// Length of one reception report block.
pub const REPORT_BLOCK_LEN: usize = 24;
/// Length of the sender info of an SR.
pub const SENDER_INFO_LEN: usize = 20;

/// The sender information of an SR (§6.4.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SenderInfo {
    /// The wallclock time of the report as a 64-bit NTP timestamp.
    pub ntp_timestamp: u64,
    /// The RTP timestamp corresponding to the same instant.
    pub rtp_timestamp: u32,
    /// Packets sent since the start of transmission.
    pub packet_count: u32,
    /// Payload octets sent since the start of transmission.
    pub octet_count: u32,
}

/// One reception report block (§6.4.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ReportBlock {
    /// The source this block reports on.
    pub ssrc: u32,
    /// Fraction lost since the previous report, in 1/256 units.
    pub fraction_lost: u8,
    /// Cumulative packets lost (signed 24-bit).
    pub cumulative_lost: i32,
    /// Extended highest sequence number received.
    pub extended_highest_sequence: u32,
    /// Interarrival jitter in timestamp units.
    pub jitter: u32,
    /// Middle 32 bits of the NTP timestamp of the last SR received from
    /// this source (0 if none).
    pub last_sr: u32,
    /// Delay since that SR, in 1/65536 seconds (0 if none).
    pub delay_since_last_sr: u32,
}

fn be32(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

impl ReportBlock {
    /// Reads a block from 24 bytes; `None` when shorter.
    pub fn parse(bytes: &[u8]) -> Option<Self> {
        let b = bytes.get(..REPORT_BLOCK_LEN)?;
        // Sign-extend the 24-bit cumulative loss.
        let lost = (i32::from_be_bytes([b[5], b[6], b[7], 0])) >> 8;
        Some(ReportBlock {
            ssrc: be32(b, 0),
            fraction_lost: b[4],
            cumulative_lost: lost,
            extended_highest_sequence: be32(b, 8),
            jitter: be32(b, 12),
            last_sr: be32(b, 16),
            delay_since_last_sr: be32(b, 20),
        })
    }

    /// Writes the block into 24 bytes of `out` (which must hold them).
    pub(crate) fn write(&self, out: &mut [u8]) {
        out[0..4].copy_from_slice(&self.ssrc.to_be_bytes());
        out[4] = self.fraction_lost;
        let lost = self
            .cumulative_lost
            .clamp(-0x80_0000, 0x7f_ffff)
            .to_be_bytes();
        out[5..8].copy_from_slice(&lost[1..4]);
        out[8..12].copy_from_slice(&self.extended_highest_sequence.to_be_bytes());
        out[12..16].copy_from_slice(&self.jitter.to_be_bytes());
        out[16..20].copy_from_slice(&self.last_sr.to_be_bytes());
        out[20..24].copy_from_slice(&self.delay_since_last_sr.to_be_bytes());
    }
}

/// Iterator over the report blocks of an SR or RR.
#[derive(Debug, Clone)]
pub struct ReportBlocks<'a> {
    rest: &'a [u8],
    remaining: u8,
}

impl Iterator for ReportBlocks<'_> {
    type Item = ReportBlock;

    fn next(&mut self) -> Option<ReportBlock> {
        if self.remaining == 0 {
            return None;
        }
        let block = ReportBlock::parse(self.rest)?;
        self.rest = &self.rest[REPORT_BLOCK_LEN..];
        self.remaining -= 1;
        Some(block)
    }
}

/// A sender report: the sender's SSRC and info, and report blocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SenderReport<'a> {
    count: u8,
    body: &'a [u8],
}

impl<'a> SenderReport<'a> {
    /// Wraps the body (after the common header) of a validated SR.
    pub(crate) fn new(count: u8, body: &'a [u8]) -> Self {
        SenderReport { count, body }
    }

    /// The sender's SSRC.
    pub fn ssrc(&self) -> u32 {
        self.body.get(..4).map_or(0, |_| be32(self.body, 0))
    }

    /// The sender info.
    pub fn sender_info(&self) -> SenderInfo {
        let Some(b) = self.body.get(4..4 + SENDER_INFO_LEN) else {
            return SenderInfo::default();
        };
        SenderInfo {
            ntp_timestamp: (u64::from(be32(b, 0)) << 32) | u64::from(be32(b, 4)),
            rtp_timestamp: be32(b, 8),
            packet_count: be32(b, 12),
            octet_count: be32(b, 16),
        }
    }

    /// The reception report blocks.
    pub fn report_blocks(&self) -> ReportBlocks<'a> {
        ReportBlocks {
            rest: self.body.get(4 + SENDER_INFO_LEN..).unwrap_or(&[]),
            remaining: self.count,
        }
    }
}

/// A receiver report: the reporter's SSRC and report blocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReceiverReport<'a> {
    count: u8,
    body: &'a [u8],
}

impl<'a> ReceiverReport<'a> {
    /// Wraps the body (after the common header) of a validated RR.
    pub(crate) fn new(count: u8, body: &'a [u8]) -> Self {
        ReceiverReport { count, body }
    }

    /// The reporter's SSRC.
    pub fn ssrc(&self) -> u32 {
        self.body.get(..4).map_or(0, |_| be32(self.body, 0))
    }

    /// The reception report blocks.
    pub fn report_blocks(&self) -> ReportBlocks<'a> {
        ReportBlocks {
            rest: self.body.get(4..).unwrap_or(&[]),
            remaining: self.count,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cumulative_loss_is_signed_24_bits() {
        let mut bytes = [0u8; 24];
        for (lost, wire) in [
            (-1, [0xff, 0xff, 0xff]),
            (5, [0, 0, 5]),
            (-0x80_0000, [0x80, 0, 0]),
        ] {
            let block = ReportBlock {
                cumulative_lost: lost,
                ..ReportBlock::default()
            };
            block.write(&mut bytes);
            assert_eq!(&bytes[5..8], &wire);
            assert_eq!(ReportBlock::parse(&bytes).unwrap().cumulative_lost, lost);
        }
        let clamped = ReportBlock {
            cumulative_lost: 0x0100_0000,
            ..ReportBlock::default()
        };
        clamped.write(&mut bytes);
        assert_eq!(
            ReportBlock::parse(&bytes).unwrap().cumulative_lost,
            0x7f_ffff
        );
        assert_eq!(ReportBlock::parse(&bytes[..23]), None);
    }

    #[test]
    fn short_bodies_read_as_defaults() {
        let sr = SenderReport::new(1, &[0, 0]);
        assert_eq!(
            (sr.ssrc(), sr.sender_info(), sr.report_blocks().count()),
            (0, SenderInfo::default(), 0)
        );
        let rr = ReceiverReport::new(2, &[0, 0, 0, 1]);
        assert_eq!((rr.ssrc(), rr.report_blocks().count()), (1, 0));
    }
}
