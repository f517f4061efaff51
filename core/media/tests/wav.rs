//! WAV sources and recorders: every PCM flavour hound reads, mixing to
//! mono, damaged files, and recordings that other tools (soxi) accept.

use std::io::Cursor;
use std::path::Path;
use std::process::Command;

use switchyard_media::wav::{RecordLayout, WavError, WavRecorder, WavSource};

/// A WAV in memory with the given spec and interleaved samples.
fn wav_bytes<S: hound::Sample + Copy>(spec: hound::WavSpec, samples: &[S]) -> Vec<u8> {
    let mut cursor = Cursor::new(Vec::new());
    let mut writer = hound::WavWriter::new(&mut cursor, spec).unwrap();
    for &s in samples {
        writer.write_sample(s).unwrap();
    }
    writer.finalize().unwrap();
    cursor.into_inner()
}

fn spec(channels: u16, rate: u32, bits: u16, float: bool) -> hound::WavSpec {
    hound::WavSpec {
        channels,
        sample_rate: rate,
        bits_per_sample: bits,
        sample_format: if float {
            hound::SampleFormat::Float
        } else {
            hound::SampleFormat::Int
        },
    }
}

fn read_all<R: std::io::Read>(source: &mut WavSource<R>, frame: usize) -> Vec<i16> {
    let mut out = Vec::new();
    let mut buf = vec![0i16; frame];
    loop {
        let n = source.read(&mut buf).unwrap();
        if n == 0 {
            return out;
        }
        out.extend_from_slice(&buf[..n]);
    }
}

#[test]
fn every_pcm_width_reads_as_16_bit() {
    let expected = [0i16, 1000, -1000, 32767, -32768, 256];
    let i16s: Vec<i16> = expected.to_vec();
    let i8s: Vec<i8> = expected.iter().map(|s| (s >> 8) as i8).collect();
    let i24s: Vec<i32> = expected.iter().map(|s| i32::from(*s) << 8).collect();
    let i32s: Vec<i32> = expected.iter().map(|s| i32::from(*s) << 16).collect();
    let f32s: Vec<f32> = expected.iter().map(|s| f32::from(*s) / 32767.0).collect();

    let cases: Vec<(Vec<u8>, Vec<i16>)> = vec![
        (
            wav_bytes(spec(1, 8000, 16, false), &i16s),
            expected.to_vec(),
        ),
        (
            wav_bytes(spec(1, 8000, 8, false), &i8s),
            expected.iter().map(|s| s & !0xff).collect(),
        ),
        (
            wav_bytes(spec(1, 8000, 24, false), &i24s),
            expected.to_vec(),
        ),
        (
            wav_bytes(spec(1, 8000, 32, false), &i32s),
            expected.to_vec(),
        ),
        (wav_bytes(spec(1, 8000, 32, true), &f32s), expected.to_vec()),
    ];
    for (i, (bytes, want)) in cases.into_iter().enumerate() {
        let mut source = WavSource::new(Cursor::new(bytes)).unwrap();
        assert_eq!(source.sample_rate(), 8000);
        assert_eq!(read_all(&mut source, 4), want, "case {i}");
    }
}

#[test]
fn stereo_and_multichannel_are_mixed_to_mono_at_the_files_rate() {
    let bytes = wav_bytes(
        spec(2, 44_100, 16, false),
        &[1000i16, 3000, -2000, 0, 32767, 32767],
    );
    let mut source = WavSource::new(Cursor::new(bytes)).unwrap();
    assert_eq!(
        (
            source.sample_rate(),
            source.channels(),
            source.bits_per_sample()
        ),
        (44_100, 2, 16)
    );
    assert_eq!(source.frames_left(), 3);
    assert_eq!(read_all(&mut source, 2), vec![2000, -1000, 32767]);
    assert_eq!(source.frames_left(), 0);

    let bytes = wav_bytes(
        spec(3, 22_050, 32, true),
        &[0.3f32, 0.3, 0.3, -1.0, -1.0, -1.0],
    );
    let mut source = WavSource::new(Cursor::new(bytes)).unwrap();
    assert!(source.is_float());
    assert_eq!(read_all(&mut source, 160), vec![9830, -32767]);
}

