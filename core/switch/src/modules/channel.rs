//! Channel handles (`sy_channel*`) and the ABI 1.1 channel functions.
//!
//! A handle is a [`ChannelRef`]: the channel (an `Arc`, so a handle stays
//! valid after the call ends, as the header promises), a weak reference to
//! the switch, and for located handles the module that located them. The
//! handle an application receives lives on the session thread's stack for
//! the callback; `channel_locate` boxes one that `channel_release` frees.
//!
//! The blocking functions (`channel_play`, `channel_collect_digits`,
//! `channel_bridge`) need the channel's [`Session`], which only its session
//! thread may touch. While a module application runs, the session thread
//! publishes its session in a thread-local slot ([`SessionScope`]); those
//! functions take it from there when the handle's channel is that
//! session's channel, and answer `SY_IN_USE` on any other thread (or when
//! the slot is taken, i.e. from inside another blocking function). The
//! other functions only use the channel, the SIP thread (through call
//! control) and the media engine, so they work from any thread.

use super::context::{ModuleContext, set_last_error};
use super::host_api::{contain, invalid, live_context, text};
use crate::channel::CallState;
use crate::channel::cause::HangupCause;
use crate::channel::registry::ChannelHandle;
use crate::logging::{LogLevel, module_log};
use crate::session::module_apps::{self, Collected, DigitRequest, PlayError};
use crate::session::{AnswerStage, Interrupted, Session};
use crate::sip::CallCommand;
use crate::switch::Switch;
use std::cell::Cell;
use std::ffi::{c_char, c_void};
use std::marker::PhantomData;
use std::sync::{Arc, Weak};
use std::time::Duration;
use switchyard_abi::ffi::*;

/// How long a request to the SIP thread (answer, hangup) may take.
const CALL_CONTROL_WAIT: Duration = Duration::from_secs(10);

/// How long each DTMF digit of `channel_send_dtmf` lasts (as `send_dtmf`).
const DTMF_DURATION_MS: u32 = 100;

/// The digits `channel_send_dtmf` accepts.
const DTMF_DIGITS: &str = "0123456789*#ABCD";

/// What a `sy_channel*` points to.
pub struct ChannelRef {
    switch: Weak<Switch>,
    channel: Arc<ChannelHandle>,
    /// The module that located the handle; `None` for the handle an
    /// application callback receives (which the module must never release).
    located_by: Option<&'static ModuleContext>,
}

impl ChannelRef {
    /// The handle for an application running on `session`.
    pub fn for_app(session: &Session) -> ChannelRef {
        ChannelRef {
            switch: Arc::downgrade(session.switch()),
            channel: Arc::clone(session.channel()),
            located_by: None,
        }
    }

    /// The raw `sy_channel*` for this handle.
    pub fn as_raw(&self) -> *mut SyChannel {
        (self as *const ChannelRef).cast_mut().cast()
    }

    /// The channel's UUID.
    pub fn uuid(&self) -> &str {
        self.channel.id().as_str()
    }

    /// The switch, unless it has shut down.
    pub fn switch(&self) -> Option<Arc<Switch>> {
        self.switch.upgrade()
    }

    /// Whether the call is over.
    pub fn hung_up(&self) -> bool {
        self.channel.state().is_hungup()
    }
}

/// The handle behind a `sy_channel*`.
///
/// # Safety
/// `raw` must be null or a live handle: one an application callback
/// received (during the callback) or one from `channel_locate` not yet
/// released.
pub unsafe fn channel_ref<'a>(raw: *mut SyChannel) -> Option<&'a ChannelRef> {
    // SAFETY: guaranteed by the caller; null is checked.
    unsafe { raw.cast::<ChannelRef>().as_ref() }
}

thread_local! {
    /// The session of the application running on this thread, if any.
    static SESSION: Cell<*mut Session> = const { Cell::new(std::ptr::null_mut()) };
}

/// Publishes a session to the blocking channel functions for as long as it
/// lives (while a module application runs on the session thread).
pub struct SessionScope<'a> {
    previous: *mut Session,
    /// Holds the session's exclusive borrow; not `Send` (thread-local).
    _session: PhantomData<&'a mut Session>,
}

