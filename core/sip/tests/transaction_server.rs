//! Server transactions on virtual time: 100 Trying, absorbed
//! retransmissions, timers G/H/I/J/L, ACK and CANCEL matching, RFC 2543
//! matching (RFC 4475 inv2543, badbranch), limits.

mod transaction_support;

use std::path::Path;
use std::time::Instant;

use switchyard_sip::message::{Method, Request, Response};
use switchyard_sip::transaction::{
    RequestDisposition, RespondError, ServerKey, Timer, TransactionEvent, TransactionKey,
    TransactionLayer, TransactionState,
};
use transaction_support::*;

fn new_key(d: RequestDisposition) -> ServerKey {
    match d {
        RequestDisposition::New { key, .. } => key,
        other => panic!("expected New, got {other:?}"),
    }
}

fn statuses(layer: &mut TransactionLayer) -> Vec<u16> {
    transmits(layer)
        .iter()
        .map(|t| parse_response(&t.bytes).status())
        .collect()
}

fn corpus(tag: &str) -> Request {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/rfc4475/{tag}.dat"));
    parse_request(&std::fs::read(path).unwrap())
}

#[test]
fn invite_gets_100_trying_at_once_and_again_on_retransmission() {
    let mut layer = layer();
    let t0 = Instant::now();
    let invite = request("INVITE", "z9hG4bKs1");
    let key = new_key(layer.on_request(invite.clone(), udp(), t0));
    let sent = transmits(&mut layer);
    assert_eq!(sent.len(), 1);
    let trying = parse_response(&sent[0].bytes);
    assert_eq!(trying.status(), 100);
    assert_eq!(trying.headers().to().unwrap().tag(), None);
    assert_eq!(sent[0].peer, udp());
    match layer.on_request(invite.clone(), udp(), t0 + ms(500)) {
        RequestDisposition::Retransmission { key: k } => assert_eq!(k, key),
        other => panic!("{other:?}"),
    }
    let again = transmits(&mut layer);
    assert_eq!(again.len(), 1);
    assert!(again[0].retransmission);
    assert_eq!(again[0].bytes, sent[0].bytes);
}

#[test]
fn without_auto_100_a_retransmission_before_any_answer_sends_nothing() {
    let mut config = config();
    config.send_100_trying = false;
    let mut layer = TransactionLayer::new(config);
    let t0 = Instant::now();
    let invite = request("INVITE", "z9hG4bKs2");
    let key = new_key(layer.on_request(invite.clone(), udp(), t0));
    assert!(transmits(&mut layer).is_empty());
    layer.on_request(invite.clone(), udp(), t0);
    assert!(transmits(&mut layer).is_empty());
    layer
        .respond(&key, response(&invite, 180, "u1"), t0)
        .unwrap();
    assert_eq!(statuses(&mut layer), [180]);
    layer.on_request(invite, udp(), t0);
    assert_eq!(statuses(&mut layer), [180], "the last provisional again");
}

#[test]
fn non_2xx_final_is_retransmitted_by_timer_g_until_timer_h() {
    let mut layer = layer();
    let t0 = Instant::now();
    let invite = request("INVITE", "z9hG4bKs3");
    let key = new_key(layer.on_request(invite.clone(), udp(), t0));
    transmits(&mut layer);
    layer
        .respond(&key, response(&invite, 486, "u1"), t0)
        .unwrap();
    assert_eq!(statuses(&mut layer), [486]);
    let tk = TransactionKey::Server(key.clone());
    assert_eq!(layer.state(&tk), Some(TransactionState::Completed));
    let sent = run_until(&mut layer, t0, t0 + secs(40));
    let at: Vec<u64> = sent.iter().map(|(d, _)| d.as_millis() as u64).collect();
    // Timer G: T1 doubling, capped at T2; Timer H at 64*T1 ends it.
    assert_eq!(
        at,
        [
            500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500
        ]
    );
    assert!(
        sent.iter()
            .all(|(_, t)| t.retransmission && parse_response(&t.bytes).status() == 486)
    );
    assert_eq!(
        events(&mut layer),
        [
            TransactionEvent::Timeout {
                key: tk.clone(),
                timer: Timer::H
            },
            TransactionEvent::Terminated { key: tk }
        ]
    );
    assert!(layer.is_empty());
}

