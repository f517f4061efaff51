//! Typed views over corpus messages: Via lists, name-addr, URIs (sip, tel,
//! other), CSeq, compact forms, folding, bare LF.

use std::path::Path;

use switchyard_sip::message::{
    Contact, HeaderName, Message, Method, Request, Response, UriKind, percent_decode,
};

fn parse(tag: &str) -> Message {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/rfc4475");
    let path = if tag.starts_with("x-") {
        dir.join("extras").join(format!("{tag}.dat"))
    } else {
        dir.join(format!("{tag}.dat"))
    };
    Message::parse(&std::fs::read(path).expect(tag)).expect(tag)
}

fn request(tag: &str) -> Request {
    match parse(tag) {
        Message::Request(r) => r,
        Message::Response(_) => panic!("{tag} is a response"),
    }
}

fn response(tag: &str) -> Response {
    match parse(tag) {
        Message::Response(r) => r,
        Message::Request(_) => panic!("{tag} is a request"),
    }
}

#[test]
fn wsinv_folding_and_lws() {
    let r = request("wsinv");
    let h = r.headers();
    let vias: Vec<_> = h.vias().collect::<Result<_, _>>().unwrap();
    assert_eq!(vias.len(), 3);
    assert_eq!(vias[0].transport, "UDP");
    assert_eq!(vias[0].host, "192.0.2.2");
    assert_eq!(vias[0].branch(), Some("390skdjuw"));
    assert_eq!(vias[1].transport, "TCP");
    assert_eq!(vias[1].host, "spindle.example.com");
    assert_eq!(vias[1].branch(), Some("z9hG4bK9ikj8"));
    assert_eq!(vias[2].host, "192.168.255.111");
    assert_eq!(vias[2].branch(), Some("z9hG4bK30239"));
    let cseq = h.cseq().unwrap();
    assert_eq!((cseq.number, cseq.method), (9, Method::Invite));
    assert_eq!(h.max_forwards().unwrap(), Some(68));
    assert_eq!(h.to().unwrap().tag(), Some("1918181833n"));
    let from = h.from().unwrap();
    assert_eq!(from.tag(), Some("98asjd8"));
    assert_eq!(from.display_name_unquoted().unwrap(), "J Rosenberg \\\"");
    let contact = h.contacts().next().unwrap().unwrap();
    let contact = contact.address().unwrap();
    assert_eq!(
        contact.display_name_unquoted().unwrap(),
        "Quoted string \"\""
    );
    assert_eq!(contact.params.value("newparam"), Some("newvalue"));
    assert!(contact.params.contains("secondparam"));
    assert_eq!(contact.q(), Some("0.33"));
    assert_eq!(h.get("Subject"), Some(""));
    assert_eq!(
        h.get("NewFangledHeader"),
        Some("newfangled value   continued newfangled value")
    );
    assert_eq!(r.body().len(), 150);
}

#[test]
fn intmeth_unknown_method_and_odd_uri() {
    let r = request("intmeth");
    assert_eq!(
        r.method(),
        Method::Extension("!interesting-Method0123456789_*+`.%indeed'~")
    );
    let uri = r.uri().unwrap();
    let sip = uri.as_sip().unwrap();
    assert_eq!(
        sip.user,
        Some("1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*")
    );
    assert_eq!(
        sip.password,
        Some("&it+has=1,weird!*pas$wo~d_too.(doesn't-it)")
    );
    assert_eq!(sip.host, "example.com");
    let to = r.headers().to().unwrap();
    assert_eq!(
        to.display_name_unquoted().unwrap(),
        "BEL:\u{7} NUL:\u{0} DEL:\u{7f}"
    );
    assert_eq!(
        r.headers().call_id().unwrap(),
        "intmeth.word%ZK-!.*_+'@word`~)(><:\\/\"][?}{"
    );
    assert_eq!(r.headers().cseq().unwrap().method.as_str(), r.method_str());
}

