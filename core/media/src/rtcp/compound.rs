//! Compound RTCP packets (RFC 3550 §6.1): validation and iteration.

use std::fmt;

use super::packet::RtcpPacket;

/// The largest datagram accepted as RTCP.
pub const RTCP_MAX_PACKET_LEN: usize = 2048;

/// Length of the common header every RTCP packet starts with.
pub const RTCP_HEADER_LEN: usize = 4;

/// Packet type of a sender report.
pub const PT_SR: u8 = 200;
/// Packet type of a receiver report.
pub const PT_RR: u8 = 201;
/// Packet type of a source description.
pub const PT_SDES: u8 = 202;
/// Packet type of a goodbye.
pub const PT_BYE: u8 = 203;
/// Packet type of an application-defined packet.
pub const PT_APP: u8 = 204;

/// Why bytes are not an acceptable compound RTCP packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RtcpError {
    /// Fewer bytes than one RTCP header, or a compound ending in a
    /// partial header.
    TooShort {
        /// Byte offset of the packet that is cut short.
        offset: usize,
        /// Bytes left there.
        len: usize,
    },
    /// More than [`RTCP_MAX_PACKET_LEN`] bytes.
    TooLong {
        /// The datagram length.
        len: usize,
    },
    /// A packet's version field is not 2.
    BadVersion {
        /// Byte offset of the packet.
        offset: usize,
        /// The version found.
        version: u8,
    },
    /// The first packet is neither SR nor RR (§6.1).
    FirstNotReport {
        /// Its packet type.
        packet_type: u8,
    },
    /// A packet's length field runs past the end of the datagram.
    LengthOverrun {
        /// Byte offset of the packet.
        offset: usize,
        /// Bytes its length field announces.
        announced: usize,
        /// Bytes left in the datagram.
        available: usize,
    },
    /// The padding bit is set on a packet that is not the last (§6.1).
    PaddingNotLast {
        /// Byte offset of the packet.
        offset: usize,
    },
    /// The padding count is 0 or longer than the packet body.
    BadPadding {
        /// Byte offset of the packet.
        offset: usize,
        /// The padding count.
        padding: usize,
    },
    /// An SR, RR or BYE too short for the report blocks or sources its
    /// count field announces.
    CountOverrun {
        /// Byte offset of the packet.
        offset: usize,
        /// Its packet type.
        packet_type: u8,
    },
}

impl fmt::Display for RtcpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            RtcpError::TooShort { offset, len } => write!(
                f,
                "RTCP packet at byte {offset} truncated: {len} bytes, a header needs {RTCP_HEADER_LEN}"
            ),
            RtcpError::TooLong { len } => write!(
                f,
                "RTCP datagram too long: {len} bytes, at most {RTCP_MAX_PACKET_LEN} accepted"
            ),
            RtcpError::BadVersion { offset, version } => write!(
                f,
                "RTCP packet at byte {offset} has version {version}, only version 2 is accepted"
            ),
            RtcpError::FirstNotReport { packet_type } => write!(
                f,
                "compound RTCP starts with packet type {packet_type}, not SR (200) or RR (201)"
            ),
            RtcpError::LengthOverrun {
                offset,
                announced,
                available,
            } => write!(
                f,
                "RTCP packet at byte {offset} announces {announced} bytes, only {available} left"
            ),
            RtcpError::PaddingNotLast { offset } => write!(
                f,
                "RTCP packet at byte {offset} is padded but is not the last of the compound"
            ),
            RtcpError::BadPadding { offset, padding } => write!(
                f,
                "RTCP packet at byte {offset} has a padding count of {padding}, 0 or past its body"
            ),
            RtcpError::CountOverrun {
                offset,
                packet_type,
            } => write!(
                f,
                "RTCP packet type {packet_type} at byte {offset} is too short for its count field"
            ),
        }
    }
}

impl std::error::Error for RtcpError {}

/// A validated compound RTCP packet borrowing its datagram.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RtcpCompound<'a> {
    bytes: &'a [u8],
}

