//! The caller's side (UAC) of a dialog: creation from 18x and 2xx, route
//! set reversal, requests and the ACK built in the dialog, target refresh,
//! glare and termination by 481/408.

mod dialog_support;

use dialog_support::*;
use switchyard_sip::dialog::{Dialog, DialogChange, DialogError, DialogState, LocalVia, Role};
use switchyard_sip::message::{Method, ParseError};
use switchyard_sip::transaction::BranchGenerator;

const VIA: &str = "SIP/2.0/TCP client.atlanta.example.com:5060;branch=z9hG4bKnew1;rport";

fn early() -> Dialog {
    let invite = request(INVITE_SENT);
    let ringing = response_to_invite("180 Ringing", Some(BOB_TAG), Some(BOB_CONTACT), &PROXIES);
    Dialog::uac_from_response(&invite, &ringing).expect("180 with tag creates a dialog")
}

fn confirmed() -> Dialog {
    let invite = request(INVITE_SENT);
    let ok = response_to_invite("200 OK", Some(BOB_TAG), Some(BOB_CONTACT), &PROXIES);
    Dialog::uac_from_response(&invite, &ok).expect("200 creates a dialog")
}

#[test]
fn a_180_with_to_tag_creates_an_early_dialog() {
    let d = early();
    assert_eq!(d.state(), DialogState::Early);
    assert_eq!(d.role(), Role::Uac);
    assert_eq!(d.id().call_id(), CALL_ID);
    assert_eq!(d.id().local_tag(), ALICE_TAG);
    assert_eq!(d.id().remote_tag(), BOB_TAG);
    assert_eq!(d.local_uri(), "sip:alice@atlanta.example.com");
    assert_eq!(d.remote_uri(), "sip:bob@biloxi.example.com");
    assert_eq!(
        d.local_address(),
        "Alice <sip:alice@atlanta.example.com>;tag=9fxced76sl"
    );
    assert_eq!(
        d.remote_address(),
        "Bob <sip:bob@biloxi.example.com>;tag=314159"
    );
    assert_eq!(
        d.remote_target(),
        "sip:bob@client.biloxi.example.com;transport=tcp"
    );
    assert_eq!(d.local_cseq(), Some(1));
    assert_eq!(d.remote_cseq(), None);
    assert!(!d.is_secure());
    assert_eq!(
        d.local_contact(),
        Some("<sip:alice@client.atlanta.example.com;transport=tcp>")
    );
    assert!(d.invite_in_progress());
}

#[test]
fn route_set_is_record_route_reversed() {
    let d = early();
    assert_eq!(
        d.route_set(),
        [
            "sip:ss1.atlanta.example.com;lr",
            "sip:ss2.biloxi.example.com;lr"
        ]
    );
    assert_eq!(d.next_hop(), "sip:ss1.atlanta.example.com;lr");
}

#[test]
fn the_2xx_confirms_and_recomputes_route_set_and_target() {
    let mut d = early();
    let ok = response_to_invite(
        "200 OK",
        Some(BOB_TAG),
        Some("<sip:bob@192.0.2.4:5070;transport=tcp>"),
        &["<sip:ss2.biloxi.example.com;lr>"],
    );
    assert_eq!(d.on_response(&ok), Ok(DialogChange::Confirmed));
    assert_eq!(d.state(), DialogState::Confirmed);
    assert_eq!(d.route_set(), ["sip:ss2.biloxi.example.com;lr"]);
    assert_eq!(d.remote_target(), "sip:bob@192.0.2.4:5070;transport=tcp");
    assert!(!d.invite_in_progress());
    // A retransmitted 2xx changes nothing.
    assert_eq!(d.on_response(&ok), Ok(DialogChange::Unchanged));
}

#[test]
fn a_2xx_creates_a_confirmed_dialog() {
    let d = confirmed();
    assert_eq!(d.state(), DialogState::Confirmed);
    assert!(!d.invite_in_progress());
}

#[test]
fn responses_that_create_no_dialog() {
    let invite = request(INVITE_SENT);
    let trying = response_to_invite("100 Trying", None, None, &[]);
    let untagged = response_to_invite("180 Ringing", None, Some(BOB_CONTACT), &[]);
    let busy = response_to_invite("486 Busy Here", Some(BOB_TAG), None, &[]);
    for r in [trying, untagged, busy] {
        assert!(matches!(
            Dialog::uac_from_response(&invite, &r),
            Err(DialogError::NoDialog(_))
        ));
    }
    // A 2xx without To tag (RFC 2543) has a null remote tag.
    let old = response_to_invite("200 OK", None, Some(BOB_CONTACT), &[]);
    let d = Dialog::uac_from_response(&invite, &old).unwrap();
    assert_eq!(d.id().remote_tag(), "");
}

