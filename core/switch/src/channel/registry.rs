//! The live channels of the switch, by id, with per-tenant views.
//!
//! Each channel sits behind a [`ChannelHandle`] (an `Arc` shared by the
//! registry, the B2BUA and the session thread). A handle's transitions take
//! the [`EventBus`] and fire the matching event themselves, while holding
//! the channel's lock: nobody can forget an event, and one channel's events
//! leave in the order of its transitions. A transition that changes nothing
//! (a second 180, a second BYE) returns `Ok(false)` and fires nothing.
//!
//! Lock order: a channel's lock may be held while taking the table's lock
//! (only [`ChannelRegistry::create`] does), never the other way round; two
//! channels are locked in id order ([`ChannelRegistry::bridge`]).

use super::events::{self, ChannelEvent};
use super::{CallState, Channel, ChannelError, ChannelId, ChannelState, HangupCause, NewChannel};
use crate::event::bus::EventBus;
use crate::switch::SessionStats;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};
use std::time::SystemTime;

/// Where the registry reads the time (the system clock, or a test's).
pub type Clock = Arc<dyn Fn() -> SystemTime + Send + Sync>;

/// One live channel, shared.
pub struct ChannelHandle {
    id: ChannelId,
    /// Creation order in this registry: breaks ties between equal creation
    /// times, so listings are stable.
    seq: u64,
    tenant: String,
    channel: Mutex<Channel>,
    clock: Clock,
    transferring: std::sync::atomic::AtomicBool,
}

impl std::fmt::Debug for ChannelHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never locks: a handle may be logged from inside a transition.
        f.debug_struct("ChannelHandle")
            .field("id", &self.id)
            .field("tenant", &self.tenant)
            .finish_non_exhaustive()
    }
}

impl ChannelHandle {
    /// The channel's id (never changes).
    pub fn id(&self) -> &ChannelId {
        &self.id
    }

    /// The owning tenant (never changes).
    pub fn tenant(&self) -> &str {
        &self.tenant
    }

    /// Whether a transfer is on its way: what runs on the channel's session
    /// thread must stop (FreeSWITCH's `CF_TRANSFER`: the channel is not
    /// "ready" until it is routed again).
    pub fn transferring(&self) -> bool {
        self.transferring.load(Ordering::Acquire)
    }

    /// Marks or clears a transfer on its way.
    pub fn set_transferring(&self, on: bool) {
        self.transferring.store(on, Ordering::Release);
    }

    /// A copy of the channel as it is now.
    pub fn snapshot(&self) -> Channel {
        self.lock().clone()
    }

    /// Runs `f` on the channel without copying it. Keep `f` short: the
    /// channel is locked meanwhile.
    pub fn with<T>(&self, f: impl FnOnce(&Channel) -> T) -> T {
        f(&self.lock())
    }

    /// `Channel-State`.
    pub fn state(&self) -> ChannelState {
        self.lock().state()
    }

    /// `Channel-Call-State`.
    pub fn call_state(&self) -> CallState {
        self.lock().call_state()
    }

    /// A channel variable.
    pub fn variable(&self, name: &str) -> Option<String> {
        self.lock().variable(name).map(str::to_owned)
    }

    /// Sets a channel variable (no event, as FreeSWITCH's `set`).
    pub fn set_variable(&self, name: impl Into<String>, value: impl Into<String>) {
        self.lock().set_variable(name, value);
    }

    /// Removes a channel variable; returns its value.
    pub fn unset_variable(&self, name: &str) -> Option<String> {
        self.lock().unset_variable(name)
    }

    /// Records the dialplan application now running (`show channels`'
    /// `application` and `application_data`); `None` when it finished.
    pub fn set_application(&self, application: Option<(&str, &str)>) {
        self.lock()
            .set_application(application.map(|(a, d)| (a.to_owned(), d.to_owned())));
    }

    /// Records who answered (`Caller-Callee-ID-*`).
    pub fn set_callee(&self, name: &str, number: &str) {
        self.lock().set_callee(name, number);
    }

    /// Records a new destination and context ([`Channel::set_destination`]).
    pub fn set_destination(&self, number: &str, context: &str) {
        self.lock().set_destination(number, context);
    }

