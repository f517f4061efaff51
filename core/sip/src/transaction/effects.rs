//! What a state machine asks the layer to do after an input: messages to
//! send to its peer and timeouts to report. The layer adds the peer and the
//! key and queues them as [`Transmit`](super::Transmit)s and
//! [`TransactionEvent`](super::TransactionEvent)s.

use super::timers::Timer;

/// Bytes to send to the transaction's peer.
#[derive(Debug)]
pub(crate) struct Send {
    pub(crate) bytes: Vec<u8>,
    pub(crate) retransmission: bool,
}

/// The outputs of one step of a state machine.
#[derive(Debug, Default)]
pub(crate) struct Effects {
    pub(crate) sends: Vec<Send>,
    pub(crate) timeouts: Vec<Timer>,
}

impl Effects {
    /// Queues a first transmission.
    pub(crate) fn send(&mut self, bytes: &[u8]) {
        self.sends.push(Send {
            bytes: bytes.to_vec(),
            retransmission: false,
        });
    }

    /// Queues a retransmission.
    pub(crate) fn resend(&mut self, bytes: &[u8]) {
        self.sends.push(Send {
            bytes: bytes.to_vec(),
            retransmission: true,
        });
    }
}

/// The class of a status code the machines act on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Class {
    /// 100–199.
    Provisional,
    /// 200–299.
    Success,
    /// 300–699.
    Failure,
}

impl Class {
    /// The class of `status`, or `None` outside 100..=699.
    pub(crate) fn of(status: u16) -> Option<Class> {
        match status {
            100..=199 => Some(Class::Provisional),
            200..=299 => Some(Class::Success),
            300..=699 => Some(Class::Failure),
            _ => None,
        }
    }
}

/// What a client transaction decided about a response.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ClientVerdict {
    /// Pass it to the TU.
    ToTu,
    /// A 2xx the TU has seen (same To tag) while Accepted: the TU re-sends its ACK.
    Retransmitted2xx,
    /// Absorbed by the transaction.
    Absorbed,
}

/// What an INVITE server transaction decided about an ACK.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum AckVerdict {
    /// The ACK for a non-2xx final response (or a duplicate): absorbed.
    Absorbed,
    /// An ACK that reached the transaction while Accepted (RFC 6026): the
    /// TU's, since it acknowledges a 2xx.
    ToTu,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes() {
        assert_eq!(Class::of(99), None);
        assert_eq!(Class::of(100), Some(Class::Provisional));
        assert_eq!(Class::of(299), Some(Class::Success));
        assert_eq!(Class::of(699), Some(Class::Failure));
        assert_eq!(Class::of(700), None);
    }
}
