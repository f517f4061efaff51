//! One leg's media task on the IO runtime: receives its RTP and RTCP,
//! latches the source, counts, picks out DTMF, forwards to the bridged
//! leg (untouched when the codecs match, transcoded when not), decodes for
//! the session thread when one listens, and sends what the session thread
//! writes at the packet rate. Every buffer is made when the leg is
//! configured: steady-state packets allocate nothing.

use super::dtmf::{Dtmf, DtmfSink, DtmfSource};
use super::frame::PcmFrame;
use super::sender::LegShared;
use super::tap::Taps;
use std::collections::VecDeque;
use std::net::SocketAddr;
use std::net::UdpSocket;
use std::sync::Arc;
use std::time::{Duration, Instant};
use switchyard_media::codec::{
    AudioDecoder, AudioEncoder, Codec, CodecKind, Decode, Encode, OpusConfig, Transcoder,
};
use switchyard_media::dtmf::{
    Digit, DtmfDetector, DtmfEvent, ReceiverConfig, SenderConfig, TelephoneEventReceiver,
    TelephoneEventSender,
};
use switchyard_media::jitter::{JitterBuffer, JitterConfig, Playout};
use switchyard_media::rtcp::{CompoundBuilder, ReportBlock, SenderInfo};
use switchyard_media::rtp::{
    InterarrivalJitter, Latch, LatchConfig, LatchDecision, PacketKind, RtpPacket, SequenceTracker,
};
use switchyard_media::sdp::{Direction, NegotiatedMedia};

/// Slots of the jitter buffer of a leg the switch decodes.
const JITTER_SLOTS: usize = 16;
/// The jitter buffer's smallest target delay.
const JITTER_MIN: Duration = Duration::from_millis(40);
/// The jitter buffer's largest target delay (below 16 slots of 20 ms).
const JITTER_MAX: Duration = Duration::from_millis(200);

/// How often RTCP reports go out (RFC 3550's 5 s minimum interval).
const RTCP_INTERVAL: Duration = Duration::from_secs(5);

/// What a leg's task is told to do.
pub(crate) enum LegCommand {
    /// Use this negotiated media (initial or after a re-INVITE).
    Configure(Box<NegotiatedMedia>),
    /// Forward what arrives to this leg.
    Bridge(Peer),
    /// Stop forwarding.
    Unbridge,
    /// Decode what arrives into `reader` and send what `writer` holds.
    AttachSession {
        /// Frames heard on the leg.
        reader: crossbeam_channel::Sender<PcmFrame>,
        /// Frames to send, one per packet interval.
        writer: crossbeam_channel::Receiver<PcmFrame>,
    },
    /// The session thread stopped listening and talking.
    DetachSession,
    /// Detect DTMF in the audio (`start_dtmf`) or stop (`stop_dtmf`).
    Inband(bool),
    /// Send these frames instead of anything else (`uuid_broadcast`, music
    /// on hold) until they end; `None` stops.
    Overlay(Option<Overlay>),
    /// Send these digits (RFC 4733 when negotiated, else as tones).
    SendDtmf(Vec<(Digit, u32)>),
    /// Add a media tap.
    AddTap(super::tap::Tap),
    /// Remove a media tap by id.
    RemoveTap(u64),
    /// End the task.
    Stop,
}

/// What a leg sends instead of its usual audio.
pub(crate) enum Overlay {
    /// Frames from a thread (a broadcast file); ends when it hangs up.
    Frames(crossbeam_channel::Receiver<PcmFrame>),
    /// A shared music-on-hold stream; ends when removed.
    Moh(super::moh::MohListener),
}

/// The leg bridged to this one: where forwarded media goes.
#[derive(Clone)]
pub(crate) struct Peer {
    /// Its sending state and socket.
    pub shared: Arc<LegShared>,
    /// Its task, for DTMF regenerated there.
    pub control: super::thread::LegControl,
}

