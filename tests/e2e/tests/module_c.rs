//! A module written in C99 against `switchyard.h` alone: it loads, registers
//! API commands, receives and fires events, and unloads; the host refuses a
//! second load, a wrong ABI and a library without the descriptor symbol; a
//! `<load>` line in switchyard.xml preloads it.

use std::path::Path;
use std::time::Duration;

use switchyard_e2e::c_module::compile_c_module;
use switchyard_e2e::wait::poll_until;
use switchyard_e2e::{Switch, SwitchOptions, TempDir};

/// How long an asynchronous effect (an event reaching a handler) may take.
const EVENT_WAIT: Duration = Duration::from_secs(10);

#[test]
fn c_module_loads_works_and_unloads() {
    let mod_dir = TempDir::new("mod-c-probe");
    compile_c_module("mod_c_probe.c", "mod_c_probe", mod_dir.path());
    let switch = Switch::start(SwitchOptions {
        mod_dir: Some(mod_dir.path().to_path_buf()),
        ..SwitchOptions::default()
    });

    let before = switch.cli_x("cprobe hello");
    assert_eq!(
        before.text(),
        "-ERR cprobe Command not found!",
        "not loaded yet: {before}"
    );

    let load = switch.cli_x("load mod_c_probe");
    assert_eq!(load.code(), Some(0), "{load}");
    assert_eq!(
        load.text(),
        "+OK mod_c_probe loaded (version 1.0.0)",
        "{load}"
    );

    let modules = switch.cli_x("show modules");
    assert!(modules.stdout.contains("mod_c_probe"), "{modules}");
    let api = switch.cli_x("show api");
    assert!(api.stdout.contains("cprobe_fire"), "{api}");

    let echo = switch.cli_x("cprobe hello");
    assert_eq!(echo.code(), Some(0), "{echo}");
    assert_eq!(echo.text(), "+OK cprobe hello", "{echo}");

    // The host gives the module its own places.
    let paths = switch.cli_x("cprobe_paths");
    assert_eq!(paths.code(), Some(0), "{paths}");
    let lines: Vec<&str> = paths.text().lines().collect();
    assert_eq!(lines.len(), 3, "{paths}");
    let module_dir = switch.data_dir().join("modules").join("mod_c_probe");
    assert!(
        same_path(lines[0], switch.conf_dir()),
        "config_dir: {paths}"
    );
    assert!(same_path(lines[1], &module_dir), "data_dir: {paths}");
    assert!(
        module_dir.is_dir(),
        "the host creates {}",
        module_dir.display()
    );
    assert!(
        same_path(lines[2], &module_dir.join("mod_c_probe.db")),
        "db_path: {paths}"
    );

    // An event fired by the operator reaches the module's handler.
    let sent = switch.cli_x("sendevent CUSTOM probe::ping Greeting=hello");
    assert_eq!(sent.code(), Some(0), "{sent}");
    let last = poll_until(EVENT_WAIT, Duration::from_millis(50), || {
        let last = switch.cli_x("cprobe_last");
        (last.text() == "hello").then_some(last)
    });
    assert!(
        last.is_some(),
        "cprobe_last never returned `hello`; last answer: {}",
        switch.cli_x("cprobe_last")
    );

    // An event fired by the module reaches an ESL subscriber.
    let mut subscriber = switch.esl();
    let subscribed = subscriber
        .subscribe("plain CUSTOM probe::pong")
        .expect("subscribe");
    assert!(subscribed.reply_text().starts_with("+OK"), "{subscribed:?}");
    let fire = switch.cli_x("cprobe_fire");
    assert_eq!(fire.code(), Some(0), "{fire}");
    let pong = subscriber
        .wait_for_event(EVENT_WAIT, |event| event.subclass() == "probe::pong")
        .expect("the module's probe::pong event reaches the subscriber");
    assert_eq!(pong.name(), "CUSTOM");
    assert_eq!(pong.header("Greeting"), Some("pong"), "{pong:?}");

    let again = switch.cli_x("load mod_c_probe");
    assert_eq!(again.code(), Some(1), "{again}");
    assert!(again.text().starts_with("-ERR"), "{again}");
    assert!(again.stdout.contains("already loaded"), "{again}");

    let unload = switch.cli_x("unload mod_c_probe");
    assert_eq!(unload.code(), Some(0), "{unload}");
    assert!(unload.text().starts_with("+OK"), "{unload}");
    let gone = switch.cli_x("cprobe hello");
    assert_eq!(gone.text(), "-ERR cprobe Command not found!", "{gone}");
    assert_eq!(gone.code(), Some(1), "{gone}");
    let modules = switch.cli_x("show modules");
    assert!(!modules.stdout.contains("mod_c_probe"), "{modules}");

    // Its event binding went with it: firing the event is harmless.
    let sent = switch.cli_x("sendevent CUSTOM probe::ping Greeting=after");
    assert_eq!(sent.code(), Some(0), "{sent}");
    let status = switch.cli_x("status");
    assert_eq!(status.code(), Some(0), "{status}");

    // And it can be loaded again.
    let reload = switch.cli_x("load mod_c_probe");
    assert_eq!(reload.code(), Some(0), "{reload}");
    let echo = switch.cli_x("cprobe again");
    assert_eq!(echo.text(), "+OK cprobe again", "{echo}");
}

