//! The `hash` store: values in memory, gone at restart, keyed by tenant,
//! realm and key.

use std::collections::HashMap;
use std::sync::Mutex;

type Key = (String, String, String);

/// The in-memory store of `hash`.
#[derive(Debug, Default)]
pub struct HashStore {
    entries: Mutex<HashMap<Key, String>>,
}

fn key(tenant: &str, realm: &str, name: &str) -> Key {
    (tenant.to_owned(), realm.to_owned(), name.to_owned())
}

impl HashStore {
    /// An empty store.
    pub fn new() -> HashStore {
        HashStore::default()
    }

    /// Sets a value.
    pub fn insert(&self, tenant: &str, realm: &str, name: &str, value: &str) {
        self.lock()
            .insert(key(tenant, realm, name), value.to_owned());
    }

    /// Sets a value only when none is set; true when it was set.
    pub fn insert_if_empty(&self, tenant: &str, realm: &str, name: &str, value: &str) -> bool {
        let mut entries = self.lock();
        let slot = entries.entry(key(tenant, realm, name));
        match slot {
            std::collections::hash_map::Entry::Occupied(_) => false,
            std::collections::hash_map::Entry::Vacant(v) => {
                v.insert(value.to_owned());
                true
            }
        }
    }

    /// The value, if set.
    pub fn select(&self, tenant: &str, realm: &str, name: &str) -> Option<String> {
        self.lock().get(&key(tenant, realm, name)).cloned()
    }

    /// Removes a value; true when there was one.
    pub fn delete(&self, tenant: &str, realm: &str, name: &str) -> bool {
        self.lock().remove(&key(tenant, realm, name)).is_some()
    }

    /// Removes a value only when it equals `value`; true when removed.
    pub fn delete_if_match(&self, tenant: &str, realm: &str, name: &str, value: &str) -> bool {
        let mut entries = self.lock();
        let k = key(tenant, realm, name);
        if entries.get(&k).is_some_and(|v| v == value) {
            entries.remove(&k);
            true
        } else {
            false
        }
    }

    /// The keys of a realm, sorted.
    pub fn keys(&self, tenant: &str, realm: &str) -> Vec<String> {
        let mut keys: Vec<String> = self
            .lock()
            .keys()
            .filter(|(t, r, _)| t == tenant && r == realm)
            .map(|(_, _, k)| k.clone())
            .collect();
        keys.sort();
        keys
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Key, String>> {
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tenants_are_separate_name_spaces() {
        let store = HashStore::new();
        store.insert("a.test", "r", "k", "1");
        store.insert("b.test", "r", "k", "2");
        assert_eq!(store.select("a.test", "r", "k").as_deref(), Some("1"));
        assert_eq!(store.select("b.test", "r", "k").as_deref(), Some("2"));
        assert_eq!(store.select("", "r", "k"), None);
        assert!(store.delete("a.test", "r", "k"));
        assert!(!store.delete("a.test", "r", "k"));
        assert_eq!(store.select("b.test", "r", "k").as_deref(), Some("2"));
    }

    #[test]
    fn conditional_insert_and_delete() {
        let store = HashStore::new();
        assert!(store.insert_if_empty("t", "r", "k", "1"));
        assert!(!store.insert_if_empty("t", "r", "k", "2"));
        assert_eq!(store.select("t", "r", "k").as_deref(), Some("1"));
        assert!(!store.delete_if_match("t", "r", "k", "2"));
        assert!(store.delete_if_match("t", "r", "k", "1"));
        store.insert("t", "r", "b", "x");
        store.insert("t", "r", "a", "x");
        store.insert("t", "other", "c", "x");
        assert_eq!(store.keys("t", "r"), ["a", "b"]);
    }
}