    /// Moves to a running state ([`Channel::set_state`]); fires
    /// `CHANNEL_STATE` when the state changed.
    pub fn set_state(&self, bus: &EventBus, to: ChannelState) -> Result<bool, ChannelError> {
        self.transition(bus, ChannelEvent::State, |c, _| c.set_state(to))
    }

    /// Ringing ([`Channel::ring`]); fires `CHANNEL_PROGRESS` the first time.
    pub fn ring(&self, bus: &EventBus) -> Result<bool, ChannelError> {
        self.transition(bus, ChannelEvent::Progress, Channel::ring)
    }

    /// Early media ([`Channel::pre_answer`]); fires `CHANNEL_PROGRESS_MEDIA`
    /// the first time.
    pub fn pre_answer(&self, bus: &EventBus) -> Result<bool, ChannelError> {
        self.transition(bus, ChannelEvent::ProgressMedia, Channel::pre_answer)
    }

    /// Answer ([`Channel::answer`]); fires `CHANNEL_ANSWER` the first time.
    pub fn answer(&self, bus: &EventBus) -> Result<bool, ChannelError> {
        self.transition(bus, ChannelEvent::Answer, Channel::answer)
    }

    /// Hangup ([`Channel::hangup`]); fires `CHANNEL_HANGUP` the first time
    /// and returns whether this call hung it up. Then call
    /// [`super::cdr::finish`].
    pub fn hangup(&self, bus: &EventBus, cause: HangupCause, sip_code: Option<u16>) -> bool {
        self.transition(bus, ChannelEvent::Hangup, |c, now| {
            c.hangup(cause, sip_code, now)
        })
        .unwrap_or(false)
    }

    /// Records a hangup on a detached channel (see
    /// [`ChannelRegistry::detached`]) without an event: it was never
    /// announced, so nothing may be reported of it.
    pub fn hangup_detached(&self, cause: HangupCause) {
        let now = (self.clock)();
        let _ = self.lock().hangup(cause, None, now);
    }

    fn transition(
        &self,
        bus: &EventBus,
        kind: ChannelEvent,
        change: impl FnOnce(&mut Channel, SystemTime) -> Result<bool, ChannelError>,
    ) -> Result<bool, ChannelError> {
        let mut channel = self.lock();
        let changed = change(&mut channel, (self.clock)())?;
        if changed {
            bus.fire(events::build(kind, &channel));
        }
        Ok(changed)
    }

    /// The time on the registry's clock.
    pub(super) fn now(&self) -> SystemTime {
        (self.clock)()
    }

    pub(super) fn lock(&self) -> MutexGuard<'_, Channel> {
        self.channel.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The table of live channels.
pub struct ChannelRegistry {
    channels: RwLock<HashMap<ChannelId, Arc<ChannelHandle>>>,
    next_seq: AtomicU64,
    clock: Clock,
}

impl Default for ChannelRegistry {
    fn default() -> ChannelRegistry {
        ChannelRegistry::new()
    }
}

impl std::fmt::Debug for ChannelRegistry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChannelRegistry")
            .field("channels", &self.count(None))
            .finish()
    }
}

impl ChannelRegistry {
    /// An empty registry on the system clock.
    pub fn new() -> ChannelRegistry {
        ChannelRegistry::with_clock(Arc::new(SystemTime::now))
    }

    /// An empty registry reading the time from `clock` (tests use a manual
    /// clock to check durations without sleeping).
    pub fn with_clock(clock: Clock) -> ChannelRegistry {
        ChannelRegistry {
            channels: RwLock::new(HashMap::new()),
            next_seq: AtomicU64::new(0),
            clock,
        }
    }

    /// Creates a leg in `CS_INIT`, registers it, counts it as an open
    /// session and fires `CHANNEL_CREATE` (before anyone else can reach the
    /// channel, so no event of it can precede its creation).
    pub fn create(
        &self,
        bus: &EventBus,
        sessions: &SessionStats,
        spec: NewChannel,
    ) -> Result<Arc<ChannelHandle>, ChannelError> {
        let channel = Channel::new(spec, (self.clock)());
        let handle = Arc::new(ChannelHandle {
            id: channel.id().clone(),
            seq: self.next_seq.fetch_add(1, Ordering::Relaxed),
            tenant: channel.tenant().to_owned(),
            channel: Mutex::new(channel),
            clock: Arc::clone(&self.clock),
            transferring: std::sync::atomic::AtomicBool::new(false),
        });
        let guard = handle.lock();
        {
            let mut table = self.write();
            if table.contains_key(&handle.id) {
                return Err(ChannelError::DuplicateId(handle.id.clone()));
            }
            table.insert(handle.id.clone(), Arc::clone(&handle));
        }
        sessions.opened();
        bus.fire(events::build(ChannelEvent::Create, &guard));
        drop(guard);
        Ok(handle)
    }