impl<'a> SessionScope<'a> {
    /// Publishes `session` on this thread until the scope drops.
    pub fn enter(session: &'a mut Session) -> SessionScope<'a> {
        let previous = SESSION.with(|slot| slot.replace(session as *mut Session));
        SessionScope {
            previous,
            _session: PhantomData,
        }
    }
}

impl Drop for SessionScope<'_> {
    fn drop(&mut self) {
        SESSION.with(|slot| slot.set(self.previous));
    }
}

/// Puts a taken session pointer back, also when the user of it panics.
struct Restore(*mut Session);

impl Drop for Restore {
    fn drop(&mut self) {
        SESSION.with(|slot| slot.set(self.0));
    }
}

/// Runs `f` on the session of `channel` when this thread is that channel's
/// session thread running a module application; `None` otherwise. The
/// session is taken out of its slot meanwhile, so a nested call (from a
/// callback `f` makes) finds none.
fn with_session<R>(channel: &ChannelHandle, f: impl FnOnce(&mut Session) -> R) -> Option<R> {
    let ptr = SESSION.with(|slot| slot.replace(std::ptr::null_mut()));
    if ptr.is_null() {
        return None;
    }
    let _restore = Restore(ptr);
    // SAFETY: the pointer was published by a SessionScope that is still
    // alive on this thread (it clears the slot when it drops), holding the
    // session's exclusive borrow; the slot is empty while this reference
    // lives, so no second reference is made from it.
    let session = unsafe { &mut *ptr };
    if session.channel().id() != channel.id() {
        return None;
    }
    Some(f(session))
}

fn error(message: impl Into<String>) -> SyStatus {
    set_last_error(message.into());
    SY_ERROR
}

fn in_use(function: &str) -> SyStatus {
    set_last_error(format!(
        "{function} works only on the channel's session thread, inside an application \
         running on that channel (and not from inside another blocking channel function)"
    ));
    SY_IN_USE
}

/// Runs `f` on the handle `channel`, containing panics.
fn with_handle(channel: *mut SyChannel, f: impl FnOnce(&ChannelRef) -> SyStatus) -> SyStatus {
    contain(SY_ERROR, || {
        // SAFETY: the ABI requires a live handle (or NULL, checked).
        match unsafe { channel_ref(channel) } {
            Some(handle) => f(handle),
            None => invalid("channel handle is null"),
        }
    })
}

/// Hands `value` to a module's string callback.
fn hand_over(on_value: SyStrFn, user_data: *mut c_void, value: &str) {
    // SAFETY: the module's callback with its own user_data; the string
    // lives until the callback returns.
    unsafe { on_value(user_data, SyStr::from_str(value)) }
}

/// Whether the call already reached `stage` (or beyond).
fn reached(state: CallState, stage: AnswerStage) -> bool {
    match stage {
        AnswerStage::RingReady => {
            matches!(
                state,
                CallState::Ringing | CallState::Early | CallState::Active
            )
        }
        AnswerStage::PreAnswer => matches!(state, CallState::Early | CallState::Active),
        AnswerStage::Answer => state == CallState::Active,
    }
}

fn answer_stage(channel: *mut SyChannel, stage: AnswerStage, function: &str) -> SyStatus {
    with_handle(channel, |handle| {
        if handle.hung_up() {
            return error(format!("{function}: the call has hung up"));
        }
        if reached(handle.channel.call_state(), stage) {
            return SY_OK;
        }
        let Some(switch) = handle.switch() else {
            return error(format!("{function}: the switch is shutting down"));
        };
        let (reply, done) = crossbeam_channel::bounded(1);
        if !switch.call_control(CallCommand::Answer {
            uuid: handle.uuid().to_owned(),
            stage,
            reply,
        }) {
            return error(format!("{function}: the SIP stack is not running"));
        }
        match done.recv_timeout(CALL_CONTROL_WAIT) {
            Ok(true) => SY_OK,
            Ok(false) if handle.hung_up() => error(format!("{function}: the call has hung up")),
            Ok(false) => error(format!(
                "{function}: the call cannot do that (a leg the switch placed, or bypass_media)"
            )),
            Err(_) => error(format!("{function}: the SIP thread did not answer in time")),
        }
    })
}

