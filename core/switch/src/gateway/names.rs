//! What gateway names, proxies, credentials, DID numbers and dialplan
//! contexts may look like. Each check returns the value to store or a
//! message a person can act on.

use switchyard_sip::message::Uri;

/// The SIP port used when a proxy gives none.
pub const DEFAULT_SIP_PORT: u16 = 5060;

/// Registration expiry bounds, in seconds.
pub const EXPIRES_RANGE: std::ops::RangeInclusive<u32> = 60..=86_400;

/// Retry interval bounds after a failed registration, in seconds.
pub const RETRY_RANGE: std::ops::RangeInclusive<u32> = 5..=3600;

/// Checks and lower-cases a gateway name: 1-64 of `a-z`, `0-9`, `.`, `_`
/// and `-`.
pub fn gateway_name(text: &str) -> Result<String, String> {
    let name = text.trim().to_ascii_lowercase();
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    if ok {
        Ok(name)
    } else {
        Err(format!(
            "'{text}' is not a gateway name (1-64 letters, digits, '.', '_' or '-')"
        ))
    }
}

/// Splits a checked proxy `host[:port]` into its host (IPv6 with its
/// brackets, as in a SIP URI) and port.
pub fn split_proxy(proxy: &str) -> (&str, Option<u16>) {
    if proxy.starts_with('[') {
        return match proxy.find(']') {
            Some(end) => {
                let (host, rest) = proxy.split_at(end + 1);
                (host, rest.strip_prefix(':').and_then(|p| p.parse().ok()))
            }
            None => (proxy, None),
        };
    }
    match proxy.rsplit_once(':') {
        Some((host, port)) => match port.parse() {
            Ok(port) => (host, Some(port)),
            Err(_) => (proxy, None),
        },
        None => (proxy, None),
    }
}

/// The host of a proxy without IPv6 brackets, for name resolution.
pub fn bare_host(host: &str) -> &str {
    host.strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host)
}

/// Checks a proxy given as `host[:port]`: a domain name, an IPv4 address
/// or a bracketed IPv6 address, and a port 1-65535. Returns it trimmed.
pub fn proxy(text: &str) -> Result<String, String> {
    let proxy = text.trim();
    let bad = || {
        format!(
            "'{text}' is not a proxy: write host[:port], e.g. sip.example.net or 192.0.2.1:5080 or [2001:db8::1]:5060"
        )
    };
    let (host, port) = split_proxy(proxy);
    let port_text = proxy.get(host.len()..).unwrap_or_default();
    if !port_text.is_empty() && port.is_none_or(|p| p == 0) {
        return Err(bad());
    }
    let host_ok = match host.strip_prefix('[') {
        Some(inner) => inner
            .strip_suffix(']')
            .is_some_and(|ip| ip.parse::<std::net::Ipv6Addr>().is_ok()),
        None => crate::directory::names::domain(host).is_ok(),
    };
    if !host_ok || Uri::parse(&format!("sip:{proxy}")).is_err() {
        return Err(bad());
    }
    Ok(proxy.to_owned())
}

/// Checks a domain for the From and To of REGISTERs: a domain name, an
/// IPv4 address or a bracketed IPv6 address (lower-cased).
pub fn from_domain(text: &str) -> Result<String, String> {
    let text = text.trim();
    let ok = match text.strip_prefix('[') {
        Some(inner) => inner
            .strip_suffix(']')
            .is_some_and(|ip| ip.parse::<std::net::Ipv6Addr>().is_ok()),
        None => crate::directory::names::domain(text).is_ok(),
    };
    if ok {
        Ok(text.to_ascii_lowercase())
    } else {
        Err(format!(
            "'{text}' is not a from-domain (a domain name or IP address)"
        ))
    }
}