/// The media in force, as the task uses it.
struct Configured {
    codec: Codec,
    telephone_event: Option<(u8, u32)>,
    comfort_noise: Option<u8>,
    remote_rtcp: Option<SocketAddr>,
    /// PCM rate for the session thread: 8 kHz for G.711, 16 kHz for Opus.
    pcm_rate: u32,
    frame_samples: usize,
    decoder: AudioDecoder,
    encoder: AudioEncoder,
    /// Where heard audio waits to be decoded on the packet clock; made
    /// when something first listens (a bridged leg never needs one).
    jitter: Option<JitterBuffer>,
}

/// The PCM rate the session thread sees for a codec.
pub(crate) fn pcm_rate(codec: &Codec) -> u32 {
    match codec.kind() {
        CodecKind::Opus => 16_000,
        _ => codec.clock_rate(),
    }
}

/// The expected loss Opus's in-band FEC is sized for, when the peer asked
/// for FEC (`useinbandfec=1`).
const OPUS_FEC_LOSS_PERCENT: u8 = 5;

/// The Opus encoder settings a leg's peer asked for in its `fmtp`, at
/// `rate` Hz of PCM in.
pub(crate) fn opus_config(media: &NegotiatedMedia, rate: u32) -> OpusConfig {
    // No fmtp at all: RFC 7587's defaults (everything off).
    let params = media
        .opus
        .unwrap_or_else(|| switchyard_media::sdp::OpusParams::parse(""));
    OpusConfig {
        sample_rate: rate,
        bitrate: params
            .maxaveragebitrate
            .and_then(|b| i32::try_from(b).ok())
            .filter(|b| (6_000..=510_000).contains(b)),
        inband_fec: params.useinbandfec,
        packet_loss_percent: if params.useinbandfec {
            OPUS_FEC_LOSS_PERCENT
        } else {
            0
        },
        dtx: params.usedtx,
        ..OpusConfig::default()
    }
}

/// The switch's codec description of a negotiated leg.
pub(crate) fn codec_of(media: &NegotiatedMedia) -> Option<Codec> {
    Codec::from_rtpmap(
        media.payload_type,
        media.encoding_name,
        media.clock_rate,
        media.codec.rtpmap_channels().map(|c| c as u8),
        u16::try_from(media.ptime).unwrap_or(20),
    )
    .ok()
}

/// A leg's task state.
pub(crate) struct LegTask {
    pub shared: Arc<LegShared>,
    pub rtcp: UdpSocket,
    pub dtmf: DtmfSink,
    /// The deadline the media thread has queued for this leg.
    pub armed: Option<Instant>,
    media: Option<Configured>,
    latch: Latch,
    sequence: SequenceTracker,
    jitter: InterarrivalJitter,
    telephone_events: Option<TelephoneEventReceiver>,
    peer: Option<Peer>,
    transcoder: Option<Transcoder>,
    reader: Option<crossbeam_channel::Sender<PcmFrame>>,
    writer: Option<crossbeam_channel::Receiver<PcmFrame>>,
    inband: Option<DtmfDetector>,
    overlay: Option<Overlay>,
    taps: Taps,
    outgoing_events: VecDeque<(Instant, u32, bool, [u8; 4])>,
    pending_digits: VecDeque<(Digit, u32)>,
    tones: Option<(switchyard_media::tone::ToneGenerator, u32)>,
    next_frame: Option<Instant>,
    next_rtcp: Instant,
    pcm: Vec<i16>,
    encoded: Vec<u8>,
}

impl LegTask {
    /// A task for a leg not yet negotiated.
    pub fn new(shared: Arc<LegShared>, rtcp: UdpSocket, dtmf: DtmfSink) -> LegTask {
        LegTask {
            shared,
            rtcp,
            dtmf,
            armed: None,
            media: None,
            latch: Latch::new(None, LatchConfig::default()),
            sequence: SequenceTracker::new(),
            jitter: InterarrivalJitter::new(8000),
            telephone_events: None,
            peer: None,
            transcoder: None,
            reader: None,
            writer: None,
            inband: None,
            overlay: None,
            taps: Taps::default(),
            outgoing_events: VecDeque::new(),
            pending_digits: VecDeque::new(),
            tones: None,
            next_frame: None,
            next_rtcp: Instant::now() + RTCP_INTERVAL,
            pcm: Vec::new(),
            encoded: vec![0; 1500],
        }
    }

