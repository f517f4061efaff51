//! What the channel tests share: a bus that records what it delivers, a
//! manual clock, session counters and a registry on that clock.

use super::registry::ChannelHandle;
use super::{CallerProfile, ChannelRegistry, Direction, NewChannel};
use crate::event::Event;
use crate::event::bus::{EventBus, EventSelector, Origin};
use crate::switch::SessionStats;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The base of the manual clock: 2023-11-14T22:13:20Z.
pub(crate) const BASE_SECS: u64 = 1_700_000_000;

pub(crate) struct Harness {
    pub(crate) bus: Arc<EventBus>,
    pub(crate) sessions: SessionStats,
    pub(crate) registry: ChannelRegistry,
    time: Arc<Mutex<SystemTime>>,
    seen: Arc<Mutex<Vec<Event>>>,
}

impl Harness {
    pub(crate) fn new() -> Harness {
        let bus = EventBus::start(
            Origin {
                core_uuid: "core-uuid".into(),
                hostname: "sw1".into(),
                switchname: "sw1".into(),
            },
            64,
        );
        let seen = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&seen);
        bus.bind(
            "test",
            EventSelector::all(),
            Box::new(move |e| sink.lock().unwrap().push(e.event().clone())),
        );
        let time = Arc::new(Mutex::new(UNIX_EPOCH + Duration::from_secs(BASE_SECS)));
        let clock = Arc::clone(&time);
        Harness {
            bus,
            sessions: SessionStats::default(),
            registry: ChannelRegistry::with_clock(Arc::new(move || *clock.lock().unwrap())),
            time,
            seen,
        }
    }

    /// Sets the clock to `BASE_SECS` plus `micros`.
    pub(crate) fn set_offset_micros(&self, micros: u64) {
        *self.time.lock().unwrap() =
            UNIX_EPOCH + Duration::from_secs(BASE_SECS) + Duration::from_micros(micros);
    }

    pub(crate) fn create(&self, spec: NewChannel) -> Arc<ChannelHandle> {
        self.registry
            .create(&self.bus, &self.sessions, spec)
            .expect("create channel")
    }

    /// Every event delivered so far, in firing order.
    pub(crate) fn events(&self) -> Vec<Event> {
        self.bus.barrier();
        self.seen.lock().unwrap().clone()
    }
}

impl Drop for Harness {
    fn drop(&mut self) {
        self.bus.shutdown();
    }
}

fn profile(from: &str, to: &str, domain: &str) -> CallerProfile {
    CallerProfile {
        username: from.into(),
        caller_id_name: format!("Ext {from}"),
        caller_id_number: from.into(),
        destination_number: to.into(),
        context: domain.into(),
        network_addr: "192.0.2.7".into(),
        ani: from.into(),
        ..CallerProfile::default()
    }
}

/// An inbound leg of `domain` from `from` dialling `to`.
pub(crate) fn inbound(domain: &str, from: &str, to: &str) -> NewChannel {
    NewChannel::new(
        Direction::Inbound,
        domain,
        format!("sofia/internal/{from}@{domain}"),
        profile(from, to, domain),
    )
}

/// A live inbound leg in `switch`'s registry: 1001 of acme.test dialling
/// 9000.
pub(crate) fn live_inbound(switch: &crate::switch::Switch) -> Arc<ChannelHandle> {
    switch
        .channels
        .create(
            &switch.bus,
            &switch.sessions,
            inbound("acme.test", "1001", "9000"),
        )
        .expect("channel")
}

/// An outbound leg of `domain` towards `to`.
pub(crate) fn outbound(domain: &str, to: &str) -> NewChannel {
    let mut p = profile("1001", to, domain);
    p.username = String::new();
    p.network_addr = "192.0.2.9".into();
    NewChannel::new(
        Direction::Outbound,
        domain,
        format!("sofia/internal/{to}@{domain}"),
        p,
    )
}
