//! The event bus: stamps fired events with FreeSWITCH's standard headers and
//! delivers them, in firing order, from one dispatcher thread to module
//! handlers and to event-socket subscribers.
//!
//! Module handlers run on the dispatcher thread (they must not block, as the
//! ABI says). Subscribers get events through bounded queues; a subscriber that
//! stops reading loses events (counted) instead of stalling everyone else.

use super::{Event, FiredEvent, names};
use crossbeam_channel::{Receiver, Sender, unbounded};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::thread::{self, ThreadId};

/// Which events a binding or subscription wants.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventSelector {
    all: bool,
    names: Vec<&'static str>,
    /// Subclasses of CUSTOM wanted; empty with `all_custom` false means none.
    subclasses: Vec<String>,
    all_custom: bool,
}

impl EventSelector {
    /// A selector that wants nothing.
    pub fn none() -> EventSelector {
        EventSelector::default()
    }

    /// A selector that wants every event.
    pub fn all() -> EventSelector {
        EventSelector {
            all: true,
            ..EventSelector::default()
        }
    }

    /// True when nothing is selected.
    pub fn is_empty(&self) -> bool {
        !self.all && self.names.is_empty() && self.subclasses.is_empty() && !self.all_custom
    }

    /// Adds a subscription in FreeSWITCH's word syntax: event names, `ALL`,
    /// and after `CUSTOM` any number of subclasses (`CUSTOM` alone selects
    /// every custom event). Unknown names are refused and nothing is changed.
    pub fn add_words<'a>(
        &mut self,
        words: impl IntoIterator<Item = &'a str>,
    ) -> Result<(), String> {
        let mut next = self.clone();
        let mut in_custom = false;
        let mut custom_named = false;
        for word in words {
            if in_custom && !word.eq_ignore_ascii_case("ALL") && names::canonical(word).is_none() {
                next.subclasses.push(word.to_owned());
                custom_named = true;
                continue;
            }
            if in_custom && !custom_named {
                next.all_custom = true;
            }
            in_custom = false;
            if word.eq_ignore_ascii_case(names::ALL) {
                next.all = true;
            } else if let Some(name) = names::canonical(word) {
                if name == "CUSTOM" {
                    in_custom = true;
                    custom_named = false;
                } else if !next.names.contains(&name) {
                    next.names.push(name);
                }
            } else {
                return Err(format!("invalid event name {word}"));
            }
        }
        if in_custom && !custom_named {
            next.all_custom = true;
        }
        *self = next;
        Ok(())
    }

    /// Removes names (and, after `CUSTOM`, subclasses) as `nixevent` does.
    /// `ALL` clears everything.
    pub fn remove_words<'a>(
        &mut self,
        words: impl IntoIterator<Item = &'a str>,
    ) -> Result<(), String> {
        let mut next = self.clone();
        let mut in_custom = false;
        for word in words {
            if word.eq_ignore_ascii_case(names::ALL) {
                next = EventSelector::none();
                in_custom = false;
            } else if let Some(name) = names::canonical(word) {
                in_custom = name == "CUSTOM";
                if in_custom {
                    next.all_custom = false;
                }
                next.names.retain(|n| *n != name);
            } else if in_custom {
                next.subclasses.retain(|s| s != word);
            } else {
                return Err(format!("invalid event name {word}"));
            }
        }
        *self = next;
        Ok(())
    }

    /// A selector for one event name and an optional CUSTOM subclass (module
    /// bindings). `ALL` selects everything.
    pub fn for_binding(name: &str, subclass: Option<&str>) -> Result<EventSelector, String> {
        let mut selector = EventSelector::none();
        match subclass.filter(|s| !s.is_empty()) {
            Some(sub) if name.eq_ignore_ascii_case("CUSTOM") => {
                selector.subclasses.push(sub.to_owned())
            }
            Some(_) => return Err("a subclass only applies to CUSTOM events".into()),
            None => selector.add_words([name])?,
        }
        Ok(selector)
    }

    /// Whether the event is wanted.
    pub fn matches(&self, event: &Event) -> bool {
        if self.all {
            return true;
        }
        if event.name() == "CUSTOM" {
            return self.all_custom
                || event
                    .subclass()
                    .is_some_and(|sub| self.subclasses.iter().any(|s| s == sub));
        }
        self.names.contains(&event.name())
    }
}

/// A handler that runs on the dispatcher thread.
pub type EventHandler = Box<dyn Fn(&FiredEvent) + Send + Sync>;

