//! The host function table handed to every module's `load`, and the
//! functions in it.
//!
//! Every function here is called from module code through `extern "C"`, so
//! each one contains its own panics (a panic crossing into C would abort the
//! process), checks its pointers and strings, and answers `SY_INVALID` to
//! anything malformed instead of trusting it. The 1.1 channel functions live
//! in [`super::channel`], the media tap functions in [`super::taps`].

use super::channel::{self, ChannelRef, SessionScope};
use super::context::{ModuleContext, set_last_error};
use super::taps;
use crate::api::{ApiHandler, is_error_reply};
use crate::apps::AppHandler;
use crate::event::Event;
use crate::event::bus::EventSelector;
use crate::logging::{LogLevel, module_log};
use crate::registry::{Entry, RegisterError};
use std::ffi::c_void;
use std::panic::{AssertUnwindSafe, catch_unwind};
use switchyard_abi::ffi::*;

/// The table given to modules. Its `size` lets a module built for a later
/// minor version see which functions this host has.
pub static HOST_API: SyHostApi = SyHostApi {
    size: std::mem::size_of::<SyHostApi>(),
    abi_major: SY_ABI_MAJOR,
    abi_minor: SY_ABI_MINOR,
    log: host_log,
    set_error: host_set_error,
    config_dir: host_config_dir,
    data_dir: host_data_dir,
    db_path: host_db_path,
    register_api: host_register_api,
    register_app: host_register_app,
    bind_event: host_bind_event,
    unbind_event: host_unbind_event,
    stream_write: host_stream_write,
    event_create: host_event_create,
    event_add_header: host_event_add_header,
    event_set_body: host_event_set_body,
    event_fire: host_event_fire,
    event_destroy: host_event_destroy,
    event_header: host_event_header,
    event_body: host_event_body,
    event_header_count: host_event_header_count,
    event_header_at: host_event_header_at,
    api_execute: host_api_execute,
    channel_answer: channel::host_channel_answer,
    channel_pre_answer: channel::host_channel_pre_answer,
    channel_ring_ready: channel::host_channel_ring_ready,
    channel_hangup: channel::host_channel_hangup,
    channel_ready: channel::host_channel_ready,
    channel_uuid: channel::host_channel_uuid,
    channel_get_variable: channel::host_channel_get_variable,
    channel_set_variable: channel::host_channel_set_variable,
    channel_unset_variable: channel::host_channel_unset_variable,
    channel_play: channel::host_channel_play,
    channel_collect_digits: channel::host_channel_collect_digits,
    channel_send_dtmf: channel::host_channel_send_dtmf,
    channel_bridge: channel::host_channel_bridge,
    channel_locate: channel::host_channel_locate,
    channel_release: channel::host_channel_release,
    channel_add_tap: taps::host_channel_add_tap,
    channel_remove_tap: taps::host_channel_remove_tap,
};

/// A module's opaque pointer, carried into closures that run on other
/// threads. The ABI makes the module responsible for its thread safety.
#[derive(Clone, Copy)]
pub(super) struct UserData(pub(super) *mut c_void);
// SAFETY: the pointer is only handed back to the module that registered it;
// the ABI documents that callbacks run on other threads.
unsafe impl Send for UserData {}
// SAFETY: as above.
unsafe impl Sync for UserData {}

impl UserData {
    /// The pointer (a method, so closures capture the whole Send wrapper).
    pub(super) fn get(self) -> *mut c_void {
        self.0
    }
}

/// The `sy_module*` a module gets for `ctx`.
pub fn module_handle(ctx: &'static ModuleContext) -> *mut SyModule {
    ctx as *const ModuleContext as *mut SyModule
}

/// Runs `f`, turning a panic into `fallback` (no panic may cross `extern "C"`).
pub(super) fn contain<T>(fallback: T, f: impl FnOnce() -> T) -> T {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or(fallback)
}

