//! Dialplan applications registered by modules, and the blocking channel
//! functions of ABI 1.1 that such an application uses on its own session
//! thread: playing a source to the caller ([`play`]) and collecting DTMF
//! digits ([`collect_digits`]).
//!
//! A module application runs like a built-in one: on the channel's session
//! thread, one at a time, and the dialplan goes on when it returns. While it
//! runs, its registry entry is held in use, so the module cannot be
//! unloaded under it.

use super::source::{AudioSource, OpenError};
use super::{AppOutcome, Interrupted, Session};
use crate::media::PcmFrame;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// Longest wait for a digit before collection looks at the call and the
/// clock again (a digit ends the wait at once).
const DIGIT_POLL: Duration = Duration::from_millis(100);

/// The rate a source is opened at to check it before the call is touched.
const PROBE_RATE: u32 = 8000;

/// How long [`play`] waits at most for the frames it queued to be sent.
const DRAIN_LIMIT: Duration = Duration::from_millis(500);

/// Runs the module application `application` with argument `data`.
///
/// The application's failure is logged and the dialplan goes on, as in
/// FreeSWITCH; an application that wants the call to end hangs it up.
pub fn run(session: &mut Session, application: &str, data: &str) -> AppOutcome {
    let Some(entry) = session.switch().apps.acquire(application) else {
        tracing::warn!(
            "dialplan application '{application}' is no longer registered (its module was unloaded); skipped"
        );
        return AppOutcome::Continue;
    };
    if let Err(why) = (entry.handler)(session, data) {
        tracing::warn!(
            "{} ({}) failed on {}: {why}",
            entry.name,
            entry.owner,
            session.uuid()
        );
    }
    AppOutcome::Continue
}

/// Why [`play`] did not play its source to the end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlayError {
    /// The file does not exist (the message names the path tried).
    NotFound(String),
    /// The source cannot be played: a bad tone script or an unusable WAV.
    Invalid(String),
    /// The call hung up or has no media.
    Interrupted(Interrupted),
}

impl std::fmt::Display for PlayError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PlayError::NotFound(why) | PlayError::Invalid(why) => f.write_str(why),
            PlayError::Interrupted(Interrupted::Hangup) => f.write_str("the call hung up"),
            PlayError::Interrupted(Interrupted::NoMedia) => {
                f.write_str("the call has no media (not answered, or bypass_media)")
            }
        }
    }
}

fn open_error(error: OpenError) -> PlayError {
    match error {
        OpenError::NotFound(_) => PlayError::NotFound(error.to_string()),
        OpenError::Invalid(_) => PlayError::Invalid(error.to_string()),
    }
}

/// Where relative file names are found: the channel variable
/// `sound_prefix` when set (itself relative to `CONF_DIR/sounds` unless
/// absolute), else `CONF_DIR/sounds`.
pub fn sounds_dir(session: &Session) -> PathBuf {
    let sounds = session.switch().paths.conf_dir.join("sounds");
    match session.channel().variable("sound_prefix") {
        Some(prefix) if !prefix.trim().is_empty() => sounds.join(prefix.trim()),
        _ => sounds,
    }
}

/// Plays `source` (a WAV path, `tone_stream://…` or `silence_stream://…`)
/// to the caller and returns once it has been sent, or with the digit of
/// `terminators` that stopped it (consumed; other digits stay queued).
///
/// The source is checked before the call is touched, so a missing file or a
/// bad script neither answers the call nor plays anything. Otherwise the
/// call is answered first when it has no media yet, as FreeSWITCH's
/// `playback` does. Sets `playback_status`, `playback_ms` and, when a digit
/// stopped it, `playback_terminator_used`.
///
/// # Errors
/// [`PlayError`]: the source is missing or unusable, or the call hung up.
pub fn play(
    session: &mut Session,
    source: &str,
    terminators: &str,
) -> Result<Option<char>, PlayError> {
    if !session.ready() {
        return Err(PlayError::Interrupted(Interrupted::Hangup));
    }
    let sounds = sounds_dir(session);
    if let Err(e) = AudioSource::open(source, PROBE_RATE, &sounds) {
        if matches!(e, OpenError::NotFound(_)) {
            session
                .channel()
                .set_variable("playback_status", "FILE_NOT_FOUND");
        }
        return Err(open_error(e));
    }
    let (rate, frame_len) = session.format().map_err(PlayError::Interrupted)?;
    let mut audio = AudioSource::open(source, rate, &sounds).map_err(open_error)?;
    let mut played = 0u64;
    loop {
        if !terminators.is_empty()
            && let Some(digit) = session.take_digit_matching(|d| terminators.contains(d))
        {
            session
                .channel()
                .set_variable("playback_terminator_used", digit.to_string());
            session.channel().set_variable("playback_status", "SUCCESS");
            return Ok(Some(digit));
        }
        let mut frame = PcmFrame::silence(frame_len, rate);
        let n = audio.fill(frame.samples_mut());
        if n == 0 {
            break;
        }
        played += n as u64;
        session.write_frame(frame).map_err(PlayError::Interrupted)?;
        // Keep what is heard from piling up while we talk.
        session.flush_reads();
    }
    drain(session).map_err(PlayError::Interrupted)?;
    session.channel().set_variable(
        "playback_ms",
        (played * 1000 / u64::from(rate.max(1))).to_string(),
    );
    session.channel().set_variable("playback_status", "SUCCESS");
    Ok(None)
}

