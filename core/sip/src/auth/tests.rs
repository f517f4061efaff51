//! Server and client together, on virtual time; published vectors; and a
//! fuzz-style sweep of mutated inputs.

use std::time::{Duration, SystemTime};

use super::*;

const REALM: &str = "acme.test";
const URI: &str = "sip:acme.test";
const T0: u64 = 1_700_000_000;

fn at(secs: u64) -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(secs)
}

fn server() -> NonceManager {
    NonceManager::with_key([1; KEY_LEN], ServerConfig::default())
}

/// The directory: users 1001 (password "secret") and 1002 ("other"),
/// stored as HA1 per algorithm only.
fn lookup(user: &str, realm: &str, alg: Algorithm) -> Option<String> {
    let pw = match user {
        "1001" => "secret",
        "1002" => "other",
        _ => return None,
    };
    (realm == REALM).then(|| ha1(alg, user, realm, pw))
}

fn ok(alg: Algorithm) -> Outcome {
    Outcome::Ok {
        username: "1001".into(),
        realm: REALM.into(),
        algorithm: alg,
    }
}

fn cnonces() -> RandomCnonce {
    RandomCnonce::from_seed([9; KEY_LEN])
}

/// A client answering the server's latest challenge, restricted to `alg`.
fn client_for(s: &NonceManager, now: SystemTime, alg: Algorithm, password: &str) -> DigestClient {
    let ch = s.challenge(now, REALM, &[alg], false);
    let mut c = DigestClient::new("1001", password);
    assert!(c.on_challenge(ch.iter().map(String::as_str)).is_ok());
    c
}

fn verify(s: &mut NonceManager, now: SystemTime, auth: &str) -> Outcome {
    s.verify(now, auth, "REGISTER", URI, REALM, lookup)
}

#[test]
fn challenge_offers_sha256_first_then_md5() {
    let s = server();
    let ch = s.challenge(at(T0), REALM, &[], false);
    assert_eq!(ch.len(), 2);
    let a = Challenge::parse(&ch[0]).unwrap();
    let b = Challenge::parse(&ch[1]).unwrap();
    assert_eq!(a.algorithm(), Some(Algorithm::Sha256));
    assert_eq!(b.algorithm(), Some(Algorithm::Md5));
    assert_eq!(a.nonce, b.nonce);
    assert_eq!(a.qop, ["auth"]);
    assert!(!a.stale);
    assert!(ch[1].contains("algorithm=MD5"), "{}", ch[1]);
    // The order asked for is kept (for UAs that only read the first).
    let ch = s.challenge(at(T0), REALM, &[Algorithm::Md5, Algorithm::Sha256], true);
    assert!(ch[0].contains("MD5") && ch[1].contains("SHA-256"));
    assert!(ch.iter().all(|c| c.contains("stale=true")));
    let only = s.challenge(at(T0), REALM, &[Algorithm::Md5], false);
    assert_eq!(only.len(), 1);
    // Every challenge gets a new nonce.
    let n1 = Challenge::parse(&s.challenge(at(T0), REALM, &[], false)[0])
        .unwrap()
        .nonce;
    let n2 = Challenge::parse(&s.challenge(at(T0), REALM, &[], false)[0])
        .unwrap()
        .nonce;
    assert_ne!(n1, n2);
}

#[test]
fn both_algorithms_round_trip() {
    for alg in Algorithm::STRONGEST_FIRST {
        let mut s = server();
        let mut c = client_for(&s, at(T0), alg, "secret");
        let auth = c.authorize("REGISTER", URI, &mut cnonces()).unwrap();
        assert!(
            auth.contains(&format!("algorithm={}", alg.name())),
            "{auth}"
        );
        assert!(auth.contains("qop=auth, nc=00000001"), "{auth}");
        assert_eq!(verify(&mut s, at(T0 + 1), &auth), ok(alg));
    }
}

