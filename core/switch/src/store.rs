//! The core's SQLite store (`DATA_DIR/switchyard.db`): WAL mode, full
//! synchronous commits, and versioned migrations recorded in
//! `PRAGMA user_version`.
//!
//! Each migration runs in its own transaction; a database written by a newer
//! Switchyard (a higher version than this build knows) is refused rather than
//! silently misread.

use rusqlite::{Connection, OptionalExtension, params};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

/// The migrations, in order; migration `i` brings the schema to version `i + 1`.
/// Released migrations are never edited: new ones are appended.
const MIGRATIONS: &[&str] = &[
    // 1: facts about this installation.
    "CREATE TABLE core_meta (
        key   TEXT PRIMARY KEY NOT NULL,
        value TEXT NOT NULL
    ) STRICT;",
    // 2: the directory: tenants (SIP domains) and their users. Passwords are
    // never stored, only the digest HA1 of each supported algorithm.
    "CREATE TABLE tenants (
        domain     TEXT PRIMARY KEY NOT NULL,
        created_at TEXT NOT NULL
    ) STRICT;
    CREATE TABLE users (
        domain           TEXT NOT NULL REFERENCES tenants (domain) ON DELETE CASCADE,
        extension        TEXT NOT NULL,
        ha1_md5          TEXT NOT NULL,
        ha1_sha256       TEXT NOT NULL,
        caller_id_name   TEXT NOT NULL,
        caller_id_number TEXT NOT NULL,
        max_calls        INTEGER NOT NULL,
        variables        TEXT NOT NULL,
        created_at       TEXT NOT NULL,
        PRIMARY KEY (domain, extension)
    ) STRICT;",
    // 3: the registrar's location service: one row per contact bound to a
    // user (RFC 3261 §10.3). Times are Unix seconds; rows whose `expires_at`
    // has passed are ignored by every query and purged periodically. A
    // user's bindings go with the user.
    "CREATE TABLE registrations (
        domain       TEXT NOT NULL,
        extension    TEXT NOT NULL,
        contact      TEXT NOT NULL,
        expires_at   INTEGER NOT NULL,
        q            INTEGER,
        call_id      TEXT NOT NULL,
        cseq         INTEGER NOT NULL,
        network_addr TEXT NOT NULL,
        transport    TEXT NOT NULL,
        user_agent   TEXT NOT NULL,
        created_at   INTEGER NOT NULL,
        updated_at   INTEGER NOT NULL,
        PRIMARY KEY (domain, extension, contact),
        FOREIGN KEY (domain, extension) REFERENCES users (domain, extension) ON DELETE CASCADE
    ) STRICT;
    CREATE INDEX registrations_by_expiry ON registrations (expires_at);",
    // 4: call detail records, one row per leg (crate::channel::cdr). Times
    // are microseconds since the Unix epoch (UTC); answer_stamp is NULL for
    // a leg never answered; duration and billsec are whole seconds computed
    // as FreeSWITCH does. No foreign key to tenants: a CDR outlives its
    // tenant, for billing.
    "CREATE TABLE cdrs (
        uuid               TEXT PRIMARY KEY NOT NULL,
        domain             TEXT NOT NULL,
        direction          TEXT NOT NULL CHECK (direction IN ('inbound', 'outbound')),
        channel_name       TEXT NOT NULL,
        caller_id_name     TEXT NOT NULL,
        caller_id_number   TEXT NOT NULL,
        destination_number TEXT NOT NULL,
        context            TEXT NOT NULL,
        network_addr       TEXT NOT NULL,
        start_stamp        INTEGER NOT NULL,
        answer_stamp       INTEGER,
        end_stamp          INTEGER NOT NULL,
        duration           INTEGER NOT NULL,
        billsec            INTEGER NOT NULL,
        hangup_cause       TEXT NOT NULL,
        hangup_cause_q850  INTEGER NOT NULL,
        sip_hangup_code    INTEGER,
        gateway            TEXT,
        other_leg_uuid     TEXT,
        bridged            INTEGER NOT NULL CHECK (bridged IN (0, 1))
    ) STRICT;
    CREATE INDEX cdrs_by_domain_end ON cdrs (domain COLLATE NOCASE, end_stamp);
    CREATE INDEX cdrs_by_end ON cdrs (end_stamp);",
    // 5: gateways (trunks) and DIDs (crate::gateway). A gateway's password
    // is kept as given, unlike a user's: the realm of the provider's
    // challenge is not known in advance, so no HA1 can be computed. It is
    // never printed. A gateway with a tenant is private to it (NULL: shared
    // by all tenants); a DID puts calls for its number in its tenant and
    // dialplan context, from any gateway or (`gateway`) only from one.
    "CREATE TABLE gateways (
        name              TEXT PRIMARY KEY NOT NULL,
        proxy             TEXT NOT NULL,
        transport         TEXT NOT NULL DEFAULT 'udp' CHECK (transport IN ('udp', 'tcp')),
        username          TEXT,
        password          TEXT,
        realm             TEXT,
        from_domain       TEXT,
        register          INTEGER NOT NULL DEFAULT 0 CHECK (register IN (0, 1)),
        expires           INTEGER NOT NULL DEFAULT 3600 CHECK (expires BETWEEN 60 AND 86400),
        retry_seconds     INTEGER NOT NULL DEFAULT 30 CHECK (retry_seconds BETWEEN 5 AND 3600),
        caller_id_in_from INTEGER NOT NULL DEFAULT 0 CHECK (caller_id_in_from IN (0, 1)),
        tenant            TEXT REFERENCES tenants (domain) ON DELETE CASCADE,
        created_at        TEXT NOT NULL,
        CHECK (register = 0 OR (username IS NOT NULL AND password IS NOT NULL))
    ) STRICT;
    CREATE INDEX gateways_by_tenant ON gateways (tenant);
    CREATE TABLE dids (
        number     TEXT PRIMARY KEY NOT NULL,
        domain     TEXT NOT NULL REFERENCES tenants (domain) ON DELETE CASCADE,
        context    TEXT NOT NULL,
        gateway    TEXT REFERENCES gateways (name) ON DELETE CASCADE,
        created_at TEXT NOT NULL
    ) STRICT;
    CREATE INDEX dids_by_domain ON dids (domain);
    CREATE INDEX dids_by_gateway ON dids (gateway);",
    // 6: per-leg media statistics in the CDR (crate::channel::cdr), from the
    // leg's rtp_* channel variables; NULL for a leg without anchored media.
    "ALTER TABLE cdrs ADD COLUMN read_codec TEXT;
    ALTER TABLE cdrs ADD COLUMN rtp_in_packets INTEGER;
    ALTER TABLE cdrs ADD COLUMN rtp_out_packets INTEGER;
    ALTER TABLE cdrs ADD COLUMN rtp_in_skipped INTEGER;
    ALTER TABLE cdrs ADD COLUMN rtp_in_flaws INTEGER;
    ALTER TABLE cdrs ADD COLUMN rtp_in_mos REAL;",
    // 7: the `db` application's key-value store (crate::kv::db), per
    // tenant. No foreign key: the API's own name space is the empty
    // tenant, which is no tenant row.
    "CREATE TABLE db_data (
        tenant TEXT NOT NULL,
        realm  TEXT NOT NULL,
        key    TEXT NOT NULL,
        value  TEXT NOT NULL,
        PRIMARY KEY (tenant, realm, key)
    ) STRICT;",
];

