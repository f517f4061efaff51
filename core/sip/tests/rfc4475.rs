//! RFC 4475 torture messages and the carrier extras: every file of the
//! corpus, with what `index.tsv` says a server should do and the choice this
//! stack documents where the RFC allows either rejecting or processing.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use switchyard_sip::message::{Datagram, Limits, Message};

/// What a server built on this crate does with a message received as a UDP
/// datagram.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Expect {
    /// Parses and passes validation (request or response).
    Accept,
    /// A request that parses and is rejected by validation with this status.
    Reject(u16),
    /// A response that is discarded (parse error or failed validation).
    Discard,
    /// Not a SIP message at all: the parser reports an error (nothing to answer).
    Unparsable,
}

use Expect::{Accept, Discard, Reject, Unparsable};

/// tag, expected outcome, why (quoting index.tsv's note, and the choice made
/// where the RFC allows two answers).
const TABLE: &[(&str, Expect, &str)] = &[
    (
        "wsinv",
        Accept,
        "valid: folding, LWS, compact forms, 3 Via hops",
    ),
    (
        "intmeth",
        Accept,
        "valid: unknown method parses; 501 is the switch's answer",
    ),
    (
        "esc01",
        Accept,
        "valid: escapes kept; user 'sips%3A...' is not a sips URI",
    ),
    ("escnull", Accept, "valid: %00 kept escaped, 2 Contacts"),
    (
        "esc02",
        Accept,
        "valid: RE%47IST%45R is an unknown method (501 by the switch)",
    ),
    (
        "lwsdisp",
        Accept,
        "valid: no LWS between display name and <",
    ),
    ("longreq", Accept, "valid: long values, 34 Via hops"),
    (
        "dblreq",
        Accept,
        "valid: trailing octets after Content-Length 0 ignored (18.3)",
    ),
    (
        "semiuri",
        Accept,
        "valid: user part 'user;par=u%40example.net'",
    ),
    (
        "transports",
        Accept,
        "valid: UDP, SCTP, TLS, UNKNOWN, TCP transports",
    ),
    (
        "mpart01",
        Accept,
        "valid: multipart body with binary octets",
    ),
    (
        "unreason",
        Accept,
        "valid response: unusual UTF-8 reason phrase",
    ),
    ("noreason", Accept, "valid response: empty reason phrase"),
    (
        "badinv01",
        Reject(400),
        "invalid: empty Via/Contact parameters",
    ),
    (
        "clerr",
        Reject(400),
        "invalid: Content-Length 9999 > datagram (stream: waits)",
    ),
    (
        "ncl",
        Reject(400),
        "invalid: negative Content-Length (stream: close)",
    ),
    (
        "scalar02",
        Reject(400),
        "invalid: CSeq > 2^32 (huge Expires saturates)",
    ),
    (
        "scalarlg",
        Discard,
        "invalid response: CSeq > 2^32; discarded",
    ),
    (
        "quotbal",
        Reject(400),
        "invalid: unterminated quoted display name",
    ),
    (
        "ltgtruri",
        Reject(400),
        "invalid: <> around the Request-URI",
    ),
    (
        "lwsruri",
        Reject(400),
        "invalid: LWS inside the Request-URI",
    ),
    (
        "lwsstart",
        Reject(400),
        "invalid: several SP between Request-Line elements",
    ),
    (
        "trws",
        Reject(400),
        "invalid: trailing SP on the Request-Line; RFC allows ignoring it; choice: strict 400",
    ),
    (
        "escruri",
        Reject(400),
        "invalid: headers in Request-URI; RFC allows ignoring them; choice: strict 400",
    ),
    (
        "baddate",
        Accept,
        "invalid Date zone; RFC allows 400 or ignoring Date; choice: liberal, Date is not interpreted",
    ),
    (
        "regbadct",
        Reject(400),
        "invalid: Contact URI with '?' not enclosed in <>",
    ),
    (
        "badaspec",
        Reject(400),
        "invalid: spaces inside <>; RFC allows a liberal accept; choice: strict 400",
    ),
    (
        "baddn",
        Reject(400),
        "invalid: unquoted comma in display name; the archive copy has no final empty line: \
         a datagram ending after a complete header line is parsed (liberal) so 400 can be sent",
    ),
    (
        "badvers",
        Reject(505),
        "invalid: SIP/7.0 -> 505 Version Not Supported",
    ),
    (
        "mismatch01",
        Reject(400),
        "invalid: CSeq method differs from request method",
    ),
    (
        "mismatch02",
        Reject(400),
        "invalid: unknown method with CSeq mismatch -> 400, not 501",
    ),
    (
        "bigcode",
        Unparsable,
        "invalid response: status code of 10 digits is a parse error; discarded",
    ),
    (
        "badbranch",
        Accept,
        "semantic: branch is just the cookie; RFC allows 400 or RFC 2543 matching; choice: accept, \
         the transaction layer falls back",
    ),
    (
        "insuf",
        Reject(400),
        "semantic: missing To/From/Call-ID/Max-Forwards",
    ),
    (
        "unkscm",
        Reject(416),
        "semantic: unknown Request-URI scheme -> 416",
    ),
    (
        "novelsc",
        Reject(416),
        "semantic: soap.beep Request-URI -> 416 (not supported)",
    ),
    (
        "unksm2",
        Accept,
        "semantic: isbn:/http:/name: URIs in To/From/Contact parse; rejecting the AoR is the registrar's job",
    ),
    (
        "bext01",
        Accept,
        "semantic: unknown option tags; 420 is the UAS's/proxy's job",
    ),
    (
        "invut",
        Accept,
        "semantic: unknown Content-Type; 415 is the UAS's job",
    ),
    (
        "regaut01",
        Accept,
        "semantic: unknown auth scheme; 401/403 is the registrar's job",
    ),
    (
        "multi01",
        Reject(400),
        "semantic: To/From/Call-ID/CSeq/Max-Forwards repeated",
    ),
    (
        "mcl01",
        Reject(400),
        "semantic: two Content-Length values (stream: close)",
    ),
    (
        "bcast",
        Accept,
        "semantic response: parses; not forwarding to broadcast is the proxy's job",
    ),
    (
        "zeromf",
        Accept,
        "semantic: Max-Forwards 0; 483 is a proxy's job, a UAS may answer",
    ),
    (
        "cparam01",
        Accept,
        "valid: ';unknownparam' is a Contact header parameter",
    ),
    (
        "cparam02",
        Accept,
        "valid: ';unknownparam' is a URI parameter",
    ),
    (
        "regescrt",
        Accept,
        "valid: escaped header kept in the Contact URI",
    ),
    (
        "sdp01",
        Accept,
        "semantic: unacceptable Accept; 406 is the UAS's job",
    ),
    (
        "inv2543",
        Accept,
        "valid RFC 2543 request: no Max-Forwards, no Content-Length, no branch",
    ),
    (
        "test",
        Unparsable,
        "unreferenced (not asserted by the RFC): no SIP-Version, line without colon; documented: parse error",
    ),
    (
        "x-telinvite",
        Accept,
        "extra: tel: Request-URI, From, To and PAI",
    ),
    (
        "x-tellocal",
        Accept,
        "extra: local tel URI with phone-context",
    ),
    ("x-compact", Accept, "extra: all compact forms"),
    (
        "x-unkmeth",
        Accept,
        "extra: unknown method FOO parses (501 by the switch)",
    ),
    ("x-folded", Accept, "extra: folded header lines"),
    ("x-spcolon", Accept, "extra: whitespace before the colon"),
    ("x-barelf", Accept, "extra: bare LF line endings (liberal)"),
    (
        "x-viacomma",
        Accept,
        "extra: 3 Via hops across commas and lines",
    ),
    (
        "x-stream2",
        Accept,
        "extra: as a datagram, the first message; octets after 13 dropped",
    ),
    (
        "x-digestnc",
        Accept,
        "extra: Authorization kept raw (nc parsed by auth)",
    ),
    (
        "x-baddn-crlf",
        Reject(400),
        "extra: unquoted comma in display name",
    ),
    ("x-typical", Accept, "extra: the benchmark INVITE"),
    ("x-npdi", Accept, "extra: user-part parameters npdi/rn"),
];

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/rfc4475")
}

