//! Events: handlers ([`Host::bind_event`], [`EventRef`]) and events the
//! module creates and fires ([`Host::event`], [`Event`]).

use core::fmt;
use std::ffi::c_void;
use std::marker::PhantomData;
use std::ptr::NonNull;

use super::error::check;
use super::host::{Level, opt_str};
use super::panic::{catch, reset_forwarded, was_forwarded};
use super::retain;
use super::{Error, Host};
use crate::ffi::{SY_INVALID, SY_OK, SyEvent, SyStr};

/// Identifies an event binding made by [`Host::bind_event`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct BindingId(u64);

impl BindingId {
    /// The host's numeric id.
    pub fn as_u64(self) -> u64 {
        self.0
    }
}

/// Reads a host string that lives as long as the event; `None` for `{NULL, 0}`
/// and for text that is not UTF-8.
///
/// # Safety
///
/// `text` must be a string the host returned for an event alive for `'e`.
unsafe fn event_str<'e>(text: SyStr) -> Option<&'e str> {
    if text.is_null() {
        return None;
    }
    // SAFETY: per this function's contract.
    unsafe { text.to_str() }.ok()
}

/// An event borrowed from the host: what an event handler receives.
///
/// Every string it returns lives as long as the event (`'e`); copy what you
/// want to keep beyond the handler.
#[derive(Clone, Copy)]
pub struct EventRef<'e> {
    host: Host,
    raw: *const SyEvent,
    _event: PhantomData<&'e SyEvent>,
}

impl<'e> EventRef<'e> {
    /// Wraps a raw event.
    ///
    /// # Safety
    ///
    /// `raw` must be a valid event of `host` that stays alive and unmodified for `'e`.
    pub unsafe fn from_raw(host: Host, raw: *const SyEvent) -> EventRef<'e> {
        EventRef {
            host,
            raw,
            _event: PhantomData,
        }
    }

    /// The host's raw handle.
    pub fn as_raw(&self) -> *const SyEvent {
        self.raw
    }

    /// The first value of header `name` (case-insensitive), or `None` when
    /// the event has no such header. A header that is present but empty
    /// yields `Some("")`.
    pub fn header(&self, name: &str) -> Option<&'e str> {
        let get = host_fn!(&self.host, event_header).ok()?;
        // SAFETY: a host function from a valid table, called on a live event;
        // the result lives as long as the event (`'e`).
        unsafe { event_str(get(self.raw, SyStr::from_str(name))) }
    }

    /// The event's body, or `None` when it has none.
    pub fn body(&self) -> Option<&'e str> {
        let get = host_fn!(&self.host, event_body).ok()?;
        // SAFETY: as in `header`.
        unsafe { event_str(get(self.raw)) }
    }

    /// The event's name: its `Event-Name` header (`"CUSTOM"`, `"CHANNEL_ANSWER"`, ...).
    pub fn name(&self) -> Option<&'e str> {
        self.header("Event-Name")
    }

    /// The `Event-Subclass` header of a `CUSTOM` event (`"acd::member-enter"`, ...).
    pub fn subclass(&self) -> Option<&'e str> {
        self.header("Event-Subclass")
    }

    /// All headers in order, as `(name, value)` pairs. Headers that are not
    /// valid UTF-8 are skipped.
    pub fn headers(&self) -> Headers<'e> {
        let count = match host_fn!(&self.host, event_header_count) {
            // SAFETY: a host function from a valid table, called on a live event.
            Ok(count) => unsafe { count(self.raw) },
            Err(_) => 0,
        };
        Headers {
            event: *self,
            index: 0,
            count,
        }
    }
}

impl fmt::Debug for EventRef<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.headers()).finish()
    }
}

/// Iterator over an event's headers; see [`EventRef::headers`].
#[derive(Clone, Debug)]
pub struct Headers<'e> {
    event: EventRef<'e>,
    index: usize,
    count: usize,
}

impl<'e> Iterator for Headers<'e> {
    type Item = (&'e str, &'e str);

    fn next(&mut self) -> Option<Self::Item> {
        let header_at = host_fn!(&self.event.host, event_header_at).ok()?;
        while self.index < self.count {
            let index = self.index;
            self.index += 1;
            let mut name = SyStr::EMPTY;
            let mut value = SyStr::EMPTY;
            // SAFETY: a host function from a valid table, called on a live
            // event with pointers to two local `SyStr`s it fills in.
            let status = unsafe { header_at(self.event.raw, index, &raw mut name, &raw mut value) };
            if status != SY_OK {
                self.index = self.count;
                return None;
            }
            // SAFETY: both strings live as long as the event (`'e`).
            let pair = unsafe { (name.to_str(), value.to_str()) };
            if let (Ok(name), Ok(value)) = pair {
                return Some((name, value));
            }
        }
        None
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (0, Some(self.count.saturating_sub(self.index)))
    }
}

/// An event the module created with [`Host::event`] and owns until it
/// [`fire`](Event::fire)s it. Dropping an unfired event frees it.
pub struct Event {
    host: Host,
    raw: NonNull<SyEvent>,
}

// SAFETY: the event has exactly one owner (this value), and host functions
// may be called from any thread.
unsafe impl Send for Event {}

impl Event {
    /// The host's raw handle (still owned by this `Event`).
    pub fn as_raw(&self) -> *mut SyEvent {
        self.raw.as_ptr()
    }

