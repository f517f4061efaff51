//! Gateways and DIDs in the core store: adding, deleting, listing and
//! finding them. Every change is read by the next lookup; nothing is cached.

use super::names;
use super::options::GatewaySettings;
use crate::store::{Store, StoreError};
use rusqlite::{OptionalExtension, params};

/// The transport a gateway is reached over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GatewayTransport {
    /// UDP datagrams.
    Udp,
    /// A TCP connection.
    Tcp,
}

impl GatewayTransport {
    /// `udp` or `tcp`, as stored and as in a `transport=` URI parameter.
    pub fn name(self) -> &'static str {
        match self {
            GatewayTransport::Udp => "udp",
            GatewayTransport::Tcp => "tcp",
        }
    }

    /// Reads `udp` or `tcp` (any case).
    pub fn from_name(name: &str) -> Option<GatewayTransport> {
        match name.to_ascii_lowercase().as_str() {
            "udp" => Some(GatewayTransport::Udp),
            "tcp" => Some(GatewayTransport::Tcp),
            _ => None,
        }
    }
}

/// A gateway (trunk) to a SIP provider.
#[derive(Clone, PartialEq, Eq)]
pub struct Gateway {
    /// Its name (lower case).
    pub name: String,
    /// The provider's proxy: `host[:port]` as given.
    pub proxy: String,
    /// The transport to the proxy.
    pub transport: GatewayTransport,
    /// The account's username.
    pub username: Option<String>,
    /// The account's password, kept as given (see the store migration 5);
    /// never printed, and hidden from `Debug`.
    pub password: Option<String>,
    /// Answer only digest challenges of this realm (`None`: any).
    pub realm: Option<String>,
    /// The domain of From and To in REGISTERs, if not the proxy's host.
    pub from_domain: Option<String>,
    /// Whether the switch keeps a registration with the proxy.
    pub register: bool,
    /// The registration expiry asked for, in seconds.
    pub expires: u32,
    /// Seconds to wait after a failed registration (doubled on each
    /// further failure, see [`super::registration`]).
    pub retry_seconds: u32,
    /// Outbound calls put the caller's number in From (else the username).
    pub caller_id_in_from: bool,
    /// The tenant the gateway is private to; `None`: shared by all.
    pub tenant: Option<String>,
    /// When it was added (RFC 3339).
    pub created_at: String,
}

impl std::fmt::Debug for Gateway {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Gateway")
            .field("name", &self.name)
            .field("proxy", &self.proxy)
            .field("transport", &self.transport)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "<secret>"))
            .field("realm", &self.realm)
            .field("from_domain", &self.from_domain)
            .field("register", &self.register)
            .field("expires", &self.expires)
            .field("retry_seconds", &self.retry_seconds)
            .field("caller_id_in_from", &self.caller_id_in_from)
            .field("tenant", &self.tenant)
            .field("created_at", &self.created_at)
            .finish()
    }
}

impl Gateway {
    /// The proxy's host (an IPv6 address keeps its brackets).
    pub fn proxy_host(&self) -> &str {
        names::split_proxy(&self.proxy).0
    }

    /// The proxy's port, 5060 when none is given.
    pub fn proxy_port(&self) -> u16 {
        names::split_proxy(&self.proxy)
            .1
            .unwrap_or(names::DEFAULT_SIP_PORT)
    }

    /// The domain of From and To: `from_domain`, else the proxy's host.
    pub fn from_domain(&self) -> &str {
        self.from_domain
            .as_deref()
            .unwrap_or_else(|| self.proxy_host())
    }

    /// Whether calls of tenant `domain` may use this gateway: it is shared,
    /// or private to that tenant.
    pub fn serves(&self, domain: &str) -> bool {
        self.tenant
            .as_deref()
            .is_none_or(|t| t.eq_ignore_ascii_case(domain))
    }
}

/// A DID: a number whose inbound calls land in a tenant's dialplan context.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Did {
    /// The number as given (digits, optional leading `+`).
    pub number: String,
    /// The tenant's domain.
    pub domain: String,
    /// The dialplan context calls are routed in (default: the domain).
    pub context: String,
    /// Only calls from this gateway; `None`: from any gateway that serves
    /// the tenant.
    pub gateway: Option<String>,
    /// When it was added (RFC 3339).
    pub created_at: String,
}

