//! Hostile and broken event socket clients: garbage before auth, a line
//! that never ends, connections that never speak, a thousand wrong
//! passwords, and more connections than allowed. Throughout, a separate
//! authenticated client keeps getting `api status` answers, and afterwards
//! new clients work.

use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::Duration;

use switchyard_e2e::esl::is_closed_error;
use switchyard_e2e::proc_stats::{open_fd_count, peak_resident_kib};
use switchyard_e2e::wait::poll_until;
use switchyard_e2e::{EslClient, Frame, Switch, SwitchOptions};

/// The password every switch in this file uses.
const PASSWORD: &str = "bad-input-secret";
/// How long the server may take to reply to or drop a connection.
const REPLY_WAIT: Duration = Duration::from_secs(10);

/// A switch with the given `<settings>` params.
fn switch_with_settings(params: &[(&str, &str)]) -> Switch {
    let params: String = params
        .iter()
        .map(|(name, value)| format!("    <param name=\"{name}\" value=\"{value}\"/>\n"))
        .collect();
    Switch::start(SwitchOptions {
        password: Some(PASSWORD.to_string()),
        conf_xml: Some(format!(
            "<switchyard>\n  <settings>\n{params}  </settings>\n</switchyard>\n"
        )),
        ..SwitchOptions::default()
    })
}

/// An authenticated client asking `api status` in a loop on its own thread
/// until [`StatusWatcher::finish`]; any failed or wrong answer is kept.
///
/// It answers once before `start` returns, and the loop always asks once
/// more after `finish` raised the stop flag, so at least one answer falls
/// before and one after the abuse under test, however the threads run.
struct StatusWatcher {
    stop: Arc<AtomicBool>,
    handle: thread::JoinHandle<Result<usize, String>>,
}

impl StatusWatcher {
    fn start(switch: &Switch) -> StatusWatcher {
        let mut client = switch.esl();
        let first = client
            .api("status")
            .expect("the watcher's first api status");
        assert!(first.starts_with("UP "), "{first:?}");
        let stop = Arc::new(AtomicBool::new(false));
        let stop_flag = Arc::clone(&stop);
        let handle = thread::spawn(move || {
            let mut answers = 1;
            loop {
                let stopping = stop_flag.load(Ordering::SeqCst);
                match client.api("status") {
                    Ok(body) if body.starts_with("UP ") => answers += 1,
                    Ok(body) => return Err(format!("api status answered {body:?}")),
                    Err(err) => return Err(format!("api status failed: {err}")),
                }
                if stopping {
                    return Ok(answers);
                }
                // Pacing only; nothing is asserted about time.
                thread::sleep(Duration::from_millis(20));
            }
        });
        StatusWatcher { stop, handle }
    }

    /// Stops the loop and asserts that every answer was right.
    fn finish(self) {
        self.stop.store(true, Ordering::SeqCst);
        match self.handle.join().expect("the watcher thread") {
            Ok(answers) => assert!(answers >= 2, "the watcher got {answers} answers"),
            Err(err) => panic!("the separately authenticated client was disturbed: {err}"),
        }
    }
}

/// A brand-new client authenticates and runs `api status`.
fn assert_new_client_works(switch: &Switch) {
    let mut client = switch.esl();
    let status = client.api("status").expect("api status on a new client");
    assert!(status.starts_with("UP "), "{status:?}");
}

/// Asserts that none of `frames` accepted anything.
fn assert_nothing_accepted(frames: &[Frame]) {
    for frame in frames {
        assert!(
            !frame.reply_text().starts_with("+OK"),
            "the server accepted something: {frame:?}"
        );
    }
}

