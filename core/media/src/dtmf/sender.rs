//! The RFC 4733 sender: the packet sequence for one key press.
//!
//! A press is sent as a start packet with the marker bit, updates every
//! packetization interval carrying the growing duration (each packet, like
//! an audio packet, covers the interval that follows its send time), then
//! three end packets (E bit) with the final duration, all with the RTP
//! timestamp of the press's start. Presses longer than `0xFFFF` timestamp
//! units are split into segments as RFC 4733 section 2.5.1.3 says (a new
//! timestamp every `0xFFFF` units, no marker).
//!
//! The sender makes payloads and says when to send each; sequence numbers,
//! SSRC and pacing belong to the RTP session, which also holds back audio
//! while the press is being sent.

use super::Digit;
use super::telephone_event::{PAYLOAD_LEN, TelephoneEvent};

/// Default press length in milliseconds.
pub const DEFAULT_DURATION_MS: u32 = 100;
/// Default volume (dB below 0 dBm0).
pub const DEFAULT_VOLUME: u8 = 10;
/// Default packetization interval in milliseconds.
pub const DEFAULT_INTERVAL_MS: u32 = 20;
/// How many end packets are sent (RFC 4733 section 2.5.1.4 recommends three).
pub const END_PACKETS: u32 = 3;

/// Settings of a [`TelephoneEventSender`], in RTP timestamp units.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SenderConfig {
    /// The telephone-event clock rate in Hz (8000 or 48000 usually).
    pub clock_rate: u32,
    /// Units between two packets of a press (the packetization interval).
    pub interval: u32,
    /// Length of a press in units.
    pub duration: u32,
    /// Volume (dB below 0 dBm0, 0–63).
    pub volume: u8,
}

impl SenderConfig {
    /// Defaults for a clock rate: 100 ms presses, a packet every 20 ms,
    /// volume 10.
    pub fn new(clock_rate: u32) -> SenderConfig {
        let clock_rate = clock_rate.max(1);
        SenderConfig {
            clock_rate,
            interval: ms_to_units(clock_rate, DEFAULT_INTERVAL_MS),
            duration: ms_to_units(clock_rate, DEFAULT_DURATION_MS),
            volume: DEFAULT_VOLUME,
        }
    }

    /// The same settings with presses lasting `ms` milliseconds.
    pub fn with_duration_ms(mut self, ms: u32) -> SenderConfig {
        self.duration = ms_to_units(self.clock_rate, ms);
        self
    }

    /// The same settings with a packet every `ms` milliseconds.
    pub fn with_interval_ms(mut self, ms: u32) -> SenderConfig {
        self.interval = ms_to_units(self.clock_rate, ms);
        self
    }

    /// The same settings with another volume (clamped to 63).
    pub fn with_volume(mut self, volume: u8) -> SenderConfig {
        self.volume = volume.min(63);
        self
    }
}

fn ms_to_units(clock_rate: u32, ms: u32) -> u32 {
    (u64::from(clock_rate) * u64::from(ms) / 1000).clamp(1, u64::from(u32::MAX)) as u32
}

/// One packet to send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventPacket {
    /// The RTP timestamp (the start of the press, or of its segment).
    pub timestamp: u32,
    /// The RTP marker bit (set on the first packet of a press only).
    pub marker: bool,
    /// When to send it, in timestamp units after the press's first packet.
    pub send_offset: u32,
    /// The payload fields.
    pub event: TelephoneEvent,
    /// The payload bytes.
    pub payload: [u8; PAYLOAD_LEN],
}

/// Makes the packet sequences of key presses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TelephoneEventSender {
    config: SenderConfig,
}

impl TelephoneEventSender {
    /// A sender with the given settings.
    pub fn new(config: SenderConfig) -> TelephoneEventSender {
        TelephoneEventSender {
            config: SenderConfig {
                clock_rate: config.clock_rate.max(1),
                interval: config.interval.max(1),
                duration: config.duration.max(1),
                volume: config.volume.min(63),
            },
        }
    }

    /// The settings in use.
    pub fn config(&self) -> SenderConfig {
        self.config
    }

    /// The packets of one press of `digit` starting at RTP timestamp
    /// `start`. The next press must start at `start + config().duration`
    /// or later (a new timestamp is what makes it a new press).
    pub fn packets(&self, digit: Digit, start: u32) -> DigitPackets {
        DigitPackets {
            config: self.config,
            event: digit.event(),
            start,
            step: 0,
            ends_sent: 0,
        }
    }
}

/// The packets of one press, in sending order (an iterator; no heap memory).
#[derive(Debug, Clone)]
pub struct DigitPackets {
    config: SenderConfig,
    event: u8,
    start: u32,
    step: u32,
    ends_sent: u32,
}

const SEGMENT: u32 = 0xFFFF;

impl DigitPackets {
    fn packet(&self, elapsed: u32, end: bool, send_offset: u32, marker: bool) -> EventPacket {
        // Segment n covers (n * 0xFFFF, (n + 1) * 0xFFFF].
        let segment = elapsed.saturating_sub(1) / SEGMENT;
        let segment_start = segment * SEGMENT;
        let event = TelephoneEvent {
            event: self.event,
            end,
            volume: self.config.volume,
            duration: (elapsed - segment_start).min(SEGMENT) as u16,
        };
        EventPacket {
            timestamp: self.start.wrapping_add(segment_start),
            marker,
            send_offset,
            event,
            payload: event.to_bytes(),
        }
    }
}

impl Iterator for DigitPackets {
    type Item = EventPacket;

    fn next(&mut self) -> Option<EventPacket> {
        let interval = self.config.interval;
        let total = self.config.duration;
        let first = self.step == 0 && self.ends_sent == 0;
        let covered = (self.step.saturating_add(1)).saturating_mul(interval);
        if covered < total && self.ends_sent == 0 {
            let packet = self.packet(covered, false, self.step.saturating_mul(interval), first);
            self.step += 1;
            return Some(packet);
        }
        if self.ends_sent >= END_PACKETS {
            return None;
        }
        let offset = (self.step.saturating_add(self.ends_sent)).saturating_mul(interval);
        self.ends_sent += 1;
        Some(self.packet(total, true, offset, first))
    }
}
