//! In-band DTMF: tones from our generator and from sox are detected once
//! per press, at 8 and 16 kHz, with noise; speech-like sound and short
//! blips are not.

use std::process::Command;

use switchyard_media::dtmf::{DetectorError, Digit, DtmfDetector, InbandEvent};
use switchyard_media::tone::{ToneGenerator, ToneScript};
use switchyard_media::wav::WavSource;

/// A small deterministic noise source (xorshift), uniform in ±amplitude.
struct Noise(u32);

impl Noise {
    fn sample(&mut self, amplitude: f32) -> f32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 17;
        self.0 ^= self.0 << 5;
        (self.0 as f32 / u32::MAX as f32 * 2.0 - 1.0) * amplitude
    }
}

fn render(script: &str, rate: u32) -> Vec<i16> {
    let mut generator = ToneGenerator::new(ToneScript::parse(script).unwrap(), rate);
    let mut out = vec![0i16; generator.total_len().unwrap() as usize];
    let n = generator.fill(&mut out);
    assert_eq!(n, out.len());
    out
}

fn add_noise(samples: &mut [i16], amplitude: f32, seed: u32) {
    let mut noise = Noise(seed);
    for s in samples {
        *s = (f32::from(*s) + noise.sample(amplitude)).clamp(-32768.0, 32767.0) as i16;
    }
}

/// Runs the detector frame by frame; returns the digits and the events.
fn detect(samples: &[i16], rate: u32, frame: usize) -> (String, Vec<InbandEvent>) {
    let mut detector = DtmfDetector::new(rate).unwrap();
    let mut events = Vec::new();
    for chunk in samples.chunks(frame) {
        detector.process(chunk, |e| events.push(e));
    }
    // Trailing silence so the last press ends.
    let silence = vec![0i16; frame];
    for _ in 0..(rate as usize / 10 / frame + 1) {
        detector.process(&silence, |e| events.push(e));
    }
    let digits = events
        .iter()
        .filter_map(|e| match e {
            InbandEvent::Digit { digit, .. } => Some(digit.to_char()),
            InbandEvent::End { .. } => None,
        })
        .collect();
    (digits, events)
}

const ALL_KEYS: &str = "0123456789*#ABCD";

fn keys_script(on_ms: u32, off_ms: u32, volume_db: i32) -> String {
    format!("v={volume_db};d={on_ms};w={off_ms};{ALL_KEYS}")
}

#[test]
fn every_key_once_at_8k_and_16k() {
    for rate in [8000, 16000] {
        let samples = render(&keys_script(100, 100, -7), rate);
        let frame = rate as usize / 50;
        let (digits, events) = detect(&samples, rate, frame);
        assert_eq!(digits, ALL_KEYS, "at {rate} Hz");
        let ends = events
            .iter()
            .filter(|e| matches!(e, InbandEvent::End { .. }))
            .count();
        assert_eq!(ends, 16);
        // Where and how long: within a block of the truth.
        let block = (rate as f32 * 0.01275) as u64;
        for (i, event) in events
            .iter()
            .filter(|e| matches!(e, InbandEvent::End { .. }))
            .enumerate()
        {
            let InbandEvent::End {
                start_sample,
                duration_samples,
                ..
            } = *event
            else {
                unreachable!()
            };
            let truth = i as u64 * u64::from(rate) / 5;
            assert!(
                start_sample.abs_diff(truth) <= block,
                "{start_sample} vs {truth}"
            );
            assert!(duration_samples.abs_diff(u64::from(rate) / 10) <= 2 * block);
        }
    }
}

#[test]
fn frame_size_does_not_matter() {
    let samples = render(&keys_script(80, 60, -10), 8000);
    for frame in [1, 7, 80, 160, 240, 1000, samples.len()] {
        assert_eq!(detect(&samples, 8000, frame).0, ALL_KEYS, "frame {frame}");
    }
}

#[test]
fn detected_through_noise() {
    for (rate, seed) in [(8000, 1), (16000, 2)] {
        // Tones at -20 dB (peak ~1140 per tone), white noise ±700 uniform
        // over the whole band: about 9 dB signal to noise.
        let mut samples = render(&keys_script(100, 100, -20), rate);
        add_noise(&mut samples, 700.0, seed);
        assert_eq!(
            detect(&samples, rate, rate as usize / 50).0,
            ALL_KEYS,
            "at {rate} Hz"
        );
    }
}

#[test]
fn quiet_twisted_and_off_frequency_tones() {
    // -25 dB (each tone about -31 dBm0) is still a key; -45 dB is below the threshold.
    assert_eq!(
        detect(&render("v=-25;d=100;w=100;5", 8000), 8000, 160).0,
        "5"
    );
    assert_eq!(
        detect(&render("v=-45;d=100;w=100;5", 8000), 8000, 160).0,
        ""
    );
    // Column 6 dB weaker than row: normal twist, accepted.
    let twisted = render("v=0;%(100,100,770,1336);", 8000);
    let column_weak: Vec<i16> = twisted
        .iter()
        .zip(render("v=0;%(100,100,1336)", 8000))
        .map(|(both, col)| both - col / 4)
        .collect();
    assert_eq!(detect(&column_weak, 8000, 160).0, "5");
    // A single frequency is not a key; nor is a pair off the grid.
    assert_eq!(detect(&render("%(200,100,770)", 8000), 8000, 160).0, "");
    assert_eq!(
        detect(&render("%(200,100,1000,1100)", 8000), 8000, 160).0,
        ""
    );
}