#[test]
fn invite_retransmission_in_completed_resends_the_final() {
    let mut layer = layer();
    let t0 = Instant::now();
    let invite = request("INVITE", "z9hG4bKs4");
    let key = new_key(layer.on_request(invite.clone(), udp(), t0));
    layer
        .respond(&key, response(&invite, 404, "u"), t0)
        .unwrap();
    transmits(&mut layer);
    assert!(matches!(
        layer.on_request(invite, udp(), t0 + ms(100)),
        RequestDisposition::Retransmission { .. }
    ));
    assert_eq!(statuses(&mut layer), [404]);
}

#[test]
fn ack_for_non_2xx_confirms_and_timer_i_absorbs_ack_retransmissions() {
    let mut layer = layer();
    let t0 = Instant::now();
    let invite = request("INVITE", "z9hG4bKs5");
    let key = new_key(layer.on_request(invite.clone(), udp(), t0));
    let busy = response(&invite, 486, "u5");
    layer.respond(&key, busy, t0).unwrap();
    transmits(&mut layer);
    let mut ack = request_with("ACK", "z9hG4bKs5", "u5", 1);
    ack.headers_mut().set("CSeq", "1 ACK").unwrap();
    match layer.on_request(ack.clone(), udp(), t0 + secs(1)) {
        RequestDisposition::AckAbsorbed { key: k } => assert_eq!(k, key),
        other => panic!("{other:?}"),
    }
    let tk = TransactionKey::Server(key.clone());
    assert_eq!(layer.state(&tk), Some(TransactionState::Confirmed));
    // Confirmed: ACK retransmissions absorbed, no more 486, Timer I = T4.
    assert!(matches!(
        layer.on_request(ack, udp(), t0 + secs(2)),
        RequestDisposition::AckAbsorbed { .. }
    ));
    assert!(matches!(
        layer.on_request(invite, udp(), t0 + secs(2)),
        RequestDisposition::Retransmission { .. }
    ));
    assert!(transmits(&mut layer).is_empty());
    assert_eq!(layer.poll_timeout(), Some(t0 + secs(1) + secs(5)));
    assert!(run_until(&mut layer, t0, t0 + secs(10)).is_empty());
    assert_eq!(
        events(&mut layer),
        [TransactionEvent::Terminated { key: tk }]
    );
}

#[test]
fn tcp_final_has_no_timer_g_and_timer_i_is_zero() {
    let mut layer = layer();
    let t0 = Instant::now();
    let invite = request("INVITE", "z9hG4bKs6");
    let key = new_key(layer.on_request(invite.clone(), tcp(), t0));
    layer
        .respond(&key, response(&invite, 480, "u6"), t0)
        .unwrap();
    assert_eq!(statuses(&mut layer), [100, 480]);
    assert_eq!(layer.poll_timeout(), Some(t0 + secs(32)), "only Timer H");
    let mut ack = request_with("ACK", "z9hG4bKs6", "u6", 1);
    ack.headers_mut().set("CSeq", "1 ACK").unwrap();
    assert!(matches!(
        layer.on_request(ack, tcp(), t0 + ms(10)),
        RequestDisposition::AckAbsorbed { .. }
    ));
    assert!(layer.is_empty(), "Timer I is zero on TCP");
    // Timer H on TCP when no ACK comes.
    let invite = request("INVITE", "z9hG4bKs7");
    let key = new_key(layer.on_request(invite.clone(), tcp(), t0));
    layer
        .respond(&key, response(&invite, 480, "u7"), t0)
        .unwrap();
    assert!(
        run_until(&mut layer, t0, t0 + secs(40))
            .iter()
            .all(|(_, t)| !t.retransmission)
    );
    assert!(events(&mut layer).contains(&TransactionEvent::Timeout {
        key: TransactionKey::Server(key),
        timer: Timer::H
    }));
}

