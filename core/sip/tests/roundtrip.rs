//! Writing: parse -> write -> parse keeps every typed view; responses built
//! for requests per RFC 3261 §8.2.6; generated messages round-trip; and no
//! input panics the parser or the framer (proptest).

use std::path::Path;

use proptest::prelude::*;
use switchyard_sip::message::{Frame, Headers, Message, Request, Response, StreamFramer};

/// Every typed view the switch relies on, rendered for comparison.
fn views(headers: &Headers) -> String {
    format!(
        "{:?}|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}",
        headers.vias().collect::<Vec<_>>(),
        headers.from(),
        headers.to(),
        headers.cseq(),
        headers.call_id(),
        headers.contacts().collect::<Vec<_>>(),
        headers.routes().collect::<Vec<_>>(),
        headers.record_routes().collect::<Vec<_>>(),
        headers.max_forwards(),
        headers.content_type(),
    )
}

fn summary(message: &Message) -> String {
    let start = match message {
        Message::Request(r) => format!("{} {:?} {}", r.method_str(), r.uri(), r.version()),
        Message::Response(r) => format!("{} {} {}", r.version(), r.status(), r.reason()),
    };
    format!("{start}|{}|{:?}", views(message.headers()), message.body())
}

#[test]
fn every_valid_corpus_message_round_trips() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/rfc4475");
    let mut count = 0;
    for entry in std::fs::read_dir(&dir)
        .unwrap()
        .chain(std::fs::read_dir(dir.join("extras")).unwrap())
    {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "dat") {
            continue;
        }
        let Ok(first) = Message::parse(&std::fs::read(&path).unwrap()) else {
            continue;
        };
        let written = first.to_bytes();
        let second = Message::parse(&written).unwrap_or_else(|e| panic!("{path:?}: {e}"));
        assert_eq!(summary(&first), summary(&second), "{path:?}");
        let head_len = written
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .expect("head end");
        let head = &written[..head_len];
        assert!(
            !head.windows(2).any(|w| w[1] == b'\n' && w[0] != b'\r'),
            "{path:?}: bare LF written"
        );
        count += 1;
    }
    assert!(count >= 60, "{count}");
}

#[test]
fn status_codes_keep_three_digits() {
    let parsed = Message::parse(b"SIP/2.0 020 Odd\r\nContent-Length: 0\r\n\r\n").unwrap();
    assert!(parsed.to_bytes().starts_with(b"SIP/2.0 020 Odd\r\n"));
}

#[test]
fn writer_emits_a_correct_content_length() {
    let mut request = Request::new("MESSAGE", "sip:bob@example.com").unwrap();
    request.headers_mut().push("Content-Length", "999").unwrap();
    request.set_body(b"hello".to_vec());
    let text = String::from_utf8(request.to_bytes()).unwrap();
    assert_eq!(
        text,
        "MESSAGE sip:bob@example.com SIP/2.0\r\nContent-Length: 5\r\n\r\nhello"
    );
}

#[test]
fn builders_refuse_header_injection() {
    let mut request = Request::new("OPTIONS", "sip:a@b").unwrap();
    assert!(request.headers_mut().push("X-Evil", "a\r\nVia: x").is_err());
    assert!(request.headers_mut().push("Bad Name", "x").is_err());
    assert!(Request::new("IN VITE", "sip:a@b").is_err());
    assert!(Request::new("INVITE", "sip:a@b SIP/2.0\r\n").is_err());
    assert!(Response::new(200, "OK\r\nX: y").is_err());
    assert!(Response::new(99, "x").is_err());
}

#[test]
fn response_for_request_copies_the_right_headers() {
    let bytes =
        std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/rfc4475/wsinv.dat"))
            .unwrap();
    let Message::Request(request) = Message::parse(&bytes).unwrap() else {
        panic!()
    };
    let mut response = Response::for_request(&request, 486, "Busy Here").unwrap();
    assert!(
        !response.add_to_tag("xyz").unwrap(),
        "wsinv's To already has a tag"
    );
    let mut response2 = Response::for_request(&request, 180, "Ringing").unwrap();
    response2
        .headers_mut()
        .set("To", "<sip:bob@example.com>")
        .unwrap();
    assert!(response2.add_to_tag("abc").unwrap());
    assert_eq!(response2.headers().to().unwrap().tag(), Some("abc"));
    let reparsed = Message::parse(&response.to_bytes()).unwrap();
    let Message::Response(reparsed) = reparsed else {
        panic!()
    };
    assert_eq!(reparsed.status(), 486);
    assert_eq!(reparsed.reason(), "Busy Here");
    assert_eq!(
        format!("{:?}", reparsed.headers().vias().collect::<Vec<_>>()),
        format!("{:?}", request.headers().vias().collect::<Vec<_>>())
    );
    assert_eq!(
        reparsed.headers().from().unwrap(),
        request.headers().from().unwrap()
    );
    assert_eq!(
        reparsed.headers().to().unwrap(),
        request.headers().to().unwrap()
    );
    assert_eq!(
        reparsed.headers().call_id().unwrap(),
        request.headers().call_id().unwrap()
    );
    assert_eq!(
        reparsed.headers().cseq().unwrap(),
        request.headers().cseq().unwrap()
    );
    assert!(reparsed.headers().contacts().next().is_none());
    assert!(reparsed.body().is_empty());
    assert!(reparsed.validate().is_ok());
}

