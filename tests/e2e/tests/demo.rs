//! The shipped content (`dialplan/`, `scripts/` at the repository root)
//! on the demo tenant the switch creates on first start, driven by SIPp
//! (Debian `sip-tester`) with RFC 4733 key presses. The office-hours
//! branch is checked at chosen instants with `--dialplan-clock` (the clock
//! the dialplan reads, not the machine's), in the tenant's time zone
//! (Europe/London: 08:30 UTC is 09:30 there in July, 08:30 in December).

use std::fs;
use std::path::Path;
use std::time::Duration;

use switchyard_e2e::esl_event::EslEvent;
use switchyard_e2e::paths::workspace_root;
use switchyard_e2e::{Switch, SwitchOptions, TempDir, calls};

/// A switch on the default configuration (demo tenant) serving a copy of
/// the repository's dialplan and scripts, its dialplan clock at `clock`.
fn demo_switch(clock: &str) -> (Switch, String) {
    let switch = Switch::start(SwitchOptions {
        // The demo tenant as the embedded default has it; SIPp 3.6 answers
        // only MD5 challenges.
        conf_xml: Some(
            "<switchyard><settings><param name=\"demo-tenant\" value=\"demo.test\"/><param name=\"sip-digest-algorithms\" value=\"MD5\"/></settings></switchyard>".into(),
        ),
        extra_args: vec!["--dialplan-clock".into(), clock.into()],
        ..SwitchOptions::default()
    });
    for dir in ["dialplan", "scripts"] {
        let from = workspace_root().join(dir);
        let to = switch.conf_dir().join(dir);
        fs::create_dir_all(&to).expect("conf subdir");
        for entry in fs::read_dir(&from).expect("shipped dir") {
            let path = entry.expect("entry").path();
            fs::copy(&path, to.join(path.file_name().expect("name"))).expect("copy");
        }
    }
    let reload = switch.cli_x("reloadxml");
    assert_eq!(reload.text(), "+OK [Success]", "{reload}");
    let password = demo_password(switch.data_dir(), "1002");
    (switch, password)
}

/// The password the switch generated for demo user `user`.
fn demo_password(data_dir: &Path, user: &str) -> String {
    let text = fs::read_to_string(data_dir.join("demo-users.txt")).expect("demo-users.txt");
    let prefix = format!("{user}@demo.test ");
    text.lines()
        .find_map(|line| line.strip_prefix(&prefix))
        .unwrap_or_else(|| panic!("{user} in demo-users.txt: {text}"))
        .trim()
        .to_owned()
}

/// 1002 calls `number` pressing `digits`; the switch ends the call; returns
/// the caller's `CHANNEL_HANGUP_COMPLETE`.
fn call(switch: &Switch, password: &str, number: &str, digits: &str) -> EslEvent {
    let dir = TempDir::new("demo-call");
    calls::call_pressing(
        switch,
        &dir,
        ("1002", password, "demo.test"),
        number,
        "keys",
        digits,
    )
}

#[test]
fn the_shipped_content_passes_switchyard_check() {
    let out = switchyard_e2e::process::run_bounded(
        std::process::Command::new(switchyard_e2e::binary::switchyard_binary())
            .arg("check")
            .arg("--conf-dir")
            .arg(workspace_root()),
        Duration::from_secs(30),
    );
    assert_eq!(out.code(), Some(0), "{out}");
}

#[test]
fn in_office_hours_the_caller_reaches_the_account_ivr_and_its_branch() {
    // Monday 6 July 2026, 08:30 UTC = 09:30 in London (summer time).
    let (switch, password) = demo_switch("2026-07-06T08:30:00Z");
    let event = call(&switch, &password, "5000", "W1234#");
    let log = switch.log();
    let var = |name: &str| event.header(&format!("variable_{name}"));
    assert_eq!(var("office"), Some("open"), "{event:?}\n{log}");
    assert_eq!(var("account_number"), Some("1234"), "{event:?}\n{log}");
    assert_eq!(var("account_branch"), Some("sales"), "{event:?}\n{log}");
    assert_eq!(var("queue"), Some("sales"), "{event:?}\n{log}");
    assert_eq!(var("account_ivr_result"), Some("transfer"), "{event:?}");
}

#[test]
fn out_of_hours_the_caller_hears_closed() {
    // Monday 7 December 2026, 08:30 UTC = 08:30 in London: not yet open.
    let (switch, password) = demo_switch("2026-12-07T08:30:00Z");
    let event = call(&switch, &password, "5000", "");
    assert_eq!(
        event.header("variable_office"),
        Some("closed"),
        "{event:?}\n{}",
        switch.log()
    );
    assert_eq!(event.header("variable_account_branch"), None, "{event:?}");
    // Sunday 6 December 2026, noon.
    let (switch, password) = demo_switch("2026-12-06T12:00:00Z");
    let event = call(&switch, &password, "5000", "");
    assert_eq!(event.header("variable_office"), Some("closed"), "{event:?}");
}
