//! The `limit` application: concurrent calls per resource, as FreeSWITCH's
//! `limit hash <realm> <resource> <max> [<destination> [XML [<context>]]]`.
//!
//! Counters live in memory on the SIP thread and are scoped to the tenant
//! of the call that takes them: the same realm and resource in two tenants
//! are two counters, so no tenant can see or exhaust another's. A call
//! holds its slots until it ends (or until it is transferred, unless
//! `limit_ignore_transfer=true`). Over the limit, the call is transferred
//! to `<destination>` (default `limit_exceeded`) in `<context>` (default
//! the current one); a destination `!CAUSE` hangs up with that cause
//! instead (e.g. `!USER_BUSY` answers 486).

use crate::channel::cause::HangupCause;
use std::collections::HashMap;

/// One counter: tenant, realm, resource.
pub type LimitKey = (String, String, String);

/// What happens to a call over its limit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OverLimit {
    /// Route the call again with this destination number (and context).
    Transfer {
        /// The destination number.
        destination: String,
        /// The context; `None` keeps the current one.
        context: Option<String>,
    },
    /// Hang up with this cause.
    Hangup(HangupCause),
}

/// A parsed `limit` application.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LimitRequest {
    /// The realm (a name space for resources).
    pub realm: String,
    /// The resource counted.
    pub resource: String,
    /// Most concurrent calls; `None` only counts.
    pub max: Option<u32>,
    /// What to do over the limit.
    pub over: OverLimit,
}

/// Parses the `limit` data; the error says what is wrong.
pub fn parse(data: &str) -> Result<LimitRequest, String> {
    let words: Vec<&str> = data.split_whitespace().collect();
    let [backend, realm, resource, rest @ ..] = words.as_slice() else {
        return Err(format!(
            "limit needs '<backend> <realm> <resource> [<max> [<destination> [XML [<context>]]]]', got '{data}'"
        ));
    };
    if !backend.eq_ignore_ascii_case("hash") {
        return Err(format!(
            "limit backend '{backend}' is not available; this switch counts with 'hash'"
        ));
    }
    let max = match rest.first() {
        None => None,
        Some(max) if max.contains('/') => {
            return Err(format!(
                "limit '{max}': call-rate limits are not available; give a maximum of concurrent calls"
            ));
        }
        Some(max) => match max.parse::<i64>() {
            Ok(n) if n < 0 => None,
            Ok(n) => Some(u32::try_from(n).unwrap_or(u32::MAX)),
            Err(_) => return Err(format!("limit maximum '{max}' is not a number")),
        },
    };
    let destination = rest.get(1).copied().unwrap_or("limit_exceeded");
    let over = if let Some(cause) = destination.strip_prefix('!') {
        OverLimit::Hangup(
            HangupCause::parse(cause)
                .ok_or_else(|| format!("limit: '{cause}' is no hangup cause"))?,
        )
    } else {
        let context = match rest.get(2..).unwrap_or(&[]) {
            [] => None,
            [dialplan] | [dialplan, _] if !dialplan.eq_ignore_ascii_case("XML") => {
                return Err(format!(
                    "limit: dialplan '{dialplan}' is not available (XML)"
                ));
            }
            [_] => None,
            [_, context] => Some((*context).to_owned()),
            _ => return Err(format!("limit: too many arguments in '{data}'")),
        };
        OverLimit::Transfer {
            destination: destination.to_owned(),
            context,
        }
    };
    Ok(LimitRequest {
        realm: (*realm).to_owned(),
        resource: (*resource).to_owned(),
        max,
        over,
    })
}

/// The counters.
#[derive(Debug, Default)]
pub struct Limits {
    usage: HashMap<LimitKey, u32>,
}

impl Limits {
    /// Takes a slot of `key` unless `max` are taken; returns the usage
    /// after taking it, or `None` when over the limit.
    pub fn acquire(&mut self, key: &LimitKey, max: Option<u32>) -> Option<u32> {
        let used = self.usage.get(key).copied().unwrap_or(0);
        if max.is_some_and(|max| used >= max) {
            return None;
        }
        self.usage.insert(key.clone(), used + 1);
        Some(used + 1)
    }

    /// Gives back a slot of `key`.
    pub fn release(&mut self, key: &LimitKey) {
        if let Some(used) = self.usage.get_mut(key) {
            *used = used.saturating_sub(1);
            if *used == 0 {
                self.usage.remove(key);
            }
        }
    }

    /// The slots of `key` in use.
    pub fn usage(&self, key: &LimitKey) -> u32 {
        self.usage.get(key).copied().unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(tenant: &str) -> LimitKey {
        (tenant.into(), "acme".into(), "outbound".into())
    }

    #[test]
    fn slots_are_counted_per_tenant_and_given_back() {
        let mut limits = Limits::default();
        assert_eq!(limits.acquire(&key("a.test"), Some(2)), Some(1));
        assert_eq!(limits.acquire(&key("a.test"), Some(2)), Some(2));
        assert_eq!(limits.acquire(&key("a.test"), Some(2)), None);
        assert_eq!(limits.acquire(&key("b.test"), Some(2)), Some(1));
        limits.release(&key("a.test"));
        assert_eq!(limits.usage(&key("a.test")), 1);
        assert_eq!(limits.acquire(&key("a.test"), Some(2)), Some(2));
        assert_eq!(limits.acquire(&key("a.test"), None), Some(3));
        limits.release(&key("c.test"));
        assert_eq!(limits.usage(&key("c.test")), 0);
    }

    #[test]
    fn the_freeswitch_forms_parse() {
        let r = parse("hash acme.test outbound 5").unwrap();
        assert_eq!(r.max, Some(5));
        assert_eq!(
            r.over,
            OverLimit::Transfer {
                destination: "limit_exceeded".into(),
                context: None
            }
        );
        let r = parse("hash acme.test outbound 5 over XML other").unwrap();
        assert_eq!(
            r.over,
            OverLimit::Transfer {
                destination: "over".into(),
                context: Some("other".into())
            }
        );
        let r = parse("hash acme.test outbound 1 !USER_BUSY").unwrap();
        assert_eq!(r.over, OverLimit::Hangup(HangupCause::UserBusy));
        assert_eq!(parse("hash r x -1").unwrap().max, None);
        assert_eq!(parse("hash r x").unwrap().max, None);
    }

    #[test]
    fn bad_limits_say_what_is_wrong() {
        assert!(parse("hash r").unwrap_err().contains("needs"));
        assert!(parse("db r x 1").unwrap_err().contains("backend"));
        assert!(parse("hash r x 5/1").unwrap_err().contains("rate"));
        assert!(parse("hash r x five").unwrap_err().contains("number"));
        assert!(parse("hash r x 1 !NOPE").unwrap_err().contains("cause"));
        assert!(
            parse("hash r x 1 dest LUA ctx")
                .unwrap_err()
                .contains("dialplan")
        );
        assert!(
            parse("hash r x 1 dest XML ctx more")
                .unwrap_err()
                .contains("too many")
        );
    }
}
