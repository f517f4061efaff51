//! Call legs ("channels", one per leg, owned by a tenant) and what
//! describes them.
//!
//! The layers, from the inside out:
//!
//! - [`Channel`]: one leg's data and its state machine. Every transition is a
//!   pure method that takes the time as an argument and says whether anything
//!   changed; nothing here fires events or touches storage, so it is tested
//!   on virtual time.
//! - [`events`]: FreeSWITCH's `CHANNEL_*` events built from a [`Channel`].
//! - [`registry`]: the live channels of the switch ([`ChannelRegistry`]),
//!   each behind a [`ChannelHandle`] whose transitions lock the channel,
//!   change it and fire the matching event on the [`EventBus`] passed in —
//!   while still holding the lock, so one channel's events leave in the order
//!   of its transitions.
//! - [`cdr`]: the CDR table and [`cdr::finish`], the only way a channel
//!   should end: CDR committed, then `CHANNEL_HANGUP_COMPLETE`, then
//!   `CHANNEL_DESTROY`, then removal from the registry.
//! - [`show`]: `show channels` and `show calls` as pure functions of a
//!   snapshot.
//!
//! [`EventBus`]: crate::event::bus::EventBus

pub mod cause;
pub mod cdr;
pub mod events;
pub mod registry;
pub mod show;

pub use cause::HangupCause;
pub use registry::{ChannelHandle, ChannelRegistry};

use std::collections::BTreeMap;
use std::time::{SystemTime, UNIX_EPOCH};

/// A channel's unique id: a UUID in FreeSWITCH's form (hyphenated, lower
/// case), as `Unique-ID` carries it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ChannelId(String);

impl ChannelId {
    /// A fresh random (version 4) id.
    pub fn random() -> ChannelId {
        ChannelId(uuid::Uuid::new_v4().hyphenated().to_string())
    }

    /// Reads an id given by a user or a peer (`uuid_kill <uuid>`,
    /// `origination_uuid`): any UUID spelling is accepted and normalised to
    /// the hyphenated lower-case form; anything else is `None`.
    pub fn parse(text: &str) -> Option<ChannelId> {
        uuid::Uuid::try_parse(text.trim())
            .ok()
            .map(|u| ChannelId(u.hyphenated().to_string()))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for ChannelId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::borrow::Borrow<str> for ChannelId {
    fn borrow(&self) -> &str {
        &self.0
    }
}

/// Which way a leg points, seen from the switch (`Call-Direction`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// The switch received the call (the caller's leg, the A leg).
    Inbound,
    /// The switch placed the call (a `bridge` or `originate` leg).
    Outbound,
}

impl Direction {
    /// `inbound` or `outbound`, as FreeSWITCH writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Inbound => "inbound",
            Direction::Outbound => "outbound",
        }
    }

    /// Reads `inbound` / `outbound` (any case).
    pub fn parse(text: &str) -> Option<Direction> {
        let text = text.trim();
        if text.eq_ignore_ascii_case("inbound") {
            Some(Direction::Inbound)
        } else if text.eq_ignore_ascii_case("outbound") {
            Some(Direction::Outbound)
        } else {
            None
        }
    }
}

/// FreeSWITCH's channel states (`switch_channel_state_t`), with their names
/// (`Channel-State`) and numbers (`Channel-State-Number`).
///
/// A live channel is created in [`ChannelState::Init`] (`CHANNEL_CREATE`
/// reports `CS_INIT`, as FreeSWITCH's does); [`ChannelState::New`] exists for
/// completeness and is never seen on a registered channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ChannelState {
    /// `CS_NEW` (0): allocated, not yet initialised.
    New,
    /// `CS_INIT` (1): initialised.
    Init,
    /// `CS_ROUTING` (2): looking up the dialplan.
    Routing,
    /// `CS_SOFT_EXECUTE` (3): ready to execute from another thread.
    SoftExecute,
    /// `CS_EXECUTE` (4): running dialplan applications.
    Execute,
    /// `CS_EXCHANGE_MEDIA` (5): bridged to another channel.
    ExchangeMedia,
    /// `CS_PARK` (6): parked.
    Park,
    /// `CS_CONSUME_MEDIA` (7): reading media and discarding it (an
    /// outbound leg waiting to be bridged).
    ConsumeMedia,
    /// `CS_HIBERNATE` (8): sleeping.
    Hibernate,
    /// `CS_RESET` (9): resetting.
    Reset,
    /// `CS_HANGUP` (10): hung up, not yet reported.
    Hangup,
    /// `CS_REPORTING` (11): the CDR is being written.
    Reporting,
    /// `CS_DESTROY` (12): about to be freed.
    Destroy,
}

