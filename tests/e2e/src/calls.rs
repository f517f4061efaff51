//! Helpers for the call tests: SIPp peers registered as users of a tenant,
//! SIPp callers that authenticate, the answers SIPp did not expect, and
//! the CDRs read with Python's sqlite3 (another tool than the switch).

use crate::ports::free_tcp_port;
use crate::process::{CommandOutput, run_bounded};
use crate::{Switch, TempDir, sipp};
use std::fs;
use std::process::Command;
use std::time::{Duration, Instant};

/// Registers `extension@domain` from `port` with SIPp over UDP.
pub fn register(
    switch: &Switch,
    dir: &TempDir,
    extension: &str,
    password: &str,
    domain: &str,
    port: u16,
) {
    register_over(switch, dir, (extension, password, domain), port, "u1");
}

/// Registers `extension@domain` from `port` with SIPp over `transport`
/// (SIPp's `-t`: `u1` UDP, `t1` TCP).
pub fn register_over(
    switch: &Switch,
    dir: &TempDir,
    (extension, password, domain): (&str, &str, &str),
    port: u16,
    transport: &str,
) {
    let users = dir.path().join(format!("reg-{extension}.csv"));
    fs::write(&users, format!("SEQUENTIAL\n{extension};{domain}\n")).expect("csv");
    let mut command = Command::new("sipp");
    command
        .arg(format!("127.0.0.1:{}", switch.sip_port()))
        .arg("-sf")
        .arg(sipp::scenario("register_digest.xml"))
        .args(["-inf", &users.display().to_string()])
        .args(["-au", extension, "-ap", password, "-auth_uri", domain])
        .args(["-m", "1", "-i", "127.0.0.1", "-p", &port.to_string()])
        .args(["-ci", "127.0.0.1", "-cp", &free_tcp_port().to_string()])
        .args(["-t", transport])
        .args(["-timeout", "15s", "-timeout_error", "-nd"])
        .current_dir(dir.path());
    let out = run_bounded(&mut command, Duration::from_secs(30));
    assert_eq!(out.code(), Some(0), "registering {extension}: {out}");
}

/// Registers `extension@domain` from a free port with SIPp, then runs SIPp
/// there as the callee for one call: `tests/sipp/<scenario>`, or the
/// built-in `uas` when `None`. Returns once the callee listens.
pub fn registered_callee(
    switch: &Switch,
    dir: &TempDir,
    (extension, password, domain): (&str, &str, &str),
    scenario: Option<&str>,
) -> std::thread::JoinHandle<CommandOutput> {
    let port = free_tcp_port();
    register(switch, dir, extension, password, domain, port);
    listening_peer(dir, port, scenario, &[])
}

