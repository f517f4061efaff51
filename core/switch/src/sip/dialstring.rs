//! Dial strings as `bridge`, `originate` and modules take them: `{var=val,…}`
//! prefixes, `,` (ring in parallel) and `|` (one group after another), and
//! the endpoints:
//!
//! - `user/EXT[@DOMAIN]`: every contact a user of a tenant registered;
//! - `sip:URI` (or `sips:`): that URI, sent to its host and port (UDP, or
//!   TCP with `;transport=tcp`);
//! - `gateway/NAME/NUMBER`: `NUMBER` through the trunk `NAME`;
//! - `sofia/gateway/NAME/NUMBER`: the same, as FreeSWITCH spells it;
//! - `sofia/PROFILE/USER@HOST`: `sip:USER@HOST` (FreeSWITCH's profile name
//!   is accepted and ignored: this switch has one SIP profile). When `HOST`
//!   is a tenant of this switch, it rings that tenant's user instead of
//!   sending the call back to itself.
//! - `error/CAUSE`: fails at once with the Q.850 cause (e.g.
//!   `error/user_busy`), as FreeSWITCH's `error` endpoint does.

use crate::channel::cause::HangupCause;
use switchyard_sip::message::Uri;

/// One endpoint to ring.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoint {
    /// A user of a tenant: every contact it has registered.
    User {
        /// The extension.
        extension: String,
        /// The tenant domain (`None`: the caller's).
        domain: Option<String>,
    },
    /// A SIP URI, rung directly.
    Uri(String),
    /// A number through a gateway (trunk).
    Gateway {
        /// The gateway's name.
        name: String,
        /// The number to send it.
        number: String,
    },
    /// A failure with this cause, without ringing anything.
    Error(HangupCause),
}

/// A parsed dial string: groups tried one after another (`|`), each a set
/// of endpoints rung in parallel (`,`), with channel variables from `{}`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DialString {
    /// Variables for every leg.
    pub variables: Vec<(String, String)>,
    /// Sequential groups of parallel endpoints.
    pub groups: Vec<Vec<Endpoint>>,
}