#[test]
fn accepted_absorbs_invites_passes_acks_and_ends_with_timer_l() {
    let mut layer = layer();
    let t0 = Instant::now();
    let invite = request("INVITE", "z9hG4bKs8");
    let key = new_key(layer.on_request(invite.clone(), udp(), t0));
    let ok = response(&invite, 200, "u8");
    layer.respond(&key, ok.clone(), t0 + secs(1)).unwrap();
    assert_eq!(statuses(&mut layer), [100, 200]);
    let tk = TransactionKey::Server(key.clone());
    assert_eq!(layer.state(&tk), Some(TransactionState::Accepted));
    // INVITE retransmissions: absorbed, the transaction does not resend 2xx.
    assert!(matches!(
        layer.on_request(invite.clone(), udp(), t0 + secs(2)),
        RequestDisposition::Retransmission { .. }
    ));
    assert!(transmits(&mut layer).is_empty());
    // The TU's own 2xx retransmission goes out.
    layer.respond(&key, ok.clone(), t0 + secs(2)).unwrap();
    assert_eq!(statuses(&mut layer), [200]);
    // A non-2xx after a 2xx is refused.
    assert_eq!(
        layer.respond(&key, response(&invite, 500, "u8"), t0 + secs(2)),
        Err(RespondError::WrongState {
            state: TransactionState::Accepted,
            status: 500
        })
    );
    // The 2xx ACK with its own branch is the TU's; so is one that reuses
    // the INVITE's branch (RFC 6026).
    let mut ack = request_with("ACK", "z9hG4bKack8", "u8", 1);
    ack.headers_mut().set("CSeq", "1 ACK").unwrap();
    assert!(matches!(
        layer.on_request(ack, udp(), t0 + secs(3)),
        RequestDisposition::Ack {
            transaction: None,
            ..
        }
    ));
    let mut same_branch = request_with("ACK", "z9hG4bKs8", "u8", 1);
    same_branch.headers_mut().set("CSeq", "1 ACK").unwrap();
    match layer.on_request(same_branch, udp(), t0 + secs(3)) {
        RequestDisposition::Ack {
            transaction: Some(k),
            ..
        } => assert_eq!(k, key),
        other => panic!("{other:?}"),
    }
    // Timer L: 64*T1 after the 2xx.
    assert_eq!(layer.poll_timeout(), Some(t0 + secs(1) + secs(32)));
    run_until(&mut layer, t0, t0 + secs(40));
    assert_eq!(
        events(&mut layer),
        [TransactionEvent::Terminated { key: tk }]
    );
}

#[test]
fn unanswered_invite_is_bounded_by_the_guard() {
    let mut layer = layer();
    let t0 = Instant::now();
    let key = new_key(layer.on_request(request("INVITE", "z9hG4bKs9"), udp(), t0));
    run_until(&mut layer, t0, t0 + secs(179));
    assert_eq!(layer.len(), 1);
    run_until(&mut layer, t0, t0 + secs(180));
    assert_eq!(
        events(&mut layer)[0],
        TransactionEvent::Timeout {
            key: TransactionKey::Server(key),
            timer: Timer::Guard
        }
    );
    assert!(layer.is_empty());
}

