//! Criterion figures for the codec layer: G.711, Opus, resampling, and a
//! full PCMU↔Opus transcode of 20 ms each way, the unit of "transcoded
//! calls per core" (a call is 50 frames a second each way).
//!
//! `cargo bench -p switchyard-media --bench codec -- --warm-up-time 1 --measurement-time 2`

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use switchyard_media::codec::{
    Codec, OpusConfig, OpusDecoder, OpusEncoder, Resampler, Transcoder, g711,
};

fn tone(rate: u32, len: usize) -> Vec<i16> {
    (0..len)
        .map(|n| {
            let t = n as f64 / f64::from(rate);
            (8_000.0 * (2.0 * std::f64::consts::PI * 440.0 * t).sin()
                + 3_000.0 * (2.0 * std::f64::consts::PI * 1_330.0 * t).sin()) as i16
        })
        .collect()
}

fn g711_bench(c: &mut Criterion) {
    let pcm = tone(8_000, 160);
    let mut bytes = [0u8; 160];
    let mut out = [0i16; 160];
    c.bench_function("g711/ulaw_encode_160", |b| {
        b.iter(|| g711::encode_ulaw(black_box(&pcm), &mut bytes))
    });
    c.bench_function("g711/ulaw_encode_160_segment_search", |b| {
        b.iter(|| {
            for (code, &s) in bytes.iter_mut().zip(black_box(&pcm)) {
                *code = g711::ulaw_encode_search(s);
            }
        })
    });
    c.bench_function("g711/alaw_encode_160", |b| {
        b.iter(|| g711::encode_alaw(black_box(&pcm), &mut bytes))
    });
    c.bench_function("g711/alaw_encode_160_segment_search", |b| {
        b.iter(|| {
            for (code, &s) in bytes.iter_mut().zip(black_box(&pcm)) {
                *code = g711::alaw_encode_search(s);
            }
        })
    });
    g711::encode_ulaw(&pcm, &mut bytes).unwrap();
    c.bench_function("g711/ulaw_decode_160", |b| {
        b.iter(|| g711::decode_ulaw(black_box(&bytes), &mut out))
    });
    c.bench_function("g711/alaw_decode_160", |b| {
        b.iter(|| g711::decode_alaw(black_box(&bytes), &mut out))
    });
}

fn opus_bench(c: &mut Criterion) {
    for rate in [8_000u32, 48_000] {
        let frames: Vec<Vec<i16>> = {
            let long = tone(rate, rate as usize);
            long.chunks(rate as usize / 50)
                .map(<[i16]>::to_vec)
                .collect()
        };
        let mut encoder = OpusEncoder::new(OpusConfig {
            sample_rate: rate,
            ..OpusConfig::default()
        })
        .unwrap();
        let mut packet = [0u8; 1500];
        let mut k = 0;
        c.bench_function(&format!("opus/encode_20ms_{}k_c5", rate / 1000), |b| {
            b.iter(|| {
                k = (k + 1) % frames.len();
                encoder.encode(black_box(&frames[k]), &mut packet).unwrap()
            })
        });
        let packets: Vec<Vec<u8>> = frames
            .iter()
            .map(|frame| {
                let len = encoder.encode(frame, &mut packet).unwrap();
                packet[..len].to_vec()
            })
            .collect();
        let mut decoder = OpusDecoder::new(rate).unwrap();
        let mut pcm = vec![0i16; rate as usize / 50];
        c.bench_function(&format!("opus/decode_20ms_{}k", rate / 1000), |b| {
            b.iter(|| {
                k = (k + 1) % packets.len();
                decoder.decode(black_box(&packets[k]), &mut pcm).unwrap()
            })
        });
    }
}

fn resample_bench(c: &mut Criterion) {
    let narrow = tone(8_000, 160);
    let wide = tone(48_000, 960);
    let mut up = Resampler::new(8_000, 48_000, 160).unwrap();
    let mut down = Resampler::new(48_000, 8_000, 960).unwrap();
    let mut out48 = [0i16; 960];
    let mut out8 = [0i16; 160];
    c.bench_function("resample/8k_to_48k_20ms", |b| {
        b.iter(|| up.process(black_box(&narrow), &mut out48).unwrap())
    });
    c.bench_function("resample/48k_to_8k_20ms", |b| {
        b.iter(|| down.process(black_box(&wide), &mut out8).unwrap())
    });
}

fn transcode_bench(c: &mut Criterion) {
    let opus = Codec::opus(111).unwrap();
    let mut to_opus = Transcoder::new(Codec::pcmu(), opus).unwrap();
    let mut to_pcmu = Transcoder::new(opus, Codec::pcmu()).unwrap();
    let pcm = tone(8_000, 8_000);
    let pcmu: Vec<Vec<u8>> = pcm
        .chunks(160)
        .map(|frame| {
            let mut bytes = vec![0u8; 160];
            g711::encode_ulaw(frame, &mut bytes).unwrap();
            bytes
        })
        .collect();
    let mut packet = [0u8; 1500];
    let opus_packets: Vec<Vec<u8>> = pcmu
        .iter()
        .map(|frame| {
            let len = to_opus.transcode(frame, &mut packet).unwrap().unwrap();
            packet[..len].to_vec()
        })
        .collect();
    let mut k = 0;
    c.bench_function("transcode/pcmu_to_opus_20ms", |b| {
        b.iter(|| {
            k = (k + 1) % pcmu.len();
            to_opus.transcode(black_box(&pcmu[k]), &mut packet).unwrap()
        })
    });
    c.bench_function("transcode/opus_to_pcmu_20ms", |b| {
        b.iter(|| {
            k = (k + 1) % opus_packets.len();
            to_pcmu
                .transcode(black_box(&opus_packets[k]), &mut packet)
                .unwrap()
        })
    });
    let mut relay = Transcoder::new(Codec::pcmu(), Codec::pcmu()).unwrap();
    c.bench_function("transcode/relay_fast_path_pcmu_20ms", |b| {
        b.iter(|| {
            k = (k + 1) % pcmu.len();
            relay.transcode(black_box(&pcmu[k]), &mut packet).unwrap()
        })
    });
}

criterion_group!(
    benches,
    g711_bench,
    opus_bench,
    resample_bench,
    transcode_bench
);
criterion_main!(benches);
