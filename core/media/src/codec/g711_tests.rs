//! G.711 against the standard's tables, against spandsp, and under
//! arbitrary input.

use super::*;
use proptest::prelude::*;

/// One quantisation interval of G.711, in the law's uniform-code units
/// (14-bit for μ-law, 13-bit for A-law; magnitudes only).
#[derive(Debug, Clone, Copy)]
struct Interval {
    /// The lowest magnitude that falls in this interval (its lower decision value).
    low: i32,
    /// The reconstruction (decoder output) value.
    value: i32,
}

/// G.711 Table 2a (μ-law), positive half, codes 0..=127 before the sign bit
/// and the inversion: segment starts and step sizes as printed in the
/// standard. Segment 0's first interval is half width ([0, 1) → 0).
fn ulaw_intervals() -> Vec<Interval> {
    const START: [i32; 8] = [0, 31, 95, 223, 479, 991, 2015, 4063];
    let mut out = Vec::new();
    for (segment, &start) in START.iter().enumerate() {
        let step = 2 << segment;
        for j in 0..16 {
            out.push(if segment == 0 {
                Interval {
                    low: if j == 0 { 0 } else { 2 * j - 1 },
                    value: 2 * j,
                }
            } else {
                Interval {
                    low: start + j * step,
                    value: start + step / 2 + j * step,
                }
            });
        }
    }
    // Anything from the last decision value (8159) up is the top interval.
    out
}

/// G.711 Table 1a (A-law), positive half, codes 0..=127 before the sign bit
/// and the even-bit inversion.
fn alaw_intervals() -> Vec<Interval> {
    const START: [i32; 8] = [0, 32, 64, 128, 256, 512, 1024, 2048];
    let mut out = Vec::new();
    for (segment, &start) in START.iter().enumerate() {
        let step = if segment == 0 { 2 } else { 1 << segment };
        for j in 0..16 {
            out.push(Interval {
                low: start + j * step,
                value: start + step / 2 + j * step,
            });
        }
    }
    out
}

/// The interval index a magnitude falls into: the last interval whose lower
/// decision value it reaches.
fn quantise(intervals: &[Interval], magnitude: i32) -> usize {
    intervals
        .iter()
        .rposition(|interval| interval.low <= magnitude)
        .unwrap()
}

/// The standard's μ-law code for a 16-bit sample (magnitude of a negative
/// sample by one's complement, as G.191 does).
fn ulaw_oracle(sample: i16) -> u8 {
    let (magnitude, sign) = if sample < 0 {
        (i32::from(!sample), 0x80)
    } else {
        (i32::from(sample), 0)
    };
    let index = quantise(&ulaw_intervals(), magnitude >> 2) as u8;
    !(sign | index)
}

fn alaw_oracle(sample: i16) -> u8 {
    let (magnitude, sign) = if sample < 0 {
        (i32::from(!sample), 0)
    } else {
        (i32::from(sample), 0x80)
    };
    let index = quantise(&alaw_intervals(), magnitude >> 3) as u8;
    (sign | index) ^ 0x55
}

#[test]
fn decode_tables_match_the_standard_reconstruction_values() {
    let ulaw = ulaw_intervals();
    let alaw = alaw_intervals();
    for code in 0..=255u8 {
        let u = !code;
        let expected = ulaw[usize::from(u & 0x7F)].value * 4;
        let expected = if u & 0x80 != 0 { -expected } else { expected };
        assert_eq!(
            i32::from(ulaw_decode(code)),
            expected,
            "μ-law code {code:#04x}"
        );

        let a = code ^ 0x55;
        let expected = alaw[usize::from(a & 0x7F)].value * 8;
        let expected = if a & 0x80 != 0 { expected } else { -expected };
        assert_eq!(
            i32::from(alaw_decode(code)),
            expected,
            "A-law code {code:#04x}"
        );
    }
}

