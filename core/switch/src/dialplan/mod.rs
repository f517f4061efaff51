//! The XML dialplan engine, in FreeSWITCH's schema.
//!
//! A [`Dialplan`] holds contexts loaded from every `*.xml` file of a
//! directory (`CONF_DIR/dialplan`), read in sorted file-name order; a context
//! that appears in several files gets the extensions of each appended in that
//! order. Loading collects every problem as a [`DialplanError`]
//! (`file:line: what is wrong`) and refuses the whole plan if there is any, so
//! `reloadxml` can keep the previous plan.
//!
//! [`Dialplan::hunt`] evaluates a caller profile and channel variables at an
//! injected instant and returns the actions to run ([`Hunt`]); it knows
//! nothing about channels. A `Dialplan` is immutable and `Send + Sync`: share
//! it behind an `Arc` and swap the `Arc` to reload atomically, so calls keep
//! the plan they started with.
//!
//! Files: `model` (the types), `parse` (XML → model), `pattern` (compiled
//! expressions), `expand` (`${var}` and `$1`), `time` (time conditions),
//! `index` (skipping extensions that cannot match), `evaluate` (the hunt),
//! `profile` (caller profile), `truth` (boolean words), `error`.

mod error;
mod evaluate;
mod expand;
mod index;
mod model;
mod parse;
mod pattern;
mod profile;
mod time;
mod truth;

#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::path::Path;

pub use error::{DialplanError, HuntError};
pub use evaluate::{Hunt, HuntRequest, InlineAction, PlannedAction};
pub use expand::{NoVariables, Variables, VariablesFn, expand, substitute_captures};
pub use model::{
    Action, Break, Condition, Context, Extension, Field, FieldTest, Location, RegexItem, RegexMode,
    Test,
};
pub use pattern::{Captures, Pattern};
pub use profile::{CallerProfile, ProfileField};
pub use time::{Now, TimeSpec};
pub use truth::{is_true, parse_bool};

use index::HuntIndex;

/// Loads every `*.xml` file in `dir` (see [`Dialplan::load_dir`]).
pub fn load_dir(dir: impl AsRef<Path>) -> Result<Dialplan, Vec<DialplanError>> {
    Dialplan::load_dir(dir)
}

/// A loaded dialplan: contexts by name, each with its hunt index.
#[derive(Debug, Clone, Default)]
pub struct Dialplan {
    contexts: HashMap<String, (Context, HuntIndex)>,
    order: Vec<String>,
}

impl Dialplan {
    /// Loads every `*.xml` file in `dir`, in sorted file-name order.
    /// Returns all problems found if there is any.
    pub fn load_dir(dir: impl AsRef<Path>) -> Result<Dialplan, Vec<DialplanError>> {
        let dir = dir.as_ref();
        let shown = dir.display().to_string();
        let entries = std::fs::read_dir(dir).map_err(|e| {
            vec![DialplanError::new(
                &shown,
                0,
                format!("cannot read dialplan directory: {e}"),
            )]
        })?;
        let mut errors = Vec::new();
        let mut paths = Vec::new();
        for entry in entries {
            match entry {
                Ok(entry) => {
                    let path = entry.path();
                    if path.extension().is_some_and(|e| e == "xml") && path.is_file() {
                        paths.push(path);
                    }
                }
                Err(e) => errors.push(DialplanError::new(
                    &shown,
                    0,
                    format!("cannot list dialplan directory: {e}"),
                )),
            }
        }
        paths.sort();
        let mut sources = Vec::with_capacity(paths.len());
        for path in paths {
            let name = path.display().to_string();
            match std::fs::read_to_string(&path) {
                Ok(text) => sources.push((name, text)),
                Err(e) => errors.push(DialplanError::new(
                    name,
                    0,
                    format!("cannot read file: {e}"),
                )),
            }
        }
        let loaded = Dialplan::from_sources(sources.iter().map(|(n, t)| (n.as_str(), t.as_str())));
        match loaded {
            Ok(plan) if errors.is_empty() => Ok(plan),
            Ok(_) => Err(errors),
            Err(mut more) => {
                errors.append(&mut more);
                Err(errors)
            }
        }
    }

    /// Builds a dialplan from `(file name, XML text)` pairs, in the order given.
    pub fn from_sources<'s>(
        sources: impl IntoIterator<Item = (&'s str, &'s str)>,
    ) -> Result<Dialplan, Vec<DialplanError>> {
        let mut errors = Vec::new();
        let mut merged: Vec<Context> = Vec::new();
        for (file, text) in sources {
            for ctx in parse::parse_file(file, text, &mut errors) {
                match merged.iter_mut().find(|c| c.name == ctx.name) {
                    Some(existing) => existing.extensions.extend(ctx.extensions),
                    None => merged.push(ctx),
                }
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let mut plan = Dialplan::default();
        for ctx in merged {
            let index = HuntIndex::build(&ctx.extensions);
            plan.order.push(ctx.name.clone());
            plan.contexts.insert(ctx.name.clone(), (ctx, index));
        }
        Ok(plan)
    }

    /// Builds a dialplan from one XML text (`file` names it in errors).
    pub fn parse_str(file: &str, text: &str) -> Result<Dialplan, Vec<DialplanError>> {
        Dialplan::from_sources([(file, text)])
    }

    /// The context named `name`.
    pub fn context(&self, name: &str) -> Option<&Context> {
        self.contexts.get(name).map(|(c, _)| c)
    }

    /// Context names in the order they were first defined.
    pub fn context_names(&self) -> impl Iterator<Item = &str> {
        self.order.iter().map(String::as_str)
    }

    /// Hunts the caller's context (falling back to `global`, as FreeSWITCH
    /// does) and returns the actions to run.
    pub fn hunt(&self, request: HuntRequest<'_>) -> Result<Hunt, HuntError> {
        let (context, index) =
            evaluate::choose_context(&request.profile.context, |n| self.contexts.get(n))?;
        Ok(evaluate::hunt_context(context, index, request))
    }
}
