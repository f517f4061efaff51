//! Creating a dialog (RFC 3261 §12.1): on the UAC side from a 101–299
//! response with a To tag, on the UAS side from the request it will answer.

use super::error::DialogError;
use super::id::DialogId;
use super::state::{Dialog, DialogState, Role};
use super::text::{
    first_contact_uri, first_value, is_secure, is_token, name_addr_text, record_route_uris,
};
use crate::message::{Contact, HeaderName, Method, NameAddr, Request, Response};

impl Dialog {
    /// The UAC's dialog for `response` to `request`, the request we sent
    /// (§12.1.2): a 101–199 with a To tag makes it Early, a 2xx Confirmed.
    /// The route set is the response's Record-Route reversed, the remote
    /// target its Contact (if the response lacks one, the Request-URI, until
    /// a response with a Contact arrives), the local CSeq the request's.
    ///
    /// With forking, every To tag is its own dialog: use
    /// [`DialogSet::on_invite_response`](super::DialogSet::on_invite_response).
    pub fn uac_from_response(
        request: &Request,
        response: &Response,
    ) -> Result<Dialog, DialogError> {
        let status = response.status();
        if !(101..=299).contains(&status) {
            return Err(DialogError::NoDialog(
                "only a 101-299 response creates a dialog",
            ));
        }
        let req = request.headers();
        let resp = response.headers();
        let call_id = req.call_id()?;
        if resp.call_id()? != call_id {
            return Err(DialogError::Mismatch("Call-ID"));
        }
        let (sent, got) = (req.cseq()?, resp.cseq()?);
        if sent != got || sent.method.as_str() != request.method_str() {
            return Err(DialogError::Mismatch("CSeq"));
        }
        let from = req.from()?;
        let local_tag = from
            .tag()
            .ok_or(DialogError::NoDialog("the request has no From tag"))?;
        if resp.from()?.tag() != Some(local_tag) {
            return Err(DialogError::Mismatch("From tag"));
        }
        let to = resp.to()?;
        let remote_tag = match to.tag() {
            Some(tag) => tag,
            None if status < 200 => {
                return Err(DialogError::NoDialog("provisional response without To tag"));
            }
            // §12.1.2: a 2xx without tag (RFC 2543) has a null remote tag.
            None => "",
        };
        let remote_target = first_contact_uri(resp)
            .ok()
            .flatten()
            .unwrap_or_else(|| request.uri_str().to_owned());
        let mut route_set = record_route_uris(resp)?;
        route_set.reverse();
        let local_contact = match req.contacts().next() {
            Some(Ok(Contact::Address(addr))) => Some(name_addr_text(&addr)),
            _ => None,
        };
        let invite = sent.method == Method::Invite;
        Ok(Dialog {
            id: DialogId::new(call_id, local_tag, remote_tag),
            role: Role::Uac,
            state: if status < 200 {
                DialogState::Early
            } else {
                DialogState::Confirmed
            },
            local_address: first_value(req, HeaderName::From, "From")?.to_owned(),
            remote_address: first_value(resp, HeaderName::To, "To")?.to_owned(),
            local_uri: from.uri.as_str().to_owned(),
            remote_uri: to.uri.as_str().to_owned(),
            remote_target,
            route_set,
            local_cseq: Some(sent.number),
            remote_cseq: None,
            secure: is_secure(request),
            local_contact,
            initial_cseq: sent.number,
            initial_method: request.method_str().to_owned(),
            record_route_echo: Vec::new(),
            invite_out: (invite && status < 200).then_some(sent.number),
            invite_in: None,
        })
    }

    /// The UAS's dialog for `request`, a dialog-creating request (INVITE)
    /// we received and will answer with 101–299 (§12.1.1). It starts Early;
    /// [`Dialog::prepare_response`] on our 2xx confirms it and on a non-2xx
    /// final answer terminates it.
    ///
    /// `local_tag` is our To tag (e.g. [`BranchGenerator::tag`]); `local_contact`
    /// is the Contact value for our responses and requests (a name-addr,
    /// e.g. `<sip:switch@192.0.2.1:5060>`). The route set is the request's
    /// Record-Route in order, the remote target its Contact, the remote CSeq
    /// its CSeq; our local CSeq is empty until we send a request.
    ///
    /// A request without Contact (or with `*`) is rejected: answer it `400`
    /// with the error as reason phrase.
    ///
    /// [`BranchGenerator::tag`]: crate::transaction::BranchGenerator::tag
    pub fn uas_from_request(
        request: &Request,
        local_tag: &str,
        local_contact: &str,
    ) -> Result<Dialog, DialogError> {
        if !is_token(local_tag) {
            return Err(DialogError::InvalidInput("local tag is not a token"));
        }
        if local_contact.contains(['\r', '\n'])
            || NameAddr::parse(local_contact, "Contact").is_err()
        {
            return Err(DialogError::InvalidInput(
                "local contact is not a name-addr",
            ));
        }
        let headers = request.headers();
        let call_id = headers.call_id()?;
        let cseq = headers.cseq()?;
        if cseq.method.as_str() != request.method_str() {
            return Err(DialogError::Mismatch("CSeq method"));
        }
        let from = headers.from()?;
        let to = headers.to()?;
        if to.tag().is_some() {
            return Err(DialogError::NoDialog(
                "the request has a To tag: it is inside a dialog",
            ));
        }
        let remote_target = first_contact_uri(headers)?.ok_or(DialogError::Parse(
            crate::message::ParseError::Missing("Contact"),
        ))?;
        let route_set = record_route_uris(headers)?;
        let record_route_echo = headers
            .values(HeaderName::RecordRoute)
            .map(str::to_owned)
            .collect();
        let to_value = first_value(headers, HeaderName::To, "To")?;
        let invite = cseq.method == Method::Invite;
        Ok(Dialog {
            id: DialogId::new(call_id, local_tag, from.tag().unwrap_or_default()),
            role: Role::Uas,
            state: DialogState::Early,
            local_address: format!("{to_value};tag={local_tag}"),
            remote_address: first_value(headers, HeaderName::From, "From")?.to_owned(),
            local_uri: to.uri.as_str().to_owned(),
            remote_uri: from.uri.as_str().to_owned(),
            remote_target,
            route_set,
            local_cseq: None,
            remote_cseq: Some(cseq.number),
            secure: is_secure(request),
            local_contact: Some(local_contact.to_owned()),
            initial_cseq: cseq.number,
            initial_method: request.method_str().to_owned(),
            record_route_echo,
            invite_out: None,
            invite_in: invite.then_some(cseq.number),
        })
    }
}
