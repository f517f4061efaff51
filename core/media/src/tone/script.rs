//! The parser for FreeSWITCH tone scripts (TGML, as `tone_stream://` and
//! `gentones` take them).
//!
//! A script is a list of `;`-separated items:
//!
//! - `%(on_ms,off_ms,freq1[,freq2...])`: a tone of up to 18 frequencies
//!   (added together), on for `on_ms` then silent for `off_ms`; a frequency
//!   of 0 is skipped, and a tone with none left is a pause;
//! - DTMF keys `0`–`9`, `*`, `#`, `A`–`D` (either case), several in one item
//!   (`1234`), each for the default duration and wait, or with its own as
//!   `7(1000,500)`;
//! - variables `name=value`: `v=` volume in dB (−63 to 0, default −7),
//!   `d=` default key duration in ms (250), `w=` default wait after a key in
//!   ms (62), `>=ms` / `<=ms` lower / raise the volume every `ms` during each
//!   following tone by `+=dB` (default 1), `l=n` play the next tone `n`
//!   times, `L=n` play the whole script `n` times, `loops=n` loop the
//!   result `n` times (`-1` forever), and `r=` / `c=` (rate and channels,
//!   kept as hints: the generator renders at the rate it is asked for, mono).
//!
//! Spaces and line breaks between items are ignored; the `tone_stream://`
//! prefix is optional. The defaults are FreeSWITCH's (2000 and 500 samples
//! at 8 kHz). Anything else is an error that says where and what.

use std::fmt;

/// Most frequencies one tone may have (FreeSWITCH's limit).
pub const MAX_FREQS: usize = 18;
/// Volume of tones when no `v=` is given, in dB.
pub const DEFAULT_VOLUME_DB: f32 = -7.0;
/// Duration of a DTMF key when no `d=` or `(on,off)` is given, in ms.
pub const DEFAULT_KEY_ON_MS: u32 = 250;
/// Silence after a DTMF key when no `w=` or `(on,off)` is given, in ms.
pub const DEFAULT_KEY_OFF_MS: u32 = 62;
/// Lowest volume, in dB.
pub const MIN_VOLUME_DB: f32 = -63.0;

/// How often a whole script plays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Repeat {
    /// This many times (at least once).
    Times(u32),
    /// Until the caller stops reading.
    Forever,
}

/// A volume ramp applied during tones (`>=`, `<=`, `+=`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ramp {
    /// Milliseconds between two steps (0: every sample).
    pub step_ms: u32,
    /// dB added at each step (negative to fade out).
    pub step_db: f32,
}

/// One tone (or pause) of a script.
#[derive(Debug, Clone, PartialEq)]
pub struct ToneSegment {
    /// Milliseconds of sound.
    pub on_ms: u32,
    /// Milliseconds of silence after it.
    pub off_ms: u32,
    freqs: [f32; MAX_FREQS],
    freq_count: usize,
    /// Volume at the start of the tone, in dB (−63 to 0).
    pub volume_db: f32,
    /// The volume ramp in force, if any.
    pub ramp: Option<Ramp>,
    /// How many times the segment plays in a row (at least 1; `l=`).
    pub repeat: u32,
}

impl ToneSegment {
    /// A tone of the given frequencies (zeros skipped, at most 18 kept) at
    /// the default volume, played once.
    pub fn new(on_ms: u32, off_ms: u32, freqs: &[f32]) -> ToneSegment {
        let mut segment = ToneSegment {
            on_ms,
            off_ms,
            freqs: [0.0; MAX_FREQS],
            freq_count: 0,
            volume_db: DEFAULT_VOLUME_DB,
            ramp: None,
            repeat: 1,
        };
        for &f in freqs.iter().filter(|f| **f > 0.0).take(MAX_FREQS) {
            segment.freqs[segment.freq_count] = f;
            segment.freq_count += 1;
        }
        segment
    }

    /// The frequencies in Hz (empty for a pause).
    pub fn freqs(&self) -> &[f32] {
        &self.freqs[..self.freq_count]
    }
}

/// A parsed tone script.
#[derive(Debug, Clone, PartialEq)]
pub struct ToneScript {
    /// The tones in order.
    pub segments: Vec<ToneSegment>,
    /// How many times the list of segments plays per loop (`L=`).
    pub script_repeats: u32,
    /// How many times the whole result plays (`loops=`).
    pub loops: Repeat,
    /// The sample rate the script asked for (`r=`), if any.
    pub rate_hint: Option<u32>,
    /// The channel count the script asked for (`c=`), if any.
    pub channels_hint: Option<u32>,
}

