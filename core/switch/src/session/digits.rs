//! `read` and `play_and_get_digits`, with FreeSWITCH's arguments, clamps
//! and channel variables (`switch_ivr_read` and
//! `switch_play_and_get_digits` in FreeSWITCH 1.10):
//!
//! - `read <min> <max> <file> <var_name> <timeout_ms> <terminators> [<digit_timeout_ms>]`
//!   plays `file` (any digit stops it and counts), collects digits until
//!   `max`, a terminator, or a timeout, and sets `read_result`
//!   (`success`, `timeout`, `failure`), `read_terminator_used` and
//!   `var_name` (when digits came).
//! - `play_and_get_digits <min> <max> <tries> <timeout_ms> <terminators> <file> <invalid_file> [<var_name> [<regex> [<digit_timeout_ms> [<transfer_on_failure>]]]]`
//!   does a `read` up to `tries` times until the digits match `regex`,
//!   playing `invalid_file` after each failure; a non-matching entry is
//!   left in `<var_name>_invalid`. After the last failure the call is
//!   transferred when `transfer_on_failure` (`<ext> [<dialplan> [<context>]]`,
//!   quoted in the dialplan: `'1 XML default'`) is given.
//!
//! Terminators: a leading `=` means input counts only when a terminator
//! ends it; `+` before a terminator (`+#`) keeps that terminator in the
//! digits. FreeSWITCH's quirks are kept: a `read` that ends by timeout
//! with digits reports `timeout` (and sets the variable), and timeouts
//! under one second count as one second.
//!
//! The algorithms run over [`PromptHost`], which [`Session`] implements,
//! so a test (or another front end, such as Lua's `playAndGetDigits`)
//! drives them on its own clock.

use super::module_apps::{self, Collected, DigitRequest, DigitSource, PlayError};
use super::{Interrupted, Session};
use std::time::{Duration, Instant};

/// Every DTMF digit: what stops a prompt.
const ALL_DIGITS: &str = "0123456789*#ABCDabcd";

/// Most digits one `read` collects (FreeSWITCH's buffer).
const MAX_DIGITS: u32 = 128;

/// The shortest timeout FreeSWITCH's applications accept.
const MIN_TIMEOUT: Duration = Duration::from_millis(1000);

/// How a prompt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PromptEnd {
    /// It played to the end.
    Finished,
    /// This digit stopped it (and was taken from the queue).
    Digit(char),
    /// It could not be played (missing file, bad tone script).
    Unplayable,
}

/// What `read` and `play_and_get_digits` need from a call, besides digits
/// and time ([`DigitSource`]).
pub trait PromptHost: DigitSource {
    /// Makes sure digits can be heard when no prompt plays first (a prompt
    /// does this itself): connects to the call's media, answering it when
    /// needed.
    ///
    /// # Errors
    /// When the call hangs up or has no media.
    fn prepare(&mut self) -> Result<(), Interrupted> {
        Ok(())
    }
    /// Plays `file`; the first digit heard stops it and is returned.
    ///
    /// # Errors
    /// When the call hangs up or has no media.
    fn play_prompt(&mut self, file: &str) -> Result<PromptEnd, Interrupted>;
    /// Plays `file` to the end; digits heard stay queued. A file that
    /// cannot be played is skipped.
    ///
    /// # Errors
    /// When the call hangs up or has no media.
    fn play_notice(&mut self, file: &str) -> Result<(), Interrupted>;
    /// Sets (or with `None` unsets) a channel variable.
    fn set_var(&mut self, name: &str, value: Option<&str>);
    /// Transfers the call to `destination` in `dialplan`/`context`
    /// (defaults: `XML`, the current context); true when it was done.
    fn transfer(
        &mut self,
        destination: &str,
        dialplan: Option<&str>,
        context: Option<&str>,
    ) -> bool;
}

/// `read_result`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadResult {
    /// Enough digits, ended by `max` or a terminator.
    Success,
    /// Ended by a timeout (possibly with enough digits).
    Timeout,
    /// Too few digits, a required terminator missing, or no prompt.
    Failure,
}

