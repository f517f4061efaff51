//! The registration engine on virtual time.

use super::*;
use crate::gateway::options::GatewaySettings;
use crate::gateway::store::{add_gateway, delete_gateway};
use switchyard_sip::auth::{Algorithm, Credentials, QopInput, ha1, ha2, response};
use switchyard_sip::message::Message;

const LOCAL: &str = "192.0.2.10:5060";

struct World {
    store: Store,
    states: Arc<GatewayStates>,
    engine: Registrations,
    t0: Instant,
    _dir: tempfile::TempDir,
}

impl World {
    fn new() -> World {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("s.db")).unwrap();
        let states = Arc::new(GatewayStates::new());
        let engine = Registrations::with_seed(
            Arc::clone(&states),
            LocalAddress {
                addr: LOCAL.parse().unwrap(),
            },
            42,
        );
        World {
            store,
            states,
            engine,
            t0: Instant::now(),
            _dir: dir,
        }
    }

    /// Adds a gateway and tells the engine, as `gateway add` does.
    fn add(&self, name: &str, proxy: &str, options: &[&str]) {
        let settings = GatewaySettings::default()
            .with_assignments(options.iter().copied())
            .unwrap();
        add_gateway(&self.store, name, proxy, settings).unwrap();
        self.states.changed();
    }

    fn delete(&self, name: &str) {
        delete_gateway(&self.store, name, true).unwrap();
        self.states.changed();
    }

    fn at(&self, secs: u64) -> Instant {
        self.t0 + Duration::from_secs(secs)
    }

    fn poll(&mut self, secs: u64) -> Vec<Outgoing> {
        let now = self.at(secs);
        self.engine.poll(&self.store, now)
    }

    fn poll_one(&mut self, secs: u64) -> Outgoing {
        let mut out = self.poll(secs);
        assert_eq!(out.len(), 1, "{out:?}");
        out.remove(0)
    }

    fn respond(
        &mut self,
        to: &Outgoing,
        secs: u64,
        status: &str,
        extra: &[&str],
    ) -> Option<Outgoing> {
        let response = reply(&to.request, status, extra);
        let now = self.at(secs);
        self.engine.on_response(to.id, &response, now)
    }

    fn state(&self, name: &str) -> GatewayStatus {
        self.states.get(name).unwrap()
    }
}

/// A response to `request` with the status line `status` (`200 OK`) and
/// extra header lines.
fn reply(request: &Request, status: &str, extra: &[&str]) -> Response {
    let h = request.headers();
    let mut text = format!("SIP/2.0 {status}\r\n");
    for name in ["Via", "From", "Call-ID", "CSeq"] {
        text.push_str(&format!("{name}: {}\r\n", h.get(name).unwrap()));
    }
    text.push_str(&format!("To: {};tag=registrar\r\n", h.get("To").unwrap()));
    for line in extra {
        text.push_str(line);
        text.push_str("\r\n");
    }
    text.push_str("Content-Length: 0\r\n\r\n");
    match Message::parse(text.as_bytes()).unwrap() {
        Message::Response(r) => r,
        Message::Request(_) => unreachable!("a status line makes a response"),
    }
}

fn header<'a>(out: &'a Outgoing, name: &str) -> Option<&'a str> {
    out.request.headers().get(name)
}

fn cseq(out: &Outgoing) -> u32 {
    out.request.headers().cseq().unwrap().number
}

fn call_id(out: &Outgoing) -> &str {
    out.request.headers().call_id().unwrap()
}

/// Checks that `out` carries valid credentials in `header_name` for
/// `username`/`password`; returns them.
fn check_credentials(
    out: &Outgoing,
    header_name: &str,
    username: &str,
    password: &str,
) -> Credentials {
    let value = header(out, header_name).expect("credentials");
    let creds = Credentials::parse(value).unwrap();
    let algorithm = creds.algorithm().unwrap();
    assert_eq!(creds.username, username);
    assert_eq!(creds.uri, out.request.uri_str());
    let h1 = ha1(algorithm, username, &creds.realm, password);
    let h2 = ha2(algorithm, "REGISTER", &creds.uri);
    let qop = match (&creds.nc, &creds.cnonce) {
        (Some(nc), Some(cnonce)) => QopInput::Auth { nc, cnonce },
        _ => QopInput::None,
    };
    assert_eq!(
        creds.response,
        response(algorithm, &h1, &creds.nonce, qop, &h2),
        "the digest response is right"
    );
    creds
}

