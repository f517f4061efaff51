//! The channel state machine on virtual time.

use super::*;
use std::time::Duration;

fn at(secs: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(secs)
}

fn leg() -> Channel {
    Channel::new(
        NewChannel::new(
            Direction::Inbound,
            "acme.test",
            "sofia/internal/1001@acme.test",
            CallerProfile::default(),
        ),
        at(100),
    )
}

#[test]
fn ids_are_uuids_in_freeswitch_form() {
    let id = ChannelId::random();
    assert_eq!(id.as_str().len(), 36);
    assert_eq!(ChannelId::parse(id.as_str()), Some(id.clone()));
    let upper = ChannelId::parse("6F1C2A345B6D4E7F8A9B0C1D2E3F4A5B").unwrap();
    assert_eq!(upper.as_str(), "6f1c2a34-5b6d-4e7f-8a9b-0c1d2e3f4a5b");
    assert_eq!(ChannelId::parse("nope"), None);
    assert_eq!(ChannelId::parse(""), None);
}

#[test]
fn states_have_freeswitch_names_and_numbers() {
    for (i, state) in ChannelState::ALL.into_iter().enumerate() {
        assert_eq!(usize::from(state.number()), i);
        assert_eq!(ChannelState::parse(state.name()), Some(state));
    }
    assert_eq!(ChannelState::Execute.name(), "CS_EXECUTE");
    assert_eq!(ChannelState::Execute.number(), 4);
    assert_eq!(ChannelState::ExchangeMedia.number(), 5);
    assert_eq!(ChannelState::Hangup.number(), 10);
    assert_eq!(ChannelState::Destroy.number(), 12);
    assert_eq!(
        ChannelState::parse("cs_routing"),
        Some(ChannelState::Routing)
    );
    assert_eq!(CallState::Early.name(), "EARLY");
    assert_eq!(Direction::parse("OUTBOUND"), Some(Direction::Outbound));
    assert_eq!(Direction::parse("sideways"), None);
}

#[test]
fn a_new_leg_is_init_down_and_ringing_to_freeswitch() {
    let c = leg();
    assert_eq!(c.state(), ChannelState::Init);
    assert_eq!(c.call_state(), CallState::Down);
    assert_eq!(c.answer_state(), "ringing");
    assert_eq!(c.call_uuid(), c.id());
    assert_eq!(c.times().created, at(100));
    assert!(c.hangup_cause().is_none());
}

#[test]
fn call_states_only_move_forward_and_record_their_first_time() {
    let mut c = leg();
    assert_eq!(c.pre_answer(at(101)), Ok(true));
    assert_eq!(
        c.ring(at(102)),
        Ok(false),
        "ringing after early media changes nothing"
    );
    assert_eq!(c.times().progress, None);
    assert_eq!(c.answer_state(), "early");
    assert_eq!(c.answer(at(103)), Ok(true));
    assert_eq!(c.pre_answer(at(104)), Ok(false));
    assert_eq!(c.answer(at(105)), Ok(false));
    assert_eq!(c.times().progress_media, Some(at(101)));
    assert_eq!(c.times().answered, Some(at(103)));
    assert_eq!(c.call_state(), CallState::Active);
    assert_eq!(c.answer_state(), "answered");
}

#[test]
fn running_states_only_through_set_state() {
    let mut c = leg();
    assert_eq!(c.set_state(ChannelState::Routing), Ok(true));
    assert_eq!(c.set_state(ChannelState::Routing), Ok(false));
    assert_eq!(c.set_state(ChannelState::Execute), Ok(true));
    assert_eq!(
        c.set_state(ChannelState::Routing),
        Ok(true),
        "transfer goes back to routing"
    );
    for forbidden in [
        ChannelState::New,
        ChannelState::Init,
        ChannelState::Hangup,
        ChannelState::Reporting,
        ChannelState::Destroy,
    ] {
        assert!(matches!(
            c.set_state(forbidden),
            Err(ChannelError::WrongState { .. })
        ));
    }
    assert_eq!(c.state(), ChannelState::Routing);
}

