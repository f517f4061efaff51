//! RTP in libpcap files, for SIPp's `play_pcap_audio` (see
//! ../shared/PEERS.md): building RTP packets (PCMU audio, in-band DTMF,
//! RFC 4733 telephone events) and writing them as Ethernet/IPv4/UDP
//! frames between 127.0.0.1 ports, and reading such files back.
//!
//! SIPp 3.6.1 replays a pcap from a raw socket: it keeps each UDP payload
//! (the RTP header included: payload type, sequence numbers, timestamps,
//! SSRC go out as written here), sends from the `[media_port]` it put in
//! its SDP to the port of the peer's SDP (plus the packet's destination
//! port minus the lowest one in the file, so all packets here use one
//! destination port), and keeps the capture's timing. Only the offsets
//! between packets matter, not the absolute capture time.

use crate::audio::dtmf_signal;
use crate::g711::ulaw_encode_all;
use std::fs;
use std::path::Path;
use std::time::Duration;

/// The UDP source port written into pcaps (SIPp replaces it).
pub const PCAP_SOURCE_PORT: u16 = 4000;
/// The UDP destination port written into pcaps (SIPp replaces it).
pub const PCAP_DESTINATION_PORT: u16 = 6000;
/// The capture time of the first packet (seconds since the epoch);
/// arbitrary, only differences count.
const CAPTURE_EPOCH: u64 = 1_700_000_000;
/// LINKTYPE_ETHERNET.
const LINKTYPE_ETHERNET: u32 = 1;
/// The RTP payload type of PCMU.
pub const PT_PCMU: u8 = 0;
/// The packet time of the streams built here.
pub const PTIME: Duration = Duration::from_millis(20);
/// Samples per 20 ms packet at 8 kHz.
const SAMPLES_PER_PACKET: usize = 160;

/// One packet of a pcap: when it is sent (from the start of the replay)
/// and the UDP payload (an RTP packet).
pub type TimedPacket = (Duration, Vec<u8>);

/// The fixed part of an RTP header (RFC 3550, version 2, no CSRCs and no
/// extension).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RtpHeader {
    /// The payload type (7 bits).
    pub payload_type: u8,
    /// The marker bit (start of a talkspurt, first packet of an event).
    pub marker: bool,
    /// The sequence number.
    pub sequence: u16,
    /// The timestamp, in units of the payload's clock (8000 Hz here).
    pub timestamp: u32,
    /// The synchronization source.
    pub ssrc: u32,
}

impl RtpHeader {
    /// The 12 header bytes followed by `payload`.
    pub fn packet(&self, payload: &[u8]) -> Vec<u8> {
        let mut bytes = Vec::with_capacity(12 + payload.len());
        bytes.push(0x80);
        bytes.push((u8::from(self.marker) << 7) | (self.payload_type & 0x7F));
        bytes.extend_from_slice(&self.sequence.to_be_bytes());
        bytes.extend_from_slice(&self.timestamp.to_be_bytes());
        bytes.extend_from_slice(&self.ssrc.to_be_bytes());
        bytes.extend_from_slice(payload);
        bytes
    }

    /// Splits an RTP packet into its header and payload (CSRCs, an
    /// extension and padding are skipped); `None` when it is not RTP
    /// version 2 or is cut short.
    pub fn parse(packet: &[u8]) -> Option<(RtpHeader, &[u8])> {
        if packet.len() < 12 || packet[0] >> 6 != 2 {
            return None;
        }
        let mut start = 12 + 4 * usize::from(packet[0] & 0x0F);
        if packet[0] & 0x10 != 0 {
            let words = packet.get(start + 2..start + 4)?;
            start += 4 + 4 * usize::from(u16::from_be_bytes([words[0], words[1]]));
        }
        let mut end = packet.len();
        if packet[0] & 0x20 != 0 {
            end = end.checked_sub(usize::from(*packet.last()?))?;
        }
        let payload = packet.get(start..end)?;
        let header = RtpHeader {
            payload_type: packet[1] & 0x7F,
            marker: packet[1] & 0x80 != 0,
            sequence: u16::from_be_bytes([packet[2], packet[3]]),
            timestamp: u32::from_be_bytes([packet[4], packet[5], packet[6], packet[7]]),
            ssrc: u32::from_be_bytes([packet[8], packet[9], packet[10], packet[11]]),
        };
        Some((header, payload))
    }
}

