//! The event socket wire protocol as FreeSWITCH's mod_event_socket speaks
//! it: replies, bgapi and BACKGROUND_JOB, plain and json events with URL
//! encoding and bodies, filters, nixevent/noevents, log streaming and exit.

use std::time::Duration;

use switchyard_e2e::{EslClient, EslEvent, Switch, SwitchOptions};

/// How long an event or log line may take to arrive.
const EVENT_WAIT: Duration = Duration::from_secs(10);

fn switch() -> Switch {
    Switch::start(SwitchOptions {
        password: Some("protocol-secret".to_string()),
        ..SwitchOptions::default()
    })
}

/// Fires `CUSTOM <subclass>` with the given headers from `client`.
fn fire(client: &mut EslClient, subclass: &str, headers: &[(&str, &str)], body: Option<&str>) {
    let mut all = vec![("Event-Subclass", subclass)];
    all.extend_from_slice(headers);
    let reply = client.sendevent("CUSTOM", &all, body).expect("sendevent");
    assert!(
        reply.reply_text().starts_with("+OK"),
        "sendevent: {reply:?}"
    );
}

#[test]
fn api_replies_carry_an_exact_content_length() {
    let switch = switch();
    let mut client = switch.esl();
    client.send_command("api status").expect("send");
    let reply = client.read_frame(EVENT_WAIT).expect("api reply");
    assert_eq!(reply.content_type(), "api/response", "{reply:?}");
    let length: usize = reply
        .header("Content-Length")
        .expect("Content-Length")
        .parse()
        .expect("numeric Content-Length");
    assert_eq!(length, reply.body.len());
    assert!(reply.body_text().starts_with("UP "), "{reply:?}");

    let unknown = client.api("foo").expect("api foo");
    assert_eq!(unknown.trim_end(), "-ERR foo Command not found!");
    // The connection is still in step after an error reply.
    let status = client.api("status").expect("api status");
    assert!(status.starts_with("UP "), "{status:?}");
}

#[test]
fn bgapi_answers_with_a_job_uuid_and_a_background_job_event() {
    let switch = switch();
    let mut client = switch.esl();
    let subscribed = client.subscribe("plain BACKGROUND_JOB").expect("subscribe");
    assert_eq!(subscribed.reply_text(), "+OK event listener enabled plain");

    let reply = client.command("bgapi status").expect("bgapi");
    let uuid = reply
        .header("Job-UUID")
        .expect("Job-UUID header")
        .to_string();
    assert_eq!(reply.reply_text(), format!("+OK Job-UUID: {uuid}"));
    let job = client
        .wait_for_event(EVENT_WAIT, |event| event.name() == "BACKGROUND_JOB")
        .expect("BACKGROUND_JOB");
    assert_eq!(job.header("Job-UUID"), Some(uuid.as_str()), "{job:?}");
    assert_eq!(job.header("Job-Command"), Some("status"), "{job:?}");
    assert!(
        job.body.as_deref().unwrap_or("").starts_with("UP "),
        "the job's body is the reply: {job:?}"
    );

    let with_args = client.bgapi("uptime s").expect("bgapi with arguments");
    let job = client
        .wait_for_event(EVENT_WAIT, |event| {
            event.header("Job-UUID") == Some(with_args.as_str())
        })
        .expect("BACKGROUND_JOB");
    assert_eq!(job.header("Job-Command"), Some("uptime"), "{job:?}");
    assert_eq!(job.header("Job-Command-Arg"), Some("s"), "{job:?}");
}

#[test]
fn plain_events_are_url_encoded_and_carry_bodies() {
    let switch = switch();
    let mut subscriber = switch.esl();
    let subscribed = subscriber
        .subscribe("plain CUSTOM proto::plain")
        .expect("subscribe");
    assert_eq!(subscribed.reply_text(), "+OK event listener enabled plain");
    let mut firer = switch.esl();
    let tricky = "a b%c:d&e=f\u{e9}";
    fire(
        &mut firer,
        "proto::plain",
        &[("Tricky", tricky)],
        Some("line one\nline two\n"),
    );

    // Check the raw encoding first: no header value may contain a space.
    let frame = subscriber
        .next_unsolicited(EVENT_WAIT)
        .expect("event frame");
    assert_eq!(frame.content_type(), "text/event-plain", "{frame:?}");
    let raw = frame.body_text();
    let raw_tricky = raw
        .lines()
        .find_map(|line| line.strip_prefix("Tricky: "))
        .unwrap_or_else(|| panic!("no Tricky header in {raw:?}"));
    assert!(
        !raw_tricky.contains(' ') && raw_tricky.contains('%'),
        "header values are URL-encoded on the wire: {raw_tricky:?}"
    );
    let event = EslEvent::from_plain_frame(&frame).expect("plain event");
    assert_eq!(event.name(), "CUSTOM");
    assert_eq!(event.subclass(), "proto::plain");
    assert_eq!(event.header("Tricky"), Some(tricky), "{event:?}");
    assert_eq!(
        event.body.as_deref(),
        Some("line one\nline two\n"),
        "{event:?}"
    );
    for core_header in ["Event-Date-Timestamp", "Core-UUID", "Event-Sequence"] {
        assert!(
            event.header(core_header).is_some(),
            "events carry {core_header}: {event:?}"
        );
    }
}

