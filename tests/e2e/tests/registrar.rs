//! Registration through the running switch: SIPp (a real peer) registers
//! with MD5 digest; a wrong password gets 403 and no binding; repeated
//! failures ban the source and `show bans` lists it; bindings survive a
//! restart; SHA-256 digest works with an independent client (a mock: no
//! installable peer here speaks SHA-256 digest).

use std::fs;
use std::process::Command;
use std::time::Duration;

use switchyard_e2e::paths::workspace_root;
use switchyard_e2e::process::run_bounded;
use switchyard_e2e::{Switch, SwitchOptions, TempDir, sipp};

/// Configuration challenging with MD5 only: SIPp 3.6 gives up on the first
/// challenge it does not know, and SHA-256 comes first by default.
const MD5_ONLY: &str = "<switchyard><settings><param name=\"sip-digest-algorithms\" value=\"MD5\"/></settings></switchyard>";

fn provisioned(options: SwitchOptions) -> Switch {
    let switch = Switch::start(options);
    for command in ["tenant add acme.test", "user add 1001@acme.test s3cret"] {
        let out = switch.cli_x(command);
        assert_eq!(out.code(), Some(0), "{command}: {out}");
    }
    switch
}

fn md5_switch() -> Switch {
    provisioned(SwitchOptions {
        conf_xml: Some(MD5_ONLY.into()),
        ..SwitchOptions::default()
    })
}

/// Writes SIPp's injection file (extension;domain) into `dir`.
fn users_file(dir: &TempDir) -> String {
    let path = dir.path().join("users.csv");
    fs::write(&path, "SEQUENTIAL\n1001;acme.test\n").expect("write users.csv");
    path.display().to_string()
}

fn register_with_sipp(
    switch: &Switch,
    dir: &TempDir,
    scenario: &str,
    password: &str,
    calls: u32,
) -> switchyard_e2e::CommandOutput {
    register_with_sipp_over(switch, dir, scenario, password, calls, "u1")
}

/// As [`register_with_sipp`], over SIPp transport `u1` (UDP) or `t1` (TCP).
fn register_with_sipp_over(
    switch: &Switch,
    dir: &TempDir,
    scenario: &str,
    password: &str,
    calls: u32,
    transport: &str,
) -> switchyard_e2e::CommandOutput {
    let users = users_file(dir);
    let args = [
        "-inf",
        &users,
        "-au",
        "1001",
        "-ap",
        password,
        "-auth_uri",
        "acme.test",
        "-t",
        transport,
    ];
    sipp::run(
        dir.path(),
        switch.sip_port(),
        &sipp::scenario(scenario),
        calls,
        &args,
    )
}

fn registrations(switch: &Switch) -> String {
    let out = switch.cli_x("show registrations");
    assert_eq!(out.code(), Some(0), "{out}");
    out.stdout
}

#[test]
fn sipp_registers_with_md5_digest_and_the_binding_is_listed() {
    let switch = md5_switch();
    let dir = TempDir::new("sipp-register");
    let run = register_with_sipp(&switch, &dir, "register_digest.xml", "s3cret", 1);
    assert_eq!(run.code(), Some(0), "SIPp: {run}\n{}", switch.log());
    let listed = registrations(&switch);
    assert!(
        listed.contains("\n1001,acme.test,sip:1001@127.0.0.1:"),
        "{listed}"
    );
    assert!(listed.contains(",udp,SIPp\n"), "{listed}");
    assert!(listed.ends_with("\n1 total.\n"), "{listed}");

    // And over TCP: a second contact for the same user.
    let run = register_with_sipp_over(&switch, &dir, "register_digest.xml", "s3cret", 1, "t1");
    assert_eq!(
        run.code(),
        Some(0),
        "SIPp over TCP: {run}\n{}",
        switch.log()
    );
    let listed = registrations(&switch);
    assert!(listed.contains(",tcp,SIPp\n"), "{listed}");
    assert!(listed.ends_with("\n2 total.\n"), "{listed}");
}

#[test]
fn a_wrong_password_gets_403_and_no_binding_and_repeats_get_banned() {
    let switch = md5_switch();
    let dir = TempDir::new("sipp-refused");
    // The scenario expects 401 then 403; SIPp exits 0 only if both came.
    let run = register_with_sipp(&switch, &dir, "register_refused.xml", "wrong", 1);
    assert_eq!(run.code(), Some(0), "SIPp: {run}\n{}", switch.log());
    assert!(registrations(&switch).ends_with("\n0 total.\n"));
    assert!(switch.cli_x("show bans").stdout.ends_with("\n0 total.\n"));

    // The default policy bans after 10 failures within a minute.
    let run = register_with_sipp(&switch, &dir, "register_refused.xml", "wrong", 9);
    assert_eq!(run.code(), Some(0), "SIPp: {run}");
    let bans = switch.cli_x("show bans").stdout;
    assert!(
        bans.starts_with("address,remaining_secs,failures\n"),
        "{bans}"
    );
    assert!(bans.contains("\n127.0.0.1,"), "{bans}");
    assert!(registrations(&switch).ends_with("\n0 total.\n"));

    // Banned: even the right password gets no answer now.
    let run = register_with_sipp(&switch, &dir, "register_digest.xml", "s3cret", 1);
    assert_ne!(run.code(), Some(0), "a banned source was answered: {run}");
    assert!(registrations(&switch).ends_with("\n0 total.\n"));
}

#[test]
fn bindings_survive_a_restart() {
    let data = TempDir::new("restart-data");
    let mut first = provisioned(SwitchOptions {
        conf_xml: Some(MD5_ONLY.into()),
        data_dir: Some(data.path().to_path_buf()),
        ..SwitchOptions::default()
    });
    let dir = TempDir::new("sipp-restart");
    let run = register_with_sipp(&first, &dir, "register_digest.xml", "s3cret", 1);
    assert_eq!(run.code(), Some(0), "SIPp: {run}");
    let before = registrations(&first);
    assert!(before.ends_with("\n1 total.\n"), "{before}");
    first.stop();

    let second = Switch::start(SwitchOptions {
        conf_xml: Some(MD5_ONLY.into()),
        data_dir: Some(data.path().to_path_buf()),
        ..SwitchOptions::default()
    });
    let after = registrations(&second);
    assert!(
        after.contains("\n1001,acme.test,sip:1001@127.0.0.1:"),
        "{after}"
    );
    assert!(after.ends_with("\n1 total.\n"), "{after}");
}

#[test]
fn sha256_digest_registers_by_default() {
    let switch = provisioned(SwitchOptions::default());
    let script = workspace_root().join("tests/sip/register_digest.py");
    let port = switch.sip_port().to_string();
    for (algorithm, password, expected) in [
        ("SHA-256", "s3cret", "200"),
        ("MD5", "s3cret", "200"),
        ("SHA-256", "nope", "403"),
    ] {
        let out = run_bounded(
            Command::new("python3").arg(&script).args([
                &port,
                "1001",
                "acme.test",
                password,
                algorithm,
            ]),
            Duration::from_secs(30),
        );
        assert_eq!(
            out.stdout.trim(),
            expected,
            "{algorithm}/{password}: {out}\n{}",
            switch.log()
        );
    }
    let listed = registrations(&switch);
    assert!(listed.contains(",register_digest.py\n"), "{listed}");
}