struct Binding {
    id: u64,
    owner: String,
    selector: EventSelector,
    active: AtomicBool,
    handler: EventHandler,
}

/// The receiving end of an event-socket subscription.
pub struct Subscription {
    id: u64,
    /// Events for this subscriber, in firing order.
    pub events: tokio::sync::mpsc::Receiver<Arc<FiredEvent>>,
    /// What the subscriber wants; change it through [`Subscription::filter`].
    pub filter: Arc<RwLock<SubscriberFilter>>,
    dropped: Arc<AtomicU64>,
}

impl Subscription {
    /// The subscription's id (for [`EventBus::unsubscribe`]).
    pub fn id(&self) -> u64 {
        self.id
    }

    /// How many events were dropped because the subscriber did not keep up.
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }
}

/// An event-socket subscriber's selection: names and header filters
/// (`filter Header Value`: when any filter exists, an event must match one).
#[derive(Debug, Default, Clone)]
pub struct SubscriberFilter {
    /// Event names and subclasses wanted.
    pub selector: EventSelector,
    /// `(header, value)` pairs added with `filter`.
    pub header_filters: Vec<(String, String)>,
}

impl SubscriberFilter {
    /// Whether the subscriber wants this event.
    pub fn wants(&self, event: &Event) -> bool {
        self.selector.matches(event)
            && (self.header_filters.is_empty()
                || self
                    .header_filters
                    .iter()
                    .any(|(name, value)| event.header(name) == Some(value.as_str())))
    }
}

struct Subscriber {
    id: u64,
    sender: tokio::sync::mpsc::Sender<Arc<FiredEvent>>,
    filter: Arc<RwLock<SubscriberFilter>>,
    dropped: Arc<AtomicU64>,
}

enum Dispatch {
    Event(Arc<FiredEvent>),
    Barrier(crossbeam_channel::Sender<()>),
    Stop,
}

/// Identity of this switch process, stamped on every event.
#[derive(Debug, Clone)]
pub struct Origin {
    /// `Core-UUID`: new at every start.
    pub core_uuid: String,
    /// `FreeSWITCH-Hostname`.
    pub hostname: String,
    /// `FreeSWITCH-Switchname`.
    pub switchname: String,
}

/// The event bus. Cheap to share (`Arc`).
pub struct EventBus {
    origin: Origin,
    sequence: AtomicU64,
    next_id: AtomicU64,
    queue: Sender<Dispatch>,
    bindings: RwLock<Arc<Vec<Arc<Binding>>>>,
    subscribers: RwLock<Arc<Vec<Arc<Subscriber>>>>,
    dispatcher: Mutex<Option<thread::JoinHandle<()>>>,
    dispatcher_thread: Mutex<Option<ThreadId>>,
    subscriber_queue_len: usize,
}

impl EventBus {
    /// Starts a bus and its dispatcher thread.
    pub fn start(origin: Origin, subscriber_queue_len: usize) -> Arc<EventBus> {
        let (queue, receiver) = unbounded();
        let bus = Arc::new(EventBus {
            origin,
            sequence: AtomicU64::new(0),
            next_id: AtomicU64::new(1),
            queue,
            bindings: RwLock::new(Arc::new(Vec::new())),
            subscribers: RwLock::new(Arc::new(Vec::new())),
            dispatcher: Mutex::new(None),
            dispatcher_thread: Mutex::new(None),
            subscriber_queue_len,
        });
        let worker = Arc::clone(&bus);
        let handle = thread::Builder::new()
            .name("event-dispatch".into())
            .spawn(move || worker.dispatch_loop(receiver))
            .expect("spawning the event dispatcher thread");
        *lock(&bus.dispatcher_thread) = Some(handle.thread().id());
        *lock(&bus.dispatcher) = Some(handle);
        bus
    }

    /// The identity stamped on events.
    pub fn origin(&self) -> &Origin {
        &self.origin
    }

    /// The number of events fired so far.
    pub fn fired_count(&self) -> u64 {
        self.sequence.load(Ordering::Relaxed)
    }

    /// Stamps the standard headers on `event` and queues it for delivery.
    /// Returns its `Event-Sequence`.
    pub fn fire(&self, event: Event) -> u64 {
        self.fire_from(event, "", "", 0)
    }