/// `channel_answer`.
pub unsafe extern "C" fn host_channel_answer(channel: *mut SyChannel) -> SyStatus {
    answer_stage(channel, AnswerStage::Answer, "channel_answer")
}

/// `channel_pre_answer`.
pub unsafe extern "C" fn host_channel_pre_answer(channel: *mut SyChannel) -> SyStatus {
    answer_stage(channel, AnswerStage::PreAnswer, "channel_pre_answer")
}

/// `channel_ring_ready`.
pub unsafe extern "C" fn host_channel_ring_ready(channel: *mut SyChannel) -> SyStatus {
    answer_stage(channel, AnswerStage::RingReady, "channel_ring_ready")
}

/// `channel_hangup`.
pub unsafe extern "C" fn host_channel_hangup(channel: *mut SyChannel, cause: SyStr) -> SyStatus {
    with_handle(channel, |handle| {
        let Some(name) = text(cause) else {
            return invalid("hangup cause must be UTF-8");
        };
        let cause = if name.trim().is_empty() {
            HangupCause::NormalClearing
        } else {
            match HangupCause::parse(name) {
                Some(cause) => cause,
                None => return invalid(&format!("unknown hangup cause '{}'", name.trim())),
            }
        };
        if handle.hung_up() {
            return SY_OK;
        }
        let Some(switch) = handle.switch() else {
            return error("channel_hangup: the switch is shutting down");
        };
        let (reply, done) = crossbeam_channel::bounded(1);
        if !switch.call_control(CallCommand::Kill {
            uuid: handle.uuid().to_owned(),
            cause,
            reply,
        }) {
            return error("channel_hangup: the SIP stack is not running");
        }
        match done.recv_timeout(CALL_CONTROL_WAIT) {
            Ok(true) => SY_OK,
            // The call ended meanwhile: nothing left to hang up.
            Ok(false) if handle.hung_up() => SY_OK,
            Ok(false) => error("channel_hangup: the SIP stack has no call for this channel"),
            Err(_) => error("channel_hangup: the SIP thread did not answer in time"),
        }
    })
}

/// `channel_ready`.
pub unsafe extern "C" fn host_channel_ready(channel: *mut SyChannel) -> i32 {
    contain(0, || {
        // SAFETY: the ABI requires a live handle (or NULL, checked).
        match unsafe { channel_ref(channel) } {
            Some(handle) if !handle.hung_up() => 1,
            _ => 0,
        }
    })
}

/// `channel_uuid`.
pub unsafe extern "C" fn host_channel_uuid(
    channel: *mut SyChannel,
    on_value: Option<SyStrFn>,
    user_data: *mut c_void,
) -> SyStatus {
    with_handle(channel, |handle| {
        let Some(on_value) = on_value else {
            return invalid("channel_uuid without a callback");
        };
        hand_over(on_value, user_data, handle.uuid());
        SY_OK
    })
}

/// `channel_get_variable`.
pub unsafe extern "C" fn host_channel_get_variable(
    channel: *mut SyChannel,
    name: SyStr,
    on_value: Option<SyStrFn>,
    user_data: *mut c_void,
) -> SyStatus {
    with_handle(channel, |handle| {
        let Some(on_value) = on_value else {
            return invalid("channel_get_variable without a callback");
        };
        let Some(name) = text(name) else {
            return invalid("variable name must be UTF-8");
        };
        match handle.channel.variable(name) {
            Some(value) => {
                hand_over(on_value, user_data, &value);
                SY_OK
            }
            None => SY_NOT_FOUND,
        }
    })
}

/// `channel_set_variable`.
pub unsafe extern "C" fn host_channel_set_variable(
    channel: *mut SyChannel,
    name: SyStr,
    value: SyStr,
) -> SyStatus {
    with_handle(channel, |handle| match (text(name), text(value)) {
        (Some(name), Some(value)) if !name.is_empty() => {
            handle.channel.set_variable(name, value);
            SY_OK
        }
        _ => invalid("variable name must be non-empty UTF-8, value UTF-8"),
    })
}

