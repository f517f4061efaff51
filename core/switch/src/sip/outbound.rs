//! Sending: over the UDP socket, or over a TCP connection the switch holds.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use switchyard_sip::transaction::Peer;
use tokio::net::UdpSocket;
use tokio::sync::mpsc::Sender;

/// Most messages queued for one TCP connection; beyond it the peer is not
/// reading and further messages to it are dropped.
pub const MAX_TCP_QUEUE: usize = 1024;

/// The ways out.
pub struct Outbound {
    udp: Arc<UdpSocket>,
    connections: Mutex<HashMap<u64, Sender<Vec<u8>>>>,
    by_address: Mutex<HashMap<std::net::SocketAddr, u64>>,
}

impl Outbound {
    /// Sends over `udp` and over registered TCP connections.
    pub fn new(udp: Arc<UdpSocket>) -> Outbound {
        Outbound {
            udp,
            connections: Mutex::new(HashMap::new()),
            by_address: Mutex::new(HashMap::new()),
        }
    }

    /// Registers a TCP connection's writer and the peer it talks to.
    pub fn add_connection(&self, id: u64, peer: std::net::SocketAddr, writer: Sender<Vec<u8>>) {
        self.lock().insert(id, writer);
        self.addresses().insert(peer, id);
    }

    /// Forgets a closed TCP connection.
    pub fn remove_connection(&self, id: u64) {
        self.lock().remove(&id);
        self.addresses().retain(|_, conn| *conn != id);
    }

    /// The open TCP connection to `peer`, for requests to a client that
    /// registered over TCP (it cannot be reached any other way behind NAT).
    pub fn connection_to(&self, peer: std::net::SocketAddr) -> Option<u64> {
        self.addresses().get(&peer).copied()
    }

    fn addresses(&self) -> std::sync::MutexGuard<'_, HashMap<std::net::SocketAddr, u64>> {
        self.by_address.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Sends bytes to a transaction-layer peer: over its TCP connection
    /// when reliable, else as a UDP datagram. False when it could not be sent.
    pub fn send_to(&self, peer: &Peer, bytes: Vec<u8>) -> bool {
        if peer.reliable {
            let id = peer.connection.0;
            match self.lock().get(&id) {
                Some(writer) => writer.try_send(bytes).is_ok(),
                None => {
                    tracing::debug!("SIP tcp connection {id} to {} is gone", peer.addr);
                    false
                }
            }
        } else {
            match self.udp.try_send_to(&bytes, peer.addr) {
                Ok(_) => true,
                Err(e) => {
                    tracing::debug!("SIP udp send to {} failed: {e}", peer.addr);
                    false
                }
            }
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<u64, Sender<Vec<u8>>>> {
        self.connections.lock().unwrap_or_else(|p| p.into_inner())
    }
}