impl ReadResult {
    /// The value of `read_result`.
    pub fn as_str(self) -> &'static str {
        match self {
            ReadResult::Success => "success",
            ReadResult::Timeout => "timeout",
            ReadResult::Failure => "failure",
        }
    }
}

/// A `read`, its clamps applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Read {
    /// Fewest digits that count (at least 1 for the `read` application).
    pub min: u32,
    /// Most digits (at least `min`, at least 1, at most 128).
    pub max: u32,
    /// The prompt; empty or `silence` for none.
    pub prompt: String,
    /// The variable that receives the digits.
    pub var_name: Option<String>,
    /// How long to wait for the first digit after the prompt.
    pub timeout: Duration,
    /// Digits that end input (see the module documentation for `=`, `+`).
    pub terminators: String,
    /// How long to wait for each further digit.
    pub digit_timeout: Duration,
}

/// How a `read` ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadOutcome {
    /// The digits (without the terminator unless `+` kept it).
    pub digits: String,
    /// `read_result`.
    pub result: ReadResult,
    /// The terminator that ended input, if one did.
    pub terminator: Option<char>,
}

fn number(app: &str, what: &str, word: &str) -> Result<i64, String> {
    word.trim()
        .parse::<i64>()
        .map_err(|_| format!("{app}: {what} '{word}' is not a number"))
}

fn millis(ms: i64) -> Duration {
    Duration::from_millis(u64::try_from(ms).unwrap_or(0))
}

fn clamp_count(n: i64) -> u32 {
    u32::try_from(n.clamp(0, i64::from(MAX_DIGITS))).unwrap_or(0)
}

fn optional(word: Option<&String>) -> Option<String> {
    word.filter(|w| !w.is_empty()).cloned()
}

impl Read {
    /// The syntax of the `read` application.
    pub const SYNTAX: &'static str =
        "read <min> <max> <sound_file> <var_name> <timeout_ms> <terminators> [<digit_timeout_ms>]";

    /// Parses the `read` application's data, with FreeSWITCH's clamps:
    /// `min` at least 1, `max` at least `min`, timeouts at least 1000 ms
    /// (the digit timeout defaults to the timeout), terminators `#` when
    /// empty.
    ///
    /// # Errors
    /// A message when `min` or `max` is missing or a number is not one.
    pub fn parse(data: &str) -> Result<Read, String> {
        let args = super::args::split_args(data, 7);
        if args.len() < 2 {
            return Err(format!("read: expected '{}', got '{data}'", Read::SYNTAX));
        }
        let min = clamp_count(number("read", "min", &args[0])?).max(1);
        let max = clamp_count(number("read", "max", &args[1])?).max(min);
        let timeout = match args.get(4) {
            Some(t) if !t.is_empty() => millis(number("read", "timeout", t)?),
            _ => Duration::ZERO,
        }
        .max(MIN_TIMEOUT);
        let digit_timeout = match args.get(6) {
            Some(t) if !t.is_empty() => millis(number("read", "digit timeout", t)?),
            _ => Duration::ZERO,
        };
        Ok(Read {
            min,
            max,
            prompt: args.get(2).cloned().unwrap_or_default(),
            var_name: optional(args.get(3)),
            timeout,
            terminators: optional(args.get(5)).unwrap_or_else(|| "#".into()),
            digit_timeout: if digit_timeout.is_zero() {
                timeout
            } else {
                digit_timeout
            },
        })
    }
}

/// A digit source that hands out a digit taken earlier first and notes
/// the terminator that ended collection.
struct Observed<'a, H> {
    host: &'a mut H,
    pending: Option<char>,
    terminators: &'a str,
    terminator: Option<char>,
}

impl<H: DigitSource> DigitSource for Observed<'_, H> {
    fn next_digit(&mut self) -> Option<char> {
        let digit = self.pending.take().or_else(|| self.host.next_digit())?;
        if self.terminators.contains(digit) {
            self.terminator = Some(digit);
        }
        Some(digit)
    }

    fn is_up(&self) -> bool {
        self.host.is_up()
    }

    fn clock(&self) -> Instant {
        self.host.clock()
    }

    fn wait(&mut self, duration: Duration) {
        self.host.wait(duration);
    }
}

