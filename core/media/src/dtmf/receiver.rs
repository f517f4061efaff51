//! The RFC 4733 receiver: turns telephone-event packets into one start and
//! one end per key press.
//!
//! Events are identified by their RTP timestamp (RFC 4733 section 2.5.2):
//! every packet of one press carries the same timestamp, so a packet whose
//! timestamp was already closed (the three redundant end packets, late
//! updates, duplicates) is dropped, and a new timestamp is a new press even
//! for the same key. The start may be lost (the first packet seen starts the
//! event), packets may come in any order (the longest duration wins, older
//! timestamps are stale), and an event whose end packets are all lost is
//! closed by the next event or by [`TelephoneEventReceiver::tick`] once
//! nothing has been heard of it for the configured timeout. Events longer
//! than `0xFFFF` units, which the sender splits into segments
//! (RFC 4733 section 2.5.1.3), are joined again.
//!
//! Time is the RTP clock of the stream: the caller passes packet
//! timestamps, and for timeouts the timestamp "now" (for example that of
//! the latest audio packet, or wall time converted to RTP units).

use super::Digit;
use super::telephone_event::{TelephoneEvent, TelephoneEventError};

/// Settings of a [`TelephoneEventReceiver`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReceiverConfig {
    /// The telephone-event clock rate in Hz (8000 or 48000 usually).
    pub clock_rate: u32,
    /// An event that has had no packet for this many timestamp units past
    /// its last known duration is closed as if its end had come.
    pub timeout: u32,
}

impl ReceiverConfig {
    /// Settings for a clock rate, with a timeout of 500 ms.
    pub fn new(clock_rate: u32) -> ReceiverConfig {
        let clock_rate = clock_rate.max(1);
        ReceiverConfig {
            clock_rate,
            timeout: (clock_rate / 2).max(1),
        }
    }
}

/// Why an event was closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndReason {
    /// A packet with the E bit came.
    EndBit,
    /// A newer event started before any end packet came.
    NewEvent,
    /// Nothing was heard of the event for the configured timeout.
    Timeout,
}

/// What the receiver reports: each key press once as a start, then once as
/// an end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DtmfEvent {
    /// A key press began (for forwarding early; the digit is final).
    Start {
        /// The key.
        digit: Digit,
        /// The event's RTP timestamp (its start).
        timestamp: u32,
        /// Its volume (dB below 0 dBm0).
        volume: u8,
    },
    /// A key press ended.
    End {
        /// The key.
        digit: Digit,
        /// The event's RTP timestamp (its start).
        timestamp: u32,
        /// Its length in RTP timestamp units.
        duration: u32,
        /// Its length in milliseconds.
        duration_ms: u32,
        /// Its volume (dB below 0 dBm0).
        volume: u8,
        /// How the end was learnt.
        reason: EndReason,
    },
}

impl DtmfEvent {
    /// The key of either kind of event.
    pub fn digit(&self) -> Digit {
        match self {
            DtmfEvent::Start { digit, .. } | DtmfEvent::End { digit, .. } => *digit,
        }
    }
}

/// Counters kept by the receiver.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReceiverStats {
    /// Packets handed in.
    pub packets: u64,
    /// Packets whose payload could not be read.
    pub malformed: u64,
    /// Packets whose event is not a DTMF key or flash (tones, modem signals).
    pub not_dtmf: u64,
    /// Packets dropped as belonging to an event already closed or older
    /// (redundant ends, duplicates, late reordered packets).
    pub stale: u64,
    /// Key presses reported.
    pub presses: u64,
}

/// The events one packet produced: at most three (the end of the previous
/// press, the start of a new one, and its end when the first packet seen
/// already has the E bit). Iterate it; it holds no heap memory.
#[derive(Debug, Clone, Default)]
pub struct ReceiverEvents {
    items: [Option<DtmfEvent>; 3],
    len: usize,
    next: usize,
}

impl ReceiverEvents {
    fn push(&mut self, event: DtmfEvent) {
        if let Some(slot) = self.items.get_mut(self.len) {
            *slot = Some(event);
            self.len += 1;
        }
    }

    /// Whether the packet produced no event.
    pub fn is_empty(&self) -> bool {
        self.next >= self.len
    }
}

impl Iterator for ReceiverEvents {
    type Item = DtmfEvent;

    fn next(&mut self) -> Option<DtmfEvent> {
        let item = self.items.get_mut(self.next)?.take();
        if item.is_some() {
            self.next += 1;
        }
        item
    }
}

#[derive(Debug, Clone, Copy)]
struct Active {
    digit: Digit,
    /// Timestamp of the event's first segment (reported).
    first_ts: u32,
    /// Timestamp of the segment being received.
    segment_ts: u32,
    /// Duration of the segments before this one.
    base: u32,
    /// Longest duration seen in this segment.
    duration: u16,
    volume: u8,
}

/// An RTP timestamp jump backwards larger than this many seconds is a new
/// stream (sender restarted its clock), not a late packet.
const DISCONTINUITY_SECS: u32 = 10;

/// The RFC 4733 receiving state machine for one RTP stream.
#[derive(Debug, Clone)]
pub struct TelephoneEventReceiver {
    config: ReceiverConfig,
    active: Option<Active>,
    /// Timestamp of the newest event seen (active or closed).
    newest: Option<u32>,
    /// Highest RTP sequence number seen.
    highest_seq: Option<u16>,
    stats: ReceiverStats,
}

