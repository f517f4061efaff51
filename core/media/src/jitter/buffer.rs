//! A bounded, adaptive jitter buffer for legs where the switch decodes.
//!
//! All storage is allocated once in [`JitterBuffer::new`]: a fixed number
//! of slots, each with room for one payload of at most
//! [`JitterConfig::max_payload`] bytes. Packets are placed by extended
//! sequence number; the session's frame clock calls [`JitterBuffer::pop`]
//! once per frame and gets the next frame, a gap to conceal, or nothing.
//!
//! Playout starts when the oldest buffered packet has waited the target
//! delay (which adapts to the measured jitter, see [`DelayEstimator`]).
//! When the buffer holds more than the target plus two frames, one frame
//! is discarded per pop until it is back on target; when it runs dry it
//! stops and buffers again, which grows the delay naturally.

use std::time::{Duration, Instant};

use super::delay::DelayEstimator;

/// Settings of a [`JitterBuffer`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JitterConfig {
    /// Number of slots (packets) the buffer holds.
    pub capacity: usize,
    /// The largest payload a slot holds, in bytes.
    pub max_payload: usize,
    /// The RTP clock rate of the stream.
    pub clock_rate: u32,
    /// The duration of one frame (packet) of the stream.
    pub frame: Duration,
    /// The smallest target delay.
    pub min_delay: Duration,
    /// The largest target delay; should be below `capacity` frames.
    pub max_delay: Duration,
}

impl Default for JitterConfig {
    /// 20 ms frames of 8 kHz audio (G.711: 160 bytes), 16 slots of 320
    /// bytes (5 KiB), delay between 40 and 200 ms.
    fn default() -> Self {
        JitterConfig {
            capacity: 16,
            max_payload: 320,
            clock_rate: 8000,
            frame: Duration::from_millis(20),
            min_delay: Duration::from_millis(40),
            max_delay: Duration::from_millis(200),
        }
    }
}

/// What [`JitterBuffer::push`] did with a packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PushOutcome {
    /// Stored for playout.
    Buffered,
    /// Its frame was already played or skipped: dropped.
    Late,
    /// The same sequence number is already buffered: dropped.
    Duplicate,
    /// Payload larger than a slot: dropped.
    Oversized,
}

/// A frame handed out for decoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Frame<'a> {
    /// The packet's sequence number.
    pub sequence: u16,
    /// The packet's RTP timestamp.
    pub timestamp: u32,
    /// The packet's payload type.
    pub payload_type: u8,
    /// The payload to decode.
    pub payload: &'a [u8],
}

/// What [`JitterBuffer::pop`] gives for one frame period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Playout<'a> {
    /// The next frame.
    Frame(Frame<'a>),
    /// The frame with this sequence number is missing: conceal it (PLC).
    Missing {
        /// Sequence number of the missing frame.
        sequence: u16,
    },
    /// Nothing to play: still buffering, or the stream paused.
    Empty,
}

/// Counters of a [`JitterBuffer`], for statistics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct JitterStats {
    /// Packets stored.
    pub buffered: u64,
    /// Frames handed out.
    pub played: u64,
    /// Gaps reported for concealment.
    pub missing: u64,
    /// Packets dropped for arriving after their frame.
    pub dropped_late: u64,
    /// Packets dropped as duplicates.
    pub dropped_duplicate: u64,
    /// Packets dropped for not fitting a slot.
    pub dropped_oversized: u64,
    /// Buffered packets discarded to shrink the delay or make room.
    pub discarded: u64,
    /// Times the buffer started over (new SSRC, sequence jump).
    pub resyncs: u64,
    /// The largest number of packets held at once.
    pub largest_depth: usize,
}

#[derive(Debug, Clone, Copy, Default)]
struct SlotMeta {
    occupied: bool,
    extended: u64,
    timestamp: u32,
    payload_type: u8,
    len: usize,
    arrival: Option<Instant>,
}

/// Sequence jumps beyond this many packets restart the buffer.
const RESYNC_JUMP: u64 = 1000;