/// Runs a `read` on `host` and sets `read_result`, `read_terminator_used`
/// and the variable (when digits came).
///
/// # Errors
/// When the call hangs up or has no media.
pub fn read_digits(host: &mut impl PromptHost, read: &Read) -> Result<ReadOutcome, Interrupted> {
    let max = read.max.max(read.min).max(1);
    let term_required = read.terminators.starts_with('=');
    host.set_var("read_result", None);
    if let Some(var) = &read.var_name {
        host.set_var(var, None);
    }
    let mut pending = None;
    if read.prompt.is_empty() || read.prompt.eq_ignore_ascii_case("silence") {
        host.prepare()?;
    } else {
        match host.play_prompt(&read.prompt)? {
            PromptEnd::Finished => {}
            PromptEnd::Digit(digit) => pending = Some(digit),
            PromptEnd::Unplayable => {
                host.set_var("read_result", Some(ReadResult::Failure.as_str()));
                return Ok(ReadOutcome {
                    digits: String::new(),
                    result: ReadResult::Failure,
                    terminator: None,
                });
            }
        }
    }
    let first_timeout = if pending.is_some() {
        read.digit_timeout
    } else {
        read.timeout
    };
    let mut source = Observed {
        host: &mut *host,
        pending,
        terminators: &read.terminators,
        terminator: None,
    };
    let request = DigitRequest {
        min: 0,
        max,
        terminators: &read.terminators,
        first_timeout,
        digit_timeout: read.digit_timeout,
    };
    let mut digits = match module_apps::collect_digits(&mut source, &request)? {
        Collected::Enough(digits) | Collected::TooFew(digits) => digits,
    };
    let terminator = source.terminator;
    let mut result = if terminator.is_some() || digits.len() >= max as usize {
        ReadResult::Success
    } else {
        ReadResult::Timeout
    };
    match terminator {
        Some(t) => {
            host.set_var("read_terminator_used", Some(&t.to_string()));
            let kept = read
                .terminators
                .char_indices()
                .any(|(i, c)| c == t && read.terminators[..i].ends_with('+'));
            if kept {
                digits.push(t);
            }
        }
        None if term_required => result = ReadResult::Failure,
        None => {}
    }
    if digits.len() < read.min as usize {
        result = ReadResult::Failure;
    }
    host.set_var("read_result", Some(result.as_str()));
    if let Some(var) = &read.var_name
        && !digits.is_empty()
    {
        host.set_var(var, Some(&digits));
    }
    Ok(ReadOutcome {
        digits,
        result,
        terminator,
    })
}

/// A `play_and_get_digits`, its clamps applied.
#[derive(Debug, Clone)]
pub struct PlayAndGetDigits {
    /// The `read` each try does (its `prompt` is the file).
    pub read: Read,
    /// How many tries (0: none, the request fails at once).
    pub tries: u32,
    /// Played after a try fails; empty for none.
    pub invalid_file: String,
    /// What valid digits must match (anywhere, as FreeSWITCH's PCRE
    /// does); `None` accepts any.
    pub regex: Option<regex::Regex>,
    /// `<ext> [<dialplan> [<context>]]` to transfer to after the last try.
    pub transfer_on_failure: Option<String>,
}

impl PlayAndGetDigits {
    /// The syntax of the application.
    pub const SYNTAX: &'static str = "play_and_get_digits <min> <max> <tries> <timeout_ms> <terminators> <file> <invalid_file> [<var_name> [<regex> [<digit_timeout_ms> ['<ext> [XML [<context>]]']]]]";

    /// Parses the application's data (FreeSWITCH's order; the last
    /// argument takes the rest of the line), with FreeSWITCH's clamps:
    /// `min` at least 0, `max` at least `min`, timeouts at least 1000 ms
    /// (the digit timeout defaults to the timeout), terminators `#` when
    /// empty.
    ///
    /// # Errors
    /// A message when fewer than six arguments are given, a number is not
    /// one, or the regex is invalid.
    pub fn parse(data: &str) -> Result<PlayAndGetDigits, String> {
        let args = super::args::split_args(data, 11);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        PlayAndGetDigits::from_args(&args)
    }

