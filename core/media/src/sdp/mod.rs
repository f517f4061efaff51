//! SDP (RFC 4566) and the offer/answer model (RFC 3264), sans-IO.
//!
//! - [`SessionDescription::parse`] reads a body under [`Limits`], never
//!   panicking; `to_string()` writes canonical CRLF text.
//! - [`CodecPrefs::parse`] reads a FreeSWITCH `codec_string`.
//! - [`build_offer`] / [`build_reoffer`], [`answer_offer`] and
//!   [`process_answer`] are the stateless steps; [`Negotiator`] keeps one
//!   leg's state (versions, unchanged re-offers, early media) on top.
//! - A [`NegotiatedMedia`] is what the switch configures an RTP leg with.
//!
//! With media anchored (the default for bridges) each leg negotiates on
//! its own with the switch's address and ports; with `bypass_media=true`
//! the switch relays SDP unchanged and does not use this module.

mod answer;
mod codec;
mod codec_string;
mod direction;
mod error;
mod limits;
mod local;
mod model;
mod negotiated;
mod negotiation_error;
mod negotiator;
mod offer;
mod opus;
mod parse;
mod process_answer;
mod select;
mod session;
mod stream;
mod write;

pub use answer::{Answer, answer_offer};
pub use codec::{Codec, FormatKind};
pub use codec_string::{CodecPrefs, CodecSpec, CodecStringWarning, MAX_CODEC_STRING_ENTRIES};
pub use direction::Direction;
pub use error::{ParseError, ParseErrorKind};
pub use limits::Limits;
pub use local::{
    CodecMode, FIRST_DYNAMIC_PT, LocalMedia, TELEPHONE_EVENT_FMTP, TELEPHONE_EVENT_PT,
};
pub use model::{
    AddrType, Attribute, Bandwidth, Connection, Line, MediaDescription, MediaFormat, MediaType,
    Origin, Rtcp, RtpMap, SessionDescription, Timing,
};
pub use negotiated::{NegotiatedMedia, TelephoneEvent};
pub use negotiation_error::NegotiationError;
pub use negotiator::{Negotiator, OfferOutcome};
pub use offer::{OFFER_PROTO, build_offer, build_reoffer};
pub use opus::OpusParams;
pub use parse::parse_with_limits;
pub use process_answer::process_answer;
pub use session::{LocalSession, RemoteSession, SdpChange};
pub use stream::{RemoteEndpoints, effective_direction, is_hold, remote_endpoints};