#[test]
fn hangup_is_final_and_idempotent() {
    let mut c = leg();
    assert_eq!(
        c.hangup(HangupCause::UserBusy, Some(486), at(110)),
        Ok(true)
    );
    assert_eq!(
        c.hangup(HangupCause::NormalClearing, None, at(111)),
        Ok(false)
    );
    assert_eq!(c.hangup_cause(), Some(HangupCause::UserBusy));
    assert_eq!(c.sip_hangup_code(), Some(486));
    assert_eq!(c.times().hangup, Some(at(110)));
    let id = c.id().clone();
    assert_eq!(c.answer(at(112)), Err(ChannelError::HungUp(id.clone())));
    assert_eq!(c.ring(at(112)), Err(ChannelError::HungUp(id.clone())));
    assert_eq!(
        c.set_state(ChannelState::Execute),
        Err(ChannelError::HungUp(id.clone()))
    );
    let other = ChannelId::random();
    assert_eq!(
        c.bridge_to(&other, true, at(112)),
        Err(ChannelError::HungUp(id))
    );
}

#[test]
fn reporting_and_destroy_follow_hangup_only() {
    let mut c = leg();
    assert!(matches!(
        c.begin_reporting(),
        Err(ChannelError::NotHungUp(_))
    ));
    assert!(matches!(c.destroy(), Err(ChannelError::WrongState { .. })));
    c.answer(at(105)).unwrap();
    c.hangup(HangupCause::NormalClearing, None, at(170))
        .unwrap();
    c.begin_reporting().unwrap();
    assert_eq!(c.state(), ChannelState::Reporting);
    assert_eq!(c.variable("duration"), Some("70"));
    assert_eq!(c.variable("billsec"), Some("65"));
    assert_eq!(c.variable("answer_epoch"), Some("105"));
    assert_eq!(c.variable("progress_epoch"), Some("0"));
    assert_eq!(c.variable("progress_stamp"), None);
    assert!(matches!(
        c.begin_reporting(),
        Err(ChannelError::WrongState { .. })
    ));
    c.destroy().unwrap();
    assert_eq!(c.state(), ChannelState::Destroy);
    assert_eq!(c.answer_state(), "hangup");
}

#[test]
fn a_leg_cannot_bridge_to_itself_or_two_peers() {
    let mut c = leg();
    let me = c.id().clone();
    assert_eq!(
        c.bridge_to(&me, true, at(101)),
        Err(ChannelError::SelfBridge(me))
    );
    let first = ChannelId::random();
    let second = ChannelId::random();
    assert_eq!(c.bridge_to(&first, true, at(101)), Ok(true));
    assert_eq!(c.bridge_to(&first, true, at(102)), Ok(false));
    assert!(matches!(
        c.bridge_to(&second, true, at(102)),
        Err(ChannelError::AlreadyBridged { .. })
    ));
    assert_eq!(c.unbridge(), Ok(true));
    assert_eq!(c.unbridge(), Ok(false));
    assert_eq!(c.bridge_to(&second, true, at(103)), Ok(true));
    assert_eq!(c.other_leg(), Some(&second));
    assert_eq!(
        c.times().bridged,
        Some(at(101)),
        "first bridge time is kept"
    );
    assert_eq!(c.variable("last_bridge_to"), Some(second.as_str()));
}

#[test]
fn variables_set_and_unset() {
    let mut c = leg();
    c.set_variable("x", "1");
    c.set_variable("x", "2");
    assert_eq!(c.variable("x"), Some("2"));
    assert_eq!(c.unset_variable("x").as_deref(), Some("2"));
    assert_eq!(c.variable("x"), None);
}

#[test]
fn times_before_the_epoch_read_as_zero() {
    assert_eq!(epoch_micros(UNIX_EPOCH - Duration::from_secs(5)), 0);
    assert_eq!(epoch_micros_or_zero(None), 0);
    assert_eq!(epoch_micros(at(2)), 2_000_000);
}
