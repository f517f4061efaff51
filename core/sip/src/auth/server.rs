//! The server side: challenges (`401`/`407`) and verification of
//! credentials against HA1 hashes.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::algorithm::{Algorithm, QopInput, ha2, hex_eq_ct, response};
use super::challenge::Challenge;
use super::credentials::Credentials;
use super::nonce::{KEY_LEN, NcTracker, NcVerdict, NonceCodec, NonceStatus};
use super::params::{ParseError, snippet};
use super::random::{RandomError, random_bytes};
use super::uri::uri_matches;

/// Settings of a [`NonceManager`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerConfig {
    /// How long a nonce is accepted after it was issued (whole seconds; at
    /// least one second is used). Credentials with an older nonce and the
    /// right password get [`Outcome::Stale`]. Default: 300 s.
    pub nonce_lifetime: Duration,
    /// Upper bound on the number of nonces whose highest `nc` is
    /// remembered for replay protection (about 50 bytes each, so the
    /// default 100,000 is about 5 MB). Beyond it the oldest-issued entries
    /// are evicted and their nonces answered [`Outcome::Stale`] thereafter,
    /// so a full table costs a round trip, never a replay. Default: 100,000.
    pub max_tracked_nonces: usize,
    /// Whether the digest `uri` must match the Request-URI (see
    /// [`uri_matches`]). Turn it off only behind a proxy that rewrites the
    /// Request-URI. Default: true.
    pub check_uri: bool,
    /// Whether credentials without `qop` (RFC 2069 UAs) are accepted, as
    /// FreeSWITCH does. Such credentials carry no `nc`: they can be
    /// replayed until their nonce expires. Default: true.
    pub allow_no_qop: bool,
}

impl Default for ServerConfig {
    fn default() -> ServerConfig {
        ServerConfig {
            nonce_lifetime: Duration::from_secs(300),
            max_tracked_nonces: 100_000,
            check_uri: true,
            allow_no_qop: true,
        }
    }
}

/// The result of [`NonceManager::verify`], with the SIP answer a registrar
/// or proxy is expected to give.
#[must_use]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The credentials are valid: serve the request.
    Ok {
        /// The authenticated user.
        username: String,
        /// The realm they authenticated in.
        realm: String,
        /// The algorithm they used.
        algorithm: Algorithm,
    },
    /// The password was right but the nonce expired, was issued by another
    /// process (e.g. before a restart) or had to be forgotten: challenge
    /// again with `stale=true`.
    Stale,
    /// Wrong response, i.e. wrong password: `403` (or a new challenge), and
    /// count the failure against the source.
    BadResponse {
        /// The username claimed.
        username: String,
    },
    /// The value could not be parsed or misses required parameters: `400`
    /// with [`ParseError`]'s text as the reason phrase — except
    /// [`ParseError::NotDigest`] (another scheme), answered with a challenge.
    Malformed(ParseError),
    /// The HA1 lookup knows no such user for this realm and algorithm:
    /// `403` (or a challenge), counted like a wrong password.
    UnknownUser {
        /// The username claimed.
        username: String,
    },
    /// The `nc` is not higher than one already accepted for this nonce: a
    /// replayed request. Challenge again.
    NonceReplay,
    /// The digest `uri` does not match the Request-URI: `400`.
    UriMismatch {
        /// The digest `uri` (escaped, shortened).
        uri: String,
    },
    /// The credentials are for another realm: challenge for ours.
    WrongRealm {
        /// The realm in the credentials (escaped, shortened).
        realm: String,
    },
    /// An algorithm other than MD5 and SHA-256: challenge again (the
    /// challenge lists what we support).
    UnsupportedAlgorithm {
        /// The algorithm named (escaped, shortened).
        algorithm: String,
    },
    /// A `qop` other than `auth` (e.g. `auth-int`), or none when
    /// [`ServerConfig::allow_no_qop`] is off: challenge again.
    UnsupportedQop {
        /// The qop named (escaped, shortened), empty when there was none.
        qop: String,
    },
}

