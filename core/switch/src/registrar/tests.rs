//! The registrar end to end on virtual time: real requests parsed from
//! text, a real store in a temporary directory, phones answering
//! challenges with the SIP crate's digest client.

use super::bindings::{contacts_of, list, purge_expired};
use super::commands::bans_table;
use super::{RegisterOutcome, Registrar, RegistrarSettings};
use crate::bans::{BanList, BanPolicy};
use crate::directory::{UserSettings, add_tenant, add_user};
use crate::store::Store;
use std::cell::Cell;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use switchyard_sip::auth::{Algorithm, Challenge, DigestClient, RandomCnonce};
use switchyard_sip::message::{Message, Request, Response};

const POLICY: BanPolicy = BanPolicy {
    max_failures: 3,
    window: Duration::from_secs(60),
    ban_for: Duration::from_secs(300),
};

struct Switchboard {
    _dir: tempfile::TempDir,
    path: PathBuf,
    store: Store,
    bans: BanList,
    registrar: Registrar,
    elapsed: Cell<u64>,
    t0: SystemTime,
    m0: Instant,
}

impl Switchboard {
    fn new() -> Switchboard {
        Switchboard::with(RegistrarSettings {
            ban_policy: POLICY,
            ..RegistrarSettings::default()
        })
    }

    fn with(settings: RegistrarSettings) -> Switchboard {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("switchyard.db");
        let store = Store::open(&path).unwrap();
        for domain in ["acme.test", "beta.test"] {
            add_tenant(&store, domain).unwrap();
        }
        for (user, password) in [
            ("1001@acme.test", "alpha-pw"),
            ("1002@acme.test", "second-pw"),
            ("1001@beta.test", "beta-pw"),
        ] {
            add_user(&store, user, password, UserSettings::default()).unwrap();
        }
        Switchboard {
            _dir: dir,
            path,
            store,
            bans: BanList::new(),
            registrar: Registrar::with_nonce_key(settings, [9; 32]),
            elapsed: Cell::new(0),
            t0: UNIX_EPOCH + Duration::from_secs(1_700_000_000),
            m0: Instant::now(),
        }
    }

    fn now(&self) -> SystemTime {
        self.t0 + Duration::from_secs(self.elapsed.get())
    }

    fn advance(&self, secs: u64) {
        self.elapsed.set(self.elapsed.get() + secs);
    }

    fn handle(&self, request: &Request, source: SocketAddr) -> RegisterOutcome {
        self.registrar.handle(
            &self.store,
            &self.bans,
            request,
            source,
            "udp",
            self.now(),
            self.m0 + Duration::from_secs(self.elapsed.get()),
        )
    }

    fn bindings(&self, extension: &str, domain: &str) -> Vec<String> {
        contacts_of(&self.store, extension, domain, self.now())
            .unwrap()
            .into_iter()
            .map(|b| b.contact)
            .collect()
    }
}

fn parse(text: &str) -> Request {
    match Message::parse(text.as_bytes()).expect("test request parses") {
        Message::Request(r) => r,
        Message::Response(_) => panic!("not a request"),
    }
}

fn response(outcome: RegisterOutcome) -> Response {
    match outcome {
        RegisterOutcome::Respond(r) => r,
        RegisterOutcome::Drop => panic!("dropped"),
    }
}

fn header_values(r: &Response, name: &str) -> Vec<String> {
    r.headers().get_all(name).map(str::to_owned).collect()
}

/// A phone: an account, a registration dialog (Call-ID, CSeq) and a digest
/// client.
struct Phone {
    extension: String,
    to_domain: String,
    request_uri: String,
    call_id: String,
    cseq: u32,
    source: SocketAddr,
    client: DigestClient,
    cnonces: RandomCnonce,
    only: Option<Algorithm>,
}

impl Phone {
    fn new(extension: &str, domain: &str, password: &str) -> Phone {
        Phone {
            extension: extension.into(),
            to_domain: domain.into(),
            request_uri: format!("sip:{domain}"),
            call_id: format!("reg-{extension}-{domain}"),
            cseq: 0,
            source: "192.0.2.10:5062".parse().unwrap(),
            client: DigestClient::new(extension, password),
            cnonces: RandomCnonce::from_seed([3; 32]),
            only: None,
        }
    }

