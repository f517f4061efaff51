//! The settings of a new gateway, read from `name=value` words.

use super::names;
use super::store::GatewayTransport;

/// What a gateway has besides its name and proxy.
#[derive(Clone, PartialEq, Eq)]
pub struct GatewaySettings {
    /// The account's username.
    pub username: Option<String>,
    /// The account's password.
    pub password: Option<String>,
    /// Answer only challenges of this realm.
    pub realm: Option<String>,
    /// The domain of From and To in REGISTERs (default: the proxy's host).
    pub from_domain: Option<String>,
    /// Keep a registration with the proxy.
    pub register: bool,
    /// The registration expiry asked for, in seconds.
    pub expires: u32,
    /// Seconds to wait after a failed registration.
    pub retry_seconds: u32,
    /// The transport to the proxy.
    pub transport: GatewayTransport,
    /// Outbound calls put the caller's number in From (else the username).
    pub caller_id_in_from: bool,
    /// The tenant the gateway is private to (`None`: shared).
    pub tenant: Option<String>,
}

impl std::fmt::Debug for GatewaySettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GatewaySettings")
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "<secret>"))
            .field("realm", &self.realm)
            .field("from_domain", &self.from_domain)
            .field("register", &self.register)
            .field("expires", &self.expires)
            .field("retry_seconds", &self.retry_seconds)
            .field("transport", &self.transport)
            .field("caller_id_in_from", &self.caller_id_in_from)
            .field("tenant", &self.tenant)
            .finish()
    }
}

impl Default for GatewaySettings {
    /// No credentials, no registration, 3600 s expiry, 30 s retry, UDP,
    /// shared by all tenants.
    fn default() -> GatewaySettings {
        GatewaySettings {
            username: None,
            password: None,
            realm: None,
            from_domain: None,
            register: false,
            expires: 3600,
            retry_seconds: 30,
            transport: GatewayTransport::Udp,
            caller_id_in_from: false,
            tenant: None,
        }
    }
}

/// The option names [`GatewaySettings::with_assignments`] knows.
pub const OPTION_NAMES: &str = "username, password, register, expires, retry, realm, from-domain, transport, caller-id-in-from, tenant";

fn boolean(key: &str, value: &str) -> Result<bool, String> {
    match value.to_ascii_lowercase().as_str() {
        "true" | "yes" | "on" | "1" => Ok(true),
        "false" | "no" | "off" | "0" => Ok(false),
        _ => Err(format!("{key} must be true or false, not '{value}'")),
    }
}

fn seconds(key: &str, value: &str, range: std::ops::RangeInclusive<u32>) -> Result<u32, String> {
    value
        .parse()
        .ok()
        .filter(|n| range.contains(n))
        .ok_or_else(|| {
            format!(
                "{key} must be whole seconds from {} to {}, not '{value}'",
                range.start(),
                range.end()
            )
        })
}

impl GatewaySettings {
    /// Reads `key=value` words over `self`: `username`, `password`,
    /// `register=true|false`, `expires=N` (60-86400), `retry=N` (5-3600),
    /// `realm`, `from-domain`, `transport=udp|tcp`,
    /// `caller-id-in-from=true|false`, `tenant=<domain>` (`_` may stand for
    /// `-` in names). Unknown names are refused. Does not check that
    /// `register=true` has credentials: [`GatewaySettings::check`] does.
    pub fn with_assignments<'a>(
        mut self,
        words: impl IntoIterator<Item = &'a str>,
    ) -> Result<GatewaySettings, String> {
        for word in words {
            let (key, value) = word
                .split_once('=')
                .filter(|(k, _)| !k.is_empty())
                .ok_or_else(|| format!("'{word}' is not name=value"))?;
            match key.to_ascii_lowercase().replace('_', "-").as_str() {
                "username" => self.username = Some(names::username(value)?),
                "password" => self.password = Some(names::password(value)?),
                "realm" => self.realm = Some(names::realm(value)?),
                "from-domain" => self.from_domain = Some(names::from_domain(value)?),
                "register" => self.register = boolean(key, value)?,
                "expires" => self.expires = seconds(key, value, names::EXPIRES_RANGE)?,
                "retry" | "retry-seconds" => {
                    self.retry_seconds = seconds(key, value, names::RETRY_RANGE)?
                }
                "transport" => {
                    self.transport = GatewayTransport::from_name(value)
                        .ok_or_else(|| format!("transport must be udp or tcp, not '{value}'"))?
                }
                "caller-id-in-from" => self.caller_id_in_from = boolean(key, value)?,
                "tenant" => {
                    self.tenant = Some(crate::directory::names::domain(value)?);
                }
                _ => {
                    return Err(format!(
                        "unknown gateway option '{key}' (known: {OPTION_NAMES})"
                    ));
                }
            }
        }
        Ok(self)
    }

    /// Checks what only the whole can tell: a username needs a password
    /// and the other way round, and `register=true` needs both.
    pub fn check(&self) -> Result<(), String> {
        match (&self.username, &self.password) {
            (Some(_), None) => Err("a username needs a password".into()),
            (None, Some(_)) => Err("a password needs a username".into()),
            (None, None) if self.register => {
                Err("register=true needs a username and a password".into())
            }
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_are_read_and_checked() {
        let s = GatewaySettings::default()
            .with_assignments([
                "username=acct",
                "password=a=b",
                "register=true",
                "expires=600",
                "retry=10",
                "realm=sip.example",
                "from-domain=Example.net",
                "transport=TCP",
                "caller_id_in_from=yes",
                "tenant=Acme.test",
            ])
            .unwrap();
        assert_eq!(s.username.as_deref(), Some("acct"));
        assert_eq!(s.password.as_deref(), Some("a=b"));
        assert!(s.register && s.caller_id_in_from);
        assert_eq!((s.expires, s.retry_seconds), (600, 10));
        assert_eq!(s.transport, GatewayTransport::Tcp);
        assert_eq!(s.from_domain.as_deref(), Some("example.net"));
        assert_eq!(s.tenant.as_deref(), Some("acme.test"));
        assert!(s.check().is_ok());
        assert!(
            !format!("{s:?}").contains("a=b"),
            "Debug hides the password"
        );
    }

    #[test]
    fn bad_options_are_named() {
        let read = |w: &str| GatewaySettings::default().with_assignments([w]);
        assert!(read("colour=red").unwrap_err().contains("'colour'"));
        assert!(read("register").unwrap_err().contains("not name=value"));
        assert!(read("register=maybe").is_err());
        assert!(read("expires=59").is_err());
        assert!(read("expires=86401").is_err());
        assert!(read("retry=1").is_err());
        assert!(read("transport=tls").is_err());
        assert!(read("tenant=bad_domain").is_err());
        let s = read("register=true").unwrap();
        assert!(s.check().unwrap_err().contains("register=true needs"));
        let s = read("username=a").unwrap();
        assert!(s.check().is_err());
    }
}
