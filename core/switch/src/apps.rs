//! Dialplan applications registered by the core and by modules. They run on
//! a channel's session thread once channels exist; the registry is what
//! `show application` lists and what the dialplan will look names up in.

use crate::registry::Registry;
use switchyard_abi::ffi::SyChannel;

/// What an application runs: the channel it acts on and its argument string.
pub type AppHandler = Box<dyn Fn(*mut SyChannel, &str) -> Result<(), String> + Send + Sync>;

/// The registry of dialplan applications.
pub type AppRegistry = Registry<AppHandler>;
