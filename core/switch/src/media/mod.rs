//! Media in the switch: each call leg whose media the switch anchors gets
//! an RTP/RTCP port pair from the configured range and a task on one of
//! the media threads that moves its packets (see [`task`], [`thread`]). Legs are found by
//! channel UUID; the B2BUA configures them from SDP negotiation, bridges
//! them, and the session thread talks and listens through them.
//!
//! The protocol work (RTP, RTCP, SDP, codecs, DTMF, tones, WAV) is the
//! sans-IO `switchyard-media` crate; this module is the IO around it.

pub mod dtmf;
pub mod frame;
pub mod leg;
pub mod moh;
pub mod ports;
mod sender;
pub mod tap;
mod task;
mod thread;

pub use dtmf::{Dtmf, DtmfSource};
pub use frame::PcmFrame;
pub use leg::MediaLeg;
pub use ports::RtpPorts;

use crate::channel::registry::ChannelHandle;
use crate::event::bus::EventBus;
use std::collections::HashMap;
use std::io;
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

/// A random SDP session id (`o=` line).
pub fn random_session_id() -> u64 {
    sender::random_u64() >> 2
}

/// The switch's media legs and where they get ports.
#[derive(Debug)]
pub struct MediaEngine {
    ports: Arc<RtpPorts>,
    ip: IpAddr,
    threads: OnceLock<Vec<Arc<thread::ThreadLink>>>,
    next_thread: std::sync::atomic::AtomicUsize,
    next_leg: AtomicU64,
    legs: Mutex<HashMap<String, Arc<MediaLeg>>>,
    next_tap: AtomicU64,
    /// Shared music-on-hold streams.
    pub moh: moh::MohStreams,
}

impl MediaEngine {
    /// An engine taking ports from `ports` on address `ip` (the SIP
    /// address: media is offered where signalling listens).
    pub fn new(ports: Arc<RtpPorts>, ip: IpAddr) -> MediaEngine {
        MediaEngine {
            ports,
            ip,
            threads: OnceLock::new(),
            next_thread: std::sync::atomic::AtomicUsize::new(0),
            next_leg: AtomicU64::new(1),
            legs: Mutex::new(HashMap::new()),
            next_tap: AtomicU64::new(1),
            moh: moh::MohStreams::default(),
        }
    }

    /// Starts `threads` media threads (once; later calls do nothing);
    /// legs are spread over them in turn (see [`thread`]).
    ///
    /// # Errors
    /// When a thread or its epoll set cannot be made.
    pub fn start_threads(&self, threads: usize) -> io::Result<()> {
        if self.threads.get().is_some() {
            return Ok(());
        }
        let links = (0..threads.max(1))
            .map(|index| thread::spawn(format!("media-{index}")))
            .collect::<io::Result<Vec<_>>>()?;
        let _ = self.threads.set(links);
        Ok(())
    }

    /// The address media is offered on.
    pub fn ip(&self) -> IpAddr {
        self.ip
    }

    /// The port range.
    pub fn ports(&self) -> &RtpPorts {
        &self.ports
    }

    fn legs(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<MediaLeg>>> {
        self.legs.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Opens the media leg of `channel` (or returns the one it has).
    ///
    /// # Errors
    /// When no port pair is free or the runtime is not running.
    pub fn open(
        &self,
        channel: &Arc<ChannelHandle>,
        bus: &Arc<EventBus>,
    ) -> io::Result<Arc<MediaLeg>> {
        let id = channel.id().as_str().to_owned();
        if let Some(leg) = self.legs().get(&id) {
            return Ok(Arc::clone(leg));
        }
        let threads = self
            .threads
            .get()
            .filter(|t| !t.is_empty())
            .ok_or_else(|| io::Error::other("the media threads are not running"))?;
        let turn = self.next_thread.fetch_add(1, Ordering::Relaxed);
        let thread = &threads[turn % threads.len()];
        let bound = self.ports.bind(self.ip)?;
        let leg_id = self.next_leg.fetch_add(1, Ordering::Relaxed);
        let leg = Arc::new(MediaLeg::start(thread, leg_id, bound, channel, bus)?);
        self.legs().insert(id, Arc::clone(&leg));
        Ok(leg)
    }

    /// The media leg of a channel, if it has one.
    pub fn leg(&self, uuid: &str) -> Option<Arc<MediaLeg>> {
        self.legs().get(uuid).cloned()
    }

    /// Ends a channel's media leg: its counters become `rtp_audio_*`
    /// channel variables and its ports return to the range.
    pub fn close(&self, uuid: &str) {
        let leg = self.legs().remove(uuid);
        if let Some(leg) = leg {
            leg.close();
        }
    }

    /// Media legs open now.
    pub fn count(&self) -> usize {
        self.legs().len()
    }

    /// A fresh tap id.
    pub fn next_tap_id(&self) -> u64 {
        self.next_tap.fetch_add(1, Ordering::Relaxed)
    }
}
