//! Where a transaction's messages go: the remote address, whether the
//! transport is reliable, and the connection the IO edge uses.

use std::net::SocketAddr;

/// An opaque id the IO edge gives each connection (TCP/TLS) or socket
/// (UDP); the transaction layer only stores it and hands it back in
/// [`Transmit`](super::Transmit) so the edge can send on the same
/// connection (RFC 3261 §18.2.2).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ConnectionId(pub u64);

/// The remote end of a transaction.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Peer {
    /// The remote socket address: where a client request goes, or where a
    /// server request came from (responses go back there; the IO edge may
    /// apply §18.2.2 / RFC 3581 rules on top).
    pub addr: SocketAddr,
    /// True for TCP, TLS, SCTP and WebSocket: no retransmission timers
    /// (A, E, G) and zero wait timers (D, I, J, K), RFC 3261 §17.
    pub reliable: bool,
    /// The connection or socket the IO edge uses for this peer.
    pub connection: ConnectionId,
}

impl Peer {
    /// A peer reached over an unreliable transport (UDP).
    pub fn unreliable(addr: SocketAddr, connection: ConnectionId) -> Peer {
        Peer {
            addr,
            reliable: false,
            connection,
        }
    }

    /// A peer reached over a reliable transport (TCP, TLS, ...).
    pub fn reliable(addr: SocketAddr, connection: ConnectionId) -> Peer {
        Peer {
            addr,
            reliable: true,
            connection,
        }
    }
}
