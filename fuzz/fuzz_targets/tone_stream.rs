//! Tone scripts (`tone_stream://…`) and `silence_stream://…` from dialplans
//! never panic the parsers, and what parses renders without panicking at
//! any rate.
#![no_main]

use libfuzzer_sys::fuzz_target;
use switchyard_media::tone::{SilenceGenerator, SilenceSpec, ToneGenerator, ToneScript};

fuzz_target!(|data: &[u8]| {
    let (rate, text) = match data.split_first() {
        Some((r, rest)) => ([8000, 16000, 48000, 1, 192_000][usize::from(*r) % 5], rest),
        None => (8000, data),
    };
    let text = String::from_utf8_lossy(text);
    let mut frame = [0i16; 960];
    if let Ok(script) = ToneScript::parse(&text) {
        assert!(!script.segments.is_empty());
        let mut generator = ToneGenerator::new(script, rate);
        for _ in 0..8 {
            if generator.fill(&mut frame) == 0 {
                assert!(generator.is_finished());
                break;
            }
        }
    }
    if let Ok(spec) = SilenceSpec::parse(&text) {
        let mut generator = SilenceGenerator::new(spec, rate, 1);
        for _ in 0..4 {
            generator.fill(&mut frame);
        }
    }
});