impl ChannelState {
    /// Every state, in numeric order.
    pub const ALL: [ChannelState; 13] = [
        ChannelState::New,
        ChannelState::Init,
        ChannelState::Routing,
        ChannelState::SoftExecute,
        ChannelState::Execute,
        ChannelState::ExchangeMedia,
        ChannelState::Park,
        ChannelState::ConsumeMedia,
        ChannelState::Hibernate,
        ChannelState::Reset,
        ChannelState::Hangup,
        ChannelState::Reporting,
        ChannelState::Destroy,
    ];

    /// FreeSWITCH's name (`CS_EXECUTE`).
    pub fn name(self) -> &'static str {
        match self {
            ChannelState::New => "CS_NEW",
            ChannelState::Init => "CS_INIT",
            ChannelState::Routing => "CS_ROUTING",
            ChannelState::SoftExecute => "CS_SOFT_EXECUTE",
            ChannelState::Execute => "CS_EXECUTE",
            ChannelState::ExchangeMedia => "CS_EXCHANGE_MEDIA",
            ChannelState::Park => "CS_PARK",
            ChannelState::ConsumeMedia => "CS_CONSUME_MEDIA",
            ChannelState::Hibernate => "CS_HIBERNATE",
            ChannelState::Reset => "CS_RESET",
            ChannelState::Hangup => "CS_HANGUP",
            ChannelState::Reporting => "CS_REPORTING",
            ChannelState::Destroy => "CS_DESTROY",
        }
    }

    /// FreeSWITCH's number (`Channel-State-Number`).
    pub fn number(self) -> u8 {
        self as u8
    }

    /// The state named `name` (`CS_EXECUTE`, any case).
    pub fn parse(name: &str) -> Option<ChannelState> {
        let name = name.trim();
        ChannelState::ALL
            .into_iter()
            .find(|s| s.name().eq_ignore_ascii_case(name))
    }

    /// True from `CS_HANGUP` on: the leg is over.
    pub fn is_hungup(self) -> bool {
        self >= ChannelState::Hangup
    }

    /// True for the states [`Channel::set_state`] may move a live channel to
    /// (the ones between `CS_INIT` and `CS_HANGUP`, both excluded).
    pub fn is_running(self) -> bool {
        self > ChannelState::Init && self < ChannelState::Hangup
    }
}

impl std::fmt::Display for ChannelState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// The signalling state of a leg (`Channel-Call-State`, `callstate`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CallState {
    /// `DOWN`: nothing has happened yet.
    Down,
    /// `RINGING`: the far end rings (180).
    Ringing,
    /// `EARLY`: early media flows (183 with SDP).
    Early,
    /// `ACTIVE`: answered.
    Active,
    /// `HANGUP`: over.
    Hangup,
}

impl CallState {
    /// FreeSWITCH's name (`ACTIVE`).
    pub fn name(self) -> &'static str {
        match self {
            CallState::Down => "DOWN",
            CallState::Ringing => "RINGING",
            CallState::Early => "EARLY",
            CallState::Active => "ACTIVE",
            CallState::Hangup => "HANGUP",
        }
    }
}

