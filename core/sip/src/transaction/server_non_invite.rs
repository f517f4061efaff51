//! The non-INVITE server transaction (RFC 3261 §17.2.2): Trying →
//! Proceeding → Completed → Terminated, timer J.

use std::time::Instant;

use super::effects::{Class, Effects};
use super::error::RespondError;
use super::state::TransactionState;
use super::timers::{Timer, TimerConfig, TimerSet, after};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    Trying,
    Proceeding,
    Completed,
    Terminated,
}

/// One non-INVITE server transaction.
#[derive(Debug)]
pub(crate) struct ServerNonInvite {
    state: State,
    reliable: bool,
    timers_config: TimerConfig,
    last_response: Option<Vec<u8>>,
    timers: TimerSet,
}

impl ServerNonInvite {
    /// Creates the transaction for a new request. The guard (64·T1, when
    /// the client has given up at Timer F) ends it if the TU never answers.
    pub(crate) fn start(
        reliable: bool,
        timers_config: TimerConfig,
        now: Instant,
    ) -> ServerNonInvite {
        let mut timers = TimerSet::default();
        timers.arm(Timer::Guard, after(now, timers_config.sixty_four_t1()));
        ServerNonInvite {
            state: State::Trying,
            reliable,
            timers_config,
            last_response: None,
            timers,
        }
    }

    /// A retransmission of the request: absorbed while Trying, answered
    /// with the last response while Proceeding or Completed.
    pub(crate) fn on_retransmission(&mut self, fx: &mut Effects) {
        if matches!(self.state, State::Proceeding | State::Completed)
            && let Some(bytes) = &self.last_response
        {
            fx.resend(bytes);
        }
    }

    /// The TU sends a response.
    pub(crate) fn respond(
        &mut self,
        status: u16,
        bytes: Vec<u8>,
        now: Instant,
        fx: &mut Effects,
    ) -> Result<(), RespondError> {
        let class = Class::of(status).ok_or(RespondError::BadStatus(status))?;
        match (self.state, class) {
            (State::Trying | State::Proceeding, Class::Provisional) => {
                self.state = State::Proceeding;
                fx.send(&bytes);
                self.last_response = Some(bytes);
            }
            (State::Trying | State::Proceeding, Class::Success | Class::Failure) => {
                fx.send(&bytes);
                self.last_response = Some(bytes);
                self.state = State::Completed;
                self.timers.clear();
                let j = self.timers_config.timer_j(self.reliable);
                if j.is_zero() {
                    self.terminate();
                } else {
                    self.timers.arm(Timer::J, after(now, j));
                }
            }
            _ => {
                return Err(RespondError::WrongState {
                    state: self.state(),
                    status,
                });
            }
        }
        Ok(())
    }

    /// Fires the timers due at `now`.
    pub(crate) fn on_timer(&mut self, now: Instant, fx: &mut Effects) {
        match self.state {
            State::Trying | State::Proceeding => {
                if self.timers.is_due(Timer::Guard, now) {
                    fx.timeouts.push(Timer::Guard);
                    self.terminate();
                }
            }
            State::Completed => {
                if self.timers.is_due(Timer::J, now) {
                    self.terminate();
                }
            }
            State::Terminated => {}
        }
    }

    /// The transport reported a failure: the transaction ends.
    pub(crate) fn on_transport_error(&mut self) {
        self.terminate();
    }

    fn terminate(&mut self) {
        self.state = State::Terminated;
        self.timers.clear();
    }

    /// For a transaction Completed over an unreliable transport: its final
    /// response and when Timer J fires, taken out so the layer can keep
    /// just those (all a Completed transaction still does is answer
    /// retransmissions until Timer J). `None` in any other case.
    pub(crate) fn take_completed(&mut self) -> Option<(Vec<u8>, Instant)> {
        if self.state != State::Completed || self.reliable {
            return None;
        }
        let j = self.timers.deadline(Timer::J)?;
        let response = self.last_response.take()?;
        Some((response, j))
    }

    /// The earliest armed deadline.
    pub(crate) fn next_deadline(&self) -> Option<Instant> {
        self.timers.next()
    }

    /// The state, as reported to the TU.
    pub(crate) fn state(&self) -> TransactionState {
        match self.state {
            State::Trying => TransactionState::Trying,
            State::Proceeding => TransactionState::Proceeding,
            State::Completed => TransactionState::Completed,
            State::Terminated => TransactionState::Terminated,
        }
    }
}
