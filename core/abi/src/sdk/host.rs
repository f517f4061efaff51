//! [`Host`]: the module's handle on the switch, and its plain host functions.

use std::ffi::c_void;
use std::path::PathBuf;

use crate::ffi::{
    SY_LOG_DEBUG, SY_LOG_ERROR, SY_LOG_INFO, SY_LOG_NOTICE, SY_LOG_WARNING, SyHostApi, SyModule,
    SyStr,
};

/// A log level (the `SY_LOG_*` constants, FreeSWITCH's numbering).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(i32)]
pub enum Level {
    /// An error the operator must act on (`SY_LOG_ERROR`).
    Error = SY_LOG_ERROR,
    /// Something unexpected that was worked around (`SY_LOG_WARNING`).
    Warning = SY_LOG_WARNING,
    /// A notable normal event (`SY_LOG_NOTICE`).
    Notice = SY_LOG_NOTICE,
    /// Informational (`SY_LOG_INFO`).
    Info = SY_LOG_INFO,
    /// Debugging detail (`SY_LOG_DEBUG`).
    Debug = SY_LOG_DEBUG,
}

/// The module's handle on the switch: the host function table plus the
/// host's handle for this module.
///
/// `Host` is `Copy`, `Send` and `Sync`: capture it in closures and hand it to
/// threads freely. It is valid from the moment `load` is called until the
/// module's `unload` returns (or until a failed `load` returns); a module must
/// stop using it, and stop its own threads, before that.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Host {
    api: *const SyHostApi,
    module: *mut SyModule,
}

// SAFETY: the host table is immutable data and the contract makes every host
// function callable from any thread; `module` is only ever passed back to the
// host, never dereferenced by the module.
unsafe impl Send for Host {}
// SAFETY: as for `Send`: `Host` holds no interior state of its own.
unsafe impl Sync for Host {}

impl Host {
    /// Wraps the pointers the host passed to a module's `load`.
    ///
    /// [`declare_module!`](crate::declare_module) does this for you; call it
    /// only when writing the `load` entry point by hand.
    ///
    /// # Safety
    ///
    /// `api` must point to a host table whose first `size` bytes are filled in
    /// as `include/switchyard.h` describes, and both pointers must stay valid
    /// for as long as the `Host` (or any copy of it) is used.
    pub unsafe fn from_raw(api: *const SyHostApi, module: *mut SyModule) -> Host {
        Host { api, module }
    }

    /// The host of the module currently loaded from this library, if any.
    ///
    /// Set by the [`declare_module!`](crate::declare_module) load entry point
    /// before the module's load function runs and cleared when unload
    /// returns; useful on threads the module spawned.
    pub fn current() -> Option<Host> {
        super::module::current()
    }

    /// The raw host table pointer.
    pub fn api_ptr(&self) -> *const SyHostApi {
        self.api
    }

    /// The host's raw handle for this module.
    pub fn module_ptr(&self) -> *mut SyModule {
        self.module
    }

    /// `host->size`: the size in bytes of the table the host filled in.
    pub fn table_size(&self) -> usize {
        // SAFETY: `size` is the first field and present in every version of
        // the table; `from_raw`'s contract makes `api` valid. The read goes
        // through the raw pointer, so only this field must be in bounds.
        unsafe { (*self.api).size }
    }

    /// The host's ABI major version.
    pub fn abi_major(&self) -> u32 {
        // SAFETY: `abi_major` is part of the fixed table header (see `table_size`).
        unsafe { (*self.api).abi_major }
    }

    /// The host's ABI minor version.
    pub fn abi_minor(&self) -> u32 {
        // SAFETY: `abi_minor` is part of the fixed table header (see `table_size`).
        unsafe { (*self.api).abi_minor }
    }