impl<'a> RtcpCompound<'a> {
    /// Validates `bytes` as a compound RTCP packet (RFC 3550 §6.1 and
    /// A.2): every packet version 2, the first an SR or RR, padding only
    /// on the last, lengths adding up to the datagram, and the fixed parts
    /// of SR, RR and BYE fitting their count fields.
    pub fn parse(bytes: &'a [u8]) -> Result<Self, RtcpError> {
        Self::validate(bytes, true)?;
        Ok(RtcpCompound { bytes })
    }

    /// Like [`parse`](Self::parse) but without the "first packet is SR or
    /// RR" rule, for reduced-size RTCP (RFC 5506) and feedback-only
    /// datagrams.
    pub fn parse_reduced_size(bytes: &'a [u8]) -> Result<Self, RtcpError> {
        Self::validate(bytes, false)?;
        Ok(RtcpCompound { bytes })
    }

    fn validate(bytes: &[u8], first_must_report: bool) -> Result<(), RtcpError> {
        if bytes.len() > RTCP_MAX_PACKET_LEN {
            return Err(RtcpError::TooLong { len: bytes.len() });
        }
        if bytes.len() < RTCP_HEADER_LEN {
            return Err(RtcpError::TooShort {
                offset: 0,
                len: bytes.len(),
            });
        }
        let mut offset = 0;
        while offset < bytes.len() {
            let rest = &bytes[offset..];
            let Some(header) = rest.get(..RTCP_HEADER_LEN) else {
                return Err(RtcpError::TooShort {
                    offset,
                    len: rest.len(),
                });
            };
            let version = header[0] >> 6;
            if version != 2 {
                return Err(RtcpError::BadVersion { offset, version });
            }
            let packet_type = header[1];
            if offset == 0 && first_must_report && packet_type != PT_SR && packet_type != PT_RR {
                return Err(RtcpError::FirstNotReport { packet_type });
            }
            let announced = 4 * (usize::from(u16::from_be_bytes([header[2], header[3]])) + 1);
            let Some(packet) = rest.get(..announced) else {
                return Err(RtcpError::LengthOverrun {
                    offset,
                    announced,
                    available: rest.len(),
                });
            };
            let is_last = announced == rest.len();
            let mut body_end = announced;
            if header[0] & 0x20 != 0 {
                if !is_last {
                    return Err(RtcpError::PaddingNotLast { offset });
                }
                let padding = usize::from(packet[announced - 1]);
                if padding == 0 || padding > announced - RTCP_HEADER_LEN {
                    return Err(RtcpError::BadPadding { offset, padding });
                }
                body_end -= padding;
            }
            let count = usize::from(header[0] & 0x1f);
            let needed = match packet_type {
                PT_SR => 8 + 20 + 24 * count,
                PT_RR => 8 + 24 * count,
                PT_BYE => 4 + 4 * count,
                _ => RTCP_HEADER_LEN,
            };
            if needed > body_end {
                return Err(RtcpError::CountOverrun {
                    offset,
                    packet_type,
                });
            }
            offset += announced;
        }
        Ok(())
    }

    /// The whole datagram.
    pub fn as_bytes(&self) -> &'a [u8] {
        self.bytes
    }

    /// The packets of the compound, in order.
    pub fn packets(&self) -> RtcpPackets<'a> {
        RtcpPackets { rest: self.bytes }
    }
}

/// Iterator over the packets of a validated [`RtcpCompound`].
#[derive(Debug, Clone)]
pub struct RtcpPackets<'a> {
    rest: &'a [u8],
}

impl<'a> Iterator for RtcpPackets<'a> {
    type Item = RtcpPacket<'a>;

