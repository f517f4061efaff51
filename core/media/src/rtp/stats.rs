//! Per-leg media statistics for the CDR and for channel variables, under
//! FreeSWITCH's `rtp_audio_*` names.
//!
//! Counters are plain integers updated per packet without allocation.
//! Quality figures follow FreeSWITCH's `switch_rtp.c` so that reports and
//! dashboards built on FreeSWITCH read the same numbers:
//!
//! - a *flaw* is a packet missing from the sequence (a gap of `n` adds
//!   `n`); a gap detected on the packet right after another gap adds a
//!   penalty of twice the new flaws (bursts hurt more);
//! - quality percentage `R = (received − flaws) / received × 100` (100 when
//!   out of range) and `MOS = 1 + 0.035·R + 0.000007·R·(R − 60)·(100 − R)`,
//!   so a clean stream scores R = 100, MOS = 4.5;
//! - mean interval and variance are over the gaps between media packet
//!   arrivals in milliseconds; min/max variance are the extremes of the
//!   running variance; loss and burst rates are computed from the
//!   histogram of consecutive gap events as FreeSWITCH's
//!   `burstr_calculate` does.
//!
//! RFC 3550 figures (interarrival jitter, cumulative and fractional loss)
//! come from [`SequenceTracker`](super::SequenceTracker) and
//! [`InterarrivalJitter`](super::InterarrivalJitter) through
//! [`MediaStats::record_reception_sample`].

use std::time::Instant;

use super::sequence::MAX_DROPOUT;

/// Consecutive-gap events tracked for the burst histogram (FreeSWITCH
/// keeps more; runs of 64 or more gap events in a row are not counted,
/// as FreeSWITCH ignores runs past its own limit).
const BURST_HISTOGRAM_LEN: usize = 64;

/// What a packet carried, for the per-kind counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PacketKind {
    /// Audio (or video) media.
    Media,
    /// RFC 4733 telephone events.
    Dtmf,
    /// RFC 3389 comfort noise.
    ComfortNoise,
}

/// Counters of received packets.
#[derive(Debug, Clone, Default)]
pub struct InboundStats {
    /// Bytes of all accepted packets, headers included.
    pub raw_bytes: u64,
    /// Payload bytes of media packets.
    pub media_bytes: u64,
    /// Accepted packets of any kind.
    pub packet_count: u64,
    /// Accepted media packets.
    pub media_packet_count: u64,
    /// Packets received but not used (wrong source, unparsable, late).
    pub skip_packet_count: u64,
    /// Packets played out through the jitter buffer.
    pub jitter_packet_count: u64,
    /// Telephone-event packets.
    pub dtmf_packet_count: u64,
    /// Comfort-noise packets.
    pub cng_packet_count: u64,
    /// Packets the jitter buffer discarded.
    pub flush_packet_count: u64,
    /// The largest jitter buffer depth seen, in packets.
    pub largest_jb_size: u64,
    /// Packets missing from the sequence, with burst penalties.
    pub flaws: u64,
    /// RFC 3550 cumulative lost packets at the last sample.
    pub cumulative_lost: i64,
    /// RFC 3550 fraction lost (1/256 units) at the last sample.
    pub fraction_lost: u8,
    /// RFC 3550 interarrival jitter samples, in milliseconds.
    pub jitter_ms: SampleSummary,
    quality: QualityState,
}

/// Counters of sent packets.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OutboundStats {
    /// Bytes of all sent packets, headers included.
    pub raw_bytes: u64,
    /// Payload bytes of media packets.
    pub media_bytes: u64,
    /// Packets sent of any kind.
    pub packet_count: u64,
    /// Media packets sent.
    pub media_packet_count: u64,
    /// Packets that were due but not sent (no remote address yet, send
    /// error).
    pub skip_packet_count: u64,
    /// Telephone-event packets sent.
    pub dtmf_packet_count: u64,
    /// Comfort-noise packets sent.
    pub cng_packet_count: u64,
}

/// Minimum, maximum and mean of a series of samples.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct SampleSummary {
    /// Number of samples.
    pub count: u64,
    /// Smallest sample (0 before any).
    pub min: f64,
    /// Largest sample (0 before any).
    pub max: f64,
    sum: f64,
}

impl SampleSummary {
    /// Adds a sample.
    pub fn add(&mut self, sample: f64) {
        if self.count == 0 || sample < self.min {
            self.min = sample;
        }
        if self.count == 0 || sample > self.max {
            self.max = sample;
        }
        self.count += 1;
        self.sum += sample;
    }