    fn contact(&self) -> String {
        format!("<sip:{}@{};transport=udp>", self.extension, self.source)
    }

    /// The next REGISTER with `extra` header lines (each ending in CRLF),
    /// with credentials when a challenge is known.
    fn request(&mut self, extra: &str) -> Request {
        self.cseq += 1;
        let authorization = if self.client.challenge().is_some() {
            let value = self
                .client
                .authorize("REGISTER", &self.request_uri, &mut self.cnonces)
                .unwrap();
            format!("Authorization: {value}\r\n")
        } else {
            String::new()
        };
        let (ext, dom) = (&self.extension, &self.to_domain);
        parse(&format!(
            "REGISTER {ruri} SIP/2.0\r\n\
             Via: SIP/2.0/UDP {src};branch=z9hG4bK-{cseq}\r\n\
             Max-Forwards: 70\r\n\
             From: <sip:{ext}@{dom}>;tag=phone\r\n\
             To: <sip:{ext}@{dom}>\r\n\
             Call-ID: {call_id}\r\n\
             CSeq: {cseq} REGISTER\r\n\
             User-Agent: TestPhone/1.0\r\n\
             {extra}{authorization}Content-Length: 0\r\n\r\n",
            ruri = self.request_uri,
            src = self.source,
            cseq = self.cseq,
            call_id = self.call_id,
        ))
    }

    fn take_challenge(&mut self, r: &Response) {
        assert_eq!(r.status(), 401, "{}", r.reason());
        let values = header_values(r, "WWW-Authenticate");
        let values: Vec<&str> = values
            .iter()
            .map(String::as_str)
            .filter(|v| {
                self.only
                    .is_none_or(|a| Challenge::parse(v).unwrap().algorithm() == Some(a))
            })
            .collect();
        self.client.on_challenge(values).unwrap();
    }

    /// Sends a REGISTER; on `401` answers the challenge once and returns
    /// the final response.
    fn register(&mut self, board: &Switchboard, extra: &str) -> Response {
        let request = self.request(extra);
        let first = response(board.handle(&request, self.source));
        if first.status() != 401 {
            return first;
        }
        self.take_challenge(&first);
        let request = self.request(extra);
        response(board.handle(&request, self.source))
    }
}

#[test]
fn sha256_registration_challenges_then_binds() {
    let board = Switchboard::new();
    let mut phone = Phone::new("1001", "acme.test", "alpha-pw");
    let contact_line = format!("Contact: {}\r\n", phone.contact());
    let request = phone.request(&contact_line);
    let challenge = response(board.handle(&request, phone.source));
    assert_eq!(challenge.status(), 401);
    let offered = header_values(&challenge, "WWW-Authenticate");
    assert_eq!(offered.len(), 2);
    assert!(offered[0].contains("SHA-256"), "{offered:?}");
    assert!(offered[1].contains("MD5"), "{offered:?}");
    assert!(offered[0].contains("realm=\"acme.test\""));
    assert!(challenge.headers().to().unwrap().tag().is_some());
    assert!(board.bindings("1001", "acme.test").is_empty());

    phone.take_challenge(&challenge);
    assert_eq!(phone.client.challenge().unwrap().1, Algorithm::Sha256);
    let ok = response(board.handle(&phone.request(&contact_line), phone.source));
    assert_eq!(ok.status(), 200, "{}", ok.reason());
    let contacts = header_values(&ok, "Contact");
    assert_eq!(
        contacts,
        ["<sip:1001@192.0.2.10:5062;transport=udp>;expires=3600"]
    );
    assert_eq!(
        ok.headers().get("Date"),
        Some("Tue, 14 Nov 2023 22:13:20 GMT")
    );
    let stored = contacts_of(&board.store, "1001", "acme.test", board.now()).unwrap();
    assert_eq!(stored.len(), 1);
    let b = &stored[0];
    assert_eq!(b.contact, "sip:1001@192.0.2.10:5062;transport=udp");
    assert_eq!(b.network_addr, phone.source);
    assert_eq!(
        (b.transport.as_str(), b.user_agent.as_str()),
        ("udp", "TestPhone/1.0")
    );
    assert_eq!((b.call_id.as_str(), b.cseq), ("reg-1001-acme.test", 2));

    // A refresh reuses the nonce with the next nc: no new challenge.
    board.advance(30);
    let again = response(board.handle(&phone.request(&contact_line), phone.source));
    assert_eq!(again.status(), 200);
    assert_eq!(board.bindings("1001", "acme.test").len(), 1);
}

