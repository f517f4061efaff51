//! Why an offer could not be answered, an answer could not be used, or an
//! offer could not be built.

use std::fmt;

/// A failed negotiation step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NegotiationError {
    /// Our codec list is empty: there is nothing to offer or accept.
    NoCodecs,
    /// The offer has no audio stream over RTP/AVP or RTP/AVPF with a
    /// non-zero port.
    NoAudioStream,
    /// No audio codec is common to both sides.
    NoCommonCodec,
    /// The chosen stream has no `c=` line, neither its own nor the session's.
    MissingConnection {
        /// The index of the `m=` section.
        stream: usize,
    },
    /// The chosen stream's address is not an IP literal (this crate does no
    /// DNS).
    UnresolvedAddress {
        /// The index of the `m=` section.
        stream: usize,
    },
    /// The answer does not have as many `m=` sections as the offer
    /// (RFC 3264 §6).
    StreamCountMismatch {
        /// `m=` sections in the offer.
        offered: usize,
        /// `m=` sections in the answer.
        answered: usize,
    },
    /// The answer rejected (port 0) our audio stream.
    StreamRejected {
        /// The index of the `m=` section.
        stream: usize,
    },
    /// An answer arrived with no offer of ours outstanding.
    NoPendingOffer,
}

impl NegotiationError {
    /// The SIP status to refuse an offer with: 488 Not Acceptable Here,
    /// except 500 when our own configuration has no codecs.
    #[must_use]
    pub fn sip_status(&self) -> u16 {
        match self {
            NegotiationError::NoCodecs | NegotiationError::NoPendingOffer => 500,
            _ => 488,
        }
    }
}

impl fmt::Display for NegotiationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NegotiationError::NoCodecs => {
                f.write_str("no codecs configured (check codec_string / absolute_codec_string)")
            }
            NegotiationError::NoAudioStream => {
                f.write_str("the offer has no audio stream over RTP/AVP with a port")
            }
            NegotiationError::NoCommonCodec => f.write_str("no audio codec in common"),
            NegotiationError::MissingConnection { stream } => {
                write!(f, "m= section {stream} has no c= line")
            }
            NegotiationError::UnresolvedAddress { stream } => {
                write!(f, "m= section {stream}: c= address is not an IP address")
            }
            NegotiationError::StreamCountMismatch { offered, answered } => write!(
                f,
                "the answer has {answered} m= sections for the {offered} offered"
            ),
            NegotiationError::StreamRejected { stream } => {
                write!(f, "the answer rejected audio stream {stream}")
            }
            NegotiationError::NoPendingOffer => f.write_str("an answer arrived without an offer"),
        }
    }
}

impl std::error::Error for NegotiationError {}

#[cfg(test)]
mod tests {
    use super::NegotiationError;

    #[test]
    fn statuses_and_messages() {
        assert_eq!(NegotiationError::NoCommonCodec.sip_status(), 488);
        assert_eq!(NegotiationError::NoAudioStream.sip_status(), 488);
        assert_eq!(NegotiationError::NoCodecs.sip_status(), 500);
        assert_eq!(
            NegotiationError::StreamCountMismatch {
                offered: 2,
                answered: 1
            }
            .to_string(),
            "the answer has 1 m= sections for the 2 offered"
        );
    }
}
