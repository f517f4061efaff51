//! The RFC 4733 receiver against what networks do to telephone-events:
//! duplicates, reordering, lost starts, lost ends, redundant ends, the same
//! key twice, long events; and the sender's packet sequences.

use switchyard_media::dtmf::{
    Digit, DtmfEvent, EndReason, EventPacket, ReceiverConfig, SenderConfig, TelephoneEvent,
    TelephoneEventReceiver, TelephoneEventSender,
};

fn receiver() -> TelephoneEventReceiver {
    TelephoneEventReceiver::new(ReceiverConfig::new(8000))
}

fn payload(digit: Digit, end: bool, duration: u16) -> [u8; 4] {
    TelephoneEvent {
        event: digit.event(),
        end,
        volume: 10,
        duration,
    }
    .to_bytes()
}

/// Feeds packets and returns (starts, ends) as digit strings plus every event.
fn feed(rx: &mut TelephoneEventReceiver, packets: &[(u32, u16, bool, [u8; 4])]) -> Vec<DtmfEvent> {
    let mut events = Vec::new();
    for (ts, seq, marker, payload) in packets {
        events.extend(rx.handle_packet(*ts, *seq, *marker, payload).unwrap());
    }
    events
}

fn ends(events: &[DtmfEvent]) -> String {
    events
        .iter()
        .filter_map(|e| match e {
            DtmfEvent::End { digit, .. } => Some(digit.to_char()),
            DtmfEvent::Start { .. } => None,
        })
        .collect()
}

fn starts(events: &[DtmfEvent]) -> String {
    events
        .iter()
        .filter_map(|e| match e {
            DtmfEvent::Start { digit, .. } => Some(digit.to_char()),
            DtmfEvent::End { .. } => None,
        })
        .collect()
}

/// A press as a sender makes it: (ts, seq, marker, payload).
fn press(digit: Digit, ts: u32, first_seq: u16) -> Vec<(u32, u16, bool, [u8; 4])> {
    TelephoneEventSender::new(SenderConfig::new(8000))
        .packets(digit, ts)
        .enumerate()
        .map(|(i, p)| {
            (
                p.timestamp,
                first_seq.wrapping_add(i as u16),
                p.marker,
                p.payload,
            )
        })
        .collect()
}

#[test]
fn a_clean_press_gives_one_start_and_one_end() {
    let mut rx = receiver();
    let events = feed(&mut rx, &press(Digit::D5, 1000, 10));
    assert_eq!(events.len(), 2);
    assert_eq!(
        events[0],
        DtmfEvent::Start {
            digit: Digit::D5,
            timestamp: 1000,
            volume: 10
        }
    );
    assert_eq!(
        events[1],
        DtmfEvent::End {
            digit: Digit::D5,
            timestamp: 1000,
            duration: 800,
            duration_ms: 100,
            volume: 10,
            reason: EndReason::EndBit,
        }
    );
    // The second and third end packets were dropped as stale.
    assert_eq!(rx.stats().stale, 2);
    assert_eq!(rx.stats().presses, 1);
    assert_eq!(rx.in_progress(), None);
}

#[test]
fn duplicates_and_reordering_do_not_duplicate_digits() {
    let mut rx = receiver();
    let mut packets = press(Digit::D1, 0, 100);
    // Every packet twice, and a few swapped.
    packets = packets.iter().flat_map(|p| [*p, *p]).collect();
    packets.swap(2, 5);
    packets.swap(7, 9);
    let events = feed(&mut rx, &packets);
    assert_eq!(starts(&events), "1");
    assert_eq!(ends(&events), "1");
    // A late update arriving after the end changes nothing.
    let late = feed(&mut rx, &[(0, 101, false, payload(Digit::D1, false, 160))]);
    assert!(late.is_empty());
}

#[test]
fn lost_start_is_recovered_from_an_update() {
    let mut rx = receiver();
    let packets = press(Digit::D9, 5000, 1);
    let events = feed(&mut rx, &packets[2..]);
    assert_eq!(starts(&events), "9");
    assert_eq!(ends(&events), "9");
}

#[test]
fn only_an_end_packet_still_counts_once() {
    let mut rx = receiver();
    let packets = press(Digit::Pound, 5000, 1);
    // Everything lost except the last end packet.
    let events = feed(&mut rx, &packets[packets.len() - 1..]);
    assert_eq!(starts(&events), "#");
    assert_eq!(ends(&events), "#");
}

