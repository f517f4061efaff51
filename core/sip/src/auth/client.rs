//! The client side: answering `401`/`407` challenges (outbound REGISTER and
//! INVITE to gateways, and tests).

use std::fmt;

use super::algorithm::{Algorithm, QopInput, ha1, ha2, response, to_hex};
use super::challenge::Challenge;
use super::credentials::Credentials;
use super::nonce::{KEY_LEN, hmac_sha256};
use super::params::ParseError;
use super::random::{RandomError, random_bytes};

/// Where client nonces (`cnonce`) come from.
pub trait CnonceSource {
    /// A new client nonce: unpredictable, and without `"` or control
    /// characters for readability (they would be escaped anyway).
    fn next_cnonce(&mut self) -> String;
}

impl<F: FnMut() -> String> CnonceSource for F {
    fn next_cnonce(&mut self) -> String {
        self()
    }
}

/// Client nonces derived from a random seed: 24 hex characters from
/// HMAC-SHA-256(seed, counter), so only the seed needs the operating
/// system's randomness.
pub struct RandomCnonce {
    seed: [u8; KEY_LEN],
    counter: u64,
}

impl fmt::Debug for RandomCnonce {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RandomCnonce")
            .field("counter", &self.counter)
            .finish_non_exhaustive()
    }
}

impl RandomCnonce {
    /// A source seeded from the operating system.
    pub fn new() -> Result<RandomCnonce, RandomError> {
        Ok(RandomCnonce::from_seed(random_bytes::<KEY_LEN>()?))
    }

    /// A source with a fixed seed (deterministic, for tests).
    pub fn from_seed(seed: [u8; KEY_LEN]) -> RandomCnonce {
        RandomCnonce { seed, counter: 0 }
    }
}

impl CnonceSource for RandomCnonce {
    fn next_cnonce(&mut self) -> String {
        self.counter = self.counter.wrapping_add(1);
        let mac = hmac_sha256(&self.seed, &[b"cnonce", &self.counter.to_be_bytes()]);
        to_hex(&mac[..12])
    }
}

/// Why a challenge could not be answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientError {
    /// No `Digest` challenge could be parsed; the first error is given.
    Parse(ParseError),
    /// Digest challenges were offered, but none with an algorithm we
    /// support (MD5, SHA-256) and a usable qop (`auth` or none).
    NoUsableChallenge {
        /// What was offered, e.g. `SHA-512-256/auth, MD5-sess/auth`.
        offered: String,
    },
    /// The server challenged again with the nonce we already answered and
    /// without `stale=true`: it refused our username or password. Stop
    /// retrying (sofia's "Failed Registration").
    Rejected {
        /// The realm that refused us.
        realm: String,
    },
    /// [`DigestClient::authorize`] was called before any challenge.
    NoChallenge,
    /// The nonce count reached `ffffffff`; wait for a new challenge.
    NonceCountExhausted,
    /// A field that goes into the header contains a control character.
    InvalidInput {
        /// Which field: `username`, `method`, `uri` or `cnonce`.
        field: &'static str,
    },
}

impl fmt::Display for ClientError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClientError::Parse(e) => write!(f, "unparsable challenge: {e}"),
            ClientError::NoUsableChallenge { offered } => {
                write!(f, "no supported digest challenge (offered: {offered})")
            }
            ClientError::Rejected { realm } => {
                write!(
                    f,
                    "credentials rejected by realm {}",
                    super::params::snippet(realm)
                )
            }
            ClientError::NoChallenge => f.write_str("no challenge to answer yet"),
            ClientError::NonceCountExhausted => f.write_str("nonce count exhausted"),
            ClientError::InvalidInput { field } => {
                write!(f, "control character in {field}")
            }
        }
    }
}

impl std::error::Error for ClientError {}

/// Picks the challenge to answer among header values (each may hold one
/// or several comma-separated challenges): the strongest supported
/// algorithm (SHA-256 over MD5), the first such in order on a tie; a
/// challenge must offer `qop=auth` or no `qop` at all. Values that do not
/// parse, and challenges of other schemes, are skipped.
pub fn select_challenge<'a, I>(values: I) -> Result<(Challenge, Algorithm), ClientError>
where
    I: IntoIterator<Item = &'a str>,
{
    let mut best: Option<(Challenge, Algorithm)> = None;
    let mut first_error = None;
    let mut offered = Vec::new();
    for value in values {
        let list = match Challenge::parse_list(value) {
            Ok(list) => list,
            Err(e) => {
                first_error.get_or_insert(e);
                continue;
            }
        };
        for c in list {
            let qop_ok = c.qop.is_empty() || c.offers_qop_auth();
            match c.algorithm() {
                Some(a) if qop_ok => {
                    if best
                        .as_ref()
                        .is_none_or(|(_, b)| a.strength() > b.strength())
                    {
                        best = Some((c, a));
                    }
                }
                _ => offered.push(format!(
                    "{}/{}",
                    c.algorithm.as_deref().unwrap_or("MD5"),
                    if c.qop.is_empty() {
                        "-".to_owned()
                    } else {
                        c.qop.join("+")
                    }
                )),
            }
        }
    }
    match (best, first_error) {
        (Some(b), _) => Ok(b),
        (None, Some(e)) if offered.is_empty() => Err(ClientError::Parse(e)),
        (None, _) => Err(ClientError::NoUsableChallenge {
            offered: super::params::snippet(&offered.join(", ")),
        }),
    }
}

