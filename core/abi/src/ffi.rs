//! `repr(C)` mirror of `include/switchyard.h`, field for field.
//!
//! The host builds a [`SyHostApi`] from these types and reads a module's
//! [`SyModuleDescriptor`]; the SDK in [`crate::sdk`] wraps them for Rust
//! module authors. `tests/abi_layout.rs` checks that sizes, alignments and
//! offsets match the C compiler's view of the header and never change.

use core::ffi::{c_char, c_void};

/// Major ABI version (`SY_ABI_MAJOR`): a host refuses modules built for another major.
pub const SY_ABI_MAJOR: u32 = 1;
/// Minor ABI version (`SY_ABI_MINOR`): grows when host functions are appended.
pub const SY_ABI_MINOR: u32 = 1;
/// Name of the symbol every module exports (`SY_MODULE_SYMBOL`).
pub const SY_MODULE_SYMBOL: &str = "switchyard_module";

/// Result of a host function or module callback (`sy_status`).
pub type SyStatus = i32;
/// Success.
pub const SY_OK: SyStatus = 0;
/// Generic failure; explained with `set_error`.
pub const SY_ERROR: SyStatus = 1;
/// The named thing does not exist.
pub const SY_NOT_FOUND: SyStatus = 2;
/// The thing is busy or in use.
pub const SY_IN_USE: SyStatus = 3;
/// An argument was invalid.
pub const SY_INVALID: SyStatus = 4;
/// Something with this name is already registered.
pub const SY_EXISTS: SyStatus = 5;
/// A module callback panicked; the SDK contained it.
pub const SY_PANICKED: SyStatus = 6;

/// Log level: an error the operator must act on.
pub const SY_LOG_ERROR: i32 = 3;
/// Log level: something unexpected that was worked around.
pub const SY_LOG_WARNING: i32 = 4;
/// Log level: a notable normal event.
pub const SY_LOG_NOTICE: i32 = 5;
/// Log level: informational.
pub const SY_LOG_INFO: i32 = 6;
/// Log level: debugging detail.
pub const SY_LOG_DEBUG: i32 = 7;

/// Tap direction (`SY_TAP_READ`, since 1.1): audio read from the channel,
/// coming from its far end. Also a `direction` a tap callback receives.
pub const SY_TAP_READ: u32 = 1;
/// Tap direction (`SY_TAP_WRITE`, since 1.1): audio written to the channel,
/// going to its far end. Also a `direction` a tap callback receives.
pub const SY_TAP_WRITE: u32 = 2;
/// Tap flag (`SY_TAP_REPLACE`, since 1.1): the tap may rewrite the samples in
/// place and the media path carries on with them; without it the frame is a
/// copy.
pub const SY_TAP_REPLACE: u32 = 4;

/// A borrowed UTF-8 string with explicit length (`sy_str`).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SyStr {
    /// First byte; may be null when `len` is 0.
    pub ptr: *const c_char,
    /// Length in bytes.
    pub len: usize,
}

impl SyStr {
    /// The empty string `{NULL, 0}`.
    pub const EMPTY: SyStr = SyStr {
        ptr: core::ptr::null(),
        len: 0,
    };

    /// Borrows a Rust string; the result is valid while `s` is.
    // Not `FromStr`: this borrows rather than parses, and cannot fail.
    #[allow(clippy::should_implement_trait)]
    pub fn from_str(s: &str) -> SyStr {
        SyStr {
            ptr: s.as_ptr().cast(),
            len: s.len(),
        }
    }

    /// Reads the bytes back.
    ///
    /// # Safety
    /// `ptr` must point to `len` readable bytes (or be null with `len` 0) that
    /// stay valid and unmodified for the chosen lifetime `'a`.
    pub unsafe fn as_bytes<'a>(self) -> &'a [u8] {
        if self.ptr.is_null() || self.len == 0 {
            &[]
        } else {
            // SAFETY: guaranteed by the caller.
            unsafe { core::slice::from_raw_parts(self.ptr.cast::<u8>(), self.len) }
        }
    }