#[test]
fn wrong_abi_major_is_refused_naming_both_versions() {
    let mod_dir = TempDir::new("mod-c-badabi");
    compile_c_module("mod_c_badabi.c", "mod_c_badabi", mod_dir.path());
    let switch = Switch::start(SwitchOptions {
        mod_dir: Some(mod_dir.path().to_path_buf()),
        ..SwitchOptions::default()
    });
    let load = switch.cli_x("load mod_c_badabi");
    assert_eq!(load.code(), Some(1), "{load}");
    assert!(load.text().starts_with("-ERR"), "{load}");
    assert!(
        load.stdout.contains("2.0") && load.stdout.contains("1.1"),
        "the refusal names the module's ABI 2.0 and the switch's 1.1: {load}"
    );
    let ran = switch.cli_x("badabi_ran");
    assert_eq!(
        ran.text(),
        "-ERR badabi_ran Command not found!",
        "the host must not call load of a module with another ABI major: {ran}"
    );
    let modules = switch.cli_x("show modules");
    assert!(!modules.stdout.contains("mod_c_badabi"), "{modules}");
}

#[test]
fn library_without_descriptor_is_refused_naming_the_symbol() {
    let mod_dir = TempDir::new("mod-c-nosymbol");
    compile_c_module("mod_c_nosymbol.c", "mod_c_nosymbol", mod_dir.path());
    let switch = Switch::start(SwitchOptions {
        mod_dir: Some(mod_dir.path().to_path_buf()),
        ..SwitchOptions::default()
    });
    let load = switch.cli_x("load mod_c_nosymbol");
    assert_eq!(load.code(), Some(1), "{load}");
    assert!(load.text().starts_with("-ERR"), "{load}");
    assert!(
        load.stdout.contains("switchyard_module"),
        "the refusal names the missing symbol: {load}"
    );

    let missing = switch.cli_x("load mod_does_not_exist");
    assert_eq!(missing.code(), Some(1), "{missing}");
    assert!(missing.text().starts_with("-ERR"), "{missing}");
    assert!(missing.stdout.contains("mod_does_not_exist"), "{missing}");

    let status = switch.cli_x("status");
    assert_eq!(status.code(), Some(0), "{status}");
}

#[test]
fn configuration_preloads_a_module() {
    let mod_dir = TempDir::new("mod-c-preload");
    compile_c_module("mod_c_probe.c", "mod_c_probe", mod_dir.path());
    let mut switch = Switch::start(SwitchOptions {
        mod_dir: Some(mod_dir.path().to_path_buf()),
        conf_xml: Some(
            r#"<switchyard>
  <modules>
    <load module="mod_c_probe"/>
  </modules>
</switchyard>
"#
            .to_string(),
        ),
        ..SwitchOptions::default()
    });
    let modules = switch.cli_x("show modules");
    assert!(modules.stdout.contains("mod_c_probe"), "{modules}");
    let echo = switch.cli_x("cprobe preloaded");
    assert_eq!(echo.text(), "+OK cprobe preloaded", "{echo}");

    // A clean shutdown with a module loaded and a subscriber connected.
    let mut subscriber = switch.esl();
    subscriber.subscribe("plain ALL").expect("subscribe");
    switch.stop();
}