/// The jitter buffer of one received stream.
#[derive(Debug, Clone)]
pub struct JitterBuffer {
    config: JitterConfig,
    storage: Vec<u8>,
    slots: Vec<SlotMeta>,
    delay: DelayEstimator,
    ssrc: Option<u32>,
    /// Highest extended sequence number pushed.
    highest: Option<u64>,
    /// Next extended sequence number to play, once playing.
    next: Option<u64>,
    /// Extended sequence number below which packets are late.
    floor: Option<u64>,
    depth: usize,
    stats: JitterStats,
}

impl JitterBuffer {
    /// A buffer with all its storage allocated. A capacity of 0 is taken
    /// as 1.
    pub fn new(config: JitterConfig) -> Self {
        let capacity = config.capacity.max(1);
        let config = JitterConfig { capacity, ..config };
        JitterBuffer {
            storage: vec![0; capacity * config.max_payload],
            slots: vec![SlotMeta::default(); capacity],
            delay: DelayEstimator::new(
                config.clock_rate,
                config.frame,
                config.min_delay,
                config.max_delay,
            ),
            config,
            ssrc: None,
            highest: None,
            next: None,
            floor: None,
            depth: 0,
            stats: JitterStats::default(),
        }
    }

    /// The configuration in use.
    pub fn config(&self) -> &JitterConfig {
        &self.config
    }

    /// Packets currently held.
    pub fn len(&self) -> usize {
        self.depth
    }

    /// Whether no packet is held.
    pub fn is_empty(&self) -> bool {
        self.depth == 0
    }

    /// The counters.
    pub fn stats(&self) -> JitterStats {
        self.stats
    }

    /// The playout delay currently aimed for.
    pub fn target_delay(&self) -> Duration {
        self.delay.target()
    }

    /// The jitter measured on arrivals.
    pub fn jitter(&self) -> Duration {
        self.delay.jitter()
    }

    /// Whether frames are being played out (as opposed to buffering).
    pub fn is_playing(&self) -> bool {
        self.next.is_some()
    }

    fn slot_index(&self, extended: u64) -> usize {
        (extended % self.slots.len() as u64) as usize
    }

    fn clear(&mut self) {
        for slot in &mut self.slots {
            slot.occupied = false;
        }
        self.depth = 0;
        self.highest = None;
        self.next = None;
        self.floor = None;
    }

    fn extend(&self, seq: u16) -> Option<u64> {
        let highest = self.highest?;
        let delta = i64::from(seq.wrapping_sub(highest as u16) as i16);
        Some(highest.wrapping_add_signed(delta))
    }

    /// Offers a received packet: its SSRC, sequence number, timestamp,
    /// payload type, payload and arrival time.
    pub fn push(
        &mut self,
        ssrc: u32,
        seq: u16,
        timestamp: u32,
        payload_type: u8,
        payload: &[u8],
        arrival: Instant,
    ) -> PushOutcome {
        if payload.len() > self.config.max_payload {
            self.stats.dropped_oversized += 1;
            return PushOutcome::Oversized;
        }
        if self.ssrc != Some(ssrc) {
            if self.ssrc.is_some() {
                self.resync();
            }
            self.ssrc = Some(ssrc);
        }
        let extended = match self.extend(seq) {
            None => u64::from(seq) + (1 << 16),
            Some(ext) => {
                let highest = self.highest.unwrap_or(ext);
                if ext.abs_diff(highest) > RESYNC_JUMP {
                    self.resync();
                    u64::from(seq) + (1 << 16)
                } else {
                    ext
                }
            }
        };
        if self.floor.is_some_and(|floor| extended < floor) {
            self.stats.dropped_late += 1;
            return PushOutcome::Late;
        }
        let index = self.slot_index(extended);
        let slot = self.slots[index];
        if slot.occupied && slot.extended == extended {
            self.stats.dropped_duplicate += 1;
            return PushOutcome::Duplicate;
        }
        // Make room: the window is [lowest kept, lowest kept + capacity).
        let capacity = self.slots.len() as u64;
        let lowest_allowed = extended.saturating_sub(capacity - 1);
        if self.floor.is_none_or(|floor| floor < lowest_allowed) {
            self.advance_floor_to(lowest_allowed);
        }
        let slot = &mut self.slots[index];
        if slot.occupied {
            // An older packet in the same slot (outside the new window).
            slot.occupied = false;
            self.depth -= 1;
            self.stats.discarded += 1;
        }
        let start = index * self.config.max_payload;
        self.storage[start..start + payload.len()].copy_from_slice(payload);
        *slot = SlotMeta {
            occupied: true,
            extended,
            timestamp,
            payload_type,
            len: payload.len(),
            arrival: Some(arrival),
        };
        self.depth += 1;
        self.stats.buffered += 1;
        self.stats.largest_depth = self.stats.largest_depth.max(self.depth);
        if self.highest.is_none_or(|h| extended > h) {
            self.highest = Some(extended);
        }
        self.delay.on_arrival(timestamp, arrival);
        PushOutcome::Buffered
    }

