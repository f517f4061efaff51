//! The location service: contact bindings of each user (address-of-record
//! `extension@domain`), kept in the core store's `registrations` table
//! (migration 3) so that a restarted switch still knows where its phones
//! are.
//!
//! Every query takes the current time and ignores bindings that have
//! expired; [`purge_expired`] deletes them. [`update`] applies one REGISTER
//! atomically, with the Call-ID/CSeq ordering rule of RFC 3261 §10.3
//! step 7 and the per-user contact limit.

use crate::store::{Store, StoreError};
use rusqlite::{OptionalExtension, params};
use std::net::SocketAddr;
use std::time::{SystemTime, UNIX_EPOCH};

/// One contact bound to a user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    /// The user's extension.
    pub extension: String,
    /// The user's tenant (SIP domain, lower case).
    pub domain: String,
    /// The contact URI, as the user agent sent it (the binding's key).
    pub contact: String,
    /// The `q` preference in thousandths (1000 = 1.0), if the UA gave one.
    pub q: Option<u16>,
    /// When the binding expires (Unix seconds).
    pub expires_at: u64,
    /// Call-ID of the REGISTER that last refreshed it.
    pub call_id: String,
    /// CSeq number of the REGISTER that last refreshed it.
    pub cseq: u32,
    /// Where that REGISTER came from (IP and port): behind NAT, the
    /// address to send requests to rather than the contact's host.
    pub network_addr: SocketAddr,
    /// The transport it came over (`udp`, `tcp`, ...).
    pub transport: String,
    /// Its `User-Agent` header (empty if none).
    pub user_agent: String,
    /// When the binding was first made (Unix seconds).
    pub created_at: u64,
    /// When it was last refreshed (Unix seconds).
    pub updated_at: u64,
}

impl Binding {
    /// Seconds left before it expires at `now` (0 once expired).
    pub fn expires_in(&self, now: SystemTime) -> u64 {
        self.expires_at.saturating_sub(unix_secs(now))
    }

    /// The `q` value as SIP writes it (`0.5`, `1`), if any.
    pub fn q_text(&self) -> Option<String> {
        self.q.map(format_q)
    }
}

/// Writes a q-value given in thousandths: `1000` → `1`, `500` → `0.5`,
/// `125` → `0.125`.
pub fn format_q(thousandths: u16) -> String {
    let thousandths = thousandths.min(1000);
    if thousandths == 1000 {
        return "1".to_owned();
    }
    let mut text = format!("0.{thousandths:03}");
    while text.ends_with('0') && text.len() > 3 {
        text.pop();
    }
    if text == "0.0" { "0".to_owned() } else { text }
}

/// What a REGISTER asks the location service to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// `Contact: *` with `Expires: 0`: remove every binding of the user.
    RemoveAll,
    /// Add, refresh (expires > 0) or remove (expires = 0) these contacts.
    Contacts(Vec<ContactChange>),
}

/// One contact of a REGISTER, its expiry already decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactChange {
    /// The contact URI.
    pub uri: String,
    /// Seconds to keep it; 0 removes it.
    pub expires: u32,
    /// The `q` preference in thousandths.
    pub q: Option<u16>,
}

/// Facts about the REGISTER that are stored with its bindings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestInfo<'a> {
    /// Its Call-ID.
    pub call_id: &'a str,
    /// Its CSeq number.
    pub cseq: u32,
    /// Where it came from.
    pub source: SocketAddr,
    /// The transport it came over (`udp`, `tcp`).
    pub transport: &'a str,
    /// Its `User-Agent` (empty if none).
    pub user_agent: &'a str,
}

/// How [`update`] ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UpdateResult {
    /// Committed; the user's bindings now in force, in dialing order.
    Updated(Vec<Binding>),
    /// Nothing changed: an existing binding has the same Call-ID and a CSeq
    /// at least as high as the request's (RFC 3261 §10.3 step 7: a
    /// delayed or replayed REGISTER).
    OutOfOrder {
        /// The contact whose binding is newer.
        contact: String,
        /// The CSeq stored for it.
        stored_cseq: u32,
    },
    /// Nothing changed: the user would have more than `limit` bindings.
    TooManyContacts {
        /// The limit.
        limit: usize,
    },
}

