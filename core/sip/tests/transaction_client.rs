//! Client transactions on virtual time: retransmission schedules, timeouts,
//! ACK for non-2xx, Accepted (RFC 6026), CANCEL, reliable transports.

mod transaction_support;

use std::time::Instant;

use switchyard_sip::message::Method;
use switchyard_sip::transaction::{
    BranchGenerator, Config, ResponseDisposition, SendError, Timer, TransactionEvent,
    TransactionKey, TransactionLayer, TransactionState, cancel_for,
};
use transaction_support::*;

fn offsets(sent: &[(std::time::Duration, switchyard_sip::transaction::Transmit)]) -> Vec<u64> {
    sent.iter().map(|(d, _)| d.as_millis() as u64).collect()
}

#[test]
fn invite_udp_timer_a_doubles_until_timer_b() {
    let mut layer = layer();
    let t0 = Instant::now();
    let key = layer
        .send_request(request("INVITE", "z9hG4bKa1"), udp(), t0)
        .unwrap();
    let first = transmits(&mut layer);
    assert_eq!(first.len(), 1);
    assert!(!first[0].retransmission);
    assert_eq!(parse_request(&first[0].bytes).method(), Method::Invite);
    let sent = run_until(&mut layer, t0, t0 + secs(40));
    // Timer A: T1, then doubling without cap, until Timer B at 64*T1.
    assert_eq!(offsets(&sent), [500, 1500, 3500, 7500, 15500, 31500]);
    assert!(sent.iter().all(|(_, t)| t.retransmission));
    let key = TransactionKey::Client(key);
    assert_eq!(
        events(&mut layer),
        [
            TransactionEvent::Timeout {
                key: key.clone(),
                timer: Timer::B
            },
            TransactionEvent::Terminated { key }
        ]
    );
    assert!(layer.is_empty());
    assert_eq!(layer.poll_timeout(), None);
}

#[test]
fn invite_timer_b_fires_at_64_t1() {
    let mut layer = layer();
    let t0 = Instant::now();
    layer
        .send_request(request("INVITE", "z9hG4bKa2"), udp(), t0)
        .unwrap();
    layer.handle_timeout(t0 + ms(31_999));
    assert_eq!(layer.len(), 1);
    layer.handle_timeout(t0 + secs(32));
    assert!(layer.is_empty());
}

#[test]
fn invite_tcp_sends_once_and_times_out_with_b() {
    let mut layer = layer();
    let t0 = Instant::now();
    layer
        .send_request(request("INVITE", "z9hG4bKa3"), tcp(), t0)
        .unwrap();
    assert_eq!(transmits(&mut layer).len(), 1);
    assert_eq!(layer.poll_timeout(), Some(t0 + secs(32)));
    let sent = run_until(&mut layer, t0, t0 + secs(40));
    assert!(sent.is_empty());
    assert!(matches!(
        events(&mut layer).first(),
        Some(TransactionEvent::Timeout {
            timer: Timer::B,
            ..
        })
    ));
    assert!(layer.is_empty());
}

#[test]
fn provisional_stops_retransmissions_and_proceeding_is_bounded() {
    let mut layer = layer();
    let t0 = Instant::now();
    let invite = request("INVITE", "z9hG4bKa4");
    let key = layer.send_request(invite.clone(), udp(), t0).unwrap();
    transmits(&mut layer);
    let ringing = wire(&response(&invite, 180, "callee1"));
    assert!(matches!(
        layer.on_response(ringing, t0 + ms(200)),
        ResponseDisposition::ToTu { .. }
    ));
    let tk = TransactionKey::Client(key);
    assert_eq!(layer.state(&tk), Some(TransactionState::Proceeding));
    // No Timer A, no Timer B any more: only the Proceeding guard.
    assert_eq!(layer.poll_timeout(), Some(t0 + ms(200) + secs(180)));
    let sent = run_until(&mut layer, t0, t0 + secs(100));
    assert!(sent.is_empty());
    assert_eq!(layer.len(), 1);
    run_until(&mut layer, t0, t0 + secs(200));
    assert_eq!(
        events(&mut layer)[0],
        TransactionEvent::Timeout {
            key: tk,
            timer: Timer::Guard
        }
    );
    assert!(layer.is_empty());
}

