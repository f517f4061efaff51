//! The directory: tenants (one per SIP domain) and their users, kept in the
//! core store. Every change takes effect at once: the registrar and the
//! B2BUA read the store, nothing is cached across requests.

pub mod commands;
pub mod demo;
mod ha1;
pub mod names;

use crate::store::{Store, StoreError};
use rusqlite::{OptionalExtension, params};
use std::collections::BTreeMap;

pub use ha1::ha1_pair;

/// A user as the directory keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// The extension (user part of the SIP URI).
    pub extension: String,
    /// The tenant's domain.
    pub domain: String,
    /// `H(ext:domain:password)` with MD5, hex.
    pub ha1_md5: String,
    /// `H(ext:domain:password)` with SHA-256, hex.
    pub ha1_sha256: String,
    /// Caller-ID name presented on calls (`effective_caller_id_name`).
    pub caller_id_name: String,
    /// Caller-ID number presented on calls (`effective_caller_id_number`).
    pub caller_id_number: String,
    /// Most concurrent calls; 0 means no limit.
    pub max_calls: u32,
    /// Channel variables set on the user's calls.
    pub variables: BTreeMap<String, String>,
}

/// What a user has besides its name and password.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserSettings {
    /// Caller-ID name; default: the extension.
    pub caller_id_name: Option<String>,
    /// Caller-ID number; default: the extension.
    pub caller_id_number: Option<String>,
    /// Most concurrent calls; 0 means no limit.
    pub max_calls: u32,
    /// Channel variables.
    pub variables: BTreeMap<String, String>,
}

impl UserSettings {
    /// Reads `key=value` words: `caller_id_name` (or
    /// `effective_caller_id_name`), `caller_id_number` (or
    /// `effective_caller_id_number`), `max_calls`; anything else becomes a
    /// channel variable.
    pub fn from_assignments<'a>(
        words: impl IntoIterator<Item = &'a str>,
    ) -> Result<UserSettings, String> {
        let mut settings = UserSettings::default();
        for word in words {
            let (key, value) = word
                .split_once('=')
                .filter(|(k, _)| !k.is_empty())
                .ok_or_else(|| format!("'{word}' is not name=value"))?;
            match key {
                "caller_id_name" | "effective_caller_id_name" => {
                    settings.caller_id_name = Some(value.to_owned())
                }
                "caller_id_number" | "effective_caller_id_number" => {
                    settings.caller_id_number = Some(value.to_owned())
                }
                "max_calls" => {
                    settings.max_calls = value.parse().map_err(|_| {
                        format!("max_calls must be a whole number (0 = no limit), not '{value}'")
                    })?
                }
                _ if key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') => {
                    settings.variables.insert(key.to_owned(), value.to_owned());
                }
                _ => {
                    return Err(format!(
                        "'{key}' is not a variable name (letters, digits and _)"
                    ));
                }
            }
        }
        Ok(settings)
    }
}

/// A tenant and how many users it has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenantSummary {
    /// Its domain.
    pub domain: String,
    /// Its users.
    pub users: u64,
    /// When it was added (RFC 3339).
    pub created_at: String,
}

/// Why a directory change was refused.
#[derive(Debug)]
pub enum DirectoryError {
    /// Input that is not a valid name or value.
    Invalid(String),
    /// The tenant exists already.
    TenantExists(String),
    /// No such tenant.
    NoSuchTenant(String),
    /// The tenant still has users (delete them or force).
    TenantHasUsers(String, u64),
    /// The user exists already.
    UserExists(String),
    /// No such user.
    NoSuchUser(String),
    /// The store failed.
    Store(StoreError),
}

impl std::fmt::Display for DirectoryError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DirectoryError::Invalid(why) => f.write_str(why),
            DirectoryError::TenantExists(d) => write!(f, "tenant {d} exists already"),
            DirectoryError::NoSuchTenant(d) => {
                write!(f, "there is no tenant {d}; add it with 'tenant add {d}'")
            }
            DirectoryError::TenantHasUsers(d, n) => write!(
                f,
                "tenant {d} still has {n} user(s); delete them first or use 'tenant del {d} force'"
            ),
            DirectoryError::UserExists(u) => {
                write!(
                    f,
                    "user {u} exists already; use 'user passwd' to change its password"
                )
            }
            DirectoryError::NoSuchUser(u) => write!(f, "there is no user {u}"),
            DirectoryError::Store(e) => write!(f, "the store failed: {e}"),
        }
    }
}

