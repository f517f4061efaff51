//! The `freeswitch` table of mod_lua: `API():execute(cmd, args)` /
//! `executeString(line)`, `consoleLog(level, msg)`, `Event(name [,
//! subclass])`, `Session(dial_string [, a_leg])` (places a call; the
//! answered leg, with media the switch anchors, has every `session`
//! method), `bridge(a, b)`, `msleep(ms)`, `getGlobalVariable(name)`.

use super::event_api::LuaEvent;
use super::guard::Guard;
use super::session_api::{LuaSession, OwnedLeg};
use crate::channel::cause::HangupCause;
use crate::channel::registry::ChannelHandle;
use crate::channel::{CallerProfile, Direction, NewChannel};
use crate::session::Session;
use crate::sip::{CallCommand, OriginateRequest};
use crate::switch::Switch;
use mlua::{AnyUserData, ObjectLike, UserData, UserDataMethods};
use std::sync::{Arc, Mutex};
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

/// The UUIDs of the legs a script placed with `freeswitch.Session`: when
/// the script ends, those still up and not bridged are hung up.
pub type PlacedLegs = Arc<Mutex<Vec<String>>>;

fn lock_legs(legs: &PlacedLegs) -> std::sync::MutexGuard<'_, Vec<String>> {
    legs.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Hangs up the legs a script placed that are still up and not bridged
/// (FreeSWITCH destroys a script's sessions when the script ends).
pub fn hang_up_placed_legs(switch: &Arc<Switch>, legs: &PlacedLegs) {
    for uuid in lock_legs(legs).drain(..) {
        let Some(channel) = switch.channels.get(&uuid) else {
            continue;
        };
        if channel.state().is_hungup() || channel.with(|c| c.other_leg().is_some()) {
            continue;
        }
        let (reply, _done) = crossbeam_channel::bounded(1);
        switch.call_control(CallCommand::Kill {
            uuid,
            cause: HangupCause::NormalClearing,
            reply,
        });
    }
}

/// Places a call to `dial` for a script and waits until it answers (its
/// channel) or fails (the cause, and a channel that is not ready, as
/// FreeSWITCH gives a script a session that is not ready).
fn place_leg(
    switch: &Arc<Switch>,
    dial: &str,
    a_leg: Option<&str>,
) -> Result<Arc<ChannelHandle>, (String, Arc<ChannelHandle>)> {
    let (caller_id_name, caller_id_number) = a_leg
        .and_then(|uuid| switch.channels.get(uuid))
        .map(|a| {
            a.with(|c| {
                (
                    Some(c.profile().caller_id_name.clone()),
                    Some(c.profile().caller_id_number.clone()),
                )
            })
        })
        .unwrap_or((None, None));
    let (reply, answer) = crossbeam_channel::bounded(1);
    let request = OriginateRequest {
        dial: dial.to_owned(),
        destination: String::new(),
        context: None,
        caller_id_name,
        caller_id_number,
        timeout_secs: None,
        reply,
    };
    let outcome = if switch.call_control(CallCommand::Originate(request)) {
        // The SIP thread always answers; ring time is bounded by the dial
        // string's call_timeout (default 60 s).
        match answer.recv_timeout(Duration::from_secs(3600)) {
            Ok(Ok(uuid)) => match switch.channels.get(&uuid) {
                Some(channel) => return Ok(channel),
                None => "ORIGINATOR_CANCEL the leg hung up at once".to_owned(),
            },
            Ok(Err(cause)) => cause,
            Err(_) => "NORMAL_TEMPORARY_FAILURE the SIP thread did not answer".to_owned(),
        }
    } else {
        "NORMAL_TEMPORARY_FAILURE SIP is not running".to_owned()
    };
    let cause_name = outcome.split_whitespace().next().unwrap_or("");
    let cause = HangupCause::parse(cause_name).unwrap_or(HangupCause::NormalTemporaryFailure);
    let spec = NewChannel::new(
        Direction::Outbound,
        String::new(),
        "lua-leg",
        CallerProfile::default(),
    );
    let channel = Arc::new(switch.channels.detached(spec));
    channel.set_variable("originate_disposition", cause.name());
    channel.hangup_detached(cause);
    Err((outcome, channel))
}

/// `freeswitch.bridge(a, b)`: joins the two legs and returns when the
/// bridge ends (either hangs up; the other is hung up with it).
fn bridge_and_wait(switch: &Arc<Switch>, guard: &Guard, a: &str, b: &str) -> Result<(), String> {
    let (reply, answer) = crossbeam_channel::bounded(1);
    if !switch.call_control(CallCommand::UuidBridge {
        a: a.to_owned(),
        b: b.to_owned(),
        now: true,
        reply,
    }) {
        return Err("SIP is not running".into());
    }
    answer
        .recv_timeout(Duration::from_secs(10))
        .map_err(|_| "the SIP thread did not answer".to_owned())??;
    let up = |uuid: &str| {
        switch
            .channels
            .get(uuid)
            .is_some_and(|c| !c.state().is_hungup())
    };
    while up(a) && up(b) {
        if guard.check(|| "freeswitch.bridge".into()) {
            return Err(guard.stopped_error().to_string());
        }
        std::thread::sleep(Duration::from_millis(100));
        guard.touch();
    }
    Ok(())
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
    legs: &PlacedLegs,
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
            crate::logging::console_log(&name, &level, &text);
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
    let (session_switch, session_guard, session_legs) =
        (Arc::clone(switch), Arc::clone(guard), Arc::clone(legs));
    let leg_script = script.to_owned();
    table.set(
        "Session",
        lua.create_function(move |lua, (dial, a_leg): (String, Option<AnyUserData>)| {
            if session_guard.tripped() {
                return Err(session_guard.stopped_error());
            }
            let a_uuid = match &a_leg {
                Some(leg) => Some(leg.call_method::<String>("get_uuid", ())?),
                None => None,
            };
            let leg = place_leg(&session_switch, &dial, a_uuid.as_deref());
            session_guard.touch();
            let session = match leg {
                Ok(channel) => {
                    lock_legs(&session_legs).push(channel.id().as_str().to_owned());
                    Session::for_leg(Arc::clone(&session_switch), channel)
                }
                Err((cause, channel)) => {
                    tracing::info!(target: "lua", "{leg_script}: freeswitch.Session({dial}): {cause}");
                    Session::for_leg(Arc::clone(&session_switch), channel)
                }
            };
            let wrapped = LuaSession::owned(session, Arc::clone(&session_guard), leg_script.clone());
            let key = wrapped.registry_key().to_owned();
            let userdata = lua.create_userdata(OwnedLeg(wrapped))?;
            lua.set_named_registry_value(&key, &userdata)?;
            Ok(userdata)
        })?,
    )?;
    let (bridge_switch, bridge_guard) = (Arc::clone(switch), Arc::clone(guard));
    table.set(
        "bridge",
        lua.create_function(move |_, (a, b): (AnyUserData, AnyUserData)| {
            if bridge_guard.tripped() {
                return Err(bridge_guard.stopped_error());
            }
            let a_uuid = a.call_method::<String>("get_uuid", ())?;
            let b_uuid = b.call_method::<String>("get_uuid", ())?;
            let result = bridge_and_wait(&bridge_switch, &bridge_guard, &a_uuid, &b_uuid);
            bridge_guard.touch();
            result.map_err(|e| mlua::Error::RuntimeError(format!("freeswitch.bridge: {e}")))
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