    /// Reads the datagrams waiting on the RTP socket, at most `limit`;
    /// true when the limit stopped it with more waiting (the media thread
    /// comes back: readiness is edge-triggered).
    pub fn drain_rtp(&mut self, packet: &mut [u8], now: Instant, limit: usize) -> bool {
        let socket = Arc::clone(&self.shared.socket);
        for _ in 0..limit {
            match socket.recv_from(packet) {
                Ok((len, from)) => self.on_rtp(&mut packet[..len], from, now),
                Err(_) => return false,
            }
        }
        true
    }

    /// Reads the datagrams waiting on the RTCP socket, at most `limit`;
    /// true when more wait.
    pub fn drain_rtcp(&mut self, report: &mut [u8], limit: usize) -> bool {
        for _ in 0..limit {
            match self.rtcp.recv_from(report) {
                Ok((len, _)) => {
                    let len = len.min(report.len());
                    self.on_rtcp(&report[..len]);
                }
                Err(_) => return false,
            }
        }
        true
    }

    /// Ends the leg's media: its taps close.
    pub fn stop(&mut self) {
        self.taps.close_all();
    }

    /// When the leg next needs the media thread without a packet: the
    /// next frame to send, DTMF packet or RTCP report.
    pub fn next_wake(&self) -> Instant {
        let mut wake = self.next_rtcp;
        if let Some(at) = self.next_frame {
            wake = wake.min(at);
        }
        if let Some((at, ..)) = self.outgoing_events.front() {
            wake = wake.min(*at);
        }
        wake
    }

    /// Carries out a command.
    pub fn apply(&mut self, command: LegCommand) {
        match command {
            LegCommand::Configure(media) => self.configure(&media),
            LegCommand::Bridge(peer) => {
                self.peer = Some(peer);
                self.transcoder = None;
                self.schedule_frames();
            }
            LegCommand::Unbridge => {
                self.peer = None;
                self.transcoder = None;
                self.schedule_frames();
            }
            LegCommand::AttachSession { reader, writer } => {
                self.reader = Some(reader);
                self.writer = Some(writer);
                self.schedule_frames();
            }
            LegCommand::DetachSession => {
                self.reader = None;
                self.writer = None;
                self.schedule_frames();
            }
            LegCommand::Inband(on) => {
                self.inband = if on {
                    let rate = self.media.as_ref().map_or(8000, |m| m.pcm_rate);
                    DtmfDetector::new(rate).ok()
                } else {
                    None
                };
            }
            LegCommand::Overlay(overlay) => {
                self.overlay = overlay;
                self.shared.lock().suppress_relay = self.overlay.is_some();
                self.schedule_frames();
            }
            LegCommand::SendDtmf(digits) => {
                self.pending_digits.extend(digits);
                self.start_next_digit(Instant::now());
                self.schedule_frames();
            }
            LegCommand::AddTap(tap) => {
                self.taps.add(tap);
                self.schedule_frames();
            }
            LegCommand::RemoveTap(id) => {
                self.taps.remove(id);
                self.schedule_frames();
            }
            LegCommand::Stop => {}
        }
    }

