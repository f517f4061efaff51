//! Subscription words from ESL clients (`event plain ...`, `nixevent ...`)
//! and `sendevent` names never panic the selector or event constructor.
#![no_main]

use libfuzzer_sys::fuzz_target;
use switchyard::event::Event;
use switchyard::event::bus::EventSelector;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let words: Vec<&str> = text.split_whitespace().collect();
    let mut selector = EventSelector::none();
    let _ = selector.add_words(words.iter().copied());
    let _ = selector.remove_words(words.iter().copied().rev());
    if let Some(first) = words.first() {
        if let Ok(event) = Event::new(first, words.get(1).copied()) {
            let _ = selector.matches(&event);
            let _ = switchyard::event::serialize::plain_frame(&event);
            let _ = switchyard::event::serialize::json_frame(&event);
        }
    }
});
