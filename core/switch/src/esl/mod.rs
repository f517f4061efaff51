//! The event socket: FreeSWITCH's mod_event_socket protocol on TCP, so ESL
//! client libraries and `switchyard cli` drive the switch the same way.
//!
//! Every connection must authenticate within the configured time; the number
//! of connections is bounded; replies, events and log lines for one client
//! are written by that client's own task, so a slow client only slows itself.

mod connection;
pub mod protocol;

use crate::switch::Switch;
use std::sync::Arc;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpListener;

/// Accepts event-socket connections until the switch shuts down.
pub async fn serve(listener: TcpListener, switch: Arc<Switch>, password: Arc<str>) {
    let mut shutdown = switch.shutdown_signal();
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = shutdown.wait_for(|down| *down) => break,
        };
        let (mut stream, peer) = match accepted {
            Ok(pair) => pair,
            Err(e) => {
                // Out of file descriptors and similar: back off briefly.
                tracing::warn!("event socket accept failed: {e}");
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let limit = switch.config().settings.esl_max_connections;
        if switch.esl_connection_count() >= limit {
            tracing::warn!("event socket: refused {peer}, {limit} connections already open");
            tokio::spawn(async move {
                let notice = protocol::disconnect_notice(&format!(
                    "-ERR too many connections (limit {limit})"
                ));
                let _ = tokio::time::timeout(std::time::Duration::from_secs(1), async {
                    let _ = stream.write_all(&notice).await;
                    let _ = stream.shutdown().await;
                })
                .await;
            });
            continue;
        }
        let guard = switch.esl_connection();
        let switch = Arc::clone(&switch);
        let password = Arc::clone(&password);
        tokio::spawn(async move {
            connection::run(stream, peer, switch, password).await;
            drop(guard);
        });
    }
}
