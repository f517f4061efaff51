//! The UDP transport: one datagram, one message (RFC 3261 §18.3).

use super::{Inbound, Origin, Transport, limits};
use crossbeam_channel::Sender;
use std::sync::Arc;
use switchyard_sip::message::Datagram;
use tokio::net::UdpSocket;

/// Receives datagrams until shutdown; parsed messages go to the dispatcher.
pub async fn receive(
    socket: Arc<UdpSocket>,
    inbound: Sender<Inbound>,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) {
    let limits = limits();
    // A datagram cannot exceed 64 KiB.
    let mut buffer = vec![0u8; 65_536];
    loop {
        let received = tokio::select! {
            received = socket.recv_from(&mut buffer) => received,
            _ = shutdown.wait_for(|down| *down) => return,
        };
        let (len, peer) = match received {
            Ok(pair) => pair,
            Err(e) => {
                // ICMP errors surface here on some systems; keep serving.
                tracing::debug!("SIP udp receive: {e}");
                continue;
            }
        };
        match Datagram::parse(&buffer[..len], &limits) {
            Ok(Datagram::Message(message)) => {
                let origin = Origin {
                    peer,
                    transport: Transport::Udp,
                };
                if inbound
                    .try_send(Inbound::Message { message, origin })
                    .is_err()
                {
                    tracing::warn!("SIP: dispatcher overloaded, dropped a datagram from {peer}");
                }
            }
            Ok(Datagram::KeepAlive) => {}
            Err(e) => tracing::debug!("SIP udp: unparsable datagram from {peer}: {e}"),
        }
    }
}