#[test]
fn md5_registration_succeeds() {
    let board = Switchboard::new();
    let mut phone = Phone::new("1001", "acme.test", "alpha-pw");
    phone.only = Some(Algorithm::Md5);
    let ok = phone.register(&board, &format!("Contact: {}\r\n", phone.contact()));
    assert_eq!(ok.status(), 200, "{}", ok.reason());
    assert_eq!(phone.client.challenge().unwrap().1, Algorithm::Md5);
    assert_eq!(board.bindings("1001", "acme.test").len(), 1);
}

#[test]
fn a_wrong_password_gets_403_and_no_binding() {
    let board = Switchboard::new();
    let mut phone = Phone::new("1001", "acme.test", "not-the-password");
    let r = phone.register(&board, &format!("Contact: {}\r\n", phone.contact()));
    assert_eq!((r.status(), r.reason()), (403, "Authentication failed"));
    assert!(board.bindings("1001", "acme.test").is_empty());
    assert!(!board.bans.is_banned(phone.source.ip(), board.m0));
}

#[test]
fn repeated_failures_ban_the_source_which_then_gets_no_answer() {
    let board = Switchboard::new();
    let mut guesser = Phone::new("1001", "acme.test", "guess");
    guesser.source = "203.0.113.9:5060".parse().unwrap();
    let contact = format!("Contact: {}\r\n", guesser.contact());
    for _ in 0..POLICY.max_failures {
        assert_eq!(guesser.register(&board, &contact).status(), 403);
    }
    assert!(matches!(
        board.handle(&guesser.request(&contact), guesser.source),
        RegisterOutcome::Drop
    ));
    // Even the right password from there is ignored while the ban lasts.
    let mut owner = Phone::new("1001", "acme.test", "alpha-pw");
    owner.source = guesser.source;
    assert!(matches!(
        board.handle(&owner.request(&contact), owner.source),
        RegisterOutcome::Drop
    ));
    let now = board.m0 + Duration::from_secs(board.elapsed.get());
    let table = bans_table(&board.bans.list(now), false);
    assert_eq!(
        table,
        "address,remaining_secs,failures\n203.0.113.9,300,3\n\n1 total.\n"
    );
    // Other sources are unaffected.
    let mut other = Phone::new("1001", "acme.test", "alpha-pw");
    assert_eq!(other.register(&board, &contact).status(), 200);
    // The ban ends.
    board.advance(301);
    assert_eq!(owner.register(&board, &contact).status(), 200);
}

#[test]
fn success_forgives_earlier_failures() {
    let board = Switchboard::new();
    let mut phone = Phone::new("1001", "acme.test", "typo");
    let contact = format!("Contact: {}\r\n", phone.contact());
    for _ in 0..POLICY.max_failures - 1 {
        assert_eq!(phone.register(&board, &contact).status(), 403);
    }
    let mut fixed = Phone::new("1001", "acme.test", "alpha-pw");
    assert_eq!(fixed.register(&board, &contact).status(), 200);
    assert_eq!(phone.register(&board, &contact).status(), 403);
    assert!(!board.bans.is_banned(phone.source.ip(), board.m0));
}

