//! A fresh start with no configuration: the secret file, the core API
//! commands through `switchyard cli -x`, a clean SIGTERM, the WAL database,
//! and `switchyard check` on good and broken configuration files.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::process::Command;
use std::time::Duration;

use switchyard_e2e::binary::switchyard_binary;
use switchyard_e2e::process::run_bounded;
use switchyard_e2e::{EslClient, Switch, SwitchOptions, TempDir};

/// The version every command reports for this build.
const VERSION_BANNER: &str = "Switchyard (Version 0.1.0)";

#[test]
fn fresh_start_answers_status_through_the_secret_file() {
    let switch = Switch::start(SwitchOptions::default());
    assert!(
        !switch.conf_dir().join("switchyard.xml").exists(),
        "the test must run without a configuration file"
    );

    // No -p: the CLI must find DATA_DIR/esl.secret on its own.
    let status = switch.cli_x("status");
    assert_eq!(status.code(), Some(0), "{status}");
    let first_line = status.text().lines().next().unwrap_or("");
    assert!(
        first_line.starts_with("UP "),
        "status must start with `UP `: {status}"
    );
    assert!(
        status
            .stdout
            .contains(&format!("{VERSION_BANNER} is ready")),
        "status must contain `{VERSION_BANNER} is ready`: {status}"
    );
    assert!(
        status.stdout.contains("0 session(s)"),
        "a fresh switch has `0 session(s)`: {status}"
    );
}

#[test]
fn log_announces_the_listening_address() {
    let switch = Switch::start(SwitchOptions::default());
    let expected = format!("ESL listening on 127.0.0.1:{}", switch.port());
    assert!(
        switch.log().contains(&expected),
        "the log must say `{expected}`:\n{}",
        switch.log()
    );
}

#[test]
fn cli_exits_2_when_it_cannot_connect_or_authenticate() {
    let switch = Switch::start(SwitchOptions {
        password: Some("right".to_string()),
        ..SwitchOptions::default()
    });
    let wrong = switch.cli(&["-p", "wrong", "-x", "status"]);
    assert_eq!(wrong.code(), Some(2), "wrong password: {wrong}");

    let port = switch.port().to_string();
    drop(switch);
    let nobody = run_bounded(
        Command::new(switchyard_binary())
            .args(["cli", "-P", &port, "-p", "right", "-x", "status"])
            .env_remove("SWITCHYARD_ESL_PASSWORD"),
        Duration::from_secs(30),
    );
    assert_eq!(nobody.code(), Some(2), "nothing listening: {nobody}");
}

#[test]
fn password_can_come_from_the_environment() {
    let switch = Switch::start(SwitchOptions {
        env: vec![(
            "SWITCHYARD_ESL_PASSWORD".to_string(),
            "from-env".to_string(),
        )],
        ..SwitchOptions::default()
    });
    let mut client =
        EslClient::connect_and_auth(switch.port(), "from-env").expect("auth with the env password");
    assert!(client.api("status").expect("api status").starts_with("UP "));

    let cli = run_bounded(
        Command::new(switchyard_binary())
            .args(["cli", "-P", &switch.port().to_string(), "-x", "status"])
            .arg("--data-dir")
            .arg(switch.data_dir())
            .env("SWITCHYARD_ESL_PASSWORD", "from-env"),
        Duration::from_secs(30),
    );
    assert_eq!(
        cli.code(),
        Some(0),
        "the CLI reads the env password too: {cli}"
    );
}

#[test]
fn secret_file_is_private_and_authenticates() {
    let switch = Switch::start(SwitchOptions::default());
    let secret_path = switch.data_dir().join("esl.secret");
    let metadata = fs::metadata(&secret_path)
        .unwrap_or_else(|err| panic!("{} must exist: {err}", secret_path.display()));
    assert_eq!(
        metadata.permissions().mode() & 0o777,
        0o600,
        "esl.secret must be readable by its owner only"
    );
    let secret = fs::read_to_string(&secret_path).expect("read esl.secret");
    assert_eq!(
        secret.trim_end().lines().count(),
        1,
        "esl.secret is one line: {secret:?}"
    );
    let secret = secret.trim();
    assert!(!secret.is_empty(), "esl.secret must not be empty");

    let mut client = EslClient::connect_and_auth(switch.port(), secret)
        .expect("the secret from esl.secret authenticates");
    let status = client.api("status").expect("api status");
    assert!(status.starts_with("UP "), "api status: {status:?}");

    let mut wrong = EslClient::connect(switch.port()).expect("connect");
    let reply = wrong.auth(&format!("{secret}x")).expect("auth reply");
    assert_eq!(reply.reply_text(), "-ERR invalid", "{reply:?}");
}

#[test]
fn core_commands_answer() {
    let switch = Switch::start(SwitchOptions::default());

    let version = switch.cli_x("version");
    assert_eq!(version.code(), Some(0), "{version}");
    assert!(version.stdout.contains("0.1.0"), "{version}");

    let uptime = switch.cli_x("uptime");
    assert_eq!(uptime.code(), Some(0), "{uptime}");
    assert!(
        !uptime.text().is_empty() && !uptime.text().starts_with("-ERR"),
        "{uptime}"
    );

    let help = switch.cli_x("help");
    assert_eq!(help.code(), Some(0), "{help}");
    for command in ["status", "load", "unload"] {
        assert!(
            help.stdout.contains(command),
            "help lacks {command}: {help}"
        );
    }

    let reloadxml = switch.cli_x("reloadxml");
    assert_eq!(reloadxml.code(), Some(0), "{reloadxml}");
    assert!(reloadxml.text().starts_with("+OK"), "{reloadxml}");

    let unknown = switch.cli_x("foo");
    assert_eq!(unknown.text(), "-ERR foo Command not found!", "{unknown}");
    assert_eq!(unknown.code(), Some(1), "-ERR replies exit 1: {unknown}");
}