impl std::fmt::Display for CallState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Who calls whom, as FreeSWITCH's caller profile (`Caller-*` headers).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CallerProfile {
    /// The authenticated user (`Caller-Username`), empty when none.
    pub username: String,
    /// Caller-ID name (`Caller-Caller-ID-Name`).
    pub caller_id_name: String,
    /// Caller-ID number (`Caller-Caller-ID-Number`).
    pub caller_id_number: String,
    /// Callee-ID name (`Caller-Callee-ID-Name`), learnt when the far end
    /// answers or when set by the dialplan.
    pub callee_id_name: String,
    /// Callee-ID number (`Caller-Callee-ID-Number`).
    pub callee_id_number: String,
    /// What was dialled (`Caller-Destination-Number`).
    pub destination_number: String,
    /// The dialplan context (`Caller-Context`).
    pub context: String,
    /// The peer's address (`Caller-Network-Addr`), an IP without port.
    pub network_addr: String,
    /// Automatic number identification (`Caller-ANI`); usually the caller-ID
    /// number.
    pub ani: String,
}

impl CallerProfile {
    /// A profile field by FreeSWITCH's variable name (`caller_id_number`,
    /// `destination_number`, …), as `${name}` reads it when no channel
    /// variable has that name.
    pub fn field(&self, name: &str) -> Option<&str> {
        Some(match name {
            "username" | "user_name" => &self.username,
            "caller_id_name" => &self.caller_id_name,
            "caller_id_number" => &self.caller_id_number,
            "callee_id_name" => &self.callee_id_name,
            "callee_id_number" => &self.callee_id_number,
            "destination_number" => &self.destination_number,
            "context" => &self.context,
            "network_addr" => &self.network_addr,
            "ani" => &self.ani,
            "dialplan" => "XML",
            _ => return None,
        })
    }
}

/// When things happened on a leg.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timestamps {
    /// The leg was created.
    pub created: SystemTime,
    /// It started ringing.
    pub progress: Option<SystemTime>,
    /// Early media started.
    pub progress_media: Option<SystemTime>,
    /// It was answered.
    pub answered: Option<SystemTime>,
    /// It was first bridged.
    pub bridged: Option<SystemTime>,
    /// It was hung up.
    pub hangup: Option<SystemTime>,
}

/// Microseconds since the Unix epoch, as FreeSWITCH's `*-Time` headers and
/// `*_uepoch` variables carry them (0 for a time before the epoch).
pub fn epoch_micros(time: SystemTime) -> i64 {
    time.duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// [`epoch_micros`] of an optional time, 0 when unset (FreeSWITCH's
/// convention for a time that did not happen).
pub fn epoch_micros_or_zero(time: Option<SystemTime>) -> i64 {
    time.map(epoch_micros).unwrap_or(0)
}

/// What the creator of a leg knows about it.
#[derive(Debug, Clone)]
pub struct NewChannel {
    /// A chosen id (`origination_uuid`); `None` draws a random one.
    pub id: Option<ChannelId>,
    /// Inbound (received) or outbound (placed).
    pub direction: Direction,
    /// The tenant (SIP domain) that owns the leg and is billed for it.
    pub tenant: String,
    /// `Channel-Name`, e.g. `sofia/internal/1001@acme.test`.
    pub name: String,
    /// Caller and callee.
    pub profile: CallerProfile,
    /// Initial channel variables.
    pub variables: Vec<(String, String)>,
    /// The gateway (trunk) the leg runs through, if any.
    pub gateway: Option<String>,
    /// For a leg placed on behalf of another (a `bridge` B leg): the A leg.
    /// It becomes `Channel-Call-UUID` and pairs the legs in `show calls`
    /// while the B leg rings.
    pub originator: Option<ChannelId>,
}

impl NewChannel {
    /// A leg with the essentials; the other fields empty.
    pub fn new(
        direction: Direction,
        tenant: impl Into<String>,
        name: impl Into<String>,
        profile: CallerProfile,
    ) -> NewChannel {
        NewChannel {
            id: None,
            direction,
            tenant: tenant.into(),
            name: name.into(),
            profile,
            variables: Vec::new(),
            gateway: None,
            originator: None,
        }
    }
}

/// The link of a bridged channel to its peer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BridgeLink {
    /// The other leg.
    pub other: ChannelId,
    /// True on the leg that originated the bridge (`Bridge-A-Unique-ID`).
    pub originator: bool,
}

