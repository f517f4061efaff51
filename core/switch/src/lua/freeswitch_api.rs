//! The `freeswitch` table of mod_lua: `API():execute(cmd, args)` /
//! `executeString(line)`, `consoleLog(level, msg)`, `Event(name [,
//! subclass])`, `msleep(ms)`, `getGlobalVariable(name)`.

use super::event_api::LuaEvent;
use super::guard::Guard;
use crate::switch::Switch;
use mlua::{UserData, UserDataMethods};
use std::sync::Arc;
use std::time::Duration;

/// `freeswitch.API()`: runs API commands as the event socket does.
struct LuaApi {
    switch: Arc<Switch>,
    guard: Arc<Guard>,
}

impl LuaApi {
    fn run(&self, line: &str) -> mlua::Result<String> {
        if self.guard.tripped() {
            return Err(self.guard.stopped_error());
        }
        let out = crate::api::execute(&self.switch, line);
        self.guard.touch();
        Ok(out)
    }
}

impl UserData for LuaApi {
    fn add_methods<M: UserDataMethods<Self>>(methods: &mut M) {
        methods.add_method(
            "execute",
            |_, this, (command, args): (String, Option<String>)| {
                let line = match args {
                    Some(args) if !args.is_empty() => format!("{command} {args}"),
                    _ => command,
                };
                this.run(&line)
            },
        );
        methods.add_method("executeString", |_, this, line: String| this.run(&line));
    }
}

/// Writes a script's `consoleLog` line at the level FreeSWITCH names.
pub fn console_log(script: &str, level: &str, message: &str) {
    let message = message.trim_end_matches(['\r', '\n']);
    match level.trim().to_ascii_lowercase().as_str() {
        "debug" => tracing::debug!(target: "lua", "{script}: {message}"),
        "notice" | "info" | "console" => tracing::info!(target: "lua", "{script}: {message}"),
        "warning" | "warn" => tracing::warn!(target: "lua", "{script}: {message}"),
        "err" | "error" | "crit" | "alert" => {
            tracing::error!(target: "lua", "{script}: {message}")
        }
        _ => tracing::info!(target: "lua", "{script}: {message}"),
    }
}

/// Builds the `freeswitch` table for a script named `script`.
///
/// # Errors
/// mlua could not build it.
pub fn install(
    lua: &mlua::Lua,
    switch: &Arc<Switch>,
    guard: &Arc<Guard>,
    script: &str,
) -> mlua::Result<()> {
    let table = lua.create_table()?;
    let (api_switch, api_guard) = (Arc::clone(switch), Arc::clone(guard));
    table.set(
        "API",
        lua.create_function(move |_, ()| {
            Ok(LuaApi {
                switch: Arc::clone(&api_switch),
                guard: Arc::clone(&api_guard),
            })
        })?,
    )?;
    let name = script.to_owned();
    table.set(
        "consoleLog",
        lua.create_function(move |_, (level, message): (String, mlua::Value)| {
            let text = match message {
                mlua::Value::String(s) => s.to_string_lossy(),
                other => other.to_string().unwrap_or_default(),
            };
            console_log(&name, &level, &text);
            Ok(())
        })?,
    )?;
    let bus = Arc::clone(&switch.bus);
    table.set(
        "Event",
        lua.create_function(move |_, (name, subclass): (String, Option<String>)| {
            LuaEvent::create(&name, subclass.as_deref(), Arc::clone(&bus))
        })?,
    )?;
    let sleep_guard = Arc::clone(guard);
    table.set(
        "msleep",
        lua.create_function(move |_, ms: u64| {
            if sleep_guard.tripped() {
                return Err(sleep_guard.stopped_error());
            }
            // In slices, so the hangup grace is still enforced.
            let mut left = Duration::from_millis(ms.min(86_400_000));
            while !left.is_zero() {
                if sleep_guard.check(|| "freeswitch.msleep".into()) {
                    return Err(sleep_guard.stopped_error());
                }
                let step = left.min(Duration::from_millis(100));
                std::thread::sleep(step);
                left -= step;
                sleep_guard.touch();
            }
            Ok(())
        })?,
    )?;
    let globals_switch = Arc::clone(switch);
    table.set(
        "getGlobalVariable",
        lua.create_function(move |_, name: String| Ok(globals_switch.globals.get(&name)))?,
    )?;
    lua.globals().set("freeswitch", table)?;
    Ok(())
}
