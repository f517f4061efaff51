//! Arbitrary bytes as an RTP datagram: parsing, every accessor, extension
//! elements, in-place rewriting, the sequence tracker, the latch and the
//! jitter buffer must never panic, and whatever parses must account for
//! every byte and rebuild to the same header fields.
#![no_main]

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use libfuzzer_sys::fuzz_target;
use switchyard_media::jitter::{JitterBuffer, JitterConfig};
use switchyard_media::rtp::{
    InterarrivalJitter, Latch, LatchConfig, RawExtension, RtpHeader, RtpHeaderMut, RtpPacket,
    SequenceTracker, SourceRewriter,
};

fuzz_target!(|data: &[u8]| {
    let now = Instant::now();
    let mut tracker = SequenceTracker::new();
    let mut jitter = InterarrivalJitter::new(8000);
    let mut latch = Latch::new(None, LatchConfig::default());
    let mut jb = JitterBuffer::new(JitterConfig::default());
    let mut rewriter = SourceRewriter::new(1, 2, 3, 160);

    if let Ok(p) = RtpPacket::parse(data) {
        assert_eq!(p.header_len() + p.payload().len() + p.padding_len(), data.len());
        let csrcs: Vec<u32> = p.csrcs().collect();
        let ext = p.extension();
        if let Some(ext) = ext {
            for element in ext.elements() {
                assert!(element.data.len() <= ext.data().len());
            }
        }
        let header = RtpHeader {
            marker: p.marker(),
            payload_type: p.payload_type(),
            sequence: p.sequence(),
            timestamp: p.timestamp(),
            ssrc: p.ssrc(),
            csrcs: &csrcs,
            extension: ext.map(|e| RawExtension { profile: e.profile(), data: e.data() }),
        };
        let mut out = Vec::new();
        header.write_to_vec(p.payload(), &mut out).expect("what parsed rebuilds");
        let again = RtpPacket::parse(&out).expect("what was built parses");
        assert_eq!(again.payload(), p.payload());
        assert_eq!((again.sequence(), again.timestamp(), again.ssrc()), (p.sequence(), p.timestamp(), p.ssrc()));

        tracker.update(p.ssrc(), p.sequence());
        jitter.update(p.timestamp(), now);
        let from = SocketAddr::from(([127, 0, 0, 1], 4000));
        latch.on_packet(from, p.ssrc(), p.sequence(), now);
        jb.push(p.ssrc(), p.sequence(), p.timestamp(), p.payload_type(), p.payload(), now);
        let _ = jb.pop(now + Duration::from_millis(500));
    }

    let mut copy = data.to_vec();
    if let Ok(mut h) = RtpHeaderMut::new(&mut copy) {
        h.set_ssrc(7);
        h.set_sequence(8);
        h.set_timestamp(9);
        h.set_payload_type(0xff);
        h.set_marker(true);
    }
    let _ = rewriter.rewrite(&mut copy);
    let _ = tracker.take_loss_report();
});
