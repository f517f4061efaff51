//! Shared helpers for the transaction tests: message builders, peers, and a
//! driver that runs a layer on virtual time.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use switchyard_sip::message::{Message, Request, Response};
use switchyard_sip::transaction::{
    Config, ConnectionId, Peer, TransactionEvent, TransactionLayer, Transmit,
};

pub fn udp() -> Peer {
    Peer::unreliable(addr(), ConnectionId(1))
}

pub fn tcp() -> Peer {
    Peer::reliable(addr(), ConnectionId(7))
}

fn addr() -> SocketAddr {
    SocketAddr::from(([192, 0, 2, 10], 5060))
}

pub fn config() -> Config {
    Config {
        seed: Some(42),
        ..Config::default()
    }
}

pub fn layer() -> TransactionLayer {
    TransactionLayer::new(config())
}

pub fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

pub fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

pub fn parse(bytes: &[u8]) -> Message {
    Message::parse(bytes).expect("parses")
}

pub fn parse_request(bytes: &[u8]) -> Request {
    match parse(bytes) {
        Message::Request(r) => r,
        Message::Response(r) => panic!("expected a request, got {}", r.status()),
    }
}

pub fn parse_response(bytes: &[u8]) -> Response {
    match parse(bytes) {
        Message::Response(r) => r,
        Message::Request(r) => panic!("expected a response, got {}", r.method_str()),
    }
}

/// A request as a UA would send it, with one Via carrying `branch`.
pub fn request(method: &str, branch: &str) -> Request {
    request_with(method, branch, "", 1)
}

/// A request with a To tag (empty for none) and a CSeq number.
pub fn request_with(method: &str, branch: &str, to_tag: &str, cseq: u32) -> Request {
    let to_tag = if to_tag.is_empty() {
        String::new()
    } else {
        format!(";tag={to_tag}")
    };
    let cseq_method = method;
    let text = format!(
        "{method} sip:bob@example.com SIP/2.0\r\n\
         Via: SIP/2.0/UDP client.example.com:5060;branch={branch}\r\n\
         Max-Forwards: 70\r\n\
         Route: <sip:proxy.example.com;lr>\r\n\
         From: Alice <sip:alice@example.com>;tag=from1\r\n\
         To: Bob <sip:bob@example.com>{to_tag}\r\n\
         Call-ID: call-{branch}@example.com\r\n\
         CSeq: {cseq} {cseq_method}\r\n\
         Contact: <sip:alice@client.example.com>\r\n\
         Content-Length: 0\r\n\r\n"
    );
    parse_request(text.as_bytes())
}

/// The response to `request` with `code` and, if not empty, a To tag.
pub fn response(request: &Request, code: u16, tag: &str) -> Response {
    let mut response = Response::for_request(request, code, "Reason").expect("response");
    if !tag.is_empty() {
        response.add_to_tag(tag).expect("tag");
    }
    response
}

/// A copy of `response` as it would arrive off the wire.
pub fn wire(response: &Response) -> Response {
    parse_response(&response.to_bytes())
}

pub fn transmits(layer: &mut TransactionLayer) -> Vec<Transmit> {
    std::iter::from_fn(|| layer.poll_transmit()).collect()
}

pub fn events(layer: &mut TransactionLayer) -> Vec<TransactionEvent> {
    std::iter::from_fn(|| layer.poll_event()).collect()
}

/// Runs the layer's timers from `start` until `end` (inclusive), and
/// returns every transmit with the offset from `start` at which it was
/// queued. No sleeping: time jumps from deadline to deadline.
pub fn run_until(
    layer: &mut TransactionLayer,
    start: Instant,
    end: Instant,
) -> Vec<(Duration, Transmit)> {
    let mut out = Vec::new();
    for _ in 0..100_000 {
        let Some(at) = layer.poll_timeout() else {
            break;
        };
        if at > end {
            break;
        }
        layer.handle_timeout(at);
        for t in transmits(layer) {
            out.push((at - start, t));
        }
    }
    out
}
