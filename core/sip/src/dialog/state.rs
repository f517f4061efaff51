//! What a dialog remembers (RFC 3261 §12), and reading it.

use super::id::DialogId;

/// Where a dialog is in its life (RFC 3261 §12).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DialogState {
    /// Created by a provisional response with a To tag; no 2xx yet.
    Early,
    /// A 2xx was sent or received.
    Confirmed,
    /// Ended: BYE, a non-2xx final answer to the INVITE, or a 481/408 to a
    /// request in the dialog. Requests from the peer get 481.
    Terminated,
}

/// Which side of the initial request this UA was on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Role {
    /// We sent the request that created the dialog (the caller's side).
    Uac,
    /// We received it (the callee's side).
    Uas,
}

/// What a message did to a dialog.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DialogChange {
    /// Nothing the layer above needs to act on.
    Unchanged,
    /// The dialog went from Early to Confirmed.
    Confirmed,
    /// The remote target was replaced (a target refresh request or 2xx).
    TargetRefreshed,
    /// The dialog ended.
    Terminated,
}

/// One SIP dialog (RFC 3261 §12). See the [module docs](super) for the
/// life cycle; create one with [`Dialog::uac_from_response`] or
/// [`Dialog::uas_from_request`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dialog {
    pub(super) id: DialogId,
    pub(super) role: Role,
    pub(super) state: DialogState,
    /// The From value of our requests (our URI with our tag).
    pub(super) local_address: String,
    /// The To value of our requests (their URI with their tag).
    pub(super) remote_address: String,
    pub(super) local_uri: String,
    pub(super) remote_uri: String,
    pub(super) remote_target: String,
    pub(super) route_set: Vec<String>,
    pub(super) local_cseq: Option<u32>,
    pub(super) remote_cseq: Option<u32>,
    pub(super) secure: bool,
    /// The Contact value for our target refresh requests and responses.
    pub(super) local_contact: Option<String>,
    /// CSeq number and method of the request that created the dialog.
    pub(super) initial_cseq: u32,
    pub(super) initial_method: String,
    /// UAS: the Record-Route values of the initial request, as received.
    pub(super) record_route_echo: Vec<String>,
    /// CSeq of an INVITE we sent that has no final response yet.
    pub(super) invite_out: Option<u32>,
    /// CSeq of an INVITE we received and have not answered finally yet.
    pub(super) invite_in: Option<u32>,
}

impl Dialog {
    /// The dialog id.
    pub fn id(&self) -> &DialogId {
        &self.id
    }

    /// Which side created it.
    pub fn role(&self) -> Role {
        self.role
    }

    /// Early, Confirmed or Terminated.
    pub fn state(&self) -> DialogState {
        self.state
    }

    /// True while Early or Confirmed.
    pub fn is_active(&self) -> bool {
        self.state != DialogState::Terminated
    }

    /// Our URI (From of our requests, without the tag).
    pub fn local_uri(&self) -> &str {
        &self.local_uri
    }

    /// The peer's URI (To of our requests, without the tag).
    pub fn remote_uri(&self) -> &str {
        &self.remote_uri
    }

    /// The From header value our requests carry (with our tag).
    pub fn local_address(&self) -> &str {
        &self.local_address
    }

    /// The To header value our requests carry (with the peer's tag).
    pub fn remote_address(&self) -> &str {
        &self.remote_address
    }

    /// The remote target: the URI of the peer's latest Contact.
    pub fn remote_target(&self) -> &str {
        &self.remote_target
    }

    /// The route set: URIs, in the order our requests visit them.
    pub fn route_set(&self) -> &[String] {
        &self.route_set
    }

    /// Where our requests go first (RFC 3261 §8.1.2): the first route, or
    /// the remote target when the route set is empty. The IO edge resolves
    /// it (RFC 3263) to an address and transport.
    pub fn next_hop(&self) -> &str {
        self.route_set.first().unwrap_or(&self.remote_target)
    }

    /// The CSeq number of our latest request (`None` for a UAS that has
    /// sent none yet).
    pub fn local_cseq(&self) -> Option<u32> {
        self.local_cseq
    }

    /// The highest CSeq number seen from the peer (`None` until it sends
    /// a request in the dialog, for a UAC).
    pub fn remote_cseq(&self) -> Option<u32> {
        self.remote_cseq
    }

    /// True when the dialog was set up over TLS with a SIPS Request-URI:
    /// its requests must go over TLS too.
    pub fn is_secure(&self) -> bool {
        self.secure
    }

    /// The Contact value we put in target refresh requests and in the
    /// responses that establish or refresh the dialog.
    pub fn local_contact(&self) -> Option<&str> {
        self.local_contact.as_deref()
    }

    /// Replaces our Contact (sent with the next target refresh).
    pub fn set_local_contact(&mut self, contact: impl Into<String>) {
        self.local_contact = Some(contact.into());
    }

    /// The CSeq number of the request that created the dialog.
    pub fn initial_cseq(&self) -> u32 {
        self.initial_cseq
    }

    /// True while an INVITE (initial or re-INVITE) is in progress in either
    /// direction.
    pub fn invite_in_progress(&self) -> bool {
        self.invite_out.is_some() || self.invite_in.is_some()
    }

    /// Ends the dialog: for a transaction timeout or transport failure of a
    /// request in it (§12.2.1.2 treats those as 408), or after our BYE.
    pub fn terminate(&mut self) {
        self.state = DialogState::Terminated;
        self.invite_out = None;
        self.invite_in = None;
    }
}
