//! Switchyard: a softswitch in the FreeSWITCH mould.
//!
//! This crate is the core: the module loader and its C ABI host table, the
//! event bus, the event socket (ESL), the console, the configuration and the
//! store. The binary (`src/main.rs`) is a thin command line over
//! [`server::serve`], [`console::run`] and [`check::run`].

pub mod api;
pub mod apps;
pub mod bans;
pub mod channel;
pub mod channel_expand;
pub mod check;
pub mod config;
pub mod console;
pub mod curl;
pub mod dialplan;
pub mod directory;
pub mod esl;
pub mod event;
pub mod gateway;
pub mod globals;
pub mod kv;
pub mod logging;
pub mod lua;
pub mod media;
pub mod modules;
pub mod registrar;
pub mod registry;
pub mod secret;
pub mod server;
pub mod session;
pub mod sip;
pub mod store;
pub mod switch;

/// The Switchyard version.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
