//! Writing compound RTCP packets (SR or RR, then SDES with CNAME, and BYE)
//! into a caller-provided buffer.

use std::fmt;

use super::compound::{PT_BYE, PT_RR, PT_SDES, PT_SR, RTCP_HEADER_LEN};
use super::report::{REPORT_BLOCK_LEN, ReportBlock, SENDER_INFO_LEN, SenderInfo};
use super::sdes::SDES_CNAME;

/// Why a compound could not be written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RtcpBuildError {
    /// The buffer has no room for the next packet.
    BufferTooSmall {
        /// Bytes the packet needs.
        needed: usize,
        /// Bytes left in the buffer.
        available: usize,
    },
    /// More than 31 report blocks or sources in one packet.
    TooManyEntries {
        /// How many were given.
        count: usize,
    },
    /// A CNAME or BYE reason longer than 255 bytes.
    TextTooLong {
        /// Its length.
        len: usize,
    },
}

impl fmt::Display for RtcpBuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            RtcpBuildError::BufferTooSmall { needed, available } => write!(
                f,
                "RTCP buffer too small: the next packet needs {needed} bytes, {available} left"
            ),
            RtcpBuildError::TooManyEntries { count } => {
                write!(f, "{count} entries given, an RTCP packet holds at most 31")
            }
            RtcpBuildError::TextTooLong { len } => {
                write!(f, "RTCP text of {len} bytes, at most 255 fit")
            }
        }
    }
}

impl std::error::Error for RtcpBuildError {}

/// Appends RTCP packets to a buffer, one after the other, forming a
/// compound. Start with [`sender_report`](Self::sender_report) or
/// [`receiver_report`](Self::receiver_report) as RFC 3550 §6.1 requires.
#[derive(Debug)]
pub struct CompoundBuilder<'b> {
    out: &'b mut [u8],
    len: usize,
}

impl<'b> CompoundBuilder<'b> {
    /// A builder writing from the start of `out`.
    pub fn new(out: &'b mut [u8]) -> Self {
        CompoundBuilder { out, len: 0 }
    }

