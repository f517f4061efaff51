//! WAV files through hound: a streaming source of mono 16-bit frames at the
//! file's rate, and a recorder writing 16-bit PCM mono or stereo (caller
//! left, callee right). Reading and writing go through buffered IO and
//! allocate nothing per frame; no file, however damaged, makes them panic.

mod error;
mod reader;
mod recorder;

pub use error::WavError;
pub use reader::WavSource;
pub use recorder::{RecordLayout, RecordingInfo, WavRecorder};
