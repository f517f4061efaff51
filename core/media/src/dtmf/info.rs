//! DTMF in SIP INFO bodies: `application/dtmf-relay` (`Signal=5` and
//! `Duration=160` lines, keys in any case, spacing tolerated) and
//! `application/dtmf` (the bare key, `5`).

use std::fmt;

use super::Digit;

/// A key press read from a SIP INFO body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InfoDtmf {
    /// The key.
    pub digit: Digit,
    /// The press length in milliseconds, when the body gave a non-zero one.
    pub duration_ms: Option<u32>,
}

/// Why a SIP INFO body gave no key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InfoError {
    /// The body is not UTF-8 text.
    NotText,
    /// No `Signal=` line (dtmf-relay) or an empty body (dtmf).
    NoSignal,
    /// The signal is not a key: `0`–`9`, `*`, `#`, `A`–`D`, flash (`!`,
    /// `F`, `16`) or an event code 10–16.
    BadSignal,
    /// The `Duration=` value is not a whole number of milliseconds.
    BadDuration,
    /// The content type is neither `application/dtmf-relay` nor `application/dtmf`.
    UnsupportedContentType,
}

impl fmt::Display for InfoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            InfoError::NotText => "INFO body is not UTF-8 text",
            InfoError::NoSignal => "INFO body has no Signal",
            InfoError::BadSignal => {
                "INFO Signal is not a DTMF key (0-9, *, #, A-D, flash as !, F or 16)"
            }
            InfoError::BadDuration => "INFO Duration is not a whole number of milliseconds",
            InfoError::UnsupportedContentType => {
                "content type is not application/dtmf-relay or application/dtmf"
            }
        })
    }
}

impl std::error::Error for InfoError {}

/// Which DTMF INFO body a content type names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InfoBodyKind {
    /// `application/dtmf-relay`.
    DtmfRelay,
    /// `application/dtmf`.
    Dtmf,
}

impl InfoBodyKind {
    /// Recognises a Content-Type value (case-insensitive, parameters ignored).
    pub fn from_content_type(content_type: &str) -> Option<InfoBodyKind> {
        let mime = content_type.split(';').next().unwrap_or("").trim();
        if mime.eq_ignore_ascii_case("application/dtmf-relay") {
            Some(InfoBodyKind::DtmfRelay)
        } else if mime.eq_ignore_ascii_case("application/dtmf") {
            Some(InfoBodyKind::Dtmf)
        } else {
            None
        }
    }

    /// The Content-Type value to send.
    pub fn content_type(self) -> &'static str {
        match self {
            InfoBodyKind::DtmfRelay => "application/dtmf-relay",
            InfoBodyKind::Dtmf => "application/dtmf",
        }
    }
}

/// Reads a signal value: one key character, or an event code 10–16 as
/// some phones send (`Signal=11` for `#`).
fn parse_signal(value: &str) -> Result<Digit, InfoError> {
    let value = value.trim();
    let mut chars = value.chars();
    match (chars.next(), chars.next()) {
        (None, _) => Err(InfoError::NoSignal),
        (Some(c), None) => Digit::from_char(c).ok_or(InfoError::BadSignal),
        _ => match value.parse::<u8>() {
            Ok(code @ 10..=16) => Digit::from_event(code).ok_or(InfoError::BadSignal),
            _ => Err(InfoError::BadSignal),
        },
    }
}

/// Reads an `application/dtmf-relay` body. Lines may end in CRLF or LF,
/// keys are matched without regard to case, spaces around `=` and at the
/// ends are ignored, unknown lines are skipped. The first `Signal` wins.
pub fn parse_dtmf_relay(body: &str) -> Result<InfoDtmf, InfoError> {
    let mut digit = None;
    let mut duration_ms = None;
    for line in body.lines() {
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let key = key.trim();
        if key.eq_ignore_ascii_case("signal") {
            if digit.is_none() {
                digit = Some(parse_signal(value)?);
            }
        } else if key.eq_ignore_ascii_case("duration") {
            let value = value.trim();
            if !value.is_empty() {
                let ms: u32 = value.parse().map_err(|_| InfoError::BadDuration)?;
                duration_ms = (ms > 0).then_some(ms);
            }
        }
    }
    Ok(InfoDtmf {
        digit: digit.ok_or(InfoError::NoSignal)?,
        duration_ms,
    })
}

/// Reads an `application/dtmf` body: the key alone (surrounding blanks ignored).
pub fn parse_dtmf(body: &str) -> Result<InfoDtmf, InfoError> {
    Ok(InfoDtmf {
        digit: parse_signal(body)?,
        duration_ms: None,
    })
}

/// Reads a SIP INFO body given its Content-Type value.
pub fn parse_info_body(content_type: &str, body: &[u8]) -> Result<InfoDtmf, InfoError> {
    let kind =
        InfoBodyKind::from_content_type(content_type).ok_or(InfoError::UnsupportedContentType)?;
    let text = std::str::from_utf8(body).map_err(|_| InfoError::NotText)?;
    match kind {
        InfoBodyKind::DtmfRelay => parse_dtmf_relay(text),
        InfoBodyKind::Dtmf => parse_dtmf(text),
    }
}

