//! Hot paths of DTMF and tones: in-band detection over a 20 ms frame,
//! rendering 20 ms of a tone script, and one telephone-event packet through
//! the RFC 4733 receiver.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use switchyard_media::dtmf::{
    Digit, DtmfDetector, ReceiverConfig, SenderConfig, TelephoneEventReceiver, TelephoneEventSender,
};
use switchyard_media::tone::{ToneGenerator, ToneScript};

fn detector(c: &mut Criterion) {
    for rate in [8000u32, 16000] {
        let mut generator = ToneGenerator::new(
            ToneScript::parse("%(100,100,770,1336);loops=-1").unwrap(),
            rate,
        );
        let mut frames = vec![0i16; rate as usize / 50 * 10];
        generator.fill(&mut frames);
        let frame_len = rate as usize / 50;
        let mut detector = DtmfDetector::new(rate).unwrap();
        let mut i = 0;
        c.bench_function(
            &format!("goertzel detector, 20 ms frame at {} kHz", rate / 1000),
            |b| {
                b.iter(|| {
                    let frame = &frames[i * frame_len..(i + 1) * frame_len];
                    i = (i + 1) % 10;
                    black_box(detector.process_frame(black_box(frame)))
                })
            },
        );
    }
}

fn tone(c: &mut Criterion) {
    let script = ToneScript::parse("%(400,200,400,450);%(400,2000,400,450);loops=-1").unwrap();
    let mut generator = ToneGenerator::new(script, 8000);
    let mut frame = [0i16; 160];
    c.bench_function("tone generator, 20 ms of UK ring at 8 kHz", |b| {
        b.iter(|| black_box(generator.fill(black_box(&mut frame))))
    });
    let script = ToneScript::parse("v=-7;%(1000,0,697,1209);loops=-1").unwrap();
    let mut generator = ToneGenerator::new(script, 48000);
    let mut frame = [0i16; 960];
    c.bench_function("tone generator, 20 ms of DTMF 1 at 48 kHz", |b| {
        b.iter(|| black_box(generator.fill(black_box(&mut frame))))
    });
}

fn receiver(c: &mut Criterion) {
    let sender = TelephoneEventSender::new(SenderConfig::new(8000));
    // 100 presses of 7 packets, timestamps 200 ms apart.
    let packets: Vec<_> = (0..100u32)
        .flat_map(|n| sender.packets(Digit::from_event((n % 16) as u8).unwrap(), n * 1600))
        .enumerate()
        .map(|(i, p)| (p.timestamp, i as u16, p.marker, p.payload))
        .collect();
    let mut rx = TelephoneEventReceiver::new(ReceiverConfig::new(8000));
    let mut i = 0;
    c.bench_function("telephone-event receiver, per packet", |b| {
        b.iter(|| {
            let (ts, seq, marker, payload) = &packets[i];
            i += 1;
            if i == packets.len() {
                i = 0;
                rx.reset();
            }
            black_box(
                rx.handle_packet(*ts, *seq, *marker, payload)
                    .map(|e| e.count()),
            )
        })
    });
}

criterion_group!(benches, detector, tone, receiver);
criterion_main!(benches);
