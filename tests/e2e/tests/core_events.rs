//! Core events over the event socket: HEARTBEAT at the configured interval
//! with FreeSWITCH's headers, and MODULE_LOAD / MODULE_UNLOAD when a module
//! comes and goes.

use std::time::Duration;

use switchyard_e2e::c_module::compile_c_module;
use switchyard_e2e::{Switch, SwitchOptions, TempDir};

const WAIT: Duration = Duration::from_secs(15);

#[test]
fn heartbeat_arrives_at_the_configured_interval_with_standard_headers() {
    let switch = Switch::start(SwitchOptions {
        conf_xml: Some(
            "<switchyard><settings><param name=\"heartbeat-interval-secs\" value=\"1\"/></settings></switchyard>"
                .into(),
        ),
        ..SwitchOptions::default()
    });
    let mut esl = switch.esl();
    let reply = esl.subscribe("plain HEARTBEAT").expect("subscribe");
    assert_eq!(
        reply.header("Reply-Text"),
        Some("+OK event listener enabled plain")
    );
    let first = esl
        .wait_for_event(WAIT, |e| e.name() == "HEARTBEAT")
        .expect("a HEARTBEAT");
    let second = esl
        .wait_for_event(WAIT, |e| e.name() == "HEARTBEAT")
        .expect("another HEARTBEAT");
    for event in [&first, &second] {
        assert_eq!(event.header("Event-Info"), Some("System Ready"));
        assert_eq!(event.header("Heartbeat-Interval"), Some("1"));
        assert_eq!(event.header("Session-Count"), Some("0"));
        assert!(
            event
                .header("Up-Time")
                .is_some_and(|u| u.contains(" seconds, "))
        );
        assert!(event.header("Core-UUID").is_some_and(|u| u.len() == 36));
        assert!(event.header("Event-Date-Timestamp").is_some());
    }
    let seq = |e: &switchyard_e2e::EslEvent| -> u64 {
        e.header("Event-Sequence")
            .and_then(|s| s.parse().ok())
            .expect("Event-Sequence")
    };
    assert!(seq(&second) > seq(&first));
    assert_eq!(first.header("Core-UUID"), second.header("Core-UUID"));
}

#[test]
fn module_load_and_unload_are_announced() {
    let mod_dir = TempDir::new("events-mod");
    compile_c_module("mod_c_probe.c", "mod_c_probe", mod_dir.path());
    let switch = Switch::start(SwitchOptions {
        mod_dir: Some(mod_dir.path().to_path_buf()),
        ..SwitchOptions::default()
    });
    let mut esl = switch.esl();
    esl.subscribe("plain MODULE_LOAD MODULE_UNLOAD")
        .expect("subscribe");
    assert_eq!(switch.cli_x("load mod_c_probe").code(), Some(0));
    let loaded = esl
        .wait_for_event(WAIT, |e| e.name() == "MODULE_LOAD")
        .expect("MODULE_LOAD");
    assert_eq!(loaded.header("name"), Some("mod_c_probe"));
    assert!(
        loaded
            .header("filename")
            .is_some_and(|f| f.ends_with("mod_c_probe.so"))
    );
    assert_eq!(switch.cli_x("unload mod_c_probe").code(), Some(0));
    let unloaded = esl
        .wait_for_event(WAIT, |e| e.name() == "MODULE_UNLOAD")
        .expect("MODULE_UNLOAD");
    assert_eq!(unloaded.header("name"), Some("mod_c_probe"));
}