    /// Builds the request from arguments in the application's order:
    /// min, max, tries, timeout, terminators, file, invalid_file,
    /// var_name, regex, digit_timeout, transfer_on_failure (the first six
    /// required; empty strings count as not given).
    ///
    /// # Errors
    /// As [`PlayAndGetDigits::parse`].
    pub fn from_args(args: &[&str]) -> Result<PlayAndGetDigits, String> {
        const APP: &str = "play_and_get_digits";
        if args.len() < 6 {
            return Err(format!(
                "{APP}: expected '{}', got {} argument(s)",
                PlayAndGetDigits::SYNTAX,
                args.len()
            ));
        }
        let given = |i: usize| args.get(i).map(|s| s.trim()).filter(|s| !s.is_empty());
        let min = clamp_count(number(APP, "min", args[0])?);
        let max = clamp_count(number(APP, "max", args[1])?).max(min).max(1);
        let tries = u32::try_from(number(APP, "tries", args[2])?.max(0)).unwrap_or(u32::MAX);
        let timeout = millis(number(APP, "timeout", args[3])?).max(MIN_TIMEOUT);
        let digit_timeout = match given(9) {
            Some(t) => millis(number(APP, "digit timeout", t)?),
            None => Duration::ZERO,
        };
        let regex = match given(8) {
            Some(pattern) => Some(
                regex::Regex::new(pattern)
                    .map_err(|e| format!("{APP}: the regex '{pattern}' is invalid: {e}"))?,
            ),
            None => None,
        };
        Ok(PlayAndGetDigits {
            read: Read {
                min,
                max,
                prompt: args[5].trim().to_owned(),
                var_name: given(7).map(str::to_owned),
                timeout,
                terminators: given(4).unwrap_or("#").to_owned(),
                digit_timeout: if digit_timeout.is_zero() {
                    timeout
                } else {
                    digit_timeout
                },
            },
            tries,
            invalid_file: given(6).unwrap_or("").to_owned(),
            regex,
            transfer_on_failure: given(10).map(str::to_owned),
        })
    }
}

/// Runs `play_and_get_digits` on `host`: returns the valid digits, or an
/// empty string when every try failed (after the transfer, when one is
/// asked for).
///
/// # Errors
/// When the call hangs up or has no media.
pub fn play_and_get_digits_on(
    host: &mut impl PromptHost,
    request: &PlayAndGetDigits,
) -> Result<String, Interrupted> {
    let invalid_var = request
        .read
        .var_name
        .as_ref()
        .map(|v| format!("{v}_invalid"));
    if request.regex.is_some()
        && let Some(invalid_var) = &invalid_var
    {
        host.set_var(invalid_var, None);
    }
    let mut tries = request.tries;
    while tries > 0 && host.is_up() {
        let outcome = read_digits(host, &request.read)?;
        let min = request.read.min as usize;
        let success = outcome.result == ReadResult::Success
            || (outcome.result == ReadResult::Timeout && outcome.digits.len() >= min);
        if min == 0 && outcome.digits.is_empty() && outcome.terminator.is_some() {
            return Ok(String::new());
        }
        if success && !outcome.digits.is_empty() {
            match &request.regex {
                None => return Ok(outcome.digits),
                Some(regex) if regex.is_match(&outcome.digits) => return Ok(outcome.digits),
                Some(_) => {
                    if let Some(var) = &request.read.var_name {
                        host.set_var(var, None);
                    }
                    if let Some(invalid_var) = &invalid_var {
                        host.set_var(invalid_var, Some(&outcome.digits));
                    }
                }
            }
        }
        if !host.is_up() {
            return Err(Interrupted::Hangup);
        }
        if !request.invalid_file.is_empty() {
            host.play_notice(&request.invalid_file)?;
        }
        tries -= 1;
    }
    if !host.is_up() {
        return Err(Interrupted::Hangup);
    }
    if let Some(target) = &request.transfer_on_failure {
        let words: Vec<&str> = target.split_whitespace().collect();
        if let Some(destination) = words.first() {
            tracing::warn!(
                "play_and_get_digits failed; transfer to {}",
                words.join(" / ")
            );
            if !host.transfer(destination, words.get(1).copied(), words.get(2).copied()) {
                tracing::warn!("play_and_get_digits: the transfer to {target} was not done");
            }
        }
    }
    Ok(String::new())
}