fn context(module: *mut SyModule) -> Option<&'static ModuleContext> {
    if module.is_null() {
        return None;
    }
    // SAFETY: a non-null sy_module* is one the host created with
    // module_handle from a leaked (never freed) ModuleContext.
    Some(unsafe { &*(module as *const ModuleContext) })
}

/// The context of a module handle whose module is still loaded.
pub(super) fn live_context(module: *mut SyModule) -> Option<&'static ModuleContext> {
    context(module).filter(|ctx| ctx.is_alive())
}

/// Reads a module-supplied string; `None` when it is not UTF-8.
pub(super) fn text<'a>(s: SyStr) -> Option<&'a str> {
    // SAFETY: the ABI requires `len` readable bytes at `ptr` for the
    // duration of the call; we do not keep the reference beyond it.
    unsafe { s.to_str() }.ok()
}

/// Records why an argument was refused and returns `SY_INVALID`.
pub(super) fn invalid(what: &str) -> SyStatus {
    set_last_error(format!("invalid argument: {what}"));
    SY_INVALID
}

fn status_name(status: SyStatus) -> &'static str {
    match status {
        SY_OK => "ok",
        SY_ERROR => "error",
        SY_NOT_FOUND => "not found",
        SY_IN_USE => "in use",
        SY_INVALID => "invalid argument",
        SY_EXISTS => "already exists",
        SY_PANICKED => "panicked",
        _ => "unknown status",
    }
}

unsafe extern "C" fn host_log(module: *mut SyModule, level: i32, message: SyStr) {
    contain((), || {
        let name = context(module).map_or("module", |ctx| ctx.name.as_str());
        // SAFETY: see `text`; invalid UTF-8 is shown lossily rather than lost.
        let bytes = unsafe { message.as_bytes() };
        let level = LogLevel::from_number(u8::try_from(level.clamp(0, 7)).unwrap_or(7));
        module_log(name, level, &String::from_utf8_lossy(bytes));
    })
}

unsafe extern "C" fn host_set_error(module: *mut SyModule, message: SyStr) {
    contain((), || {
        let _ = module;
        // SAFETY: see `text`.
        let bytes = unsafe { message.as_bytes() };
        set_last_error(String::from_utf8_lossy(bytes).into_owned());
    })
}

