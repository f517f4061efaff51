//! mod_rust_probe: a test module written with the Rust SDK.
//!
//! API commands:
//! - `rprobe`: replies `+OK rprobe <GREETING>` (the test rewrites
//!   [`GREETING`] between builds to prove that `reload` picks up new code);
//! - `rprobe_panic`: panics (the SDK must turn that into `-ERR ...panicked...`);
//! - `rprobe_sleep <secs>`: fires `CUSTOM probe::sleep-started`, then sleeps
//!   up to `secs` seconds, ending early when `rprobe_wake` is called;
//! - `rprobe_wake`: ends every running `rprobe_sleep`;
//! - `rprobe_last`: the `Greeting` header of the last `CUSTOM probe::ping`.

use std::fmt::Write as _;
use std::sync::{Condvar, Mutex, PoisonError};
use std::time::Duration;

use switchyard_abi::sdk::{Host, Level};

/// What `rprobe` answers with; rewritten by the test between builds.
pub const GREETING: &str = "v1";

/// Counts `rprobe_wake` calls; sleepers wait for it to change.
static WAKE_GENERATION: Mutex<u64> = Mutex::new(0);
/// Signalled by `rprobe_wake`.
static WAKE: Condvar = Condvar::new();
/// The `Greeting` header of the last `CUSTOM probe::ping` event.
static LAST_GREETING: Mutex<Option<String>> = Mutex::new(None);

switchyard_abi::declare_module! {
    name: "mod_rust_probe",
    version: "1.0.0",
    load: load,
    unload: unload,
}

fn load(host: Host) -> Result<(), String> {
    host.register_api(
        "rprobe",
        "Rust probe: the build's greeting",
        "rprobe",
        |_, out| write!(out, "+OK rprobe {GREETING}").map_err(|err| err.to_string()),
    )?;
    host.register_api(
        "rprobe_panic",
        "Rust probe: panics",
        "rprobe_panic",
        |_, _| panic!("rprobe_panic was asked to panic"),
    )?;
    host.register_api(
        "rprobe_sleep",
        "Rust probe: sleeps until woken or the time is up",
        "rprobe_sleep <secs>",
        move |args, out| sleep_command(host, args, out),
    )?;
    host.register_api(
        "rprobe_wake",
        "Rust probe: wakes sleepers",
        "rprobe_wake",
        |_, out| {
            *WAKE_GENERATION
                .lock()
                .unwrap_or_else(PoisonError::into_inner) += 1;
            WAKE.notify_all();
            write!(out, "+OK woken").map_err(|err| err.to_string())
        },
    )?;
    host.register_api(
        "rprobe_last",
        "Rust probe: Greeting of the last probe::ping event",
        "rprobe_last",
        |_, out| {
            let last = LAST_GREETING
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .clone();
            match last {
                Some(greeting) => write!(out, "{greeting}").map_err(|err| err.to_string()),
                None => Err("no probe::ping event seen yet".to_string()),
            }
        },
    )?;
    host.bind_event("CUSTOM", Some("probe::ping"), |event| {
        if let Some(greeting) = event.header("Greeting") {
            *LAST_GREETING.lock().unwrap_or_else(PoisonError::into_inner) =
                Some(greeting.to_string());
        }
    })?;
    host.log(Level::Info, &format!("mod_rust_probe {GREETING} loaded"));
    Ok(())
}

fn unload(host: Host) -> Result<(), String> {
    host.log(Level::Info, "mod_rust_probe unloading");
    Ok(())
}

/// `rprobe_sleep <secs>`: announces itself, then waits for a wake-up or the time limit.
fn sleep_command(
    host: Host,
    args: &str,
    out: &mut switchyard_abi::sdk::ApiOutput<'_>,
) -> Result<(), String> {
    let seconds: u64 = args
        .trim()
        .parse()
        .map_err(|_| format!("usage: rprobe_sleep <secs>, got {args:?}"))?;
    let generation = WAKE_GENERATION
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    let started = *generation;
    let mut announcement = host.event("CUSTOM", Some("probe::sleep-started"))?;
    announcement.add_header("Sleep-Seconds", &seconds.to_string())?;
    announcement.fire()?;
    let (generation, waited) = WAKE
        .wait_timeout_while(generation, Duration::from_secs(seconds), |now| {
            *now == started
        })
        .unwrap_or_else(PoisonError::into_inner);
    drop(generation);
    let how = if waited.timed_out() { "slept" } else { "woken" };
    write!(out, "+OK {how}").map_err(|err| err.to_string())
}
