//! The `db` store: values in the core database (`db_data`, committed with
//! full synchronous writes), so they survive restarts.

use crate::store::{Store, StoreError};
use rusqlite::{OptionalExtension, params};

/// Sets a value.
pub fn insert(
    store: &Store,
    tenant: &str,
    realm: &str,
    key: &str,
    value: &str,
) -> Result<(), StoreError> {
    store.with_conn(|conn| {
        conn.prepare_cached(
            "INSERT INTO db_data (tenant, realm, key, value) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (tenant, realm, key) DO UPDATE SET value = excluded.value",
        )?
        .execute(params![tenant, realm, key, value])
        .map(|_| ())
    })
}

/// Sets a value only when none is set; true when it was set.
pub fn insert_if_empty(
    store: &Store,
    tenant: &str,
    realm: &str,
    key: &str,
    value: &str,
) -> Result<bool, StoreError> {
    store.with_conn(|conn| {
        conn.prepare_cached(
            "INSERT INTO db_data (tenant, realm, key, value) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (tenant, realm, key) DO NOTHING",
        )?
        .execute(params![tenant, realm, key, value])
        .map(|n| n > 0)
    })
}

/// The value, if set.
pub fn select(
    store: &Store,
    tenant: &str,
    realm: &str,
    key: &str,
) -> Result<Option<String>, StoreError> {
    store.with_conn(|conn| {
        conn.prepare_cached(
            "SELECT value FROM db_data WHERE tenant = ?1 AND realm = ?2 AND key = ?3",
        )?
        .query_row(params![tenant, realm, key], |row| row.get(0))
        .optional()
    })
}

/// Removes a value (only when it equals `only_if`, when given); true when
/// a row went.
pub fn delete(
    store: &Store,
    tenant: &str,
    realm: &str,
    key: &str,
    only_if: Option<&str>,
) -> Result<bool, StoreError> {
    store.with_conn(|conn| {
        let n = match only_if {
            None => conn
                .prepare_cached(
                    "DELETE FROM db_data WHERE tenant = ?1 AND realm = ?2 AND key = ?3",
                )?
                .execute(params![tenant, realm, key])?,
            Some(value) => conn
                .prepare_cached(
                    "DELETE FROM db_data
                     WHERE tenant = ?1 AND realm = ?2 AND key = ?3 AND value = ?4",
                )?
                .execute(params![tenant, realm, key, value])?,
        };
        Ok(n > 0)
    })
}

/// The keys of a realm, sorted.
pub fn keys(store: &Store, tenant: &str, realm: &str) -> Result<Vec<String>, StoreError> {
    store.with_conn(|conn| {
        let mut statement = conn.prepare_cached(
            "SELECT key FROM db_data WHERE tenant = ?1 AND realm = ?2 ORDER BY key",
        )?;
        let rows = statement.query_map(params![tenant, realm], |row| row.get(0))?;
        rows.collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_persist_per_tenant() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("switchyard.db");
        {
            let store = Store::open(&path).unwrap();
            insert(&store, "a.test", "r", "k", "1").unwrap();
            insert(&store, "a.test", "r", "k", "2").unwrap();
            insert(&store, "b.test", "r", "k", "3").unwrap();
            assert!(!insert_if_empty(&store, "a.test", "r", "k", "9").unwrap());
            assert!(insert_if_empty(&store, "a.test", "r", "j", "4").unwrap());
        }
        let store = Store::open(&path).unwrap();
        assert_eq!(
            select(&store, "a.test", "r", "k").unwrap().as_deref(),
            Some("2")
        );
        assert_eq!(
            select(&store, "b.test", "r", "k").unwrap().as_deref(),
            Some("3")
        );
        assert_eq!(select(&store, "", "r", "k").unwrap(), None);
        assert_eq!(keys(&store, "a.test", "r").unwrap(), ["j", "k"]);
        assert!(!delete(&store, "a.test", "r", "k", Some("1")).unwrap());
        assert!(delete(&store, "a.test", "r", "k", Some("2")).unwrap());
        assert!(delete(&store, "a.test", "r", "j", None).unwrap());
        assert!(!delete(&store, "a.test", "r", "j", None).unwrap());
        assert_eq!(
            select(&store, "b.test", "r", "k").unwrap().as_deref(),
            Some("3")
        );
    }
}
