//! The typed view of an `Authorization` / `Proxy-Authorization` value.

use std::fmt;

use super::algorithm::Algorithm;
use super::params::{AuthParam, DigestParams, ParseError, snippet};

/// `Digest` credentials (RFC 7616 §3.4, RFC 3261 §22.4).
///
/// Parsing checks the syntax and the presence of what every credential
/// needs; whether the values are acceptable (algorithm, qop, realm, URI,
/// response) is the server's business ([`NonceManager::verify`]).
///
/// [`NonceManager::verify`]: super::NonceManager::verify
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    /// `username`.
    pub username: String,
    /// `realm`.
    pub realm: String,
    /// `nonce`, as received in the challenge.
    pub nonce: String,
    /// `uri`: the digest-uri, a copy of the Request-URI.
    pub uri: String,
    /// `response`: the hex digest proving knowledge of the password.
    pub response: String,
    /// `algorithm` as written; absent means MD5.
    pub algorithm: Option<String>,
    /// `cnonce`; present whenever `qop` is.
    pub cnonce: Option<String>,
    /// `opaque`, echoed from the challenge.
    pub opaque: Option<String>,
    /// `qop` as written (`auth`, `auth-int`, …); absent for RFC 2069 UAs.
    pub qop: Option<String>,
    /// `nc` as written: exactly 8 hex digits; present whenever `qop` is.
    /// Keep the text: the response is computed over it verbatim.
    pub nc: Option<String>,
    /// Other parameters, kept in order.
    pub extra: Vec<AuthParam>,
}

/// Parameters that `Credentials` stores in its own fields.
const KNOWN: [&str; 10] = [
    "username",
    "realm",
    "nonce",
    "uri",
    "response",
    "algorithm",
    "cnonce",
    "opaque",
    "qop",
    "nc",
];

impl Credentials {
    /// Parses an `Authorization` / `Proxy-Authorization` header value.
    ///
    /// Requires `username`, `realm`, `nonce`, `uri` and `response`; when
    /// `qop` is present also `cnonce` and `nc`; `nc` must be exactly 8 hex
    /// digits (it is hexadecimal: `0000010a` is 266). `userhash=true`
    /// (RFC 7616 §3.4.4) is refused: we never offer it.
    pub fn parse(value: &str) -> Result<Credentials, ParseError> {
        let params = DigestParams::parse(value)?;
        let required = |name: &'static str| {
            params
                .get(name)
                .map(str::to_owned)
                .ok_or(ParseError::Missing { name })
        };
        let optional = |name: &str| params.get(name).map(str::to_owned);
        let creds = Credentials {
            username: required("username")?,
            realm: required("realm")?,
            nonce: required("nonce")?,
            uri: required("uri")?,
            response: required("response")?,
            algorithm: optional("algorithm"),
            cnonce: optional("cnonce"),
            opaque: optional("opaque"),
            qop: optional("qop"),
            nc: optional("nc"),
            extra: params
                .iter()
                .filter(|p| !KNOWN.iter().any(|k| k.eq_ignore_ascii_case(&p.name)))
                .cloned()
                .collect(),
        };
        if let Some(nc) = &creds.nc {
            parse_nc(nc)?;
        }
        if creds.qop.is_some() {
            if creds.cnonce.is_none() {
                return Err(ParseError::Missing { name: "cnonce" });
            }
            if creds.nc.is_none() {
                return Err(ParseError::Missing { name: "nc" });
            }
        }
        if params
            .get("userhash")
            .is_some_and(|v| v.eq_ignore_ascii_case("true"))
        {
            return Err(ParseError::InvalidValue {
                name: "userhash",
                value: snippet("true"),
                expected: "false (userhash is not supported)",
            });
        }
        Ok(creds)
    }

    /// The algorithm: `Some` for MD5 (also when absent) and SHA-256, `None`
    /// for anything else.
    pub fn algorithm(&self) -> Option<Algorithm> {
        match &self.algorithm {
            None => Some(Algorithm::Md5),
            Some(name) => Algorithm::from_name(name),
        }
    }

    /// The nonce count as a number, when `nc` is present.
    pub fn nc_value(&self) -> Option<u32> {
        self.nc.as_deref().and_then(|nc| parse_nc(nc).ok())
    }

    /// The credentials as an ordered parameter list.
    pub fn to_params(&self) -> DigestParams {
        let mut p = DigestParams::new();
        p.push(AuthParam::quoted("username", &self.username));
        p.push(AuthParam::quoted("realm", &self.realm));
        p.push(AuthParam::quoted("nonce", &self.nonce));
        p.push(AuthParam::quoted("uri", &self.uri));
        p.push(AuthParam::quoted("response", &self.response));
        if let Some(a) = &self.algorithm {
            p.push(AuthParam::token("algorithm", a));
        }
        if let Some(c) = &self.cnonce {
            p.push(AuthParam::quoted("cnonce", c));
        }
        if let Some(o) = &self.opaque {
            p.push(AuthParam::quoted("opaque", o));
        }
        if let Some(q) = &self.qop {
            p.push(AuthParam::token("qop", q));
        }
        if let Some(nc) = &self.nc {
            p.push(AuthParam::token("nc", nc));
        }
        for e in &self.extra {
            p.push(e.clone());
        }
        p
    }
}

