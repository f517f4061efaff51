//! Registers the API commands that come with the everyday dialplan tools:
//! `global_getvar`, `global_setvar`, `eval`, `expand`, `hash`, `db` and
//! `curl`.

use super::ApiHandler;
use crate::registry::{CORE_OWNER, Entry, RegisterError};
use crate::switch::Switch;
use std::sync::Arc;

type CoreFn = fn(&Arc<Switch>, &str) -> String;

/// `(name, description, syntax, handler)` of every command registered here.
pub const COMMANDS: &[(&str, &str, &str, CoreFn)] = &[
    (
        "global_getvar",
        "Show a global variable, or all of them",
        super::globals::GETVAR_USAGE,
        super::globals::global_getvar,
    ),
    (
        "global_setvar",
        "Set a global variable (unset it with an empty value)",
        super::globals::SETVAR_USAGE,
        super::globals::global_setvar,
    ),
    (
        "eval",
        "Expand ${...} and $${...} in a text",
        super::globals::EVAL_USAGE,
        super::globals::eval,
    ),
    (
        "expand",
        "Expand a command line, then run it",
        super::globals::EXPAND_USAGE,
        super::globals::expand,
    ),
    (
        "hash",
        "Insert, read and delete values in memory",
        crate::kv::commands::HASH_USAGE,
        crate::kv::commands::hash_api,
    ),
    (
        "db",
        "Insert, read and delete values in the database",
        crate::kv::commands::DB_USAGE,
        crate::kv::commands::db_api,
    ),
    (
        "curl",
        "Make an HTTP request and show the response",
        crate::curl::SYNTAX,
        crate::curl::api,
    ),
];

/// Registers the commands.
pub fn register_all(switch: &Switch) -> Result<(), RegisterError> {
    for &(name, description, syntax, func) in COMMANDS {
        let handler: ApiHandler = Box::new(func);
        switch
            .api
            .register(Entry::new(name, description, syntax, CORE_OWNER, handler))?;
    }
    Ok(())
}
