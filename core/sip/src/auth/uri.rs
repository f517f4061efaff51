//! Comparison of the digest `uri` with the Request-URI.
//!
//! RFC 3261 §22.4 makes the digest-uri a copy of the Request-URI; a server
//! checks it so that credentials captured for one request cannot authorise
//! a request to another target. The comparison follows RFC 3261 §19.1.4
//! for `sip:` and `sips:` URIs:
//!
//! * scheme, host and parameter / header names: case-insensitive;
//! * user and password: case-sensitive, after resolving `%XX` escapes;
//! * port: must be equal, and an absent port does not equal `:5060`;
//! * `user`, `ttl`, `method` and `maddr` parameters: present in both and
//!   equal, or absent from both; other parameters must be equal when
//!   present in both and are ignored when present in only one (so
//!   `;transport=tcp` on one side only still matches);
//!   values of `transport`, `user`, `maddr` and `lr` compare
//!   case-insensitively, other values case-sensitively after unescaping;
//! * URI headers (`?…`): the same set on both sides.
//!
//! Other schemes (`tel:`, `urn:`, …) compare case-insensitively in the
//! scheme and exactly in the rest. Surrounding whitespace and `<…>` are
//! ignored.

/// Whether `digest_uri` and `request_uri` designate the same resource per
/// the rules in this module's documentation.
pub fn uri_matches(digest_uri: &str, request_uri: &str) -> bool {
    let (a, b) = (strip(digest_uri), strip(request_uri));
    let (Some((sa, ra)), Some((sb, rb))) = (a.split_once(':'), b.split_once(':')) else {
        return a == b;
    };
    if !sa.eq_ignore_ascii_case(sb) {
        return false;
    }
    if sa.eq_ignore_ascii_case("sip") || sa.eq_ignore_ascii_case("sips") {
        match (SipParts::split(ra), SipParts::split(rb)) {
            (Some(x), Some(y)) => x.matches(&y),
            _ => ra == rb,
        }
    } else {
        ra == rb
    }
}

fn strip(s: &str) -> &str {
    let s = s.trim();
    s.strip_prefix('<')
        .and_then(|s| s.strip_suffix('>'))
        .unwrap_or(s)
}

struct SipParts<'a> {
    user: Option<&'a str>,
    host: &'a str,
    port: Option<&'a str>,
    params: Vec<(&'a str, Option<&'a str>)>,
    headers: Vec<(&'a str, &'a str)>,
}

impl<'a> SipParts<'a> {
    fn split(rest: &'a str) -> Option<SipParts<'a>> {
        // '@' can appear unescaped only as the userinfo delimiter (an
        // unescaped one in a header value, though illegal, comes later).
        let (user, after) = match rest.find('@') {
            Some(i) => (Some(&rest[..i]), &rest[i + 1..]),
            None => (None, rest),
        };
        let (before_headers, headers) = match after.find('?') {
            Some(i) => (&after[..i], &after[i + 1..]),
            None => (after, ""),
        };
        let mut segments = before_headers.split(';');
        let hostport = segments.next().unwrap_or("");
        let (host, port) = if let Some(v6) = hostport.strip_prefix('[') {
            let end = v6.find(']')?;
            let host = &hostport[..end + 2];
            match &v6[end + 1..] {
                "" => (host, None),
                p => (host, Some(p.strip_prefix(':')?)),
            }
        } else {
            match hostport.split_once(':') {
                Some((h, p)) => (h, Some(p)),
                None => (hostport, None),
            }
        };
        if host.is_empty() {
            return None;
        }
        let params = segments
            .filter(|s| !s.is_empty())
            .map(|s| match s.split_once('=') {
                Some((n, v)) => (n, Some(v)),
                None => (s, None),
            })
            .collect();
        let headers = headers
            .split('&')
            .filter(|s| !s.is_empty())
            .map(|s| s.split_once('=').unwrap_or((s, "")))
            .collect();
        Some(SipParts {
            user,
            host,
            port,
            params,
            headers,
        })
    }

    fn matches(&self, other: &SipParts<'_>) -> bool {
        let user_eq = match (self.user, other.user) {
            (None, None) => true,
            (Some(a), Some(b)) => unescape(a) == unescape(b),
            _ => false,
        };
        if !user_eq || !self.host.eq_ignore_ascii_case(other.host) || self.port != other.port {
            return false;
        }
        fn find<'s>(list: &[(&str, Option<&'s str>)], name: &str) -> Option<Option<&'s str>> {
            list.iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(name))
                .map(|(_, v)| *v)
        }
        for (name, value) in &self.params {
            match find(&other.params, name) {
                Some(v) if !param_value_eq(name, *value, v) => return false,
                Some(_) => {}
                None if is_must_match(name) => return false,
                None => {}
            }
        }
        for (name, _) in &other.params {
            if is_must_match(name) && find(&self.params, name).is_none() {
                return false;
            }
        }
        self.headers.len() == other.headers.len()
            && self.headers.iter().all(|(n, v)| {
                other.headers.iter().any(|(m, w)| {
                    unescape(n).eq_ignore_ascii_case(&unescape(m)) && unescape(v) == unescape(w)
                })
            })
    }
}

