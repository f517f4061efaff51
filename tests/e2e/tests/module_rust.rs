//! A module written in Rust with the SDK, built out of tree from
//! `tests/modules/mod_rust_probe`: reload picks up new code, a panic fails
//! only its own command, and a module with a running command refuses to
//! unload, naming the command.

use std::fs;
use std::time::Duration;

use switchyard_e2e::paths::workspace_root;
use switchyard_e2e::rust_module::RustModuleProject;
use switchyard_e2e::wait::poll_until;
use switchyard_e2e::{Switch, SwitchOptions, TempDir};

/// The module's name and crate name.
const MODULE: &str = "mod_rust_probe";
/// How long an asynchronous effect (an event, a background job) may take.
const EVENT_WAIT: Duration = Duration::from_secs(30);

/// Builds the template into a fresh module directory and starts a switch
/// with that directory; returns both (and the project, for rebuilds).
fn switch_with_rust_probe() -> (RustModuleProject, TempDir, Switch) {
    let project = RustModuleProject::from_template(MODULE);
    let mod_dir = TempDir::new("mod-rust-probe");
    project.build_and_install(mod_dir.path(), MODULE);
    let switch = Switch::start(SwitchOptions {
        mod_dir: Some(mod_dir.path().to_path_buf()),
        ..SwitchOptions::default()
    });
    let load = switch.cli_x(&format!("load {MODULE}"));
    assert_eq!(load.code(), Some(0), "{load}");
    assert_eq!(
        load.text(),
        "+OK mod_rust_probe loaded (version 1.0.0)",
        "{load}"
    );
    (project, mod_dir, switch)
}

#[test]
fn reload_picks_up_a_rebuilt_module() {
    let (project, mod_dir, switch) = switch_with_rust_probe();
    let first = switch.cli_x("rprobe");
    assert_eq!(first.code(), Some(0), "{first}");
    assert_eq!(first.text(), "+OK rprobe v1", "{first}");

    // The SDK's event binding works like the C one.
    let sent = switch.cli_x("sendevent CUSTOM probe::ping Greeting=from-rust-test");
    assert_eq!(sent.code(), Some(0), "{sent}");
    let seen = poll_until(Duration::from_secs(10), Duration::from_millis(50), || {
        (switch.cli_x("rprobe_last").text() == "from-rust-test").then_some(())
    });
    assert!(
        seen.is_some(),
        "rprobe_last never returned the greeting: {}",
        switch.cli_x("rprobe_last")
    );

    project.edit_source(
        "lib.rs",
        "pub const GREETING: &str = \"v1\";",
        "pub const GREETING: &str = \"v2\";",
    );
    project.build_and_install(mod_dir.path(), MODULE);
    let reload = switch.cli_x(&format!("reload {MODULE}"));
    assert_eq!(reload.code(), Some(0), "{reload}");
    assert!(reload.text().starts_with("+OK"), "{reload}");

    let second = switch.cli_x("rprobe");
    assert_eq!(
        second.text(),
        "+OK rprobe v2",
        "after reload the rebuilt library must answer (the old copy must not stay in use): {second}"
    );
    let modules = switch.cli_x("show modules");
    assert!(modules.stdout.contains(MODULE), "{modules}");
}

#[test]
fn panicking_command_fails_alone() {
    let (_project, _mod_dir, switch) = switch_with_rust_probe();
    let panicked = switch.cli_x("rprobe_panic");
    assert_eq!(panicked.code(), Some(1), "{panicked}");
    assert!(panicked.text().starts_with("-ERR"), "{panicked}");
    assert!(
        panicked.stdout.to_lowercase().contains("panic"),
        "the reply says it panicked: {panicked}"
    );

    let status = switch.cli_x("status");
    assert_eq!(status.code(), Some(0), "the switch survives: {status}");
    assert!(status.text().starts_with("UP "), "{status}");
    let still = switch.cli_x("rprobe");
    assert_eq!(
        still.text(),
        "+OK rprobe v1",
        "the module still works: {still}"
    );
    // Twice: containing one panic must not leave anything poisoned.
    let again = switch.cli_x("rprobe_panic");
    assert!(again.text().starts_with("-ERR"), "{again}");
    assert_eq!(switch.cli_x("status").code(), Some(0));
}

#[test]
fn unload_is_refused_while_a_command_runs() {
    let (_project, _mod_dir, switch) = switch_with_rust_probe();
    let mut client = switch.esl();
    let subscribed = client
        .subscribe("plain BACKGROUND_JOB CUSTOM probe::sleep-started")
        .expect("subscribe");
    assert!(subscribed.reply_text().starts_with("+OK"), "{subscribed:?}");

    // The sleep lasts until rprobe_wake (or 120 s), so no timing matters.
    let job_uuid = client.bgapi("rprobe_sleep 120").expect("bgapi");
    client
        .wait_for_event(EVENT_WAIT, |event| {
            event.subclass() == "probe::sleep-started"
        })
        .expect("rprobe_sleep announces that it runs");

    let refused = switch.cli_x(&format!("unload {MODULE}"));
    assert_eq!(refused.code(), Some(1), "{refused}");
    assert!(refused.text().starts_with("-ERR"), "{refused}");
    assert!(
        refused.stdout.contains("rprobe_sleep"),
        "the refusal names the running command: {refused}"
    );
    assert!(
        refused.stdout.contains("in use"),
        "the refusal says the module is in use: {refused}"
    );
    let still = switch.cli_x("rprobe");
    assert_eq!(still.text(), "+OK rprobe v1", "still loaded: {still}");

    let wake = switch.cli_x("rprobe_wake");
    assert_eq!(wake.code(), Some(0), "{wake}");
    let done = client
        .wait_for_event(EVENT_WAIT, |event| {
            event.name() == "BACKGROUND_JOB" && event.header("Job-UUID") == Some(job_uuid.as_str())
        })
        .expect("the BACKGROUND_JOB of rprobe_sleep arrives");
    assert_eq!(done.header("Job-Command"), Some("rprobe_sleep"), "{done:?}");
    assert_eq!(done.header("Job-Command-Arg"), Some("120"), "{done:?}");
    assert!(
        done.body.as_deref().unwrap_or("").contains("+OK woken"),
        "the job's body is the command's reply: {done:?}"
    );

    let unload = switch.cli_x(&format!("unload {MODULE}"));
    assert_eq!(unload.code(), Some(0), "{unload}");
    assert!(unload.text().starts_with("+OK"), "{unload}");
    let gone = switch.cli_x("rprobe");
    assert_eq!(gone.text(), "-ERR rprobe Command not found!", "{gone}");
}

#[test]
fn template_is_kept_out_of_the_workspace() {
    let manifest =
        fs::read_to_string(workspace_root().join("Cargo.toml")).expect("root Cargo.toml");
    let members_line = manifest
        .lines()
        .find(|line| line.trim_start().starts_with("members"))
        .expect("root Cargo.toml lists members");
    assert!(
        !members_line.contains('*') && !members_line.contains("tests/modules"),
        "the root workspace must not pick up tests/modules/*: {members_line}"
    );
    let template = fs::read_to_string(
        workspace_root()
            .join("tests/modules")
            .join(MODULE)
            .join("Cargo.toml"),
    )
    .expect("template Cargo.toml");
    assert!(
        template.lines().any(|line| line.trim() == "[workspace]"),
        "the template is a workspace of its own"
    );
}
