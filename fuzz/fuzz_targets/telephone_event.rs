//! RFC 4733 telephone-event packets from the network never panic the
//! payload parser or the receiver, and the receiver never reports an end
//! without its start nor more than one press open at a time.
#![no_main]

use libfuzzer_sys::fuzz_target;
use switchyard_media::dtmf::{DtmfEvent, ReceiverConfig, TelephoneEvent, TelephoneEventReceiver};

fuzz_target!(|data: &[u8]| {
    let clock = if data.first().is_some_and(|b| b & 1 == 1) { 48_000 } else { 8000 };
    let mut rx = TelephoneEventReceiver::new(ReceiverConfig::new(clock));
    let mut open = 0i64;
    // Each record: ts (4), seq (2), flags (1), payload (4), tick delta (2).
    for record in data.get(1..).unwrap_or(&[]).chunks(13) {
        if let Ok(ev) = TelephoneEvent::parse(record) {
            assert_eq!(TelephoneEvent::parse(&ev.to_bytes()), Ok(ev));
        }
        if record.len() < 13 {
            break;
        }
        let ts = u32::from_be_bytes([record[0], record[1], record[2], record[3]]);
        let seq = u16::from_be_bytes([record[4], record[5]]);
        let marker = record[6] & 1 == 1;
        let payload = &record[7..7 + (record[6] as usize >> 1) % 6];
        if let Ok(events) = rx.handle_packet(ts, seq, marker, payload) {
            for event in events {
                match event {
                    DtmfEvent::Start { .. } => open += 1,
                    DtmfEvent::End { .. } => open -= 1,
                }
                assert!((0..=1).contains(&open));
            }
        }
        let delta = u32::from(u16::from_be_bytes([record[11], record[12]]));
        if let Some(DtmfEvent::End { .. }) = rx.tick(ts.wrapping_add(delta)) {
            open -= 1;
        }
        assert!((0..=1).contains(&open));
    }
});