#[test]
fn non_invite_absorbs_in_trying_and_resends_after_answers() {
    let mut layer = layer();
    let t0 = Instant::now();
    let options = request("OPTIONS", "z9hG4bKn1");
    let key = new_key(layer.on_request(options.clone(), udp(), t0));
    assert!(transmits(&mut layer).is_empty(), "no 100 for non-INVITE");
    // Trying: absorbed, nothing to resend.
    assert!(matches!(
        layer.on_request(options.clone(), udp(), t0 + ms(500)),
        RequestDisposition::Retransmission { .. }
    ));
    assert!(transmits(&mut layer).is_empty());
    // Proceeding: the provisional again.
    layer
        .respond(&key, response(&options, 183, "n1"), t0 + ms(600))
        .unwrap();
    layer.on_request(options.clone(), udp(), t0 + ms(700));
    assert_eq!(statuses(&mut layer), [183, 183]);
    // Completed: the final again, for Timer J = 64*T1.
    layer
        .respond(&key, response(&options, 200, "n1"), t0 + secs(1))
        .unwrap();
    layer.on_request(options.clone(), udp(), t0 + secs(2));
    assert_eq!(statuses(&mut layer), [200, 200]);
    assert_eq!(
        layer.respond(&key, response(&options, 500, "n1"), t0 + secs(2)),
        Err(RespondError::WrongState {
            state: TransactionState::Completed,
            status: 500
        })
    );
    assert_eq!(layer.poll_timeout(), Some(t0 + secs(1) + secs(32)));
    assert!(run_until(&mut layer, t0, t0 + secs(40)).is_empty());
    assert_eq!(
        events(&mut layer),
        [TransactionEvent::Terminated {
            key: TransactionKey::Server(key)
        }]
    );
}

#[test]
fn completed_non_invite_transactions_expire_each_at_its_own_timer_j() {
    let mut layer = layer();
    let t0 = Instant::now();
    let answer = |layer: &mut TransactionLayer, branch: &str, at: Instant| {
        let register = request("REGISTER", branch);
        let key = new_key(layer.on_request(register.clone(), udp(), at));
        layer
            .respond(&key, response(&register, 200, branch), at)
            .unwrap();
        (key, register)
    };
    let (late, _) = answer(&mut layer, "z9hG4bKj1", t0 + secs(5));
    // A caller whose clock went back: this one still ends first.
    let (early, early_request) = answer(&mut layer, "z9hG4bKj2", t0 + secs(1));
    let (broken, broken_request) = answer(&mut layer, "z9hG4bKj3", t0 + secs(6));
    assert_eq!(statuses(&mut layer), [200, 200, 200]);
    assert_eq!(layer.len(), 3);
    assert_eq!(
        layer.state(&TransactionKey::Server(early.clone())),
        Some(TransactionState::Completed)
    );
    assert_eq!(layer.poll_timeout(), Some(t0 + secs(33)));
    assert_eq!(
        layer.respond(&early, Response::new(200, "OK").unwrap(), t0),
        Err(RespondError::Mismatch)
    );
    assert_eq!(
        layer.respond(&early, response(&early_request, 200, "x"), t0),
        Err(RespondError::WrongState {
            state: TransactionState::Completed,
            status: 200
        })
    );
    // The transport fails for one: it ends at once.
    assert!(layer.on_transport_error(&TransactionKey::Server(broken.clone())));
    assert!(!layer.on_transport_error(&TransactionKey::Server(broken.clone())));
    assert_eq!(
        events(&mut layer),
        [
            TransactionEvent::TransportError {
                key: TransactionKey::Server(broken.clone())
            },
            TransactionEvent::Terminated {
                key: TransactionKey::Server(broken)
            }
        ]
    );
    assert!(matches!(
        layer.on_request(broken_request, udp(), t0 + secs(7)),
        RequestDisposition::New { .. }
    ));
    layer.handle_timeout(t0 + secs(33));
    assert_eq!(
        events(&mut layer),
        [TransactionEvent::Terminated {
            key: TransactionKey::Server(early.clone())
        }]
    );
    assert!(matches!(
        layer.on_request(early_request, udp(), t0 + secs(34)),
        RequestDisposition::New { .. }
    ));
    layer.handle_timeout(t0 + secs(37));
    assert_eq!(
        events(&mut layer),
        [TransactionEvent::Terminated {
            key: TransactionKey::Server(late)
        }]
    );
    assert_eq!(layer.len(), 2, "the two requests that came again");
}