#[test]
fn unregister_with_expires_zero_and_with_the_wildcard() {
    let board = Switchboard::new();
    let mut phone = Phone::new("1001", "acme.test", "alpha-pw");
    let ok = phone.register(
        &board,
        "Contact: <sip:1001@192.0.2.10:5062>, <sip:1001@198.51.100.4:5070>\r\n",
    );
    assert_eq!(ok.status(), 200);
    assert_eq!(header_values(&ok, "Contact").len(), 2);

    let ok = phone.register(
        &board,
        "Contact: <sip:1001@192.0.2.10:5062>\r\nExpires: 0\r\n",
    );
    assert_eq!(ok.status(), 200);
    assert_eq!(
        header_values(&ok, "Contact"),
        ["<sip:1001@198.51.100.4:5070>;expires=3600"]
    );
    let ok = phone.register(&board, "Contact: <sip:1001@192.0.2.10:5062>\r\n");
    assert_eq!(ok.status(), 200);
    assert_eq!(board.bindings("1001", "acme.test").len(), 2);

    let ok = phone.register(&board, "Contact: *\r\nExpires: 0\r\n");
    assert_eq!(ok.status(), 200);
    assert!(header_values(&ok, "Contact").is_empty());
    assert!(board.bindings("1001", "acme.test").is_empty());

    let bad = phone.register(&board, "Contact: *\r\nExpires: 60\r\n");
    assert_eq!(bad.status(), 400);
    let bad = phone.register(
        &board,
        "Contact: *, <sip:1001@192.0.2.10>\r\nExpires: 0\r\n",
    );
    assert_eq!(bad.status(), 400);
}

#[test]
fn too_brief_gets_423_with_min_expires_and_too_long_is_shortened() {
    let board = Switchboard::new();
    let mut phone = Phone::new("1001", "acme.test", "alpha-pw");
    let r = phone.register(&board, "Contact: <sip:1001@192.0.2.10>\r\nExpires: 30\r\n");
    assert_eq!(
        (r.status(), r.headers().get("Min-Expires")),
        (423, Some("60"))
    );
    assert!(board.bindings("1001", "acme.test").is_empty());
    let r = phone.register(&board, "Contact: <sip:1001@192.0.2.10>;expires=59\r\n");
    assert_eq!(r.status(), 423);
    let r = phone.register(&board, "Contact: <sip:1001@192.0.2.10>;expires=86400\r\n");
    assert_eq!(
        header_values(&r, "Contact"),
        ["<sip:1001@192.0.2.10>;expires=3600"]
    );
    let r = phone.register(&board, "Contact: <sip:1001@192.0.2.10>;expires=60\r\n");
    assert_eq!(
        header_values(&r, "Contact"),
        ["<sip:1001@192.0.2.10>;expires=60"]
    );
}

#[test]
fn several_contacts_all_listed_in_order_within_the_limit() {
    let board = Switchboard::with(RegistrarSettings {
        max_contacts_per_user: 3,
        ..RegistrarSettings::default()
    });
    let mut desk = Phone::new("1001", "acme.test", "alpha-pw");
    let mut soft = Phone::new("1001", "acme.test", "alpha-pw");
    soft.call_id = "softphone".into();
    soft.source = "198.51.100.4:5070".parse().unwrap();
    desk.register(&board, "Contact: <sip:desk@192.0.2.10>;q=0.5\r\n");
    let ok = soft.register(
        &board,
        "Contact: <sip:soft@198.51.100.4>;q=1, <sip:mobile@198.51.100.5>;expires=120;q=0.8\r\n",
    );
    assert_eq!(ok.status(), 200);
    assert_eq!(
        header_values(&ok, "Contact"),
        [
            "<sip:soft@198.51.100.4>;expires=3600;q=1",
            "<sip:mobile@198.51.100.5>;expires=120;q=0.8",
            "<sip:desk@192.0.2.10>;expires=3600;q=0.5",
        ]
    );
    // A fourth contact is one too many: refused, nothing changes.
    let r = desk.register(&board, "Contact: <sip:extra@192.0.2.11>\r\n");
    assert_eq!(r.status(), 403);
    assert!(r.reason().contains("Too many contacts"), "{}", r.reason());
    assert_eq!(board.bindings("1001", "acme.test").len(), 3);
    // A query (no Contact) lists them.
    let r = desk.register(&board, "");
    assert_eq!((r.status(), header_values(&r, "Contact").len()), (200, 3));
}