/// An RFC 4733 telephone-event payload (4 bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TelephoneEvent {
    /// The event code (0-9, 10 = `*`, 11 = `#`, 12-15 = A-D).
    pub event: u8,
    /// The E bit: the last packet(s) of the event.
    pub end: bool,
    /// The power level as -dBm0 (0-63).
    pub volume: u8,
    /// How long the event has lasted so far, in timestamp units.
    pub duration: u16,
}

impl TelephoneEvent {
    /// The 4 payload bytes.
    pub fn to_bytes(self) -> [u8; 4] {
        let duration = self.duration.to_be_bytes();
        [
            self.event,
            (u8::from(self.end) << 7) | (self.volume & 0x3F),
            duration[0],
            duration[1],
        ]
    }

    /// Reads the first 4 bytes of a payload.
    pub fn parse(payload: &[u8]) -> Option<TelephoneEvent> {
        let bytes = payload.get(..4)?;
        Some(TelephoneEvent {
            event: bytes[0],
            end: bytes[1] & 0x80 != 0,
            volume: bytes[1] & 0x3F,
            duration: u16::from_be_bytes([bytes[2], bytes[3]]),
        })
    }
}

/// The RFC 4733 event code of a DTMF digit (`0-9`, `*`, `#`, `A-D`,
/// case-insensitive).
pub fn dtmf_event_code(digit: char) -> Option<u8> {
    match digit.to_ascii_uppercase() {
        d @ '0'..='9' => Some(d as u8 - b'0'),
        '*' => Some(10),
        '#' => Some(11),
        d @ 'A'..='D' => Some(d as u8 - b'A' + 12),
        _ => None,
    }
}

/// The DTMF digit of an RFC 4733 event code.
pub fn dtmf_event_digit(code: u8) -> Option<char> {
    "0123456789*#ABCD".chars().nth(usize::from(code))
}

/// PCMU RTP packets of 20 ms (160 samples, the last one padded with
/// silence) for 8 kHz `samples`, 20 ms apart from offset zero: sequence
/// numbers from 1, timestamps from 0, the marker bit on the first packet.
/// The µ-law encoding is the test-side one of [`crate::g711`].
pub fn pcmu_packets(samples: &[i16], ssrc: u32) -> Vec<TimedPacket> {
    samples
        .chunks(SAMPLES_PER_PACKET)
        .enumerate()
        .map(|(index, chunk)| {
            let mut block = chunk.to_vec();
            block.resize(SAMPLES_PER_PACKET, 0);
            let header = RtpHeader {
                payload_type: PT_PCMU,
                marker: index == 0,
                sequence: (index + 1) as u16,
                timestamp: (index * SAMPLES_PER_PACKET) as u32,
                ssrc,
            };
            (
                PTIME * index as u32,
                header.packet(&ulaw_encode_all(&block)),
            )
        })
        .collect()
}

/// When the digits of a DTMF pcap are sent: `lead_in` of silence first,
/// then per digit `tone` of tone and `gap` of silence. Durations are
/// rounded down to whole 20 ms packets; a tone lasts at least one packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DtmfTiming {
    /// Silence before the first digit (lets the far end latch on to the
    /// stream before a digit matters).
    pub lead_in: Duration,
    /// How long each digit lasts.
    pub tone: Duration,
    /// Silence after each digit.
    pub gap: Duration,
}

impl Default for DtmfTiming {
    /// 200 ms lead-in, 100 ms tones, 100 ms gaps.
    fn default() -> DtmfTiming {
        DtmfTiming {
            lead_in: Duration::from_millis(200),
            tone: Duration::from_millis(100),
            gap: Duration::from_millis(100),
        }
    }
}

/// Whole 20 ms packets in `duration`.
fn packets_in(duration: Duration) -> usize {
    (duration.as_millis() / PTIME.as_millis()) as usize
}

/// In-band DTMF as PCMU RTP: `timing.lead_in` of silence, then for each
/// digit the tone pair ([`dtmf_signal`]) for `timing.tone` and silence
/// for `timing.gap`, all in one PCMU stream (see [`pcmu_packets`]).
///
/// # Panics
/// On a character that is not a DTMF digit.
pub fn inband_dtmf_packets(digits: &str, timing: &DtmfTiming, ssrc: u32) -> Vec<TimedPacket> {
    let ms = |duration: Duration| (packets_in(duration) * 20) as u32;
    let mut samples = vec![0i16; packets_in(timing.lead_in) * SAMPLES_PER_PACKET];
    samples.extend(dtmf_signal(
        digits,
        8000,
        ms(timing.tone).max(20),
        ms(timing.gap),
    ));
    pcmu_packets(&samples, ssrc)
}