    /// The mean of the samples (0 before any).
    pub fn mean(&self) -> f64 {
        if self.count == 0 {
            0.0
        } else {
            self.sum / self.count as f64
        }
    }
}

/// FreeSWITCH-style quality state (see the module documentation).
#[derive(Debug, Clone)]
struct QualityState {
    received: u64,
    last_seq: Option<u16>,
    consecutive_gaps: usize,
    burst_histogram: [u64; BURST_HISTOGRAM_LEN],
    last_flaws: u64,
    consecutive_flaw_updates: u32,
    last_arrival: Option<Instant>,
    intervals: u64,
    interval_sum_ms: f64,
    deviation_sq_sum: f64,
    mean_interval_ms: f64,
    min_variance: f64,
    max_variance: f64,
    quality_percentage: f64,
    mos: f64,
}

impl Default for QualityState {
    fn default() -> Self {
        QualityState {
            received: 0,
            last_seq: None,
            consecutive_gaps: 0,
            burst_histogram: [0; BURST_HISTOGRAM_LEN],
            last_flaws: 0,
            consecutive_flaw_updates: 0,
            last_arrival: None,
            intervals: 0,
            interval_sum_ms: 0.0,
            deviation_sq_sum: 0.0,
            mean_interval_ms: 0.0,
            min_variance: 0.0,
            max_variance: 0.0,
            quality_percentage: 100.0,
            mos: mos_from_quality(100.0),
        }
    }
}

/// FreeSWITCH's MOS from the quality percentage R.
fn mos_from_quality(r: f64) -> f64 {
    1.0 + 0.035 * r + 0.000007 * r * (r - 60.0) * (100.0 - r)
}

impl InboundStats {
    /// Quality percentage R, 100 for a clean stream.
    pub fn quality_percentage(&self) -> f64 {
        self.quality.quality_percentage
    }

    /// Mean opinion score estimated from R.
    pub fn mos(&self) -> f64 {
        self.quality.mos
    }

    /// Mean gap between media packet arrivals, in milliseconds.
    pub fn mean_interval_ms(&self) -> f64 {
        self.quality.mean_interval_ms
    }

    /// Smallest running variance of the arrival gaps (ms²).
    pub fn min_variance(&self) -> f64 {
        self.quality.min_variance
    }

    /// Largest running variance of the arrival gaps (ms²).
    pub fn max_variance(&self) -> f64 {
        self.quality.max_variance
    }

    /// FreeSWITCH's loss rate and burst rate from the gap histogram.
    pub fn loss_and_burst_rates(&self) -> (f64, f64) {
        let q = &self.quality;
        let mut lost = 0u64;
        let mut bursts = 0u64;
        for (run, &count) in q.burst_histogram.iter().enumerate() {
            lost = lost.saturating_add((run as u64).saturating_mul(count));
            bursts = bursts.saturating_add(count);
        }
        if q.received == 0 {
            return (0.0, 0.0);
        }
        let received = q.received as f64;
        let loss_rate = lost as f64 / received;
        let burst_rate = if bursts > 0 {
            ((lost as f64 / bursts as f64) / (1.0 / (1.0 - lost as f64 / received))).abs()
        } else {
            0.0
        };
        (loss_rate, burst_rate)
    }

