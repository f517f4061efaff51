//! Media taps (since ABI 1.1): [`Channel::add_tap`] and the [`Frame`]s a tap
//! closure receives.

use core::fmt;
use std::ffi::c_void;
use std::ops::BitOr;

use super::error::check;
use super::host::Level;
use super::panic::{catch, reset_forwarded, was_forwarded};
use super::{Channel, Error, Host};
use crate::ffi::{SY_OK, SY_TAP_READ, SY_TAP_REPLACE, SY_TAP_WRITE, SyFrame};

/// What a tap receives and may do: directions and [`REPLACE`](TapFlags::REPLACE),
/// combined with `|`.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct TapFlags(u32);

impl TapFlags {
    /// Audio read from the channel: what its far end (the caller) says (`SY_TAP_READ`).
    pub const READ: TapFlags = TapFlags(SY_TAP_READ);
    /// Audio written to the channel: what its far end hears (`SY_TAP_WRITE`).
    pub const WRITE: TapFlags = TapFlags(SY_TAP_WRITE);
    /// Both directions.
    pub const BOTH: TapFlags = TapFlags(SY_TAP_READ | SY_TAP_WRITE);
    /// The tap may rewrite the samples in place and the media path carries on
    /// with them (`SY_TAP_REPLACE`); without it a frame is a copy and changes
    /// to it have no effect.
    pub const REPLACE: TapFlags = TapFlags(SY_TAP_REPLACE);

    /// Flags from raw `SY_TAP_*` bits (the host refuses unknown bits).
    pub const fn from_bits(bits: u32) -> TapFlags {
        TapFlags(bits)
    }

    /// The raw `SY_TAP_*` bits.
    pub const fn bits(self) -> u32 {
        self.0
    }

    /// True when every bit of `other` is set in `self`.
    pub const fn contains(self, other: TapFlags) -> bool {
        self.0 & other.0 == other.0
    }
}

impl BitOr for TapFlags {
    type Output = TapFlags;

    fn bitor(self, other: TapFlags) -> TapFlags {
        TapFlags(self.0 | other.0)
    }
}

impl fmt::Debug for TapFlags {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TapFlags({:#x})", self.0)
    }
}

/// Which way the frame a tap receives travels.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TapDirection {
    /// Coming from the channel's far end (`SY_TAP_READ`).
    Read,
    /// Going to the channel's far end (`SY_TAP_WRITE`).
    Write,
}

impl TapDirection {
    /// The direction for a raw `SY_TAP_READ` / `SY_TAP_WRITE`; `None` for anything else.
    pub fn from_raw(direction: u32) -> Option<TapDirection> {
        match direction {
            SY_TAP_READ => Some(TapDirection::Read),
            SY_TAP_WRITE => Some(TapDirection::Write),
            _ => None,
        }
    }

    /// The raw `SY_TAP_*` value.
    pub fn as_raw(self) -> u32 {
        match self {
            TapDirection::Read => SY_TAP_READ,
            TapDirection::Write => SY_TAP_WRITE,
        }
    }
}

/// One frame of 16-bit linear PCM handed to a tap: in practice mono at the
/// channel codec's rate (160 samples of 8 kHz audio per 20 ms for G.711).
///
/// Writing to [`samples_mut`](Frame::samples_mut) changes the audio only for
/// a tap added with [`TapFlags::REPLACE`]; otherwise the frame is a copy.
pub struct Frame<'f> {
    samples: &'f mut [i16],
    sample_rate: u32,
    channels: u32,
}

impl<'f> Frame<'f> {
    /// A frame over `samples` (interleaved when `channels > 1`), e.g. to test
    /// a tap closure without a host.
    pub fn new(samples: &'f mut [i16], sample_rate: u32, channels: u32) -> Frame<'f> {
        Frame {
            samples,
            sample_rate,
            channels,
        }
    }

    /// The samples (interleaved when [`channels`](Frame::channels) > 1).
    pub fn samples(&self) -> &[i16] {
        self.samples
    }

    /// The samples, writable in place (see [`Frame`] for when it matters).
    pub fn samples_mut(&mut self) -> &mut [i16] {
        self.samples
    }

    /// Samples per second per channel.
    pub fn sample_rate(&self) -> u32 {
        self.sample_rate
    }

    /// The number of interleaved channels (1 in practice).
    pub fn channels(&self) -> u32 {
        self.channels
    }
}

impl fmt::Debug for Frame<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Frame")
            .field("samples", &self.samples.len())
            .field("sample_rate", &self.sample_rate)
            .field("channels", &self.channels)
            .finish()
    }
}

/// Identifies a tap added by [`Channel::add_tap`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TapId(pub(crate) u64);

impl TapId {
    /// The host's numeric id.
    pub fn as_u64(self) -> u64 {
        self.0
    }
}

/// What the SDK passes as a tap's `user_data`: boxed by `add_tap`, freed by
/// `tap_close`.
struct TapSlot<F> {
    host: Host,
    func: F,
    /// The closure panicked: it gets no further frames.
    failed: bool,
}