/// RFC 4733 DTMF as RTP, in one stream with PCMU silence around it (a
/// real phone keeps sending audio between digits): PCMU packets during
/// `timing.lead_in` and after each digit; for each digit telephone events
/// of `event_payload_type` every 20 ms, all with the timestamp of the
/// event's start, the marker bit on the first, the duration growing by
/// 160 per packet, and the final duration sent three times with the E
/// bit (new sequence numbers, 20 ms apart, as RFC 4733 2.5.1.4 asks);
/// volume 10 (-10 dBm0). The PCMU silence resumes after the third end
/// packet and lasts until `timing.gap` after the tone's end (at least one
/// packet). Sequence numbers count from 1 across both payload types;
/// timestamps follow the 8 kHz clock of the send times. A `W` among the
/// digits is a second of silence (as in a dial string).
///
/// # Panics
/// On a character that is not a DTMF digit.
pub fn rfc4733_packets(
    digits: &str,
    timing: &DtmfTiming,
    event_payload_type: u8,
    ssrc: u32,
) -> Vec<TimedPacket> {
    let silence = ulaw_encode_all(&[0i16; SAMPLES_PER_PACKET]);
    let mut packets = Vec::new();
    let mut slot = 0usize; // the current 20 ms slot
    let mut sequence = 1u16;
    let mut push =
        |packets: &mut Vec<TimedPacket>, slot: usize, header: RtpHeader, payload: &[u8]| {
            packets.push((
                PTIME * slot as u32,
                RtpHeader { sequence, ..header }.packet(payload),
            ));
            sequence = sequence.wrapping_add(1);
        };
    let audio = |slot: usize, marker: bool| RtpHeader {
        payload_type: PT_PCMU,
        marker,
        sequence: 0,
        timestamp: (slot * SAMPLES_PER_PACKET) as u32,
        ssrc,
    };
    for _ in 0..packets_in(timing.lead_in) {
        push(&mut packets, slot, audio(slot, slot == 0), &silence);
        slot += 1;
    }
    let tone_packets = packets_in(timing.tone).max(1);
    for digit in digits.chars() {
        if digit == 'W' {
            // A second of silence, as `W` in a dial string.
            for _ in 0..packets_in(Duration::from_secs(1)) {
                push(&mut packets, slot, audio(slot, false), &silence);
                slot += 1;
            }
            continue;
        }
        let code = dtmf_event_code(digit).unwrap_or_else(|| panic!("{digit:?} is not DTMF"));
        let start = slot;
        let event = |index: usize, end: bool| TelephoneEvent {
            event: code,
            end,
            volume: 10,
            duration: ((index + 1) * SAMPLES_PER_PACKET) as u16,
        };
        let header = |marker: bool| RtpHeader {
            payload_type: event_payload_type,
            marker,
            sequence: 0,
            timestamp: (start * SAMPLES_PER_PACKET) as u32,
            ssrc,
        };
        for index in 0..tone_packets - 1 {
            push(
                &mut packets,
                slot,
                header(index == 0),
                &event(index, false).to_bytes(),
            );
            slot += 1;
        }
        for copy in 0..3 {
            let marker = tone_packets == 1 && copy == 0;
            let payload = event(tone_packets - 1, true).to_bytes();
            push(&mut packets, slot, header(marker), &payload);
            slot += 1;
        }
        let resume_until = (start + tone_packets + packets_in(timing.gap)).max(slot + 1);
        while slot < resume_until {
            push(&mut packets, slot, audio(slot, false), &silence);
            slot += 1;
        }
    }
    packets
}

/// The Internet checksum (RFC 1071) of `bytes`, starting from `sum`.
fn internet_checksum(bytes: &[u8], mut sum: u32) -> u16 {
    for pair in bytes.chunks(2) {
        let word = u16::from_be_bytes([pair[0], *pair.get(1).unwrap_or(&0)]);
        sum += u32::from(word);
    }
    while sum > 0xFFFF {
        sum = (sum & 0xFFFF) + (sum >> 16);
    }
    !(sum as u16)
}

