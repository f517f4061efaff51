//! L16: 16-bit linear PCM in network byte order (big-endian), RFC 3551
//! §4.5.11. It is also the transcoder's inside format (as native `i16`).

use super::error::{CodecError, Result};

/// Packs `pcm` as big-endian bytes into the start of `out`; returns the
/// bytes written (two per sample).
pub fn pack(pcm: &[i16], out: &mut [u8]) -> Result<usize> {
    let needed = pcm.len().saturating_mul(2);
    if out.len() < needed {
        return Err(CodecError::BufferTooSmall {
            needed,
            available: out.len(),
        });
    }
    for (pair, &sample) in out.chunks_exact_mut(2).zip(pcm) {
        pair.copy_from_slice(&sample.to_be_bytes());
    }
    Ok(needed)
}

/// Unpacks big-endian `payload` into the start of `out`; returns the
/// samples written. An odd byte count is an invalid payload.
pub fn unpack(payload: &[u8], out: &mut [i16]) -> Result<usize> {
    if !payload.len().is_multiple_of(2) {
        return Err(CodecError::InvalidPayload(
            "L16 payload has an odd number of bytes",
        ));
    }
    let needed = payload.len() / 2;
    if out.len() < needed {
        return Err(CodecError::BufferTooSmall {
            needed,
            available: out.len(),
        });
    }
    for (sample, pair) in out.iter_mut().zip(payload.chunks_exact(2)) {
        *sample = i16::from_be_bytes([pair[0], pair[1]]);
    }
    Ok(needed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn network_byte_order() {
        let mut bytes = [0u8; 6];
        assert_eq!(pack(&[0x0102, -2, i16::MIN], &mut bytes), Ok(6));
        assert_eq!(bytes, [0x01, 0x02, 0xFF, 0xFE, 0x80, 0x00]);
        let mut pcm = [0i16; 3];
        assert_eq!(unpack(&bytes, &mut pcm), Ok(3));
        assert_eq!(pcm, [0x0102, -2, i16::MIN]);
    }

    #[test]
    fn rejects_odd_payloads_and_small_buffers() {
        let mut pcm = [0i16; 4];
        assert!(matches!(
            unpack(&[1, 2, 3], &mut pcm),
            Err(CodecError::InvalidPayload(_))
        ));
        assert_eq!(
            unpack(&[0; 10], &mut pcm),
            Err(CodecError::BufferTooSmall {
                needed: 5,
                available: 4
            })
        );
        assert_eq!(
            pack(&[1, 2], &mut [0u8; 3]),
            Err(CodecError::BufferTooSmall {
                needed: 4,
                available: 3
            })
        );
    }

    proptest! {
        #[test]
        fn round_trip(pcm in proptest::collection::vec(any::<i16>(), 0..300)) {
            let mut bytes = vec![0u8; pcm.len() * 2];
            let mut back = vec![0i16; pcm.len()];
            prop_assert_eq!(pack(&pcm, &mut bytes), Ok(pcm.len() * 2));
            prop_assert_eq!(unpack(&bytes, &mut back), Ok(pcm.len()));
            prop_assert_eq!(back, pcm);
        }

        #[test]
        fn unpacking_any_bytes_never_panics(payload in proptest::collection::vec(any::<u8>(), 0..300), room in 0usize..200) {
            let mut out = vec![0i16; room];
            let _ = unpack(&payload, &mut out);
        }
    }
}
