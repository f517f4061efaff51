//! Hunt index: skips extensions that cannot match without evaluating them.
//!
//! An extension whose first condition tests a caller profile field against
//! an anchored literal (`^1001$`, `^(1001)$`, `^(?:1001|1002)$`), has no
//! time attributes, breaks on failure and has no anti-actions does nothing at
//! all when that literal differs from the field: no actions, no inline
//! effects, no match. Such extensions are filed under their literals, so a
//! hunt visits only them when the value is right, plus every extension that
//! cannot be filed this way, in their original order.

use std::collections::HashMap;

use super::model::{Break, Extension, Field, Test};
use super::profile::{CallerProfile, ProfileField};

/// Per-context lookup structures, built once at load.
#[derive(Debug, Clone, Default)]
pub struct HuntIndex {
    /// Extensions that must always be evaluated, ascending.
    always: Vec<usize>,
    /// For each gating field: literal value → extensions, ascending.
    exact: Vec<(ProfileField, HashMap<String, Vec<usize>>)>,
    /// First extension with each name (for `auto_hunt`).
    by_name: HashMap<String, usize>,
}

impl HuntIndex {
    /// Builds the index of a context's extensions.
    pub fn build(extensions: &[Extension]) -> HuntIndex {
        let mut index = HuntIndex::default();
        for (i, ext) in extensions.iter().enumerate() {
            if let Some(name) = &ext.name {
                index.by_name.entry(name.clone()).or_insert(i);
            }
            match gate(ext) {
                Some((field, literals)) => {
                    let slot = match index.exact.iter().position(|(f, _)| *f == field) {
                        Some(p) => p,
                        None => {
                            index.exact.push((field, HashMap::new()));
                            index.exact.len() - 1
                        }
                    };
                    if let Some((_, map)) = index.exact.get_mut(slot) {
                        for lit in literals {
                            let list = map.entry(lit.clone()).or_default();
                            if list.last() != Some(&i) {
                                list.push(i);
                            }
                        }
                    }
                }
                None => index.always.push(i),
            }
        }
        index
    }

    /// Position of the first extension named `name`.
    pub fn position_of(&self, name: &str) -> Option<usize> {
        self.by_name.get(name).copied()
    }

    /// Extensions worth evaluating for `profile`, in dialplan order, from `start` on.
    pub fn candidates<'a>(&'a self, profile: &CallerProfile, start: usize) -> Candidates<'a> {
        let mut lists: Vec<&'a [usize]> = Vec::with_capacity(1 + self.exact.len());
        let from = |l: &'a [usize]| &l[l.partition_point(|&i| i < start)..];
        lists.push(from(&self.always));
        for (field, map) in &self.exact {
            if let Some(l) = map.get(profile.get(*field)) {
                lists.push(from(l));
            }
        }
        Candidates { lists }
    }
}

/// The gating field and literals of an extension, if it has them.
fn gate(ext: &Extension) -> Option<(ProfileField, &[String])> {
    let first = ext.conditions.first()?;
    if first.time.is_some()
        || !first.anti_actions.is_empty()
        || !matches!(first.break_on, Break::OnFalse | Break::Always)
    {
        return None;
    }
    let Test::Field(test) = &first.test else {
        return None;
    };
    let Field::Profile(field) = test.field else {
        return None;
    };
    Some((field, test.pattern.exact_literals()?))
}

/// Merges the index's ascending lists into one ascending sequence.
#[derive(Debug)]
pub struct Candidates<'a> {
    lists: Vec<&'a [usize]>,
}

impl Iterator for Candidates<'_> {
    type Item = usize;

    fn next(&mut self) -> Option<usize> {
        let mut best: Option<(usize, usize)> = None;
        for (slot, list) in self.lists.iter().enumerate() {
            if let Some(&head) = list.first()
                && best.is_none_or(|(_, b)| head < b)
            {
                best = Some((slot, head));
            }
        }
        let (slot, value) = best?;
        if let Some(list) = self.lists.get_mut(slot) {
            *list = list.get(1..).unwrap_or_default();
        }
        Some(value)
    }
}
