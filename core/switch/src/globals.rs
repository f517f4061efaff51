//! Global variables: FreeSWITCH's `$${name}` values, shared by every call.
//!
//! The store is seeded with built-ins the switch can truthfully report
//! (see [`Globals::new`]), then with the configuration's
//! `<global-variables>` (which may override a built-in), and changed at
//! run time by `global_setvar` and the `set_global` application. A
//! `reloadxml` applies the configuration's values again; values set at run
//! time under other names stay.

use std::collections::HashMap;
use std::path::Path;
use std::sync::RwLock;

/// What the built-ins are made of.
#[derive(Debug, Clone, Copy)]
pub struct BuiltIns<'a> {
    /// The machine's host name.
    pub hostname: &'a str,
    /// `Core-UUID` of this run.
    pub core_uuid: &'a str,
    /// The configuration directory.
    pub conf_dir: &'a Path,
    /// The state directory (where the databases are).
    pub data_dir: &'a Path,
    /// The module directory.
    pub mod_dir: &'a Path,
}

/// The global variables, safe to read and change from any thread.
#[derive(Debug, Default)]
pub struct Globals {
    vars: RwLock<HashMap<String, String>>,
}

impl Globals {
    /// A store holding the built-ins, with FreeSWITCH's names:
    /// `hostname`, `core_uuid`, `conf_dir`, `sounds_dir` (where `playback`
    /// finds relative files: `CONF_DIR/sounds`), `db_dir` (the data
    /// directory), `mod_dir` and `temp_dir`. `local_ip_v4` is added when
    /// the SIP address is known ([`Globals::set_local_ip`]).
    pub fn new(builtins: BuiltIns<'_>) -> Globals {
        let globals = Globals::default();
        let path = |p: &Path| p.display().to_string();
        for (name, value) in [
            ("hostname", builtins.hostname.to_owned()),
            ("core_uuid", builtins.core_uuid.to_owned()),
            ("conf_dir", path(builtins.conf_dir)),
            ("sounds_dir", path(&builtins.conf_dir.join("sounds"))),
            ("db_dir", path(builtins.data_dir)),
            ("mod_dir", path(builtins.mod_dir)),
            ("temp_dir", path(&std::env::temp_dir())),
        ] {
            globals.set(name, value);
        }
        globals
    }

    /// The value of `name`, if set.
    pub fn get(&self, name: &str) -> Option<String> {
        self.read().get(name).cloned()
    }

    /// Sets `name` to `value`.
    pub fn set(&self, name: impl Into<String>, value: impl Into<String>) {
        self.write().insert(name.into(), value.into());
    }

    /// Removes `name`; returns its value if it was set.
    pub fn unset(&self, name: &str) -> Option<String> {
        self.write().remove(name)
    }

    /// Every variable, sorted by name.
    pub fn snapshot(&self) -> Vec<(String, String)> {
        let mut all: Vec<(String, String)> = self
            .read()
            .iter()
            .map(|(n, v)| (n.clone(), v.clone()))
            .collect();
        all.sort();
        all
    }

    /// Applies the configuration's `<global-variables>`, in order.
    pub fn apply(&self, variables: &[crate::config::GlobalVariable]) {
        let mut vars = self.write();
        for variable in variables {
            vars.insert(variable.name.clone(), variable.value.clone());
        }
    }