impl std::error::Error for DirectoryError {}

impl From<StoreError> for DirectoryError {
    fn from(e: StoreError) -> DirectoryError {
        DirectoryError::Store(e)
    }
}

impl From<rusqlite::Error> for DirectoryError {
    fn from(e: rusqlite::Error) -> DirectoryError {
        DirectoryError::Store(StoreError::Sqlite(e))
    }
}

fn now() -> String {
    jiff::Timestamp::now().to_string()
}

/// Whether `domain` is a tenant of this switch.
pub fn is_tenant(store: &Store, domain: &str) -> Result<bool, DirectoryError> {
    let domain = domain.to_ascii_lowercase();
    Ok(store.with_conn(|conn| tenant_exists(conn, &domain))?)
}

fn tenant_exists(conn: &rusqlite::Connection, domain: &str) -> rusqlite::Result<bool> {
    conn.prepare_cached("SELECT 1 FROM tenants WHERE domain = ?1")?
        .query_row([domain], |_| Ok(()))
        .optional()
        .map(|found| found.is_some())
}

/// Adds a tenant.
pub fn add_tenant(store: &Store, domain: &str) -> Result<String, DirectoryError> {
    let domain = names::domain(domain).map_err(DirectoryError::Invalid)?;
    store
        .with_conn(|conn| {
            if tenant_exists(conn, &domain)? {
                return Ok(false);
            }
            conn.execute(
                "INSERT INTO tenants (domain, created_at) VALUES (?1, ?2)",
                params![domain, now()],
            )?;
            Ok(true)
        })?
        .then_some(domain.clone())
        .ok_or(DirectoryError::TenantExists(domain))
}

/// Deletes a tenant; with users only when `force` (they go too). Returns
/// how many users were deleted.
pub fn delete_tenant(store: &Store, domain: &str, force: bool) -> Result<u64, DirectoryError> {
    let domain = names::domain(domain).map_err(DirectoryError::Invalid)?;
    store.with_conn(|conn| {
        let tx = conn.transaction()?;
        if !tenant_exists(&tx, &domain)? {
            return Ok(Err(DirectoryError::NoSuchTenant(domain.clone())));
        }
        let users: i64 = tx.query_row(
            "SELECT count(*) FROM users WHERE domain = ?1",
            [&domain],
            |row| row.get(0),
        )?;
        let users = u64::try_from(users).unwrap_or(0);
        if users > 0 && !force {
            return Ok(Err(DirectoryError::TenantHasUsers(domain.clone(), users)));
        }
        tx.execute("DELETE FROM users WHERE domain = ?1", [&domain])?;
        tx.execute("DELETE FROM tenants WHERE domain = ?1", [&domain])?;
        tx.commit()?;
        Ok(Ok(users))
    })?
}

/// Every tenant with its user count.
pub fn list_tenants(store: &Store) -> Result<Vec<TenantSummary>, DirectoryError> {
    Ok(store.with_conn(|conn| {
        let mut stmt = conn.prepare(
            "SELECT t.domain, count(u.extension), t.created_at FROM tenants t
             LEFT JOIN users u ON u.domain = t.domain GROUP BY t.domain ORDER BY t.domain",
        )?;
        let rows = stmt.query_map([], |row| {
            Ok(TenantSummary {
                domain: row.get(0)?,
                users: u64::try_from(row.get::<_, i64>(1)?).unwrap_or(0),
                created_at: row.get(2)?,
            })
        })?;
        rows.collect()
    })?)
}

/// Adds a user to an existing tenant.
pub fn add_user(
    store: &Store,
    user_at_domain: &str,
    password: &str,
    settings: UserSettings,
) -> Result<User, DirectoryError> {
    let (extension, domain) =
        names::user_at_domain(user_at_domain).map_err(DirectoryError::Invalid)?;
    check_password(password)?;
    let (ha1_md5, ha1_sha256) = ha1_pair(&extension, &domain, password);
    let user = User {
        caller_id_name: settings.caller_id_name.unwrap_or_else(|| extension.clone()),
        caller_id_number: settings
            .caller_id_number
            .unwrap_or_else(|| extension.clone()),
        max_calls: settings.max_calls,
        variables: settings.variables,
        extension,
        domain,
        ha1_md5,
        ha1_sha256,
    };
    let variables = serde_json::to_string(&user.variables).unwrap_or_else(|_| "{}".into());
    let outcome = store.with_conn(|conn| {
        let tx = conn.transaction()?;
        if !tenant_exists(&tx, &user.domain)? {
            return Ok(Err(DirectoryError::NoSuchTenant(user.domain.clone())));
        }
        let inserted = tx.execute(
            "INSERT INTO users (domain, extension, ha1_md5, ha1_sha256, caller_id_name,
                 caller_id_number, max_calls, variables, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) ON CONFLICT DO NOTHING",
            params![
                user.domain,
                user.extension,
                user.ha1_md5,
                user.ha1_sha256,
                user.caller_id_name,
                user.caller_id_number,
                user.max_calls,
                variables,
                now()
            ],
        )?;
        tx.commit()?;
        Ok(if inserted == 1 {
            Ok(())
        } else {
            Err(DirectoryError::UserExists(format!(
                "{}@{}",
                user.extension, user.domain
            )))
        })
    })?;
    outcome.map(|()| user)
}