#[test]
fn call_id_and_cseq_ordering() {
    let board = Switchboard::new();
    let mut phone = Phone::new("1001", "acme.test", "alpha-pw");
    let contact = "Contact: <sip:1001@192.0.2.10>\r\n";
    assert_eq!(phone.register(&board, contact).status(), 200);
    let stored_cseq = phone.cseq;
    // A delayed REGISTER of the same Call-ID with a lower CSeq fails and
    // changes nothing; so does an equal one.
    for cseq in [stored_cseq - 1, stored_cseq] {
        phone.cseq = cseq - 1;
        let r = response(board.handle(
            &phone.request("Contact: <sip:1001@192.0.2.10>\r\nExpires: 0\r\n"),
            phone.source,
        ));
        assert_eq!(r.status(), 500, "{}", r.reason());
        assert!(r.reason().starts_with("Out of order"));
        assert_eq!(board.bindings("1001", "acme.test").len(), 1);
        phone.cseq = cseq - 1;
        let r =
            response(board.handle(&phone.request("Contact: *\r\nExpires: 0\r\n"), phone.source));
        assert_eq!(r.status(), 500);
        assert_eq!(board.bindings("1001", "acme.test").len(), 1);
    }
    // A higher CSeq works; so does another Call-ID with any CSeq.
    phone.cseq = stored_cseq + 5;
    let r = phone.register(&board, "Contact: <sip:1001@192.0.2.10>;expires=120\r\n");
    assert_eq!(r.status(), 200);
    let mut rebooted = Phone::new("1001", "acme.test", "alpha-pw");
    rebooted.call_id = "after-reboot".into();
    let r = rebooted.register(&board, "Contact: <sip:1001@192.0.2.10>\r\n");
    assert_eq!(r.status(), 200);
    let b = contacts_of(&board.store, "1001", "acme.test", board.now()).unwrap();
    assert_eq!((b.len(), b[0].call_id.as_str()), (1, "after-reboot"));
}

#[test]
fn unknown_domain_and_unknown_user() {
    let board = Switchboard::new();
    let mut nowhere = Phone::new("1001", "nowhere.test", "x");
    let r = response(board.handle(&nowhere.request(""), nowhere.source));
    assert_eq!((r.status(), r.reason()), (404, "Unknown domain"));
    nowhere.request_uri = "sip:ACME.Test".into();
    nowhere.to_domain = "acme.test".into();
    nowhere.extension = "1001".into();
    // The domain is case-insensitive.
    assert_eq!(
        response(board.handle(&nowhere.request(""), nowhere.source)).status(),
        401
    );

    // By default an unknown extension is challenged like any other, and
    // its credentials refused as a failure: scanners learn nothing.
    let mut ghost = Phone::new("4242", "acme.test", "x");
    let r = ghost.register(&board, "Contact: <sip:4242@192.0.2.10>\r\n");
    assert_eq!((r.status(), r.reason()), (403, "Authentication failed"));

    let lab = Switchboard::with(RegistrarSettings {
        reveal_unknown_users: true,
        ..RegistrarSettings::default()
    });
    let r = response(lab.handle(&ghost.request(""), ghost.source));
    assert_eq!((r.status(), r.reason()), (404, "Unknown user"));
    let mut known = Phone::new("1001", "acme.test", "alpha-pw");
    assert_eq!(known.register(&lab, "").status(), 200);
}

#[test]
fn bindings_survive_a_restart() {
    let board = Switchboard::new();
    let mut phone = Phone::new("1001", "acme.test", "alpha-pw");
    assert_eq!(
        phone
            .register(&board, "Contact: <sip:1001@192.0.2.10>;expires=600\r\n")
            .status(),
        200
    );
    let before = contacts_of(&board.store, "1001", "acme.test", board.now()).unwrap();
    let reopened = Store::open(&board.path).unwrap();
    let after = contacts_of(&reopened, "1001", "acme.test", board.now()).unwrap();
    assert_eq!(after, before);
    // A fresh registrar (new nonce key, as after a restart) answers the old
    // nonce with stale=true, then lists the binding it found in the store.
    let restarted = Registrar::with_nonce_key(RegistrarSettings::default(), [1; 32]);
    let query = phone.request("");
    let r = response(restarted.handle(
        &reopened,
        &board.bans,
        &query,
        phone.source,
        "udp",
        board.now(),
        board.m0,
    ));
    assert_eq!(r.status(), 401);
    assert!(header_values(&r, "WWW-Authenticate")[0].contains("stale=true"));
    phone.take_challenge(&r);
    let r = response(restarted.handle(
        &reopened,
        &board.bans,
        &phone.request(""),
        phone.source,
        "udp",
        board.now(),
        board.m0,
    ));
    assert_eq!(
        header_values(&r, "Contact"),
        ["<sip:1001@192.0.2.10>;expires=600"]
    );
}