/// One Ethernet/IPv4/UDP frame from 127.0.0.1:[`PCAP_SOURCE_PORT`] to
/// 127.0.0.1:[`PCAP_DESTINATION_PORT`] carrying `payload`, with correct
/// IPv4 and UDP checksums.
fn udp_frame(payload: &[u8], identification: u16) -> Vec<u8> {
    let loopback = [127u8, 0, 0, 1];
    let udp_len = (8 + payload.len()) as u16;
    let mut udp = Vec::with_capacity(usize::from(udp_len));
    udp.extend_from_slice(&PCAP_SOURCE_PORT.to_be_bytes());
    udp.extend_from_slice(&PCAP_DESTINATION_PORT.to_be_bytes());
    udp.extend_from_slice(&udp_len.to_be_bytes());
    udp.extend_from_slice(&[0, 0]);
    udp.extend_from_slice(payload);
    let mut pseudo = Vec::with_capacity(12);
    pseudo.extend_from_slice(&loopback);
    pseudo.extend_from_slice(&loopback);
    pseudo.extend_from_slice(&[0, 17]);
    pseudo.extend_from_slice(&udp_len.to_be_bytes());
    let pseudo_sum = u32::from(!internet_checksum(&pseudo, 0));
    let checksum = match internet_checksum(&udp, pseudo_sum) {
        0 => 0xFFFF,
        sum => sum,
    };
    udp[6..8].copy_from_slice(&checksum.to_be_bytes());

    let mut ip = Vec::with_capacity(20);
    ip.extend_from_slice(&[0x45, 0]);
    ip.extend_from_slice(&(20 + udp_len).to_be_bytes());
    ip.extend_from_slice(&identification.to_be_bytes());
    ip.extend_from_slice(&[0x40, 0, 64, 17, 0, 0]); // DF, TTL 64, UDP
    ip.extend_from_slice(&loopback);
    ip.extend_from_slice(&loopback);
    let checksum = internet_checksum(&ip, 0);
    ip[10..12].copy_from_slice(&checksum.to_be_bytes());

    let mut frame = Vec::with_capacity(14 + ip.len() + udp.len());
    frame.extend_from_slice(&[0x02, 0, 0, 0, 0, 0x02]); // destination MAC
    frame.extend_from_slice(&[0x02, 0, 0, 0, 0, 0x01]); // source MAC
    frame.extend_from_slice(&0x0800u16.to_be_bytes());
    frame.extend_from_slice(&ip);
    frame.extend_from_slice(&udp);
    frame
}

/// Writes `packets` (send offset, UDP payload) as a libpcap file
/// (microsecond timestamps, Ethernet link type) of IPv4/UDP datagrams
/// from 127.0.0.1:[`PCAP_SOURCE_PORT`] to 127.0.0.1:[`PCAP_DESTINATION_PORT`],
/// the form SIPp's `play_pcap_audio` replays. Offsets should not
/// decrease.
pub fn write_rtp_pcap(path: &Path, packets: &[TimedPacket]) {
    let mut bytes = Vec::new();
    bytes.extend_from_slice(&0xA1B2_C3D4u32.to_le_bytes());
    bytes.extend_from_slice(&2u16.to_le_bytes());
    bytes.extend_from_slice(&4u16.to_le_bytes());
    bytes.extend_from_slice(&0i32.to_le_bytes()); // thiszone
    bytes.extend_from_slice(&0u32.to_le_bytes()); // sigfigs
    bytes.extend_from_slice(&65_535u32.to_le_bytes()); // snaplen
    bytes.extend_from_slice(&LINKTYPE_ETHERNET.to_le_bytes());
    for (index, (offset, payload)) in packets.iter().enumerate() {
        let frame = udp_frame(payload, index as u16);
        let seconds = CAPTURE_EPOCH + offset.as_secs();
        bytes.extend_from_slice(&(seconds as u32).to_le_bytes());
        bytes.extend_from_slice(&offset.subsec_micros().to_le_bytes());
        bytes.extend_from_slice(&(frame.len() as u32).to_le_bytes());
        bytes.extend_from_slice(&(frame.len() as u32).to_le_bytes());
        bytes.extend_from_slice(&frame);
    }
    fs::write(path, bytes).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
}

