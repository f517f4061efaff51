//! Dial strings as `bridge` takes them: `{var=val,…}` prefixes, `,`
//! (ring in parallel) and `|` (one after another), and the endpoints
//! `user/EXT[@DOMAIN]` (every registered contact of a user).

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
            dial.variables
                .push((name.trim().to_owned(), value.trim().to_owned()));
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
        if extension.is_empty() {
            return Err(format!("'{text}' names no user"));
        }
        return Ok(Endpoint::User {
            extension: extension.to_owned(),
            domain,
        });
    }
    Err(format!(
        "'{text}' is not a dial string this switch can ring yet (use user/EXT@DOMAIN)"
    ))
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
    fn unknown_endpoints_and_empty_strings_are_errors() {
        assert!(parse("").is_err());
        assert!(parse("{a=1}").is_err());
        assert!(parse("{a=1").is_err());
        assert!(
            parse("sofia/gateway/x/123")
                .unwrap_err()
                .contains("can ring yet")
        );
        assert!(parse("user/").is_err());
    }
}