#[test]
fn non_invite_timer_j_is_zero_on_tcp() {
    let mut layer = layer();
    let t0 = Instant::now();
    let bye = request("BYE", "z9hG4bKn2");
    let key = new_key(layer.on_request(bye.clone(), tcp(), t0));
    layer.respond(&key, response(&bye, 200, "n2"), t0).unwrap();
    assert!(layer.is_empty());
    assert_eq!(statuses(&mut layer), [200]);
}

#[test]
fn unanswered_non_invite_is_bounded_at_64_t1() {
    let mut layer = layer();
    let t0 = Instant::now();
    let key = new_key(layer.on_request(request("INFO", "z9hG4bKn3"), udp(), t0));
    run_until(&mut layer, t0, t0 + secs(32));
    assert_eq!(
        events(&mut layer)[0],
        TransactionEvent::Timeout {
            key: TransactionKey::Server(key),
            timer: Timer::Guard
        }
    );
}

#[test]
fn cancel_matches_the_invite_and_is_answered_200_with_its_tag() {
    let mut layer = layer();
    let t0 = Instant::now();
    let invite = request("INVITE", "z9hG4bKc1");
    let invite_key = new_key(layer.on_request(invite.clone(), udp(), t0));
    layer
        .respond(&invite_key, response(&invite, 180, "ring1"), t0)
        .unwrap();
    transmits(&mut layer);
    let cancel = request("CANCEL", "z9hG4bKc1");
    let cancel_key = match layer.on_request(cancel.clone(), udp(), t0 + secs(1)) {
        RequestDisposition::Cancel {
            key,
            invite,
            pending,
            request,
        } => {
            assert_eq!(invite, invite_key);
            assert!(pending);
            assert_eq!(request.method(), Method::Cancel);
            assert_eq!(key.method(), Method::Cancel);
            key
        }
        other => panic!("{other:?}"),
    };
    let sent = transmits(&mut layer);
    assert_eq!(sent.len(), 1);
    let ok = parse_response(&sent[0].bytes);
    assert_eq!(ok.status(), 200);
    assert_eq!(ok.headers().cseq().unwrap().method, Method::Cancel);
    assert_eq!(ok.headers().to().unwrap().tag(), Some("ring1"));
    // A retransmitted CANCEL gets the 200 again.
    assert!(matches!(
        layer.on_request(cancel, udp(), t0 + secs(2)),
        RequestDisposition::Retransmission { key } if key == cancel_key
    ));
    assert_eq!(statuses(&mut layer), [200]);
    // The TU answers the INVITE 487; the ACK is absorbed.
    layer
        .respond(&invite_key, response(&invite, 487, "ring1"), t0 + secs(2))
        .unwrap();
    assert_eq!(statuses(&mut layer), [487]);
    let mut ack = request_with("ACK", "z9hG4bKc1", "ring1", 1);
    ack.headers_mut().set("CSeq", "1 ACK").unwrap();
    assert!(matches!(
        layer.on_request(ack, udp(), t0 + secs(2)),
        RequestDisposition::AckAbsorbed { .. }
    ));
}

#[test]
fn cancel_after_final_is_200_but_not_pending() {
    let mut layer = layer();
    let t0 = Instant::now();
    let invite = request("INVITE", "z9hG4bKc2");
    let key = new_key(layer.on_request(invite.clone(), udp(), t0));
    layer
        .respond(&key, response(&invite, 200, "ok2"), t0)
        .unwrap();
    assert!(matches!(
        layer.on_request(request("CANCEL", "z9hG4bKc2"), udp(), t0),
        RequestDisposition::Cancel { pending: false, .. }
    ));
}

