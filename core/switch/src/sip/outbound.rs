//! Sending: over the UDP socket, or over a TCP connection the switch holds.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use switchyard_sip::transaction::Peer;
use tokio::net::UdpSocket;
use tokio::sync::mpsc::Sender;

/// Most messages queued for one TCP connection; beyond it the peer is not
/// reading and further messages to it are dropped.
pub const MAX_TCP_QUEUE: usize = 1024;

/// What opening a TCP connection needs: the IO runtime to run it on, the
/// dispatcher's queue for what it receives, and the shutdown signal.
pub struct Connector {
    /// The IO runtime.
    pub runtime: tokio::runtime::Handle,
    /// Where received messages go.
    pub inbound: crossbeam_channel::Sender<super::Inbound>,
    /// The switch's shutdown signal.
    pub shutdown: tokio::sync::watch::Receiver<bool>,
}

/// The ways out.
pub struct Outbound {
    udp: Arc<UdpSocket>,
    connector: std::sync::OnceLock<Connector>,
    connections: Mutex<HashMap<u64, Sender<Vec<u8>>>>,
    by_address: Mutex<HashMap<std::net::SocketAddr, u64>>,
}

impl Outbound {
    /// Sends over `udp` and over registered TCP connections.
    pub fn new(udp: Arc<UdpSocket>) -> Outbound {
        Outbound {
            udp,
            connector: std::sync::OnceLock::new(),
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

    /// Lets the switch open TCP connections of its own.
    pub fn set_connector(&self, connector: Connector) {
        let _ = self.connector.set(connector);
    }

    /// A TCP connection to `peer`: the open one, else a new one the switch
    /// opens (messages queue until it is up). `None` before the connector
    /// is set.
    pub fn connection_or_connect(self: &Arc<Self>, peer: std::net::SocketAddr) -> Option<u64> {
        if let Some(id) = self.connection_to(peer) {
            return Some(id);
        }
        let connector = self.connector.get()?;
        Some(super::tcp::connect(
            &connector.runtime,
            peer,
            Arc::clone(self),
            connector.inbound.clone(),
            connector.shutdown.clone(),
        ))
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