#[test]
fn escapes_are_kept_and_decodable() {
    let r = request("esc01");
    let uri = r.uri().unwrap();
    let sip = uri.as_sip().unwrap();
    assert!(
        !sip.secure,
        "escaped 'sips:' in the user part is not a sips URI"
    );
    assert_eq!(sip.user, Some("sips%3Auser%40example.com"));
    assert_eq!(
        sip.user_decoded().unwrap().as_ref(),
        b"sips:user@example.com"
    );
    assert_eq!(r.headers().content_type().unwrap().unwrap().sub, "sdp");
    let r = request("escnull");
    let contacts: Vec<_> = r.headers().contacts().collect::<Result<_, _>>().unwrap();
    assert_eq!(contacts.len(), 2);
    let to = r.headers().to().unwrap();
    assert_eq!(
        percent_decode(to.uri.as_sip().unwrap().user.unwrap()).as_ref(),
        b"null-\0-null"
    );
    assert_eq!(r.headers().content_length().unwrap(), Some(0));
    let r = request("esc02");
    assert_eq!(r.method(), Method::Extension("RE%47IST%45R"));
    assert_eq!(
        r.headers().contacts().count(),
        2,
        "C%6Fntact is not Contact"
    );
    assert_eq!(
        r.headers().get("C%6Fntact"),
        Some("<sip:alias2@host2.example.com>")
    );
}

#[test]
fn semicolon_user_parts() {
    let r = request("semiuri");
    assert_eq!(
        r.uri().unwrap().as_sip().unwrap().user,
        Some("user;par=u%40example.net")
    );
    let r = request("x-npdi");
    let uri = r.uri().unwrap();
    let sip = uri.as_sip().unwrap();
    assert_eq!(sip.user, Some("+15551234567;npdi;rn=+15559990000"));
    assert_eq!(sip.params.value("user"), Some("phone"));
    let pai = r.headers().asserted_identities().next().unwrap().unwrap();
    assert_eq!(
        pai.uri.as_sip().unwrap().user,
        Some("+15557654321;cpc=ordinary")
    );
}

#[test]
fn via_lists_and_transports() {
    let r = request("transports");
    let transports: Vec<_> = r.headers().vias().map(|v| v.unwrap().transport).collect();
    assert_eq!(transports, ["UDP", "SCTP", "TLS", "UNKNOWN", "TCP"]);
    assert_eq!(request("longreq").headers().vias().count(), 34);
    let resp = response("x-viacomma");
    let hosts: Vec<_> = resp.headers().vias().map(|v| v.unwrap().host).collect();
    assert_eq!(hosts, ["192.0.2.1", "192.0.2.2", "192.0.2.3"]);
    assert_eq!(
        resp.headers().top_via().unwrap().received(),
        Some("192.0.2.1")
    );
    assert_eq!(resp.headers().contacts().count(), 2);
    let r = request("x-telinvite");
    let vias: Vec<_> = r.headers().vias().collect::<Result<_, _>>().unwrap();
    assert_eq!(vias[0].rport(), Some(None));
    assert_eq!(vias[0].port, Some(5060));
    assert_eq!(vias[1].rport(), None);
}

#[test]
fn tel_uris() {
    let r = request("x-telinvite");
    let uri = r.uri().unwrap();
    let tel = uri.as_tel().unwrap();
    assert!(tel.is_global());
    assert_eq!(tel.number, "+15551234567");
    assert_eq!(
        r.headers().from().unwrap().uri.as_tel().unwrap().number,
        "+15557654321"
    );
    assert_eq!(r.headers().asserted_identities().count(), 2);
    let r = request("x-tellocal");
    let uri = r.uri().unwrap();
    let tel = uri.as_tel().unwrap();
    assert_eq!(tel.number, "5551234");
    assert_eq!(tel.phone_context(), Some("+1555"));
    assert!(!tel.is_global());
}

#[test]
fn other_schemes_parse_opaque() {
    let r = request("unkscm");
    let uri = r.uri().unwrap();
    assert!(matches!(uri.kind(), UriKind::Other(o) if o.scheme == "nobodyKnowsThisScheme"));
    let r = request("unksm2");
    assert_eq!(r.headers().to().unwrap().uri.scheme(), "isbn");
    assert_eq!(r.headers().from().unwrap().uri.scheme(), "http");
}

#[test]
fn contact_params_versus_uri_params() {
    let r = request("cparam01");
    let c = r.headers().contacts().next().unwrap().unwrap();
    let c = c.address().unwrap();
    assert!(c.params.contains("unknownparam"));
    assert!(!c.uri.params().contains("unknownparam"));
    let r = request("cparam02");
    let c = r.headers().contacts().next().unwrap().unwrap();
    let c = c.address().unwrap();
    assert!(!c.params.contains("unknownparam"));
    assert!(c.uri.params().contains("unknownparam"));
    let r = request("regescrt");
    let c = r.headers().contacts().next().unwrap().unwrap();
    assert_eq!(
        c.address().unwrap().uri.as_sip().unwrap().headers,
        Some("Route=%3Csip:sip.example.com%3E")
    );
}

