//! Shared message texts for the dialog tests: the RFC 3665 §3.2 style call
//! from Alice (atlanta) to Bob (biloxi) through two record-routing
//! proxies, seen from either end.

#![allow(dead_code)]

use switchyard_sip::message::{Message, Request, Response};

pub const CALL_ID: &str = "3848276298220188511@atlanta.example.com";
pub const ALICE_TAG: &str = "9fxced76sl";
pub const BOB_TAG: &str = "314159";

/// The INVITE Alice's UA (our UAC) sent, with proxy credentials.
pub const INVITE_SENT: &str = "INVITE sip:bob@biloxi.example.com SIP/2.0\r\n\
Via: SIP/2.0/TCP client.atlanta.example.com:5060;branch=z9hG4bK74bf9\r\n\
Max-Forwards: 70\r\n\
From: Alice <sip:alice@atlanta.example.com>;tag=9fxced76sl\r\n\
To: Bob <sip:bob@biloxi.example.com>\r\n\
Call-ID: 3848276298220188511@atlanta.example.com\r\n\
CSeq: 1 INVITE\r\n\
Contact: <sip:alice@client.atlanta.example.com;transport=tcp>\r\n\
Proxy-Authorization: Digest username=\"alice\", realm=\"atlanta.example.com\", nonce=\"dc3a5ab25302aa931904ba7d88fa1cf5\", uri=\"sip:bob@biloxi.example.com\", response=\"ccdca50cb091d587421457305d097458c\"\r\n\
Content-Length: 0\r\n\r\n";

/// The same INVITE as it reaches Bob's UA (our UAS): two more Vias, the
/// proxies' Record-Route (one line with a list, then one more line).
pub const INVITE_RECEIVED: &str = "INVITE sip:bob@client.biloxi.example.com SIP/2.0\r\n\
Via: SIP/2.0/TCP ss2.biloxi.example.com:5060;branch=z9hG4bK721e4.1\r\n\
Via: SIP/2.0/TCP ss1.atlanta.example.com:5060;branch=z9hG4bK2d4790.1;received=192.0.2.111\r\n\
Via: SIP/2.0/TCP client.atlanta.example.com:5060;branch=z9hG4bK74bf9;received=192.0.2.101\r\n\
Max-Forwards: 68\r\n\
Record-Route: <sip:ss2.biloxi.example.com;lr;ftag=9fxced76sl>,  <sip:ss1.atlanta.example.com;lr>\r\n\
From: Alice <sip:alice@atlanta.example.com>;tag=9fxced76sl\r\n\
To: Bob <sip:bob@biloxi.example.com>\r\n\
Call-ID: 3848276298220188511@atlanta.example.com\r\n\
CSeq: 1 INVITE\r\n\
Contact: <sip:alice@client.atlanta.example.com;transport=tcp>\r\n\
Content-Type: application/sdp\r\n\
Content-Length: 5\r\n\r\n\
v=0\r\n";

/// A response to [`INVITE_SENT`] as it reaches Alice: `status_line` such
/// as `180 Ringing`, an optional To tag and Contact, and Record-Route
/// lines (top first, as the proxies wrote them).
pub fn response_to_invite(
    status_line: &str,
    to_tag: Option<&str>,
    contact: Option<&str>,
    record_routes: &[&str],
) -> Response {
    let mut text = format!(
        "SIP/2.0 {status_line}\r\n\
         Via: SIP/2.0/TCP client.atlanta.example.com:5060;branch=z9hG4bK74bf9;received=192.0.2.101\r\n"
    );
    for rr in record_routes {
        text.push_str(&format!("Record-Route: {rr}\r\n"));
    }
    text.push_str("From: Alice <sip:alice@atlanta.example.com>;tag=9fxced76sl\r\n");
    match to_tag {
        Some(tag) => text.push_str(&format!(
            "To: Bob <sip:bob@biloxi.example.com>;tag={tag}\r\n"
        )),
        None => text.push_str("To: Bob <sip:bob@biloxi.example.com>\r\n"),
    }
    text.push_str(&format!("Call-ID: {CALL_ID}\r\n"));
    if let Some(contact) = contact {
        text.push_str(&format!("Contact: {contact}\r\n"));
    }
    text.push_str("CSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n");
    response(&text)
}

/// The two proxies' Record-Route lines in a response reaching Alice.
pub const PROXIES: [&str; 2] = [
    "<sip:ss2.biloxi.example.com;lr>",
    "<sip:ss1.atlanta.example.com;lr>",
];