/// `channel_unset_variable`.
pub unsafe extern "C" fn host_channel_unset_variable(
    channel: *mut SyChannel,
    name: SyStr,
) -> SyStatus {
    with_handle(channel, |handle| match text(name) {
        Some(name) if !name.is_empty() => {
            handle.channel.unset_variable(name);
            SY_OK
        }
        _ => invalid("variable name must be non-empty UTF-8"),
    })
}

/// `channel_play`.
pub unsafe extern "C" fn host_channel_play(
    channel: *mut SyChannel,
    source: SyStr,
    terminators: SyStr,
    terminator_out: *mut c_char,
) -> SyStatus {
    // SAFETY: the caller passes a writable char or NULL; written first, so
    // it is written whatever happens next.
    if let Some(slot) = unsafe { terminator_out.as_mut() } {
        *slot = 0;
    }
    with_handle(channel, |handle| {
        let (Some(source), Some(terminators)) = (text(source), text(terminators)) else {
            return invalid("channel_play strings must be UTF-8");
        };
        let source = source.trim();
        if source.is_empty() {
            return invalid("channel_play needs a source");
        }
        let Some(played) = with_session(&handle.channel, |session| {
            module_apps::play(session, source, terminators)
        }) else {
            return in_use("channel_play");
        };
        match played {
            Ok(digit) => {
                if let (Some(digit), Some(slot)) = (
                    digit,
                    // SAFETY: as above.
                    unsafe { terminator_out.as_mut() },
                ) {
                    // DTMF digits are ASCII.
                    *slot = digit as u8 as c_char;
                }
                SY_OK
            }
            Err(e @ PlayError::NotFound(_)) => {
                set_last_error(format!("channel_play: {e}"));
                SY_NOT_FOUND
            }
            Err(e @ PlayError::Invalid(_)) => {
                set_last_error(format!("channel_play: {e}"));
                SY_INVALID
            }
            Err(e @ PlayError::Interrupted(_)) => error(format!("channel_play: {e}")),
        }
    })
}

/// `channel_collect_digits`.
#[allow(clippy::too_many_arguments)] // the ABI's signature
pub unsafe extern "C" fn host_channel_collect_digits(
    channel: *mut SyChannel,
    min_digits: u32,
    max_digits: u32,
    terminators: SyStr,
    first_timeout_ms: u32,
    digit_timeout_ms: u32,
    on_digits: Option<SyStrFn>,
    user_data: *mut c_void,
) -> SyStatus {
    with_handle(channel, |handle| {
        let Some(on_digits) = on_digits else {
            return invalid("channel_collect_digits without a callback");
        };
        let Some(terminators) = text(terminators) else {
            return invalid("channel_collect_digits terminators must be UTF-8");
        };
        let request = DigitRequest {
            min: min_digits,
            max: max_digits,
            terminators,
            first_timeout: Duration::from_millis(u64::from(first_timeout_ms)),
            digit_timeout: Duration::from_millis(u64::from(digit_timeout_ms)),
        };
        if let Err(why) = request.validate() {
            return invalid(&why);
        }
        let Some(collected) = with_session(&handle.channel, |session| {
            if session.ready() {
                module_apps::collect_digits(session, &request)
            } else {
                Err(Interrupted::Hangup)
            }
        }) else {
            return in_use("channel_collect_digits");
        };
        // The session is back in its slot: the callback may use it.
        match collected {
            Ok(Collected::Enough(digits)) => {
                hand_over(on_digits, user_data, &digits);
                SY_OK
            }
            Ok(Collected::TooFew(_)) => SY_NOT_FOUND,
            Err(_) => error("channel_collect_digits: the call hung up"),
        }
    })
}