    fn configure(&mut self, media: &NegotiatedMedia) {
        let Some(codec) = codec_of(media) else {
            tracing::warn!(
                "{}: negotiated {} cannot be carried",
                self.dtmf_channel(),
                media.encoding_name
            );
            return;
        };
        let rate = pcm_rate(&codec);
        let opus = opus_config(media, rate);
        let (Ok(decoder), Ok(encoder)) = (
            AudioDecoder::new(&codec, rate),
            AudioEncoder::new(&codec, opus),
        ) else {
            tracing::warn!(
                "{}: cannot set up {}",
                self.dtmf_channel(),
                media.encoding_name
            );
            return;
        };
        let remote = (!media.remote_rtp.ip().is_unspecified()).then_some(media.remote_rtp);
        let changed_remote = self.media.is_none() || self.latch.remote() != remote;
        if changed_remote && self.latch.latched() != remote {
            self.latch.set_signalled(remote);
        }
        let telephone_event = media
            .telephone_event
            .map(|t| (t.payload_type, t.clock_rate));
        self.telephone_events =
            telephone_event.map(|(_, rate)| TelephoneEventReceiver::new(ReceiverConfig::new(rate)));
        self.jitter = InterarrivalJitter::new(codec.clock_rate());
        let can_send = matches!(media.direction, Direction::SendRecv | Direction::SendOnly)
            && remote.is_some();
        {
            let mut state = self.shared.lock();
            state.remote = self.latch.remote();
            state.codec = Some(codec);
            state.telephone_event = telephone_event;
            state.can_send = can_send;
            state.opus = opus;
        }
        let frame_samples = codec.frame_samples_at(rate);
        self.media = Some(Configured {
            codec,
            telephone_event,
            comfort_noise: media.comfort_noise,
            remote_rtcp: (!media.remote_rtcp.ip().is_unspecified()).then_some(media.remote_rtcp),
            pcm_rate: rate,
            frame_samples,
            decoder,
            encoder,
            jitter: None,
        });
        self.transcoder = None;
        if self.inband.is_some() {
            self.inband = DtmfDetector::new(rate).ok();
        }
        self.schedule_frames();
    }

    fn dtmf_channel(&self) -> String {
        self.dtmf.channel_id().to_owned()
    }

    /// Whether the task must wake at the packet rate: a session writes, a
    /// tap listens, or digits are being sent as tones.
    fn schedule_frames(&mut self) {
        // While bridged, the other leg's audio is what this leg sends: no
        // frames of its own for a write tap (they would mix with it).
        let needed = self.media.is_some()
            && (self.writer.is_some()
                || self.listening()
                || self.tones.is_some()
                || self.overlay.is_some()
                || (self.taps.wants_write() && self.peer.is_none()));
        match (needed, self.next_frame) {
            (true, None) => self.next_frame = Some(Instant::now()),
            (false, Some(_)) => self.next_frame = None,
            _ => {}
        }
    }

    fn on_rtp(&mut self, bytes: &mut [u8], from: SocketAddr, now: Instant) {
        let Ok(packet) = RtpPacket::parse(bytes) else {
            self.shared.lock().stats.record_skipped();
            return;
        };
        let Some(media) = self.media.as_ref() else {
            return;
        };
        let (ssrc, seq, ts, pt, marker) = (
            packet.ssrc(),
            packet.sequence(),
            packet.timestamp(),
            packet.payload_type(),
            packet.marker(),
        );
        let (payload_start, payload_len) = {
            let payload = packet.payload();
            (packet.header_len(), payload.len())
        };
        // Only packets of the negotiated payload types count towards the
        // latch (garbage never moves it).
        let kind = if Some(pt) == media.telephone_event.map(|t| t.0) {
            PacketKind::Dtmf
        } else if Some(pt) == media.comfort_noise || pt == 13 {
            PacketKind::ComfortNoise
        } else if pt == media.codec.payload_type() {
            PacketKind::Media
        } else {
            self.shared.lock().stats.record_skipped();
            return;
        };
        if self.latch.on_packet(from, ssrc, seq, now) == LatchDecision::Drop {
            self.shared.lock().stats.record_skipped();
            return;
        }
        let remote = self.latch.remote();
        {
            let mut state = self.shared.lock();
            if state.remote != remote {
                state.remote = remote;
            }
            state
                .stats
                .record_received(kind, bytes.len(), payload_len, seq, now);
        }
        let _ = self.sequence.update(ssrc, seq);
        match kind {
            PacketKind::Dtmf => {
                let payload = &bytes[payload_start..payload_start + payload_len];
                self.on_telephone_event(ts, seq, marker, payload);
            }
            PacketKind::ComfortNoise => {}
            PacketKind::Media => {
                self.jitter.update(ts, now);
                self.on_audio(bytes, payload_start, payload_len, (ssrc, seq, ts, now));
            }
        }
    }

