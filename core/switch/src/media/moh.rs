//! Music on hold as shared streams: one thread decodes a source (looping)
//! at one rate and publishes a frame every 20 ms; every leg that plays it
//! takes the newest frame on its own packet clock and encodes it for its
//! codec. A thousand callers on hold cost one decode, not a thousand.

use super::frame::PcmFrame;
use crate::session::source::AudioSource;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

/// The frame length of shared streams.
const FRAME: Duration = Duration::from_millis(20);

/// The music-on-hold streams running now, by source and rate.
#[derive(Debug, Default)]
pub struct MohStreams {
    streams: Mutex<HashMap<(String, u32), Weak<Shared>>>,
}

#[derive(Debug)]
struct Shared {
    latest: Mutex<(u64, PcmFrame)>,
}

/// One leg's view of a shared stream.
#[derive(Debug)]
pub struct MohListener {
    shared: Arc<Shared>,
    last: u64,
}

impl MohListener {
    /// The newest frame, when it is one this listener has not had.
    pub fn next_frame(&mut self) -> Option<PcmFrame> {
        let latest = self.shared.latest.lock().unwrap_or_else(|p| p.into_inner());
        if latest.0 == self.last {
            return None;
        }
        self.last = latest.0;
        Some(latest.1.clone())
    }
}

impl MohStreams {
    /// Listens to `source` at `rate` Hz, starting its stream unless one
    /// runs already. Relative paths are under `sounds_dir`.
    ///
    /// # Errors
    /// Why the source does not open.
    pub fn listen(
        &self,
        source: &str,
        rate: u32,
        sounds_dir: PathBuf,
    ) -> Result<MohListener, String> {
        let key = (source.to_owned(), rate);
        let mut streams = self.streams.lock().unwrap_or_else(|p| p.into_inner());
        streams.retain(|_, weak| weak.strong_count() > 0);
        if let Some(shared) = streams.get(&key).and_then(Weak::upgrade) {
            return Ok(MohListener { shared, last: 0 });
        }
        let opened = AudioSource::open(source, rate, &sounds_dir).map_err(|e| e.to_string())?;
        let samples = (rate / 50) as usize;
        let shared = Arc::new(Shared {
            latest: Mutex::new((0, PcmFrame::silence(samples, rate))),
        });
        let weak = Arc::downgrade(&shared);
        let name = source.to_owned();
        std::thread::Builder::new()
            .name("moh".into())
            .spawn(move || run(weak, opened, name, rate, sounds_dir))
            .map_err(|e| format!("cannot start the music-on-hold thread: {e}"))?;
        streams.insert(key, Arc::downgrade(&shared));
        Ok(MohListener { shared, last: 0 })
    }

    /// How many streams run now.
    pub fn running(&self) -> usize {
        self.streams
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .values()
            .filter(|w| w.strong_count() > 0)
            .count()
    }
}

/// Decodes the source in a loop until nobody listens.
fn run(shared: Weak<Shared>, mut source: AudioSource, name: String, rate: u32, sounds: PathBuf) {
    let samples = (rate / 50) as usize;
    let mut next = Instant::now();
    let mut sequence = 0u64;
    loop {
        let Some(shared) = shared.upgrade() else {
            return;
        };
        let mut frame = PcmFrame::silence(samples, rate);
        if source.fill(frame.samples_mut()) == 0 {
            // The end: start over (music on hold loops).
            match AudioSource::open(&name, rate, &sounds) {
                Ok(again) => source = again,
                Err(e) => {
                    tracing::warn!("music on hold {name}: {e}");
                    return;
                }
            }
            let _ = source.fill(frame.samples_mut());
        }
        sequence += 1;
        *shared.latest.lock().unwrap_or_else(|p| p.into_inner()) = (sequence, frame);
        drop(shared);
        next += FRAME;
        let now = Instant::now();
        if next > now {
            std::thread::sleep(next - now);
        } else {
            next = now;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listeners_share_one_stream_that_stops_when_nobody_listens() {
        let streams = MohStreams::default();
        let dir = std::env::temp_dir();
        let mut a = streams
            .listen("tone_stream://%(1000,0,440)", 8000, dir.clone())
            .expect("a");
        let mut b = streams
            .listen("tone_stream://%(1000,0,440)", 8000, dir.clone())
            .expect("b");
        assert_eq!(streams.running(), 1, "one decode for both");
        std::thread::sleep(Duration::from_millis(100));
        let (fa, fb) = (
            a.next_frame().expect("a frame"),
            b.next_frame().expect("b frame"),
        );
        assert_eq!(fa.samples(), fb.samples(), "the same frame");
        assert!(a.next_frame().is_none(), "no new frame yet");
        drop((a, b));
        assert_eq!(streams.running(), 0);
        assert!(streams.listen("tone_stream://%(x", 8000, dir).is_err());
    }
}
