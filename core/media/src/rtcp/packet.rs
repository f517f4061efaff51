//! The packets inside a compound RTCP datagram, as typed views.

use super::bye::Goodbye;
use super::compound::{PT_APP, PT_BYE, PT_RR, PT_SDES, PT_SR, RTCP_HEADER_LEN};
use super::report::{ReceiverReport, SenderReport};
use super::sdes::SourceDescription;

/// One packet of a validated compound.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RtcpPacket<'a> {
    /// A sender report (200).
    SenderReport(SenderReport<'a>),
    /// A receiver report (201).
    ReceiverReport(ReceiverReport<'a>),
    /// A source description (202).
    SourceDescription(SourceDescription<'a>),
    /// A goodbye (203).
    Goodbye(Goodbye<'a>),
    /// An application-defined packet (204).
    App(App<'a>),
    /// Any other packet type (feedback, XR …), skipped by this crate.
    Unknown {
        /// The packet type.
        packet_type: u8,
        /// The 5-bit count/format field.
        count: u8,
        /// The body after the 4-byte header, padding removed.
        body: &'a [u8],
    },
}

/// An APP packet (RFC 3550 §6.7).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct App<'a> {
    /// The 5-bit subtype.
    pub subtype: u8,
    /// The source sending it (0 when the packet is too short to hold one).
    pub ssrc: u32,
    /// The 4-character name (zeros when absent).
    pub name: [u8; 4],
    /// Application data.
    pub data: &'a [u8],
}

impl<'a> RtcpPacket<'a> {
    /// Splits a packet whose header, length and padding were validated by
    /// [`RtcpCompound`](super::RtcpCompound).
    pub(crate) fn from_validated(packet: &'a [u8]) -> Self {
        let first = packet[0];
        let count = first & 0x1f;
        let packet_type = packet[1];
        let mut end = packet.len();
        if first & 0x20 != 0 {
            let padding = usize::from(packet[end - 1]);
            end = end.saturating_sub(padding).max(RTCP_HEADER_LEN);
        }
        let body = &packet[RTCP_HEADER_LEN..end];
        match packet_type {
            PT_SR => RtcpPacket::SenderReport(SenderReport::new(count, body)),
            PT_RR => RtcpPacket::ReceiverReport(ReceiverReport::new(count, body)),
            PT_SDES => RtcpPacket::SourceDescription(SourceDescription::new(count, body)),
            PT_BYE => RtcpPacket::Goodbye(Goodbye::new(count, body)),
            PT_APP => {
                let word = |at: usize| {
                    body.get(at..at + 4)
                        .map_or([0; 4], |b| [b[0], b[1], b[2], b[3]])
                };
                RtcpPacket::App(App {
                    subtype: count,
                    ssrc: u32::from_be_bytes(word(0)),
                    name: word(4),
                    data: body.get(8..).unwrap_or(&[]),
                })
            }
            _ => RtcpPacket::Unknown {
                packet_type,
                count,
                body,
            },
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::rtcp::RtcpCompound;

    /// Reads every accessor of a packet (used by the property tests).
    pub(crate) fn touch(p: &RtcpPacket<'_>) {
        match p {
            RtcpPacket::SenderReport(sr) => {
                let _ = (sr.ssrc(), sr.sender_info(), sr.report_blocks().count());
            }
            RtcpPacket::ReceiverReport(rr) => {
                let _ = (rr.ssrc(), rr.report_blocks().count());
            }
            RtcpPacket::SourceDescription(sdes) => {
                for chunk in sdes.chunks() {
                    let _ = (chunk.cname(), chunk.items().count());
                }
            }
            RtcpPacket::Goodbye(bye) => {
                let _ = (bye.sources().count(), bye.reason());
            }
            RtcpPacket::App(app) => {
                let _ = app.data.len();
            }
            RtcpPacket::Unknown { body, .. } => {
                let _ = body.len();
            }
        }
    }

    #[test]
    fn app_and_unknown_packets_are_exposed_and_skippable() {
        let bytes = [
            0x80, 201, 0, 1, 0, 0, 0, 9, // RR, no blocks
            0x83, 204, 0, 3, 0, 0, 0, 9, b'T', b'E', b'S', b'T', 1, 2, 3, 4, // APP subtype 3
            0x81, 205, 0, 2, 0, 0, 0, 9, 0, 0, 0, 7, // RTPFB (unknown here)
            0xa0, 206, 0, 1, 0, 0, 0, 4, // PSFB, padded, all padding
        ];
        let c = RtcpCompound::parse(&bytes).unwrap();
        let packets: Vec<_> = c.packets().collect();
        assert_eq!(packets.len(), 4);
        assert_eq!(
            packets[1],
            RtcpPacket::App(App {
                subtype: 3,
                ssrc: 9,
                name: *b"TEST",
                data: &[1, 2, 3, 4]
            })
        );
        assert_eq!(
            packets[2],
            RtcpPacket::Unknown {
                packet_type: 205,
                count: 1,
                body: &[0, 0, 0, 9, 0, 0, 0, 7]
            }
        );
        assert_eq!(
            packets[3],
            RtcpPacket::Unknown {
                packet_type: 206,
                count: 0,
                body: &[]
            }
        );
        for p in &packets {
            touch(p);
        }
    }

    #[test]
    fn short_app_reads_as_zeros() {
        let bytes = [0x80, 201, 0, 1, 0, 0, 0, 9, 0x80, 204, 0, 0];
        let c = RtcpCompound::parse(&bytes).unwrap();
        let app = c.packets().nth(1).unwrap();
        assert_eq!(
            app,
            RtcpPacket::App(App {
                subtype: 0,
                ssrc: 0,
                name: [0; 4],
                data: &[]
            })
        );
    }
}