#[test]
fn all_ends_lost_closed_by_timeout() {
    let mut rx = receiver();
    let packets = press(Digit::D3, 8000, 1);
    let updates: Vec<_> = packets
        .iter()
        .copied()
        .filter(|p| p.3[1] & 0x80 == 0)
        .collect();
    let events = feed(&mut rx, &updates);
    assert_eq!(starts(&events), "3");
    assert_eq!(ends(&events), "");
    assert_eq!(rx.in_progress(), Some(Digit::D3));
    // Last update said 640 units; the deadline is 4000 units (500 ms) later.
    assert_eq!(rx.deadline(), Some(8000 + 640 + 4000));
    assert_eq!(rx.tick(8000 + 640 + 3999), None);
    let end = rx.tick(8000 + 640 + 4000).unwrap();
    assert!(matches!(
        end,
        DtmfEvent::End {
            digit: Digit::D3,
            duration: 640,
            reason: EndReason::Timeout,
            ..
        }
    ));
    assert_eq!(rx.tick(100_000), None);
    // The end packets arriving very late do not report it again.
    let late = feed(&mut rx, &packets[packets.len() - 3..]);
    assert!(late.is_empty());
}

#[test]
fn all_ends_lost_closed_by_the_next_press() {
    let mut rx = receiver();
    let first: Vec<_> = press(Digit::D2, 0, 1)
        .into_iter()
        .filter(|p| p.3[1] & 0x80 == 0)
        .collect();
    let mut events = feed(&mut rx, &first);
    events.extend(feed(&mut rx, &press(Digit::D4, 2000, 20)));
    assert_eq!(starts(&events), "24");
    assert_eq!(ends(&events), "24");
    assert!(events.iter().any(|e| matches!(
        e,
        DtmfEvent::End {
            digit: Digit::D2,
            reason: EndReason::NewEvent,
            ..
        }
    )));
}

#[test]
fn the_same_key_twice_is_two_presses() {
    let mut rx = receiver();
    let mut packets = press(Digit::D7, 0, 1);
    packets.extend(press(Digit::D7, 1600, 20));
    let events = feed(&mut rx, &packets);
    assert_eq!(starts(&events), "77");
    assert_eq!(ends(&events), "77");
    assert_eq!(rx.stats().presses, 2);
}

#[test]
fn reordered_across_presses_keeps_order_and_count() {
    let mut rx = receiver();
    let a = press(Digit::D1, 0, 1);
    let b = press(Digit::D2, 1600, 20);
    // B's first packets overtake A's end packets.
    let mut packets: Vec<_> = a[..4].to_vec();
    packets.extend_from_slice(&b[..2]);
    packets.extend_from_slice(&a[4..]);
    packets.extend_from_slice(&b[2..]);
    let events = feed(&mut rx, &packets);
    assert_eq!(starts(&events), "12");
    assert_eq!(ends(&events), "12");
}

#[test]
fn a_full_number_with_loss_duplication_and_timestamp_wrap() {
    let mut rx = receiver();
    let mut packets = Vec::new();
    let mut ts = u32::MAX - 3000;
    let mut seq = u16::MAX - 5;
    for c in "0123456789*#ABCD".chars() {
        let digit = Digit::from_char(c).unwrap();
        for (i, p) in press(digit, ts, seq).into_iter().enumerate() {
            if i % 3 == 1 {
                continue; // lose every third packet
            }
            packets.push(p);
            if i.is_multiple_of(2) {
                packets.push(p);
            }
        }
        ts = ts.wrapping_add(1600);
        seq = seq.wrapping_add(10);
    }
    let events = feed(&mut rx, &packets);
    assert_eq!(ends(&events), "0123456789*#ABCD");
    assert_eq!(starts(&events), "0123456789*#ABCD");
}

#[test]
fn malformed_and_non_dtmf_packets() {
    let mut rx = receiver();
    assert!(rx.handle_packet(0, 0, true, &[1, 2]).is_err());
    // Event 32 (a modem tone) is not a key.
    let events = rx.handle_packet(0, 1, true, &[32, 0x0a, 0, 160]).unwrap();
    assert!(events.is_empty());
    assert_eq!(rx.stats().malformed, 1);
    assert_eq!(rx.stats().not_dtmf, 1);
}

