//! The sixteen DTMF keys and hook flash, with their RFC 4733 event codes,
//! their characters and their frequency pairs.

use std::fmt;

/// A DTMF key (or hook flash) as carried by RFC 4733 telephone-events,
/// SIP INFO bodies and in-band tones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Digit {
    /// Key `0` (event 0).
    D0,
    /// Key `1` (event 1).
    D1,
    /// Key `2` (event 2).
    D2,
    /// Key `3` (event 3).
    D3,
    /// Key `4` (event 4).
    D4,
    /// Key `5` (event 5).
    D5,
    /// Key `6` (event 6).
    D6,
    /// Key `7` (event 7).
    D7,
    /// Key `8` (event 8).
    D8,
    /// Key `9` (event 9).
    D9,
    /// Key `*` (event 10).
    Star,
    /// Key `#` (event 11).
    Pound,
    /// Key `A` (event 12).
    A,
    /// Key `B` (event 13).
    B,
    /// Key `C` (event 14).
    C,
    /// Key `D` (event 15).
    D,
    /// Hook flash (event 16); written `F` as FreeSWITCH does. It has no tone.
    Flash,
}

/// Row frequencies of the DTMF keypad, in Hz.
pub const ROW_FREQS: [f32; 4] = [697.0, 770.0, 852.0, 941.0];
/// Column frequencies of the DTMF keypad, in Hz.
pub const COL_FREQS: [f32; 4] = [1209.0, 1336.0, 1477.0, 1633.0];

/// Keys by (row, column) of the keypad.
const KEYPAD: [[Digit; 4]; 4] = [
    [Digit::D1, Digit::D2, Digit::D3, Digit::A],
    [Digit::D4, Digit::D5, Digit::D6, Digit::B],
    [Digit::D7, Digit::D8, Digit::D9, Digit::C],
    [Digit::Star, Digit::D0, Digit::Pound, Digit::D],
];

const BY_EVENT: [Digit; 17] = [
    Digit::D0,
    Digit::D1,
    Digit::D2,
    Digit::D3,
    Digit::D4,
    Digit::D5,
    Digit::D6,
    Digit::D7,
    Digit::D8,
    Digit::D9,
    Digit::Star,
    Digit::Pound,
    Digit::A,
    Digit::B,
    Digit::C,
    Digit::D,
    Digit::Flash,
];

impl Digit {
    /// Every key in event-code order (0–9, `*`, `#`, A–D, flash).
    pub const ALL: [Digit; 17] = BY_EVENT;

    /// The digit for an RFC 4733 event code (0–16); other codes are not DTMF.
    pub fn from_event(code: u8) -> Option<Digit> {
        BY_EVENT.get(usize::from(code)).copied()
    }

    /// The RFC 4733 event code (0–16).
    pub fn event(self) -> u8 {
        self as u8
    }

    /// The digit written as a character: `0`–`9`, `*`, `#`, `A`–`D` (either
    /// case) and hook flash as `F`/`f` or `!` (both seen in SIP INFO bodies).
    pub fn from_char(c: char) -> Option<Digit> {
        Some(match c {
            '0'..='9' => BY_EVENT[(c as u8 - b'0') as usize],
            '*' => Digit::Star,
            '#' => Digit::Pound,
            'A' | 'a' => Digit::A,
            'B' | 'b' => Digit::B,
            'C' | 'c' => Digit::C,
            'D' | 'd' => Digit::D,
            'F' | 'f' | '!' => Digit::Flash,
            _ => return None,
        })
    }

    /// The character FreeSWITCH uses for this digit (`0`–`9`, `*`, `#`,
    /// `A`–`D`, `F` for flash).
    pub fn to_char(self) -> char {
        b"0123456789*#ABCDF"[self as usize] as char
    }

    /// The (row, column) frequencies in Hz; `None` for hook flash.
    pub fn frequencies(self) -> Option<(f32, f32)> {
        let (row, col) = self.keypad_position()?;
        Some((ROW_FREQS[row], COL_FREQS[col]))
    }

    /// The (row, column) position on the 4×4 keypad; `None` for flash.
    pub fn keypad_position(self) -> Option<(usize, usize)> {
        for (r, row) in KEYPAD.iter().enumerate() {
            for (c, key) in row.iter().enumerate() {
                if *key == self {
                    return Some((r, c));
                }
            }
        }
        None
    }

    /// The key at a keypad (row, column), both 0–3.
    pub fn from_keypad(row: usize, col: usize) -> Option<Digit> {
        KEYPAD.get(row)?.get(col).copied()
    }
}

impl fmt::Display for Digit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.to_char())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_chars_and_frequencies_agree() {
        for (code, digit) in Digit::ALL.iter().enumerate() {
            assert_eq!(Digit::from_event(code as u8), Some(*digit));
            assert_eq!(digit.event(), code as u8);
            assert_eq!(Digit::from_char(digit.to_char()), Some(*digit));
        }
        assert_eq!(Digit::from_event(17), None);
        assert_eq!(Digit::from_char('e'), None);
        assert_eq!(Digit::from_char('!'), Some(Digit::Flash));
        assert_eq!(Digit::D5.frequencies(), Some((770.0, 1336.0)));
        assert_eq!(Digit::Pound.frequencies(), Some((941.0, 1477.0)));
        assert_eq!(Digit::Flash.frequencies(), None);
        assert_eq!(Digit::from_keypad(3, 1), Some(Digit::D0));
        assert_eq!(Digit::from_keypad(4, 0), None);
        assert_eq!(Digit::Star.to_string(), "*");
    }
}
