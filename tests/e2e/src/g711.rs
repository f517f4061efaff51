//! A test-side G.711 µ-law codec (the bias-and-segment algorithm; it
//! encodes all 65 536 inputs exactly as spandsp's `linear_to_ulaw`, the
//! switch's reference, and decodes as spandsp and sox; sox's encoder
//! differs on 383 negative inputs by one step, as it truncates to 14 bits
//! first): to build
//! PCMU payloads for pcaps and raw files for SIPp's `rtp_stream`, and to
//! simulate a PCMU hop in unit tests. It is not the switch's codec.

use std::fs;
use std::path::Path;

const BIAS: i32 = 0x84;
const CLIP: i32 = 32635;

/// Encodes one 16-bit linear sample as µ-law.
pub fn ulaw_encode(sample: i16) -> u8 {
    let mut value = i32::from(sample);
    let sign = if value < 0 {
        value = -value;
        0x80
    } else {
        0x00
    };
    value = value.min(CLIP) + BIAS;
    let mut exponent = 7;
    let mut mask = 0x4000;
    while exponent > 0 && value & mask == 0 {
        exponent -= 1;
        mask >>= 1;
    }
    let mantissa = (value >> (exponent + 3)) & 0x0F;
    !(sign | (exponent << 4) as u8 | mantissa as u8)
}

/// Decodes one µ-law byte to a 16-bit linear sample.
pub fn ulaw_decode(byte: u8) -> i16 {
    let byte = !byte;
    let exponent = i32::from((byte >> 4) & 0x07);
    let mantissa = i32::from(byte & 0x0F);
    let magnitude = (((mantissa << 3) + BIAS) << exponent) - BIAS;
    if byte & 0x80 != 0 {
        -magnitude as i16
    } else {
        magnitude as i16
    }
}

/// Encodes a block of samples.
pub fn ulaw_encode_all(samples: &[i16]) -> Vec<u8> {
    samples.iter().map(|&s| ulaw_encode(s)).collect()
}

/// Decodes a block of µ-law bytes.
pub fn ulaw_decode_all(bytes: &[u8]) -> Vec<i16> {
    bytes.iter().map(|&b| ulaw_decode(b)).collect()
}

/// Writes 8 kHz samples as headerless µ-law: the file format SIPp's
/// `<exec rtp_stream="file,loops,0"/>` streams (it sends the file's bytes
/// as they are, 160 per 20 ms packet, so a WAV header would be sent as
/// audio).
pub fn write_ulaw_raw(path: &Path, samples: &[i16]) {
    fs::write(path, ulaw_encode_all(samples))
        .unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_code_points() {
        assert_eq!(ulaw_encode(0), 0xFF);
        assert_eq!(ulaw_encode(-1), 0x7F);
        assert_eq!(ulaw_encode(i16::MAX), 0x80);
        assert_eq!(ulaw_encode(i16::MIN), 0x00);
        assert_eq!(ulaw_decode(0xFF), 0);
        assert_eq!(ulaw_decode(0x80), 32124);
        assert_eq!(ulaw_decode(0x00), -32124);
    }

    #[test]
    fn every_code_decodes_to_itself_again() {
        for byte in 0..=255u8 {
            let sample = ulaw_decode(byte);
            let again = ulaw_encode(sample);
            // 0x7F (negative zero) encodes back as 0xFF (positive zero).
            assert!(
                again == byte || (byte == 0x7F && again == 0xFF),
                "{byte:#x}"
            );
        }
    }

    #[test]
    fn round_trip_error_is_within_one_step() {
        for sample in (i16::MIN..=i16::MAX).step_by(7) {
            let back = ulaw_decode(ulaw_encode(sample));
            let error = (i32::from(sample) - i32::from(back)).abs();
            // The step at the top segment is 1024; the error is at most half of it,
            // plus the clipping above 32635.
            let limit = 512 + (i32::from(sample).abs() - CLIP).max(0);
            assert!(error <= limit, "{sample} -> {back}");
        }
    }
}