    /// Reads the event back (headers added so far, body).
    pub fn as_event_ref(&self) -> EventRef<'_> {
        // SAFETY: the event is alive and cannot be modified while the
        // returned view borrows `self`.
        unsafe { EventRef::from_raw(self.host, self.raw.as_ptr()) }
    }

    /// Appends header `name: value`.
    pub fn add_header(&mut self, name: &str, value: &str) -> Result<(), Error> {
        let add = host_fn!(&self.host, event_add_header)?;
        // SAFETY: a host function from a valid table, called on an event this
        // module owns; the strings are borrowed for the call.
        let status = unsafe {
            add(
                self.raw.as_ptr(),
                SyStr::from_str(name),
                SyStr::from_str(value),
            )
        };
        check("event_add_header", status)
    }

    /// Sets (replaces) the event's body.
    pub fn set_body(&mut self, body: &str) -> Result<(), Error> {
        let set = host_fn!(&self.host, event_set_body)?;
        // SAFETY: as in `add_header`.
        let status = unsafe { set(self.raw.as_ptr(), SyStr::from_str(body)) };
        check("event_set_body", status)
    }

    /// Fires the event. The host takes it whatever the result.
    pub fn fire(self) -> Result<(), Error> {
        // When the host lacks `event_fire`, `self` is dropped (and freed) here.
        let fire = host_fn!(&self.host, event_fire)?;
        let (host, raw) = (self.host, self.raw);
        std::mem::forget(self);
        // SAFETY: a host function from a valid table; ownership of the event
        // passes to the host (`self` was forgotten, so it is not freed twice).
        let status = unsafe { fire(host.module_ptr(), raw.as_ptr()) };
        check("event_fire", status)
    }
}

impl Drop for Event {
    fn drop(&mut self) {
        if let Ok(destroy) = host_fn!(&self.host, event_destroy) {
            // SAFETY: the module still owns this event (it was not fired), so
            // it is freed exactly once, here.
            unsafe { destroy(self.raw.as_ptr()) }
        }
    }
}

impl fmt::Debug for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Event").field(&self.as_event_ref()).finish()
    }
}

/// What the SDK registers as `user_data` for an event handler.
struct EventSlot<F> {
    host: Host,
    func: F,
}

/// The `sy_event_fn` for closures of type `F`.
///
/// # Safety
///
/// `user_data` must be the `EventSlot<F>` registered with this trampoline and
/// still alive; `event` must be valid for the call.
unsafe extern "C" fn event_trampoline<F>(user_data: *mut c_void, event: *const SyEvent)
where
    F: Fn(&EventRef<'_>) + Send + Sync + 'static,
{
    // SAFETY: per this function's contract, `user_data` is our live `EventSlot<F>`.
    let slot = unsafe { &*user_data.cast::<EventSlot<F>>() };
    // SAFETY: the host keeps `event` alive and unchanged until we return.
    let view = unsafe { EventRef::from_raw(slot.host, event) };
    reset_forwarded();
    if let Err(message) = catch(|| (slot.func)(&view)) {
        // The panic hook normally logged it already, with its location.
        if !was_forwarded() {
            slot.host
                .log(Level::Error, &format!("event handler panicked: {message}"));
        }
    }
}

impl Host {
    /// Calls `func` for every event named `name` (`"ALL"` for every event).
    /// For `CUSTOM` events, `subclass` narrows to that `Event-Subclass`.
    ///
    /// `func` runs on the event dispatcher thread and must not block: hand
    /// slow work to a thread of your own. A panic in `func` is logged and the
    /// dispatcher carries on.
    ///
    /// The host removes the binding on [`unbind_event`](Host::unbind_event)
    /// or when the module unloads; the SDK frees `func` after unload.
    pub fn bind_event<F>(
        &self,
        name: &str,
        subclass: Option<&str>,
        func: F,
    ) -> Result<BindingId, Error>
    where
        F: Fn(&EventRef<'_>) + Send + Sync + 'static,
    {
        let bind = host_fn!(self, bind_event)?;
        let slot = retain::retain(self.module_ptr(), EventSlot { host: *self, func });
        let mut id = 0_u64;
        // SAFETY: a host function from a valid table; the strings are borrowed
        // for the call; `slot` stays alive until unload, matching the
        // trampoline's contract; `id` is a local the host may write.
        let status = unsafe {
            bind(
                self.module_ptr(),
                SyStr::from_str(name),
                opt_str(subclass),
                Some(event_trampoline::<F>),
                slot.cast(),
                &raw mut id,
            )
        };
        if status == SY_OK {
            Ok(BindingId(id))
        } else {
            retain::release(slot);
            Err(Error::Status {
                function: "bind_event",
                status,
            })
        }
    }

    /// Removes a binding made by [`bind_event`](Host::bind_event); no call
    /// to its handler starts after this returns.
    ///
    /// The handler closure itself is freed when the module unloads (a call
    /// may still be running when this returns, possibly this very call).
    pub fn unbind_event(&self, binding: BindingId) -> Result<(), Error> {
        let unbind = host_fn!(self, unbind_event)?;
        // SAFETY: a host function from a valid table.
        let status = unsafe { unbind(self.module_ptr(), binding.0) };
        check("unbind_event", status)
    }

    /// Creates an event owned by the module: `name` is a core event name
    /// (`"CUSTOM"`, ...); for `CUSTOM` a `subclass` (`"acd::member-enter"`) is
    /// required. Fails with `SY_INVALID` on an unknown name or a missing
    /// subclass.
    pub fn event(&self, name: &str, subclass: Option<&str>) -> Result<Event, Error> {
        let create = host_fn!(self, event_create)?;
        // SAFETY: a host function from a valid table; the strings are
        // borrowed for the call.
        let raw = unsafe { create(self.module_ptr(), SyStr::from_str(name), opt_str(subclass)) };
        match NonNull::new(raw) {
            Some(raw) => Ok(Event { host: *self, raw }),
            None => Err(Error::Status {
                function: "event_create",
                status: SY_INVALID,
            }),
        }
    }
}
