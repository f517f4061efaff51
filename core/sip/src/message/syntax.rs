//! Character classes and small scanners shared by the typed header parsers
//! (RFC 3261 §25.1). Every function works on byte positions and never
//! indexes out of bounds.

/// True for RFC 3261 `token` characters.
pub(crate) fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric()
        || matches!(
            b,
            b'-' | b'.' | b'!' | b'%' | b'*' | b'_' | b'+' | b'`' | b'\'' | b'~'
        )
}

/// True if `s` is a non-empty RFC 3261 `token`.
pub(crate) fn is_token(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(is_token_byte)
}

/// True for the whitespace that may appear inside an (unfolded) header value.
pub(crate) fn is_ws(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

/// The first position at or after `i` that is not SP or HTAB.
pub(crate) fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while b.get(i).is_some_and(|&c| is_ws(c)) {
        i += 1;
    }
    i
}

/// The first position at or after `i` that is not a token character.
pub(crate) fn skip_token(b: &[u8], mut i: usize) -> usize {
    while b.get(i).is_some_and(|&c| is_token_byte(c)) {
        i += 1;
    }
    i
}

/// `s` without leading and trailing SP/HTAB.
pub(crate) fn trim_ws(s: &str) -> &str {
    s.trim_matches([' ', '\t'])
}

/// Given `b[start] == '"'`, the position just after the closing quote of the
/// quoted-string, honouring backslash escapes; `None` if it is unterminated.
pub(crate) fn quoted_string_end(b: &[u8], start: usize) -> Option<usize> {
    let mut i = start + 1;
    loop {
        match b.get(i)? {
            b'\\' => i += 2,
            b'"' => return Some(i + 1),
            _ => i += 1,
        }
    }
}

/// True for bytes that may appear in a parameter value that is not a
/// quoted-string (token, host, IPv6 reference, and the URI param marks).
pub(crate) fn is_param_value_byte(b: u8) -> bool {
    b > 0x20 && b != 0x7f && !matches!(b, b';' | b',' | b'"' | b'<' | b'>' | b'\\')
}

/// Splits a header value at top-level commas: commas inside quoted strings
/// or `<...>` do not split. Pieces are not trimmed.
pub(crate) fn split_list(s: &str) -> SplitList<'_> {
    SplitList { rest: Some(s) }
}

/// Iterator returned by [`split_list`].
pub(crate) struct SplitList<'a> {
    rest: Option<&'a str>,
}

impl<'a> Iterator for SplitList<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let s = self.rest?;
        let b = s.as_bytes();
        let mut i = 0;
        let mut in_angle = false;
        while let Some(&c) = b.get(i) {
            match c {
                b'"' => match quoted_string_end(b, i) {
                    Some(end) => {
                        i = end;
                        continue;
                    }
                    None => break,
                },
                b'<' => in_angle = true,
                b'>' => in_angle = false,
                b',' if !in_angle => {
                    self.rest = s.get(i + 1..);
                    return s.get(..i);
                }
                _ => {}
            }
            i += 1;
        }
        self.rest = None;
        Some(s)
    }
}

/// Parses a run of ASCII digits as a `u32`; `None` when empty, not all
/// digits, or too large.
pub(crate) fn parse_u32(s: &str) -> Option<u32> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut n: u32 = 0;
    for b in s.bytes() {
        n = n.checked_mul(10)?.checked_add(u32::from(b - b'0'))?;
    }
    Some(n)
}

/// Parses a run of ASCII digits as a `u64`; `None` when empty, not all
/// digits, or too large.
pub(crate) fn parse_u64(s: &str) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut n: u64 = 0;
    for b in s.bytes() {
        n = n.checked_mul(10)?.checked_add(u64::from(b - b'0'))?;
    }
    Some(n)
}

/// Removes the quotes and backslash escapes of a quoted-string; returns the
/// input unchanged when it is not quoted.
pub(crate) fn unquote(s: &str) -> std::borrow::Cow<'_, str> {
    let Some(inner) = s.strip_prefix('"').and_then(|r| r.strip_suffix('"')) else {
        return std::borrow::Cow::Borrowed(s);
    };
    if !inner.contains('\\') {
        return std::borrow::Cow::Borrowed(inner);
    }
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(escaped) = chars.next() {
                out.push(escaped);
            }
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}