/// `play_and_get_digits` on a session (for the application and for Lua's
/// `session:playAndGetDigits`).
///
/// # Errors
/// When the call hangs up or has no media.
pub fn play_and_get_digits(
    session: &mut Session,
    request: &PlayAndGetDigits,
) -> Result<String, Interrupted> {
    play_and_get_digits_on(session, request)
}

/// `read` on a session.
///
/// # Errors
/// When the call hangs up or has no media.
pub fn read(session: &mut Session, read: &Read) -> Result<ReadOutcome, Interrupted> {
    read_digits(session, read)
}

impl PromptHost for Session {
    fn prepare(&mut self) -> Result<(), Interrupted> {
        self.media().map(|_| ())
    }

    fn play_prompt(&mut self, file: &str) -> Result<PromptEnd, Interrupted> {
        // The digit that stops a prompt is input, not a playback terminator.
        let before = self.channel().variable("playback_terminator_used");
        let played = module_apps::play(self, file, ALL_DIGITS);
        match before {
            Some(value) => self
                .channel()
                .set_variable("playback_terminator_used", value),
            None => {
                self.channel().unset_variable("playback_terminator_used");
            }
        }
        match played {
            Ok(Some(digit)) => Ok(PromptEnd::Digit(digit)),
            Ok(None) => Ok(PromptEnd::Finished),
            Err(PlayError::Interrupted(why)) => Err(why),
            Err(e) => {
                tracing::warn!("prompt {file} on {}: {e}", self.uuid());
                Ok(PromptEnd::Unplayable)
            }
        }
    }

    fn play_notice(&mut self, file: &str) -> Result<(), Interrupted> {
        match module_apps::play(self, file, "") {
            Ok(_) => Ok(()),
            Err(PlayError::Interrupted(why)) => Err(why),
            Err(e) => {
                tracing::warn!("{file} on {}: {e}", self.uuid());
                Ok(())
            }
        }
    }

    fn set_var(&mut self, name: &str, value: Option<&str>) {
        match value {
            Some(value) => self.channel().set_variable(name, value),
            None => {
                self.channel().unset_variable(name);
            }
        }
    }

