//! FreeSWITCH's everyday dialplan tools, driven end to end with real
//! peers: SIPp (Debian `sip-tester`) calls into XML dialplans that run
//! `curl`, `play_and_get_digits`, `read`, `hash`, `db`, `event`, `export`,
//! `set_global` and `$${global}` expansion; keys are pressed by RFC 4733
//! (a pcap this test writes, replayed by SIPp's `play_pcap_audio`). What a
//! call did is read back from its `CHANNEL_HANGUP_COMPLETE` over ESL, from
//! the API (`switchyard cli -x`), from the SQLite file with the `sqlite3`
//! CLI, and — for `curl` — from a small HTTP/1.1 server written for these
//! tests ([`switchyard_e2e::http_peer`]) that stands in for the CRM.

use std::fs;
use std::process::Command;
use std::thread;
use std::time::{Duration, Instant};

use switchyard_e2e::esl::EslClient;
use switchyard_e2e::esl_event::EslEvent;
use switchyard_e2e::http_peer::HttpPeer;
use switchyard_e2e::process::{CommandOutput, run_bounded};
use switchyard_e2e::{Switch, SwitchOptions, TempDir, calls, sipp};

/// The caller every test dials from.
const CALLER: (&str, &str, &str) = ("1001", "s3cret", "acme.test");

/// SIPp 3.6 answers only MD5 challenges; `globals` goes into
/// `<global-variables>`.
fn conf_xml(globals: &str) -> String {
    format!(
        "<switchyard><settings><param name=\"sip-digest-algorithms\" value=\"MD5\"/></settings>\
         <global-variables>{globals}</global-variables></switchyard>"
    )
}

/// The tenant's dialplan around `extensions`.
fn dialplan(extensions: &str) -> String {
    format!("<include>\n  <context name=\"acme.test\">\n{extensions}\n  </context>\n</include>\n")
}

/// One extension matching `number` exactly and running `actions`
/// (`(application, data)`, data XML-escaped by the caller).
fn extension(number: &str, actions: &[(&str, &str)]) -> String {
    let mut xml = format!(
        "    <extension name=\"x{number}\">\n      <condition field=\"destination_number\" expression=\"^{number}$\">\n"
    );
    for (application, data) in actions {
        if data.is_empty() {
            xml.push_str(&format!(
                "        <action application=\"{application}\"/>\n"
            ));
        } else {
            xml.push_str(&format!(
                "        <action application=\"{application}\" data=\"{data}\"/>\n"
            ));
        }
    }
    xml.push_str("      </condition>\n    </extension>\n");
    xml
}

struct Bench {
    switch: Switch,
    dir: TempDir,
}

fn options(globals: &str) -> SwitchOptions {
    SwitchOptions {
        conf_xml: Some(conf_xml(globals)),
        // The HTTP peer is on loopback: never through a proxy the
        // environment may name.
        env: vec![
            ("no_proxy".into(), "127.0.0.1,localhost".into()),
            ("NO_PROXY".into(), "127.0.0.1,localhost".into()),
        ],
        ..SwitchOptions::default()
    }
}

/// A switch with tenant `acme.test`, user 1001 and `extensions` as the
/// tenant's dialplan.
fn bench(name: &str, extensions: &str, globals: &str) -> Bench {
    let switch = Switch::start(options(globals));
    let dir = TempDir::new(name);
    fs::create_dir_all(switch.conf_dir().join("dialplan")).expect("dialplan dir");
    fs::write(
        switch.conf_dir().join("dialplan/acme.xml"),
        dialplan(extensions),
    )
    .expect("dialplan");
    for command in [
        "reloadxml",
        "tenant add acme.test",
        "user add 1001@acme.test s3cret",
    ] {
        let out = switch.cli_x(command);
        assert_eq!(out.code(), Some(0), "{command}: {out}\n{}", switch.log());
    }
    Bench { switch, dir }
}

/// An ESL connection subscribed to `CHANNEL_HANGUP_COMPLETE`.
fn hangup_listener(bench: &Bench) -> EslClient {
    let mut esl = bench.switch.esl();
    esl.subscribe("plain CHANNEL_HANGUP_COMPLETE")
        .expect("subscribe");
    esl
}

/// 1001 calls `number` pressing `digits` until the switch's BYE
/// ([`calls::call_pressing_until_bye`]); SIPp's output.
fn call_until_bye(bench: &Bench, tag: &str, number: &str, digits: &str) -> CommandOutput {
    calls::call_pressing_until_bye(&bench.switch, &bench.dir, CALLER, number, tag, digits)
}