/// Reads the UDP payloads of a libpcap file (either byte order,
/// microsecond or nanosecond timestamps; Ethernet, Linux cooked or raw IP
/// link types; IPv4 or IPv6), each with its offset from the first
/// packet. Frames that are not UDP are skipped.
///
/// # Panics
/// When the file cannot be read or is not a libpcap file.
pub fn read_rtp_pcap(path: &Path) -> Vec<TimedPacket> {
    let bytes = fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(bytes.len() >= 24, "{}: too short for pcap", path.display());
    let magic = [bytes[0], bytes[1], bytes[2], bytes[3]];
    let (little, nanos) = match magic {
        [0xD4, 0xC3, 0xB2, 0xA1] => (true, false),
        [0xA1, 0xB2, 0xC3, 0xD4] => (false, false),
        [0x4D, 0x3C, 0xB2, 0xA1] => (true, true),
        [0xA1, 0xB2, 0x3C, 0x4D] => (false, true),
        _ => panic!("{}: not a libpcap file", path.display()),
    };
    let word = |at: usize| {
        let four = [bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]];
        if little {
            u32::from_le_bytes(four)
        } else {
            u32::from_be_bytes(four)
        }
    };
    let linktype = word(20);
    let mut packets = Vec::new();
    let mut first: Option<Duration> = None;
    let mut at = 24;
    while at + 16 <= bytes.len() {
        let fraction = u64::from(word(at + 4));
        let time = Duration::from_secs(u64::from(word(at)))
            + if nanos {
                Duration::from_nanos(fraction)
            } else {
                Duration::from_micros(fraction)
            };
        let length = word(at + 8) as usize;
        let frame = &bytes[at + 16..(at + 16 + length).min(bytes.len())];
        at += 16 + length;
        if let Some(payload) = udp_payload(linktype, frame) {
            let start = *first.get_or_insert(time);
            packets.push((time.saturating_sub(start), payload.to_vec()));
        }
    }
    packets
}

