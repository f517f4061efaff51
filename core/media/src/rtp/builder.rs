//! Writing an RTP header and payload into a caller-provided buffer.

use std::fmt;

use super::packet::{RTP_FIXED_HEADER_LEN, RTP_MAX_PACKET_LEN, RTP_VERSION};

/// A raw header extension to write: the profile value and data that is a
/// whole number of 32-bit words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RawExtension<'a> {
    /// The 16-bit "defined by profile" field (0xBEDE for RFC 8285 one-byte).
    pub profile: u16,
    /// The extension data; its length must be a multiple of 4.
    pub data: &'a [u8],
}

/// The header fields of an RTP packet to send.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RtpHeader<'a> {
    /// The marker bit.
    pub marker: bool,
    /// The 7-bit payload type.
    pub payload_type: u8,
    /// The sequence number.
    pub sequence: u16,
    /// The RTP timestamp.
    pub timestamp: u32,
    /// Our synchronisation source.
    pub ssrc: u32,
    /// Contributing sources (at most 15).
    pub csrcs: &'a [u32],
    /// An optional header extension.
    pub extension: Option<RawExtension<'a>>,
}

/// Why a packet could not be written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RtpBuildError {
    /// The payload type does not fit in 7 bits.
    PayloadTypeOutOfRange {
        /// The payload type given.
        payload_type: u8,
    },
    /// More than 15 CSRCs.
    TooManyCsrcs {
        /// How many were given.
        count: usize,
    },
    /// Extension data that is not a whole number of 32-bit words (or too
    /// long for its 16-bit word count).
    BadExtensionLength {
        /// Its length in bytes.
        len: usize,
    },
    /// The packet would exceed [`RTP_MAX_PACKET_LEN`].
    TooLong {
        /// The length it would have.
        len: usize,
    },
    /// The output buffer is smaller than the packet.
    BufferTooSmall {
        /// Bytes needed.
        needed: usize,
        /// Bytes available.
        available: usize,
    },
}

impl fmt::Display for RtpBuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            RtpBuildError::PayloadTypeOutOfRange { payload_type } => {
                write!(f, "RTP payload type {payload_type} does not fit in 7 bits")
            }
            RtpBuildError::TooManyCsrcs { count } => {
                write!(f, "{count} CSRCs given, an RTP header holds at most 15")
            }
            RtpBuildError::BadExtensionLength { len } => write!(
                f,
                "RTP header extension of {len} bytes is not a whole number of 32-bit words"
            ),
            RtpBuildError::TooLong { len } => write!(
                f,
                "RTP packet of {len} bytes exceeds the {RTP_MAX_PACKET_LEN}-byte limit"
            ),
            RtpBuildError::BufferTooSmall { needed, available } => write!(
                f,
                "output buffer of {available} bytes is too small for a {needed}-byte RTP packet"
            ),
        }
    }
}

impl std::error::Error for RtpBuildError {}