const CHALLENGE_MD5: &str =
    "WWW-Authenticate: Digest realm=\"sip.example\", nonce=\"n1\", qop=\"auth\", algorithm=MD5";

#[test]
fn challenge_credentials_ok_then_a_refresh_on_the_same_call_id() {
    let mut w = World::new();
    w.add(
        "carrier",
        "192.0.2.1",
        &[
            "username=acct",
            "password=s3cret",
            "register=true",
            "expires=300",
        ],
    );
    let first = w.poll_one(0);
    assert_eq!(first.gateway, "carrier");
    assert_eq!(first.destination, "192.0.2.1:5060".parse().unwrap());
    assert_eq!(first.transport, GatewayTransport::Udp);
    assert_eq!(first.request.method_str(), "REGISTER");
    assert_eq!(first.request.uri_str(), "sip:192.0.2.1");
    let via = header(&first, "Via").unwrap();
    assert!(
        via.starts_with("SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK"),
        "{via}"
    );
    assert!(via.ends_with(";rport"), "{via}");
    assert_eq!(
        header(&first, "Contact"),
        Some("<sip:acct@192.0.2.10:5060>")
    );
    assert_eq!(header(&first, "To"), Some("<sip:acct@192.0.2.1>"));
    assert!(
        header(&first, "From")
            .unwrap()
            .starts_with("<sip:acct@192.0.2.1>;tag=")
    );
    assert_eq!(header(&first, "Expires"), Some("300"));
    assert_eq!(cseq(&first), 1);
    assert!(header(&first, "Authorization").is_none());
    assert_eq!(w.state("carrier").state, RegState::Trying);

    let answer = w
        .respond(&first, 0, "401 Unauthorized", &[CHALLENGE_MD5])
        .unwrap();
    assert_eq!(cseq(&answer), 2);
    assert_eq!(call_id(&answer), call_id(&first));
    assert_ne!(
        header(&answer, "Via"),
        header(&first, "Via"),
        "a new branch"
    );
    assert_eq!(header(&answer, "From"), header(&first, "From"));
    let creds = check_credentials(&answer, "Authorization", "acct", "s3cret");
    assert_eq!(
        (
            creds.realm.as_str(),
            creds.algorithm.as_deref(),
            creds.nc.as_deref()
        ),
        ("sip.example", Some("MD5"), Some("00000001"))
    );

    let ok = w.respond(
        &answer,
        1,
        "200 OK",
        &["Contact: <sip:other@192.0.2.99>;expires=50, <sip:acct@192.0.2.10:5060>;expires=200"],
    );
    assert!(ok.is_none());
    let status = w.state("carrier");
    assert_eq!(status.state, RegState::Reged);
    assert_eq!(status.status_text(), "200 OK");
    assert_eq!(status.expires_at, Some(w.at(201)), "our contact's expires");
    assert_eq!(status.registered_at, Some(w.at(1)));
    // Refresh 60 s before expiry: 1 + 200 - 60.
    assert_eq!(status.next_attempt, Some(w.at(141)));
    assert_eq!(
        w.engine.next_deadline(),
        Some(w.at(60)),
        "the resync comes first"
    );
    assert!(w.poll(60).is_empty());
    assert_eq!(w.engine.next_deadline(), Some(w.at(120)), "the resync");
    assert!(w.poll(120).is_empty());
    let refresh = w.poll_one(141);
    assert_eq!(cseq(&refresh), 3);
    assert_eq!(call_id(&refresh), call_id(&first));
    assert_eq!(header(&refresh, "From"), header(&first, "From"));
    let reused = check_credentials(&refresh, "Authorization", "acct", "s3cret");
    assert_eq!(
        reused.nc.as_deref(),
        Some("00000002"),
        "the nonce is reused"
    );
    assert_eq!(
        w.state("carrier").state,
        RegState::Reged,
        "still registered while refreshing"
    );
    // The nonce went stale meanwhile: a challenge to reused credentials is
    // answered, not taken as a rejection.
    let challenge = "WWW-Authenticate: Digest realm=\"sip.example\", nonce=\"n2\", qop=\"auth\"";
    let again = w
        .respond(&refresh, 141, "401 Unauthorized", &[challenge])
        .unwrap();
    assert_eq!(cseq(&again), 4);
    let creds = check_credentials(&again, "Authorization", "acct", "s3cret");
    assert_eq!(
        (creds.nonce.as_str(), creds.nc.as_deref()),
        ("n2", Some("00000001"))
    );
    assert!(
        w.respond(&again, 142, "200 OK", &["Expires: 3600"])
            .is_none()
    );
    assert_eq!(
        w.state("carrier").expires_at,
        Some(w.at(142 + 3600)),
        "the Expires header"
    );
    assert_eq!(w.state("carrier").next_attempt, Some(w.at(142 + 3540)));
}