#[test]
fn tenants_are_isolated() {
    let board = Switchboard::new();
    // The To domain must be the Request-URI's.
    let mut a = Phone::new("1001", "acme.test", "alpha-pw");
    a.request_uri = "sip:beta.test".into();
    let r = a.register(&board, "Contact: <sip:1001@192.0.2.10>\r\n");
    assert_eq!(
        (r.status(), r.reason()),
        (404, "To domain does not match the Request-URI")
    );

    // 1001@acme.test's password does not open 1001@beta.test.
    let mut impostor = Phone::new("1001", "beta.test", "alpha-pw");
    let r = impostor.register(&board, "Contact: <sip:1001@192.0.2.10>\r\n");
    assert_eq!(r.status(), 403);

    // Credentials for realm acme.test sent to beta.test are challenged
    // for beta.test's realm, never checked against acme.test's users.
    let mut realm_hopper = Phone::new("1001", "acme.test", "alpha-pw");
    let r = realm_hopper.register(&board, "");
    assert_eq!(r.status(), 200);
    realm_hopper.request_uri = "sip:beta.test".into();
    realm_hopper.to_domain = "beta.test".into();
    realm_hopper.client = {
        // Keep answering acme.test's challenge.
        let mut c = DigestClient::new("1001", "alpha-pw");
        let acme = Phone::new("1001", "acme.test", "alpha-pw").request("");
        let challenge = response(board.handle(&acme, realm_hopper.source));
        c.on_challenge(
            header_values(&challenge, "WWW-Authenticate")
                .iter()
                .map(String::as_str),
        )
        .unwrap();
        c
    };
    let r = response(board.handle(
        &realm_hopper.request("Contact: <sip:1001@192.0.2.10>\r\n"),
        realm_hopper.source,
    ));
    assert_eq!(r.status(), 401);
    assert!(header_values(&r, "WWW-Authenticate")[0].contains("realm=\"beta.test\""));

    // 1002 exists only in acme.test.
    let mut stranger = Phone::new("1002", "beta.test", "second-pw");
    let r = stranger.register(&board, "Contact: <sip:1002@192.0.2.10>\r\n");
    assert_eq!(r.status(), 403);

    // Each tenant's own users register into their own tenant only.
    let mut b = Phone::new("1001", "beta.test", "beta-pw");
    b.source = "198.51.100.4:5060".parse().unwrap();
    assert_eq!(
        b.register(&board, "Contact: <sip:b@198.51.100.4>\r\n")
            .status(),
        200
    );
    assert_eq!(board.bindings("1001", "beta.test"), ["sip:b@198.51.100.4"]);
    assert!(board.bindings("1001", "acme.test").is_empty());
    assert_eq!(
        list(&board.store, Some("acme.test"), board.now())
            .unwrap()
            .len(),
        0
    );
}

#[test]
fn the_authenticated_user_must_be_the_to_user() {
    let board = Switchboard::new();
    let mut phone = Phone::new("1002", "acme.test", "second-pw");
    // 1002 authenticates but asks to bind 1001's address-of-record.
    let first = response(board.handle(&phone.request(""), phone.source));
    phone.take_challenge(&first);
    phone.extension = "1001".into();
    let r = response(board.handle(
        &phone.request("Contact: <sip:evil@203.0.113.1>\r\n"),
        phone.source,
    ));
    assert_eq!(
        (r.status(), r.reason()),
        (403, "Authenticated user does not match To")
    );
    assert!(board.bindings("1001", "acme.test").is_empty());
}

#[test]
fn bindings_expire_with_time() {
    let board = Switchboard::new();
    let mut phone = Phone::new("1001", "acme.test", "alpha-pw");
    phone.register(&board, "Contact: <sip:1001@192.0.2.10>;expires=60\r\n");
    board.advance(59);
    assert_eq!(board.bindings("1001", "acme.test").len(), 1);
    board.advance(1);
    assert!(board.bindings("1001", "acme.test").is_empty());
    let r = phone.register(&board, "");
    assert_eq!((r.status(), header_values(&r, "Contact").len()), (200, 0));
    assert_eq!(purge_expired(&board.store, board.now()).unwrap(), 1);
}

