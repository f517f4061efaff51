//! The switch configuration: `CONF_DIR/switchyard.xml`, or the embedded
//! default when that file does not exist.
//!
//! ```xml
//! <switchyard>
//!   <settings>
//!     <param name="log-level" value="info"/>
//!     <param name="esl-max-connections" value="256"/>
//!     <param name="esl-auth-timeout-secs" value="10"/>
//!     <param name="heartbeat-interval-secs" value="20"/>
//!     <param name="demo-tenant" value="demo.test"/>
//!   </settings>
//!   <modules>
//!     <load module="mod_example"/>
//!   </modules>
//!   <global-variables>
//!     <variable name="domain" value="acme.test"/>
//!   </global-variables>
//! </switchyard>
//! ```
//!
//! Every problem is reported as `file:line: what is wrong`, all at once.

mod global_vars;

pub use global_vars::GlobalVariable;

use crate::logging::LogLevel;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The embedded default configuration.
pub const DEFAULT_XML: &str = include_str!("default.xml");

/// The file name of the configuration inside the configuration directory.
pub const FILE_NAME: &str = "switchyard.xml";

/// One configuration problem, located.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// The file (or `<embedded default>`).
    pub file: String,
    /// 1-based line.
    pub line: u32,
    /// What is wrong and what to change.
    pub message: String,
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}: {}", self.file, self.line, self.message)
    }
}

/// A module to load at start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModuleEntry {
    /// Module name, e.g. `mod_ivr`.
    pub name: String,
    /// Line of its `<load>` element.
    pub line: u32,
}

/// Core settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// Level of log lines on stderr.
    pub log_level: LogLevel,
    /// Most event-socket connections open at once.
    pub esl_max_connections: usize,
    /// How long a connection may stay unauthenticated.
    pub esl_auth_timeout: Duration,
    /// Interval of `HEARTBEAT` events.
    pub heartbeat_interval: Duration,
    /// Domain of the demo tenant created on the first start of an empty
    /// store (`None`: no demo tenant).
    pub demo_tenant: Option<String>,
    /// Send UDP responses to the source port even when the client did not
    /// ask with `rport` (FreeSWITCH's `NDLB-force-rport`: for clients
    /// behind NAT that do not implement RFC 3581).
    pub sip_force_rport: bool,
    /// Digest algorithms challenged with, in order (`sip-digest-algorithms`,
    /// e.g. `SHA-256,MD5`).
    pub sip_digest_algorithms: Vec<switchyard_sip::auth::Algorithm>,
    /// Most SIP transactions alive at once, completed ones kept for their
    /// timers included (`sip-max-transactions`); beyond it new requests get
    /// 503 with Retry-After. About 1 KB each: 2 per registration or call
    /// setup kept 32 s, so 500,000 carries ~7,500 registrations/s.
    pub sip_max_transactions: usize,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            log_level: LogLevel::Info,
            esl_max_connections: 256,
            esl_auth_timeout: Duration::from_secs(10),
            heartbeat_interval: Duration::from_secs(20),
            demo_tenant: None,
            sip_force_rport: false,
            sip_digest_algorithms: switchyard_sip::auth::Algorithm::STRONGEST_FIRST.to_vec(),
            sip_max_transactions: switchyard_sip::transaction::Config::default().max_transactions,
        }
    }
}

/// A parsed configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// Where it came from (a path, or `<embedded default>`).
    pub source: String,
    /// Core settings.
    pub settings: Settings,
    /// Modules to load at start, in order.
    pub modules: Vec<ModuleEntry>,
    /// How Lua scripts run, and the event-hook scripts.
    pub lua: crate::lua::LuaSettings,
    /// Initial global variables (`<global-variables>`), in order.
    pub global_variables: Vec<GlobalVariable>,
}

impl Config {
    /// Loads `conf_dir/switchyard.xml`, or the embedded default when the
    /// file does not exist.
    pub fn load(conf_dir: &Path) -> Result<Config, Vec<ConfigError>> {
        let path = conf_dir.join(FILE_NAME);
        match std::fs::read_to_string(&path) {
            Ok(text) => Config::parse(&text, &path.display().to_string()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                Config::parse(DEFAULT_XML, "<embedded default>")
            }
            Err(e) => Err(vec![ConfigError {
                file: path.display().to_string(),
                line: 0,
                message: format!("cannot read: {e}"),
            }]),
        }
    }

    /// The path of the configuration file in `conf_dir` (which may not exist).
    pub fn path_in(conf_dir: &Path) -> PathBuf {
        conf_dir.join(FILE_NAME)
    }

