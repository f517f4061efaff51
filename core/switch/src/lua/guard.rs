//! The runaway guard. A script runs as a coroutine whose instruction hook
//! checks how long Lua code has run since it last handed control to the
//! switch (a session or API call). Past the limit the hook yields the
//! coroutine back to the runner, which drops it: a `pcall` cannot catch a
//! yield. Where Lua cannot yield (inside a Lua function a C function such
//! as `table.sort` called), the yield does not happen and the next hook
//! raises an error instead, as does every host call from then on.
//! Callbacks the switch makes into the script (input callback, hangup
//! hook) run as guarded coroutines of their own.
//!
//! After the call hangs up, the script (hangup hook included) has a grace
//! period; past it the guard trips the same way.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// How many VM instructions run between two looks at the clock.
const CHECK_EVERY: u32 = 10_000;

/// Once stopping by yield failed: how many instructions between two
/// errors raised (the others try to yield).
const RAISE_EVERY: u32 = 1_000;

/// The guard of one script run.
#[derive(Debug)]
pub struct Guard {
    limit: Duration,
    grace: Duration,
    busy_since: Mutex<Instant>,
    hung_up_at: Mutex<Option<Instant>>,
    tripped: AtomicBool,
    why: Mutex<Option<String>>,
    yield_tried: AtomicBool,
}

impl Guard {
    /// A guard allowing `limit` of uninterrupted Lua code and `grace` after
    /// hangup.
    pub fn new(limit: Duration, grace: Duration) -> Guard {
        Guard {
            limit,
            grace,
            busy_since: Mutex::new(Instant::now()),
            hung_up_at: Mutex::new(None),
            tripped: AtomicBool::new(false),
            why: Mutex::new(None),
            yield_tried: AtomicBool::new(false),
        }
    }

    /// The script handed control back (a host call returned): its busy
    /// clock starts again.
    pub fn touch(&self) {
        *lock(&self.busy_since) = Instant::now();
    }

    /// Notes that the call hung up (the grace period starts once).
    pub fn hung_up(&self) {
        lock(&self.hung_up_at).get_or_insert_with(Instant::now);
    }

    /// Whether the script has been stopped.
    pub fn tripped(&self) -> bool {
        self.tripped.load(Ordering::Relaxed)
    }

    /// Why the script was stopped.
    pub fn reason(&self) -> Option<String> {
        lock(&self.why).clone()
    }

    /// Stops the script for `why` (the first reason is kept).
    pub fn trip(&self, why: String) {
        if !self.tripped.swap(true, Ordering::Relaxed) {
            *lock(&self.why) = Some(why);
        }
    }

    /// Checks the limits now; true when the script must stop. `location`
    /// names where the script is (for the log) and is only called when
    /// the guard trips here.
    pub fn check(&self, location: impl FnOnce() -> String) -> bool {
        if self.tripped() {
            return true;
        }
        let now = Instant::now();
        let busy = now.saturating_duration_since(*lock(&self.busy_since));
        if busy > self.limit {
            self.trip(format!(
                "ran Lua code for {} ms without returning to the switch (limit {} ms) at {}",
                busy.as_millis(),
                self.limit.as_millis(),
                location()
            ));
            return true;
        }
        if let Some(at) = *lock(&self.hung_up_at)
            && now.saturating_duration_since(at) > self.grace
        {
            self.trip(format!(
                "still running {} ms after the call hung up (grace {} ms) at {}",
                now.saturating_duration_since(at).as_millis(),
                self.grace.as_millis(),
                location()
            ));
            return true;
        }
        false
    }

    /// The error host calls raise once the guard has tripped.
    pub fn stopped_error(&self) -> mlua::Error {
        mlua::Error::RuntimeError(format!(
            "script stopped: {}",
            self.reason().unwrap_or_else(|| "runaway".into())
        ))
    }

