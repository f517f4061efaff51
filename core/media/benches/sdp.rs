//! SDP hot paths for an anchored call: parse a typical ~400-byte offer
//! from a phone, answer it, serialize the answer.

use std::hint::black_box;
use std::net::Ipv4Addr;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use switchyard_media::sdp::{CodecPrefs, LocalMedia, SessionDescription, answer_offer};

/// A Yealink-like offer: Opus, G.722, PCMU, PCMA, G.729, telephone-event.
const OFFER: &str = "v=0\r\n\
o=- 20518 0 IN IP4 192.168.1.50\r\n\
s=SDP data\r\n\
c=IN IP4 192.168.1.50\r\n\
t=0 0\r\n\
m=audio 11780 RTP/AVP 107 9 0 8 18 101\r\n\
a=rtpmap:107 opus/48000/2\r\n\
a=fmtp:107 useinbandfec=1; maxplaybackrate=16000; sprop-maxcapturerate=16000\r\n\
a=rtpmap:9 G722/8000\r\n\
a=rtpmap:0 PCMU/8000\r\n\
a=rtpmap:8 PCMA/8000\r\n\
a=rtpmap:18 G729/8000\r\n\
a=fmtp:18 annexb=no\r\n\
a=rtpmap:101 telephone-event/8000\r\n\
a=fmtp:101 0-15\r\n\
a=ptime:20\r\n\
a=sendrecv\r\n";

fn bench(c: &mut Criterion) {
    let local = LocalMedia::new(
        Ipv4Addr::new(203, 0, 113, 5).into(),
        24000,
        CodecPrefs::parse("PCMU,PCMA,OPUS").codecs,
    );
    let offer = SessionDescription::parse(OFFER.as_bytes()).expect("parses");
    let answer = answer_offer(&offer, &local).expect("answers");

    let mut group = c.benchmark_group("sdp");
    group.throughput(Throughput::Elements(1));
    group.bench_function("parse_typical_offer", |b| {
        b.iter(|| SessionDescription::parse(black_box(OFFER.as_bytes())).expect("parses"))
    });
    group.bench_function("answer_offer", |b| {
        b.iter(|| answer_offer(black_box(&offer), black_box(&local)).expect("answers"))
    });
    group.bench_function("serialize_answer", |b| {
        b.iter(|| black_box(&answer.sdp).to_string())
    });
    group.bench_function("parse_answer_serialize", |b| {
        b.iter(|| {
            let offer = SessionDescription::parse(black_box(OFFER.as_bytes())).expect("parses");
            answer_offer(&offer, &local)
                .expect("answers")
                .sdp
                .to_string()
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