    /// Forgets everything buffered and starts over (new source, jump).
    fn resync(&mut self) {
        self.stats.discarded += self.depth as u64;
        self.stats.resyncs += 1;
        self.clear();
        self.delay.restart();
    }

    /// Discards every buffered packet below `floor` and makes `floor` the
    /// new lowest acceptable sequence; playout moves up with it.
    fn advance_floor_to(&mut self, floor: u64) {
        if let Some(old) = self.floor {
            let capacity = self.slots.len() as u64;
            let end = floor.min(old.saturating_add(capacity));
            for extended in old..end {
                let index = self.slot_index(extended);
                let slot = &mut self.slots[index];
                if slot.occupied && slot.extended == extended {
                    slot.occupied = false;
                    self.depth -= 1;
                    self.stats.discarded += 1;
                }
            }
        }
        self.floor = Some(floor);
        if let Some(next) = self.next {
            self.next = Some(next.max(floor));
        }
    }

    /// The oldest buffered packet at or above the floor.
    fn oldest(&self) -> Option<SlotMeta> {
        let floor = self.floor?;
        let highest = self.highest?;
        (floor..=highest).find_map(|extended| {
            let slot = self.slots[self.slot_index(extended)];
            (slot.occupied && slot.extended == extended).then_some(slot)
        })
    }

