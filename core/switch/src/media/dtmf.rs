//! Where detected DTMF goes: the channel's digit queue (read by its
//! session thread: `play_and_get_digits`, terminators) and a `DTMF` event
//! with FreeSWITCH's headers (`DTMF-Digit`, `DTMF-Duration`,
//! `DTMF-Source`) and the channel's.

use crate::channel::events;
use crate::channel::registry::ChannelHandle;
use crate::event::bus::EventBus;
use std::sync::Arc;

/// How many detected digits wait for a session thread at most; beyond,
/// the oldest are kept and new ones only fire their event.
const QUEUE: usize = 128;

/// How a digit arrived, as FreeSWITCH's `DTMF-Source` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DtmfSource {
    /// RFC 4733 `telephone-event` packets.
    Rtp,
    /// SIP INFO (`application/dtmf-relay` or `application/dtmf`).
    Info,
    /// Tones in the audio (Goertzel detection).
    InbandAudio,
}

impl DtmfSource {
    /// The `DTMF-Source` value.
    pub fn name(self) -> &'static str {
        match self {
            DtmfSource::Rtp => "RTP",
            DtmfSource::Info => "INFO",
            DtmfSource::InbandAudio => "INBAND_AUDIO",
        }
    }
}

/// One key press.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dtmf {
    /// The key: `0`–`9`, `*`, `#`, `A`–`D`.
    pub digit: char,
    /// How long it was pressed, in milliseconds.
    pub duration_ms: u32,
    /// How it arrived.
    pub source: DtmfSource,
}

/// Delivers a leg's digits to its queue and the event bus.
#[derive(Clone)]
pub struct DtmfSink {
    channel: Arc<ChannelHandle>,
    bus: Arc<EventBus>,
    queue: crossbeam_channel::Sender<Dtmf>,
}

impl std::fmt::Debug for DtmfSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DtmfSink")
            .field("channel", self.channel.id())
            .finish_non_exhaustive()
    }
}

impl DtmfSink {
    /// A sink for `channel` and the queue its session thread reads.
    pub fn new(
        channel: Arc<ChannelHandle>,
        bus: Arc<EventBus>,
    ) -> (DtmfSink, crossbeam_channel::Receiver<Dtmf>) {
        let (queue, digits) = crossbeam_channel::bounded(QUEUE);
        (
            DtmfSink {
                channel,
                bus,
                queue,
            },
            digits,
        )
    }

    /// The channel's UUID.
    pub fn channel_id(&self) -> &str {
        self.channel.id().as_str()
    }

    /// Queues a digit and fires its `DTMF` event.
    pub fn deliver(&self, dtmf: Dtmf) {
        tracing::debug!(
            "{} DTMF {} ({} ms, {})",
            self.channel.id().as_str(),
            dtmf.digit,
            dtmf.duration_ms,
            dtmf.source.name()
        );
        let _ = self.queue.try_send(dtmf);
        let mut event = self.channel.with(|c| events::build_named("DTMF", c));
        event
            .add_header("DTMF-Digit", dtmf.digit.to_string())
            .add_header("DTMF-Duration", (dtmf.duration_ms * 8).to_string())
            .add_header("DTMF-Source", dtmf.source.name());
        self.bus.fire(event);
    }
}
