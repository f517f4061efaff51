//! The registration state of every gateway, shared between the
//! registration engine (which writes it, on the SIP thread) and the API
//! (`gateway list`, which reads it), and the generation counter with which
//! the API tells the engine that the gateways changed.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::Instant;

/// Where a gateway's registration stands, named as FreeSWITCH names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RegState {
    /// The gateway does not register (`register=false`).
    NoReg,
    /// It should register but is not registered (not tried yet).
    Unreged,
    /// A REGISTER is on its way.
    Trying,
    /// Registered.
    Reged,
    /// The last attempt failed; the next one waits.
    FailWait,
}

impl RegState {
    /// `NOREG`, `UNREGED`, `TRYING`, `REGED` or `FAIL_WAIT`.
    pub fn name(self) -> &'static str {
        match self {
            RegState::NoReg => "NOREG",
            RegState::Unreged => "UNREGED",
            RegState::Trying => "TRYING",
            RegState::Reged => "REGED",
            RegState::FailWait => "FAIL_WAIT",
        }
    }
}

/// One gateway's registration, as last reported by the engine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GatewayStatus {
    /// Where it stands.
    pub state: RegState,
    /// The status code of the last final response, if any (408 stands for
    /// a transaction timeout).
    pub code: Option<u16>,
    /// The last response's reason phrase, or why the last attempt failed
    /// without one (`cannot resolve sip.example.net`).
    pub reason: String,
    /// When the registration was last confirmed.
    pub registered_at: Option<Instant>,
    /// When the registration runs out unless refreshed.
    pub expires_at: Option<Instant>,
    /// When the next REGISTER is due, if one is scheduled.
    pub next_attempt: Option<Instant>,
    /// Failed attempts in a row.
    pub failures: u32,
}

impl GatewayStatus {
    /// `200 OK`, `403 Forbidden`, a reason alone, or empty before any
    /// attempt.
    pub fn status_text(&self) -> String {
        match self.code {
            Some(code) => format!("{code} {}", self.reason),
            None => self.reason.clone(),
        }
    }
}

/// What [`GatewayStates::changed`] calls to wake the thread that drives the
/// registration engine.
pub type Waker = Box<dyn Fn() + Send + Sync>;

/// The shared registration table and change counter (held by the switch).
#[derive(Default)]
pub struct GatewayStates {
    generation: AtomicU64,
    entries: Mutex<HashMap<String, GatewayStatus>>,
    waker: OnceLock<Waker>,
}

impl std::fmt::Debug for GatewayStates {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GatewayStates")
            .field("generation", &self.generation())
            .field("entries", &*self.lock())
            .field("waker", &self.waker.get().is_some())
            .finish()
    }
}

impl GatewayStates {
    /// An empty table at generation 0.
    pub fn new() -> GatewayStates {
        GatewayStates::default()
    }

    /// Tells the registration engine that gateways were added or deleted:
    /// it reloads them on its next poll, which the waker (if set) brings
    /// forward.
    pub fn changed(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        if let Some(wake) = self.waker.get() {
            wake();
        }
    }

    /// Sets what [`changed`](GatewayStates::changed) calls to wake the
    /// thread that polls the engine (e.g. a send on its channel); only the
    /// first call takes effect. It must not block.
    pub fn set_waker(&self, waker: Waker) {
        let _ = self.waker.set(waker);
    }

    /// The change counter.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    /// One gateway's status, if the engine has reported it.
    pub fn get(&self, name: &str) -> Option<GatewayStatus> {
        self.lock().get(name).cloned()
    }

    /// Every reported status, by gateway name.
    pub fn snapshot(&self) -> HashMap<String, GatewayStatus> {
        self.lock().clone()
    }

    /// Records a gateway's status (the engine calls this).
    pub fn set(&self, name: &str, status: GatewayStatus) {
        self.lock().insert(name.to_owned(), status);
    }

    /// Forgets a deleted gateway (the engine calls this).
    pub fn remove(&self, name: &str) {
        self.lock().remove(name);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, GatewayStatus>> {
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The state to show for a gateway: its engine status, else `UNREGED` for
/// one that should register (the engine has not picked it up yet) or
/// `NOREG`.
pub fn shown_state(status: Option<&GatewayStatus>, register: bool) -> RegState {
    match status {
        Some(status) => status.state,
        None if register => RegState::Unreged,
        None => RegState::NoReg,
    }
}