/// Why a gateway or DID change or lookup failed.
#[derive(Debug)]
pub enum GatewayError {
    /// Input that is not a valid name or value.
    Invalid(String),
    /// The gateway exists already.
    GatewayExists(String),
    /// No such gateway.
    NoSuchGateway(String),
    /// The gateway still has DIDs bound to it (delete them or force).
    GatewayHasDids(String, u64),
    /// The DID exists already.
    DidExists(String),
    /// No such DID.
    NoSuchDid(String),
    /// No such tenant.
    NoSuchTenant(String),
    /// The store failed.
    Store(StoreError),
}

impl std::fmt::Display for GatewayError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            GatewayError::Invalid(why) => f.write_str(why),
            GatewayError::GatewayExists(g) => write!(
                f,
                "gateway {g} exists already; delete it first to change it"
            ),
            GatewayError::NoSuchGateway(g) => write!(f, "there is no gateway {g}"),
            GatewayError::GatewayHasDids(g, n) => write!(
                f,
                "gateway {g} still has {n} DID(s) bound to it; delete them first or use 'gateway del {g} force'"
            ),
            GatewayError::DidExists(n) => write!(f, "DID {n} exists already"),
            GatewayError::NoSuchDid(n) => write!(f, "there is no DID {n}"),
            GatewayError::NoSuchTenant(d) => {
                write!(f, "tenant {d} does not exist; add it with 'tenant add {d}'")
            }
            GatewayError::Store(e) => write!(f, "the store failed: {e}"),
        }
    }
}

impl std::error::Error for GatewayError {}

impl From<StoreError> for GatewayError {
    fn from(e: StoreError) -> GatewayError {
        GatewayError::Store(e)
    }
}

impl From<rusqlite::Error> for GatewayError {
    fn from(e: rusqlite::Error) -> GatewayError {
        GatewayError::Store(StoreError::Sqlite(e))
    }
}

fn now() -> String {
    jiff::Timestamp::now().to_string()
}

fn tenant_exists(conn: &rusqlite::Connection, domain: &str) -> rusqlite::Result<bool> {
    conn.prepare_cached("SELECT 1 FROM tenants WHERE domain = ?1")?
        .query_row([domain], |_| Ok(()))
        .optional()
        .map(|found| found.is_some())
}

const GATEWAY_COLUMNS: &str = "name, proxy, transport, username, password, realm, from_domain, register, expires, retry_seconds, caller_id_in_from, tenant, created_at";

fn gateway_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Gateway> {
    let transport: String = row.get(2)?;
    Ok(Gateway {
        name: row.get(0)?,
        proxy: row.get(1)?,
        transport: GatewayTransport::from_name(&transport).unwrap_or(GatewayTransport::Udp),
        username: row.get(3)?,
        password: row.get(4)?,
        realm: row.get(5)?,
        from_domain: row.get(6)?,
        register: row.get(7)?,
        expires: row.get(8)?,
        retry_seconds: row.get(9)?,
        caller_id_in_from: row.get(10)?,
        tenant: row.get(11)?,
        created_at: row.get(12)?,
    })
}

/// Adds a gateway. Its tenant, if any, must exist.
pub fn add_gateway(
    store: &Store,
    name: &str,
    proxy: &str,
    settings: GatewaySettings,
) -> Result<Gateway, GatewayError> {
    let name = names::gateway_name(name).map_err(GatewayError::Invalid)?;
    let proxy = names::proxy(proxy).map_err(GatewayError::Invalid)?;
    settings.check().map_err(GatewayError::Invalid)?;
    let gateway = Gateway {
        name,
        proxy,
        transport: settings.transport,
        username: settings.username,
        password: settings.password,
        realm: settings.realm,
        from_domain: settings.from_domain,
        register: settings.register,
        expires: settings.expires,
        retry_seconds: settings.retry_seconds,
        caller_id_in_from: settings.caller_id_in_from,
        tenant: settings.tenant,
        created_at: now(),
    };
    let outcome = store.with_conn(|conn| {
        let tx = conn.transaction()?;
        if let Some(tenant) = &gateway.tenant
            && !tenant_exists(&tx, tenant)?
        {
            return Ok(Err(GatewayError::NoSuchTenant(tenant.clone())));
        }
        let inserted = tx.execute(
            &format!(
                "INSERT INTO gateways ({GATEWAY_COLUMNS})
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13) ON CONFLICT DO NOTHING"
            ),
            params![
                gateway.name,
                gateway.proxy,
                gateway.transport.name(),
                gateway.username,
                gateway.password,
                gateway.realm,
                gateway.from_domain,
                gateway.register,
                gateway.expires,
                gateway.retry_seconds,
                gateway.caller_id_in_from,
                gateway.tenant,
                gateway.created_at,
            ],
        )?;
        tx.commit()?;
        Ok(if inserted == 1 {
            Ok(())
        } else {
            Err(GatewayError::GatewayExists(gateway.name.clone()))
        })
    })?;
    outcome.map(|()| gateway)
}

