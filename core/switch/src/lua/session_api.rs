//! The `session` object of a call's script, with mod_lua's method names:
//! `answer`, `preAnswer`, `ready`, `answered`, `hangup([cause])`,
//! `streamFile(file)`, `getDigits(max, terminators, timeout [,
//! interdigit])`, `playAndGetDigits(min, max, tries, timeout, terminators,
//! file, invalid_file, regex, var_name, digit_timeout, transfer_on_failure)`,
//! `read(min, max, file, timeout, terminators)`, `recordFile(file, max_secs,
//! threshold, silence_secs)`, `execute(app, data)`,
//! `setVariable`/`getVariable`, `setHangupHook(fn [, arg])`,
//! `setInputCallback(fn [, arg])`/`unsetInputCallback()`, `sleep(ms)`,
//! `flushDigits()`, `transfer(ext [, dialplan [, context]])`,
//! `setAutoHangup(bool)`, `get_uuid()`, `getState()`, `consoleLog(level,
//! msg)`.
//!
//! The Rust [`Session`] is borrowed only while a method works on it and
//! released before the script's callbacks run, so a callback may use
//! `session` again. Every method is a hand-back to the switch: the guard's
//! busy clock restarts when it returns, and the hangup hook runs (once) as
//! soon as a method finds the call gone or transferred.

use super::guard::Guard;
use crate::channel::cause::HangupCause;
use crate::media::PcmFrame;
use crate::session::digits::PlayAndGetDigits;
use crate::session::module_apps::{self, Collected, DigitRequest};
use crate::session::source::AudioSource;
use crate::session::{AnswerStage, Interrupted, Session};
use mlua::{AnyUserData, Function, Lua, UserData, UserDataMethods, Value};
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// Where the session userdata is kept for callbacks (Lua registry).
pub const REGISTRY_KEY: &str = "switchyard.session";

/// A callback the script registered: a function (or the name of a global
/// one) and the extra argument FreeSWITCH passes along.
struct Callback {
    function: Function,
    arg: Value,
}

/// The session a [`LuaSession`] acts on: the call's own (borrowed from
/// its session thread for the script's run), or a leg the script placed
/// (`freeswitch.Session`), which it owns.
pub enum SessionSlot<'s> {
    /// The call the script runs for.
    Borrowed(&'s mut Session),
    /// A leg the script placed.
    Owned(Box<Session>),
}

impl std::ops::Deref for SessionSlot<'_> {
    type Target = Session;
    fn deref(&self) -> &Session {
        match self {
            SessionSlot::Borrowed(session) => session,
            SessionSlot::Owned(session) => session,
        }
    }
}

impl std::ops::DerefMut for SessionSlot<'_> {
    fn deref_mut(&mut self) -> &mut Session {
        match self {
            SessionSlot::Borrowed(session) => session,
            SessionSlot::Owned(session) => session,
        }
    }
}

/// The `session` object (and the objects of legs a script places).
pub struct LuaSession<'s> {
    session: Mutex<SessionSlot<'s>>,
    registry_key: String,
    guard: Arc<Guard>,
    hangup_hook: Mutex<Option<Callback>>,
    hook_ran: AtomicBool,
    input: Mutex<Option<Callback>>,
    auto_hangup: AtomicBool,
    exit_asked: AtomicBool,
    script: String,
}

impl<'s> LuaSession<'s> {
    /// Wraps `session` for the script `script`.
    pub fn new(session: &'s mut Session, guard: Arc<Guard>, script: String) -> LuaSession<'s> {
        LuaSession::with(
            SessionSlot::Borrowed(session),
            REGISTRY_KEY.into(),
            guard,
            script,
        )
    }

    /// Wraps a leg the script placed; its userdata is to be kept in the
    /// Lua registry under [`LuaSession::registry_key`].
    pub fn owned(session: Session, guard: Arc<Guard>, script: String) -> LuaSession<'static> {
        let key = format!("switchyard.leg.{}", session.uuid());
        LuaSession::with(SessionSlot::Owned(Box::new(session)), key, guard, script)
    }