    /// Parses configuration text; `file` names it in errors.
    pub fn parse(text: &str, file: &str) -> Result<Config, Vec<ConfigError>> {
        let mut errors = Vec::new();
        let error = |line: u32, message: String| ConfigError {
            file: file.to_owned(),
            line,
            message,
        };
        let doc = match roxmltree::Document::parse(text) {
            Ok(doc) => doc,
            Err(e) => {
                let pos = e.pos();
                return Err(vec![error(pos.row, format!("malformed XML: {e}"))]);
            }
        };
        let line_of = |node: roxmltree::Node<'_, '_>| doc.text_pos_at(node.range().start).row;
        let root = doc.root_element();
        if root.tag_name().name() != "switchyard" {
            return Err(vec![error(
                line_of(root),
                format!(
                    "the root element is <{}>, expected <switchyard>",
                    root.tag_name().name()
                ),
            )]);
        }
        let mut config = Config {
            source: file.to_owned(),
            settings: Settings::default(),
            modules: Vec::new(),
            lua: crate::lua::LuaSettings::default(),
            global_variables: Vec::new(),
        };
        for section in root.children().filter(|n| n.is_element()) {
            match section.tag_name().name() {
                "settings" => {
                    for param in section.children().filter(|n| n.is_element()) {
                        let line = line_of(param);
                        if param.tag_name().name() != "param" {
                            errors.push(error(
                                line,
                                format!(
                                    "unexpected <{}> in <settings>; use <param name=\"...\" value=\"...\"/>",
                                    param.tag_name().name()
                                ),
                            ));
                            continue;
                        }
                        let (Some(name), Some(value)) =
                            (param.attribute("name"), param.attribute("value"))
                        else {
                            errors.push(error(
                                line,
                                "<param> needs both a name and a value attribute".into(),
                            ));
                            continue;
                        };
                        if let Err(message) = apply_setting(&mut config.settings, name, value) {
                            errors.push(error(line, message));
                        }
                    }
                }
                "modules" => {
                    for load in section.children().filter(|n| n.is_element()) {
                        let line = line_of(load);
                        if load.tag_name().name() != "load" {
                            errors.push(error(
                                line,
                                format!(
                                    "unexpected <{}> in <modules>; use <load module=\"mod_name\"/>",
                                    load.tag_name().name()
                                ),
                            ));
                            continue;
                        }
                        match load.attribute("module") {
                            Some(name) if valid_module_name(name) => {
                                if config.modules.iter().any(|m| m.name == name) {
                                    errors.push(error(
                                        line,
                                        format!("module {name} is listed twice"),
                                    ));
                                } else {
                                    config.modules.push(ModuleEntry {
                                        name: name.to_owned(),
                                        line,
                                    });
                                }
                            }
                            Some(name) => errors.push(error(
                                line,
                                format!(
                                    "'{name}' is not a module name (letters, digits and _ only, e.g. mod_ivr)"
                                ),
                            )),
                            None => errors.push(error(
                                line,
                                "<load> needs a module attribute, e.g. <load module=\"mod_ivr\"/>"
                                    .into(),
                            )),
                        }
                    }
                }
                "lua" => {
                    let mut found = Vec::new();
                    config.lua = crate::lua::config::parse_section(section, &line_of, &mut found);
                    errors.extend(
                        found
                            .into_iter()
                            .map(|(line, message)| error(line, message)),
                    );
                }
                "global-variables" => global_vars::parse(
                    section,
                    line_of,
                    &mut config.global_variables,
                    |line, message| errors.push(error(line, message)),
                ),
                other => errors.push(error(
                    line_of(section),
                    format!(
                        "unknown section <{other}>; expected <settings>, <modules>, <global-variables> or <lua>"
                    ),
                )),
            }
        }
        if errors.is_empty() {
            Ok(config)
        } else {
            Err(errors)
        }
    }
}

/// Whether `name` can name a module (and so a file in the module directory).
pub fn valid_module_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