    fn transfer(
        &mut self,
        destination: &str,
        dialplan: Option<&str>,
        context: Option<&str>,
    ) -> bool {
        if let Some(dialplan) = dialplan.filter(|d| !d.eq_ignore_ascii_case("XML")) {
            tracing::warn!("transfer to {destination}: dialplan '{dialplan}' is not available");
            return false;
        }
        match Session::transfer(self, destination, context) {
            Ok(()) => true,
            Err(why) => {
                tracing::warn!("transfer of {} to {destination}: {why}", self.uuid());
                false
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{HashMap, VecDeque};

    /// A call on a virtual clock: digits arrive at scripted times; a prompt
    /// lasts `prompt_ms` unless a digit comes first.
    struct Fake {
        start: Instant,
        now: Duration,
        digits: VecDeque<(u64, char)>,
        prompt_ms: u64,
        vars: HashMap<String, String>,
        played: Vec<String>,
        transfers: Vec<String>,
        missing: Vec<String>,
    }

    impl Fake {
        fn new(digits: &[(u64, char)]) -> Fake {
            Fake {
                start: Instant::now(),
                now: Duration::ZERO,
                digits: digits.iter().copied().collect(),
                prompt_ms: 2000,
                vars: HashMap::new(),
                played: Vec::new(),
                transfers: Vec::new(),
                missing: Vec::new(),
            }
        }
        fn ms(&self) -> u64 {
            self.now.as_millis() as u64
        }
        fn var(&self, name: &str) -> Option<&str> {
            self.vars.get(name).map(String::as_str)
        }
    }

    impl DigitSource for Fake {
        fn next_digit(&mut self) -> Option<char> {
            match self.digits.front() {
                Some(&(at, d)) if at <= self.ms() => {
                    self.digits.pop_front();
                    Some(d)
                }
                _ => None,
            }
        }
        fn is_up(&self) -> bool {
            true
        }
        fn clock(&self) -> Instant {
            self.start + self.now
        }
        fn wait(&mut self, duration: Duration) {
            self.now += duration;
        }
    }

    impl PromptHost for Fake {
        fn play_prompt(&mut self, file: &str) -> Result<PromptEnd, Interrupted> {
            self.played.push(file.to_owned());
            if self.missing.iter().any(|m| m == file) {
                return Ok(PromptEnd::Unplayable);
            }
            let end = self.ms() + self.prompt_ms;
            match self.digits.front() {
                Some(&(at, d)) if at < end => {
                    self.now = Duration::from_millis(at.max(self.ms()));
                    self.digits.pop_front();
                    Ok(PromptEnd::Digit(d))
                }
                _ => {
                    self.now = Duration::from_millis(end);
                    Ok(PromptEnd::Finished)
                }
            }
        }
        fn play_notice(&mut self, file: &str) -> Result<(), Interrupted> {
            self.played.push(file.to_owned());
            self.now += Duration::from_millis(1000);
            Ok(())
        }
        fn set_var(&mut self, name: &str, value: Option<&str>) {
            match value {
                Some(v) => self.vars.insert(name.into(), v.into()),
                None => self.vars.remove(name),
            };
        }
        fn transfer(&mut self, d: &str, p: Option<&str>, c: Option<&str>) -> bool {
            self.transfers.push(format!("{d}|{p:?}|{c:?}"));
            true
        }
    }

    fn pagd(data: &str) -> PlayAndGetDigits {
        PlayAndGetDigits::parse(data).expect("valid")
    }

    #[test]
    fn a_digit_interrupts_the_prompt_and_counts() {
        let mut call = Fake::new(&[(500, '1'), (900, '2'), (1300, '3'), (1500, '#')]);
        let got =
            play_and_get_digits_on(&mut call, &pagd("1 4 3 5000 # prompt.wav bad.wav pin \\d+"))
                .unwrap();
        assert_eq!(got, "123");
        assert_eq!(call.var("pin"), Some("123"));
        assert_eq!(call.var("read_result"), Some("success"));
        assert_eq!(call.var("read_terminator_used"), Some("#"));
        assert_eq!(
            call.played,
            ["prompt.wav"],
            "the prompt stopped, nothing else"
        );
        assert_eq!(call.ms(), 1500);
    }

    #[test]
    fn invalid_entries_are_retried_then_transferred() {
        // Try 1: "12" fails ^\d{3}$; try 2: nothing (timeout); try 3: "99#".
        let mut call = Fake::new(&[(100, '1'), (200, '2'), (300, '#'), (20_000, '9')]);
        let request = pagd("3 3 3 2000 # p.wav bad.wav acct ^\\d{3}$ 1000 '9000 XML support'");
        assert_eq!(
            request.transfer_on_failure.as_deref(),
            Some("9000 XML support")
        );
        let got = play_and_get_digits_on(&mut call, &request).unwrap();
        assert_eq!(got, "");
        assert_eq!(
            call.played,
            ["p.wav", "bad.wav", "p.wav", "bad.wav", "p.wav", "bad.wav"]
        );
        assert_eq!(call.var("acct"), None);
        assert_eq!(call.var("read_result"), Some("failure"), "too few digits");
        assert_eq!(call.transfers, ["9000|Some(\"XML\")|Some(\"support\")"]);
    }

    #[test]
    fn a_non_matching_entry_lands_in_var_invalid_and_a_match_ends() {
        let mut call = Fake::new(&[(100, '5'), (1500, '1')]);
        call.prompt_ms = 300;
        let got =
            play_and_get_digits_on(&mut call, &pagd("1 1 2 1000 # p bad choice ^[1-3]$")).unwrap();
        assert_eq!(got, "1");
        assert_eq!(call.var("choice"), Some("1"));
        assert_eq!(call.var("choice_invalid"), Some("5"));
        assert_eq!(call.transfers.len(), 0);
    }

    #[test]
    fn read_reports_success_timeout_and_failure_as_freeswitch() {
        let read = Read::parse("2 4 p.wav num 3000 #").unwrap();
        // Max reached.
        let mut call = Fake::new(&[(2500, '1'), (2600, '2'), (2700, '3'), (2800, '4')]);
        let out = read_digits(&mut call, &read).unwrap();
        assert_eq!(
            (out.digits.as_str(), out.result),
            ("1234", ReadResult::Success)
        );
        // Enough digits, then the inter-digit timeout: "timeout", value set.
        let mut call = Fake::new(&[(2500, '1'), (2600, '2')]);
        let out = read_digits(&mut call, &read).unwrap();
        assert_eq!(out.result, ReadResult::Timeout);
        assert_eq!(call.var("num"), Some("12"));
        assert_eq!(call.var("read_result"), Some("timeout"));
        assert_eq!(
            call.ms(),
            2600 + 3000,
            "the digit timeout defaults to the timeout"
        );
        // Too few, ended by the terminator.
        let mut call = Fake::new(&[(2500, '1'), (2600, '#')]);
        let out = read_digits(&mut call, &read).unwrap();
        assert_eq!(out.result, ReadResult::Failure);
        assert_eq!(call.var("read_result"), Some("failure"));
        // A prompt that cannot play fails at once.
        let mut call = Fake::new(&[]);
        call.missing.push("p.wav".into());
        let out = read_digits(&mut call, &read).unwrap();
        assert_eq!(out.result, ReadResult::Failure);
        assert_eq!(call.ms(), 0);
    }

    #[test]
    fn terminator_flags() {
        // '=': a terminator is required.
        let read = Read::parse("1 3 silence v 2000 =#").unwrap();
        let mut call = Fake::new(&[(0, '1'), (10, '2'), (20, '3')]);
        assert_eq!(
            read_digits(&mut call, &read).unwrap().result,
            ReadResult::Failure
        );
        // '+': the terminator is kept.
        let read = Read::parse("1 3 silence v 2000 +#").unwrap();
        let mut call = Fake::new(&[(0, '1'), (10, '#')]);
        let out = read_digits(&mut call, &read).unwrap();
        assert_eq!(
            (out.digits.as_str(), out.result),
            ("1#", ReadResult::Success)
        );
        assert_eq!(call.var("v"), Some("1#"));
    }

    #[test]
    fn arguments_are_clamped_like_freeswitch_and_checked() {
        let r = Read::parse("0 0 file var 10 ''").unwrap();
        assert_eq!((r.min, r.max), (1, 1));
        assert_eq!(r.timeout, MIN_TIMEOUT);
        assert_eq!(r.terminators, "#");
        let p = pagd("4 2 3 8000 '' f.wav");
        assert_eq!((p.read.min, p.read.max, p.tries), (4, 4, 3));
        assert_eq!(p.read.digit_timeout, Duration::from_millis(8000));
        assert_eq!((p.read.var_name.clone(), p.regex.is_none()), (None, true));
        for (data, wanted) in [
            ("1 2 3", "expected"),
            ("a 2 3 1000 # f", "min 'a' is not a number"),
            ("1 2 3 1000 # f bad v ([", "regex '([' is invalid"),
            ("1 2 x 1000 # f", "tries 'x'"),
        ] {
            let e = PlayAndGetDigits::parse(data).unwrap_err();
            assert!(e.contains(wanted), "{data}: {e}");
        }
        assert!(Read::parse("1").is_err());
        assert!(Read::parse("1 2 f v soon").is_err());
    }

    #[test]
    fn zero_tries_fail_at_once_and_min_zero_accepts_a_bare_terminator() {
        let mut call = Fake::new(&[]);
        assert_eq!(
            play_and_get_digits_on(&mut call, &pagd("1 1 0 1000 # p")).unwrap(),
            ""
        );
        assert!(call.played.is_empty());
        let mut call = Fake::new(&[(100, '#')]);
        assert_eq!(
            play_and_get_digits_on(&mut call, &pagd("0 3 3 1000 # p bad v")).unwrap(),
            ""
        );
        assert_eq!(call.played, ["p"], "accepted without retries");
    }
}