#[test]
fn unmatched_cancel_gets_481() {
    let mut layer = layer();
    let t0 = Instant::now();
    assert!(matches!(
        layer.on_request(request("CANCEL", "z9hG4bKc3"), udp(), t0),
        RequestDisposition::CancelUnmatched { .. }
    ));
    let sent = transmits(&mut layer);
    let answer = parse_response(&sent[0].bytes);
    assert_eq!(answer.status(), 481);
    assert!(answer.headers().to().unwrap().tag().is_some());
    // It is a normal non-INVITE server transaction: Timer J, then gone.
    run_until(&mut layer, t0, t0 + secs(32));
    assert!(layer.is_empty());
}

#[test]
fn rfc2543_invite_is_matched_without_a_branch() {
    let mut layer = layer();
    let t0 = Instant::now();
    let invite = corpus("inv2543");
    let key = new_key(layer.on_request(invite.clone(), udp(), t0));
    assert!(key.is_rfc2543());
    assert_eq!(key.branch(), None);
    assert!(matches!(
        layer.on_request(invite.clone(), udp(), t0 + ms(500)),
        RequestDisposition::Retransmission { key: k } if k == key
    ));
    // The To URI is not in <>, so `;user=phone` is a header parameter and
    // the tag is appended the same way.
    let legacy_to = "sip:+16505552222@ss1.example.net;user=phone";
    let mut busy = response(&invite, 486, "");
    busy.headers_mut()
        .set("To", &format!("{legacy_to};tag=legacy1"))
        .unwrap();
    layer.respond(&key, busy, t0 + secs(1)).unwrap();
    transmits(&mut layer);
    // An RFC 2543 ACK: no branch, the response's To tag, CSeq method ACK.
    let text = String::from_utf8(invite.to_bytes()).unwrap();
    let head = text.split("\r\n\r\n").next().unwrap();
    let ack_text = head
        .replacen("INVITE sip:", "ACK sip:", 1)
        .replace("CSeq: 56 INVITE", "CSeq: 56 ACK")
        .replace(
            &format!("To: {legacy_to}"),
            &format!("To: {legacy_to};tag=legacy1"),
        )
        .replace("Content-Type: application/sdp\r\n", "");
    let ack = parse_request(format!("{ack_text}\r\n\r\n").as_bytes());
    // Wrong To tag first: not this transaction's ACK.
    let wrong = parse_request(
        format!("{}\r\n\r\n", ack_text.replace("tag=legacy1", "tag=other")).as_bytes(),
    );
    assert!(matches!(
        layer.on_request(wrong, udp(), t0 + secs(2)),
        RequestDisposition::Ack {
            transaction: None,
            ..
        }
    ));
    assert!(matches!(
        layer.on_request(ack, udp(), t0 + secs(2)),
        RequestDisposition::AckAbsorbed { key: k } if k == key
    ));
    assert_eq!(
        layer.state(&TransactionKey::Server(key)),
        Some(TransactionState::Confirmed)
    );
}

#[test]
fn rfc2543_differing_fields_make_different_transactions() {
    let mut layer = layer();
    let t0 = Instant::now();
    let invite = corpus("inv2543");
    new_key(layer.on_request(invite.clone(), udp(), t0));
    let text = String::from_utf8(invite.to_bytes()).unwrap();
    for (from, to) in [
        ("CSeq: 56 INVITE", "CSeq: 57 INVITE"),
        ("inv2543.1717", "inv2543.1718"),
        ("INVITE sip:UserB@", "INVITE sip:UserC@"),
        ("iftgw.example.com", "other.example.com"),
    ] {
        let changed = parse_request(text.replacen(from, to, 1).as_bytes());
        assert!(
            matches!(
                layer.on_request(changed, udp(), t0),
                RequestDisposition::New { .. }
            ),
            "{from} -> {to}"
        );
    }
}

