//! Parsing and formatting of the `Digest` parameter lists carried by the
//! `Authorization`, `Proxy-Authorization`, `WWW-Authenticate` and
//! `Proxy-Authenticate` header values.
//!
//! Grammar (RFC 3261 §25.1, RFC 7616 §3.3–3.4): `scheme LWS param *(COMMA
//! param)`, `param = token EQUAL (token / quoted-string)`. What is accepted:
//!
//! * whitespace (SP, HTAB, and CR/LF left over from folding) wherever LWS or
//!   SWS is legal: around `=`, around commas, after the scheme;
//! * parameter names and the scheme compared case-insensitively;
//! * quoted strings with `\` escapes (quoted-pair), UTF-8 text inside them;
//!   a backslash may escape any visible ASCII character, space or HTAB (RFC
//!   3261 also allows escaping other control characters such as NUL; they
//!   are refused here, since no digest value needs them);
//! * unquoted values made of any visible characters except `"` and `,`
//!   (a superset of `token`, because real UAs send e.g. unquoted base64);
//! * empty list elements (`a=1,,b=2` and a trailing comma), as RFC 9110 §5.6.1
//!   asks recipients to accept;
//! * unknown parameters, kept in order.
//!
//! What is rejected, with a [`ParseError`] that says what and where: a
//! missing scheme or parameter name, a name without `=` or value, an
//! unterminated quoted string, control characters, a bad escape, text where
//! a comma should be, and the same parameter twice.

use std::fmt;

/// One `name=value` pair of a digest parameter list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthParam {
    /// The parameter name as written (compare it case-insensitively).
    pub name: String,
    /// The value, with quotes removed and escapes resolved.
    pub value: String,
    /// Whether the value was (or is to be written as) a quoted string.
    pub quoted: bool,
}

impl AuthParam {
    /// A parameter written as a quoted string.
    pub fn quoted(name: &str, value: &str) -> AuthParam {
        AuthParam {
            name: name.to_owned(),
            value: value.to_owned(),
            quoted: true,
        }
    }

    /// A parameter written as a bare token (quoted anyway when formatting if
    /// `value` could not be read back unquoted, see [`is_bare_value`]).
    pub fn token(name: &str, value: &str) -> AuthParam {
        AuthParam {
            name: name.to_owned(),
            value: value.to_owned(),
            quoted: false,
        }
    }
}

impl fmt::Display for AuthParam {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)?;
        f.write_str("=")?;
        if self.quoted || !is_bare_value(&self.value) {
            write_quoted(f, &self.value)
        } else {
            f.write_str(&self.value)
        }
    }
}

/// A parsed `Digest` challenge or credential: the parameters in the order
/// they were written, names unique (case-insensitively).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DigestParams {
    params: Vec<AuthParam>,
}

impl DigestParams {
    /// An empty list.
    pub fn new() -> DigestParams {
        DigestParams::default()
    }

    /// Parses a header value holding exactly one `Digest` challenge or
    /// credential, e.g. `Digest username="alice", realm="a.test", …`.
    ///
    /// A value with another scheme yields [`ParseError::NotDigest`].
    pub fn parse(value: &str) -> Result<DigestParams, ParseError> {
        let mut items = parse_items(value, false)?;
        // `parse_items` with `multiple == false` returns exactly one item.
        let item = items.pop().ok_or(ParseError::Empty)?;
        if !item.scheme.eq_ignore_ascii_case("Digest") {
            return Err(ParseError::NotDigest {
                scheme: snippet(&item.scheme),
            });
        }
        Ok(DigestParams {
            params: item.params,
        })
    }

    /// Parses a header value that may hold several challenges separated by
    /// commas (`Digest realm="a", nonce="1", Digest realm="a", nonce="2"`,
    /// the HTTP way of folding several challenge headers into one), and
    /// returns the `Digest` ones; challenges of other schemes are skipped.
    pub fn parse_list(value: &str) -> Result<Vec<DigestParams>, ParseError> {
        Ok(parse_items(value, true)?
            .into_iter()
            .filter(|i| i.scheme.eq_ignore_ascii_case("Digest"))
            .map(|i| DigestParams { params: i.params })
            .collect())
    }