#[test]
fn client_prefers_sha256_whatever_the_order() {
    let s = server();
    let mut ch = s.challenge(at(T0), REALM, &[], false);
    ch.reverse();
    let mut c = DigestClient::new("1001", "secret");
    assert_eq!(
        c.on_challenge(ch.iter().map(String::as_str))
            .unwrap()
            .algorithm(),
        Some(Algorithm::Sha256)
    );
    // Both challenges folded into one header value.
    let joined = ch.join(", ");
    let mut c = DigestClient::new("1001", "secret");
    assert_eq!(
        c.on_challenge([joined.as_str()]).unwrap().algorithm(),
        Some(Algorithm::Sha256)
    );
}

#[test]
fn wrong_password_unknown_user_wrong_realm() {
    let mut s = server();
    for alg in Algorithm::STRONGEST_FIRST {
        let mut c = client_for(&s, at(T0), alg, "wrong");
        let auth = c.authorize("REGISTER", URI, &mut cnonces()).unwrap();
        assert_eq!(
            verify(&mut s, at(T0), &auth),
            Outcome::BadResponse {
                username: "1001".into()
            }
        );
    }
    let ch = s.challenge(at(T0), REALM, &[], false);
    let mut c = DigestClient::new("9999", "x");
    c.on_challenge(ch.iter().map(String::as_str)).unwrap();
    let auth = c.authorize("REGISTER", URI, &mut cnonces()).unwrap();
    assert_eq!(
        verify(&mut s, at(T0), &auth),
        Outcome::UnknownUser {
            username: "9999".into()
        }
    );

    let ch = s.challenge(at(T0), "other.test", &[], false);
    let mut c = DigestClient::new("1001", "secret");
    c.on_challenge(ch.iter().map(String::as_str)).unwrap();
    let auth = c.authorize("REGISTER", URI, &mut cnonces()).unwrap();
    assert_eq!(
        verify(&mut s, at(T0), &auth),
        Outcome::WrongRealm {
            realm: "\"other.test\"".into()
        }
    );
}

#[test]
fn wrong_method_is_a_bad_response() {
    let mut s = server();
    let mut c = client_for(&s, at(T0), Algorithm::Sha256, "secret");
    let auth = c.authorize("INVITE", URI, &mut cnonces()).unwrap();
    assert_eq!(
        verify(&mut s, at(T0), &auth),
        Outcome::BadResponse {
            username: "1001".into()
        }
    );
}

#[test]
fn nonce_expiry_gives_stale_then_recovers() {
    let mut s = NonceManager::with_key(
        [1; KEY_LEN],
        ServerConfig {
            nonce_lifetime: Duration::from_secs(60),
            ..ServerConfig::default()
        },
    );
    let mut c = client_for(&s, at(T0), Algorithm::Sha256, "secret");
    let mut cn = cnonces();
    let a1 = c.authorize("REGISTER", URI, &mut cn).unwrap();
    assert_eq!(verify(&mut s, at(T0 + 59), &a1), ok(Algorithm::Sha256));
    let a2 = c.authorize("REGISTER", URI, &mut cn).unwrap();
    assert_eq!(verify(&mut s, at(T0 + 60), &a2), Outcome::Stale);

    // The server re-challenges with stale=true; the client retries silently.
    let ch = s.challenge(at(T0 + 60), REALM, &[], true);
    assert!(ch[0].contains("stale=true"));
    c.on_challenge(ch.iter().map(String::as_str)).unwrap();
    let a3 = c.authorize("REGISTER", URI, &mut cn).unwrap();
    assert!(a3.contains("nc=00000001"), "{a3}");
    assert_eq!(verify(&mut s, at(T0 + 61), &a3), ok(Algorithm::Sha256));

    // An expired nonce with a wrong password is a bad response, not stale.
    let mut bad = client_for(&s, at(T0), Algorithm::Md5, "wrong");
    let a4 = bad.authorize("REGISTER", URI, &mut cn).unwrap();
    assert_eq!(
        verify(&mut s, at(T0 + 1000), &a4),
        Outcome::BadResponse {
            username: "1001".into()
        }
    );
}

