//! The registrar (RFC 3261 §10.3): phones REGISTER their contacts for a
//! user of a tenant, authenticated by digest (MD5 or SHA-256, realm = the
//! tenant's domain); the bindings live in the core store so they survive a
//! restart, and the B2BUA dials them ([`bindings::contacts_of`]).
//!
//! * [`Registrar`]: settings and digest nonces; [`Registrar::handle`]
//!   answers one REGISTER (the steps are listed in `register.rs`);
//!   [`Registrar::handle_deferred`] and [`Registrar::complete`] do the
//!   same for several, writing their bindings in one transaction.
//! * [`bindings`]: the location service over the `registrations` table.
//! * [`commands`]: `show registrations` and `show bans`.
//!
//! Sources that fail authentication too often are banned in the switch's
//! [`BanList`](crate::bans::BanList) by the policy in
//! [`RegistrarSettings::ban_policy`]; a banned source gets no answer.

pub mod bindings;
pub mod commands;
pub mod contacts;
mod register;
mod settings;
#[cfg(test)]
mod tests;

pub use bindings::{Binding, contacts_of, purge_expired};
pub use register::{Deferred, PendingRegister};
pub use settings::RegistrarSettings;

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use switchyard_sip::auth::{KEY_LEN, NonceManager, ServerConfig};
use switchyard_sip::message::Response;

/// The outcome of authenticating a caller (see
/// [`Registrar::authenticate_caller`]).
#[derive(Debug)]
pub enum CallerAuth {
    /// The caller is this extension of the realm.
    Authenticated(String),
    /// Send this response (a challenge or a refusal) instead.
    Respond(Response),
    /// Send nothing: the source is banned.
    Drop,
}

/// What to do with a REGISTER.
#[derive(Debug, Clone)]
pub enum RegisterOutcome {
    /// Send this response to the source (through the server transaction).
    Respond(Response),
    /// Send nothing: the source is banned.
    Drop,
}

/// The registrar: its settings and the digest nonces it issued. Shared by
/// every transport task (`&self` everywhere; the nonce state is behind a
/// mutex held only for the hash check, never across store access).
#[derive(Debug)]
pub struct Registrar {
    settings: RegistrarSettings,
    nonces: Mutex<NonceManager>,
    tag_seed: u64,
    tags: AtomicU64,
}

impl Registrar {
    /// A registrar with `settings` (made consistent with
    /// [`RegistrarSettings::normalised`]) and a nonce key and tag seed
    /// from the operating system's random source, which is all that can
    /// fail. Nonces from before a restart are answered `401 stale=true`,
    /// which phones follow without asking the user anything.
    pub fn new(settings: RegistrarSettings) -> Result<Registrar, getrandom::Error> {
        let mut key = [0u8; KEY_LEN];
        getrandom::fill(&mut key)?;
        let mut registrar = Registrar::with_nonce_key(settings, key);
        registrar.tag_seed = getrandom::u64()?;
        Ok(registrar)
    }

    /// A registrar with a given nonce key (tests; or several nodes behind a
    /// load balancer that must accept each other's nonces). Keep the key
    /// secret: whoever has it can mint nonces.
    pub fn with_nonce_key(settings: RegistrarSettings, key: [u8; KEY_LEN]) -> Registrar {
        let settings = settings.normalised();
        let config = ServerConfig {
            nonce_lifetime: settings.nonce_lifetime,
            ..ServerConfig::default()
        };
        let mut seed = [0u8; 8];
        seed.copy_from_slice(key.get(..8).unwrap_or(&[0; 8]));
        Registrar {
            settings,
            nonces: Mutex::new(NonceManager::with_key(key, config)),
            tag_seed: u64::from_le_bytes(seed),
            tags: AtomicU64::new(0),
        }
    }

    /// The settings in force.
    pub fn settings(&self) -> &RegistrarSettings {
        &self.settings
    }

    /// A To tag for a response: unique in this process, unguessable enough
    /// to tell our responses apart (a SplitMix64 step over a random seed).
    fn next_tag(&self) -> String {
        let n = self.tags.fetch_add(1, Ordering::Relaxed);
        let mut z = self
            .tag_seed
            .wrapping_add(n.wrapping_mul(0x9e37_79b9_7f4a_7c15));
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        format!("{:016x}", z ^ (z >> 31))
    }
}