    /// The value of parameter `name` (case-insensitive), if present.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.param(name).map(|p| p.value.as_str())
    }

    /// The parameter `name` (case-insensitive), if present.
    pub fn param(&self, name: &str) -> Option<&AuthParam> {
        self.params
            .iter()
            .find(|p| p.name.eq_ignore_ascii_case(name))
    }

    /// Appends a parameter; an existing one with the same name
    /// (case-insensitively) is replaced in place instead.
    pub fn push(&mut self, param: AuthParam) {
        match self
            .params
            .iter_mut()
            .find(|p| p.name.eq_ignore_ascii_case(&param.name))
        {
            Some(existing) => *existing = param,
            None => self.params.push(param),
        }
    }

    /// All parameters in order.
    pub fn iter(&self) -> std::slice::Iter<'_, AuthParam> {
        self.params.iter()
    }

    /// Number of parameters.
    pub fn len(&self) -> usize {
        self.params.len()
    }

    /// Whether there are no parameters.
    pub fn is_empty(&self) -> bool {
        self.params.is_empty()
    }

    /// Consumes the list, returning its parameters.
    pub fn into_vec(self) -> Vec<AuthParam> {
        self.params
    }
}

impl From<Vec<AuthParam>> for DigestParams {
    /// Builds a list from parameters; later duplicates replace earlier ones.
    fn from(params: Vec<AuthParam>) -> DigestParams {
        let mut list = DigestParams::new();
        for p in params {
            list.push(p);
        }
        list
    }
}

impl fmt::Display for DigestParams {
    /// Writes `Digest name=value, name="value", …`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Digest")?;
        for (i, p) in self.params.iter().enumerate() {
            f.write_str(if i == 0 { " " } else { ", " })?;
            write!(f, "{p}")?;
        }
        Ok(())
    }
}

/// Why a digest header value could not be used. The `Display` text is fit
/// for a log line or a SIP reason phrase (user input is escaped and
/// shortened, so it never contains CR or LF).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParseError {
    /// The value is empty or only whitespace.
    Empty,
    /// The value starts with another scheme (e.g. `Basic`); a registrar
    /// answers it with a fresh challenge.
    NotDigest {
        /// The scheme found (escaped, shortened).
        scheme: String,
    },
    /// No scheme token at the start of the value.
    ExpectedScheme {
        /// Byte offset in the value.
        at: usize,
    },
    /// Something other than whitespace directly after the scheme.
    ExpectedSpaceAfterScheme {
        /// Byte offset in the value.
        at: usize,
    },
    /// A parameter name was expected.
    ExpectedName {
        /// Byte offset in the value.
        at: usize,
        /// What was found instead.
        found: char,
    },
    /// A parameter name is not followed by `=`.
    ExpectedEquals {
        /// The parameter name (escaped, shortened).
        name: String,
        /// Byte offset in the value.
        at: usize,
    },
    /// `name=` with nothing after it.
    MissingValue {
        /// The parameter name (escaped, shortened).
        name: String,
    },
    /// A quoted string has no closing `"`.
    UnterminatedQuote {
        /// The parameter name (escaped, shortened).
        name: String,
    },
    /// A `\` before a control character (other than HTAB) or a non-ASCII
    /// character.
    BadEscape {
        /// The parameter name (escaped, shortened).
        name: String,
        /// Byte offset in the value.
        at: usize,
    },
    /// A control character where it is not allowed.
    ControlChar {
        /// Byte offset in the value.
        at: usize,
    },
    /// Text after a value where a comma or the end was expected.
    ExpectedComma {
        /// Byte offset in the value.
        at: usize,
        /// What was found instead.
        found: char,
    },
    /// The same parameter appears twice.
    Duplicate {
        /// The parameter name (escaped, shortened).
        name: String,
    },
    /// A required parameter is absent.
    Missing {
        /// The parameter name.
        name: &'static str,
    },
    /// A parameter has a value that is not allowed.
    InvalidValue {
        /// The parameter name.
        name: &'static str,
        /// The value found (escaped, shortened).
        value: String,
        /// What was expected.
        expected: &'static str,
    },
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParseError::Empty => f.write_str("empty authentication header"),
            ParseError::NotDigest { scheme } => {
                write!(
                    f,
                    "unsupported authentication scheme {scheme} (expected Digest)"
                )
            }
            ParseError::ExpectedScheme { at } => {
                write!(f, "expected an authentication scheme at byte {at}")
            }
            ParseError::ExpectedSpaceAfterScheme { at } => {
                write!(
                    f,
                    "expected whitespace after the authentication scheme at byte {at}"
                )
            }
            ParseError::ExpectedName { at, found } => {
                write!(f, "expected a parameter name at byte {at}, found {found:?}")
            }
            ParseError::ExpectedEquals { name, at } => {
                write!(f, "expected '=' after parameter {name} at byte {at}")
            }
            ParseError::MissingValue { name } => write!(f, "parameter {name} has no value"),
            ParseError::UnterminatedQuote { name } => {
                write!(f, "unterminated quoted string in parameter {name}")
            }
            ParseError::BadEscape { name, at } => {
                write!(
                    f,
                    "invalid backslash escape in parameter {name} at byte {at}"
                )
            }
            ParseError::ControlChar { at } => write!(f, "control character at byte {at}"),
            ParseError::ExpectedComma { at, found } => {
                write!(
                    f,
                    "expected ',' between parameters at byte {at}, found {found:?}"
                )
            }
            ParseError::Duplicate { name } => write!(f, "duplicate parameter {name}"),
            ParseError::Missing { name } => write!(f, "missing parameter \"{name}\""),
            ParseError::InvalidValue {
                name,
                value,
                expected,
            } => {
                write!(f, "invalid {name} {value}: expected {expected}")
            }
        }
    }
}

