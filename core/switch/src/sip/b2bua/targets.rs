//! Where a dial string's endpoints ring: every contact a user of a tenant
//! registered, a SIP URI's host, a gateway's proxy. Each becomes a
//! [`Target`] with the peer to send to, or the failure that stands for it
//! in the bridge's outcome.

use super::{B2bua, reason_phrase, trunk};
use crate::channel::cause::HangupCause;
use crate::sip::dialstring::Endpoint;
use std::net::SocketAddr;
use std::time::SystemTime;
use switchyard_sip::message::Uri;
use switchyard_sip::transaction::{ConnectionId, Peer};

/// Where one fork goes.
pub(super) struct Target {
    pub(super) request_uri: String,
    pub(super) to: String,
    pub(super) peer: Peer,
    pub(super) callee: String,
    /// The tenant that owns the B leg.
    pub(super) tenant: String,
    pub(super) channel_name: String,
    pub(super) gateway: Option<trunk::Trunk>,
    /// The callee's own channel variables (a user's, from the directory:
    /// `codec_string` and the like); the dial string's override them.
    pub(super) variables: Vec<(String, String)>,
}

/// Why an endpoint could not be rung: status, reason, cause.
pub(super) type Failure = (u16, String, HangupCause);

pub(super) fn failure(cause: HangupCause) -> Failure {
    let status = cause.sip_status();
    (status, reason_phrase(status).to_owned(), cause)
}

impl B2bua {
    /// The forks an endpoint rings.
    pub(super) fn targets_of(
        &self,
        endpoint: &Endpoint,
        tenant: &str,
    ) -> Result<Vec<Target>, Failure> {
        match endpoint {
            Endpoint::User { extension, domain } => {
                let domain = domain.clone().unwrap_or_else(|| tenant.to_owned());
                self.user_targets(extension, &domain)
            }
            Endpoint::Uri(uri) => self.uri_target(uri, tenant),
            Endpoint::Gateway { name, number } => self.gateway_target(name, number, tenant),
            Endpoint::Error(cause) => Err(failure(*cause)),
        }
    }

    fn user_targets(&self, extension: &str, domain: &str) -> Result<Vec<Target>, Failure> {
        let Ok(Some(user)) = crate::directory::find_user(&self.switch.store, extension, domain)
        else {
            return Err(failure(HangupCause::UnallocatedNumber));
        };
        if user.max_calls > 0 && self.user_calls(extension, domain) >= user.max_calls as usize {
            tracing::info!(
                "{extension}@{domain} is in {} call(s), its max_calls",
                user.max_calls
            );
            return Err(failure(HangupCause::UserBusy));
        }
        let bindings =
            crate::registrar::contacts_of(&self.switch.store, extension, domain, SystemTime::now())
                .map_err(|e| {
                    tracing::warn!("bridge: reading the contacts of {extension}@{domain}: {e}");
                    failure(HangupCause::NormalTemporaryFailure)
                })?;
        let mut targets = Vec::new();
        for binding in bindings {
            let contact = binding
                .contact
                .trim()
                .trim_start_matches('<')
                .trim_end_matches('>')
                .to_owned();
            let peer = if binding.transport.eq_ignore_ascii_case("tcp") {
                // The connection the user registered over; when it has
                // closed, a new one to the address in its Contact.
                let id = match self.outbound.connection_to(binding.network_addr) {
                    Some(id) => Some(id),
                    None => contact_address(&contact)
                        .and_then(|addr| self.outbound.connection_or_connect(addr)),
                };
                let Some(id) = id else {
                    tracing::info!("bridge: no way to reach {extension}@{domain} over tcp");
                    continue;
                };
                Peer::reliable(binding.network_addr, ConnectionId(id))
            } else {
                Peer::unreliable(binding.network_addr, ConnectionId(0))
            };
            targets.push(Target {
                request_uri: contact.clone(),
                to: format!("<sip:{extension}@{domain}>"),
                peer,
                callee: extension.to_owned(),
                tenant: domain.to_owned(),
                channel_name: format!("sofia/internal/{contact}"),
                gateway: None,
                variables: user
                    .variables
                    .iter()
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
            });
        }
        if targets.is_empty() {
            return Err(failure(HangupCause::UserNotRegistered));
        }
        Ok(targets)
    }

