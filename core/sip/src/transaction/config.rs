//! Settings of the transaction layer.

use std::time::Duration;

use super::timers::TimerConfig;

/// How the [`TransactionLayer`](super::TransactionLayer) behaves.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// T1, T2 and T4.
    pub timers: TimerConfig,
    /// The most live transactions (client and server together). Beyond it,
    /// new server requests are reported
    /// [`Overloaded`](super::RequestDisposition::Overloaded) and new client
    /// requests refused with [`SendError::Full`](super::SendError::Full).
    /// Completed non-INVITE server transactions over UDP count too: they
    /// live 64·T1 (32 s) after their answer, so 5,000 requests per second
    /// keep 160,000 of them; the default of 500,000 (about 1 KB each when
    /// Completed, mostly the response kept for retransmissions) leaves
    /// room for about 15,000 non-INVITE requests per second.
    pub max_transactions: usize,
    /// Send `100 Trying` as soon as an INVITE server transaction is created
    /// (RFC 3261 §17.2.1 allows the TU to do it instead; set `false` then).
    pub send_100_trying: bool,
    /// How long an INVITE transaction (client or server) may stay
    /// Proceeding before [`Timer::Guard`](super::Timer::Guard) ends it.
    /// Not RFC 3261's Timer C (a proxy timer), just the bound that makes
    /// every transaction terminate: a UAC normally CANCELs sooner (its
    /// call timeout) and a UAS answers sooner.
    pub proceeding_limit: Duration,
    /// Seed for the tags the layer generates (the To tag of its own
    /// answers to CANCEL); `None` draws one from the operating system.
    pub seed: Option<u64>,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            timers: TimerConfig::default(),
            max_transactions: 500_000,
            send_100_trying: true,
            proceeding_limit: Duration::from_secs(180),
            seed: None,
        }
    }
}