    /// As [`EventBus::fire`], naming where it was fired from
    /// (`Event-Calling-File`, `-Function`, `-Line-Number`).
    pub fn fire_from(&self, event: Event, file: &str, function: &str, line: u32) -> u64 {
        let sequence = self.sequence.fetch_add(1, Ordering::Relaxed) + 1;
        let stamped = self.stamp(event, sequence, file, function, line);
        let _ = self.queue.send(Dispatch::Event(Arc::new(FiredEvent::new(
            stamped, sequence,
        ))));
        sequence
    }

    fn stamp(&self, event: Event, sequence: u64, file: &str, function: &str, line: u32) -> Event {
        const STANDARD: &[&str] = &[
            "Event-Name",
            "Core-UUID",
            "FreeSWITCH-Hostname",
            "FreeSWITCH-Switchname",
            "Event-Date-Local",
            "Event-Date-GMT",
            "Event-Date-Timestamp",
            "Event-Calling-File",
            "Event-Calling-Function",
            "Event-Calling-Line-Number",
            "Event-Sequence",
            "Event-Subclass",
        ];
        let now = jiff::Timestamp::now();
        let local = now.to_zoned_datetime(jiff::tz::TimeZone::system());
        let mut stamped = Event {
            name: event.name,
            subclass: event.subclass.clone(),
            headers: Vec::with_capacity(event.headers.len() + STANDARD.len()),
            body: event.body,
        };
        stamped.add_header("Event-Name", event.name);
        if let Some(sub) = &event.subclass {
            stamped.add_header("Event-Subclass", sub.clone());
        }
        stamped.add_header("Core-UUID", self.origin.core_uuid.clone());
        stamped.add_header("FreeSWITCH-Hostname", self.origin.hostname.clone());
        stamped.add_header("FreeSWITCH-Switchname", self.origin.switchname.clone());
        stamped.add_header(
            "Event-Date-Local",
            local.strftime("%Y-%m-%d %H:%M:%S").to_string(),
        );
        stamped.add_header(
            "Event-Date-GMT",
            now.strftime("%a, %d %b %Y %H:%M:%S GMT").to_string(),
        );
        stamped.add_header("Event-Date-Timestamp", now.as_microsecond().to_string());
        stamped.add_header("Event-Calling-File", file);
        stamped.add_header("Event-Calling-Function", function);
        stamped.add_header("Event-Calling-Line-Number", line.to_string());
        stamped.add_header("Event-Sequence", sequence.to_string());
        for (name, value) in event.headers {
            if !STANDARD.iter().any(|s| s.eq_ignore_ascii_case(&name)) {
                stamped.headers.push((name, value));
            }
        }
        stamped
    }

    /// Binds a handler owned by `owner` (a module name or "core").
    pub fn bind(&self, owner: &str, selector: EventSelector, handler: EventHandler) -> u64 {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let binding = Arc::new(Binding {
            id,
            owner: owner.to_owned(),
            selector,
            active: AtomicBool::new(true),
            handler,
        });
        let mut bindings = write(&self.bindings);
        let mut next = Vec::clone(&bindings);
        next.push(binding);
        *bindings = Arc::new(next);
        id
    }

    /// Removes one binding (only its owner may). After this returns, no call
    /// of its handler is running or will start (unless called from inside a
    /// handler, where the current dispatch may still be finishing).
    pub fn unbind(&self, owner: &str, id: u64) -> bool {
        let removed = self.remove_bindings(|b| b.id == id && b.owner == owner);
        if removed > 0 {
            self.barrier();
        }
        removed > 0
    }

    /// Removes every binding of `owner` and waits for running handlers.
    pub fn unbind_owner(&self, owner: &str) -> usize {
        let removed = self.remove_bindings(|b| b.owner == owner);
        self.barrier();
        removed
    }

    fn remove_bindings(&self, doomed: impl Fn(&Binding) -> bool) -> usize {
        let mut bindings = write(&self.bindings);
        let (gone, kept): (Vec<_>, Vec<_>) = bindings.iter().cloned().partition(|b| doomed(b));
        for binding in &gone {
            binding.active.store(false, Ordering::SeqCst);
        }
        *bindings = Arc::new(kept);
        gone.len()
    }

    /// Waits until every event queued before this call has been delivered.
    /// Returns at once when called on the dispatcher thread itself.
    pub fn barrier(&self) {
        if *lock(&self.dispatcher_thread) == Some(thread::current().id()) {
            return;
        }
        let (done, wait) = crossbeam_channel::bounded(1);
        if self.queue.send(Dispatch::Barrier(done)).is_ok() {
            let _ = wait.recv();
        }
    }