    /// Hands out what to play for the frame period starting at `now`.
    pub fn pop(&mut self, now: Instant) -> Playout<'_> {
        let Some(mut next) = self.next else {
            // Buffering: start once the oldest packet has waited enough.
            let Some(oldest) = self.oldest() else {
                return Playout::Empty;
            };
            let waited = oldest
                .arrival
                .map_or(Duration::ZERO, |a| now.saturating_duration_since(a));
            if waited < self.delay.target() {
                return Playout::Empty;
            }
            self.next = Some(oldest.extended);
            self.floor = Some(oldest.extended);
            return self.take(oldest.extended);
        };
        let Some(highest) = self.highest.filter(|h| *h >= next) else {
            // Ran dry: buffer again.
            self.next = None;
            return Playout::Empty;
        };
        // Too much delay: skip one buffered frame to come back on target.
        let frame_us = self.config.frame.as_micros().max(1);
        let held = Duration::from_micros(
            ((u128::from(highest - next) + 1) * frame_us).min(u128::from(u64::MAX)) as u64,
        );
        if held > self.delay.target() + self.config.frame * 2 && self.depth > 1 {
            let index = self.slot_index(next);
            let slot = &mut self.slots[index];
            if slot.occupied && slot.extended == next {
                slot.occupied = false;
                self.depth -= 1;
                self.stats.discarded += 1;
            }
            next += 1;
            self.next = Some(next);
            self.floor = Some(next);
        }
        self.take(next)
    }

    /// Plays `extended`: the frame if buffered, a gap otherwise.
    fn take(&mut self, extended: u64) -> Playout<'_> {
        self.next = Some(extended + 1);
        self.floor = Some(extended + 1);
        let index = self.slot_index(extended);
        let slot = &mut self.slots[index];
        if !(slot.occupied && slot.extended == extended) {
            self.stats.missing += 1;
            return Playout::Missing {
                sequence: extended as u16,
            };
        }
        slot.occupied = false;
        self.depth -= 1;
        self.stats.played += 1;
        let start = index * self.config.max_payload;
        let slot = *slot;
        Playout::Frame(Frame {
            sequence: extended as u16,
            timestamp: slot.timestamp,
            payload_type: slot.payload_type,
            payload: &self.storage[start..start + slot.len],
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const MS: Duration = Duration::from_millis(1);
    const SSRC: u32 = 0xabc;

    fn payload(seq: u16) -> [u8; 4] {
        let b = seq.to_be_bytes();
        [b[0], b[1], 0xd5, 0xd5]
    }

    fn push(jb: &mut JitterBuffer, seq: u16, at: Instant) -> PushOutcome {
        jb.push(SSRC, seq, u32::from(seq) * 160, 0, &payload(seq), at)
    }

    fn frame_seq(p: Playout<'_>) -> Option<u16> {
        match p {
            Playout::Frame(f) => {
                assert_eq!(f.payload, &payload(f.sequence));
                Some(f.sequence)
            }
            _ => None,
        }
    }

    #[test]
    fn buffers_to_the_target_then_plays_in_order() {
        let mut jb = JitterBuffer::new(JitterConfig::default());
        let t0 = Instant::now();
        assert_eq!(jb.pop(t0), Playout::Empty);
        assert_eq!(push(&mut jb, 11, t0), PushOutcome::Buffered);
        assert_eq!(push(&mut jb, 10, t0 + MS), PushOutcome::Buffered);
        assert_eq!(jb.len(), 2);
        // Target is the 40 ms minimum: nothing before.
        assert_eq!(jb.pop(t0 + 20 * MS), Playout::Empty);
        assert!(!jb.is_playing());
        assert_eq!(frame_seq(jb.pop(t0 + 41 * MS)), Some(10));
        assert!(jb.is_playing());
        assert_eq!(frame_seq(jb.pop(t0 + 61 * MS)), Some(11));
        // Ran dry: buffering again.
        assert_eq!(jb.pop(t0 + 81 * MS), Playout::Empty);
        assert!(jb.is_empty());
        let s = jb.stats();
        assert_eq!((s.buffered, s.played, s.largest_depth), (2, 2, 2));
        // Packet 10 came 19 ms "early" relative to 11: a little jitter,
        // still under the 40 ms minimum target.
        assert!(jb.jitter() > Duration::ZERO);
        assert_eq!(jb.target_delay(), 40 * MS);
        assert_eq!(jb.config().capacity, 16);
    }

    #[test]
    fn reports_gaps_for_concealment_and_drops_late_packets() {
        let mut jb = JitterBuffer::new(JitterConfig::default());
        let t0 = Instant::now();
        push(&mut jb, 1, t0);
        push(&mut jb, 3, t0);
        assert_eq!(frame_seq(jb.pop(t0 + 50 * MS)), Some(1));
        assert_eq!(jb.pop(t0 + 70 * MS), Playout::Missing { sequence: 2 });
        assert_eq!(push(&mut jb, 2, t0 + 71 * MS), PushOutcome::Late);
        assert_eq!(frame_seq(jb.pop(t0 + 90 * MS)), Some(3));
        let s = jb.stats();
        assert_eq!((s.missing, s.dropped_late), (1, 1));
    }

    #[test]
    fn drops_duplicates_and_oversized_payloads() {
        let mut jb = JitterBuffer::new(JitterConfig::default());
        let t0 = Instant::now();
        assert_eq!(push(&mut jb, 5, t0), PushOutcome::Buffered);
        assert_eq!(push(&mut jb, 5, t0), PushOutcome::Duplicate);
        assert_eq!(
            jb.push(SSRC, 6, 0, 0, &[0; 321], t0),
            PushOutcome::Oversized
        );
        let s = jb.stats();
        assert_eq!(
            (s.dropped_duplicate, s.dropped_oversized, s.buffered),
            (1, 1, 1)
        );
    }

    #[test]
    fn resyncs_on_new_ssrc_and_big_jumps() {
        let mut jb = JitterBuffer::new(JitterConfig::default());
        let t0 = Instant::now();
        push(&mut jb, 100, t0);
        push(&mut jb, 101, t0);
        assert_eq!(
            jb.push(0xdef, 7, 0, 0, &payload(7), t0),
            PushOutcome::Buffered
        );
        assert_eq!(
            (jb.len(), jb.stats().resyncs, jb.stats().discarded),
            (1, 1, 2)
        );
        assert_eq!(
            jb.push(0xdef, 30_000, 0, 0, &payload(30_000), t0),
            PushOutcome::Buffered
        );
        assert_eq!((jb.len(), jb.stats().resyncs), (1, 2));
        assert_eq!(frame_seq(jb.pop(t0 + 40 * MS)), Some(30_000));
    }

    #[test]
    fn stays_bounded_when_nobody_pops() {
        let mut jb = JitterBuffer::new(JitterConfig::default());
        let t0 = Instant::now();
        for seq in 0..100u16 {
            assert_eq!(
                push(&mut jb, seq, t0 + 20 * MS * u32::from(seq)),
                PushOutcome::Buffered
            );
        }
        assert_eq!(jb.len(), 16);
        assert_eq!(jb.stats().discarded, 84);
        // Playout starts at the oldest kept packet.
        assert_eq!(frame_seq(jb.pop(t0 + 2000 * MS)), Some(84));
    }

    #[test]
    fn shrinks_when_holding_too_much() {
        let mut jb = JitterBuffer::new(JitterConfig::default());
        let t0 = Instant::now();
        for seq in 0..10u16 {
            push(&mut jb, seq, t0 + 20 * MS * u32::from(seq));
        }
        // Nobody popped for 180 ms: 10 frames = 200 ms held against a
        // 40 ms target, so each pop skips one until back on target.
        assert_eq!(frame_seq(jb.pop(t0 + 180 * MS)), Some(0));
        assert_eq!(frame_seq(jb.pop(t0 + 200 * MS)), Some(2));
        assert_eq!(frame_seq(jb.pop(t0 + 220 * MS)), Some(4));
        assert_eq!(jb.stats().discarded, 2);
    }

    #[test]
    fn sequence_wrap_keeps_order() {
        let mut jb = JitterBuffer::new(JitterConfig::default());
        let t0 = Instant::now();
        // Sent in order 65534, 65535, 0, 1; 0 overtakes 65535.
        for (seq, position) in [(65_534u16, 0u32), (0, 2), (65_535, 1), (1, 3)] {
            jb.push(
                SSRC,
                seq,
                160 * position,
                0,
                &payload(seq),
                t0 + 20 * MS * position,
            );
        }
        let mut got = Vec::new();
        for i in 0..4u32 {
            got.push(frame_seq(jb.pop(t0 + 100 * MS + 20 * MS * i)));
        }
        assert_eq!(got, [Some(65_534), Some(65_535), Some(0), Some(1)]);
    }

    #[test]
    fn zero_capacity_is_one_slot() {
        let mut jb = JitterBuffer::new(JitterConfig {
            capacity: 0,
            ..JitterConfig::default()
        });
        let t0 = Instant::now();
        push(&mut jb, 1, t0);
        push(&mut jb, 2, t0);
        assert_eq!(jb.len(), 1);
        assert_eq!(frame_seq(jb.pop(t0 + 40 * MS)), Some(2));
    }

    proptest! {
        #[test]
        fn never_panics_stays_bounded_and_plays_in_order(
            ops in proptest::collection::vec((any::<bool>(), 0u32..3, any::<u16>(), 0usize..400, 0u64..50), 0..500)
        ) {
            let mut jb = JitterBuffer::new(JitterConfig::default());
            let mut now = Instant::now();
            let mut last_played: Option<(u64, u16)> = None;
            for (is_push, ssrc, seq, len, advance_ms) in ops {
                now += Duration::from_millis(advance_ms);
                if is_push {
                    let data = vec![0u8; len];
                    jb.push(ssrc, seq, u32::from(seq) * 160, 0, &data, now);
                } else {
                    let played = match jb.pop(now) {
                        Playout::Frame(f) => Some(f.sequence),
                        Playout::Missing { sequence } => Some(sequence),
                        Playout::Empty => None,
                    };
                    if let Some(sequence) = played {
                        let resyncs = jb.stats().resyncs;
                        if let Some((r, prev)) = last_played
                            && r == resyncs
                        {
                            let step = sequence.wrapping_sub(prev);
                            prop_assert!(step != 0 && step < 0x8000);
                        }
                        last_played = Some((resyncs, sequence));
                    }
                }
                prop_assert!(jb.len() <= 16);
                let s = jb.stats();
                prop_assert!(s.largest_depth <= 16);
            }
        }
    }
}
