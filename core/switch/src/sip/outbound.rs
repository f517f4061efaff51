//! Sending: over the UDP socket, or over a TCP connection the switch holds.

use super::{Origin, Transport};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use tokio::net::UdpSocket;
use tokio::sync::mpsc::Sender;

/// Most messages queued for one TCP connection; beyond it the peer is not
/// reading and further messages to it are dropped.
pub const MAX_TCP_QUEUE: usize = 1024;

/// The ways out.
pub struct Outbound {
    udp: Arc<UdpSocket>,
    connections: Mutex<HashMap<u64, Sender<Vec<u8>>>>,
}

impl Outbound {
    /// Sends over `udp` and over registered TCP connections.
    pub fn new(udp: Arc<UdpSocket>) -> Outbound {
        Outbound {
            udp,
            connections: Mutex::new(HashMap::new()),
        }
    }

    /// Registers a TCP connection's writer.
    pub fn add_connection(&self, id: u64, writer: Sender<Vec<u8>>) {
        self.lock().insert(id, writer);
    }

    /// Forgets a closed TCP connection.
    pub fn remove_connection(&self, id: u64) {
        self.lock().remove(&id);
    }

    /// Sends bytes back towards `origin`: the same TCP connection, or a
    /// UDP datagram to `udp_target`. False when it could not be sent.
    pub fn send(&self, origin: &Origin, udp_target: SocketAddr, bytes: Vec<u8>) -> bool {
        match origin.transport {
            Transport::Udp => match self.udp.try_send_to(&bytes, udp_target) {
                Ok(_) => true,
                Err(e) => {
                    tracing::debug!("SIP udp send to {udp_target} failed: {e}");
                    false
                }
            },
            Transport::Tcp(id) => match self.lock().get(&id) {
                Some(writer) => writer.try_send(bytes).is_ok(),
                None => {
                    tracing::debug!("SIP tcp connection {id} to {} is gone", origin.peer);
                    false
                }
            },
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<u64, Sender<Vec<u8>>>> {
        self.connections.lock().unwrap_or_else(|p| p.into_inner())
    }
}