/// Deletes a gateway; with DIDs bound to it only when `force` (they go
/// too). Returns how many DIDs were deleted.
pub fn delete_gateway(store: &Store, name: &str, force: bool) -> Result<u64, GatewayError> {
    let name = names::gateway_name(name).map_err(GatewayError::Invalid)?;
    store.with_conn(|conn| {
        let tx = conn.transaction()?;
        let dids: i64 = tx.query_row(
            "SELECT count(*) FROM dids WHERE gateway = ?1",
            [&name],
            |row| row.get(0),
        )?;
        let dids = u64::try_from(dids).unwrap_or(0);
        if dids > 0 && !force {
            let exists = tx
                .query_row(
                    "SELECT 1 FROM gateways WHERE name = ?1",
                    [&name],
                    |_| Ok(()),
                )
                .optional()?
                .is_some();
            return Ok(Err(if exists {
                GatewayError::GatewayHasDids(name.clone(), dids)
            } else {
                GatewayError::NoSuchGateway(name.clone())
            }));
        }
        tx.execute("DELETE FROM dids WHERE gateway = ?1", [&name])?;
        let deleted = tx.execute("DELETE FROM gateways WHERE name = ?1", [&name])?;
        if deleted == 0 {
            return Ok(Err(GatewayError::NoSuchGateway(name.clone())));
        }
        tx.commit()?;
        Ok(Ok(dids))
    })?
}

/// Every gateway, by name.
pub fn list_gateways(store: &Store) -> Result<Vec<Gateway>, GatewayError> {
    Ok(store.with_conn(|conn| {
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {GATEWAY_COLUMNS} FROM gateways ORDER BY name"
        ))?;
        let rows = stmt.query_map([], gateway_from_row)?;
        rows.collect()
    })?)
}

/// One gateway by name (any case), if it exists.
pub fn find_gateway(store: &Store, name: &str) -> Result<Option<Gateway>, GatewayError> {
    let name = name.trim().to_ascii_lowercase();
    Ok(store.with_conn(|conn| {
        conn.prepare_cached(&format!(
            "SELECT {GATEWAY_COLUMNS} FROM gateways WHERE name = ?1"
        ))?
        .query_row([name], gateway_from_row)
        .optional()
    })?)
}

/// The gateway `name` if calls of tenant `domain` may use it (it is shared
/// or private to that tenant): what an outbound call of a tenant asks
/// before using a gateway, so that no tenant reaches another's trunk.
pub fn find_gateway_for_tenant(
    store: &Store,
    name: &str,
    domain: &str,
) -> Result<Option<Gateway>, GatewayError> {
    Ok(find_gateway(store, name)?.filter(|g| g.serves(domain)))
}

const DID_COLUMNS: &str = "number, domain, context, gateway, created_at";

fn did_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Did> {
    Ok(Did {
        number: row.get(0)?,
        domain: row.get(1)?,
        context: row.get(2)?,
        gateway: row.get(3)?,
        created_at: row.get(4)?,
    })
}

/// Adds a DID for tenant `domain`, routed in `context` (default: the
/// domain), from any gateway or only from `gateway`, which must exist and
/// serve the tenant.
pub fn add_did(
    store: &Store,
    number: &str,
    domain: &str,
    context: Option<&str>,
    gateway: Option<&str>,
) -> Result<Did, GatewayError> {
    let number = names::number(number).map_err(GatewayError::Invalid)?;
    let domain = crate::directory::names::domain(domain).map_err(GatewayError::Invalid)?;
    let context = match context {
        Some(c) => names::context(c).map_err(GatewayError::Invalid)?,
        None => domain.clone(),
    };
    let gateway = gateway
        .map(|g| names::gateway_name(g).map_err(GatewayError::Invalid))
        .transpose()?;
    let did = Did {
        number,
        domain,
        context,
        gateway,
        created_at: now(),
    };
    let outcome = store.with_conn(|conn| {
        let tx = conn.transaction()?;
        if !tenant_exists(&tx, &did.domain)? {
            return Ok(Err(GatewayError::NoSuchTenant(did.domain.clone())));
        }
        if let Some(name) = &did.gateway {
            let owner: Option<Option<String>> = tx
                .query_row("SELECT tenant FROM gateways WHERE name = ?1", [name], |r| {
                    r.get(0)
                })
                .optional()?;
            match owner {
                None => return Ok(Err(GatewayError::NoSuchGateway(name.clone()))),
                Some(Some(owner)) if owner != did.domain => {
                    return Ok(Err(GatewayError::Invalid(format!(
                        "gateway {name} is private to tenant {owner}, not {}",
                        did.domain
                    ))));
                }
                Some(_) => {}
            }
        }
        let inserted = tx.execute(
            &format!(
                "INSERT INTO dids ({DID_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO NOTHING"
            ),
            params![
                did.number,
                did.domain,
                did.context,
                did.gateway,
                did.created_at
            ],
        )?;
        tx.commit()?;
        Ok(if inserted == 1 {
            Ok(())
        } else {
            Err(GatewayError::DidExists(did.number.clone()))
        })
    })?;
    outcome.map(|()| did)
}