/// Applies a REGISTER's changes to the bindings of `extension@domain`
/// in one transaction: all of them, or (on any refusal or error) none.
///
/// Per RFC 3261 §10.3 step 7, an existing binding whose Call-ID equals the
/// request's is changed only if the request's CSeq is higher; a binding
/// with another Call-ID is replaced (the UA rebooted or another UA took
/// over the contact). Bindings already expired at `now` count as absent.
/// More than `max_contacts` bindings afterwards refuses the whole request.
pub fn update(
    store: &Store,
    extension: &str,
    domain: &str,
    change: &Change,
    info: &RequestInfo<'_>,
    now: SystemTime,
    max_contacts: usize,
) -> Result<UpdateResult, StoreError> {
    let domain = &domain.to_ascii_lowercase();
    let now_secs = to_db(unix_secs(now));
    store.with_soft_conn(|conn| {
        crate::store::transaction(
            conn,
            |tx| apply(tx, extension, domain, change, info, now_secs, max_contacts),
            |result| matches!(result, UpdateResult::Updated(_)),
        )
    })
}

/// One REGISTER's change for [`update_batch`]: [`update`]'s arguments.
#[derive(Debug, Clone, Copy)]
pub struct BatchItem<'a> {
    /// The user's extension.
    pub extension: &'a str,
    /// The user's tenant.
    pub domain: &'a str,
    /// What the REGISTER asks.
    pub change: &'a Change,
    /// Facts stored with the bindings.
    pub info: RequestInfo<'a>,
    /// The per-user contact limit.
    pub max_contacts: usize,
    /// When the REGISTER was processed.
    pub now: SystemTime,
}

/// Applies several REGISTERs as [`update`] would one after the other, but
/// in one SQLite transaction (a group commit): each in a savepoint, so a
/// refused or failed one changes nothing while the others stand. Nothing
/// is durable, and no result should be acted upon, before this returns:
/// if the transaction fails as a whole (its commit), every change is lost
/// and every item reports the error. One result per item, in order.
pub fn update_batch(
    store: &Store,
    items: &[BatchItem<'_>],
) -> Vec<Result<UpdateResult, StoreError>> {
    let outcome = store.with_soft_conn(|conn| {
        let mut results = Vec::with_capacity(items.len());
        crate::store::transaction(
            conn,
            |tx| {
                for item in items {
                    tx.prepare_cached("SAVEPOINT register")?.execute([])?;
                    let domain = &item.domain.to_ascii_lowercase();
                    let result = apply(
                        tx,
                        item.extension,
                        domain,
                        item.change,
                        &item.info,
                        to_db(unix_secs(item.now)),
                        item.max_contacts,
                    );
                    if !matches!(result, Ok(UpdateResult::Updated(_))) {
                        tx.prepare_cached("ROLLBACK TO register")?.execute([])?;
                    }
                    tx.prepare_cached("RELEASE register")?.execute([])?;
                    results.push(result.map_err(StoreError::from));
                }
                Ok(())
            },
            |()| true,
        )
        .map(|()| results)
    });
    match outcome {
        Ok(results) => results,
        Err(e) => {
            let message = e.to_string();
            items
                .iter()
                .map(|_| {
                    Err(StoreError::Sqlite(rusqlite::Error::SqliteFailure(
                        rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_ERROR),
                        Some(format!("registrations not committed: {message}")),
                    )))
                })
                .collect()
        }
    }
}