/// Checks a gateway username: it goes into SIP URIs unescaped, so 1-64
/// letters, digits and `-_.!~*'()&=+$`.
pub fn username(text: &str) -> Result<String, String> {
    let ok = !text.is_empty()
        && text.len() <= 64
        && text.bytes().all(|b| {
            b.is_ascii_alphanumeric()
                || matches!(
                    b,
                    b'-' | b'_'
                        | b'.'
                        | b'!'
                        | b'~'
                        | b'*'
                        | b'\''
                        | b'('
                        | b')'
                        | b'&'
                        | b'='
                        | b'+'
                        | b'$'
                )
        });
    if ok {
        Ok(text.to_owned())
    } else {
        Err(format!(
            "'{text}' is not a username (1-64 letters, digits or -_.!~*'()&=+$)"
        ))
    }
}

/// Checks a gateway password: 1-256 characters without control characters.
pub fn password(text: &str) -> Result<String, String> {
    if text.is_empty() || text.len() > 256 || text.chars().any(char::is_control) {
        return Err("the password must be 1-256 characters without control characters".into());
    }
    Ok(text.to_owned())
}

/// Checks a digest realm: 1-256 characters without control characters or
/// `"`.
pub fn realm(text: &str) -> Result<String, String> {
    if text.is_empty() || text.len() > 256 || text.chars().any(|c| c.is_control() || c == '"') {
        return Err(format!(
            "'{text}' is not a realm (1-256 characters without control characters or '\"')"
        ));
    }
    Ok(text.to_owned())
}

/// Checks a DID number: an optional `+` and 1-32 digits. It is stored as
/// given (with or without the `+`).
pub fn number(text: &str) -> Result<String, String> {
    let text = text.trim();
    let digits = text.strip_prefix('+').unwrap_or(text);
    if digits.is_empty() || digits.len() > 32 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "'{text}' is not a DID number (digits with an optional leading +, e.g. +15551230000)"
        ));
    }
    Ok(text.to_owned())
}

/// Checks a dialplan context name: 1-64 letters, digits, `.`, `_` or `-`.
pub fn context(text: &str) -> Result<String, String> {
    let ok = !text.is_empty()
        && text.len() <= 64
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    if ok {
        Ok(text.to_owned())
    } else {
        Err(format!(
            "'{text}' is not a dialplan context (1-64 letters, digits, '.', '_' or '-')"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gateway_names_are_lowercased_tokens() {
        assert_eq!(gateway_name("Carrier-1.main").unwrap(), "carrier-1.main");
        for bad in ["", "a b", "a/b", "a@b", &"x".repeat(65)] {
            assert!(gateway_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn proxies_are_host_and_optional_port() {
        for good in [
            "sip.example.net",
            "192.0.2.1:5080",
            "[2001:db8::1]",
            "[2001:db8::1]:5060",
        ] {
            assert_eq!(proxy(good).unwrap(), good);
        }
        for bad in [
            "",
            "sip:x.net",
            "x.net:0",
            "x.net:99999",
            "x.net:",
            "[2001:db8::1",
            "[nothex]:5060",
            "a b",
            "x.net;transport=tcp",
        ] {
            assert!(proxy(bad).is_err(), "{bad}");
        }
        assert_eq!(split_proxy("x.net:5080"), ("x.net", Some(5080)));
        assert_eq!(split_proxy("x.net"), ("x.net", None));
        assert_eq!(split_proxy("[::1]:5070"), ("[::1]", Some(5070)));
        assert_eq!(bare_host("[::1]"), "::1");
    }

    #[test]
    fn numbers_credentials_and_contexts_are_checked() {
        assert_eq!(number("+15551230000").unwrap(), "+15551230000");
        assert_eq!(number("0800123").unwrap(), "0800123");
        for bad in ["", "+", "++1", "555-1234", "12a"] {
            assert!(number(bad).is_err(), "{bad}");
        }
        assert!(username("acct.1+x").is_ok());
        for bad in ["", "a b", "a;b", "a@b", "a?b"] {
            assert!(username(bad).is_err(), "{bad}");
        }
        assert!(password("p=w d").is_ok());
        assert!(password("a\nb").is_err());
        assert!(realm("sip.example").is_ok());
        assert!(realm("a\"b").is_err());
        assert!(context("acme.test").is_ok());
        assert!(context("public ctx").is_err());
        assert_eq!(from_domain("Example.NET").unwrap(), "example.net");
        assert!(from_domain("[::1]").is_ok());
        assert!(from_domain("a b").is_err());
    }
}
