//! Transcoding keeps a tone across codecs, rates and ptimes; the fast
//! path relays; losses are filled; no payload makes it panic.

use super::*;
use crate::codec::g711;
use crate::codec::testutil::{db, power, sine, tone_power, zero_crossing_frequency};
use proptest::prelude::*;

/// Sends `frames` 20 ms frames of a 1 kHz tone as PCMU through `chain`,
/// decodes what comes out of the last transcoder as PCMU, and returns it.
fn through(chain: &mut [Transcoder], frames: usize) -> Vec<i16> {
    let mut output = Vec::new();
    let mut a = vec![0u8; 2000];
    let mut b = vec![0u8; 2000];
    let mut pcm = [0i16; 160];
    for k in 0..frames {
        let len = g711::encode_ulaw(&sine(1000.0, 10_000.0, 8_000, k * 160, 160), &mut a).unwrap();
        let mut current = len;
        for transcoder in chain.iter_mut() {
            match transcoder.transcode(&a[..current], &mut b).unwrap() {
                Some(n) => current = n,
                None => panic!("no frame out of {:?}", transcoder.to()),
            }
            std::mem::swap(&mut a, &mut b);
        }
        let n = g711::decode_ulaw(&a[..current], &mut pcm).unwrap();
        output.extend_from_slice(&pcm[..n]);
    }
    output
}

/// See `opus_tests::assert_tone_kept` for the bounds; G.711 twice adds
/// only its quantisation noise (about 38 dB below this tone).
fn assert_tone_kept(output: &[i16]) {
    let output = &output[800..];
    let frequency = zero_crossing_frequency(output, 8_000);
    assert!(
        (frequency - 1000.0).abs() < 10.0,
        "frequency {frequency} Hz"
    );
    let purity = tone_power(output, 1000.0, 8_000) / power(output);
    assert!(purity > 0.9, "only {purity:.3} of the power at 1 kHz");
    let level = db(power(output) / 50_000_000.0);
    assert!(level.abs() < 2.0, "level changed by {level:.2} dB");
}

#[test]
fn pcmu_to_opus_to_pcmu_keeps_a_tone() {
    let opus = Codec::opus(111).unwrap();
    let mut chain = [
        Transcoder::new(Codec::pcmu(), opus).unwrap(),
        Transcoder::new(opus, Codec::pcmu()).unwrap(),
    ];
    assert!(!chain[0].passthrough() && !chain[1].passthrough());
    assert_tone_kept(&through(&mut chain, 50));
}

#[test]
fn resampling_paths_keep_a_tone() {
    // PCMU → L16 at 16 kHz → Opus (at 16 kHz) → L16 at 48 kHz → PCMA → PCMU.
    let l16_16 = Codec::l16(96, 16_000).unwrap();
    let l16_48 = Codec::l16(97, 48_000).unwrap();
    let opus = Codec::opus(111).unwrap();
    let mut chain = [
        Transcoder::new(Codec::pcmu(), l16_16).unwrap(),
        Transcoder::new(l16_16, opus).unwrap(),
        Transcoder::new(opus, l16_48).unwrap(),
        Transcoder::new(l16_48, Codec::pcma()).unwrap(),
        Transcoder::new(Codec::pcma(), Codec::pcmu()).unwrap(),
    ];
    assert_tone_kept(&through(&mut chain, 50));
}

#[test]
fn fast_path_relays_payloads_untouched() {
    let mut relay =
        Transcoder::new(Codec::pcmu(), Codec::pcmu().with_payload_type(0).unwrap()).unwrap();
    assert!(relay.passthrough());
    assert_eq!(
        (relay.from().kind(), relay.to().kind()),
        (CodecKind::Pcmu, CodecKind::Pcmu)
    );
    let payload: Vec<u8> = (0..160).map(|i| i as u8).collect();
    let mut out = [0u8; 200];
    assert_eq!(relay.transcode(&payload, &mut out), Ok(Some(160)));
    assert_eq!(&out[..160], &payload[..]);
    assert!(matches!(
        relay.transcode(&payload, &mut out[..10]),
        Err(CodecError::BufferTooSmall { .. })
    ));
    assert!(matches!(
        relay.push(&payload),
        Err(CodecError::InvalidConfig(_))
    ));
    assert!(matches!(
        relay.pull(&mut out),
        Err(CodecError::InvalidConfig(_))
    ));
    assert!(relay.reset().is_ok());
    let opus = Codec::opus(111).unwrap();
    assert!(
        Transcoder::new(opus, opus.with_payload_type(109).unwrap())
            .unwrap()
            .passthrough()
    );
    assert!(
        !Transcoder::new(opus, opus.with_ptime(40).unwrap())
            .unwrap()
            .passthrough()
    );
    assert!(
        !Transcoder::new(Codec::pcmu(), Codec::pcma())
            .unwrap()
            .passthrough()
    );
}

