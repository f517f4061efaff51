//! What the layer hands back: datagrams to send, events for the TU, and
//! the verdicts on incoming requests and responses.

use super::key::{ClientKey, ServerKey, TransactionKey};
use super::peer::Peer;
use super::timers::Timer;
use crate::message::{ParseError, Request, Response};

/// A message to put on the wire, from
/// [`TransactionLayer::poll_transmit`](super::TransactionLayer::poll_transmit).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Transmit {
    /// Where to send it, and on which connection.
    pub peer: Peer,
    /// The message's wire form.
    pub bytes: Vec<u8>,
    /// The transaction that sent it (`None` for
    /// [`send_stateless`](super::TransactionLayer::send_stateless)); pass it
    /// to [`on_transport_error`](super::TransactionLayer::on_transport_error)
    /// if sending fails.
    pub key: Option<TransactionKey>,
    /// True for a retransmission (timers A, E, G, or a repeated answer to a
    /// retransmitted request or response); useful for statistics.
    pub retransmission: bool,
}

/// Something the TU should know that did not come back from a call, from
/// [`TransactionLayer::poll_event`](super::TransactionLayer::poll_event).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TransactionEvent {
    /// A timer ended the transaction without an answer: Timer B or F (the
    /// client TU treats it as a `408 Request Timeout`, RFC 3261 §8.1.3.1),
    /// Timer H (the ACK never came: the server TU treats the call as
    /// failed), or [`Timer::Guard`].
    Timeout {
        /// The transaction.
        key: TransactionKey,
        /// Which timer fired.
        timer: Timer,
    },
    /// The transport failed to deliver for this transaction (reported by
    /// the IO edge); the client TU treats it as a `503 Service
    /// Unavailable` (§8.1.3.1).
    TransportError {
        /// The transaction.
        key: TransactionKey,
    },
    /// The transaction reached Terminated and was removed; its key is free.
    Terminated {
        /// The transaction.
        key: TransactionKey,
    },
}

/// What became of an incoming request, from
/// [`TransactionLayer::on_request`](super::TransactionLayer::on_request).
#[derive(Debug)]
pub enum RequestDisposition {
    /// A new server transaction; the TU answers it with
    /// [`respond`](super::TransactionLayer::respond). For an INVITE, a
    /// `100 Trying` has already been queued if
    /// [`Config::send_100_trying`](super::Config::send_100_trying) is set.
    New {
        /// The new transaction.
        key: ServerKey,
        /// The request.
        request: Request,
    },
    /// A retransmission, absorbed; the last response sent (if any) was
    /// queued again.
    Retransmission {
        /// The transaction it belongs to.
        key: ServerKey,
    },
    /// The ACK for a non-2xx final response (or a repeat of it), absorbed
    /// by the INVITE server transaction.
    AckAbsorbed {
        /// The INVITE transaction.
        key: ServerKey,
    },
    /// An ACK for the TU (the dialog layer): it acknowledges a 2xx. It
    /// matched no transaction (the normal case: a 2xx ACK has its own
    /// branch), or reached an INVITE transaction in the Accepted state
    /// (RFC 6026), which passes it on.
    Ack {
        /// The Accepted INVITE transaction it reached, if any.
        transaction: Option<ServerKey>,
        /// The ACK.
        request: Request,
    },
    /// A CANCEL that matched an INVITE server transaction (RFC 3261 §9.2).
    /// The layer has already answered the CANCEL `200 OK` (with the To tag
    /// of the INVITE's last response, when it had one); if `pending`, the
    /// TU should answer the INVITE `487 Request Terminated` with
    /// [`respond`](super::TransactionLayer::respond).
    Cancel {
        /// The CANCEL's own (non-INVITE) server transaction.
        key: ServerKey,
        /// The INVITE transaction it cancels.
        invite: ServerKey,
        /// True if the INVITE had not yet received a final response.
        pending: bool,
        /// The CANCEL.
        request: Request,
    },
    /// A CANCEL that matched no INVITE server transaction; the layer has
    /// answered it `481 Call/Transaction Does Not Exist`.
    CancelUnmatched {
        /// The CANCEL's own server transaction.
        key: ServerKey,
        /// The CANCEL.
        request: Request,
    },
    /// The request lacks what transaction matching needs (a Via, CSeq,
    /// Call-ID, From or To that parses); no transaction was created. The
    /// TU may answer it statelessly with `400` and `reason` as the phrase.
    Invalid {
        /// What is wrong.
        reason: ParseError,
        /// The request.
        request: Request,
    },
    /// The transaction table is full
    /// ([`Config::max_transactions`](super::Config::max_transactions)); no
    /// transaction was created. The TU may answer statelessly with `503`
    /// and a Retry-After.
    Overloaded {
        /// The request.
        request: Request,
    },
}

/// What became of an incoming response, from
/// [`TransactionLayer::on_response`](super::TransactionLayer::on_response).
#[derive(Debug)]
pub enum ResponseDisposition {
    /// A response for the TU of this client transaction: a provisional, the
    /// final response, or, while an INVITE is Accepted, a 2xx from another
    /// fork (a new To tag).
    ToTu {
        /// The client transaction.
        key: ClientKey,
        /// The response.
        response: Response,
    },
    /// A retransmitted 2xx caught while the INVITE client transaction is
    /// Accepted (Timer M). RFC 6026 §8.4 has these passed up rather than
    /// dropped: the TU (dialog) re-sends its ACK for the 2xx; the
    /// transaction itself sends nothing.
    Retransmitted2xx {
        /// The client transaction.
        key: ClientKey,
        /// The response.
        response: Response,
    },
    /// A retransmission absorbed by the transaction (a repeated non-2xx
    /// final answer re-sends the ACK; other repeats are dropped).
    Absorbed {
        /// The client transaction.
        key: ClientKey,
    },
    /// No client transaction matches (or the status code is out of
    /// range). A late 2xx for a terminated INVITE is the dialog layer's
    /// business; anything else may be dropped (RFC 3261 §18.1.2).
    Stray {
        /// The response.
        response: Response,
    },
}