    fn on_media(&mut self, seq: u16, arrival: Instant) {
        let q = &mut self.quality;
        q.received += 1;
        let mut new_flaws = 0u64;
        if let Some(last) = q.last_seq {
            let step = seq.wrapping_sub(last);
            if step > 1 && step < MAX_DROPOUT {
                new_flaws = u64::from(step - 1);
                q.consecutive_gaps += 1;
                if let Some(slot) = q.burst_histogram.get_mut(q.consecutive_gaps) {
                    *slot += new_flaws;
                }
            } else {
                q.consecutive_gaps = 0;
            }
        }
        q.last_seq = Some(seq);
        self.flaws += new_flaws;

        // Quality percentage and MOS, with FreeSWITCH's burst penalty.
        if self.flaws > q.received {
            self.flaws = 0;
        }
        if self.flaws > 0 && self.flaws != q.last_flaws {
            if q.consecutive_flaw_updates > 0 {
                let diff = self.flaws.saturating_sub(q.last_flaws).max(1);
                self.flaws += diff * 2;
            }
            q.consecutive_flaw_updates += 1;
            let received = q.received as f64;
            let mut r = ((received - self.flaws as f64) / received * 100.0).trunc();
            if !(0.0..=100.0).contains(&r) {
                r = 100.0;
            }
            q.quality_percentage = r;
            q.mos = mos_from_quality(r);
            q.last_flaws = self.flaws;
        } else {
            q.consecutive_flaw_updates = 0;
        }

        // Arrival interval mean and variance.
        if let Some(last) = q.last_arrival {
            let gap_ms = arrival.saturating_duration_since(last).as_secs_f64() * 1000.0;
            let deviation = if q.intervals > 0 {
                gap_ms - q.mean_interval_ms
            } else {
                0.0
            };
            q.intervals += 1;
            q.interval_sum_ms += gap_ms;
            q.deviation_sq_sum += deviation * deviation;
            q.mean_interval_ms = q.interval_sum_ms / q.intervals as f64;
            let variance = q.deviation_sq_sum / q.intervals as f64;
            if variance < q.min_variance || q.min_variance == 0.0 {
                q.min_variance = variance;
            }
            if variance > q.max_variance {
                q.max_variance = variance;
            }
        }
        q.last_arrival = Some(arrival);
    }
}

/// Media statistics of one leg and one media type.
#[derive(Debug, Clone, Default)]
pub struct MediaStats {
    /// What we received.
    pub inbound: InboundStats,
    /// What we sent.
    pub outbound: OutboundStats,
    /// RTCP packets received.
    pub rtcp_packet_count: u64,
    /// Bytes of RTCP packets received.
    pub rtcp_octet_count: u64,
}

impl MediaStats {
    /// Empty statistics.
    pub fn new() -> Self {
        Self::default()
    }

    /// Counts an accepted packet: `raw_len` bytes on the wire,
    /// `payload_len` of payload, its sequence number and arrival time.
    pub fn record_received(
        &mut self,
        kind: PacketKind,
        raw_len: usize,
        payload_len: usize,
        seq: u16,
        arrival: Instant,
    ) {
        let s = &mut self.inbound;
        s.packet_count += 1;
        s.raw_bytes += raw_len as u64;
        match kind {
            PacketKind::Media => {
                s.media_packet_count += 1;
                s.media_bytes += payload_len as u64;
                s.on_media(seq, arrival);
            }
            PacketKind::Dtmf => s.dtmf_packet_count += 1,
            PacketKind::ComfortNoise => s.cng_packet_count += 1,
        }
    }

    /// Counts a received packet that was not used.
    pub fn record_skipped(&mut self) {
        self.inbound.skip_packet_count += 1;
    }

    /// Records the jitter buffer's totals: packets played out, packets
    /// discarded, and its current depth in packets.
    pub fn record_jitter_buffer(&mut self, played: u64, discarded: u64, depth: usize) {
        let s = &mut self.inbound;
        s.jitter_packet_count = played;
        s.flush_packet_count = discarded;
        s.largest_jb_size = s.largest_jb_size.max(depth as u64);
    }

    /// Records RFC 3550 reception figures: interarrival jitter in
    /// milliseconds, cumulative lost and fraction lost (1/256 units).
    pub fn record_reception_sample(
        &mut self,
        jitter_ms: f64,
        cumulative_lost: i64,
        fraction_lost: u8,
    ) {
        let s = &mut self.inbound;
        s.jitter_ms.add(jitter_ms);
        s.cumulative_lost = cumulative_lost;
        s.fraction_lost = fraction_lost;
    }

    /// Counts a sent packet.
    pub fn record_sent(&mut self, kind: PacketKind, raw_len: usize, payload_len: usize) {
        let s = &mut self.outbound;
        s.packet_count += 1;
        s.raw_bytes += raw_len as u64;
        match kind {
            PacketKind::Media => {
                s.media_packet_count += 1;
                s.media_bytes += payload_len as u64;
            }
            PacketKind::Dtmf => s.dtmf_packet_count += 1,
            PacketKind::ComfortNoise => s.cng_packet_count += 1,
        }
    }

    /// Counts a packet that was due but not sent.
    pub fn record_send_skipped(&mut self) {
        self.outbound.skip_packet_count += 1;
    }

