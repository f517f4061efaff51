//! Registers the API commands that come with the everyday dialplan tools:
//! `global_getvar`, `global_setvar`, `eval`, `expand`, `hash`, `db` and
//! `curl`.

use crate::registry::RegisterError;
use crate::switch::Switch;

/// `(name, description, syntax, handler)` of every command registered here.
pub const COMMANDS: &[super::CoreCommand] = &[
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
    super::register_table(switch, COMMANDS)
}