/// The body of [`update`], inside its transaction.
fn apply(
    tx: &rusqlite::Connection,
    extension: &str,
    domain: &str,
    change: &Change,
    info: &RequestInfo<'_>,
    now_secs: i64,
    max_contacts: usize,
) -> rusqlite::Result<UpdateResult> {
    tx.prepare_cached(
        "DELETE FROM registrations WHERE domain = ?1 AND extension = ?2 AND expires_at <= ?3",
    )?
    .execute(params![domain, extension, now_secs])?;
    match change {
        Change::RemoveAll => {
            if let Some(refusal) = out_of_order_any(tx, extension, domain, info)? {
                return Ok(refusal);
            }
            tx.prepare_cached("DELETE FROM registrations WHERE domain = ?1 AND extension = ?2")?
                .execute(params![domain, extension])?;
        }
        Change::Contacts(contacts) => {
            for contact in contacts {
                if let Some(refusal) = out_of_order_one(tx, extension, domain, &contact.uri, info)?
                {
                    return Ok(refusal);
                }
                apply_one(tx, extension, domain, contact, info, now_secs)?;
            }
        }
    }
    let count: i64 = tx
        .prepare_cached("SELECT count(*) FROM registrations WHERE domain = ?1 AND extension = ?2")?
        .query_row(params![domain, extension], |row| row.get(0))?;
    if usize::try_from(count).unwrap_or(usize::MAX) > max_contacts {
        return Ok(UpdateResult::TooManyContacts {
            limit: max_contacts,
        });
    }
    let bindings = query(tx, Some((extension, domain)), None, now_secs)?;
    Ok(UpdateResult::Updated(bindings))
}

fn out_of_order(call_id: &str, cseq: u32, info: &RequestInfo<'_>) -> bool {
    call_id == info.call_id && info.cseq <= cseq
}

fn out_of_order_one(
    tx: &rusqlite::Connection,
    extension: &str,
    domain: &str,
    uri: &str,
    info: &RequestInfo<'_>,
) -> rusqlite::Result<Option<UpdateResult>> {
    let stored: Option<(String, i64)> = tx
        .prepare_cached(
            "SELECT call_id, cseq FROM registrations
             WHERE domain = ?1 AND extension = ?2 AND contact = ?3",
        )?
        .query_row(params![domain, extension, uri], |row| {
            Ok((row.get(0)?, row.get(1)?))
        })
        .optional()?;
    Ok(stored.and_then(|(call_id, cseq)| {
        let cseq = u32::try_from(cseq).unwrap_or(u32::MAX);
        out_of_order(&call_id, cseq, info).then(|| UpdateResult::OutOfOrder {
            contact: uri.to_owned(),
            stored_cseq: cseq,
        })
    }))
}

fn out_of_order_any(
    tx: &rusqlite::Connection,
    extension: &str,
    domain: &str,
    info: &RequestInfo<'_>,
) -> rusqlite::Result<Option<UpdateResult>> {
    let stored: Option<(String, i64)> = tx
        .prepare_cached(
            "SELECT contact, cseq FROM registrations
             WHERE domain = ?1 AND extension = ?2 AND call_id = ?3 AND cseq >= ?4
             ORDER BY contact LIMIT 1",
        )?
        .query_row(
            params![domain, extension, info.call_id, i64::from(info.cseq)],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .optional()?;
    Ok(stored.map(|(contact, cseq)| UpdateResult::OutOfOrder {
        contact,
        stored_cseq: u32::try_from(cseq).unwrap_or(u32::MAX),
    }))
}

fn apply_one(
    tx: &rusqlite::Connection,
    extension: &str,
    domain: &str,
    contact: &ContactChange,
    info: &RequestInfo<'_>,
    now_secs: i64,
) -> rusqlite::Result<()> {
    if contact.expires == 0 {
        tx.prepare_cached(
            "DELETE FROM registrations WHERE domain = ?1 AND extension = ?2 AND contact = ?3",
        )?
        .execute(params![domain, extension, contact.uri])?;
        return Ok(());
    }
    tx.prepare_cached(
        "INSERT INTO registrations (domain, extension, contact, expires_at, q, call_id, cseq,
             network_addr, transport, user_agent, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11)
         ON CONFLICT (domain, extension, contact) DO UPDATE SET
             expires_at = excluded.expires_at, q = excluded.q, call_id = excluded.call_id,
             cseq = excluded.cseq, network_addr = excluded.network_addr,
             transport = excluded.transport, user_agent = excluded.user_agent,
             updated_at = excluded.updated_at",
    )?
    .execute(params![
        domain,
        extension,
        contact.uri,
        now_secs.saturating_add(i64::from(contact.expires)),
        contact.q,
        info.call_id,
        i64::from(info.cseq),
        info.source.to_string(),
        info.transport,
        info.user_agent,
        now_secs,
    ])?;
    Ok(())
}

