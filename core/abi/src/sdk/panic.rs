//! Panic containment: `catch_unwind` around module code, and the panic hook
//! that sends panics to the switch log.

use std::any::Any;
use std::cell::Cell;
use std::panic::{self, AssertUnwindSafe, PanicHookInfo};
use std::sync::Once;

use super::host::Level;

thread_local! {
    /// Set by the panic hook when it forwarded a panic on this thread to a host log.
    static FORWARDED: Cell<bool> = const { Cell::new(false) };
}

/// Runs `f`, turning a panic into `Err(message)`.
///
/// The closure is asserted unwind-safe: after a panic the SDK only reports
/// it, and the module's own state is the module's to judge (as with a
/// panicking thread).
pub(crate) fn catch<R>(f: impl FnOnce() -> R) -> Result<R, String> {
    match panic::catch_unwind(AssertUnwindSafe(f)) {
        Ok(value) => Ok(value),
        Err(payload) => {
            let message = payload_message(&*payload);
            drop_payload(payload);
            Err(message)
        }
    }
}

/// The message of a panic payload (`panic!("...")` carries a `&str` or a `String`).
pub(crate) fn payload_message(payload: &(dyn Any + Send)) -> String {
    if let Some(text) = payload.downcast_ref::<&str>() {
        (*text).to_owned()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        "non-string panic payload".to_owned()
    }
}

/// Drops a panic payload without letting a panicking `Drop` escape.
fn drop_payload(payload: Box<dyn Any + Send>) {
    if let Err(again) = panic::catch_unwind(AssertUnwindSafe(move || drop(payload))) {
        std::mem::forget(again);
    }
}

/// Clears this thread's "the hook forwarded a panic" flag.
pub(crate) fn reset_forwarded() {
    let _ = FORWARDED.try_with(|flag| flag.set(false));
}

/// True when the hook forwarded a panic on this thread since the last reset.
pub(crate) fn was_forwarded() -> bool {
    FORWARDED.try_with(Cell::get).unwrap_or(false)
}

/// Installs the panic hook, once per copy of this crate (once per module
/// library: every cdylib carries its own std and its own hook).
///
/// The hook logs the panic's location and message to the current
/// host at error level. When no module is loaded (or the host is being
/// swapped), it falls back to the hook that was installed before.
pub(crate) fn install_hook() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info: &PanicHookInfo<'_>| {
            match super::module::current_for_hook() {
                Some(host) => {
                    host.log(Level::Error, &describe_panic(info));
                    let _ = FORWARDED.try_with(|flag| flag.set(true));
                }
                None => previous(info),
            }
        }));
    });
}

/// "panic at file:line:col: message".
///
/// Deliberately touches nothing that could itself panic inside the hook (such
/// as `thread::current()` during thread teardown): a panic in a panic hook
/// aborts the whole switch.
fn describe_panic(info: &PanicHookInfo<'_>) -> String {
    let message = info.payload_as_str().unwrap_or("non-string panic payload");
    match info.location() {
        Some(at) => format!(
            "panic at {}:{}:{}: {message}",
            at.file(),
            at.line(),
            at.column()
        ),
        None => format!("panic: {message}"),
    }
}
