//! Property tests: parsers and state machines never panic on any input,
//! and the RFC 4733 receiver reports every press exactly once whatever
//! duplication, loss and reordering within a press the network adds.

use std::io::Cursor;

use proptest::prelude::*;
use switchyard_media::dtmf::{
    self, Digit, DtmfDetector, DtmfEvent, ReceiverConfig, SenderConfig, TelephoneEvent,
    TelephoneEventReceiver, TelephoneEventSender,
};
use switchyard_media::tone::{SilenceSpec, ToneGenerator, ToneScript};
use switchyard_media::wav::WavSource;

fn tone_text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        proptest::collection::vec(
            prop_oneof![
                Just("%(".to_owned()),
                Just(")".to_owned()),
                Just(",".to_owned()),
                Just(";".to_owned()),
                Just("v=".to_owned()),
                Just("L=".to_owned()),
                Just("l=".to_owned()),
                Just(">=".to_owned()),
                Just("+=".to_owned()),
                Just("loops=".to_owned()),
                Just("tone_stream://".to_owned()),
                "[0-9#*A-Da-dxz -]{1,4}",
                (0u32..100_000).prop_map(|n| n.to_string()),
                (-100.0f64..30_000.0).prop_map(|f| f.to_string()),
            ],
            0..24
        )
        .prop_map(|parts| parts.concat()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn telephone_event_parse_never_panics_and_round_trips(bytes in proptest::collection::vec(any::<u8>(), 0..12)) {
        if let Ok(ev) = TelephoneEvent::parse(&bytes) {
            let again = TelephoneEvent::parse(&ev.to_bytes()).unwrap();
            prop_assert_eq!(again, ev);
        } else {
            prop_assert!(bytes.len() < 4);
        }
    }

    #[test]
    fn receiver_never_panics(packets in proptest::collection::vec(
        (any::<u32>(), any::<u16>(), any::<bool>(), proptest::collection::vec(any::<u8>(), 0..6), any::<u32>()), 0..64)) {
        let mut rx = TelephoneEventReceiver::new(ReceiverConfig::new(8000));
        let mut started = 0u64;
        let mut ended = 0u64;
        for (ts, seq, marker, payload, now) in packets {
            if let Ok(events) = rx.handle_packet(ts, seq, marker, &payload) {
                for e in events {
                    match e {
                        DtmfEvent::Start { .. } => started += 1,
                        DtmfEvent::End { .. } => ended += 1,
                    }
                }
            }
            if rx.tick(now).is_some() {
                ended += 1;
            }
            // Every end follows its start; at most one press is open.
            prop_assert!(started - ended <= 1);
        }
    }

    #[test]
    fn every_press_once_despite_the_network(
        presses in proptest::collection::vec((0u8..17, 1u32..400, 40u32..400), 1..12),
        start in any::<u32>(),
        first_seq in any::<u16>(),
        mangling in proptest::collection::vec((any::<u8>(), any::<u8>(), any::<bool>()), 64),
    ) {
        let mut rx = TelephoneEventReceiver::new(ReceiverConfig::new(8000));
        let mut ts = start;
        let mut seq = first_seq;
        let mut reported = Vec::new();
        for (n, (code, ms, gap_ms)) in presses.iter().enumerate() {
            let digit = Digit::from_event(*code).unwrap();
            let sender = TelephoneEventSender::new(SenderConfig::new(8000).with_duration_ms(*ms));
            let mut packets: Vec<_> = sender.packets(digit, ts).map(|p| {
                seq = seq.wrapping_add(1);
                (p.timestamp, seq, p.marker, p.payload)
            }).collect();
            // Lose some (never all), duplicate some, shuffle within the press.
            let (lose, dup, _) = mangling[n % mangling.len()];
            let keep = packets[usize::from(lose) % packets.len()];
            packets.retain(|p| !(p.1 as u8 ^ lose).is_multiple_of(3));
            if packets.is_empty() {
                packets.push(keep);
            }
            let copies: Vec<_> = packets.iter().filter(|p| (p.1 as u8 ^ dup).is_multiple_of(2)).copied().collect();
            packets.extend(copies);
            for i in 0..packets.len() {
                let (a, b, swap) = mangling[(n * 7 + i) % mangling.len()];
                if swap {
                    let len = packets.len();
                    packets.swap(usize::from(a) % len, usize::from(b) % len);
                }
            }
            for (t, s, m, payload) in packets {
                for e in rx.handle_packet(t, s, m, &payload).unwrap() {
                    if let DtmfEvent::End { digit, timestamp, .. } = e {
                        reported.push((digit, timestamp));
                    }
                }
            }
            let next = ts.wrapping_add(8 * (ms + gap_ms));
            // Time passes between presses (audio packets tick the receiver).
            if let Some(DtmfEvent::End { digit, timestamp, .. }) = rx.tick(next.wrapping_sub(1)) {
                reported.push((digit, timestamp));
            }
            ts = next;
        }
        if let Some(DtmfEvent::End { digit, timestamp, .. }) = rx.tick(ts.wrapping_add(100_000)) {
            reported.push((digit, timestamp));
        }
        let mut expected = Vec::new();
        let mut t = start;
        for (code, ms, gap_ms) in &presses {
            expected.push((Digit::from_event(*code).unwrap(), t));
            t = t.wrapping_add(8 * (ms + gap_ms));
        }
        prop_assert_eq!(reported, expected);
    }

    #[test]
    fn info_bodies_never_panic(body in any::<String>(), ct in prop_oneof![
        Just("application/dtmf-relay".to_owned()), Just("application/dtmf".to_owned()), any::<String>()]) {
        let _ = dtmf::info::parse_info_body(&ct, body.as_bytes());
        if let Ok(parsed) = dtmf::info::parse_dtmf_relay(&body) {
            let rebuilt = dtmf::info::build_dtmf_relay(parsed.digit, parsed.duration_ms.unwrap_or(100));
            prop_assert_eq!(dtmf::info::parse_dtmf_relay(&rebuilt).unwrap().digit, parsed.digit);
        }
        let _ = dtmf::info::parse_dtmf(&body);
    }

    #[test]
    fn tone_scripts_never_panic(text in tone_text(), rate in prop_oneof![Just(8000u32), Just(16000), Just(48000), 1u32..200_000]) {
        let _ = SilenceSpec::parse(&text);
        if let Ok(script) = ToneScript::parse(&text) {
            prop_assert!(!script.segments.is_empty());
            let mut generator = ToneGenerator::new(script, rate);
            let mut frame = [0i16; 960];
            for _ in 0..20 {
                if generator.fill(&mut frame) == 0 {
                    break;
                }
            }
        }
    }

    #[test]
    fn detector_never_panics(samples in proptest::collection::vec(any::<i16>(), 0..2000), rate in 8000u32..=48000) {
        let mut detector = DtmfDetector::new(rate).unwrap();
        for chunk in samples.chunks(160) {
            let _ = detector.process_frame(chunk);
        }
    }

    #[test]
    fn wav_source_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..200), tweak in 0usize..60, value in any::<u8>()) {
        let _ = WavSource::new(Cursor::new(bytes));
        // A valid header with one byte changed.
        let mut cursor = Cursor::new(Vec::new());
        let spec = hound::WavSpec { channels: 2, sample_rate: 8000, bits_per_sample: 24, sample_format: hound::SampleFormat::Int };
        let mut writer = hound::WavWriter::new(&mut cursor, spec).unwrap();
        for i in 0..20 { writer.write_sample(i * 1000).unwrap(); }
        writer.finalize().unwrap();
        let mut file = cursor.into_inner();
        if let Some(b) = file.get_mut(tweak) { *b = value; }
        if let Ok(mut source) = WavSource::new(Cursor::new(file)) {
            let mut buf = [0i16; 7];
            for _ in 0..10 {
                if !matches!(source.read(&mut buf), Ok(n) if n > 0) { break; }
            }
        }
    }
}
