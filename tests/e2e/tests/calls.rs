//! Calls through the B2BUA between registered SIPp peers: the caller
//! authenticates (407), the tenant's dialplan bridges to the callee's
//! registered contact, ringing and the answer come back, BYE ends both legs;
//! a busy callee's 486, an unregistered callee (480) and an unknown
//! extension (404) reach the caller; each leg leaves a CDR with its cause,
//! read with Python's sqlite3 (another tool than the switch).

use std::fs;
use std::time::Duration;

use switchyard_e2e::{Switch, SwitchOptions, TempDir, calls, sipp};

const MD5_ONLY: &str = "<switchyard><settings><param name=\"sip-digest-algorithms\" value=\"MD5\"/></settings></switchyard>";

const DIALPLAN: &str = r#"<include>
  <context name="acme.test">
    <extension name="ring-briefly">
      <condition field="destination_number" expression="^9(10\d\d)$">
        <action application="set" data="call_timeout=2"/>
        <action application="bridge" data="user/$1@${domain_name}"/>
      </condition>
    </extension>
    <extension name="limited">
      <condition field="destination_number" expression="^8(10\d\d)$">
        <action application="limit" data="hash ${domain_name} desk 1 over-limit"/>
        <action application="set" data="call_timeout=2"/>
        <action application="bridge" data="user/$1@${domain_name}"/>
      </condition>
    </extension>
    <extension name="over-limit">
      <condition field="destination_number" expression="^over-limit$">
        <action application="respond" data="503 Over Limit"/>
      </condition>
    </extension>
    <extension name="hunt-on-timeout">
      <condition field="destination_number" expression="^7(10\d\d)$">
        <action application="bridge" data="{call_timeout=2}user/$1@${domain_name}|user/1003@${domain_name}"/>
      </condition>
    </extension>
    <extension name="fail-over">
      <condition field="destination_number" expression="^6(10\d\d)$">
        <action application="set" data="continue_on_fail=USER_BUSY,UNALLOCATED_NUMBER"/>
        <action application="bridge" data="user/1099|user/$1@${domain_name}"/>
        <action application="transfer" data="1003 XML acme.test"/>
      </condition>
    </extension>
    <extension name="pass-through">
      <condition field="destination_number" expression="^5(10\d\d)$">
        <action application="set" data="bypass_media=true"/>
        <action application="bridge" data="user/$1@${domain_name}"/>
      </condition>
    </extension>
    <extension name="local">
      <condition field="destination_number" expression="^(10\d\d)$">
        <action application="set" data="hangup_after_bridge=true"/>
        <action application="bridge" data="user/$1@${domain_name}"/>
      </condition>
    </extension>
  </context>
</include>
"#;

fn switch_with_users() -> Switch {
    let switch = Switch::start(SwitchOptions {
        conf_xml: Some(MD5_ONLY.into()),
        ..SwitchOptions::default()
    });
    fs::create_dir_all(switch.conf_dir().join("dialplan")).expect("dialplan dir");
    fs::write(switch.conf_dir().join("dialplan/acme.xml"), DIALPLAN).expect("dialplan");
    for command in [
        "reloadxml",
        "tenant add acme.test",
        "user add 1001@acme.test s3cret max_calls=1",
        "user add 1002@acme.test pw2 max_calls=1",
        "user add 1003@acme.test pw3",
        "tenant add other.test",
        "user add 1009@other.test pw9",
    ] {
        let out = switch.cli_x(command);
        assert_eq!(out.code(), Some(0), "{command}: {out}");
    }
    switch
}

/// Registers 1002 from a free port with SIPp, then runs SIPp there as the
/// callee: `tests/sipp/<scenario>`, or the built-in `uas` when `None`.
fn registered_callee(
    switch: &Switch,
    dir: &TempDir,
    scenario: Option<&str>,
) -> std::thread::JoinHandle<switchyard_e2e::CommandOutput> {
    calls::registered_callee(switch, dir, ("1002", "pw2", "acme.test"), scenario)
}