/// Waits (briefly) until the media task has taken every frame the session
/// queued, so that "played" means sent rather than queued.
fn drain(session: &mut Session) -> Result<(), Interrupted> {
    let deadline = Instant::now() + DRAIN_LIMIT;
    while session.writer.as_ref().is_some_and(|w| !w.is_empty()) && Instant::now() < deadline {
        if !session.ready() {
            return Err(Interrupted::Hangup);
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    if session.ready() {
        Ok(())
    } else {
        Err(Interrupted::Hangup)
    }
}

/// What [`collect_digits`] is asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DigitRequest<'a> {
    /// The fewest digits that count as an answer.
    pub min: u32,
    /// Collection ends when this many digits are in (at least 1).
    pub max: u32,
    /// Digits that end collection; consumed, not collected.
    pub terminators: &'a str,
    /// How long to wait for the first digit (0: only digits already queued).
    pub first_timeout: Duration,
    /// How long to wait for each further digit.
    pub digit_timeout: Duration,
}

impl DigitRequest<'_> {
    /// Checks the counts: `max` at least 1 and at least `min`.
    ///
    /// # Errors
    /// A message saying what is wrong.
    pub fn validate(&self) -> Result<(), String> {
        if self.max == 0 {
            return Err("max_digits must be at least 1".into());
        }
        if self.max < self.min {
            return Err(format!(
                "max_digits ({}) is less than min_digits ({})",
                self.max, self.min
            ));
        }
        Ok(())
    }
}

/// How a collection ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Collected {
    /// At least the minimum number of digits (possibly none when it is 0).
    Enough(String),
    /// Fewer than the minimum; what came is dropped.
    TooFew(String),
}

/// Where [`collect_digits`] takes digits and time from: the [`Session`],
/// or a scripted source in tests.
pub trait DigitSource {
    /// The next digit heard, if one is waiting.
    fn next_digit(&mut self) -> Option<char>;
    /// Whether the call is still up.
    fn is_up(&self) -> bool;
    /// The current time.
    fn clock(&self) -> Instant;
    /// Waits for `duration` before looking again.
    fn wait(&mut self, duration: Duration);
}

impl DigitSource for Session {
    fn next_digit(&mut self) -> Option<char> {
        self.take_digit().map(|d| d.digit)
    }

    fn is_up(&self) -> bool {
        self.ready()
    }

    fn clock(&self) -> Instant {
        Instant::now()
    }

    fn wait(&mut self, duration: Duration) {
        // Woken by the next digit rather than polling for it.
        self.wait_for_digit(duration);
        // Nobody listens meanwhile: keep heard audio from going stale.
        self.flush_reads();
    }
}

/// Collects DTMF digits as `request` says, queued ones first: until `max`
/// digits are in, a terminator arrives (consumed, not collected), no digit
/// comes within the first timeout, or no further digit within the
/// inter-digit timeout.
///
/// # Errors
/// [`Interrupted::Hangup`] when the call hangs up before collection ends.
pub fn collect_digits(
    source: &mut impl DigitSource,
    request: &DigitRequest<'_>,
) -> Result<Collected, Interrupted> {
    let max = usize::try_from(request.max).unwrap_or(usize::MAX);
    let min = usize::try_from(request.min).unwrap_or(usize::MAX);
    let mut digits = String::new();
    let mut deadline = source.clock() + request.first_timeout;
    while digits.len() < max {
        if !source.is_up() {
            return Err(Interrupted::Hangup);
        }
        if let Some(digit) = source.next_digit() {
            if request.terminators.contains(digit) {
                break;
            }
            digits.push(digit);
            deadline = source.clock() + request.digit_timeout;
            continue;
        }
        let now = source.clock();
        if now >= deadline {
            break;
        }
        source.wait(DIGIT_POLL.min(deadline - now));
    }
    Ok(if digits.len() >= min {
        Collected::Enough(digits)
    } else {
        Collected::TooFew(digits)
    })
}

