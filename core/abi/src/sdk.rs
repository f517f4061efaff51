//! The safe Rust SDK for writing Switchyard modules.
//!
//! A module is a `cdylib` crate that depends on `switchyard-abi` and nothing
//! of the switch. It declares itself with [`declare_module!`](crate::declare_module),
//! receives a [`Host`] in its load function and registers closures with it:
//!
//! ```no_run
//! use std::fmt::Write as _;
//! use switchyard_abi::sdk::{Host, Level};
//!
//! fn load(host: Host) -> Result<(), String> {
//!     host.register_api("hello", "Says hello", "hello [name]", |args, out| {
//!         let name = if args.is_empty() { "world" } else { args };
//!         writeln!(out, "+OK hello, {name}").map_err(|e| e.to_string())
//!     })?;
//!     host.bind_event("CUSTOM", Some("acd::member-enter"), move |event| {
//!         let member = event.header("Member-UUID").unwrap_or("?");
//!         host.log(Level::Info, &format!("member {member} entered a queue"));
//!     })?;
//!     // Channel functions need a 1.1 host; on a 1.0 host they fail with
//!     // `Error::Unsupported` (check `host.abi_minor() >= 1` up front if you like).
//!     host.register_app("greet", "Answers and plays a tone", "greet [source]", |channel, args| {
//!         channel.answer()?;
//!         let source = if args.is_empty() { "tone_stream://%(500,0,1000)" } else { args };
//!         let pressed = channel.play(source, "#")?;
//!         channel.set_variable("greet_interrupted", if pressed.is_some() { "yes" } else { "no" })?;
//!         Ok(())
//!     })?;
//!     Ok(())
//! }
//!
//! switchyard_abi::declare_module! { name: "mod_hello", version: "1.0.0", load: load }
//! ```
//!
//! What the SDK does for the author:
//!
//! - every `extern "C"` entry point it generates runs the author's code inside
//!   [`std::panic::catch_unwind`]; a panic fails that one call with
//!   [`SY_PANICKED`](crate::ffi::SY_PANICKED) and a message, and never unwinds
//!   into the host;
//! - a panic hook (installed once per module) sends every panic's message and
//!   location to the switch log at error level;
//! - registered closures stay alive until the module's unload has returned,
//!   then the SDK frees them (the host removes the registrations itself);
//!   a media tap's closure is freed when the host closes the tap;
//! - host functions added in later minor versions are only called when the
//!   host's table is long enough to contain them ([`Host::has_field`]).

/// Reads a field of the host table after checking that the host filled it in.
///
/// Evaluates to `Ok(field)` or `Err(Error::Unsupported)`. `$host` is a `&Host`.
macro_rules! host_fn {
    ($host:expr, $field:ident) => {{
        let host: &$crate::sdk::Host = $host;
        if host.has_field(
            ::core::mem::offset_of!($crate::ffi::SyHostApi, $field),
            $crate::sdk::host::field_size(|table: &$crate::ffi::SyHostApi| &table.$field),
        ) {
            // SAFETY: `Host` guarantees `api` points to a live host table, and
            // `has_field` just proved that this field lies inside the `size`
            // bytes the host filled in; the place is projected through the raw
            // pointer, so no reference to bytes past `size` is created.
            Ok(unsafe { (*host.api_ptr()).$field })
        } else {
            Err($crate::sdk::Error::Unsupported {
                function: ::core::stringify!($field),
            })
        }
    }};
}

mod api;
mod app;
mod channel;
mod error;
mod event;
pub(crate) mod host;
mod module;
mod panic;
mod retain;
mod tap;

#[cfg(test)]
mod tests;

pub use api::ApiOutput;
pub use channel::{Channel, LocatedChannel};
pub use error::Error;
pub use event::{BindingId, Event, EventRef, Headers};
pub use host::{Host, Level};
pub use tap::{Frame, TapDirection, TapFlags, TapId};

/// Support code for [`declare_module!`](crate::declare_module); not part of the stable API.
#[doc(hidden)]
pub mod __private {
    pub use super::module::{load, unload};
}