/// [`calls::call_pressing`] from 1001.
fn call_pressing(bench: &Bench, tag: &str, number: &str, digits: &str) -> EslEvent {
    calls::call_pressing(&bench.switch, &bench.dir, CALLER, number, tag, digits)
}

/// True for the leg of a call first routed to `number`.
fn dialled(event: &EslEvent, number: &str) -> bool {
    event.header("variable_sip_req_user") == Some(number)
}

/// Waits (at most 15 s) for `count` `CHANNEL_HANGUP_COMPLETE` events for
/// which `wanted` holds; others are dropped.
fn hangups(
    esl: &mut EslClient,
    bench: &Bench,
    count: usize,
    wanted: impl Fn(&EslEvent) -> bool,
) -> Vec<EslEvent> {
    let deadline = Instant::now() + Duration::from_secs(15);
    let mut found = Vec::new();
    while found.len() < count && Instant::now() < deadline {
        let events = esl
            .collect_events("CHANNEL_HANGUP_COMPLETE", Duration::from_secs(1), Some(1))
            .expect("events");
        found.extend(events.into_iter().filter(|e| wanted(e)));
    }
    assert!(
        found.len() >= count,
        "{count} CHANNEL_HANGUP_COMPLETE wanted, got {found:?}\n{}",
        bench.switch.log()
    );
    found
}

fn var<'a>(event: &'a EslEvent, name: &str) -> Option<&'a str> {
    event.header(&format!("variable_{name}"))
}

/// `switchyard cli -x command`, asserting it ran; its trimmed output.
fn api(switch: &Switch, command: &str) -> String {
    let out = switch.cli_x(command);
    assert_eq!(out.code(), Some(0), "{command}: {out}");
    out.text().to_owned()
}

