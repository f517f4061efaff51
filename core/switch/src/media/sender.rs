//! What is shared about sending on one leg: where to, in which codec and
//! payload types, under which SSRC and numbering, and the leg's counters.
//! Both the leg's own task (audio from the session thread, DTMF) and the
//! task of the leg bridged to it (relayed or transcoded audio) send
//! through it, under its lock, so the far end sees one continuous stream.

use std::net::SocketAddr;
use std::net::UdpSocket;
use std::sync::{Arc, Mutex, MutexGuard};
use switchyard_media::codec::Codec;
use switchyard_media::rtp::{MediaStats, PacketKind, RtpHeader, RtpHeaderMut, SourceRewriter};

/// The largest RTP packet the switch builds.
const MAX_PACKET: usize = 1500;

/// A leg's socket and sending state, shared between tasks.
#[derive(Debug)]
pub(crate) struct LegShared {
    /// The leg's RTP socket.
    pub socket: Arc<UdpSocket>,
    state: Mutex<SendState>,
}

/// Sending state and counters of one leg.
#[derive(Debug)]
pub(crate) struct SendState {
    /// Where RTP goes: the latched source, else the SDP address.
    pub remote: Option<SocketAddr>,
    /// Whether the negotiated direction lets us send (not on hold).
    pub can_send: bool,
    /// The negotiated codec, once there is one.
    pub codec: Option<Codec>,
    /// The negotiated `telephone-event` payload type and clock.
    pub telephone_event: Option<(u8, u32)>,
    /// How to encode Opus for this leg (from its `fmtp`).
    pub opus: switchyard_media::codec::OpusConfig,
    /// The counters (`rtp_audio_*`).
    pub stats: MediaStats,
    /// Whether audio from the bridged leg is held back (a broadcast or
    /// music on hold plays on this leg).
    pub suppress_relay: bool,
    /// Packets forwarded from the bridged leg untouched (fast path).
    pub relayed: u64,
    /// Packets transcoded from the bridged leg's codec.
    pub transcoded: u64,
    rewriter: SourceRewriter,
    /// Numbering of the packets we generate (before the rewriter).
    own_ssrc: u32,
    own_seq: u16,
    own_ts: u32,
    packet: [u8; MAX_PACKET],
}

impl LegShared {
    /// Shared state for a leg sending from `socket`.
    pub fn new(socket: Arc<UdpSocket>) -> LegShared {
        let random = random_u64();
        let ssrc = random as u32;
        LegShared {
            socket,
            state: Mutex::new(SendState {
                remote: None,
                can_send: false,
                codec: None,
                telephone_event: None,
                opus: switchyard_media::codec::OpusConfig::default(),
                stats: MediaStats::new(),
                suppress_relay: false,
                relayed: 0,
                transcoded: 0,
                rewriter: SourceRewriter::new(
                    ssrc,
                    (random >> 32) as u16,
                    (random >> 40) as u32,
                    160,
                ),
                own_ssrc: !ssrc,
                own_seq: 0,
                own_ts: 0,
                packet: [0; MAX_PACKET],
            }),
        }
    }

    /// Locks the sending state.
    pub fn lock(&self) -> MutexGuard<'_, SendState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl SendState {
    /// Our SSRC on this leg.
    pub fn ssrc(&self) -> u32 {
        self.rewriter.ssrc()
    }

    /// The last RTP timestamp we sent, if any.
    pub fn last_timestamp(&self) -> Option<u32> {
        self.rewriter.last_sent().map(|(_, ts)| ts)
    }

    /// Forwards a packet from the bridged leg untouched but for the header
    /// (the fast path): our SSRC and numbering, our payload type.
    pub fn relay(&mut self, socket: &UdpSocket, packet: &mut [u8], payload_len: usize) {
        let (Some(remote), Some(codec), true, false) =
            (self.remote, self.codec, self.can_send, self.suppress_relay)
        else {
            self.stats.record_send_skipped();
            return;
        };
        if self.rewriter.rewrite(packet).is_err() {
            return;
        }
        if let Ok(mut header) = RtpHeaderMut::new(packet) {
            header.set_payload_type(codec.payload_type());
        }
        if socket.send_to(packet, remote).is_ok() {
            self.relayed += 1;
            self.stats
                .record_sent(PacketKind::Media, packet.len(), payload_len);
        }
    }