    /// True when the host's table contains the field at `offset` of `size`
    /// bytes, that is when `offset + size <= host->size`.
    ///
    /// The SDK checks this before every host call. Code that uses the raw
    /// table directly should do the same for fields added after 1.0:
    ///
    /// ```
    /// # use switchyard_abi::{ffi::SyHostApi, sdk::Host};
    /// fn can_fire(host: &Host) -> bool {
    ///     host.has_field(
    ///         core::mem::offset_of!(SyHostApi, event_fire),
    ///         core::mem::size_of::<usize>(),
    ///     )
    /// }
    /// ```
    pub fn has_field(&self, offset: usize, size: usize) -> bool {
        offset
            .checked_add(size)
            .is_some_and(|end| end <= self.table_size())
    }

    /// Writes `message` to the switch log at `level`, tagged with the module's
    /// name. Does nothing if the host lacks the function.
    pub fn log(&self, level: Level, message: &str) {
        if let Ok(log) = host_fn!(self, log) {
            // SAFETY: a host function from a valid table, called with this
            // module's handle and a string borrowed for the call.
            unsafe { log(self.module, level as i32, SyStr::from_str(message)) }
        }
    }

    /// Explains the failure the module is about to return (from load, unload,
    /// an API command or an application). Does nothing if the host lacks the
    /// function.
    ///
    /// The SDK calls this itself for `Err` results and panics; call it
    /// directly only from hand-written entry points.
    pub fn set_error(&self, message: &str) {
        if let Ok(set_error) = host_fn!(self, set_error) {
            // SAFETY: as in `log`.
            unsafe { set_error(self.module, SyStr::from_str(message)) }
        }
    }

    /// The switch's configuration directory (read-only for modules). Empty if
    /// the host lacks the function.
    pub fn config_dir(&self) -> PathBuf {
        self.path(host_fn!(self, config_dir).ok())
    }

    /// The module's private data directory, created by the host. Empty if the
    /// host lacks the function.
    pub fn data_dir(&self) -> PathBuf {
        self.path(host_fn!(self, data_dir).ok())
    }

    /// Path of the module's private SQLite database inside
    /// [`data_dir`](Host::data_dir); the module opens (and creates) it. Empty
    /// if the host lacks the function.
    pub fn db_path(&self) -> PathBuf {
        self.path(host_fn!(self, db_path).ok())
    }

    fn path(&self, getter: Option<unsafe extern "C" fn(*mut SyModule) -> SyStr>) -> PathBuf {
        let Some(getter) = getter else {
            return PathBuf::new();
        };
        // SAFETY: a host function from a valid table called with this module's
        // handle; the returned string lives while the module is loaded and is
        // copied before this function returns.
        let bytes = unsafe { getter(self.module).as_bytes() };
        PathBuf::from(String::from_utf8_lossy(bytes).into_owned())
    }
}

/// The size of a field of [`SyHostApi`], named by a projection closure
/// (`|t| &t.log`); used with `offset_of!` by `host_fn!`.
pub(crate) fn field_size<T>(_field: impl for<'a> Fn(&'a SyHostApi) -> &'a T) -> usize {
    core::mem::size_of::<T>()
}

/// A `sy_str_fn` that appends the host's string (lossily decoded) to the
/// `String` behind `user_data`.
///
/// # Safety
///
/// `user_data` must point to a `String` not otherwise borrowed; `text` must
/// be valid for the call.
pub(crate) unsafe extern "C" fn collect_string(user_data: *mut c_void, text: SyStr) {
    let _ = super::panic::catch(|| {
        // SAFETY: per this function's contract.
        let out = unsafe { &mut *user_data.cast::<String>() };
        // SAFETY: the host's string lives until this callback returns.
        out.push_str(&String::from_utf8_lossy(unsafe { text.as_bytes() }));
    });
}

/// Converts an optional subclass to the `sy_str` the host expects (empty for `None`).
pub(crate) fn opt_str(value: Option<&str>) -> SyStr {
    value.map_or(SyStr::EMPTY, SyStr::from_str)
}