/// The UDP payload of one captured frame, if it is UDP over IPv4/IPv6.
fn udp_payload(linktype: u32, frame: &[u8]) -> Option<&[u8]> {
    let (mut ethertype_at, ip_at) = match linktype {
        1 => (12, 14),   // Ethernet
        113 => (14, 16), // Linux cooked capture
        101 | 228 | 229 => (usize::MAX, 0),
        _ => return None,
    };
    let mut ip_at = ip_at;
    if ethertype_at != usize::MAX {
        let mut ethertype =
            u16::from_be_bytes([*frame.get(ethertype_at)?, frame[ethertype_at + 1]]);
        if ethertype == 0x8100 {
            ethertype_at += 4;
            ip_at += 4;
            ethertype = u16::from_be_bytes([*frame.get(ethertype_at)?, frame[ethertype_at + 1]]);
        }
        if ethertype != 0x0800 && ethertype != 0x86DD {
            return None;
        }
    }
    let ip = frame.get(ip_at..)?;
    let udp = match ip.first()? >> 4 {
        4 if ip.get(9)? == &17 => ip.get(usize::from(ip[0] & 0x0F) * 4..)?,
        6 if ip.get(6)? == &17 => ip.get(40..)?,
        _ => return None,
    };
    let udp_len = usize::from(u16::from_be_bytes([*udp.get(4)?, *udp.get(5)?]));
    udp.get(8..udp_len.min(udp.len()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audio::dtmf_digits;
    use crate::g711::ulaw_decode_all;
    use crate::temp_dir::TempDir;

    #[test]
    fn pcap_round_trip_keeps_payloads_and_offsets() {
        let dir = TempDir::new("pcap");
        let path = dir.path().join("audio.pcap");
        let packets: Vec<TimedPacket> = vec![
            (Duration::ZERO, vec![1, 2, 3]),
            (Duration::from_millis(20), vec![4, 5]),
            (Duration::from_micros(1_500_250), vec![6; 172]),
        ];
        write_rtp_pcap(&path, &packets);
        assert_eq!(read_rtp_pcap(&path), packets);
    }

    #[test]
    fn frames_carry_valid_checksums() {
        let frame = udp_frame(&[0x80, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 7, 0xFF], 3);
        let ip = &frame[14..34];
        assert_eq!(internet_checksum(ip, 0), 0, "IPv4 header checksum");
        let udp = &frame[34..];
        let mut pseudo = vec![127, 0, 0, 1, 127, 0, 0, 1, 0, 17];
        pseudo.extend_from_slice(&(udp.len() as u16).to_be_bytes());
        let pseudo_sum = u32::from(!internet_checksum(&pseudo, 0));
        assert_eq!(internet_checksum(udp, pseudo_sum), 0, "UDP checksum");
        assert_eq!(u16::from_be_bytes([udp[4], udp[5]]) as usize, udp.len());
    }

    #[test]
    fn pcmu_packets_are_20_ms_of_ulaw() {
        let samples: Vec<i16> = (0..400).map(|i| (i * 50) as i16).collect();
        let packets = pcmu_packets(&samples, 0x1234_5678);
        assert_eq!(packets.len(), 3);
        for (index, (offset, packet)) in packets.iter().enumerate() {
            let (header, payload) = RtpHeader::parse(packet).unwrap();
            assert_eq!(*offset, Duration::from_millis(20 * index as u64));
            assert_eq!(header.payload_type, 0);
            assert_eq!(header.marker, index == 0);
            assert_eq!(header.sequence, index as u16 + 1);
            assert_eq!(header.timestamp, 160 * index as u32);
            assert_eq!(header.ssrc, 0x1234_5678);
            assert_eq!(payload.len(), 160);
        }
        let (_, last) = RtpHeader::parse(&packets[2].1).unwrap();
        assert_eq!(&last[80..], &[0xFF; 80][..], "padded with µ-law silence");
    }

    #[test]
    fn inband_dtmf_decodes_to_the_digits() {
        let timing = DtmfTiming::default();
        let packets = inband_dtmf_packets("159#*D", &timing, 7);
        assert_eq!(packets.len(), 10 + 6 * 10);
        let audio: Vec<i16> = packets
            .iter()
            .flat_map(|(_, packet)| ulaw_decode_all(RtpHeader::parse(packet).unwrap().1))
            .collect();
        assert_eq!(dtmf_digits(&audio, 8000), "159#*D");
    }

    #[test]
    fn rfc4733_events_follow_the_rfc() {
        let timing = DtmfTiming::default();
        let packets = rfc4733_packets("1#", &timing, 101, 9);
        let parsed: Vec<(Duration, RtpHeader, Vec<u8>)> = packets
            .iter()
            .map(|(offset, packet)| {
                let (header, payload) = RtpHeader::parse(packet).unwrap();
                (*offset, header, payload.to_vec())
            })
            .collect();
        for (index, (offset, header, _)) in parsed.iter().enumerate() {
            assert_eq!(
                header.sequence as usize,
                index + 1,
                "sequence numbers count up"
            );
            assert_eq!(*offset, PTIME * index as u32, "one packet per 20 ms");
            assert_eq!(header.ssrc, 9);
        }
        // 10 lead-in, then per digit 4 updates + 3 ends + 3 silence (the
        // gap of 100 ms after a 100 ms tone ends 200 ms after its start).
        assert_eq!(parsed.len(), 10 + 2 * (4 + 3 + 3));
        let kinds: String = parsed
            .iter()
            .map(|(_, header, _)| if header.payload_type == 101 { 'e' } else { 'a' })
            .collect();
        assert_eq!(kinds, "aaaaaaaaaaeeeeeeeaaaeeeeeeeaaa");
        for (digit, first) in [(1u8, 10usize), (11, 20)] {
            let events = &parsed[first..first + 7];
            for (index, (_, header, payload)) in events.iter().enumerate() {
                let event = TelephoneEvent::parse(payload).unwrap();
                assert_eq!(event.event, digit);
                assert_eq!(event.volume, 10);
                assert_eq!(header.marker, index == 0, "marker on the first only");
                assert_eq!(
                    header.timestamp as usize,
                    first * 160,
                    "one timestamp per event"
                );
                assert_eq!(event.end, index >= 4, "three end packets");
                assert_eq!(event.duration as usize, 160 * (index.min(4) + 1));
            }
        }
        assert_eq!(dtmf_event_code('*'), Some(10));
        assert_eq!(dtmf_event_digit(11), Some('#'));
        assert_eq!(dtmf_event_code('e'), None);
    }

    #[test]
    fn sipps_own_dtmf_pcap_reads_as_one_event() {
        // Debian's sip-tester ships these (tests/run installs it).
        let path = Path::new("/usr/share/sip-tester/dtmf_2833_1.pcap");
        let packets = read_rtp_pcap(path);
        let events: Vec<(RtpHeader, TelephoneEvent)> = packets
            .iter()
            .map(|(_, packet)| {
                let (header, payload) = RtpHeader::parse(packet).unwrap();
                (header, TelephoneEvent::parse(payload).unwrap())
            })
            .collect();
        assert_eq!(events.len(), 10);
        assert!(
            events
                .iter()
                .all(|(h, e)| h.payload_type == 101 && e.event == 1)
        );
        assert!(events[0].0.marker);
        assert_eq!(events.iter().filter(|(_, e)| e.end).count(), 3);
        assert_eq!(packets[9].0, Duration::from_micros(139_929));
    }
}