    /// A channel that is not registered, counted or announced: a holder of
    /// variables and caller profile for a call not yet placed (`originate`
    /// keeps its settings here until a leg answers). It never fires events
    /// and never has a CDR.
    pub fn detached(&self, spec: NewChannel) -> ChannelHandle {
        let channel = Channel::new(spec, (self.clock)());
        ChannelHandle {
            id: channel.id().clone(),
            seq: self.next_seq.fetch_add(1, Ordering::Relaxed),
            tenant: channel.tenant().to_owned(),
            channel: Mutex::new(channel),
            clock: Arc::clone(&self.clock),
            transferring: std::sync::atomic::AtomicBool::new(false),
        }
    }

    /// The channel with this id (any spelling of the UUID), whatever its
    /// tenant: for the core and the admin.
    pub fn get(&self, id: &str) -> Option<Arc<ChannelHandle>> {
        let table = self.read();
        table
            .get(id)
            .cloned()
            .or_else(|| ChannelId::parse(id).and_then(|id| table.get(id.as_str()).cloned()))
    }

    /// The channel with this id if `tenant` may see it: `None` sees every
    /// tenant (admin), `Some(domain)` only that tenant's channels. A channel
    /// of another tenant is reported as absent, not as forbidden.
    pub fn get_in(&self, tenant: Option<&str>, id: &str) -> Option<Arc<ChannelHandle>> {
        self.get(id)
            .filter(|h| tenant.is_none_or(|t| same_tenant(h.tenant(), t)))
    }

    /// Handles of the live channels `tenant` may see (`None`: all), oldest
    /// first (for `hupall`).
    pub fn handles(&self, tenant: Option<&str>) -> Vec<Arc<ChannelHandle>> {
        let mut handles = self.handles_unsorted(tenant);
        handles.sort_by_cached_key(|h| (h.with(|c| c.times().created), h.seq));
        handles
    }

    /// Snapshots of the live channels `tenant` may see (`None`: all), oldest
    /// first (creation order for equal times): the input of [`super::show`].
    pub fn list(&self, tenant: Option<&str>) -> Vec<Channel> {
        let mut channels: Vec<(u64, Channel)> = self
            .handles_unsorted(tenant)
            .iter()
            .map(|h| (h.seq, h.snapshot()))
            .collect();
        channels.sort_by_key(|(seq, c)| (c.times().created, *seq));
        channels.into_iter().map(|(_, c)| c).collect()
    }

    /// How many live channels `tenant` has (`None`: all tenants).
    pub fn count(&self, tenant: Option<&str>) -> usize {
        match tenant {
            None => self.read().len(),
            Some(t) => self
                .read()
                .values()
                .filter(|h| same_tenant(h.tenant(), t))
                .count(),
        }
    }

    /// Takes a channel out of the table and counts its session closed.
    /// [`super::cdr::finish`] does this after the CDR and the last events;
    /// calling it directly drops a leg without CDR or events.
    pub fn remove(&self, sessions: &SessionStats, id: &str) -> Option<Arc<ChannelHandle>> {
        let removed = {
            let mut table = self.write();
            match table.remove(id) {
                Some(h) => Some(h),
                None => ChannelId::parse(id).and_then(|id| table.remove(id.as_str())),
            }
        };
        if removed.is_some() {
            sessions.closed();
        }
        removed
    }

