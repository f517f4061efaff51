//! Dial strings from dialplans, `originate` and modules (`{a=b}user/1|sip:x,gateway/g/1`)
//! never panic the parser, and what parses keeps every group non-empty.
#![no_main]

use libfuzzer_sys::fuzz_target;
use switchyard::sip::dialstring;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(dial) = dialstring::parse(&text) {
        assert!(!dial.groups.is_empty());
        assert!(dial.groups.iter().all(|group| !group.is_empty()));
        let _ = dial.variable("call_timeout");
    }
});
