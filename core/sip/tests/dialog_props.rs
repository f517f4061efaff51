//! Hostile input never panics the dialog layer: real messages with bytes
//! flipped, inserted and deleted, fed to every entry point, and arbitrary
//! request/response sequences against live dialogs.

mod dialog_support;

use dialog_support::*;
use proptest::prelude::*;
use switchyard_sip::dialog::{Dialog, DialogSet};
use switchyard_sip::message::{Message, Method, Request, Response};

const VIA: &str = "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKprop;rport";

/// The real texts the mutations start from.
fn seeds() -> Vec<Vec<u8>> {
    vec![
        INVITE_SENT.as_bytes().to_vec(),
        INVITE_RECEIVED.as_bytes().to_vec(),
        response_to_invite("180 Ringing", Some(BOB_TAG), Some(BOB_CONTACT), &PROXIES).to_bytes(),
        response_to_invite("200 OK", Some(BOB_TAG), Some(BOB_CONTACT), &PROXIES).to_bytes(),
        request_from_bob("INVITE", 3, "Contact: <sip:bob@192.0.2.9>\r\n").to_bytes(),
        request_from_alice("BYE", 2, "t", "").to_bytes(),
        response_in_dialog("481 Call/Transaction Does Not Exist", 2, "INFO", "").to_bytes(),
    ]
}

#[derive(Clone, Debug)]
enum Edit {
    Flip(usize, u8),
    Insert(usize, u8),
    Delete(usize),
    Splice(usize, &'static str),
}

fn edit() -> impl Strategy<Value = Edit> {
    const PIECES: [&str; 8] = [
        ";tag=",
        "<",
        ">",
        ",",
        "\r\n",
        "sip:",
        " ;lr",
        "CSeq: 4294967295 INVITE\r\n",
    ];
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Edit::Flip(i, b)),
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Edit::Insert(i, b)),
        any::<usize>().prop_map(Edit::Delete),
        (any::<usize>(), 0..PIECES.len()).prop_map(|(i, p)| Edit::Splice(i, PIECES[p])),
    ]
}

fn apply(mut bytes: Vec<u8>, edits: &[Edit]) -> Vec<u8> {
    for e in edits {
        let len = bytes.len().max(1);
        match e {
            Edit::Flip(i, b) => {
                if let Some(slot) = bytes.get_mut(i % len) {
                    *slot ^= b;
                }
            }
            Edit::Insert(i, b) => bytes.insert(i % (bytes.len() + 1), *b),
            Edit::Delete(i) => {
                if !bytes.is_empty() {
                    bytes.remove(i % bytes.len());
                }
            }
            Edit::Splice(i, s) => {
                let at = i % (bytes.len() + 1);
                bytes.splice(at..at, s.bytes());
            }
        }
    }
    bytes
}

fn live_dialogs() -> Vec<Dialog> {
    let invite = request(INVITE_SENT);
    let ok = response_to_invite("200 OK", Some(BOB_TAG), Some(BOB_CONTACT), &PROXIES);
    let uac = Dialog::uac_from_response(&invite, &ok).unwrap();
    let received = request(INVITE_RECEIVED);
    let uas = Dialog::uas_from_request(&received, "t", "<sip:bob@192.0.2.4>").unwrap();
    vec![uac, uas]
}

/// Runs every entry point that takes `message`; only panics matter.
fn exercise(message: &Message) {
    let invite_sent = request(INVITE_SENT);
    let mut set = DialogSet::new();
    for mut d in live_dialogs() {
        match message {
            Message::Request(r) => {
                let _ = d.check_request(r);
                let _ = d.on_request(r);
                let _ = Dialog::uas_from_request(r, "tag1", "<sip:me@192.0.2.1>");
                if let Ok(mut fresh) = Dialog::uas_from_request(r, "tag1", "<sip:me@192.0.2.1>") {
                    for code in [180, 200, 486] {
                        if let Ok(mut resp) = Response::for_request(r, code, "X") {
                            let _ = fresh.prepare_response(&mut resp);
                        }
                    }
                    let _ = fresh.new_request(Method::Update, VIA);
                }
                if let Ok(mut resp) = Response::for_request(r, 200, "OK") {
                    let _ = d.prepare_response(&mut resp);
                }
                let _ = set.find_for_request_mut(r);
            }
            Message::Response(r) => {
                let _ = d.on_response(r);
                let _ = d.ack_for_2xx(&invite_sent, r, VIA);
                let _ = Dialog::uac_from_response(&invite_sent, r);
                let _ = set.on_invite_response(&invite_sent, r);
                let _ = set.find_for_response_mut(r);
            }
        }
        for method in [Method::Bye, Method::Invite, Method::Info] {
            let _ = d.new_request(method, VIA);
        }
        set.insert(d);
    }
    let _ = set.remove_terminated();
}

proptest! {
    // A fixed seed: the same 512 cases on every run.
    #![proptest_config(ProptestConfig {
        cases: 512,
        rng_seed: proptest::test_runner::RngSeed::Fixed(0x5d1a_1065),
        ..ProptestConfig::default()
    })]

    #[test]
    fn mutated_messages_never_panic(seed in 0usize..7, edits in proptest::collection::vec(edit(), 1..6)) {
        let all = seeds();
        let bytes = apply(all[seed % all.len()].clone(), &edits);
        if let Ok(message) = Message::parse(&bytes) {
            exercise(&message);
        }
        // Broken bytes the parser rejects never reach the dialog layer.
    }

    #[test]
    fn cseq_sequences_keep_the_remote_cseq_monotonic(numbers in proptest::collection::vec(0u32..u32::MAX, 1..20)) {
        let mut dialogs = live_dialogs();
        let d = &mut dialogs[0];
        let mut highest: Option<u32> = None;
        for n in numbers {
            let req: Request = request_from_bob("INFO", n, "");
            let accepted = d.on_request(&req).is_ok();
            prop_assert_eq!(accepted, highest.is_none_or(|h| n >= h));
            if accepted {
                highest = Some(highest.map_or(n, |h| h.max(n)));
            }
            prop_assert_eq!(d.remote_cseq(), highest);
        }
    }
}
