//! RTP (RFC 3550): packet parsing and building, in-place rewriting for
//! relays, receiver-side sequence and jitter bookkeeping, continuity of a
//! relayed stream across source changes, latching for NAT, and per-leg
//! statistics.

mod builder;
mod extension;
mod interarrival;
mod latch;
mod packet;
mod rewrite;
mod sequence;
mod source_rewriter;
mod stats;

pub use builder::{RawExtension, RtpBuildError, RtpHeader};
pub use extension::{
    ExtensionElement, ExtensionElements, ExtensionFormat, HeaderExtension, ONE_BYTE_PROFILE,
    TWO_BYTE_PROFILE, TWO_BYTE_PROFILE_MASK,
};
pub use interarrival::InterarrivalJitter;
pub use latch::{Latch, LatchConfig, LatchDecision};
pub use packet::{RTP_FIXED_HEADER_LEN, RTP_MAX_PACKET_LEN, RTP_VERSION, RtpError, RtpPacket};
pub use rewrite::RtpHeaderMut;
pub use sequence::{
    LossReport, MAX_DROPOUT, MAX_MISORDER, MIN_SEQUENTIAL, SequenceTracker, SequenceVerdict,
};
pub use source_rewriter::{RewrittenHeader, SourceRewriter};
pub use stats::{InboundStats, MediaStats, OutboundStats, PacketKind, SampleSummary};
