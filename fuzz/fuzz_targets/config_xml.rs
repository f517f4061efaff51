//! Any text as switchyard.xml parses or yields located errors, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use switchyard::config::Config;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Err(errors) = Config::parse(text, "fuzz.xml") {
            assert!(!errors.is_empty());
        }
    }
});
