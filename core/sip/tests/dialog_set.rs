//! The dialog table: forked answers to one INVITE become separate dialogs,
//! a final error ends every early fork, and requests and responses find
//! their dialog by Call-ID and tags.

mod dialog_support;

use dialog_support::*;
use switchyard_sip::dialog::{
    Dialog, DialogChange, DialogId, DialogSet, DialogState, InviteOutcome,
};
use switchyard_sip::message::Method;

const VIA: &str = "SIP/2.0/TCP client.atlanta.example.com:5060;branch=z9hG4bKack;rport";

fn contact(host: &str) -> String {
    format!("<sip:bob@{host};transport=tcp>")
}

fn id(remote: &str) -> DialogId {
    DialogId::new(CALL_ID, ALICE_TAG, remote)
}

#[test]
fn forked_responses_create_separate_dialogs() {
    let invite = request(INVITE_SENT);
    let mut set = DialogSet::new();
    let trying = response_to_invite("100 Trying", None, None, &[]);
    assert_eq!(
        set.on_invite_response(&invite, &trying),
        Ok(InviteOutcome::NoDialog)
    );

    let ring_a = response_to_invite(
        "180 Ringing",
        Some("fork-a"),
        Some(&contact("a.biloxi.example.com")),
        &PROXIES,
    );
    let ring_b = response_to_invite(
        "180 Ringing",
        Some("fork-b"),
        Some(&contact("b.biloxi.example.com")),
        &["<sip:ss1.atlanta.example.com;lr>"],
    );
    assert_eq!(
        set.on_invite_response(&invite, &ring_a),
        Ok(InviteOutcome::Created(id("fork-a")))
    );
    assert_eq!(
        set.on_invite_response(&invite, &ring_b),
        Ok(InviteOutcome::Created(id("fork-b")))
    );
    assert_eq!(set.len(), 2);
    assert_eq!(
        set.on_invite_response(&invite, &ring_a),
        Ok(InviteOutcome::Updated(
            id("fork-a"),
            DialogChange::Unchanged
        ))
    );

    let ok_a = response_to_invite(
        "200 OK",
        Some("fork-a"),
        Some(&contact("a.biloxi.example.com")),
        &PROXIES,
    );
    let ok_b = response_to_invite(
        "200 OK",
        Some("fork-b"),
        Some(&contact("b.biloxi.example.com")),
        &["<sip:ss1.atlanta.example.com;lr>"],
    );
    assert_eq!(
        set.on_invite_response(&invite, &ok_a),
        Ok(InviteOutcome::Updated(
            id("fork-a"),
            DialogChange::Confirmed
        ))
    );
    assert_eq!(
        set.on_invite_response(&invite, &ok_b),
        Ok(InviteOutcome::Updated(
            id("fork-b"),
            DialogChange::Confirmed
        ))
    );
    // A third fork answering 2xx straight away is a new confirmed dialog.
    let ok_c = response_to_invite(
        "200 OK",
        Some("fork-c"),
        Some(&contact("c.biloxi.example.com")),
        &[],
    );
    assert_eq!(
        set.on_invite_response(&invite, &ok_c),
        Ok(InviteOutcome::Created(id("fork-c")))
    );

    // Each 2xx is ACKed in its own dialog: own To tag, own target and route set.
    let a = set.find_for_response(&ok_a).unwrap();
    let b = set.find_for_response(&ok_b).unwrap();
    let c = set.get(&id("fork-c")).unwrap();
    assert_eq!(c.state(), DialogState::Confirmed);
    let ack_a = a.ack_for_2xx(&invite, &ok_a, VIA).unwrap();
    let ack_b = b.ack_for_2xx(&invite, &ok_b, VIA).unwrap();
    assert_eq!(ack_a.headers().to().unwrap().tag(), Some("fork-a"));
    assert_eq!(ack_b.headers().to().unwrap().tag(), Some("fork-b"));
    assert_eq!(
        ack_a.uri_str(),
        "sip:bob@a.biloxi.example.com;transport=tcp"
    );
    assert_eq!(
        ack_b.uri_str(),
        "sip:bob@b.biloxi.example.com;transport=tcp"
    );
    assert_eq!(ack_a.headers().routes().count(), 2);
    assert_eq!(ack_b.headers().routes().count(), 1);
    assert!(a.ack_for_2xx(&invite, &ok_b, VIA).is_err());

    // The B2BUA keeps fork a and hangs up b and c.
    for fork in ["fork-b", "fork-c"] {
        let d = set.get_mut(&id(fork)).unwrap();
        let bye = d.new_request(Method::Bye, VIA).unwrap();
        assert_eq!(bye.headers().to().unwrap().tag(), Some(fork));
        let ok = response(
            &String::from_utf8(response_in_dialog("200 OK", 2, "BYE", "").to_bytes())
                .unwrap()
                .replace("tag=314159", &format!("tag={fork}")),
        );
        assert_eq!(
            set.find_for_response_mut(&ok).unwrap().on_response(&ok),
            Ok(DialogChange::Terminated)
        );
    }
    let removed = set.remove_terminated();
    assert_eq!(removed.len(), 2);
    assert_eq!(set.len(), 1);
    assert!(set.get(&id("fork-a")).is_some());
}

