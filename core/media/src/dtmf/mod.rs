//! DTMF: RFC 4733 telephone-events (payload, receiver, sender), SIP INFO
//! bodies, and in-band detection with Goertzel filters.
//!
//! Everything here is sans-IO: time comes in as RTP timestamps or sample
//! counts, nothing reads a clock, and no input can make it panic. The
//! steady-state paths (receiving a packet, detecting in a frame, producing
//! a packet) do not allocate.

mod detector;
mod digit;
mod goertzel;
pub mod info;
mod receiver;
mod sender;
mod telephone_event;

pub use detector::{BLOCK_SECONDS, DetectorConfig, DetectorError, DtmfDetector, InbandEvent};
pub use digit::{COL_FREQS, Digit, ROW_FREQS};
pub use goertzel::{Goertzel, GoertzelBank};
pub use info::{InfoBodyKind, InfoDtmf, InfoError, parse_info_body};
pub use receiver::{
    DtmfEvent, EndReason, ReceiverConfig, ReceiverEvents, ReceiverStats, TelephoneEventReceiver,
};
pub use sender::{
    DEFAULT_DURATION_MS, DEFAULT_INTERVAL_MS, DEFAULT_VOLUME, DigitPackets, END_PACKETS,
    EventPacket, SenderConfig, TelephoneEventSender,
};
pub use telephone_event::{MAX_VOLUME, PAYLOAD_LEN, TelephoneEvent, TelephoneEventError};