/// Why a transition was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChannelError {
    /// The channel has hung up (or is being reported or destroyed).
    HungUp(ChannelId),
    /// The channel is not hung up, but the transition needs it to be.
    NotHungUp(ChannelId),
    /// The transition does not apply to the channel's current state.
    WrongState {
        /// The channel.
        id: ChannelId,
        /// Where it is.
        from: ChannelState,
        /// Where it was asked to go.
        to: ChannelState,
    },
    /// The channel is bridged to another leg already.
    AlreadyBridged {
        /// The channel.
        id: ChannelId,
        /// Its current peer.
        other: ChannelId,
    },
    /// A channel cannot be bridged to itself.
    SelfBridge(ChannelId),
    /// No live channel has this id.
    NotFound(String),
    /// A live channel has this id already.
    DuplicateId(ChannelId),
}

impl std::fmt::Display for ChannelError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ChannelError::HungUp(id) => write!(f, "channel {id} has hung up"),
            ChannelError::NotHungUp(id) => write!(f, "channel {id} has not hung up"),
            ChannelError::WrongState { id, from, to } => {
                write!(f, "channel {id} cannot go from {from} to {to}")
            }
            ChannelError::AlreadyBridged { id, other } => {
                write!(f, "channel {id} is bridged to {other} already")
            }
            ChannelError::SelfBridge(id) => write!(f, "channel {id} cannot bridge to itself"),
            ChannelError::NotFound(id) => write!(f, "no such channel {id}"),
            ChannelError::DuplicateId(id) => write!(f, "channel {id} exists already"),
        }
    }
}

impl std::error::Error for ChannelError {}

/// One call leg.
///
/// Fields are private so that the timestamps, states and cause always agree:
/// they change only through the transition methods, each of which returns
/// `Ok(true)` when it changed the channel (fire its event), `Ok(false)` when
/// the channel was there already (a retransmitted 180, a second BYE: fire
/// nothing), or an error when the transition makes no sense.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Channel {
    id: ChannelId,
    direction: Direction,
    tenant: String,
    name: String,
    profile: CallerProfile,
    variables: BTreeMap<String, String>,
    times: Timestamps,
    state: ChannelState,
    call_state: CallState,
    hangup_cause: Option<HangupCause>,
    sip_hangup_code: Option<u16>,
    gateway: Option<String>,
    originator: Option<ChannelId>,
    bridge: Option<BridgeLink>,
    other_leg: Option<ChannelId>,
    application: Option<(String, String)>,
}

impl Channel {
    /// A new leg, created at `now`, in `CS_INIT` / `DOWN`.
    pub fn new(spec: NewChannel, now: SystemTime) -> Channel {
        Channel {
            id: spec.id.unwrap_or_else(ChannelId::random),
            direction: spec.direction,
            tenant: spec.tenant,
            name: spec.name,
            profile: spec.profile,
            variables: spec.variables.into_iter().collect(),
            times: Timestamps {
                created: now,
                progress: None,
                progress_media: None,
                answered: None,
                bridged: None,
                hangup: None,
            },
            state: ChannelState::Init,
            call_state: CallState::Down,
            hangup_cause: None,
            sip_hangup_code: None,
            gateway: spec.gateway,
            originator: spec.originator,
            bridge: None,
            other_leg: None,
            application: None,
        }
    }

    /// `Unique-ID`.
    pub fn id(&self) -> &ChannelId {
        &self.id
    }

    /// `Call-Direction`.
    pub fn direction(&self) -> Direction {
        self.direction
    }

