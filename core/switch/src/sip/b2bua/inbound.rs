//! New INVITEs: from a user of a tenant (digest-authenticated, routed in
//! the tenant's context) or from a gateway (no challenge; the Request-URI
//! number must be a DID, and the call lands in the DID's tenant and
//! context).

use super::{ALeg, ASide, B2bua, respond, trunk};
use crate::channel::{CallerProfile, Direction, NewChannel};
use crate::registrar::CallerAuth;
use crate::sip::Origin;
use std::time::{Instant, SystemTime};
use switchyard_sip::message::Request;
use switchyard_sip::transaction::{ServerKey, TransactionLayer};

impl B2bua {
    /// A new INVITE outside any dialog.
    pub fn on_invite(
        &mut self,
        layer: &mut TransactionLayer,
        key: ServerKey,
        invite: Request,
        origin: &Origin,
    ) {
        let has_to_tag = invite
            .headers()
            .to()
            .ok()
            .and_then(|to| to.tag().map(str::to_owned))
            .is_some();
        if has_to_tag {
            // A re-INVITE for a dialog we do not know.
            respond(layer, &key, &invite, 481, "Call/Transaction Does Not Exist");
            return;
        }
        let destination = request_user(&invite);
        let from_tenant_user = from_domain(&invite).is_some_and(|domain| {
            matches!(
                crate::directory::is_tenant(&self.switch.store, &domain),
                Ok(true)
            )
        });
        match trunk::arrival(&self.switch, origin.peer, &destination, from_tenant_user) {
            trunk::Arrival::FromUser => {}
            trunk::Arrival::UnknownNumber(gateway) => {
                tracing::info!("call from gateway {gateway} to {destination}: no such DID");
                respond(layer, &key, &invite, 404, "Not Found: no such DID");
                return;
            }
            trunk::Arrival::Did {
                gateway,
                domain,
                context,
            } => {
                let did = (gateway, domain, context);
                self.arrived_from_gateway(layer, key, invite, origin, &destination, did);
                return;
            }
        }
        let Some(realm) = from_domain(&invite) else {
            // A well-formed call from outside any tenant (a tel: caller)
            // has no domain to authenticate in: refused.
            respond(
                layer,
                &key,
                &invite,
                403,
                "Forbidden: the caller is no user of a tenant here",
            );
            return;
        };
        let now = Instant::now();
        let user = match self.switch.registrar.authenticate_caller(
            &self.switch.store,
            &self.switch.bans,
            &invite,
            origin.peer,
            &realm,
            SystemTime::now(),
            now,
        ) {
            CallerAuth::Authenticated(user) => user,
            CallerAuth::Respond(response) => {
                let _ = layer.respond(&key, response, now);
                return;
            }
            CallerAuth::Drop => return,
        };
        let caller = crate::directory::find_user(&self.switch.store, &user, &realm)
            .ok()
            .flatten();
        if let Some(caller) = &caller
            && caller.max_calls > 0
            && self.user_calls(&user, &realm) >= caller.max_calls as usize
        {
            tracing::info!(
                "{user}@{realm} is in {} call(s), its max_calls",
                caller.max_calls
            );
            respond(
                layer,
                &key,
                &invite,
                403,
                "Forbidden: the caller's max_calls is reached",
            );
            return;
        }
        let (cid_name, cid_number) = caller.as_ref().map_or((user.clone(), user.clone()), |u| {
            (u.caller_id_name.clone(), u.caller_id_number.clone())
        });
        let profile = CallerProfile {
            username: user.clone(),
            caller_id_name: cid_name,
            caller_id_number: cid_number.clone(),
            destination_number: destination.clone(),
            context: realm.clone(),
            network_addr: origin.peer.ip().to_string(),
            ani: cid_number,
            ..CallerProfile::default()
        };
        let mut spec = NewChannel::new(
            Direction::Inbound,
            realm.clone(),
            format!("sofia/internal/{user}@{realm}"),
            profile,
        );
        if let Some(user) = &caller {
            spec.variables = user.variables.clone().into_iter().collect();
        }
        spec.variables.push(("domain_name".into(), realm.clone()));
        spec.variables.push(("user_name".into(), user.clone()));
        self.accept(layer, key, invite, spec, &destination, &realm);
    }