#[test]
fn non_2xx_final_gets_an_ack_and_the_ack_is_resent_on_retransmission() {
    let mut layer = layer();
    let t0 = Instant::now();
    let invite = request("INVITE", "z9hG4bKa5");
    let key = layer.send_request(invite.clone(), udp(), t0).unwrap();
    transmits(&mut layer);
    let busy = response(&invite, 486, "callee9");
    assert!(matches!(
        layer.on_response(wire(&busy), t0 + ms(100)),
        ResponseDisposition::ToTu { .. }
    ));
    let sent = transmits(&mut layer);
    assert_eq!(sent.len(), 1);
    let ack = parse_request(&sent[0].bytes);
    let h = ack.headers();
    assert_eq!(ack.method(), Method::Ack);
    assert_eq!(ack.uri_str(), invite.uri_str());
    assert_eq!(h.top_via().unwrap().branch(), Some("z9hG4bKa5"));
    assert_eq!(h.vias().count(), 1);
    assert_eq!(h.call_id().unwrap(), invite.headers().call_id().unwrap());
    assert_eq!(h.from().unwrap().tag(), Some("from1"));
    assert_eq!(h.to().unwrap().tag(), Some("callee9"));
    let cseq = h.cseq().unwrap();
    assert_eq!((cseq.number, cseq.method), (1, Method::Ack));
    assert_eq!(h.routes().count(), 1);
    let tk = TransactionKey::Client(key.clone());
    assert_eq!(layer.state(&tk), Some(TransactionState::Completed));

    // The 486 again: absorbed, the same ACK again.
    assert!(matches!(
        layer.on_response(wire(&busy), t0 + secs(1)),
        ResponseDisposition::Absorbed { .. }
    ));
    let again = transmits(&mut layer);
    assert_eq!(again.len(), 1);
    assert!(again[0].retransmission);
    assert_eq!(again[0].bytes, sent[0].bytes);

    // Timer D: 32 s on UDP, then Terminated.
    assert_eq!(layer.poll_timeout(), Some(t0 + ms(100) + secs(32)));
    layer.handle_timeout(t0 + ms(100) + secs(32));
    assert_eq!(
        events(&mut layer),
        [TransactionEvent::Terminated { key: tk }]
    );
    assert!(layer.is_empty());
}

#[test]
fn timer_d_is_zero_on_tcp() {
    let mut layer = layer();
    let t0 = Instant::now();
    let invite = request("INVITE", "z9hG4bKa6");
    layer.send_request(invite.clone(), tcp(), t0).unwrap();
    transmits(&mut layer);
    layer.on_response(wire(&response(&invite, 603, "x")), t0);
    assert_eq!(transmits(&mut layer).len(), 1, "the ACK");
    assert!(layer.is_empty());
    assert!(matches!(
        events(&mut layer).as_slice(),
        [TransactionEvent::Terminated { .. }]
    ));
}