    /// Installs the hook on every coroutine `lua` creates from now on.
    ///
    /// # Errors
    /// mlua refuses the hook.
    pub fn install(self: &std::sync::Arc<Self>, lua: &mlua::Lua) -> mlua::Result<()> {
        let guard = std::sync::Arc::clone(self);
        lua.set_global_hook(
            mlua::HookTriggers::new().every_nth_instruction(CHECK_EVERY),
            move |lua, debug| {
                let stop = guard.check(|| {
                    let source = debug.source();
                    format!(
                        "{}:{}",
                        source.short_src.as_deref().unwrap_or("?"),
                        debug.current_line().unwrap_or(0)
                    )
                });
                if !stop {
                    return Ok(mlua::VmState::Continue);
                }
                // mlua yields only where Lua can; when the hook runs again
                // the yield did not happen (a Lua function a C function
                // such as table.sort called): from now on the hook runs at
                // every instruction, yielding where Lua can and raising
                // now and then to get out of the C function (a pcall there
                // may catch that, but not the yield that follows outside).
                if guard.yield_tried.swap(true, Ordering::Relaxed) {
                    let stopper = std::sync::Arc::clone(&guard);
                    let calls = std::sync::atomic::AtomicU32::new(0);
                    let every = mlua::HookTriggers::new().every_nth_instruction(1);
                    let _ = lua.set_global_hook(every, move |_, _| {
                        let n = calls.fetch_add(1, Ordering::Relaxed).wrapping_add(1);
                        if n.is_multiple_of(RAISE_EVERY) {
                            Err(stopper.stopped_error())
                        } else {
                            Ok(mlua::VmState::Yield)
                        }
                    });
                    return Err(guard.stopped_error());
                }
                Ok(mlua::VmState::Yield)
            },
        )
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// How a guarded run ended.
#[derive(Debug)]
pub enum RunEnd<T> {
    /// The script returned.
    Returned(T),
    /// The script raised an error (message as `file:line: what`).
    Failed(String),
    /// The guard stopped it (the reason).
    Stopped(String),
}

/// Runs `function` as a guarded coroutine to its end.
pub fn run<T: mlua::FromLuaMulti>(
    lua: &mlua::Lua,
    guard: &Guard,
    function: mlua::Function,
    args: impl mlua::IntoLuaMulti + Clone,
) -> RunEnd<T> {
    if guard.tripped() {
        return RunEnd::Stopped(guard.reason().unwrap_or_else(|| "runaway".into()));
    }
    let thread = match lua.create_thread(function) {
        Ok(thread) => thread,
        Err(e) => return RunEnd::Failed(super::script::describe(&e)),
    };
    guard.touch();
    let mut first = Some(args);
    loop {
        let result = match first.take() {
            Some(args) => thread.resume::<mlua::MultiValue>(args),
            None => thread.resume::<mlua::MultiValue>(()),
        };
        if guard.tripped() {
            return RunEnd::Stopped(guard.reason().unwrap_or_else(|| "runaway".into()));
        }
        match result {
            Err(e) => return RunEnd::Failed(super::script::describe(&e)),
            Ok(values) => {
                if thread.status() == mlua::thread::ThreadStatus::Resumable {
                    // The script yielded at its top level: go on.
                    continue;
                }
                return match T::from_lua_multi(values, lua) {
                    Ok(value) => RunEnd::Returned(value),
                    Err(e) => RunEnd::Failed(super::script::describe(&e)),
                };
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn lua_with(guard: &Arc<Guard>) -> mlua::Lua {
        let lua = mlua::Lua::new();
        guard.install(&lua).unwrap();
        lua
    }

    #[test]
    fn a_busy_loop_is_stopped_near_the_limit() {
        let guard = Arc::new(Guard::new(
            Duration::from_millis(200),
            Duration::from_secs(5),
        ));
        let lua = lua_with(&guard);
        let f = lua
            .load("while true do end")
            .set_name("@spin.lua")
            .into_function()
            .unwrap();
        let started = Instant::now();
        let end = run::<()>(&lua, &guard, f, ());
        assert!(started.elapsed() < Duration::from_secs(2));
        match end {
            RunEnd::Stopped(why) => assert!(why.contains("spin.lua:1"), "{why}"),
            other => panic!("{other:?}"),
        }
    }

    /// Runs `source` under a guard with a 100 ms limit; how it ended and
    /// how long it took.
    fn run_limited(source: &str) -> (RunEnd<()>, Duration) {
        let guard = Arc::new(Guard::new(
            Duration::from_millis(100),
            Duration::from_secs(5),
        ));
        let lua = lua_with(&guard);
        let f = lua.load(source).into_function().unwrap();
        let started = Instant::now();
        let end = run::<()>(&lua, &guard, f, ());
        (end, started.elapsed())
    }

    #[test]
    fn pcall_cannot_catch_the_stop() {
        for source in [
            "while true do pcall(function() while true do end end) end",
            // Inside table.sort's comparator Lua cannot yield: it errors.
            "local t = {3, 2, 1} table.sort(t, function(a, b) while true do end end)",
            // Even when a pcall catches that error, over and over.
            "local t = {3, 2, 1} while true do pcall(table.sort, t, function(a, b) while true do end end) end",
        ] {
            let (end, took) = run_limited(source);
            assert!(matches!(end, RunEnd::Stopped(_)), "{source}: {end:?}");
            assert!(took < Duration::from_secs(5), "{source}: {took:?}");
        }
    }

    #[test]
    fn scripts_that_finish_return_their_value_and_errors_name_the_line() {
        let guard = Arc::new(Guard::new(Duration::from_secs(1), Duration::from_secs(5)));
        let lua = lua_with(&guard);
        let f = lua.load("return 6 * 7").into_function().unwrap();
        assert!(matches!(
            run::<i64>(&lua, &guard, f, ()),
            RunEnd::Returned(42)
        ));
        let f = lua
            .load("local x = 1\nerror('boom')")
            .set_name("@ivr.lua")
            .into_function()
            .unwrap();
        match run::<()>(&lua, &guard, f, ()) {
            RunEnd::Failed(why) => assert_eq!(why, "ivr.lua:2: boom"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_grace_after_hangup_is_enforced() {
        let guard = Guard::new(Duration::from_secs(60), Duration::from_millis(1));
        guard.hung_up();
        std::thread::sleep(Duration::from_millis(5));
        assert!(guard.check(|| "here".into()));
        assert!(guard.reason().unwrap().contains("after the call hung up"));
    }
}
