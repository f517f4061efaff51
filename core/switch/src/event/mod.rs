//! Events: FreeSWITCH-named messages with ordered headers and an optional
//! body, fired on the [`bus::EventBus`] and fanned out to module handlers and
//! event-socket subscribers.

pub mod bus;
pub mod names;
pub mod serialize;

use std::sync::OnceLock;

/// An event being built: a name, ordered headers and an optional body.
///
/// Headers keep their insertion order and may repeat, as in FreeSWITCH.
/// Standard headers (`Event-Name`, `Core-UUID`, dates, sequence) are added by
/// the bus when the event is fired.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    name: &'static str,
    subclass: Option<String>,
    headers: Vec<(String, String)>,
    body: Option<String>,
}

/// Why an event could not be created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventError {
    /// The name is not one of FreeSWITCH's event names.
    UnknownName(String),
    /// A `CUSTOM` event needs an `Event-Subclass`.
    MissingSubclass,
}

impl std::fmt::Display for EventError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EventError::UnknownName(name) => write!(f, "unknown event name '{name}'"),
            EventError::MissingSubclass => write!(f, "a CUSTOM event needs a subclass"),
        }
    }
}

impl std::error::Error for EventError {}

impl Event {
    /// Creates an event of a known name; `CUSTOM` requires a subclass.
    pub fn new(name: &str, subclass: Option<&str>) -> Result<Event, EventError> {
        let canonical =
            names::canonical(name).ok_or_else(|| EventError::UnknownName(name.to_owned()))?;
        let subclass = subclass.map(str::trim).filter(|s| !s.is_empty());
        if canonical == "CUSTOM" && subclass.is_none() {
            return Err(EventError::MissingSubclass);
        }
        Ok(Event {
            name: canonical,
            subclass: subclass.map(str::to_owned),
            headers: Vec::new(),
            body: None,
        })
    }

    /// Creates an event of a name known at compile time (a core event).
    ///
    /// # Panics
    /// Panics when `name` is not a FreeSWITCH event name: a programming error
    /// in the core, never reachable from outside input.
    pub fn core(name: &'static str) -> Event {
        assert!(
            names::canonical(name) == Some(name),
            "core event name {name} is not canonical"
        );
        Event {
            name,
            subclass: None,
            headers: Vec::new(),
            body: None,
        }
    }

    /// The event's name (`Event-Name`).
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The `Event-Subclass` of a `CUSTOM` event.
    pub fn subclass(&self) -> Option<&str> {
        self.subclass.as_deref()
    }

    /// Appends a header (headers may repeat).
    pub fn add_header(&mut self, name: impl Into<String>, value: impl Into<String>) -> &mut Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Builder form of [`Event::add_header`].
    pub fn with_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.add_header(name, value);
        self
    }

    /// Sets the body, replacing any earlier one.
    pub fn set_body(&mut self, body: impl Into<String>) -> &mut Self {
        self.body = Some(body.into());
        self
    }

    /// The first value of a header, compared case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// All headers in order.
    pub fn headers(&self) -> &[(String, String)] {
        &self.headers
    }

    /// The body, if any.
    pub fn body(&self) -> Option<&str> {
        self.body.as_deref()
    }
}

/// An event after it was fired: complete headers, immutable, shared by every
/// receiver. Its wire forms are rendered once, on first use, and reused for
/// every subscriber.
#[derive(Debug)]
pub struct FiredEvent {
    event: Event,
    sequence: u64,
    plain: OnceLock<Vec<u8>>,
    json: OnceLock<Vec<u8>>,
}

impl FiredEvent {
    pub(crate) fn new(event: Event, sequence: u64) -> FiredEvent {
        FiredEvent {
            event,
            sequence,
            plain: OnceLock::new(),
            json: OnceLock::new(),
        }
    }

    /// The event with all its headers.
    pub fn event(&self) -> &Event {
        &self.event
    }

    /// `Event-Sequence`: the global firing order.
    pub fn sequence(&self) -> u64 {
        self.sequence
    }

    /// The complete `text/event-plain` frame for the event socket.
    pub fn plain_frame(&self) -> &[u8] {
        self.plain
            .get_or_init(|| serialize::plain_frame(&self.event))
    }

    /// The complete `text/event-json` frame for the event socket.
    pub fn json_frame(&self) -> &[u8] {
        self.json.get_or_init(|| serialize::json_frame(&self.event))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn custom_events_need_a_subclass() {
        assert_eq!(Event::new("CUSTOM", None), Err(EventError::MissingSubclass));
        assert_eq!(
            Event::new("CUSTOM", Some("  ")),
            Err(EventError::MissingSubclass)
        );
        let event = Event::new("custom", Some("acd::member-enter")).unwrap();
        assert_eq!(event.name(), "CUSTOM");
        assert_eq!(event.subclass(), Some("acd::member-enter"));
    }

    #[test]
    fn unknown_names_are_refused() {
        assert_eq!(
            Event::new("BOGUS", None),
            Err(EventError::UnknownName("BOGUS".into()))
        );
    }

    #[test]
    fn header_lookup_is_case_insensitive_and_returns_the_first() {
        let event = Event::core("HEARTBEAT")
            .with_header("Up-Time", "1")
            .with_header("up-time", "2");
        assert_eq!(event.header("UP-TIME"), Some("1"));
        assert_eq!(event.headers().len(), 2);
    }
}
