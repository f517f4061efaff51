//! Secret randomness from the operating system, used once per key or seed.

use std::fmt;

/// The operating system's random number source failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RandomError {
    message: String,
}

impl fmt::Display for RandomError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the system random number generator failed: {}",
            self.message
        )
    }
}

impl std::error::Error for RandomError {}

/// `N` random bytes from the operating system.
pub(crate) fn random_bytes<const N: usize>() -> Result<[u8; N], RandomError> {
    let mut buf = [0u8; N];
    getrandom::fill(&mut buf).map_err(|e| RandomError {
        message: e.to_string(),
    })?;
    Ok(buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_differ() {
        let a = random_bytes::<32>().unwrap_or_default();
        let b = random_bytes::<32>().unwrap_or_default();
        assert_ne!(a, b);
    }
}
