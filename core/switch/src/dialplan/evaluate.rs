//! The hunt: a caller profile and channel variables in, the list of actions out.
//!
//! Semantics follow FreeSWITCH's `mod_dialplan_xml`:
//!
//! * Extensions are tried in order. One *matches* when its conditions leave
//!   the hunt "proceeding"; the hunt stops at the first match unless the
//!   extension has `continue="true"`.
//! * Each condition passes or fails. A pass queues its `<action>`s with `$N`
//!   replaced by the condition's own captures (only when its expression has a
//!   `(`, as FreeSWITCH does); a failure queues its `<anti-action>`s, and an
//!   extension that ran anti-actions counts as matched.
//! * `break` decides whether the following conditions are evaluated:
//!   `on-false` (default) stops after a failure, `on-true` after a pass,
//!   `always` after either, `never` never. Nested conditions are evaluated
//!   after their parent passes (and did not break); when they fail, their
//!   parent's level stops unless the parent has `break="never"`, and the
//!   level counts as failed unless the parent has `require-nested="false"`.
//! * `inline="true"` actions run during the hunt: `set`, `unset` and
//!   `export` change the hunt's own variable overlay, so later conditions see
//!   them; every inline action is reported in [`Hunt::inline`].
//! * Time attributes and a field test on the same condition must both pass
//!   (FreeSWITCH's code lets either one select the actions, contrary to its
//!   documentation; we follow the documentation).

use std::borrow::Cow;

use jiff::Timestamp;
use jiff::tz::{Offset, TimeZone};

use super::error::HuntError;
use super::expand::{Variables, expand, substitute_captures};
use super::index::HuntIndex;
use super::model::{
    Action, Break, Condition, Context, Extension, Field, FieldTest, Location, RegexMode, Test,
};
use super::pattern::Captures;
use super::profile::CallerProfile;
use super::time::{Now, TimeSpec};
use super::truth::is_true;

/// Everything a hunt needs: who is calling, their channel variables, and the
/// clock (injected, so tests and the switch decide what "now" is).
#[derive(Clone, Copy)]
pub struct HuntRequest<'a> {
    /// The caller profile; its `context` selects the context to hunt.
    pub profile: &'a CallerProfile,
    /// The channel's variables.
    pub variables: &'a dyn Variables,
    /// The instant time conditions are evaluated at.
    pub now: Timestamp,
    /// IANA time zone name time conditions are evaluated in (the tenant's),
    /// unless the channel sets `tod_tz_offset` (hours) or `timezone`.
    pub time_zone: &'a str,
}

impl<'a> HuntRequest<'a> {
    /// A request at instant `now` in time zone `time_zone`.
    pub fn new(
        profile: &'a CallerProfile,
        variables: &'a dyn Variables,
        now: Timestamp,
        time_zone: &'a str,
    ) -> Self {
        Self {
            profile,
            variables,
            now,
            time_zone,
        }
    }
}

/// An action queued for execution after the hunt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedAction {
    /// Application name.
    pub application: String,
    /// Data with `$N` captures substituted. `${var}` is still unexpanded:
    /// expand it with [`super::expand::expand`] when the action runs.
    pub data: String,
    /// Name of the extension it came from.
    pub extension: String,
    /// Where the action was written.
    pub location: Location,
}

/// An `inline="true"` action, executed during the hunt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InlineAction {
    /// Application name.
    pub application: String,
    /// Data with captures substituted and variables expanded at that point.
    pub data: String,
    /// Name of the extension it came from.
    pub extension: String,
    /// Where the action was written.
    pub location: Location,
    /// True if the engine applied it (`set`, `unset`, `export`); other
    /// applications are left to the caller, in this order, after the hunt.
    pub applied: bool,
}

/// What a hunt found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Hunt {
    /// The context hunted (the caller's, or `global` as a fallback).
    pub context: String,
    /// The first extension that contributed an action or anti-action; `None`
    /// means no route (FreeSWITCH's `NO_ROUTE_DESTINATION`).
    pub extension: Option<String>,
    /// Actions to execute, in order.
    pub actions: Vec<PlannedAction>,
    /// Inline actions executed during the hunt, in order.
    pub inline: Vec<InlineAction>,
    /// Channel variable changes made by inline `set`/`unset`/`export`, in
    /// order of first change; `None` means unset. Apply them to the channel.
    pub variables: Vec<(String, Option<String>)>,
    /// Problems met while hunting (a `${...}` expression that expanded to an
    /// invalid regex, an unknown time zone); the hunt went on.
    pub warnings: Vec<String>,
}