#[test]
fn a_final_error_ends_every_early_fork() {
    let invite = request(INVITE_SENT);
    let mut set = DialogSet::new();
    for tag in ["x", "y"] {
        let ring = response_to_invite("183 Session Progress", Some(tag), Some(BOB_CONTACT), &[]);
        set.on_invite_response(&invite, &ring).unwrap();
    }
    let busy = response_to_invite("486 Busy Here", Some("z"), None, &[]);
    assert_eq!(
        set.on_invite_response(&invite, &busy),
        Ok(InviteOutcome::EarlyTerminated(vec![id("x"), id("y")]))
    );
    assert!(set.iter().all(|d| d.state() == DialogState::Terminated));
    assert_eq!(
        set.on_invite_response(&invite, &busy),
        Ok(InviteOutcome::NoDialog)
    );
    assert_eq!(set.remove_terminated().len(), 2);
    assert!(set.is_empty());
}

#[test]
fn provisional_without_tag_creates_nothing() {
    let invite = request(INVITE_SENT);
    let mut set = DialogSet::new();
    let ring = response_to_invite("180 Ringing", None, Some(BOB_CONTACT), &[]);
    assert_eq!(
        set.on_invite_response(&invite, &ring),
        Ok(InviteOutcome::NoDialog)
    );
    assert!(set.is_empty());
}

#[test]
fn requests_find_their_dialog_by_to_and_from_tags() {
    let invite = request(INVITE_SENT);
    let mut set = DialogSet::new();
    let ok = response_to_invite("200 OK", Some(BOB_TAG), Some(BOB_CONTACT), &PROXIES);
    set.insert(Dialog::uac_from_response(&invite, &ok).unwrap());

    let bye = request_from_bob("BYE", 1, "");
    let d = set
        .find_for_request_mut(&bye)
        .expect("Bob's BYE finds Alice's dialog");
    assert_eq!(d.on_request(&bye), Ok(DialogChange::Terminated));

    // A request with the tags swapped, another Call-ID or no To tag finds nothing.
    let swapped = request_from_alice("INFO", 2, BOB_TAG, "");
    assert!(set.find_for_request(&swapped).is_none());
    let text = String::from_utf8(request_from_bob("INFO", 2, "").to_bytes()).unwrap();
    assert!(
        set.find_for_request(&request(&text.replace(CALL_ID, "other")))
            .is_none()
    );
    assert!(
        set.find_for_request(&request(&text.replace(";tag=9fxced76sl", "")))
            .is_none()
    );
    // Responses are found from the other direction.
    assert!(set.find_for_response(&ok).is_some());
    assert!(
        set.find_for_response(&response_to_invite("200 OK", Some("else"), None, &[]))
            .is_none()
    );
    assert!(set.remove(&id(BOB_TAG)).is_some());
}

#[test]
fn a_uas_dialog_is_found_by_the_callers_requests() {
    let invite = request(INVITE_RECEIVED);
    let mut set = DialogSet::new();
    let d = Dialog::uas_from_request(&invite, "bobtag", "<sip:bob@192.0.2.4>").unwrap();
    let key = d.id().clone();
    assert!(set.insert(d).is_none());
    let info = request_from_alice("INFO", 2, "bobtag", "");
    assert_eq!(set.find_for_request(&info).map(Dialog::id), Some(&key));
    assert_eq!(
        DialogId::for_incoming_request(&info).unwrap(),
        DialogId::new(CALL_ID, "bobtag", ALICE_TAG)
    );
}
