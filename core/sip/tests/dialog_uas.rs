//! The callee's side (UAS) of a dialog: creation from a received INVITE,
//! the responses it sends (To tag, Contact, Record-Route echo), remote CSeq
//! ordering, target refresh by re-INVITE, and BYE in either direction.

mod dialog_support;

use dialog_support::*;
use switchyard_sip::dialog::{Dialog, DialogChange, DialogError, DialogState, Role};
use switchyard_sip::message::{HeaderName, Method, ParseError, Response};

const LOCAL_TAG: &str = "a6c85cf";
const LOCAL_CONTACT: &str = "<sip:bob@client.biloxi.example.com;transport=tcp>";
const VIA: &str = "SIP/2.0/TCP client.biloxi.example.com:5060;branch=z9hG4bKbob1;rport";

fn uas() -> (Dialog, switchyard_sip::message::Request) {
    let invite = request(INVITE_RECEIVED);
    let d = Dialog::uas_from_request(&invite, LOCAL_TAG, LOCAL_CONTACT).expect("dialog");
    (d, invite)
}

fn answered() -> Dialog {
    let (mut d, invite) = uas();
    let mut ok = Response::for_request(&invite, 200, "OK").unwrap();
    assert_eq!(d.prepare_response(&mut ok), Ok(DialogChange::Confirmed));
    d
}

#[test]
fn an_invite_creates_an_early_uas_dialog() {
    let (d, _) = uas();
    assert_eq!(d.role(), Role::Uas);
    assert_eq!(d.state(), DialogState::Early);
    assert_eq!(d.id().call_id(), CALL_ID);
    assert_eq!(d.id().local_tag(), LOCAL_TAG);
    assert_eq!(d.id().remote_tag(), ALICE_TAG);
    assert_eq!(d.local_uri(), "sip:bob@biloxi.example.com");
    assert_eq!(d.remote_uri(), "sip:alice@atlanta.example.com");
    assert_eq!(
        d.local_address(),
        "Bob <sip:bob@biloxi.example.com>;tag=a6c85cf"
    );
    assert_eq!(
        d.remote_address(),
        "Alice <sip:alice@atlanta.example.com>;tag=9fxced76sl"
    );
    assert_eq!(
        d.remote_target(),
        "sip:alice@client.atlanta.example.com;transport=tcp"
    );
    assert_eq!(d.remote_cseq(), Some(1));
    assert_eq!(d.local_cseq(), None);
    assert!(d.invite_in_progress());
}

#[test]
fn the_uas_route_set_is_record_route_in_order() {
    let (d, _) = uas();
    assert_eq!(
        d.route_set(),
        [
            "sip:ss2.biloxi.example.com;lr;ftag=9fxced76sl",
            "sip:ss1.atlanta.example.com;lr"
        ]
    );
}

#[test]
fn a_180_gets_to_tag_contact_and_the_record_route_echo() {
    let (mut d, invite) = uas();
    let mut ringing = Response::for_request(&invite, 180, "Ringing").unwrap();
    assert_eq!(
        d.prepare_response(&mut ringing),
        Ok(DialogChange::Unchanged)
    );
    assert_eq!(d.state(), DialogState::Early);
    assert_eq!(
        response_header_list(&ringing),
        pairs(&[
            (
                "Via",
                "SIP/2.0/TCP ss2.biloxi.example.com:5060;branch=z9hG4bK721e4.1"
            ),
            (
                "Via",
                "SIP/2.0/TCP ss1.atlanta.example.com:5060;branch=z9hG4bK2d4790.1;received=192.0.2.111"
            ),
            (
                "Via",
                "SIP/2.0/TCP client.atlanta.example.com:5060;branch=z9hG4bK74bf9;received=192.0.2.101"
            ),
            (
                "From",
                "Alice <sip:alice@atlanta.example.com>;tag=9fxced76sl"
            ),
            ("To", "Bob <sip:bob@biloxi.example.com>;tag=a6c85cf"),
            ("Call-ID", CALL_ID),
            ("CSeq", "1 INVITE"),
            ("Contact", LOCAL_CONTACT),
            (
                "Record-Route",
                "<sip:ss2.biloxi.example.com;lr;ftag=9fxced76sl>,  <sip:ss1.atlanta.example.com;lr>"
            ),
        ])
    );
}