impl std::error::Error for ParseError {}

/// Whether `c` is a `token` character (RFC 3261 §25.1).
pub fn is_token_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "-.!%*_+`'~".contains(c)
}

/// Whether `s` is a non-empty `token`.
pub fn is_token(s: &str) -> bool {
    !s.is_empty() && s.chars().all(is_token_char)
}

/// Whether `s` can be written unquoted and read back unchanged: non-empty,
/// without whitespace, `"`, `,` or control characters. (Every `token` is;
/// values we compose are tokens, other bare values are only echoed.)
pub fn is_bare_value(s: &str) -> bool {
    !s.is_empty()
        && !s
            .chars()
            .any(|c| matches!(c, ' ' | '\t' | '\r' | '\n' | '"' | ',') || c.is_control())
}

/// Writes `value` as a quoted string: `"` and `\` are escaped; CR, LF and
/// other control characters except HTAB, which a quoted string cannot
/// carry, are written as a space so that the output is always one valid
/// header line.
pub fn write_quoted(out: &mut impl fmt::Write, value: &str) -> fmt::Result {
    out.write_char('"')?;
    for c in value.chars() {
        match c {
            '"' | '\\' => {
                out.write_char('\\')?;
                out.write_char(c)?;
            }
            '\t' => out.write_char(c)?,
            c if c.is_control() => out.write_char(' ')?,
            c => out.write_char(c)?,
        }
    }
    out.write_char('"')
}

/// `value` as a quoted string (see [`write_quoted`]).
pub fn quote(value: &str) -> String {
    let mut s = String::with_capacity(value.len() + 2);
    // Writing to a String cannot fail.
    let _ = write_quoted(&mut s, value);
    s
}

/// A user-supplied string made safe for an error message: Rust-escaped
/// (no CR/LF), quoted, and cut to 40 characters.
pub(crate) fn snippet(s: &str) -> String {
    const MAX: usize = 40;
    let cut: String = s.chars().take(MAX).collect();
    let mut out = format!("{cut:?}");
    if s.chars().nth(MAX).is_some() {
        out.push('…');
    }
    out
}

/// One challenge or credential: a scheme and its parameters.
struct Item {
    scheme: String,
    params: Vec<AuthParam>,
}

/// Whitespace allowed in LWS/SWS (CR and LF appear when folded lines were
/// not unfolded by the caller).
fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

