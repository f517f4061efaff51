//! In-place rewriting of RTP header fields, for relaying a packet without
//! copying it: a B2BUA swaps SSRC, sequence, timestamp and payload type
//! and sends the same buffer on.

use super::packet::{RTP_FIXED_HEADER_LEN, RTP_VERSION, RtpError};

/// Mutable access to the fixed header of an RTP packet held in a buffer.
///
/// Only the fixed 12 bytes are checked (length and version); the rest of
/// the packet is left as it is. Parse with
/// [`RtpPacket::parse`](super::RtpPacket::parse) first when the packet's
/// layout matters.
#[derive(Debug)]
pub struct RtpHeaderMut<'a> {
    bytes: &'a mut [u8],
}

impl<'a> RtpHeaderMut<'a> {
    /// Wraps `bytes` if it starts with a version-2 fixed header.
    pub fn new(bytes: &'a mut [u8]) -> Result<Self, RtpError> {
        let len = bytes.len();
        let Some(&first) = bytes.first() else {
            return Err(RtpError::TooShort { len });
        };
        if len < RTP_FIXED_HEADER_LEN {
            return Err(RtpError::TooShort { len });
        }
        let version = first >> 6;
        if version != RTP_VERSION {
            return Err(RtpError::BadVersion { version });
        }
        Ok(RtpHeaderMut { bytes })
    }

    /// The current sequence number.
    pub fn sequence(&self) -> u16 {
        u16::from_be_bytes([self.bytes[2], self.bytes[3]])
    }

    /// The current timestamp.
    pub fn timestamp(&self) -> u32 {
        u32::from_be_bytes([self.bytes[4], self.bytes[5], self.bytes[6], self.bytes[7]])
    }

    /// The current SSRC.
    pub fn ssrc(&self) -> u32 {
        u32::from_be_bytes([self.bytes[8], self.bytes[9], self.bytes[10], self.bytes[11]])
    }

    /// The current marker bit.
    pub fn marker(&self) -> bool {
        self.bytes[1] & 0x80 != 0
    }

    /// The current payload type.
    pub fn payload_type(&self) -> u8 {
        self.bytes[1] & 0x7f
    }

    /// Sets the SSRC.
    pub fn set_ssrc(&mut self, ssrc: u32) {
        self.bytes[8..12].copy_from_slice(&ssrc.to_be_bytes());
    }

    /// Sets the sequence number.
    pub fn set_sequence(&mut self, sequence: u16) {
        self.bytes[2..4].copy_from_slice(&sequence.to_be_bytes());
    }

    /// Sets the timestamp.
    pub fn set_timestamp(&mut self, timestamp: u32) {
        self.bytes[4..8].copy_from_slice(&timestamp.to_be_bytes());
    }

    /// Sets the payload type; only the low 7 bits are used, the marker bit
    /// is kept.
    pub fn set_payload_type(&mut self, payload_type: u8) {
        self.bytes[1] = (self.bytes[1] & 0x80) | (payload_type & 0x7f);
    }

    /// Sets or clears the marker bit.
    pub fn set_marker(&mut self, marker: bool) {
        self.bytes[1] = (self.bytes[1] & 0x7f) | (u8::from(marker) << 7);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rtp::RtpPacket;

    #[test]
    fn rewrites_fields_in_place() {
        let mut buf = [0x80, 0x80, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 9, 9];
        let mut h = RtpHeaderMut::new(&mut buf).unwrap();
        h.set_ssrc(0xaabb_ccdd);
        h.set_sequence(0xfffe);
        h.set_timestamp(0x0102_0304);
        h.set_payload_type(0xff);
        assert!(h.marker());
        h.set_marker(false);
        assert_eq!(
            (
                h.ssrc(),
                h.sequence(),
                h.timestamp(),
                h.payload_type(),
                h.marker()
            ),
            (0xaabb_ccdd, 0xfffe, 0x0102_0304, 0x7f, false)
        );
        let p = RtpPacket::parse(&buf).unwrap();
        assert_eq!(p.payload(), &[9, 9]);
        assert_eq!(p.payload_type(), 0x7f);
    }

    #[test]
    fn refuses_short_or_foreign_buffers() {
        assert_eq!(
            RtpHeaderMut::new(&mut []).unwrap_err(),
            RtpError::TooShort { len: 0 }
        );
        assert_eq!(
            RtpHeaderMut::new(&mut [0x80; 5]).unwrap_err(),
            RtpError::TooShort { len: 5 }
        );
        assert_eq!(
            RtpHeaderMut::new(&mut [0xc0; 12]).unwrap_err(),
            RtpError::BadVersion { version: 3 }
        );
    }
}