#[test]
fn an_expired_nonce_is_challenged_as_stale() {
    let board = Switchboard::new();
    let mut phone = Phone::new("1001", "acme.test", "alpha-pw");
    assert_eq!(phone.register(&board, "").status(), 200);
    board.advance(301);
    let r = response(board.handle(&phone.request(""), phone.source));
    assert_eq!(r.status(), 401);
    assert!(
        header_values(&r, "WWW-Authenticate")
            .iter()
            .all(|v| v.contains("stale=true"))
    );
    phone.take_challenge(&r);
    assert_eq!(
        response(board.handle(&phone.request(""), phone.source)).status(),
        200
    );
    assert!(
        !board
            .bans
            .is_banned(phone.source.ip(), board.m0 + Duration::from_secs(301))
    );
}

#[test]
fn bad_requests_get_the_right_4xx() {
    let board = Switchboard::new();
    let source: SocketAddr = "192.0.2.10:5062".parse().unwrap();
    let base = |ruri: &str, extra: &str| {
        parse(&format!(
            "REGISTER {ruri} SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.10;branch=z9hG4bK1\r\n\
             From: <sip:1001@acme.test>;tag=a\r\n{extra}Max-Forwards: 70\r\n\
             Content-Length: 0\r\n\r\n"
        ))
    };
    let ok_headers = "To: <sip:1001@acme.test>\r\nCall-ID: c\r\nCSeq: 1 REGISTER\r\n";
    let cases = [
        ("tel:+15551234", ok_headers.to_owned(), 416),
        (
            "sip:acme.test",
            "To: <sip:1001@acme.test>\r\nCSeq: 1 REGISTER\r\n".into(),
            400,
        ),
        (
            "sip:acme.test",
            "To: <sip:1001@acme.test>\r\nCall-ID: c\r\n".into(),
            400,
        ),
        (
            "sip:acme.test",
            "To: <sip:1001@acme.test>\r\nCall-ID: c\r\nCSeq: 1 INVITE\r\n".into(),
            400,
        ),
        (
            "sip:acme.test",
            "Call-ID: c\r\nCSeq: 1 REGISTER\r\n".into(),
            400,
        ),
        (
            "sip:acme.test",
            "To: <tel:1001>\r\nCall-ID: c\r\nCSeq: 1 REGISTER\r\n".into(),
            404,
        ),
        (
            "sip:acme.test",
            "To: <sip:acme.test>\r\nCall-ID: c\r\nCSeq: 1 REGISTER\r\n".into(),
            404,
        ),
        (
            "sip:acme.test",
            format!("{ok_headers}Require: path, gruu\r\n"),
            420,
        ),
        (
            "sip:acme.test",
            format!("{ok_headers}Authorization: Digest realm=\"acme.test\"\r\n"),
            400,
        ),
        (
            "sip:acme.test",
            format!("{ok_headers}Authorization: Basic Zm9vOmJhcg==\r\n"),
            401,
        ),
    ];
    for (ruri, extra, code) in cases {
        let r = response(board.handle(&base(ruri, &extra), source));
        assert_eq!(r.status(), code, "{ruri} {extra:?}: {}", r.reason());
        if code == 420 {
            assert_eq!(r.headers().get("Unsupported"), Some("path, gruu"));
        }
    }
    // The digest uri must be the Request-URI.
    let mut phone = Phone::new("1001", "acme.test", "alpha-pw");
    let first = response(board.handle(&phone.request(""), phone.source));
    phone.take_challenge(&first);
    phone.request_uri = "sip:acme.test;transport=tcp".into();
    let mut other = phone.request("");
    let authorization = other.headers().get("Authorization").unwrap().to_owned();
    other
        .headers_mut()
        .set(
            "Authorization",
            &authorization.replace(
                "uri=\"sip:acme.test;transport=tcp\"",
                "uri=\"sip:elsewhere.test\"",
            ),
        )
        .unwrap();
    let r = response(board.handle(&other, phone.source));
    assert_eq!(r.status(), 400, "{}", r.reason());
}

