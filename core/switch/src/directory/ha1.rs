//! Digest HA1 hashes (`H(user:realm:password)`), the only form in which the
//! directory keeps a password. The realm of a tenant's users is its domain.

use switchyard_sip::auth::{Algorithm, ha1};

/// The MD5 and SHA-256 HA1 of a user's password, as lower-case hex.
pub fn ha1_pair(user: &str, realm: &str, password: &str) -> (String, String) {
    (
        ha1(Algorithm::Md5, user, realm, password),
        ha1(Algorithm::Sha256, user, realm, password),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_independently_computed_hashes() {
        // RFC 7616 §3.9.1's user, realm and password; the values were
        // computed independently with Python's hashlib.
        let (md5, sha256) = ha1_pair("Mufasa", "http-auth@example.org", "Circle of Life");
        assert_eq!(md5, "3d78807defe7de2157e2b0b6573a855f");
        assert_eq!(
            sha256,
            "7987c64c30e25f1b74be53f966b49b90f2808aa92faf9a00262392d7b4794232"
        );
    }
}
