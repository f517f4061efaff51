//! FreeSWITCH's `hash` (in memory) and `db` (persistent, SQLite) key-value
//! stores, as dialplan applications and API commands use them:
//! `insert/<realm>/<key>/<value>`, `delete/<realm>/<key>`,
//! `select/<realm>/<key>`, …
//!
//! Every entry belongs to a tenant: an application writes and reads in the
//! tenant of its channel, so the same realm and key in two tenants are two
//! entries and no tenant reaches another's. The API works in the admin's
//! own name space, [`ADMIN_TENANT`], unless the line starts with
//! `@<tenant>` (`hash @acme.test select/calls/last`).
//!
//! Files: `request` (the `op/realm/key/value` syntax), `hash` (the memory
//! store), `db` (the SQLite table), `commands` (running a request and the
//! API commands).

pub mod commands;
pub mod db;
pub mod hash;
pub mod request;

pub use hash::HashStore;
pub use request::{KvOp, KvRequest};

/// The name space of `hash` and `db` API commands given without
/// `@<tenant>`: no tenant's (tenants are SIP domains, never empty).
pub const ADMIN_TENANT: &str = "";
