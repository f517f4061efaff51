//! Call control from the API on live calls with real peers (SIPp, Debian
//! `sip-tester`): `originate` with media the switch anchors and an inline
//! application (`&park()`), `uuid_bridge` joining that leg to a parked
//! caller (the caller's audio reaches the originated leg through the
//! switch's relay; either hanging up ends both), and `uuid_transfer`
//! moving a parked caller to another extension.

use std::time::{Duration, Instant};

use switchyard_e2e::esl_event::EslEvent;
use switchyard_e2e::pcap::{pcmu_packets, write_rtp_pcap};
use switchyard_e2e::{Switch, TempDir, calls, sipp};

/// The caller of every test.
const CALLER: (&str, &str, &str) = ("1001", "s3cret", "acme.test");

/// SIPp 3.6 answers only MD5 challenges.
const MD5_ONLY: &str = "<switchyard><settings><param name=\"sip-digest-algorithms\" value=\"MD5\"/></settings></switchyard>";

const DIALPLAN: &str = r#"<include>
  <context name="acme.test">
    <extension name="park">
      <condition field="destination_number" expression="^9900$">
        <action application="answer"/>
        <action application="park"/>
      </condition>
    </extension>
    <extension name="local">
      <condition field="destination_number" expression="^(100\d)$">
        <action application="bridge" data="user/$1@${domain_name}"/>
      </condition>
    </extension>
    <extension name="survey">
      <condition field="destination_number" expression="^8002$">
        <action application="bridge" data="user/1002@${domain_name}"/>
        <action application="set" data="after_bridge=reached"/>
        <action application="playback" data="tone_stream://%(300,0,440)"/>
        <action application="hangup"/>
      </condition>
    </extension>
    <extension name="strict">
      <condition field="destination_number" expression="^8012$">
        <action application="set" data="hangup_after_bridge=true"/>
        <action application="bridge" data="user/1002@${domain_name}"/>
        <action application="set" data="after_bridge=reached"/>
      </condition>
    </extension>
    <extension name="moved">
      <condition field="destination_number" expression="^7001$">
        <action application="set" data="moved_here=yes"/>
        <action application="hangup"/>
      </condition>
    </extension>
  </context>
</include>
"#;

fn switch() -> Switch {
    calls::switch_with(
        MD5_ONLY,
        &[("dialplan/acme.xml", DIALPLAN)],
        &[
            "tenant add acme.test",
            "user add 1001@acme.test s3cret",
            "user add 1002@acme.test pw2",
            "tenant add other.test",
        ],
    )
}