/// The live bindings of `extension@domain` at `now`, in the order to try
/// them: highest `q` first (no `q` counts as 1.0), then the most recently
/// refreshed. The B2BUA dials these for `user/extension@domain`.
pub fn contacts_of(
    store: &Store,
    extension: &str,
    domain: &str,
    now: SystemTime,
) -> Result<Vec<Binding>, StoreError> {
    let domain = domain.to_ascii_lowercase();
    let now_secs = to_db(unix_secs(now));
    store.with_soft_conn(|conn| query(conn, Some((extension, &domain)), None, now_secs))
}

/// Every live binding at `now`, of one tenant or of all, ordered by
/// domain, extension and dialing order.
pub fn list(
    store: &Store,
    domain: Option<&str>,
    now: SystemTime,
) -> Result<Vec<Binding>, StoreError> {
    let domain = domain.map(str::to_ascii_lowercase);
    let now_secs = to_db(unix_secs(now));
    store.with_soft_conn(|conn| query(conn, None, domain.as_deref(), now_secs))
}

/// Removes one binding (e.g. an operator unregistering a phone); returns
/// whether it existed.
pub fn remove(
    store: &Store,
    extension: &str,
    domain: &str,
    contact: &str,
) -> Result<bool, StoreError> {
    let domain = domain.to_ascii_lowercase();
    store.with_soft_conn(|conn| {
        conn.prepare_cached(
            "DELETE FROM registrations WHERE domain = ?1 AND extension = ?2 AND contact = ?3",
        )?
        .execute(params![domain, extension, contact])
        .map(|n| n > 0)
    })
}

/// Deletes the bindings expired at `now`; returns how many. Queries ignore
/// them anyway: this only reclaims space, so call it every minute or so.
pub fn purge_expired(store: &Store, now: SystemTime) -> Result<usize, StoreError> {
    let now_secs = to_db(unix_secs(now));
    store.with_soft_conn(|conn| {
        conn.prepare_cached("DELETE FROM registrations WHERE expires_at <= ?1")?
            .execute(params![now_secs])
    })
}

/// The bindings at a time, of one address-of-record or of one tenant or
/// of all (a constant, so the statement is prepared once per connection).
const QUERY: &str = "SELECT extension, domain, contact, q, expires_at, call_id, cseq, network_addr,
            transport, user_agent, created_at, updated_at
     FROM registrations
     WHERE expires_at > ?1
       AND (?2 IS NULL OR (extension = ?2 AND domain = ?3))
       AND (?4 IS NULL OR domain = ?4)
     ORDER BY domain, extension, coalesce(q, 1000) DESC, updated_at DESC, contact";

fn query(
    conn: &rusqlite::Connection,
    aor: Option<(&str, &str)>,
    domain: Option<&str>,
    now_secs: i64,
) -> rusqlite::Result<Vec<Binding>> {
    let (extension, aor_domain) = aor.unzip();
    let mut stmt = conn.prepare_cached(QUERY)?;
    let rows = stmt.query_map(params![now_secs, extension, aor_domain, domain], from_row)?;
    rows.collect()
}