    /// Reads the string back, failing on invalid UTF-8.
    ///
    /// # Safety
    /// As for [`SyStr::as_bytes`].
    pub unsafe fn to_str<'a>(self) -> Result<&'a str, core::str::Utf8Error> {
        // SAFETY: forwarded to the caller.
        core::str::from_utf8(unsafe { self.as_bytes() })
    }

    /// True when the pointer is null (the "absent" value of `event_header`).
    pub fn is_null(self) -> bool {
        self.ptr.is_null()
    }
}

/// One frame of audio handed to a media tap (`sy_frame`, since 1.1): 16-bit
/// signed linear PCM, in practice mono at the channel codec's rate.
#[repr(C)]
#[derive(Debug)]
pub struct SyFrame {
    /// The samples, interleaved when `channels > 1`; null only when `samples_len` is 0.
    pub samples: *mut i16,
    /// The number of `i16` values at `samples` (per-channel samples times channels).
    pub samples_len: usize,
    /// Samples per second per channel.
    pub sample_rate: u32,
    /// The number of interleaved channels (1 in practice).
    pub channels: u32,
}

/// Opaque host handle for one loaded module (`sy_module`).
#[repr(C)]
pub struct SyModule {
    _opaque: [u8; 0],
}
/// Opaque API command output stream (`sy_stream`).
#[repr(C)]
pub struct SyStream {
    _opaque: [u8; 0],
}
/// Opaque event (`sy_event`).
#[repr(C)]
pub struct SyEvent {
    _opaque: [u8; 0],
}
/// Opaque call leg (`sy_channel`).
#[repr(C)]
pub struct SyChannel {
    _opaque: [u8; 0],
}

/// An API command callback (`sy_api_fn`).
pub type SyApiFn =
    unsafe extern "C" fn(user_data: *mut c_void, args: SyStr, out: *mut SyStream) -> SyStatus;
/// An event handler callback (`sy_event_fn`).
pub type SyEventFn = unsafe extern "C" fn(user_data: *mut c_void, event: *const SyEvent);
/// A dialplan application callback (`sy_app_fn`).
pub type SyAppFn =
    unsafe extern "C" fn(user_data: *mut c_void, channel: *mut SyChannel, args: SyStr) -> SyStatus;
/// Receives a host string valid until it returns (`sy_str_fn`).
pub type SyStrFn = unsafe extern "C" fn(user_data: *mut c_void, text: SyStr);
/// A media tap callback (`sy_tap_fn`, since 1.1): runs on the media path,
/// never overlapping itself.
pub type SyTapFn =
    unsafe extern "C" fn(user_data: *mut c_void, direction: u32, frame: *mut SyFrame);
/// Ends a media tap (`sy_tap_close_fn`, since 1.1): called once, after the
/// last [`SyTapFn`] call; frees `user_data`.
pub type SyTapCloseFn = unsafe extern "C" fn(user_data: *mut c_void);

