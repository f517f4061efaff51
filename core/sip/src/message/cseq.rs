//! The CSeq header (RFC 3261 §20.16): sequence number and method.

use super::error::ParseError;
use super::start_line::Method;
use super::syntax::{is_token, parse_u32, trim_ws};

/// A CSeq value such as `1 INVITE`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CSeq<'a> {
    /// The sequence number (leading zeros accepted).
    pub number: u32,
    /// The method.
    pub method: Method<'a>,
}

impl<'a> CSeq<'a> {
    /// Parses a CSeq value.
    pub fn parse(text: &'a str) -> Result<CSeq<'a>, ParseError> {
        let bad = |detail| ParseError::Bad {
            what: "CSeq",
            detail,
        };
        let text = trim_ws(text);
        let split = text
            .find([' ', '\t'])
            .ok_or(bad("expected number and method"))?;
        let digits = text.get(..split).unwrap_or_default();
        let method = trim_ws(text.get(split..).unwrap_or_default());
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad("sequence number is not a number"));
        }
        let number = parse_u32(digits).ok_or(bad("sequence number out of range"))?;
        if !is_token(method) {
            return Err(bad("method is not a token"));
        }
        Ok(CSeq {
            number,
            method: Method::from_token(method),
        })
    }
}
