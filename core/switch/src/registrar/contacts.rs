//! Reading a REGISTER's Contact and Expires headers into the change it asks
//! for (RFC 3261 §10.3 step 6 and the expiry rules of step 7).

use super::bindings::{Change, ContactChange};
use switchyard_sip::message::{Contact, Headers, UriKind};

/// Longest contact URI kept (longer ones are refused with `400`).
pub const MAX_CONTACT_URI_LEN: usize = 1024;

/// The expiry bounds a registrar enforces, in seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExpiryBounds {
    /// Shortest accepted non-zero expiry; shorter asks get `423`.
    pub min: u32,
    /// Longest granted expiry; longer asks are shortened to it.
    pub max: u32,
    /// Used when neither the contact nor the request says (or says
    /// something that is not a number, RFC 3261 §20.19).
    pub default: u32,
}

/// Why the Contact/Expires headers cannot be served.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContactError {
    /// Malformed or not allowed: `400` with this reason phrase.
    Bad(String),
    /// A non-zero expiry below the minimum: `423 Interval Too Brief` with
    /// `Min-Expires`.
    TooBrief,
}

/// The change a REGISTER asks for, or `None` for a query (no Contact: the
/// registrar just lists the bindings).
pub fn plan(headers: &Headers, bounds: &ExpiryBounds) -> Result<Option<Change>, ContactError> {
    let mut contacts = Vec::new();
    for contact in headers.contacts() {
        contacts.push(contact.map_err(|e| ContactError::Bad(format!("Bad Contact: {e}")))?);
    }
    if contacts.is_empty() {
        return Ok(None);
    }
    // A malformed Expires header reads as the default (RFC 3261 §20.19).
    let header_expires = headers.expires().ok().flatten();
    if contacts.contains(&Contact::Wildcard) {
        if contacts.len() != 1 || header_expires != Some(0) {
            return Err(ContactError::Bad(
                "Contact: * needs Expires: 0 and no other Contact".into(),
            ));
        }
        return Ok(Some(Change::RemoveAll));
    }
    let mut changes: Vec<ContactChange> = Vec::with_capacity(contacts.len());
    for contact in &contacts {
        let Contact::Address(address) = contact else {
            continue;
        };
        let uri = address.uri.as_str();
        if !matches!(address.uri.kind(), UriKind::Sip(_)) {
            return Err(ContactError::Bad(
                "Contact must be a sip: or sips: URI".into(),
            ));
        }
        if uri.len() > MAX_CONTACT_URI_LEN {
            return Err(ContactError::Bad(format!(
                "Contact URI longer than {MAX_CONTACT_URI_LEN} characters"
            )));
        }
        let asked = match address.params.get("expires") {
            Some(_) => address.expires().unwrap_or(bounds.default),
            None => header_expires.unwrap_or(bounds.default),
        };
        let expires = match asked {
            0 => 0,
            n if n < bounds.min => return Err(ContactError::TooBrief),
            n => n.min(bounds.max),
        };
        let q = match address.q() {
            None => None,
            Some(text) => Some(parse_q(text).ok_or_else(|| {
                ContactError::Bad("Contact q must be between 0 and 1 (e.g. 0.5)".into())
            })?),
        };
        // The same contact twice: the last one wins.
        changes.retain(|c| c.uri != uri);
        changes.push(ContactChange {
            uri: uri.to_owned(),
            expires,
            q,
        });
    }
    Ok(Some(Change::Contacts(changes)))
}