#[test]
fn forbidden_waits_retry_seconds_then_backs_off() {
    let mut w = World::new();
    w.add(
        "gw",
        "192.0.2.1:5080",
        &["username=a", "password=b", "register=true", "retry=30"],
    );
    let first = w.poll_one(0);
    assert_eq!(first.destination, "192.0.2.1:5080".parse().unwrap());
    assert_eq!(first.request.uri_str(), "sip:192.0.2.1:5080");
    assert!(w.respond(&first, 0, "403 Forbidden", &[]).is_none());
    let status = w.state("gw");
    assert_eq!(status.state, RegState::FailWait);
    assert_eq!(status.status_text(), "403 Forbidden");
    assert_eq!(status.failures, 1);
    assert_eq!(w.engine.next_deadline(), Some(w.at(30)));
    assert!(w.poll(29).is_empty());
    let second = w.poll_one(30);
    assert_eq!(cseq(&second), 2);
    assert_eq!(call_id(&second), call_id(&first));
    assert_eq!(w.state("gw").state, RegState::Trying);
    w.respond(&second, 30, "503 Service Unavailable", &[]);
    assert_eq!(w.state("gw").next_attempt, Some(w.at(90)), "doubled: 60 s");
    let third = w.poll_one(90);
    w.respond(&third, 90, "500 Server Error", &[]);
    assert_eq!(
        w.state("gw").next_attempt,
        Some(w.at(210)),
        "doubled: 120 s"
    );
    let fourth = w.poll_one(210);
    w.respond(&fourth, 210, "200 OK", &[]);
    let status = w.state("gw");
    assert_eq!((status.state, status.failures), (RegState::Reged, 0));
    assert_eq!(
        status.expires_at,
        Some(w.at(210 + 3600)),
        "what was asked for"
    );
}

#[test]
fn retry_delays_are_capped() {
    assert_eq!(retry_delay(30, 1), Duration::from_secs(30));
    assert_eq!(retry_delay(30, 2), Duration::from_secs(60));
    assert_eq!(retry_delay(30, 7), Duration::from_secs(1800));
    assert_eq!(retry_delay(30, 1000), Duration::from_secs(1800));
    assert_eq!(retry_delay(3600, 5), Duration::from_secs(3600));
    assert_eq!(refresh_delay(3600), Duration::from_secs(3540));
    assert_eq!(refresh_delay(100), Duration::from_secs(50));
    assert_eq!(refresh_delay(1), Duration::from_secs(1));
}

