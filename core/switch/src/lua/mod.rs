//! Lua call flows (mlua, Lua 5.4) with FreeSWITCH's mod_lua surface.
//!
//! - `lua <script> [args]` (dialplan application): runs a script from
//!   `CONF_DIR/scripts` on the call's session thread with `session`,
//!   `argv` and `freeswitch` set; when it ends with the call still up, the
//!   call is hung up unless it called `session:setAutoHangup(false)` or was
//!   transferred.
//! - `luarun <script> [args]` (API): runs a script on a thread of its own,
//!   without `session`.
//! - Event hooks (`<lua><hook .../></lua>` in `switchyard.xml`): a script
//!   run with the global `event` for every matching event, one at a time
//!   on a worker thread.
//!
//! Every run gets a fresh fenced state ([`sandbox`]) and a runaway guard
//! ([`guard`]); errors are logged as `script:line: what` (and so reach
//! event-socket `log` subscribers).
//!
//! Files: `config` (the `<lua>` section), `script` (finding scripts, syntax
//! checks), `sandbox`, `guard`, `session_api`, `freeswitch_api`,
//! `event_api`, `hooks`.

pub mod config;
mod event_api;
mod freeswitch_api;
pub mod guard;
mod hooks;
pub mod sandbox;
pub mod script;
mod session_api;

pub use config::{HookBinding, LuaSettings};
pub use hooks::start_hooks;

use crate::session::{AppOutcome, Session};
use crate::switch::Switch;
use guard::{Guard, RunEnd};
use session_api::LuaSession;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// What a script run needs from the switch.
struct Prepared {
    lua: mlua::Lua,
    guard: Arc<Guard>,
    function: mlua::Function,
    name: String,
    legs: freeswitch_api::PlacedLegs,
}

/// Builds a fenced state and compiles `name` (with `argv`).
fn prepare(switch: &Arc<Switch>, name: &str, args: &[String]) -> Result<Prepared, String> {
    let settings = switch.config().lua.clone();
    let scripts = script::scripts_dir(&switch.paths.conf_dir);
    let path = script::resolve(&scripts, name)?;
    let mut allowed: Vec<PathBuf> = vec![
        switch.paths.conf_dir.join("sounds"),
        switch.paths.data_dir.join("recordings"),
    ];
    allowed.extend(settings.allowed_dirs.iter().cloned());
    let dirs = sandbox::AllowedDirs::new(&scripts, &allowed);
    let lua = sandbox::new_state(&dirs, &scripts, settings.memory_limit_bytes)
        .map_err(|e| format!("{name}: cannot build a Lua state: {e}"))?;
    let guard = Arc::new(Guard::new(settings.busy_limit, settings.hangup_grace));
    guard
        .install(&lua)
        .map_err(|e| format!("{name}: cannot install the guard: {e}"))?;
    let shown = display_name(&scripts, &path);
    let legs = freeswitch_api::PlacedLegs::default();
    freeswitch_api::install(&lua, switch, &guard, &shown, &legs)
        .map_err(|e| format!("{name}: {e}"))?;
    let argv = lua.create_table().map_err(|e| e.to_string())?;
    argv.set(0, name).map_err(|e| e.to_string())?;
    for (i, arg) in args.iter().enumerate() {
        argv.set(i + 1, arg.as_str()).map_err(|e| e.to_string())?;
    }
    lua.globals().set("argv", argv).map_err(|e| e.to_string())?;
    let source = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let function = lua
        .load(&source[..])
        .set_name(format!("@{shown}"))
        .set_mode(mlua::chunk::ChunkMode::Text)
        .into_function()
        .map_err(|e| script::describe(&e))?;
    Ok(Prepared {
        lua,
        guard,
        function,
        name: shown,
        legs,
    })
}

/// How a script is named in logs: its path inside the scripts directory.
fn display_name(scripts: &Path, path: &Path) -> String {
    path.strip_prefix(scripts)
        .unwrap_or(path)
        .display()
        .to_string()
}