    /// Adds an event-socket subscriber.
    pub fn subscribe(&self) -> Subscription {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let (sender, events) = tokio::sync::mpsc::channel(self.subscriber_queue_len);
        let filter = Arc::new(RwLock::new(SubscriberFilter::default()));
        let dropped = Arc::new(AtomicU64::new(0));
        let subscriber = Arc::new(Subscriber {
            id,
            sender,
            filter: Arc::clone(&filter),
            dropped: Arc::clone(&dropped),
        });
        let mut subscribers = write(&self.subscribers);
        let mut next = Vec::clone(&subscribers);
        next.push(subscriber);
        *subscribers = Arc::new(next);
        Subscription {
            id,
            events,
            filter,
            dropped,
        }
    }

    /// Removes an event-socket subscriber.
    pub fn unsubscribe(&self, id: u64) {
        let mut subscribers = write(&self.subscribers);
        let next: Vec<_> = subscribers.iter().filter(|s| s.id != id).cloned().collect();
        *subscribers = Arc::new(next);
    }

    /// The number of event-socket subscribers.
    pub fn subscriber_count(&self) -> usize {
        read(&self.subscribers).len()
    }

    /// Delivers what is queued, then stops the dispatcher thread.
    pub fn shutdown(&self) {
        let _ = self.queue.send(Dispatch::Stop);
        if let Some(handle) = lock(&self.dispatcher).take()
            && handle.thread().id() != thread::current().id()
        {
            let _ = handle.join();
        }
    }

    fn dispatch_loop(&self, receiver: Receiver<Dispatch>) {
        while let Ok(item) = receiver.recv() {
            match item {
                Dispatch::Event(event) => self.deliver(&event),
                Dispatch::Barrier(done) => {
                    let _ = done.send(());
                }
                Dispatch::Stop => break,
            }
        }
    }