    /// Sets `local_ip_v4` from the SIP listening address: the address
    /// itself, or when it is a wildcard (`0.0.0.0`), the address of the
    /// interface the system routes outwards through (found without sending
    /// anything), else 127.0.0.1.
    pub fn set_local_ip(&self, listen: std::net::IpAddr) {
        let ip = match listen {
            std::net::IpAddr::V4(v4) if !v4.is_unspecified() => v4,
            _ => outward_ipv4().unwrap_or(std::net::Ipv4Addr::LOCALHOST),
        };
        self.set("local_ip_v4", ip.to_string());
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, HashMap<String, String>> {
        self.vars.read().unwrap_or_else(|p| p.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, HashMap<String, String>> {
        self.vars.write().unwrap_or_else(|p| p.into_inner())
    }
}

/// The local IPv4 address a datagram to a public address would leave from
/// (a UDP `connect` sends nothing).
fn outward_ipv4() -> Option<std::net::Ipv4Addr> {
    let socket = std::net::UdpSocket::bind("0.0.0.0:0").ok()?;
    socket.connect("192.0.2.1:9").ok()?;
    match socket.local_addr().ok()?.ip() {
        std::net::IpAddr::V4(v4) if !v4.is_unspecified() => Some(v4),
        _ => None,
    }
}

/// Parses `name=value` as `global_setvar` and `set_global` take it; the
/// value may be empty (which unsets) and may contain `=`.
///
/// # Errors
/// A message when there is no `=` or the name is empty or has spaces.
pub fn parse_assignment(text: &str) -> Result<(&str, &str), String> {
    let text = text.trim();
    let Some((name, value)) = text.split_once('=') else {
        return Err(format!("'{text}' is not name=value"));
    };
    let name = name.trim();
    if name.is_empty() || name.contains(char::is_whitespace) {
        return Err(format!("'{name}' is not a variable name"));
    }
    Ok((name, value.trim()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::GlobalVariable;

    fn globals() -> Globals {
        Globals::new(BuiltIns {
            hostname: "sw1",
            core_uuid: "c0re",
            conf_dir: Path::new("/etc/sy"),
            data_dir: Path::new("/var/lib/sy"),
            mod_dir: Path::new("/usr/lib/sy"),
        })
    }

    #[test]
    fn built_ins_are_the_switch_s_own_facts() {
        let g = globals();
        assert_eq!(g.get("hostname").as_deref(), Some("sw1"));
        assert_eq!(g.get("core_uuid").as_deref(), Some("c0re"));
        assert_eq!(g.get("conf_dir").as_deref(), Some("/etc/sy"));
        assert_eq!(g.get("sounds_dir").as_deref(), Some("/etc/sy/sounds"));
        assert_eq!(g.get("db_dir").as_deref(), Some("/var/lib/sy"));
        assert_eq!(g.get("mod_dir").as_deref(), Some("/usr/lib/sy"));
        assert!(g.get("local_ip_v4").is_none());
        g.set_local_ip("192.0.2.10".parse().unwrap());
        assert_eq!(g.get("local_ip_v4").as_deref(), Some("192.0.2.10"));
        g.set_local_ip("0.0.0.0".parse().unwrap());
        let ip: std::net::Ipv4Addr = g.get("local_ip_v4").unwrap().parse().unwrap();
        assert!(!ip.is_unspecified());
    }

    #[test]
    fn configuration_overrides_and_runtime_changes() {
        let g = globals();
        g.apply(&[
            GlobalVariable {
                name: "domain".into(),
                value: "acme.test".into(),
            },
            GlobalVariable {
                name: "hostname".into(),
                value: "edge".into(),
            },
        ]);
        assert_eq!(g.get("domain").as_deref(), Some("acme.test"));
        assert_eq!(g.get("hostname").as_deref(), Some("edge"));
        g.set("x", "1");
        assert_eq!(g.unset("x").as_deref(), Some("1"));
        assert!(g.get("x").is_none());
        let names: Vec<String> = g.snapshot().into_iter().map(|(n, _)| n).collect();
        let mut sorted = names.clone();
        sorted.sort();
        assert_eq!(names, sorted);
        assert!(names.contains(&"domain".to_owned()));
    }

    #[test]
    fn assignments_are_checked() {
        assert_eq!(parse_assignment(" a = b=c "), Ok(("a", "b=c")));
        assert_eq!(parse_assignment("a="), Ok(("a", "")));
        assert!(parse_assignment("novalue").is_err());
        assert!(parse_assignment("=x").is_err());
        assert!(parse_assignment("a b=x").is_err());
    }
}
