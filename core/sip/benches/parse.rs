//! Parse the ~1 KB benchmark INVITE (extras/x-typical.dat) and read the
//! typed views a SIP core needs: Via, From, To, CSeq, Call-ID, Contact.
//! Target: over 300,000 per second on one core (DESIGN.md: rsipstack
//! 117-132k/s).

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use switchyard_sip::message::{Frame, Message, StreamFramer};

const TYPICAL: &[u8] = include_bytes!("../tests/rfc4475/extras/x-typical.dat");

fn typed_access(message: &Message) -> usize {
    let h = message.headers();
    let mut n = 0;
    for via in h.vias() {
        n += via.map_or(0, |v| v.branch().map_or(0, str::len));
    }
    n += h.from().map_or(0, |f| f.tag().map_or(0, str::len));
    n += h.to().map_or(0, |t| t.uri.as_str().len());
    n += h.cseq().map_or(0, |c| c.number as usize);
    n += h.call_id().map_or(0, str::len);
    for contact in h.contacts() {
        n += contact.map_or(0, |c| c.address().map_or(0, |a| a.uri.as_str().len()));
    }
    n
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("sip_message");
    group.throughput(Throughput::Elements(1));
    group.bench_function("parse_typical_invite_typed_access", |b| {
        b.iter(|| {
            let message = Message::parse(black_box(TYPICAL)).expect("parses");
            black_box(typed_access(&message))
        })
    });
    group.bench_function("parse_typical_invite_only", |b| {
        b.iter(|| black_box(Message::parse(black_box(TYPICAL)).expect("parses")))
    });
    group.bench_function("frame_stream_typical_invite_typed_access", |b| {
        b.iter(|| {
            let mut framer = StreamFramer::default();
            match framer.next_frame(black_box(TYPICAL)) {
                Ok(Frame::Message { message, .. }) => black_box(typed_access(&message)),
                _ => 0,
            }
        })
    });
    let message = Message::parse(TYPICAL).expect("parses");
    group.bench_function("write_typical_invite", |b| {
        let mut out = Vec::with_capacity(2048);
        b.iter(|| {
            out.clear();
            black_box(&message).write_to(&mut out);
            black_box(out.len())
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
