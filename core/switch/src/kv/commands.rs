//! Running `hash` and `db` requests, for the applications and the API
//! commands of the same names.

use super::request::{KvOp, KvRequest};
use super::{ADMIN_TENANT, db};
use crate::switch::Switch;
use std::sync::Arc;

/// Which store a request goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// `hash`: memory.
    Hash,
    /// `db`: the core database.
    Db,
}

impl Backend {
    /// The command and application name.
    pub fn name(self) -> &'static str {
        match self {
            Backend::Hash => "hash",
            Backend::Db => "db",
        }
    }
}

/// Usage of the `hash` API command.
pub const HASH_USAGE: &str = "hash [@<tenant>] insert|insert_ifempty|delete_ifmatch/<realm>/<key>/<value> | delete|select|exists/<realm>/<key> | count|list/<realm>";
/// Usage of the `db` API command.
pub const DB_USAGE: &str = "db [@<tenant>] insert|insert_ifempty|delete_ifmatch/<realm>/<key>/<value> | delete|select|exists/<realm>/<key> | count|list/<realm>";

/// Runs `request` in `tenant`'s name space of `backend`, and returns the
/// reply as FreeSWITCH words it (without a trailing newline): `+OK`, the
/// value (empty when unset), `true`/`false`, a count, or comma-separated
/// keys.
///
/// # Errors
/// `-ERR …` text when a conditional operation did not apply or the
/// database failed.
pub fn run(
    switch: &Switch,
    backend: Backend,
    tenant: &str,
    request: &KvRequest,
) -> Result<String, String> {
    let (realm, key) = (request.realm.as_str(), request.key.as_str());
    let value = request.value.as_deref().unwrap_or("");
    let ok = || "+OK".to_owned();
    match backend {
        Backend::Hash => {
            let hash = &switch.hash;
            Ok(match request.op {
                KvOp::Insert => {
                    hash.insert(tenant, realm, key, value);
                    ok()
                }
                KvOp::InsertIfEmpty => {
                    if !hash.insert_if_empty(tenant, realm, key, value) {
                        return Err("-ERR key already exists".into());
                    }
                    ok()
                }
                KvOp::Delete => {
                    hash.delete(tenant, realm, key);
                    ok()
                }
                KvOp::DeleteIfMatch => {
                    if !hash.delete_if_match(tenant, realm, key, value) {
                        return Err("-ERR Doesn't match".into());
                    }
                    ok()
                }
                KvOp::Select => hash.select(tenant, realm, key).unwrap_or_default(),
                KvOp::Exists => hash.select(tenant, realm, key).is_some().to_string(),
                KvOp::Count => hash.keys(tenant, realm).len().to_string(),
                KvOp::List => hash.keys(tenant, realm).join(","),
            })
        }
        Backend::Db => {
            let store = &switch.store;
            let failed = |e: crate::store::StoreError| format!("-ERR database: {e}");
            Ok(match request.op {
                KvOp::Insert => {
                    db::insert(store, tenant, realm, key, value).map_err(failed)?;
                    ok()
                }
                KvOp::InsertIfEmpty => {
                    if !db::insert_if_empty(store, tenant, realm, key, value).map_err(failed)? {
                        return Err("-ERR key already exists".into());
                    }
                    ok()
                }
                KvOp::Delete => {
                    db::delete(store, tenant, realm, key, None).map_err(failed)?;
                    ok()
                }
                KvOp::DeleteIfMatch => {
                    if !db::delete(store, tenant, realm, key, Some(value)).map_err(failed)? {
                        return Err("-ERR Doesn't match".into());
                    }
                    ok()
                }
                KvOp::Select => db::select(store, tenant, realm, key)
                    .map_err(failed)?
                    .unwrap_or_default(),
                KvOp::Exists => db::select(store, tenant, realm, key)
                    .map_err(failed)?
                    .is_some()
                    .to_string(),
                KvOp::Count => db::keys(store, tenant, realm)
                    .map_err(failed)?
                    .len()
                    .to_string(),
                KvOp::List => db::keys(store, tenant, realm).map_err(failed)?.join(","),
            })
        }
    }
}

/// The `hash` API command.
pub fn hash_api(switch: &Arc<Switch>, args: &str) -> String {
    api(switch, Backend::Hash, args, HASH_USAGE)
}

/// The `db` API command.
pub fn db_api(switch: &Arc<Switch>, args: &str) -> String {
    api(switch, Backend::Db, args, DB_USAGE)
}

fn api(switch: &Switch, backend: Backend, args: &str, usage: &str) -> String {
    let args = args.trim();
    let (tenant, rest) = match args.strip_prefix('@') {
        Some(scoped) => match scoped.split_once(char::is_whitespace) {
            Some((tenant, rest)) if !tenant.is_empty() => (tenant, rest),
            _ => return format!("-USAGE: {usage}\n"),
        },
        None => (ADMIN_TENANT, args),
    };
    if rest.trim().is_empty() {
        return format!("-USAGE: {usage}\n");
    }
    let request = match KvRequest::parse(rest) {
        Ok(request) => request,
        Err(e) => return format!("-ERR {e}\n"),
    };
    match run(switch, backend, tenant, &request) {
        Ok(reply) | Err(reply) => format!("{reply}\n"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::switch::test_switch;

    #[test]
    fn the_api_reads_and_writes_the_admin_space_or_a_named_tenant() {
        let (switch, _dirs) = test_switch();
        for (backend, command) in [(Backend::Hash, "hash"), (Backend::Db, "db")] {
            let api = |line: &str| crate::api::execute(&switch, &format!("{command} {line}"));
            assert_eq!(api("insert/r/k/v/w"), "+OK\n", "{backend:?}");
            assert_eq!(api("select/r/k"), "v/w\n");
            assert_eq!(api("exists/r/k"), "true\n");
            assert_eq!(api("@acme.test select/r/k"), "\n", "another tenant's space");
            assert_eq!(api("@acme.test insert/r/k/t"), "+OK\n");
            let request = KvRequest::parse("select/r/k").unwrap();
            assert_eq!(
                run(&switch, backend, "acme.test", &request).as_deref(),
                Ok("t")
            );
            assert_eq!(api("insert_ifempty/r/k/x"), "-ERR key already exists\n");
            assert_eq!(api("delete_ifmatch/r/k/x"), "-ERR Doesn't match\n");
            assert_eq!(api("insert/r/j/1"), "+OK\n");
            assert_eq!(api("count/r"), "2\n");
            assert_eq!(api("list/r"), "j,k\n");
            assert_eq!(api("delete/r/k"), "+OK\n");
            assert_eq!(api("exists/r/k"), "false\n");
            assert!(api("").starts_with("-USAGE"));
            assert!(api("@acme.test").starts_with("-USAGE"));
            assert!(api("frob/r/k").starts_with("-ERR 'frob' is not an operation"));
        }
    }
}