    /// Bytes written so far.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether nothing was written yet.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The compound written so far.
    pub fn finish(self) -> &'b [u8] {
        &self.out[..self.len]
    }

    /// Reserves `len` bytes (a multiple of 4) for a packet, writes its
    /// common header and returns the packet's bytes.
    fn packet(
        &mut self,
        count: usize,
        packet_type: u8,
        len: usize,
    ) -> Result<&mut [u8], RtcpBuildError> {
        if count > 31 {
            return Err(RtcpBuildError::TooManyEntries { count });
        }
        let available = self.out.len() - self.len;
        if len > available {
            return Err(RtcpBuildError::BufferTooSmall {
                needed: len,
                available,
            });
        }
        let start = self.len;
        self.len += len;
        let packet = &mut self.out[start..start + len];
        packet[0] = 0x80 | count as u8;
        packet[1] = packet_type;
        let words = (len / 4 - 1) as u16;
        packet[2..4].copy_from_slice(&words.to_be_bytes());
        Ok(packet)
    }

    /// Appends a sender report.
    pub fn sender_report(
        &mut self,
        ssrc: u32,
        info: &SenderInfo,
        blocks: &[ReportBlock],
    ) -> Result<&mut Self, RtcpBuildError> {
        let len = RTCP_HEADER_LEN + 4 + SENDER_INFO_LEN + REPORT_BLOCK_LEN * blocks.len();
        let p = self.packet(blocks.len(), PT_SR, len)?;
        p[4..8].copy_from_slice(&ssrc.to_be_bytes());
        p[8..16].copy_from_slice(&info.ntp_timestamp.to_be_bytes());
        p[16..20].copy_from_slice(&info.rtp_timestamp.to_be_bytes());
        p[20..24].copy_from_slice(&info.packet_count.to_be_bytes());
        p[24..28].copy_from_slice(&info.octet_count.to_be_bytes());
        for (i, block) in blocks.iter().enumerate() {
            let at = 28 + i * REPORT_BLOCK_LEN;
            block.write(&mut p[at..at + REPORT_BLOCK_LEN]);
        }
        Ok(self)
    }

    /// Appends a receiver report.
    pub fn receiver_report(
        &mut self,
        ssrc: u32,
        blocks: &[ReportBlock],
    ) -> Result<&mut Self, RtcpBuildError> {
        let len = RTCP_HEADER_LEN + 4 + REPORT_BLOCK_LEN * blocks.len();
        let p = self.packet(blocks.len(), PT_RR, len)?;
        p[4..8].copy_from_slice(&ssrc.to_be_bytes());
        for (i, block) in blocks.iter().enumerate() {
            let at = 8 + i * REPORT_BLOCK_LEN;
            block.write(&mut p[at..at + REPORT_BLOCK_LEN]);
        }
        Ok(self)
    }

    /// Appends an SDES packet with one chunk carrying our CNAME.
    pub fn sdes_cname(&mut self, ssrc: u32, cname: &[u8]) -> Result<&mut Self, RtcpBuildError> {
        if cname.len() > 255 {
            return Err(RtcpBuildError::TextTooLong { len: cname.len() });
        }
        // SSRC, type, length, text, then at least one null byte, padded.
        let chunk = (4 + 2 + cname.len() + 1 + 3) & !3;
        let p = self.packet(1, PT_SDES, RTCP_HEADER_LEN + chunk)?;
        p[4..8].copy_from_slice(&ssrc.to_be_bytes());
        p[8] = SDES_CNAME;
        p[9] = cname.len() as u8;
        p[10..10 + cname.len()].copy_from_slice(cname);
        p[10 + cname.len()..].fill(0);
        Ok(self)
    }

    /// Appends a BYE for `sources`, with an optional reason.
    pub fn bye(
        &mut self,
        sources: &[u32],
        reason: Option<&[u8]>,
    ) -> Result<&mut Self, RtcpBuildError> {
        let reason_len = match reason {
            Some(r) if r.len() > 255 => return Err(RtcpBuildError::TextTooLong { len: r.len() }),
            Some(r) => (1 + r.len() + 3) & !3,
            None => 0,
        };
        let len = RTCP_HEADER_LEN + 4 * sources.len() + reason_len;
        let p = self.packet(sources.len(), PT_BYE, len)?;
        for (i, ssrc) in sources.iter().enumerate() {
            p[4 + 4 * i..8 + 4 * i].copy_from_slice(&ssrc.to_be_bytes());
        }
        if let Some(r) = reason {
            let at = 4 + 4 * sources.len();
            p[at] = r.len() as u8;
            p[at + 1..at + 1 + r.len()].copy_from_slice(r);
            p[at + 1 + r.len()..].fill(0);
        }
        Ok(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rtcp::RtcpCompound;

    #[test]
    fn writes_the_expected_bytes() {
        let mut buf = [0u8; 64];
        let mut b = CompoundBuilder::new(&mut buf);
        assert!(b.is_empty());
        let block = ReportBlock {
            ssrc: 2,
            fraction_lost: 64,
            cumulative_lost: -1,
            extended_highest_sequence: 0x0001_0005,
            jitter: 12,
            last_sr: 0x1234_5678,
            delay_since_last_sr: 65_536,
        };
        b.receiver_report(1, &[block])
            .unwrap()
            .sdes_cname(1, b"ab")
            .unwrap();
        assert_eq!(b.len(), 32 + 16);
        let bytes = b.finish();
        assert_eq!(
            bytes,
            [
                0x81, 201, 0, 7, 0, 0, 0, 1, // RR header, SSRC 1
                0, 0, 0, 2, 64, 0xff, 0xff, 0xff, 0, 1, 0, 5, 0, 0, 0, 12, 0x12, 0x34, 0x56, 0x78,
                0, 1, 0, 0, 0x81, 202, 0, 3, 0, 0, 0, 1, 1, 2, b'a',
                b'b', // SDES: CNAME "ab", null, padding
            ]
            .iter()
            .chain(&[0u8; 4])
            .copied()
            .collect::<Vec<_>>()
        );
        assert!(RtcpCompound::parse(bytes).is_ok());
    }

    #[test]
    fn cname_padding_always_leaves_a_terminator() {
        for len in 0..=12 {
            let cname = vec![b'x'; len];
            let mut buf = [0u8; 64];
            let mut b = CompoundBuilder::new(&mut buf);
            b.receiver_report(1, &[])
                .unwrap()
                .sdes_cname(1, &cname)
                .unwrap();
            let bytes = b.finish();
            let c = RtcpCompound::parse(bytes).unwrap();
            let Some(crate::rtcp::RtcpPacket::SourceDescription(s)) = c.packets().nth(1) else {
                panic!()
            };
            assert_eq!(s.cname(1), Some(&cname[..]));
        }
    }

    #[test]
    fn refuses_what_does_not_fit() {
        let mut buf = [0u8; 30];
        let mut b = CompoundBuilder::new(&mut buf);
        assert_eq!(
            b.sender_report(1, &SenderInfo::default(), &[ReportBlock::default()])
                .unwrap_err(),
            RtcpBuildError::BufferTooSmall {
                needed: 52,
                available: 30
            }
        );
        let many = [ReportBlock::default(); 32];
        assert_eq!(
            b.receiver_report(1, &many).unwrap_err(),
            RtcpBuildError::TooManyEntries { count: 32 }
        );
        assert_eq!(
            b.sdes_cname(1, &[0; 256]).unwrap_err(),
            RtcpBuildError::TextTooLong { len: 256 }
        );
        assert_eq!(
            b.bye(&[1], Some(&[0; 300])).unwrap_err(),
            RtcpBuildError::TextTooLong { len: 300 }
        );
        for e in [
            RtcpBuildError::BufferTooSmall {
                needed: 1,
                available: 0,
            },
            RtcpBuildError::TooManyEntries { count: 40 },
            RtcpBuildError::TextTooLong { len: 300 },
        ] {
            assert!(e.to_string().contains("RTCP") || e.to_string().contains("31"));
        }
    }
}
