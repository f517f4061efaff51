//! Property tests: arbitrary sequences of sends, arrivals, answers, time
//! jumps and transport failures never panic, keep the table bounded, keep
//! a deadline armed for every live transaction, and end with every
//! transaction terminated and removed. Plus every RFC 4475 message fed in.

mod transaction_support;

use std::path::Path;
use std::time::{Duration, Instant};

use proptest::prelude::*;
use switchyard_sip::message::{Message, Request, Response};
use switchyard_sip::transaction::{
    Config, RequestDisposition, ServerKey, TransactionEvent, TransactionLayer, cancel_for,
};
use transaction_support::*;

const CODES: [u16; 12] = [100, 180, 183, 200, 202, 301, 404, 408, 486, 487, 500, 603];
const METHODS: [&str; 6] = ["INVITE", "ACK", "CANCEL", "OPTIONS", "BYE", "INFO"];
const TAGS: [&str; 3] = ["", "t1", "t2"];

#[derive(Clone, Debug)]
enum Op {
    SendInvite {
        reliable: bool,
        branch: u8,
    },
    SendNonInvite {
        reliable: bool,
        branch: u8,
    },
    SendCancel {
        idx: usize,
    },
    ClientResponse {
        idx: usize,
        code: usize,
        tag: usize,
    },
    Incoming {
        branch: u8,
        method: usize,
        reliable: bool,
        legacy: bool,
        tag: usize,
    },
    Respond {
        idx: usize,
        code: usize,
        tag: usize,
    },
    Advance {
        ms: u32,
    },
    TransportError {
        idx: usize,
    },
    ConnectionClosed,
    Mutated {
        idx: usize,
        drop_line: usize,
        response: bool,
    },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (any::<bool>(), 0u8..6).prop_map(|(reliable, branch)| Op::SendInvite { reliable, branch }),
        (any::<bool>(), 0u8..6)
            .prop_map(|(reliable, branch)| Op::SendNonInvite { reliable, branch }),
        (0usize..8).prop_map(|idx| Op::SendCancel { idx }),
        (0usize..8, 0..CODES.len(), 0..TAGS.len())
            .prop_map(|(idx, code, tag)| Op::ClientResponse { idx, code, tag }),
        (
            0u8..4,
            0..METHODS.len(),
            any::<bool>(),
            any::<bool>(),
            0..TAGS.len()
        )
            .prop_map(|(branch, method, reliable, legacy, tag)| Op::Incoming {
                branch,
                method,
                reliable,
                legacy,
                tag
            }),
        (0usize..8, 0..CODES.len(), 0..TAGS.len()).prop_map(|(idx, code, tag)| Op::Respond {
            idx,
            code,
            tag
        }),
        prop_oneof![0u32..1_000, 0u32..40_000, 0u32..200_000].prop_map(|ms| Op::Advance { ms }),
        (0usize..8).prop_map(|idx| Op::TransportError { idx }),
        Just(Op::ConnectionClosed),
        (0usize..8, 0usize..12, any::<bool>()).prop_map(|(idx, drop_line, response)| Op::Mutated {
            idx,
            drop_line,
            response
        }),
    ]
}

/// A request as a peer sends it; `legacy` drops the magic cookie.
fn incoming(branch: u8, method: &str, legacy: bool, tag: &str) -> Request {
    let branch = if legacy {
        format!("old{branch}")
    } else {
        format!("z9hG4bKin{branch}")
    };
    request_with(method, &branch, tag, 1)
}

struct World {
    layer: TransactionLayer,
    now: Instant,
    sent: Vec<Request>,
    received: Vec<(ServerKey, Request)>,
    created: usize,
    terminated: usize,
    sequence: u32,
}

impl World {
    fn new() -> World {
        World {
            layer: TransactionLayer::new(Config {
                max_transactions: 12,
                seed: Some(3),
                ..Config::default()
            }),
            now: Instant::now(),
            sent: Vec::new(),
            received: Vec::new(),
            created: 0,
            terminated: 0,
            sequence: 0,
        }
    }

    fn drain(&mut self) {
        while self.layer.poll_transmit().is_some() {}
        while let Some(event) = self.layer.poll_event() {
            if matches!(event, TransactionEvent::Terminated { .. }) {
                self.terminated += 1;
            }
        }
    }

    fn note(&mut self, disposition: RequestDisposition) {
        match disposition {
            RequestDisposition::New { key, request } => {
                self.created += 1;
                self.received.push((key, request));
            }
            RequestDisposition::Cancel { key, request, .. }
            | RequestDisposition::CancelUnmatched { key, request } => {
                self.created += 1;
                self.received.push((key, request));
            }
            _ => {}
        }
    }

    fn send(&mut self, request: Request, reliable: bool) {
        let peer = if reliable { tcp() } else { udp() };
        if self
            .layer
            .send_request(request.clone(), peer, self.now)
            .is_ok()
        {
            self.created += 1;
            self.sent.push(request);
        }
    }