#[test]
fn well_known_codes() {
    // μ-law: both zeros decode to 0; the extremes are ±32124.
    assert_eq!(ulaw_decode(0xFF), 0);
    assert_eq!(ulaw_decode(0x7F), 0);
    assert_eq!(ulaw_decode(0x80), 32124);
    assert_eq!(ulaw_decode(0x00), -32124);
    assert_eq!(ulaw_encode(0), 0xFF);
    assert_eq!(ulaw_encode(-1), 0x7F);
    assert_eq!(ulaw_encode(i16::MAX), 0x80);
    assert_eq!(ulaw_encode(i16::MIN), 0x00);
    // A-law: even-bit inversion, 0xD5/0x55 are ±8, extremes ±32256.
    assert_eq!(alaw_decode(0xD5), 8);
    assert_eq!(alaw_decode(0x55), -8);
    assert_eq!(alaw_decode(0xAA), 32256);
    assert_eq!(alaw_decode(0x2A), -32256);
    assert_eq!(alaw_encode(0), 0xD5);
    assert_eq!(alaw_encode(-1), 0x55);
    assert_eq!(alaw_encode(i16::MAX), 0xAA);
    assert_eq!(alaw_encode(i16::MIN), 0x2A);
    assert_eq!(G711::new(Law::Ulaw).silence(), ulaw_encode(0));
    assert_eq!(G711::new(Law::Alaw).silence(), alaw_encode(0));
}

#[test]
fn every_sample_encodes_by_the_standard_decision_levels() {
    for sample in i16::MIN..=i16::MAX {
        assert_eq!(
            ulaw_encode(sample),
            ulaw_oracle(sample),
            "μ-law of {sample}"
        );
        assert_eq!(
            alaw_encode(sample),
            alaw_oracle(sample),
            "A-law of {sample}"
        );
        assert_eq!(
            ulaw_encode(sample),
            ulaw_encode_search(sample),
            "μ-law table vs search at {sample}"
        );
        assert_eq!(
            alaw_encode(sample),
            alaw_encode_search(sample),
            "A-law table vs search at {sample}"
        );
    }
}

#[test]
fn quantiser_is_symmetric() {
    for sample in 0..=i16::MAX {
        assert_eq!(ulaw_encode(sample) ^ 0x80, ulaw_encode(-1 - sample));
        assert_eq!(alaw_encode(sample) ^ 0x80, alaw_encode(-1 - sample));
    }
}

#[test]
fn reencoding_a_decoded_code_gives_it_back() {
    for code in 0..=255u8 {
        assert_eq!(alaw_encode(alaw_decode(code)), code, "A-law {code:#04x}");
        // μ-law's −0 (0x7F) decodes to 0, which encodes as +0 (0xFF).
        let expected = if code == 0x7F { 0xFF } else { code };
        assert_eq!(
            ulaw_encode(ulaw_decode(code)),
            expected,
            "μ-law {code:#04x}"
        );
    }
}

#[test]
fn frames_and_buffer_checks() {
    let pcm: Vec<i16> = (0..160).map(|i| (i * 397 - 30000) as i16).collect();
    let mut bytes = [0u8; 160];
    let mut back = [0i16; 160];
    for law in [Law::Ulaw, Law::Alaw] {
        let coder = G711::new(law);
        assert_eq!(coder.law(), law);
        assert_eq!(coder.encode(&pcm, &mut bytes), Ok(160));
        assert_eq!(coder.decode(&bytes, &mut back), Ok(160));
        for (&a, &b) in pcm.iter().zip(&back) {
            // Worst-case quantisation error is half the largest step (A-law 1024, μ-law 1024).
            assert!((i32::from(a) - i32::from(b)).abs() <= 1024, "{a} vs {b}");
        }
        assert_eq!(
            coder.encode(&pcm, &mut bytes[..10]),
            Err(CodecError::BufferTooSmall {
                needed: 160,
                available: 10
            })
        );
        assert_eq!(
            coder.decode(&bytes, &mut back[..3]),
            Err(CodecError::BufferTooSmall {
                needed: 160,
                available: 3
            })
        );
    }
}

