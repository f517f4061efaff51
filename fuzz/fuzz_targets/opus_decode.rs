//! Arbitrary bytes as Opus packets from the network: libopus through our
//! wrapper must never panic or crash, whatever the packet and whatever
//! the decode rate, and a transcoder fed the same bytes (decode, FEC
//! recovery, concealment, re-encode to PCMU) must keep producing frames
//! of the right length.
#![no_main]

use libfuzzer_sys::fuzz_target;
use switchyard_media::codec::{Codec, OpusDecoder, Transcoder};

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let rate = [8_000, 12_000, 16_000, 24_000, 48_000][usize::from(selector % 5)];
    let mut decoder = OpusDecoder::new(rate).expect("a supported rate");
    let mut pcm = vec![0i16; rate as usize * 120 / 1000];
    // Several packets: split on the selector byte's value.
    for packet in rest.split(|&b| b == selector) {
        if let Ok(n) = decoder.decode(packet, &mut pcm) {
            assert!(n <= pcm.len());
            assert_eq!(Ok(n), decoder.packet_samples(packet));
        }
        let frame = rate as usize / 50;
        let _ = decoder.decode_fec(packet, &mut pcm[..frame]);
        assert_eq!(decoder.conceal(&mut pcm[..frame]), Ok(frame));
    }

    let opus = Codec::opus(111).expect("opus");
    let mut leg = Transcoder::new(opus, Codec::pcmu()).expect("transcoder");
    let mut out = [0u8; 1500];
    for packet in rest.split(|&b| b == selector) {
        let _ = leg.push(packet);
        let _ = leg.push_recovered(packet);
        let _ = leg.push_lost();
        while let Ok(Some(n)) = leg.pull(&mut out) {
            assert_eq!(n, 160);
        }
    }
});