/// The uuid of the one live channel whose destination is `number`.
fn uuid_of(switch: &Switch, number: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let listed: serde_json::Value =
            serde_json::from_str(&switch.cli_x("show channels as json").stdout).expect("json");
        let found = listed["rows"].as_array().and_then(|rows| {
            rows.iter()
                .find(|r| r["dest"] == number && r["callstate"] == "ACTIVE")
                .and_then(|r| r["uuid"].as_str().map(str::to_owned))
        });
        if let Some(uuid) = found {
            return uuid;
        }
        assert!(
            Instant::now() < deadline,
            "no answered channel to {number}: {listed}\n{}",
            switch.log()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A pcap of `seconds` of PCMU audio (a 440 Hz tone).
fn tone_pcap(dir: &TempDir, seconds: usize) -> String {
    let samples: Vec<i16> = (0..8000 * seconds)
        .map(|i| ((i as f64 * 440.0 * std::f64::consts::TAU / 8000.0).sin() * 8000.0) as i16)
        .collect();
    let path = dir.path().join("tone.pcap");
    write_rtp_pcap(&path, &pcmu_packets(&samples, 0x7777));
    path.display().to_string()
}

fn hangups(esl: &mut switchyard_e2e::EslClient, count: usize) -> Vec<EslEvent> {
    esl.collect_events(
        "CHANNEL_HANGUP_COMPLETE",
        Duration::from_secs(15),
        Some(count),
    )
    .expect("events")
}

#[test]
fn an_originated_leg_parks_and_uuid_bridge_joins_it_to_a_parked_caller() {
    let switch = switch();
    let dir = TempDir::new("call-control-bridge");
    let mut esl = switch.esl();
    esl.subscribe("plain CHANNEL_BRIDGE CHANNEL_HANGUP_COMPLETE")
        .expect("subscribe");
    // 1002: SIPp's built-in UAS (answers our offer, waits for BYE).
    let agent = calls::registered_callee(&switch, &dir, ("1002", "pw2", "acme.test"), None);
    let out = switch.cli_x("originate user/1002@acme.test &park()");
    let text = out.text().to_owned();
    assert!(text.starts_with("+OK "), "{out}\n{}", switch.log());
    let agent_uuid = text[4..].trim().to_owned();
    // 1001 calls the park extension and streams 4 s of tone, then hangs up.
    let pcap = tone_pcap(&dir, 4);
    let media_port = sipp::free_media_port().to_string();
    let caller = std::thread::scope(|scope| {
        let caller = scope.spawn(|| {
            calls::call(
                &switch,
                &dir,
                ("1001", "s3cret", "acme.test"),
                "9900",
                "media_uac_pcap.xml",
                &["-mp", &media_port, "-key", "pcap", &pcap, "-d", "5000"],
            )
        });
        let caller_uuid = uuid_of(&switch, "9900");
        let bridged = switch.cli_x(&format!("uuid_bridge {caller_uuid} {agent_uuid}"));
        assert!(
            bridged.text().starts_with("+OK"),
            "{bridged}\n{}",
            switch.log()
        );
        let refused = switch.cli_x(&format!("uuid_bridge {caller_uuid} {caller_uuid}"));
        assert!(refused.text().starts_with("-ERR"), "{refused}");
        caller.join().expect("caller")
    });
    assert_eq!(caller.code(), Some(0), "caller: {caller}\n{}", switch.log());
    let agent = agent.join().expect("agent");
    assert_eq!(
        agent.code(),
        Some(0),
        "the agent got BYE when the caller hung up: {agent}\n{}",
        switch.log()
    );
    let events = hangups(&mut esl, 2);
    let log = switch.log();
    let agent_leg = events
        .iter()
        .find(|e| e.header("Unique-ID") == Some(agent_uuid.as_str()))
        .unwrap_or_else(|| panic!("no hangup of {agent_uuid}: {events:?}\n{log}"));
    let relayed: u64 = agent_leg
        .header("variable_rtp_audio_out_relayed_packet_count")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    assert!(
        relayed > 100,
        "the caller's audio reached the agent through the relay: {relayed}\n{agent_leg:?}"
    );
    calls::assert_no_call_left(&switch);
}

#[test]
fn uuid_transfer_moves_a_parked_caller_to_another_extension() {
    let switch = switch();
    let dir = TempDir::new("call-control-transfer");
    let mut esl = switch.esl();
    esl.subscribe("plain CHANNEL_HANGUP_COMPLETE")
        .expect("subscribe");
    let caller = std::thread::scope(|scope| {
        let caller = scope
            .spawn(|| calls::call_pressing_until_bye(&switch, &dir, CALLER, "9900", "caller", ""));
        let uuid = uuid_of(&switch, "9900");
        let bad = switch.cli_x("uuid_transfer nobody 7001");
        assert!(bad.text().starts_with("-ERR"), "{bad}");
        // A call stays in its tenant.
        let other = switch.cli_x(&format!("uuid_transfer {uuid} 7001 XML other.test"));
        assert!(
            other.text().starts_with("-ERR") && other.text().contains("another tenant"),
            "{other}"
        );
        let moved = switch.cli_x(&format!("uuid_transfer {uuid} 7001 XML acme.test"));
        assert_eq!(moved.text(), "+OK", "{moved}\n{}", switch.log());
        caller.join().expect("caller")
    });
    assert_eq!(
        caller.code(),
        Some(0),
        "the switch hung up after the transfer: {caller}\n{}",
        switch.log()
    );
    let events = hangups(&mut esl, 1);
    let event = events.first().expect("hangup");
    assert_eq!(
        event.header("variable_moved_here"),
        Some("yes"),
        "{event:?}"
    );
    assert_eq!(
        event.header("Caller-Destination-Number"),
        Some("7001"),
        "{event:?}"
    );
}

#[test]
fn uuid_transfer_of_a_bridged_caller_hangs_up_the_callee_and_routes_the_caller() {
    let switch = switch();
    let dir = TempDir::new("call-control-transfer-bridged");
    let mut esl = switch.esl();
    esl.subscribe("plain CHANNEL_HANGUP_COMPLETE")
        .expect("subscribe");
    let callee = calls::registered_callee(&switch, &dir, ("1002", "pw2", "acme.test"), None);
    let caller = std::thread::scope(|scope| {
        let caller = scope
            .spawn(|| calls::call_pressing_until_bye(&switch, &dir, CALLER, "1002", "caller", ""));
        let uuid = uuid_of(&switch, "1002");
        // The caller's leg: the one 1001 placed (its destination is 1002
        // too); the callee's leg is outbound.
        let listed: serde_json::Value =
            serde_json::from_str(&switch.cli_x("show channels as json").stdout).expect("json");
        let a_leg = listed["rows"]
            .as_array()
            .and_then(|rows| {
                rows.iter()
                    .find(|r| r["direction"] == "inbound")
                    .and_then(|r| r["uuid"].as_str().map(str::to_owned))
            })
            .unwrap_or(uuid);
        let moved = switch.cli_x(&format!("uuid_transfer {a_leg} 7001"));
        assert_eq!(moved.text(), "+OK", "{moved}\n{}", switch.log());
        caller.join().expect("caller")
    });
    assert_eq!(caller.code(), Some(0), "{caller}\n{}", switch.log());
    let callee = callee.join().expect("callee");
    assert_eq!(
        callee.code(),
        Some(0),
        "the callee got BYE: {callee}\n{}",
        switch.log()
    );
    let events = hangups(&mut esl, 2);
    let caller_leg = events
        .iter()
        .find(|e| e.header("Call-Direction") == Some("inbound"))
        .unwrap_or_else(|| panic!("{events:?}"));
    assert_eq!(
        caller_leg.header("variable_moved_here"),
        Some("yes"),
        "{caller_leg:?}"
    );
    calls::assert_no_call_left(&switch);
}

/// 1001 calls `number`, which bridges to 1002 (a SIPp callee that hangs up
/// 300 ms after answering); returns the caller's hangup event.
fn callee_hangs_up_first(switch: &Switch, tag: &str, number: &str) -> EslEvent {
    let dir = TempDir::new(tag);
    let mut esl = switch.esl();
    esl.subscribe("plain CHANNEL_HANGUP_COMPLETE")
        .expect("subscribe");
    let callee = calls::registered_callee(
        switch,
        &dir,
        ("1002", "pw2", "acme.test"),
        Some("uas_answer_then_bye.xml"),
    );
    let caller = calls::call_pressing_until_bye(switch, &dir, CALLER, number, "caller", "");
    assert_eq!(caller.code(), Some(0), "{caller}\n{}", switch.log());
    let callee = callee.join().expect("callee");
    assert_eq!(callee.code(), Some(0), "{callee}\n{}", switch.log());
    calls::hangup_complete_of(&mut esl, number, switch)
}

#[test]
fn the_dialplan_goes_on_after_the_callee_hangs_up_unless_hangup_after_bridge() {
    let switch = switch();
    let event = callee_hangs_up_first(&switch, "call-control-after", "8002");
    assert_eq!(
        event.header("variable_after_bridge"),
        Some("reached"),
        "{event:?}\n{}",
        switch.log()
    );
    assert_eq!(
        event.header("variable_playback_status"),
        Some("SUCCESS"),
        "{event:?}"
    );
    let event = callee_hangs_up_first(&switch, "call-control-strict", "8012");
    assert_eq!(event.header("variable_after_bridge"), None, "{event:?}");
    calls::assert_no_call_left(&switch);
}