    /// A call from a trunk: it lands in the tenant and context of the DID
    /// it is addressed to.
    fn arrived_from_gateway(
        &mut self,
        layer: &mut TransactionLayer,
        key: ServerKey,
        invite: Request,
        origin: &Origin,
        destination: &str,
        (gateway, domain, context): (String, String, String),
    ) {
        let (cid_name, cid_number) = caller_id(&invite);
        let profile = CallerProfile {
            username: cid_number.clone(),
            caller_id_name: cid_name,
            caller_id_number: cid_number.clone(),
            destination_number: destination.to_owned(),
            context: context.clone(),
            network_addr: origin.peer.ip().to_string(),
            ani: cid_number,
            ..CallerProfile::default()
        };
        let mut spec = NewChannel::new(
            Direction::Inbound,
            domain.clone(),
            format!("sofia/gateway/{gateway}/{destination}"),
            profile,
        );
        spec.gateway = Some(gateway.clone());
        spec.variables.push(("domain_name".into(), domain));
        spec.variables.push(("sip_gateway_name".into(), gateway));
        spec.variables
            .push(("did_number".into(), destination.to_owned()));
        self.accept(layer, key, invite, spec, destination, &context);
    }

    /// Creates the A channel and routes the call.
    fn accept(
        &mut self,
        layer: &mut TransactionLayer,
        key: ServerKey,
        invite: Request,
        mut spec: NewChannel,
        destination: &str,
        context: &str,
    ) {
        spec.variables.push((
            "sip_call_id".into(),
            invite.headers().get("Call-ID").unwrap_or("").to_owned(),
        ));
        // FreeSWITCH's name for the number dialled (kept across transfers).
        spec.variables
            .push(("sip_req_user".into(), destination.to_owned()));
        let channel =
            match self
                .switch
                .channels
                .create(&self.switch.bus, &self.switch.sessions, spec)
            {
                Ok(channel) => channel,
                Err(e) => {
                    tracing::error!("cannot create a channel: {e}");
                    respond(layer, &key, &invite, 500, "Server Internal Error");
                    return;
                }
            };
        let tag = self.branches.tag();
        let call_id = self.insert_call(ALeg {
            side: ASide::Caller { invite, key, tag },
            dialog: None,
            channel,
            answered: false,
            finished: false,
            media: None,
        });
        self.route(layer, call_id, destination, context);
    }
}

/// The From domain (the caller's tenant), lower-cased.
fn from_domain(request: &Request) -> Option<String> {
    let from = request.headers().from().ok()?;
    let sip = from.uri.as_sip()?;
    Some(sip.host.to_ascii_lowercase())
}

/// The number dialled: the Request-URI user (a `tel:` URI's digits).
fn request_user(invite: &Request) -> String {
    invite
        .uri()
        .ok()
        .and_then(|uri| {
            uri.as_sip()
                .and_then(|sip| sip.user.map(str::to_owned))
                .or_else(|| uri.as_tel().map(|tel| tel.number.to_owned()))
        })
        .unwrap_or_default()
}

/// Caller-ID name and number from the From header of a trunk call.
fn caller_id(invite: &Request) -> (String, String) {
    let Ok(from) = invite.headers().from() else {
        return (String::new(), String::new());
    };
    let number = from
        .uri
        .as_sip()
        .and_then(|sip| sip.user.map(str::to_owned))
        .or_else(|| from.uri.as_tel().map(|tel| tel.number.to_owned()))
        .unwrap_or_default();
    let name = from
        .display_name
        .map(|name| name.trim_matches('"').to_owned())
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| number.clone());
    (name, number)
}