/// Bob's Contact.
pub const BOB_CONTACT: &str = "<sip:bob@client.biloxi.example.com;transport=tcp>";

/// A request from Bob to Alice inside the dialog, as it reaches Alice.
pub fn request_from_bob(method: &str, cseq: u32, extra: &str) -> Request {
    request(&format!(
        "{method} sip:alice@client.atlanta.example.com;transport=tcp SIP/2.0\r\n\
         Via: SIP/2.0/TCP ss1.atlanta.example.com:5060;branch=z9hG4bK2d4790.2\r\n\
         Via: SIP/2.0/TCP client.biloxi.example.com:5060;branch=z9hG4bKnashds7\r\n\
         Max-Forwards: 69\r\n\
         From: Bob <sip:bob@biloxi.example.com>;tag=314159\r\n\
         To: Alice <sip:alice@atlanta.example.com>;tag=9fxced76sl\r\n\
         Call-ID: {CALL_ID}\r\n\
         CSeq: {cseq} {method}\r\n\
         {extra}Content-Length: 0\r\n\r\n"
    ))
}

/// A request from Alice to Bob inside the dialog, as it reaches Bob
/// (whose UAS dialog has local tag `bob_tag`).
pub fn request_from_alice(method: &str, cseq: u32, bob_tag: &str, extra: &str) -> Request {
    request(&format!(
        "{method} sip:bob@client.biloxi.example.com;transport=tcp SIP/2.0\r\n\
         Via: SIP/2.0/TCP ss2.biloxi.example.com:5060;branch=z9hG4bK721e4.7\r\n\
         Via: SIP/2.0/TCP client.atlanta.example.com:5060;branch=z9hG4bK74bfa;received=192.0.2.101\r\n\
         Max-Forwards: 69\r\n\
         From: Alice <sip:alice@atlanta.example.com>;tag=9fxced76sl\r\n\
         To: Bob <sip:bob@biloxi.example.com>;tag={bob_tag}\r\n\
         Call-ID: {CALL_ID}\r\n\
         CSeq: {cseq} {method}\r\n\
         {extra}Content-Length: 0\r\n\r\n"
    ))
}

/// A response to a request Alice sent in the dialog (CSeq `cseq method`).
pub fn response_in_dialog(status_line: &str, cseq: u32, method: &str, extra: &str) -> Response {
    response(&format!(
        "SIP/2.0 {status_line}\r\n\
         Via: SIP/2.0/TCP client.atlanta.example.com:5060;branch=z9hG4bKany;received=192.0.2.101\r\n\
         From: Alice <sip:alice@atlanta.example.com>;tag=9fxced76sl\r\n\
         To: Bob <sip:bob@biloxi.example.com>;tag=314159\r\n\
         Call-ID: {CALL_ID}\r\n\
         CSeq: {cseq} {method}\r\n\
         {extra}Content-Length: 0\r\n\r\n"
    ))
}

pub fn request(text: &str) -> Request {
    match Message::parse(text.as_bytes()).expect("parses") {
        Message::Request(r) => r,
        Message::Response(r) => panic!("expected a request, got {}", r.status()),
    }
}

pub fn response(text: &str) -> Response {
    match Message::parse(text.as_bytes()).expect("parses") {
        Message::Response(r) => r,
        Message::Request(r) => panic!("expected a response, got {}", r.method_str()),
    }
}

/// Parses the wire form back, so tests check what a peer would read.
pub fn reparse(request: &Request) -> Request {
    let bytes = request.to_bytes();
    request_bytes(&bytes)
}

fn request_bytes(bytes: &[u8]) -> Request {
    match Message::parse(bytes).expect("our own output parses") {
        Message::Request(r) => r,
        Message::Response(r) => panic!("expected a request, got {}", r.status()),
    }
}

/// Every header as `(name, value)`, in order.
pub fn header_list(request: &Request) -> Vec<(String, String)> {
    request
        .headers()
        .iter()
        .map(|h| (h.name.to_owned(), h.value.to_owned()))
        .collect()
}

/// The same for a response.
pub fn response_header_list(response: &Response) -> Vec<(String, String)> {
    response
        .headers()
        .iter()
        .map(|h| (h.name.to_owned(), h.value.to_owned()))
        .collect()
}

pub fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
        .collect()
}
