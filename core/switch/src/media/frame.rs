//! A frame of linear PCM passed between a leg's media task and its session
//! thread by value: a fixed array, so moving frames through a bounded
//! channel allocates nothing.

/// The most samples one frame holds: 60 ms at 16 kHz.
pub const MAX_FRAME_SAMPLES: usize = 960;

/// Mono 16-bit linear PCM, one packetisation interval long.
#[derive(Clone)]
pub struct PcmFrame {
    samples: [i16; MAX_FRAME_SAMPLES],
    len: usize,
    /// The sample rate in hertz.
    pub rate: u32,
}

impl std::fmt::Debug for PcmFrame {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PcmFrame")
            .field("len", &self.len)
            .field("rate", &self.rate)
            .finish()
    }
}

impl PcmFrame {
    /// A frame of `len` samples of silence at `rate` (`len` is capped at
    /// [`MAX_FRAME_SAMPLES`]).
    pub fn silence(len: usize, rate: u32) -> PcmFrame {
        PcmFrame {
            samples: [0; MAX_FRAME_SAMPLES],
            len: len.min(MAX_FRAME_SAMPLES),
            rate,
        }
    }

    /// A frame holding a copy of `samples` (cut at [`MAX_FRAME_SAMPLES`]).
    pub fn from_samples(samples: &[i16], rate: u32) -> PcmFrame {
        let mut frame = PcmFrame::silence(samples.len(), rate);
        let len = frame.len;
        frame.samples[..len].copy_from_slice(&samples[..len]);
        frame
    }

    /// The samples.
    pub fn samples(&self) -> &[i16] {
        &self.samples[..self.len]
    }

    /// The samples, writable.
    pub fn samples_mut(&mut self) -> &mut [i16] {
        &mut self.samples[..self.len]
    }

    /// The number of samples.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the frame holds no samples.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}