impl DialString {
    /// The last value the `{}` prefix gives `name`.
    pub fn variable(&self, name: &str) -> Option<&str> {
        self.variables
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Parses a dial string; the error says what is wrong.
pub fn parse(text: &str) -> Result<DialString, String> {
    let mut text = text.trim();
    let mut dial = DialString::default();
    if let Some(rest) = text.strip_prefix('{') {
        let (vars, after) = rest
            .split_once('}')
            .ok_or_else(|| format!("unterminated {{ in dial string '{text}'"))?;
        for pair in vars.split(',').filter(|p| !p.trim().is_empty()) {
            let (name, value) = pair
                .split_once('=')
                .ok_or_else(|| format!("'{pair}' in {{}} is not name=value"))?;
            let name = name.trim();
            if name.is_empty() {
                return Err(format!("'{pair}' in {{}} has no variable name"));
            }
            dial.variables
                .push((name.to_owned(), value.trim().to_owned()));
        }
        text = after.trim();
    }
    for group in text.split('|') {
        let mut endpoints = Vec::new();
        for endpoint in group.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            endpoints.push(endpoint_of(endpoint)?);
        }
        if !endpoints.is_empty() {
            dial.groups.push(endpoints);
        }
    }
    if dial.groups.is_empty() {
        return Err("the dial string names no endpoint".into());
    }
    Ok(dial)
}

fn endpoint_of(text: &str) -> Result<Endpoint, String> {
    if let Some(user) = text.strip_prefix("user/") {
        let (extension, domain) = match user.split_once('@') {
            Some((e, d)) => (e, Some(d.to_ascii_lowercase())),
            None => (user, None),
        };
        if extension.is_empty() || domain.as_deref() == Some("") {
            return Err(format!("'{text}' names no user"));
        }
        return Ok(Endpoint::User {
            extension: extension.to_owned(),
            domain,
        });
    }
    if let Some(rest) = text
        .strip_prefix("sofia/gateway/")
        .or_else(|| text.strip_prefix("gateway/"))
    {
        let (name, number) = rest
            .split_once('/')
            .ok_or_else(|| format!("'{text}' is not gateway/NAME/NUMBER"))?;
        if name.is_empty() || number.is_empty() {
            return Err(format!("'{text}' is not gateway/NAME/NUMBER"));
        }
        return Ok(Endpoint::Gateway {
            name: name.to_ascii_lowercase(),
            number: number.to_owned(),
        });
    }
    if let Some(rest) = text.strip_prefix("sofia/") {
        let (_profile, target) = rest
            .split_once('/')
            .ok_or_else(|| format!("'{text}' is not sofia/PROFILE/URI"))?;
        let uri = if target.starts_with("sip:") || target.starts_with("sips:") {
            target.to_owned()
        } else {
            format!("sip:{target}")
        };
        return sip_uri(&uri, text);
    }
    if text.starts_with("sip:") || text.starts_with("sips:") {
        return sip_uri(text, text);
    }
    if let Some(cause) = text.strip_prefix("error/") {
        return HangupCause::parse(cause)
            .map(Endpoint::Error)
            .ok_or_else(|| format!("'{cause}' in '{text}' is no hangup cause"));
    }
    Err(format!(
        "'{text}' is no dial string this switch knows (user/EXT@DOMAIN, sip:URI, \
         gateway/NAME/NUMBER, sofia/gateway/NAME/NUMBER, sofia/PROFILE/URI, error/CAUSE)"
    ))
}

fn sip_uri(uri: &str, text: &str) -> Result<Endpoint, String> {
    match Uri::parse(uri) {
        Ok(parsed) if parsed.as_sip().is_some() => Ok(Endpoint::Uri(uri.to_owned())),
        _ => Err(format!("'{text}' is not a valid SIP URI")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variables_parallel_and_sequential_groups() {
        let d = parse("{call_timeout=20,origination_caller_id_name=Desk}user/1001@Acme.test,user/1002|user/1003").unwrap();
        assert_eq!(
            d.variables,
            [
                ("call_timeout".to_owned(), "20".to_owned()),
                ("origination_caller_id_name".to_owned(), "Desk".to_owned())
            ]
        );
        assert_eq!(d.variable("call_timeout"), Some("20"));
        assert_eq!(d.groups.len(), 2);
        assert_eq!(
            d.groups[0],
            [
                Endpoint::User {
                    extension: "1001".into(),
                    domain: Some("acme.test".into())
                },
                Endpoint::User {
                    extension: "1002".into(),
                    domain: None
                }
            ]
        );
    }

    #[test]
    fn gateways_uris_and_sofia_aliases() {
        let d = parse("gateway/Carrier1/+15551234|sofia/gateway/c2/0044,sip:bob@127.0.0.1:5080;transport=tcp|sofia/internal/1001@acme.test|error/USER_BUSY").unwrap();
        assert_eq!(
            d.groups,
            [
                vec![Endpoint::Gateway {
                    name: "carrier1".into(),
                    number: "+15551234".into()
                }],
                vec![
                    Endpoint::Gateway {
                        name: "c2".into(),
                        number: "0044".into()
                    },
                    Endpoint::Uri("sip:bob@127.0.0.1:5080;transport=tcp".into())
                ],
                vec![Endpoint::Uri("sip:1001@acme.test".into())],
                vec![Endpoint::Error(HangupCause::UserBusy)],
            ]
        );
    }

    #[test]
    fn unknown_endpoints_and_empty_strings_are_errors() {
        assert!(parse("").is_err());
        assert!(parse("{a=1}").is_err());
        assert!(parse("{a=1").is_err());
        assert!(parse("{=1}user/1").is_err());
        assert!(parse("iax/foo").unwrap_err().contains("no dial string"));
        assert!(parse("user/").is_err());
        assert!(parse("user/1@").is_err());
        assert!(parse("gateway/x").is_err());
        assert!(parse("gateway//1").is_err());
        assert!(parse("sofia/internal").is_err());
        assert!(parse("sip:").is_err());
        assert!(parse("error/NOT_A_CAUSE").is_err());
    }
}