#[test]
fn interval_too_brief_retries_at_once_with_min_expires() {
    let mut w = World::new();
    w.add(
        "gw",
        "192.0.2.1",
        &["username=a", "password=b", "register=true", "expires=60"],
    );
    let first = w.poll_one(0);
    assert_eq!(header(&first, "Expires"), Some("60"));
    let longer = w
        .respond(&first, 0, "423 Interval Too Brief", &["Min-Expires: 120"])
        .unwrap();
    assert_eq!(header(&longer, "Expires"), Some("120"));
    assert_eq!(cseq(&longer), 2);
    assert_eq!(call_id(&longer), call_id(&first));
    assert!(w.respond(&longer, 1, "200 OK", &[]).is_none());
    assert_eq!(w.state("gw").state, RegState::Reged);
    let refresh = w.poll_one(61);
    assert_eq!(
        header(&refresh, "Expires"),
        Some("120"),
        "Min-Expires is kept"
    );
    // A 423 without a usable Min-Expires is a failure.
    assert!(
        w.respond(&refresh, 61, "423 Interval Too Brief", &[])
            .is_none()
    );
    assert_eq!(w.state("gw").state, RegState::FailWait);
}

#[test]
fn deleting_a_registered_gateway_unregisters_it() {
    let mut w = World::new();
    w.add(
        "gw",
        "192.0.2.1",
        &["username=a", "password=b", "register=true"],
    );
    let first = w.poll_one(0);
    w.respond(&first, 0, "200 OK", &[]);
    w.delete("gw");
    let bye = w.poll_one(5);
    assert_eq!(header(&bye, "Expires"), Some("0"));
    assert_eq!(header(&bye, "Contact"), Some("<sip:a@192.0.2.10:5060>"));
    assert_eq!(call_id(&bye), call_id(&first));
    assert_eq!(cseq(&bye), 2);
    assert!(
        w.states.get("gw").is_none(),
        "a deleted gateway is not listed"
    );
    // The un-REGISTER is challenged: answered.
    let answer = w
        .respond(&bye, 5, "401 Unauthorized", &[CHALLENGE_MD5])
        .unwrap();
    assert_eq!(header(&answer, "Expires"), Some("0"));
    assert_eq!(cseq(&answer), 3);
    check_credentials(&answer, "Authorization", "a", "b");
    assert!(w.respond(&answer, 5, "200 OK", &[]).is_none());
    assert_eq!(
        w.engine.next_deadline(),
        Some(w.at(65)),
        "only the resync is left"
    );
    assert!(w.poll(65).is_empty());
}

#[test]
fn deleting_an_unregistered_gateway_sends_nothing() {
    let mut w = World::new();
    w.add(
        "gw",
        "192.0.2.1",
        &["username=a", "password=b", "register=true"],
    );
    let first = w.poll_one(0);
    w.respond(&first, 0, "403 Forbidden", &[]);
    w.delete("gw");
    assert!(w.poll(1).is_empty());
    assert!(w.states.get("gw").is_none());
    assert_eq!(w.engine.next_deadline(), Some(w.at(61)));
}

#[test]
fn a_gateway_deleted_while_registering_unregisters_once_registered() {
    let mut w = World::new();
    w.add(
        "gw",
        "192.0.2.1",
        &["username=a", "password=b", "register=true"],
    );
    let first = w.poll_one(0);
    w.delete("gw");
    assert!(w.poll(1).is_empty(), "the pending REGISTER decides");
    let bye = w.respond(&first, 1, "200 OK", &[]).unwrap();
    assert_eq!(header(&bye, "Expires"), Some("0"));
    assert!(w.respond(&bye, 1, "200 OK", &[]).is_none());
    assert!(w.poll(2).is_empty());
}

#[test]
fn switching_register_off_unregisters_and_shows_noreg() {
    let mut w = World::new();
    w.add(
        "gw",
        "192.0.2.1",
        &["username=a", "password=b", "register=true"],
    );
    let first = w.poll_one(0);
    w.respond(&first, 0, "200 OK", &[]);
    delete_gateway(&w.store, "gw", false).unwrap();
    w.add(
        "gw",
        "192.0.2.1",
        &["username=a", "password=b", "register=false"],
    );
    let bye = w.poll_one(3);
    assert_eq!(header(&bye, "Expires"), Some("0"));
    assert_eq!(call_id(&bye), call_id(&first));
    assert_eq!(w.state("gw").state, RegState::NoReg);
    // A 5xx to the un-REGISTER: given up (the binding expires by itself).
    assert!(w.respond(&bye, 3, "500 Oops", &[]).is_none());
    assert!(w.poll(4).is_empty());
    assert_eq!(w.state("gw").state, RegState::NoReg);
}