    fn on_telephone_event(&mut self, ts: u32, seq: u16, marker: bool, payload: &[u8]) {
        let Some(receiver) = self.telephone_events.as_mut() else {
            return;
        };
        let Ok(events) = receiver.handle_packet(ts, seq, marker, payload) else {
            return;
        };
        for event in events {
            if let DtmfEvent::End {
                digit, duration_ms, ..
            } = event
            {
                self.dtmf.deliver(Dtmf {
                    digit: digit.to_char(),
                    duration_ms,
                    source: DtmfSource::Rtp,
                });
                // The bridged leg gets the press regenerated in its own
                // payload type and clock.
                if let Some(peer) = &self.peer {
                    peer.control
                        .send(LegCommand::SendDtmf(vec![(digit, duration_ms.max(40))]));
                }
            }
        }
    }

    /// Whether anything listens to the decoded audio: the session
    /// thread, in-band DTMF detection or a read tap.
    fn listening(&self) -> bool {
        self.reader.is_some() || self.inband.is_some() || self.taps.wants_read()
    }

    fn on_audio(
        &mut self,
        bytes: &mut [u8],
        payload_start: usize,
        payload_len: usize,
        (ssrc, seq, ts, now): (u32, u16, u32, Instant),
    ) {
        let listening = self.listening();
        let Some(media) = self.media.as_mut() else {
            return;
        };
        if listening {
            // Decoded audio is played out of the jitter buffer on the
            // packet clock (see `play_out`).
            let payload = &bytes[payload_start..payload_start + payload_len];
            let codec = media.codec;
            let jitter = media.jitter.get_or_insert_with(|| {
                JitterBuffer::new(JitterConfig {
                    capacity: JITTER_SLOTS,
                    max_payload: switchyard_media::codec::opus::MAX_ENCODED_BYTES,
                    clock_rate: codec.clock_rate(),
                    frame: Duration::from_millis(u64::from(codec.ptime_ms())),
                    min_delay: JITTER_MIN,
                    max_delay: JITTER_MAX,
                })
            });
            let _ = jitter.push(ssrc, seq, ts, codec.payload_type(), payload, now);
        }
        let Some(peer) = &self.peer else {
            return;
        };
        let codec = media.codec;
        let mut out = peer.shared.lock();
        let Some(to) = out.codec else {
            return;
        };
        if codec.can_relay_to(&to) {
            out.relay(&peer.shared.socket, bytes, payload_len);
            return;
        }
        if self
            .transcoder
            .as_ref()
            .is_none_or(|t| *t.to() != to || *t.from() != codec)
        {
            self.transcoder = Transcoder::with_opus_config(codec, to, out.opus).ok();
        }
        let Some(transcoder) = self.transcoder.as_mut() else {
            return;
        };
        let payload = &bytes[payload_start..payload_start + payload_len];
        if transcoder.push(payload).is_err() {
            return;
        }
        let samples = to.frame_samples_at(to.clock_rate()) as u32;
        while let Ok(Some(len)) = transcoder.pull(&mut self.encoded) {
            out.send_transcoded(&peer.shared.socket, &self.encoded[..len], samples);
        }
    }

    fn on_rtcp(&mut self, report: &[u8]) {
        if switchyard_media::rtcp::RtcpCompound::parse(report).is_ok() {
            self.shared.lock().stats.record_rtcp(report.len());
        }
    }