    /// Bridges `a` (the originator, `Bridge-A-Unique-ID`) to `b`: both legs
    /// go to `CS_EXCHANGE_MEDIA` and name each other; `CHANNEL_BRIDGE` is
    /// fired once, on `a`, with `b`'s profile as `Other-Leg-*` (as
    /// FreeSWITCH fires it on the originator only). Either both legs are
    /// bridged or neither is. Tenancy is the caller's business: a route may
    /// bridge legs of two tenants on purpose.
    pub fn bridge(&self, bus: &EventBus, a: &str, b: &str) -> Result<bool, ChannelError> {
        let (ha, hb) = (self.require(a)?, self.require(b)?);
        if ha.id == hb.id {
            return Err(ChannelError::SelfBridge(ha.id.clone()));
        }
        let now = ha.now();
        let (mut ga, mut gb) = lock_pair(&ha, &hb);
        let mut next_a = ga.clone();
        let mut next_b = gb.clone();
        let changed_a = next_a.bridge_to(&hb.id, true, now)?;
        let changed_b = next_b.bridge_to(&ha.id, false, now)?;
        *ga = next_a;
        *gb = next_b;
        let changed = changed_a || changed_b;
        if changed {
            bus.fire(events::build_bridge(ChannelEvent::Bridge, &ga, Some(&gb)));
        }
        Ok(changed)
    }

    /// Ends the bridge of `id` and of its peer; fires `CHANNEL_UNBRIDGE`
    /// once, on the originator of the bridge. Works on hung-up legs too
    /// (cleanup), and on a leg whose peer is already gone.
    pub fn unbridge(&self, bus: &EventBus, id: &str) -> Result<bool, ChannelError> {
        let handle = self.require(id)?;
        let Some(link) = handle.with(|c| c.bridge().cloned()) else {
            return Ok(false);
        };
        let Some(peer) = self.get(link.other.as_str()) else {
            let mut channel = handle.lock();
            let changed = channel.unbridge()?;
            if changed {
                bus.fire(events::build_bridge(ChannelEvent::Unbridge, &channel, None));
            }
            return Ok(changed);
        };
        let (mut g_self, mut g_peer) = lock_pair(&handle, &peer);
        let changed_self = g_self.unbridge()?;
        // The peer may have been re-bridged elsewhere meanwhile; leave that alone.
        if g_peer.bridge().is_some_and(|l| l.other == handle.id) {
            g_peer.unbridge()?;
        }
        if changed_self {
            let event = if link.originator {
                events::build_bridge(ChannelEvent::Unbridge, &g_self, Some(&g_peer))
            } else {
                events::build_bridge(ChannelEvent::Unbridge, &g_peer, Some(&g_self))
            };
            bus.fire(event);
        }
        Ok(changed_self)
    }

    /// The time on the registry's clock.
    pub fn now(&self) -> SystemTime {
        (self.clock)()
    }

    fn require(&self, id: &str) -> Result<Arc<ChannelHandle>, ChannelError> {
        self.get(id)
            .ok_or_else(|| ChannelError::NotFound(id.to_owned()))
    }

