//! Goodbye packets (RFC 3550 §6.6): sources leaving, with a reason.

/// A BYE packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Goodbye<'a> {
    count: u8,
    body: &'a [u8],
}

impl<'a> Goodbye<'a> {
    /// Wraps the body (after the common header) of a validated BYE.
    pub(crate) fn new(count: u8, body: &'a [u8]) -> Self {
        Goodbye { count, body }
    }

    /// The sources leaving.
    pub fn sources(&self) -> impl Iterator<Item = u32> + 'a {
        let end = (4 * usize::from(self.count)).min(self.body.len() & !3);
        self.body[..end]
            .chunks_exact(4)
            .map(|c| u32::from_be_bytes([c[0], c[1], c[2], c[3]]))
    }

    /// The reason for leaving, if present and complete.
    pub fn reason(&self) -> Option<&'a [u8]> {
        let at = 4 * usize::from(self.count);
        let len = usize::from(*self.body.get(at)?);
        self.body.get(at + 1..at + 1 + len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rtcp::{CompoundBuilder, RtcpCompound, RtcpPacket};

    #[test]
    fn builds_and_reads_bye_with_reason() {
        let mut buf = [0u8; 128];
        let mut b = CompoundBuilder::new(&mut buf);
        b.receiver_report(5, &[])
            .unwrap()
            .bye(&[5, 6], Some(b"hangup"))
            .unwrap();
        let bytes = b.finish();
        let c = RtcpCompound::parse(bytes).unwrap();
        let Some(RtcpPacket::Goodbye(bye)) = c.packets().nth(1) else {
            panic!()
        };
        assert_eq!(bye.sources().collect::<Vec<_>>(), [5, 6]);
        assert_eq!(bye.reason(), Some(&b"hangup"[..]));
    }

    #[test]
    fn bye_without_reason_or_with_truncated_reason() {
        assert_eq!(Goodbye::new(1, &[0, 0, 0, 5]).reason(), None);
        assert_eq!(Goodbye::new(1, &[0, 0, 0, 5, 9, b'x', 0, 0]).reason(), None);
        assert_eq!(Goodbye::new(2, &[0, 0, 0, 5]).sources().count(), 1);
    }
}