struct Cursor<'a> {
    s: &'a str,
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn peek(&self) -> Option<u8> {
        self.s.as_bytes().get(self.pos).copied()
    }

    /// The character at the cursor, for error messages.
    fn peek_char(&self) -> char {
        self.s
            .get(self.pos..)
            .and_then(|r| r.chars().next())
            .unwrap_or('\0')
    }

    fn eof(&self) -> bool {
        self.pos >= self.s.len()
    }

    /// Skips whitespace; returns whether any was skipped.
    fn skip_ws(&mut self) -> bool {
        let start = self.pos;
        while self.peek().is_some_and(is_ws) {
            self.pos += 1;
        }
        self.pos > start
    }

    /// Takes a run of token characters (possibly empty).
    fn token(&mut self) -> &'a str {
        let start = self.pos;
        while self.peek().is_some_and(|b| is_token_char(char::from(b))) {
            self.pos += 1;
        }
        &self.s[start..self.pos]
    }

    /// Takes an unquoted value: characters other than whitespace, `"`,
    /// `,` and controls (so that it ends on a character boundary).
    fn bare_value(&mut self) -> Result<&'a str, ParseError> {
        let start = self.pos;
        for (i, ch) in self.s[start..].char_indices() {
            if ch == ',' || ch == '"' || (ch.is_ascii() && is_ws(ch as u8)) {
                self.pos = start + i;
                return Ok(&self.s[start..self.pos]);
            }
            if ch.is_control() {
                return Err(ParseError::ControlChar { at: start + i });
            }
        }
        self.pos = self.s.len();
        Ok(&self.s[start..])
    }

    /// Takes a quoted string; the cursor is on the opening `"`.
    fn quoted(&mut self, name: &str) -> Result<String, ParseError> {
        self.pos += 1;
        let mut out = String::new();
        let rest = &self.s[self.pos..];
        let mut chars = rest.char_indices();
        while let Some((i, c)) = chars.next() {
            let at = self.pos + i;
            match c {
                '"' => {
                    self.pos = at + 1;
                    return Ok(out);
                }
                '\\' => match chars.next() {
                    Some((_, e)) if e.is_ascii() && (e == '\t' || !e.is_ascii_control()) => {
                        out.push(e)
                    }
                    Some(_) => {
                        return Err(ParseError::BadEscape {
                            name: snippet(name),
                            at,
                        });
                    }
                    None => {
                        return Err(ParseError::UnterminatedQuote {
                            name: snippet(name),
                        });
                    }
                },
                '\t' => out.push(c),
                c if c.is_control() => return Err(ParseError::ControlChar { at }),
                c => out.push(c),
            }
        }
        Err(ParseError::UnterminatedQuote {
            name: snippet(name),
        })
    }
}

