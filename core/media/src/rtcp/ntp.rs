//! NTP timestamps (RFC 3550 §4) and round-trip time from report blocks
//! (§6.4.1: LSR and DLSR).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::report::ReportBlock;

/// Seconds from the NTP epoch (1900-01-01) to the Unix epoch (1970-01-01).
pub const NTP_UNIX_OFFSET_SECS: u64 = 2_208_988_800;

/// A 64-bit NTP timestamp: seconds since 1900 in the high 32 bits, the
/// fraction of a second in the low 32.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct NtpTimestamp(pub u64);

impl NtpTimestamp {
    /// Converts a wallclock time passed in by the caller. Times before
    /// 1970 map to the Unix epoch; the seconds wrap in 2036 as NTP's do.
    pub fn from_system_time(time: SystemTime) -> Self {
        let since_unix = time.duration_since(UNIX_EPOCH).unwrap_or(Duration::ZERO);
        let seconds = since_unix.as_secs().wrapping_add(NTP_UNIX_OFFSET_SECS) & 0xffff_ffff;
        let fraction = (u64::from(since_unix.subsec_nanos()) << 32) / 1_000_000_000;
        NtpTimestamp((seconds << 32) | fraction)
    }

    /// The middle 32 bits, as carried in LSR and used for round-trip
    /// computations (16 bits of seconds, 16 of fraction).
    pub fn middle_32(&self) -> u32 {
        (self.0 >> 16) as u32
    }
}

/// A duration in the 1/65536-second units of DLSR, saturating.
pub fn to_compact(duration: Duration) -> u32 {
    let units = duration.as_nanos() * 65_536 / 1_000_000_000;
    u32::try_from(units).unwrap_or(u32::MAX)
}

/// A duration from 1/65536-second units.
pub fn from_compact(units: u32) -> Duration {
    Duration::from_nanos(u64::from(units) * 1_000_000_000 / 65_536)
}

/// The LSR and DLSR to put in a report block about a source whose last
/// SR carried `last_sr_ntp` and was received `since_last_sr` ago; (0, 0)
/// when no SR was received yet.
pub fn lsr_dlsr(last_sr_ntp: Option<NtpTimestamp>, since_last_sr: Duration) -> (u32, u32) {
    match last_sr_ntp {
        Some(ntp) => (ntp.middle_32(), to_compact(since_last_sr)),
        None => (0, 0),
    }
}

/// The round-trip time from a report block about our stream that arrived
/// at `arrival` (RFC 3550 §6.4.1: A − LSR − DLSR). `None` when the block
/// carries no LSR or the result would be negative (clock or peer error).
pub fn round_trip_time(block: &ReportBlock, arrival: NtpTimestamp) -> Option<Duration> {
    if block.last_sr == 0 {
        return None;
    }
    let rtt = arrival
        .middle_32()
        .wrapping_sub(block.last_sr)
        .wrapping_sub(block.delay_since_last_sr);
    if rtt >= 0x8000_0000 {
        return None;
    }
    Some(from_compact(rtt))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn converts_system_time() {
        let t = UNIX_EPOCH + Duration::new(1, 500_000_000);
        let ntp = NtpTimestamp::from_system_time(t);
        assert_eq!(ntp.0 >> 32, NTP_UNIX_OFFSET_SECS + 1);
        assert_eq!(ntp.0 & 0xffff_ffff, 0x8000_0000);
        assert_eq!(
            NtpTimestamp::from_system_time(UNIX_EPOCH - Duration::from_secs(5)).0 >> 32,
            NTP_UNIX_OFFSET_SECS
        );
        assert_eq!(NtpTimestamp(0x1122_3344_5566_7788).middle_32(), 0x3344_5566);
    }

    #[test]
    fn rfc_3550_round_trip_example() {
        // §6.4.1's example: LSR 0xb705:2000, DLSR 0x0005:4000 (5.250 s),
        // A = 0xb710:8000 → RTT 0x0006:2000 = 6.125 s.
        let block = ReportBlock {
            last_sr: 0xb705_2000,
            delay_since_last_sr: 0x0005_4000,
            ..ReportBlock::default()
        };
        let arrival = NtpTimestamp(0x0000_b710_8000_0000);
        assert_eq!(
            round_trip_time(&block, arrival),
            Some(Duration::from_millis(6125))
        );
        assert_eq!(from_compact(0x0005_4000), Duration::from_millis(5250));
        assert_eq!(to_compact(Duration::from_millis(5250)), 0x0005_4000);
    }

    #[test]
    fn no_rtt_without_lsr_or_when_negative() {
        let block = ReportBlock::default();
        assert_eq!(round_trip_time(&block, NtpTimestamp(1 << 40)), None);
        let block = ReportBlock {
            last_sr: 10,
            delay_since_last_sr: 100,
            ..ReportBlock::default()
        };
        assert_eq!(round_trip_time(&block, NtpTimestamp(20 << 16)), None);
    }

    #[test]
    fn lsr_and_dlsr_for_our_reports() {
        assert_eq!(lsr_dlsr(None, Duration::from_secs(1)), (0, 0));
        let ntp = NtpTimestamp(0xaaaa_bbbb_cccc_dddd);
        assert_eq!(
            lsr_dlsr(Some(ntp), Duration::from_millis(500)),
            (0xbbbb_cccc, 0x8000)
        );
        assert_eq!(to_compact(Duration::from_secs(1 << 20)), u32::MAX);
    }
}