#[test]
fn accepted_passes_2xx_up_and_timer_m_ends_it() {
    let mut layer = layer();
    let t0 = Instant::now();
    let invite = request("INVITE", "z9hG4bKa7");
    let key = layer.send_request(invite.clone(), udp(), t0).unwrap();
    transmits(&mut layer);
    let ok = response(&invite, 200, "fork1");
    assert!(matches!(
        layer.on_response(wire(&ok), t0 + ms(300)),
        ResponseDisposition::ToTu { .. }
    ));
    assert!(transmits(&mut layer).is_empty(), "no ACK for a 2xx");
    let tk = TransactionKey::Client(key);
    assert_eq!(layer.state(&tk), Some(TransactionState::Accepted));
    // Retransmitted 2xx: passed up as such (the TU re-sends its ACK).
    assert!(matches!(
        layer.on_response(wire(&ok), t0 + secs(1)),
        ResponseDisposition::Retransmitted2xx { .. }
    ));
    // A 2xx from another fork is new to the TU.
    assert!(matches!(
        layer.on_response(wire(&response(&invite, 200, "fork2")), t0 + secs(2)),
        ResponseDisposition::ToTu { .. }
    ));
    // Non-2xx and provisionals are absorbed while Accepted.
    assert!(matches!(
        layer.on_response(wire(&response(&invite, 180, "fork3")), t0 + secs(2)),
        ResponseDisposition::Absorbed { .. }
    ));
    assert!(transmits(&mut layer).is_empty());
    // No retransmission in Accepted, Timer M at 64*T1.
    assert_eq!(layer.poll_timeout(), Some(t0 + ms(300) + secs(32)));
    let sent = run_until(&mut layer, t0, t0 + secs(60));
    assert!(sent.is_empty());
    assert_eq!(
        events(&mut layer),
        [TransactionEvent::Terminated { key: tk }]
    );
    // After Timer M a 2xx is stray (the dialog layer's business).
    assert!(matches!(
        layer.on_response(wire(&ok), t0 + secs(61)),
        ResponseDisposition::Stray { .. }
    ));
}

#[test]
fn cancel_is_its_own_transaction_and_bounds_the_invite() {
    let mut layer = layer();
    let t0 = Instant::now();
    let invite = request("INVITE", "z9hG4bKa8");
    let invite_key = layer.send_request(invite.clone(), udp(), t0).unwrap();
    layer.on_response(wire(&response(&invite, 180, "c")), t0 + ms(100));
    let cancel = cancel_for(&invite).unwrap();
    let cancel_key = layer
        .send_request(cancel.clone(), udp(), t0 + secs(10))
        .unwrap();
    assert_ne!(cancel_key, invite_key);
    assert_eq!(cancel_key.branch(), invite_key.branch());
    assert_eq!(cancel_key.method(), Method::Cancel);
    transmits(&mut layer);
    // The 200 for the CANCEL goes to the CANCEL transaction.
    match layer.on_response(wire(&response(&cancel, 200, "c")), t0 + secs(10)) {
        ResponseDisposition::ToTu { key, .. } => assert_eq!(key, cancel_key),
        other => panic!("{other:?}"),
    }
    // No 487 ever: the INVITE is given up 64*T1 after the CANCEL (§9.1).
    run_until(&mut layer, t0, t0 + secs(10) + secs(32));
    let evs = events(&mut layer);
    assert!(evs.contains(&TransactionEvent::Timeout {
        key: TransactionKey::Client(invite_key),
        timer: Timer::Guard
    }));
    assert!(layer.is_empty());
}

#[test]
fn cancel_then_487_acks_and_completes() {
    let mut layer = layer();
    let t0 = Instant::now();
    let invite = request("INVITE", "z9hG4bKa9");
    let invite_key = layer.send_request(invite.clone(), udp(), t0).unwrap();
    layer.on_response(wire(&response(&invite, 183, "c")), t0);
    layer
        .send_request(cancel_for(&invite).unwrap(), udp(), t0 + secs(1))
        .unwrap();
    transmits(&mut layer);
    match layer.on_response(wire(&response(&invite, 487, "c")), t0 + secs(1)) {
        ResponseDisposition::ToTu { key, response } => {
            assert_eq!(key, invite_key);
            assert_eq!(response.status(), 487);
        }
        other => panic!("{other:?}"),
    }
    let sent = transmits(&mut layer);
    assert_eq!(parse_request(&sent[0].bytes).method(), Method::Ack);
}

#[test]
fn non_invite_udp_timer_e_doubles_to_t2_until_timer_f() {
    let mut layer = layer();
    let t0 = Instant::now();
    let key = layer
        .send_request(request("OPTIONS", "z9hG4bKb1"), udp(), t0)
        .unwrap();
    transmits(&mut layer);
    let sent = run_until(&mut layer, t0, t0 + secs(40));
    assert_eq!(
        offsets(&sent),
        [
            500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500
        ]
    );
    let key = TransactionKey::Client(key);
    assert_eq!(
        events(&mut layer),
        [
            TransactionEvent::Timeout {
                key: key.clone(),
                timer: Timer::F
            },
            TransactionEvent::Terminated { key }
        ]
    );
}