fn corpus_path(tag: &str) -> PathBuf {
    let dir = corpus_dir();
    if tag.starts_with("x-") {
        dir.join("extras").join(format!("{tag}.dat"))
    } else {
        dir.join(format!("{tag}.dat"))
    }
}

fn load(tag: &str) -> Vec<u8> {
    std::fs::read(corpus_path(tag)).unwrap_or_else(|e| panic!("{tag}: {e}"))
}

fn parse(tag: &str) -> Message {
    Message::parse(&load(tag)).unwrap_or_else(|e| panic!("{tag}: {e}"))
}

fn outcome(bytes: &[u8]) -> Expect {
    match Datagram::parse(bytes, &Limits::default()) {
        Err(_) => Unparsable,
        Ok(Datagram::KeepAlive) => Unparsable,
        Ok(Datagram::Message(Message::Request(request))) => match request.validate() {
            Ok(()) => Accept,
            Err(rejection) => Reject(rejection.status),
        },
        Ok(Datagram::Message(Message::Response(response))) => match response.validate() {
            Ok(()) => Accept,
            Err(_) => Discard,
        },
    }
}

#[test]
fn corpus_checksums_match() {
    let sums = std::fs::read_to_string(corpus_dir().join("SHA256SUMS")).expect("SHA256SUMS");
    let mut checked = 0;
    for line in sums.lines().filter(|l| !l.trim().is_empty()) {
        let (hex, name) = line.split_once("  ").expect("sha256sum line");
        let bytes = std::fs::read(corpus_dir().join(name)).expect(name);
        let digest = Sha256::digest(&bytes);
        let actual: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(
            actual, hex,
            "{name} differs from SHA256SUMS: the copy is mangled"
        );
        checked += 1;
    }
    assert_eq!(checked, 63, "50 RFC files + 13 extras");
}

