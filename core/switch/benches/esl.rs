//! Hot paths of the event socket: rendering an event for subscribers and
//! framing client commands.
//!
//! Run: `cargo bench -p switchyard --bench esl`.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use switchyard::esl::protocol::CommandFramer;
use switchyard::event::{Event, serialize};

/// A CHANNEL_CREATE-sized event: FreeSWITCH's standard headers plus typical
/// channel variables (about 30 headers, 1.3 KB rendered).
fn typical_event() -> Event {
    let mut event = Event::core("CHANNEL_CREATE");
    for (name, value) in [
        ("Event-Name", "CHANNEL_CREATE"),
        ("Core-UUID", "8d3c2f38-52a2-4b7a-9b52-2f6d4c1d8e11"),
        ("FreeSWITCH-Hostname", "switch01.example.net"),
        ("FreeSWITCH-Switchname", "switch01"),
        ("Event-Date-Local", "2026-12-01 10:00:00"),
        ("Event-Date-GMT", "Tue, 01 Dec 2026 10:00:00 GMT"),
        ("Event-Date-Timestamp", "1796119200000000"),
        ("Event-Calling-File", "channel.rs"),
        ("Event-Calling-Function", "create"),
        ("Event-Calling-Line-Number", "120"),
        ("Event-Sequence", "4711"),
        ("Channel-State", "CS_INIT"),
        ("Channel-Call-State", "DOWN"),
        ("Unique-ID", "0b5f7a8e-6a2e-4b9e-8a1f-2a0c4f1b9d33"),
        ("Call-Direction", "inbound"),
        ("Answer-State", "ringing"),
        ("Caller-Username", "1001"),
        ("Caller-Caller-ID-Name", "Alice Example"),
        ("Caller-Caller-ID-Number", "1001"),
        ("Caller-Destination-Number", "1002"),
        ("Caller-Context", "acme.test"),
        ("Caller-Network-Addr", "127.0.0.1"),
        ("Caller-Unique-ID", "0b5f7a8e-6a2e-4b9e-8a1f-2a0c4f1b9d33"),
        ("variable_sip_from_user", "1001"),
        ("variable_sip_from_host", "acme.test"),
        ("variable_sip_to_user", "1002"),
        (
            "variable_sip_call_id",
            "a84b4c76e66710@pc33.atlanta.example.com",
        ),
        ("variable_sip_user_agent", "baresip v1.0.0 (x86_64/linux)"),
        ("variable_domain_name", "acme.test"),
    ] {
        event.add_header(name, value);
    }
    event
}

fn bench_serialize(c: &mut Criterion) {
    let event = typical_event();
    let mut group = c.benchmark_group("event_serialize");
    group.throughput(Throughput::Elements(1));
    group.bench_function("plain_frame", |b| {
        b.iter(|| serialize::plain_frame(black_box(&event)))
    });
    group.bench_function("json_frame", |b| {
        b.iter(|| serialize::json_frame(black_box(&event)))
    });
    group.finish();
}

fn bench_framer(c: &mut Criterion) {
    let mut stream = Vec::new();
    for i in 0..100 {
        stream.extend_from_slice(
            format!("api status\n\nbgapi uptime\nJob-UUID: job-{i}\n\n").as_bytes(),
        );
    }
    let mut group = c.benchmark_group("esl_framer");
    group.throughput(Throughput::Elements(200));
    group.bench_function("200_commands", |b| {
        b.iter(|| {
            let mut framer = CommandFramer::new();
            framer.push(black_box(&stream));
            let mut n = 0;
            while let Ok(Some(command)) = framer.next_command() {
                black_box(command);
                n += 1;
            }
            assert_eq!(n, 200);
        })
    });
    group.finish();
}

criterion_group!(benches, bench_serialize, bench_framer);
criterion_main!(benches);