fn is_must_match(name: &str) -> bool {
    ["user", "ttl", "method", "maddr"]
        .iter()
        .any(|m| m.eq_ignore_ascii_case(name))
}

fn param_value_eq(name: &str, a: Option<&str>, b: Option<&str>) -> bool {
    let (a, b) = (unescape(a.unwrap_or("")), unescape(b.unwrap_or("")));
    if ["transport", "user", "maddr", "lr"]
        .iter()
        .any(|m| m.eq_ignore_ascii_case(name))
    {
        a.eq_ignore_ascii_case(&b)
    } else {
        a == b
    }
}

/// Resolves `%XX` escapes; malformed escapes are kept as written.
fn unescape(s: &str) -> Vec<u8> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = |j: usize| b.get(j).and_then(|&c| char::from(c).to_digit(16));
            if let (Some(h), Some(l)) = (hex(i + 1), hex(i + 2)) {
                out.push(u8::try_from(h * 16 + l).unwrap_or(0));
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn yes(a: &str, b: &str) {
        assert!(uri_matches(a, b), "{a} should match {b}");
        assert!(uri_matches(b, a), "{b} should match {a}");
    }

    fn no(a: &str, b: &str) {
        assert!(!uri_matches(a, b), "{a} should not match {b}");
        assert!(!uri_matches(b, a), "{b} should not match {a}");
    }

    /// The equal and unequal pairs of RFC 3261 §19.1.4.
    #[test]
    fn rfc3261_examples() {
        yes(
            "sip:%61lice@atlanta.com;transport=TCP",
            "sip:alice@AtLanTa.CoM;Transport=tcp",
        );
        yes("sip:carol@chicago.com", "sip:carol@chicago.com;newparam=5");
        yes("sip:carol@chicago.com", "sip:carol@chicago.com;security=on");
        yes(
            "sip:carol@chicago.com;newparam=5",
            "sip:carol@chicago.com;security=on",
        );
        yes(
            "sip:biloxi.com;transport=tcp;method=REGISTER?to=sip:bob%40biloxi.com",
            "sip:biloxi.com;method=REGISTER;transport=tcp?to=sip:bob%40biloxi.com",
        );
        yes(
            "sip:alice@atlanta.com?subject=project%20x&priority=urgent",
            "sip:alice@atlanta.com?priority=urgent&subject=project%20x",
        );
        no(
            "SIP:ALICE@AtLanTa.CoM;Transport=udp",
            "sip:alice@AtLanTa.CoM;Transport=UDP",
        );
        no("sip:bob@biloxi.com", "sip:bob@biloxi.com:5060");
        no(
            "sip:bob@biloxi.com",
            "sip:bob@biloxi.com;transport=udp;user=phone",
        );
        no(
            "sip:bob@biloxi.com:6000;transport=tcp",
            "sip:bob@biloxi.com:5060;transport=tcp",
        );
        no(
            "sip:carol@chicago.com",
            "sip:carol@chicago.com?Subject=next%20meeting",
        );
        no("sip:bob@phone21.boxesbybob.com", "sip:bob@192.0.2.4");
    }

    #[test]
    fn registrar_forms() {
        yes("sip:example.com", "sip:example.com");
        yes("sip:example.com", "SIP:EXAMPLE.COM");
        yes("sip:example.com", "sip:example.com;transport=udp");
        yes(" <sip:example.com> ", "sip:example.com");
        yes("sips:[2001:db8::1]:5061", "sips:[2001:DB8::1]:5061");
        no("sips:example.com", "sip:example.com");
        no("sip:example.com", "sip:other.com");
        no("sip:[2001:db8::1]", "sip:[2001:db8::1]:5060");
        no("sip:a.test;maddr=1.2.3.4", "sip:a.test");
        no("sip:a.test;x=1", "sip:a.test;x=2");
    }

    #[test]
    fn other_schemes() {
        yes("tel:+15551234567", "TEL:+15551234567");
        no("tel:+15551234567", "tel:+15551234568");
        yes("urn:service:sos", "urn:service:sos");
        yes("", "");
        no("nocolon", "sip:a");
    }

    #[test]
    fn garbage_never_panics() {
        for s in [
            "sip:",
            "sip:@",
            "sip:[",
            "sip:[::1",
            "sip:[::1]x",
            "sip:a%",
            "sip:a%4",
            "sip:é%é@é",
        ] {
            let _ = uri_matches(s, s);
            let _ = uri_matches(s, "sip:a");
        }
        assert!(uri_matches("sip:%zz@a", "sip:%zz@a"));
    }
}