impl Hunt {
    /// True if nothing matched.
    pub fn is_empty(&self) -> bool {
        self.extension.is_none()
    }
}

/// The channel's variables with the hunt's inline changes on top.
struct Overlay<'a> {
    base: &'a dyn Variables,
    changes: Vec<(String, Option<String>)>,
}

impl Overlay<'_> {
    fn set(&mut self, name: &str, value: Option<String>) {
        match self.changes.iter_mut().find(|(n, _)| n == name) {
            Some(slot) => slot.1 = value,
            None => self.changes.push((name.to_string(), value)),
        }
    }
}

impl Variables for Overlay<'_> {
    fn get(&self, name: &str) -> Option<Cow<'_, str>> {
        match self.changes.iter().find(|(n, _)| n == name) {
            Some((_, v)) => v.as_deref().map(Cow::Borrowed),
            None => self.base.get(name),
        }
    }

    fn global(&self, name: &str) -> Option<Cow<'_, str>> {
        self.base.global(name)
    }

    fn api(&self, command: &str, args: &str) -> Option<String> {
        self.base.api(command, args)
    }
}

#[derive(PartialEq)]
enum ZoneKey {
    Hours(i8),
    Name(String),
}

struct Hunter<'a> {
    request: HuntRequest<'a>,
    overlay: Overlay<'a>,
    out: Hunt,
    now: Option<(ZoneKey, Now)>,
}

/// Hunts `context` (with its `index`) for `request`.
pub fn hunt_context(context: &Context, index: &HuntIndex, request: HuntRequest<'_>) -> Hunt {
    let mut request = request;
    if let Some(zone) = &context.time_zone {
        request.time_zone = zone;
    }
    let mut hunter = Hunter {
        request,
        overlay: Overlay {
            base: request.variables,
            changes: Vec::new(),
        },
        out: Hunt {
            context: context.name.clone(),
            ..Hunt::default()
        },
        now: None,
    };
    let start = match request.variables.get("auto_hunt") {
        Some(v) if is_true(&v) => index
            .position_of(&request.profile.destination_number)
            .unwrap_or(0),
        _ => 0,
    };
    for i in index.candidates(request.profile, start) {
        let Some(ext) = context.extensions.get(i) else {
            continue;
        };
        let matched = hunter.level(ext, &ext.conditions, true);
        if matched && !ext.continue_hunt {
            break;
        }
    }
    hunter.out.variables = hunter.overlay.changes;
    hunter.out
}

/// Picks the context to hunt: the caller's, else `global`.
pub fn choose_context<'c, T>(
    name: &str,
    lookup: impl Fn(&str) -> Option<&'c T>,
) -> Result<&'c T, HuntError> {
    lookup(name)
        .or_else(|| lookup("global"))
        .ok_or_else(|| HuntError::NoSuchContext(name.to_string()))
}

