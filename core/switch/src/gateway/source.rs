//! Which gateway an inbound request came from, and where a call from a
//! gateway lands (the DID's tenant and context).
//!
//! The rule: each gateway's proxy `host[:port]` is resolved (port 5060 when
//! none is given) and compared with the request's source address.
//!
//! 1. Gateways with an address equal to the source (IP and port) match.
//! 2. If none does, a gateway with the source's IP on another port matches,
//!    but only when exactly one gateway has that IP (providers often send
//!    from a port other than the one they listen on, and with one gateway
//!    on that IP there is no doubt which it is), and only for a request
//!    whose From is not a user of a tenant here: users and a provider can
//!    share an IP (a PBX behind the provider's NAT, or everything on one
//!    host), and a user's call must stay a user's call.
//!
//! IPv4-mapped IPv6 sources (`::ffff:192.0.2.1`, from a dual-stack socket)
//! compare as IPv4. Proxies given by host name cost a DNS lookup per call
//! (through the system resolver and its cache); a name that does not
//! resolve matches nothing.

use super::store::{Did, Gateway, GatewayError, did_accepts, find_did, list_gateways};
use crate::store::Store;
use std::net::{IpAddr, SocketAddr, ToSocketAddrs};

/// Resolves `host` (brackets removed) and `port` through the system
/// resolver; nothing when it fails.
pub fn resolve(host: &str, port: u16) -> Vec<SocketAddr> {
    (super::names::bare_host(host), port)
        .to_socket_addrs()
        .map(Iterator::collect)
        .unwrap_or_default()
}

fn canonical(ip: IpAddr) -> IpAddr {
    ip.to_canonical()
}

/// The gateways `gateways` that `source` belongs to under the rule of this
/// module, with `resolve` for the proxies' addresses.
pub fn match_source(
    gateways: Vec<Gateway>,
    source: SocketAddr,
    mut resolve: impl FnMut(&str, u16) -> Vec<SocketAddr>,
    same_ip_fallback: bool,
) -> Vec<Gateway> {
    let source_ip = canonical(source.ip());
    let mut exact = Vec::new();
    let mut same_ip = Vec::new();
    for gateway in gateways {
        let addresses = resolve(gateway.proxy_host(), gateway.proxy_port());
        if addresses
            .iter()
            .any(|a| canonical(a.ip()) == source_ip && a.port() == source.port())
        {
            exact.push(gateway);
        } else if addresses.iter().any(|a| canonical(a.ip()) == source_ip) {
            same_ip.push(gateway);
        }
    }
    if exact.is_empty() && same_ip.len() == 1 && same_ip_fallback {
        same_ip
    } else {
        exact
    }
}

/// Every gateway `source` belongs to (several when gateways share a proxy),
/// by name.
/// `same_ip_fallback` allows rule 2.
pub fn gateways_by_source(
    store: &Store,
    source: SocketAddr,
    same_ip_fallback: bool,
) -> Result<Vec<Gateway>, GatewayError> {
    Ok(match_source(
        list_gateways(store)?,
        source,
        resolve,
        same_ip_fallback,
    ))
}

/// The gateway a request from `source` came from: the first by name when
/// several share the address (use [`route_inbound_call`] to route a call,
/// which picks the one the DID accepts).
pub fn find_gateway_by_source(
    store: &Store,
    source: SocketAddr,
) -> Result<Option<Gateway>, GatewayError> {
    Ok(gateways_by_source(store, source, true)?.into_iter().next())
}

/// Where a call that arrived from `source` for `number` goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InboundCall {
    /// `source` is not a gateway: treat the request as from a user.
    NotFromGateway,
    /// From a gateway, but no DID takes `number` from it (no such DID, or
    /// it is bound to another gateway, or the gateway is private to
    /// another tenant): answer 404.
    UnknownNumber {
        /// The gateway it came from (the first by name if several).
        gateway: Gateway,
    },
    /// Route the call in the DID's tenant (`did.domain`) and context
    /// (`did.context`).
    Did {
        /// The gateway it came from.
        gateway: Gateway,
        /// The DID.
        did: Did,
    },
}

