//! Python's `greenswitch` (written for FreeSWITCH) talks to the switch:
//! `api`, `bgapi` with its BACKGROUND_JOB, and a subscribed CUSTOM event.
//! `tests/run` installs greenswitch; this test installs nothing.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use switchyard_e2e::paths::esl_scripts_dir;
use switchyard_e2e::process::run_bounded;
use switchyard_e2e::{Switch, SwitchOptions};

/// How long the script may take to report each step.
const STEP_WAIT: Duration = Duration::from_secs(60);

#[test]
fn greenswitch_drives_the_event_socket() {
    let importable = run_bounded(
        Command::new("python3").args(["-c", "import greenswitch"]),
        Duration::from_secs(60),
    );
    assert_eq!(
        importable.code(),
        Some(0),
        "python3 cannot import greenswitch: run tests/run (it pip-installs greenswitch): {importable}"
    );

    let switch = Switch::start(SwitchOptions {
        password: Some("green-secret".to_string()),
        ..SwitchOptions::default()
    });
    let script = esl_scripts_dir().join("greenswitch_check.py");
    let mut child = Command::new("python3")
        .arg(&script)
        .args(["--port", &switch.port().to_string()])
        .args(["--password", "green-secret"])
        .args(["--subclass", "probe::ping", "--greeting", "hi"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start python3");

    let (lines_tx, lines) = mpsc::channel();
    let stdout = child.stdout.take().expect("script stdout");
    thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if lines_tx.send(line).is_err() {
                break;
            }
        }
    });
    let stderr = child.stderr.take().expect("script stderr");
    let stderr_reader = thread::spawn(move || {
        let mut text = String::new();
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            text.push_str(&line);
            text.push('\n');
        }
        text
    });

    let mut fired = false;
    let mut summary = None;
    while summary.is_none() {
        match lines.recv_timeout(STEP_WAIT) {
            Ok(line) if line == "READY" => {
                let sent = switch.cli_x("sendevent CUSTOM probe::ping Greeting=hi");
                assert_eq!(sent.code(), Some(0), "{sent}");
                fired = true;
            }
            Ok(line) if line.starts_with('{') => summary = Some(line),
            Ok(_) => {}
            Err(_) => break,
        }
    }
    let status = match summary {
        Some(_) => child.wait().expect("wait for the script"),
        None => {
            let _ = child.kill();
            child.wait().expect("wait for the killed script")
        }
    };
    let stderr = stderr_reader.join().unwrap_or_default();
    let summary = summary.unwrap_or_else(|| {
        panic!("greenswitch_check.py gave no summary (fired: {fired}); stderr:\n{stderr}")
    });
    assert!(status.success(), "greenswitch_check.py: {status}\n{stderr}");
    for expected in [
        "\"api_status_first_line\": \"UP ",
        "\"background_job_command\": \"status\"",
        "\"custom_event_name\": \"CUSTOM\"",
        "\"custom_event_subclass\": \"probe::ping\"",
        "\"custom_event_greeting\": \"hi\"",
        "\"stopped\": true",
    ] {
        assert!(
            summary.contains(expected),
            "summary lacks {expected}: {summary}"
        );
    }
}