    fn next(&mut self) -> Option<Self::Item> {
        let header = self.rest.get(..RTCP_HEADER_LEN)?;
        let len = 4 * (usize::from(u16::from_be_bytes([header[2], header[3]])) + 1);
        let Some(packet) = self.rest.get(..len) else {
            self.rest = &[];
            return None;
        };
        self.rest = &self.rest[len..];
        Some(RtcpPacket::from_validated(packet))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rtcp::{CompoundBuilder, ReportBlock, SenderInfo};
    use proptest::prelude::*;

    /// SR (no blocks) + SDES CNAME "ab", written by hand from §6.4.1/§6.5.
    const SR_SDES: [u8; 40] = [
        0x80, 200, 0, 6, // SR, 0 blocks, length 6 (28 bytes)
        0, 0, 0, 1, // SSRC 1
        0xe9, 0x8f, 0x9f, 0x00, 0x80, 0, 0, 0, // NTP
        0, 0, 0x03, 0x20, // RTP timestamp 800
        0, 0, 0, 5, // packets
        0, 0, 0x03, 0x20, // octets 800
        0x81, 202, 0, 2, // SDES, 1 chunk, length 2 (12 bytes)
        0, 0, 0, 1, // SSRC 1
        1, 2, b'a', b'b', // CNAME "ab", then 0 terminator below is absent: see next test
    ];

    #[test]
    fn rejects_what_section_6_1_forbids() {
        assert_eq!(
            RtcpCompound::parse(&[0x80, 200]),
            Err(RtcpError::TooShort { offset: 0, len: 2 })
        );
        let mut wrong_version = [0u8; 8];
        wrong_version[0] = 0x40;
        wrong_version[1] = 201;
        wrong_version[3] = 1;
        assert_eq!(
            RtcpCompound::parse(&wrong_version),
            Err(RtcpError::BadVersion {
                offset: 0,
                version: 1
            })
        );
        let sdes_first = [0x80, 202, 0, 0];
        assert_eq!(
            RtcpCompound::parse(&sdes_first),
            Err(RtcpError::FirstNotReport { packet_type: 202 })
        );
        assert!(RtcpCompound::parse_reduced_size(&sdes_first).is_ok());
        let overrun = [0x80, 201, 0, 5, 0, 0, 0, 0];
        assert_eq!(
            RtcpCompound::parse(&overrun),
            Err(RtcpError::LengthOverrun {
                offset: 0,
                announced: 24,
                available: 8
            })
        );
        // Padding on a packet that is not last.
        let mut padded_first = [0u8; 12];
        padded_first[..4].copy_from_slice(&[0xa0, 201, 0, 1]);
        padded_first[8..].copy_from_slice(&[0x80, 202, 0, 0]);
        assert_eq!(
            RtcpCompound::parse(&padded_first),
            Err(RtcpError::PaddingNotLast { offset: 0 })
        );
        // Bad padding counts.
        let zero_pad = [0xa0, 201, 0, 1, 0, 0, 0, 0];
        assert_eq!(
            RtcpCompound::parse(&zero_pad),
            Err(RtcpError::BadPadding {
                offset: 0,
                padding: 0
            })
        );
        let long_pad = [0xa0, 201, 0, 1, 0, 0, 0, 9];
        assert_eq!(
            RtcpCompound::parse(&long_pad),
            Err(RtcpError::BadPadding {
                offset: 0,
                padding: 9
            })
        );
        // RR announcing a block it does not carry.
        let short_rr = [0x81, 201, 0, 1, 0, 0, 0, 1];
        assert_eq!(
            RtcpCompound::parse(&short_rr),
            Err(RtcpError::CountOverrun {
                offset: 0,
                packet_type: 201
            })
        );
        // A trailing partial header.
        let trailing = [0x80, 201, 0, 1, 0, 0, 0, 1, 0x80, 202];
        assert_eq!(
            RtcpCompound::parse(&trailing),
            Err(RtcpError::TooShort { offset: 8, len: 2 })
        );
        let long = vec![0x80; RTCP_MAX_PACKET_LEN + 1];
        assert!(matches!(
            RtcpCompound::parse(&long),
            Err(RtcpError::TooLong { .. })
        ));
    }

    #[test]
    fn reads_a_hand_written_sender_report() {
        let c = RtcpCompound::parse(&SR_SDES).unwrap();
        let packets: Vec<_> = c.packets().collect();
        assert_eq!(packets.len(), 2);
        let crate::rtcp::RtcpPacket::SenderReport(sr) = packets[0] else {
            panic!("SR expected")
        };
        assert_eq!(sr.ssrc(), 1);
        assert_eq!(
            sr.sender_info(),
            SenderInfo {
                ntp_timestamp: 0xe98f_9f00_8000_0000,
                rtp_timestamp: 800,
                packet_count: 5,
                octet_count: 800
            }
        );
        assert_eq!(sr.report_blocks().count(), 0);
        let crate::rtcp::RtcpPacket::SourceDescription(sdes) = packets[1] else {
            panic!("SDES")
        };
        // The chunk lacks its null terminator: chunks() stops, no CNAME.
        assert_eq!(sdes.cname(1), None);
        assert_eq!(c.as_bytes(), &SR_SDES);
    }

    #[test]
    fn every_error_has_a_message() {
        for e in [
            RtcpError::TooShort { offset: 0, len: 1 },
            RtcpError::TooLong { len: 9000 },
            RtcpError::BadVersion {
                offset: 0,
                version: 1,
            },
            RtcpError::FirstNotReport { packet_type: 202 },
            RtcpError::LengthOverrun {
                offset: 0,
                announced: 8,
                available: 4,
            },
            RtcpError::PaddingNotLast { offset: 0 },
            RtcpError::BadPadding {
                offset: 0,
                padding: 0,
            },
            RtcpError::CountOverrun {
                offset: 0,
                packet_type: 200,
            },
        ] {
            assert!(e.to_string().contains("RTCP"), "{e}");
        }
    }

    proptest! {
        #[test]
        fn parse_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
            let parsed = [RtcpCompound::parse(&bytes), RtcpCompound::parse_reduced_size(&bytes)];
            for c in parsed.into_iter().flatten() {
                for p in c.packets() {
                    crate::rtcp::packet::tests::touch(&p);
                }
            }
        }

        #[test]
        fn build_then_parse_round_trips(
            ssrc: u32,
            ntp: u64,
            rtp_ts: u32,
            blocks in proptest::collection::vec((any::<u32>(), any::<u8>(), -0x80_0000i32..0x80_0000, any::<u32>(), any::<u32>(), any::<u32>(), any::<u32>()), 0..31),
            cname in proptest::collection::vec(any::<u8>(), 0..256),
            use_sr: bool,
        ) {
            let blocks: Vec<ReportBlock> = blocks.into_iter().map(|(s, f, l, h, j, lsr, dlsr)| ReportBlock {
                ssrc: s, fraction_lost: f, cumulative_lost: l, extended_highest_sequence: h,
                jitter: j, last_sr: lsr, delay_since_last_sr: dlsr,
            }).collect();
            let info = SenderInfo { ntp_timestamp: ntp, rtp_timestamp: rtp_ts, packet_count: 3, octet_count: 4 };
            let mut buf = [0u8; RTCP_MAX_PACKET_LEN];
            let mut b = CompoundBuilder::new(&mut buf);
            if use_sr { b.sender_report(ssrc, &info, &blocks).unwrap(); } else { b.receiver_report(ssrc, &blocks).unwrap(); }
            b.sdes_cname(ssrc, &cname).unwrap();
            let bytes = b.finish();
            let c = RtcpCompound::parse(bytes).unwrap();
            let mut packets = c.packets();
            let got_blocks: Vec<ReportBlock> = match packets.next().unwrap() {
                crate::rtcp::RtcpPacket::SenderReport(sr) => {
                    prop_assert!(use_sr);
                    prop_assert_eq!(sr.ssrc(), ssrc);
                    prop_assert_eq!(sr.sender_info(), info);
                    sr.report_blocks().collect()
                }
                crate::rtcp::RtcpPacket::ReceiverReport(rr) => {
                    prop_assert!(!use_sr);
                    prop_assert_eq!(rr.ssrc(), ssrc);
                    rr.report_blocks().collect()
                }
                other => panic!("unexpected {other:?}"),
            };
            prop_assert_eq!(got_blocks, blocks);
            match packets.next().unwrap() {
                crate::rtcp::RtcpPacket::SourceDescription(sdes) => prop_assert_eq!(sdes.cname(ssrc), Some(&cname[..])),
                other => panic!("unexpected {other:?}"),
            }
            prop_assert!(packets.next().is_none());
        }
    }
}
