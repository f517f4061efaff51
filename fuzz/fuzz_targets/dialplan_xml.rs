//! Any text as a dialplan file parses or yields `file:line` errors, never a
//! panic; what parses can be hunted with any destination.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::collections::HashMap;
use switchyard::dialplan::{CallerProfile, Dialplan, HuntRequest};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // The first line is the destination; the rest the dialplan.
    let (destination, xml) = text.split_once('\n').unwrap_or(("1000", text));
    match Dialplan::parse_str("fuzz.xml", xml) {
        Ok(plan) => {
            let variables: HashMap<String, String> = HashMap::new();
            for context in plan.context_names().map(str::to_owned).collect::<Vec<_>>() {
                let profile = CallerProfile::new(destination, &context);
                let _ = plan.hunt(HuntRequest::new(
                    &profile,
                    &variables,
                    jiff::Timestamp::UNIX_EPOCH,
                    "UTC",
                ));
            }
        }
        Err(errors) => assert!(!errors.is_empty()),
    }
});
