//! Jitter buffering for legs where the switch decodes media: an adaptive
//! target delay from measured jitter, and a bounded, preallocated buffer
//! that orders packets and hands out frames, gaps to conceal, or nothing.

mod buffer;
mod delay;

pub use buffer::{Frame, JitterBuffer, JitterConfig, JitterStats, Playout, PushOutcome};
pub use delay::DelayEstimator;