#[test]
fn a_response_to_another_call_is_refused() {
    let invite = request(INVITE_SENT);
    let text = String::from_utf8(
        response_to_invite("200 OK", Some(BOB_TAG), Some(BOB_CONTACT), &[]).to_bytes(),
    )
    .unwrap()
    .replace(CALL_ID, "other@x");
    assert_eq!(
        Dialog::uac_from_response(&invite, &response(&text)),
        Err(DialogError::Mismatch("Call-ID"))
    );
}

#[test]
fn a_2xx_without_contact_falls_back_to_the_request_uri() {
    let invite = request(INVITE_SENT);
    let ok = response_to_invite("200 OK", Some(BOB_TAG), None, &[]);
    let d = Dialog::uac_from_response(&invite, &ok).unwrap();
    assert_eq!(d.remote_target(), "sip:bob@biloxi.example.com");
}

#[test]
fn ack_for_2xx_has_every_header_13_2_2_4_asks_for() {
    let invite = request(INVITE_SENT);
    let ok = response_to_invite("200 OK", Some(BOB_TAG), Some(BOB_CONTACT), &PROXIES);
    let d = Dialog::uac_from_response(&invite, &ok).unwrap();
    let ack = reparse(&d.ack_for_2xx(&invite, &ok, VIA).unwrap());
    assert_eq!(ack.method(), Method::Ack);
    assert_eq!(
        ack.uri_str(),
        "sip:bob@client.biloxi.example.com;transport=tcp"
    );
    assert_eq!(
        header_list(&ack),
        pairs(&[
            ("Via", VIA),
            ("Max-Forwards", "70"),
            ("Route", "<sip:ss1.atlanta.example.com;lr>"),
            ("Route", "<sip:ss2.biloxi.example.com;lr>"),
            (
                "From",
                "Alice <sip:alice@atlanta.example.com>;tag=9fxced76sl"
            ),
            ("To", "Bob <sip:bob@biloxi.example.com>;tag=314159"),
            ("Call-ID", CALL_ID),
            ("CSeq", "1 ACK"),
            (
                "Proxy-Authorization",
                "Digest username=\"alice\", realm=\"atlanta.example.com\", \
                 nonce=\"dc3a5ab25302aa931904ba7d88fa1cf5\", uri=\"sip:bob@biloxi.example.com\", \
                 response=\"ccdca50cb091d587421457305d097458c\""
            ),
            ("Content-Length", "0"),
        ])
    );
    // A new branch, not the INVITE's; the local CSeq did not move.
    assert_ne!(
        ack.headers().top_via().unwrap().branch(),
        invite.headers().top_via().unwrap().branch()
    );
    assert_eq!(d.local_cseq(), Some(1));
}

#[test]
fn ack_for_2xx_refuses_what_is_not_its_2xx() {
    let invite = request(INVITE_SENT);
    let ok = response_to_invite("200 OK", Some(BOB_TAG), Some(BOB_CONTACT), &PROXIES);
    let d = Dialog::uac_from_response(&invite, &ok).unwrap();
    let busy = response_to_invite("486 Busy Here", Some(BOB_TAG), None, &[]);
    assert!(matches!(
        d.ack_for_2xx(&invite, &busy, VIA),
        Err(DialogError::InvalidInput(_))
    ));
    let fork = response_to_invite("200 OK", Some("other"), Some(BOB_CONTACT), &[]);
    assert_eq!(
        d.ack_for_2xx(&invite, &fork, VIA).err(),
        Some(DialogError::Mismatch("To tag"))
    );
    assert!(matches!(
        d.ack_for_2xx(&invite, &ok, "SIP/2.0/UDP h;branch=old"),
        Err(DialogError::InvalidInput(_))
    ));
    assert!(matches!(
        d.ack_for_2xx(&invite, &ok, "garbage"),
        Err(DialogError::Parse(_))
    ));
}

