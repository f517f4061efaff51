//! The ABI 1.1 media tap functions: a module's `sy_tap_fn` becomes a
//! [`Tap`] on the channel's media leg.
//!
//! Each tap is recorded in its module's context until its close callback
//! has returned, which makes the module "in use" (unload is refused) while
//! any tap is open. The host's close wrapper calls the module's
//! `on_close`, forgets the tap and then drops the sending side of a
//! rendezvous channel; `channel_remove_tap` waits for that disconnection,
//! so when it returns `SY_OK` the module's `on_close` has run.
//!
//! Taps attach to the channel's media leg, which exists once the call has
//! media (after answer or pre-answer, or once the switch anchored a
//! bridge). On a call without a media leg yet, `channel_add_tap` fails
//! with `SY_ERROR` and says so.

use super::channel::channel_ref;
use super::context::{LiveTap, set_last_error};
use super::host_api::{UserData, contain, invalid, live_context};
use crate::media::tap::{Tap, TapDirection};
use std::cell::Cell;
use std::ffi::c_void;
use std::time::Duration;
use switchyard_abi::ffi::*;

/// How long `channel_remove_tap` waits for the media path to close a tap.
const REMOVE_WAIT: Duration = Duration::from_secs(2);

/// Every flag bit `channel_add_tap` knows.
const KNOWN_FLAGS: u32 = SY_TAP_READ | SY_TAP_WRITE | SY_TAP_REPLACE;

thread_local! {
    /// Set while a module's tap callback runs on this thread.
    static IN_TAP: Cell<bool> = const { Cell::new(false) };
}

/// Marks this thread as running a tap callback until dropped.
struct InTap(bool);

impl InTap {
    fn enter() -> InTap {
        InTap(IN_TAP.with(|flag| flag.replace(true)))
    }
}

impl Drop for InTap {
    fn drop(&mut self) {
        IN_TAP.with(|flag| flag.set(self.0));
    }
}

fn error(message: impl Into<String>) -> SyStatus {
    set_last_error(message.into());
    SY_ERROR
}

/// Checks `flags`: which directions, and whether the tap replaces audio.
fn parse_flags(flags: u32) -> Result<(bool, bool, bool), String> {
    if flags & !KNOWN_FLAGS != 0 {
        return Err(format!("unknown tap flag bits {:#x}", flags & !KNOWN_FLAGS));
    }
    let read = flags & SY_TAP_READ != 0;
    let write = flags & SY_TAP_WRITE != 0;
    if !read && !write {
        return Err("a tap needs SY_TAP_READ, SY_TAP_WRITE or both".into());
    }
    Ok((read, write, flags & SY_TAP_REPLACE != 0))
}

/// `channel_add_tap`.
pub unsafe extern "C" fn host_channel_add_tap(
    module: *mut SyModule,
    channel: *mut SyChannel,
    flags: u32,
    on_frame: Option<SyTapFn>,
    on_close: Option<SyTapCloseFn>,
    user_data: *mut c_void,
    tap_id: *mut u64,
) -> SyStatus {
    contain(SY_ERROR, || {
        let Some(ctx) = live_context(module) else {
            return invalid("module handle is null or unloaded");
        };
        // SAFETY: the ABI requires a live handle (or NULL, checked).
        let Some(handle) = (unsafe { channel_ref(channel) }) else {
            return invalid("channel handle is null");
        };
        let Some(on_frame) = on_frame else {
            return invalid("channel_add_tap without a frame callback");
        };
        let (read, write, replace) = match parse_flags(flags) {
            Ok(parsed) => parsed,
            Err(why) => return invalid(&why),
        };
        if handle.hung_up() {
            return error("channel_add_tap: the call has hung up");
        }
        let Some(switch) = handle.switch() else {
            return error("channel_add_tap: the switch is shutting down");
        };
        let Some(leg) = switch.media().leg(handle.uuid()) else {
            return error(
                "channel_add_tap: the call has no media yet; add taps once it has \
                 (after channel_answer or channel_pre_answer)",
            );
        };
        let id = switch.media().next_tap_id();
        let (signal, closed) = crossbeam_channel::bounded::<()>(0);
        let live = LiveTap {
            uuid: handle.uuid().to_owned(),
            closed,
        };
        if !ctx.open_tap(id, live) {
            return error("channel_add_tap: the module is being unloaded");
        }
        let user_data = UserData(user_data);
        let frame_fn = move |direction: TapDirection, samples: &mut [i16], rate: u32| {
            let mut frame = SyFrame {
                samples: if samples.is_empty() {
                    std::ptr::null_mut()
                } else {
                    samples.as_mut_ptr()
                },
                samples_len: samples.len(),
                sample_rate: rate,
                channels: 1,
            };
            let direction = match direction {
                TapDirection::Read => SY_TAP_READ,
                TapDirection::Write => SY_TAP_WRITE,
            };
            let _in_tap = InTap::enter();
            // SAFETY: the module's tap function and user_data; the frame
            // and its samples live until the call returns, and the media
            // task never runs two calls of one tap at once.
            unsafe { on_frame(user_data.get(), direction, &mut frame) };
        };
        let close_fn = move || {
            if let Some(on_close) = on_close {
                let _in_tap = InTap::enter();
                // SAFETY: the module's close function and user_data, called
                // once, after the last frame call returned.
                unsafe { on_close(user_data.get()) };
            }
            ctx.tap_closed(id);
            // Disconnecting tells channel_remove_tap that the tap is closed.
            drop(signal);
        };
        if !tap_id.is_null() {
            // SAFETY: the caller passed a writable u64 or NULL. Written
            // before the tap goes to the leg, whose task may close it at
            // once if the call is just ending.
            unsafe { *tap_id = id };
        }
        leg.add_tap(Tap {
            id,
            read,
            write,
            replace,
            on_frame: Box::new(frame_fn),
            on_close: Some(Box::new(close_fn)),
        });
        SY_OK
    })
}