fn apply_setting(settings: &mut Settings, name: &str, value: &str) -> Result<(), String> {
    fn positive(name: &str, value: &str, max: u64) -> Result<u64, String> {
        match value.trim().parse::<u64>() {
            Ok(n) if n >= 1 && n <= max => Ok(n),
            _ => Err(format!(
                "{name} must be a whole number from 1 to {max}, not '{value}'"
            )),
        }
    }
    match name {
        "log-level" => settings.log_level = value.parse()?,
        "esl-max-connections" => {
            settings.esl_max_connections = positive(name, value, 100_000)? as usize
        }
        "esl-auth-timeout-secs" => {
            settings.esl_auth_timeout = Duration::from_secs(positive(name, value, 3600)?)
        }
        "heartbeat-interval-secs" => {
            settings.heartbeat_interval = Duration::from_secs(positive(name, value, 86_400)?)
        }
        "sip-force-rport" => {
            settings.sip_force_rport = match value.trim() {
                "true" | "yes" => true,
                "false" | "no" => false,
                other => {
                    return Err(format!(
                        "sip-force-rport must be true or false, not '{other}'"
                    ));
                }
            }
        }
        "sip-digest-algorithms" => {
            let mut algorithms = Vec::new();
            for name in value.split(',').map(str::trim) {
                let algorithm =
                    switchyard_sip::auth::Algorithm::from_name(name).ok_or_else(|| {
                        format!("sip-digest-algorithms: '{name}' is not SHA-256 or MD5")
                    })?;
                if !algorithms.contains(&algorithm) {
                    algorithms.push(algorithm);
                }
            }
            settings.sip_digest_algorithms = algorithms;
        }
        "sip-max-transactions" => {
            settings.sip_max_transactions = positive(name, value, 50_000_000)? as usize
        }
        "demo-tenant" if value.trim().is_empty() => settings.demo_tenant = None,
        "demo-tenant" => settings.demo_tenant = Some(crate::directory::names::domain(value)?),
        other => {
            return Err(format!(
                "unknown setting '{other}' (known: log-level, esl-max-connections, esl-auth-timeout-secs, heartbeat-interval-secs, demo-tenant, sip-force-rport, sip-digest-algorithms, sip-max-transactions)"
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_default_is_valid() {
        let config = Config::parse(DEFAULT_XML, "default").unwrap();
        assert_eq!(
            config.settings,
            Settings {
                demo_tenant: Some("demo.test".into()),
                ..Settings::default()
            }
        );
        assert!(config.modules.is_empty());
    }

    #[test]
    fn settings_and_modules_are_read() {
        let config = Config::parse(
            "<switchyard>\n<settings>\n<param name=\"log-level\" value=\"debug\"/>\n\
             <param name=\"esl-max-connections\" value=\"5\"/>\n</settings>\n\
             <modules><load module=\"mod_a\"/><load module=\"mod_b\"/></modules>\n</switchyard>",
            "x.xml",
        )
        .unwrap();
        assert_eq!(config.settings.log_level, LogLevel::Debug);
        assert_eq!(config.settings.esl_max_connections, 5);
        let names: Vec<_> = config.modules.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(names, ["mod_a", "mod_b"]);
        assert_eq!(config.modules[0].line, 6);
    }

    #[test]
    fn every_error_is_reported_with_its_line() {
        let text = "<switchyard>\n  <settings>\n    <param name=\"log-level\" value=\"loud\"/>\n    <param name=\"colour\" value=\"blue\"/>\n  </settings>\n  <modules>\n    <load module=\"../evil\"/>\n    <load/>\n  </modules>\n  <extra/>\n</switchyard>\n";
        let errors = Config::parse(text, "switchyard.xml").unwrap_err();
        let rendered: Vec<String> = errors.iter().map(ToString::to_string).collect();
        assert_eq!(rendered.len(), 5, "{rendered:#?}");
        assert!(rendered[0].starts_with("switchyard.xml:3: unknown log level 'loud'"));
        assert!(rendered[1].starts_with("switchyard.xml:4: unknown setting 'colour'"));
        assert!(rendered[2].starts_with("switchyard.xml:7: '../evil' is not a module name"));
        assert!(rendered[3].starts_with("switchyard.xml:8: <load> needs a module attribute"));
        assert!(rendered[4].starts_with("switchyard.xml:10: unknown section <extra>"));
    }

    #[test]
    fn malformed_xml_names_the_line() {
        let errors = Config::parse("<switchyard>\n<settings>\n</switchyard>", "f.xml").unwrap_err();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].line, 3);
        assert!(errors[0].message.starts_with("malformed XML"));
    }

    #[test]
    fn out_of_range_numbers_are_refused() {
        let errors = Config::parse(
            "<switchyard><settings><param name=\"esl-auth-timeout-secs\" value=\"0\"/></settings></switchyard>",
            "f.xml",
        )
        .unwrap_err();
        assert!(errors[0].message.contains("from 1 to 3600"));
        let errors = Config::parse(
            "<switchyard><settings><param name=\"sip-max-transactions\" value=\"lots\"/></settings></switchyard>",
            "f.xml",
        )
        .unwrap_err();
        assert!(errors[0].message.contains("sip-max-transactions must be"));
        let config = Config::parse(
            "<switchyard><settings><param name=\"sip-max-transactions\" value=\"900000\"/></settings></switchyard>",
            "f.xml",
        )
        .unwrap();
        assert_eq!(config.settings.sip_max_transactions, 900_000);
    }
}
