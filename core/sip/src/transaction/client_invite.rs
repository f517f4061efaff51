//! The INVITE client transaction (RFC 3261 §17.1.1, RFC 6026 §8.4):
//! Calling → Proceeding → Completed | Accepted → Terminated, timers A, B,
//! D, M, and the ACK for non-2xx final responses.

use std::time::{Duration, Instant};

use super::derived::ack_for_non_2xx;
use super::effects::{Class, ClientVerdict, Effects};
use super::state::TransactionState;
use super::timers::{Timer, TimerConfig, TimerSet, after};
use crate::message::{Request, Response};

/// How many distinct 2xx To tags (forks) an Accepted transaction remembers.
const MAX_FORKS: usize = 32;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    Calling,
    Proceeding,
    Completed,
    Accepted,
    Terminated,
}

/// One INVITE client transaction.
#[derive(Debug)]
pub(crate) struct ClientInvite {
    state: State,
    reliable: bool,
    timers_config: TimerConfig,
    proceeding_limit: Duration,
    /// The INVITE, kept to build the ACK for a non-2xx answer.
    request: Request,
    request_bytes: Vec<u8>,
    ack_bytes: Option<Vec<u8>>,
    a_interval: Duration,
    timers: TimerSet,
    /// To tags of the 2xx responses passed to the TU (one per fork).
    accepted_tags: Vec<Option<String>>,
}

impl ClientInvite {
    /// Sends the INVITE and arms Timer A (unreliable only) and Timer B.
    pub(crate) fn start(
        request: Request,
        reliable: bool,
        timers_config: TimerConfig,
        proceeding_limit: Duration,
        now: Instant,
        fx: &mut Effects,
    ) -> ClientInvite {
        let request_bytes = request.to_bytes();
        fx.send(&request_bytes);
        let mut timers = TimerSet::default();
        if !reliable {
            timers.arm(Timer::A, after(now, timers_config.timer_a()));
        }
        timers.arm(Timer::B, after(now, timers_config.timer_b()));
        ClientInvite {
            state: State::Calling,
            reliable,
            timers_config,
            proceeding_limit,
            request,
            request_bytes,
            ack_bytes: None,
            a_interval: timers_config.timer_a(),
            timers,
            accepted_tags: Vec::new(),
        }
    }

    /// Handles a response matched to this transaction.
    pub(crate) fn on_response(
        &mut self,
        response: &Response,
        now: Instant,
        fx: &mut Effects,
    ) -> ClientVerdict {
        let Some(class) = Class::of(response.status()) else {
            return ClientVerdict::Absorbed;
        };
        match (self.state, class) {
            (State::Calling, Class::Provisional) => {
                self.state = State::Proceeding;
                self.timers.clear();
                self.timers
                    .arm(Timer::Guard, after(now, self.proceeding_limit));
                ClientVerdict::ToTu
            }
            (State::Proceeding, Class::Provisional) => ClientVerdict::ToTu,
            (State::Calling | State::Proceeding, Class::Success) => {
                self.state = State::Accepted;
                self.timers.clear();
                self.timers
                    .arm(Timer::M, after(now, self.timers_config.timer_m()));
                self.accepted_tags.push(to_tag(response));
                ClientVerdict::ToTu
            }
            (State::Accepted, Class::Success) => {
                let tag = to_tag(response);
                if self.accepted_tags.contains(&tag) {
                    ClientVerdict::Retransmitted2xx
                } else {
                    if self.accepted_tags.len() < MAX_FORKS {
                        self.accepted_tags.push(tag);
                    }
                    ClientVerdict::ToTu
                }
            }
            (State::Calling | State::Proceeding, Class::Failure) => {
                self.ack_bytes = ack_for_non_2xx(&self.request, response)
                    .ok()
                    .map(|ack| ack.to_bytes());
                if let Some(ack) = &self.ack_bytes {
                    fx.send(ack);
                }
                self.state = State::Completed;
                self.timers.clear();
                let d = self.timers_config.timer_d(self.reliable);
                if d.is_zero() {
                    self.terminate();
                } else {
                    self.timers.arm(Timer::D, after(now, d));
                }
                ClientVerdict::ToTu
            }
            (State::Completed, Class::Failure) => {
                if let Some(ack) = &self.ack_bytes {
                    fx.resend(ack);
                }
                ClientVerdict::Absorbed
            }
            _ => ClientVerdict::Absorbed,
        }
    }

    /// Fires the timers due at `now`.
    pub(crate) fn on_timer(&mut self, now: Instant, fx: &mut Effects) {
        match self.state {
            State::Calling | State::Proceeding => {
                if self.timers.is_due(Timer::B, now) {
                    fx.timeouts.push(Timer::B);
                    self.terminate();
                } else if self.timers.is_due(Timer::Guard, now) {
                    fx.timeouts.push(Timer::Guard);
                    self.terminate();
                } else if self.timers.is_due(Timer::A, now) {
                    fx.resend(&self.request_bytes);
                    self.a_interval = self.a_interval.saturating_mul(2);
                    self.timers.arm(Timer::A, after(now, self.a_interval));
                }
            }
            State::Completed => {
                if self.timers.is_due(Timer::D, now) {
                    self.terminate();
                }
            }
            State::Accepted => {
                if self.timers.is_due(Timer::M, now) {
                    self.terminate();
                }
            }
            State::Terminated => {}
        }
    }

    /// RFC 3261 §9.1: a CANCEL was sent for this INVITE; if no final
    /// response arrives within 64·T1, the transaction is given up.
    pub(crate) fn on_cancel_sent(&mut self, now: Instant) {
        if matches!(self.state, State::Calling | State::Proceeding) {
            let at = after(now, self.timers_config.sixty_four_t1());
            let earlier = self.timers.deadline(Timer::Guard).is_none_or(|g| at < g);
            if earlier {
                self.timers.arm(Timer::Guard, at);
            }
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
            State::Calling => TransactionState::Calling,
            State::Proceeding => TransactionState::Proceeding,
            State::Completed => TransactionState::Completed,
            State::Accepted => TransactionState::Accepted,
            State::Terminated => TransactionState::Terminated,
        }
    }
}

fn to_tag(response: &Response) -> Option<String> {
    response
        .headers()
        .to()
        .ok()
        .and_then(|to| to.tag().map(str::to_owned))
}
