//! URIs: `sip:`/`sips:` (RFC 3261 §19.1), `tel:` (RFC 3966) and any other
//! scheme kept as opaque text. Escaped characters are kept as received;
//! [`percent_decode`] decodes them on request.

use std::borrow::Cow;

use super::error::ParseError;
use super::params::Params;

/// A parsed URI borrowing the text it was parsed from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Uri<'a> {
    raw: &'a str,
    kind: UriKind<'a>,
}

/// The scheme-specific view of a [`Uri`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UriKind<'a> {
    /// `sip:` or `sips:`.
    Sip(SipUri<'a>),
    /// `tel:`.
    Tel(TelUri<'a>),
    /// Any other scheme (`absoluteURI`), kept opaque.
    Other(OtherUri<'a>),
}

/// A `sip:` or `sips:` URI. All parts are as received (escapes kept).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SipUri<'a> {
    /// True for `sips:`.
    pub secure: bool,
    /// The user part (may contain `;` parameters as in RFC 4694 `npdi`).
    pub user: Option<&'a str>,
    /// The password part after `user:`.
    pub password: Option<&'a str>,
    /// The host: a name, an IPv4 address, or an IPv6 reference with brackets.
    pub host: &'a str,
    /// The port, if given.
    pub port: Option<u16>,
    /// The URI parameters (`;transport=tcp;lr`).
    pub params: Params<'a>,
    /// The header part after `?`, as received.
    pub headers: Option<&'a str>,
}

/// A `tel:` URI (RFC 3966).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TelUri<'a> {
    /// The number with its visual separators, e.g. `+1-555-123-4567` or `5551234`.
    pub number: &'a str,
    /// The parameters, e.g. `;phone-context=+1555`.
    pub params: Params<'a>,
}

/// A URI of a scheme the stack does not interpret.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OtherUri<'a> {
    /// The scheme as received.
    pub scheme: &'a str,
    /// Everything after `scheme:`.
    pub rest: &'a str,
}

impl<'a> Uri<'a> {
    /// Parses a URI.
    pub fn parse(text: &'a str) -> Result<Uri<'a>, ParseError> {
        parse_uri(text, "URI")
    }

    /// The URI text as received.
    pub fn as_str(&self) -> &'a str {
        self.raw
    }

    /// The scheme-specific view.
    pub fn kind(&self) -> &UriKind<'a> {
        &self.kind
    }

    /// The scheme as received (`sip`, `sips`, `tel`, ...).
    pub fn scheme(&self) -> &'a str {
        self.raw.split(':').next().unwrap_or_default()
    }

    /// The SIP view, for `sip:` and `sips:` URIs.
    pub fn as_sip(&self) -> Option<&SipUri<'a>> {
        match &self.kind {
            UriKind::Sip(sip) => Some(sip),
            _ => None,
        }
    }

    /// The telephone view, for `tel:` URIs.
    pub fn as_tel(&self) -> Option<&TelUri<'a>> {
        match &self.kind {
            UriKind::Tel(tel) => Some(tel),
            _ => None,
        }
    }

    /// The URI parameters (`sip:`/`sips:`/`tel:`; empty for other schemes).
    pub fn params(&self) -> Params<'a> {
        match &self.kind {
            UriKind::Sip(sip) => sip.params,
            UriKind::Tel(tel) => tel.params,
            UriKind::Other(_) => Params::default(),
        }
    }
}

impl<'a> SipUri<'a> {
    /// The user part with escapes decoded (may hold any octet, even NUL).
    pub fn user_decoded(&self) -> Option<Cow<'a, [u8]>> {
        self.user.map(percent_decode)
    }

    /// The `transport` URI parameter.
    pub fn transport(&self) -> Option<&'a str> {
        self.params.value("transport")
    }

    /// True if the `lr` (loose routing) parameter is present.
    pub fn is_loose_route(&self) -> bool {
        self.params.contains("lr")
    }
}

impl<'a> TelUri<'a> {
    /// True for a global number (`+` and E.164 digits).
    pub fn is_global(&self) -> bool {
        self.number.starts_with('+')
    }

    /// The `phone-context` parameter of a local number.
    pub fn phone_context(&self) -> Option<&'a str> {
        self.params.value("phone-context")
    }

    /// The digits of the number without visual separators (`-`, `.`, `(`, `)`).
    pub fn digits(&self) -> String {
        self.number
            .chars()
            .filter(|c| !matches!(c, '-' | '.' | '(' | ')'))
            .collect()
    }
}

/// Decodes `%XX` escapes; malformed escapes (`%ZK`) are kept literally.
pub fn percent_decode(text: &str) -> Cow<'_, [u8]> {
    if !text.contains('%') {
        return Cow::Borrowed(text.as_bytes());
    }
    let b = text.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        let hex = |j: usize| b.get(j).and_then(|&h| (h as char).to_digit(16));
        match (c, hex(i + 1), hex(i + 2)) {
            (b'%', Some(hi), Some(lo)) => {
                out.push(u8::try_from(hi * 16 + lo).unwrap_or(b'?'));
                i += 3;
            }
            _ => {
                out.push(c);
                i += 1;
            }
        }
    }
    Cow::Owned(out)
}

