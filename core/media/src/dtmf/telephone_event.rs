//! The RFC 4733 telephone-event payload (section 2.3):
//!
//! ```text
//!  0                   1                   2                   3
//!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |     event     |E|R| volume    |          duration             |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ```

use std::fmt;

use super::Digit;

/// Length of one telephone-event payload in bytes.
pub const PAYLOAD_LEN: usize = 4;

/// The largest volume value: −63 dBm0 (volume is a 6-bit attenuation).
pub const MAX_VOLUME: u8 = 63;

/// One telephone-event payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TelephoneEvent {
    /// The event code (0–15 DTMF keys, 16 flash, others tones and signals).
    pub event: u8,
    /// The E bit: this packet ends the event.
    pub end: bool,
    /// Power level as attenuation in dB below 0 dBm0 (0–63; larger is quieter).
    pub volume: u8,
    /// Duration of the event so far, in RTP timestamp units from the
    /// packet's RTP timestamp (the event's start).
    pub duration: u16,
}

/// Why a telephone-event payload could not be read or written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TelephoneEventError {
    /// Fewer than four bytes: the payload is truncated.
    Truncated {
        /// How many bytes there were.
        len: usize,
    },
    /// The output buffer is shorter than four bytes.
    BufferTooSmall,
}

impl fmt::Display for TelephoneEventError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TelephoneEventError::Truncated { len } => {
                write!(f, "telephone-event payload has {len} bytes, needs 4")
            }
            TelephoneEventError::BufferTooSmall => {
                write!(f, "buffer too small for a 4-byte telephone-event payload")
            }
        }
    }
}

impl std::error::Error for TelephoneEventError {}

impl TelephoneEvent {
    /// A payload for a DTMF digit (E bit clear).
    pub fn for_digit(digit: Digit, volume: u8, duration: u16) -> TelephoneEvent {
        TelephoneEvent {
            event: digit.event(),
            end: false,
            volume: volume.min(MAX_VOLUME),
            duration,
        }
    }

    /// Reads the first event of a payload. Bytes after the first four are
    /// ignored (RFC 4733 carries one event per payload; redundant copies
    /// travel in RFC 2198, which the RTP layer strips). The R bit is ignored.
    pub fn parse(payload: &[u8]) -> Result<TelephoneEvent, TelephoneEventError> {
        let [event, flags, d0, d1, ..] = *payload else {
            return Err(TelephoneEventError::Truncated { len: payload.len() });
        };
        Ok(TelephoneEvent {
            event,
            end: flags & 0x80 != 0,
            volume: flags & 0x3f,
            duration: u16::from_be_bytes([d0, d1]),
        })
    }

    /// The four payload bytes (R bit zero, volume clamped to 63).
    pub fn to_bytes(&self) -> [u8; PAYLOAD_LEN] {
        let [d0, d1] = self.duration.to_be_bytes();
        let flags = if self.end { 0x80 } else { 0 } | self.volume.min(MAX_VOLUME);
        [self.event, flags, d0, d1]
    }

    /// Writes the payload into `out` and returns the number of bytes written (4).
    pub fn write(&self, out: &mut [u8]) -> Result<usize, TelephoneEventError> {
        let dst = out
            .get_mut(..PAYLOAD_LEN)
            .ok_or(TelephoneEventError::BufferTooSmall)?;
        dst.copy_from_slice(&self.to_bytes());
        Ok(PAYLOAD_LEN)
    }

    /// The DTMF digit, if the event code is one (0–16).
    pub fn digit(&self) -> Option<Digit> {
        Digit::from_event(self.event)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_rfc_layout() {
        // Digit 5, end bit, volume 10, duration 800.
        let ev = TelephoneEvent::parse(&[5, 0x8a, 0x03, 0x20]).unwrap();
        assert_eq!(
            ev,
            TelephoneEvent {
                event: 5,
                end: true,
                volume: 10,
                duration: 800
            }
        );
        assert_eq!(ev.digit(), Some(Digit::D5));
        assert_eq!(ev.to_bytes(), [5, 0x8a, 0x03, 0x20]);
    }

    #[test]
    fn reserved_bit_ignored_and_extra_bytes_tolerated() {
        let ev = TelephoneEvent::parse(&[11, 0x40 | 7, 0, 160, 0xff, 0xff]).unwrap();
        assert_eq!(ev.event, 11);
        assert!(!ev.end);
        assert_eq!(ev.volume, 7);
        assert_eq!(ev.duration, 160);
        assert_eq!(ev.to_bytes()[1], 7, "R bit is sent as zero");
    }

    #[test]
    fn truncated_and_small_buffers_are_errors() {
        assert_eq!(
            TelephoneEvent::parse(&[1, 2, 3]),
            Err(TelephoneEventError::Truncated { len: 3 })
        );
        let ev = TelephoneEvent::for_digit(Digit::Flash, 99, 1);
        assert_eq!(ev.volume, 63);
        assert_eq!(
            ev.write(&mut [0u8; 3]),
            Err(TelephoneEventError::BufferTooSmall)
        );
        let mut buf = [0u8; 8];
        assert_eq!(ev.write(&mut buf), Ok(4));
        assert_eq!(&buf[..4], &[16, 63, 0, 1]);
        assert!(
            !TelephoneEventError::Truncated { len: 0 }
                .to_string()
                .is_empty()
        );
    }
}