#[test]
fn bye_is_built_as_12_2_1_1_says() {
    let mut d = confirmed();
    let mut branches = BranchGenerator::new(9);
    let via = LocalVia::new("TCP", "client.atlanta.example.com", Some(5060));
    let expected_branch = BranchGenerator::new(9).branch();
    let bye = d
        .new_request(Method::Bye, &via.fresh(&mut branches))
        .unwrap();
    let wire = String::from_utf8(bye.to_bytes()).unwrap();
    assert_eq!(
        wire,
        format!(
            "BYE sip:bob@client.biloxi.example.com;transport=tcp SIP/2.0\r\n\
             Via: SIP/2.0/TCP client.atlanta.example.com:5060;branch={expected_branch};rport\r\n\
             Max-Forwards: 70\r\n\
             Route: <sip:ss1.atlanta.example.com;lr>\r\n\
             Route: <sip:ss2.biloxi.example.com;lr>\r\n\
             From: Alice <sip:alice@atlanta.example.com>;tag=9fxced76sl\r\n\
             To: Bob <sip:bob@biloxi.example.com>;tag=314159\r\n\
             Call-ID: {CALL_ID}\r\n\
             CSeq: 2 BYE\r\n\
             Content-Length: 0\r\n\r\n"
        )
    );
    assert_eq!(d.local_cseq(), Some(2));
    // The BYE's 200 ends the dialog.
    let ok = response_in_dialog("200 OK", 2, "BYE", "");
    assert_eq!(d.on_response(&ok), Ok(DialogChange::Terminated));
    assert_eq!(
        d.new_request(Method::Info, VIA).err(),
        Some(DialogError::Terminated)
    );
}

#[test]
fn a_challenged_bye_keeps_the_dialog() {
    let mut d = confirmed();
    d.new_request(Method::Bye, VIA).unwrap();
    let challenge = response_in_dialog("407 Proxy Authentication Required", 2, "BYE", "");
    assert_eq!(d.on_response(&challenge), Ok(DialogChange::Unchanged));
    assert_eq!(d.state(), DialogState::Confirmed);
}

#[test]
fn local_cseq_increments_and_contact_only_on_target_refresh() {
    let mut d = confirmed();
    let methods = [
        Method::Info,
        Method::Options,
        Method::Update,
        Method::Refer,
        Method::Notify,
        Method::Message,
        Method::Extension("PUBLISH2"),
    ];
    for (i, method) in methods.into_iter().enumerate() {
        let r = d.new_request(method, VIA).unwrap();
        let cseq = r.headers().cseq().unwrap();
        assert_eq!(cseq.number, 2 + u32::try_from(i).unwrap());
        assert_eq!(cseq.method, method);
        assert_eq!(r.method(), method);
        let has_contact = r.headers().contacts().next().is_some();
        assert_eq!(
            has_contact,
            matches!(method, Method::Update | Method::Notify),
            "{method:?}"
        );
    }
    assert_eq!(d.local_cseq(), Some(8));
}

#[test]
fn ack_cancel_and_early_reinvite_are_refused() {
    let mut d = early();
    for method in [Method::Ack, Method::Cancel, Method::Invite] {
        assert!(matches!(
            d.new_request(method, VIA),
            Err(DialogError::MethodNotAllowed(_))
        ));
    }
    // The caller may BYE an early dialog (§15).
    assert!(d.new_request(Method::Bye, VIA).is_ok());
    assert_eq!(d.local_cseq(), Some(2));
}

#[test]
fn reinvite_2xx_refreshes_the_target_and_glare_is_refused() {
    let mut d = confirmed();
    let reinvite = d.new_request(Method::Invite, VIA).unwrap();
    assert_eq!(
        reinvite.headers().contacts().count(),
        1,
        "a re-INVITE carries our Contact"
    );
    assert_eq!(
        d.new_request(Method::Invite, VIA).err(),
        Some(DialogError::InvitePending)
    );
    // The peer's INVITE crossing ours gets 491.
    let theirs = request_from_bob("INVITE", 1, &format!("Contact: {BOB_CONTACT}\r\n"));
    assert_eq!(d.check_request(&theirs), Err((491, "Request Pending")));
    let ok = response_in_dialog(
        "200 OK",
        2,
        "INVITE",
        "Contact: <sip:bob@198.51.100.7:5062;transport=tcp>\r\n",
    );
    assert_eq!(d.on_response(&ok), Ok(DialogChange::TargetRefreshed));
    assert_eq!(d.remote_target(), "sip:bob@198.51.100.7:5062;transport=tcp");
    assert!(!d.invite_in_progress());
    let ack = d.ack_for_2xx(&reinvite, &ok, VIA).unwrap();
    assert_eq!(ack.uri_str(), "sip:bob@198.51.100.7:5062;transport=tcp");
    assert_eq!(ack.headers().cseq().unwrap().number, 2);
    let bye = d.new_request(Method::Bye, VIA).unwrap();
    assert_eq!(bye.uri_str(), "sip:bob@198.51.100.7:5062;transport=tcp");
    assert_eq!(bye.headers().cseq().unwrap().number, 3);
}