/// The challenge being answered and how far we got with its nonce.
#[derive(Debug, Clone)]
struct Current {
    challenge: Challenge,
    algorithm: Algorithm,
    /// The last `nc` sent with this nonce (0: none yet).
    nc: u32,
}

/// Answers digest challenges for one account (a gateway's username and
/// password), remembering the nonce so that later requests can reuse it
/// with an increasing `nc` and no extra round trip.
///
/// Flow: send the request; on `401`/`407` pass the `WWW-Authenticate` /
/// `Proxy-Authenticate` values to [`on_challenge`](DigestClient::on_challenge),
/// then resend with [`authorize`](DigestClient::authorize)'s value in
/// `Authorization` / `Proxy-Authorization`.
pub struct DigestClient {
    username: String,
    password: String,
    current: Option<Current>,
}

impl fmt::Debug for DigestClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DigestClient")
            .field("username", &self.username)
            .field("password", &"<secret>")
            .field("current", &self.current)
            .finish()
    }
}

impl DigestClient {
    /// A client for `username` / `password`.
    pub fn new(username: &str, password: &str) -> DigestClient {
        DigestClient {
            username: username.to_owned(),
            password: password.to_owned(),
            current: None,
        }
    }

    /// The username.
    pub fn username(&self) -> &str {
        &self.username
    }

    /// The challenge currently answered, if any, and its algorithm.
    pub fn challenge(&self) -> Option<(&Challenge, Algorithm)> {
        self.current.as_ref().map(|c| (&c.challenge, c.algorithm))
    }

    /// Forgets the current challenge (e.g. after a registration expired).
    pub fn reset(&mut self) {
        self.current = None;
    }

    /// Takes the challenge values of a `401`/`407` (see
    /// [`select_challenge`]). A new nonce restarts `nc` at 1.
    ///
    /// Returns [`ClientError::Rejected`] (and forgets the challenge) when
    /// the server re-issues the nonce we already answered without
    /// `stale=true`: our password is wrong and retrying would loop. A
    /// server that sends a new nonce each time cannot be told apart from a
    /// stale one this way: the caller should also stop after one
    /// non-stale challenge in answer to a request that carried credentials.
    pub fn on_challenge<'a, I>(&mut self, values: I) -> Result<&Challenge, ClientError>
    where
        I: IntoIterator<Item = &'a str>,
    {
        let (challenge, algorithm) = select_challenge(values)?;
        let nc = match self.current.take() {
            Some(old)
                if old.challenge.nonce == challenge.nonce
                    && old.challenge.realm == challenge.realm =>
            {
                if old.nc > 0 && !challenge.stale {
                    return Err(ClientError::Rejected {
                        realm: challenge.realm,
                    });
                }
                old.nc
            }
            _ => 0,
        };
        let current = self.current.insert(Current {
            challenge,
            algorithm,
            nc,
        });
        Ok(&current.challenge)
    }

    /// The `Authorization` / `Proxy-Authorization` value for a request with
    /// `method` and Request-URI `uri`, answering the current challenge with
    /// the next `nc` (and a new `cnonce`) when it offers `qop=auth`, RFC
    /// 2069 style otherwise. The `opaque` of the challenge is echoed.
    pub fn authorize(
        &mut self,
        method: &str,
        uri: &str,
        cnonce: &mut dyn CnonceSource,
    ) -> Result<String, ClientError> {
        for (field, value) in [
            ("username", self.username.as_str()),
            ("method", method),
            ("uri", uri),
        ] {
            if value.chars().any(|c| c.is_control() && c != '\t') {
                return Err(ClientError::InvalidInput { field });
            }
        }
        let current = self.current.as_mut().ok_or(ClientError::NoChallenge)?;
        let c = &current.challenge;
        let alg = current.algorithm;
        let h1 = ha1(alg, &self.username, &c.realm, &self.password);
        let h2 = ha2(alg, method, uri);
        let mut creds = Credentials {
            username: self.username.clone(),
            realm: c.realm.clone(),
            nonce: c.nonce.clone(),
            uri: uri.to_owned(),
            response: String::new(),
            algorithm: Some(alg.name().to_owned()),
            cnonce: None,
            opaque: c.opaque.clone(),
            qop: None,
            nc: None,
            extra: Vec::new(),
        };
        if c.offers_qop_auth() {
            let nc = current
                .nc
                .checked_add(1)
                .ok_or(ClientError::NonceCountExhausted)?;
            current.nc = nc;
            let nc_text = format!("{nc:08x}");
            let cn = cnonce.next_cnonce();
            if cn.chars().any(char::is_control) {
                return Err(ClientError::InvalidInput { field: "cnonce" });
            }
            creds.response = response(
                alg,
                &h1,
                &c.nonce,
                QopInput::Auth {
                    nc: &nc_text,
                    cnonce: &cn,
                },
                &h2,
            );
            creds.qop = Some("auth".to_owned());
            creds.nc = Some(nc_text);
            creds.cnonce = Some(cn);
        } else {
            current.nc = current.nc.saturating_add(1);
            creds.response = response(alg, &h1, &c.nonce, QopInput::None, &h2);
        }
        Ok(creds.to_string())
    }
}