#[test]
fn rejections_become_responses() {
    let bytes =
        std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/rfc4475/mismatch01.dat"))
            .unwrap();
    let Message::Request(request) = Message::parse(&bytes).unwrap() else {
        panic!()
    };
    let rejection = request.validate().unwrap_err();
    let mut response =
        Response::for_request(&request, rejection.status, &rejection.reason).unwrap();
    assert!(response.add_to_tag("srv1").unwrap());
    let text = String::from_utf8(response.to_bytes()).unwrap();
    assert!(text.starts_with("SIP/2.0 400 Bad CSeq: method does not match request line\r\n"));
    assert!(text.contains("tag=srv1"));
}

fn token() -> impl Strategy<Value = String> {
    "[A-Za-z0-9][A-Za-z0-9.!%*_+`'~-]{0,11}"
}

fn host() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z][a-z0-9-]{0,8}(\\.[a-z][a-z0-9-]{0,8}){0,2}",
        (0u8..=255, 0u8..=255, 0u8..=255, 1u8..=254)
            .prop_map(|(a, b, c, d)| format!("{a}.{b}.{c}.{d}")),
        "\\[2001:db8(:[0-9a-f]{1,4}){1,3}::1\\]",
    ]
}

fn uri() -> impl Strategy<Value = String> {
    prop_oneof![
        (
            proptest::option::of("[a-z0-9+%]{1,8}"),
            host(),
            proptest::option::of(1u16..),
            proptest::option::of(token())
        )
            .prop_map(|(user, host, port, param)| {
                let mut s = String::from("sip:");
                if let Some(user) = user {
                    s.push_str(&user);
                    s.push('@');
                }
                s.push_str(&host);
                if let Some(port) = port {
                    s.push_str(&format!(":{port}"));
                }
                if let Some(param) = param {
                    s.push_str(&format!(";{param}"));
                }
                s
            }),
        "\\+[0-9]{4,12}".prop_map(|n| format!("tel:{n}")),
        "[0-9]{3,7}".prop_map(|n| format!("tel:{n};phone-context=+1555")),
    ]
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        if let Ok(message) = Message::parse(&bytes) {
            let h = message.headers();
            let _ = views(h);
            let _ = h.expires();
            let _ = h.content_length();
            match &message {
                Message::Request(r) => { let _ = r.validate(); let _ = r.uri(); }
                Message::Response(r) => { let _ = r.validate(); }
            }
            let _ = Message::parse(&message.to_bytes());
        }
        let mut framer = StreamFramer::default();
        let mut rest: &[u8] = &bytes;
        while let Ok(frame) = framer.next_frame(rest) {
            let consumed = match frame {
                Frame::Incomplete => break,
                Frame::Ping { consumed } | Frame::Pong { consumed } | Frame::Message { consumed, .. } => consumed,
            };
            prop_assert!(consumed > 0 && consumed <= rest.len());
            rest = &rest[consumed..];
        }
    }

    #[test]
    fn sip_like_garbage_never_panics(
        lines in proptest::collection::vec("[ -~\t]{0,40}", 0..12),
        ending in prop_oneof![Just("\r\n"), Just("\n")],
    ) {
        let text = format!("INVITE sip:a@b SIP/2.0{ending}{}{ending}{ending}", lines.join(ending));
        if let Ok(Message::Request(r)) = Message::parse(text.as_bytes()) {
            let _ = views(r.headers());
            let _ = r.validate();
        }
    }

    #[test]
    fn generated_messages_round_trip(
        method in token(),
        request_uri in uri(),
        from_uri in uri(),
        display in proptest::option::of("[A-Za-z ]{1,12}"),
        tag in token(),
        call_id in "[A-Za-z0-9.@-]{1,20}",
        cseq in any::<u32>(),
        via_host in host(),
        branch in token(),
        body in proptest::collection::vec(any::<u8>(), 0..64),
    ) {
        let mut request = Request::new(&method, &request_uri).unwrap();
        let h = request.headers_mut();
        h.push("Via", &format!("SIP/2.0/UDP {via_host};branch=z9hG4bK{branch};rport")).unwrap();
        let from = match &display {
            Some(name) => format!("\"{name}\" <{from_uri}>;tag={tag}"),
            None => format!("<{from_uri}>;tag={tag}"),
        };
        h.push("From", &from).unwrap();
        h.push("To", &format!("<{request_uri}>")).unwrap();
        h.push("Call-ID", &call_id).unwrap();
        h.push("CSeq", &format!("{cseq} {method}")).unwrap();
        h.push("Max-Forwards", "70").unwrap();
        h.push("Contact", &format!("<{from_uri}>;expires=60")).unwrap();
        request.set_body(body.clone());
        prop_assert!(request.validate().is_ok(), "{:?}", request.validate());
        let bytes = request.to_bytes();
        let parsed = Message::parse(&bytes).unwrap();
        let Message::Request(parsed) = parsed else { panic!("not a request") };
        prop_assert!(parsed.validate().is_ok());
        prop_assert_eq!(parsed.method_str(), method.as_str());
        prop_assert_eq!(parsed.uri().unwrap(), request.uri().unwrap());
        prop_assert_eq!(views(parsed.headers()), views(request.headers()));
        prop_assert_eq!(parsed.headers().cseq().unwrap().number, cseq);
        prop_assert_eq!(parsed.body(), &body[..]);
        let mut framer = StreamFramer::default();
        let frame = framer.next_frame(&bytes).unwrap();
        let Frame::Message { consumed, .. } = frame else { panic!("not framed") };
        prop_assert_eq!(consumed, bytes.len());
    }
}