#[test]
fn foreign_nonce_with_right_password_is_stale() {
    // A nonce from before a restart (another key), or one we never issued.
    let old = NonceManager::with_key([2; KEY_LEN], ServerConfig::default());
    let mut s = server();
    let mut c = client_for(&old, at(T0), Algorithm::Md5, "secret");
    let auth = c.authorize("REGISTER", URI, &mut cnonces()).unwrap();
    assert_eq!(verify(&mut s, at(T0), &auth), Outcome::Stale);
    // The RFC 4475 x-digestnc credentials: an arbitrary nonce, wrong user.
    let x = r#"Digest username="alice", realm="acme.test", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", uri="sip:acme.test", qop=auth, nc=0000010a, cnonce="0a4f113b", response="6629fae49393a05397450978507c4ef1", algorithm=MD5"#;
    assert_eq!(
        verify(&mut s, at(T0), x),
        Outcome::UnknownUser {
            username: "alice".into()
        }
    );
}

#[test]
fn nc_replay_is_rejected_and_nc_must_increase() {
    let mut s = server();
    let mut c = client_for(&s, at(T0), Algorithm::Sha256, "secret");
    let mut cn = cnonces();
    let a1 = c.authorize("REGISTER", URI, &mut cn).unwrap();
    assert_eq!(verify(&mut s, at(T0), &a1), ok(Algorithm::Sha256));
    assert_eq!(verify(&mut s, at(T0 + 1), &a1), Outcome::NonceReplay);
    let a2 = c.authorize("REGISTER", URI, &mut cn).unwrap();
    let a3 = c.authorize("REGISTER", URI, &mut cn).unwrap();
    assert!(a3.contains("nc=00000003"));
    assert_eq!(verify(&mut s, at(T0 + 2), &a3), ok(Algorithm::Sha256));
    // nc 2 arrives after nc 3: strictly increasing means it is refused.
    assert_eq!(verify(&mut s, at(T0 + 3), &a2), Outcome::NonceReplay);
    assert_eq!(s.tracked_nonces(), 1);
}

#[test]
fn hex_nc_reaches_the_tracker_as_hex() {
    // A UA jumping to nc=0000010a (266) then sending 00000100 (256):
    // read as decimal the second would look larger (100 > 10a is not even
    // a number); as hex it is smaller, so a replay.
    let mut s = server();
    let ch = Challenge::parse(&s.challenge(at(T0), REALM, &[Algorithm::Md5], false)[0]).unwrap();
    let make = |nc: &str| {
        let alg = Algorithm::Md5;
        let r = response(
            alg,
            &ha1(alg, "1001", REALM, "secret"),
            &ch.nonce,
            QopInput::Auth {
                nc,
                cnonce: "0a4f113b",
            },
            &ha2(alg, "REGISTER", URI),
        );
        format!(
            r#"Digest username="1001", realm="{REALM}", nonce="{}", uri="{URI}", qop=auth, nc={nc}, cnonce="0a4f113b", response="{r}", algorithm=MD5"#,
            ch.nonce
        )
    };
    assert_eq!(
        verify(&mut s, at(T0), &make("0000010a")),
        ok(Algorithm::Md5)
    );
    assert_eq!(
        verify(&mut s, at(T0), &make("00000100")),
        Outcome::NonceReplay
    );
    assert_eq!(
        verify(&mut s, at(T0), &make("0000010B")),
        ok(Algorithm::Md5)
    );
    assert_eq!(
        verify(&mut s, at(T0), &make("00000000")),
        Outcome::Malformed(ParseError::InvalidValue {
            name: "nc",
            value: "\"00000000\"".into(),
            expected: "8 hex digits counting from 00000001",
        })
    );
}

#[test]
fn replay_table_is_bounded_and_eviction_never_reopens_replay() {
    let mut s = NonceManager::with_key(
        [1; KEY_LEN],
        ServerConfig {
            max_tracked_nonces: 3,
            ..ServerConfig::default()
        },
    );
    let mut cn = cnonces();
    let mut first = Vec::new();
    for i in 0..10 {
        let mut c = client_for(&s, at(T0 + i), Algorithm::Md5, "secret");
        let a = c.authorize("REGISTER", URI, &mut cn).unwrap();
        assert_eq!(verify(&mut s, at(T0 + i), &a), ok(Algorithm::Md5));
        assert!(s.tracked_nonces() <= 3);
        first.push(a);
    }
    assert_eq!(s.tracked_nonces(), 3);
    // Evicted nonces: the replay is answered stale, never accepted.
    for a in &first[..7] {
        assert_eq!(verify(&mut s, at(T0 + 10), a), Outcome::Stale);
    }
    for a in &first[7..] {
        assert_eq!(verify(&mut s, at(T0 + 10), a), Outcome::NonceReplay);
    }
    // Entries of expired nonces are swept as time passes.
    let mut c = client_for(&s, at(T0 + 1000), Algorithm::Md5, "secret");
    let a = c.authorize("REGISTER", URI, &mut cn).unwrap();
    assert_eq!(verify(&mut s, at(T0 + 1000), &a), ok(Algorithm::Md5));
    assert_eq!(s.tracked_nonces(), 1);
}

