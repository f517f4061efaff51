//! What an operator can tune in the registrar.

use super::contacts::ExpiryBounds;
use crate::bans::BanPolicy;
use std::time::Duration;
use switchyard_sip::auth::Algorithm;

/// The registrar's settings. [`RegistrarSettings::default`] gives
/// FreeSWITCH-like values; [`RegistrarSettings::normalised`] repairs
/// inconsistent ones.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistrarSettings {
    /// Shortest registration accepted, in seconds; a shorter non-zero
    /// expiry gets `423 Interval Too Brief` with `Min-Expires`. Default 60.
    pub min_expires: u32,
    /// Longest registration granted, in seconds; longer asks are shortened
    /// to it. Default 3600.
    pub max_expires: u32,
    /// Expiry when the REGISTER gives none, in seconds. Default 3600.
    pub default_expires: u32,
    /// Most contacts one user may have registered at once; a REGISTER that
    /// would exceed it gets `403` and changes nothing. Default 10.
    pub max_contacts_per_user: usize,
    /// When failed authentications get a source address banned.
    pub ban_policy: BanPolicy,
    /// How long a digest nonce is accepted; older ones get a new challenge
    /// with `stale=true`. Default 300 s.
    pub nonce_lifetime: Duration,
    /// Whether a REGISTER for an extension that does not exist gets `404`
    /// before any challenge. Off by default: such requests are challenged
    /// like any other and their credentials refused with `403` (and counted
    /// towards a ban), so that scanners cannot list a tenant's extensions by
    /// the answers they get. Turn it on in a lab for plainer diagnostics.
    pub reveal_unknown_users: bool,
    /// The digest algorithms challenged with, in the order offered. RFC
    /// 8760 asks for the strongest first (the default, SHA-256 then MD5);
    /// UAs that give up on the first challenge they do not know (SIPp 3.6,
    /// many older phones) need MD5 first or alone.
    pub digest_algorithms: Vec<Algorithm>,
}

impl Default for RegistrarSettings {
    fn default() -> RegistrarSettings {
        RegistrarSettings {
            min_expires: 60,
            max_expires: 3600,
            default_expires: 3600,
            max_contacts_per_user: 10,
            ban_policy: BanPolicy::default(),
            nonce_lifetime: Duration::from_secs(300),
            reveal_unknown_users: false,
            digest_algorithms: Algorithm::STRONGEST_FIRST.to_vec(),
        }
    }
}

impl RegistrarSettings {
    /// The settings made consistent: `min_expires` at least 1,
    /// `max_expires` at least `min_expires`, `default_expires` between the
    /// two, at least one contact per user, a nonce lifetime of at least a
    /// second.
    pub fn normalised(mut self) -> RegistrarSettings {
        self.min_expires = self.min_expires.max(1);
        self.max_expires = self.max_expires.max(self.min_expires);
        self.default_expires = self
            .default_expires
            .clamp(self.min_expires, self.max_expires);
        self.max_contacts_per_user = self.max_contacts_per_user.max(1);
        self.nonce_lifetime = self.nonce_lifetime.max(Duration::from_secs(1));
        self
    }

    /// The expiry bounds these settings give.
    pub fn expiry_bounds(&self) -> ExpiryBounds {
        ExpiryBounds {
            min: self.min_expires,
            max: self.max_expires,
            default: self.default_expires,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalising_repairs_inconsistent_values() {
        let s = RegistrarSettings {
            min_expires: 0,
            max_expires: 0,
            default_expires: 5000,
            max_contacts_per_user: 0,
            nonce_lifetime: Duration::ZERO,
            ..RegistrarSettings::default()
        }
        .normalised();
        assert_eq!((s.min_expires, s.max_expires, s.default_expires), (1, 1, 1));
        assert_eq!(s.max_contacts_per_user, 1);
        assert_eq!(s.nonce_lifetime, Duration::from_secs(1));
        let d = RegistrarSettings::default();
        assert_eq!(d.clone().normalised(), d);
    }
}
