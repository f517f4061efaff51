//! The media path allocates nothing per frame in steady state: after a
//! warm-up, encoding, decoding, concealing, resampling and transcoding
//! run under a counting allocator and must not touch the heap. (The
//! allocator sees Rust's allocations; libopus keeps its state in the block
//! allocated at creation and works on the stack when encoding and
//! decoding.)

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use switchyard_media::codec::{
    Codec, OpusConfig, OpusDecoder, OpusEncoder, Resampler, Transcoder, g711,
};

struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

// SAFETY: forwards every call unchanged to the system allocator; the
// thread-local counter neither allocates nor touches the memory handed out.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.with(|n| n.set(n.get() + 1));
        // SAFETY: same contract as ours, passed through.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `System.alloc` above with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.with(|n| n.set(n.get() + 1));
        // SAFETY: same contract as ours, passed through.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Heap allocations `f` makes on this thread.
fn allocations(f: impl FnOnce()) -> usize {
    let before = ALLOCATIONS.with(Cell::get);
    f();
    ALLOCATIONS.with(Cell::get) - before
}

fn tone(rate: u32, start: usize, len: usize) -> Vec<i16> {
    (start..start + len)
        .map(|n| {
            (9_000.0 * (2.0 * std::f64::consts::PI * 700.0 * n as f64 / f64::from(rate)).sin())
                as i16
        })
        .collect()
}

#[test]
fn steady_state_allocates_nothing() {
    let opus = Codec::opus(111).unwrap();
    let config = OpusConfig {
        inband_fec: true,
        packet_loss_percent: 10,
        dtx: true,
        ..OpusConfig::default()
    };
    let mut to_opus = Transcoder::with_opus_config(Codec::pcmu(), opus, config).unwrap();
    let mut to_pcmu = Transcoder::new(opus, Codec::pcmu()).unwrap();
    let l16 = Codec::l16(96, 16_000).unwrap();
    let mut to_l16 = Transcoder::new(Codec::pcma(), l16).unwrap();
    let mut encoder = OpusEncoder::new(OpusConfig::default()).unwrap();
    let mut decoder = OpusDecoder::new(48_000).unwrap();
    let mut resampler = Resampler::new(44_100, 8_000, 882).unwrap();

    let frames: Vec<Vec<i16>> = (0..60).map(|k| tone(8_000, k * 160, 160)).collect();
    let wide: Vec<Vec<i16>> = (0..60).map(|k| tone(48_000, k * 960, 960)).collect();
    let prompt: Vec<Vec<i16>> = (0..60).map(|k| tone(44_100, k * 882, 882)).collect();
    let mut pcmu = [0u8; 160];
    let mut packet = [0u8; 1500];
    let mut out = [0u8; 1500];
    let mut pcm48 = [0i16; 960];
    let mut pcm8 = [0i16; 160];

    let mut run = |k: usize| {
        g711::encode_ulaw(&frames[k], &mut pcmu).unwrap();
        if let Some(len) = to_opus.transcode(&pcmu, &mut packet).unwrap() {
            if k % 7 == 3 {
                to_pcmu.push_recovered(&packet[..len]).unwrap();
                to_pcmu.pull(&mut out).unwrap();
            }
            if k % 11 == 5 {
                to_pcmu.push_lost().unwrap();
                to_pcmu.pull(&mut out).unwrap();
            }
            to_pcmu.transcode(&packet[..len], &mut out).unwrap();
        }
        to_l16.transcode(&pcmu, &mut out).unwrap();
        let len = encoder.encode(&wide[k], &mut packet).unwrap();
        decoder.decode(&packet[..len], &mut pcm48).unwrap();
        decoder.conceal(&mut pcm48).unwrap();
        resampler.process(&prompt[k], &mut pcm8).unwrap();
    };
    for k in 0..10 {
        run(k);
    }
    let count = allocations(|| {
        for k in 10..60 {
            run(k);
        }
    });
    assert_eq!(count, 0, "{count} allocations in 50 frames of steady state");
}
