//! Lua call flows with real peers: SIPp (Debian `sip-tester`) calls into
//! FreeSWITCH-style scripts and presses keys by RFC 4733 (a pcap this test
//! writes, replayed by SIPp's `play_pcap_audio`); what the flow decided is
//! read back from the `CHANNEL_HANGUP_COMPLETE` event over ESL (the
//! channel variables the script and its hangup hook set, the destination
//! it was transferred to, the hangup cause).

use std::fs;
use std::thread;
use std::time::{Duration, Instant};

use switchyard_e2e::esl_event::EslEvent;
use switchyard_e2e::pcap::{DtmfTiming, rfc4733_packets, write_rtp_pcap};
use switchyard_e2e::{Switch, TempDir, calls, sipp};

/// The runaway limit the tests configure (ms).
const BUSY_LIMIT_MS: u64 = 1000;

/// SIPp 3.6 answers only MD5 challenges.
fn conf_xml(extra_lua: &str) -> String {
    format!(
        "<switchyard><settings><param name=\"sip-digest-algorithms\" value=\"MD5\"/></settings><lua><param name=\"busy-limit-ms\" value=\"{BUSY_LIMIT_MS}\"/>{extra_lua}</lua></switchyard>"
    )
}

const DIALPLAN: &str = r#"<include>
  <context name="acme.test">
    <extension name="ivr">
      <condition field="destination_number" expression="^7100$">
        <action application="lua" data="ivr.lua ivr"/>
      </condition>
    </extension>
    <extension name="sales">
      <condition field="destination_number" expression="^7001$">
        <action application="set" data="reached=sales-queue"/>
        <action application="hangup"/>
      </condition>
    </extension>
    <extension name="support">
      <condition field="destination_number" expression="^7002$">
        <action application="set" data="reached=support-queue"/>
        <action application="hangup"/>
      </condition>
    </extension>
    <extension name="agent">
      <condition field="destination_number" expression="^7004$">
        <action application="lua" data="agent.lua"/>
      </condition>
    </extension>
    <extension name="runaway">
      <condition field="destination_number" expression="^7003$">
        <action application="lua" data="spin.lua"/>
      </condition>
    </extension>
  </context>
</include>
"#;

/// The IVR: FreeSWITCH mod_lua style. Asks for a four-digit account
/// (three tries, an invalid-entry prompt, `#` ends input), branches on
/// it and transfers; the hangup hook records how the script's part ended.
const IVR: &str = r##"
function on_hangup(s, status, arg)
  s:setVariable("ivr_hook", status .. ":" .. tostring(arg))
end

session:answer()
session:setHangupHook("on_hangup", argv[1])
session:sleep(200)
local account = session:playAndGetDigits(4, 4, 3, 1500, "#",
  "tone_stream://%(500,0,500)", "tone_stream://%(300,0,300)",
  "^(1234|5678)$", "account", 1000)
freeswitch.consoleLog("info", "account entered: [" .. account .. "]\n")
if account == "1234" then
  session:setVariable("ivr_branch", "sales")
  session:transfer("7001", "XML", "acme.test")
elseif account == "5678" then
  session:setVariable("ivr_branch", "support")
  session:transfer("7002", "XML", "acme.test")
elseif session:ready() then
  session:setVariable("ivr_branch", "none")
  session:hangup("CALL_REJECTED")
end
"##;

struct Bench {
    switch: Switch,
    dir: TempDir,
}

fn bench(name: &str, extra_lua: &str, scripts: &[(&str, &str)]) -> Bench {
    let paths: Vec<String> = scripts
        .iter()
        .map(|(f, _)| format!("scripts/{f}"))
        .collect();
    let mut files: Vec<(&str, &str)> = vec![("dialplan/acme.xml", DIALPLAN)];
    files.extend(
        paths
            .iter()
            .map(String::as_str)
            .zip(scripts.iter().map(|(_, t)| *t)),
    );
    let switch = calls::switch_with(
        &conf_xml(extra_lua),
        &files,
        &[
            "tenant add acme.test",
            "user add 1001@acme.test s3cret",
            "user add 1002@acme.test pw2",
        ],
    );
    fs::create_dir_all(switch.conf_dir().join("scripts")).expect("scripts dir");
    Bench {
        switch,
        dir: TempDir::new(name),
    }
}