/// Deletes a DID (the number exactly as it was added).
pub fn delete_did(store: &Store, number: &str) -> Result<(), GatewayError> {
    let number = names::number(number).map_err(GatewayError::Invalid)?;
    let deleted =
        store.with_conn(|conn| conn.execute("DELETE FROM dids WHERE number = ?1", [&number]))?;
    if deleted == 1 {
        Ok(())
    } else {
        Err(GatewayError::NoSuchDid(number))
    }
}

/// The DIDs of one tenant, or of all, by number.
pub fn list_dids(store: &Store, domain: Option<&str>) -> Result<Vec<Did>, GatewayError> {
    let domain = domain
        .map(|d| crate::directory::names::domain(d).map_err(GatewayError::Invalid))
        .transpose()?;
    Ok(store.with_conn(|conn| {
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {DID_COLUMNS} FROM dids WHERE ?1 IS NULL OR domain = ?1 ORDER BY number"
        ))?;
        let rows = stmt.query_map([domain], did_from_row)?;
        rows.collect()
    })?)
}

/// The DID for a dialled number: the number exactly as stored, else the
/// same digits with the leading `+` added or removed (so `+15551230000`
/// and `15551230000` find each other; an exact match wins). Anything
/// that is not digits with an optional `+` finds nothing.
pub fn find_did(store: &Store, number: &str) -> Result<Option<Did>, GatewayError> {
    let Ok(number) = names::number(number) else {
        return Ok(None);
    };
    let other = match number.strip_prefix('+') {
        Some(digits) => digits.to_owned(),
        None => format!("+{number}"),
    };
    Ok(store.with_conn(|conn| {
        conn.prepare_cached(&format!(
            "SELECT {DID_COLUMNS} FROM dids WHERE number IN (?1, ?2)
             ORDER BY number = ?1 DESC LIMIT 1"
        ))?
        .query_row(params![number, other], did_from_row)
        .optional()
    })?)
}

