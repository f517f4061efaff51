//! Arbitrary bytes from an event-socket client, split at an arbitrary point,
//! must frame into commands or a clean error, never a panic or unbounded
//! buffering.
#![no_main]

use libfuzzer_sys::fuzz_target;
use switchyard::esl::protocol::{CommandFramer, MAX_BODY, MAX_HEAD};

fuzz_target!(|data: &[u8]| {
    let split = data.first().map_or(0, |b| *b as usize) % (data.len() + 1);
    let mut framer = CommandFramer::new();
    for chunk in [&data[..split], &data[split..]] {
        framer.push(chunk);
        loop {
            match framer.next_command() {
                Ok(Some(command)) => {
                    assert!(command.line.len() <= MAX_HEAD);
                    assert!(command.body.map_or(0, |b| b.len()) <= MAX_BODY * 3);
                }
                Ok(None) | Err(_) => break,
            }
        }
    }
});