/// A session for tests elsewhere in the crate (the host functions' tests
/// run module applications on one).
#[cfg(test)]
pub(crate) fn test_session(
    switch: std::sync::Arc<crate::switch::Switch>,
    channel: std::sync::Arc<crate::channel::registry::ChannelHandle>,
) -> Session {
    Session::new(switch, channel)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::apps::AppHandler;
    use crate::channel::test_support::live_inbound;
    use crate::registry::Entry;
    use crate::switch::test_switch;
    use std::collections::VecDeque;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// Digits scripted at times after the start, on a virtual clock.
    struct Script {
        start: Instant,
        elapsed: Duration,
        digits: VecDeque<(u64, char)>,
        hangup_at: Option<u64>,
    }

    impl Script {
        fn new(digits: &[(u64, char)]) -> Script {
            Script {
                start: Instant::now(),
                elapsed: Duration::ZERO,
                digits: digits.iter().copied().collect(),
                hangup_at: None,
            }
        }

        fn ms(&self) -> u64 {
            self.elapsed.as_millis() as u64
        }
    }

    impl DigitSource for Script {
        fn next_digit(&mut self) -> Option<char> {
            match self.digits.front() {
                Some(&(at, digit)) if at <= self.ms() => {
                    self.digits.pop_front();
                    Some(digit)
                }
                _ => None,
            }
        }

        fn is_up(&self) -> bool {
            self.hangup_at.is_none_or(|at| self.ms() < at)
        }

        fn clock(&self) -> Instant {
            self.start + self.elapsed
        }

        fn wait(&mut self, duration: Duration) {
            self.elapsed += duration;
        }
    }

    fn request(min: u32, max: u32, terminators: &str, first: u64, next: u64) -> DigitRequest<'_> {
        DigitRequest {
            min,
            max,
            terminators,
            first_timeout: Duration::from_millis(first),
            digit_timeout: Duration::from_millis(next),
        }
    }

    #[test]
    fn queued_digits_count_first_and_max_ends_collection() {
        let mut script = Script::new(&[(0, '1'), (0, '2'), (0, '3'), (0, '4')]);
        let got = collect_digits(&mut script, &request(1, 3, "#", 1000, 500)).unwrap();
        assert_eq!(got, Collected::Enough("123".into()));
        assert_eq!(script.ms(), 0, "no waiting when the digits are queued");
        assert_eq!(script.next_digit(), Some('4'), "the rest stays queued");
    }

    #[test]
    fn a_terminator_ends_collection_and_is_consumed() {
        let mut script = Script::new(&[(100, '4'), (300, '2'), (400, '#'), (450, '9')]);
        let got = collect_digits(&mut script, &request(1, 10, "#", 1000, 500)).unwrap();
        assert_eq!(got, Collected::Enough("42".into()));
        assert_eq!(script.digits.front(), Some(&(450, '9')));
    }

    #[test]
    fn the_first_and_the_inter_digit_timeouts_end_collection() {
        let mut nothing = Script::new(&[(2000, '1')]);
        let got = collect_digits(&mut nothing, &request(1, 4, "", 1000, 500)).unwrap();
        assert_eq!(got, Collected::TooFew(String::new()));
        assert!((1000..1020).contains(&nothing.ms()), "{}", nothing.ms());

        let mut slow = Script::new(&[(900, '1'), (1300, '2'), (2000, '3')]);
        let got = collect_digits(&mut slow, &request(2, 4, "", 1000, 500)).unwrap();
        assert_eq!(got, Collected::Enough("12".into()));
        assert!((1800..1820).contains(&slow.ms()), "{}", slow.ms());
    }

    #[test]
    fn fewer_than_min_is_too_few_and_min_zero_accepts_nothing() {
        let mut one = Script::new(&[(0, '7'), (10, '#')]);
        let got = collect_digits(&mut one, &request(2, 4, "#", 1000, 500)).unwrap();
        assert_eq!(got, Collected::TooFew("7".into()));
        let mut none = Script::new(&[]);
        let got = collect_digits(&mut none, &request(0, 4, "#", 0, 0)).unwrap();
        assert_eq!(got, Collected::Enough(String::new()));
        assert_eq!(none.ms(), 0, "a zero first timeout does not wait");
    }

    #[test]
    fn a_hangup_interrupts_collection() {
        let mut script = Script::new(&[(100, '1')]);
        script.hangup_at = Some(300);
        assert_eq!(
            collect_digits(&mut script, &request(1, 4, "", 5000, 5000)),
            Err(Interrupted::Hangup)
        );
    }

    #[test]
    fn requests_are_validated() {
        assert!(request(0, 0, "", 0, 0).validate().is_err());
        assert!(request(3, 2, "", 0, 0).validate().is_err());
        assert!(request(2, 2, "", 0, 0).validate().is_ok());
    }

    #[test]
    fn module_apps_run_with_their_entry_in_use_and_failures_continue() {
        let (switch, _dirs) = test_switch();
        let channel = live_inbound(&switch);
        let seen = Arc::new(AtomicUsize::new(0));
        let probe = Arc::clone(&seen);
        let observer = Arc::clone(&switch);
        let handler: AppHandler = Box::new(move |session, data| {
            let busy = crate::registry::busy_entries(&observer.apps.write(), "mod_t");
            assert_eq!(busy, ["t_app"]);
            assert!(session.ready());
            probe.fetch_add(1, Ordering::SeqCst);
            if data == "fail" {
                Err("asked to fail".into())
            } else {
                Ok(())
            }
        });
        switch
            .apps
            .register(Entry::new("t_app", "", "", "mod_t", handler))
            .expect("register");
        assert!(super::super::is_session_app(&switch, "t_app"));
        assert!(super::super::is_session_app(&switch, "playback"));
        assert!(!super::super::is_session_app(&switch, "no_such_app"));
        let mut session = test_session(Arc::clone(&switch), channel);
        assert_eq!(session.run("t_app", ""), AppOutcome::Continue);
        assert_eq!(session.run("t_app", "fail"), AppOutcome::Continue);
        assert_eq!(seen.load(Ordering::SeqCst), 2);
        assert!(crate::registry::busy_entries(&switch.apps.write(), "mod_t").is_empty());
        // Unregistered meanwhile: skipped.
        crate::registry::remove_owner(&mut switch.apps.write(), "mod_t");
        assert_eq!(session.run("t_app", ""), AppOutcome::Continue);
        assert_eq!(seen.load(Ordering::SeqCst), 2);
    }

    #[test]
    fn sources_are_checked_before_the_call_is_touched() {
        let (switch, _dirs) = test_switch();
        let channel = live_inbound(&switch);
        let mut session = test_session(Arc::clone(&switch), Arc::clone(&channel));
        assert!(matches!(
            play(&mut session, "missing.wav", ""),
            Err(PlayError::NotFound(_))
        ));
        assert_eq!(
            channel.variable("playback_status").as_deref(),
            Some("FILE_NOT_FOUND")
        );
        assert!(matches!(
            play(&mut session, "tone_stream://%(x)", ""),
            Err(PlayError::Invalid(_))
        ));
        // A valid source on a call without SIP: there is no media to play on.
        assert_eq!(
            play(&mut session, "silence_stream://100", ""),
            Err(PlayError::Interrupted(Interrupted::NoMedia))
        );
        assert_eq!(
            channel.call_state(),
            crate::channel::CallState::Down,
            "nothing was answered"
        );
    }

    #[test]
    fn sound_prefix_decides_where_relative_files_are() {
        let (switch, _dirs) = test_switch();
        let channel = live_inbound(&switch);
        let session = test_session(Arc::clone(&switch), Arc::clone(&channel));
        let sounds = switch.paths.conf_dir.join("sounds");
        assert_eq!(sounds_dir(&session), sounds);
        channel.set_variable("sound_prefix", "/srv/sounds/en");
        assert_eq!(sounds_dir(&session), PathBuf::from("/srv/sounds/en"));
        channel.set_variable("sound_prefix", "fr");
        assert_eq!(sounds_dir(&session), sounds.join("fr"));
    }
}