/// Issues self-validating nonces and checks credentials against them.
///
/// A nonce is 64 hex characters: its issue time (Unix seconds), an
/// 8-byte salt unique in the process, and a 16-byte HMAC-SHA-256 tag over
/// both under a secret key. Checking freshness therefore needs no storage
/// (and a nonce whose time was altered fails its tag); only the
/// highest `nc` per nonce in use is remembered, within the bound
/// [`ServerConfig::max_tracked_nonces`]. The key is per process unless
/// given with [`NonceManager::with_key`] (several nodes sharing a key
/// accept each other's nonces; replay tracking stays per node).
///
/// Time is passed in (`now`) so that tests run on virtual time; it is
/// treated as monotonic (a `now` earlier than one already seen counts as
/// the latest one seen).
#[derive(Debug)]
pub struct NonceManager {
    codec: NonceCodec,
    config: ServerConfig,
    counter: AtomicU64,
    tracker: NcTracker,
    latest: u64,
}

impl NonceManager {
    /// A manager with a fresh random key from the operating system.
    pub fn new(config: ServerConfig) -> Result<NonceManager, RandomError> {
        Ok(NonceManager::with_key(random_bytes::<KEY_LEN>()?, config))
    }

    /// A manager with the given secret key (for tests, or shared between
    /// nodes). Keep the key secret: whoever has it can mint nonces.
    pub fn with_key(key: [u8; KEY_LEN], config: ServerConfig) -> NonceManager {
        let tracker = NcTracker::new(config.max_tracked_nonces);
        NonceManager {
            codec: NonceCodec::new(key),
            config,
            counter: AtomicU64::new(0),
            tracker,
            latest: 0,
        }
    }

    /// The settings.
    pub fn config(&self) -> &ServerConfig {
        &self.config
    }

    /// Number of nonces whose `nc` is currently remembered (at most
    /// [`ServerConfig::max_tracked_nonces`]).
    pub fn tracked_nonces(&self) -> usize {
        self.tracker.len()
    }

    fn lifetime_secs(&self) -> u64 {
        self.config.nonce_lifetime.as_secs().max(1)
    }

    /// A new nonce issued at `now`: 64 lowercase hex characters.
    pub fn issue_nonce(&self, now: SystemTime) -> String {
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        self.codec.issue(unix_secs(now), n)
    }

    /// The `WWW-Authenticate` / `Proxy-Authenticate` values for `realm`:
    /// one per algorithm in the order given (an empty `algorithms` means
    /// every supported one, strongest (SHA-256) first as RFC 8760 asks),
    /// all with the same new nonce and `qop="auth"`, plus `stale=true` when
    /// `stale`.
    pub fn challenge(
        &self,
        now: SystemTime,
        realm: &str,
        algorithms: &[Algorithm],
        stale: bool,
    ) -> Vec<String> {
        let nonce = self.issue_nonce(now);
        let offered: &[Algorithm] = if algorithms.is_empty() {
            &Algorithm::STRONGEST_FIRST
        } else {
            algorithms
        };
        let mut seen = Vec::with_capacity(offered.len());
        offered
            .iter()
            .copied()
            .filter(|a| {
                let first = !seen.contains(a);
                seen.push(*a);
                first
            })
            .map(|a| Challenge::new(realm, &nonce, a, stale).to_string())
            .collect()
    }