/// Runs SIPp as a peer on `port` (a scenario from `tests/sipp/`, or the
/// built-in `uas`) with `extra` arguments; returns once it listens.
pub fn listening_peer(
    dir: &TempDir,
    port: u16,
    scenario: Option<&str>,
    extra: &[&str],
) -> std::thread::JoinHandle<CommandOutput> {
    let file = scenario.map(|name| sipp::scenario(name).display().to_string());
    let mut args: Vec<&str> = match &file {
        Some(file) => vec!["-sf", file],
        None => vec!["-sn", "uas"],
    };
    args.extend_from_slice(extra);
    let peer = sipp::spawn_callee(dir.path(), port, &args, 1, Duration::from_secs(40));
    // Go on only once the peer listens: its port is taken for the
    // transport it runs (another test's UDP peer on the same number must
    // not pass for a TCP peer that is not up yet).
    let over_tcp = extra.windows(2).any(|w| w == ["-t", "t1"]);
    let deadline = Instant::now() + Duration::from_secs(15);
    while if over_tcp {
        std::net::TcpListener::bind(("127.0.0.1", port)).is_ok()
    } else {
        std::net::UdpSocket::bind(("127.0.0.1", port)).is_ok()
    } {
        assert!(
            Instant::now() < deadline,
            "the SIPp peer never bound port {port}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    peer
}

/// `caller@domain` (password `password`) calls `callee` with the caller
/// scenario `tests/sipp/<scenario>`; `extra` SIPp arguments come last (a
/// later `-timeout` wins).
pub fn call(
    switch: &Switch,
    dir: &TempDir,
    (caller, password, domain): (&str, &str, &str),
    callee: &str,
    scenario: &str,
    extra: &[&str],
) -> CommandOutput {
    let auth_uri = format!("{callee}@{domain}");
    let users = dir.path().join(format!("call-{caller}-{callee}.csv"));
    fs::write(&users, format!("SEQUENTIAL\n{caller};{callee};{domain}\n")).expect("csv");
    sipp::run(
        dir.path(),
        switch.sip_port(),
        &sipp::scenario(scenario),
        1,
        &[
            &["-inf", &users.display().to_string()],
            &["-au", caller, "-ap", password, "-auth_uri", &auth_uri][..],
            extra,
        ]
        .concat(),
    )
}

/// The messages SIPp runs in `dir` did not expect (their `_errors.log`),
/// which are then cleared.
pub fn unexpected_messages(dir: &TempDir) -> String {
    let mut text = String::new();
    for entry in fs::read_dir(dir.path())
        .expect("dir")
        .filter_map(Result::ok)
    {
        if entry.file_name().to_string_lossy().ends_with("_errors.log") {
            text.push_str(&fs::read_to_string(entry.path()).unwrap_or_default());
            let _ = fs::remove_file(entry.path());
        }
    }
    text
}

/// CDR rows with `columns` (an SQL column list), `|`-separated, ordered by
/// direction then start.
pub fn cdrs(switch: &Switch, columns: &str) -> Vec<String> {
    let db = switch.data_dir().join("switchyard.db");
    let script = format!(
        "import sqlite3,sys\nc=sqlite3.connect(sys.argv[1])\nfor r in c.execute('select {columns} from cdrs order by direction, start_stamp'): print('|'.join(map(str,r)))"
    );
    let out = run_bounded(
        Command::new("python3").args(["-c", &script]).arg(&db),
        Duration::from_secs(30),
    );
    assert_eq!(out.code(), Some(0), "{out}");
    out.stdout.lines().map(str::to_owned).collect()
}

/// Asserts that the SIP thread holds no call and no dialog any more
/// (`sofia status`), waiting a little for the last hangup to be processed:
/// nothing may outlive its call.
pub fn assert_no_call_left(switch: &Switch) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let status = switch.cli_x("sofia status");
        assert_eq!(status.code(), Some(0), "{status}");
        if status.stdout.contains("RUNNING (calls 0, dialogs 0,") {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "calls or dialogs outlived their calls: {status}\n{}",
            switch.log()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Starts a switch with `conf_xml` as its configuration, writes `files`
/// (`(path under CONF_DIR, text)`) and runs `commands` (each must
/// succeed): a `reloadxml` first, then e.g. `tenant add`, `user add`.
pub fn switch_with(conf_xml: &str, files: &[(&str, &str)], commands: &[&str]) -> Switch {
    let switch = Switch::start(crate::SwitchOptions {
        conf_xml: Some(conf_xml.to_owned()),
        ..crate::SwitchOptions::default()
    });
    for (path, text) in files {
        let path = switch.conf_dir().join(path);
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir).expect("conf subdir");
        }
        fs::write(&path, text).expect("conf file");
    }
    for command in std::iter::once(&"reloadxml").chain(commands) {
        let out = switch.cli_x(command);
        assert_eq!(out.code(), Some(0), "{command}: {out}");
    }
    switch
}

/// The first `CHANNEL_HANGUP_COMPLETE` (the connection subscribed to it)
/// of a leg whose dialled number (`variable_sip_req_user`) is `number`,
/// waiting up to 10 s.
///
/// # Panics
/// When none comes; the message carries the switch's log.
pub fn hangup_complete_of(
    esl: &mut crate::EslClient,
    number: &str,
    switch: &Switch,
) -> crate::EslEvent {
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        let events = esl
            .collect_events("CHANNEL_HANGUP_COMPLETE", Duration::from_secs(1), Some(1))
            .expect("events");
        if let Some(event) = events
            .into_iter()
            .find(|e| e.header("variable_sip_req_user") == Some(number))
        {
            return event;
        }
    }
    panic!("no CHANNEL_HANGUP_COMPLETE for {number}\n{}", switch.log());
}

/// `caller` (extension, password, domain) calls `number` with
/// `tests/sipp/lua_uac_dtmf_until_bye.xml`: presses `digits` (RFC 4733;
/// `W` waits a second) from 200 ms after the answer, then waits (at most
/// 30 s) for the switch's BYE. The pcap goes to `dir` as `TAG.pcap`.
/// Returns SIPp's output.
pub fn call_pressing_until_bye(
    switch: &Switch,
    dir: &TempDir,
    caller: (&str, &str, &str),
    number: &str,
    tag: &str,
    digits: &str,
) -> CommandOutput {
    let pcap = dir.path().join(format!("{tag}.pcap"));
    crate::pcap::write_rtp_pcap(
        &pcap,
        &crate::pcap::rfc4733_packets(digits, &crate::pcap::DtmfTiming::default(), 101, 0x4321),
    );
    let media_port = sipp::free_media_port().to_string();
    let key = pcap.display().to_string();
    call(
        switch,
        dir,
        caller,
        number,
        "lua_uac_dtmf_until_bye.xml",
        &["-mp", &media_port, "-key", "pcap", &key],
    )
}

/// [`call_pressing_until_bye`], asserting that the switch ended the call;
/// returns the caller's `CHANNEL_HANGUP_COMPLETE`.
pub fn call_pressing(
    switch: &Switch,
    dir: &TempDir,
    caller: (&str, &str, &str),
    number: &str,
    tag: &str,
    digits: &str,
) -> crate::EslEvent {
    let mut esl = switch.esl();
    esl.subscribe("plain CHANNEL_HANGUP_COMPLETE")
        .expect("subscribe");
    let out = call_pressing_until_bye(switch, dir, caller, number, tag, digits);
    assert_eq!(
        out.code(),
        Some(0),
        "the switch ends the call: {out}\n{}",
        switch.log()
    );
    hangup_complete_of(&mut esl, number, switch)
}
