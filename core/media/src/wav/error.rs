//! Errors of WAV reading and recording.

use std::fmt;
use std::io;

/// Why a WAV file could not be read or written.
#[derive(Debug)]
pub enum WavError {
    /// The file could not be opened, read or written.
    Io(io::Error),
    /// The file is not a WAV file hound can read (bad header, truncated).
    Format(String),
    /// A WAV feature that is not supported (compressed formats, >32 bits).
    Unsupported(String),
    /// `write_mono` on a stereo recorder (use `write`), or a recorder asked
    /// for a sample rate of 0.
    Usage(&'static str),
}

impl fmt::Display for WavError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WavError::Io(e) => write!(f, "WAV file: {e}"),
            WavError::Format(what) => write!(f, "not a readable WAV file: {what}"),
            WavError::Unsupported(what) => write!(f, "unsupported WAV file: {what}"),
            WavError::Usage(what) => write!(f, "WAV recorder: {what}"),
        }
    }
}

impl std::error::Error for WavError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            WavError::Io(e) => Some(e),
            _ => None,
        }
    }
}

impl From<io::Error> for WavError {
    fn from(e: io::Error) -> WavError {
        WavError::Io(e)
    }
}

impl From<hound::Error> for WavError {
    fn from(e: hound::Error) -> WavError {
        match e {
            hound::Error::IoError(e) => WavError::Io(e),
            hound::Error::FormatError(what) => WavError::Format(what.to_owned()),
            hound::Error::TooWide => WavError::Unsupported("samples wider than 32 bits".into()),
            hound::Error::Unsupported => WavError::Unsupported("format not supported".into()),
            hound::Error::UnfinishedSample => {
                WavError::Format("file ends in the middle of a sample".into())
            }
            hound::Error::InvalidSampleFormat => {
                WavError::Unsupported("invalid sample format".into())
            }
        }
    }
}