    /// Verifies an `Authorization` / `Proxy-Authorization` value for a
    /// request with `method` and `request_uri`, expected in `realm`.
    ///
    /// `ha1_lookup(username, realm, algorithm)` returns the stored HA1 hex
    /// (see [`ha1`](super::ha1)) for that algorithm, or `None` for an
    /// unknown user. Checks, in order: syntax, realm, algorithm, qop,
    /// digest uri, user, response, nonce freshness, `nc` replay.
    pub fn verify<F, H>(
        &mut self,
        now: SystemTime,
        credentials: &str,
        method: &str,
        request_uri: &str,
        realm: &str,
        ha1_lookup: F,
    ) -> Outcome
    where
        F: FnOnce(&str, &str, Algorithm) -> Option<H>,
        H: AsRef<str>,
    {
        match Credentials::parse(credentials) {
            Ok(creds) => self.verify_parsed(now, &creds, method, request_uri, realm, ha1_lookup),
            Err(e) => Outcome::Malformed(e),
        }
    }

    /// [`verify`](NonceManager::verify) for credentials already parsed.
    pub fn verify_parsed<F, H>(
        &mut self,
        now: SystemTime,
        creds: &Credentials,
        method: &str,
        request_uri: &str,
        realm: &str,
        ha1_lookup: F,
    ) -> Outcome
    where
        F: FnOnce(&str, &str, Algorithm) -> Option<H>,
        H: AsRef<str>,
    {
        if creds.realm != realm {
            return Outcome::WrongRealm {
                realm: snippet(&creds.realm),
            };
        }
        let Some(algorithm) = creds.algorithm() else {
            return Outcome::UnsupportedAlgorithm {
                algorithm: snippet(creds.algorithm.as_deref().unwrap_or("")),
            };
        };
        let qop = match creds.qop.as_deref() {
            None if self.config.allow_no_qop => None,
            None => return Outcome::UnsupportedQop { qop: String::new() },
            Some(q) if q.eq_ignore_ascii_case("auth") => {
                let Some(nc) = creds.nc.as_deref() else {
                    return Outcome::Malformed(ParseError::Missing { name: "nc" });
                };
                let Some(cnonce) = creds.cnonce.as_deref() else {
                    return Outcome::Malformed(ParseError::Missing { name: "cnonce" });
                };
                match creds.nc_value() {
                    Some(n) if n > 0 => Some((n, QopInput::Auth { nc, cnonce })),
                    _ => {
                        return Outcome::Malformed(ParseError::InvalidValue {
                            name: "nc",
                            value: snippet(nc),
                            expected: "8 hex digits counting from 00000001",
                        });
                    }
                }
            }
            Some(q) => return Outcome::UnsupportedQop { qop: snippet(q) },
        };
        if self.config.check_uri && !uri_matches(&creds.uri, request_uri) {
            return Outcome::UriMismatch {
                uri: snippet(&creds.uri),
            };
        }
        let Some(ha1) = ha1_lookup(&creds.username, &creds.realm, algorithm) else {
            return Outcome::UnknownUser {
                username: creds.username.clone(),
            };
        };
        let qop_input = qop.map_or(QopInput::None, |(_, q)| q);
        let expected = response(
            algorithm,
            ha1.as_ref(),
            &creds.nonce,
            qop_input,
            &ha2(algorithm, method, &creds.uri),
        );
        if !hex_eq_ct(&expected, &creds.response) {
            return Outcome::BadResponse {
                username: creds.username.clone(),
            };
        }
        // The password is right; now the nonce.
        let now = unix_secs(now).max(self.latest);
        self.latest = now;
        let lifetime = self.lifetime_secs();
        self.tracker.sweep(now, lifetime);
        let id = match self.codec.check(&creds.nonce, now, lifetime) {
            NonceStatus::Fresh(id) => id,
            NonceStatus::Expired | NonceStatus::Foreign => return Outcome::Stale,
        };
        if let Some((nc, _)) = qop {
            match self.tracker.check_and_record(id, nc) {
                NcVerdict::Accepted => {}
                NcVerdict::Replay => return Outcome::NonceReplay,
                NcVerdict::Forgotten => return Outcome::Stale,
            }
        }
        Outcome::Ok {
            username: creds.username.clone(),
            realm: creds.realm.clone(),
            algorithm,
        }
    }
}

/// Seconds since the Unix epoch (0 before it).
fn unix_secs(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}
