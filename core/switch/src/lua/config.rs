//! The `<lua>` section of `switchyard.xml`:
//!
//! ```xml
//! <lua>
//!   <param name="busy-limit-ms" value="5000"/>
//!   <param name="memory-limit-kb" value="32768"/>
//!   <param name="hangup-grace-ms" value="5000"/>
//!   <param name="allowed-dir" value="/var/lib/switchyard/exports"/>
//!   <hook event="CUSTOM" subclass="acme::ticket" script="on_ticket.lua"/>
//! </lua>
//! ```

use std::path::PathBuf;
use std::time::Duration;

/// How Lua scripts are run and guarded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LuaSettings {
    /// How long a script may run Lua code without handing control back to
    /// the switch (a session or API call) before it is stopped as a
    /// runaway.
    pub busy_limit: Duration,
    /// Most memory one script's Lua state may hold.
    pub memory_limit_bytes: usize,
    /// How long a call's script may go on after the call hung up (its
    /// hangup hook included) before it is stopped.
    pub hangup_grace: Duration,
    /// Directories `io.open` may use besides the scripts, sounds and
    /// recordings directories.
    pub allowed_dirs: Vec<PathBuf>,
    /// Scripts run for events, in configuration order.
    pub hooks: Vec<HookBinding>,
}

impl Default for LuaSettings {
    fn default() -> Self {
        LuaSettings {
            busy_limit: Duration::from_secs(5),
            memory_limit_bytes: 32 * 1024 * 1024,
            hangup_grace: Duration::from_secs(5),
            allowed_dirs: Vec::new(),
            hooks: Vec::new(),
        }
    }
}

/// `<hook event="NAME" [subclass="a::b"] script="file.lua"/>`: runs the
/// script with the global `event` for every matching event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HookBinding {
    /// Event name (`CUSTOM`, `CHANNEL_ANSWER`, `ALL`, …).
    pub event: String,
    /// `Event-Subclass` of a `CUSTOM` event.
    pub subclass: Option<String>,
    /// The script, relative to the scripts directory.
    pub script: String,
    /// The line of the `<hook>` element.
    pub line: u32,
}

/// Parses a `<lua>` element; problems go to `errors` as `(line, message)`.
pub fn parse_section(
    section: roxmltree::Node<'_, '_>,
    line_of: &dyn Fn(roxmltree::Node<'_, '_>) -> u32,
    errors: &mut Vec<(u32, String)>,
) -> LuaSettings {
    let mut settings = LuaSettings::default();
    for node in section.children().filter(|n| n.is_element()) {
        let line = line_of(node);
        match node.tag_name().name() {
            "param" => {
                let (Some(name), Some(value)) = (node.attribute("name"), node.attribute("value"))
                else {
                    errors.push((
                        line,
                        "<param> needs both a name and a value attribute".into(),
                    ));
                    continue;
                };
                if let Err(message) = apply(&mut settings, name, value) {
                    errors.push((line, message));
                }
            }
            "hook" => match hook(node, line) {
                Ok(binding) => settings.hooks.push(binding),
                Err(message) => errors.push((line, message)),
            },
            other => errors.push((
                line,
                format!("unexpected <{other}> in <lua>; use <param> or <hook>"),
            )),
        }
    }
    settings
}

fn apply(settings: &mut LuaSettings, name: &str, value: &str) -> Result<(), String> {
    let number = |max: u64| -> Result<u64, String> {
        match value.trim().parse::<u64>() {
            Ok(n) if (1..=max).contains(&n) => Ok(n),
            _ => Err(format!(
                "{name} must be a whole number from 1 to {max}, not '{value}'"
            )),
        }
    };
    match name {
        "busy-limit-ms" => settings.busy_limit = Duration::from_millis(number(3_600_000)?),
        "hangup-grace-ms" => settings.hangup_grace = Duration::from_millis(number(3_600_000)?),
        "memory-limit-kb" => {
            settings.memory_limit_bytes = usize::try_from(number(16 * 1024 * 1024)? * 1024)
                .map_err(|_| format!("{name} is too large"))?;
        }
        "allowed-dir" => {
            let dir = PathBuf::from(value.trim());
            if !dir.is_absolute() {
                return Err(format!(
                    "allowed-dir must be an absolute path, not '{value}'"
                ));
            }
            settings.allowed_dirs.push(dir);
        }
        other => {
            return Err(format!(
                "unknown Lua setting '{other}' (known: busy-limit-ms, memory-limit-kb, hangup-grace-ms, allowed-dir)"
            ));
        }
    }
    Ok(())
}

fn hook(node: roxmltree::Node<'_, '_>, line: u32) -> Result<HookBinding, String> {
    let event = node
        .attribute("event")
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .ok_or("<hook> needs an event attribute, e.g. event=\"CHANNEL_ANSWER\"")?;
    let subclass = node
        .attribute("subclass")
        .map(str::trim)
        .filter(|s| !s.is_empty());
    crate::event::bus::EventSelector::for_binding(event, subclass)?;
    let script = node
        .attribute("script")
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .ok_or("<hook> needs a script attribute, e.g. script=\"on_answer.lua\"")?;
    super::script::check_script_name(script)?;
    Ok(HookBinding {
        event: event.to_owned(),
        subclass: subclass.map(str::to_owned),
        script: script.to_owned(),
        line,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(xml: &str) -> (LuaSettings, Vec<(u32, String)>) {
        let doc = roxmltree::Document::parse(xml).unwrap();
        let mut errors = Vec::new();
        let line_of = |n: roxmltree::Node<'_, '_>| doc.text_pos_at(n.range().start).row;
        let settings = parse_section(doc.root_element(), &line_of, &mut errors);
        (settings, errors)
    }

    #[test]
    fn params_and_hooks_are_read() {
        let (settings, errors) = parse(
            "<lua>\n<param name=\"busy-limit-ms\" value=\"750\"/>\n<param name=\"memory-limit-kb\" value=\"1024\"/>\n<hook event=\"CUSTOM\" subclass=\"acme::x\" script=\"x.lua\"/>\n</lua>",
        );
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(settings.busy_limit, Duration::from_millis(750));
        assert_eq!(settings.memory_limit_bytes, 1024 * 1024);
        assert_eq!(settings.hooks.len(), 1);
        assert_eq!(settings.hooks[0].subclass.as_deref(), Some("acme::x"));
        assert_eq!(settings.hooks[0].line, 4);
    }

    #[test]
    fn bad_input_is_named_with_its_line() {
        let (_, errors) = parse(
            "<lua>\n<param name=\"busy-limit-ms\" value=\"0\"/>\n<hook event=\"NO_SUCH_EVENT\" script=\"x.lua\"/>\n<hook event=\"CUSTOM\" subclass=\"a::b\" script=\"../etc/passwd\"/>\n<param name=\"allowed-dir\" value=\"relative\"/>\n</lua>",
        );
        let lines: Vec<u32> = errors.iter().map(|(l, _)| *l).collect();
        assert_eq!(lines, vec![2, 3, 4, 5], "{errors:?}");
    }
}