impl Hunter<'_> {
    /// Evaluates one level of conditions; returns FreeSWITCH's "proceed".
    fn level(&mut self, ext: &Extension, conditions: &[Condition], require_nested: bool) -> bool {
        let mut proceed = false;
        for cond in conditions {
            let (pass, captures) = self.test(cond);
            proceed = pass;
            if pass {
                for action in &cond.actions {
                    let data = match &captures {
                        Some(caps) => Cow::Owned(substitute_captures(&action.data, caps)),
                        None => Cow::Borrowed(action.data.as_str()),
                    };
                    self.emit(ext, action, &data);
                }
            } else {
                for action in &cond.anti_actions {
                    self.emit(ext, action, &action.data);
                    proceed = true;
                }
            }
            let stop = match cond.break_on {
                Break::OnFalse => !pass,
                Break::OnTrue => pass,
                Break::Always => true,
                Break::Never => false,
            };
            if stop {
                break;
            }
            if proceed && !cond.nested.is_empty() {
                proceed = self.level(ext, &cond.nested, cond.require_nested);
                if !proceed {
                    if cond.break_on == Break::Never {
                        continue;
                    }
                    break;
                }
            }
        }
        if !require_nested {
            proceed = true;
        }
        proceed
    }

    /// Whether `cond` passes, and the captures to substitute if it does.
    fn test(&mut self, cond: &Condition) -> (bool, Option<Captures>) {
        if let Some(spec) = &cond.time
            && !self.time_matches(spec)
        {
            return (false, None);
        }
        let want = !cond.actions.is_empty();
        match &cond.test {
            Test::Always => (true, None),
            Test::Field(t) => self.field(t, want),
            Test::Regex(mode, items) => {
                let (mut pass, mut fail) = (0usize, 0usize);
                let mut chosen = None;
                for item in items {
                    let time_ok = item.time.as_ref().is_none_or(|s| self.time_matches(s));
                    let (ok, caps) = match (&item.test, time_ok) {
                        (_, false) => (false, None),
                        (Some(t), true) => self.field(t, want),
                        (None, true) => (true, None),
                    };
                    if ok {
                        pass += 1;
                        if caps.is_some() {
                            chosen = caps;
                        }
                        if *mode == RegexMode::Any {
                            break;
                        }
                    } else {
                        fail += 1;
                        if *mode == RegexMode::All {
                            break;
                        }
                    }
                }
                let ok = match mode {
                    RegexMode::All => fail == 0,
                    RegexMode::Any => pass > 0,
                    RegexMode::Xor => pass == 1,
                };
                (ok, if ok { chosen } else { None })
            }
        }
    }

    /// Matches a field test; captures are returned when wanted and the
    /// expression has a `(`.
    fn field(&mut self, test: &FieldTest, want_captures: bool) -> (bool, Option<Captures>) {
        let value: Cow<'_, str> = match &test.field {
            Field::Profile(f) => Cow::Borrowed(self.request.profile.get(*f)),
            Field::Expand(text) => Cow::Owned(expand(text, &self.overlay)),
        };
        match test.pattern.matches(&value, &self.overlay, want_captures) {
            Ok(Some(captures)) => (true, captures),
            Ok(None) => (false, None),
            Err(e) => {
                self.out
                    .warnings
                    .push(format!("{e}; condition treated as not matching"));
                (false, None)
            }
        }
    }

    fn time_matches(&mut self, spec: &TimeSpec) -> bool {
        let key = match self
            .overlay
            .get("tod_tz_offset")
            .and_then(|v| v.trim().parse::<i8>().ok())
        {
            Some(h) => ZoneKey::Hours(h),
            None => match self.overlay.get("timezone") {
                Some(name) if !name.trim().is_empty() => ZoneKey::Name(name.trim().to_string()),
                _ => ZoneKey::Name(self.request.time_zone.to_string()),
            },
        };
        if let Some((cached, now)) = &self.now
            && *cached == key
        {
            return spec.matches(now);
        }
        let tz = match &key {
            ZoneKey::Hours(h) => match Offset::from_hours(*h) {
                Ok(o) => TimeZone::fixed(o),
                Err(e) => {
                    self.out
                        .warnings
                        .push(format!("tod_tz_offset={h}: {e}; using UTC"));
                    TimeZone::UTC
                }
            },
            ZoneKey::Name(name) => match TimeZone::get(name) {
                Ok(tz) => tz,
                Err(e) => {
                    self.out
                        .warnings
                        .push(format!("time zone {name:?}: {e}; using UTC"));
                    TimeZone::UTC
                }
            },
        };
        let now = Now::at(self.request.now, &tz);
        let result = spec.matches(&now);
        self.now = Some((key, now));
        result
    }

    fn emit(&mut self, ext: &Extension, action: &Action, data: &str) {
        if self.out.extension.is_none() {
            self.out.extension = Some(ext.display_name().to_string());
        }
        for _ in 0..action.repeat {
            if action.inline {
                let expanded = expand(data, &self.overlay);
                let applied = self.apply_inline(&action.application, &expanded);
                self.out.inline.push(InlineAction {
                    application: action.application.clone(),
                    data: expanded,
                    extension: ext.display_name().to_string(),
                    location: action.location.clone(),
                    applied,
                });
            } else {
                self.out.actions.push(PlannedAction {
                    application: action.application.clone(),
                    data: data.to_string(),
                    extension: ext.display_name().to_string(),
                    location: action.location.clone(),
                });
            }
        }
    }

    /// Applies `set`, `unset` and `export` to the overlay.
    fn apply_inline(&mut self, application: &str, data: &str) -> bool {
        match application {
            "set" => {
                self.assign(data);
                true
            }
            "export" => {
                if !data.starts_with("nolocal:") {
                    self.assign(data);
                }
                true
            }
            "unset" => {
                if !data.is_empty() {
                    self.overlay.set(data, None);
                }
                true
            }
            _ => false,
        }
    }

    /// `name=value`; an empty or missing value unsets, as FreeSWITCH's `set` does.
    fn assign(&mut self, data: &str) {
        let (name, value) = match data.split_once('=') {
            Some((n, v)) => (n, (!v.is_empty()).then(|| v.to_string())),
            None => (data, None),
        };
        if name.is_empty() {
            self.out
                .warnings
                .push(format!("inline set without a variable name: {data:?}"));
            return;
        }
        self.overlay.set(name, value);
    }
}