    /// Counts a received RTCP packet of `octets` bytes.
    pub fn record_rtcp(&mut self, octets: usize) {
        self.rtcp_packet_count += 1;
        self.rtcp_octet_count += octets as u64;
    }

    /// The channel variables FreeSWITCH sets at hangup, for media type
    /// `media` (`"audio"` gives `rtp_audio_in_raw_bytes` …), with values
    /// formatted as FreeSWITCH does (integers, or two decimals).
    pub fn channel_variables(&self, media: &str) -> Vec<(String, String)> {
        let i = &self.inbound;
        let o = &self.outbound;
        let (loss_rate, burst_rate) = i.loss_and_burst_rates();
        let counts: [(&str, u64); 19] = [
            ("in_raw_bytes", i.raw_bytes),
            ("in_media_bytes", i.media_bytes),
            ("in_packet_count", i.packet_count),
            ("in_media_packet_count", i.media_packet_count),
            ("in_skip_packet_count", i.skip_packet_count),
            ("in_jitter_packet_count", i.jitter_packet_count),
            ("in_dtmf_packet_count", i.dtmf_packet_count),
            ("in_cng_packet_count", i.cng_packet_count),
            ("in_flush_packet_count", i.flush_packet_count),
            ("in_largest_jb_size", i.largest_jb_size),
            ("in_flaw_total", i.flaws),
            ("out_raw_bytes", o.raw_bytes),
            ("out_media_bytes", o.media_bytes),
            ("out_packet_count", o.packet_count),
            ("out_media_packet_count", o.media_packet_count),
            ("out_skip_packet_count", o.skip_packet_count),
            ("out_dtmf_packet_count", o.dtmf_packet_count),
            ("out_cng_packet_count", o.cng_packet_count),
            ("rtcp_packet_count", self.rtcp_packet_count),
        ];
        let ratios: [(&str, f64); 7] = [
            ("in_jitter_min_variance", i.min_variance()),
            ("in_jitter_max_variance", i.max_variance()),
            ("in_jitter_loss_rate", loss_rate),
            ("in_jitter_burst_rate", burst_rate),
            ("in_mean_interval", i.mean_interval_ms()),
            ("in_quality_percentage", i.quality_percentage()),
            ("in_mos", i.mos()),
        ];
        let mut vars = Vec::with_capacity(counts.len() + ratios.len() + 1);
        for (name, value) in counts {
            vars.push((format!("rtp_{media}_{name}"), value.to_string()));
        }
        vars.push((
            format!("rtp_{media}_rtcp_octet_count"),
            self.rtcp_octet_count.to_string(),
        ));
        for (name, value) in ratios {
            vars.push((format!("rtp_{media}_{name}"), format!("{value:.2}")));
        }
        vars
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn var<'a>(vars: &'a [(String, String)], name: &str) -> &'a str {
        vars.iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or_else(|| panic!("{name} missing"))
    }

    #[test]
    fn clean_stream_scores_full_quality() {
        let mut s = MediaStats::new();
        let t0 = Instant::now();
        for i in 0..50u16 {
            s.record_received(
                PacketKind::Media,
                172,
                160,
                i,
                t0 + Duration::from_millis(20 * u64::from(i)),
            );
        }
        s.record_received(PacketKind::Dtmf, 16, 4, 50, t0);
        s.record_received(PacketKind::ComfortNoise, 13, 1, 51, t0);
        s.record_skipped();
        s.record_sent(PacketKind::Media, 172, 160);
        s.record_sent(PacketKind::Dtmf, 16, 4);
        s.record_sent(PacketKind::ComfortNoise, 13, 1);
        s.record_send_skipped();
        s.record_rtcp(52);
        s.record_jitter_buffer(40, 2, 5);
        s.record_jitter_buffer(45, 3, 3);
        s.record_reception_sample(1.5, 0, 0);
        s.record_reception_sample(0.5, 0, 0);
        let v = s.channel_variables("audio");
        assert_eq!(v.len(), 27);
        assert_eq!(
            var(&v, "rtp_audio_in_raw_bytes"),
            (50 * 172 + 16 + 13).to_string()
        );
        assert_eq!(var(&v, "rtp_audio_in_media_bytes"), "8000");
        assert_eq!(var(&v, "rtp_audio_in_packet_count"), "52");
        assert_eq!(var(&v, "rtp_audio_in_media_packet_count"), "50");
        assert_eq!(var(&v, "rtp_audio_in_skip_packet_count"), "1");
        assert_eq!(var(&v, "rtp_audio_in_dtmf_packet_count"), "1");
        assert_eq!(var(&v, "rtp_audio_in_cng_packet_count"), "1");
        assert_eq!(var(&v, "rtp_audio_in_jitter_packet_count"), "45");
        assert_eq!(var(&v, "rtp_audio_in_flush_packet_count"), "3");
        assert_eq!(var(&v, "rtp_audio_in_largest_jb_size"), "5");
        assert_eq!(var(&v, "rtp_audio_in_flaw_total"), "0");
        assert_eq!(var(&v, "rtp_audio_in_mean_interval"), "20.00");
        assert_eq!(var(&v, "rtp_audio_in_jitter_max_variance"), "0.00");
        assert_eq!(var(&v, "rtp_audio_in_quality_percentage"), "100.00");
        assert_eq!(var(&v, "rtp_audio_in_mos"), "4.50");
        assert_eq!(var(&v, "rtp_audio_in_jitter_loss_rate"), "0.00");
        assert_eq!(var(&v, "rtp_audio_out_packet_count"), "3");
        assert_eq!(var(&v, "rtp_audio_out_media_bytes"), "160");
        assert_eq!(var(&v, "rtp_audio_out_raw_bytes"), "201");
        assert_eq!(var(&v, "rtp_audio_out_skip_packet_count"), "1");
        assert_eq!(var(&v, "rtp_audio_out_dtmf_packet_count"), "1");
        assert_eq!(var(&v, "rtp_audio_out_cng_packet_count"), "1");
        assert_eq!(var(&v, "rtp_audio_out_media_packet_count"), "1");
        assert_eq!(var(&v, "rtp_audio_rtcp_packet_count"), "1");
        assert_eq!(var(&v, "rtp_audio_rtcp_octet_count"), "52");
        assert_eq!(s.inbound.jitter_ms.count, 2);
        assert_eq!(
            (s.inbound.jitter_ms.min, s.inbound.jitter_ms.max),
            (0.5, 1.5)
        );
        assert!((s.inbound.jitter_ms.mean() - 1.0).abs() < 1e-9);
    }

    #[test]
    fn losses_lower_quality_as_freeswitch_computes() {
        let mut s = MediaStats::new();
        let t0 = Instant::now();
        // 100 packets in order, then one gap of 5.
        for i in 0..100u16 {
            s.record_received(PacketKind::Media, 172, 160, i, t0);
        }
        s.record_received(PacketKind::Media, 172, 160, 105, t0);
        assert_eq!(s.inbound.flaws, 5);
        // R = trunc((101 - 5) / 101 * 100) = 95.
        assert_eq!(s.inbound.quality_percentage(), 95.0);
        let mos = 1.0 + 0.035 * 95.0 + 0.000007 * 95.0 * 35.0 * 5.0;
        assert!((s.inbound.mos() - mos).abs() < 1e-9);
        // A second gap right after the first adds a burst penalty of 2x.
        s.record_received(PacketKind::Media, 172, 160, 107, t0);
        assert_eq!(s.inbound.flaws, 5 + 1 + 2);
        let (loss, burst) = s.inbound.loss_and_burst_rates();
        // Histogram: run 1 had 5 lost, run 2 had 1 lost: lost = 1*5 + 2*1.
        assert!((loss - 7.0 / 102.0).abs() < 1e-9);
        assert!(burst > 0.0);
    }

    #[test]
    fn interval_variance_tracks_irregular_arrivals() {
        let mut s = MediaStats::new();
        let t0 = Instant::now();
        let mut t = t0;
        for i in 0..20u16 {
            t += Duration::from_millis(if i % 2 == 0 { 10 } else { 30 });
            s.record_received(PacketKind::Media, 172, 160, i, t);
        }
        assert!((s.inbound.mean_interval_ms() - 20.0).abs() < 1.5);
        assert!(s.inbound.max_variance() > 50.0);
        assert!(s.inbound.min_variance() <= s.inbound.max_variance());
    }

    #[test]
    fn empty_stats_are_zero() {
        let s = MediaStats::new();
        assert_eq!(s.inbound.loss_and_burst_rates(), (0.0, 0.0));
        assert_eq!(SampleSummary::default().mean(), 0.0);
        let v = s.channel_variables("video");
        assert!(v.iter().all(|(n, _)| n.starts_with("rtp_video_")));
    }
}
