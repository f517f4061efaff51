//! The non-INVITE client transaction (RFC 3261 §17.1.2): Trying →
//! Proceeding → Completed → Terminated, timers E, F, K.

use std::time::{Duration, Instant};

use super::effects::{Class, ClientVerdict, Effects};
use super::state::TransactionState;
use super::timers::{Timer, TimerConfig, TimerSet, after};
use crate::message::Response;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    Trying,
    Proceeding,
    Completed,
    Terminated,
}

/// One non-INVITE client transaction.
#[derive(Debug)]
pub(crate) struct ClientNonInvite {
    state: State,
    reliable: bool,
    timers_config: TimerConfig,
    request_bytes: Vec<u8>,
    e_interval: Duration,
    timers: TimerSet,
}

impl ClientNonInvite {
    /// Sends the request and arms Timer E (unreliable only) and Timer F.
    pub(crate) fn start(
        request_bytes: Vec<u8>,
        reliable: bool,
        timers_config: TimerConfig,
        now: Instant,
        fx: &mut Effects,
    ) -> ClientNonInvite {
        fx.send(&request_bytes);
        let mut timers = TimerSet::default();
        if !reliable {
            timers.arm(Timer::E, after(now, timers_config.timer_e()));
        }
        timers.arm(Timer::F, after(now, timers_config.timer_f()));
        ClientNonInvite {
            state: State::Trying,
            reliable,
            timers_config,
            request_bytes,
            e_interval: timers_config.timer_e(),
            timers,
        }
    }

    /// Handles a response matched to this transaction.
    pub(crate) fn on_response(&mut self, response: &Response, now: Instant) -> ClientVerdict {
        let Some(class) = Class::of(response.status()) else {
            return ClientVerdict::Absorbed;
        };
        match (self.state, class) {
            (State::Trying | State::Proceeding, Class::Provisional) => {
                self.state = State::Proceeding;
                ClientVerdict::ToTu
            }
            (State::Trying | State::Proceeding, Class::Success | Class::Failure) => {
                self.state = State::Completed;
                self.timers.clear();
                let k = self.timers_config.timer_k(self.reliable);
                if k.is_zero() {
                    self.terminate();
                } else {
                    self.timers.arm(Timer::K, after(now, k));
                }
                ClientVerdict::ToTu
            }
            _ => ClientVerdict::Absorbed,
        }
    }

    /// Fires the timers due at `now`.
    pub(crate) fn on_timer(&mut self, now: Instant, fx: &mut Effects) {
        match self.state {
            State::Trying | State::Proceeding => {
                if self.timers.is_due(Timer::F, now) {
                    fx.timeouts.push(Timer::F);
                    self.terminate();
                } else if self.timers.is_due(Timer::E, now) {
                    fx.resend(&self.request_bytes);
                    self.e_interval = if self.state == State::Trying {
                        self.timers_config.backoff_capped(self.e_interval)
                    } else {
                        self.timers_config.t2
                    };
                    self.timers.arm(Timer::E, after(now, self.e_interval));
                }
            }
            State::Completed => {
                if self.timers.is_due(Timer::K, now) {
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
