//! The Content-Type header (RFC 3261 §20.15): `type/subtype;params`.

use super::error::ParseError;
use super::params::Params;
use super::syntax::{skip_token, skip_ws};

/// A media type such as `application/sdp` or `multipart/mixed;boundary=x`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MediaType<'a> {
    /// The top-level type, as received (compare case-insensitively).
    pub main: &'a str,
    /// The subtype, as received.
    pub sub: &'a str,
    /// Parameters (`boundary`, `charset`, ...).
    pub params: Params<'a>,
}

impl<'a> MediaType<'a> {
    /// Parses a media type.
    pub fn parse(text: &'a str) -> Result<MediaType<'a>, ParseError> {
        let err = |detail| ParseError::Malformed {
            what: "Content-Type",
            detail,
        };
        let b = text.as_bytes();
        let main_start = skip_ws(b, 0);
        let main_end = skip_token(b, main_start);
        let slash = skip_ws(b, main_end);
        if main_end == main_start || b.get(slash) != Some(&b'/') {
            return Err(err("expected type/subtype"));
        }
        let sub_start = skip_ws(b, slash + 1);
        let sub_end = skip_token(b, sub_start);
        if sub_end == sub_start {
            return Err(err("expected type/subtype"));
        }
        Ok(MediaType {
            main: text.get(main_start..main_end).unwrap_or_default(),
            sub: text.get(sub_start..sub_end).unwrap_or_default(),
            params: Params::parse(text.get(sub_end..).unwrap_or_default()).map_err(err)?,
        })
    }

    /// True if this is `main/sub`, compared case-insensitively.
    pub fn is(&self, main: &str, sub: &str) -> bool {
        self.main.eq_ignore_ascii_case(main) && self.sub.eq_ignore_ascii_case(sub)
    }
}
