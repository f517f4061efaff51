//! The TCP transport: messages framed by Content-Length on a stream
//! (RFC 3261 §18.3), CRLF keep-alives answered (RFC 5626 §3.5.1), framing
//! errors answered with the right status before the connection is closed.
//! Connections are accepted from peers, or opened by the switch to reach a
//! peer that has none open ([`connect`]); both are served alike.

use super::outbound::{MAX_TCP_QUEUE, Outbound};
use super::{Inbound, Origin, Transport, limits};
use crossbeam_channel::Sender;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use switchyard_sip::message::{Frame, Message, Response, StreamFramer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

static NEXT_CONNECTION: AtomicU64 = AtomicU64::new(1);

/// Accepts connections until shutdown.
pub async fn accept(
    listener: TcpListener,
    outbound: Arc<Outbound>,
    inbound: Sender<Inbound>,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) {
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = shutdown.wait_for(|down| *down) => return,
        };
        match accepted {
            Ok((stream, peer)) => {
                let _ = stream.set_nodelay(true);
                let id = NEXT_CONNECTION.fetch_add(1, Ordering::Relaxed);
                tokio::spawn(serve(
                    stream,
                    peer,
                    id,
                    Arc::clone(&outbound),
                    inbound.clone(),
                    shutdown.clone(),
                ));
            }
            Err(e) => {
                tracing::warn!("SIP tcp accept failed: {e}");
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
        }
    }
}

/// How long the switch waits for a connection it opens.
const CONNECT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// Opens a connection to `peer` on the runtime `runtime`; returns its id at
/// once. Messages sent to it meanwhile are queued and written once it is
/// up; when it cannot be opened, the dispatcher is told it closed (so the
/// transactions on it fail over to their transport-error path).
pub fn connect(
    runtime: &tokio::runtime::Handle,
    peer: SocketAddr,
    outbound: Arc<Outbound>,
    inbound: Sender<Inbound>,
    shutdown: tokio::sync::watch::Receiver<bool>,
) -> u64 {
    let id = NEXT_CONNECTION.fetch_add(1, Ordering::Relaxed);
    let (tx, rx) = tokio::sync::mpsc::channel::<Vec<u8>>(MAX_TCP_QUEUE);
    outbound.add_connection(id, peer, tx.clone());
    runtime.spawn(async move {
        match tokio::time::timeout(CONNECT_TIMEOUT, TcpStream::connect(peer)).await {
            Ok(Ok(stream)) => {
                let _ = stream.set_nodelay(true);
                run(stream, peer, id, outbound, inbound, shutdown, tx, rx).await;
            }
            Ok(Err(e)) => {
                tracing::info!("SIP tcp: cannot connect to {peer}: {e}");
                closed(id, &outbound, &inbound);
            }
            Err(_) => {
                tracing::info!("SIP tcp: no answer connecting to {peer}");
                closed(id, &outbound, &inbound);
            }
        }
    });
    id
}

/// A connection that never came up: forgotten, and the dispatcher told.
fn closed(id: u64, outbound: &Outbound, inbound: &Sender<Inbound>) {
    outbound.remove_connection(id);
    let _ = inbound.try_send(Inbound::CloseConnection {
        id,
        last_words: None,
    });
}

async fn serve(
    stream: TcpStream,
    peer: SocketAddr,
    id: u64,
    outbound: Arc<Outbound>,
    inbound: Sender<Inbound>,
    shutdown: tokio::sync::watch::Receiver<bool>,
) {
    let (tx, rx) = tokio::sync::mpsc::channel::<Vec<u8>>(MAX_TCP_QUEUE);
    outbound.add_connection(id, peer, tx.clone());
    run(stream, peer, id, outbound, inbound, shutdown, tx, rx).await;
}

/// Reads and frames messages from a connection, writes what is queued for
/// it, until either side closes.
#[allow(clippy::too_many_arguments)]
async fn run(
    stream: TcpStream,
    peer: SocketAddr,
    id: u64,
    outbound: Arc<Outbound>,
    inbound: Sender<Inbound>,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
    tx: tokio::sync::mpsc::Sender<Vec<u8>>,
    mut rx: tokio::sync::mpsc::Receiver<Vec<u8>>,
) {
    let (mut reader, mut writer) = stream.into_split();
    let writer_task = tokio::spawn(async move {
        while let Some(bytes) = rx.recv().await {
            if writer.write_all(&bytes).await.is_err() {
                break;
            }
        }
        let _ = writer.shutdown().await;
    });
    let origin = Origin {
        peer,
        transport: Transport::Tcp(id),
    };
    let mut last_words = None;
    let mut framer = StreamFramer::new(limits());
    let mut buffer: Vec<u8> = Vec::with_capacity(16 * 1024);
    let mut chunk = vec![0u8; 16 * 1024];
    'connection: loop {
        let read = tokio::select! {
            read = reader.read(&mut chunk) => read,
            _ = shutdown.wait_for(|down| *down) => break,
        };
        match read {
            Ok(0) | Err(_) => break,
            Ok(n) => buffer.extend_from_slice(&chunk[..n]),
        }
        loop {
            match framer.next_frame(&buffer) {
                Ok(Frame::Incomplete) => break,
                Ok(Frame::Ping { consumed }) => {
                    buffer.drain(..consumed);
                    let _ = tx.try_send(b"\r\n".to_vec());
                }
                Ok(Frame::Pong { consumed }) => {
                    buffer.drain(..consumed);
                }
                Ok(Frame::Message { message, consumed }) => {
                    buffer.drain(..consumed);
                    if inbound
                        .try_send(Inbound::Message { message, origin })
                        .is_err()
                    {
                        tracing::warn!("SIP: dispatcher overloaded, dropped a message from {peer}");
                    }
                }
                Err(error) => {
                    // The stream cannot be resynchronised: answer what can be
                    // answered, then close.
                    if let Some(head) = error.head
                        && let Message::Request(request) = *head
                        && let Ok(response) = Response::for_request(
                            &request,
                            error.error.status_code(),
                            &error.error.to_string(),
                        )
                    {
                        last_words = Some(response.to_bytes());
                    }
                    tracing::info!("SIP tcp {peer}: {}; closing the connection", error.error);
                    break 'connection;
                }
            }
        }
    }
    // Closing goes through the dispatcher, so that answers to the messages
    // received before are written first.
    drop(tx);
    if inbound
        .try_send(Inbound::CloseConnection { id, last_words })
        .is_err()
    {
        outbound.remove_connection(id);
    }
    let _ = tokio::time::timeout(std::time::Duration::from_secs(2), writer_task).await;
}
