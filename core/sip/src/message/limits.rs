//! Size limits applied while framing and parsing.

/// Size limits for one SIP message.
///
/// A stream transport closes the connection when a peer exceeds them; a
/// datagram exceeding them is rejected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Largest start line plus header section, blank line included, in bytes.
    pub max_head: usize,
    /// Largest body (the Content-Length a peer may declare), in bytes.
    pub max_body: usize,
}

impl Limits {
    /// Default head limit: 64 KiB.
    pub const DEFAULT_MAX_HEAD: usize = 64 * 1024;
    /// Default body limit: 1 MiB.
    pub const DEFAULT_MAX_BODY: usize = 1024 * 1024;
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_head: Self::DEFAULT_MAX_HEAD,
            max_body: Self::DEFAULT_MAX_BODY,
        }
    }
}