#[test]
fn different_ptimes_are_requeued() {
    // 20 ms PCMU in, 60 ms Opus out: one packet every third push.
    let opus60 = Codec::opus(111).unwrap().with_ptime(60).unwrap();
    let mut up = Transcoder::new(Codec::pcmu(), opus60).unwrap();
    let mut down = Transcoder::new(opus60, Codec::pcmu().with_ptime(30).unwrap()).unwrap();
    let mut payload = [0u8; 160];
    let mut packet = [0u8; 2000];
    let mut frame = [0u8; 240];
    let (mut packets, mut frames) = (0, 0);
    for k in 0..30 {
        g711::encode_ulaw(&sine(1000.0, 10_000.0, 8_000, k * 160, 160), &mut payload).unwrap();
        up.push(&payload).unwrap();
        while let Some(len) = up.pull(&mut packet).unwrap() {
            packets += 1;
            down.push(&packet[..len]).unwrap();
            while let Some(n) = down.pull(&mut frame).unwrap() {
                assert_eq!(n, 240);
                frames += 1;
            }
        }
    }
    assert_eq!(packets, 10);
    assert_eq!(frames, 20);
}

#[test]
fn losses_are_filled() {
    let config = OpusConfig {
        inband_fec: true,
        packet_loss_percent: 10,
        ..OpusConfig::default()
    };
    let opus = Codec::opus(111).unwrap();
    let mut up = Transcoder::with_opus_config(Codec::pcmu(), opus, config).unwrap();
    let mut down = Transcoder::new(opus, Codec::pcmu()).unwrap();
    let mut pcmu = [0u8; 160];
    let mut packets = Vec::new();
    for k in 0..10 {
        g711::encode_ulaw(&sine(1000.0, 10_000.0, 8_000, k * 160, 160), &mut pcmu).unwrap();
        let mut packet = [0u8; 2000];
        let len = up.transcode(&pcmu, &mut packet).unwrap().unwrap();
        packets.push(packet[..len].to_vec());
    }
    let mut out = [0u8; 160];
    for packet in &packets[..5] {
        assert_eq!(down.transcode(packet, &mut out), Ok(Some(160)));
    }
    // Packet 5 lost, recovered from packet 6's FEC; packet 7 lost outright.
    down.push_recovered(&packets[6]).unwrap();
    assert_eq!(down.pull(&mut out), Ok(Some(160)));
    assert_eq!(down.transcode(&packets[6], &mut out), Ok(Some(160)));
    down.push_lost().unwrap();
    assert_eq!(down.pull(&mut out), Ok(Some(160)));
    let mut pcm = [0i16; 160];
    g711::decode_ulaw(&out, &mut pcm).unwrap();
    assert!(power(&pcm) > 1_000_000.0, "concealment is silent");
    // G.711 losses become silence.
    let mut g711_leg = Transcoder::new(Codec::pcmu(), Codec::pcma()).unwrap();
    g711_leg.push_lost().unwrap();
    g711_leg.push_recovered(&[0xFF; 160]).unwrap();
    assert_eq!(g711_leg.pull(&mut out), Ok(Some(160)));
    assert!(out.iter().all(|&code| code == 0xD5));
    assert!(down.reset().is_ok());
}

#[test]
fn a_leg_that_is_never_pulled_overflows_and_recovers() {
    let mut leg = Transcoder::new(Codec::pcmu(), Codec::pcma()).unwrap();
    let payload = [0xFFu8; 160];
    let overflowed = (0..100)
        .map(|_| leg.push(&payload))
        .any(|r| r == Err(CodecError::Overflow));
    assert!(overflowed);
    let mut out = [0u8; 160];
    assert_eq!(leg.transcode(&payload, &mut out), Ok(Some(160)));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 500, ..ProptestConfig::default() })]
    #[test]
    fn any_payload_never_panics(payloads in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..1500), 1..6)) {
        let opus = Codec::opus(111).unwrap();
        let l16 = Codec::l16(96, 16_000).unwrap();
        let mut legs = [
            Transcoder::new(opus, Codec::pcmu()).unwrap(),
            Transcoder::new(opus, l16).unwrap(),
            Transcoder::new(Codec::pcmu(), opus).unwrap(),
            Transcoder::new(l16, Codec::pcma()).unwrap(),
        ];
        let mut out = [0u8; 2000];
        for leg in legs.iter_mut() {
            for payload in &payloads {
                let _ = leg.push(payload);
                let _ = leg.push_recovered(payload);
                let _ = leg.push_lost();
                while let Ok(Some(_)) = leg.pull(&mut out) {}
            }
        }
    }
}