/// What is wrong with a tone script.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ToneErrorKind {
    /// Nothing to play: no tone, key or pause in the script.
    NoTones,
    /// A `name=` that is not one of c, r, d, v, >, <, +, w, l, L, loops.
    UnknownVariable(char),
    /// A value that is not a number of the right kind.
    BadNumber(&'static str),
    /// `v=` outside −63 to 0 dB.
    VolumeOutOfRange,
    /// `L=` below 1 (use `loops=-1` to loop forever).
    BadScriptRepeat,
    /// A `(` without its `)`.
    UnclosedParen,
    /// `%` not followed by `(`.
    ExpectedParen,
    /// `%(on,off)` without a frequency.
    MissingFrequency,
    /// More than 18 frequencies in one tone.
    TooManyFrequencies,
    /// A frequency that is negative or above 20 kHz.
    BadFrequency,
    /// A key's `(…)` must hold exactly `on,off`.
    KeyArguments,
    /// A character that is neither a DTMF key nor `%`.
    UnknownTone(char),
    /// `path=` (a TTML file): the caller reads the file and passes its text.
    PathNotSupported,
}

/// A tone script error: where (byte offset in the text given) and what.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ToneError {
    /// Byte offset of the offending item.
    pub offset: usize,
    /// What is wrong.
    pub kind: ToneErrorKind,
}

impl fmt::Display for ToneError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "tone script, at byte {}: ", self.offset)?;
        match self.kind {
            ToneErrorKind::NoTones => f.write_str("no tone, key or pause to play"),
            ToneErrorKind::UnknownVariable(c) => write!(
                f,
                "unknown variable '{c}=' (known: c, r, d, v, >, <, +, w, l, L, loops)"
            ),
            ToneErrorKind::BadNumber(what) => write!(f, "{what} is not a valid number"),
            ToneErrorKind::VolumeOutOfRange => f.write_str("v= must be between -63 and 0 dB"),
            ToneErrorKind::BadScriptRepeat => {
                f.write_str("L= must be 1 or more (use ;loops=-1 to loop forever)")
            }
            ToneErrorKind::UnclosedParen => f.write_str("'(' without ')'"),
            ToneErrorKind::ExpectedParen => f.write_str("'%' must be followed by '('"),
            ToneErrorKind::MissingFrequency => {
                f.write_str("%(on,off,freq...) needs at least one frequency")
            }
            ToneErrorKind::TooManyFrequencies => {
                write!(f, "a tone has at most {MAX_FREQS} frequencies")
            }
            ToneErrorKind::BadFrequency => f.write_str("a frequency must be 0 to 20000 Hz"),
            ToneErrorKind::KeyArguments => f.write_str("a key takes (on_ms,off_ms)"),
            ToneErrorKind::UnknownTone(c) => {
                write!(f, "'{c}' is not a DTMF key (0-9, *, #, A-D) or '%('")
            }
            ToneErrorKind::PathNotSupported => {
                f.write_str("path= files are read by the caller; pass their text")
            }
        }
    }
}

impl std::error::Error for ToneError {}

/// Frequency pair of a DTMF key character, as the script syntax knows it.
fn key_freqs(c: char) -> Option<[f32; 2]> {
    let digit = crate::dtmf::Digit::from_char(c)?;
    let (row, col) = digit.frequencies()?;
    Some([row, col])
}

fn is_blank(c: char) -> bool {
    c == ' ' || c == '\t' || c == '\r' || c == '\n'
}

struct State {
    volume_db: f32,
    key_on_ms: u32,
    key_off_ms: u32,
    ramp_step_ms: Option<(u32, i8)>,
    ramp_db: f32,
    next_repeat: Option<u32>,
    script: ToneScript,
}

impl State {
    fn push(&mut self, mut segment: ToneSegment) {
        segment.volume_db = self.volume_db;
        segment.ramp = self.ramp_step_ms.map(|(step_ms, dir)| Ramp {
            step_ms,
            step_db: self.ramp_db * f32::from(dir),
        });
        segment.repeat = self.next_repeat.take().unwrap_or(1).max(1);
        self.script.segments.push(segment);
    }
}

fn number(text: &str, what: &'static str, offset: usize) -> Result<f64, ToneError> {
    let text = text.trim_matches(is_blank);
    match text.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(v),
        _ => Err(ToneError {
            offset,
            kind: ToneErrorKind::BadNumber(what),
        }),
    }
}

