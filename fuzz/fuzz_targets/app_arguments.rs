//! The argument strings of dialplan applications and API commands that
//! come from dialplans, scripts and ESL clients (`play_and_get_digits`,
//! `read`, `curl`, `hash`/`db`, `set_global`, `uuid_transfer`) and `${...}`
//! expansion parse or yield a message, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::collections::HashMap;
use switchyard::session::digits::{PlayAndGetDigits, Read};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = PlayAndGetDigits::parse(&text);
    let _ = Read::parse(&text);
    let _ = switchyard::curl::CurlRequest::parse(&text);
    let _ = switchyard::kv::request::KvRequest::parse(&text);
    let _ = switchyard::globals::parse_assignment(&text);
    let _ = switchyard::api::transfer::parse(&text);
    let mut variables = HashMap::new();
    variables.insert("x".to_owned(), text.to_string());
    let _ = switchyard::dialplan::expand(&text, &variables);
});
