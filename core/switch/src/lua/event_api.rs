//! `freeswitch.Event(name [, subclass])` and the `event` of hook scripts:
//! `addHeader`, `getHeader`, `addBody`, `getBody`, `getType`,
//! `serialize([format])` and `fire()`, with mod_lua's names.

use crate::event::{Event, bus::EventBus};
use mlua::{UserData, UserDataMethods};
use std::sync::Arc;

/// An event a script builds or was given.
pub struct LuaEvent {
    event: Event,
    bus: Arc<EventBus>,
    fired: bool,
}

impl LuaEvent {
    /// Wraps `event` (fired on `bus` by `fire()`).
    pub fn new(event: Event, bus: Arc<EventBus>) -> LuaEvent {
        LuaEvent {
            event,
            bus,
            fired: false,
        }
    }

    /// `freeswitch.Event(name [, subclass])`.
    ///
    /// # Errors
    /// The name is not an event name, or `CUSTOM` lacks a subclass.
    pub fn create(
        name: &str,
        subclass: Option<&str>,
        bus: Arc<EventBus>,
    ) -> mlua::Result<LuaEvent> {
        let event = Event::new(name, subclass)
            .map_err(|e| mlua::Error::RuntimeError(format!("freeswitch.Event: {e}")))?;
        Ok(LuaEvent::new(event, bus))
    }
}

impl UserData for LuaEvent {
    fn add_methods<M: UserDataMethods<Self>>(methods: &mut M) {
        methods.add_method_mut("addHeader", |_, this, (name, value): (String, String)| {
            this.event.add_header(name, value);
            Ok(true)
        });
        methods.add_method("getHeader", |_, this, name: String| {
            Ok(match name.as_str() {
                "Event-Name" => Some(this.event.name().to_owned()),
                "Event-Subclass" => this.event.subclass().map(str::to_owned),
                _ => this.event.header(&name).map(str::to_owned),
            })
        });
        methods.add_method_mut("addBody", |_, this, body: String| {
            let joined = match this.event.body() {
                Some(old) => format!("{old}{body}"),
                None => body,
            };
            this.event.set_body(joined);
            Ok(true)
        });
        methods.add_method("getBody", |_, this, ()| {
            Ok(this.event.body().map(str::to_owned))
        });
        methods.add_method("getType", |_, this, ()| Ok(this.event.name()));
        methods.add_method("serialize", |_, this, format: Option<String>| {
            let format = format.unwrap_or_default();
            Ok(if format.eq_ignore_ascii_case("json") {
                crate::event::serialize::json_body(&this.event)
            } else {
                crate::event::serialize::plain_body(&this.event)
            })
        });
        methods.add_method_mut("fire", |_, this, ()| {
            if this.fired {
                return Err(mlua::Error::RuntimeError(
                    "this event was already fired; build a new one".into(),
                ));
            }
            this.fired = true;
            this.bus.fire(this.event.clone());
            Ok(true)
        });
    }
}