    /// Does what is due at `now`.
    pub fn on_timer(&mut self, now: Instant) {
        while let Some((at, ..)) = self.outgoing_events.front() {
            if *at > now {
                break;
            }
            if let Some((_, timestamp, marker, payload)) = self.outgoing_events.pop_front() {
                self.shared
                    .lock()
                    .send_event(&self.shared.socket, timestamp, marker, &payload);
            }
            if self.outgoing_events.is_empty() {
                self.start_next_digit(now);
            }
        }
        if let Some(at) = self.next_frame
            && at <= now
        {
            if self.listening() {
                self.play_out(now);
            }
            self.send_frame();
            let step = self.media.as_ref().map_or(Duration::from_millis(20), |m| {
                Duration::from_millis(u64::from(m.codec.ptime_ms()))
            });
            // Keep the cadence; after a stall, restart it from now.
            let next = at + step;
            self.next_frame = Some(if next + step < now { now + step } else { next });
            self.schedule_frames();
        }
        if self.next_rtcp <= now {
            self.send_rtcp();
            self.next_rtcp = now + RTCP_INTERVAL;
        }
    }

    /// Decodes the next frame out of the jitter buffer (concealing a lost
    /// one) and hands it to the taps, the in-band detector and the session.
    fn play_out(&mut self, now: Instant) {
        let Some(media) = self.media.as_mut() else {
            return;
        };
        let Some(jitter) = media.jitter.as_mut() else {
            return;
        };
        if self.pcm.is_empty() {
            // Room for the longest Opus packet at 48 kHz.
            self.pcm = vec![0; 5760];
        }
        let frame_samples = media
            .codec
            .frame_samples_at(media.pcm_rate)
            .min(self.pcm.len());
        let samples = match jitter.pop(now) {
            Playout::Frame(frame) => media.decoder.decode(frame.payload, &mut self.pcm).ok(),
            Playout::Missing { .. } => media.decoder.conceal(&mut self.pcm[..frame_samples]).ok(),
            // Nothing heard yet, or the peer paused (DTX, hold): silence
            // keeps the listeners' timeline on the packet clock.
            Playout::Empty => {
                self.pcm[..frame_samples].fill(0);
                Some(frame_samples)
            }
        };
        let Some(samples) = samples else {
            return;
        };
        let rate = media.pcm_rate;
        let pcm = &mut self.pcm[..samples];
        self.taps.on_read(pcm, rate);
        if let Some(detector) = self.inband.as_mut() {
            let mut found = None;
            detector.process(pcm, |event| {
                if let switchyard_media::dtmf::InbandEvent::Digit { digit, .. } = event {
                    found = Some(digit);
                }
            });
            if let Some(digit) = found {
                self.dtmf.deliver(Dtmf {
                    digit: digit.to_char(),
                    duration_ms: 0,
                    source: DtmfSource::InbandAudio,
                });
            }
        }
        if let Some(reader) = &self.reader {
            for chunk in pcm.chunks(super::frame::MAX_FRAME_SAMPLES) {
                let _ = reader.try_send(PcmFrame::from_samples(chunk, rate));
            }
        }
    }