/// Why the store could not be opened or used.
#[derive(Debug)]
pub enum StoreError {
    /// SQLite failed.
    Sqlite(rusqlite::Error),
    /// The database was written by a newer Switchyard.
    TooNew {
        /// Version found in the file.
        found: i64,
        /// Newest version this build knows.
        known: i64,
    },
}

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StoreError::Sqlite(e) => write!(f, "{e}"),
            StoreError::TooNew { found, known } => write!(
                f,
                "the database has schema version {found} but this Switchyard knows only up to {known}; \
                 run the newer Switchyard that wrote it, or restore a backup"
            ),
        }
    }
}

impl std::error::Error for StoreError {}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> StoreError {
        StoreError::Sqlite(e)
    }
}

/// The core database.
///
/// Two connections to one file: the main one commits with
/// `synchronous = FULL` (a committed row survives power loss: the directory,
/// and later CDRs); the soft-state one with `synchronous = NORMAL` (survives
/// a crash of the switch, not of the machine) for registrations, which
/// phones refresh every few minutes anyway. Measured here: an fsync per
/// REGISTER held the registrar to about 1,500 registrations per second;
/// without it, about 4,000 (docs/BENCHMARKS.md).
pub struct Store {
    path: PathBuf,
    conn: Mutex<Connection>,
    soft: Mutex<Connection>,
}

impl Store {
    /// Opens (creating if needed) the database at `path` and migrates it.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        let conn = Connection::open(path)?;
        configure(&conn)?;
        migrate(&conn, MIGRATIONS)?;
        let soft = Connection::open(path)?;
        configure(&soft)?;
        soft.execute_batch("PRAGMA synchronous = NORMAL;")?;
        // The registrar alone caches about a dozen statements per connection.
        conn.set_prepared_statement_cache_capacity(64);
        soft.set_prepared_statement_cache_capacity(64);
        let store = Store {
            path: path.to_owned(),
            conn: Mutex::new(conn),
            soft: Mutex::new(soft),
        };
        store.record_start()?;
        Ok(store)
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The schema version in force.
    pub fn schema_version(&self) -> Result<i64, StoreError> {
        Ok(self
            .conn()
            .query_row("PRAGMA user_version", [], |row| row.get(0))?)
    }

