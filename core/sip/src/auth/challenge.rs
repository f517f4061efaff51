//! The typed view of a `WWW-Authenticate` / `Proxy-Authenticate` value.

use std::fmt;

use super::algorithm::Algorithm;
use super::params::{AuthParam, DigestParams, ParseError};

/// A `Digest` challenge (RFC 7616 §3.3, RFC 3261 §22.4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge {
    /// `realm`.
    pub realm: String,
    /// `nonce`.
    pub nonce: String,
    /// `algorithm` as written; absent means MD5.
    pub algorithm: Option<String>,
    /// The `qop` options (`qop="auth,auth-int"` gives both); empty when the
    /// challenge has no `qop` (an RFC 2069 server).
    pub qop: Vec<String>,
    /// `stale=true`: the previous nonce was refused but the password was
    /// right; retry with the new nonce without asking the user again.
    pub stale: bool,
    /// `opaque`, to be echoed by the client.
    pub opaque: Option<String>,
    /// `domain` (a space-separated URI list), rarely used in SIP.
    pub domain: Option<String>,
    /// Other parameters, kept in order.
    pub extra: Vec<AuthParam>,
}

/// Parameters that `Challenge` stores in its own fields.
const KNOWN: [&str; 7] = [
    "realm",
    "nonce",
    "algorithm",
    "qop",
    "stale",
    "opaque",
    "domain",
];

impl Challenge {
    /// A challenge for `realm` and `nonce` with `algorithm` and `qop="auth"`.
    pub fn new(realm: &str, nonce: &str, algorithm: Algorithm, stale: bool) -> Challenge {
        Challenge {
            realm: realm.to_owned(),
            nonce: nonce.to_owned(),
            algorithm: Some(algorithm.name().to_owned()),
            qop: vec!["auth".to_owned()],
            stale,
            opaque: None,
            domain: None,
            extra: Vec::new(),
        }
    }

    /// Parses a header value holding one `Digest` challenge. `realm` and
    /// `nonce` are required; `stale` is true only when it says `true`
    /// (any case), as RFC 7616 §3.3 asks.
    pub fn parse(value: &str) -> Result<Challenge, ParseError> {
        Challenge::from_params(&DigestParams::parse(value)?)
    }

    /// Parses a header value that may hold several comma-separated
    /// challenges, returning the `Digest` ones (see
    /// [`DigestParams::parse_list`]).
    pub fn parse_list(value: &str) -> Result<Vec<Challenge>, ParseError> {
        DigestParams::parse_list(value)?
            .iter()
            .map(Challenge::from_params)
            .collect()
    }

    /// Builds the typed view of a parsed parameter list.
    pub fn from_params(params: &DigestParams) -> Result<Challenge, ParseError> {
        let required = |name: &'static str| {
            params
                .get(name)
                .map(str::to_owned)
                .ok_or(ParseError::Missing { name })
        };
        let optional = |name: &str| params.get(name).map(str::to_owned);
        Ok(Challenge {
            realm: required("realm")?,
            nonce: required("nonce")?,
            algorithm: optional("algorithm"),
            qop: params
                .get("qop")
                .map(|q| {
                    q.split(',')
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default(),
            stale: params
                .get("stale")
                .is_some_and(|s| s.eq_ignore_ascii_case("true")),
            opaque: optional("opaque"),
            domain: optional("domain"),
            extra: params
                .iter()
                .filter(|p| !KNOWN.iter().any(|k| k.eq_ignore_ascii_case(&p.name)))
                .cloned()
                .collect(),
        })
    }

    /// The algorithm: `Some` for MD5 (also when absent) and SHA-256, `None`
    /// for anything else.
    pub fn algorithm(&self) -> Option<Algorithm> {
        match &self.algorithm {
            None => Some(Algorithm::Md5),
            Some(name) => Algorithm::from_name(name),
        }
    }

    /// Whether `qop` offers `auth`.
    pub fn offers_qop_auth(&self) -> bool {
        self.qop.iter().any(|q| q.eq_ignore_ascii_case("auth"))
    }

    /// The challenge as an ordered parameter list.
    pub fn to_params(&self) -> DigestParams {
        let mut p = DigestParams::new();
        p.push(AuthParam::quoted("realm", &self.realm));
        if let Some(d) = &self.domain {
            p.push(AuthParam::quoted("domain", d));
        }
        p.push(AuthParam::quoted("nonce", &self.nonce));
        if let Some(o) = &self.opaque {
            p.push(AuthParam::quoted("opaque", o));
        }
        if self.stale {
            p.push(AuthParam::token("stale", "true"));
        }
        if let Some(a) = &self.algorithm {
            p.push(AuthParam::token("algorithm", a));
        }
        if !self.qop.is_empty() {
            p.push(AuthParam::quoted("qop", &self.qop.join(",")));
        }
        for e in &self.extra {
            p.push(e.clone());
        }
        p
    }
}

impl fmt::Display for Challenge {
    /// Writes the header value: `Digest realm="…", nonce="…", …`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.to_params().fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc7616_challenge() {
        // RFC 7616 §3.9.1, first challenge (line folding removed).
        let v = r#"Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=SHA-256, nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS""#;
        let c = Challenge::parse(v).unwrap();
        assert_eq!(c.realm, "http-auth@example.org");
        assert_eq!(c.qop, ["auth", "auth-int"]);
        assert!(c.offers_qop_auth());
        assert_eq!(c.algorithm(), Some(Algorithm::Sha256));
        assert!(!c.stale);
        assert_eq!(
            c.opaque.as_deref(),
            Some("FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS")
        );
        assert_eq!(Challenge::parse(&c.to_string()).unwrap(), c);
    }

    #[test]
    fn defaults_and_stale() {
        let c = Challenge::parse(r#"Digest realm="r", nonce="n", stale=TRUE"#).unwrap();
        assert!(c.stale);
        assert!(c.qop.is_empty());
        assert!(!c.offers_qop_auth());
        assert_eq!(c.algorithm(), Some(Algorithm::Md5));
        let c = Challenge::parse(r#"Digest realm="r", nonce="n", stale=yes"#).unwrap();
        assert!(!c.stale);
        assert_eq!(
            Challenge::parse(r#"Digest nonce="n""#)
                .unwrap_err()
                .to_string(),
            "missing parameter \"realm\""
        );
    }

    #[test]
    fn formatting() {
        let c = Challenge::new("acme.test", "abc", Algorithm::Sha256, true);
        assert_eq!(
            c.to_string(),
            r#"Digest realm="acme.test", nonce="abc", stale=true, algorithm=SHA-256, qop="auth""#
        );
        let c = Challenge::new("acme.test", "abc", Algorithm::Md5, false);
        assert_eq!(
            c.to_string(),
            r#"Digest realm="acme.test", nonce="abc", algorithm=MD5, qop="auth""#
        );
    }

    #[test]
    fn list() {
        let l = Challenge::parse_list(
            r#"Digest realm="r", nonce="1", algorithm=SHA-256, Digest realm="r", nonce="1", algorithm=MD5"#,
        )
        .unwrap();
        assert_eq!(l.len(), 2);
        assert_eq!(l[1].algorithm(), Some(Algorithm::Md5));
    }
}