    fn apply(&mut self, op: Op) {
        match op {
            Op::SendInvite { reliable, branch } => {
                self.sequence += 1;
                let r = request_with("INVITE", &format!("z9hG4bKout{branch}"), "", self.sequence);
                self.send(r, reliable);
            }
            Op::SendNonInvite { reliable, branch } => {
                self.sequence += 1;
                let r = request_with("BYE", &format!("z9hG4bKnon{branch}"), "", self.sequence);
                self.send(r, reliable);
            }
            Op::SendCancel { idx } => {
                if let Some(invite) = pick(&self.sent, idx).cloned()
                    && let Ok(cancel) = cancel_for(&invite)
                {
                    self.send(cancel, false);
                }
            }
            Op::ClientResponse { idx, code, tag } => {
                if let Some(response) =
                    pick(&self.sent, idx).and_then(|r| try_response(r, CODES[code], TAGS[tag]))
                {
                    self.layer.on_response(wire(&response), self.now);
                }
            }
            Op::Incoming {
                branch,
                method,
                reliable,
                legacy,
                tag,
            } => {
                let request = incoming(branch, METHODS[method], legacy, TAGS[tag]);
                let peer = if reliable { tcp() } else { udp() };
                let d = self.layer.on_request(request, peer, self.now);
                self.note(d);
            }
            Op::Respond { idx, code, tag } => {
                if let Some((key, request)) = pick(&self.received, idx).cloned()
                    && let Some(response) = try_response(&request, CODES[code], TAGS[tag])
                {
                    let _ = self.layer.respond(&key, response, self.now);
                }
            }
            Op::Advance { ms } => {
                self.now += Duration::from_millis(ms.into());
                self.layer.handle_timeout(self.now);
            }
            Op::TransportError { idx } => {
                let key = self.layer.poll_transmit().and_then(|t| t.key);
                if let Some(key) = key.or_else(|| pick_key(&self.received, idx)) {
                    self.layer.on_transport_error(&key);
                }
            }
            Op::ConnectionClosed => {
                self.layer.on_connection_closed(tcp().connection);
            }
            Op::Mutated {
                idx,
                drop_line,
                response,
            } => {
                let bytes = if response {
                    pick(&self.sent, idx).map(|r| {
                        Response::for_request(r, 486, "Busy")
                            .map(|r| r.to_bytes())
                            .unwrap_or_default()
                    })
                } else {
                    pick(&self.received, idx).map(|(_, r)| r.to_bytes())
                };
                let Some(bytes) = bytes else { return };
                let text = String::from_utf8_lossy(&bytes);
                let kept: Vec<&str> = text
                    .split("\r\n")
                    .enumerate()
                    .filter(|(i, _)| *i != drop_line || *i == 0)
                    .map(|(_, l)| l)
                    .collect();
                match Message::parse(kept.join("\r\n").as_bytes()) {
                    Ok(Message::Request(r)) => {
                        let d = self.layer.on_request(r, udp(), self.now);
                        self.note(d);
                    }
                    Ok(Message::Response(r)) => {
                        self.layer.on_response(r, self.now);
                    }
                    Err(_) => {}
                }
            }
        }
    }

    fn check_invariants(&self) {
        assert!(self.layer.len() <= 12, "cap respected");
        assert_eq!(
            self.layer.poll_timeout().is_some(),
            !self.layer.is_empty(),
            "every live transaction has a deadline"
        );
    }

    fn run_out(&mut self) {
        for _ in 0..10_000 {
            let Some(at) = self.layer.poll_timeout() else {
                break;
            };
            self.now = self.now.max(at);
            self.layer.handle_timeout(self.now);
            self.drain();
        }
    }
}

/// A response to `request`, tagged when the To header allows it.
fn try_response(request: &Request, code: u16, tag: &str) -> Option<Response> {
    let mut response = Response::for_request(request, code, "Reason").ok()?;
    if !tag.is_empty() {
        let _ = response.add_to_tag(tag);
    }
    Some(response)
}

fn pick<T>(items: &[T], idx: usize) -> Option<&T> {
    if items.is_empty() {
        None
    } else {
        items.get(idx % items.len())
    }
}

fn pick_key(
    items: &[(ServerKey, Request)],
    idx: usize,
) -> Option<switchyard_sip::transaction::TransactionKey> {
    pick(items, idx).map(|(k, _)| k.clone().into())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 512,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn arbitrary_sequences_never_panic_and_always_terminate(ops in prop::collection::vec(op(), 1..80)) {
        let mut world = World::new();
        for op in ops {
            world.apply(op);
            world.check_invariants();
            world.drain();
        }
        world.run_out();
        prop_assert!(world.layer.is_empty());
        prop_assert_eq!(world.layer.poll_timeout(), None);
        prop_assert_eq!(world.created, world.terminated);
    }
}

#[test]
fn every_rfc4475_message_is_handled_and_ends() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/rfc4475");
    let mut layer = layer();
    let t0 = Instant::now();
    let mut files = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "dat") {
            continue;
        }
        files += 1;
        let Ok(message) = Message::parse(&std::fs::read(&path).unwrap()) else {
            continue;
        };
        match message {
            Message::Request(r) => {
                for peer in [udp(), tcp()] {
                    if let RequestDisposition::New { key, request } =
                        layer.on_request(r.clone(), peer, t0)
                        && let Ok(response) = Response::for_request(&request, 400, "Bad")
                    {
                        let _ = layer.respond(&key, response, t0);
                    }
                }
            }
            Message::Response(r) => {
                layer.on_response(r, t0);
            }
        }
    }
    assert!(files > 40);
    let mut now = t0;
    while let Some(at) = layer.poll_timeout() {
        now = now.max(at);
        layer.handle_timeout(now);
        while layer.poll_transmit().is_some() {}
    }
    assert!(layer.is_empty());
}