#[test]
fn non_invite_proceeding_retransmits_every_t2() {
    let mut layer = layer();
    let t0 = Instant::now();
    let options = request("OPTIONS", "z9hG4bKb2");
    layer.send_request(options.clone(), udp(), t0).unwrap();
    transmits(&mut layer);
    assert!(matches!(
        layer.on_response(wire(&response(&options, 100, "")), t0 + ms(200)),
        ResponseDisposition::ToTu { .. }
    ));
    let sent = run_until(&mut layer, t0, t0 + secs(40));
    assert_eq!(
        offsets(&sent),
        [500, 4500, 8500, 12500, 16500, 20500, 24500, 28500]
    );
    assert!(matches!(
        events(&mut layer)[0],
        TransactionEvent::Timeout {
            timer: Timer::F,
            ..
        }
    ));
}

#[test]
fn non_invite_timer_f_on_tcp_without_retransmissions() {
    let mut layer = layer();
    let t0 = Instant::now();
    layer
        .send_request(request("BYE", "z9hG4bKb3"), tcp(), t0)
        .unwrap();
    transmits(&mut layer);
    assert!(run_until(&mut layer, t0, t0 + secs(40)).is_empty());
    assert!(matches!(
        events(&mut layer)[0],
        TransactionEvent::Timeout {
            timer: Timer::F,
            ..
        }
    ));
    assert!(layer.is_empty());
}

#[test]
fn non_invite_completed_absorbs_for_timer_k() {
    let mut layer = layer();
    let t0 = Instant::now();
    let bye = request("BYE", "z9hG4bKb4");
    let key = layer.send_request(bye.clone(), udp(), t0).unwrap();
    let ok = response(&bye, 200, "t");
    assert!(matches!(
        layer.on_response(wire(&ok), t0 + secs(1)),
        ResponseDisposition::ToTu { .. }
    ));
    assert!(matches!(
        layer.on_response(wire(&ok), t0 + secs(2)),
        ResponseDisposition::Absorbed { .. }
    ));
    assert!(matches!(
        layer.on_response(wire(&response(&bye, 100, "")), t0 + secs(2)),
        ResponseDisposition::Absorbed { .. }
    ));
    transmits(&mut layer);
    // Timer K: T4 on UDP; nothing retransmitted meanwhile.
    assert_eq!(layer.poll_timeout(), Some(t0 + secs(1) + secs(5)));
    assert!(run_until(&mut layer, t0, t0 + secs(10)).is_empty());
    assert_eq!(
        events(&mut layer),
        [TransactionEvent::Terminated {
            key: TransactionKey::Client(key)
        }]
    );
}

#[test]
fn non_invite_timer_k_is_zero_on_tcp() {
    let mut layer = layer();
    let t0 = Instant::now();
    let bye = request("BYE", "z9hG4bKb5");
    layer.send_request(bye.clone(), tcp(), t0).unwrap();
    layer.on_response(wire(&response(&bye, 481, "t")), t0);
    assert!(layer.is_empty());
}

#[test]
fn custom_t1_t2_scale_the_schedules() {
    let mut config = config();
    config.timers.t1 = ms(100);
    config.timers.t2 = ms(300);
    let mut layer = TransactionLayer::new(config);
    let t0 = Instant::now();
    layer
        .send_request(request("MESSAGE", "z9hG4bKb6"), udp(), t0)
        .unwrap();
    transmits(&mut layer);
    let sent = run_until(&mut layer, t0, t0 + ms(1000));
    assert_eq!(offsets(&sent), [100, 300, 600, 900]);
    // F at 64*T1 = 6.4 s.
    run_until(&mut layer, t0, t0 + ms(6399));
    assert_eq!(layer.len(), 1);
    run_until(&mut layer, t0, t0 + ms(6400));
    assert!(layer.is_empty());
}

