//! Audio codecs and what sits between two legs that use different ones.
//!
//! - [`g711`]: PCMU and PCMA, table-driven, checked against G.711's
//!   tables and spandsp over every input.
//! - [`l16`]: 16-bit linear PCM in network order, also the inside format.
//! - [`opus`]: Opus through libopus (`audiopus`), 8–48 kHz mono, FEC, DTX,
//!   concealment.
//! - [`resample`]: streaming rate conversion (`rubato`), into caller buffers.
//! - [`registry`]: the [`Codec`] a leg negotiated and the names we know.
//! - [`coder`]: the [`Encode`]/[`Decode`] traits and one encoder/decoder
//!   type for every codec.
//! - [`transcoder`]: codec A's frames to codec B's through PCM, or the
//!   relay fast path when both legs match ([`Transcoder::passthrough`]).
//!
//! Everything is sans-IO: payloads and samples in, payloads and samples
//! out, into buffers the caller owns. No input makes any of it panic, and
//! after construction nothing allocates per frame.

pub mod coder;
pub mod error;
pub mod g711;
pub mod l16;
pub mod opus;
mod queue;
pub mod registry;
pub mod resample;
#[cfg(test)]
mod testutil;
pub mod transcoder;

pub use coder::{AudioDecoder, AudioEncoder, Decode, Encode};
pub use error::{CodecError, OpusFailure, Result};
pub use opus::{OpusConfig, OpusDecoder, OpusEncoder};
pub use registry::{Codec, CodecKind};
pub use resample::Resampler;
pub use transcoder::Transcoder;
