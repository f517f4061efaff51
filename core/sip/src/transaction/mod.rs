//! SIP transactions, sans-IO (RFC 3261 §17 as updated by RFC 6026).
//!
//! A [`TransactionLayer`] holds every client and server transaction. The
//! IO edge feeds it parsed requests and responses with the time they
//! arrived, and time itself; it returns [`Transmit`]s to put on the wire,
//! [`TransactionEvent`]s for the TU and the next timer deadline. Nothing
//! here reads a clock, opens a socket or panics on input.
//!
//! - [`key`]: matching (§17.1.3, §17.2.3 with the RFC 2543 fallback, §9.2).
//! - [`timers`]: T1/T2/T4 and timers A–M.
//! - The four machines: INVITE and non-INVITE, client and server.
//! - [`derived`]: the ACK for non-2xx (§17.1.1.3) and CANCEL (§9.1).
//! - [`BranchGenerator`]: `z9hG4bK` branches and tags for the TU.
//!
//! Timer C is not implemented: it is a proxy timer, and Switchyard is a
//! user agent (B2BUA). [`Timer::Guard`] bounds what would otherwise live
//! forever (see [`Config::proceeding_limit`]).
//!
//! The IO edge's loop:
//!
//! ```text
//! loop {
//!     select! {
//!         datagram/frame from peer => match parse(bytes) {
//!             Request(r)  => handle(layer.on_request(r, peer, now())),
//!             Response(r) => handle(layer.on_response(r, now())),
//!         },
//!         sleep_until(layer.poll_timeout()) => layer.handle_timeout(now()),
//!         command from TU => layer.send_request(..) / layer.respond(..),
//!     }
//!     while let Some(t) = layer.poll_transmit() {
//!         if send(t.peer, &t.bytes).is_err() { if let Some(k) = t.key { layer.on_transport_error(&k); } }
//!     }
//!     while let Some(e) = layer.poll_event() { tu.deliver(e) }
//! }
//! ```

mod branch;
mod client_invite;
mod client_non_invite;
mod config;
pub mod derived;
mod effects;
mod error;
pub mod key;
mod layer;
mod machine;
mod output;
mod peer;
mod server_invite;
mod server_non_invite;
mod state;
pub mod timers;

pub use branch::BranchGenerator;
pub use config::Config;
pub use derived::{ack_for_non_2xx, cancel_for};
pub use error::{RespondError, SendError};
pub use key::{ClientKey, MAGIC_COOKIE, ServerKey, TransactionKey, is_rfc3261_branch};
pub use layer::TransactionLayer;
pub use output::{RequestDisposition, ResponseDisposition, TransactionEvent, Transmit};
pub use peer::{ConnectionId, Peer};
pub use state::TransactionState;
pub use timers::{Timer, TimerConfig};