#[test]
fn a_sender_clock_restart_is_not_mistaken_for_late_packets() {
    let mut rx = receiver();
    let events = feed(&mut rx, &press(Digit::D1, 1_000_000, 1));
    assert_eq!(ends(&events), "1");
    // New stream: timestamp far back, sequence goes on, marker set.
    let events = feed(&mut rx, &press(Digit::D2, 500, 30));
    assert_eq!(ends(&events), "2");
    // A stale packet with an older timestamp and older sequence is dropped.
    let events = feed(&mut rx, &[(400, 2, false, payload(Digit::D3, false, 160))]);
    assert!(events.is_empty());
}

#[test]
fn long_presses_are_joined_across_segments() {
    // 10 s at 8 kHz is 80,000 units: two segments.
    let sender = TelephoneEventSender::new(SenderConfig::new(8000).with_duration_ms(10_000));
    let packets: Vec<EventPacket> = sender.packets(Digit::D0, 100).collect();
    let timestamps: Vec<u32> = packets.iter().map(|p| p.timestamp).collect();
    assert!(timestamps.contains(&100));
    assert!(timestamps.contains(&(100 + 0xFFFF)));
    assert_eq!(packets.iter().filter(|p| p.marker).count(), 1);
    let mut rx = receiver();
    let mut events = Vec::new();
    for (i, p) in packets.iter().enumerate() {
        events.extend(
            rx.handle_packet(p.timestamp, i as u16, p.marker, &p.payload)
                .unwrap(),
        );
    }
    assert_eq!(starts(&events), "0");
    assert_eq!(ends(&events), "0");
    assert!(matches!(
        events[1],
        DtmfEvent::End {
            duration: 80_000,
            duration_ms: 10_000,
            timestamp: 100,
            ..
        }
    ));
}

#[test]
fn sender_sequence_at_8k_and_48k() {
    let packets: Vec<_> = TelephoneEventSender::new(SenderConfig::new(8000))
        .packets(Digit::D5, 42)
        .collect();
    let summary: Vec<(u32, bool, bool, u16)> = packets
        .iter()
        .map(|p| (p.send_offset, p.marker, p.event.end, p.event.duration))
        .collect();
    assert_eq!(
        summary,
        vec![
            (0, true, false, 160),
            (160, false, false, 320),
            (320, false, false, 480),
            (480, false, false, 640),
            (640, false, true, 800),
            (800, false, true, 800),
            (960, false, true, 800),
        ]
    );
    assert!(
        packets
            .iter()
            .all(|p| p.timestamp == 42 && p.event.volume == 10)
    );
    assert_eq!(packets[0].payload, [5, 10, 0, 160]);
    assert_eq!(packets[6].payload, [5, 0x80 | 10, 0x03, 0x20]);

    let config = SenderConfig::new(48_000)
        .with_duration_ms(200)
        .with_volume(6);
    assert_eq!(config.interval, 960);
    assert_eq!(config.duration, 9600);
    let packets: Vec<_> = TelephoneEventSender::new(config)
        .packets(Digit::Star, 7)
        .collect();
    assert_eq!(packets.len(), 9 + 3);
    assert!(packets[..9].iter().all(|p| !p.event.end));
    assert!(
        packets[9..]
            .iter()
            .all(|p| p.event.end && p.event.duration == 9600)
    );
    let mut rx = TelephoneEventReceiver::new(ReceiverConfig::new(48_000));
    let mut events = Vec::new();
    for (i, p) in packets.iter().enumerate() {
        events.extend(
            rx.handle_packet(p.timestamp, i as u16, p.marker, &p.payload)
                .unwrap(),
        );
    }
    assert!(matches!(
        events[..],
        [
            DtmfEvent::Start { .. },
            DtmfEvent::End {
                duration_ms: 200,
                ..
            }
        ]
    ));
}

#[test]
fn a_press_shorter_than_one_interval() {
    let config = SenderConfig::new(8000).with_duration_ms(10);
    let packets: Vec<_> = TelephoneEventSender::new(config)
        .packets(Digit::A, 0)
        .collect();
    assert_eq!(packets.len(), 3);
    assert!(
        packets[0].marker
            && packets
                .iter()
                .all(|p| p.event.end && p.event.duration == 80)
    );
    let mut rx = receiver();
    let events = feed(
        &mut rx,
        &packets
            .iter()
            .enumerate()
            .map(|(i, p)| (p.timestamp, i as u16, p.marker, p.payload))
            .collect::<Vec<_>>(),
    );
    assert_eq!(ends(&events), "A");
}