fn path_str(module: *mut SyModule, pick: fn(&'static ModuleContext) -> &'static str) -> SyStr {
    contain(SyStr::EMPTY, || {
        context(module).map_or(SyStr::EMPTY, |ctx| SyStr::from_str(pick(ctx)))
    })
}

unsafe extern "C" fn host_config_dir(module: *mut SyModule) -> SyStr {
    path_str(module, |ctx| &ctx.config_dir)
}

unsafe extern "C" fn host_data_dir(module: *mut SyModule) -> SyStr {
    path_str(module, |ctx| &ctx.data_dir)
}

unsafe extern "C" fn host_db_path(module: *mut SyModule) -> SyStr {
    path_str(module, |ctx| &ctx.db_path)
}

fn register_error(error: RegisterError) -> SyStatus {
    let status = match error {
        RegisterError::BadName(_) => SY_INVALID,
        RegisterError::Exists { .. } => SY_EXISTS,
    };
    set_last_error(error.to_string());
    status
}

/// The checked arguments every registration needs.
struct Registration {
    ctx: &'static ModuleContext,
    switch: std::sync::Arc<crate::switch::Switch>,
    name: &'static str,
    description: &'static str,
    syntax: &'static str,
}

/// Checks a registration's module handle and strings.
fn registration(
    module: *mut SyModule,
    name: SyStr,
    description: SyStr,
    syntax: SyStr,
    what: &str,
) -> Result<Registration, SyStatus> {
    let ctx = live_context(module).ok_or_else(|| invalid("module handle is null or unloaded"))?;
    let (Some(name), Some(description), Some(syntax)) =
        (text(name), text(description), text(syntax))
    else {
        return Err(invalid(&format!("{what} strings must be UTF-8")));
    };
    let switch = ctx.switch.upgrade().ok_or(SY_ERROR)?;
    Ok(Registration {
        ctx,
        switch,
        name,
        description,
        syntax,
    })
}

unsafe extern "C" fn host_register_api(
    module: *mut SyModule,
    name: SyStr,
    description: SyStr,
    syntax: SyStr,
    func: Option<SyApiFn>,
    user_data: *mut c_void,
) -> SyStatus {
    contain(SY_ERROR, || {
        let Some(func) = func else {
            return invalid("register_api without a function");
        };
        let Registration {
            ctx,
            switch,
            name,
            description,
            syntax,
        } = match registration(module, name, description, syntax, "register_api") {
            Ok(checked) => checked,
            Err(status) => return status,
        };
        let command = name.to_owned();
        let user_data = UserData(user_data);
        let handler: ApiHandler =
            Box::new(move |_switch, args| call_api(ctx, &command, func, user_data, args));
        match switch
            .api
            .register(Entry::new(name, description, syntax, &ctx.name, handler))
        {
            Ok(()) => SY_OK,
            Err(e) => register_error(e),
        }
    })
}

/// Runs a module's API command and turns its status into a reply.
fn call_api(
    ctx: &'static ModuleContext,
    command: &str,
    func: SyApiFn,
    user_data: UserData,
    args: &str,
) -> String {
    let mut out = String::new();
    let _ = super::context::take_last_error();
    let stream = (&mut out as *mut String).cast::<SyStream>();
    // SAFETY: calling the module's registered function with the arguments
    // the ABI promises: its own user_data, a string valid for the call and
    // a stream valid for the call.
    let status = unsafe { func(user_data.get(), SyStr::from_str(args), stream) };
    let error = super::context::take_last_error();
    if status == SY_OK || is_error_reply(&out) {
        return out;
    }
    let why = error.unwrap_or_else(|| status_name(status).to_owned());
    if status == SY_PANICKED {
        format!("-ERR {command} failed: {} panicked: {why}\n", ctx.name)
    } else {
        format!("-ERR {command} failed: {why}\n")
    }
}

pub(super) unsafe extern "C" fn host_register_app(
    module: *mut SyModule,
    name: SyStr,
    description: SyStr,
    syntax: SyStr,
    func: Option<SyAppFn>,
    user_data: *mut c_void,
) -> SyStatus {
    contain(SY_ERROR, || {
        let Some(func) = func else {
            return invalid("register_app without a function");
        };
        let Registration {
            ctx,
            switch,
            name,
            description,
            syntax,
        } = match registration(module, name, description, syntax, "register_app") {
            Ok(checked) => checked,
            Err(status) => return status,
        };
        let user_data = UserData(user_data);
        let handler: AppHandler = Box::new(move |session, args| {
            let _ = super::context::take_last_error();
            let handle = ChannelRef::for_app(session);
            // The blocking channel functions find the session here.
            let scope = SessionScope::enter(session);
            // SAFETY: the module's own function and user_data, and a channel
            // handle valid for the call, as the ABI promises.
            let status = unsafe { func(user_data.get(), handle.as_raw(), SyStr::from_str(args)) };
            drop(scope);
            let error = super::context::take_last_error();
            if status == SY_OK {
                Ok(())
            } else {
                Err(error.unwrap_or_else(|| status_name(status).to_owned()))
            }
        });
        match switch
            .apps
            .register(Entry::new(name, description, syntax, &ctx.name, handler))
        {
            Ok(()) => SY_OK,
            Err(e) => register_error(e),
        }
    })
}

unsafe extern "C" fn host_bind_event(
    module: *mut SyModule,
    event_name: SyStr,
    subclass: SyStr,
    func: Option<SyEventFn>,
    user_data: *mut c_void,
    binding_id: *mut u64,
) -> SyStatus {
    contain(SY_ERROR, || {
        let Some(ctx) = live_context(module) else {
            return invalid("module handle is null or unloaded");
        };
        let Some(func) = func else {
            return invalid("bind_event without a function");
        };
        let (Some(name), Some(subclass)) = (text(event_name), text(subclass)) else {
            return invalid("bind_event strings must be UTF-8");
        };
        let selector = match EventSelector::for_binding(name, Some(subclass)) {
            Ok(selector) => selector,
            Err(e) => return invalid(&e),
        };
        let Some(switch) = ctx.switch.upgrade() else {
            return SY_ERROR;
        };
        let user_data = UserData(user_data);
        let id = switch.bus.bind(
            &ctx.name,
            selector,
            Box::new(move |fired| {
                let event = (fired.event() as *const Event).cast::<SyEvent>();
                // SAFETY: the module's own handler and user_data; the event
                // lives until the handler returns.
                unsafe { func(user_data.get(), event) }
            }),
        );
        if !binding_id.is_null() {
            // SAFETY: the caller passed a writable u64 or NULL.
            unsafe { *binding_id = id };
        }
        SY_OK
    })
}

unsafe extern "C" fn host_unbind_event(module: *mut SyModule, binding_id: u64) -> SyStatus {
    contain(SY_ERROR, || {
        let Some(ctx) = context(module) else {
            return invalid("module handle is null");
        };
        let Some(switch) = ctx.switch.upgrade() else {
            return SY_ERROR;
        };
        if switch.bus.unbind(&ctx.name, binding_id) {
            SY_OK
        } else {
            SY_NOT_FOUND
        }
    })
}

unsafe extern "C" fn host_stream_write(stream: *mut SyStream, text_in: SyStr) -> SyStatus {
    contain(SY_ERROR, || {
        if stream.is_null() {
            return SY_INVALID;
        }
        // SAFETY: see `text`.
        let bytes = unsafe { text_in.as_bytes() };
        // SAFETY: streams are created by call_api as a &mut String that
        // lives for the duration of the module's API callback.
        let out = unsafe { &mut *stream.cast::<String>() };
        out.push_str(&String::from_utf8_lossy(bytes));
        SY_OK
    })
}

unsafe extern "C" fn host_event_create(
    module: *mut SyModule,
    event_name: SyStr,
    subclass: SyStr,
) -> *mut SyEvent {
    contain(std::ptr::null_mut(), || {
        if context(module).is_none() {
            return std::ptr::null_mut();
        }
        let (Some(name), Some(subclass)) = (text(event_name), text(subclass)) else {
            set_last_error("event_create strings must be UTF-8".into());
            return std::ptr::null_mut();
        };
        match Event::new(name, Some(subclass)) {
            Ok(event) => Box::into_raw(Box::new(event)).cast(),
            Err(e) => {
                set_last_error(e.to_string());
                std::ptr::null_mut()
            }
        }
    })
}

/// The module-owned event behind `event`.
///
/// # Safety
/// `event` must come from `host_event_create` and not be fired or destroyed.
unsafe fn owned<'a>(event: *mut SyEvent) -> Option<&'a mut Event> {
    // SAFETY: guaranteed by the caller; null is checked.
    unsafe { event.cast::<Event>().as_mut() }
}

/// A read-only view of any event handle (owned or handed to a handler).
///
/// # Safety
/// `event` must be a live event handle.
unsafe fn view<'a>(event: *const SyEvent) -> Option<&'a Event> {
    // SAFETY: guaranteed by the caller; null is checked.
    unsafe { event.cast::<Event>().as_ref() }
}

unsafe extern "C" fn host_event_add_header(
    event: *mut SyEvent,
    name: SyStr,
    value: SyStr,
) -> SyStatus {
    contain(SY_ERROR, || {
        // SAFETY: the module passes an event it owns.
        let Some(event) = (unsafe { owned(event) }) else {
            return SY_INVALID;
        };
        match (text(name), text(value)) {
            (Some(name), Some(value)) if !name.is_empty() => {
                event.add_header(name, value);
                SY_OK
            }
            _ => invalid("header name must be non-empty UTF-8, value UTF-8"),
        }
    })
}

unsafe extern "C" fn host_event_set_body(event: *mut SyEvent, body: SyStr) -> SyStatus {
    contain(SY_ERROR, || {
        // SAFETY: the module passes an event it owns.
        let Some(event) = (unsafe { owned(event) }) else {
            return SY_INVALID;
        };
        match text(body) {
            Some(body) => {
                event.set_body(body);
                SY_OK
            }
            None => invalid("event body must be UTF-8"),
        }
    })
}

unsafe extern "C" fn host_event_fire(module: *mut SyModule, event: *mut SyEvent) -> SyStatus {
    contain(SY_ERROR, || {
        if event.is_null() {
            return SY_INVALID;
        }
        // SAFETY: the module hands over an event from event_create; we take
        // ownership whatever happens next, as the ABI says.
        let event = unsafe { Box::from_raw(event.cast::<Event>()) };
        let Some(ctx) = context(module) else {
            return invalid("module handle is null");
        };
        let Some(switch) = ctx.switch.upgrade() else {
            return SY_ERROR;
        };
        switch.bus.fire_from(*event, &ctx.name, "", 0);
        SY_OK
    })
}

unsafe extern "C" fn host_event_destroy(event: *mut SyEvent) {
    contain((), || {
        if !event.is_null() {
            // SAFETY: an unfired event from event_create, owned by the caller.
            drop(unsafe { Box::from_raw(event.cast::<Event>()) });
        }
    })
}

unsafe extern "C" fn host_event_header(event: *const SyEvent, name: SyStr) -> SyStr {
    contain(SyStr::EMPTY, || {
        // SAFETY: a live event handle.
        let (Some(event), Some(name)) = (unsafe { view(event) }, text(name)) else {
            return SyStr::EMPTY;
        };
        event.header(name).map_or(SyStr::EMPTY, SyStr::from_str)
    })
}

unsafe extern "C" fn host_event_body(event: *const SyEvent) -> SyStr {
    contain(SyStr::EMPTY, || {
        // SAFETY: a live event handle.
        unsafe { view(event) }
            .and_then(Event::body)
            .map_or(SyStr::EMPTY, SyStr::from_str)
    })
}

unsafe extern "C" fn host_event_header_count(event: *const SyEvent) -> usize {
    contain(0, || {
        // SAFETY: a live event handle.
        unsafe { view(event) }.map_or(0, |e| e.headers().len())
    })
}

unsafe extern "C" fn host_event_header_at(
    event: *const SyEvent,
    index: usize,
    name: *mut SyStr,
    value: *mut SyStr,
) -> SyStatus {
    contain(SY_ERROR, || {
        // SAFETY: a live event handle.
        let Some(event) = (unsafe { view(event) }) else {
            return SY_INVALID;
        };
        let Some((n, v)) = event.headers().get(index) else {
            return SY_NOT_FOUND;
        };
        // SAFETY: the caller passes writable sy_str slots or NULL.
        unsafe {
            if let Some(slot) = name.as_mut() {
                *slot = SyStr::from_str(n);
            }
            if let Some(slot) = value.as_mut() {
                *slot = SyStr::from_str(v);
            }
        }
        SY_OK
    })
}

unsafe extern "C" fn host_api_execute(
    module: *mut SyModule,
    command: SyStr,
    on_reply: Option<SyStrFn>,
    user_data: *mut c_void,
) -> SyStatus {
    contain(SY_ERROR, || {
        let Some(ctx) = context(module) else {
            return invalid("module handle is null");
        };
        let Some(command) = text(command) else {
            return invalid("api_execute command must be UTF-8");
        };
        let Some(switch) = ctx.switch.upgrade() else {
            return SY_ERROR;
        };
        let reply = switch.api_execute(command);
        if let Some(on_reply) = on_reply {
            // SAFETY: the module's callback with its own user_data; the
            // reply lives until the callback returns.
            unsafe { on_reply(user_data, SyStr::from_str(&reply)) };
        }
        if is_error_reply(&reply) {
            SY_ERROR
        } else {
            SY_OK
        }
    })
}