#[test]
fn a_second_challenge_after_credentials_is_a_rejection() {
    let mut w = World::new();
    w.add(
        "gw",
        "192.0.2.1",
        &["username=a", "password=wrong", "register=true", "retry=20"],
    );
    let first = w.poll_one(0);
    let answer = w
        .respond(&first, 0, "401 Unauthorized", &[CHALLENGE_MD5])
        .unwrap();
    let fresh_nonce =
        "WWW-Authenticate: Digest realm=\"sip.example\", nonce=\"n9\", qop=\"auth\", algorithm=MD5";
    assert!(
        w.respond(&answer, 0, "401 Unauthorized", &[fresh_nonce])
            .is_none()
    );
    let status = w.state("gw");
    assert_eq!(status.state, RegState::FailWait);
    assert_eq!(
        status.status_text(),
        "401 Unauthorized (credentials rejected)"
    );
    assert_eq!(status.next_attempt, Some(w.at(20)));
    let retry = w.poll_one(20);
    assert!(
        header(&retry, "Authorization").is_none(),
        "rejected credentials are not reused"
    );
    // The same nonce again is a rejection too; stale=true is not.
    let answer = w
        .respond(&retry, 20, "401 Unauthorized", &[CHALLENGE_MD5])
        .unwrap();
    let stale =
        "WWW-Authenticate: Digest realm=\"sip.example\", nonce=\"n3\", qop=\"auth\", stale=true";
    let again = w
        .respond(&answer, 20, "401 Unauthorized", &[stale])
        .unwrap();
    assert_eq!(
        Credentials::parse(header(&again, "Authorization").unwrap())
            .unwrap()
            .nonce,
        "n3"
    );
    assert!(
        w.respond(&again, 20, "401 Unauthorized", &[CHALLENGE_MD5])
            .is_none()
    );
    assert_eq!(w.state("gw").state, RegState::FailWait);
}

#[test]
fn stale_challenges_are_not_answered_for_ever() {
    let mut w = World::new();
    w.add(
        "gw",
        "192.0.2.1",
        &["username=a", "password=b", "register=true"],
    );
    let mut out = w.poll_one(0);
    for n in 0..3 {
        let stale = format!(
            "WWW-Authenticate: Digest realm=\"r\", nonce=\"s{n}\", qop=\"auth\", stale=true"
        );
        out = w.respond(&out, 0, "401 Unauthorized", &[&stale]).unwrap();
    }
    let stale = "WWW-Authenticate: Digest realm=\"r\", nonce=\"s9\", qop=\"auth\", stale=true";
    assert!(w.respond(&out, 0, "401 Unauthorized", &[stale]).is_none());
    assert_eq!(w.state("gw").state, RegState::FailWait);
}

#[test]
fn sha256_challenges_are_answered() {
    let mut w = World::new();
    w.add(
        "gw",
        "192.0.2.1",
        &["username=a", "password=b", "register=true"],
    );
    let first = w.poll_one(0);
    let both = [
        "WWW-Authenticate: Digest realm=\"sip.example\", nonce=\"m\", qop=\"auth\", algorithm=MD5",
        "WWW-Authenticate: Digest realm=\"sip.example\", nonce=\"s\", qop=\"auth\", algorithm=SHA-256",
    ];
    let answer = w.respond(&first, 0, "401 Unauthorized", &both).unwrap();
    let creds = check_credentials(&answer, "Authorization", "a", "b");
    assert_eq!(creds.algorithm(), Some(Algorithm::Sha256));
    assert_eq!(creds.nonce, "s", "the strongest challenge");
    assert!(w.respond(&answer, 0, "200 OK", &[]).is_none());
    assert_eq!(w.state("gw").state, RegState::Reged);
}