/// `channel_send_dtmf`.
pub unsafe extern "C" fn host_channel_send_dtmf(
    channel: *mut SyChannel,
    digits: SyStr,
) -> SyStatus {
    with_handle(channel, |handle| {
        let Some(digits) = text(digits) else {
            return invalid("DTMF digits must be UTF-8");
        };
        if digits.is_empty() || !digits.chars().all(|c| DTMF_DIGITS.contains(c)) {
            return invalid("DTMF digits are 0-9, *, # and A-D, at least one");
        }
        if handle.hung_up() {
            return error("channel_send_dtmf: the call has hung up");
        }
        let Some(switch) = handle.switch() else {
            return error("channel_send_dtmf: the switch is shutting down");
        };
        let Some(leg) = switch.media().leg(handle.uuid()) else {
            return error(
                "channel_send_dtmf: the call has no media (not answered, or bypass_media)",
            );
        };
        leg.send_dtmf(digits, DTMF_DURATION_MS);
        SY_OK
    })
}

/// `channel_bridge`.
pub unsafe extern "C" fn host_channel_bridge(
    channel: *mut SyChannel,
    dial_string: SyStr,
) -> SyStatus {
    with_handle(channel, |handle| {
        let Some(dial_string) = text(dial_string) else {
            return invalid("dial string must be UTF-8");
        };
        if let Err(e) = crate::sip::dialstring::parse(dial_string) {
            return invalid(&format!("dial string: {e}"));
        }
        let Some(bridged) = with_session(&handle.channel, |session| {
            if session.ready() {
                Some(session.bridge(dial_string))
            } else {
                None
            }
        }) else {
            return in_use("channel_bridge");
        };
        match bridged {
            None => error("channel_bridge: the call has hung up"),
            Some(Ok(())) => SY_OK,
            Some(Err(cause)) => {
                handle
                    .channel
                    .set_variable("last_bridge_hangup_cause", cause.name());
                error(format!(
                    "channel_bridge to {dial_string} failed: {}",
                    cause.name()
                ))
            }
        }
    })
}

/// `channel_locate`.
pub unsafe extern "C" fn host_channel_locate(
    module: *mut SyModule,
    uuid: SyStr,
    out: *mut *mut SyChannel,
) -> SyStatus {
    contain(SY_ERROR, || {
        let Some(ctx) = live_context(module) else {
            return invalid("module handle is null or unloaded");
        };
        if out.is_null() {
            return invalid("channel_locate without a place for the handle");
        }
        let Some(uuid) = text(uuid) else {
            return invalid("channel UUID must be UTF-8");
        };
        let Some(switch) = ctx.switch.upgrade() else {
            return error("channel_locate: the switch is shutting down");
        };
        let Some(channel) = switch.channels.get(uuid.trim()) else {
            return SY_NOT_FOUND;
        };
        let handle = Box::new(ChannelRef {
            switch: Arc::downgrade(&switch),
            channel,
            located_by: Some(ctx),
        });
        ctx.channel_located();
        // SAFETY: checked non-null; the caller passes a writable pointer slot.
        unsafe { *out = Box::into_raw(handle).cast() };
        SY_OK
    })
}

/// `channel_release`.
pub unsafe extern "C" fn host_channel_release(channel: *mut SyChannel) {
    contain((), || {
        // SAFETY: the ABI requires a live handle (or NULL, checked).
        let Some(handle) = (unsafe { channel_ref(channel) }) else {
            return;
        };
        let Some(ctx) = handle.located_by else {
            module_log(
                "module",
                LogLevel::Error,
                &format!(
                    "channel_release of {}: the handle an application received is not the \
                     module's to release; ignored",
                    handle.uuid()
                ),
            );
            return;
        };
        ctx.channel_released();
        // SAFETY: a located handle, boxed by host_channel_locate and
        // released once, here, as the ABI requires.
        drop(unsafe { Box::from_raw(channel.cast::<ChannelRef>()) });
    })
}

#[cfg(test)]
mod tests {
    use super::super::context::ModuleContext;
    use super::super::host_api::{HOST_API, host_register_app, module_handle};
    use super::*;
    use crate::channel::test_support::live_inbound;
    use crate::switch::test_switch;
    use std::sync::Mutex;

    fn s(text: &str) -> SyStr {
        SyStr::from_str(text)
    }