fn whole(text: &str, what: &'static str, offset: usize) -> Result<i64, ToneError> {
    let text = text.trim_matches(is_blank);
    text.parse::<i64>().map_err(|_| ToneError {
        offset,
        kind: ToneErrorKind::BadNumber(what),
    })
}

fn millis(text: &str, what: &'static str, offset: usize) -> Result<u32, ToneError> {
    let v = number(text, what, offset)?;
    if !(0.0..=f64::from(u32::MAX)).contains(&v) {
        return Err(ToneError {
            offset,
            kind: ToneErrorKind::BadNumber(what),
        });
    }
    Ok(v.round() as u32)
}

impl ToneScript {
    /// Parses a tone script, with or without the `tone_stream://` prefix.
    pub fn parse(spec: &str) -> Result<ToneScript, ToneError> {
        let (base, text) = match spec.get(..14) {
            Some(p) if p.eq_ignore_ascii_case("tone_stream://") => (14, &spec[14..]),
            _ => (0, spec),
        };
        if text
            .trim_start_matches(is_blank)
            .get(..5)
            .is_some_and(|p| p.eq_ignore_ascii_case("path="))
        {
            return Err(ToneError {
                offset: base,
                kind: ToneErrorKind::PathNotSupported,
            });
        }
        let mut state = State {
            volume_db: DEFAULT_VOLUME_DB,
            key_on_ms: DEFAULT_KEY_ON_MS,
            key_off_ms: DEFAULT_KEY_OFF_MS,
            ramp_step_ms: None,
            ramp_db: 1.0,
            next_repeat: None,
            script: ToneScript {
                segments: Vec::new(),
                script_repeats: 1,
                loops: Repeat::Times(1),
                rate_hint: None,
                channels_hint: None,
            },
        };
        let mut script_repeats_set = false;
        let mut offset = base;
        for raw in text.split(';') {
            let lead = raw.len() - raw.trim_start_matches(is_blank).len();
            let item = raw.trim_matches(is_blank);
            let at = offset + lead;
            offset += raw.len() + 1;
            if item.is_empty() {
                continue;
            }
            if let Some(value) = item
                .get(..6)
                .filter(|p| p.eq_ignore_ascii_case("loops="))
                .map(|_| &item[6..])
            {
                let n = whole(value, "loops=", at)?;
                state.script.loops = match n {
                    n if n < 0 => Repeat::Forever,
                    n => Repeat::Times(n.clamp(1, i64::from(u32::MAX)) as u32),
                };
                continue;
            }
            let mut chars = item.chars();
            let first = chars.next().unwrap_or(' ');
            if chars.next() == Some('=') {
                let value = &item[first.len_utf8() + 1..];
                let value_at = at + first.len_utf8() + 1;
                variable(
                    &mut state,
                    first,
                    value,
                    value_at,
                    &mut script_repeats_set,
                    at,
                )?;
                continue;
            }
            tones(&mut state, item, at)?;
        }
        if state.script.segments.is_empty() {
            return Err(ToneError {
                offset: base,
                kind: ToneErrorKind::NoTones,
            });
        }
        Ok(state.script)
    }
}

