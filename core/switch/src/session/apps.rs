//! The dialplan applications that run on a session thread, with
//! FreeSWITCH's names and arguments: `answer`, `pre_answer`,
//! `ring_ready`, `playback`, `echo`, `park`, `sleep`, `record`,
//! `send_dtmf`, `start_dtmf`, `stop_dtmf`.

use super::source::AudioSource;
use super::{AnswerStage, AppOutcome, Interrupted, Session};
use crate::channel::cause::HangupCause;
use crate::media::PcmFrame;
use std::time::{Duration, Instant};
use switchyard_media::wav::{RecordLayout, WavRecorder};

/// The built-in session applications.
const BUILTIN: &[&str] = &[
    "answer",
    "pre_answer",
    "ring_ready",
    "playback",
    "echo",
    "park",
    "sleep",
    "record",
    "send_dtmf",
    "start_dtmf",
    "stop_dtmf",
    "lua",
];

/// Whether `application` is a built-in session application.
pub fn is_builtin(application: &str) -> bool {
    BUILTIN.contains(&application) || super::dialplan_apps::handles(application)
}

/// Runs a built-in application.
pub fn run(session: &mut Session, application: &str, data: &str) -> AppOutcome {
    if super::dialplan_apps::handles(application) {
        return super::dialplan_apps::run(session, application, data);
    }
    let result = match application {
        "lua" => return crate::lua::run_app(session, data),
        "answer" => stage(session, AnswerStage::Answer),
        "pre_answer" => stage(session, AnswerStage::PreAnswer),
        "ring_ready" => stage(session, AnswerStage::RingReady),
        "playback" => playback(session, data.trim()),
        "echo" => echo(session),
        "park" => park(session),
        "sleep" => sleep(session, data.trim()),
        "record" => record(session, data),
        "send_dtmf" => send_dtmf(session, data.trim()),
        "start_dtmf" | "stop_dtmf" => session.media().map(|leg| {
            leg.set_inband_detection(application == "start_dtmf");
        }),
        other => {
            tracing::warn!("dialplan application '{other}' is not available; skipped");
            Ok(())
        }
    };
    match result {
        Ok(()) => AppOutcome::Continue,
        Err(Interrupted::Hangup) => AppOutcome::Continue,
        Err(Interrupted::NoMedia) => {
            tracing::warn!(
                "{application}: {} has no media (not answered, or bypass_media)",
                session.uuid()
            );
            AppOutcome::Hangup(HangupCause::IncompatibleDestination)
        }
    }
}

fn stage(session: &mut Session, stage: AnswerStage) -> Result<(), Interrupted> {
    if session.answer(stage) {
        Ok(())
    } else if session.ready() {
        Err(Interrupted::NoMedia)
    } else {
        Err(Interrupted::Hangup)
    }
}

/// The digits that stop playback and recording (`playback_terminators`;
/// `none` for none).
fn terminators(session: &Session, default: &str) -> String {
    let value = session
        .channel()
        .variable("playback_terminators")
        .unwrap_or_else(|| default.to_owned());
    if value.eq_ignore_ascii_case("none") {
        String::new()
    } else {
        value
    }
}

/// Plays `name` to the caller; a digit in `terminators` stops it and is
/// returned. Digits heard meanwhile stay queued for what follows.
pub fn play(
    session: &mut Session,
    name: &str,
    terminators: &str,
) -> Result<Option<char>, Interrupted> {
    let (rate, frame_len) = session.format()?;
    let sounds = session.switch().paths.conf_dir.join("sounds");
    let mut source = match AudioSource::open(name, rate, &sounds) {
        Ok(source) => source,
        Err(e) => {
            tracing::warn!("playback: {e}");
            session
                .channel()
                .set_variable("playback_status", "FILE_NOT_FOUND");
            return Ok(None);
        }
    };
    let mut played = 0u64;
    loop {
        if let Some(digit) = pending_terminator(session, terminators) {
            session
                .channel()
                .set_variable("playback_terminator_used", digit.to_string());
            return Ok(Some(digit));
        }
        if session.take_interrupt() {
            session.channel().set_variable("playback_status", "BREAK");
            return Ok(None);
        }
        let mut frame = PcmFrame::silence(frame_len, rate);
        let n = source.fill(frame.samples_mut());
        if n == 0 {
            break;
        }
        played += n as u64;
        session.write_frame(frame)?;
        // Keep what is heard from piling up while we talk.
        session.flush_reads();
    }
    session
        .channel()
        .set_variable("playback_ms", (played * 1000 / u64::from(rate)).to_string());
    session.channel().set_variable("playback_status", "SUCCESS");
    Ok(None)
}

/// The first queued digit that is a terminator, taken out of the queue
/// (other digits stay queued for what follows).
fn pending_terminator(session: &mut Session, terminators: &str) -> Option<char> {
    if terminators.is_empty() {
        return None;
    }
    session.take_digit_matching(|d| terminators.contains(d))
}

fn playback(session: &mut Session, name: &str) -> Result<(), Interrupted> {
    let terminators = terminators(session, "");
    play(session, name, &terminators).map(|_| ())
}

fn echo(session: &mut Session) -> Result<(), Interrupted> {
    session.format()?;
    loop {
        if let Some(frame) = session.read_frame(Duration::from_secs(1))? {
            session.write_frame(frame)?;
        }
    }
}

fn park(session: &mut Session) -> Result<(), Interrupted> {
    while session.ready() {
        std::thread::sleep(Duration::from_millis(50));
    }
    Err(Interrupted::Hangup)
}