    fn module(switch: &Arc<Switch>, name: &str) -> (&'static ModuleContext, *mut SyModule) {
        let ctx = ModuleContext::leak(
            name,
            Arc::downgrade(switch),
            &switch.paths.conf_dir,
            switch.paths.data_dir.join("modules").join(name),
        )
        .expect("context");
        (ctx, module_handle(ctx))
    }

    fn new_channel(switch: &Switch) -> Arc<ChannelHandle> {
        live_inbound(switch)
    }

    unsafe extern "C" fn collect(user_data: *mut c_void, text: SyStr) {
        // SAFETY: the tests pass a &mut String as user_data.
        let out = unsafe { &mut *user_data.cast::<String>() };
        // SAFETY: the host's string lives for the call.
        out.push_str(unsafe { text.to_str() }.expect("utf-8"));
    }

    fn variable(channel: *mut SyChannel, name: &str) -> (SyStatus, String) {
        let mut value = String::new();
        // SAFETY: a live handle; `value` outlives the call.
        let status = unsafe {
            (HOST_API.channel_get_variable)(
                channel,
                s(name),
                Some(collect),
                (&raw mut value).cast(),
            )
        };
        (status, value)
    }

    #[test]
    fn located_handles_work_from_any_thread_and_outlive_the_call() {
        let (switch, _dirs) = test_switch();
        let (ctx, module) = module(&switch, "mod_loc");
        let channel = new_channel(&switch);
        let uuid = channel.id().as_str().to_owned();
        let mut raw: *mut SyChannel = std::ptr::null_mut();
        // SAFETY: the host functions with valid arguments throughout.
        unsafe {
            assert_eq!(
                (HOST_API.channel_locate)(module, s("no-such-uuid"), &raw mut raw),
                SY_NOT_FOUND
            );
            assert!(raw.is_null());
            assert_eq!(
                (HOST_API.channel_locate)(module, s(&uuid), &raw mut raw),
                SY_OK
            );
            assert_eq!(ctx.located_channels(), 1);
            assert_eq!((HOST_API.channel_ready)(raw), 1);
            assert_eq!((HOST_API.channel_ready)(std::ptr::null_mut()), 0);
            let mut got = String::new();
            assert_eq!(
                (HOST_API.channel_uuid)(raw, Some(collect), (&raw mut got).cast()),
                SY_OK
            );
            assert_eq!(got, uuid);
            assert_eq!(
                (HOST_API.channel_set_variable)(raw, s("greeting"), s("")),
                SY_OK
            );
            assert_eq!(variable(raw, "greeting"), (SY_OK, String::new()));
            assert_eq!(
                (HOST_API.channel_set_variable)(raw, s(""), s("x")),
                SY_INVALID
            );
            assert_eq!((HOST_API.channel_unset_variable)(raw, s("greeting")), SY_OK);
            assert_eq!((HOST_API.channel_unset_variable)(raw, s("greeting")), SY_OK);
            assert_eq!(variable(raw, "greeting").0, SY_NOT_FOUND);
            assert_eq!(
                (HOST_API.channel_hangup)(raw, s("NO_SUCH_CAUSE")),
                SY_INVALID
            );
            assert_eq!((HOST_API.channel_send_dtmf)(raw, s("12x")), SY_INVALID);
            assert_eq!((HOST_API.channel_send_dtmf)(raw, s("")), SY_INVALID);
            assert_eq!(
                (HOST_API.channel_send_dtmf)(raw, s("12#")),
                SY_ERROR,
                "no media leg"
            );
            assert_eq!(
                (HOST_API.channel_answer)(raw),
                SY_ERROR,
                "no SIP stack in this test"
            );
        }
        // Another thread: the non-blocking functions work, the blocking ones refuse.
        let shared = raw as usize;
        std::thread::spawn(move || {
            let raw = shared as *mut SyChannel;
            let mut digits = String::new();
            // SAFETY: the handle stays live until released below.
            unsafe {
                assert_eq!(
                    (HOST_API.channel_set_variable)(raw, s("from"), s("thread")),
                    SY_OK
                );
                assert_eq!(
                    (HOST_API.channel_play)(
                        raw,
                        s("silence_stream://20"),
                        s(""),
                        std::ptr::null_mut()
                    ),
                    SY_IN_USE
                );
                assert_eq!(
                    (HOST_API.channel_collect_digits)(
                        raw,
                        0,
                        1,
                        s(""),
                        0,
                        0,
                        Some(collect),
                        (&raw mut digits).cast()
                    ),
                    SY_IN_USE
                );
                assert_eq!((HOST_API.channel_bridge)(raw, s("user/1002")), SY_IN_USE);
                assert_eq!((HOST_API.channel_bridge)(raw, s("{a=b")), SY_INVALID);
            }
        })
        .join()
        .expect("thread");
        assert_eq!(channel.variable("from").as_deref(), Some("thread"));
        // The call ends; the handle stays valid.
        channel.hangup(&switch.bus, HangupCause::NormalClearing, None);
        switch.channels.remove(&switch.sessions, &uuid);
        // SAFETY: as above; released once, at the end.
        unsafe {
            assert_eq!((HOST_API.channel_ready)(raw), 0);
            assert_eq!(variable(raw, "from"), (SY_OK, "thread".into()));
            assert_eq!((HOST_API.channel_hangup)(raw, s("")), SY_OK, "already over");
            assert_eq!((HOST_API.channel_answer)(raw), SY_ERROR);
            assert_eq!((HOST_API.channel_send_dtmf)(raw, s("1")), SY_ERROR);
            (HOST_API.channel_release)(raw);
        }
        assert_eq!(ctx.located_channels(), 0);
        ctx.retire();
        let mut again: *mut SyChannel = std::ptr::null_mut();
        // SAFETY: a retired module handle is refused, not used.
        let status = unsafe { (HOST_API.channel_locate)(module, s(&uuid), &raw mut again) };
        assert_eq!(status, SY_INVALID);
    }