fn variable(
    state: &mut State,
    name: char,
    value: &str,
    at: usize,
    script_repeats_set: &mut bool,
    item_at: usize,
) -> Result<(), ToneError> {
    match name {
        'v' => {
            let v = number(value, "v= (volume)", at)?;
            if !(f64::from(MIN_VOLUME_DB)..=0.0).contains(&v) {
                return Err(ToneError {
                    offset: at,
                    kind: ToneErrorKind::VolumeOutOfRange,
                });
            }
            state.volume_db = v as f32;
        }
        'd' => state.key_on_ms = millis(value, "d= (key duration)", at)?,
        'w' => state.key_off_ms = millis(value, "w= (wait)", at)?,
        '>' => state.ramp_step_ms = Some((millis(value, ">= (ramp step)", at)?, -1)),
        '<' => state.ramp_step_ms = Some((millis(value, "<= (ramp step)", at)?, 1)),
        '+' => {
            let db = number(value, "+= (ramp dB)", at)?;
            if !(0.0..=63.0).contains(&db) {
                return Err(ToneError {
                    offset: at,
                    kind: ToneErrorKind::BadNumber("+= (ramp dB, 0 to 63)"),
                });
            }
            state.ramp_db = db as f32;
        }
        'l' => {
            let n = whole(value, "l= (tone repeats)", at)?;
            let n = u32::try_from(n).map_err(|_| ToneError {
                offset: at,
                kind: ToneErrorKind::BadNumber("l= (tone repeats)"),
            })?;
            state.next_repeat = Some(n);
        }
        'L' => {
            let n = whole(value, "L= (script repeats)", at)?;
            if n < 1 {
                return Err(ToneError {
                    offset: at,
                    kind: ToneErrorKind::BadScriptRepeat,
                });
            }
            // Only the first L= counts, as in FreeSWITCH.
            if !*script_repeats_set {
                state.script.script_repeats = n.min(i64::from(u32::MAX)) as u32;
                *script_repeats_set = true;
            }
        }
        'r' | 'c' => {
            let what = if name == 'r' {
                "r= (rate)"
            } else {
                "c= (channels)"
            };
            let n = whole(value, what, at)?;
            let n = u32::try_from(n).ok().filter(|n| *n > 0).ok_or(ToneError {
                offset: at,
                kind: ToneErrorKind::BadNumber(what),
            })?;
            if name == 'r' {
                state.script.rate_hint = Some(n);
            } else {
                state.script.channels_hint = Some(n);
            }
        }
        other => {
            return Err(ToneError {
                offset: item_at,
                kind: ToneErrorKind::UnknownVariable(other),
            });
        }
    }
    Ok(())
}

/// Parses one item of tones: `%(…)` and keys, possibly several in a row.
fn tones(state: &mut State, item: &str, at: usize) -> Result<(), ToneError> {
    let mut rest = item;
    let mut pos = at;
    loop {
        let trimmed = rest.trim_start_matches(is_blank);
        pos += rest.len() - trimmed.len();
        rest = trimmed;
        let Some(c) = rest.chars().next() else {
            return Ok(());
        };
        let after = &rest[c.len_utf8()..];
        let args_text = if after.starts_with('(') {
            let close = after.find(')').ok_or(ToneError {
                offset: pos,
                kind: ToneErrorKind::UnclosedParen,
            })?;
            Some(&after[1..close])
        } else {
            None
        };
        let consumed = c.len_utf8() + args_text.map_or(0, |a| a.len() + 2);
        let args_at = pos + c.len_utf8() + 1;
        if c == '%' {
            let args = args_text.ok_or(ToneError {
                offset: pos,
                kind: ToneErrorKind::ExpectedParen,
            })?;
            state.push(manual_tone(args, args_at, pos)?);
        } else {
            let Some(freqs) = key_freqs(c) else {
                return Err(ToneError {
                    offset: pos,
                    kind: ToneErrorKind::UnknownTone(c),
                });
            };
            let (on, off) = match args_text {
                None => (state.key_on_ms, state.key_off_ms),
                Some(args) => {
                    let mut fields = args.split(',');
                    let (Some(on), Some(off), None) = (fields.next(), fields.next(), fields.next())
                    else {
                        return Err(ToneError {
                            offset: pos,
                            kind: ToneErrorKind::KeyArguments,
                        });
                    };
                    (
                        millis(on, "key duration", args_at)?,
                        millis(off, "key wait", args_at)?,
                    )
                }
            };
            state.push(ToneSegment::new(on, off, &freqs));
        }
        rest = &rest[consumed..];
        pos += consumed;
    }
}

fn manual_tone(args: &str, args_at: usize, at: usize) -> Result<ToneSegment, ToneError> {
    let mut fields = args.split(',');
    let on = millis(fields.next().unwrap_or(""), "on duration", args_at)?;
    let off = millis(
        fields.next().ok_or(ToneError {
            offset: at,
            kind: ToneErrorKind::MissingFrequency,
        })?,
        "off duration",
        args_at,
    )?;
    let mut freqs = [0.0f32; MAX_FREQS];
    let mut count = 0;
    for field in fields {
        let f = number(field, "frequency", args_at)?;
        if !(0.0..=20_000.0).contains(&f) {
            return Err(ToneError {
                offset: args_at,
                kind: ToneErrorKind::BadFrequency,
            });
        }
        if count == MAX_FREQS {
            return Err(ToneError {
                offset: at,
                kind: ToneErrorKind::TooManyFrequencies,
            });
        }
        freqs[count] = f as f32;
        count += 1;
    }
    if count == 0 {
        return Err(ToneError {
            offset: at,
            kind: ToneErrorKind::MissingFrequency,
        });
    }
    Ok(ToneSegment::new(on, off, &freqs[..count]))
}