#[test]
fn commands_before_auth_are_refused_and_the_connection_stays_usable() {
    let switch = switch_with_settings(&[]);
    let watcher = StatusWatcher::start(&switch);

    let mut client = EslClient::connect(switch.port()).expect("connect");
    let refused = client.command("api status").expect("a reply before auth");
    assert_eq!(
        refused.reply_text(),
        "-ERR command not found",
        "{refused:?}"
    );
    let refused = client
        .command("event plain ALL")
        .expect("a reply before auth");
    assert_eq!(
        refused.reply_text(),
        "-ERR command not found",
        "{refused:?}"
    );
    let accepted = client.auth(PASSWORD).expect("auth after refusals");
    assert_eq!(accepted.reply_text(), "+OK accepted", "{accepted:?}");
    let status = client.api("status").expect("api status");
    assert!(status.starts_with("UP "), "{status:?}");

    watcher.finish();
    assert_new_client_works(&switch);
}

#[test]
fn binary_garbage_before_auth_gets_a_clear_error() {
    let switch = switch_with_settings(&[]);
    let watcher = StatusWatcher::start(&switch);

    let mut client = EslClient::connect(switch.port()).expect("connect");
    let mut garbage: Vec<u8> = (0..=255u8).filter(|byte| *byte != b'\n').collect();
    garbage.extend_from_slice(&[0xff, 0xfe, 0x00, 0xc3, 0x28, b'\r']);
    garbage.extend_from_slice(b"\n\n");
    client.send_raw(&garbage).expect("send garbage");
    let reply = client
        .read_frame(REPLY_WAIT)
        .expect("the server answers garbage");
    assert!(
        reply.reply_text().starts_with("-ERR") || reply.is_disconnect(),
        "garbage must get a clear -ERR: {reply:?}"
    );
    // Closed or kept are both fine; kept must still be usable.
    match client.auth(PASSWORD) {
        Ok(accepted) => assert_eq!(accepted.reply_text(), "+OK accepted", "{accepted:?}"),
        Err(err) => assert!(
            is_closed_error(&err),
            "after garbage the connection is either usable or closed: {err}"
        ),
    }

    watcher.finish();
    assert_new_client_works(&switch);
}

#[test]
fn endless_line_is_cut_off_without_exhausting_memory() {
    let switch = switch_with_settings(&[]);
    let watcher = StatusWatcher::start(&switch);
    let peak_before = peak_resident_kib(switch.pid()).expect("VmHWM of the switch");

    let mut client = EslClient::connect(switch.port()).expect("connect");
    let chunk = vec![b'A'; 64 * 1024];
    let mut sent = 0usize;
    while sent < 10 * 1024 * 1024 {
        match client.send_raw(&chunk) {
            Ok(()) => sent += chunk.len(),
            // The server may hang up while we are still sending, or stop
            // reading before it hangs up (a write then times out).
            Err(err)
                if is_closed_error(&err)
                    || matches!(
                        err.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                    ) =>
            {
                break;
            }
            Err(err) => panic!("sending the long line failed oddly: {err}"),
        }
    }
    let frames = client.read_until_closed(REPLY_WAIT).unwrap_or_else(|err| {
        panic!("a line without end must get the client disconnected (sent {sent} bytes): {err}")
    });
    assert_nothing_accepted(&frames);

    let peak_after = peak_resident_kib(switch.pid()).expect("VmHWM of the switch");
    assert!(
        peak_after.saturating_sub(peak_before) < 10 * 1024,
        "the switch must not buffer the whole 10 MiB line: peak RSS grew from {peak_before} KiB to {peak_after} KiB"
    );

    watcher.finish();
    assert_new_client_works(&switch);
}

#[test]
fn silent_and_stalled_connections_are_dropped_after_the_auth_timeout() {
    let switch = switch_with_settings(&[("esl-auth-timeout-secs", "2")]);
    let watcher = StatusWatcher::start(&switch);

    let mut silent = EslClient::connect(switch.port()).expect("connect");
    let mut stalled = EslClient::connect(switch.port()).expect("connect");
    stalled.send_raw(b"au").expect("send half a command");

    // Bounded well above the 2 s setting; only "closed or not" is judged.
    for (name, client) in [("silent", &mut silent), ("stalled", &mut stalled)] {
        let frames = client
            .read_until_closed(Duration::from_secs(30))
            .unwrap_or_else(|err| {
                panic!("the {name} connection must be dropped after esl-auth-timeout-secs=2: {err}")
            });
        assert_nothing_accepted(&frames);
    }

    watcher.finish();
    assert_new_client_works(&switch);
}