/// Asserts that the caller's and the callee's SIPp both followed their
/// scenarios to the end (exit 0).
fn both_completed(
    switch: &Switch,
    caller: &switchyard_e2e::CommandOutput,
    callee: std::thread::JoinHandle<switchyard_e2e::CommandOutput>,
) {
    assert_eq!(caller.code(), Some(0), "caller: {caller}\n{}", switch.log());
    let callee = callee.join().expect("callee thread");
    assert_eq!(callee.code(), Some(0), "callee: {callee}\n{}", switch.log());
}

/// 1001 calls `callee` with the scenario `tests/sipp/call_auth_uac.xml`;
/// `extra` SIPp arguments come last (a later `-timeout` wins).
fn call(
    switch: &Switch,
    dir: &TempDir,
    callee: &str,
    extra: &[&str],
) -> switchyard_e2e::CommandOutput {
    call_with(switch, dir, callee, "call_auth_uac.xml", extra)
}

/// As [`call`], with another caller scenario from `tests/sipp/`.
fn call_with(
    switch: &Switch,
    dir: &TempDir,
    callee: &str,
    scenario: &str,
    extra: &[&str],
) -> switchyard_e2e::CommandOutput {
    calls::call(
        switch,
        dir,
        ("1001", "s3cret", "acme.test"),
        callee,
        scenario,
        extra,
    )
}