    /// Sends an audio payload we produced, `samples` RTP clock units long.
    pub fn send_audio(&mut self, socket: &UdpSocket, payload: &[u8], samples: u32) {
        let Some(codec) = self.codec else {
            return;
        };
        self.send_generated(
            socket,
            codec.payload_type(),
            payload,
            false,
            samples,
            PacketKind::Media,
        );
    }

    /// Sends an audio payload transcoded from the bridged leg.
    pub fn send_transcoded(&mut self, socket: &UdpSocket, payload: &[u8], samples: u32) {
        if self.suppress_relay {
            return;
        }
        self.transcoded += 1;
        self.send_audio(socket, payload, samples);
    }

    /// The counters as FreeSWITCH's `rtp_audio_*` channel variables, with
    /// the relay's own two (`rtp_audio_out_relayed_packet_count`,
    /// `rtp_audio_out_transcoded_packet_count`).
    pub fn channel_variables(&self) -> Vec<(String, String)> {
        let mut variables = self.stats.channel_variables("audio");
        variables.push((
            "rtp_audio_out_relayed_packet_count".into(),
            self.relayed.to_string(),
        ));
        variables.push((
            "rtp_audio_out_transcoded_packet_count".into(),
            self.transcoded.to_string(),
        ));
        variables
    }

    /// Sends one RFC 4733 packet of an event that started at our timestamp
    /// `start_offset` units after `event_start` (see [`SendState::event_start`]).
    pub fn send_event(&mut self, socket: &UdpSocket, timestamp: u32, marker: bool, payload: &[u8]) {
        let Some((pt, _)) = self.telephone_event else {
            return;
        };
        let Some(remote) = self.remote.filter(|_| self.can_send) else {
            self.stats.record_send_skipped();
            return;
        };
        self.own_seq = self.own_seq.wrapping_add(1);
        let out = self
            .rewriter
            .map(self.own_ssrc, self.own_seq, timestamp, marker);
        self.write_and_send(socket, remote, pt, out, payload, PacketKind::Dtmf);
    }

    /// The timestamp (in our generated numbering) a new event starts at,
    /// and moves the clock on by its `duration` units.
    pub fn event_start(&mut self, duration: u32) -> u32 {
        let start = self.own_ts;
        self.own_ts = self.own_ts.wrapping_add(duration);
        start
    }

    fn send_generated(
        &mut self,
        socket: &UdpSocket,
        payload_type: u8,
        payload: &[u8],
        marker: bool,
        samples: u32,
        kind: PacketKind,
    ) {
        let Some(remote) = self.remote.filter(|_| self.can_send) else {
            self.stats.record_send_skipped();
            return;
        };
        self.own_seq = self.own_seq.wrapping_add(1);
        self.own_ts = self.own_ts.wrapping_add(samples);
        let out = self
            .rewriter
            .map(self.own_ssrc, self.own_seq, self.own_ts, marker);
        self.write_and_send(socket, remote, payload_type, out, payload, kind);
    }

    fn write_and_send(
        &mut self,
        socket: &UdpSocket,
        remote: SocketAddr,
        payload_type: u8,
        out: switchyard_media::rtp::RewrittenHeader,
        payload: &[u8],
        kind: PacketKind,
    ) {
        let header = RtpHeader {
            marker: out.marker,
            payload_type,
            sequence: out.sequence,
            timestamp: out.timestamp,
            ssrc: out.ssrc,
            csrcs: &[],
            extension: None,
        };
        let Ok(len) = header.write(payload, &mut self.packet) else {
            return;
        };
        if socket.send_to(&self.packet[..len], remote).is_ok() {
            self.stats.record_sent(kind, len, payload.len());
        }
    }
}

/// 64 random bits from the OS (SSRC and initial numbering, RFC 3550
/// §5.1); the clock when the OS cannot give them.
pub(crate) fn random_u64() -> u64 {
    let mut bytes = [0u8; 8];
    if getrandom::fill(&mut bytes).is_ok() {
        u64::from_le_bytes(bytes)
    } else {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0x5eed, |d| d.as_nanos() as u64)
    }
}