#[test]
fn the_2xx_confirms_and_a_final_error_terminates() {
    let d = answered();
    assert_eq!(d.state(), DialogState::Confirmed);
    assert!(!d.invite_in_progress());

    let (mut d, invite) = uas();
    let mut busy = Response::for_request(&invite, 486, "Busy Here").unwrap();
    assert_eq!(d.prepare_response(&mut busy), Ok(DialogChange::Terminated));
    assert_eq!(busy.headers().to().unwrap().tag(), Some(LOCAL_TAG));
    assert_eq!(busy.headers().count(HeaderName::Contact), 0);
    assert_eq!(busy.headers().count(HeaderName::RecordRoute), 0);
}

#[test]
fn a_response_of_another_dialog_is_refused() {
    let (mut d, invite) = uas();
    let mut other = Response::for_request(&invite, 200, "OK").unwrap();
    other.add_to_tag("someone-else").unwrap();
    assert_eq!(
        d.prepare_response(&mut other),
        Err(DialogError::Mismatch("To tag"))
    );
    assert_eq!(d.state(), DialogState::Early);
}

#[test]
fn remote_cseq_ordering_answers_500() {
    let mut d = answered();
    let info = request_from_alice("INFO", 2, LOCAL_TAG, "");
    assert_eq!(d.on_request(&info), Ok(DialogChange::Unchanged));
    assert_eq!(d.remote_cseq(), Some(2));
    let stale = request_from_alice("INFO", 1, LOCAL_TAG, "");
    assert_eq!(d.check_request(&stale), Err((500, "Server Internal Error")));
    assert_eq!(d.on_request(&stale), Err((500, "Server Internal Error")));
    assert_eq!(d.remote_cseq(), Some(2));
    // The ACK repeats the INVITE's number: never refused for it.
    let ack = request_from_alice("ACK", 1, LOCAL_TAG, "");
    assert_eq!(d.on_request(&ack), Ok(DialogChange::Unchanged));
    let later = request_from_alice("OPTIONS", 40, LOCAL_TAG, "");
    assert_eq!(d.on_request(&later), Ok(DialogChange::Unchanged));
    assert_eq!(d.remote_cseq(), Some(40));
}

#[test]
fn requests_of_no_dialog_get_481_and_broken_ones_400() {
    let d = answered();
    let wrong_tag = request_from_alice("INFO", 2, "nope", "");
    assert_eq!(
        d.check_request(&wrong_tag),
        Err((481, "Call/Transaction Does Not Exist"))
    );
    let text = String::from_utf8(request_from_alice("INFO", 2, LOCAL_TAG, "").to_bytes())
        .unwrap()
        .replace("CSeq: 2 INFO", "CSeq: 2 BYE");
    assert_eq!(d.check_request(&request(&text)), Err((400, "Bad Request")));
    let no_cseq = String::from_utf8(request_from_alice("INFO", 2, LOCAL_TAG, "").to_bytes())
        .unwrap()
        .replace("CSeq: 2 INFO\r\n", "");
    assert_eq!(
        d.check_request(&request(&no_cseq)),
        Err((400, "Bad Request"))
    );
}

#[test]
fn a_reinvite_refreshes_the_target_and_our_bye_follows_it() {
    let mut d = answered();
    let reinvite = request_from_alice(
        "INVITE",
        2,
        LOCAL_TAG,
        "Contact: <sip:alice@203.0.113.9:5080;transport=tcp>\r\n",
    );
    assert_eq!(d.on_request(&reinvite), Ok(DialogChange::TargetRefreshed));
    assert_eq!(
        d.remote_target(),
        "sip:alice@203.0.113.9:5080;transport=tcp"
    );
    assert!(d.invite_in_progress());
    // A second INVITE before we answered the first: 500 (§14.2).
    let another = request_from_alice(
        "INVITE",
        3,
        LOCAL_TAG,
        "Contact: <sip:alice@203.0.113.9>\r\n",
    );
    assert_eq!(
        d.check_request(&another),
        Err((500, "Server Internal Error"))
    );
    // Nor may we start one of our own.
    assert_eq!(
        d.new_request(Method::Invite, VIA).err(),
        Some(DialogError::InvitePending)
    );
    // Our 200 to the re-INVITE carries our Contact but no Record-Route.
    let mut ok = Response::for_request(&reinvite, 200, "OK").unwrap();
    assert_eq!(d.prepare_response(&mut ok), Ok(DialogChange::Unchanged));
    assert_eq!(ok.headers().first(HeaderName::Contact), Some(LOCAL_CONTACT));
    assert_eq!(ok.headers().count(HeaderName::RecordRoute), 0);
    assert!(!d.invite_in_progress());

    let bye = reparse(&d.new_request(Method::Bye, VIA).unwrap());
    assert_eq!(bye.uri_str(), "sip:alice@203.0.113.9:5080;transport=tcp");
    assert_eq!(
        header_list(&bye),
        pairs(&[
            ("Via", VIA),
            ("Max-Forwards", "70"),
            ("Route", "<sip:ss2.biloxi.example.com;lr;ftag=9fxced76sl>"),
            ("Route", "<sip:ss1.atlanta.example.com;lr>"),
            ("From", "Bob <sip:bob@biloxi.example.com>;tag=a6c85cf"),
            ("To", "Alice <sip:alice@atlanta.example.com>;tag=9fxced76sl"),
            ("Call-ID", CALL_ID),
            ("CSeq", "1 BYE"),
            ("Content-Length", "0"),
        ])
    );
    assert_eq!(d.local_cseq(), Some(1));
}

