//! Any bytes as a Lua script compile or yield a located error (what
//! `switchyard check` and the `lua` application do first), never a panic;
//! binary chunks are refused.
#![no_main]

use libfuzzer_sys::fuzz_target;
use switchyard::lua::script;

fuzz_target!(|data: &[u8]| {
    if let Err(message) = script::compile(data, "fuzz.lua") {
        assert!(!message.is_empty());
    }
});