#[test]
fn on_time_and_off_time() {
    // 20 ms is a blip, 50 ms is a press.
    assert_eq!(detect(&render("d=20;w=200;5", 8000), 8000, 160).0, "");
    assert_eq!(detect(&render("d=50;w=200;5", 8000), 8000, 160).0, "5");
    // The same key twice with a 60 ms pause: two presses.
    assert_eq!(detect(&render("d=100;w=60;55", 8000), 8000, 160).0, "55");
    // A 10 ms dropout inside one press (a spoiled block): still one press.
    assert_eq!(
        detect(&render("5(150,10);5(150,200)", 8000), 8000, 160).0,
        "5"
    );
    // A long press is one press.
    assert_eq!(detect(&render("d=3000;w=100;#", 16000), 16000, 320).0, "#");
}

#[test]
fn speech_like_sound_and_noise_are_not_keys() {
    // A voiced sound: 110-190 Hz gliding pitch with 30 harmonics and two
    // formant-like peaks sweeping through the DTMF band.
    let rate = 8000u32;
    let mut samples = Vec::new();
    let mut phase = 0.0f32;
    for n in 0..rate * 5 {
        let t = n as f32 / rate as f32;
        let f0 = 150.0 + 40.0 * (2.0 * std::f32::consts::PI * 0.7 * t).sin();
        phase += 2.0 * std::f32::consts::PI * f0 / rate as f32;
        let f1 = 700.0 + 250.0 * (2.0 * std::f32::consts::PI * 0.9 * t).sin();
        let f2 = 1300.0 + 300.0 * (2.0 * std::f32::consts::PI * 1.3 * t).sin();
        let mut x = 0.0;
        for h in 1..=30 {
            let fh = f0 * h as f32;
            if fh > 3800.0 {
                break;
            }
            let gain = 1.0 / (1.0 + ((fh - f1) / 120.0).powi(2))
                + 0.7 / (1.0 + ((fh - f2) / 150.0).powi(2));
            x += gain * (phase * h as f32).sin();
        }
        samples.push((x * 4000.0).clamp(-32768.0, 32767.0) as i16);
    }
    assert_eq!(detect(&samples, rate, 160).0, "");
    let mut noise = vec![0i16; rate as usize * 5];
    add_noise(&mut noise, 20000.0, 9);
    assert_eq!(detect(&noise, rate, 160).0, "");
}

#[test]
fn rates_outside_8k_to_48k_are_refused() {
    assert_eq!(
        DtmfDetector::new(4000).unwrap_err(),
        DetectorError::UnsupportedRate(4000)
    );
    assert!(DtmfDetector::new(48000).is_ok());
    assert_eq!(DtmfDetector::new(8000).unwrap().block_len(), 102);
    assert_eq!(DtmfDetector::new(16000).unwrap().block_len(), 204);
    let mut detector = DtmfDetector::new(8000).unwrap();
    let samples = render("d=100;w=100;9", 8000);
    let found: Vec<Digit> = samples
        .chunks(160)
        .filter_map(|f| detector.process_frame(f))
        .collect();
    assert_eq!(found, vec![Digit::D9]);
}

/// Makes a WAV of the keys with sox; `None` (and a message) without sox.
fn sox_keys(
    dir: &std::path::Path,
    keys: &str,
    rate: u32,
    format: &[&str],
) -> Option<std::path::PathBuf> {
    let mut parts = Vec::new();
    for (i, c) in keys.chars().enumerate() {
        let (row, col) = Digit::from_char(c).unwrap().frequencies().unwrap();
        let part = dir.join(format!("k{rate}_{i}.wav"));
        let status = Command::new("sox")
            .args(["-n", "-r", &rate.to_string(), "-b", "16"])
            .arg(&part)
            .args([
                "synth",
                "0.1",
                "sine",
                &row.to_string(),
                "sine",
                &col.to_string(),
            ])
            .args(["channels", "1", "vol", "0.5", "pad", "0", "0.1"])
            .status();
        match status {
            Ok(s) if s.success() => parts.push(part),
            Ok(s) => panic!("sox failed: {s}"),
            Err(_) => {
                eprintln!("sox not installed: skipping the sox-generated DTMF test");
                return None;
            }
        }
    }
    let out = dir.join(format!("keys_{rate}_{}.wav", format.join("_")));
    let status = Command::new("sox")
        .args(&parts)
        .args(format)
        .arg(&out)
        .status()
        .unwrap();
    assert!(status.success());
    Some(out)
}

fn detect_file(path: &std::path::Path) -> String {
    let mut source = WavSource::open(path).unwrap();
    let rate = source.sample_rate();
    let mut detector = DtmfDetector::new(rate).unwrap();
    let mut digits = String::new();
    let mut frame = vec![0i16; rate as usize / 50];
    loop {
        let n = source.read(&mut frame).unwrap();
        if n == 0 {
            break;
        }
        detector.process(&frame[..n], |e| {
            if let InbandEvent::Digit { digit, .. } = e {
                digits.push(digit.to_char());
            }
        });
    }
    digits
}

#[test]
fn sox_generated_keys_are_detected_once() {
    let dir = tempfile::tempdir().unwrap();
    let keys = "159#*0D";
    for (rate, format) in [
        (8000, &["-b", "16"][..]),
        (16000, &["-b", "16"][..]),
        (8000, &["-b", "24", "-c", "2"][..]),
        (16000, &["-e", "floating-point", "-b", "32"][..]),
        (8000, &["-b", "8", "-e", "unsigned-integer"][..]),
    ] {
        let Some(path) = sox_keys(dir.path(), keys, rate, format) else {
            return;
        };
        assert_eq!(detect_file(&path), keys, "{rate} Hz {format:?}");
    }
}
