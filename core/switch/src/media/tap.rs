//! Media taps: code that sees a leg's audio as it passes — what the far
//! end says (read) and what is sent to it (write) — for recording,
//! supervisor listen/whisper and fax. A tap runs on the media task: it
//! must not block. With `replace`, it may rewrite the frame in place.

/// Which way a tapped frame travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TapDirection {
    /// Heard from the far end.
    Read,
    /// Sent to the far end.
    Write,
}

/// What a tap is called with: direction, samples (mono, 16-bit), rate.
pub type TapFn = Box<dyn FnMut(TapDirection, &mut [i16], u32) + Send>;

/// One tap on a leg.
pub struct Tap {
    /// Its id, unique in the process.
    pub id: u64,
    /// Whether it sees what the far end says.
    pub read: bool,
    /// Whether it sees what is sent to the far end.
    pub write: bool,
    /// Whether it may rewrite frames (else it gets a copy).
    pub replace: bool,
    /// Called for each frame.
    pub on_frame: TapFn,
    /// Called once when the tap is removed or the leg ends.
    pub on_close: Option<Box<dyn FnOnce() + Send>>,
}

impl std::fmt::Debug for Tap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tap")
            .field("id", &self.id)
            .field("read", &self.read)
            .field("write", &self.write)
            .field("replace", &self.replace)
            .finish_non_exhaustive()
    }
}

impl Drop for Tap {
    fn drop(&mut self) {
        if let Some(close) = self.on_close.take() {
            close();
        }
    }
}

/// The taps on one leg.
#[derive(Debug, Default)]
pub(crate) struct Taps {
    taps: Vec<Tap>,
    scratch: Vec<i16>,
}

impl Taps {
    /// Adds a tap.
    pub fn add(&mut self, tap: Tap) {
        if self.scratch.is_empty() {
            self.scratch = vec![0; super::frame::MAX_FRAME_SAMPLES * 6];
        }
        self.taps.push(tap);
    }

    /// Removes a tap (its close callback runs).
    pub fn remove(&mut self, id: u64) {
        self.taps.retain(|t| t.id != id);
    }

    /// Removes every tap.
    pub fn close_all(&mut self) {
        self.taps.clear();
    }

    /// Whether a tap wants what the far end says.
    pub fn wants_read(&self) -> bool {
        self.taps.iter().any(|t| t.read)
    }

    /// Whether a tap wants what is sent (the leg then sends every frame).
    pub fn wants_write(&self) -> bool {
        self.taps.iter().any(|t| t.write)
    }

    /// Shows a heard frame to the taps.
    pub fn on_read(&mut self, samples: &mut [i16], rate: u32) {
        self.run(TapDirection::Read, samples, rate);
    }

    /// Shows a frame about to be sent to the taps.
    pub fn on_write(&mut self, samples: &mut [i16], rate: u32) {
        self.run(TapDirection::Write, samples, rate);
    }

    fn run(&mut self, direction: TapDirection, samples: &mut [i16], rate: u32) {
        for tap in &mut self.taps {
            let wanted = match direction {
                TapDirection::Read => tap.read,
                TapDirection::Write => tap.write,
            };
            if !wanted {
                continue;
            }
            if tap.replace {
                (tap.on_frame)(direction, samples, rate);
            } else {
                let len = samples.len().min(self.scratch.len());
                let copy = &mut self.scratch[..len];
                copy.copy_from_slice(&samples[..len]);
                (tap.on_frame)(direction, copy, rate);
            }
        }
    }
}