    fn uri_target(&self, uri: &str, tenant: &str) -> Result<Vec<Target>, Failure> {
        let parsed = Uri::parse(uri).map_err(|_| failure(HangupCause::InvalidUrl))?;
        let sip = parsed
            .as_sip()
            .ok_or_else(|| failure(HangupCause::InvalidUrl))?;
        let host = sip.host.to_ascii_lowercase();
        if let Some(user) = sip.user
            && sip.port.is_none()
            && matches!(
                crate::directory::is_tenant(&self.switch.store, &host),
                Ok(true)
            )
        {
            // A user of a tenant here: ring it rather than loop back.
            return self.user_targets(user, &host);
        }
        if sip.secure {
            tracing::info!("bridge: {uri} needs TLS, which this switch does not offer");
            return Err(failure(HangupCause::InvalidUrl));
        }
        let addr = trunk::resolve(sip.host, sip.port).ok_or_else(|| {
            tracing::info!("bridge: cannot resolve the host of {uri}");
            failure(HangupCause::NoRouteDestination)
        })?;
        let tcp = sip
            .transport()
            .is_some_and(|t| t.eq_ignore_ascii_case("tcp"));
        let peer = self.peer_for(addr, tcp)?;
        let user = sip.user.unwrap_or_default();
        Ok(vec![Target {
            request_uri: uri.to_owned(),
            to: format!("<{uri}>"),
            peer,
            callee: user.to_owned(),
            tenant: tenant.to_owned(),
            channel_name: format!("sofia/external/{}", uri.trim_start_matches("sip:")),
            gateway: None,
            variables: Vec::new(),
        }])
    }

    fn gateway_target(
        &self,
        name: &str,
        number: &str,
        tenant: &str,
    ) -> Result<Vec<Target>, Failure> {
        let Some(gateway) = trunk::by_name(&self.switch, name) else {
            tracing::info!("bridge: no gateway '{name}'");
            return Err(failure(HangupCause::InvalidGateway));
        };
        if gateway
            .tenant
            .as_deref()
            .is_some_and(|owner| owner != tenant)
        {
            // A tenant's private trunk is not for other tenants' calls.
            tracing::warn!("bridge: gateway '{name}' belongs to another tenant than {tenant}");
            return Err(failure(HangupCause::InvalidGateway));
        }
        let Some(addr) = gateway.address else {
            tracing::info!(
                "bridge: cannot resolve gateway '{name}' ({})",
                gateway.proxy
            );
            return Err(failure(HangupCause::GatewayDown));
        };
        let peer = self.peer_for(addr, gateway.tcp)?;
        let uri = format!("sip:{number}@{}", gateway.proxy);
        Ok(vec![Target {
            request_uri: uri.clone(),
            to: format!("<{uri}>"),
            peer,
            callee: number.to_owned(),
            tenant: tenant.to_owned(),
            channel_name: format!("sofia/gateway/{}/{number}", gateway.name),
            gateway: Some(gateway),
            variables: Vec::new(),
        }])
    }

    fn peer_for(&self, addr: SocketAddr, tcp: bool) -> Result<Peer, Failure> {
        if !tcp {
            return Ok(Peer::unreliable(addr, ConnectionId(0)));
        }
        self.outbound
            .connection_or_connect(addr)
            .map(|id| Peer::reliable(addr, ConnectionId(id)))
            .ok_or_else(|| failure(HangupCause::NetworkOutOfOrder))
    }
}

/// The address a Contact URI points at.
fn contact_address(contact: &str) -> Option<SocketAddr> {
    let uri = Uri::parse(contact).ok()?;
    let sip = uri.as_sip()?;
    trunk::resolve(sip.host, sip.port)
}
