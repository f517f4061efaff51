//! Every RFC 4475 torture message (and the carrier extras), sent to the
//! running switch over UDP and over TCP, gets what `index.tsv` says a server
//! should answer: valid requests are processed (no 400/416/505), invalid ones
//! get the right 4xx/5xx, responses and unparsable input get nothing, and the
//! switch keeps serving throughout.

use std::fs;
use std::path::PathBuf;
use std::time::Duration;

use switchyard_e2e::paths::workspace_root;
use switchyard_e2e::sip_wire::{SipResponse, TcpSip, UdpSip, options_probe};
use switchyard_e2e::{Switch, SwitchOptions};

/// How long one answer may take.
const ANSWER: Duration = Duration::from_secs(10);

/// What the switch must do with a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// A request it processes: an answer that is not a rejection of the
    /// message itself (not 400, 413, 416, 505, 513).
    Processed,
    /// Exactly this status.
    Status(u16),
    /// No answer (a response, or bytes that are not SIP).
    Nothing,
}

use Expect::{Nothing, Processed, Status};

/// index.tsv's verdict per message, as a server answers it. Where the RFC
/// lets a server choose, the choice documented in core/sip/tests/rfc4475.rs
/// applies.
const TABLE: &[(&str, Expect)] = &[
    ("wsinv", Processed),
    ("intmeth", Status(501)),
    ("esc01", Processed),
    ("escnull", Processed),
    ("esc02", Status(501)),
    ("lwsdisp", Processed),
    ("longreq", Processed),
    ("dblreq", Processed),
    ("semiuri", Processed),
    ("transports", Processed),
    ("mpart01", Processed),
    ("unreason", Nothing),
    ("noreason", Nothing),
    ("badinv01", Status(400)),
    ("clerr", Status(400)),
    ("ncl", Status(400)),
    ("scalar02", Status(400)),
    ("scalarlg", Nothing),
    ("quotbal", Status(400)),
    ("ltgtruri", Status(400)),
    ("lwsruri", Status(400)),
    ("lwsstart", Status(400)),
    ("trws", Status(400)),
    ("escruri", Status(400)),
    ("baddate", Processed),
    ("regbadct", Status(400)),
    ("badaspec", Status(400)),
    ("baddn", Status(400)),
    ("badvers", Status(505)),
    ("mismatch01", Status(400)),
    ("mismatch02", Status(400)),
    ("bigcode", Nothing),
    ("badbranch", Processed),
    ("insuf", Status(400)),
    ("unkscm", Status(416)),
    ("novelsc", Status(416)),
    ("unksm2", Processed),
    ("bext01", Status(420)),
    ("invut", Processed),
    ("regaut01", Processed),
    ("multi01", Status(400)),
    ("mcl01", Status(400)),
    ("bcast", Nothing),
    ("zeromf", Status(200)),
    ("cparam01", Processed),
    ("cparam02", Processed),
    ("regescrt", Processed),
    ("sdp01", Processed),
    ("inv2543", Processed),
    ("test", Nothing),
    ("x-telinvite", Processed),
    ("x-tellocal", Processed),
    ("x-compact", Processed),
    ("x-unkmeth", Status(501)),
    ("x-folded", Processed),
    ("x-spcolon", Processed),
    ("x-barelf", Processed),
    ("x-viacomma", Processed),
    ("x-stream2", Processed),
    ("x-digestnc", Processed),
    ("x-baddn-crlf", Status(400)),
    ("x-typical", Processed),
    ("x-npdi", Processed),
];

