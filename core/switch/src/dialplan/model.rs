//! The loaded dialplan: contexts, extensions, conditions and actions.

use std::sync::Arc;

use super::pattern::Pattern;
use super::profile::ProfileField;
use super::time::TimeSpec;

/// Where an element was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// File name as given to the loader.
    pub file: Arc<str>,
    /// 1-based line.
    pub line: u32,
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.file, self.line)
    }
}

/// A named list of extensions, hunted in order.
#[derive(Debug, Clone)]
pub struct Context {
    /// The context's name (`default`, a tenant's domain, ...).
    pub name: String,
    /// Extensions in file order; a context spread over several files has the
    /// extensions of each file appended in sorted file order.
    pub extensions: Vec<Extension>,
    /// `timezone="Area/City"`: the zone time conditions are evaluated in
    /// (the tenant's, for a tenant's context), unless the channel sets
    /// `timezone` or `tod_tz_offset`.
    pub time_zone: Option<String>,
}

/// One `<extension>`.
#[derive(Debug, Clone)]
pub struct Extension {
    /// The `name` attribute, if any.
    pub name: Option<String>,
    /// `continue="true"`: keep hunting after this extension matches.
    pub continue_hunt: bool,
    /// Top-level conditions in order.
    pub conditions: Vec<Condition>,
    /// Where the extension was written.
    pub location: Location,
}

impl Extension {
    /// The name used when reporting, `_anon_` for an unnamed extension.
    pub fn display_name(&self) -> &str {
        self.name.as_deref().unwrap_or("_anon_")
    }
}

/// What ends the processing of an extension's (or a nesting level's)
/// conditions after a condition has been evaluated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Break {
    /// Stop when the condition fails (the default).
    #[default]
    OnFalse,
    /// Stop when the condition passes.
    OnTrue,
    /// Stop after this condition whatever its result.
    Always,
    /// Never stop here.
    Never,
}

/// How the `<regex>` children of a `regex="..."` condition combine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegexMode {
    /// Every child must match.
    All,
    /// At least one child must match.
    Any,
    /// Exactly one child must match.
    Xor,
}

/// Where a condition's tested value comes from.
#[derive(Debug, Clone)]
pub enum Field {
    /// A caller profile field named bare (`destination_number`).
    Profile(ProfileField),
    /// Text expanded against channel variables (`${sip_from_host}`).
    Expand(String),
}

/// A `field` tested against an `expression`.
#[derive(Debug, Clone)]
pub struct FieldTest {
    /// What is tested.
    pub field: Field,
    /// The regular expression.
    pub pattern: Pattern,
}

/// One `<regex>` child of a `regex="all|any|xor"` condition.
#[derive(Debug, Clone)]
pub struct RegexItem {
    /// The field test, absent for a time-only or unconditional child.
    pub test: Option<FieldTest>,
    /// Time tests on the child.
    pub time: Option<TimeSpec>,
    /// Where the child was written.
    pub location: Location,
}

/// What a condition tests, besides its time attributes.
#[derive(Debug, Clone)]
pub enum Test {
    /// No field: passes (subject to time attributes).
    Always,
    /// `field` / `expression`.
    Field(FieldTest),
    /// `regex="all|any|xor"` with `<regex>` children.
    Regex(RegexMode, Vec<RegexItem>),
}

/// One `<condition>`.
#[derive(Debug, Clone)]
pub struct Condition {
    /// The field or regex test.
    pub test: Test,
    /// Time attributes, if any; they must pass together with `test`.
    pub time: Option<TimeSpec>,
    /// The `break` attribute.
    pub break_on: Break,
    /// `require-nested`: when false, a failure among the nested conditions
    /// does not make this level fail. Default true.
    pub require_nested: bool,
    /// `<action>`s, run when the condition passes.
    pub actions: Vec<Action>,
    /// `<anti-action>`s, run when it fails.
    pub anti_actions: Vec<Action>,
    /// Nested `<condition>`s, evaluated after this one passes.
    pub nested: Vec<Condition>,
    /// Where the condition was written.
    pub location: Location,
}

/// One `<action>` or `<anti-action>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Action {
    /// Application name (`bridge`, `set`, ...).
    pub application: String,
    /// Application data as written (the `data` attribute or element text).
    pub data: String,
    /// `inline="true"`: executed during the hunt.
    pub inline: bool,
    /// `loop="N"`: how many times the action is added (default 1).
    pub repeat: u32,
    /// Where the action was written.
    pub location: Location,
}