/// 1001 calls `number` pressing `digits` until the switch hangs up; the
/// caller's `CHANNEL_HANGUP_COMPLETE`.
fn call_pressing(bench: &Bench, tag: &str, number: &str, digits: &str) -> EslEvent {
    calls::call_pressing(
        &bench.switch,
        &bench.dir,
        ("1001", "s3cret", "acme.test"),
        number,
        tag,
        digits,
    )
}

fn var<'a>(event: &'a EslEvent, name: &str) -> Option<&'a str> {
    event.header(&format!("variable_{name}"))
}

#[test]
fn the_ivr_takes_a_valid_account_and_transfers_to_its_queue() {
    let bench = bench("lua-ivr-valid", "", &[("ivr.lua", IVR)]);
    let event = call_pressing(&bench, "valid", "7100", "1234#");
    let log = bench.switch.log();
    assert_eq!(var(&event, "account"), Some("1234"), "{event:?}\n{log}");
    assert_eq!(var(&event, "ivr_branch"), Some("sales"), "{event:?}\n{log}");
    assert_eq!(
        var(&event, "reached"),
        Some("sales-queue"),
        "{event:?}\n{log}"
    );
    assert_eq!(
        event.header("Caller-Destination-Number"),
        Some("7001"),
        "{event:?}"
    );
    assert_eq!(
        var(&event, "ivr_hook"),
        Some("transfer:ivr"),
        "the hangup hook saw the transfer, with argv[1] as its argument: {event:?}"
    );
    assert_eq!(var(&event, "account_invalid"), None, "{event:?}");
}

#[test]
fn an_invalid_account_plays_the_invalid_prompt_and_the_retry_succeeds() {
    let bench = bench("lua-ivr-retry", "", &[("ivr.lua", IVR)]);
    let event = call_pressing(&bench, "retry", "7100", "9999#W5678#");
    let log = bench.switch.log();
    assert_eq!(
        var(&event, "account_invalid"),
        Some("9999"),
        "{event:?}\n{log}"
    );
    assert_eq!(var(&event, "account"), Some("5678"), "{event:?}\n{log}");
    assert_eq!(
        var(&event, "ivr_branch"),
        Some("support"),
        "{event:?}\n{log}"
    );
    assert_eq!(var(&event, "reached"), Some("support-queue"), "{event:?}");
}