fn check_password(password: &str) -> Result<(), DirectoryError> {
    if password.is_empty() || password.len() > 256 || password.chars().any(char::is_control) {
        return Err(DirectoryError::Invalid(
            "the password must be 1-256 characters without control characters".into(),
        ));
    }
    Ok(())
}

/// Deletes a user.
pub fn delete_user(store: &Store, user_at_domain: &str) -> Result<(), DirectoryError> {
    let (extension, domain) =
        names::user_at_domain(user_at_domain).map_err(DirectoryError::Invalid)?;
    let deleted = store.with_conn(|conn| {
        conn.execute(
            "DELETE FROM users WHERE domain = ?1 AND extension = ?2",
            params![domain, extension],
        )
    })?;
    if deleted == 1 {
        Ok(())
    } else {
        Err(DirectoryError::NoSuchUser(format!("{extension}@{domain}")))
    }
}

/// Changes a user's password (both HA1s).
pub fn set_password(
    store: &Store,
    user_at_domain: &str,
    password: &str,
) -> Result<(), DirectoryError> {
    let (extension, domain) =
        names::user_at_domain(user_at_domain).map_err(DirectoryError::Invalid)?;
    check_password(password)?;
    let (md5, sha256) = ha1_pair(&extension, &domain, password);
    let updated = store.with_conn(|conn| {
        conn.execute(
            "UPDATE users SET ha1_md5 = ?3, ha1_sha256 = ?4 WHERE domain = ?1 AND extension = ?2",
            params![domain, extension, md5, sha256],
        )
    })?;
    if updated == 1 {
        Ok(())
    } else {
        Err(DirectoryError::NoSuchUser(format!("{extension}@{domain}")))
    }
}

fn user_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<User> {
    let variables: String = row.get(7)?;
    Ok(User {
        domain: row.get(0)?,
        extension: row.get(1)?,
        ha1_md5: row.get(2)?,
        ha1_sha256: row.get(3)?,
        caller_id_name: row.get(4)?,
        caller_id_number: row.get(5)?,
        max_calls: row.get(6)?,
        variables: serde_json::from_str(&variables).unwrap_or_default(),
    })
}

const USER_COLUMNS: &str = "domain, extension, ha1_md5, ha1_sha256, caller_id_name, caller_id_number, max_calls, variables";

/// One user, if it exists.
///
/// Read through the store's soft-state connection, the one the registrar
/// writes bindings with: every REGISTER looks its user up, and a
/// connection keeps its page cache across its own commits but drops it
/// whenever another connection has committed, so reading on the main
/// connection between registrations re-read the pages each time. Reads
/// see what either connection committed.
pub fn find_user(
    store: &Store,
    extension: &str,
    domain: &str,
) -> Result<Option<User>, DirectoryError> {
    let domain = domain.to_ascii_lowercase();
    Ok(store.with_soft_conn(|conn| {
        conn.prepare_cached(&format!(
            "SELECT {USER_COLUMNS} FROM users WHERE domain = ?1 AND extension = ?2"
        ))?
        .query_row(params![domain, extension], user_from_row)
        .optional()
    })?)
}