#[test]
fn proxy_challenges_use_proxy_authorization() {
    let mut w = World::new();
    w.add(
        "gw",
        "192.0.2.1",
        &["username=a", "password=b", "register=true"],
    );
    let first = w.poll_one(0);
    let challenge = "Proxy-Authenticate: Digest realm=\"proxy\", nonce=\"p\"";
    let answer = w
        .respond(&first, 0, "407 Proxy Authentication Required", &[challenge])
        .unwrap();
    assert!(header(&answer, "Authorization").is_none());
    let creds = check_credentials(&answer, "Proxy-Authorization", "a", "b");
    assert_eq!((creds.realm.as_str(), creds.qop), ("proxy", None));
    // Then the registrar challenges too: both are answered.
    let answer2 = w
        .respond(&answer, 0, "401 Unauthorized", &[CHALLENGE_MD5])
        .unwrap();
    check_credentials(&answer2, "Proxy-Authorization", "a", "b");
    check_credentials(&answer2, "Authorization", "a", "b");
    assert!(w.respond(&answer2, 0, "200 OK", &[]).is_none());
    assert_eq!(w.state("gw").state, RegState::Reged);
}

#[test]
fn a_challenge_of_another_realm_is_not_answered() {
    let mut w = World::new();
    w.add(
        "gw",
        "192.0.2.1",
        &[
            "username=a",
            "password=b",
            "register=true",
            "realm=good.example",
        ],
    );
    let first = w.poll_one(0);
    assert!(
        w.respond(&first, 0, "401 Unauthorized", &[CHALLENGE_MD5])
            .is_none()
    );
    let status = w.state("gw");
    assert_eq!(status.state, RegState::FailWait);
    assert!(
        status
            .reason
            .contains("realm sip.example, not good.example"),
        "{}",
        status.reason
    );
    let retry = w.poll_one(30);
    let good = "WWW-Authenticate: Digest realm=\"GOOD.example\", nonce=\"g\"";
    let answer = w.respond(&retry, 30, "401 Unauthorized", &[good]).unwrap();
    check_credentials(&answer, "Authorization", "a", "b");
}

#[test]
fn timeouts_and_silence_are_failures() {
    let mut w = World::new();
    w.add(
        "gw",
        "192.0.2.1",
        &["username=a", "password=b", "register=true", "retry=10"],
    );
    let first = w.poll_one(0);
    w.engine.on_timeout(first.id, w.at(32));
    let status = w.state("gw");
    assert_eq!(status.state, RegState::FailWait);
    assert_eq!(status.status_text(), "408 Request Timeout (no response)");
    assert!(w.respond(&first, 33, "200 OK", &[]).is_none(), "too late");
    assert_eq!(w.state("gw").state, RegState::FailWait);
    let second = w.poll_one(42);
    assert!(w.poll(60).is_empty());
    // Never answered nor reported: counted as timed out after 40 s.
    assert_eq!(w.engine.next_deadline(), Some(w.at(42 + 40)));
    assert!(w.poll(81).is_empty());
    assert!(w.poll(82).is_empty());
    assert_eq!(w.state("gw").state, RegState::FailWait);
    assert_eq!(w.state("gw").failures, 2);
    assert_eq!(w.state("gw").next_attempt, Some(w.at(82 + 20)));
    let third = w.poll_one(102);
    assert_eq!(cseq(&third), cseq(&second) + 1);
}

#[test]
fn provisional_and_unknown_responses_are_ignored() {
    let mut w = World::new();
    w.add(
        "gw",
        "192.0.2.1",
        &["username=a", "password=b", "register=true"],
    );
    let first = w.poll_one(0);
    assert!(w.respond(&first, 0, "100 Trying", &[]).is_none());
    assert_eq!(w.state("gw").state, RegState::Trying);
    let response = reply(&first.request, "200 OK", &[]);
    assert!(
        w.engine
            .on_response(RequestId(999), &response, w.at(0))
            .is_none()
    );
    assert_eq!(w.state("gw").state, RegState::Trying);
    w.engine.on_timeout(RequestId(999), w.at(0));
    assert_eq!(w.state("gw").state, RegState::Trying);
    assert!(w.respond(&first, 0, "200 OK", &[]).is_none());
    assert_eq!(w.state("gw").state, RegState::Reged);
}