#[test]
fn silence_uses_up_the_tries_and_the_flow_rejects_the_call() {
    let bench = bench("lua-ivr-timeout", "", &[("ivr.lua", IVR)]);
    let started = Instant::now();
    let event = call_pressing(&bench, "timeout", "7100", "");
    let log = bench.switch.log();
    assert_eq!(var(&event, "ivr_branch"), Some("none"), "{event:?}\n{log}");
    assert_eq!(var(&event, "account"), None, "{event:?}");
    assert_eq!(
        event.header("Hangup-Cause"),
        Some("CALL_REJECTED"),
        "{event:?}"
    );
    assert_eq!(
        var(&event, "ivr_hook"),
        Some("hangup:ivr"),
        "the hook ran before the CDR was written: {event:?}\n{log}"
    );
    // Three tries of (prompt 0.5 s + 1.5 s wait) and two invalid prompts.
    assert!(
        started.elapsed() >= Duration::from_secs(6),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn a_caller_hanging_up_runs_the_hook_before_the_cdr() {
    let bench = bench("lua-ivr-hangup", "", &[("ivr.lua", IVR)]);
    let mut esl = bench.switch.esl();
    esl.subscribe("plain CHANNEL_HANGUP_COMPLETE")
        .expect("subscribe");
    let pcap = bench.dir.path().join("none.pcap");
    write_rtp_pcap(
        &pcap,
        &rfc4733_packets("", &DtmfTiming::default(), 101, 0x4321),
    );
    let media_port = sipp::free_media_port().to_string();
    let key = pcap.display().to_string();
    // The caller hangs up 1 s into the first prompt's wait.
    let caller = calls::call(
        &bench.switch,
        &bench.dir,
        ("1001", "s3cret", "acme.test"),
        "7100",
        "media_uac_pcap.xml",
        &["-mp", &media_port, "-key", "pcap", &key, "-d", "1000"],
    );
    assert_eq!(caller.code(), Some(0), "{caller}\n{}", bench.switch.log());
    let event = calls::hangup_complete_of(&mut esl, "7100", &bench.switch);
    assert_eq!(
        var(&event, "ivr_hook"),
        Some("hangup:ivr"),
        "{event:?}\n{}",
        bench.switch.log()
    );
    assert_eq!(var(&event, "ivr_branch"), None, "{event:?}");
}

#[test]
fn a_runaway_script_is_stopped_and_other_calls_carry_on() {
    let spin = "session:answer()\nlocal n = 0\nwhile true do n = n + 1 end\n";
    let bench = bench("lua-runaway", "", &[("ivr.lua", IVR), ("spin.lua", spin)]);
    let started = Instant::now();
    // A caller in the IVR at the same time.
    let other = thread::scope(|scope| {
        let ivr = scope.spawn(|| call_pressing(&bench, "alongside", "7100", "W1234#"));
        let runaway = call_pressing(&bench, "runaway", "7003", "");
        (runaway, ivr.join().expect("ivr call"))
    });
    let (runaway, ivr) = other;
    let log = bench.switch.log();
    assert_eq!(
        runaway.header("Hangup-Cause"),
        Some("NORMAL_TEMPORARY_FAILURE"),
        "{runaway:?}\n{log}"
    );
    let error = var(&runaway, "lua_error").unwrap_or_default();
    assert!(
        error.contains("spin.lua:3") && error.contains("limit 1000 ms"),
        "the error names script:line and the limit: {error}\n{log}"
    );
    assert!(
        log.contains("spin.lua: stopped: ran Lua code for"),
        "logged: {log}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(var(&ivr, "ivr_branch"), Some("sales"), "{ivr:?}\n{log}");
    let status = bench.switch.cli_x("status");
    assert_eq!(status.code(), Some(0), "{status}");
    assert!(
        bench
            .switch
            .cli_x("show channels")
            .text()
            .contains("0 total."),
        "no channel is left behind"
    );
}

#[test]
fn an_event_hook_and_events_fired_from_lua_reach_esl() {
    let fire = r#"
local e = freeswitch.Event("CUSTOM", "acme::ping")
e:addHeader("Ping-Value", argv[1])
e:addBody("from luarun")
e:fire()
"#;
    let hook = r#"
local pong = freeswitch.Event("CUSTOM", "acme::pong")
pong:addHeader("Ping-Value", event:getHeader("Ping-Value"))
pong:addHeader("Ping-Body", event:getBody())
pong:addHeader("Ping-Type", event:getType())
pong:fire()
"#;
    let bench = bench(
        "lua-events",
        r#"<hook event="CUSTOM" subclass="acme::ping" script="on_ping.lua"/>"#,
        &[("fire.lua", fire), ("on_ping.lua", hook)],
    );
    let mut esl = bench.switch.esl();
    esl.subscribe("plain CUSTOM acme::ping acme::pong")
        .expect("subscribe");
    let out = bench.switch.cli_x("luarun fire.lua 42");
    assert_eq!(out.text(), "+OK", "{out}\n{}", bench.switch.log());
    let events = esl
        .collect_events("CUSTOM", Duration::from_secs(5), Some(2))
        .expect("events");
    let log = bench.switch.log();
    let ping = events
        .iter()
        .find(|e| e.subclass() == "acme::ping")
        .unwrap_or_else(|| panic!("no acme::ping: {events:?}\n{log}"));
    assert_eq!(ping.header("Ping-Value"), Some("42"), "{ping:?}");
    let pong = events
        .iter()
        .find(|e| e.subclass() == "acme::pong")
        .unwrap_or_else(|| panic!("no acme::pong from the hook: {events:?}\n{log}"));
    assert_eq!(pong.header("Ping-Value"), Some("42"), "{pong:?}");
    assert_eq!(pong.header("Ping-Body"), Some("from luarun"), "{pong:?}");
    assert_eq!(pong.header("Ping-Type"), Some("CUSTOM"), "{pong:?}");
}

#[test]
fn script_errors_and_sandbox_refusals_name_the_script_line() {
    let bad = "local x = 1\nos.execute('touch /tmp/pwned')\n";
    let escape = "local f = io.open('/etc/passwd')\n";
    let bench = bench(
        "lua-errors",
        "",
        &[("bad.lua", bad), ("escape.lua", escape)],
    );
    // An event-socket client following the log (as fs_cli does).
    let mut listener = bench.switch.esl();
    let reply = listener.command("log err").expect("log err");
    assert!(reply.reply_text().starts_with("+OK"), "{reply:?}");
    for (script, line) in [("bad.lua", "bad.lua:2:"), ("escape.lua", "escape.lua:1:")] {
        let out = bench.switch.cli_x(&format!("luarun {script}"));
        assert_eq!(out.text(), "+OK", "{out}");
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let left = deadline
                .checked_duration_since(Instant::now())
                .unwrap_or_else(|| panic!("{line} never reached the ESL log"));
            let frame = listener.next_unsolicited(left).expect("a frame");
            if frame.content_type() == "log/data" && frame.body_text().contains(line) {
                break;
            }
        }
        let deadline = Instant::now() + Duration::from_secs(5);
        while !bench.switch.log().contains(line) && Instant::now() < deadline {
            thread::sleep(Duration::from_millis(50));
        }
        assert!(
            bench.switch.log().contains(line),
            "{line} logged: {}",
            bench.switch.log()
        );
    }
    let missing = bench.switch.cli_x("luarun ../../etc/passwd");
    assert!(missing.text().starts_with("-ERR"), "{missing}");
    assert!(!std::path::Path::new("/tmp/pwned").exists());
}

#[test]
fn check_names_file_and_line_and_reloadxml_keeps_the_plan_in_force() {
    let bench = bench("lua-check", "", &[("ivr.lua", IVR)]);
    let conf = bench.switch.conf_dir();
    fs::write(
        conf.join("scripts/broken.lua"),
        "session:answer()\nif session:ready() then\n  session:hangup()\n",
    )
    .expect("broken script");
    fs::write(
        conf.join("dialplan/zz-broken.xml"),
        "<include>\n  <context name=\"acme.test\">\n    <extension name=\"x\">\n      <condition field=\"destination_number\" expression=\"^(\">\n      </condition>\n    </extension>\n  </context>\n</include>\n",
    )
    .expect("broken dialplan");
    let check = switchyard_e2e::process::run_bounded(
        std::process::Command::new(switchyard_e2e::binary::switchyard_binary())
            .arg("check")
            .arg("--conf-dir")
            .arg(conf),
        Duration::from_secs(30),
    );
    assert_ne!(check.code(), Some(0), "{check}");
    let printed = format!("{}{}", check.stdout, check.stderr);
    assert!(printed.contains("zz-broken.xml:4:"), "{printed}");
    assert!(printed.contains("broken.lua:4:"), "{printed}");
    assert!(
        !printed.contains("ivr.lua"),
        "a good script is not reported: {printed}"
    );

    let reload = bench.switch.cli_x("reloadxml");
    assert!(reload.text().starts_with("-ERR"), "{reload}");
    assert!(reload.text().contains("zz-broken.xml:4:"), "{reload}");
    // The plan in force still serves.
    let event = call_pressing(&bench, "after-reload", "7100", "1234#");
    assert_eq!(var(&event, "ivr_branch"), Some("sales"), "{event:?}");
}

#[test]
fn a_script_places_calls_plays_to_them_and_bridges_them() {
    // agent.lua: the caller is bridged to 1002, placed from the script;
    // first a call to an unregistered user, which is never ready.
    let agent = r#"
session:answer()
local nobody = freeswitch.Session("user/1099@acme.test", session)
session:setVariable("nobody_ready", tostring(nobody:ready()))
session:setVariable("nobody_cause", nobody:getVariable("originate_disposition"))
local agent = freeswitch.Session("user/1002@acme.test", session)
if agent:ready() then
  agent:setVariable("placed_by", "agent.lua")
  agent:streamFile("tone_stream://%(300,0,523)")
  freeswitch.bridge(session, agent)
end
"#;
    let bench = bench("lua-session", "", &[("agent.lua", agent)]);
    let mut esl = bench.switch.esl();
    esl.subscribe("plain CHANNEL_HANGUP_COMPLETE")
        .expect("subscribe");
    let dir = &bench.dir;
    let callee = switchyard_e2e::calls::registered_callee(
        &bench.switch,
        dir,
        ("1002", "pw2", "acme.test"),
        None,
    );
    let samples: Vec<i16> = (0..8000 * 3)
        .map(|i| ((i as f64 * 440.0 * std::f64::consts::TAU / 8000.0).sin() * 8000.0) as i16)
        .collect();
    let pcap = dir.path().join("tone.pcap");
    write_rtp_pcap(&pcap, &switchyard_e2e::pcap::pcmu_packets(&samples, 0x2222));
    let media_port = sipp::free_media_port().to_string();
    let key = pcap.display().to_string();
    let caller = calls::call(
        &bench.switch,
        dir,
        ("1001", "s3cret", "acme.test"),
        "7004",
        "media_uac_pcap.xml",
        &["-mp", &media_port, "-key", "pcap", &key, "-d", "4000"],
    );
    let log = bench.switch.log();
    assert_eq!(caller.code(), Some(0), "{caller}\n{log}");
    let callee = callee.join().expect("callee");
    assert_eq!(
        callee.code(),
        Some(0),
        "the placed leg got BYE when the caller hung up: {callee}\n{log}"
    );
    let events = esl
        .collect_events("CHANNEL_HANGUP_COMPLETE", Duration::from_secs(10), Some(2))
        .expect("events");
    let log = bench.switch.log();
    let caller_leg = events
        .iter()
        .find(|e| e.header("variable_sip_req_user") == Some("7004"))
        .unwrap_or_else(|| panic!("{events:?}\n{log}"));
    assert_eq!(
        var(caller_leg, "nobody_ready"),
        Some("false"),
        "{caller_leg:?}"
    );
    assert_eq!(
        var(caller_leg, "nobody_cause"),
        Some("UNALLOCATED_NUMBER"),
        "1099 is no user: {caller_leg:?}"
    );
    let placed = events
        .iter()
        .find(|e| var(e, "placed_by") == Some("agent.lua"))
        .unwrap_or_else(|| panic!("no hangup of the placed leg: {events:?}\n{log}"));
    let played: u64 = var(placed, "playback_ms")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    assert!(
        played >= 280,
        "the script played to the placed leg: {placed:?}"
    );
    let relayed: u64 = var(placed, "rtp_audio_out_relayed_packet_count")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    assert!(
        relayed > 50,
        "the caller's audio reached the placed leg through the bridge: {placed:?}"
    );
}