/// Reads a q-value (`0`, `0.5`, `1.000`; RFC 3261 §25.1) in thousandths.
pub fn parse_q(text: &str) -> Option<u16> {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    if fraction.len() > 3 || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut thousandths: u16 = 0;
    for i in 0..3 {
        let digit = fraction
            .as_bytes()
            .get(i)
            .map_or(0, |b| u16::from(b - b'0'));
        thousandths = thousandths * 10 + digit;
    }
    match whole {
        "0" => Some(thousandths),
        "1" if thousandths == 0 => Some(1000),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use switchyard_sip::message::{Message, Request};

    const BOUNDS: ExpiryBounds = ExpiryBounds {
        min: 60,
        max: 3600,
        default: 1800,
    };

    fn request(extra: &str) -> Request {
        let text = format!(
            "REGISTER sip:acme.test SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1\r\n\
             From: <sip:1001@acme.test>;tag=a\r\nTo: <sip:1001@acme.test>\r\nCall-ID: x\r\n\
             CSeq: 1 REGISTER\r\nMax-Forwards: 70\r\n{extra}Content-Length: 0\r\n\r\n"
        );
        match Message::parse(text.as_bytes()).unwrap() {
            Message::Request(r) => r,
            Message::Response(_) => unreachable!(),
        }
    }

    fn contacts(extra: &str) -> Vec<ContactChange> {
        match plan(request(extra).headers(), &BOUNDS) {
            Ok(Some(Change::Contacts(c))) => c,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn expiry_comes_from_the_param_then_the_header_then_the_default() {
        let c = contacts("Contact: <sip:a@h>;expires=120, <sip:b@h>\r\nExpires: 300\r\n");
        assert_eq!((c[0].expires, c[1].expires), (120, 300));
        assert_eq!(contacts("Contact: <sip:a@h>\r\n")[0].expires, 1800);
        assert_eq!(
            contacts("Contact: <sip:a@h>\r\nExpires: soon\r\n")[0].expires,
            1800
        );
        assert_eq!(
            contacts("Contact: <sip:a@h>;expires=x\r\n")[0].expires,
            1800
        );
        assert_eq!(
            contacts("Contact: <sip:a@h>;expires=99999\r\n")[0].expires,
            3600
        );
        assert_eq!(
            contacts("Contact: <sip:a@h>;expires=0\r\nExpires: 60\r\n")[0].expires,
            0
        );
        assert_eq!(
            plan(
                request("Contact: <sip:a@h>\r\nExpires: 59\r\n").headers(),
                &BOUNDS
            ),
            Err(ContactError::TooBrief)
        );
    }

    #[test]
    fn wildcard_rules() {
        assert_eq!(
            plan(request("Contact: *\r\nExpires: 0\r\n").headers(), &BOUNDS),
            Ok(Some(Change::RemoveAll))
        );
        for bad in [
            "Contact: *\r\n",
            "Contact: *\r\nExpires: 60\r\n",
            "Contact: *, <sip:a@h>\r\nExpires: 0\r\n",
            "Contact: <sip:a@h>\r\nContact: *\r\nExpires: 0\r\n",
        ] {
            assert!(
                matches!(
                    plan(request(bad).headers(), &BOUNDS),
                    Err(ContactError::Bad(_))
                ),
                "{bad}"
            );
        }
    }

    #[test]
    fn queries_duplicates_q_and_bad_contacts() {
        assert_eq!(plan(request("").headers(), &BOUNDS), Ok(None));
        let c = contacts("Contact: <sip:a@h>;q=0.7, <sip:a@h>;q=0.2, <sip:b@h>;q=1\r\n");
        assert_eq!(c.len(), 2);
        assert_eq!((c[0].uri.as_str(), c[0].q), ("sip:a@h", Some(200)));
        assert_eq!(c[1].q, Some(1000));
        for bad in [
            "Contact: <sip:a@h>;q=2\r\n",
            "Contact: <tel:+15551234>\r\n",
            "Contact: <mailto:a@h>\r\n",
            "Contact: <sip:a@h\r\n",
        ] {
            assert!(
                matches!(
                    plan(request(bad).headers(), &BOUNDS),
                    Err(ContactError::Bad(_))
                ),
                "{bad}"
            );
        }
        let long = format!("Contact: <sip:{}@h>\r\n", "a".repeat(MAX_CONTACT_URI_LEN));
        assert!(matches!(
            plan(request(&long).headers(), &BOUNDS),
            Err(ContactError::Bad(_))
        ));
    }

    #[test]
    fn q_values() {
        assert_eq!(parse_q("0"), Some(0));
        assert_eq!(parse_q("0.5"), Some(500));
        assert_eq!(parse_q("0.125"), Some(125));
        assert_eq!(parse_q("1"), Some(1000));
        assert_eq!(parse_q("1.000"), Some(1000));
        for bad in ["1.1", "0.1234", "", ".5", "2", "0.x", "-0"] {
            assert_eq!(parse_q(bad), None, "{bad}");
        }
    }
}