/// The users of one tenant, or of all.
pub fn list_users(store: &Store, domain: Option<&str>) -> Result<Vec<User>, DirectoryError> {
    let domain = domain
        .map(|d| names::domain(d).map_err(DirectoryError::Invalid))
        .transpose()?;
    Ok(store.with_conn(|conn| {
        let mut stmt = conn.prepare(&format!(
            "SELECT {USER_COLUMNS} FROM users WHERE ?1 IS NULL OR domain = ?1 ORDER BY domain, extension"
        ))?;
        let rows = stmt.query_map([domain], user_from_row)?;
        rows.collect()
    })?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> (Store, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        (Store::open(&dir.path().join("s.db")).unwrap(), dir)
    }

    #[test]
    fn users_need_their_tenant_and_keep_only_hashes() {
        let (store, _dir) = store();
        assert!(matches!(
            add_user(&store, "1001@acme.test", "pw", UserSettings::default()),
            Err(DirectoryError::NoSuchTenant(_))
        ));
        add_tenant(&store, "ACME.test").unwrap();
        assert!(matches!(
            add_tenant(&store, "acme.test"),
            Err(DirectoryError::TenantExists(_))
        ));
        let settings =
            UserSettings::from_assignments(["caller_id_name=Alice", "max_calls=2", "language=fr"])
                .unwrap();
        let user = add_user(&store, "1001@acme.test", "s3cret", settings).unwrap();
        assert_eq!(user.ha1_md5, ha1_pair("1001", "acme.test", "s3cret").0);
        let found = find_user(&store, "1001", "Acme.Test").unwrap().unwrap();
        assert_eq!(found, user);
        assert_eq!(found.caller_id_name, "Alice");
        assert_eq!(found.caller_id_number, "1001");
        assert_eq!(found.variables["language"], "fr");
        assert!(matches!(
            add_user(&store, "1001@acme.test", "x", UserSettings::default()),
            Err(DirectoryError::UserExists(_))
        ));
        let stored: Vec<String> = store
            .with_conn(|c| {
                let mut s = c.prepare("SELECT * FROM users")?;
                let n = s.column_count();
                s.query_map([], |r| {
                    (0..n)
                        .map(|i| {
                            r.get::<_, rusqlite::types::Value>(i)
                                .map(|v| format!("{v:?}"))
                        })
                        .collect::<rusqlite::Result<Vec<_>>>()
                })?
                .collect::<rusqlite::Result<Vec<_>>>()
            })
            .unwrap()
            .concat();
        assert!(
            !stored.iter().any(|v| v.contains("s3cret")),
            "the password is never stored"
        );
    }

    #[test]
    fn password_changes_replace_both_hashes() {
        let (store, _dir) = store();
        add_tenant(&store, "acme.test").unwrap();
        add_user(&store, "1001@acme.test", "old", UserSettings::default()).unwrap();
        set_password(&store, "1001@acme.test", "new").unwrap();
        let user = find_user(&store, "1001", "acme.test").unwrap().unwrap();
        assert_eq!(
            (user.ha1_md5, user.ha1_sha256),
            ha1_pair("1001", "acme.test", "new")
        );
        assert!(matches!(
            set_password(&store, "9@acme.test", "x"),
            Err(DirectoryError::NoSuchUser(_))
        ));
    }

    #[test]
    fn tenants_with_users_are_deleted_only_by_force() {
        let (store, _dir) = store();
        add_tenant(&store, "a.test").unwrap();
        add_tenant(&store, "b.test").unwrap();
        add_user(&store, "1@a.test", "p", UserSettings::default()).unwrap();
        add_user(&store, "1@b.test", "p", UserSettings::default()).unwrap();
        assert!(matches!(
            delete_tenant(&store, "a.test", false),
            Err(DirectoryError::TenantHasUsers(_, 1))
        ));
        assert_eq!(delete_tenant(&store, "a.test", true).unwrap(), 1);
        let tenants = list_tenants(&store).unwrap();
        assert_eq!(tenants.len(), 1);
        assert_eq!(
            (tenants[0].domain.as_str(), tenants[0].users),
            ("b.test", 1)
        );
        assert_eq!(list_users(&store, None).unwrap().len(), 1);
        assert!(
            find_user(&store, "1", "a.test").unwrap().is_none(),
            "users of another tenant are separate"
        );
        delete_user(&store, "1@b.test").unwrap();
        assert!(matches!(
            delete_user(&store, "1@b.test"),
            Err(DirectoryError::NoSuchUser(_))
        ));
    }

    #[test]
    fn settings_words_are_checked() {
        assert!(UserSettings::from_assignments(["max_calls=many"]).is_err());
        assert!(UserSettings::from_assignments(["novalue"]).is_err());
        assert!(UserSettings::from_assignments(["bad-name=1"]).is_err());
        let s = UserSettings::from_assignments(["effective_caller_id_number=+15551234"]).unwrap();
        assert_eq!(s.caller_id_number.as_deref(), Some("+15551234"));
    }
}