#[test]
fn a_thousand_wrong_passwords_are_each_refused() {
    let switch = switch_with_settings(&[]);
    let watcher = StatusWatcher::start(&switch);
    let fds_before = open_fd_count(switch.pid()).expect("fd count");

    for attempt in 0..1000 {
        let mut client = EslClient::connect(switch.port())
            .unwrap_or_else(|err| panic!("connect #{attempt}: {err}"));
        let reply = client
            .auth(&format!("wrong-{attempt}"))
            .unwrap_or_else(|err| panic!("auth reply #{attempt}: {err}"));
        assert_eq!(
            reply.reply_text(),
            "-ERR invalid",
            "attempt #{attempt}: {reply:?}"
        );
        let rest = client
            .read_until_closed(REPLY_WAIT)
            .unwrap_or_else(|err| panic!("attempt #{attempt} must be disconnected: {err}"));
        assert!(
            rest.iter().all(|frame| frame.is_disconnect()),
            "after -ERR invalid only a disconnect notice may follow: {rest:?}"
        );
    }

    // Closed connections must not leak descriptors.
    let settled = poll_until(Duration::from_secs(15), Duration::from_millis(50), || {
        let now = open_fd_count(switch.pid())?;
        (now <= fds_before + 16).then_some(now)
    });
    assert!(
        settled.is_some(),
        "open descriptors went from {fds_before} to {:?} after 1000 refused logins",
        open_fd_count(switch.pid())
    );

    watcher.finish();
    assert_new_client_works(&switch);
}

#[test]
fn connections_beyond_the_limit_are_turned_away() {
    let switch = switch_with_settings(&[
        ("esl-max-connections", "5"),
        ("esl-auth-timeout-secs", "60"),
    ]);
    // The watcher holds connection 1 of 5.
    let watcher = StatusWatcher::start(&switch);
    // Connections 2..=5. The harness's readiness probe was a connection too;
    // the switch may not have seen it close yet, so a refusal is retried.
    let mut held: Vec<EslClient> = (2..=5)
        .map(|number| {
            admit(&switch).unwrap_or_else(|| panic!("connection {number} of 5 must work"))
        })
        .collect();

    let mut sixth = EslClient::connect_raw(switch.port()).expect("TCP connect of the 6th");
    let frames = sixth.read_until_closed(REPLY_WAIT).unwrap_or_else(|err| {
        panic!("the 6th connection (esl-max-connections=5) must be turned away: {err}")
    });
    assert_nothing_accepted(&frames);
    for client in &mut held {
        let status = client.api("status").expect("held connections keep working");
        assert!(status.starts_with("UP "), "{status:?}");
    }

    // Free a slot: a new client gets in (once the server noticed the close).
    held.pop().expect("a held client").close();
    let mut admitted = admit(&switch).expect("after one client left, a new one is admitted");
    let status = admitted.api("status").expect("api status");
    assert!(status.starts_with("UP "), "{status:?}");

    watcher.finish();
}

/// A client that connected and authenticated, retrying while the switch
/// turns connections away (a slot freed a moment ago may not be noticed yet).
fn admit(switch: &Switch) -> Option<EslClient> {
    poll_until(
        REPLY_WAIT,
        Duration::from_millis(50),
        || match EslClient::connect_and_auth(switch.port(), PASSWORD) {
            Ok(client) => Some(client),
            Err(err) if is_closed_error(&err) || is_refusal(&err) => None,
            Err(err) => panic!("unexpected error while waiting for a free slot: {err}"),
        },
    )
}

/// True for the errors `connect_and_auth` reports when turned away politely.
fn is_refusal(err: &io::Error) -> bool {
    err.kind() == io::ErrorKind::Other
}