/// `channel_remove_tap`.
pub unsafe extern "C" fn host_channel_remove_tap(
    module: *mut SyModule,
    channel: *mut SyChannel,
    tap_id: u64,
) -> SyStatus {
    contain(SY_ERROR, || {
        let Some(ctx) = live_context(module) else {
            return invalid("module handle is null or unloaded");
        };
        // SAFETY: the ABI requires a live handle (or NULL, checked).
        let Some(handle) = (unsafe { channel_ref(channel) }) else {
            return invalid("channel handle is null");
        };
        if IN_TAP.with(Cell::get) {
            set_last_error("channel_remove_tap cannot be called from a tap's own callbacks".into());
            return SY_IN_USE;
        }
        let Some(tap) = ctx.live_tap(tap_id).filter(|tap| tap.uuid == handle.uuid()) else {
            return SY_NOT_FOUND;
        };
        // Without a leg (the call ended, or the switch is going) the tap
        // is closed by its ending media task.
        if let Some(leg) = handle
            .switch()
            .and_then(|switch| switch.media().leg(handle.uuid()))
        {
            leg.remove_tap(tap_id);
        }
        match tap.closed.recv_timeout(REMOVE_WAIT) {
            Err(crossbeam_channel::RecvTimeoutError::Timeout) => error(format!(
                "channel_remove_tap: the media path did not close tap {tap_id} within {} s",
                REMOVE_WAIT.as_secs()
            )),
            // Disconnected: the close callback has returned.
            _ => SY_OK,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_need_a_direction_and_no_unknown_bits() {
        assert_eq!(parse_flags(SY_TAP_READ), Ok((true, false, false)));
        assert_eq!(
            parse_flags(SY_TAP_READ | SY_TAP_WRITE | SY_TAP_REPLACE),
            Ok((true, true, true))
        );
        assert!(parse_flags(0).is_err());
        assert!(parse_flags(SY_TAP_REPLACE).is_err());
        assert!(parse_flags(SY_TAP_WRITE | 8).is_err());
    }
}

#[cfg(test)]
mod lifecycle_tests {
    use super::super::context::ModuleContext;
    use super::super::host_api::{HOST_API, module_handle};
    use super::*;
    use crate::channel::cause::HangupCause;
    use crate::channel::test_support::live_inbound;
    use crate::switch::test_switch;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// Counts a tap's close calls (user_data of the test taps).
    #[derive(Default)]
    struct Closes(AtomicUsize);

    unsafe extern "C" fn on_frame(_user_data: *mut c_void, _direction: u32, _frame: *mut SyFrame) {}

    unsafe extern "C" fn on_close(user_data: *mut c_void) {
        // SAFETY: the tests pass a &'static Closes.
        let closes = unsafe { &*user_data.cast::<Closes>() };
        closes.0.fetch_add(1, Ordering::SeqCst);
    }

    fn add(
        module: *mut SyModule,
        channel: *mut SyChannel,
        flags: u32,
        closes: &'static Closes,
        id: &mut u64,
    ) -> SyStatus {
        // SAFETY: valid handles, callbacks and a static user_data.
        unsafe {
            (HOST_API.channel_add_tap)(
                module,
                channel,
                flags,
                Some(on_frame),
                Some(on_close),
                (closes as *const Closes).cast_mut().cast(),
                id,
            )
        }
    }

    fn wait_for(what: &str, done: impl Fn() -> bool) {
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while !done() {
            assert!(std::time::Instant::now() < deadline, "timed out: {what}");
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    #[test]
    fn taps_close_on_removal_and_at_the_end_of_media_and_hold_their_module() {
        let (switch, _dirs) = test_switch();
        switch.media().start_threads(1).expect("media thread");
        let ctx = ModuleContext::leak(
            "mod_tap",
            Arc::downgrade(&switch),
            &switch.paths.conf_dir,
            switch.paths.data_dir.join("modules").join("mod_tap"),
        )
        .expect("context");
        let module = module_handle(ctx);
        let channel = live_inbound(&switch);
        let uuid = channel.id().as_str().to_owned();
        let mut raw: *mut SyChannel = std::ptr::null_mut();
        // SAFETY: valid arguments.
        let located =
            unsafe { (HOST_API.channel_locate)(module, SyStr::from_str(&uuid), &raw mut raw) };
        assert_eq!(located, SY_OK);
        let closes: &'static Closes = Box::leak(Box::default());
        let mut id = 0;

        // No media leg yet: refused, and nothing is ever called.
        assert_eq!(add(module, raw, SY_TAP_READ, closes, &mut id), SY_ERROR);
        switch
            .media()
            .open(&channel, &switch.bus)
            .expect("media leg");
        assert_eq!(add(module, raw, 0, closes, &mut id), SY_INVALID);
        assert_eq!(
            add(module, raw, SY_TAP_READ | 64, closes, &mut id),
            SY_INVALID
        );
        assert_eq!(ctx.live_taps(), 0);

        // Added, then removed: closed before remove returns.
        assert_eq!(
            add(module, raw, SY_TAP_READ | SY_TAP_WRITE, closes, &mut id),
            SY_OK
        );
        assert_ne!(id, 0);
        assert_eq!(ctx.live_taps(), 1);
        assert_eq!(
            ctx.stop_taps(),
            Err(1),
            "a module with a live tap is in use"
        );
        // SAFETY: valid arguments.
        unsafe {
            assert_eq!(
                (HOST_API.channel_remove_tap)(module, raw, id + 1000),
                SY_NOT_FOUND
            );
            assert_eq!((HOST_API.channel_remove_tap)(module, raw, id), SY_OK);
        }
        assert_eq!(closes.0.load(Ordering::SeqCst), 1);
        assert_eq!(ctx.live_taps(), 0);
        // SAFETY: valid arguments.
        let again = unsafe { (HOST_API.channel_remove_tap)(module, raw, id) };
        assert_eq!(again, SY_NOT_FOUND);

        // A tap still open when the media ends is closed then.
        assert_eq!(
            add(module, raw, SY_TAP_WRITE | SY_TAP_REPLACE, closes, &mut id),
            SY_OK
        );
        switch.media().close(&uuid);
        wait_for("the tap closes with its leg", || ctx.live_taps() == 0);
        assert_eq!(closes.0.load(Ordering::SeqCst), 2);
        // SAFETY: valid arguments.
        let gone = unsafe { (HOST_API.channel_remove_tap)(module, raw, id) };
        assert_eq!(gone, SY_NOT_FOUND);
        assert_eq!(ctx.stop_taps(), Ok(()));
        ctx.resume_taps();

        // After the hangup: refused.
        channel.hangup(&switch.bus, HangupCause::NormalClearing, None);
        assert_eq!(add(module, raw, SY_TAP_READ, closes, &mut id), SY_ERROR);
        assert_eq!(closes.0.load(Ordering::SeqCst), 2);
        // SAFETY: released once.
        unsafe { (HOST_API.channel_release)(raw) };
    }
}
