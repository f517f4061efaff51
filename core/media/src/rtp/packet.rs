//! A borrowed, validated view of one RTP packet (RFC 3550 §5.1).
//!
//! [`RtpPacket::parse`] checks the whole layout once (version, CSRC list,
//! header extension, padding, size limit) and remembers where the payload
//! is; every accessor afterwards reads fixed offsets and cannot fail.
//! Nothing is copied and nothing is allocated.

use std::fmt;

use super::extension::HeaderExtension;

/// The only RTP version this parser accepts (RFC 3550 §5.1).
pub const RTP_VERSION: u8 = 2;

/// Length of the fixed RTP header, before any CSRC or extension.
pub const RTP_FIXED_HEADER_LEN: usize = 12;

/// The largest datagram accepted as RTP. It is above any Ethernet-MTU
/// packet (1500 bytes) with room for tunnels and SRTP tags; receive
/// buffers sized to this never truncate a packet that parses.
pub const RTP_MAX_PACKET_LEN: usize = 2048;

/// Why bytes are not an acceptable RTP packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RtpError {
    /// Fewer bytes than the fixed 12-byte header.
    TooShort {
        /// How many bytes there were.
        len: usize,
    },
    /// More bytes than [`RTP_MAX_PACKET_LEN`].
    TooLong {
        /// How many bytes there were.
        len: usize,
    },
    /// The version field is not 2.
    BadVersion {
        /// The version found.
        version: u8,
    },
    /// The CSRC count announces more identifiers than the packet holds.
    CsrcListTruncated {
        /// Bytes the fixed header and CSRC list need.
        needed: usize,
        /// Bytes the packet has.
        len: usize,
    },
    /// The extension bit is set but the extension header or its data is
    /// cut short.
    ExtensionTruncated {
        /// Bytes the headers up to the end of the extension need.
        needed: usize,
        /// Bytes the packet has.
        len: usize,
    },
    /// The padding bit is set but the last byte (the padding count) is 0,
    /// which RFC 3550 §5.1 does not allow (the count includes itself).
    ZeroPaddingCount,
    /// The padding count is larger than what follows the header.
    PaddingTooLong {
        /// The padding count from the last byte.
        padding: usize,
        /// Bytes available after the header (payload plus padding).
        available: usize,
    },
}

impl fmt::Display for RtpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            RtpError::TooShort { len } => write!(
                f,
                "RTP packet truncated: {len} bytes, the fixed header needs {RTP_FIXED_HEADER_LEN}"
            ),
            RtpError::TooLong { len } => write!(
                f,
                "RTP packet too long: {len} bytes, at most {RTP_MAX_PACKET_LEN} accepted"
            ),
            RtpError::BadVersion { version } => {
                write!(f, "RTP version {version}, only version 2 is accepted")
            }
            RtpError::CsrcListTruncated { needed, len } => write!(
                f,
                "RTP CSRC list truncated: header needs {needed} bytes, packet has {len}"
            ),
            RtpError::ExtensionTruncated { needed, len } => write!(
                f,
                "RTP header extension truncated: needs {needed} bytes, packet has {len}"
            ),
            RtpError::ZeroPaddingCount => {
                write!(f, "RTP padding bit set but the padding count is 0")
            }
            RtpError::PaddingTooLong { padding, available } => write!(
                f,
                "RTP padding of {padding} bytes is longer than the {available} bytes after the header"
            ),
        }
    }
}

impl std::error::Error for RtpError {}

/// A parsed RTP packet borrowing its datagram.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RtpPacket<'a> {
    bytes: &'a [u8],
    header_len: usize,
    payload_end: usize,
}

impl<'a> RtpPacket<'a> {
    /// Validates `bytes` as one RTP packet and returns a view of it.
    pub fn parse(bytes: &'a [u8]) -> Result<Self, RtpError> {
        let len = bytes.len();
        if len < RTP_FIXED_HEADER_LEN {
            return Err(RtpError::TooShort { len });
        }
        if len > RTP_MAX_PACKET_LEN {
            return Err(RtpError::TooLong { len });
        }
        let first = bytes[0];
        let version = first >> 6;
        if version != RTP_VERSION {
            return Err(RtpError::BadVersion { version });
        }
        let csrc_count = usize::from(first & 0x0f);
        let mut header_len = RTP_FIXED_HEADER_LEN + 4 * csrc_count;
        if len < header_len {
            return Err(RtpError::CsrcListTruncated {
                needed: header_len,
                len,
            });
        }
        if first & 0x10 != 0 {
            let needed = header_len + 4;
            let Some(words) = bytes.get(header_len + 2..needed) else {
                return Err(RtpError::ExtensionTruncated { needed, len });
            };
            let data_len = 4 * usize::from(u16::from_be_bytes([words[0], words[1]]));
            header_len = needed + data_len;
            if len < header_len {
                return Err(RtpError::ExtensionTruncated {
                    needed: header_len,
                    len,
                });
            }
        }
        let mut payload_end = len;
        if first & 0x20 != 0 {
            let padding = usize::from(bytes[len - 1]);
            let available = len - header_len;
            if padding == 0 {
                return Err(RtpError::ZeroPaddingCount);
            }
            if padding > available {
                return Err(RtpError::PaddingTooLong { padding, available });
            }
            payload_end = len - padding;
        }
        Ok(RtpPacket {
            bytes,
            header_len,
            payload_end,
        })
    }