    fn handles_unsorted(&self, tenant: Option<&str>) -> Vec<Arc<ChannelHandle>> {
        self.read()
            .values()
            .filter(|h| tenant.is_none_or(|t| same_tenant(h.tenant(), t)))
            .cloned()
            .collect()
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, HashMap<ChannelId, Arc<ChannelHandle>>> {
        self.channels.read().unwrap_or_else(|p| p.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, HashMap<ChannelId, Arc<ChannelHandle>>> {
        self.channels.write().unwrap_or_else(|p| p.into_inner())
    }
}

/// Tenants are SIP domains: compared without regard to ASCII case.
fn same_tenant(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
}

/// Locks two distinct channels in id order; returns the guards in argument
/// order.
fn lock_pair<'a>(
    first: &'a ChannelHandle,
    second: &'a ChannelHandle,
) -> (MutexGuard<'a, Channel>, MutexGuard<'a, Channel>) {
    if first.id <= second.id {
        let a = first.lock();
        let b = second.lock();
        (a, b)
    } else {
        let b = second.lock();
        let a = first.lock();
        (a, b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::channel::test_support::{Harness, inbound};

    #[test]
    fn create_fires_channel_create_and_counts_a_session() {
        let h = Harness::new();
        let a = h.create(inbound("acme.test", "1001", "1002"));
        assert_eq!(a.state(), ChannelState::Init);
        assert_eq!(h.sessions.snapshot().current, 1);
        let seen = h.events();
        assert_eq!(seen.len(), 1);
        assert_eq!(seen[0].name(), "CHANNEL_CREATE");
        assert_eq!(seen[0].header("Unique-ID"), Some(a.id().as_str()));
        assert_eq!(seen[0].header("Channel-State"), Some("CS_INIT"));
        assert!(seen[0].header("Core-UUID").is_some(), "fired on the bus");
    }

    #[test]
    fn a_duplicate_id_is_refused_and_not_counted() {
        let h = Harness::new();
        let a = h.create(inbound("acme.test", "1001", "1002"));
        let mut spec = inbound("acme.test", "1003", "1002");
        spec.id = Some(a.id().clone());
        let err = h
            .registry
            .create(&h.bus, &h.sessions, spec)
            .expect_err("duplicate");
        assert_eq!(err, ChannelError::DuplicateId(a.id().clone()));
        assert_eq!(h.registry.count(None), 1);
        assert_eq!(h.sessions.snapshot().current, 1);
    }

    #[test]
    fn transitions_fire_their_events_once_and_in_order() {
        let h = Harness::new();
        let a = h.create(inbound("acme.test", "1001", "1002"));
        assert_eq!(a.set_state(&h.bus, ChannelState::Routing), Ok(true));
        assert_eq!(a.set_state(&h.bus, ChannelState::Execute), Ok(true));
        h.set_offset_micros(1_000_000);
        assert_eq!(a.ring(&h.bus), Ok(true));
        h.set_offset_micros(1_500_000);
        assert_eq!(a.ring(&h.bus), Ok(false), "a second 180 changes nothing");
        h.set_offset_micros(2_000_000);
        assert_eq!(a.pre_answer(&h.bus), Ok(true));
        h.set_offset_micros(3_000_000);
        assert_eq!(a.answer(&h.bus), Ok(true));
        assert_eq!(a.answer(&h.bus), Ok(false));
        assert!(a.hangup(&h.bus, HangupCause::NormalClearing, None));
        assert!(!a.hangup(&h.bus, HangupCause::UserBusy, Some(486)));
        assert_eq!(a.answer(&h.bus), Err(ChannelError::HungUp(a.id().clone())));
        let events = h.events();
        let names: Vec<_> = events.iter().map(|e| e.name()).collect();
        assert_eq!(
            names,
            [
                "CHANNEL_CREATE",
                "CHANNEL_STATE",
                "CHANNEL_STATE",
                "CHANNEL_PROGRESS",
                "CHANNEL_PROGRESS_MEDIA",
                "CHANNEL_ANSWER",
                "CHANNEL_HANGUP"
            ]
        );
        let states: Vec<_> = events
            .iter()
            .map(|e| {
                (
                    e.header("Channel-State").unwrap_or(""),
                    e.header("Channel-Call-State").unwrap_or(""),
                    e.header("Answer-State").unwrap_or(""),
                )
            })
            .collect();
        assert_eq!(
            states,
            [
                ("CS_INIT", "DOWN", "ringing"),
                ("CS_ROUTING", "DOWN", "ringing"),
                ("CS_EXECUTE", "DOWN", "ringing"),
                ("CS_EXECUTE", "RINGING", "ringing"),
                ("CS_EXECUTE", "EARLY", "early"),
                ("CS_EXECUTE", "ACTIVE", "answered"),
                ("CS_HANGUP", "HANGUP", "hangup"),
            ]
        );
        assert_eq!(
            events[3].header("Caller-Channel-Progress-Time"),
            Some("1700000001000000")
        );
        assert_eq!(
            events[5].header("Caller-Channel-Answered-Time"),
            Some("1700000003000000")
        );
        assert_eq!(events[6].header("Hangup-Cause"), Some("NORMAL_CLEARING"));
        assert_eq!(events[6].header("variable_hangup_cause_q850"), Some("16"));
    }

    #[test]
    fn bridge_and_unbridge_fire_once_on_the_originator() {
        let h = Harness::new();
        let a = h.create(inbound("acme.test", "1001", "1002"));
        let mut spec = crate::channel::test_support::outbound("acme.test", "1002");
        spec.originator = Some(a.id().clone());
        let b = h.create(spec);
        assert_eq!(b.with(|c| c.call_uuid().clone()), *a.id());
        assert_eq!(
            h.registry.bridge(&h.bus, b.id().as_str(), b.id().as_str()),
            Err(ChannelError::SelfBridge(b.id().clone()))
        );
        assert_eq!(
            h.registry.bridge(&h.bus, a.id().as_str(), b.id().as_str()),
            Ok(true)
        );
        assert_eq!(
            h.registry.bridge(&h.bus, a.id().as_str(), b.id().as_str()),
            Ok(false)
        );
        assert_eq!(a.state(), ChannelState::ExchangeMedia);
        assert_eq!(b.state(), ChannelState::ExchangeMedia);
        assert_eq!(b.variable("bridge_to").as_deref(), Some(a.id().as_str()));

        // A third leg cannot steal a bridged one, and nothing changes.
        let c = h.create(inbound("acme.test", "1003", "1002"));
        assert!(matches!(
            h.registry.bridge(&h.bus, c.id().as_str(), b.id().as_str()),
            Err(ChannelError::AlreadyBridged { .. })
        ));
        assert_eq!(c.state(), ChannelState::Init);
        assert!(c.with(|c| c.bridge().is_none()));

        // Unbridging from the B side still reports A as Bridge-A.
        assert_eq!(h.registry.unbridge(&h.bus, b.id().as_str()), Ok(true));
        assert_eq!(h.registry.unbridge(&h.bus, a.id().as_str()), Ok(false));
        assert!(a.with(|c| c.bridge().is_none() && c.other_leg() == Some(b.id())));
        assert_eq!(a.state(), ChannelState::Execute);
        assert_eq!(b.variable("bridge_to"), None);
        assert_eq!(
            b.variable("last_bridge_to").as_deref(),
            Some(a.id().as_str())
        );

        let events = h.events();
        let bridges: Vec<_> = events
            .iter()
            .filter(|e| e.name() == "CHANNEL_BRIDGE" || e.name() == "CHANNEL_UNBRIDGE")
            .collect();
        assert_eq!(bridges.len(), 2);
        for e in bridges {
            assert_eq!(e.header("Unique-ID"), Some(a.id().as_str()));
            assert_eq!(e.header("Bridge-A-Unique-ID"), Some(a.id().as_str()));
            assert_eq!(e.header("Bridge-B-Unique-ID"), Some(b.id().as_str()));
            assert_eq!(e.header("Other-Leg-Unique-ID"), Some(b.id().as_str()));
            assert_eq!(e.header("Other-Leg-Destination-Number"), Some("1002"));
        }
    }

    #[test]
    fn listing_and_lookup_never_cross_tenants() {
        let h = Harness::new();
        let a1 = h.create(inbound("acme.test", "1001", "1002"));
        let a2 = h.create(inbound("ACME.test", "1002", "1001"));
        let b1 = h.create(inbound("bravo.test", "1001", "1002"));
        let ids = |list: Vec<Channel>| list.iter().map(|c| c.id().clone()).collect::<Vec<_>>();
        assert_eq!(
            ids(h.registry.list(Some("acme.test"))),
            [a1.id().clone(), a2.id().clone()]
        );
        assert_eq!(ids(h.registry.list(Some("bravo.test"))), [b1.id().clone()]);
        assert_eq!(h.registry.list(None).len(), 3);
        assert_eq!(h.registry.count(Some("acme.test")), 2);
        assert_eq!(h.registry.count(Some("nobody.test")), 0);
        assert!(
            h.registry
                .get_in(Some("acme.test"), b1.id().as_str())
                .is_none()
        );
        assert!(
            h.registry
                .get_in(Some("bravo.test"), b1.id().as_str())
                .is_some()
        );
        assert!(h.registry.get_in(None, b1.id().as_str()).is_some());
        assert_eq!(h.registry.handles(Some("bravo.test")).len(), 1);
        let upper = b1.id().as_str().to_ascii_uppercase();
        assert!(
            h.registry.get(&upper).is_some(),
            "any UUID spelling finds it"
        );
        assert!(h.registry.get("not-a-uuid").is_none());
    }

    #[test]
    fn remove_counts_the_session_closed_once() {
        let h = Harness::new();
        let a = h.create(inbound("acme.test", "1001", "1002"));
        assert!(h.registry.remove(&h.sessions, a.id().as_str()).is_some());
        assert!(h.registry.remove(&h.sessions, a.id().as_str()).is_none());
        let s = h.sessions.snapshot();
        assert_eq!((s.current, s.total), (0, 1));
    }
}
