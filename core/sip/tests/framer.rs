//! Stream framing: bytes consumed, keep-alives, Content-Length limits, and
//! messages arriving split across reads.

use std::path::Path;

use switchyard_sip::message::{Frame, Limits, Message, ParseError, StreamFramer};

fn corpus(name: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/rfc4475")
            .join(name),
    )
    .unwrap()
}

/// Feeds `bytes` in chunks of `chunk` and collects every frame.
fn frames(bytes: &[u8], chunk: usize, limits: Limits) -> Vec<Frame> {
    let mut framer = StreamFramer::new(limits);
    let mut buf = Vec::new();
    let mut out = Vec::new();
    for piece in bytes.chunks(chunk.max(1)) {
        buf.extend_from_slice(piece);
        loop {
            match framer.next_frame(&buf).expect("frames") {
                Frame::Incomplete => break,
                frame => {
                    let consumed = match &frame {
                        Frame::Ping { consumed } | Frame::Pong { consumed } => *consumed,
                        Frame::Message { consumed, .. } => *consumed,
                        Frame::Incomplete => 0,
                    };
                    buf.drain(..consumed);
                    out.push(frame);
                }
            }
        }
    }
    assert!(buf.is_empty(), "{} bytes left over", buf.len());
    out
}

fn call_ids(frames: &[Frame]) -> Vec<String> {
    frames
        .iter()
        .filter_map(|f| match f {
            Frame::Message { message, .. } => Some(message.headers().call_id().unwrap().to_owned()),
            _ => None,
        })
        .collect()
}

#[test]
fn two_messages_in_one_stream() {
    let bytes = corpus("extras/x-stream2.dat");
    let mut framer = StreamFramer::default();
    let Frame::Message { message, consumed } = framer.next_frame(&bytes).unwrap() else {
        panic!("expected a message");
    };
    assert_eq!(message.body(), b"Hello, world!");
    assert!(bytes[consumed..].starts_with(b"OPTIONS sip:bob@example.com SIP/2.0\r\n"));
    let Frame::Message {
        message,
        consumed: second,
    } = framer.next_frame(&bytes[consumed..]).unwrap()
    else {
        panic!("expected the second message");
    };
    assert_eq!(consumed + second, bytes.len());
    assert_eq!(message.headers().cseq().unwrap().number, 2);
}

#[test]
fn any_split_point_gives_the_same_messages() {
    let bytes = corpus("extras/x-stream2.dat");
    for chunk in [1, 2, 3, 7, 64, 1000] {
        let got = frames(&bytes, chunk, Limits::default());
        assert_eq!(
            call_ids(&got),
            ["stream-1@192.0.2.1", "stream-2@192.0.2.1"],
            "chunk {chunk}"
        );
    }
}

#[test]
fn keepalive_ping_and_pong_are_reported() {
    let mut stream = b"\r\n\r\n".to_vec();
    stream.extend_from_slice(&corpus("extras/x-unkmeth.dat"));
    stream.extend_from_slice(b"\r\n");
    let got = frames(&stream, 1000, Limits::default());
    assert!(matches!(got[0], Frame::Ping { consumed: 4 }));
    assert!(matches!(got[1], Frame::Message { .. }));
    assert!(matches!(got[2], Frame::Pong { consumed: 2 }));
    let mut framer = StreamFramer::default();
    assert!(matches!(framer.next_frame(b"\r"), Ok(Frame::Incomplete)));
    assert!(matches!(
        framer.next_frame(b"\r\n\r"),
        Ok(Frame::Incomplete)
    ));
}

#[test]
fn content_length_larger_than_received_waits() {
    let mut framer = StreamFramer::default();
    assert!(matches!(
        framer.next_frame(&corpus("clerr.dat")),
        Ok(Frame::Incomplete)
    ));
}

#[test]
fn bad_framing_on_a_stream_is_an_error_with_the_head() {
    for (file, expected) in [
        ("ncl.dat", ParseError::BadContentLength),
        ("mcl01.dat", ParseError::MultipleContentLength),
        ("inv2543.dat", ParseError::MissingContentLength),
    ] {
        let err = StreamFramer::default()
            .next_frame(&corpus(file))
            .unwrap_err();
        assert_eq!(err.error, expected, "{file}");
        assert_eq!(err.error.status_code(), 400);
        let head = err.head.expect("head kept so a response can be built");
        assert!(matches!(*head, Message::Request(_)));
    }
}

#[test]
fn limits_are_enforced() {
    let limits = Limits {
        max_head: 256,
        max_body: 100,
    };
    let err = StreamFramer::new(limits)
        .next_frame(&corpus("longreq.dat"))
        .unwrap_err();
    assert!(matches!(err.error, ParseError::HeadTooLarge { limit: 256 }));
    assert_eq!(err.error.status_code(), 513);
    let limits = Limits {
        max_head: 4096,
        max_body: 100,
    };
    let err = StreamFramer::new(limits)
        .next_frame(&corpus("wsinv.dat"))
        .unwrap_err();
    assert!(matches!(
        err.error,
        ParseError::BodyTooLarge {
            declared: 150,
            limit: 100
        }
    ));
    assert_eq!(err.error.status_code(), 413);
    let endless = vec![b'a'; 300];
    let limits = Limits {
        max_head: 256,
        max_body: 100,
    };
    assert!(StreamFramer::new(limits).next_frame(&endless).is_err());
    let huge = b"OPTIONS sip:a@b SIP/2.0\r\nContent-Length: 99999999999999999999999\r\n\r\n";
    assert!(StreamFramer::default().next_frame(huge).is_err());
}

#[test]
fn baddn_without_final_empty_line_waits_on_a_stream() {
    assert!(matches!(
        StreamFramer::default().next_frame(&corpus("baddn.dat")),
        Ok(Frame::Incomplete)
    ));
}

#[test]
fn datagrams_keepalives_and_truncation() {
    use switchyard_sip::message::{Datagram, FramingDefect};
    assert!(matches!(
        Datagram::parse(b"\r\n\r\n", &Limits::default()),
        Ok(Datagram::KeepAlive)
    ));
    assert!(matches!(
        Datagram::parse(b"", &Limits::default()),
        Ok(Datagram::KeepAlive)
    ));
    let Ok(Datagram::Message(message)) = Datagram::parse(&corpus("clerr.dat"), &Limits::default())
    else {
        panic!("clerr parses as a datagram");
    };
    assert!(matches!(
        message.framing_defect(),
        Some(FramingDefect::ContentLengthExceedsDatagram { declared: 9999, .. })
    ));
    let mut with_keepalive = b"\r\n".to_vec();
    with_keepalive.extend_from_slice(&corpus("extras/x-unkmeth.dat"));
    assert!(Message::parse(&with_keepalive).is_ok());
    let limits = Limits {
        max_head: 100,
        max_body: 10,
    };
    assert!(matches!(
        Datagram::parse(&corpus("wsinv.dat"), &limits),
        Err(ParseError::HeadTooLarge { limit: 100 })
    ));
}
