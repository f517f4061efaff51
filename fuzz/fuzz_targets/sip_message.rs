//! Arbitrary bytes as a SIP datagram and as a TCP stream split at an
//! arbitrary point: parsing, typed views, validation and writing must never
//! panic, framing must never claim more bytes than it was given, and
//! whatever parses must parse again after being written.
#![no_main]

use libfuzzer_sys::fuzz_target;
use switchyard_sip::message::{Frame, Limits, Message, ParseError, StreamFramer};

fn touch(message: &Message) {
    let h = message.headers();
    for via in h.vias() {
        let _ = via.map(|v| (v.branch(), v.received(), v.rport()));
    }
    let _ = h.from().map(|f| (f.tag(), f.display_name_unquoted()));
    let _ = h.to();
    let _ = h.cseq();
    let _ = h.call_id();
    for contact in h.contacts() {
        let _ = contact.map(|c| c.address().map(|a| (a.expires(), a.q())));
    }
    for route in h.routes().chain(h.record_routes()) {
        let _ = route;
    }
    let _ = (h.content_length(), h.max_forwards(), h.expires(), h.content_type());
    match message {
        Message::Request(r) => {
            let _ = r.validate();
            if let Ok(uri) = r.uri() {
                let _ = uri.as_sip().map(|s| s.user_decoded());
            }
        }
        Message::Response(r) => {
            let _ = r.validate();
        }
    }
}

fuzz_target!(|data: &[u8]| {
    if let Ok(message) = Message::parse(data) {
        touch(&message);
        let written = message.to_bytes();
        match Message::parse(&written) {
            Ok(again) => assert_eq!(again.body(), message.body()),
            // Normalising bare LF to CRLF and `a:b` to `a: b` can grow a head past the limit.
            Err(error) => assert!(matches!(error, ParseError::HeadTooLarge { .. }), "{error}"),
        }
    }
    let split = data.first().map_or(0, |b| *b as usize) % (data.len() + 1);
    let limits = Limits { max_head: 4096, max_body: 4096 };
    let mut framer = StreamFramer::new(limits);
    let mut buf: Vec<u8> = Vec::new();
    for chunk in [&data[..split], &data[split..]] {
        buf.extend_from_slice(chunk);
        loop {
            match framer.next_frame(&buf) {
                Ok(Frame::Incomplete) | Err(_) => break,
                Ok(Frame::Ping { consumed } | Frame::Pong { consumed }) => {
                    assert!(consumed <= buf.len());
                    buf.drain(..consumed);
                }
                Ok(Frame::Message { message, consumed }) => {
                    assert!(consumed > 0 && consumed <= buf.len());
                    touch(&message);
                    buf.drain(..consumed);
                }
            }
        }
    }
});