#[test]
fn transport_error_ends_the_transaction() {
    let mut layer = layer();
    let t0 = Instant::now();
    let key = layer
        .send_request(request("INVITE", "z9hG4bKb7"), tcp(), t0)
        .unwrap();
    let sent = transmits(&mut layer);
    let tk = sent[0].key.clone().unwrap();
    assert_eq!(tk, TransactionKey::Client(key));
    assert!(layer.on_transport_error(&tk));
    assert_eq!(
        events(&mut layer),
        [
            TransactionEvent::TransportError { key: tk.clone() },
            TransactionEvent::Terminated { key: tk.clone() }
        ]
    );
    assert!(!layer.on_transport_error(&tk));
    assert!(layer.is_empty());
}

#[test]
fn connection_closed_fails_only_its_transactions() {
    let mut layer = layer();
    let t0 = Instant::now();
    layer
        .send_request(request("INVITE", "z9hG4bKb8"), tcp(), t0)
        .unwrap();
    layer
        .send_request(request("INVITE", "z9hG4bKb9"), udp(), t0)
        .unwrap();
    assert_eq!(layer.on_connection_closed(tcp().connection), 1);
    assert_eq!(layer.len(), 1);
}

#[test]
fn send_request_refusals() {
    let mut config = config();
    config.max_transactions = 1;
    let mut layer = TransactionLayer::new(config);
    let t0 = Instant::now();
    assert_eq!(
        layer.send_request(request("ACK", "z9hG4bKc1"), udp(), t0),
        Err(SendError::Ack)
    );
    assert!(matches!(
        layer.send_request(request("INVITE", "1234"), udp(), t0),
        Err(SendError::Invalid(_))
    ));
    assert!(matches!(
        layer.send_request(request("INVITE", "z9hG4bK"), udp(), t0),
        Err(SendError::Invalid(_))
    ));
    let key = layer
        .send_request(request("INVITE", "z9hG4bKc2"), udp(), t0)
        .unwrap();
    assert_eq!(
        layer.send_request(request("INVITE", "z9hG4bKc2"), udp(), t0),
        Err(SendError::Duplicate(key))
    );
    assert_eq!(
        layer.send_request(request("OPTIONS", "z9hG4bKc3"), udp(), t0),
        Err(SendError::Full { limit: 1 })
    );
    assert!(!SendError::Ack.to_string().is_empty());
}

#[test]
fn stray_and_foreign_responses() {
    let mut layer = layer();
    let t0 = Instant::now();
    let invite = request("INVITE", "z9hG4bKc4");
    layer.send_request(invite.clone(), udp(), t0).unwrap();
    // Same branch, other CSeq method: another transaction (§17.1.3).
    let mut wrong = request("BYE", "z9hG4bKc4");
    wrong.headers_mut().set("CSeq", "1 BYE").unwrap();
    assert!(matches!(
        layer.on_response(wire(&response(&wrong, 200, "x")), t0),
        ResponseDisposition::Stray { .. }
    ));
    assert!(matches!(
        layer.on_response(
            wire(&response(&request("INVITE", "z9hG4bKzz"), 200, "x")),
            t0
        ),
        ResponseDisposition::Stray { .. }
    ));
    assert_eq!(layer.len(), 1);
}

#[test]
fn branch_generator_feeds_send_request() {
    let mut branches = BranchGenerator::new(9);
    let mut layer = TransactionLayer::new(Config {
        seed: Some(1),
        ..Config::default()
    });
    let t0 = Instant::now();
    for _ in 0..100 {
        let branch = branches.branch();
        layer
            .send_request(request("OPTIONS", &branch), udp(), t0)
            .unwrap();
    }
    assert_eq!(layer.len(), 100);
    run_until(&mut layer, t0, t0 + secs(33));
    assert!(layer.is_empty());
}