fn from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Binding> {
    let network_addr: String = row.get(7)?;
    let network_addr = network_addr.parse().map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(7, rusqlite::types::Type::Text, Box::new(e))
    })?;
    Ok(Binding {
        extension: row.get(0)?,
        domain: row.get(1)?,
        contact: row.get(2)?,
        q: row.get(3)?,
        expires_at: from_db(row.get(4)?),
        call_id: row.get(5)?,
        cseq: u32::try_from(row.get::<_, i64>(6)?).unwrap_or(u32::MAX),
        network_addr,
        transport: row.get(8)?,
        user_agent: row.get(9)?,
        created_at: from_db(row.get(10)?),
        updated_at: from_db(row.get(11)?),
    })
}

/// Seconds since the Unix epoch (0 before it).
pub(crate) fn unix_secs(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

fn to_db(secs: u64) -> i64 {
    i64::try_from(secs).unwrap_or(i64::MAX)
}

fn from_db(secs: i64) -> u64 {
    u64::try_from(secs).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::directory::{UserSettings, add_tenant, add_user, delete_user};
    use std::time::Duration;

    fn store() -> (Store, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("s.db")).unwrap();
        add_tenant(&store, "acme.test").unwrap();
        add_user(&store, "1001@acme.test", "pw", UserSettings::default()).unwrap();
        (store, dir)
    }

    fn t(secs: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(1_700_000_000 + secs)
    }

    fn info(call_id: &str, cseq: u32) -> RequestInfo<'_> {
        RequestInfo {
            call_id,
            cseq,
            source: "192.0.2.7:5062".parse().unwrap(),
            transport: "udp",
            user_agent: "phone/1.0",
        }
    }

    fn contact(uri: &str, expires: u32, q: Option<u16>) -> Change {
        Change::Contacts(vec![ContactChange {
            uri: uri.into(),
            expires,
            q,
        }])
    }

    fn updated(result: UpdateResult) -> Vec<Binding> {
        match result {
            UpdateResult::Updated(b) => b,
            other => panic!("not updated: {other:?}"),
        }
    }

    #[test]
    fn add_refresh_order_and_remove() {
        let (store, _dir) = store();
        let a = "sip:1001@192.0.2.7:5062";
        let b = "sip:1001@198.51.100.1";
        let got = updated(
            update(
                &store,
                "1001",
                "acme.test",
                &contact(a, 60, None),
                &info("c1", 1),
                t(0),
                10,
            )
            .unwrap(),
        );
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].expires_in(t(0)), 60);
        assert_eq!(got[0].network_addr.to_string(), "192.0.2.7:5062");
        let got = updated(
            update(
                &store,
                "1001",
                "acme.test",
                &contact(b, 120, Some(500)),
                &info("c2", 1),
                t(10),
                10,
            )
            .unwrap(),
        );
        assert_eq!(got.len(), 2);
        // No q counts as 1.0, so `a` is dialed first.
        assert_eq!(got[0].contact, a);
        assert_eq!(got[1].q_text().as_deref(), Some("0.5"));
        // Refresh keeps the creation time.
        let got = updated(
            update(
                &store,
                "1001",
                "acme.test",
                &contact(a, 300, None),
                &info("c1", 2),
                t(20),
                10,
            )
            .unwrap(),
        );
        let a_row = got.iter().find(|x| x.contact == a).unwrap();
        assert_eq!(
            (a_row.created_at, a_row.updated_at),
            (1_700_000_000, 1_700_000_020)
        );
        assert_eq!(a_row.expires_in(t(20)), 300);
        assert_eq!(
            contacts_of(&store, "1001", "ACME.test", t(20))
                .unwrap()
                .len(),
            2
        );
        assert!(remove(&store, "1001", "acme.test", b).unwrap());
        assert!(!remove(&store, "1001", "acme.test", b).unwrap());
        let got = updated(
            update(
                &store,
                "1001",
                "acme.test",
                &contact(a, 0, None),
                &info("c1", 3),
                t(30),
                10,
            )
            .unwrap(),
        );
        assert!(got.is_empty());
    }

    #[test]
    fn same_call_id_needs_a_higher_cseq_and_refusals_change_nothing() {
        let (store, _dir) = store();
        let a = "sip:a@192.0.2.1";
        update(
            &store,
            "1001",
            "acme.test",
            &contact(a, 60, None),
            &info("c1", 5),
            t(0),
            10,
        )
        .unwrap();
        for cseq in [4, 5] {
            assert_eq!(
                update(
                    &store,
                    "1001",
                    "acme.test",
                    &contact(a, 0, None),
                    &info("c1", cseq),
                    t(1),
                    10
                )
                .unwrap(),
                UpdateResult::OutOfOrder {
                    contact: a.into(),
                    stored_cseq: 5
                }
            );
            assert_eq!(
                update(
                    &store,
                    "1001",
                    "acme.test",
                    &Change::RemoveAll,
                    &info("c1", cseq),
                    t(1),
                    10
                )
                .unwrap(),
                UpdateResult::OutOfOrder {
                    contact: a.into(),
                    stored_cseq: 5
                }
            );
        }
        assert_eq!(
            contacts_of(&store, "1001", "acme.test", t(1))
                .unwrap()
                .len(),
            1
        );
        // Another Call-ID (a rebooted phone) may replace it with any CSeq.
        let got = updated(
            update(
                &store,
                "1001",
                "acme.test",
                &contact(a, 90, None),
                &info("other", 1),
                t(2),
                10,
            )
            .unwrap(),
        );
        assert_eq!((got[0].call_id.as_str(), got[0].cseq), ("other", 1));
        let got = updated(
            update(
                &store,
                "1001",
                "acme.test",
                &Change::RemoveAll,
                &info("c9", 1),
                t(3),
                10,
            )
            .unwrap(),
        );
        assert!(got.is_empty());
    }

    #[test]
    fn the_contact_limit_refuses_the_whole_request() {
        let (store, _dir) = store();
        let change = Change::Contacts(
            (0..3)
                .map(|i| ContactChange {
                    uri: format!("sip:p{i}@192.0.2.1"),
                    expires: 60,
                    q: None,
                })
                .collect(),
        );
        assert_eq!(
            update(&store, "1001", "acme.test", &change, &info("c", 1), t(0), 2).unwrap(),
            UpdateResult::TooManyContacts { limit: 2 }
        );
        assert!(
            contacts_of(&store, "1001", "acme.test", t(0))
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            updated(update(&store, "1001", "acme.test", &change, &info("c", 2), t(0), 3).unwrap())
                .len(),
            3
        );
    }

    #[test]
    fn expiry_filters_and_purges_and_deleted_users_lose_bindings() {
        let (store, _dir) = store();
        update(
            &store,
            "1001",
            "acme.test",
            &contact("sip:a@h", 60, None),
            &info("c", 1),
            t(0),
            10,
        )
        .unwrap();
        assert_eq!(list(&store, None, t(59)).unwrap().len(), 1);
        assert_eq!(list(&store, Some("acme.test"), t(59)).unwrap().len(), 1);
        assert!(list(&store, Some("other.test"), t(59)).unwrap().is_empty());
        assert!(list(&store, None, t(60)).unwrap().is_empty());
        assert!(
            contacts_of(&store, "1001", "acme.test", t(60))
                .unwrap()
                .is_empty()
        );
        assert_eq!(purge_expired(&store, t(59)).unwrap(), 0);
        assert_eq!(purge_expired(&store, t(60)).unwrap(), 1);
        update(
            &store,
            "1001",
            "acme.test",
            &contact("sip:a@h", 60, None),
            &info("c", 2),
            t(70),
            10,
        )
        .unwrap();
        delete_user(&store, "1001@acme.test").unwrap();
        assert!(list(&store, None, t(70)).unwrap().is_empty());
    }

    #[test]
    fn q_values_are_written_as_sip_does() {
        assert_eq!(format_q(1000), "1");
        assert_eq!(format_q(500), "0.5");
        assert_eq!(format_q(125), "0.125");
        assert_eq!(format_q(10), "0.01");
        assert_eq!(format_q(0), "0");
        assert_eq!(format_q(60_000), "1");
    }
}
