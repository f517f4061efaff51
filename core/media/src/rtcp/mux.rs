//! Telling RTP from RTCP on one port (rtcp-mux, RFC 5761 §4).

/// Whether a datagram multiplexed with RTP is RTCP: its second byte (RTCP
/// packet type, or RTP marker bit and payload type) is in 192–223, which
/// is what RTP payload types 64–95 with the marker bit set would show, the
/// range RFC 5761 keeps free of RTP payload types for this reason.
/// Datagrams shorter than 2 bytes are neither, and give `false`.
pub fn is_rtcp(datagram: &[u8]) -> bool {
    matches!(datagram.get(1), Some(192..=223))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demultiplexes_by_the_second_byte() {
        assert!(is_rtcp(&[0x80, 200]));
        assert!(is_rtcp(&[0x81, 201, 0, 7]));
        assert!(is_rtcp(&[0x80, 223]));
        assert!(!is_rtcp(&[0x80, 191]));
        assert!(!is_rtcp(&[0x80, 224]));
        assert!(!is_rtcp(&[0x80, 0x00]));
        assert!(!is_rtcp(&[0x80, 0x80 | 96])); // marker + PT 96
        assert!(!is_rtcp(&[0x80]));
        assert!(!is_rtcp(&[]));
    }
}