/// The `sy_tap_fn` for closures of type `F`.
///
/// # Safety
///
/// `user_data` must be the live `TapSlot<F>` boxed by `add_tap`, and no other
/// call for the same tap may run at the same time (the host serialises them);
/// `frame` must be null or valid for the call.
unsafe extern "C" fn tap_frame<F>(user_data: *mut c_void, direction: u32, frame: *mut SyFrame)
where
    F: FnMut(TapDirection, &mut Frame<'_>) + Send + 'static,
{
    // SAFETY: per this function's contract the slot is alive and this call
    // is the only one using it, so the exclusive borrow is sound.
    let slot = unsafe { &mut *user_data.cast::<TapSlot<F>>() };
    let Some(direction) = TapDirection::from_raw(direction) else {
        return;
    };
    if slot.failed || frame.is_null() {
        return;
    }
    // SAFETY: the host's frame is valid, and ours alone, until we return.
    let raw = unsafe { &mut *frame };
    let samples: &mut [i16] = if raw.samples.is_null() || raw.samples_len == 0 {
        &mut []
    } else {
        // SAFETY: the header makes `samples` point to `samples_len` writable
        // `int16_t`s that live until the callback returns.
        unsafe { std::slice::from_raw_parts_mut(raw.samples, raw.samples_len) }
    };
    let mut view = Frame::new(samples, raw.sample_rate, raw.channels);
    reset_forwarded();
    let func = &mut slot.func;
    if let Err(message) = catch(move || func(direction, &mut view)) {
        slot.failed = true;
        // The panic hook normally logged it already, with its location.
        if !was_forwarded() {
            slot.host
                .log(Level::Error, &format!("media tap panicked: {message}"));
        }
        slot.host.log(
            Level::Error,
            "media tap disabled after a panic: it ignores further frames",
        );
    }
}

/// The `sy_tap_close_fn` for closures of type `F`: frees the slot.
///
/// # Safety
///
/// `user_data` must be the `TapSlot<F>` boxed by `add_tap`, with no call of
/// `tap_frame` running or to come; it is freed here, once.
unsafe extern "C" fn tap_close<F>(user_data: *mut c_void)
where
    F: FnMut(TapDirection, &mut Frame<'_>) + Send + 'static,
{
    // A panic in the closure's `Drop` is contained (and logged by the hook).
    let _ = catch(|| {
        // SAFETY: per this function's contract: the box is ours to free.
        drop(unsafe { Box::from_raw(user_data.cast::<TapSlot<F>>()) });
    });
}

impl Channel {
    /// Adds a media tap: `on_frame` receives every frame of the directions in
    /// `flags` (with [`TapFlags::REPLACE`] it may rewrite them in place).
    ///
    /// `on_frame` runs on the media path: it must not block and should not
    /// allocate per frame (hand the audio to a thread of the module through a
    /// preallocated ring buffer). Calls never overlap, so it may be `FnMut`.
    /// A panic is contained and logged, and the tap then ignores further
    /// frames.
    ///
    /// The tap lives until [`remove_tap`](Channel::remove_tap) or until the
    /// channel ends, whichever comes first; then the host closes it and the
    /// SDK drops `on_frame` (a recorder finalises its file in `Drop`). A
    /// module with live taps cannot be unloaded. When the host refuses the
    /// tap (`SY_INVALID` for flags without a direction, `SY_ERROR` after the
    /// hangup), `on_frame` is dropped before this returns.
    ///
    /// ```no_run
    /// # use switchyard_abi::sdk::{Channel, TapDirection, TapFlags};
    /// fn count_loud_frames(channel: &Channel) -> Result<(), String> {
    ///     let mut loud = 0_u64;
    ///     channel.add_tap(TapFlags::READ, move |_direction: TapDirection, frame| {
    ///         if frame.samples().iter().any(|sample| sample.unsigned_abs() > 16_000) {
    ///             loud += 1;
    ///         }
    ///     })?;
    ///     Ok(())
    /// }
    /// ```
    pub fn add_tap<F>(&self, flags: TapFlags, on_frame: F) -> Result<TapId, Error>
    where
        F: FnMut(TapDirection, &mut Frame<'_>) + Send + 'static,
    {
        let host = self.host();
        let add = host_fn!(&host, channel_add_tap)?;
        let slot = Box::into_raw(Box::new(TapSlot {
            host,
            func: on_frame,
            failed: false,
        }));
        let mut id = 0_u64;
        // SAFETY: a host function from a valid table, called with this
        // module's handle and a valid channel handle; `slot` matches the
        // trampolines' contracts (the host serialises `tap_frame` calls and
        // calls `tap_close` once, after the last); `id` is a local the host
        // may write.
        let status = unsafe {
            add(
                host.module_ptr(),
                self.as_raw(),
                flags.bits(),
                Some(tap_frame::<F>),
                Some(tap_close::<F>),
                slot.cast(),
                &raw mut id,
            )
        };
        if status == SY_OK {
            Ok(TapId(id))
        } else {
            // SAFETY: the host refused the tap, so it never calls either
            // trampoline: the box is still ours alone.
            drop(unsafe { Box::from_raw(slot) });
            Err(Error::Status {
                function: "channel_add_tap",
                status,
            })
        }
    }

    /// Removes a tap added with [`add_tap`](Channel::add_tap). When this
    /// returns `Ok`, the tap's closure has run for the last time and has been
    /// dropped. Fails with `SY_NOT_FOUND` when the tap is already gone (the
    /// channel ended). Never call it from the tap's own closure.
    pub fn remove_tap(&self, tap: TapId) -> Result<(), Error> {
        let host = self.host();
        let remove = host_fn!(&host, channel_remove_tap)?;
        // SAFETY: a host function from a valid table, called with this
        // module's handle and a valid channel handle.
        check("channel_remove_tap", unsafe {
            remove(host.module_ptr(), self.as_raw(), tap.0)
        })
    }
}