    /// What the test application saw, in order.
    #[derive(Default)]
    struct Seen {
        steps: Mutex<Vec<(&'static str, SyStatus)>>,
        nested_play: Mutex<Option<SyStatus>>,
    }

    impl Seen {
        fn push(&self, step: &'static str, status: SyStatus) {
            self.steps.lock().unwrap().push((step, status));
        }
    }

    /// While collecting, the session is back in its slot: a play from the
    /// callback works (here: reports the missing file).
    unsafe extern "C" fn digits_then_play(user_data: *mut c_void, _digits: SyStr) {
        // SAFETY: the test passes (&Seen, handle) as user_data.
        let (seen, channel) = unsafe { *user_data.cast::<(&Seen, *mut SyChannel)>() };
        // SAFETY: the application's handle, valid during the application.
        let status = unsafe {
            (HOST_API.channel_play)(channel, s("missing.wav"), s(""), std::ptr::null_mut())
        };
        *seen.nested_play.lock().unwrap() = Some(status);
    }

    unsafe extern "C" fn test_app(
        user_data: *mut c_void,
        channel: *mut SyChannel,
        args: SyStr,
    ) -> SyStatus {
        // SAFETY: the test registered a &'static Seen.
        let seen = unsafe { &*user_data.cast::<Seen>() };
        // SAFETY: the args live for the call.
        assert_eq!(unsafe { args.to_str() }, Ok("go"));
        let mut terminator: c_char = 42;
        // SAFETY: the application's own handle, during the application.
        unsafe {
            seen.push(
                "play missing",
                (HOST_API.channel_play)(channel, s("missing.wav"), s("#"), &raw mut terminator),
            );
            assert_eq!(terminator, 0, "always written");
            seen.push(
                "play bad script",
                (HOST_API.channel_play)(
                    channel,
                    s("tone_stream://%(x)"),
                    s(""),
                    std::ptr::null_mut(),
                ),
            );
            seen.push(
                "play without media",
                (HOST_API.channel_play)(
                    channel,
                    s("silence_stream://20"),
                    s(""),
                    std::ptr::null_mut(),
                ),
            );
            seen.push(
                "collect max 0",
                (HOST_API.channel_collect_digits)(
                    channel,
                    0,
                    0,
                    s(""),
                    0,
                    0,
                    Some(digits_then_play),
                    std::ptr::null_mut(),
                ),
            );
            seen.push(
                "collect too few",
                (HOST_API.channel_collect_digits)(
                    channel,
                    1,
                    2,
                    s("#"),
                    20,
                    20,
                    Some(digits_then_play),
                    std::ptr::null_mut(),
                ),
            );
            let mut context = (seen, channel);
            seen.push(
                "collect none wanted",
                (HOST_API.channel_collect_digits)(
                    channel,
                    0,
                    2,
                    s("#"),
                    20,
                    20,
                    Some(digits_then_play),
                    (&raw mut context).cast(),
                ),
            );
            seen.push(
                "bridge bad",
                (HOST_API.channel_bridge)(channel, s("nowhere")),
            );
            seen.push(
                "bridge",
                (HOST_API.channel_bridge)(channel, s("user/1002@acme.test")),
            );
        }
        // The same handle on another thread: blocking functions refuse.
        let shared = channel as usize;
        let other = std::thread::spawn(move || {
            let channel = shared as *mut SyChannel;
            // SAFETY: the handle is valid until the application returns,
            // which waits for this thread.
            unsafe {
                (
                    (HOST_API.channel_play)(
                        channel,
                        s("silence_stream://20"),
                        s(""),
                        std::ptr::null_mut(),
                    ),
                    (HOST_API.channel_ready)(channel),
                )
            }
        })
        .join()
        .expect("thread");
        seen.push("play on another thread", other.0);
        seen.push("ready on another thread", other.1);
        // SAFETY: an application handle must not be released: ignored.
        unsafe { (HOST_API.channel_release)(channel) };
        // SAFETY: still valid: the release was ignored.
        seen.push("ready after release", unsafe {
            (HOST_API.channel_ready)(channel)
        });
        SY_OK
    }