impl RtpHeader<'_> {
    /// Length of the header this would write (fixed part, CSRCs, extension).
    pub fn len(&self) -> usize {
        RTP_FIXED_HEADER_LEN + 4 * self.csrcs.len() + self.extension.map_or(0, |e| 4 + e.data.len())
    }

    /// Always false: an RTP header has at least 12 bytes. Present so
    /// `len` reads naturally.
    pub fn is_empty(&self) -> bool {
        false
    }

    fn check(&self, payload_len: usize) -> Result<usize, RtpBuildError> {
        if self.payload_type > 0x7f {
            return Err(RtpBuildError::PayloadTypeOutOfRange {
                payload_type: self.payload_type,
            });
        }
        if self.csrcs.len() > 15 {
            return Err(RtpBuildError::TooManyCsrcs {
                count: self.csrcs.len(),
            });
        }
        if let Some(ext) = self.extension
            && (ext.data.len() % 4 != 0 || ext.data.len() / 4 > usize::from(u16::MAX))
        {
            return Err(RtpBuildError::BadExtensionLength {
                len: ext.data.len(),
            });
        }
        let len = self.len() + payload_len;
        if len > RTP_MAX_PACKET_LEN {
            return Err(RtpBuildError::TooLong { len });
        }
        Ok(len)
    }

    /// Writes header and payload at the start of `out`; returns the number
    /// of bytes written.
    pub fn write(&self, payload: &[u8], out: &mut [u8]) -> Result<usize, RtpBuildError> {
        let len = self.check(payload.len())?;
        let available = out.len();
        let Some(out) = out.get_mut(..len) else {
            return Err(RtpBuildError::BufferTooSmall {
                needed: len,
                available,
            });
        };
        let header_len = self.write_header(out);
        out[header_len..].copy_from_slice(payload);
        Ok(len)
    }

    /// Replaces the contents of `out` with the packet. The vector keeps its
    /// capacity, so a reused vector does not allocate once it has grown to
    /// the packet size.
    pub fn write_to_vec(&self, payload: &[u8], out: &mut Vec<u8>) -> Result<(), RtpBuildError> {
        let len = self.check(payload.len())?;
        out.clear();
        out.resize(len, 0);
        let header_len = self.write_header(out);
        out[header_len..].copy_from_slice(payload);
        Ok(())
    }

    /// Writes the header into `out`, which `check` sized; returns its length.
    fn write_header(&self, out: &mut [u8]) -> usize {
        let mut first = (RTP_VERSION << 6) | self.csrcs.len() as u8;
        if self.extension.is_some() {
            first |= 0x10;
        }
        out[0] = first;
        out[1] = (u8::from(self.marker) << 7) | self.payload_type;
        out[2..4].copy_from_slice(&self.sequence.to_be_bytes());
        out[4..8].copy_from_slice(&self.timestamp.to_be_bytes());
        out[8..12].copy_from_slice(&self.ssrc.to_be_bytes());
        let mut at = RTP_FIXED_HEADER_LEN;
        for csrc in self.csrcs {
            out[at..at + 4].copy_from_slice(&csrc.to_be_bytes());
            at += 4;
        }
        if let Some(ext) = self.extension {
            out[at..at + 2].copy_from_slice(&ext.profile.to_be_bytes());
            let words = (ext.data.len() / 4) as u16;
            out[at + 2..at + 4].copy_from_slice(&words.to_be_bytes());
            at += 4;
            out[at..at + ext.data.len()].copy_from_slice(ext.data);
            at += ext.data.len();
        }
        at
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_a_g711_packet() {
        let header = RtpHeader {
            marker: true,
            payload_type: 0,
            sequence: 7,
            timestamp: 160,
            ssrc: 0x0a0b_0c0d,
            ..RtpHeader::default()
        };
        let mut buf = [0u8; 200];
        let n = header.write(&[0xff; 160], &mut buf).unwrap();
        assert_eq!(n, 172);
        assert_eq!(
            &buf[..12],
            &[0x80, 0x80, 0, 7, 0, 0, 0, 160, 0x0a, 0x0b, 0x0c, 0x0d]
        );
        assert_eq!(header.len(), 12);
        assert!(!header.is_empty());
    }

    #[test]
    fn rejects_invalid_headers_and_small_buffers() {
        let mut buf = [0u8; 20];
        let bad_pt = RtpHeader {
            payload_type: 128,
            ..RtpHeader::default()
        };
        assert_eq!(
            bad_pt.write(&[], &mut buf),
            Err(RtpBuildError::PayloadTypeOutOfRange { payload_type: 128 })
        );
        let csrcs = [0u32; 16];
        let many = RtpHeader {
            csrcs: &csrcs,
            ..RtpHeader::default()
        };
        assert_eq!(
            many.write(&[], &mut buf),
            Err(RtpBuildError::TooManyCsrcs { count: 16 })
        );
        let ext = RtpHeader {
            extension: Some(RawExtension {
                profile: 0xBEDE,
                data: &[1, 2, 3],
            }),
            ..RtpHeader::default()
        };
        assert_eq!(
            ext.write(&[], &mut buf),
            Err(RtpBuildError::BadExtensionLength { len: 3 })
        );
        assert_eq!(
            RtpHeader::default().write(&[0; 9], &mut buf),
            Err(RtpBuildError::BufferTooSmall {
                needed: 21,
                available: 20
            })
        );
        let mut vec = Vec::new();
        assert_eq!(
            RtpHeader::default().write_to_vec(&[0; RTP_MAX_PACKET_LEN], &mut vec),
            Err(RtpBuildError::TooLong {
                len: RTP_MAX_PACKET_LEN + 12
            })
        );
        for e in [
            RtpBuildError::PayloadTypeOutOfRange { payload_type: 200 },
            RtpBuildError::TooManyCsrcs { count: 20 },
            RtpBuildError::BadExtensionLength { len: 3 },
            RtpBuildError::TooLong { len: 9000 },
            RtpBuildError::BufferTooSmall {
                needed: 2,
                available: 1,
            },
        ] {
            assert!(!e.to_string().is_empty());
        }
    }

    #[test]
    fn reused_vec_keeps_its_allocation() {
        let mut out = Vec::with_capacity(256);
        let ptr = out.as_ptr();
        for seq in 0..10 {
            let header = RtpHeader {
                sequence: seq,
                ..RtpHeader::default()
            };
            header.write_to_vec(&[1; 160], &mut out).unwrap();
        }
        assert_eq!(out.as_ptr(), ptr);
        assert_eq!(out.len(), 172);
    }
}