    /// Sends one frame: tones for DTMF without telephone-event, else what
    /// the session thread wrote (taps may rewrite it).
    fn send_frame(&mut self) {
        let Some(media) = self.media.as_mut() else {
            return;
        };
        let mut frame = None;
        if let Some((generator, _)) = self.tones.as_mut() {
            let mut f = PcmFrame::silence(media.frame_samples, media.pcm_rate);
            generator.fill(f.samples_mut());
            if generator.is_finished() {
                self.tones = None;
            }
            frame = Some(f);
        } else if let Some(overlay) = self.overlay.as_mut() {
            match overlay {
                Overlay::Frames(frames) => match frames.try_recv() {
                    Ok(f) => frame = Some(f),
                    Err(crossbeam_channel::TryRecvError::Empty) => {}
                    Err(crossbeam_channel::TryRecvError::Disconnected) => {
                        self.overlay = None;
                        self.shared.lock().suppress_relay = false;
                    }
                },
                Overlay::Moh(listener) => frame = listener.next_frame(),
            }
            if let Some(f) = frame.as_mut()
                && f.rate != media.pcm_rate
            {
                // A stream made for another rate: not playable here.
                frame = None;
            }
            // What the session writes meanwhile is dropped, as FreeSWITCH's
            // broadcast replaces the channel's audio.
            if let Some(writer) = &self.writer {
                let _ = writer.try_recv();
            }
        } else if let Some(writer) = &self.writer {
            frame = writer.try_recv().ok();
        }
        if frame.is_none() && self.taps.wants_write() {
            frame = Some(PcmFrame::silence(media.frame_samples, media.pcm_rate));
        }
        let Some(mut frame) = frame else {
            return;
        };
        self.taps.on_write(frame.samples_mut(), media.pcm_rate);
        let Ok(len) = media.encoder.encode(frame.samples(), &mut self.encoded) else {
            return;
        };
        let samples = media.codec.frame_samples_at(media.codec.clock_rate()) as u32;
        self.shared
            .lock()
            .send_audio(&self.shared.socket, &self.encoded[..len], samples);
        if self.tones.is_none() && !self.pending_digits.is_empty() {
            self.start_next_digit(Instant::now());
        }
    }

    /// Starts sending the next queued digit: RFC 4733 packets when the leg
    /// negotiated telephone-event, else its tones in the audio.
    fn start_next_digit(&mut self, now: Instant) {
        if !self.outgoing_events.is_empty() || self.tones.is_some() {
            return;
        }
        let Some((digit, duration_ms)) = self.pending_digits.pop_front() else {
            return;
        };
        let Some(media) = self.media.as_ref() else {
            return;
        };
        if let Some((_, clock)) = media.telephone_event {
            let config = SenderConfig::new(clock).with_duration_ms(duration_ms);
            let sender = TelephoneEventSender::new(config);
            let duration = clock / 1000 * duration_ms;
            let start = self.shared.lock().event_start(duration);
            // A gap after the press before the next one starts.
            let mut last = now;
            for packet in sender.packets(digit, start) {
                let at = now
                    + Duration::from_millis(
                        u64::from(packet.send_offset) * 1000 / u64::from(clock),
                    );
                last = at;
                self.outgoing_events.push_back((
                    at,
                    packet.timestamp,
                    packet.marker,
                    packet.payload,
                ));
            }
            let _ = last;
        } else if let Some((low, high)) = digit.frequencies() {
            let script = switchyard_media::tone::ToneScript::parse(&format!(
                "%({duration_ms},60,{low},{high})"
            ));
            if let Ok(script) = script {
                let generator = switchyard_media::tone::ToneGenerator::new(script, media.pcm_rate);
                self.tones = Some((generator, duration_ms));
                self.schedule_frames();
            }
        }
    }