fn serial_diff(a: u32, b: u32) -> i32 {
    a.wrapping_sub(b) as i32
}

impl TelephoneEventReceiver {
    /// A receiver with the given settings.
    pub fn new(config: ReceiverConfig) -> TelephoneEventReceiver {
        TelephoneEventReceiver {
            config: ReceiverConfig {
                clock_rate: config.clock_rate.max(1),
                timeout: config.timeout.max(1),
            },
            active: None,
            newest: None,
            highest_seq: None,
            stats: ReceiverStats::default(),
        }
    }

    /// The settings in use.
    pub fn config(&self) -> ReceiverConfig {
        self.config
    }

    /// Counters so far.
    pub fn stats(&self) -> ReceiverStats {
        self.stats
    }

    /// Forgets every event (for a new SSRC or a re-negotiated stream). An
    /// event in progress is not reported as ended.
    pub fn reset(&mut self) {
        self.active = None;
        self.newest = None;
        self.highest_seq = None;
    }

    /// Whether a key is currently held (started and not yet ended).
    pub fn in_progress(&self) -> Option<Digit> {
        self.active.map(|a| a.digit)
    }

    /// The RTP timestamp at which [`tick`](Self::tick) will close the event
    /// in progress, if any.
    pub fn deadline(&self) -> Option<u32> {
        self.active.map(|a| {
            a.segment_ts
                .wrapping_add(u32::from(a.duration))
                .wrapping_add(self.config.timeout)
        })
    }

    /// Feeds one telephone-event RTP packet: its timestamp, sequence number,
    /// marker bit and payload. Returns the events it produced; a payload
    /// that cannot be read is an error and changes nothing.
    pub fn handle_packet(
        &mut self,
        timestamp: u32,
        sequence: u16,
        marker: bool,
        payload: &[u8],
    ) -> Result<ReceiverEvents, TelephoneEventError> {
        self.stats.packets += 1;
        let mut out = ReceiverEvents::default();
        let event = match TelephoneEvent::parse(payload) {
            Ok(event) => event,
            Err(e) => {
                self.stats.malformed += 1;
                return Err(e);
            }
        };
        let seq_is_newest = self
            .highest_seq
            .is_none_or(|h| (sequence.wrapping_sub(h) as i16) > 0);
        if seq_is_newest {
            self.highest_seq = Some(sequence);
        }
        let Some(digit) = event.digit() else {
            self.stats.not_dtmf += 1;
            return Ok(out);
        };

        if let Some(active) = self.active.as_mut() {
            if active.segment_ts == timestamp {
                if active.digit != digit {
                    self.stats.stale += 1;
                    return Ok(out);
                }
                active.duration = active.duration.max(event.duration);
                if event.end {
                    self.close(EndReason::EndBit, &mut out);
                }
                return Ok(out);
            }
            // The next segment of a long event: same key, no marker, a
            // timestamp where the previous segment's duration runs out.
            let gap = timestamp.wrapping_sub(active.segment_ts);
            if active.digit == digit
                && !marker
                && (0x8000..=0xFFFF).contains(&gap)
                && u32::from(active.duration).saturating_add(self.config.timeout) >= gap
            {
                active.base = active.base.saturating_add(gap);
                active.segment_ts = timestamp;
                active.duration = event.duration;
                self.newest = Some(timestamp);
                if event.end {
                    self.close(EndReason::EndBit, &mut out);
                }
                return Ok(out);
            }
        }

        if let Some(newest) = self.newest {
            let diff = serial_diff(timestamp, newest);
            if diff == 0 {
                // A press already closed: redundant end, duplicate, or late.
                self.stats.stale += 1;
                return Ok(out);
            }
            if diff < 0 {
                let back = diff.unsigned_abs();
                let restarted = (marker && seq_is_newest)
                    || back > self.config.clock_rate.saturating_mul(DISCONTINUITY_SECS);
                if !restarted {
                    self.stats.stale += 1;
                    return Ok(out);
                }
            }
        }

        if self.active.is_some() {
            self.close(EndReason::NewEvent, &mut out);
        }
        out.push(DtmfEvent::Start {
            digit,
            timestamp,
            volume: event.volume,
        });
        self.newest = Some(timestamp);
        self.active = Some(Active {
            digit,
            first_ts: timestamp,
            segment_ts: timestamp,
            base: 0,
            duration: event.duration,
            volume: event.volume,
        });
        if event.end {
            self.close(EndReason::EndBit, &mut out);
        }
        Ok(out)
    }

    /// Tells the receiver the current time in RTP timestamp units; closes
    /// the event in progress if nothing was heard of it for the timeout.
    pub fn tick(&mut self, now: u32) -> Option<DtmfEvent> {
        let deadline = self.deadline()?;
        if serial_diff(now, deadline) < 0 {
            return None;
        }
        let mut out = ReceiverEvents::default();
        self.close(EndReason::Timeout, &mut out);
        out.next()
    }

    fn close(&mut self, reason: EndReason, out: &mut ReceiverEvents) {
        let Some(active) = self.active.take() else {
            return;
        };
        let duration = active.base.saturating_add(u32::from(active.duration));
        let duration_ms = (u64::from(duration) * 1000 / u64::from(self.config.clock_rate)) as u32;
        self.stats.presses += 1;
        out.push(DtmfEvent::End {
            digit: active.digit,
            timestamp: active.first_ts,
            duration,
            duration_ms,
            volume: active.volume,
            reason,
        });
    }
}