    /// Reads a `core_meta` value.
    pub fn meta(&self, key: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .conn()
            .query_row("SELECT value FROM core_meta WHERE key = ?1", [key], |row| {
                row.get(0)
            })
            .optional()?)
    }

    /// Runs `f` with the connection (serialised with every other user).
    pub fn with_conn<T>(
        &self,
        f: impl FnOnce(&mut Connection) -> rusqlite::Result<T>,
    ) -> Result<T, StoreError> {
        Ok(f(&mut self.conn())?)
    }

    /// Runs `f` with the soft-state connection (`synchronous = NORMAL`):
    /// for data the switch can lose to a power cut without harm, such as
    /// registrations.
    pub fn with_soft_conn<T>(
        &self,
        f: impl FnOnce(&mut Connection) -> rusqlite::Result<T>,
    ) -> Result<T, StoreError> {
        Ok(f(&mut self.soft.lock().unwrap_or_else(|p| p.into_inner()))?)
    }

    /// Sets a `core_meta` value.
    pub fn set_meta(&self, key: &str, value: &str) -> Result<(), StoreError> {
        self.conn().execute(
            "INSERT INTO core_meta (key, value) VALUES (?1, ?2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            params![key, value],
        )?;
        Ok(())
    }

    fn record_start(&self) -> Result<(), StoreError> {
        let now = jiff::Timestamp::now().to_string();
        let conn = self.conn();
        conn.execute(
            "INSERT INTO core_meta (key, value) VALUES ('created_at', ?1) ON CONFLICT DO NOTHING",
            params![now],
        )?;
        conn.execute(
            "INSERT INTO core_meta (key, value) VALUES ('last_start', ?1)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            params![now],
        )?;
        Ok(())
    }

    fn conn(&self) -> MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Runs `f` in a transaction on `conn`: commits if `f` succeeds and `keep`
/// accepts its value, else rolls back. Unlike rusqlite's `Transaction`,
/// BEGIN, COMMIT and ROLLBACK are cached statements rather than parsed
/// anew each time, which shows at thousands of registrations per second.
pub fn transaction<T>(
    conn: &Connection,
    f: impl FnOnce(&Connection) -> rusqlite::Result<T>,
    keep: impl FnOnce(&T) -> bool,
) -> rusqlite::Result<T> {
    conn.prepare_cached("BEGIN")?.execute([])?;
    let result = f(conn);
    if result.as_ref().is_ok_and(keep) {
        if let Err(e) = conn
            .prepare_cached("COMMIT")
            .and_then(|mut s| s.execute([]))
        {
            rollback(conn);
            return Err(e);
        }
    } else {
        rollback(conn);
    }
    result
}

fn rollback(conn: &Connection) {
    if !conn.is_autocommit() {
        let _ = conn
            .prepare_cached("ROLLBACK")
            .and_then(|mut s| s.execute([]));
    }
}

/// WAL journal, full synchronous commits (a committed row survives power
/// loss), a busy timeout for concurrent readers, foreign keys on.
pub fn configure(conn: &Connection) -> Result<(), rusqlite::Error> {
    let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(rusqlite::Error::InvalidParameterName(format!(
            "journal_mode stayed {mode}"
        )));
    }
    conn.execute_batch("PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;")?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    Ok(())
}

/// Applies the migrations the database lacks, each in its own transaction.
pub fn migrate(conn: &Connection, migrations: &[&str]) -> Result<(), StoreError> {
    let known = migrations.len() as i64;
    let current: i64 = conn.query_row("PRAGMA user_version", [], |row| row.get(0))?;
    if current > known {
        return Err(StoreError::TooNew {
            found: current,
            known,
        });
    }
    for (index, sql) in migrations.iter().enumerate().skip(current as usize) {
        let version = index as i64 + 1;
        conn.execute_batch(&format!(
            "BEGIN IMMEDIATE; {sql}\nPRAGMA user_version = {version}; COMMIT;"
        ))
        .inspect_err(|_| {
            let _ = conn.execute_batch("ROLLBACK");
        })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opens_in_wal_mode_and_migrates_once() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("switchyard.db");
        let store = Store::open(&path).unwrap();
        assert_eq!(store.schema_version().unwrap(), MIGRATIONS.len() as i64);
        let created = store.meta("created_at").unwrap().unwrap();
        drop(store);
        let again = Store::open(&path).unwrap();
        assert_eq!(again.meta("created_at").unwrap().unwrap(), created);
        let mode: String = again
            .conn()
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
    }

    #[test]
    fn a_newer_schema_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("switchyard.db");
        Connection::open(&path)
            .unwrap()
            .execute_batch("PRAGMA user_version = 99")
            .unwrap();
        let err = Store::open(&path).err().unwrap();
        assert!(matches!(err, StoreError::TooNew { found: 99, .. }));
        assert!(err.to_string().contains("schema version 99"));
    }

    #[test]
    fn a_failing_migration_leaves_the_previous_version() {
        let dir = tempfile::tempdir().unwrap();
        let conn = Connection::open(dir.path().join("m.db")).unwrap();
        configure(&conn).unwrap();
        let migrations = ["CREATE TABLE a (x INTEGER);", "CREATE TABLE broken ("];
        assert!(migrate(&conn, &migrations).is_err());
        let version: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(version, 1);
    }
}