/// The host function table (`sy_host_api`). Append-only within a major version.
///
/// Callback parameters are `Option`s because C may pass NULL; the host
/// answers `SY_INVALID` to a missing callback instead of calling through it.
#[repr(C)]
pub struct SyHostApi {
    /// `sizeof(sy_host_api)` as the host built it.
    pub size: usize,
    /// The host's ABI major version.
    pub abi_major: u32,
    /// The host's ABI minor version.
    pub abi_minor: u32,
    /// Writes a log line at a `SY_LOG_*` level.
    pub log: unsafe extern "C" fn(module: *mut SyModule, level: i32, message: SyStr),
    /// Explains the failure the module is about to return.
    pub set_error: unsafe extern "C" fn(module: *mut SyModule, message: SyStr),
    /// The configuration directory.
    pub config_dir: unsafe extern "C" fn(module: *mut SyModule) -> SyStr,
    /// The module's private data directory.
    pub data_dir: unsafe extern "C" fn(module: *mut SyModule) -> SyStr,
    /// Path of the module's private SQLite database.
    pub db_path: unsafe extern "C" fn(module: *mut SyModule) -> SyStr,
    /// Registers an API command.
    pub register_api: unsafe extern "C" fn(
        module: *mut SyModule,
        name: SyStr,
        description: SyStr,
        syntax: SyStr,
        func: Option<SyApiFn>,
        user_data: *mut c_void,
    ) -> SyStatus,
    /// Registers a dialplan application.
    pub register_app: unsafe extern "C" fn(
        module: *mut SyModule,
        name: SyStr,
        description: SyStr,
        syntax: SyStr,
        func: Option<SyAppFn>,
        user_data: *mut c_void,
    ) -> SyStatus,
    /// Binds an event handler.
    pub bind_event: unsafe extern "C" fn(
        module: *mut SyModule,
        event_name: SyStr,
        subclass: SyStr,
        func: Option<SyEventFn>,
        user_data: *mut c_void,
        binding_id: *mut u64,
    ) -> SyStatus,
    /// Removes an event binding.
    pub unbind_event: unsafe extern "C" fn(module: *mut SyModule, binding_id: u64) -> SyStatus,
    /// Appends text to an API reply.
    pub stream_write: unsafe extern "C" fn(stream: *mut SyStream, text: SyStr) -> SyStatus,
    /// Creates an event owned by the module.
    pub event_create: unsafe extern "C" fn(
        module: *mut SyModule,
        event_name: SyStr,
        subclass: SyStr,
    ) -> *mut SyEvent,
    /// Appends a header to an owned event.
    pub event_add_header:
        unsafe extern "C" fn(event: *mut SyEvent, name: SyStr, value: SyStr) -> SyStatus,
    /// Sets the body of an owned event.
    pub event_set_body: unsafe extern "C" fn(event: *mut SyEvent, body: SyStr) -> SyStatus,
    /// Fires an event, taking ownership.
    pub event_fire: unsafe extern "C" fn(module: *mut SyModule, event: *mut SyEvent) -> SyStatus,
    /// Frees an unfired event.
    pub event_destroy: unsafe extern "C" fn(event: *mut SyEvent),
    /// First value of a header, `{NULL,0}` when absent.
    pub event_header: unsafe extern "C" fn(event: *const SyEvent, name: SyStr) -> SyStr,
    /// The event's body, `{NULL,0}` when none.
    pub event_body: unsafe extern "C" fn(event: *const SyEvent) -> SyStr,
    /// Number of headers.
    pub event_header_count: unsafe extern "C" fn(event: *const SyEvent) -> usize,
    /// Header by index.
    pub event_header_at: unsafe extern "C" fn(
        event: *const SyEvent,
        index: usize,
        name: *mut SyStr,
        value: *mut SyStr,
    ) -> SyStatus,
    /// Runs an API command line and hands the reply to a callback.
    pub api_execute: unsafe extern "C" fn(
        module: *mut SyModule,
        command: SyStr,
        on_reply: Option<SyStrFn>,
        user_data: *mut c_void,
    ) -> SyStatus,

