//! FreeSWITCH's `CHANNEL_*` events, built from a [`Channel`] with the
//! headers FreeSWITCH puts on them, so ESL clients written for FreeSWITCH
//! read ours unchanged.
//!
//! Layout of every channel event, in order (the bus adds `Event-Name`,
//! `Core-UUID`, dates and `Event-Sequence` in front when it fires):
//!
//! 1. bridge events only: `Bridge-A-Unique-ID`, `Bridge-B-Unique-ID`;
//! 2. the channel: `Channel-State`, `Channel-Call-State`,
//!    `Channel-State-Number`, `Channel-Name`, `Unique-ID`, `Call-Direction`,
//!    `Presence-Call-Direction`, `Channel-HIT-Dialplan`, `Channel-Call-UUID`,
//!    `Channel-Presence-ID` (when the `presence_id` variable is set),
//!    `Answer-State`, and `Hangup-Cause` once the channel has hung up;
//! 3. the caller profile as `Caller-*` (directions, username, dialplan,
//!    caller/callee IDs, network address, ANI, destination, unique ID,
//!    source, context, channel name, and the `Caller-*-Time` headers in
//!    microseconds since the epoch, `0` for what has not happened);
//! 4. the other leg: on bridge events `Other-Type` and the other leg's
//!    profile as `Other-Leg-*`; on the other events of a leg that is or was
//!    bridged, `Other-Leg-Unique-ID` alone;
//! 5. every channel variable as `variable_<name>`, sorted by name.

use super::{Channel, epoch_micros, epoch_micros_or_zero};
use crate::event::Event;

/// The channel events this module builds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChannelEvent {
    /// `CHANNEL_CREATE`: a leg exists.
    Create,
    /// `CHANNEL_STATE`: the channel state changed.
    State,
    /// `CHANNEL_PROGRESS`: ringing.
    Progress,
    /// `CHANNEL_PROGRESS_MEDIA`: early media.
    ProgressMedia,
    /// `CHANNEL_ANSWER`: answered.
    Answer,
    /// `CHANNEL_BRIDGE`: two legs joined (fired on the A leg).
    Bridge,
    /// `CHANNEL_UNBRIDGE`: two legs parted (fired on the A leg).
    Unbridge,
    /// `CHANNEL_HANGUP`: hung up.
    Hangup,
    /// `CHANNEL_HANGUP_COMPLETE`: hung up and the CDR is stored.
    HangupComplete,
    /// `CHANNEL_DESTROY`: the leg is gone.
    Destroy,
}

impl ChannelEvent {
    /// The event name (`Event-Name`).
    pub fn name(self) -> &'static str {
        match self {
            ChannelEvent::Create => "CHANNEL_CREATE",
            ChannelEvent::State => "CHANNEL_STATE",
            ChannelEvent::Progress => "CHANNEL_PROGRESS",
            ChannelEvent::ProgressMedia => "CHANNEL_PROGRESS_MEDIA",
            ChannelEvent::Answer => "CHANNEL_ANSWER",
            ChannelEvent::Bridge => "CHANNEL_BRIDGE",
            ChannelEvent::Unbridge => "CHANNEL_UNBRIDGE",
            ChannelEvent::Hangup => "CHANNEL_HANGUP",
            ChannelEvent::HangupComplete => "CHANNEL_HANGUP_COMPLETE",
            ChannelEvent::Destroy => "CHANNEL_DESTROY",
        }
    }

    fn is_bridge(self) -> bool {
        matches!(self, ChannelEvent::Bridge | ChannelEvent::Unbridge)
    }
}

/// The event `kind` for `channel`. For bridge events use [`build_bridge`],
/// which adds the other leg's profile; here they carry only its id.
pub fn build(kind: ChannelEvent, channel: &Channel) -> Event {
    build_bridge(kind, channel, None)
}

