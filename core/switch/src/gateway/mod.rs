//! Gateways (trunks to SIP providers) and DIDs.
//!
//! - A gateway is a provider's proxy with, optionally, an account
//!   (username and password) and an outbound registration kept alive by
//!   [`registration::Registrations`]. It is shared by all tenants or
//!   private to one.
//! - A DID maps a number to a tenant and a dialplan context: a call that
//!   arrives from a gateway ([`source::route_inbound_call`]) lands in the
//!   DID's tenant.
//!
//! Both live in the core store ([`store`]); the `gateway` and `did` API
//! commands ([`commands`]) change them at once, and tell the registration
//! engine through the shared [`GatewayStates`].

pub mod commands;
pub mod names;
pub mod options;
pub mod registration;
pub mod source;
pub mod state;
pub mod store;

pub use options::GatewaySettings;
pub use registration::{LocalAddress, Outgoing, Registrations, RequestId};
pub use source::{InboundCall, find_gateway_by_source, route_inbound_call};
pub use state::{GatewayStates, GatewayStatus, RegState};
pub use store::{
    Did, Gateway, GatewayError, GatewayTransport, add_did, add_gateway, delete_did, delete_gateway,
    did_accepts, find_did, find_gateway, find_gateway_for_tenant, list_dids, list_gateways,
};