    /// Where this object's userdata is kept in the Lua registry (callbacks
    /// get it as their first argument).
    pub fn registry_key(&self) -> &str {
        &self.registry_key
    }

    fn with(
        slot: SessionSlot<'s>,
        registry_key: String,
        guard: Arc<Guard>,
        script: String,
    ) -> LuaSession<'s> {
        LuaSession {
            session: Mutex::new(slot),
            registry_key,
            guard,
            hangup_hook: Mutex::new(None),
            hook_ran: AtomicBool::new(false),
            input: Mutex::new(None),
            auto_hangup: AtomicBool::new(true),
            exit_asked: AtomicBool::new(false),
            script,
        }
    }

    /// Whether the call is hung up when the script ends while still up
    /// (`setAutoHangup`, default true as in FreeSWITCH).
    pub fn auto_hangup(&self) -> bool {
        self.auto_hangup.load(Ordering::Relaxed)
    }

    /// Whether the hangup hook returned `"exit"` or `"die"`.
    pub fn exit_asked(&self) -> bool {
        self.exit_asked.load(Ordering::Relaxed)
    }

    /// The session, locked for the duration of one step (never across a
    /// callback into the script).
    fn session(&self) -> std::sync::MutexGuard<'_, SessionSlot<'s>> {
        self.session
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn ready(&self) -> bool {
        self.session().ready()
    }

    /// Before a method: refuses once the guard tripped.
    fn enter(&self) -> mlua::Result<()> {
        if self.guard.tripped() {
            return Err(self.guard.stopped_error());
        }
        Ok(())
    }

    /// After a method: restart the busy clock; run the hangup hook when
    /// the call is gone.
    fn leave(&self, lua: &Lua) -> mlua::Result<()> {
        self.guard.touch();
        self.run_hangup_hook(lua)
    }

    /// Runs the hangup hook once, if the call is gone or transferred.
    pub fn run_hangup_hook(&self, lua: &Lua) -> mlua::Result<()> {
        if self.hook_ran.load(Ordering::Relaxed) {
            return Ok(());
        }
        let (hung_up, transferring) = {
            let session = self.session();
            (
                session.channel().state().is_hungup(),
                session.channel().transferring(),
            )
        };
        if !hung_up && !transferring {
            return Ok(());
        }
        self.guard.hung_up();
        let Some(hook) = self
            .hangup_hook
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take()
        else {
            return Ok(());
        };
        self.hook_ran.store(true, Ordering::Relaxed);
        let status = if hung_up { "hangup" } else { "transfer" };
        let this: AnyUserData = lua.named_registry_value(&self.registry_key)?;
        let result =
            self.call_back::<Option<String>>(lua, hook.function, (this, status, hook.arg))?;
        if result.is_some_and(|r| r.eq_ignore_ascii_case("exit") || r.eq_ignore_ascii_case("die")) {
            self.exit_asked.store(true, Ordering::Relaxed);
            return Err(mlua::Error::RuntimeError(EXIT_MARK.into()));
        }
        Ok(())
    }

    /// Runs a script callback as a guarded coroutine of its own.
    fn call_back<T: mlua::FromLuaMulti>(
        &self,
        lua: &Lua,
        function: Function,
        args: impl mlua::IntoLuaMulti + Clone,
    ) -> mlua::Result<T> {
        let end = super::guard::run::<T>(lua, &self.guard, function, args);
        self.guard.touch();
        match end {
            super::guard::RunEnd::Returned(value) => Ok(value),
            super::guard::RunEnd::Failed(why) => Err(mlua::Error::RuntimeError(why)),
            super::guard::RunEnd::Stopped(_) => Err(self.guard.stopped_error()),
        }
    }

    /// Runs the hangup hook at the script's end (when due) and says how the
    /// whole run ended.
    pub fn run_hangup_hook_guarded(&self, lua: &Lua, guard: &Guard) -> super::guard::RunEnd<()> {
        match self.run_hangup_hook(lua) {
            Ok(()) => super::guard::RunEnd::Returned(()),
            Err(_) if guard.tripped() => {
                super::guard::RunEnd::Stopped(guard.reason().unwrap_or_default())
            }
            Err(e) => super::guard::RunEnd::Failed(super::script::describe(&e)),
        }
    }

    /// Calls the input callback for `digit`; true when it says `"break"`.
    fn on_digit(&self, lua: &Lua, digit: crate::media::Dtmf) -> mlua::Result<bool> {
        let Some((function, arg)) = self
            .input
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .as_ref()
            .map(|c| (c.function.clone(), c.arg.clone()))
        else {
            return Ok(false);
        };
        let this: AnyUserData = lua.named_registry_value(&self.registry_key)?;
        let object = lua.create_table()?;
        object.set("digit", digit.digit.to_string())?;
        object.set("duration", digit.duration_ms)?;
        let answer = self.call_back::<Value>(lua, function, (this, "dtmf", object, arg))?;
        Ok(match answer {
            Value::String(s) => s.to_string_lossy().eq_ignore_ascii_case("break"),
            _ => false,
        })
    }

    /// Plays `name`; digits go to the input callback (when set, `"break"`
    /// stops) or else stop it when they are in `playback_terminators`.
    fn stream(&self, lua: &Lua, name: &str) -> mlua::Result<()> {
        let (rate, frame_len, mut source, terminators) = {
            let mut session = self.session();
            let Ok((rate, frame_len)) = session.format() else {
                return Ok(());
            };
            let sounds = module_apps::sounds_dir(&session);
            let source = match AudioSource::open(name, rate, &sounds) {
                Ok(source) => source,
                Err(e) => {
                    tracing::warn!(target: "lua", "{}: streamFile: {e}", self.script);
                    session
                        .channel()
                        .set_variable("playback_status", "FILE_NOT_FOUND");
                    return Ok(());
                }
            };
            let terminators = session
                .channel()
                .variable("playback_terminators")
                .filter(|t| !t.eq_ignore_ascii_case("none"))
                .unwrap_or_default();
            (rate, frame_len, source, terminators)
        };
        let with_callback = self
            .input
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .is_some();
        let mut played = 0u64;
        let mut status = "SUCCESS";
        'play: loop {
            if self.guard.tripped() {
                return Err(self.guard.stopped_error());
            }
            if with_callback {
                loop {
                    let digit = self.session().take_digit();
                    let Some(digit) = digit else { break };
                    if self.on_digit(lua, digit)? {
                        status = "BREAK";
                        break 'play;
                    }
                }
            }
            let mut session = self.session();
            if !with_callback
                && !terminators.is_empty()
                && let Some(digit) = session.take_digit_matching(|d| terminators.contains(d))
            {
                session
                    .channel()
                    .set_variable("playback_terminator_used", digit.to_string());
                break;
            }
            if session.take_interrupt() {
                status = "BREAK";
                break;
            }
            let mut frame = PcmFrame::silence(frame_len, rate);
            let n = source.fill(frame.samples_mut());
            if n == 0 {
                break;
            }
            played += n as u64;
            if session.write_frame(frame).is_err() {
                return Ok(());
            }
            session.flush_reads();
        }
        let session = self.session();
        session.channel().set_variable(
            "playback_ms",
            (played * 1000 / u64::from(rate.max(1))).to_string(),
        );
        session.channel().set_variable("playback_status", status);
        Ok(())
    }

    /// Sleeps `ms`, giving digits to the input callback meanwhile.
    fn sleep(&self, lua: &Lua, ms: u64) -> mlua::Result<()> {
        let deadline = Instant::now() + Duration::from_millis(ms.min(86_400_000));
        let with_callback = self
            .input
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .is_some();
        while Instant::now() < deadline {
            if self.guard.tripped() {
                return Err(self.guard.stopped_error());
            }
            if !self.ready() {
                return Ok(());
            }
            if with_callback {
                loop {
                    let digit = self.session().take_digit();
                    let Some(digit) = digit else { break };
                    if self.on_digit(lua, digit)? {
                        return Ok(());
                    }
                }
            }
            let left = deadline.saturating_duration_since(Instant::now());
            std::thread::sleep(left.min(Duration::from_millis(20)));
            self.session().flush_reads();
        }
        Ok(())
    }
}