/// Whether a call from `gateway` may land on `did`: the DID takes calls
/// from any gateway or from this one, and the gateway is shared or
/// private to the DID's tenant.
pub fn did_accepts(did: &Did, gateway: &Gateway) -> bool {
    did.gateway.as_deref().is_none_or(|g| g == gateway.name) && gateway.serves(&did.domain)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::directory::add_tenant;

    fn store() -> (Store, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        (Store::open(&dir.path().join("s.db")).unwrap(), dir)
    }

    fn settings(words: &[&str]) -> GatewaySettings {
        GatewaySettings::default()
            .with_assignments(words.iter().copied())
            .unwrap()
    }

    #[test]
    fn gateways_round_trip_and_need_their_tenant() {
        let (store, _dir) = store();
        let private = settings(&["tenant=acme.test"]);
        assert!(matches!(
            add_gateway(&store, "gw", "sip.example.net", private.clone()),
            Err(GatewayError::NoSuchTenant(_))
        ));
        add_tenant(&store, "acme.test").unwrap();
        let added = add_gateway(
            &store,
            "Carrier",
            "sip.example.net:5080",
            settings(&[
                "username=acct",
                "password=pw",
                "register=true",
                "tenant=acme.test",
            ]),
        )
        .unwrap();
        assert_eq!(added.name, "carrier");
        assert_eq!(find_gateway(&store, "CARRIER").unwrap().unwrap(), added);
        assert_eq!(
            (added.proxy_host(), added.proxy_port()),
            ("sip.example.net", 5080)
        );
        assert_eq!(added.from_domain(), "sip.example.net");
        assert!(matches!(
            add_gateway(&store, "carrier", "x.net", GatewaySettings::default()),
            Err(GatewayError::GatewayExists(_))
        ));
        assert!(
            find_gateway_for_tenant(&store, "carrier", "acme.test")
                .unwrap()
                .is_some()
        );
        assert!(
            find_gateway_for_tenant(&store, "carrier", "other.test")
                .unwrap()
                .is_none(),
            "a private gateway is not another tenant's"
        );
        add_gateway(&store, "shared", "192.0.2.1", GatewaySettings::default()).unwrap();
        let all = list_gateways(&store).unwrap();
        assert_eq!(all.len(), 2);
        assert!(all[1].serves("anyone.test"));
        assert!(!format!("{:?}", all[0]).contains("\"pw\""));
        crate::directory::delete_tenant(&store, "acme.test", true).unwrap();
        assert_eq!(
            list_gateways(&store).unwrap().len(),
            1,
            "a private gateway goes with its tenant"
        );
        assert_eq!(delete_gateway(&store, "shared", false).unwrap(), 0);
        assert!(matches!(
            delete_gateway(&store, "shared", false),
            Err(GatewayError::NoSuchGateway(_))
        ));
    }

    #[test]
    fn register_needs_credentials() {
        let (store, _dir) = store();
        let err = add_gateway(&store, "gw", "x.net", settings(&["register=true"])).unwrap_err();
        assert!(err.to_string().contains("needs a username"), "{err}");
        assert!(matches!(
            add_gateway(&store, "gw", "sip:x.net", GatewaySettings::default()),
            Err(GatewayError::Invalid(_))
        ));
    }

    #[test]
    fn dids_map_numbers_to_tenants() {
        let (store, _dir) = store();
        add_tenant(&store, "acme.test").unwrap();
        add_tenant(&store, "other.test").unwrap();
        assert!(matches!(
            add_did(&store, "+15551230000", "nowhere.test", None, None),
            Err(GatewayError::NoSuchTenant(_))
        ));
        let did = add_did(&store, "+15551230000", "acme.test", None, None).unwrap();
        assert_eq!(did.context, "acme.test");
        assert!(matches!(
            add_did(&store, "+15551230000", "other.test", None, None),
            Err(GatewayError::DidExists(_))
        ));
        assert_eq!(find_did(&store, "+15551230000").unwrap().unwrap(), did);
        assert_eq!(find_did(&store, "15551230000").unwrap().unwrap(), did);
        assert!(find_did(&store, "5551230000").unwrap().is_none());
        assert!(find_did(&store, "not a number").unwrap().is_none());
        add_did(&store, "15551230000", "other.test", Some("public"), None).unwrap();
        assert_eq!(
            find_did(&store, "15551230000").unwrap().unwrap().domain,
            "other.test",
            "an exact match wins"
        );
        assert!(matches!(
            add_did(&store, "100", "acme.test", None, Some("nope")),
            Err(GatewayError::NoSuchGateway(_))
        ));
        add_gateway(&store, "acme-gw", "x.net", settings(&["tenant=acme.test"])).unwrap();
        let err = add_did(&store, "200", "other.test", None, Some("acme-gw")).unwrap_err();
        assert!(
            err.to_string().contains("private to tenant acme.test"),
            "{err}"
        );
        let bound = add_did(&store, "300", "acme.test", None, Some("ACME-GW")).unwrap();
        assert_eq!(bound.gateway.as_deref(), Some("acme-gw"));
        let gw = find_gateway(&store, "acme-gw").unwrap().unwrap();
        assert!(did_accepts(&bound, &gw));
        assert!(!did_accepts(
            &find_did(&store, "15551230000").unwrap().unwrap(),
            &gw
        ));
        assert_eq!(list_dids(&store, Some("acme.test")).unwrap().len(), 2);
        assert_eq!(list_dids(&store, None).unwrap().len(), 3);
        assert!(matches!(
            delete_gateway(&store, "acme-gw", false),
            Err(GatewayError::GatewayHasDids(_, 1))
        ));
        assert_eq!(delete_gateway(&store, "acme-gw", true).unwrap(), 1);
        assert!(find_did(&store, "300").unwrap().is_none());
        delete_did(&store, "+15551230000").unwrap();
        assert!(matches!(
            delete_did(&store, "+15551230000"),
            Err(GatewayError::NoSuchDid(_))
        ));
        crate::directory::delete_tenant(&store, "other.test", true).unwrap();
        assert!(
            list_dids(&store, None).unwrap().is_empty(),
            "DIDs go with their tenant"
        );
    }
}
