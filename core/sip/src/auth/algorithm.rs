//! Digest hash algorithms and the RFC 7616 §3.4 computations (`H`, `KD`,
//! HA1, HA2 and `response`).

use std::fmt;

use md5::Md5;
use sha2::{Digest, Sha256};

/// A digest algorithm this module supports.
///
/// The `-sess` variants and `SHA-512-256` are deliberately not supported:
/// a credential naming them is answered with
/// [`Outcome::UnsupportedAlgorithm`](super::Outcome::UnsupportedAlgorithm),
/// and a client ignores challenges offering them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Algorithm {
    /// `MD5` (RFC 2617), the default when a challenge or credential names
    /// no algorithm.
    Md5,
    /// `SHA-256` (RFC 7616, RFC 8760).
    Sha256,
}

impl Algorithm {
    /// Every supported algorithm, strongest first: the order in which a
    /// server offers challenges (RFC 8760: preferred first).
    pub const STRONGEST_FIRST: [Algorithm; 2] = [Algorithm::Sha256, Algorithm::Md5];

    /// Looks an `algorithm` parameter value up, case-insensitively
    /// (`md5`, `MD5`, `sha-256` …). Returns `None` for anything else,
    /// including `MD5-sess` and `SHA-256-sess`.
    pub fn from_name(name: &str) -> Option<Algorithm> {
        if name.eq_ignore_ascii_case("MD5") {
            Some(Algorithm::Md5)
        } else if name.eq_ignore_ascii_case("SHA-256") {
            Some(Algorithm::Sha256)
        } else {
            None
        }
    }

    /// The canonical token written in an `algorithm` parameter.
    pub fn name(self) -> &'static str {
        match self {
            Algorithm::Md5 => "MD5",
            Algorithm::Sha256 => "SHA-256",
        }
    }

    /// Relative strength, used by a client to pick the best challenge:
    /// higher is stronger.
    pub fn strength(self) -> u8 {
        match self {
            Algorithm::Md5 => 1,
            Algorithm::Sha256 => 2,
        }
    }

    /// Length in characters of a lowercase hex digest of this algorithm
    /// (32 for MD5, 64 for SHA-256).
    pub fn hex_len(self) -> usize {
        match self {
            Algorithm::Md5 => 32,
            Algorithm::Sha256 => 64,
        }
    }

    /// `H(data)`: the lowercase hex digest of the concatenation of `parts`.
    pub fn hash_hex(self, parts: &[&[u8]]) -> String {
        match self {
            Algorithm::Md5 => {
                let mut h = Md5::new();
                for p in parts {
                    h.update(p);
                }
                to_hex(&h.finalize())
            }
            Algorithm::Sha256 => {
                let mut h = Sha256::new();
                for p in parts {
                    h.update(p);
                }
                to_hex(&h.finalize())
            }
        }
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The `qop` and its companions for one `response` computation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QopInput<'a> {
    /// No `qop` (RFC 2069 compatibility): `response = KD(HA1, nonce:HA2)`.
    None,
    /// `qop=auth`: `response = KD(HA1, nonce:nc:cnonce:auth:HA2)`.
    Auth {
        /// The nonce count as sent: 8 hex digits.
        nc: &'a str,
        /// The client nonce.
        cnonce: &'a str,
    },
}

/// HA1 = `H(username:realm:password)` as lowercase hex (RFC 7616 §3.4.2).
///
/// This is what the directory stores instead of a password; MD5 and
/// SHA-256 give different values, so both are stored.
pub fn ha1(algorithm: Algorithm, username: &str, realm: &str, password: &str) -> String {
    algorithm.hash_hex(&[
        username.as_bytes(),
        b":",
        realm.as_bytes(),
        b":",
        password.as_bytes(),
    ])
}

/// HA2 = `H(method:digest-uri)` as lowercase hex, for `qop=auth` or no
/// `qop` (RFC 7616 §3.4.3).
pub fn ha2(algorithm: Algorithm, method: &str, digest_uri: &str) -> String {
    algorithm.hash_hex(&[method.as_bytes(), b":", digest_uri.as_bytes()])
}

/// The `response` value as lowercase hex (RFC 7616 §3.4.1; RFC 2069 when
/// `qop` is [`QopInput::None`]). `ha1` and `ha2` are the hex values from
/// [`ha1`] and [`ha2`].
pub fn response(
    algorithm: Algorithm,
    ha1: &str,
    nonce: &str,
    qop: QopInput<'_>,
    ha2: &str,
) -> String {
    match qop {
        QopInput::None => {
            algorithm.hash_hex(&[ha1.as_bytes(), b":", nonce.as_bytes(), b":", ha2.as_bytes()])
        }
        QopInput::Auth { nc, cnonce } => algorithm.hash_hex(&[
            ha1.as_bytes(),
            b":",
            nonce.as_bytes(),
            b":",
            nc.as_bytes(),
            b":",
            cnonce.as_bytes(),
            b":auth:",
            ha2.as_bytes(),
        ]),
    }
}