/// Waits until `count` channels are answered (`show channels`); returns
/// the rows as JSON.
fn wait_answered(switch: &Switch, count: usize) -> Vec<serde_json::Value> {
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    loop {
        let listed: serde_json::Value =
            serde_json::from_str(&switch.cli_x("show channels as json").stdout).expect("json");
        let rows = listed["rows"].as_array().cloned().unwrap_or_default();
        if rows.iter().filter(|r| r["callstate"] == "ACTIVE").count() >= count {
            return rows;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{count} answered channels never showed: {listed}\n{}",
            switch.log()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// CDR rows `(direction, destination, hangup_cause, sip_hangup_code, bridged, domain)`.
fn cdrs(switch: &Switch) -> Vec<String> {
    calls::cdrs(
        switch,
        "direction,destination_number,hangup_cause,sip_hangup_code,bridged,domain",
    )
}

#[test]
fn a_registered_user_calls_another_and_the_caller_hangs_up() {
    let switch = switch_with_users();
    let dir = TempDir::new("call-basic");
    let mut esl = switch.esl();
    esl.subscribe("plain CHANNEL_CREATE CHANNEL_ANSWER CHANNEL_BRIDGE CHANNEL_HANGUP_COMPLETE")
        .expect("subscribe");
    let callee = registered_callee(&switch, &dir, None);
    let caller = call(&switch, &dir, "1002", &[]);
    both_completed(&switch, &caller, callee);
    let rows = cdrs(&switch);
    assert_eq!(
        rows,
        [
            "inbound|1002|NORMAL_CLEARING|None|1|acme.test",
            "outbound|1002|NORMAL_CLEARING|None|1|acme.test"
        ],
        "{}",
        switch.log()
    );
    assert!(
        switch
            .cli_x("show channels")
            .stdout
            .ends_with("\n0 total.\n")
    );

    // The call's events, with FreeSWITCH's names and headers.
    let mut seen: Vec<(String, String, String)> = Vec::new();
    while seen
        .iter()
        .filter(|(name, _, _)| name == "CHANNEL_HANGUP_COMPLETE")
        .count()
        < 2
    {
        let event = esl
            .next_event(Duration::from_secs(10))
            .expect("the call's events");
        seen.push((
            event.name().to_owned(),
            event.header("Call-Direction").unwrap_or("").to_owned(),
            event
                .header("Caller-Destination-Number")
                .unwrap_or("")
                .to_owned(),
        ));
        if event.name() == "CHANNEL_HANGUP_COMPLETE" {
            assert_eq!(event.header("Hangup-Cause"), Some("NORMAL_CLEARING"));
            assert!(event.header("Unique-ID").is_some_and(|u| u.len() == 36));
            assert!(event.header("variable_sip_call_id").is_some());
        }
    }
    let count = |name: &str| seen.iter().filter(|(n, _, _)| n == name).count();
    assert_eq!(count("CHANNEL_CREATE"), 2, "{seen:?}");
    assert_eq!(count("CHANNEL_ANSWER"), 2, "{seen:?}");
    assert_eq!(count("CHANNEL_BRIDGE"), 1, "{seen:?}");
    assert!(
        seen.contains(&("CHANNEL_CREATE".into(), "inbound".into(), "1002".into())),
        "{seen:?}"
    );
    assert!(
        seen.contains(&("CHANNEL_CREATE".into(), "outbound".into(), "1002".into())),
        "{seen:?}"
    );
    calls::assert_no_call_left(&switch);
}

#[test]
fn busy_unregistered_and_unknown_callees_reach_the_caller() {
    let switch = switch_with_users();
    let dir = TempDir::new("call-fail");
    let callee = registered_callee(&switch, &dir, Some("uas_busy.xml"));
    let expect = |callee: &str, status: u16| {
        // The scenario waits for a 200 that never comes: stop it early.
        let out = call(&switch, &dir, callee, &["-timeout", "3s"]);
        let unexpected = calls::unexpected_messages(&dir);
        assert!(
            unexpected.contains(&format!("SIP/2.0 {status} ")),
            "calling {callee}: expected {status}: {out}\n{unexpected}\n{}",
            switch.log()
        );
    };
    expect("1002", 486);
    assert_eq!(callee.join().expect("callee").code(), Some(0));
    expect("1003", 480); // exists, not registered
    expect("1009", 404); // exists only in other.test
    let rows = cdrs(&switch);
    assert!(
        rows.contains(&"inbound|1002|USER_BUSY|486|0|acme.test".to_owned()),
        "{rows:?}"
    );
    assert!(
        rows.contains(&"outbound|1002|USER_BUSY|486|0|acme.test".to_owned()),
        "{rows:?}"
    );
    assert!(
        rows.contains(&"inbound|1003|USER_NOT_REGISTERED|480|0|acme.test".to_owned()),
        "{rows:?}"
    );
    assert!(
        rows.contains(&"inbound|1009|UNALLOCATED_NUMBER|404|0|acme.test".to_owned()),
        "{rows:?}"
    );
}

#[test]
fn the_callee_hangs_up_and_the_caller_gets_the_bye() {
    let switch = switch_with_users();
    let dir = TempDir::new("call-callee-bye");
    let callee = registered_callee(&switch, &dir, Some("uas_answer_then_bye.xml"));
    let caller = call_with(
        &switch,
        &dir,
        "1002",
        "call_auth_uac_callee_hangs_up.xml",
        &[],
    );
    both_completed(&switch, &caller, callee);
    let rows = cdrs(&switch);
    assert_eq!(
        rows,
        [
            "inbound|1002|NORMAL_CLEARING|None|1|acme.test",
            "outbound|1002|NORMAL_CLEARING|None|1|acme.test"
        ]
    );
}

#[test]
fn a_cancel_before_answer_reaches_the_callee() {
    let switch = switch_with_users();
    let dir = TempDir::new("call-cancel");
    let callee = registered_callee(&switch, &dir, Some("uas_ring_until_cancel.xml"));
    let caller = call_with(&switch, &dir, "1002", "call_auth_uac_cancel.xml", &[]);
    both_completed(&switch, &caller, callee);
    let rows = cdrs(&switch);
    assert!(
        rows.contains(&"inbound|1002|ORIGINATOR_CANCEL|487|0|acme.test".to_owned()),
        "{rows:?}"
    );
    assert!(
        rows.iter()
            .any(|r| r.starts_with("outbound|1002|ORIGINATOR_CANCEL|")),
        "{rows:?}"
    );
    calls::assert_no_call_left(&switch);
}

#[test]
fn an_unanswered_call_times_out_with_480_and_the_callee_is_cancelled() {
    let switch = switch_with_users();
    let dir = TempDir::new("call-timeout");
    let callee = registered_callee(&switch, &dir, Some("uas_ring_until_cancel.xml"));
    // 91002 rings 1002 with call_timeout=2 (see DIALPLAN); the caller
    // scenario waits for a 200 that never comes, so it is stopped at 8 s.
    let _ = call(&switch, &dir, "91002", &["-timeout", "8s"]);
    let callee = callee.join().expect("callee thread");
    assert_eq!(
        callee.code(),
        Some(0),
        "the callee got CANCEL: {callee}\n{}",
        switch.log()
    );
    let rows = cdrs(&switch);
    assert!(
        rows.contains(&"inbound|91002|NO_ANSWER|480|0|acme.test".to_owned()),
        "{rows:?}"
    );
    calls::assert_no_call_left(&switch);
}

#[test]
fn with_bypass_media_info_and_a_hold_re_invite_cross_the_bridge() {
    let switch = switch_with_users();
    let dir = TempDir::new("call-relay");
    let callee = registered_callee(&switch, &dir, Some("uas_relay.xml"));
    // With bypass_media=true the switch relays in-dialog requests and their
    // SDP unchanged. The caller checks the callee's a=recvonly came back;
    // the callee checks the DTMF body and a=sendonly arrived (check_it: a
    // miss fails the call).
    let caller = call_with(&switch, &dir, "51002", "call_auth_uac_relay.xml", &[]);
    both_completed(&switch, &caller, callee);
}

#[test]
fn uuid_kill_hangs_up_both_sides_of_an_answered_call() {
    let switch = switch_with_users();
    let dir = TempDir::new("call-kill");
    assert_eq!(
        switch
            .cli_x("uuid_kill 00000000-0000-0000-0000-000000000000")
            .text(),
        "-ERR No such channel!"
    );
    let callee = registered_callee(&switch, &dir, None);
    // This caller waits for a BYE from the switch instead of hanging up.
    let caller = {
        let users = dir.path().join("call.csv");
        fs::write(&users, "SEQUENTIAL\n1001;1002;acme.test\n").expect("csv");
        let port = switch.sip_port();
        let scenario = sipp::scenario("call_auth_uac_callee_hangs_up.xml");
        let dir = dir.path().to_path_buf();
        std::thread::spawn(move || {
            sipp::run(
                &dir,
                port,
                &scenario,
                1,
                &[
                    "-inf",
                    &users.display().to_string(),
                    "-au",
                    "1001",
                    "-ap",
                    "s3cret",
                    "-auth_uri",
                    "1002@acme.test",
                ],
            )
        })
    };
    // Wait for the answered call, then kill its A leg.
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    let uuid = loop {
        let listed: serde_json::Value =
            serde_json::from_str(&switch.cli_x("show channels as json").stdout).expect("json");
        let rows = listed["rows"].as_array().cloned().unwrap_or_default();
        let answered = rows.iter().filter(|r| r["callstate"] == "ACTIVE").count();
        if answered == 2 {
            let inbound = rows
                .iter()
                .find(|r| r["direction"] == "inbound")
                .expect("the caller's leg");
            break inbound["uuid"].as_str().expect("uuid").to_owned();
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the call was never answered: {listed}"
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    let killed = switch.cli_x(&format!("uuid_kill {uuid}"));
    assert_eq!(killed.text(), "+OK", "{killed}");
    let caller = caller.join().expect("caller thread");
    assert_eq!(
        caller.code(),
        Some(0),
        "the caller got a BYE: {caller}\n{}",
        switch.log()
    );
    let callee = callee.join().expect("callee thread");
    assert_eq!(
        callee.code(),
        Some(0),
        "the callee got a BYE: {callee}\n{}",
        switch.log()
    );
    assert!(
        switch
            .cli_x("show channels")
            .stdout
            .ends_with("\n0 total.\n")
    );
    assert_eq!(
        switch.cli_x("hupall").text(),
        "+OK hangup all channels with cause MANAGER_REQUEST (0 call(s))"
    );
}

/// 1003 registered from SIPp's built-in `uas` (answers, waits for BYE).
fn answering_1003(
    switch: &Switch,
    dir: &TempDir,
) -> std::thread::JoinHandle<switchyard_e2e::CommandOutput> {
    calls::registered_callee(switch, dir, ("1003", "pw3", "acme.test"), None)
}

#[test]
fn a_sequential_dial_string_rings_the_next_group_after_the_call_timeout() {
    let switch = switch_with_users();
    let dir = TempDir::new("call-hunt");
    // 71002: {call_timeout=2}user/1002|user/1003 (see DIALPLAN).
    let ringing = registered_callee(&switch, &dir, Some("uas_ring_until_cancel.xml"));
    let answering = answering_1003(&switch, &dir);
    let caller = call(&switch, &dir, "71002", &[]);
    both_completed(&switch, &caller, answering);
    let ringing = ringing.join().expect("1002");
    assert_eq!(ringing.code(), Some(0), "1002 got CANCEL: {ringing}");
    let rows = cdrs(&switch);
    assert!(
        rows.contains(&"outbound|1002|NO_ANSWER|487|0|acme.test".to_owned()),
        "{rows:?}"
    );
    assert!(
        rows.contains(&"outbound|1003|NORMAL_CLEARING|None|1|acme.test".to_owned()),
        "{rows:?}"
    );
    assert!(
        rows.contains(&"inbound|71002|NORMAL_CLEARING|None|1|acme.test".to_owned()),
        "{rows:?}"
    );
    calls::assert_no_call_left(&switch);
}

#[test]
fn continue_on_fail_goes_on_with_the_dialplan_after_a_failed_bridge() {
    let switch = switch_with_users();
    let dir = TempDir::new("call-continue");
    // 61002: continue_on_fail=USER_BUSY,UNALLOCATED_NUMBER, bridge
    // user/1099 (no such user) | user/1002 (busy), then transfer to 1003.
    let busy = registered_callee(&switch, &dir, Some("uas_busy.xml"));
    let answering = answering_1003(&switch, &dir);
    let caller = call(&switch, &dir, "61002", &[]);
    both_completed(&switch, &caller, answering);
    assert_eq!(busy.join().expect("1002").code(), Some(0));
    let rows = cdrs(&switch);
    assert!(
        rows.contains(&"outbound|1002|USER_BUSY|486|0|acme.test".to_owned()),
        "{rows:?}"
    );
    assert!(
        rows.contains(&"outbound|1003|NORMAL_CLEARING|None|1|acme.test".to_owned()),
        "{rows:?}"
    );
    // The caller's CDR shows where the transfer took it, as FreeSWITCH's.
    assert!(
        rows.contains(&"inbound|1003|NORMAL_CLEARING|None|1|acme.test".to_owned()),
        "{rows:?}"
    );
    calls::assert_no_call_left(&switch);
}

#[test]
fn limit_and_max_calls_refuse_calls_with_their_answers_until_a_slot_frees() {
    let switch = switch_with_users();
    let dir = TempDir::new("call-limit");
    let callee = registered_callee(&switch, &dir, None);
    // The first call to 81002 takes the one slot and stays up.
    let first = {
        let switch_port = switch.sip_port();
        let dir = dir.path().to_path_buf();
        let users = dir.join("held.csv");
        fs::write(&users, "SEQUENTIAL\n1001;81002;acme.test\n").expect("csv");
        let scenario = sipp::scenario("call_auth_uac_callee_hangs_up.xml");
        std::thread::spawn(move || {
            sipp::run(
                &dir,
                switch_port,
                &scenario,
                1,
                &[
                    "-inf",
                    &users.display().to_string(),
                    "-au",
                    "1001",
                    "-ap",
                    "s3cret",
                    "-auth_uri",
                    "81002@acme.test",
                ],
            )
        })
    };
    wait_answered(&switch, 2);
    // A second call from 1001 (max_calls=1) is refused.
    let _ = call(&switch, &dir, "1003", &["-timeout", "3s"]);
    let unexpected = calls::unexpected_messages(&dir);
    assert!(
        unexpected.contains("SIP/2.0 403 Forbidden: the caller's max_calls is reached"),
        "{unexpected}\n{}",
        switch.log()
    );
    // 1003 calls 1002 (max_calls=1, in the call): busy.
    let as_1003 = ("1003", "pw3", "acme.test");
    let _ = calls::call(
        &switch,
        &dir,
        as_1003,
        "1002",
        "call_auth_uac.xml",
        &["-timeout", "3s"],
    );
    let unexpected = calls::unexpected_messages(&dir);
    assert!(unexpected.contains("SIP/2.0 486 "), "{unexpected}");
    // 1003 calls 81002: over the limit, transferred to over-limit → 503.
    let _ = calls::call(
        &switch,
        &dir,
        as_1003,
        "81002",
        "call_auth_uac.xml",
        &["-timeout", "3s"],
    );
    let unexpected = calls::unexpected_messages(&dir);
    assert!(
        unexpected.contains("SIP/2.0 503 Over Limit"),
        "{unexpected}\n{}",
        switch.log()
    );
    // Ending the first call gives its slot back: the next call is let
    // through to the bridge (1002's SIPp is gone: no answer, 480).
    assert!(switch.cli_x("hupall").text().starts_with("+OK"));
    let first = first.join().expect("first caller");
    assert_eq!(first.code(), Some(0), "the held call got BYE: {first}");
    assert_eq!(callee.join().expect("callee").code(), Some(0));
    let _ = call(&switch, &dir, "81002", &["-timeout", "8s"]);
    let unexpected = calls::unexpected_messages(&dir);
    assert!(
        unexpected.contains("SIP/2.0 480 ") && !unexpected.contains("Over Limit"),
        "{unexpected}\n{}",
        switch.log()
    );
    let rows = cdrs(&switch);
    assert!(
        // Transferred to over-limit, which answered 503.
        rows.contains(&"inbound|over-limit|NORMAL_TEMPORARY_FAILURE|503|0|acme.test".to_owned()),
        "{rows:?}"
    );
}

#[test]
fn originate_calls_a_user_and_bridges_it_to_the_extension_dialled() {
    let switch = switch_with_users();
    let dir = TempDir::new("call-originate");
    assert!(
        switch
            .cli_x("originate user/1003@acme.test 1002")
            .text()
            .starts_with("-ERR USER_NOT_REGISTERED"),
        "nobody registered yet"
    );
    assert!(
        switch
            .cli_x("originate iax/1002 1003")
            .text()
            .starts_with("-ERR INVALID_URL")
    );
    // 1002 answers first (with bypass_media its ACK must bring 1003's
    // answer, RFC 3725), then the dialplan routes 1003 for it.
    let first = registered_callee(&switch, &dir, Some("uas_originated.xml"));
    let second = answering_1003(&switch, &dir);
    let out = switch
        .cli_x("originate {bypass_media=true}user/1002@acme.test 1003 XML acme.test Desk 4000");
    let text = out.text();
    assert!(
        text.starts_with("+OK ") && text.len() == 40,
        "{out}\n{}",
        switch.log()
    );
    wait_answered(&switch, 2);
    assert!(switch.cli_x("hupall").text().starts_with("+OK"));
    let first = first.join().expect("1002");
    assert_eq!(first.code(), Some(0), "1002: {first}\n{}", switch.log());
    let second = second.join().expect("1003");
    assert_eq!(second.code(), Some(0), "1003: {second}\n{}", switch.log());
    let rows = calls::cdrs(
        &switch,
        "direction,destination_number,caller_id_number,bridged,uuid",
    );
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert!(rows[0].starts_with("outbound|1002|4000|1|"), "{rows:?}");
    assert!(rows[1].starts_with("outbound|1003|4000|1|"), "{rows:?}");
    assert!(
        rows[0].ends_with(&text[4..]),
        "the uuid originate gave: {rows:?}"
    );
    calls::assert_no_call_left(&switch);
}

#[test]
fn a_call_over_tcp_reaches_a_user_registered_over_tcp() {
    let switch = switch_with_users();
    let dir = TempDir::new("call-tcp");
    // 1002 registers over TCP; that connection closes when the registering
    // SIPp exits, so the switch opens one to the Contact to ring it.
    let port = switchyard_e2e::ports::free_tcp_port();
    calls::register_over(&switch, &dir, ("1002", "pw2", "acme.test"), port, "t1");
    let callee = calls::listening_peer(&dir, port, None, &["-t", "t1"]);
    let caller = call(&switch, &dir, "1002", &["-t", "t1"]);
    both_completed(&switch, &caller, callee);
    let rows = calls::cdrs(
        &switch,
        "direction,destination_number,hangup_cause,bridged,channel_name",
    );
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert!(
        rows[0].starts_with("inbound|1002|NORMAL_CLEARING|1|"),
        "{rows:?}"
    );
    assert!(
        rows[1].starts_with("outbound|1002|NORMAL_CLEARING|1|sofia/internal/sip:1002@127.0.0.1:")
            && rows[1].to_ascii_lowercase().ends_with(";transport=tcp"),
        "{rows:?}"
    );
}

#[test]
fn sip_uris_are_rung_directly_over_udp_and_tcp() {
    let switch = switch_with_users();
    let dir = TempDir::new("call-uri");
    let (udp, tcp) = (
        switchyard_e2e::ports::free_tcp_port(),
        switchyard_e2e::ports::free_tcp_port(),
    );
    let extra = format!(
        r#"<extension name="uri-udp">
      <condition field="destination_number" expression="^5(\d+)$">
        <action application="bridge" data="sip:$1@127.0.0.1:{udp}"/>
      </condition>
    </extension>
    <extension name="uri-tcp">
      <condition field="destination_number" expression="^4(\d+)$">
        <action application="bridge" data="sofia/external/$1@127.0.0.1:{tcp};transport=tcp"/>
      </condition>
    </extension>
    <extension name="local">"#
    );
    fs::write(
        switch.conf_dir().join("dialplan/acme.xml"),
        DIALPLAN.replace(r#"<extension name="local">"#, &extra),
    )
    .expect("dialplan");
    assert!(switch.cli_x("reloadxml").text().starts_with("+OK"));
    let over_udp = calls::listening_peer(&dir, udp, None, &[]);
    let caller = call(&switch, &dir, "5777", &[]);
    both_completed(&switch, &caller, over_udp);
    let over_tcp = calls::listening_peer(&dir, tcp, None, &["-t", "t1"]);
    let caller = call(&switch, &dir, "4888", &[]);
    both_completed(&switch, &caller, over_tcp);
    let rows = calls::cdrs(&switch, "direction,destination_number,hangup_cause,bridged");
    for row in [
        "outbound|777|NORMAL_CLEARING|1",
        "outbound|888|NORMAL_CLEARING|1",
        "inbound|5777|NORMAL_CLEARING|1",
        "inbound|4888|NORMAL_CLEARING|1",
    ] {
        assert!(rows.contains(&row.to_owned()), "{row} not in {rows:?}");
    }
}

/// A call outcome: callee, its scenario, caller scenario, dialled, the
/// caller's extra SIPp arguments, the caller's CDR row.
type OutcomeCase = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static [&'static str],
    &'static str,
);

#[test]
fn hangups_cancel_busy_and_no_answer_propagate_over_tcp_too() {
    let switch = switch_with_users();
    let dir = TempDir::new("call-tcp-outcomes");
    // (callee, its scenario, caller scenario, dialled, caller's extra
    // arguments, the caller's CDR row); each callee registers over TCP.
    let cases: [OutcomeCase; 4] = [
        (
            "1004",
            "uas_answer_then_bye.xml",
            "call_auth_uac_callee_hangs_up.xml",
            "1004",
            &[],
            "inbound|1004|NORMAL_CLEARING|None|1|acme.test",
        ),
        (
            "1005",
            "uas_ring_until_cancel.xml",
            "call_auth_uac_cancel.xml",
            "1005",
            &[],
            "inbound|1005|ORIGINATOR_CANCEL|487|0|acme.test",
        ),
        (
            "1006",
            "uas_busy.xml",
            "call_auth_uac.xml",
            "1006",
            &["-timeout", "3s"],
            "inbound|1006|USER_BUSY|486|0|acme.test",
        ),
        (
            "1007",
            "uas_ring_until_cancel.xml",
            "call_auth_uac.xml",
            "91007",
            &["-timeout", "8s"],
            "inbound|91007|NO_ANSWER|480|0|acme.test",
        ),
    ];
    for (callee, scenario, caller_scenario, dialled, extra, row) in cases {
        let added = switch.cli_x(&format!("user add {callee}@acme.test pw{callee}"));
        assert_eq!(added.code(), Some(0), "{added}");
        let port = switchyard_e2e::ports::free_tcp_port();
        let password = format!("pw{callee}");
        calls::register_over(&switch, &dir, (callee, &password, "acme.test"), port, "t1");
        let peer = calls::listening_peer(&dir, port, Some(scenario), &["-t", "t1"]);
        let args = [&["-t", "t1"][..], extra].concat();
        let caller = call_with(&switch, &dir, dialled, caller_scenario, &args);
        if extra.is_empty() {
            assert_eq!(
                caller.code(),
                Some(0),
                "{dialled}: {caller}\n{}",
                switch.log()
            );
        }
        let peer = peer.join().expect("callee");
        assert_eq!(peer.code(), Some(0), "{callee}: {peer}\n{}", switch.log());
        let rows = cdrs(&switch);
        assert!(rows.contains(&row.to_owned()), "{row} not in {rows:?}");
    }
    calls::assert_no_call_left(&switch);
}

#[test]
fn early_media_reaches_the_caller_before_the_answer() {
    let switch = switch_with_users();
    let dir = TempDir::new("call-early-media");
    let mut esl = switch.esl();
    esl.subscribe("plain CHANNEL_PROGRESS_MEDIA")
        .expect("subscribe");
    let callee = registered_callee(&switch, &dir, Some("uas_early_media.xml"));
    // The caller's scenario requires the 183 with the callee's SDP.
    let caller = call_with(&switch, &dir, "1002", "call_auth_uac_early_media.xml", &[]);
    both_completed(&switch, &caller, callee);
    let event = esl
        .next_event(Duration::from_secs(10))
        .expect("CHANNEL_PROGRESS_MEDIA");
    assert_eq!(event.name(), "CHANNEL_PROGRESS_MEDIA");
}

/// 1001 calls `number` without an offer (its scenario requires an m= line
/// in the 200 and answers in its ACK); the callee runs `callee_scenario`.
fn late_offer_call(name: &str, number: &str, callee_scenario: Option<&str>) {
    let switch = switch_with_users();
    let dir = TempDir::new(name);
    let callee = registered_callee(&switch, &dir, callee_scenario);
    let caller = call_with(&switch, &dir, number, "call_auth_uac_late_offer.xml", &[]);
    both_completed(&switch, &caller, callee);
    let rows = cdrs(&switch);
    assert!(
        rows.contains(&"outbound|1002|NORMAL_CLEARING|None|1|acme.test".to_owned()),
        "{rows:?}"
    );
    calls::assert_no_call_left(&switch);
}

#[test]
fn a_caller_without_an_offer_answers_the_callees_offer_in_its_ack() {
    // With bypass_media the callee gets no offer either: its scenario
    // requires an m= line in its ACK (the caller's answer).
    late_offer_call("call-late-offer", "51002", Some("uas_originated.xml"));
}

#[test]
fn an_anchored_caller_without_an_offer_answers_the_switchs_offer_in_its_ack() {
    // Anchored (the default): the callee gets the switch's offer and
    // answers it; the caller gets the switch's own offer in the 200.
    late_offer_call("call-late-offer-anchored", "1002", None);
}
