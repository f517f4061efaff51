//! The states transactions report, across all four machines.

/// The state of a transaction (RFC 3261 §17 figures 5–8, RFC 6026).
///
/// Terminated transactions are removed from the layer at once, so a
/// lookup never reports that state; it exists for completeness of the
/// machines' own views.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TransactionState {
    /// INVITE client: request sent, no response yet.
    Calling,
    /// Non-INVITE client or server: request sent or received, no response yet.
    Trying,
    /// A provisional response was received (client) or sent (server), or an
    /// INVITE server transaction awaits the TU's answer.
    Proceeding,
    /// A final response was received (client) or sent (server); absorbing
    /// retransmissions.
    Completed,
    /// INVITE server: ACK received for a non-2xx final response.
    Confirmed,
    /// INVITE: a 2xx was received or sent (RFC 6026).
    Accepted,
    /// Done; about to be removed.
    Terminated,
}