#[test]
fn damaged_files_are_errors_not_panics() {
    assert!(matches!(
        WavSource::new(Cursor::new(Vec::new())),
        Err(WavError::Io(_) | WavError::Format(_))
    ));
    assert!(WavSource::new(Cursor::new(b"RIFF\x10\0\0\0WAVEjunkjunkjunk".to_vec())).is_err());
    assert!(WavSource::open("/nonexistent/file.wav").is_err());
    // A file cut in the middle of its data: what is there is read, then an
    // error or the end, never a panic.
    let bytes = wav_bytes(spec(2, 8000, 24, false), &vec![1000i32; 1000]);
    for cut in [44, 45, 50, 100, 1001, bytes.len() - 1] {
        let Ok(mut source) = WavSource::new(Cursor::new(bytes[..cut].to_vec())) else {
            continue;
        };
        let mut buf = [0i16; 160];
        for _ in 0..100 {
            match source.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(_) => {}
            }
        }
    }
    // Every truncation of a small file, and every single-byte corruption
    // of its header.
    let bytes = wav_bytes(spec(1, 8000, 16, false), &[1i16, 2, 3, 4]);
    for cut in 0..bytes.len() {
        if let Ok(mut source) = WavSource::new(Cursor::new(bytes[..cut].to_vec())) {
            let _ = source.read(&mut [0i16; 8]);
        }
    }
    for i in 0..44 {
        for value in [0u8, 0xff, 0x7f, 1] {
            let mut corrupt = bytes.clone();
            corrupt[i] = value;
            if let Ok(mut source) = WavSource::new(Cursor::new(corrupt)) {
                let _ = source.read(&mut [0i16; 8]);
            }
        }
    }
}

fn soxi(path: &Path, flag: &str) -> Option<String> {
    let out = Command::new("soxi").arg(flag).arg(path).output().ok()?;
    assert!(
        out.status.success(),
        "soxi {flag} {}: {}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    Some(String::from_utf8(out.stdout).unwrap().trim().to_owned())
}

fn ramp(n: usize, scale: i16) -> Vec<i16> {
    (0..n).map(|i| (i as i16 % 100) * scale).collect()
}

#[test]
fn mono_recording_finished_is_valid() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mono.wav");
    let mut recorder = WavRecorder::create(&path, 8000, RecordLayout::Mono).unwrap();
    for _ in 0..50 {
        recorder.write_mono(&ramp(160, 10)).unwrap();
    }
    // Mixing two legs into mono.
    recorder.write(&[1000; 160], &[500; 100]).unwrap();
    let info = recorder.finish().unwrap();
    assert_eq!(info.frames, 51 * 160);
    assert_eq!(info.duration_ms(), 1020);

    let mut source = WavSource::open(&path).unwrap();
    let samples = read_all(&mut source, 160);
    assert_eq!(samples.len(), 51 * 160);
    assert_eq!(&samples[50 * 160..50 * 160 + 2], &[1500, 1500]);
    assert_eq!(samples[51 * 160 - 1], 1000);
    match soxi(&path, "-c") {
        Some(channels) => {
            assert_eq!(channels, "1");
            assert_eq!(soxi(&path, "-r").unwrap(), "8000");
            assert_eq!(soxi(&path, "-s").unwrap(), (51 * 160).to_string());
            assert_eq!(soxi(&path, "-D").unwrap(), "1.020000");
            assert_eq!(soxi(&path, "-b").unwrap(), "16");
        }
        None => eprintln!("soxi not installed: skipping the soxi checks"),
    }
}

#[test]
fn stereo_recording_dropped_without_finish_is_valid() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("stereo.wav");
    {
        let mut recorder = WavRecorder::create(&path, 16000, RecordLayout::Stereo).unwrap();
        assert!(matches!(
            recorder.write_mono(&[0; 10]),
            Err(WavError::Usage(_))
        ));
        for _ in 0..100 {
            recorder.write(&[1111; 320], &[-2222; 320]).unwrap();
        }
        recorder.flush().unwrap();
        // Mid-call the file is already valid.
        let reader = hound::WavReader::open(&path).unwrap();
        assert_eq!(reader.duration(), 32_000);
        recorder.write(&[7; 320], &[]).unwrap();
        assert_eq!(recorder.frames(), 32_320);
        // Dropped here: hound finalises the header.
    }
    let mut reader = hound::WavReader::open(&path).unwrap();
    assert_eq!(reader.spec().channels, 2);
    assert_eq!(reader.duration(), 32_320);
    let samples: Vec<i16> = reader.samples::<i16>().map(Result::unwrap).collect();
    assert_eq!(&samples[..4], &[1111, -2222, 1111, -2222]);
    assert_eq!(&samples[samples.len() - 2..], &[7, 0]);
    if let Some(channels) = soxi(&path, "-c") {
        assert_eq!(channels, "2");
        assert_eq!(soxi(&path, "-D").unwrap(), "2.020000");
    } else {
        eprintln!("soxi not installed: skipping the soxi checks");
    }
}

#[test]
fn recorder_errors() {
    assert!(matches!(
        WavRecorder::create("/nonexistent/dir/x.wav", 8000, RecordLayout::Mono),
        Err(WavError::Io(_))
    ));
    assert!(matches!(
        WavRecorder::new(Cursor::new(Vec::new()), 0, RecordLayout::Mono),
        Err(WavError::Usage(_))
    ));
    let e = WavRecorder::new(Cursor::new(Vec::new()), 0, RecordLayout::Stereo).unwrap_err();
    assert_eq!(e.to_string(), "WAV recorder: a sample rate of 0");
}