/// Parses a URI, naming `what` (a header name or `Request-URI`) in errors.
pub(crate) fn parse_uri<'a>(text: &'a str, what: &'static str) -> Result<Uri<'a>, ParseError> {
    let err = |detail| ParseError::Malformed { what, detail };
    if text
        .bytes()
        .any(|b| b <= 0x20 || b == 0x7f || matches!(b, b'<' | b'>' | b'"'))
    {
        return Err(err("URI contains whitespace or an illegal character"));
    }
    let Some((scheme, rest)) = text.split_once(':') else {
        return Err(err("URI has no scheme"));
    };
    let mut scheme_bytes = scheme.bytes();
    let scheme_ok = scheme_bytes.next().is_some_and(|b| b.is_ascii_alphabetic())
        && scheme_bytes.all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'));
    if !scheme_ok {
        return Err(err("bad URI scheme"));
    }
    let kind = if scheme.eq_ignore_ascii_case("sip") {
        UriKind::Sip(parse_sip(rest, false).map_err(err)?)
    } else if scheme.eq_ignore_ascii_case("sips") {
        UriKind::Sip(parse_sip(rest, true).map_err(err)?)
    } else if scheme.eq_ignore_ascii_case("tel") {
        UriKind::Tel(parse_tel(rest).map_err(err)?)
    } else if rest.is_empty() {
        return Err(err("empty URI after scheme"));
    } else {
        UriKind::Other(OtherUri { scheme, rest })
    };
    Ok(Uri { raw: text, kind })
}

fn parse_sip(rest: &str, secure: bool) -> Result<SipUri<'_>, &'static str> {
    let (userinfo, hostpart) = match rest.split_once('@') {
        Some((userinfo, hostpart)) => (Some(userinfo), hostpart),
        None => (None, rest),
    };
    let (user, password) = match userinfo {
        None => (None, None),
        Some(info) => match info.split_once(':') {
            Some((user, password)) => (Some(user), Some(password)),
            None => (Some(info), None),
        },
    };
    if user.is_some_and(str::is_empty) {
        return Err("empty user part");
    }
    let (before_headers, headers) = match hostpart.split_once('?') {
        Some((before, headers)) => (before, Some(headers)),
        None => (hostpart, None),
    };
    let (hostport, params) = match before_headers.find(';') {
        Some(i) => (
            before_headers.get(..i).unwrap_or_default(),
            before_headers.get(i..).unwrap_or_default(),
        ),
        None => (before_headers, ""),
    };
    let (host, port) = split_host_port(hostport)?;
    let params = Params::parse(params)?;
    Ok(SipUri {
        secure,
        user,
        password,
        host,
        port,
        params,
        headers,
    })
}

/// Splits `host[:port]` and checks the host (name, IPv4, or `[IPv6]`).
pub(crate) fn split_host_port(hostport: &str) -> Result<(&str, Option<u16>), &'static str> {
    let (host, port) = if hostport.starts_with('[') {
        let close = hostport.find(']').ok_or("unterminated IPv6 reference")?;
        let host = hostport.get(..=close).unwrap_or_default();
        let inner = host.get(1..host.len() - 1).unwrap_or_default();
        if inner.is_empty()
            || !inner
                .bytes()
                .all(|b| b.is_ascii_hexdigit() || b == b':' || b == b'.')
        {
            return Err("bad IPv6 reference");
        }
        match hostport.get(close + 1..).unwrap_or_default() {
            "" => (host, None),
            after => (
                host,
                Some(after.strip_prefix(':').ok_or("junk after IPv6 reference")?),
            ),
        }
    } else {
        match hostport.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (hostport, None),
        }
    };
    if host.is_empty() {
        return Err("empty host");
    }
    if !host.starts_with('[')
        && !host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_'))
    {
        return Err("bad host");
    }
    let port = match port {
        None => None,
        Some(p) => Some(
            super::syntax::parse_u32(p)
                .and_then(|n| u16::try_from(n).ok())
                .ok_or("bad port")?,
        ),
    };
    Ok((host, port))
}

fn parse_tel(rest: &str) -> Result<TelUri<'_>, &'static str> {
    let (number, params) = match rest.find(';') {
        Some(i) => (
            rest.get(..i).unwrap_or_default(),
            rest.get(i..).unwrap_or_default(),
        ),
        None => (rest, ""),
    };
    let digits = number.strip_prefix('+').unwrap_or(number);
    let global = digits.len() != number.len();
    let ok = digits
        .bytes()
        .any(|b| b.is_ascii_hexdigit() || b == b'*' || b == b'#')
        && digits.bytes().all(|b| {
            matches!(b, b'-' | b'.' | b'(' | b')')
                || b.is_ascii_digit()
                || (!global && (b.is_ascii_hexdigit() || b == b'*' || b == b'#'))
        });
    if !ok {
        return Err("bad telephone number");
    }
    Ok(TelUri {
        number,
        params: Params::parse(params)?,
    })
}
