//! Gateways (trunks) as the B2BUA uses them: where to send a call for
//! `gateway/NAME/NUMBER` and with which credentials, and which tenant a
//! call arriving from a gateway lands in (its DID's).

use crate::gateway::{self, InboundCall};
use crate::switch::Switch;
use std::net::{SocketAddr, ToSocketAddrs};

/// A gateway ready to call through.
#[derive(Debug, Clone)]
pub(super) struct Trunk {
    /// Its name.
    pub name: String,
    /// The proxy as configured (`host[:port]`), for the Request-URI.
    pub proxy: String,
    /// The proxy's address, when it resolves.
    pub address: Option<SocketAddr>,
    /// Calls go over TCP.
    pub tcp: bool,
    /// Digest username (empty: the gateway does not challenge us).
    pub username: String,
    /// Digest password.
    pub password: String,
    /// The From domain.
    pub from_domain: String,
    /// Whether the From user is the caller's number (else the username).
    pub caller_id_in_from: bool,
    /// The tenant it is private to, if any.
    pub tenant: Option<String>,
}

impl Trunk {
    fn from_gateway(gw: gateway::Gateway) -> Trunk {
        let address = resolve(gw.proxy_host(), Some(gw.proxy_port()));
        Trunk {
            address,
            tcp: gw.transport == gateway::GatewayTransport::Tcp,
            username: gw.username.clone().unwrap_or_default(),
            password: gw.password.clone().unwrap_or_default(),
            from_domain: gw
                .from_domain
                .clone()
                .unwrap_or_else(|| gw.proxy_host().to_owned()),
            caller_id_in_from: gw.caller_id_in_from,
            tenant: gw.tenant.clone(),
            name: gw.name,
            proxy: gw.proxy,
        }
    }
}

/// The gateway called `name`.
pub(super) fn by_name(switch: &Switch, name: &str) -> Option<Trunk> {
    match gateway::find_gateway(&switch.store, name) {
        Ok(found) => found.map(Trunk::from_gateway),
        Err(e) => {
            tracing::warn!("reading gateway {name}: {e}");
            None
        }
    }
}

/// Where a call from `source` for `number` lands.
pub(super) enum Arrival {
    /// Not from a gateway: a user's call.
    FromUser,
    /// From a gateway, for a number no DID of it takes.
    UnknownNumber(String),
    /// From gateway `gateway`, for a DID of tenant `domain`.
    Did {
        /// The gateway's name.
        gateway: String,
        /// The DID's tenant.
        domain: String,
        /// The context to route in.
        context: String,
    },
}

/// Where a call from `source` for `number` lands.
/// `from_tenant_user`: the From names a tenant here.
pub(super) fn arrival(
    switch: &Switch,
    source: SocketAddr,
    number: &str,
    from_tenant_user: bool,
) -> Arrival {
    match gateway::route_inbound_call(&switch.store, source, number, from_tenant_user) {
        Ok(InboundCall::NotFromGateway) => Arrival::FromUser,
        Ok(InboundCall::UnknownNumber { gateway }) => Arrival::UnknownNumber(gateway.name),
        Ok(InboundCall::Did { gateway, did }) => Arrival::Did {
            gateway: gateway.name,
            domain: did.domain,
            context: did.context,
        },
        Err(e) => {
            tracing::warn!("looking up the gateways: {e}");
            Arrival::FromUser
        }
    }
}

/// `host` (brackets removed) and `port` (5060 when none) through the
/// system resolver: the first address.
pub(super) fn resolve(host: &str, port: Option<u16>) -> Option<SocketAddr> {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    (host, port.unwrap_or(5060)).to_socket_addrs().ok()?.next()
}