/// The event `kind` for `channel`, with `other` (the leg it is or was
/// bridged to, when still known) as `Other-Leg-*` on bridge events.
///
/// For `CHANNEL_BRIDGE` / `CHANNEL_UNBRIDGE`, `channel` is the A leg
/// (`Bridge-A-Unique-ID`) and the B leg is its [`Channel::other_leg`].
pub fn build_bridge(kind: ChannelEvent, channel: &Channel, other: Option<&Channel>) -> Event {
    let mut event = Event::core(kind.name());
    let other_id = other.map(Channel::id).or(channel.other_leg());
    if kind.is_bridge() {
        event.add_header("Bridge-A-Unique-ID", channel.id().as_str());
        if let Some(b) = other_id {
            event.add_header("Bridge-B-Unique-ID", b.as_str());
        }
    }
    add_channel_data(&mut event, channel);
    add_profile(&mut event, "Caller", channel);
    match (kind.is_bridge(), other) {
        (true, Some(other)) => {
            event.add_header("Other-Type", "originatee");
            add_profile(&mut event, "Other-Leg", other);
        }
        _ => {
            if let Some(id) = other_id {
                event.add_header("Other-Leg-Unique-ID", id.as_str());
            }
        }
    }
    for (name, value) in channel.variables() {
        event.add_header(format!("variable_{name}"), value.as_str());
    }
    event
}

/// An event about `channel` that is not a state change (`DTMF`, ...):
/// the channel's headers, profile, other leg and variables, as FreeSWITCH
/// puts on every channel-scoped event.
pub fn build_named(name: &'static str, channel: &Channel) -> Event {
    let mut event = Event::core(name);
    add_channel_data(&mut event, channel);
    add_profile(&mut event, "Caller", channel);
    if let Some(id) = channel.other_leg() {
        event.add_header("Other-Leg-Unique-ID", id.as_str());
    }
    for (name, value) in channel.variables() {
        event.add_header(format!("variable_{name}"), value.as_str());
    }
    event
}

fn add_channel_data(event: &mut Event, channel: &Channel) {
    let state = channel.state();
    let direction = channel.direction().as_str();
    event
        .add_header("Channel-State", state.name())
        .add_header("Channel-Call-State", channel.call_state().name())
        .add_header("Channel-State-Number", state.number().to_string())
        .add_header("Channel-Name", channel.name())
        .add_header("Unique-ID", channel.id().as_str())
        .add_header("Call-Direction", direction)
        .add_header("Presence-Call-Direction", direction)
        .add_header(
            "Channel-HIT-Dialplan",
            if channel.direction() == super::Direction::Inbound {
                "true"
            } else {
                "false"
            },
        )
        .add_header("Channel-Call-UUID", channel.call_uuid().as_str());
    if let Some(presence) = channel.variable("presence_id") {
        event.add_header("Channel-Presence-ID", presence);
    }
    event.add_header("Answer-State", channel.answer_state());
    if let Some(cause) = channel.hangup_cause() {
        event.add_header("Hangup-Cause", cause.name());
    }
}