    fn send_rtcp(&mut self) {
        let Some(media) = self.media.as_ref() else {
            return;
        };
        let remote = media.remote_rtcp.or_else(|| {
            self.latch
                .remote()
                .map(|r| SocketAddr::new(r.ip(), r.port() + 1))
        });
        let Some(remote) = remote else {
            return;
        };
        let loss = self.sequence.take_loss_report();
        let block = self.sequence.ssrc().map(|ssrc| ReportBlock {
            ssrc,
            fraction_lost: loss.fraction_lost,
            cumulative_lost: loss.cumulative_lost,
            extended_highest_sequence: self.sequence.extended_highest(),
            jitter: self.jitter.jitter(),
            last_sr: 0,
            delay_since_last_sr: 0,
        });
        let jitter_ms = self.jitter.jitter_ms();
        if let Some(buffer) = media.jitter.as_ref().map(JitterBuffer::stats) {
            self.shared.lock().stats.record_jitter_buffer(
                buffer.played,
                buffer.discarded + buffer.dropped_late,
                buffer.largest_depth,
            );
        }
        let mut buffer = [0u8; 512];
        let mut builder = CompoundBuilder::new(&mut buffer);
        let blocks: &[ReportBlock] = match &block {
            Some(b) => std::slice::from_ref(b),
            None => &[],
        };
        let (ssrc, sent, last_ts) = {
            let mut state = self.shared.lock();
            state.stats.record_reception_sample(
                jitter_ms,
                i64::from(loss.cumulative_lost),
                loss.fraction_lost,
            );
            (
                state.ssrc(),
                (
                    state.stats.outbound.packet_count,
                    state.stats.outbound.media_bytes,
                ),
                state.last_timestamp(),
            )
        };
        let built = match last_ts {
            Some(rtp_timestamp) if sent.0 > 0 => builder.sender_report(
                ssrc,
                &SenderInfo {
                    ntp_timestamp: switchyard_media::rtcp::NtpTimestamp::from_system_time(
                        std::time::SystemTime::now(),
                    )
                    .0,
                    rtp_timestamp,
                    packet_count: sent.0 as u32,
                    octet_count: sent.1 as u32,
                },
                blocks,
            ),
            _ => builder.receiver_report(ssrc, blocks),
        };
        if built.is_err() || builder.sdes_cname(ssrc, b"switchyard").is_err() {
            return;
        }
        let _ = self.rtcp.send_to(builder.finish(), remote);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use switchyard_media::sdp::{Codec as SdpCodec, OpusParams};

    fn negotiated(codec: SdpCodec, pt: u8, opus: Option<OpusParams>) -> NegotiatedMedia {
        NegotiatedMedia {
            stream_index: 0,
            remote_rtp: "127.0.0.1:4000".parse().expect("addr"),
            remote_rtcp: "127.0.0.1:4001".parse().expect("addr"),
            rtcp_mux: false,
            payload_type: pt,
            codec,
            encoding_name: codec.encoding_name(),
            clock_rate: codec.clock_rate(),
            channels: 1,
            ptime: 20,
            fmtp: None,
            opus,
            telephone_event: None,
            comfort_noise: None,
            direction: Direction::SendRecv,
            remote_hold: false,
        }
    }

    #[test]
    fn sessions_hear_g711_at_8_khz_and_opus_at_16_khz() {
        let pcmu = codec_of(&negotiated(SdpCodec::Pcmu, 0, None)).expect("pcmu");
        let opus = codec_of(&negotiated(SdpCodec::Opus, 111, None)).expect("opus");
        assert_eq!((pcm_rate(&pcmu), pcmu.payload_type()), (8000, 0));
        assert_eq!((pcm_rate(&opus), opus.payload_type()), (16_000, 111));
        assert_eq!(opus.frame_samples_at(pcm_rate(&opus)), 320);
    }

    #[test]
    fn the_opus_encoder_follows_the_peers_fmtp() {
        let params = OpusParams {
            useinbandfec: true,
            usedtx: true,
            maxaveragebitrate: Some(20_000),
            ..OpusParams::default()
        };
        let media = negotiated(SdpCodec::Opus, 111, Some(params));
        let config = opus_config(&media, 16_000);
        assert_eq!(config.sample_rate, 16_000);
        assert_eq!(config.bitrate, Some(20_000));
        assert!(config.inband_fec && config.dtx);
        assert!(config.packet_loss_percent > 0, "FEC needs an expected loss");
        // An absurd bit rate is ignored (libopus chooses).
        let params = OpusParams {
            maxaveragebitrate: Some(1),
            ..OpusParams::parse("")
        };
        let config = opus_config(&negotiated(SdpCodec::Opus, 111, Some(params)), 16_000);
        assert_eq!(config.bitrate, None);
        assert!(!config.inband_fec && !config.dtx);
        // No fmtp: RFC 7587's defaults, all off.
        let config = opus_config(&negotiated(SdpCodec::Opus, 111, None), 16_000);
        assert!(!config.inband_fec && !config.dtx && config.bitrate.is_none());
    }
}
