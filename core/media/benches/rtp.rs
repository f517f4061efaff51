//! Hot paths of relayed and decoded RTP: parsing a 172-byte G.711 packet,
//! rewriting it for relay, sequence tracking, and a jitter-buffer
//! push/pop cycle. Run: `cargo bench -p switchyard-media --bench rtp`.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use switchyard_media::jitter::{JitterBuffer, JitterConfig};
use switchyard_media::rtp::{
    InterarrivalJitter, RtpHeader, RtpPacket, SequenceTracker, SourceRewriter,
};

/// A 20 ms G.711 packet: 12-byte header and 160 bytes of payload.
fn g711_packet(seq: u16, ts: u32) -> Vec<u8> {
    let header = RtpHeader {
        payload_type: 0,
        sequence: seq,
        timestamp: ts,
        ssrc: 0x1234_5678,
        ..RtpHeader::default()
    };
    let mut out = Vec::new();
    header
        .write_to_vec(&[0xd5; 160], &mut out)
        .expect("a G.711 packet fits");
    out
}

fn benches(c: &mut Criterion) {
    let packet = g711_packet(1000, 160_000);
    assert_eq!(packet.len(), 172);

    c.bench_function("parse 172-byte G.711 packet", |b| {
        b.iter(|| {
            let p = RtpPacket::parse(black_box(&packet)).expect("valid");
            black_box((p.sequence(), p.timestamp(), p.ssrc(), p.payload().len()))
        })
    });

    c.bench_function("rewrite for relay (parse + SourceRewriter in place)", |b| {
        let mut buf = packet.clone();
        let mut rewriter = SourceRewriter::new(0xabcd_ef01, 5000, 900_000, 160);
        let mut seq = 1000u16;
        b.iter(|| {
            seq = seq.wrapping_add(1);
            buf[2..4].copy_from_slice(&seq.to_be_bytes());
            let p = RtpPacket::parse(black_box(&buf)).expect("valid");
            black_box(p.payload_type());
            black_box(rewriter.rewrite(black_box(&mut buf)).expect("valid"))
        })
    });

    c.bench_function("SequenceTracker + InterarrivalJitter update", |b| {
        let mut tracker = SequenceTracker::new();
        let mut jitter = InterarrivalJitter::new(8000);
        let start = Instant::now();
        let mut seq = 0u16;
        let mut ts = 0u32;
        let mut at = start;
        b.iter(|| {
            seq = seq.wrapping_add(1);
            ts = ts.wrapping_add(160);
            at += Duration::from_millis(20);
            let verdict = tracker.update(black_box(0x1234_5678), black_box(seq));
            jitter.update(black_box(ts), at);
            black_box((verdict, jitter.jitter()))
        })
    });

    c.bench_function("jitter buffer push + pop (G.711, steady state)", |b| {
        let mut jb = JitterBuffer::new(JitterConfig::default());
        let payload = [0xd5u8; 160];
        let start = Instant::now();
        let mut seq = 0u16;
        let mut ts = 0u32;
        let mut at = start;
        // Fill to the target delay first.
        for _ in 0..5 {
            seq = seq.wrapping_add(1);
            ts = ts.wrapping_add(160);
            at += Duration::from_millis(20);
            jb.push(0x1234_5678, seq, ts, 0, &payload, at);
        }
        b.iter(|| {
            seq = seq.wrapping_add(1);
            ts = ts.wrapping_add(160);
            at += Duration::from_millis(20);
            black_box(jb.push(0x1234_5678, seq, ts, 0, black_box(&payload), at));
            match jb.pop(at) {
                switchyard_media::jitter::Playout::Frame(f) => black_box(f.payload.len()),
                _ => 0,
            }
        })
    });
}

criterion_group!(rtp, benches);
criterion_main!(rtp);