/// The message that carries a hangup hook's `"exit"` out of the script.
pub const EXIT_MARK: &str = "switchyard: the hangup hook asked the script to exit";

/// A function argument: a function, or the name of a global one.
fn callback(lua: &Lua, what: Value, arg: Value) -> mlua::Result<Callback> {
    let function = match what {
        Value::Function(f) => f,
        Value::String(name) => {
            let name = name.to_string_lossy();
            lua.globals().get::<Function>(name.as_str()).map_err(|_| {
                mlua::Error::RuntimeError(format!("no global function named '{name}'"))
            })?
        }
        other => {
            return Err(mlua::Error::RuntimeError(format!(
                "expected a function or its name, got a {}",
                other.type_name()
            )));
        }
    };
    Ok(Callback { function, arg })
}

/// Reads a number FreeSWITCH scripts may pass as a number or a string.
fn number(value: &Value, what: &str) -> mlua::Result<i64> {
    match value {
        Value::Integer(n) => Ok(*n),
        Value::Number(n) if n.is_finite() => Ok(*n as i64),
        Value::String(s) => s
            .to_string_lossy()
            .trim()
            .parse()
            .map_err(|_| mlua::Error::RuntimeError(format!("{what} must be a number"))),
        Value::Nil => Ok(0),
        other => Err(mlua::Error::RuntimeError(format!(
            "{what} must be a number, got a {}",
            other.type_name()
        ))),
    }
}