fn corpus(tag: &str) -> Vec<u8> {
    let dir = workspace_root().join("core/sip/tests/rfc4475");
    let path: PathBuf = if tag.starts_with("x-") {
        dir.join("extras").join(format!("{tag}.dat"))
    } else {
        dir.join(format!("{tag}.dat"))
    };
    fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Checks the final answers to one message against its expectation
/// (provisional ones such as 100 Trying are skipped). A response (a message
/// starting with the SIP version) is never answered.
fn judge(tag: &str, expect: Expect, answers: &[SipResponse], failures: &mut Vec<String>) {
    let answers: Vec<SipResponse> = answers
        .iter()
        .filter(|r| r.status >= 200)
        .cloned()
        .collect();
    let expect = if corpus(tag).starts_with(b"SIP/2.0 ") {
        Nothing
    } else {
        expect
    };
    let statuses: Vec<u16> = answers.iter().map(|r| r.status).collect();
    let ok = match expect {
        Nothing => answers.is_empty(),
        Status(code) => statuses.first() == Some(&code),
        Processed => statuses
            .first()
            .is_some_and(|s| ![400, 413, 416, 505, 513].contains(s)),
    };
    if !ok {
        let reasons: Vec<String> = answers
            .iter()
            .map(|r| format!("{} {}", r.status, r.reason))
            .collect();
        failures.push(format!("{tag}: expected {expect:?}, got {reasons:?}"));
    }
}

fn switch() -> Switch {
    Switch::start(SwitchOptions {
        // Answer to the source port even without rport: the torture
        // messages' Via headers name hosts and ports that are not ours.
        conf_xml: Some(
            "<switchyard><settings><param name=\"sip-force-rport\" value=\"true\"/></settings></switchyard>"
                .into(),
        ),
        ..SwitchOptions::default()
    })
}

#[test]
fn every_torture_message_over_udp_gets_the_documented_answer() {
    let switch = switch();
    let client = UdpSip::new(switch.sip_port());
    let mut failures = Vec::new();
    for (index, (tag, expect)) in TABLE.iter().enumerate() {
        client.send(&corpus(tag));
        let probe = format!("udp-probe-{index}");
        client.send(&options_probe(&probe, "UDP", client.local()));
        let (answers, probed) = client.until_call_id(&probe, ANSWER);
        assert!(
            probed,
            "the switch stopped answering after {tag}\n{}",
            switch.log()
        );
        judge(tag, *expect, &answers, &mut failures);
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn every_torture_message_over_tcp_gets_the_documented_answer() {
    let switch = switch();
    let mut failures = Vec::new();
    for (index, (tag, expect)) in TABLE.iter().enumerate() {
        // RFC 3261 §18.3: a stream needs Content-Length. A message without
        // one cannot be framed: 400, then the connection closes.
        let expect = match *tag {
            "inv2543" => Status(400),
            // No empty line ends its head, or its Content-Length promises
            // more than follows: on a stream these never complete.
            "baddn" | "clerr" => continue,
            _ => *expect,
        };
        let mut client = TcpSip::connect(switch.sip_port());
        let message = corpus(tag);
        client.send(&message);
        let probe = format!("tcp-probe-{index}");
        let probe_bytes = options_probe(&probe, "TCP", client.local());
        let connection_kept = client.send(&probe_bytes);
        let (answers, probed) = client.until_call_id(&probe, ANSWER);
        if !probed {
            // The switch closed the connection after a framing error; the
            // answer before the close is what counts, and it must still serve.
            let mut fresh = TcpSip::connect(switch.sip_port());
            let again = format!("tcp-alive-{index}");
            fresh.send(&options_probe(&again, "TCP", fresh.local()));
            assert!(
                fresh.until_call_id(&again, ANSWER).1,
                "the switch stopped answering after {tag} (connection kept: {connection_kept})\n{}",
                switch.log()
            );
        }
        judge(tag, expect, &answers, &mut failures);
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn options_is_answered_with_allow_and_a_to_tag() {
    let switch = switch();
    let client = UdpSip::new(switch.sip_port());
    client.send(&options_probe("lonely", "UDP", client.local()));
    let (before, probed) = client.until_call_id("lonely", ANSWER);
    assert!(probed && before.is_empty());
    // Ask again to read the probe's own answer.
    let mut tcp = TcpSip::connect(switch.sip_port());
    tcp.send(&options_probe("lonely-tcp", "TCP", tcp.local()));
    tcp.send(&options_probe("after", "TCP", tcp.local()));
    let (answers, probed) = tcp.until_call_id("after", ANSWER);
    assert!(probed);
    assert_eq!(answers.len(), 1, "{answers:?}");
    let ok = &answers[0];
    assert_eq!(ok.status, 200);
    assert!(
        ok.header("Allow").is_some_and(|a| a.contains("OPTIONS")),
        "{ok:?}"
    );
    assert!(
        ok.header("To").is_some_and(|t| t.contains(";tag=")),
        "{ok:?}"
    );
}

#[test]
fn a_full_transaction_table_answers_503_with_retry_after() {
    // Two transactions at most: two OPTIONS are answered and stay (Timer
    // J, 32 s); the third is refused until they expire. The client is the
    // tests' own minimal one: the check is one status and one header.
    let switch = Switch::start(SwitchOptions {
        conf_xml: Some(
            r#"<switchyard><settings><param name="sip-max-transactions" value="2"/></settings></switchyard>"#
                .into(),
        ),
        ..SwitchOptions::default()
    });
    let client = UdpSip::new(switch.sip_port());
    for (call_id, status) in [("full-1", 200), ("full-2", 200), ("full-3", 503)] {
        client.send(&options_probe(call_id, "UDP", client.local()));
        let response = client
            .response_for(call_id, Duration::from_secs(5))
            .unwrap_or_else(|| panic!("no answer to {call_id}\n{}", switch.log()));
        assert_eq!(response.status, status, "{call_id}: {response:?}");
        if status == 503 {
            assert_eq!(response.header("Retry-After"), Some("5"), "{response:?}");
        }
    }
}