#[test]
fn json_events_are_objects_of_string_headers() {
    let switch = switch();
    let mut subscriber = switch.esl();
    let subscribed = subscriber
        .subscribe("json CUSTOM proto::json")
        .expect("subscribe");
    assert_eq!(subscribed.reply_text(), "+OK event listener enabled json");
    let mut firer = switch.esl();
    fire(
        &mut firer,
        "proto::json",
        &[("Greeting", "h\u{e9}llo \"quoted\"")],
        Some("the body"),
    );
    let frame = subscriber
        .next_unsolicited(EVENT_WAIT)
        .expect("event frame");
    assert_eq!(frame.content_type(), "text/event-json", "{frame:?}");
    let json: serde_json::Value = serde_json::from_slice(&frame.body).expect("the body is JSON");
    let object = json.as_object().expect("a JSON object");
    assert_eq!(
        object.get("Event-Name").and_then(|v| v.as_str()),
        Some("CUSTOM")
    );
    assert_eq!(
        object.get("Event-Subclass").and_then(|v| v.as_str()),
        Some("proto::json")
    );
    assert_eq!(
        object.get("Greeting").and_then(|v| v.as_str()),
        Some("h\u{e9}llo \"quoted\"")
    );
    assert_eq!(
        object.get("_body").and_then(|v| v.as_str()),
        Some("the body")
    );
    for (name, value) in object {
        assert!(value.is_string(), "header {name} is not a string: {value}");
    }
}

#[test]
fn filters_narrow_and_delete_widens_again() {
    let switch = switch();
    let mut subscriber = switch.esl();
    subscriber
        .subscribe("plain CUSTOM proto::filter")
        .expect("subscribe");
    let added = subscriber.command("filter Colour red").expect("filter");
    assert!(added.reply_text().starts_with("+OK"), "{added:?}");

    let mut firer = switch.esl();
    fire(
        &mut firer,
        "proto::filter",
        &[("Colour", "blue"), ("Seq", "1")],
        None,
    );
    fire(
        &mut firer,
        "proto::filter",
        &[("Colour", "red"), ("Seq", "2")],
        None,
    );
    // Events are delivered in order: if the blue one passed the filter it
    // would arrive before the red one.
    let first = subscriber.next_event(EVENT_WAIT).expect("an event");
    assert_eq!(
        first.header("Seq"),
        Some("2"),
        "the filter lets only red through: {first:?}"
    );

    let deleted = subscriber
        .command("filter delete Colour red")
        .expect("filter delete");
    assert!(deleted.reply_text().starts_with("+OK"), "{deleted:?}");
    fire(
        &mut firer,
        "proto::filter",
        &[("Colour", "blue"), ("Seq", "3")],
        None,
    );
    let next = subscriber.next_event(EVENT_WAIT).expect("an event");
    assert_eq!(next.header("Seq"), Some("3"), "no filter left: {next:?}");
}

#[test]
fn nixevent_and_noevents_stop_delivery() {
    let switch = switch();
    let mut subscriber = switch.esl();
    subscriber
        .subscribe("plain CUSTOM proto::a proto::b")
        .expect("subscribe");
    let nixed = subscriber
        .command("nixevent CUSTOM proto::a")
        .expect("nixevent");
    assert!(nixed.reply_text().starts_with("+OK"), "{nixed:?}");

    let mut firer = switch.esl();
    fire(&mut firer, "proto::a", &[("Seq", "1")], None);
    fire(&mut firer, "proto::b", &[("Seq", "2")], None);
    let first = subscriber.next_event(EVENT_WAIT).expect("an event");
    assert_eq!(
        first.subclass(),
        "proto::b",
        "proto::a was removed: {first:?}"
    );

    let none = subscriber.command("noevents").expect("noevents");
    assert!(none.reply_text().starts_with("+OK"), "{none:?}");
    fire(&mut firer, "proto::b", &[("Seq", "3")], None);
    subscriber
        .subscribe("plain CUSTOM proto::c")
        .expect("subscribe again");
    fire(&mut firer, "proto::c", &[("Seq", "4")], None);
    let next = subscriber.next_event(EVENT_WAIT).expect("an event");
    assert_eq!(
        next.header("Seq"),
        Some("4"),
        "nothing was delivered between noevents and the new subscription: {next:?}"
    );
}

#[test]
fn log_streams_log_lines_until_nolog() {
    let switch = switch();
    let mut listener = switch.esl();
    let reply = listener.command("log debug").expect("log debug");
    // `+OK log level LEVEL [n]`; the case of LEVEL is not significant.
    assert_eq!(
        reply.reply_text().to_ascii_lowercase(),
        "+ok log level debug [7]",
        "{reply:?}"
    );
    let mut writer = switch.esl();
    let written = writer
        .api("log notice hello-from-the-log-test")
        .expect("api log");
    assert!(!written.starts_with("-ERR"), "{written:?}");

    let deadline = std::time::Instant::now() + EVENT_WAIT;
    let line = loop {
        let left = deadline
            .checked_duration_since(std::time::Instant::now())
            .expect("the log line arrives in time");
        let frame = listener.next_unsolicited(left).expect("a frame");
        if frame.content_type() == "log/data"
            && frame.body_text().contains("hello-from-the-log-test")
        {
            break frame;
        }
    };
    assert_eq!(line.header("Log-Level"), Some("5"), "{line:?}");
    assert!(line.body_text().ends_with('\n'), "{line:?}");

    let off = listener.command("nolog").expect("nolog");
    assert!(off.reply_text().starts_with("+OK"), "{off:?}");
}

#[test]
fn exit_says_bye_and_disconnects() {
    let switch = switch();
    let mut client = switch.esl();
    let bye = client.command("exit").expect("exit");
    assert_eq!(bye.reply_text(), "+OK bye");
    let rest = client
        .read_until_closed(EVENT_WAIT)
        .expect("the server closes after exit");
    assert!(
        rest.iter()
            .any(|frame| frame.content_type() == "text/disconnect-notice"),
        "a disconnect notice precedes the close: {rest:?}"
    );
}