#[test]
fn table_covers_every_corpus_file_and_index_row() {
    let index = std::fs::read_to_string(corpus_dir().join("index.tsv")).expect("index.tsv");
    let tags: Vec<&str> = index
        .lines()
        .skip(1)
        .filter_map(|l| l.split('\t').next())
        .collect();
    assert_eq!(tags.len(), TABLE.len());
    for tag in &tags {
        assert!(
            TABLE.iter().any(|(t, _, _)| t == tag),
            "{tag} missing from the table"
        );
        assert!(corpus_path(tag).exists(), "{tag} has no file");
    }
}

#[test]
fn every_message_gets_the_documented_outcome() {
    let mut failures = Vec::new();
    for (tag, expected, why) in TABLE {
        let got = outcome(&load(tag));
        if got != *expected {
            failures.push(format!("{tag}: expected {expected:?}, got {got:?} ({why})"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn rejections_say_what_is_wrong() {
    let reason = |tag: &str| match parse(tag) {
        Message::Request(r) => r.validate().expect_err(tag).reason,
        Message::Response(_) => panic!("{tag} is a response"),
    };
    assert_eq!(
        reason("mismatch01"),
        "Bad CSeq: method does not match request line"
    );
    assert_eq!(
        reason("mismatch02"),
        "Bad CSeq: method does not match request line"
    );
    assert_eq!(reason("insuf"), "Missing To");
    assert_eq!(reason("multi01"), "Multiple To headers");
    assert_eq!(reason("scalar02"), "Bad CSeq: sequence number out of range");
    assert_eq!(reason("badvers"), "Version Not Supported");
    assert_eq!(reason("unkscm"), "Unsupported URI Scheme");
    assert!(reason("badinv01").starts_with("Malformed Via"));
    assert!(reason("quotbal").starts_with("Malformed To"));
    assert!(reason("ltgtruri").starts_with("Malformed Request-URI"));
    assert!(reason("baddn").starts_with("Malformed From"));
    assert!(reason("regbadct").starts_with("Malformed Contact"));
    assert!(reason("clerr").starts_with("Bad Content-Length"));
    assert!(reason("ncl").starts_with("Bad Content-Length"));
    assert_eq!(reason("mcl01"), "Multiple Content-Length headers");
    for tag in ["badinv01", "quotbal", "ltgtruri", "mismatch01", "clerr"] {
        let reason = reason(tag);
        assert!(
            reason.is_ascii() && !reason.contains(['\r', '\n']),
            "{tag}: {reason}"
        );
    }
}