    fn deliver(&self, fired: &Arc<FiredEvent>) {
        let bindings = Arc::clone(&read(&self.bindings));
        for binding in bindings.iter() {
            if binding.active.load(Ordering::SeqCst) && binding.selector.matches(&fired.event) {
                let call = std::panic::AssertUnwindSafe(|| (binding.handler)(fired));
                if std::panic::catch_unwind(call).is_err() {
                    tracing::error!(
                        owner = %binding.owner,
                        "event handler of {} panicked on {}",
                        binding.owner,
                        fired.event.name()
                    );
                }
            }
        }
        let subscribers = Arc::clone(&read(&self.subscribers));
        for subscriber in subscribers.iter() {
            if !read(&subscriber.filter).wants(&fired.event) {
                continue;
            }
            if let Err(tokio::sync::mpsc::error::TrySendError::Full(_)) =
                subscriber.sender.try_send(Arc::clone(fired))
            {
                subscriber.dropped.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn read<T>(m: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    m.read().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn write<T>(m: &RwLock<T>) -> std::sync::RwLockWriteGuard<'_, T> {
    m.write().unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;
    use std::time::Duration;

    fn bus() -> Arc<EventBus> {
        EventBus::start(
            Origin {
                core_uuid: "core-uuid".into(),
                hostname: "host".into(),
                switchname: "switch".into(),
            },
            16,
        )
    }

    #[test]
    fn selector_words_follow_freeswitch_syntax() {
        let mut s = EventSelector::none();
        s.add_words(["CHANNEL_CREATE", "CUSTOM", "acd::a", "acd::b", "HEARTBEAT"])
            .unwrap();
        let custom = |sub: &str| Event::new("CUSTOM", Some(sub)).unwrap();
        assert!(s.matches(&custom("acd::a")));
        assert!(s.matches(&custom("acd::b")));
        assert!(!s.matches(&custom("acd::c")));
        assert!(s.matches(&Event::core("HEARTBEAT")));
        assert!(!s.matches(&Event::core("DTMF")));

        let mut all_custom = EventSelector::none();
        all_custom.add_words(["CUSTOM"]).unwrap();
        assert!(all_custom.matches(&custom("x::y")));

        assert!(s.clone().add_words(["NOPE"]).is_err());
        s.remove_words(["CUSTOM", "acd::a"]).unwrap();
        assert!(!s.matches(&custom("acd::a")));
        assert!(s.matches(&custom("acd::b")));
        s.remove_words(["ALL"]).unwrap();
        assert!(s.is_empty());
    }

    #[test]
    fn fired_events_carry_standard_headers_in_sequence() {
        let bus = bus();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&seen);
        bus.bind(
            "test",
            EventSelector::all(),
            Box::new(move |e| sink.lock().unwrap().push(e.event().clone())),
        );
        let mut custom = Event::new("CUSTOM", Some("probe::ping")).unwrap();
        custom
            .add_header("Event-Name", "FORGED")
            .add_header("Greeting", "hi");
        let first = bus.fire(custom);
        let second = bus.fire(Event::core("HEARTBEAT"));
        assert_eq!(second, first + 1);
        bus.barrier();
        let seen = seen.lock().unwrap();
        assert_eq!(seen.len(), 2);
        assert_eq!(seen[0].header("Event-Name"), Some("CUSTOM"));
        assert_eq!(seen[0].header("Event-Subclass"), Some("probe::ping"));
        assert_eq!(seen[0].header("Greeting"), Some("hi"));
        assert_eq!(seen[0].header("Core-UUID"), Some("core-uuid"));
        assert_eq!(
            seen[1].header("Event-Sequence"),
            Some(second.to_string().as_str())
        );
        assert!(seen[1].header("Event-Date-Timestamp").unwrap().len() >= 16);
        bus.shutdown();
    }

    #[test]
    fn unbind_waits_and_stops_delivery() {
        let bus = bus();
        let count = Arc::new(AtomicUsize::new(0));
        let c = Arc::clone(&count);
        let (started_tx, started) = crossbeam_channel::unbounded();
        let id = bus.bind(
            "mod_x",
            EventSelector::for_binding("HEARTBEAT", None).unwrap(),
            Box::new(move |_| {
                let _ = started_tx.send(());
                std::thread::sleep(Duration::from_millis(50));
                c.fetch_add(1, Ordering::SeqCst);
            }),
        );
        bus.fire(Event::core("HEARTBEAT"));
        started.recv_timeout(Duration::from_secs(5)).unwrap();
        assert!(!bus.unbind("someone-else", id));
        assert!(bus.unbind("mod_x", id));
        assert_eq!(
            count.load(Ordering::SeqCst),
            1,
            "unbind returned only after the running handler finished"
        );
        bus.fire(Event::core("HEARTBEAT"));
        bus.barrier();
        assert_eq!(count.load(Ordering::SeqCst), 1);
        bus.shutdown();
    }

    #[test]
    fn a_slow_subscriber_loses_events_instead_of_blocking() {
        let bus = bus();
        let mut slow = bus.subscribe();
        slow.filter.write().unwrap().selector = EventSelector::all();
        let mut fast = bus.subscribe();
        fast.filter.write().unwrap().selector = EventSelector::all();
        for _ in 0..40 {
            bus.fire(Event::core("HEARTBEAT"));
            if let Ok(event) = fast.events.try_recv() {
                drop(event);
            }
            bus.barrier();
        }
        assert_eq!(slow.dropped(), 40 - 16);
        assert_eq!(fast.dropped(), 0);
        let mut received = 0;
        while slow.events.try_recv().is_ok() {
            received += 1;
        }
        assert_eq!(received, 16);
        bus.shutdown();
    }

    #[test]
    fn header_filters_narrow_a_subscription() {
        let mut filter = SubscriberFilter {
            selector: EventSelector::all(),
            header_filters: vec![],
        };
        let event = Event::core("HEARTBEAT").with_header("Unique-ID", "abc");
        assert!(filter.wants(&event));
        filter
            .header_filters
            .push(("Unique-ID".into(), "zzz".into()));
        assert!(!filter.wants(&event));
        filter
            .header_filters
            .push(("unique-id".into(), "abc".into()));
        assert!(filter.wants(&event));
    }

    #[test]
    fn a_panicking_handler_does_not_stop_delivery() {
        let bus = bus();
        let count = Arc::new(AtomicUsize::new(0));
        let c = Arc::clone(&count);
        bus.bind("bad", EventSelector::all(), Box::new(|_| panic!("boom")));
        bus.bind(
            "good",
            EventSelector::all(),
            Box::new(move |_| {
                c.fetch_add(1, Ordering::SeqCst);
            }),
        );
        bus.fire(Event::core("HEARTBEAT"));
        bus.barrier();
        assert_eq!(count.load(Ordering::SeqCst), 1);
        bus.shutdown();
    }
}
