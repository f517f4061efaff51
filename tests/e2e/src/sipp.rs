//! Running SIPp (Debian `sip-tester`) against a switch: always on
//! 127.0.0.1 with free ports for signalling and for its control socket
//! (see ../shared/PEERS.md), bounded in time.

use crate::paths::workspace_root;
use crate::ports::free_tcp_port;
use crate::process::{CommandOutput, run_bounded};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// A scenario shipped in `tests/sipp/`.
pub fn scenario(name: &str) -> PathBuf {
    workspace_root().join("tests").join("sipp").join(name)
}

/// Runs `sipp 127.0.0.1:<sip_port> -sf <scenario> <args…>` from `dir`
/// (where it writes its logs), with `-m calls` and an overall timeout that
/// makes it exit 255 instead of hanging. Exit code 0 means every call
/// followed the scenario.
pub fn run(dir: &Path, sip_port: u16, scenario: &Path, calls: u32, args: &[&str]) -> CommandOutput {
    let local_port = free_tcp_port().to_string();
    let control_port = free_tcp_port().to_string();
    let mut command = Command::new("sipp");
    command
        .arg(format!("127.0.0.1:{sip_port}"))
        .arg("-sf")
        .arg(scenario)
        .args(["-m", &calls.to_string()])
        .args(["-i", "127.0.0.1", "-p", &local_port])
        .args(["-ci", "127.0.0.1", "-cp", &control_port])
        .args(["-timeout", "20s", "-timeout_error", "-nd", "-trace_err"])
        .args(args)
        .current_dir(dir);
    run_bounded(&mut command, Duration::from_secs(60))
}

/// Starts SIPp as a callee on `local_port` (after it registered from that
/// port) running `scenario` (a file, or `-sn NAME` for a built-in one) for
/// `calls` calls; returns a thread that yields SIPp's output. Runs without
/// `-timeout` (SIPp 3.6 reports a clean callee run as failed with it) and
/// is killed after `limit` instead.
pub fn spawn_callee(
    dir: &Path,
    local_port: u16,
    scenario: &[&str],
    calls: u32,
    limit: Duration,
) -> std::thread::JoinHandle<CommandOutput> {
    let control_port = free_tcp_port().to_string();
    let mut command = Command::new("sipp");
    command
        .args(scenario)
        .args(["-m", &calls.to_string()])
        .args(["-i", "127.0.0.1", "-p", &local_port.to_string()])
        .args(["-ci", "127.0.0.1", "-cp", &control_port])
        .args(["-nd", "-trace_err"])
        .current_dir(dir);
    std::thread::spawn(move || run_bounded(&mut command, limit))
}

/// A base port for SIPp's `-mp` (media): SIPp binds UDP on it for audio
/// (what `[media_port]` names, where `-rtp_echo` echoes and `rtp_stream`
/// sends from) and on the port two above for video, and RTCP would take
/// the odd neighbours; the returned even port `p` has `p..=p + 3` free
/// on 127.0.0.1 for UDP a moment ago. Without `-mp` every SIPp takes
/// 6000 and parallel runs collide.
pub fn free_media_port() -> u16 {
    use std::net::{Ipv4Addr, UdpSocket};
    loop {
        let first = UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind 127.0.0.1:0");
        let port = first.local_addr().expect("a bound socket's address").port();
        if !port.is_multiple_of(2) || port > u16::MAX - 3 {
            continue;
        }
        let rest: Vec<_> = (1..=3)
            .map_while(|offset| UdpSocket::bind((Ipv4Addr::LOCALHOST, port + offset)).ok())
            .collect();
        if rest.len() == 3 {
            return port;
        }
    }
}
