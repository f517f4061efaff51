//! The handle of one media leg: what the B2BUA, the session thread and
//! API commands do to it. Each call sends a command to the leg's task.

use super::dtmf::{Dtmf, DtmfSink};
use super::frame::PcmFrame;
use super::ports::{BoundPorts, PortLease};
use super::sender::LegShared;
use super::tap::Tap;
use super::task::{LegCommand, LegTask, Peer, codec_of, pcm_rate};
use crate::channel::registry::ChannelHandle;
use crate::event::bus::EventBus;
use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use switchyard_media::dtmf::Digit;
use switchyard_media::sdp::NegotiatedMedia;

/// One anchored leg's media.
#[derive(Debug)]
pub struct MediaLeg {
    channel: Arc<ChannelHandle>,
    local: SocketAddr,
    shared: Arc<LegShared>,
    control: super::thread::LegControl,
    digits: crossbeam_channel::Receiver<Dtmf>,
    sink: DtmfSink,
    negotiated: Mutex<Option<NegotiatedMedia>>,
    lease: PortLease,
    interrupted: std::sync::atomic::AtomicBool,
}

impl std::fmt::Debug for LegCommand {
    // Commands carry boxed callbacks and channels: only their kind shows.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LegCommand")
    }
}

impl MediaLeg {
    /// Starts the task of a leg on `bound` ports, on media thread `thread`.
    pub(super) fn start(
        thread: &Arc<super::thread::ThreadLink>,
        id: u64,
        bound: BoundPorts,
        channel: &Arc<ChannelHandle>,
        bus: &Arc<EventBus>,
    ) -> io::Result<MediaLeg> {
        let local = bound.rtp.local_addr()?;
        let shared = Arc::new(LegShared::new(Arc::new(bound.rtp)));
        let (sink, digits) = DtmfSink::new(Arc::clone(channel), Arc::clone(bus));
        let task = LegTask::new(Arc::clone(&shared), bound.rtcp, sink.clone());
        let control = thread.start(id, task)?;
        Ok(MediaLeg {
            channel: Arc::clone(channel),
            local,
            shared,
            control,
            digits,
            sink,
            negotiated: Mutex::new(None),
            lease: bound.lease,
            interrupted: std::sync::atomic::AtomicBool::new(false),
        })
    }

    /// Where the leg receives RTP (written into our SDP).
    pub fn local(&self) -> SocketAddr {
        self.local
    }

    /// The RTP port.
    pub fn port(&self) -> u16 {
        self.lease.port()
    }

    /// The channel the leg belongs to.
    pub fn channel(&self) -> &Arc<ChannelHandle> {
        &self.channel
    }

    /// Puts negotiated media in force (initial answer, re-INVITE, hold).
    pub fn configure(&self, media: NegotiatedMedia) {
        self.channel
            .set_variable("rtp_use_codec_name", media.encoding_name);
        self.channel
            .set_variable("rtp_use_codec_rate", media.clock_rate.to_string());
        self.channel
            .set_variable("rtp_use_codec_ptime", media.ptime.to_string());
        self.channel
            .set_variable("remote_media_ip", media.remote_rtp.ip().to_string());
        self.channel
            .set_variable("remote_media_port", media.remote_rtp.port().to_string());
        let _ = self
            .control
            .send(LegCommand::Configure(Box::new(media.clone())));
        *self.negotiated.lock().unwrap_or_else(|p| p.into_inner()) = Some(media);
    }

