//! The one error type of the codec layer. Every fallible call returns it;
//! nothing here panics on bad input, and building an error never allocates.

use std::fmt;

/// What went wrong in a codec, resampler or transcoder call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum CodecError {
    /// The output buffer cannot hold the result.
    BufferTooSmall {
        /// Elements (bytes or samples) the call needed.
        needed: usize,
        /// Elements the buffer had.
        available: usize,
    },
    /// A frame had a length the codec cannot take (Opus accepts 2.5, 5, 10,
    /// 20, 40 and 60 ms; a resampler takes exactly the chunk it was built for).
    InvalidFrameLength {
        /// Samples given.
        samples: usize,
        /// Sample rate the frame was meant to have, in hertz.
        rate: u32,
    },
    /// A payload that cannot be decoded (odd L16 length, empty packet, a
    /// corrupt Opus packet).
    InvalidPayload(&'static str),
    /// A sample rate this component does not handle.
    UnsupportedRate(u32),
    /// A channel count this component does not handle (the media path is mono).
    UnsupportedChannels(u8),
    /// A configuration value outside its range (complexity, loss percentage,
    /// bitrate, ptime).
    InvalidConfig(&'static str),
    /// A codec name this build does not know.
    UnknownCodec,
    /// The transcoder's sample queue would overflow: the input leg sent far
    /// more audio than the output leg consumes. The queue was emptied.
    Overflow,
    /// libopus refused the call.
    Opus(OpusFailure),
}

/// The reasons libopus (or its binding) gives for refusing a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum OpusFailure {
    /// An argument violated the library's requirements (`OPUS_BAD_ARG`).
    BadArgument,
    /// An output buffer was too small (`OPUS_BUFFER_TOO_SMALL`).
    BufferTooSmall,
    /// An internal error (`OPUS_INTERNAL_ERROR`).
    Internal,
    /// A corrupt or unsupported packet (`OPUS_INVALID_PACKET`).
    InvalidPacket,
    /// An unimplemented request (`OPUS_UNIMPLEMENTED`).
    Unimplemented,
    /// The encoder or decoder state is invalid (`OPUS_INVALID_STATE`).
    InvalidState,
    /// libopus could not allocate memory (`OPUS_ALLOC_FAIL`).
    AllocFail,
    /// Any other refusal (an undocumented code, or a size above `i32::MAX`).
    Other,
}

impl fmt::Display for OpusFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            OpusFailure::BadArgument => "bad argument",
            OpusFailure::BufferTooSmall => "buffer too small",
            OpusFailure::Internal => "internal error",
            OpusFailure::InvalidPacket => "invalid packet",
            OpusFailure::Unimplemented => "unimplemented request",
            OpusFailure::InvalidState => "invalid state",
            OpusFailure::AllocFail => "allocation failed",
            OpusFailure::Other => "unexpected failure",
        })
    }
}

impl fmt::Display for CodecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CodecError::BufferTooSmall { needed, available } => {
                write!(
                    f,
                    "output buffer too small: {needed} needed, {available} available"
                )
            }
            CodecError::InvalidFrameLength { samples, rate } => {
                write!(f, "invalid frame length: {samples} samples at {rate} Hz")
            }
            CodecError::InvalidPayload(why) => write!(f, "invalid payload: {why}"),
            CodecError::UnsupportedRate(rate) => write!(f, "unsupported sample rate {rate} Hz"),
            CodecError::UnsupportedChannels(n) => write!(f, "unsupported channel count {n}"),
            CodecError::InvalidConfig(why) => write!(f, "invalid codec configuration: {why}"),
            CodecError::UnknownCodec => f.write_str("unknown codec"),
            CodecError::Overflow => f.write_str("transcoder queue overflow (audio dropped)"),
            CodecError::Opus(why) => write!(f, "opus: {why}"),
        }
    }
}

impl std::error::Error for CodecError {}

impl From<audiopus::Error> for CodecError {
    fn from(error: audiopus::Error) -> Self {
        use audiopus::{Error, ErrorCode};
        match error {
            Error::EmptyPacket => CodecError::InvalidPayload("empty Opus packet"),
            Error::InvalidComplexity(_) => {
                CodecError::InvalidConfig("Opus complexity must be 0..=10")
            }
            Error::InvalidBitrate(_) => CodecError::InvalidConfig("Opus bitrate out of range"),
            Error::InvalidSampleRate(rate) => {
                CodecError::UnsupportedRate(u32::try_from(rate).unwrap_or(0))
            }
            Error::InvalidChannels(n) => {
                CodecError::UnsupportedChannels(u8::try_from(n).unwrap_or(0))
            }
            Error::Opus(code) => CodecError::Opus(match code {
                ErrorCode::BadArgument => OpusFailure::BadArgument,
                ErrorCode::BufferTooSmall => OpusFailure::BufferTooSmall,
                ErrorCode::InternalError => OpusFailure::Internal,
                ErrorCode::InvalidPacket => OpusFailure::InvalidPacket,
                ErrorCode::Unimplemented => OpusFailure::Unimplemented,
                ErrorCode::InvalidState => OpusFailure::InvalidState,
                ErrorCode::AllocFail => OpusFailure::AllocFail,
                _ => OpusFailure::Other,
            }),
            _ => CodecError::Opus(OpusFailure::Other),
        }
    }
}

/// The result type of the codec layer.
pub type Result<T> = std::result::Result<T, CodecError>;
