//! Dialplan applications registered by modules. They run on a channel's
//! session thread (see [`crate::session::module_apps`]); the registry is
//! what `show application` lists and what the dialplan looks names up in
//! (after the built-in applications).

use crate::registry::Registry;
use crate::session::Session;

/// What an application runs: the session of the channel it acts on (only on
/// that channel's session thread) and its argument string.
pub type AppHandler = Box<dyn Fn(&mut Session, &str) -> Result<(), String> + Send + Sync>;

/// The registry of dialplan applications.
pub type AppRegistry = Registry<AppHandler>;
