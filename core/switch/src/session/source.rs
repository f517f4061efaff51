//! What `playback` plays: a WAV file (any rate and channel count, mixed to
//! mono and resampled to the leg's rate), `tone_stream://…` or
//! `silence_stream://…`.

use std::path::{Path, PathBuf};
use switchyard_media::codec::Resampler;
use switchyard_media::tone::GeneratedSource;
use switchyard_media::wav::WavSource;

/// An open audio source producing PCM at one rate.
pub enum AudioSource {
    /// A WAV file.
    Wav(Box<WavPlayer>),
    /// A generated tone or silence.
    Generated(Box<GeneratedSource>),
}

/// A WAV file read and resampled frame by frame.
pub struct WavPlayer {
    source: WavSource<std::io::BufReader<std::fs::File>>,
    resampler: Option<Resampler>,
    /// Samples at the file's rate waiting for a resampler chunk.
    pending: Vec<i16>,
    /// Samples at the leg's rate ready to hand out.
    ready: std::collections::VecDeque<i16>,
    chunk_out: Vec<i16>,
    finished: bool,
}

/// Why a source did not open.
#[derive(Debug)]
pub enum OpenError {
    /// No such file.
    NotFound(PathBuf),
    /// The file or the specification is unusable.
    Invalid(String),
}

impl std::fmt::Display for OpenError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            OpenError::NotFound(path) => write!(f, "{} does not exist", path.display()),
            OpenError::Invalid(why) => f.write_str(why),
        }
    }
}

impl AudioSource {
    /// Opens `name` for playing at `rate` Hz; relative paths are found under
    /// `sounds_dir`.
    pub fn open(name: &str, rate: u32, sounds_dir: &Path) -> Result<AudioSource, OpenError> {
        let lower = name.to_ascii_lowercase();
        if lower.starts_with("tone_stream://") || lower.starts_with("silence_stream://") {
            return GeneratedSource::open(name, rate, 0x5eed)
                .map(|g| AudioSource::Generated(Box::new(g)))
                .map_err(|e| OpenError::Invalid(format!("{name}: {e}")));
        }
        let path = Path::new(name);
        let path = if path.is_absolute() {
            path.to_path_buf()
        } else {
            sounds_dir.join(path)
        };
        if !path.is_file() {
            return Err(OpenError::NotFound(path));
        }
        let source = WavSource::open(&path)
            .map_err(|e| OpenError::Invalid(format!("{}: {e}", path.display())))?;
        let file_rate = source.sample_rate();
        let resampler = if file_rate == rate {
            None
        } else {
            Some(
                Resampler::new(file_rate, rate, (file_rate / 50) as usize).map_err(|e| {
                    OpenError::Invalid(format!(
                        "{}: cannot resample {file_rate} Hz to {rate} Hz: {e}",
                        path.display()
                    ))
                })?,
            )
        };
        let chunk_out = resampler.as_ref().map_or(0, |r| r.output_frames() + 16);
        Ok(AudioSource::Wav(Box::new(WavPlayer {
            source,
            resampler,
            pending: Vec::new(),
            ready: std::collections::VecDeque::new(),
            chunk_out: vec![0; chunk_out],
            finished: false,
        })))
    }

    /// Fills `out`; returns how many samples are real (the rest is
    /// silence). 0 means the source is over.
    pub fn fill(&mut self, out: &mut [i16]) -> usize {
        match self {
            AudioSource::Generated(generated) => {
                if generated.is_finished() {
                    return 0;
                }
                generated.fill(out)
            }
            AudioSource::Wav(player) => player.fill(out),
        }
    }
}

impl WavPlayer {
    fn fill(&mut self, out: &mut [i16]) -> usize {
        while self.ready.len() < out.len() && !self.finished {
            self.refill();
        }
        let n = self.ready.len().min(out.len());
        for (slot, sample) in out.iter_mut().zip(self.ready.drain(..n)) {
            *slot = sample;
        }
        out[n..].fill(0);
        n
    }

    fn refill(&mut self) {
        let Some(resampler) = self.resampler.as_mut() else {
            let mut buf = [0i16; 320];
            match self.source.read(&mut buf) {
                Ok(0) | Err(_) => self.finished = true,
                Ok(n) => self.ready.extend(&buf[..n]),
            }
            return;
        };
        let want = resampler.input_frames();
        let mut buf = vec![0i16; want];
        while self.pending.len() < want {
            let missing = want - self.pending.len();
            match self.source.read(&mut buf[..missing]) {
                Ok(0) | Err(_) => {
                    if self.pending.is_empty() {
                        self.finished = true;
                        return;
                    }
                    // Pad the last chunk with silence, then stop.
                    self.pending.resize(want, 0);
                    self.finished = true;
                }
                Ok(n) => self.pending.extend_from_slice(&buf[..n]),
            }
        }
        if let Ok(n) = resampler.process(&self.pending[..want], &mut self.chunk_out) {
            self.ready.extend(&self.chunk_out[..n]);
        }
        self.pending.drain(..want);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tones_and_silence_open_and_end() {
        let dir = tempfile::tempdir().expect("dir");
        let mut tone =
            AudioSource::open("tone_stream://%(100,0,1000)", 8000, dir.path()).expect("tone");
        let mut total = 0;
        let mut frame = [0i16; 160];
        loop {
            let n = tone.fill(&mut frame);
            if n == 0 {
                break;
            }
            total += n;
            assert!(total < 8000, "a 100 ms tone ends");
        }
        assert_eq!(total, 800);
        assert!(AudioSource::open("silence_stream://200", 8000, dir.path()).is_ok());
        assert!(matches!(
            AudioSource::open("tone_stream://%(x)", 8000, dir.path()),
            Err(OpenError::Invalid(_))
        ));
        assert!(matches!(
            AudioSource::open("missing.wav", 8000, dir.path()),
            Err(OpenError::NotFound(_))
        ));
    }

    #[test]
    fn a_wav_at_another_rate_is_resampled() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("a.wav");
        let spec = hound::WavSpec {
            channels: 2,
            sample_rate: 16_000,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        };
        let mut writer = hound::WavWriter::create(&path, spec).expect("create");
        for i in 0..16_000 {
            let s = ((i as f32 * 0.1).sin() * 8000.0) as i16;
            writer.write_sample(s).expect("left");
            writer.write_sample(s).expect("right");
        }
        writer.finalize().expect("finalize");
        let mut source = AudioSource::open("a.wav", 8000, dir.path()).expect("open");
        let mut frame = [0i16; 160];
        let mut total = 0;
        loop {
            let n = source.fill(&mut frame);
            if n == 0 {
                break;
            }
            total += n;
        }
        // One second at 8 kHz, give or take the resampler's last chunk.
        assert!((7900..=8200).contains(&total), "{total}");
    }
}
