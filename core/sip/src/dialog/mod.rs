//! SIP dialogs, sans-IO (RFC 3261 §12–§15).
//!
//! A [`Dialog`] is the peer-to-peer relationship an INVITE sets up: its id
//! (Call-ID and both tags), the addresses both ends put in From/To, the
//! remote target (the peer's Contact), the route set (Record-Route) and both
//! CSeq counters. It reads messages and builds messages; it never sends,
//! reads a clock or panics on input. Bodies (SDP) are opaque bytes: offer
//! and answer belong to the layer above.
//!
//! - [`Dialog::uac_from_response`] and [`Dialog::uas_from_request`] create a
//!   dialog (§12.1); [`Dialog::prepare_response`] gives the UAS's responses
//!   their To tag, Contact and Record-Route echo (§12.1.1).
//! - [`Dialog::new_request`] builds BYE, INFO, UPDATE, re-INVITE, OPTIONS,
//!   REFER, NOTIFY, MESSAGE ... with the Request-URI and Route headers of
//!   §12.2.1.1 (loose and strict routing); [`Dialog::ack_for_2xx`] builds the
//!   ACK for a 2xx (§13.2.2.4).
//! - [`Dialog::on_request`] checks and takes a request from the peer
//!   (§12.2.2: 481, 500 for CSeq out of order, 491 for glare, target
//!   refresh); [`Dialog::on_response`] takes a response to a request of ours
//!   (§12.2.1.2: target refresh, 481/408 end the dialog).
//! - [`DialogSet`] finds the dialog an incoming request or response belongs
//!   to, and turns forked responses to one INVITE into separate dialogs.
//!
//! **Via.** Requests built here carry exactly one Via, the one the caller
//! passes in (the dialog does not know the transport or the sent-by
//! address). [`LocalVia`] writes that value with a fresh branch from a
//! [`BranchGenerator`](crate::transaction::BranchGenerator):
//!
//! ```text
//! let bye = dialog.new_request(Method::Bye, &local_via.fresh(&mut branches))?;
//! layer.send_request(bye, peer_for(dialog.next_hop()), now)?;
//! ```
//!
//! Send in-dialog requests with
//! [`TransactionLayer::send_request`](crate::transaction::TransactionLayer::send_request)
//! and the ACK for a 2xx with
//! [`send_stateless`](crate::transaction::TransactionLayer::send_stateless):
//! it has no transaction of its own.

mod create;
mod error;
mod id;
mod incoming;
mod outgoing;
mod responses;
mod routing;
mod set;
mod state;
mod text;
mod uas_response;
mod via;

pub use error::DialogError;
pub use id::DialogId;
pub use set::{DialogSet, InviteOutcome};
pub use state::{Dialog, DialogChange, DialogState, Role};
pub use via::LocalVia;