#[test]
fn tcp_gateways_say_so_in_via_contact_and_uri() {
    let mut w = World::new();
    w.add(
        "gw",
        "[2001:db8::5]:5070",
        &[
            "username=a",
            "password=b",
            "register=true",
            "transport=tcp",
            "from-domain=example.net",
        ],
    );
    w.engine.local.addr = "[2001:db8::10]:5060".parse().unwrap();
    let out = w.poll_one(0);
    assert_eq!(out.transport, GatewayTransport::Tcp);
    assert_eq!(out.destination, "[2001:db8::5]:5070".parse().unwrap());
    assert_eq!(
        out.request.uri_str(),
        "sip:[2001:db8::5]:5070;transport=tcp"
    );
    assert!(
        header(&out, "Via")
            .unwrap()
            .starts_with("SIP/2.0/TCP [2001:db8::10]:5060;branch=")
    );
    assert_eq!(
        header(&out, "Contact"),
        Some("<sip:a@[2001:db8::10]:5060;transport=tcp>")
    );
    assert_eq!(header(&out, "To"), Some("<sip:a@example.net>"));
    let ok = w.respond(
        &out,
        0,
        "200 OK",
        &["Contact: <sip:a@[2001:db8::10]:5060;transport=tcp>;expires=600"],
    );
    assert!(ok.is_none());
    assert_eq!(w.state("gw").expires_at, Some(w.at(600)));
}

#[test]
fn names_are_resolved_and_failures_to_resolve_wait() {
    let mut w = World::new();
    w.engine.set_resolver(|host, port| match host {
        "sip.example.net" => vec![
            SocketAddr::new("2001:db8::7".parse().unwrap(), port),
            SocketAddr::new("203.0.113.7".parse().unwrap(), port),
        ],
        _ => Vec::new(),
    });
    w.add(
        "named",
        "sip.example.net",
        &["username=a", "password=b", "register=true"],
    );
    w.add(
        "lost",
        "nowhere.example",
        &["username=a", "password=b", "register=true"],
    );
    let out = w.poll_one(0);
    assert_eq!(out.gateway, "named");
    assert_eq!(
        out.destination,
        "203.0.113.7:5060".parse().unwrap(),
        "the address family of the local address"
    );
    let lost = w.state("lost");
    assert_eq!(lost.state, RegState::FailWait);
    assert_eq!(lost.status_text(), "cannot resolve nowhere.example");
}

#[test]
fn gateways_are_picked_up_on_change_or_resync() {
    let mut w = World::new();
    w.add("noreg", "192.0.2.1", &[]);
    assert!(w.poll(0).is_empty());
    assert_eq!(w.state("noreg").state, RegState::NoReg);
    let settings = GatewaySettings::default()
        .with_assignments(["username=a", "password=b", "register=true"])
        .unwrap();
    add_gateway(&w.store, "quiet", "192.0.2.2", settings).unwrap();
    assert!(w.poll(1).is_empty(), "no change notice yet");
    assert_eq!(w.poll_one(60).gateway, "quiet", "found by the resync");
    w.add(
        "loud",
        "192.0.2.3",
        &["username=a", "password=b", "register=true"],
    );
    assert_eq!(w.poll_one(61).gateway, "loud", "found at once");
}

#[test]
fn the_waker_is_called_on_change() {
    let states = GatewayStates::new();
    let (tx, rx) = std::sync::mpsc::channel();
    states.set_waker(Box::new(move || {
        let _ = tx.send(());
    }));
    states.changed();
    assert!(rx.try_recv().is_ok());
    assert_eq!(states.generation(), 1);
}