/// Writes an `application/dtmf-relay` body: `Signal=5\r\nDuration=160\r\n`.
/// Flash is written `Signal=16`, as most gateways expect.
pub fn build_dtmf_relay(digit: Digit, duration_ms: u32) -> String {
    if digit == Digit::Flash {
        format!("Signal=16\r\nDuration={duration_ms}\r\n")
    } else {
        format!("Signal={}\r\nDuration={duration_ms}\r\n", digit.to_char())
    }
}

/// Writes an `application/dtmf` body: the key alone (`16` for flash).
pub fn build_dtmf(digit: Digit) -> String {
    if digit == Digit::Flash {
        "16".to_owned()
    } else {
        digit.to_char().to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relay_bodies_in_the_wild() {
        let ok = |body: &str| parse_dtmf_relay(body).unwrap();
        assert_eq!(
            ok("Signal=5\r\nDuration=160\r\n"),
            InfoDtmf {
                digit: Digit::D5,
                duration_ms: Some(160)
            }
        );
        assert_eq!(ok("signal= #\nDURATION = 250").digit, Digit::Pound);
        assert_eq!(ok("  Signal =  *  \r\n").duration_ms, None);
        assert_eq!(
            ok("Signal=11\r\nDuration=0\r\n"),
            InfoDtmf {
                digit: Digit::Pound,
                duration_ms: None
            }
        );
        assert_eq!(ok("Signal=16\r\n").digit, Digit::Flash);
        assert_eq!(ok("Signal=!\r\n").digit, Digit::Flash);
        assert_eq!(
            ok("Signal=a\r\nDuration=100\r\nFoo=bar\r\n").digit,
            Digit::A
        );
        assert_eq!(
            ok("Duration=100\r\nSignal=9\r\nSignal=1\r\n").digit,
            Digit::D9
        );
    }

    #[test]
    fn relay_errors() {
        assert_eq!(parse_dtmf_relay(""), Err(InfoError::NoSignal));
        assert_eq!(parse_dtmf_relay("Duration=100"), Err(InfoError::NoSignal));
        assert_eq!(parse_dtmf_relay("Signal=\r\n"), Err(InfoError::NoSignal));
        assert_eq!(parse_dtmf_relay("Signal=X"), Err(InfoError::BadSignal));
        assert_eq!(parse_dtmf_relay("Signal=17"), Err(InfoError::BadSignal));
        assert_eq!(parse_dtmf_relay("Signal=55"), Err(InfoError::BadSignal));
        assert_eq!(
            parse_dtmf_relay("Signal=5\nDuration=-3"),
            Err(InfoError::BadDuration)
        );
        assert_eq!(
            parse_dtmf_relay("Signal=5\nDuration=1e3"),
            Err(InfoError::BadDuration)
        );
    }

    #[test]
    fn plain_dtmf_and_dispatch() {
        assert_eq!(parse_dtmf("5").unwrap().digit, Digit::D5);
        assert_eq!(parse_dtmf(" #\r\n").unwrap().digit, Digit::Pound);
        assert_eq!(parse_dtmf(""), Err(InfoError::NoSignal));
        assert_eq!(parse_dtmf("55"), Err(InfoError::BadSignal));
        assert_eq!(
            parse_info_body(
                "Application/DTMF-Relay; charset=utf-8",
                b"Signal=3\r\nDuration=100\r\n"
            )
            .unwrap(),
            InfoDtmf {
                digit: Digit::D3,
                duration_ms: Some(100)
            }
        );
        assert_eq!(
            parse_info_body("application/dtmf", b"7").unwrap().digit,
            Digit::D7
        );
        assert_eq!(
            parse_info_body("text/plain", b"7"),
            Err(InfoError::UnsupportedContentType)
        );
        assert_eq!(
            parse_info_body("application/dtmf", &[0xff, 0xfe]),
            Err(InfoError::NotText)
        );
    }

    #[test]
    fn builds_round_trip() {
        for digit in Digit::ALL {
            let body = build_dtmf_relay(digit, 160);
            assert_eq!(
                parse_dtmf_relay(&body).unwrap(),
                InfoDtmf {
                    digit,
                    duration_ms: Some(160)
                }
            );
            assert_eq!(parse_dtmf(&build_dtmf(digit)).unwrap().digit, digit);
        }
        assert_eq!(
            build_dtmf_relay(Digit::D5, 160),
            "Signal=5\r\nDuration=160\r\n"
        );
        assert_eq!(
            InfoBodyKind::DtmfRelay.content_type(),
            "application/dtmf-relay"
        );
        assert_eq!(
            InfoBodyKind::from_content_type("application/dtmf"),
            Some(InfoBodyKind::Dtmf)
        );
        assert!(!InfoError::BadSignal.to_string().is_empty());
    }
}