    /// The media in force, once negotiated.
    pub fn negotiated(&self) -> Option<NegotiatedMedia> {
        self.negotiated
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// The PCM the session thread reads and writes: (rate, samples per
    /// frame), once negotiated.
    pub fn pcm_format(&self) -> Option<(u32, usize)> {
        let media = self.negotiated()?;
        let codec = codec_of(&media)?;
        let rate = pcm_rate(&codec);
        Some((rate, codec.frame_samples_at(rate)))
    }

    /// Forwards this leg's media to `other` and the other's to this one.
    pub fn bridge(&self, other: &MediaLeg) {
        let _ = self.control.send(LegCommand::Bridge(other.peer()));
        let _ = other.control.send(LegCommand::Bridge(self.peer()));
    }

    /// Stops forwarding this leg's media.
    pub fn unbridge(&self) {
        let _ = self.control.send(LegCommand::Unbridge);
    }

    fn peer(&self) -> Peer {
        Peer {
            shared: Arc::clone(&self.shared),
            control: self.control.clone(),
        }
    }

    /// Lets a session thread hear the leg (`reader`) and talk on it
    /// (`writer`).
    pub fn attach_session(
        &self,
        reader: crossbeam_channel::Sender<PcmFrame>,
        writer: crossbeam_channel::Receiver<PcmFrame>,
    ) {
        let _ = self
            .control
            .send(LegCommand::AttachSession { reader, writer });
    }

    /// The session thread stopped hearing and talking.
    pub fn detach_session(&self) {
        let _ = self.control.send(LegCommand::DetachSession);
    }

    /// Turns in-band DTMF detection on or off.
    pub fn set_inband_detection(&self, on: bool) {
        let _ = self.control.send(LegCommand::Inband(on));
    }

    /// Sends digits (`0-9*#A-D`; others are skipped) of `duration_ms` each.
    /// Returns how many were queued.
    pub fn send_dtmf(&self, digits: &str, duration_ms: u32) -> usize {
        let digits: Vec<(Digit, u32)> = digits
            .chars()
            .filter_map(Digit::from_char)
            .map(|d| (d, duration_ms.clamp(40, 2000)))
            .collect();
        let count = digits.len();
        if count > 0 {
            let _ = self.control.send(LegCommand::SendDtmf(digits));
        }
        count
    }

    /// A digit that arrived in signalling (SIP INFO).
    pub fn deliver_dtmf(&self, dtmf: Dtmf) {
        self.sink.deliver(dtmf);
    }

    /// The queue of digits heard on the leg.
    pub fn digits(&self) -> &crossbeam_channel::Receiver<Dtmf> {
        &self.digits
    }

    /// Sends `frames` instead of the leg's audio (its session's, or the
    /// bridged leg's) until the sender hangs up (`uuid_broadcast`).
    pub fn overlay_frames(&self, frames: crossbeam_channel::Receiver<PcmFrame>) {
        let _ = self
            .control
            .send(LegCommand::Overlay(Some(super::task::Overlay::Frames(
                frames,
            ))));
    }

    /// Sends a shared music-on-hold stream instead of the leg's audio.
    pub fn overlay_moh(&self, listener: super::moh::MohListener) {
        let _ = self
            .control
            .send(LegCommand::Overlay(Some(super::task::Overlay::Moh(
                listener,
            ))));
    }

    /// Stops a broadcast or music on hold.
    pub fn clear_overlay(&self) {
        let _ = self.control.send(LegCommand::Overlay(None));
    }

    /// Asks what plays on the leg now to stop (`uuid_break`).
    pub fn interrupt(&self) {
        self.interrupted
            .store(true, std::sync::atomic::Ordering::SeqCst);
        self.clear_overlay();
    }

    /// Whether a stop was asked since the last call (and clears it).
    pub fn take_interrupt(&self) -> bool {
        self.interrupted
            .swap(false, std::sync::atomic::Ordering::SeqCst)
    }

    /// Adds a media tap.
    pub fn add_tap(&self, tap: Tap) {
        let _ = self.control.send(LegCommand::AddTap(tap));
    }

    /// Removes a media tap.
    pub fn remove_tap(&self, id: u64) {
        let _ = self.control.send(LegCommand::RemoveTap(id));
    }

    /// Stops the leg: its counters become the channel's `rtp_audio_*`
    /// variables (as FreeSWITCH sets them at hangup).
    pub(super) fn close(&self) {
        let variables = self.shared.lock().channel_variables();
        for (name, value) in variables {
            self.channel.set_variable(name, value);
        }
        let _ = self.control.send(LegCommand::Stop);
    }
}

impl Drop for MediaLeg {
    fn drop(&mut self) {
        let _ = self.control.send(LegCommand::Stop);
    }
}
