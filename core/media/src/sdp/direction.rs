//! Media direction attributes (RFC 4566 §6, RFC 3264 §5.1 and §6.1) and
//! the arithmetic the offer/answer engine does with them.

use std::fmt;

/// `a=sendrecv`, `a=sendonly`, `a=recvonly` or `a=inactive`, from the
/// point of view of the party that wrote the description.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Direction {
    /// Sends and receives (the default when no attribute is present).
    #[default]
    SendRecv,
    /// Sends only (the writer holds the other side).
    SendOnly,
    /// Receives only.
    RecvOnly,
    /// Neither sends nor receives.
    Inactive,
}

impl Direction {
    /// The attribute name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::SendRecv => "sendrecv",
            Direction::SendOnly => "sendonly",
            Direction::RecvOnly => "recvonly",
            Direction::Inactive => "inactive",
        }
    }

    /// The direction for an attribute name, if it is one.
    #[must_use]
    pub fn from_attribute(name: &str) -> Option<Self> {
        match name {
            "sendrecv" => Some(Direction::SendRecv),
            "sendonly" => Some(Direction::SendOnly),
            "recvonly" => Some(Direction::RecvOnly),
            "inactive" => Some(Direction::Inactive),
            _ => None,
        }
    }

    /// The direction from the send and receive capabilities.
    #[must_use]
    pub fn from_flags(send: bool, recv: bool) -> Self {
        match (send, recv) {
            (true, true) => Direction::SendRecv,
            (true, false) => Direction::SendOnly,
            (false, true) => Direction::RecvOnly,
            (false, false) => Direction::Inactive,
        }
    }

    /// Whether the writer sends media.
    #[must_use]
    pub fn sends(self) -> bool {
        matches!(self, Direction::SendRecv | Direction::SendOnly)
    }

    /// Whether the writer receives media.
    #[must_use]
    pub fn receives(self) -> bool {
        matches!(self, Direction::SendRecv | Direction::RecvOnly)
    }

    /// The same stream seen from the other side: sendonly ↔ recvonly
    /// (RFC 3264 §6.1).
    #[must_use]
    pub fn reverse(self) -> Self {
        Direction::from_flags(self.receives(), self.sends())
    }

    /// What both allow: sends only if both send, receives only if both
    /// receive.
    #[must_use]
    pub fn intersect(self, other: Direction) -> Self {
        Direction::from_flags(
            self.sends() && other.sends(),
            self.receives() && other.receives(),
        )
    }

    /// The direction an answerer writes for an offered direction when it
    /// itself allows `local` (RFC 3264 §6.1: sendonly → recvonly,
    /// recvonly → sendonly, inactive → inactive, sendrecv → `local`).
    #[must_use]
    pub fn answer_to(self, local: Direction) -> Self {
        self.reverse().intersect(local)
    }

    /// Whether a description with this direction puts the other side on
    /// hold (the writer will not receive: `sendonly` or `inactive`).
    #[must_use]
    pub fn is_hold(self) -> bool {
        !self.receives()
    }
}

impl fmt::Display for Direction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::Direction::{self, *};

    #[test]
    fn names_round_trip() {
        for d in [SendRecv, SendOnly, RecvOnly, Inactive] {
            assert_eq!(Direction::from_attribute(d.as_str()), Some(d));
            assert_eq!(d.to_string(), d.as_str());
        }
        assert_eq!(Direction::from_attribute("SENDRECV"), None);
    }

    #[test]
    fn reverse_swaps_send_and_receive() {
        assert_eq!(SendOnly.reverse(), RecvOnly);
        assert_eq!(RecvOnly.reverse(), SendOnly);
        assert_eq!(SendRecv.reverse(), SendRecv);
        assert_eq!(Inactive.reverse(), Inactive);
    }

    #[test]
    fn answer_follows_rfc3264_section_6_1() {
        assert_eq!(SendOnly.answer_to(SendRecv), RecvOnly);
        assert_eq!(RecvOnly.answer_to(SendRecv), SendOnly);
        assert_eq!(Inactive.answer_to(SendRecv), Inactive);
        assert_eq!(SendRecv.answer_to(SendRecv), SendRecv);
        // We hold while they offer sendrecv: we only send.
        assert_eq!(SendRecv.answer_to(SendOnly), SendOnly);
        // Both hold: nothing flows.
        assert_eq!(SendOnly.answer_to(SendOnly), Inactive);
    }

    #[test]
    fn intersect_and_hold() {
        assert_eq!(SendRecv.intersect(RecvOnly), RecvOnly);
        assert_eq!(SendOnly.intersect(RecvOnly), Inactive);
        assert!(SendOnly.is_hold());
        assert!(Inactive.is_hold());
        assert!(!RecvOnly.is_hold());
        assert!(!SendRecv.is_hold());
        assert_eq!(Direction::default(), SendRecv);
    }
}