#[test]
fn clock_stepping_back_cannot_revive_swept_nonces() {
    let mut s = NonceManager::with_key(
        [1; KEY_LEN],
        ServerConfig {
            nonce_lifetime: Duration::from_secs(60),
            ..ServerConfig::default()
        },
    );
    let mut cn = cnonces();
    let mut c = client_for(&s, at(T0), Algorithm::Md5, "secret");
    let a = c.authorize("REGISTER", URI, &mut cn).unwrap();
    assert_eq!(verify(&mut s, at(T0), &a), ok(Algorithm::Md5));
    let mut other = client_for(&s, at(T0 + 100), Algorithm::Md5, "secret");
    let b = other.authorize("REGISTER", URI, &mut cn).unwrap();
    assert_eq!(verify(&mut s, at(T0 + 100), &b), ok(Algorithm::Md5));
    // The clock goes back to T0 + 1: the first nonce stays expired.
    assert_eq!(verify(&mut s, at(T0 + 1), &a), Outcome::Stale);
}

#[test]
fn rfc2069_credentials_without_qop() {
    let mut s = server();
    let ch = Challenge::parse(&s.challenge(at(T0), REALM, &[Algorithm::Md5], false)[0]).unwrap();
    let alg = Algorithm::Md5;
    let r = response(
        alg,
        &ha1(alg, "1001", REALM, "secret"),
        &ch.nonce,
        QopInput::None,
        &ha2(alg, "REGISTER", URI),
    );
    // No algorithm parameter either: MD5 is implied.
    let auth = format!(
        r#"Digest username="1001", realm="{REALM}", nonce="{}", uri="{URI}", response="{r}""#,
        ch.nonce
    );
    assert_eq!(verify(&mut s, at(T0), &auth), ok(Algorithm::Md5));
    // Accepted again within the nonce lifetime (RFC 2069 has no nc) …
    assert_eq!(verify(&mut s, at(T0 + 1), &auth), ok(Algorithm::Md5));
    assert_eq!(s.tracked_nonces(), 0);
    // … and refused when the configuration asks for qop.
    let mut strict = NonceManager::with_key(
        [1; KEY_LEN],
        ServerConfig {
            allow_no_qop: false,
            ..ServerConfig::default()
        },
    );
    assert_eq!(
        verify(&mut strict, at(T0), &auth),
        Outcome::UnsupportedQop { qop: String::new() }
    );
}