fn sleep(session: &mut Session, data: &str) -> Result<(), Interrupted> {
    let ms = data.parse::<u64>().unwrap_or(0);
    let deadline = Instant::now() + Duration::from_millis(ms);
    while Instant::now() < deadline {
        if !session.ready() {
            return Err(Interrupted::Hangup);
        }
        let left = deadline.saturating_duration_since(Instant::now());
        std::thread::sleep(left.min(Duration::from_millis(20)));
        session.flush_reads();
    }
    Ok(())
}

fn send_dtmf(session: &mut Session, data: &str) -> Result<(), Interrupted> {
    let (digits, duration) = match data.split_once('@') {
        Some((digits, ms)) => (digits, ms.trim().parse::<u32>().unwrap_or(100)),
        None => (data, 100),
    };
    let leg = session.media()?;
    leg.send_dtmf(digits, duration);
    Ok(())
}

/// `record <path> [<max seconds>] [<silence threshold>] [<silence seconds>]`.
fn record(session: &mut Session, data: &str) -> Result<(), Interrupted> {
    let words: Vec<&str> = data.split_whitespace().collect();
    let Some(path) = words.first() else {
        tracing::warn!("record needs a file path");
        return Ok(());
    };
    let limit = words
        .get(1)
        .and_then(|w| w.parse::<u64>().ok())
        .filter(|s| *s > 0);
    let threshold = words.get(2).and_then(|w| w.parse::<u32>().ok());
    let silence_secs = words
        .get(3)
        .and_then(|w| w.parse::<u64>().ok())
        .unwrap_or(3);
    let (rate, frame_len) = session.format()?;
    let stereo = session
        .channel()
        .variable("RECORD_STEREO")
        .is_some_and(|v| matches!(v.to_ascii_lowercase().as_str(), "true" | "yes" | "1"));
    let layout = if stereo {
        RecordLayout::Stereo
    } else {
        RecordLayout::Mono
    };
    let path = std::path::PathBuf::from(path);
    if let Some(parent) = path.parent()
        && !parent.as_os_str().is_empty()
    {
        let _ = std::fs::create_dir_all(parent);
    }
    let mut recorder = match WavRecorder::create(&path, rate, layout) {
        Ok(recorder) => recorder,
        Err(e) => {
            tracing::warn!("record: cannot create {}: {e}", path.display());
            return Ok(());
        }
    };
    let terminators = terminators(session, "*#");
    session.flush_reads();
    let started = Instant::now();
    let frame_ms = (frame_len as u64 * 1000 / u64::from(rate)).max(1);
    let silence_frames_limit = silence_secs * 1000 / frame_ms;
    let mut silent_frames = 0u64;
    let mut written = 0u64;
    let silence = vec![0i16; frame_len];
    let cause = loop {
        // The limit counts recorded audio, so the file is as long as asked
        // even when this thread ran late and frames were waiting.
        if let Some(max) = limit
            && written >= max * u64::from(rate)
        {
            break "success-maxtime";
        }
        if let Some(digit) = pending_terminator(session, &terminators) {
            session
                .channel()
                .set_variable("playback_terminator_used", digit.to_string());
            break "success-terminated";
        }
        if session.take_interrupt() {
            break "break";
        }
        let frame = match session.read_frame(Duration::from_millis(frame_ms * 2)) {
            Ok(frame) => frame,
            Err(interrupted) => {
                finish(recorder, session, written, rate, "hangup");
                return Err(interrupted);
            }
        };
        // The media clock delivers a frame every packet time (silence when
        // nothing was heard), so the file follows it. Only when no frame
        // came at all (the media thread stalled) is the gap filled from the
        // wall clock; frames queued while this thread was late are written
        // as they are, never after invented silence.
        let Some(frame) = frame else {
            let due = started.elapsed().as_millis() as u64 * u64::from(rate) / 1000;
            while written + frame_len as u64 <= due {
                let _ = write(&mut recorder, &silence, &silence);
                written += frame_len as u64;
            }
            continue;
        };
        let _ = write(
            &mut recorder,
            frame.samples(),
            &silence[..frame.len().min(frame_len)],
        );
        written += frame.len() as u64;
        if let Some(threshold) = threshold {
            if energy(frame.samples()) < threshold {
                silent_frames += 1;
                if silent_frames >= silence_frames_limit {
                    break "success-silence";
                }
            } else {
                silent_frames = 0;
            }
        }
    };
    finish(recorder, session, written, rate, cause);
    Ok(())
}

fn write(
    recorder: &mut WavRecorder<std::io::BufWriter<std::fs::File>>,
    heard: &[i16],
    sent: &[i16],
) -> Result<(), switchyard_media::wav::WavError> {
    match recorder.layout() {
        RecordLayout::Mono => recorder.write_mono(heard),
        RecordLayout::Stereo => {
            let n = heard.len().min(sent.len());
            recorder.write(&heard[..n], &sent[..n])
        }
    }
}

fn finish(
    recorder: WavRecorder<std::io::BufWriter<std::fs::File>>,
    session: &Session,
    written: u64,
    rate: u32,
    cause: &str,
) {
    match recorder.finish() {
        Ok(info) => {
            let channel = session.channel();
            channel.set_variable("record_ms", info.duration_ms().to_string());
            channel.set_variable("record_samples", written.to_string());
            channel.set_variable("record_completion_cause", cause);
            tracing::info!("recorded {} ms at {rate} Hz ({cause})", info.duration_ms());
        }
        Err(e) => tracing::warn!("record: finishing the file failed: {e}"),
    }
}

/// Mean absolute amplitude, FreeSWITCH's silence measure.
fn energy(samples: &[i16]) -> u32 {
    if samples.is_empty() {
        return 0;
    }
    let sum: u64 = samples.iter().map(|s| u64::from(s.unsigned_abs())).sum();
    (sum / samples.len() as u64) as u32
}