/// The `lua` dialplan application.
pub fn run_app(session: &mut Session, data: &str) -> AppOutcome {
    let Some((name, args)) = script::split_args(data) else {
        tracing::warn!("lua needs a script name");
        return AppOutcome::Continue;
    };
    let switch = Arc::clone(session.switch());
    let prepared = match prepare(&switch, &name, &args) {
        Ok(prepared) => prepared,
        Err(why) => {
            report(&switch, Some(session.uuid()), &name, &why);
            return AppOutcome::Continue;
        }
    };
    let Prepared {
        lua,
        guard,
        function,
        name,
        legs,
    } = prepared;
    let uuid = session.uuid().to_owned();
    let wrapped = LuaSession::new(session, Arc::clone(&guard), name.clone());
    let outcome = lua.scope(|scope| {
        let this = scope.create_userdata(&wrapped)?;
        lua.set_named_registry_value(session_api::REGISTRY_KEY, &this)?;
        lua.globals().set("session", &this)?;
        let end = guard::run::<()>(&lua, &guard, function, ());
        // The hook (if any) runs now when the call went away meanwhile.
        let after = match end {
            RunEnd::Returned(()) => wrapped.run_hangup_hook_guarded(&lua, &guard),
            other => other,
        };
        Ok((after, wrapped.auto_hangup(), wrapped.exit_asked()))
    });
    drop(wrapped);
    freeswitch_api::hang_up_placed_legs(&switch, &legs);
    let (end, auto_hangup, exit_asked) = match outcome {
        Ok(outcome) => outcome,
        Err(e) => (RunEnd::Failed(script::describe(&e)), true, false),
    };
    match end {
        RunEnd::Returned(()) => {}
        RunEnd::Failed(why) if exit_asked || why.contains(session_api::EXIT_MARK) => {}
        RunEnd::Failed(why) => report(&switch, Some(&uuid), &name, &why),
        RunEnd::Stopped(why) => {
            report(&switch, Some(&uuid), &name, &format!("stopped: {why}"));
            return AppOutcome::Hangup(crate::channel::cause::HangupCause::NormalTemporaryFailure);
        }
    }
    if auto_hangup && session.ready() {
        AppOutcome::Hangup(crate::channel::cause::HangupCause::NormalClearing)
    } else {
        AppOutcome::Continue
    }
}

/// Logs a script's failure; on a call the channel keeps it in `lua_error`.
fn report(switch: &Arc<Switch>, uuid: Option<&str>, name: &str, why: &str) {
    tracing::error!(target: "lua", "{name}: {why}");
    if let Some(channel) = uuid.and_then(|u| switch.channels.get(u)) {
        channel.set_variable("lua_error", why);
    }
}

/// The `luarun` API: starts `<script> [args]` on a thread of its own.
pub fn luarun(switch: &Arc<Switch>, args: &str) -> String {
    let Some((name, args)) = script::split_args(args) else {
        return "-USAGE: luarun <script> [<args>]\n".into();
    };
    let scripts = script::scripts_dir(&switch.paths.conf_dir);
    if let Err(why) = script::resolve(&scripts, &name) {
        return format!("-ERR {why}\n");
    }
    let switch = Arc::clone(switch);
    let spawned = std::thread::Builder::new()
        .name("luarun".into())
        .spawn(move || run_detached(&switch, &name, &args, None));
    match spawned {
        Ok(_) => "+OK\n".into(),
        Err(e) => format!("-ERR cannot start a thread: {e}\n"),
    }
}

/// Runs a script without a session (`luarun`, event hooks); `event` is set
/// as the global `event`.
fn run_detached(
    switch: &Arc<Switch>,
    name: &str,
    args: &[String],
    event: Option<crate::event::Event>,
) {
    let Prepared {
        lua,
        guard,
        function,
        name,
        legs,
    } = match prepare(switch, name, args) {
        Ok(prepared) => prepared,
        Err(why) => {
            report(switch, None, name, &why);
            return;
        }
    };
    if let Some(event) = event {
        let wrapped = event_api::LuaEvent::new(event, Arc::clone(&switch.bus));
        if let Err(e) = lua.globals().set("event", wrapped) {
            report(switch, None, &name, &e.to_string());
            return;
        }
    }
    match guard::run::<()>(&lua, &guard, function, ()) {
        RunEnd::Returned(()) => {}
        RunEnd::Failed(why) => report(switch, None, &name, &why),
        RunEnd::Stopped(why) => report(switch, None, &name, &format!("stopped: {why}")),
    }
    drop(lua);
    freeswitch_api::hang_up_placed_legs(switch, &legs);
}