/// Lowercase hex encoding of `bytes`.
pub(crate) fn to_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    s
}

/// Compares two hex strings case-insensitively in time independent of
/// where they differ (lengths are not secret).
pub(crate) fn hex_eq_ct(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut diff = 0u8;
    for (x, y) in a.iter().zip(b) {
        diff |= x.to_ascii_lowercase() ^ y.to_ascii_lowercase();
    }
    diff == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_case_insensitive_and_sess_is_unsupported() {
        assert_eq!(Algorithm::from_name("md5"), Some(Algorithm::Md5));
        assert_eq!(Algorithm::from_name("Sha-256"), Some(Algorithm::Sha256));
        assert_eq!(Algorithm::from_name("MD5-sess"), None);
        assert_eq!(Algorithm::from_name("SHA-256-sess"), None);
        assert_eq!(Algorithm::from_name("SHA-512-256"), None);
        assert_eq!(Algorithm::from_name(""), None);
        assert_eq!(Algorithm::Sha256.to_string(), "SHA-256");
    }

    #[test]
    fn hash_lengths() {
        for alg in Algorithm::STRONGEST_FIRST {
            assert_eq!(alg.hash_hex(&[b"x"]).len(), alg.hex_len());
        }
        assert_eq!(
            Algorithm::Md5.hash_hex(&[b""]),
            "d41d8cd98f00b204e9800998ecf8427e"
        );
        assert_eq!(
            Algorithm::Sha256.hash_hex(&[b"abc"]),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    /// RFC 2617 §3.5: Mufasa, MD5, qop=auth.
    #[test]
    fn rfc2617_example() {
        let ha1 = ha1(
            Algorithm::Md5,
            "Mufasa",
            "testrealm@host.com",
            "Circle Of Life",
        );
        let ha2 = ha2(Algorithm::Md5, "GET", "/dir/index.html");
        let r = response(
            Algorithm::Md5,
            &ha1,
            "dcd98b7102dd2f0e8b11d0f600bfb0c093",
            QopInput::Auth {
                nc: "00000001",
                cnonce: "0a4f113b",
            },
            &ha2,
        );
        assert_eq!(r, "6629fae49393a05397450978507c4ef1");
    }

    /// RFC 7616 §3.9.1: the same request answered with MD5 and SHA-256.
    #[test]
    fn rfc7616_examples() {
        let nonce = "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v";
        let cnonce = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ";
        let qop = QopInput::Auth {
            nc: "00000001",
            cnonce,
        };
        let md5 = Algorithm::Md5;
        let r = response(
            md5,
            &ha1(md5, "Mufasa", "http-auth@example.org", "Circle of Life"),
            nonce,
            qop,
            &ha2(md5, "GET", "/dir/index.html"),
        );
        assert_eq!(r, "8ca523f5e9506fed4657c9700eebdbec");
        let sha = Algorithm::Sha256;
        let r = response(
            sha,
            &ha1(sha, "Mufasa", "http-auth@example.org", "Circle of Life"),
            nonce,
            qop,
            &ha2(sha, "GET", "/dir/index.html"),
        );
        assert_eq!(
            r,
            "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"
        );
    }

    /// RFC 2069 §2.4 style (no qop), checked against an independent
    /// computation of `MD5(HA1:nonce:HA2)`.
    #[test]
    fn no_qop_response() {
        let alg = Algorithm::Md5;
        let h1 = ha1(alg, "Mufasa", "testrealm@host.com", "CircleOfLife");
        assert_eq!(
            h1,
            alg.hash_hex(&[b"Mufasa:testrealm@host.com:CircleOfLife"])
        );
        let h2 = ha2(alg, "GET", "/dir/index.html");
        let nonce = "dcd98b7102dd2f0e8b11d0f600bfb0c093";
        let want = alg.hash_hex(&[format!("{h1}:{nonce}:{h2}").as_bytes()]);
        assert_eq!(response(alg, &h1, nonce, QopInput::None, &h2), want);
        assert_eq!(want, "1949323746fe6a43ef61f9606e7febea");
    }

    #[test]
    fn constant_time_compare() {
        assert!(hex_eq_ct("abcDEF", "ABCdef"));
        assert!(!hex_eq_ct("abc", "abd"));
        assert!(!hex_eq_ct("abc", "abcd"));
        assert!(hex_eq_ct("", ""));
    }
}