/// spandsp's `g711.h` as an independent oracle: a tiny C program built
/// with gcc dumps its four functions over every input. Skipped, saying so,
/// when gcc or the header (Debian `libspandsp-dev`) is missing.
#[test]
fn agrees_with_spandsp() {
    use std::process::Command;
    let header = std::path::Path::new("/usr/include/spandsp/g711.h");
    if !header.exists() {
        eprintln!(
            "SKIPPED agrees_with_spandsp: {} missing (install libspandsp-dev)",
            header.display()
        );
        return;
    }
    if Command::new("gcc").arg("--version").output().is_err() {
        eprintln!("SKIPPED agrees_with_spandsp: gcc not found");
        return;
    }
    let dir = std::env::temp_dir().join(format!("switchyard-g711-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let source = dir.join("dump.c");
    let binary = dir.join("dump");
    std::fs::write(
        &source,
        r#"#include <stdint.h>
#include <stdio.h>
#include <spandsp/telephony.h>
#include <spandsp/bit_operations.h>
#include <spandsp/g711.h>
int main(void) {
    for (int i = -32768; i < 32768; i++) {
        putchar(linear_to_ulaw(i));
        putchar(linear_to_alaw(i));
    }
    for (int c = 0; c < 256; c++) {
        int16_t u = ulaw_to_linear((uint8_t) c), a = alaw_to_linear((uint8_t) c);
        putchar(u & 0xFF); putchar((u >> 8) & 0xFF);
        putchar(a & 0xFF); putchar((a >> 8) & 0xFF);
    }
    return 0;
}
"#,
    )
    .unwrap();
    let built = Command::new("gcc")
        .arg("-O1")
        .arg("-o")
        .arg(&binary)
        .arg(&source)
        .output()
        .unwrap();
    assert!(
        built.status.success(),
        "gcc failed: {}",
        String::from_utf8_lossy(&built.stderr)
    );
    let dump = Command::new(&binary).output().unwrap();
    std::fs::remove_dir_all(&dir).ok();
    assert!(dump.status.success());
    let bytes = dump.stdout;
    assert_eq!(bytes.len(), 65536 * 2 + 256 * 4);

    let mut ulaw_differences = 0;
    for (i, pair) in bytes[..131072].chunks_exact(2).enumerate() {
        let sample = (i as i32 - 32768) as i16;
        assert_eq!(alaw_encode(sample), pair[1], "A-law of {sample}");
        // spandsp takes a negative μ-law sample's magnitude as -x, G.191 as
        // !x = -x - 1: spandsp's code for x is G.191's for x - 1.
        if sample >= 0 || sample == i16::MIN {
            assert_eq!(ulaw_encode(sample), pair[0], "μ-law of {sample}");
        } else {
            assert_eq!(ulaw_encode(sample - 1), pair[0], "μ-law of {sample}");
            if ulaw_encode(sample) != pair[0] {
                // Only a sample exactly on a decision level differs, by one step.
                assert_eq!(sample % 4, 0, "μ-law of {sample}");
                assert_eq!(
                    ulaw_encode(sample).wrapping_sub(pair[0]),
                    1,
                    "μ-law of {sample}"
                );
                ulaw_differences += 1;
            }
        }
    }
    // Codes 1..=127 each have one lower decision value a negative sample can sit on.
    assert_eq!(ulaw_differences, 127);
    for (code, quad) in bytes[131072..].chunks_exact(4).enumerate() {
        let code = code as u8;
        assert_eq!(
            ulaw_decode(code),
            i16::from_le_bytes([quad[0], quad[1]]),
            "μ-law decode {code:#04x}"
        );
        assert_eq!(
            alaw_decode(code),
            i16::from_le_bytes([quad[2], quad[3]]),
            "A-law decode {code:#04x}"
        );
    }
}

proptest! {
    #[test]
    fn decoding_any_bytes_never_panics(payload in proptest::collection::vec(any::<u8>(), 0..400), room in 0usize..400) {
        let mut out = vec![0i16; room];
        for law in [Law::Ulaw, Law::Alaw] {
            let result = G711::new(law).decode(&payload, &mut out);
            prop_assert_eq!(result.is_ok(), room >= payload.len());
        }
    }

    #[test]
    fn encoding_any_samples_never_panics(pcm in proptest::collection::vec(any::<i16>(), 0..400), room in 0usize..400) {
        let mut out = vec![0u8; room];
        for law in [Law::Ulaw, Law::Alaw] {
            let result = G711::new(law).encode(&pcm, &mut out);
            prop_assert_eq!(result.is_ok(), room >= pcm.len());
        }
    }
}