#[test]
fn hostile_header_values_never_panic() {
    let board = Switchboard::new();
    let mut phone = Phone::new("1001", "acme.test", "alpha-pw");
    assert_eq!(phone.register(&board, "").status(), 200);
    let nasty = [
        "Contact: <sip:a@h>;expires=99999999999999999999\r\n",
        "Contact: <sip:a@h>;q=\r\n",
        "Contact: <sip:a@h>;expires\r\n",
        "Contact: ,,,\r\n",
        "Contact: \"unterminated <sip:a@h>\r\n",
        "Expires: -1\r\nContact: <sip:a@h>\r\n",
        "Expires: 4294967296\r\nContact: <sip:a@h>\r\n",
        "User-Agent: \u{7f}\u{1}é\r\nContact: <sip:a@h>\r\n",
        "Contact: <sip:%00@h>\r\n",
        "Authorization: Digest username=\"1001\", realm=\"acme.test\", nonce=\"zz\", uri=\"sip:acme.test\", response=\"00\", qop=auth, nc=zz, cnonce=\"c\"\r\n",
        "Authorization: \r\n",
    ];
    for extra in nasty {
        let request = phone.request(extra);
        match board.handle(&request, phone.source) {
            RegisterOutcome::Respond(r) => assert!(r.status() >= 200, "{extra:?}"),
            RegisterOutcome::Drop => {}
        }
    }
}

#[test]
fn deferred_registers_are_committed_together_then_answered() {
    use super::{Deferred, PendingRegister};
    let board = Switchboard::new();
    let defer = |request: &Request, source: SocketAddr| {
        board.registrar.handle_deferred(
            &board.store,
            &board.bans,
            request,
            source,
            "udp",
            board.now(),
            board.m0,
        )
    };
    let mut a = Phone::new("1001", "acme.test", "alpha-pw");
    let mut b = Phone::new("1002", "acme.test", "second-pw");
    b.source = "192.0.2.11:5062".parse().unwrap();
    let mut pending: Vec<PendingRegister> = Vec::new();
    for phone in [&mut a, &mut b] {
        let contact = format!("Contact: {}\r\n", phone.contact());
        // Nothing to write: answered at once.
        let challenge = match defer(&phone.request(&contact), phone.source) {
            Deferred::Done(outcome) => response(outcome),
            Deferred::Pending(_) => panic!("a challenge is not deferred"),
        };
        phone.take_challenge(&challenge);
        match defer(&phone.request(&contact), phone.source) {
            Deferred::Pending(p) => pending.push(*p),
            Deferred::Done(outcome) => panic!("{:?}", response(outcome).reason()),
        }
    }
    // The same Call-ID and CSeq again, freshly authenticated: out of order
    // once the first is applied, in the same batch.
    a.cseq -= 1;
    let contact = format!("Contact: {}\r\n", a.contact());
    match defer(&a.request(&contact), a.source) {
        Deferred::Pending(p) => pending.push(*p),
        Deferred::Done(outcome) => panic!("{:?}", response(outcome).reason()),
    }
    assert!(board.bindings("1001", "acme.test").is_empty(), "not yet");
    let answers: Vec<Response> = board
        .registrar
        .complete(&board.store, &pending)
        .into_iter()
        .map(response)
        .collect();
    let statuses: Vec<u16> = answers.iter().map(Response::status).collect();
    assert_eq!(statuses, [200, 200, 500]);
    assert_eq!(
        header_values(&answers[1], "Contact"),
        ["<sip:1002@192.0.2.11:5062;transport=udp>;expires=3600"]
    );
    assert!(answers[2].reason().starts_with("Out of order"));
    assert_eq!(board.bindings("1001", "acme.test").len(), 1);
    assert_eq!(board.bindings("1002", "acme.test").len(), 1);
    let stored = contacts_of(&board.store, "1001", "acme.test", board.now()).unwrap();
    assert_eq!(stored[0].cseq, 2);
    assert!(board.registrar.complete(&board.store, &[]).is_empty());
}