/// A script argument as the application's text (numbers as digits, nil as
/// empty).
fn lua_text(value: &Value) -> String {
    match value {
        Value::Nil => String::new(),
        Value::Integer(n) => n.to_string(),
        Value::Number(n) if n.fract() == 0.0 && n.is_finite() => (*n as i64).to_string(),
        Value::String(s) => s.to_string_lossy(),
        other => other.to_string().unwrap_or_default(),
    }
}

fn millis(value: &Value, what: &str) -> mlua::Result<Duration> {
    Ok(Duration::from_millis(
        number(value, what)?.clamp(0, 86_400_000) as u64,
    ))
}

/// The script's `session` is a reference to the [`LuaSession`] the runner
/// keeps, so the runner can still use it (hangup hook, auto-hangup) once
/// the script is done.
impl UserData for &LuaSession<'_> {
    fn add_methods<M: UserDataMethods<Self>>(methods: &mut M) {
        register(methods);
    }
}

/// A leg the script placed with `freeswitch.Session`: the same methods.
pub struct OwnedLeg(pub LuaSession<'static>);

impl std::ops::Deref for OwnedLeg {
    type Target = LuaSession<'static>;
    fn deref(&self) -> &LuaSession<'static> {
        &self.0
    }
}

impl UserData for OwnedLeg {
    fn add_methods<M: UserDataMethods<Self>>(methods: &mut M) {
        register(methods);
    }
}