#[test]
fn compact_forms_map_to_long_names() {
    let r = request("x-compact");
    let h = r.headers();
    for (kind, compact) in [
        (HeaderName::Via, "v"),
        (HeaderName::From, "f"),
        (HeaderName::To, "t"),
        (HeaderName::CallId, "i"),
        (HeaderName::Contact, "m"),
        (HeaderName::Supported, "k"),
        (HeaderName::Subject, "s"),
        (HeaderName::ContentEncoding, "e"),
        (HeaderName::Event, "o"),
        (HeaderName::AllowEvents, "u"),
        (HeaderName::ContentType, "c"),
        (HeaderName::ContentLength, "l"),
    ] {
        assert!(h.first(kind).is_some(), "{compact}");
        assert_eq!(HeaderName::from_name(compact), kind);
        assert_eq!(kind.compact(), Some(compact));
        assert_eq!(h.get(kind.as_str()), h.first(kind));
    }
    assert_eq!(h.vias().count(), 2);
    assert_eq!(h.call_id().unwrap(), "compact-1@192.0.2.20");
    assert_eq!(r.body(), b"hello compact\r\n");
    for compact in ["a", "b", "d", "j", "r", "x", "y"] {
        assert_ne!(
            HeaderName::from_name(compact),
            HeaderName::Other,
            "{compact}"
        );
    }
}

#[test]
fn folding_space_before_colon_and_bare_lf() {
    let r = request("x-folded");
    assert_eq!(
        r.headers().top_via().unwrap().branch(),
        Some("z9hG4bK-fold1")
    );
    assert_eq!(r.headers().from().unwrap().display_name, Some("Alice"));
    assert_eq!(r.headers().cseq().unwrap().method, Method::Options);
    let r = request("x-spcolon");
    assert_eq!(r.headers().max_forwards().unwrap(), Some(70));
    assert_eq!(r.headers().call_id().unwrap(), "spcolon-1@192.0.2.1");
    let r = request("x-barelf");
    assert_eq!(r.headers().call_id().unwrap(), "barelf-1@192.0.2.1");
    assert_eq!(
        r.body().len() as u64,
        r.headers().content_length().unwrap().unwrap()
    );
    assert!(r.validate().is_ok());
}

#[test]
fn responses_with_odd_reason_phrases() {
    assert_eq!(response("noreason").reason(), "");
    assert_eq!(response("noreason").status(), 100);
    assert!(response("unreason").reason().starts_with("= 2**3 * 5**2"));
}

#[test]
fn datagram_bodies_follow_content_length() {
    assert!(request("dblreq").body().is_empty());
    assert_eq!(request("mpart01").body().len(), 553);
    let r = request("inv2543");
    assert!(r.headers().content_length().unwrap().is_none());
    assert!(r.body().starts_with(b"v=0"));
    assert_eq!(request("x-stream2").body(), b"Hello, world!");
}

#[test]
fn digest_headers_stay_raw() {
    let r = request("x-digestnc");
    assert!(
        r.headers()
            .get("Authorization")
            .unwrap()
            .contains("nc=0000010a")
    );
    assert_eq!(
        request("regaut01").headers().get("authorization"),
        Some("NoOneKnowsThisScheme opaque-data=here")
    );
}

#[test]
fn wildcard_contact() {
    let mut r = Request::new("REGISTER", "sip:example.com").unwrap();
    r.headers_mut().push("Contact", "*").unwrap();
    assert_eq!(
        r.headers().contacts().next().unwrap().unwrap(),
        Contact::Wildcard
    );
}

#[test]
fn ipv6_hosts() {
    let mut r = Request::new("OPTIONS", "sip:alice@[2001:db8::1]:5070;transport=tcp").unwrap();
    r.headers_mut()
        .push(
            "Via",
            "SIP/2.0/TCP [2001:db8::2]:5061;branch=z9hG4bK1;rport=5061",
        )
        .unwrap();
    let uri = r.uri().unwrap();
    let sip = uri.as_sip().unwrap();
    assert_eq!(
        (sip.host, sip.port, sip.transport()),
        ("[2001:db8::1]", Some(5070), Some("tcp"))
    );
    let via = r.headers().top_via().unwrap();
    assert_eq!(
        (via.host, via.port, via.rport()),
        ("[2001:db8::2]", Some(5061), Some(Some(5061)))
    );
}