/// True when `reported` (from the switch) names the same place as `expected`;
/// a relative report is taken relative to the switch's working directory.
fn same_path(reported: &str, expected: &Path) -> bool {
    let canonical = |path: &Path| path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
    let expected = canonical(expected);
    let reported = Path::new(reported);
    if reported.is_absolute() {
        return canonical(reported) == expected;
    }
    // The harness starts the switch in the parent of its data directory.
    expected.ends_with(reported)
}

/// ABI 1.1: a C module's dialplan application answers a baresip call
/// (`channel_answer`), plays a 1 kHz tone (`channel_play` of a
/// `tone_stream://`), sets a channel variable and returns; the phone's
/// recording holds the tone, and the variable is on the leg's
/// `CHANNEL_HANGUP_COMPLETE`.
#[test]
fn a_c_module_answers_a_call_and_plays_a_tone() {
    use switchyard_e2e::audio::{dominant_tones, read_wav, write_wav};
    use switchyard_e2e::baresip::{Baresip, BaresipOptions};
    let mod_dir = TempDir::new("mod-c-tone");
    compile_c_module("tone_app.c", "mod_c_tone", mod_dir.path());
    let switch = Switch::start(SwitchOptions {
        mod_dir: Some(mod_dir.path().to_path_buf()),
        conf_xml: Some(
            "<switchyard><settings><param name=\"sip-digest-algorithms\" value=\"MD5\"/></settings></switchyard>"
                .into(),
        ),
        ..SwitchOptions::default()
    });
    std::fs::create_dir_all(switch.conf_dir().join("dialplan")).expect("dialplan dir");
    std::fs::write(
        switch.conf_dir().join("dialplan/acme.xml"),
        r#"<include><context name="acme.test">
  <extension name="tone"><condition field="destination_number" expression="^9300$">
    <action application="c_tone" data="tone_stream://%(2000,0,1000)"/>
    <action application="hangup"/>
  </condition></extension>
</context></include>"#,
    )
    .expect("dialplan");
    for command in [
        "load mod_c_tone",
        "reloadxml",
        "tenant add acme.test",
        "user add 1001@acme.test s3cret",
    ] {
        let out = switch.cli_x(command);
        assert_eq!(out.code(), Some(0), "{command}: {out}");
    }
    let mut esl = switch.esl();
    esl.subscribe("plain CHANNEL_HANGUP_COMPLETE")
        .expect("subscribe");
    let silence = mod_dir.path().join("silence.wav");
    write_wav(&silence, 8000, &vec![0; 8000 * 10]);
    let phone = Baresip::start_with(
        &mod_dir.subdir("phone"),
        &BaresipOptions::registered("1001", "acme.test", "s3cret", switch.sip_port(), &silence),
    );
    poll_until(Duration::from_secs(15), Duration::from_millis(100), || {
        switch
            .cli_x("show registrations")
            .stdout
            .ends_with("\n1 total.\n")
            .then_some(())
    })
    .expect("the phone registers");
    phone.dial("sip:9300@acme.test").expect("dial");
    assert!(
        phone.wait_for_event("CALL_CLOSED", Duration::from_secs(15)),
        "the switch hangs up after the tone\n{}\n{}",
        phone.log(),
        switch.log()
    );
    let (_, received) = phone
        .wait_for_recordings(Duration::from_secs(5))
        .expect("recordings");
    let (rate, samples) = read_wav(&received);
    let tones = dominant_tones(&samples, rate, &[440.0, 1000.0, 2000.0]);
    let thousand = tones.iter().filter(|t| **t == Some(1000.0)).count();
    // dominant_tones looks at 100 ms frames: 2 s of tone is 20 of them.
    assert!(
        thousand >= 15,
        "1 kHz heard in {thousand} frames of 100 ms: {tones:?}\n{}",
        switch.log()
    );
    let hangup = esl
        .wait_for_event(Duration::from_secs(5), |e| {
            e.name() == "CHANNEL_HANGUP_COMPLETE"
        })
        .expect("hangup event");
    assert_eq!(hangup.header("variable_c_tone_played"), Some("yes"));
}
