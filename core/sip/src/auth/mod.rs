//! Digest authentication (RFC 2617, RFC 7616, RFC 8760) for SIP: MD5 and
//! SHA-256 with `qop=auth`, and RFC 2069-style credentials without `qop`
//! from old UAs.
//!
//! The module works on header *values* (the text after `Authorization:`,
//! `WWW-Authenticate:` …) and plain method and URI strings, so it does not
//! depend on the message types.
//!
//! * [`params`]: the parameter-list grammar ([`DigestParams`], [`ParseError`]).
//! * [`Credentials`] and [`Challenge`]: typed views that parse and format.
//! * [`ha1`], [`ha2`], [`response`]: the hash computations; the directory
//!   stores [`ha1`] per algorithm instead of passwords.
//! * [`NonceManager`]: the server side, issuing challenges and verifying
//!   credentials into an [`Outcome`].
//! * [`DigestClient`]: the client side, answering challenges.
//!
//! ```
//! use std::time::{Duration, SystemTime};
//! use switchyard_sip::auth::{
//!     Algorithm, DigestClient, NonceManager, Outcome, RandomCnonce, ServerConfig, ha1,
//! };
//!
//! let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
//! let mut server = NonceManager::with_key([42; 32], ServerConfig::default());
//! let challenges = server.challenge(now, "acme.test", &[], false);
//!
//! let mut phone = DigestClient::new("1001", "secret");
//! phone.on_challenge(challenges.iter().map(String::as_str)).unwrap();
//! let mut cnonces = RandomCnonce::from_seed([7; 32]);
//! let authorization = phone.authorize("REGISTER", "sip:acme.test", &mut cnonces).unwrap();
//!
//! let outcome = server.verify(now, &authorization, "REGISTER", "sip:acme.test", "acme.test",
//!     |user, realm, alg| Some(ha1(alg, user, realm, "secret")));
//! assert_eq!(
//!     outcome,
//!     Outcome::Ok { username: "1001".into(), realm: "acme.test".into(), algorithm: Algorithm::Sha256 },
//! );
//! ```

mod algorithm;
mod challenge;
mod client;
mod credentials;
mod nonce;
pub mod params;
mod random;
mod server;
mod uri;

#[cfg(test)]
mod tests;

pub use algorithm::{Algorithm, QopInput, ha1, ha2, response};
pub use challenge::Challenge;
pub use client::{ClientError, CnonceSource, DigestClient, RandomCnonce, select_challenge};
pub use credentials::{Credentials, parse_nc};
pub use nonce::KEY_LEN;
pub use params::{AuthParam, DigestParams, ParseError};
pub use random::RandomError;
pub use server::{NonceManager, Outcome, ServerConfig};
pub use uri::uri_matches;