    /// The whole datagram, header, payload and padding.
    pub fn as_bytes(&self) -> &'a [u8] {
        self.bytes
    }

    /// Whether the padding bit is set.
    pub fn has_padding(&self) -> bool {
        self.bytes[0] & 0x20 != 0
    }

    /// Number of padding bytes at the end (0 without the padding bit).
    pub fn padding_len(&self) -> usize {
        self.bytes.len() - self.payload_end
    }

    /// Whether the header-extension bit is set.
    pub fn has_extension(&self) -> bool {
        self.bytes[0] & 0x10 != 0
    }

    /// The marker bit (start of a talkspurt for audio).
    pub fn marker(&self) -> bool {
        self.bytes[1] & 0x80 != 0
    }

    /// The 7-bit payload type.
    pub fn payload_type(&self) -> u8 {
        self.bytes[1] & 0x7f
    }

    /// The 16-bit sequence number.
    pub fn sequence(&self) -> u16 {
        u16::from_be_bytes([self.bytes[2], self.bytes[3]])
    }

    /// The 32-bit RTP timestamp.
    pub fn timestamp(&self) -> u32 {
        u32::from_be_bytes([self.bytes[4], self.bytes[5], self.bytes[6], self.bytes[7]])
    }

    /// The synchronisation source identifier.
    pub fn ssrc(&self) -> u32 {
        u32::from_be_bytes([self.bytes[8], self.bytes[9], self.bytes[10], self.bytes[11]])
    }

    /// Number of contributing sources listed (0 to 15).
    pub fn csrc_count(&self) -> usize {
        usize::from(self.bytes[0] & 0x0f)
    }

    /// The contributing source identifiers, in order.
    pub fn csrcs(&self) -> impl ExactSizeIterator<Item = u32> + 'a {
        let end = RTP_FIXED_HEADER_LEN + 4 * self.csrc_count();
        self.bytes[RTP_FIXED_HEADER_LEN..end]
            .chunks_exact(4)
            .map(|c| u32::from_be_bytes([c[0], c[1], c[2], c[3]]))
    }

    /// The header extension, when the extension bit is set.
    pub fn extension(&self) -> Option<HeaderExtension<'a>> {
        if !self.has_extension() {
            return None;
        }
        let start = RTP_FIXED_HEADER_LEN + 4 * self.csrc_count();
        let profile = u16::from_be_bytes([self.bytes[start], self.bytes[start + 1]]);
        Some(HeaderExtension::new(
            profile,
            &self.bytes[start + 4..self.header_len],
        ))
    }

    /// Length of everything before the payload: fixed header, CSRC list
    /// and header extension.
    pub fn header_len(&self) -> usize {
        self.header_len
    }

    /// The payload, without header and padding.
    pub fn payload(&self) -> &'a [u8] {
        &self.bytes[self.header_len..self.payload_end]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rtp::{ExtensionFormat, RawExtension, RtpHeader};
    use proptest::prelude::*;

    fn build(header: &RtpHeader<'_>, payload: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        header.write_to_vec(payload, &mut out).unwrap();
        out
    }

    #[test]
    fn parses_fixed_header_fields() {
        let bytes = [
            0x80,
            0x80 | 8,
            0x12,
            0x34,
            0xde,
            0xad,
            0xbe,
            0xef,
            0x01,
            0x02,
            0x03,
            0x04,
            0xaa,
            0xbb,
        ];
        let p = RtpPacket::parse(&bytes).unwrap();
        assert!(p.marker());
        assert_eq!(p.payload_type(), 8);
        assert_eq!(p.sequence(), 0x1234);
        assert_eq!(p.timestamp(), 0xdead_beef);
        assert_eq!(p.ssrc(), 0x0102_0304);
        assert_eq!(p.payload(), &[0xaa, 0xbb]);
        assert_eq!(p.header_len(), 12);
        assert!(!p.has_padding() && !p.has_extension());
        assert_eq!(p.csrc_count(), 0);
        assert!(p.extension().is_none());
        assert_eq!(p.as_bytes(), &bytes);
    }

    #[test]
    fn rejects_short_long_and_wrong_version() {
        assert_eq!(
            RtpPacket::parse(&[0x80; 11]),
            Err(RtpError::TooShort { len: 11 })
        );
        assert_eq!(RtpPacket::parse(&[]), Err(RtpError::TooShort { len: 0 }));
        let long = vec![0x80; RTP_MAX_PACKET_LEN + 1];
        assert_eq!(
            RtpPacket::parse(&long),
            Err(RtpError::TooLong {
                len: RTP_MAX_PACKET_LEN + 1
            })
        );
        let mut v1 = [0u8; 12];
        v1[0] = 0x40;
        assert_eq!(
            RtpPacket::parse(&v1),
            Err(RtpError::BadVersion { version: 1 })
        );
        assert!(
            RtpError::BadVersion { version: 1 }
                .to_string()
                .contains("version 1")
        );
    }

    #[test]
    fn reads_csrcs_and_reports_truncated_list() {
        let csrcs = [1, 2, 3];
        let bytes = build(
            &RtpHeader {
                csrcs: &csrcs,
                ..RtpHeader::default()
            },
            b"xy",
        );
        let p = RtpPacket::parse(&bytes).unwrap();
        assert_eq!(p.csrcs().collect::<Vec<_>>(), csrcs);
        assert_eq!(p.payload(), b"xy");
        assert_eq!(
            RtpPacket::parse(&bytes[..20]),
            Err(RtpError::CsrcListTruncated {
                needed: 24,
                len: 20
            })
        );
    }

    #[test]
    fn reads_extension_and_reports_truncation() {
        let data = [0x10, 0xaa, 0x21, 0xbb, 0xcc, 0, 0, 0];
        let header = RtpHeader {
            extension: Some(RawExtension {
                profile: 0xBEDE,
                data: &data,
            }),
            ..RtpHeader::default()
        };
        let bytes = build(&header, b"p");
        let p = RtpPacket::parse(&bytes).unwrap();
        let ext = p.extension().unwrap();
        assert_eq!(ext.format(), ExtensionFormat::OneByte);
        assert_eq!(ext.data(), &data);
        assert_eq!(p.payload(), b"p");
        assert_eq!(
            RtpPacket::parse(&bytes[..14]),
            Err(RtpError::ExtensionTruncated {
                needed: 16,
                len: 14
            })
        );
        assert_eq!(
            RtpPacket::parse(&bytes[..20]),
            Err(RtpError::ExtensionTruncated {
                needed: 24,
                len: 20
            })
        );
    }

    #[test]
    fn strips_padding_and_rejects_bad_padding() {
        let mut bytes = build(&RtpHeader::default(), &[1, 2, 3, 0, 0, 3]);
        bytes[0] |= 0x20;
        let p = RtpPacket::parse(&bytes).unwrap();
        assert_eq!(p.payload(), &[1, 2, 3]);
        assert_eq!(p.padding_len(), 3);
        assert!(p.has_padding());
        *bytes.last_mut().unwrap() = 0;
        assert_eq!(RtpPacket::parse(&bytes), Err(RtpError::ZeroPaddingCount));
        *bytes.last_mut().unwrap() = 7;
        assert_eq!(
            RtpPacket::parse(&bytes),
            Err(RtpError::PaddingTooLong {
                padding: 7,
                available: 6
            })
        );
    }

    #[test]
    fn every_error_has_a_message() {
        let errors = [
            RtpError::TooShort { len: 1 },
            RtpError::TooLong { len: 5000 },
            RtpError::BadVersion { version: 0 },
            RtpError::CsrcListTruncated {
                needed: 16,
                len: 12,
            },
            RtpError::ExtensionTruncated {
                needed: 16,
                len: 12,
            },
            RtpError::ZeroPaddingCount,
            RtpError::PaddingTooLong {
                padding: 9,
                available: 2,
            },
        ];
        for e in errors {
            assert!(e.to_string().starts_with("RTP"), "{e}");
        }
    }

    proptest! {
        #[test]
        fn parse_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..3000)) {
            if let Ok(p) = RtpPacket::parse(&bytes) {
                prop_assert!(p.header_len() + p.payload().len() + p.padding_len() == bytes.len());
                let _ = p.csrcs().count();
                if let Some(ext) = p.extension() {
                    let _ = ext.elements().count();
                }
            }
        }

        #[test]
        fn build_then_parse_round_trips(
            marker: bool,
            payload_type in 0u8..128,
            sequence: u16,
            timestamp: u32,
            ssrc: u32,
            csrcs in proptest::collection::vec(any::<u32>(), 0..16),
            ext in proptest::option::of((any::<u16>(), proptest::collection::vec(any::<u8>(), 0..8usize).prop_map(|w| {
                let mut v = w; v.resize(v.len() / 4 * 4, 0); v
            }))),
            payload in proptest::collection::vec(any::<u8>(), 0..1400),
        ) {
            let header = RtpHeader {
                marker, payload_type, sequence, timestamp, ssrc, csrcs: &csrcs,
                extension: ext.as_ref().map(|(profile, data)| RawExtension { profile: *profile, data }),
            };
            let mut buf = vec![0u8; RTP_MAX_PACKET_LEN];
            let n = header.write(&payload, &mut buf).unwrap();
            let p = RtpPacket::parse(&buf[..n]).unwrap();
            prop_assert_eq!(p.marker(), marker);
            prop_assert_eq!(p.payload_type(), payload_type);
            prop_assert_eq!(p.sequence(), sequence);
            prop_assert_eq!(p.timestamp(), timestamp);
            prop_assert_eq!(p.ssrc(), ssrc);
            prop_assert_eq!(p.csrcs().collect::<Vec<_>>(), csrcs.clone());
            prop_assert_eq!(p.extension().map(|e| (e.profile(), e.data().to_vec())), ext.clone());
            prop_assert_eq!(p.payload(), &payload[..]);
        }
    }
}