    /// The owning tenant (SIP domain).
    pub fn tenant(&self) -> &str {
        &self.tenant
    }

    /// `Channel-Name`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The caller profile.
    pub fn profile(&self) -> &CallerProfile {
        &self.profile
    }

    /// Every channel variable, sorted by name.
    pub fn variables(&self) -> &BTreeMap<String, String> {
        &self.variables
    }

    /// One channel variable.
    pub fn variable(&self, name: &str) -> Option<&str> {
        self.variables.get(name).map(String::as_str)
    }

    /// When things happened.
    pub fn times(&self) -> &Timestamps {
        &self.times
    }

    /// `Channel-State`.
    pub fn state(&self) -> ChannelState {
        self.state
    }

    /// `Channel-Call-State`.
    pub fn call_state(&self) -> CallState {
        self.call_state
    }

    /// `Answer-State` as FreeSWITCH derives it: `hangup`, `answered`,
    /// `early` or `ringing` (the last also for a leg that has not rung yet).
    pub fn answer_state(&self) -> &'static str {
        if self.state.is_hungup() {
            "hangup"
        } else if self.times.answered.is_some() {
            "answered"
        } else if self.times.progress_media.is_some() {
            "early"
        } else {
            "ringing"
        }
    }

    /// The hangup cause, once hung up.
    pub fn hangup_cause(&self) -> Option<HangupCause> {
        self.hangup_cause
    }

    /// The SIP status that ended the leg (received or sent), when SIP gave
    /// one.
    pub fn sip_hangup_code(&self) -> Option<u16> {
        self.sip_hangup_code
    }

    /// The gateway the leg runs through.
    pub fn gateway(&self) -> Option<&str> {
        self.gateway.as_deref()
    }

    /// The A leg this leg was placed for.
    pub fn originator(&self) -> Option<&ChannelId> {
        self.originator.as_ref()
    }

    /// `Channel-Call-UUID`: the originator's id, or this leg's own.
    pub fn call_uuid(&self) -> &ChannelId {
        self.originator.as_ref().unwrap_or(&self.id)
    }

    /// The current bridge, if bridged now.
    pub fn bridge(&self) -> Option<&BridgeLink> {
        self.bridge.as_ref()
    }

    /// The leg this one is or was last bridged to (`Other-Leg-Unique-ID`,
    /// the CDR's `other_leg_uuid`).
    pub fn other_leg(&self) -> Option<&ChannelId> {
        self.other_leg.as_ref()
    }

    /// Whether the leg was ever bridged.
    pub fn was_bridged(&self) -> bool {
        self.times.bridged.is_some()
    }

    /// The dialplan application running now and its argument.
    pub fn application(&self) -> Option<(&str, &str)> {
        self.application
            .as_ref()
            .map(|(app, data)| (app.as_str(), data.as_str()))
    }

    /// Sets a channel variable (it shows in events as `variable_<name>`).
    pub fn set_variable(&mut self, name: impl Into<String>, value: impl Into<String>) {
        self.variables.insert(name.into(), value.into());
    }

    /// Removes a channel variable; returns its value.
    pub fn unset_variable(&mut self, name: &str) -> Option<String> {
        self.variables.remove(name)
    }

    /// Records the application now running (`None` when none is).
    pub fn set_application(&mut self, application: Option<(String, String)>) {
        self.application = application;
    }

    /// Records who answered (`Caller-Callee-ID-*`).
    pub fn set_callee(&mut self, name: impl Into<String>, number: impl Into<String>) {
        self.profile.callee_id_name = name.into();
        self.profile.callee_id_number = number.into();
    }

    /// Routes the leg anew (`transfer`): its destination and context, as
    /// FreeSWITCH's caller profile records them (so the CDR shows where
    /// the call went last).
    pub fn set_destination(&mut self, number: impl Into<String>, context: impl Into<String>) {
        self.profile.destination_number = number.into();
        self.profile.context = context.into();
    }

    fn live(&self) -> Result<(), ChannelError> {
        if self.state.is_hungup() {
            Err(ChannelError::HungUp(self.id.clone()))
        } else {
            Ok(())
        }
    }

    /// Moves a live channel to one of the running states (`CS_ROUTING`,
    /// `CS_EXECUTE`, `CS_PARK`…). The birth and death states are reached
    /// only through [`Channel::new`], [`Channel::hangup`],
    /// [`Channel::begin_reporting`] and [`Channel::destroy`].
    pub fn set_state(&mut self, to: ChannelState) -> Result<bool, ChannelError> {
        self.live()?;
        if !to.is_running() {
            return Err(ChannelError::WrongState {
                id: self.id.clone(),
                from: self.state,
                to,
            });
        }
        let changed = self.state != to;
        self.state = to;
        Ok(changed)
    }

    /// The far end rings (`CHANNEL_PROGRESS`): `DOWN` → `RINGING`.
    pub fn ring(&mut self, now: SystemTime) -> Result<bool, ChannelError> {
        self.live()?;
        if self.call_state != CallState::Down {
            return Ok(false);
        }
        self.call_state = CallState::Ringing;
        self.times.progress.get_or_insert(now);
        Ok(true)
    }

    /// Early media (`CHANNEL_PROGRESS_MEDIA`): `DOWN`/`RINGING` → `EARLY`.
    pub fn pre_answer(&mut self, now: SystemTime) -> Result<bool, ChannelError> {
        self.live()?;
        if self.call_state >= CallState::Early {
            return Ok(false);
        }
        self.call_state = CallState::Early;
        self.times.progress_media.get_or_insert(now);
        Ok(true)
    }

    /// Answer (`CHANNEL_ANSWER`): `DOWN`/`RINGING`/`EARLY` → `ACTIVE`.
    pub fn answer(&mut self, now: SystemTime) -> Result<bool, ChannelError> {
        self.live()?;
        if self.call_state == CallState::Active {
            return Ok(false);
        }
        self.call_state = CallState::Active;
        self.times.answered.get_or_insert(now);
        Ok(true)
    }

    /// Bridges this leg to `other` (`CHANNEL_BRIDGE`): state
    /// `CS_EXCHANGE_MEDIA`, `bridge_to` and `last_bridge_to` set, bridged
    /// time recorded the first time. `originator` marks the A side.
    pub fn bridge_to(
        &mut self,
        other: &ChannelId,
        originator: bool,
        now: SystemTime,
    ) -> Result<bool, ChannelError> {
        self.live()?;
        if *other == self.id {
            return Err(ChannelError::SelfBridge(self.id.clone()));
        }
        if let Some(link) = &self.bridge {
            if link.other == *other {
                return Ok(false);
            }
            return Err(ChannelError::AlreadyBridged {
                id: self.id.clone(),
                other: link.other.clone(),
            });
        }
        self.bridge = Some(BridgeLink {
            other: other.clone(),
            originator,
        });
        self.other_leg = Some(other.clone());
        self.times.bridged.get_or_insert(now);
        self.state = ChannelState::ExchangeMedia;
        self.set_variable("bridge_to", other.as_str());
        self.set_variable("last_bridge_to", other.as_str());
        Ok(true)
    }

    /// Ends the current bridge (`CHANNEL_UNBRIDGE`); the other leg stays
    /// known as [`Channel::other_leg`]. Allowed after hangup, so cleanup
    /// always works.
    pub fn unbridge(&mut self) -> Result<bool, ChannelError> {
        if self.bridge.take().is_none() {
            return Ok(false);
        }
        self.unset_variable("bridge_to");
        if self.state == ChannelState::ExchangeMedia {
            self.state = ChannelState::Execute;
        }
        Ok(true)
    }

    /// Hangs up (`CHANNEL_HANGUP`): `CS_HANGUP` / `HANGUP`, with the cause
    /// and, when SIP ended the leg, the SIP status. Sets FreeSWITCH's
    /// variables `hangup_cause`, `hangup_cause_q850` and, with a SIP status,
    /// `sip_term_status` and `proto_specific_hangup_cause` (`sip:486`).
    pub fn hangup(
        &mut self,
        cause: HangupCause,
        sip_code: Option<u16>,
        now: SystemTime,
    ) -> Result<bool, ChannelError> {
        if self.state.is_hungup() {
            return Ok(false);
        }
        self.state = ChannelState::Hangup;
        self.call_state = CallState::Hangup;
        self.times.hangup = Some(now);
        self.hangup_cause = Some(cause);
        self.sip_hangup_code = sip_code;
        self.application = None;
        self.set_variable("hangup_cause", cause.name());
        self.set_variable("hangup_cause_q850", cause.code().to_string());
        if let Some(code) = sip_code {
            self.set_variable("sip_term_status", code.to_string());
            self.set_variable("proto_specific_hangup_cause", format!("sip:{code}"));
        }
        Ok(true)
    }

    /// `CS_HANGUP` → `CS_REPORTING`: sets FreeSWITCH's CDR variables
    /// (`start_stamp`, `answer_stamp`, `end_stamp`, `*_epoch`, `*_uepoch`,
    /// `duration`, `billsec`, `progresssec`, `answersec`,
    /// `progress_mediasec`, `mduration`, `billmsec`; see
    /// [`cdr::Durations`]).
    pub fn begin_reporting(&mut self) -> Result<(), ChannelError> {
        if self.state != ChannelState::Hangup {
            return Err(if self.state.is_hungup() {
                ChannelError::WrongState {
                    id: self.id.clone(),
                    from: self.state,
                    to: ChannelState::Reporting,
                }
            } else {
                ChannelError::NotHungUp(self.id.clone())
            });
        }
        self.state = ChannelState::Reporting;
        let t = self.times;
        let end = t.hangup.unwrap_or(t.created);
        let stamps = [
            ("start", Some(t.created)),
            ("progress", t.progress),
            ("progress_media", t.progress_media),
            ("answer", t.answered),
            ("bridge", t.bridged),
            ("end", Some(end)),
        ];
        for (prefix, time) in stamps {
            if let Some(time) = time {
                self.set_variable(format!("{prefix}_stamp"), local_stamp(time));
            }
            let micros = epoch_micros_or_zero(time);
            self.set_variable(format!("{prefix}_epoch"), (micros / 1_000_000).to_string());
            self.set_variable(format!("{prefix}_uepoch"), micros.to_string());
        }
        let d = cdr::Durations::of(&t);
        for (name, value) in [
            ("duration", d.duration),
            ("billsec", d.billsec),
            ("progresssec", d.progresssec),
            ("answersec", d.answersec),
            ("progress_mediasec", d.progress_mediasec),
            ("mduration", d.mduration),
            ("billmsec", d.billmsec),
        ] {
            self.set_variable(name, value.to_string());
        }
        Ok(())
    }

    /// `CS_REPORTING` → `CS_DESTROY`.
    pub fn destroy(&mut self) -> Result<(), ChannelError> {
        if self.state != ChannelState::Reporting {
            return Err(ChannelError::WrongState {
                id: self.id.clone(),
                from: self.state,
                to: ChannelState::Destroy,
            });
        }
        self.state = ChannelState::Destroy;
        Ok(())
    }
}

/// `YYYY-MM-DD hh:mm:ss` in the switch's local time zone, as FreeSWITCH
/// writes `start_stamp` and `show channels`' `created`.
pub fn local_stamp(time: SystemTime) -> String {
    match jiff::Timestamp::from_microsecond(epoch_micros(time)) {
        Ok(ts) => ts
            .to_zoned_datetime(jiff::tz::TimeZone::system())
            .strftime("%Y-%m-%d %H:%M:%S")
            .to_string(),
        Err(_) => String::new(),
    }
}

#[cfg(test)]
pub(crate) mod test_support;
#[cfg(test)]
mod tests;