/// Routes a call from `source` for `number` (the dialled number: the
/// Request-URI's user part, where providers put the DID): the gateway it
/// came from and the DID that takes it (see [`find_did`] for how numbers
/// match and [`did_accepts`] for which gateway may use a DID). Among
/// several gateways at that address, the first (by name) the DID accepts
/// is chosen. `from_tenant_user`: the From names a tenant here, which
/// rules out a match on the IP alone.
pub fn route_inbound_call(
    store: &Store,
    source: SocketAddr,
    number: &str,
    from_tenant_user: bool,
) -> Result<InboundCall, GatewayError> {
    let gateways = gateways_by_source(store, source, !from_tenant_user)?;
    let Some(first) = gateways.first().cloned() else {
        return Ok(InboundCall::NotFromGateway);
    };
    let Some(did) = find_did(store, number)? else {
        return Ok(InboundCall::UnknownNumber { gateway: first });
    };
    Ok(match gateways.into_iter().find(|g| did_accepts(&did, g)) {
        Some(gateway) => InboundCall::Did { gateway, did },
        None => InboundCall::UnknownNumber { gateway: first },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::directory::add_tenant;
    use crate::gateway::options::GatewaySettings;
    use crate::gateway::store::{add_did, add_gateway};

    fn gateway(name: &str, proxy: &str) -> Gateway {
        Gateway {
            name: name.into(),
            proxy: proxy.into(),
            transport: crate::gateway::GatewayTransport::Udp,
            username: None,
            password: None,
            realm: None,
            from_domain: None,
            register: false,
            expires: 3600,
            retry_seconds: 30,
            caller_id_in_from: false,
            tenant: None,
            created_at: String::new(),
        }
    }

    fn names(list: Vec<Gateway>) -> Vec<String> {
        list.into_iter().map(|g| g.name).collect()
    }

    fn addr(text: &str) -> SocketAddr {
        text.parse().unwrap()
    }

    #[test]
    fn sources_match_on_ip_and_port_or_a_unique_ip() {
        let all = || {
            vec![
                gateway("a", "192.0.2.1"),
                gateway("b", "192.0.2.1:5080"),
                gateway("c", "198.51.100.7:5070"),
                gateway("d", "[2001:db8::1]"),
                gateway("named", "sip.example.net"),
            ]
        };
        let dns = |host: &str, port: u16| match host {
            "sip.example.net" => vec![SocketAddr::new("203.0.113.5".parse().unwrap(), port)],
            other => resolve(other, port),
        };
        assert_eq!(
            names(match_source(all(), addr("192.0.2.1:5060"), dns, true)),
            ["a"]
        );
        assert_eq!(
            names(match_source(all(), addr("192.0.2.1:5080"), dns, true)),
            ["b"]
        );
        assert!(
            match_source(all(), addr("192.0.2.1:40000"), dns, true).is_empty(),
            "two gateways on that IP: the port must match"
        );
        assert_eq!(
            names(match_source(all(), addr("198.51.100.7:5060"), dns, true)),
            ["c"],
            "the only gateway on that IP"
        );
        assert_eq!(
            names(match_source(
                all(),
                addr("[::ffff:198.51.100.7]:5070"),
                dns,
                true
            )),
            ["c"]
        );
        assert_eq!(
            names(match_source(all(), addr("[2001:db8::1]:5060"), dns, true)),
            ["d"]
        );
        assert_eq!(
            names(match_source(all(), addr("203.0.113.5:5060"), dns, true)),
            ["named"]
        );
        assert!(match_source(all(), addr("192.0.2.99:5060"), dns, true).is_empty());
        let twins = vec![gateway("x", "192.0.2.1"), gateway("y", "192.0.2.1:5060")];
        assert_eq!(
            names(match_source(twins, addr("192.0.2.1:5060"), dns, true)),
            ["x", "y"]
        );
    }

    #[test]
    fn calls_from_gateways_land_in_the_did_tenant() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("s.db")).unwrap();
        add_tenant(&store, "acme.test").unwrap();
        add_tenant(&store, "other.test").unwrap();
        let private = |t: &str| {
            GatewaySettings::default()
                .with_assignments([format!("tenant={t}").as_str()])
                .unwrap()
        };
        add_gateway(&store, "acme-gw", "192.0.2.1", private("acme.test")).unwrap();
        add_gateway(&store, "other-gw", "192.0.2.1", private("other.test")).unwrap();
        add_did(&store, "+15551230000", "acme.test", Some("inbound"), None).unwrap();
        add_did(&store, "+15559990000", "other.test", None, None).unwrap();
        let from = addr("192.0.2.1:5060");
        match route_inbound_call(&store, from, "15551230000", false).unwrap() {
            InboundCall::Did { gateway, did } => {
                assert_eq!(gateway.name, "acme-gw");
                assert_eq!(
                    (did.domain.as_str(), did.context.as_str()),
                    ("acme.test", "inbound")
                );
            }
            other => panic!("{other:?}"),
        }
        match route_inbound_call(&store, from, "+15559990000", false).unwrap() {
            InboundCall::Did { gateway, did } => {
                assert_eq!(
                    gateway.name, "other-gw",
                    "the gateway the DID's tenant owns"
                );
                assert_eq!(did.domain, "other.test");
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            route_inbound_call(&store, from, "123", false).unwrap(),
            InboundCall::UnknownNumber { .. }
        ));
        assert_eq!(
            route_inbound_call(&store, addr("192.0.2.2:5060"), "+15551230000", false).unwrap(),
            InboundCall::NotFromGateway
        );
        assert_eq!(
            find_gateway_by_source(&store, from).unwrap().unwrap().name,
            "acme-gw"
        );
    }
}