#[test]
fn bare_cookie_branch_falls_back_to_rfc2543() {
    let mut layer = layer();
    let t0 = Instant::now();
    let options = corpus("badbranch");
    let key = new_key(layer.on_request(options.clone(), udp(), t0));
    assert!(key.is_rfc2543());
    assert!(matches!(
        layer.on_request(options.clone(), udp(), t0),
        RequestDisposition::Retransmission { .. }
    ));
    layer
        .respond(&key, response(&options, 200, "bb"), t0)
        .unwrap();
    layer.on_request(options, udp(), t0);
    assert_eq!(statuses(&mut layer), [200, 200]);
}

#[test]
fn same_branch_other_sent_by_is_another_transaction() {
    let mut layer = layer();
    let t0 = Instant::now();
    let a = request("OPTIONS", "z9hG4bKd1");
    let text = String::from_utf8(a.to_bytes())
        .unwrap()
        .replace("client.example.com:5060", "client.example.com:5070");
    let b = parse_request(text.as_bytes());
    let ka = new_key(layer.on_request(a, udp(), t0));
    let kb = new_key(layer.on_request(b, udp(), t0));
    assert_ne!(ka, kb);
}

#[test]
fn respond_refusals() {
    let mut layer = layer();
    let t0 = Instant::now();
    let invite = request("INVITE", "z9hG4bKe1");
    let key = new_key(layer.on_request(invite.clone(), udp(), t0));
    let other = request("INVITE", "z9hG4bKe2");
    assert_eq!(
        layer.respond(&key, response(&other, 180, "x"), t0),
        Err(RespondError::Mismatch)
    );
    layer
        .respond(&key, response(&invite, 603, "x"), t0)
        .unwrap();
    assert!(matches!(
        layer.respond(&key, response(&invite, 200, "x"), t0),
        Err(RespondError::WrongState { .. })
    ));
    assert!(matches!(
        layer.respond(&key, response(&invite, 180, "x"), t0),
        Err(RespondError::WrongState { .. })
    ));
    run_until(&mut layer, t0, t0 + secs(40));
    assert_eq!(
        layer.respond(&key, response(&invite, 603, "x"), t0),
        Err(RespondError::UnknownTransaction)
    );
    let no_cseq = Response::new(200, "OK").unwrap();
    let options = request("OPTIONS", "z9hG4bKe3");
    let key = new_key(layer.on_request(options, udp(), t0));
    assert_eq!(
        layer.respond(&key, no_cseq, t0),
        Err(RespondError::Mismatch)
    );
    assert!(!RespondError::Mismatch.to_string().is_empty());
}

#[test]
fn overload_and_invalid_requests_create_nothing() {
    let mut config = config();
    config.max_transactions = 2;
    let mut layer = TransactionLayer::new(config);
    let t0 = Instant::now();
    new_key(layer.on_request(request("INVITE", "z9hG4bKf1"), udp(), t0));
    new_key(layer.on_request(request("OPTIONS", "z9hG4bKf2"), udp(), t0));
    assert!(matches!(
        layer.on_request(request("OPTIONS", "z9hG4bKf3"), udp(), t0),
        RequestDisposition::Overloaded { .. }
    ));
    assert!(matches!(
        layer.on_request(request("CANCEL", "z9hG4bKf1"), udp(), t0),
        RequestDisposition::Overloaded { .. }
    ));
    // A retransmission is still absorbed when full.
    assert!(matches!(
        layer.on_request(request("OPTIONS", "z9hG4bKf2"), udp(), t0),
        RequestDisposition::Retransmission { .. }
    ));
    let mut no_via = request("OPTIONS", "z9hG4bKf4");
    no_via.headers_mut().remove("Via");
    assert!(matches!(
        layer.on_request(no_via, udp(), t0),
        RequestDisposition::Invalid { .. }
    ));
    assert_eq!(layer.len(), 2);
}

#[test]
fn stateless_sends_carry_no_key() {
    let mut layer = layer();
    layer.send_stateless(b"ACK".to_vec(), udp());
    let sent = transmits(&mut layer);
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].key, None);
    assert!(layer.is_empty());
    assert_eq!(layer.poll_timeout(), None);
}