#[test]
fn a_failed_reinvite_keeps_the_dialog_and_the_target() {
    let mut d = confirmed();
    d.new_request(Method::Invite, VIA).unwrap();
    let busy = response_in_dialog("488 Not Acceptable Here", 2, "INVITE", "");
    assert_eq!(d.on_response(&busy), Ok(DialogChange::Unchanged));
    assert_eq!(d.state(), DialogState::Confirmed);
    assert!(!d.invite_in_progress());
    assert_eq!(
        d.remote_target(),
        "sip:bob@client.biloxi.example.com;transport=tcp"
    );
}

#[test]
fn a_481_or_408_to_a_request_in_the_dialog_terminates_it() {
    for status in ["481 Call/Transaction Does Not Exist", "408 Request Timeout"] {
        let mut d = confirmed();
        d.new_request(Method::Info, VIA).unwrap();
        let answer = response_in_dialog(status, 2, "INFO", "");
        assert_eq!(d.on_response(&answer), Ok(DialogChange::Terminated));
        assert_eq!(d.state(), DialogState::Terminated);
        // Then the peer's requests get 481.
        let info = request_from_bob("INFO", 5, "");
        assert_eq!(
            d.check_request(&info),
            Err((481, "Call/Transaction Does Not Exist"))
        );
    }
}

#[test]
fn a_final_error_ends_the_early_dialog() {
    let mut d = early();
    let busy = response_to_invite("486 Busy Here", Some(BOB_TAG), None, &[]);
    assert_eq!(d.on_response(&busy), Ok(DialogChange::Terminated));
    assert!(!d.is_active());
}

#[test]
fn responses_of_another_dialog_are_refused() {
    let mut d = early();
    let fork = response_to_invite("180 Ringing", Some("fork2"), Some(BOB_CONTACT), &[]);
    assert_eq!(d.on_response(&fork), Err(DialogError::Mismatch("To tag")));
    let trying = response_to_invite("100 Trying", None, None, &[]);
    assert_eq!(d.on_response(&trying), Ok(DialogChange::Unchanged));
}

#[test]
fn requests_from_the_peer_update_the_remote_cseq_in_order() {
    let mut d = confirmed();
    assert_eq!(d.remote_cseq(), None);
    let info = request_from_bob("INFO", 7, "");
    assert_eq!(d.on_request(&info), Ok(DialogChange::Unchanged));
    assert_eq!(d.remote_cseq(), Some(7));
    let older = request_from_bob("INFO", 6, "");
    assert_eq!(d.on_request(&older), Err((500, "Server Internal Error")));
    assert_eq!(d.remote_cseq(), Some(7));
    let bye = request_from_bob("BYE", 8, "");
    assert_eq!(d.on_request(&bye), Ok(DialogChange::Terminated));
}

#[test]
fn strict_router_first_gets_the_request_uri() {
    let invite = request(INVITE_SENT);
    // Record-Route top first as received; reversed, the strict router
    // (no `lr`) is our first hop.
    let ok = response_to_invite(
        "200 OK",
        Some(BOB_TAG),
        Some(BOB_CONTACT),
        &[
            "<sip:p2.biloxi.example.com;lr>",
            "<sip:strict.atlanta.example.com;transport=udp;method=INVITE>",
        ],
    );
    let mut d = Dialog::uac_from_response(&invite, &ok).unwrap();
    let info = d.new_request(Method::Info, VIA).unwrap();
    assert_eq!(
        info.uri_str(),
        "sip:strict.atlanta.example.com;transport=udp"
    );
    let routes: Vec<&str> = info
        .headers()
        .values(switchyard_sip::message::HeaderName::Route)
        .collect();
    assert_eq!(
        routes,
        [
            "<sip:p2.biloxi.example.com;lr>",
            "<sip:bob@client.biloxi.example.com;transport=tcp>"
        ]
    );
    assert_eq!(
        d.next_hop(),
        "sip:strict.atlanta.example.com;transport=udp;method=INVITE"
    );
}

#[test]
fn sips_over_tls_sets_the_secure_flag() {
    let text = INVITE_SENT
        .replace("INVITE sip:bob@biloxi", "INVITE sips:bob@biloxi")
        .replace("SIP/2.0/TCP client", "SIP/2.0/TLS client");
    let invite = request(&text);
    let ok = response_to_invite("200 OK", Some(BOB_TAG), Some(BOB_CONTACT), &[]);
    assert!(Dialog::uac_from_response(&invite, &ok).unwrap().is_secure());
}

#[test]
fn errors_read_as_reason_phrases() {
    assert_eq!(
        DialogError::Parse(ParseError::Missing("Contact")).to_string(),
        "Missing Contact"
    );
    assert_eq!(
        DialogError::Mismatch("To tag").to_string(),
        "Not this dialog: To tag differs"
    );
}