#[test]
fn client_answers_a_challenge_without_qop() {
    let mut s = server();
    let nonce = s.issue_nonce(at(T0));
    let ch = format!(r#"Digest realm="{REALM}", nonce="{nonce}""#);
    let mut c = DigestClient::new("1001", "secret");
    c.on_challenge([ch.as_str()]).unwrap();
    let auth = c.authorize("REGISTER", URI, &mut cnonces()).unwrap();
    assert!(
        !auth.contains("qop") && !auth.contains("cnonce") && !auth.contains("nc="),
        "{auth}"
    );
    assert!(auth.contains("algorithm=MD5"), "{auth}");
    assert_eq!(verify(&mut s, at(T0), &auth), ok(Algorithm::Md5));
}

#[test]
fn unsupported_algorithm_and_qop() {
    let mut s = server();
    let nonce = s.issue_nonce(at(T0));
    let base = format!(
        r#"Digest username="1001", realm="{REALM}", nonce="{nonce}", uri="{URI}", response="00""#
    );
    assert_eq!(
        verify(&mut s, at(T0), &format!("{base}, algorithm=MD5-sess")),
        Outcome::UnsupportedAlgorithm {
            algorithm: "\"MD5-sess\"".into()
        }
    );
    assert_eq!(
        verify(&mut s, at(T0), &format!("{base}, algorithm=SHA-512-256")),
        Outcome::UnsupportedAlgorithm {
            algorithm: "\"SHA-512-256\"".into()
        }
    );
    assert_eq!(
        verify(
            &mut s,
            at(T0),
            &format!(r#"{base}, qop=auth-int, nc=00000001, cnonce="c""#)
        ),
        Outcome::UnsupportedQop {
            qop: "\"auth-int\"".into()
        }
    );
}

#[test]
fn uri_must_match_the_request_uri() {
    let mut s = server();
    let mut c = client_for(&s, at(T0), Algorithm::Sha256, "secret");
    let mut cn = cnonces();
    let auth = c.authorize("REGISTER", "sip:other.test", &mut cn).unwrap();
    assert_eq!(
        s.verify(at(T0), &auth, "REGISTER", URI, REALM, lookup),
        Outcome::UriMismatch {
            uri: "\"sip:other.test\"".into()
        }
    );
    // Same resource written differently: scheme and host case, one-sided
    // transport parameter.
    let auth = c.authorize("REGISTER", "SIP:ACME.test", &mut cn).unwrap();
    assert_eq!(
        s.verify(
            at(T0),
            &auth,
            "REGISTER",
            "sip:acme.test;transport=tcp",
            REALM,
            lookup
        ),
        ok(Algorithm::Sha256)
    );
    // With the check off, a proxy may have rewritten the Request-URI.
    let mut lax = NonceManager::with_key(
        [1; KEY_LEN],
        ServerConfig {
            check_uri: false,
            ..ServerConfig::default()
        },
    );
    let auth = c.authorize("REGISTER", "sip:other.test", &mut cn).unwrap();
    assert_eq!(
        lax.verify(at(T0), &auth, "REGISTER", "sip:10.0.0.1", REALM, lookup),
        ok(Algorithm::Sha256)
    );
}

#[test]
fn malformed_and_other_schemes() {
    let mut s = server();
    assert_eq!(
        verify(&mut s, at(T0), ""),
        Outcome::Malformed(ParseError::Empty)
    );
    // RFC 4475 regaut01: an unknown scheme.
    assert!(matches!(
        verify(&mut s, at(T0), "NoOneKnowsThisScheme opaque-data=here"),
        Outcome::Malformed(ParseError::NotDigest { .. })
    ));
    let Outcome::Malformed(e) = verify(
        &mut s,
        at(T0),
        r#"Digest username="1001", realm="acme.test""#,
    ) else {
        panic!("expected Malformed");
    };
    assert_eq!(e.to_string(), "missing parameter \"nonce\"");
}

#[test]
fn client_nc_increments_and_new_nonce_restarts() {
    let s = server();
    let mut c = client_for(&s, at(T0), Algorithm::Sha256, "secret");
    let mut cn = cnonces();
    let a1 = Credentials::parse(&c.authorize("REGISTER", URI, &mut cn).unwrap()).unwrap();
    let a2 = Credentials::parse(&c.authorize("REGISTER", URI, &mut cn).unwrap()).unwrap();
    assert_eq!(a1.nc.as_deref(), Some("00000001"));
    assert_eq!(a2.nc.as_deref(), Some("00000002"));
    assert_ne!(a1.cnonce, a2.cnonce);
    assert_eq!(a1.nonce, a2.nonce);
    let ch = s.challenge(at(T0), REALM, &[], true);
    c.on_challenge(ch.iter().map(String::as_str)).unwrap();
    let a3 = Credentials::parse(&c.authorize("REGISTER", URI, &mut cn).unwrap()).unwrap();
    assert_eq!(a3.nc.as_deref(), Some("00000001"));
    assert_ne!(a3.nonce, a1.nonce);
}

#[test]
fn client_detects_rejection_and_errors() {
    let s = server();
    let ch = s.challenge(at(T0), REALM, &[], false);
    let mut c = DigestClient::new("1001", "wrong");
    let mut cn = cnonces();
    assert_eq!(
        c.authorize("REGISTER", URI, &mut cn),
        Err(ClientError::NoChallenge)
    );
    c.on_challenge(ch.iter().map(String::as_str)).unwrap();
    // The same challenge again before we answered: fine.
    c.on_challenge(ch.iter().map(String::as_str)).unwrap();
    c.authorize("REGISTER", URI, &mut cn).unwrap();
    // The same nonce again after we answered, not stale: refused.
    assert_eq!(
        c.on_challenge(ch.iter().map(String::as_str)).map(|_| ()),
        Err(ClientError::Rejected {
            realm: REALM.into()
        })
    );
    assert!(c.challenge().is_none());
    // Nothing usable.
    let e = select_challenge([r#"Digest realm="r", nonce="n", algorithm=SHA-512-256, qop="auth""#])
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "no supported digest challenge (offered: \"SHA-512-256/auth\")"
    );
    let e = select_challenge([r#"Digest realm="r", nonce="n", qop="auth-int""#]).unwrap_err();
    assert!(matches!(e, ClientError::NoUsableChallenge { .. }));
    assert!(matches!(
        select_challenge(["Digest realm"]),
        Err(ClientError::Parse(_))
    ));
    assert!(matches!(
        select_challenge(["Basic realm=\"x\""]),
        Err(ClientError::NoUsableChallenge { .. })
    ));
    // An unparsable value next to a good one is skipped.
    let good = ch[1].as_str();
    assert_eq!(
        select_challenge(["Digest realm", good]).map(|(_, a)| a),
        Ok(Algorithm::Md5)
    );
    // Control characters cannot be sent.
    let mut c = DigestClient::new("10\r\n01", "x");
    c.on_challenge(ch.iter().map(String::as_str)).unwrap();
    assert_eq!(
        c.authorize("REGISTER", URI, &mut cn),
        Err(ClientError::InvalidInput { field: "username" })
    );
    let mut bad_cnonce = || "a\nb".to_owned();
    let mut c = DigestClient::new("1001", "x");
    c.on_challenge(ch.iter().map(String::as_str)).unwrap();
    assert_eq!(
        c.authorize("REGISTER", URI, &mut bad_cnonce),
        Err(ClientError::InvalidInput { field: "cnonce" })
    );
    assert!(
        !format!("{c:?}").contains("\"x\""),
        "password must not be printed"
    );
}

#[test]
fn client_echoes_opaque_and_escapes_quotes() {
    let mut s = server();
    let nonce = s.issue_nonce(at(T0));
    let ch = format!(
        r#"Digest realm="{REALM}", nonce="{nonce}", opaque="op\"aque", qop="auth-int,auth", algorithm=sha-256"#
    );
    let mut c = DigestClient::new("10\"01", "secret");
    c.on_challenge([ch.as_str()]).unwrap();
    let mut fixed = || "c\"n".to_owned();
    let auth = c.authorize("REGISTER", URI, &mut fixed).unwrap();
    let creds = Credentials::parse(&auth).unwrap();
    assert_eq!(creds.opaque.as_deref(), Some("op\"aque"));
    assert_eq!(creds.username, "10\"01");
    assert_eq!(creds.cnonce.as_deref(), Some("c\"n"));
    let out = s.verify(at(T0), &auth, "REGISTER", URI, REALM, |u, r, a| {
        Some(ha1(a, u, r, "secret"))
    });
    assert_eq!(
        out,
        Outcome::Ok {
            username: "10\"01".into(),
            realm: REALM.into(),
            algorithm: Algorithm::Sha256
        }
    );
}

/// RFC 7616 §3.9.1 end to end: the published challenge answered by our
/// client with the published cnonce gives the published response, and our
/// server (URI check off: `/dir/index.html` is an HTTP path) accepts the
/// published Authorization on the SHA-256 and MD5 sides alike.
#[test]
fn rfc7616_published_example_end_to_end() {
    let nonce = "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v";
    let cnonce = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ";
    let opaque = "FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS";
    let realm = "http-auth@example.org";
    for (alg, want) in [
        (
            "SHA-256",
            "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1",
        ),
        ("MD5", "8ca523f5e9506fed4657c9700eebdbec"),
    ] {
        let ch = format!(
            r#"Digest realm="{realm}", qop="auth, auth-int", algorithm={alg}, nonce="{nonce}", opaque="{opaque}""#
        );
        let mut c = DigestClient::new("Mufasa", "Circle of Life");
        c.on_challenge([ch.as_str()]).unwrap();
        let mut cn = || cnonce.to_owned();
        let auth = c.authorize("GET", "/dir/index.html", &mut cn).unwrap();
        let creds = Credentials::parse(&auth).unwrap();
        assert_eq!(creds.response, want);

        let published = format!(
            r#"Digest username="Mufasa", realm="{realm}", uri="/dir/index.html", algorithm={alg}, nonce="{nonce}", nc=00000001, cnonce="{cnonce}", qop=auth, response="{want}", opaque="{opaque}""#
        );
        let mut s = NonceManager::with_key(
            [1; KEY_LEN],
            ServerConfig {
                check_uri: false,
                ..ServerConfig::default()
            },
        );
        let out = s.verify(
            at(T0),
            &published,
            "GET",
            "/dir/index.html",
            realm,
            |u, r, a| Some(ha1(a, u, r, "Circle of Life")),
        );
        // The password is right but the nonce is not ours: stale.
        assert_eq!(out, Outcome::Stale, "{alg}");
    }
}

/// RFC 2617 §3.5 through the credentials parser and the hash functions.
#[test]
fn rfc2617_published_example() {
    let v = r#"Digest username="Mufasa", realm="testrealm@host.com", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", uri="/dir/index.html", qop=auth, nc=00000001, cnonce="0a4f113b", response="6629fae49393a05397450978507c4ef1", opaque="5ccc069c403ebaf9f0171e9517f40e41""#;
    let c = Credentials::parse(v).unwrap();
    let alg = c.algorithm().unwrap();
    let r = response(
        alg,
        &ha1(alg, &c.username, &c.realm, "Circle Of Life"),
        &c.nonce,
        QopInput::Auth {
            nc: c.nc.as_deref().unwrap_or(""),
            cnonce: c.cnonce.as_deref().unwrap_or(""),
        },
        &ha2(alg, "GET", &c.uri),
    );
    assert_eq!(r, c.response);
}

/// A small deterministic PRNG (xorshift64*) for the mutation sweep.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % u64::try_from(n.max(1)).unwrap_or(1)).unwrap_or(0)
    }
}

/// Mutates `seed` by deleting, duplicating, inserting interesting bytes,
/// truncating and splicing, keeping the result valid UTF-8.
fn mutate(rng: &mut Rng, seed: &str) -> String {
    const PIECES: [&str; 24] = [
        "\"",
        "\\",
        ",",
        "=",
        " ",
        "\t",
        "\r\n",
        "\0",
        "\u{7f}",
        "é",
        "🦀",
        ",,",
        "\\\"",
        "Digest ",
        "nc=",
        "00000001",
        "qop=auth",
        "realm=",
        "\"\"",
        "=\"",
        "algorithm=SHA-256",
        "\u{1}",
        ";",
        "x",
    ];
    let mut chars: Vec<char> = seed.chars().collect();
    for _ in 0..=rng.below(4) {
        let len = chars.len();
        match rng.below(6) {
            0 if len > 0 => {
                let i = rng.below(len);
                let n = rng.below(len - i + 1);
                chars.drain(i..i + n);
            }
            1 => {
                let i = rng.below(len + 1);
                let p = PIECES[rng.below(PIECES.len())];
                for (k, ch) in p.chars().enumerate() {
                    chars.insert(i + k, ch);
                }
            }
            2 if len > 0 => {
                let i = rng.below(len);
                let ch = chars[i];
                chars.insert(i, ch);
            }
            3 => chars.truncate(rng.below(len + 1)),
            4 if len > 0 => {
                let i = rng.below(len);
                chars[i] = char::from(u8::try_from(rng.below(128)).unwrap_or(b'x'));
            }
            _ => {
                let i = rng.below(len + 1);
                let j = rng.below(len + 1);
                let (a, b) = (i.min(j), i.max(j));
                let copy: Vec<char> = chars[a..b].to_vec();
                chars.splice(a..a, copy);
            }
        }
    }
    chars.into_iter().collect()
}

/// No input panics any entry point; whatever parses re-parses identically
/// after formatting; error messages stay on one line.
#[test]
fn fuzz_mutated_inputs_never_panic() {
    let mut s = server();
    let good_ch = s.challenge(at(T0), REALM, &[], false);
    let mut c = client_for(&s, at(T0), Algorithm::Sha256, "secret");
    let good_auth = c.authorize("REGISTER", URI, &mut cnonces()).unwrap();
    let seeds = [
        good_auth.as_str(),
        good_ch[0].as_str(),
        good_ch[1].as_str(),
        r#"Digest username="alice", realm="example.com", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", uri="sip:example.com", qop=auth, nc=0000010a, cnonce="0a4f113b", response="6629fae49393a05397450978507c4ef1", algorithm=MD5, opaque="5ccc069c403ebaf9f0171e9517f40e41""#,
        r#"Digest realm="a", nonce="1", Basic realm="b", Digest realm="c", nonce="2", stale=TRUE"#,
        "NoOneKnowsThisScheme opaque-data=here",
        r#"Digest a="\\\"", b=c,,d="é""#,
    ];
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut parsed = 0usize;
    let iterations = 20_000;
    for i in 0..iterations {
        let input = mutate(&mut rng, seeds[i % seeds.len()]);
        match DigestParams::parse(&input) {
            Ok(p) => {
                parsed += 1;
                let again = DigestParams::parse(&p.to_string())
                    .unwrap_or_else(|e| panic!("{input:?} formatted as {:?}: {e}", p.to_string()));
                assert_eq!(again, p, "round trip of {input:?}");
            }
            Err(e) => {
                let msg = e.to_string();
                assert!(!msg.contains(['\r', '\n', '\0']), "{input:?}: {msg:?}");
            }
        }
        if let Ok(c) = Credentials::parse(&input) {
            assert_eq!(
                Credentials::parse(&c.to_string()).as_ref(),
                Ok(&c),
                "{input:?}"
            );
        }
        if let Ok(ch) = Challenge::parse(&input) {
            assert_eq!(
                Challenge::parse(&ch.to_string()).as_ref(),
                Ok(&ch),
                "{input:?}"
            );
        }
        let _ = Challenge::parse_list(&input);
        let out = s.verify(
            at(T0 + (i as u64 % 400)),
            &input,
            "REGISTER",
            URI,
            REALM,
            lookup,
        );
        if let Outcome::Malformed(e) = &out {
            assert!(!e.to_string().contains(['\r', '\n']), "{input:?}");
        }
        let _ = uri_matches(&input, URI);
        let _ = uri_matches(&input, &input);
        let mut client = DigestClient::new("1001", "secret");
        if client.on_challenge([input.as_str()]).is_ok() {
            let auth = client.authorize("REGISTER", URI, &mut cnonces()).unwrap();
            assert!(Credentials::parse(&auth).is_ok(), "{auth:?}");
        }
    }
    // The sweep must exercise the accepting paths too, not only errors.
    assert!(
        parsed > iterations / 10,
        "only {parsed} of {iterations} parsed"
    );
}

#[test]
fn shareable_between_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<NonceManager>();
    assert_send_sync::<DigestClient>();
    assert_send_sync::<Outcome>();
    assert_send_sync::<ParseError>();
}

#[test]
fn challenges_follow_the_configured_order() {
    let manager = NonceManager::with_key([1; KEY_LEN], ServerConfig::default());
    let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
    let md5_first = manager.challenge(
        now,
        "acme.test",
        &[Algorithm::Md5, Algorithm::Sha256, Algorithm::Md5],
        false,
    );
    assert_eq!(md5_first.len(), 2);
    assert!(md5_first[0].contains("algorithm=MD5"), "{md5_first:?}");
    assert!(md5_first[1].contains("algorithm=SHA-256"), "{md5_first:?}");
    let default = manager.challenge(now, "acme.test", &[], false);
    assert!(default[0].contains("algorithm=SHA-256"), "{default:?}");
}
