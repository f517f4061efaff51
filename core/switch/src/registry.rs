//! A named registry of callables owned by the core or by a module: API
//! commands and dialplan applications both live in one.
//!
//! Each entry counts the calls running through it, so that a module can be
//! unloaded only when none of its entries is in use. The count is taken
//! under the registry's read lock and checked under its write lock, so an
//! unload can never slip between a lookup and the call it starts.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, RwLock, RwLockWriteGuard};

/// The owner name of entries registered by the core itself.
pub const CORE_OWNER: &str = "core";

/// One registered callable.
pub struct Entry<H> {
    /// Its name (unique in the registry).
    pub name: String,
    /// One line saying what it does.
    pub description: String,
    /// How to call it.
    pub syntax: String,
    /// `core` or the owning module's name.
    pub owner: String,
    /// What runs.
    pub handler: H,
    in_flight: AtomicUsize,
}

impl<H> Entry<H> {
    /// Creates an entry.
    pub fn new(name: &str, description: &str, syntax: &str, owner: &str, handler: H) -> Entry<H> {
        Entry {
            name: name.to_owned(),
            description: description.to_owned(),
            syntax: syntax.to_owned(),
            owner: owner.to_owned(),
            handler,
            in_flight: AtomicUsize::new(0),
        }
    }

    /// How many calls through this entry are running now.
    pub fn in_flight(&self) -> usize {
        self.in_flight.load(Ordering::SeqCst)
    }
}

/// Holds an entry "in use" until dropped.
pub struct InUse<H> {
    entry: Arc<Entry<H>>,
}

impl<H> std::ops::Deref for InUse<H> {
    type Target = Entry<H>;
    fn deref(&self) -> &Entry<H> {
        &self.entry
    }
}

impl<H> Drop for InUse<H> {
    fn drop(&mut self) {
        self.entry.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Why a registration failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegisterError {
    /// The name is empty, too long or contains whitespace or control characters.
    BadName(String),
    /// The name is taken, by this owner.
    Exists {
        /// The name.
        name: String,
        /// Who has it.
        owner: String,
    },
}

impl std::fmt::Display for RegisterError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RegisterError::BadName(name) => write!(
                f,
                "'{name}' is not a valid name (1-64 characters, no spaces or control characters)"
            ),
            RegisterError::Exists { name, owner } => {
                write!(f, "'{name}' is already registered by {owner}")
            }
        }
    }
}

impl std::error::Error for RegisterError {}

/// A registry of entries by name.
pub struct Registry<H> {
    entries: RwLock<BTreeMap<String, Arc<Entry<H>>>>,
}

impl<H> Default for Registry<H> {
    fn default() -> Self {
        Registry {
            entries: RwLock::new(BTreeMap::new()),
        }
    }
}

impl<H> Registry<H> {
    /// Adds an entry; names are unique.
    pub fn register(&self, entry: Entry<H>) -> Result<(), RegisterError> {
        if !valid_name(&entry.name) {
            return Err(RegisterError::BadName(entry.name));
        }
        let mut entries = self.write();
        if let Some(existing) = entries.get(&entry.name) {
            return Err(RegisterError::Exists {
                name: entry.name,
                owner: existing.owner.clone(),
            });
        }
        entries.insert(entry.name.clone(), Arc::new(entry));
        Ok(())
    }

    /// Looks an entry up and marks it in use until the guard drops.
    pub fn acquire(&self, name: &str) -> Option<InUse<H>> {
        let entries = self.entries.read().unwrap_or_else(|p| p.into_inner());
        let entry = entries.get(name)?;
        entry.in_flight.fetch_add(1, Ordering::SeqCst);
        Some(InUse {
            entry: Arc::clone(entry),
        })
    }

    /// Every entry, sorted by name.
    pub fn list(&self) -> Vec<Arc<Entry<H>>> {
        self.entries
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .values()
            .cloned()
            .collect()
    }

    /// Whether `name` is registered.
    pub fn contains(&self, name: &str) -> bool {
        self.entries
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .contains_key(name)
    }

    /// Locks the registry for a removal decision (see [`remove_owner`]).
    pub fn write(&self) -> RwLockWriteGuard<'_, BTreeMap<String, Arc<Entry<H>>>> {
        self.entries.write().unwrap_or_else(|p| p.into_inner())
    }
}

/// Names of `owner`'s entries that are running now.
pub fn busy_entries<H>(entries: &BTreeMap<String, Arc<Entry<H>>>, owner: &str) -> Vec<String> {
    entries
        .values()
        .filter(|e| e.owner == owner && e.in_flight() > 0)
        .map(|e| e.name.clone())
        .collect()
}

/// Removes all of `owner`'s entries; returns how many.
pub fn remove_owner<H>(entries: &mut BTreeMap<String, Arc<Entry<H>>>, owner: &str) -> usize {
    let before = entries.len();
    entries.retain(|_, e| e.owner != owner);
    before - entries.len()
}

fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && !name
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == ',')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_validated() {
        let registry: Registry<()> = Registry::default();
        registry
            .register(Entry::new("status", "d", "s", CORE_OWNER, ()))
            .unwrap();
        assert_eq!(
            registry.register(Entry::new("status", "d", "s", "mod_x", ())),
            Err(RegisterError::Exists {
                name: "status".into(),
                owner: "core".into()
            })
        );
        for bad in ["", "two words", "comma,name", "tab\t"] {
            assert!(matches!(
                registry.register(Entry::new(bad, "", "", "mod_x", ())),
                Err(RegisterError::BadName(_))
            ));
        }
    }

    #[test]
    fn in_use_entries_block_their_owner_until_released() {
        let registry: Registry<()> = Registry::default();
        registry
            .register(Entry::new("slow", "", "", "mod_x", ()))
            .unwrap();
        registry
            .register(Entry::new("other", "", "", "mod_y", ()))
            .unwrap();
        let guard = registry.acquire("slow").unwrap();
        assert_eq!(busy_entries(&registry.write(), "mod_x"), ["slow"]);
        assert!(busy_entries(&registry.write(), "mod_y").is_empty());
        drop(guard);
        assert!(busy_entries(&registry.write(), "mod_x").is_empty());
        assert_eq!(remove_owner(&mut registry.write(), "mod_x"), 1);
        assert!(registry.acquire("slow").is_none());
        assert!(registry.contains("other"));
    }
}