impl fmt::Display for Credentials {
    /// Writes the header value: `Digest username="…", realm="…", …`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.to_params().fmt(f)
    }
}

/// Parses an `nc` value: exactly 8 hex digits, either case.
pub fn parse_nc(nc: &str) -> Result<u32, ParseError> {
    if nc.len() == 8 && nc.bytes().all(|b| b.is_ascii_hexdigit()) {
        u32::from_str_radix(nc, 16).map_err(|_| invalid_nc(nc))
    } else {
        Err(invalid_nc(nc))
    }
}

fn invalid_nc(nc: &str) -> ParseError {
    ParseError::InvalidValue {
        name: "nc",
        value: snippet(nc),
        expected: "8 hex digits",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The Authorization value of the RFC 4475 extra `x-digestnc.dat`.
    const X_DIGESTNC: &str = r#"Digest username="alice", realm="example.com", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", uri="sip:example.com", qop=auth, nc=0000010a, cnonce="0a4f113b", response="6629fae49393a05397450978507c4ef1", algorithm=MD5, opaque="5ccc069c403ebaf9f0171e9517f40e41""#;

    #[test]
    fn nc_is_hexadecimal() {
        let c = Credentials::parse(X_DIGESTNC).unwrap();
        assert_eq!(c.nc.as_deref(), Some("0000010a"));
        assert_eq!(c.nc_value(), Some(0x10a));
        assert_eq!(c.nc_value(), Some(266));
        assert_eq!(c.username, "alice");
        assert_eq!(c.uri, "sip:example.com");
        assert_eq!(c.qop.as_deref(), Some("auth"));
        assert_eq!(c.algorithm(), Some(Algorithm::Md5));
        assert_eq!(
            c.opaque.as_deref(),
            Some("5ccc069c403ebaf9f0171e9517f40e41")
        );
    }

    #[test]
    fn nc_forms() {
        assert_eq!(parse_nc("00000001"), Ok(1));
        assert_eq!(parse_nc("FFFFFFFF"), Ok(u32::MAX));
        assert_eq!(parse_nc("0000010A"), Ok(266));
        for bad in [
            "1",
            "0x10a",
            "000000010",
            "0000001g",
            "",
            "+0000001",
            "0000 001",
        ] {
            let e = parse_nc(bad).unwrap_err();
            assert!(e.to_string().contains("8 hex digits"), "{bad}: {e}");
        }
    }

    #[test]
    fn round_trip() {
        let c = Credentials::parse(X_DIGESTNC).unwrap();
        let again = Credentials::parse(&c.to_string()).unwrap();
        assert_eq!(c, again);
        let s = c.to_string();
        assert!(
            s.starts_with(r#"Digest username="alice", realm="example.com", nonce=""#),
            "{s}"
        );
        assert!(s.contains(", qop=auth, nc=0000010a"), "{s}");
    }

    #[test]
    fn missing_and_invalid() {
        let e = |v: &str| Credentials::parse(v).unwrap_err().to_string();
        assert_eq!(
            e(r#"Digest realm="r", nonce="n", uri="u", response="x""#),
            "missing parameter \"username\""
        );
        assert_eq!(
            e(
                r#"Digest username="a", realm="r", nonce="n", uri="u", response="x", qop=auth, nc=00000001"#
            ),
            "missing parameter \"cnonce\""
        );
        assert_eq!(
            e(
                r#"Digest username="a", realm="r", nonce="n", uri="u", response="x", qop=auth, cnonce="c""#
            ),
            "missing parameter \"nc\""
        );
        assert_eq!(
            e(r#"Digest username="a", realm="r", nonce="n", uri="u", response="x", nc=266"#),
            "invalid nc \"266\": expected 8 hex digits"
        );
        assert!(
            e(r#"Digest username="a", realm="r", nonce="n", uri="u", response="x", userhash=TRUE"#)
                .contains("userhash")
        );
    }

    #[test]
    fn rfc2069_style_and_extras() {
        let c = Credentials::parse(
            r#"Digest username="Mufasa", realm="testrealm@host.com", nonce="n", uri="/dir/index.html", response="e966c932a9242554e42c8ee200cec7f6", x-extra="1", userhash=false"#,
        )
        .unwrap();
        assert_eq!(c.qop, None);
        assert_eq!(c.nc, None);
        assert_eq!(c.algorithm, None);
        assert_eq!(c.algorithm(), Some(Algorithm::Md5));
        assert_eq!(c.extra.len(), 2);
        assert_eq!(c.extra[0].name, "x-extra");
    }

    #[test]
    fn quoted_tokens_accepted() {
        let c = Credentials::parse(
            r#"Digest username="a", realm="r", nonce="n", uri="u", response="x", qop="auth", nc="00000002", cnonce="c", algorithm="sha-256""#,
        )
        .unwrap();
        assert_eq!(c.qop.as_deref(), Some("auth"));
        assert_eq!(c.nc_value(), Some(2));
        assert_eq!(c.algorithm(), Some(Algorithm::Sha256));
        let c = Credentials::parse(
            r#"Digest username="a", realm="r", nonce="n", uri="u", response="x", algorithm=MD5-sess"#,
        )
        .unwrap();
        assert_eq!(c.algorithm(), None);
    }
}