    #[test]
    fn module_applications_get_the_session_functions_on_their_thread_only() {
        let (switch, _dirs) = test_switch();
        let (_ctx, module) = module(&switch, "mod_app");
        let seen: &'static Seen = Box::leak(Box::default());
        // SAFETY: a live module handle, a function and static user_data.
        let status = unsafe {
            host_register_app(
                module,
                s("t_session"),
                s("test"),
                s("t_session"),
                Some(test_app),
                (seen as *const Seen).cast_mut().cast(),
            )
        };
        assert_eq!(status, SY_OK);
        let channel = new_channel(&switch);
        let mut session =
            crate::session::module_apps::test_session(Arc::clone(&switch), Arc::clone(&channel));
        assert_eq!(
            session.run("t_session", "go"),
            crate::session::AppOutcome::Continue
        );
        let steps = seen.steps.lock().unwrap().clone();
        assert_eq!(
            steps,
            [
                ("play missing", SY_NOT_FOUND),
                ("play bad script", SY_INVALID),
                ("play without media", SY_ERROR),
                ("collect max 0", SY_INVALID),
                ("collect too few", SY_NOT_FOUND),
                ("collect none wanted", SY_OK),
                ("bridge bad", SY_INVALID),
                ("bridge", SY_ERROR),
                ("play on another thread", SY_IN_USE),
                ("ready on another thread", 1),
                ("ready after release", 1),
            ]
        );
        assert_eq!(*seen.nested_play.lock().unwrap(), Some(SY_NOT_FOUND));
        assert_eq!(
            channel.variable("last_bridge_hangup_cause").as_deref(),
            Some("NORMAL_TEMPORARY_FAILURE")
        );
        // Outside the application, even on the session's own thread, the
        // session is not published any more.
        let handle = ChannelRef::for_app(&session);
        // SAFETY: a handle valid for these calls.
        let status = unsafe {
            (HOST_API.channel_play)(
                handle.as_raw(),
                s("silence_stream://20"),
                s(""),
                std::ptr::null_mut(),
            )
        };
        assert_eq!(status, SY_IN_USE);
    }
}