/// The methods of a session object, for either kind.
fn register<'s, T, M>(methods: &mut M)
where
    T: std::ops::Deref<Target = LuaSession<'s>>,
    M: UserDataMethods<T>,
{
    {
        methods.add_method("answer", |lua, this, ()| {
            this.enter()?;
            let done = this.session().answer(AnswerStage::Answer);
            this.leave(lua)?;
            Ok(done)
        });
        methods.add_method("preAnswer", |lua, this, ()| {
            this.enter()?;
            let done = this.session().answer(AnswerStage::PreAnswer);
            this.leave(lua)?;
            Ok(done)
        });
        methods.add_method("ready", |lua, this, ()| {
            this.enter()?;
            let ready = this.ready();
            this.leave(lua)?;
            Ok(ready)
        });
        methods.add_method("answered", |_, this, ()| {
            Ok(this.session().channel().call_state() == crate::channel::CallState::Active)
        });
        methods.add_method("hangup", |lua, this, cause: Option<String>| {
            this.enter()?;
            let cause = cause
                .as_deref()
                .and_then(HangupCause::parse)
                .unwrap_or(HangupCause::NormalClearing);
            let mut session = this.session();
            if !session.channel().state().is_hungup() {
                session.hangup(cause);
            }
            drop(session);
            this.leave(lua)
        });
        methods.add_method("streamFile", |lua, this, file: String| {
            this.enter()?;
            this.stream(lua, &file)?;
            this.leave(lua)
        });
        methods.add_method("sleep", |lua, this, ms: Value| {
            this.enter()?;
            let ms = number(&ms, "sleep's milliseconds")?.max(0) as u64;
            this.sleep(lua, ms)?;
            this.leave(lua)
        });
        methods.add_method(
            "getDigits",
            |lua, this, (max, terminators, timeout, interdigit): (Value, Option<String>, Value, Value)| {
                this.enter()?;
                let max = number(&max, "getDigits' max")?.clamp(1, 128) as u32;
                let first = millis(&timeout, "getDigits' timeout")?;
                let inter = match millis(&interdigit, "getDigits' interdigit")? {
                    d if d.is_zero() => first,
                    d => d,
                };
                let terminators = terminators.unwrap_or_default();
                let request = DigitRequest {
                    min: 0,
                    max,
                    terminators: &terminators,
                    first_timeout: first,
                    digit_timeout: inter,
                };
                let digits = {
                    let mut session = this.session();
                    match module_apps::collect_digits(&mut **session, &request) {
                        Ok(Collected::Enough(d) | Collected::TooFew(d)) => d,
                        Err(Interrupted::Hangup | Interrupted::NoMedia) => String::new(),
                    }
                };
                this.leave(lua)?;
                Ok(digits)
            },
        );
        methods.add_method(
            "playAndGetDigits",
            |lua, this, args: mlua::Variadic<Value>| {
                this.enter()?;
                // mod_lua's order: min, max, tries, timeout, terminators,
                // file, invalid_file, regex, var_name, digit_timeout,
                // transfer_on_failure; the application's puts the variable
                // before the regex.
                let text: Vec<String> = args.iter().map(lua_text).collect();
                let at = |i: usize| text.get(i).map_or("", String::as_str);
                let app_order = [
                    at(0),
                    at(1),
                    at(2),
                    at(3),
                    at(4),
                    at(5),
                    at(6),
                    at(8),
                    at(7),
                    at(9),
                    at(10),
                ];
                let request = PlayAndGetDigits::from_args(&app_order)
                    .map_err(|e| mlua::Error::RuntimeError(format!("playAndGetDigits: {e}")))?;
                let digits = {
                    let mut session = this.session();
                    crate::session::digits::play_and_get_digits(&mut session, &request)
                        .unwrap_or_default()
                };
                this.leave(lua)?;
                Ok(digits)
            },
        );
        methods.add_method(
            "read",
            |lua,
             this,
             (min, max, file, timeout, terminators): (
                Value,
                Value,
                String,
                Value,
                Option<String>,
            )| {
                this.enter()?;
                let timeout = millis(&timeout, "read's timeout")?;
                let read = crate::session::digits::Read {
                    min: number(&min, "read's min")?.clamp(0, 128) as u32,
                    max: number(&max, "read's max")?.clamp(1, 128) as u32,
                    prompt: file,
                    var_name: None,
                    timeout,
                    terminators: terminators.unwrap_or_else(|| "#".into()),
                    digit_timeout: timeout,
                };
                let digits = {
                    let mut session = this.session();
                    crate::session::digits::read(&mut session, &read)
                        .map(|outcome| outcome.digits)
                        .unwrap_or_default()
                };
                this.leave(lua)?;
                Ok(digits)
            },
        );
        methods.add_method(
            "recordFile",
            |lua, this, (file, max, threshold, silence): (String, Value, Value, Value)| {
                this.enter()?;
                let data = format!(
                    "{file} {} {} {}",
                    number(&max, "recordFile's max seconds")?.max(0),
                    number(&threshold, "recordFile's silence threshold")?.max(0),
                    number(&silence, "recordFile's silence seconds")?.max(0)
                );
                this.session().run("record", &data);
                this.leave(lua)?;
                Ok(true)
            },
        );
        methods.add_method(
            "execute",
            |lua, this, (app, data): (String, Option<String>)| {
                this.enter()?;
                let data = data.unwrap_or_default();
                if app == "lua" {
                    return Err(mlua::Error::RuntimeError(
                        "execute('lua'): run the other script with require() instead".into(),
                    ));
                }
                let outcome = crate::session::execute::execute(&mut this.session(), &app, &data);
                if let crate::session::AppOutcome::Hangup(cause) = outcome {
                    this.session().hangup(cause);
                }
                this.leave(lua)
            },
        );
        methods.add_method(
            "setVariable",
            |_, this, (name, value): (String, Option<String>)| {
                let session = this.session();
                match value {
                    Some(value) if !value.is_empty() => session.channel().set_variable(name, value),
                    _ => {
                        session.channel().unset_variable(&name);
                    }
                }
                Ok(())
            },
        );
        methods.add_method("getVariable", |_, this, name: String| {
            let session = this.session();
            Ok(match name.as_str() {
                "uuid" => Some(session.uuid().to_owned()),
                _ => session.channel().variable(&name),
            })
        });
        methods.add_method("setHangupHook", |lua, this, (f, arg): (Value, Value)| {
            *this
                .hangup_hook
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(callback(lua, f, arg)?);
            this.hook_ran.store(false, Ordering::Relaxed);
            Ok(())
        });
        methods.add_method("setInputCallback", |lua, this, (f, arg): (Value, Value)| {
            *this
                .input
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(callback(lua, f, arg)?);
            Ok(())
        });
        methods.add_method("unsetInputCallback", |_, this, ()| {
            *this
                .input
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner) = None;
            Ok(())
        });
        methods.add_method("flushDigits", |_, this, ()| {
            this.session().flush_digits();
            Ok(())
        });
        methods.add_method(
            "transfer",
            |lua, this, (destination, _dialplan, context): (String, Option<String>, Option<String>)| {
                this.enter()?;
                let result = this
                    .session()
                    .transfer(destination.trim(), context.as_deref().filter(|c| !c.is_empty()));
                if let Err(why) = &result {
                    tracing::warn!(target: "lua", "{}: transfer to {destination}: {why}", this.script);
                }
                this.leave(lua)?;
                Ok(result.is_ok())
            },
        );
        methods.add_method("setAutoHangup", |_, this, on: bool| {
            this.auto_hangup.store(on, Ordering::Relaxed);
            Ok(())
        });
        methods.add_method("get_uuid", |_, this, ()| {
            Ok(this.session().uuid().to_owned())
        });
        methods.add_method("getState", |_, this, ()| {
            Ok(this.session().channel().state().name())
        });
        methods.add_method(
            "consoleLog",
            |_, this, (level, message): (String, String)| {
                crate::logging::console_log(&this.script, &level, &message);
                Ok(())
            },
        );
    }
}