#[test]
fn a_webhook_answer_lands_in_channel_variables() {
    // The CRM: answers every request with a JSON body.
    let crm = HttpPeer::answering(200, r#"{"tier":"gold"}"#);
    let url = crm.url("/crm?caller=${caller_id_number}");
    let bench = bench(
        "tools-curl",
        &extension(
            "7100",
            &[
                ("answer", ""),
                ("curl", &url),
                ("set", "crm_tier=${curl_response_data}"),
                ("hangup", ""),
            ],
        ),
        "",
    );
    let event = call_pressing(&bench, "curl", "7100", "");
    let log = bench.switch.log();
    let requests = crm.wait_for_requests(1, Duration::from_secs(5));
    assert_eq!(requests.len(), 1, "one request: {requests:?}\n{log}");
    assert_eq!(requests[0].method, "GET", "{requests:?}");
    assert_eq!(
        var(&event, "curl_response_code"),
        Some("200"),
        "{event:?}\n{log}"
    );
    assert_eq!(
        var(&event, "curl_response_data"),
        Some(r#"{"tier":"gold"}"#),
        "{event:?}"
    );
    assert_eq!(var(&event, "curl_method"), Some("get"), "{event:?}");
    assert_eq!(
        var(&event, "crm_tier"),
        Some(r#"{"tier":"gold"}"#),
        "the answer can be used by the next action: {event:?}"
    );
    // The URL was expanded with the caller's number before it was sent:
    // `${caller_id_number}` is a caller-profile field, which FreeSWITCH's
    // channel variable lookup falls back to.
    assert_eq!(
        requests[0].target, "/crm?caller=1001",
        "the CRM learns who calls: {requests:?}\n{log}"
    );
}

#[test]
fn a_dead_webhook_times_out_without_holding_up_other_calls() {
    // A CRM that accepts the connection and never answers.
    let dead = HttpPeer::silent();
    let url = dead.url("/dead");
    let extensions = [
        extension(
            "7201",
            &[
                ("answer", ""),
                ("curl", &format!("{url} timeout 2")),
                ("set", "after_curl=reached"),
                ("hangup", ""),
            ],
        ),
        extension(
            "7202",
            &[
                ("answer", ""),
                ("set", "quick=yes"),
                ("sleep", "200"),
                ("hangup", ""),
            ],
        ),
    ]
    .concat();
    let bench = bench("tools-curl-dead", &extensions, "");
    let mut esl = hangup_listener(&bench);
    let (slow, slow_took, quick, quick_took, open_when_quick_ended) = thread::scope(|scope| {
        let slow = scope.spawn(|| {
            let started = Instant::now();
            let out = call_until_bye(&bench, "dead", "7201", "");
            (out, started.elapsed())
        });
        // Once the switch is waiting on the dead server, another call.
        let deadline = Instant::now() + Duration::from_secs(15);
        while dead.accepted() == 0 && Instant::now() < deadline {
            thread::sleep(Duration::from_millis(10));
        }
        assert_eq!(
            dead.accepted(),
            1,
            "the curl connects: {}",
            bench.switch.log()
        );
        let started = Instant::now();
        let quick = call_until_bye(&bench, "quick", "7202", "");
        let quick_took = started.elapsed();
        let open = dead.closed_after().is_empty();
        let (slow, slow_took) = slow.join().expect("the slow call");
        (slow, slow_took, quick, quick_took, open)
    });
    let log = bench.switch.log();
    assert_eq!(quick.code(), Some(0), "{quick}\n{log}");
    assert_eq!(
        slow.code(),
        Some(0),
        "the switch still hangs up: {slow}\n{log}"
    );
    assert!(
        open_when_quick_ended,
        "another call completed (in {quick_took:?}) while the curl was still waiting\n{log}"
    );
    assert!(
        slow_took >= Duration::from_secs(2) && slow_took < Duration::from_secs(8),
        "the call waited for the 2 s timeout, and not much longer: {slow_took:?}\n{log}"
    );
    let events = hangups(&mut esl, &bench, 2, |e| {
        dialled(e, "7201") || dialled(e, "7202")
    });
    let slow_event = events.iter().find(|e| dialled(e, "7201")).expect("7201");
    let quick_event = events.iter().find(|e| dialled(e, "7202")).expect("7202");
    assert_eq!(
        var(slow_event, "curl_response_code"),
        Some("0"),
        "no answer came: {slow_event:?}"
    );
    assert_eq!(
        var(slow_event, "after_curl"),
        Some("reached"),
        "the dialplan went on after the timeout: {slow_event:?}"
    );
    assert_eq!(
        slow_event.header("Hangup-Cause"),
        Some("NORMAL_CLEARING"),
        "{slow_event:?}"
    );
    assert_eq!(var(quick_event, "quick"), Some("yes"), "{quick_event:?}");
    let requests = dead.requests();
    assert_eq!(requests.len(), 1, "{requests:?}");
    assert_eq!(requests[0].target, "/dead", "{requests:?}");
    // The switch gave up on the connection (closed it) about when the
    // timeout said (the default would have been 5 s).
    let closed = dead.wait_for_closes(1, Duration::from_secs(5));
    assert_eq!(closed.len(), 1, "the switch closes the connection: {log}");
    assert!(
        closed[0] >= Duration::from_millis(1500) && closed[0] < Duration::from_secs(4),
        "open for {:?}",
        closed[0]
    );
}

/// The PIN extension: four digits, two tries, `#` ends input; failure
/// transfers to 7390.
fn pin_dialplan() -> String {
    [
        extension(
            "7300",
            &[
                ("answer", ""),
                (
                    "play_and_get_digits",
                    r"4 4 2 2000 # tone_stream://%(300,0,500) tone_stream://%(200,0,300) pin ^\d{4}$ 1000 '7390 XML acme.test'",
                ),
                ("set", "got=${pin}"),
                ("hangup", ""),
            ],
        ),
        extension("7390", &[("set", "failed=yes"), ("hangup", "")]),
    ]
    .concat()
}

#[test]
fn play_and_get_digits_takes_a_valid_pin() {
    let bench = bench("tools-pagd-ok", &pin_dialplan(), "");
    let event = call_pressing(&bench, "pin", "7300", "4321#");
    let log = bench.switch.log();
    assert_eq!(var(&event, "pin"), Some("4321"), "{event:?}\n{log}");
    assert_eq!(var(&event, "got"), Some("4321"), "{event:?}");
    assert_eq!(var(&event, "read_result"), Some("success"), "{event:?}");
    // Four digits fill `max`: input ends there and the `#` is not read.
    assert_eq!(var(&event, "read_terminator_used"), None, "{event:?}");
    assert_eq!(var(&event, "failed"), None, "no transfer: {event:?}");
    assert_eq!(
        event.header("Caller-Destination-Number"),
        Some("7300"),
        "{event:?}"
    );
}

#[test]
fn play_and_get_digits_uses_up_its_tries_and_transfers_on_failure() {
    let bench = bench("tools-pagd-fail", &pin_dialplan(), "");
    let started = Instant::now();
    // Too short an entry, then silence for the second try.
    let event = call_pressing(&bench, "short", "7300", "12#");
    let log = bench.switch.log();
    assert_eq!(var(&event, "pin"), None, "{event:?}\n{log}");
    assert_eq!(
        var(&event, "failed"),
        Some("yes"),
        "transfer_on_failure ran 7390: {event:?}\n{log}"
    );
    assert_eq!(
        event.header("Caller-Destination-Number"),
        Some("7390"),
        "{event:?}"
    );
    assert_eq!(
        var(&event, "got"),
        None,
        "the transfer ended the PIN extension: {event:?}"
    );
    assert_ne!(var(&event, "read_result"), Some("success"), "{event:?}");
    // The second try waited for its 2 s timeout.
    assert!(
        started.elapsed() >= Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn read_collects_a_digit_ended_by_the_terminator() {
    let bench = bench(
        "tools-read",
        &extension(
            "7400",
            &[
                ("answer", ""),
                ("read", "1 3 tone_stream://%(200,0,400) choice 3000 #"),
                ("hangup", ""),
            ],
        ),
        "",
    );
    let event = call_pressing(&bench, "read", "7400", "7#");
    let log = bench.switch.log();
    assert_eq!(var(&event, "choice"), Some("7"), "{event:?}\n{log}");
    assert_eq!(var(&event, "read_result"), Some("success"), "{event:?}");
    assert_eq!(var(&event, "read_terminator_used"), Some("#"), "{event:?}");
}

/// `db_data` rows as `tenant|realm|key|value`, read with the `sqlite3` CLI.
fn db_rows(switch: &Switch) -> Vec<String> {
    let db = switch.data_dir().join("switchyard.db");
    let out = run_bounded(
        Command::new("sqlite3")
            .arg(&db)
            .arg("select tenant, realm, key, value from db_data order by tenant, realm, key"),
        Duration::from_secs(30),
    );
    assert_eq!(out.code(), Some(0), "{out}");
    out.stdout.lines().map(str::to_owned).collect()
}

#[test]
fn hash_and_db_written_by_a_call_are_read_per_tenant_and_db_persists() {
    // `${user_name}` (the authenticated user, 1001) rather than
    // `${caller_id_number}`, which this switch expands to nothing (see
    // `a_webhook_answer_lands_in_channel_variables`): this test is about
    // `hash` and `db`.
    let extensions = extension(
        "7500",
        &[
            ("answer", ""),
            ("hash", "insert/calls/last/${user_name}"),
            ("db", "insert/vip/${user_name}/yes"),
            ("set", "from_hash=${hash(select/calls/last)}"),
            ("set", "from_db=${db(select/vip/1001)}"),
            ("hangup", ""),
        ],
    );
    let mut first = bench("tools-kv", &extensions, "");
    let event = call_pressing(&first, "kv", "7500", "");
    let log = first.switch.log();
    assert_eq!(var(&event, "from_db"), Some("yes"), "{event:?}\n{log}");
    assert_eq!(var(&event, "from_hash"), Some("1001"), "{event:?}\n{log}");
    // The API reaches the tenant's name space with @tenant; the admin's own
    // space is another one.
    assert_eq!(
        api(&first.switch, "hash @acme.test select/calls/last"),
        "1001"
    );
    assert_eq!(api(&first.switch, "db @acme.test select/vip/1001"), "yes");
    assert_eq!(api(&first.switch, "hash select/calls/last"), "");
    assert_eq!(api(&first.switch, "db select/vip/1001"), "");
    // The row is in SQLite.
    assert!(
        db_rows(&first.switch).contains(&"acme.test|vip|1001|yes".to_owned()),
        "{:?}",
        db_rows(&first.switch)
    );

    // A restart on the same data: `db` kept it, `hash` (memory) did not.
    first.switch.stop();
    let second = Switch::start(SwitchOptions {
        data_dir: Some(first.switch.data_dir().to_path_buf()),
        ..options("")
    });
    assert_eq!(api(&second, "db @acme.test select/vip/1001"), "yes");
    assert_eq!(api(&second, "hash @acme.test select/calls/last"), "");
}

#[test]
fn the_event_application_reaches_an_esl_subscriber_with_the_channel() {
    let bench = bench(
        "tools-event",
        &extension(
            "7600",
            &[
                ("answer", ""),
                (
                    "event",
                    "Event-Subclass=acme::hello,Event-Name=CUSTOM,Greeting=hi",
                ),
                ("hangup", ""),
            ],
        ),
        "",
    );
    let mut custom = bench.switch.esl();
    custom
        .subscribe("plain CUSTOM acme::hello")
        .expect("subscribe");
    let hangup = call_pressing(&bench, "event", "7600", "");
    let events = custom
        .collect_events("CUSTOM", Duration::from_secs(5), Some(1))
        .expect("events");
    let log = bench.switch.log();
    let hello = events
        .iter()
        .find(|e| e.subclass() == "acme::hello")
        .unwrap_or_else(|| panic!("no acme::hello: {events:?}\n{log}"));
    assert_eq!(hello.header("Greeting"), Some("hi"), "{hello:?}");
    assert!(
        hangup.header("Unique-ID").is_some(),
        "the hangup names its channel: {hangup:?}"
    );
    assert_eq!(
        hello.header("Unique-ID"),
        hangup.header("Unique-ID"),
        "the event carries the channel that fired it: {hello:?}"
    );
}

#[test]
fn exported_variables_reach_the_bridged_leg_and_set_ones_do_not() {
    let callee_port = switchyard_e2e::ports::free_tcp_port();
    let bridge = format!("sip:bob@127.0.0.1:{callee_port}");
    let bench = bench(
        "tools-export",
        &extension(
            "7601",
            &[
                ("export", "team=blue"),
                ("export", "nolocal:secret=s3"),
                ("set", "local_only=here"),
                ("bridge", &bridge),
                ("hangup", ""),
            ],
        ),
        "",
    );
    let mut esl = hangup_listener(&bench);
    let callee_media = sipp::free_media_port().to_string();
    // The callee answers, then hangs up after 300 ms.
    let callee = calls::listening_peer(
        &bench.dir,
        callee_port,
        Some("uas_answer_then_bye.xml"),
        &["-mp", &callee_media],
    );
    let caller = call_until_bye(&bench, "export", "7601", "");
    let callee = callee.join().expect("callee");
    let log = bench.switch.log();
    assert_eq!(caller.code(), Some(0), "{caller}\n{log}");
    assert_eq!(callee.code(), Some(0), "{callee}\n{log}");
    let events = hangups(&mut esl, &bench, 2, |_| true);
    let b_leg = events
        .iter()
        .find(|e| e.header("Call-Direction") == Some("outbound"))
        .unwrap_or_else(|| panic!("no B leg: {events:?}"));
    let a_leg = events
        .iter()
        .find(|e| e.header("Call-Direction") == Some("inbound"))
        .unwrap_or_else(|| panic!("no A leg: {events:?}"));
    assert_eq!(var(b_leg, "team"), Some("blue"), "{b_leg:?}\n{log}");
    assert_eq!(var(b_leg, "secret"), Some("s3"), "{b_leg:?}");
    assert_eq!(
        var(b_leg, "local_only"),
        None,
        "set is not exported: {b_leg:?}"
    );
    assert_eq!(var(a_leg, "team"), Some("blue"), "{a_leg:?}");
    assert_eq!(var(a_leg, "secret"), None, "nolocal: {a_leg:?}");
    assert_eq!(var(a_leg, "local_only"), Some("here"), "{a_leg:?}");
}

#[test]
fn global_variables_expand_in_calls_and_change_at_run_time() {
    let bench = bench(
        "tools-globals",
        &extension(
            "7700",
            &[
                ("answer", ""),
                ("set", "greeting=$${company}"),
                ("set_global", "last_greeting=hello $${company}"),
                ("hangup", ""),
            ],
        ),
        r#"<variable name="company" value="Acme"/>"#,
    );
    let event = call_pressing(&bench, "acme", "7700", "");
    let log = bench.switch.log();
    assert_eq!(var(&event, "greeting"), Some("Acme"), "{event:?}\n{log}");
    assert_eq!(api(&bench.switch, "eval $${company}"), "Acme");
    assert_eq!(
        api(&bench.switch, "global_getvar last_greeting"),
        "hello Acme",
        "set_global from the dialplan"
    );

    assert_eq!(api(&bench.switch, "global_setvar company=Initech"), "+OK");
    assert_eq!(api(&bench.switch, "eval $${company}"), "Initech");
    let event = call_pressing(&bench, "initech", "7700", "");
    assert_eq!(
        var(&event, "greeting"),
        Some("Initech"),
        "a new call sees the new value: {event:?}\n{}",
        bench.switch.log()
    );
}