#[test]
fn a_reinvite_with_a_bad_contact_gets_400() {
    let d = answered();
    let reinvite = request_from_alice("INVITE", 2, LOCAL_TAG, "Contact: *\r\n");
    assert_eq!(d.check_request(&reinvite), Err((400, "Bad Request")));
}

#[test]
fn a_bye_from_the_peer_terminates() {
    let mut d = answered();
    let bye = request_from_alice("BYE", 2, LOCAL_TAG, "");
    assert_eq!(d.on_request(&bye), Ok(DialogChange::Terminated));
    let mut ok = Response::for_request(&bye, 200, "OK").unwrap();
    assert_eq!(d.prepare_response(&mut ok), Ok(DialogChange::Unchanged));
    let info = request_from_alice("INFO", 3, LOCAL_TAG, "");
    assert_eq!(
        d.on_request(&info),
        Err((481, "Call/Transaction Does Not Exist"))
    );
}

#[test]
fn the_callee_cannot_bye_an_early_dialog() {
    let (mut d, _) = uas();
    assert!(matches!(
        d.new_request(Method::Bye, VIA),
        Err(DialogError::MethodNotAllowed(_))
    ));
    assert_eq!(d.local_cseq(), None);
    // But it may send UPDATE/INFO in it.
    assert!(d.new_request(Method::Update, VIA).is_ok());
}

#[test]
fn bad_creation_inputs_are_refused() {
    let invite = request(INVITE_RECEIVED);
    assert!(matches!(
        Dialog::uas_from_request(&invite, "bad tag", LOCAL_CONTACT),
        Err(DialogError::InvalidInput(_))
    ));
    assert!(matches!(
        Dialog::uas_from_request(&invite, LOCAL_TAG, "<sip:x\r\nEvil: 1>"),
        Err(DialogError::InvalidInput(_))
    ));
    let text = INVITE_RECEIVED.replace(
        "Contact: <sip:alice@client.atlanta.example.com;transport=tcp>\r\n",
        "",
    );
    assert_eq!(
        Dialog::uas_from_request(&request(&text), LOCAL_TAG, LOCAL_CONTACT),
        Err(DialogError::Parse(ParseError::Missing("Contact")))
    );
    let in_dialog = request_from_alice("INVITE", 2, "t", "Contact: <sip:a@h>\r\n");
    assert!(matches!(
        Dialog::uas_from_request(&in_dialog, LOCAL_TAG, LOCAL_CONTACT),
        Err(DialogError::NoDialog(_))
    ));
}

#[test]
fn an_addr_spec_to_with_parameters_still_gets_our_tag() {
    let text = INVITE_RECEIVED.replace(
        "To: Bob <sip:bob@biloxi.example.com>",
        "To: sip:bob@biloxi.example.com;foo=bar",
    );
    let invite = request(&text);
    let mut d = Dialog::uas_from_request(&invite, LOCAL_TAG, LOCAL_CONTACT).unwrap();
    let mut ok = Response::for_request(&invite, 200, "OK").unwrap();
    d.prepare_response(&mut ok).unwrap();
    let to = ok.headers().to().unwrap();
    assert_eq!(to.tag(), Some(LOCAL_TAG));
    assert_eq!(to.uri.as_str(), "sip:bob@biloxi.example.com");
    assert_eq!(
        d.local_address(),
        "sip:bob@biloxi.example.com;foo=bar;tag=a6c85cf"
    );
}