#[test]
fn show_api_lists_the_core_commands_as_csv() {
    let switch = Switch::start(SwitchOptions::default());
    let show = switch.cli_x("show api");
    assert_eq!(show.code(), Some(0), "{show}");
    let lines: Vec<&str> = show.text().lines().collect();
    assert_eq!(
        lines.first().copied(),
        Some("name,description,syntax,ikey"),
        "CSV header first: {show}"
    );
    let blank = lines
        .iter()
        .position(|line| line.trim().is_empty())
        .unwrap_or_else(|| panic!("a blank line before the total: {show}"));
    let rows = &lines[1..blank];
    let names: Vec<&str> = rows
        .iter()
        .map(|row| row.split(',').next().unwrap_or(""))
        .collect();
    for expected in [
        "status",
        "version",
        "uptime",
        "help",
        "show",
        "load",
        "unload",
        "reload",
        "reloadxml",
        "log",
        "sendevent",
    ] {
        assert!(
            names.contains(&expected),
            "show api lacks {expected}: {show}"
        );
    }
    assert_eq!(
        lines.get(blank + 1).copied(),
        Some(format!("{} total.", rows.len()).as_str()),
        "the total counts the rows: {show}"
    );
}

#[test]
fn sigterm_exits_cleanly_and_leaves_a_wal_database() {
    let mut switch = Switch::start(SwitchOptions::default());
    // Do some work first so that the store has been touched.
    let status = switch.cli_x("status");
    assert_eq!(status.code(), Some(0), "{status}");
    switch.stop();

    let db_path = switch.data_dir().join("switchyard.db");
    let header =
        fs::read(&db_path).unwrap_or_else(|err| panic!("{} must exist: {err}", db_path.display()));
    assert!(
        header.starts_with(b"SQLite format 3\0"),
        "{} is not an SQLite database",
        db_path.display()
    );
    // Offsets 18 and 19 hold the file format write/read versions: 2 = WAL.
    assert_eq!(
        (header.get(18).copied(), header.get(19).copied()),
        (Some(2), Some(2)),
        "switchyard.db must be in WAL mode"
    );
}

#[test]
fn sigint_exits_cleanly_too() {
    let mut switch = Switch::start(SwitchOptions::default());
    let status = switch.signal_and_wait("INT");
    assert_eq!(
        status.code(),
        Some(0),
        "switchyard should exit 0 on SIGINT, got {status}\n{}",
        switch.log()
    );
}

#[test]
fn check_accepts_a_good_configuration() {
    let conf = TempDir::new("check-good");
    let none = check(conf.path());
    assert_eq!(
        none.code(),
        Some(0),
        "no switchyard.xml: the embedded default is fine: {none}"
    );

    fs::write(
        conf.path().join("switchyard.xml"),
        r#"<switchyard>
  <settings>
    <param name="log-level" value="info"/>
    <param name="esl-max-connections" value="256"/>
    <param name="esl-auth-timeout-secs" value="10"/>
  </settings>
</switchyard>
"#,
    )
    .expect("write switchyard.xml");
    let good = check(conf.path());
    assert_eq!(good.code(), Some(0), "{good}");
    assert!(
        good.stdout.contains("configuration OK"),
        "check prints `configuration OK`: {good}"
    );
}

#[test]
fn check_names_file_and_line_of_an_unknown_param() {
    assert_check_refuses(
        r#"<switchyard>
  <settings>
    <param name="log-level" value="info"/>
    <param name="no-such-param" value="1"/>
  </settings>
</switchyard>
"#,
        "switchyard.xml:4:",
        &["no-such-param"],
    );
}

#[test]
fn check_names_file_and_line_of_malformed_xml() {
    // Line 4 holds the mismatched closing tag.
    assert_check_refuses(
        r#"<switchyard>
  <settings>
    <param name="log-level" value="info"/>
  </setings>
</switchyard>
"#,
        "switchyard.xml:4:",
        &[],
    );
}

#[test]
fn check_names_file_and_line_of_a_bad_value() {
    assert_check_refuses(
        r#"<switchyard>
  <settings>
    <param name="esl-auth-timeout-secs" value="soon"/>
  </settings>
</switchyard>
"#,
        "switchyard.xml:3:",
        &["soon"],
    );
}

/// Writes `xml` as switchyard.xml and asserts that `switchyard check`
/// fails, printing `location` and every string of `mentions`.
fn assert_check_refuses(xml: &str, location: &str, mentions: &[&str]) {
    let conf = TempDir::new("check-bad");
    fs::write(conf.path().join("switchyard.xml"), xml).expect("write switchyard.xml");
    let result = check(conf.path());
    assert_ne!(result.code(), Some(0), "{result}");
    let printed = format!("{}{}", result.stdout, result.stderr);
    assert!(
        printed.contains(location),
        "the error names {location}: {result}"
    );
    for mention in mentions {
        assert!(
            printed.contains(mention),
            "the error names {mention}: {result}"
        );
    }
}

/// Runs `switchyard check --conf-dir DIR`.
fn check(conf_dir: &std::path::Path) -> switchyard_e2e::CommandOutput {
    run_bounded(
        Command::new(switchyard_binary())
            .arg("check")
            .arg("--conf-dir")
            .arg(conf_dir)
            .current_dir(conf_dir),
        Duration::from_secs(30),
    )
}