/// Parses a list of challenges or credentials. With `multiple == false`
/// exactly one item is returned and a name without `=` after a comma is an
/// error; with `multiple == true` such a name starts the next item.
fn parse_items(value: &str, multiple: bool) -> Result<Vec<Item>, ParseError> {
    let mut c = Cursor { s: value, pos: 0 };
    c.skip_ws();
    if c.eof() {
        return Err(ParseError::Empty);
    }
    let mut items = Vec::new();
    'items: loop {
        let scheme = c.token();
        if scheme.is_empty() {
            return Err(ParseError::ExpectedScheme { at: c.pos });
        }
        let mut item = Item {
            scheme: scheme.to_owned(),
            params: Vec::new(),
        };
        let had_ws = c.skip_ws();
        if c.eof() {
            items.push(item);
            return Ok(items);
        }
        if !had_ws {
            return Err(ParseError::ExpectedSpaceAfterScheme { at: c.pos });
        }
        // The parameter list.
        loop {
            let name_at = c.pos;
            let name = c.token();
            if name.is_empty() {
                return Err(ParseError::ExpectedName {
                    at: c.pos,
                    found: c.peek_char(),
                });
            }
            c.skip_ws();
            if c.peek() != Some(b'=') {
                if multiple && !item.params.is_empty() {
                    // `…, Scheme param=…`: the next challenge starts here.
                    c.pos = name_at;
                    items.push(item);
                    continue 'items;
                }
                return Err(ParseError::ExpectedEquals {
                    name: snippet(name),
                    at: c.pos,
                });
            }
            c.pos += 1;
            c.skip_ws();
            let (val, quoted) = if c.peek() == Some(b'"') {
                (c.quoted(name)?, true)
            } else {
                let v = c.bare_value()?;
                if v.is_empty() {
                    return Err(ParseError::MissingValue {
                        name: snippet(name),
                    });
                }
                (v.to_owned(), false)
            };
            if item
                .params
                .iter()
                .any(|p| p.name.eq_ignore_ascii_case(name))
            {
                return Err(ParseError::Duplicate {
                    name: snippet(name),
                });
            }
            item.params.push(AuthParam {
                name: name.to_owned(),
                value: val,
                quoted,
            });
            c.skip_ws();
            if c.eof() {
                items.push(item);
                return Ok(items);
            }
            if c.peek() != Some(b',') {
                return Err(ParseError::ExpectedComma {
                    at: c.pos,
                    found: c.peek_char(),
                });
            }
            // One or more commas (empty list elements are tolerated).
            while c.peek() == Some(b',') {
                c.pos += 1;
                c.skip_ws();
            }
            if c.eof() {
                items.push(item);
                return Ok(items);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(v: &str) -> DigestParams {
        DigestParams::parse(v).unwrap_or_else(|e| panic!("{v:?}: {e}"))
    }

    #[test]
    fn basic_credentials() {
        let d = p(r#"Digest username="alice", realm="example.com", nc=0000010a, qop=auth"#);
        assert_eq!(d.get("username"), Some("alice"));
        assert_eq!(d.get("REALM"), Some("example.com"));
        assert_eq!(d.get("nc"), Some("0000010a"));
        assert_eq!(d.get("qop"), Some("auth"));
        assert!(d.param("username").is_some_and(|p| p.quoted));
        assert!(d.param("nc").is_some_and(|p| !p.quoted));
        assert_eq!(d.len(), 4);
    }

    #[test]
    fn scheme_and_names_case_insensitive() {
        let d = p(r#"dIgEsT UserName="a""#);
        assert_eq!(d.get("username"), Some("a"));
    }

    #[test]
    fn whitespace_everywhere_legal() {
        let d = p("  Digest \t username = \"a\" ,\r\n realm\t=\t\"r\"  ,nonce=x  ");
        assert_eq!(d.get("username"), Some("a"));
        assert_eq!(d.get("realm"), Some("r"));
        assert_eq!(d.get("nonce"), Some("x"));
    }

    #[test]
    fn escapes_and_utf8() {
        let d = p(r#"Digest username="a\"b\\c\d", realm="réalm, with comma""#);
        assert_eq!(d.get("username"), Some(r#"a"b\cd"#));
        assert_eq!(d.get("realm"), Some("réalm, with comma"));
        let again = p(&d.to_string());
        assert_eq!(again, d);
    }

    #[test]
    fn empty_elements_and_trailing_comma() {
        let d = p("Digest a=1,, ,b=2,");
        assert_eq!(d.get("a"), Some("1"));
        assert_eq!(d.get("b"), Some("2"));
    }

    #[test]
    fn unknown_params_kept_in_order() {
        let d = p(r#"Digest realm="r", x-foo=bar, nonce="n", x-q="v""#);
        let names: Vec<_> = d.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["realm", "x-foo", "nonce", "x-q"]);
        assert_eq!(
            d.to_string(),
            r#"Digest realm="r", x-foo=bar, nonce="n", x-q="v""#
        );
    }

    #[test]
    fn errors() {
        use ParseError::*;
        let e = |v: &str| DigestParams::parse(v).unwrap_err();
        assert_eq!(e(""), Empty);
        assert_eq!(e("  \t"), Empty);
        assert!(matches!(e("Basic realm=\"x\""), NotDigest { .. }));
        assert!(matches!(
            e("NoOneKnowsThisScheme opaque-data=here"),
            NotDigest { .. }
        ));
        assert_eq!(e("=x"), ExpectedScheme { at: 0 });
        assert_eq!(e("Digest\"x\""), ExpectedSpaceAfterScheme { at: 6 });
        assert!(matches!(e("Digest =x"), ExpectedName { at: 7, found: '=' }));
        assert!(matches!(e("Digest a"), ExpectedEquals { .. }));
        assert!(matches!(e("Digest a=1, b"), ExpectedEquals { .. }));
        assert!(matches!(e("Digest a="), MissingValue { .. }));
        assert!(matches!(e("Digest a=,b=1"), MissingValue { .. }));
        assert!(matches!(e("Digest a=\"abc"), UnterminatedQuote { .. }));
        assert!(matches!(e("Digest a=\"abc\\"), UnterminatedQuote { .. }));
        assert!(matches!(e("Digest a=\"a\\\nb\""), BadEscape { .. }));
        assert!(matches!(e("Digest a=\"a\\\0b\""), BadEscape { .. }));
        assert!(matches!(e("Digest a=\"a\\éb\""), BadEscape { .. }));
        assert!(matches!(e("Digest a=\"a\u{1}b\""), ControlChar { .. }));
        assert!(matches!(e("Digest a=\"a\nb\""), ControlChar { .. }));
        assert!(matches!(e("Digest a=a\u{7f}"), ControlChar { .. }));
        assert!(matches!(
            e("Digest a=1 b=2"),
            ExpectedComma { found: 'b', .. }
        ));
        assert!(matches!(e("Digest a=\"1\"b"), ExpectedComma { .. }));
        assert!(matches!(e("Digest a=1, A=2"), Duplicate { .. }));
        assert!(matches!(
            e("Digest a=1, b=2, Digest c=3"),
            ExpectedEquals { .. }
        ));
    }

    #[test]
    fn error_messages_are_single_line_and_clear() {
        let err = DigestParams::parse("Digest nonce=1, NONCE=2").unwrap_err();
        assert_eq!(err.to_string(), "duplicate parameter \"NONCE\"");
        let err = DigestParams::parse("Basic\r\nInjected: x").unwrap_err();
        let msg = err.to_string();
        assert!(!msg.contains('\r') && !msg.contains('\n'), "{msg}");
        let long = format!("Digest {}", "a".repeat(200));
        let msg = DigestParams::parse(&long).unwrap_err().to_string();
        assert!(msg.len() < 100, "{msg}");
    }

    #[test]
    fn list_of_challenges() {
        let v = r#"Digest realm="a", nonce="1", algorithm=SHA-256, Basic realm="b", Digest realm="a", nonce="2""#;
        let l = DigestParams::parse_list(v).unwrap();
        assert_eq!(l.len(), 2);
        assert_eq!(l[0].get("algorithm"), Some("SHA-256"));
        assert_eq!(l[1].get("nonce"), Some("2"));
        assert_eq!(DigestParams::parse_list("Digest realm=a").unwrap().len(), 1);
        assert!(DigestParams::parse_list("Basic").unwrap().is_empty());
    }

    #[test]
    fn formatting() {
        let mut d = DigestParams::new();
        d.push(AuthParam::quoted("username", "a\"b"));
        d.push(AuthParam::token("algorithm", "MD5"));
        d.push(AuthParam::token("weird", "has space"));
        d.push(AuthParam::token("b64", "a/b+c=="));
        d.push(AuthParam::quoted("evil", "x\r\nVia: y"));
        d.push(AuthParam::token("ALGORITHM", "SHA-256"));
        assert_eq!(
            d.to_string(),
            r#"Digest username="a\"b", ALGORITHM=SHA-256, weird="has space", b64=a/b+c==, evil="x  Via: y""#
        );
        assert_eq!(quote("\\"), r#""\\""#);
    }

    #[test]
    fn format_parse_round_trip_of_arbitrary_values() {
        for v in ["", "a", "\"", "\\", "a,b", "ünï", "\t", " x "] {
            let mut d = DigestParams::new();
            d.push(AuthParam::quoted("v", v));
            d.push(AuthParam::token("t", v));
            let back = p(&d.to_string());
            assert_eq!(back.get("v"), Some(v));
            assert_eq!(back.get("t"), Some(v));
        }
    }
}