    // --- 1.1: channels (present when `abi_minor >= 1`; check `size` first) ---
    /// Answers the call (since 1.1).
    pub channel_answer: unsafe extern "C" fn(channel: *mut SyChannel) -> SyStatus,
    /// Opens early media without answering (since 1.1).
    pub channel_pre_answer: unsafe extern "C" fn(channel: *mut SyChannel) -> SyStatus,
    /// Signals ringing without media (since 1.1).
    pub channel_ring_ready: unsafe extern "C" fn(channel: *mut SyChannel) -> SyStatus,
    /// Hangs up with a FreeSWITCH cause name, empty for `NORMAL_CLEARING` (since 1.1).
    pub channel_hangup: unsafe extern "C" fn(channel: *mut SyChannel, cause: SyStr) -> SyStatus,
    /// 1 while the call is up, else 0 (since 1.1).
    pub channel_ready: unsafe extern "C" fn(channel: *mut SyChannel) -> i32,
    /// Hands the channel's UUID to a callback (since 1.1).
    pub channel_uuid: unsafe extern "C" fn(
        channel: *mut SyChannel,
        on_value: Option<SyStrFn>,
        user_data: *mut c_void,
    ) -> SyStatus,
    /// Hands a channel variable to a callback; `SY_NOT_FOUND` when unset (since 1.1).
    pub channel_get_variable: unsafe extern "C" fn(
        channel: *mut SyChannel,
        name: SyStr,
        on_value: Option<SyStrFn>,
        user_data: *mut c_void,
    ) -> SyStatus,
    /// Sets a channel variable (since 1.1).
    pub channel_set_variable:
        unsafe extern "C" fn(channel: *mut SyChannel, name: SyStr, value: SyStr) -> SyStatus,
    /// Removes a channel variable (since 1.1).
    pub channel_unset_variable:
        unsafe extern "C" fn(channel: *mut SyChannel, name: SyStr) -> SyStatus,
    /// Plays a WAV file, tone or silence stream; blocks (since 1.1).
    pub channel_play: unsafe extern "C" fn(
        channel: *mut SyChannel,
        source: SyStr,
        terminators: SyStr,
        terminator_out: *mut c_char,
    ) -> SyStatus,
    /// Collects DTMF digits; blocks (since 1.1).
    pub channel_collect_digits: unsafe extern "C" fn(
        channel: *mut SyChannel,
        min_digits: u32,
        max_digits: u32,
        terminators: SyStr,
        first_timeout_ms: u32,
        digit_timeout_ms: u32,
        on_digits: Option<SyStrFn>,
        user_data: *mut c_void,
    ) -> SyStatus,
    /// Queues DTMF digits to the far end (since 1.1).
    pub channel_send_dtmf: unsafe extern "C" fn(channel: *mut SyChannel, digits: SyStr) -> SyStatus,
    /// Bridges to a dial string; blocks until the bridged call ends (since 1.1).
    pub channel_bridge:
        unsafe extern "C" fn(channel: *mut SyChannel, dial_string: SyStr) -> SyStatus,
    /// Finds a channel by UUID and takes a reference to it (since 1.1).
    pub channel_locate: unsafe extern "C" fn(
        module: *mut SyModule,
        uuid: SyStr,
        out: *mut *mut SyChannel,
    ) -> SyStatus,
    /// Releases a handle from `channel_locate` (since 1.1).
    pub channel_release: unsafe extern "C" fn(channel: *mut SyChannel),

    // --- 1.1: media taps ---
    /// Adds a media tap (since 1.1).
    pub channel_add_tap: unsafe extern "C" fn(
        module: *mut SyModule,
        channel: *mut SyChannel,
        flags: u32,
        on_frame: Option<SyTapFn>,
        on_close: Option<SyTapCloseFn>,
        user_data: *mut c_void,
        tap_id: *mut u64,
    ) -> SyStatus,
    /// Removes a media tap; its close callback has run when this returns `SY_OK` (since 1.1).
    pub channel_remove_tap: unsafe extern "C" fn(
        module: *mut SyModule,
        channel: *mut SyChannel,
        tap_id: u64,
    ) -> SyStatus,
}

/// What a module exports as `switchyard_module` (`sy_module_descriptor`).
#[repr(C)]
pub struct SyModuleDescriptor {
    /// ABI major the module was built against.
    pub abi_major: u32,
    /// ABI minor the module was built against; a host refuses a newer minor
    /// than its own, so a module that also runs on older hosts states the
    /// oldest minor it needs.
    pub abi_minor: u32,
    /// NUL-terminated module name.
    pub name: *const c_char,
    /// NUL-terminated module version.
    pub version: *const c_char,
    /// Called once after mapping; registers everything.
    pub load:
        Option<unsafe extern "C" fn(module: *mut SyModule, host: *const SyHostApi) -> SyStatus>,
    /// Called once before the module is dropped; may be absent.
    pub unload: Option<unsafe extern "C" fn(module: *mut SyModule) -> SyStatus>,
}

// SAFETY: the descriptor is immutable static data (pointers to static strings
// and functions), so sharing it between threads is sound.
unsafe impl Sync for SyModuleDescriptor {}
