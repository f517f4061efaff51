//! The INVITE server transaction (RFC 3261 §17.2.1, RFC 6026 §7.1):
//! Proceeding → Completed → Confirmed, or Proceeding → Accepted, then
//! Terminated; timers G, H, I, L.

use std::time::{Duration, Instant};

use super::effects::{AckVerdict, Class, Effects};
use super::error::RespondError;
use super::state::TransactionState;
use super::timers::{Timer, TimerConfig, TimerSet, after};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    Proceeding,
    Completed,
    Confirmed,
    Accepted,
    Terminated,
}

/// One INVITE server transaction.
#[derive(Debug)]
pub(crate) struct ServerInvite {
    state: State,
    reliable: bool,
    timers_config: TimerConfig,
    /// The last response sent, re-sent on INVITE retransmissions and by Timer G.
    last_response: Option<Vec<u8>>,
    /// The To tag of the last response sent (RFC 2543 ACK matching, CANCEL).
    response_to_tag: Option<String>,
    g_interval: Duration,
    timers: TimerSet,
}

impl ServerInvite {
    /// Creates the transaction for a new INVITE; `trying` is an immediate
    /// `100 Trying` to send, if configured. The guard bounds how long the
    /// TU may leave the INVITE unanswered.
    pub(crate) fn start(
        trying: Option<Vec<u8>>,
        reliable: bool,
        timers_config: TimerConfig,
        proceeding_limit: Duration,
        now: Instant,
        fx: &mut Effects,
    ) -> ServerInvite {
        if let Some(bytes) = &trying {
            fx.send(bytes);
        }
        let mut timers = TimerSet::default();
        timers.arm(Timer::Guard, after(now, proceeding_limit));
        ServerInvite {
            state: State::Proceeding,
            reliable,
            timers_config,
            last_response: trying,
            response_to_tag: None,
            g_interval: timers_config.timer_g(),
            timers,
        }
    }

    /// A retransmission of the INVITE: re-send the last response while
    /// Proceeding or Completed; absorb it when Confirmed or Accepted.
    pub(crate) fn on_retransmission(&mut self, fx: &mut Effects) {
        if matches!(self.state, State::Proceeding | State::Completed)
            && let Some(bytes) = &self.last_response
        {
            fx.resend(bytes);
        }
    }

    /// An ACK matched this transaction.
    pub(crate) fn on_ack(&mut self, now: Instant) -> AckVerdict {
        match self.state {
            State::Completed => {
                self.state = State::Confirmed;
                self.timers.clear();
                let i = self.timers_config.timer_i(self.reliable);
                if i.is_zero() {
                    self.terminate();
                } else {
                    self.timers.arm(Timer::I, after(now, i));
                }
                AckVerdict::Absorbed
            }
            State::Accepted => AckVerdict::ToTu,
            State::Proceeding | State::Confirmed | State::Terminated => AckVerdict::Absorbed,
        }
    }

    /// The TU sends a response.
    pub(crate) fn respond(
        &mut self,
        status: u16,
        bytes: Vec<u8>,
        to_tag: Option<String>,
        now: Instant,
        fx: &mut Effects,
    ) -> Result<(), RespondError> {
        let class = Class::of(status).ok_or(RespondError::BadStatus(status))?;
        match (self.state, class) {
            (State::Proceeding, Class::Provisional) => {}
            (State::Proceeding, Class::Success) => {
                self.state = State::Accepted;
                self.timers.clear();
                self.timers
                    .arm(Timer::L, after(now, self.timers_config.timer_l()));
            }
            (State::Accepted, Class::Success) => {}
            (State::Proceeding, Class::Failure) => {
                self.state = State::Completed;
                self.timers.clear();
                if !self.reliable {
                    self.timers
                        .arm(Timer::G, after(now, self.timers_config.timer_g()));
                }
                self.timers
                    .arm(Timer::H, after(now, self.timers_config.timer_h()));
            }
            _ => {
                return Err(RespondError::WrongState {
                    state: self.state(),
                    status,
                });
            }
        }
        fx.send(&bytes);
        self.last_response = Some(bytes);
        if to_tag.is_some() {
            self.response_to_tag = to_tag;
        }
        Ok(())
    }

    /// Fires the timers due at `now`.
    pub(crate) fn on_timer(&mut self, now: Instant, fx: &mut Effects) {
        match self.state {
            State::Proceeding => {
                if self.timers.is_due(Timer::Guard, now) {
                    fx.timeouts.push(Timer::Guard);
                    self.terminate();
                }
            }
            State::Completed => {
                if self.timers.is_due(Timer::H, now) {
                    fx.timeouts.push(Timer::H);
                    self.terminate();
                } else if self.timers.is_due(Timer::G, now) {
                    if let Some(bytes) = &self.last_response {
                        fx.resend(bytes);
                    }
                    self.g_interval = self.timers_config.backoff_capped(self.g_interval);
                    self.timers.arm(Timer::G, after(now, self.g_interval));
                }
            }
            State::Confirmed => {
                if self.timers.is_due(Timer::I, now) {
                    self.terminate();
                }
            }
            State::Accepted => {
                if self.timers.is_due(Timer::L, now) {
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

    /// The To tag of the last response sent.
    pub(crate) fn response_to_tag(&self) -> Option<&str> {
        self.response_to_tag.as_deref()
    }

    /// True until a final response was sent.
    pub(crate) fn awaits_final(&self) -> bool {
        self.state == State::Proceeding
    }

    /// The earliest armed deadline.
    pub(crate) fn next_deadline(&self) -> Option<Instant> {
        self.timers.next()
    }

    /// The state, as reported to the TU.
    pub(crate) fn state(&self) -> TransactionState {
        match self.state {
            State::Proceeding => TransactionState::Proceeding,
            State::Completed => TransactionState::Completed,
            State::Confirmed => TransactionState::Confirmed,
            State::Accepted => TransactionState::Accepted,
            State::Terminated => TransactionState::Terminated,
        }
    }
}