fn add_profile(event: &mut Event, prefix: &str, channel: &Channel) {
    let p = channel.profile();
    let t = channel.times();
    let direction = channel.direction().as_str();
    let mut h = |name: &str, value: &str| {
        event.add_header(format!("{prefix}-{name}"), value);
    };
    h("Direction", direction);
    h("Logical-Direction", direction);
    if !p.username.is_empty() {
        h("Username", &p.username);
    }
    h("Dialplan", "XML");
    h("Caller-ID-Name", &p.caller_id_name);
    h("Caller-ID-Number", &p.caller_id_number);
    h("Orig-Caller-ID-Name", &p.caller_id_name);
    h("Orig-Caller-ID-Number", &p.caller_id_number);
    if !p.callee_id_name.is_empty() {
        h("Callee-ID-Name", &p.callee_id_name);
    }
    if !p.callee_id_number.is_empty() {
        h("Callee-ID-Number", &p.callee_id_number);
    }
    h("Network-Addr", &p.network_addr);
    h("ANI", &p.ani);
    h("Destination-Number", &p.destination_number);
    h("Unique-ID", channel.id().as_str());
    h("Source", "mod_sofia");
    h("Context", &p.context);
    h("Channel-Name", channel.name());
    h("Profile-Index", "1");
    let created = epoch_micros(t.created).to_string();
    h("Profile-Created-Time", &created);
    h("Channel-Created-Time", &created);
    for (name, time) in [
        ("Channel-Answered-Time", t.answered),
        ("Channel-Progress-Time", t.progress),
        ("Channel-Progress-Media-Time", t.progress_media),
        ("Channel-Hangup-Time", t.hangup),
        ("Channel-Transfer-Time", None),
        ("Channel-Resurrect-Time", None),
        ("Channel-Bridged-Time", t.bridged),
        ("Channel-Last-Hold", None),
        ("Channel-Hold-Accum", None),
    ] {
        h(name, &epoch_micros_or_zero(time).to_string());
    }
    h("Screen-Bit", "true");
    h("Privacy-Hide-Name", "false");
    h("Privacy-Hide-Number", "false");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::channel::{CallerProfile, ChannelId, Direction, HangupCause, NewChannel};
    use std::time::{Duration, SystemTime, UNIX_EPOCH};

    fn at(micros: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_micros(micros)
    }

    fn leg(id: &str, direction: Direction, number: &str) -> Channel {
        let mut spec = NewChannel::new(
            direction,
            "acme.test",
            format!("sofia/internal/{number}@acme.test"),
            CallerProfile {
                username: number.into(),
                caller_id_name: format!("Ext {number}"),
                caller_id_number: number.into(),
                destination_number: "1002".into(),
                context: "acme.test".into(),
                network_addr: "192.0.2.7".into(),
                ani: number.into(),
                ..CallerProfile::default()
            },
        );
        spec.id = ChannelId::parse(id);
        spec.variables = vec![("sip_call_id".into(), "abc@host".into())];
        Channel::new(spec, at(1_700_000_000_250_000))
    }

    const A: &str = "6f1c2a34-5b6d-4e7f-8a9b-0c1d2e3f4a5b";
    const B: &str = "7a2b3c4d-5e6f-4a8b-9c0d-1e2f3a4b5c6d";

    #[test]
    fn create_carries_freeswitch_headers_in_order() {
        let a = leg(A, Direction::Inbound, "1001");
        let e = build(ChannelEvent::Create, &a);
        assert_eq!(e.name(), "CHANNEL_CREATE");
        let expect = [
            ("Channel-State", "CS_INIT"),
            ("Channel-Call-State", "DOWN"),
            ("Channel-State-Number", "1"),
            ("Channel-Name", "sofia/internal/1001@acme.test"),
            ("Unique-ID", A),
            ("Call-Direction", "inbound"),
            ("Presence-Call-Direction", "inbound"),
            ("Channel-HIT-Dialplan", "true"),
            ("Channel-Call-UUID", A),
            ("Answer-State", "ringing"),
            ("Caller-Direction", "inbound"),
            ("Caller-Logical-Direction", "inbound"),
            ("Caller-Username", "1001"),
            ("Caller-Dialplan", "XML"),
            ("Caller-Caller-ID-Name", "Ext 1001"),
            ("Caller-Caller-ID-Number", "1001"),
        ];
        for (i, (name, value)) in expect.iter().enumerate() {
            assert_eq!(
                (e.headers()[i].0.as_str(), e.headers()[i].1.as_str()),
                (*name, *value),
                "header {i}"
            );
        }
        for (name, value) in [
            ("Caller-Network-Addr", "192.0.2.7"),
            ("Caller-ANI", "1001"),
            ("Caller-Destination-Number", "1002"),
            ("Caller-Unique-ID", A),
            ("Caller-Context", "acme.test"),
            ("Caller-Channel-Name", "sofia/internal/1001@acme.test"),
            ("Caller-Channel-Created-Time", "1700000000250000"),
            ("Caller-Channel-Answered-Time", "0"),
            ("Caller-Channel-Progress-Time", "0"),
            ("Caller-Channel-Hangup-Time", "0"),
            ("Caller-Channel-Bridged-Time", "0"),
            ("variable_sip_call_id", "abc@host"),
        ] {
            assert_eq!(e.header(name), Some(value), "{name}");
        }
        assert_eq!(e.header("Hangup-Cause"), None);
        assert_eq!(e.header("Other-Leg-Unique-ID"), None);
        assert_eq!(e.header("Caller-Callee-ID-Name"), None);
        assert_eq!(
            e.headers().last().map(|h| h.0.as_str()),
            Some("variable_sip_call_id")
        );
    }

    #[test]
    fn bridge_names_both_legs_and_the_other_profile() {
        let mut a = leg(A, Direction::Inbound, "1001");
        let mut b = leg(B, Direction::Outbound, "1002");
        let a_id = a.id().clone();
        let b_id = b.id().clone();
        a.bridge_to(&b_id, true, at(1_700_000_003_000_000)).unwrap();
        b.bridge_to(&a_id, false, at(1_700_000_003_000_000))
            .unwrap();
        let e = build_bridge(ChannelEvent::Bridge, &a, Some(&b));
        assert_eq!(e.headers()[0], ("Bridge-A-Unique-ID".into(), A.into()));
        assert_eq!(e.headers()[1], ("Bridge-B-Unique-ID".into(), B.into()));
        assert_eq!(e.header("Channel-State"), Some("CS_EXCHANGE_MEDIA"));
        assert_eq!(e.header("Channel-State-Number"), Some("5"));
        assert_eq!(e.header("Other-Type"), Some("originatee"));
        assert_eq!(e.header("Other-Leg-Unique-ID"), Some(B));
        assert_eq!(e.header("Other-Leg-Direction"), Some("outbound"));
        assert_eq!(e.header("Other-Leg-Caller-ID-Number"), Some("1002"));
        assert_eq!(
            e.header("Other-Leg-Channel-Name"),
            Some("sofia/internal/1002@acme.test")
        );
        assert_eq!(
            e.header("Caller-Channel-Bridged-Time"),
            Some("1700000003000000")
        );
        assert_eq!(e.header("variable_bridge_to"), Some(B));
        let only_id = build(ChannelEvent::Answer, &a);
        assert_eq!(only_id.header("Other-Leg-Unique-ID"), Some(B));
        assert_eq!(only_id.header("Other-Type"), None);
        assert_eq!(
            b.call_uuid().as_str(),
            B,
            "a B leg without originator is its own call"
        );
    }

    #[test]
    fn hangup_events_carry_the_cause_and_answer_state_hangup() {
        let mut a = leg(A, Direction::Inbound, "1001");
        a.hangup(HangupCause::UserBusy, Some(486), at(1_700_000_009_000_000))
            .unwrap();
        let e = build(ChannelEvent::Hangup, &a);
        assert_eq!(e.header("Hangup-Cause"), Some("USER_BUSY"));
        assert_eq!(e.header("Answer-State"), Some("hangup"));
        assert_eq!(e.header("Channel-State"), Some("CS_HANGUP"));
        assert_eq!(e.header("Channel-State-Number"), Some("10"));
        assert_eq!(e.header("Channel-Call-State"), Some("HANGUP"));
        assert_eq!(e.header("variable_hangup_cause"), Some("USER_BUSY"));
        assert_eq!(e.header("variable_hangup_cause_q850"), Some("17"));
        assert_eq!(e.header("variable_sip_term_status"), Some("486"));
        assert_eq!(
            e.header("variable_proto_specific_hangup_cause"),
            Some("sip:486")
        );
        assert_eq!(
            e.header("Caller-Channel-Hangup-Time"),
            Some("1700000009000000")
        );
    }
}
