//! The four state machines behind one type, so the layer can store,
//! time and terminate them alike.

use std::time::Instant;

use super::client_invite::ClientInvite;
use super::client_non_invite::ClientNonInvite;
use super::effects::Effects;
use super::server_invite::ServerInvite;
use super::server_non_invite::ServerNonInvite;
use super::state::TransactionState;

/// One transaction's state machine.
#[derive(Debug)]
#[expect(
    clippy::enum_variant_names,
    reason = "the variants are the RFC's four transaction kinds"
)]
pub(crate) enum Machine {
    ClientInvite(ClientInvite),
    ClientNonInvite(ClientNonInvite),
    ServerInvite(ServerInvite),
    ServerNonInvite(ServerNonInvite),
}

impl Machine {
    /// Fires the timers due at `now`.
    pub(crate) fn on_timer(&mut self, now: Instant, fx: &mut Effects) {
        match self {
            Machine::ClientInvite(m) => m.on_timer(now, fx),
            Machine::ClientNonInvite(m) => m.on_timer(now, fx),
            Machine::ServerInvite(m) => m.on_timer(now, fx),
            Machine::ServerNonInvite(m) => m.on_timer(now, fx),
        }
    }

    /// The transport failed for this transaction.
    pub(crate) fn on_transport_error(&mut self) {
        match self {
            Machine::ClientInvite(m) => m.on_transport_error(),
            Machine::ClientNonInvite(m) => m.on_transport_error(),
            Machine::ServerInvite(m) => m.on_transport_error(),
            Machine::ServerNonInvite(m) => m.on_transport_error(),
        }
    }

    /// The earliest armed deadline.
    pub(crate) fn next_deadline(&self) -> Option<Instant> {
        match self {
            Machine::ClientInvite(m) => m.next_deadline(),
            Machine::ClientNonInvite(m) => m.next_deadline(),
            Machine::ServerInvite(m) => m.next_deadline(),
            Machine::ServerNonInvite(m) => m.next_deadline(),
        }
    }

    /// The state.
    pub(crate) fn state(&self) -> TransactionState {
        match self {
            Machine::ClientInvite(m) => m.state(),
            Machine::ClientNonInvite(m) => m.state(),
            Machine::ServerInvite(m) => m.state(),
            Machine::ServerNonInvite(m) => m.state(),
        }
    }

    /// True once the machine reached Terminated.
    pub(crate) fn is_terminated(&self) -> bool {
        self.state() == TransactionState::Terminated
    }
}
