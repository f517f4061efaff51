//! Requests this UA sends in a dialog (RFC 3261 §12.2.1.1) and the ACK
//! for a 2xx (§13.2.2.4).

use super::error::DialogError;
use super::routing::request_target;
use super::state::{Dialog, DialogState, Role};
use super::text::is_target_refresh;
use crate::message::{HeaderName, Method, Request, Response, Via};

/// CSeq numbers stay below 2^31 (RFC 3261 §8.1.1.5).
const CSEQ_LIMIT: u32 = 1 << 31;

impl Dialog {
    /// Builds a request in this dialog (BYE, INFO, UPDATE, re-INVITE,
    /// OPTIONS, REFER, NOTIFY, MESSAGE, PRACK, any extension method) and
    /// advances the local CSeq:
    ///
    /// - Request-URI and Route headers per §12.2.1.1 (loose routing, and the
    ///   strict-router case, see [`Dialog::next_hop`] for where to send it);
    /// - headers in this order: `via` (the caller's top Via with a fresh
    ///   branch, see [`LocalVia`](super::LocalVia)), `Max-Forwards: 70`,
    ///   Route…, From (our tag), To (their tag), Call-ID, CSeq (the local
    ///   CSeq plus one; 1 for a UAS's first request), and Contact for a
    ///   target refresh (INVITE, UPDATE, SUBSCRIBE, NOTIFY).
    ///
    /// The caller adds a body (with Content-Type) and anything else
    /// (Allow, Supported, credentials after a 401/407).
    ///
    /// Refused: ACK and CANCEL (use [`Dialog::ack_for_2xx`] and
    /// [`cancel_for`](crate::transaction::cancel_for)); anything in a
    /// Terminated dialog; an INVITE in an Early dialog or while another
    /// INVITE is in progress (§14.1, [`DialogError::InvitePending`]); a BYE
    /// from the callee on an Early dialog (§15).
    pub fn new_request(&mut self, method: Method<'_>, via: &str) -> Result<Request, DialogError> {
        if self.state == DialogState::Terminated {
            return Err(DialogError::Terminated);
        }
        match method {
            Method::Ack => {
                return Err(DialogError::MethodNotAllowed(
                    "an ACK for a 2xx comes from ack_for_2xx",
                ));
            }
            Method::Cancel => {
                return Err(DialogError::MethodNotAllowed(
                    "a CANCEL comes from cancel_for",
                ));
            }
            Method::Invite if self.state == DialogState::Early => {
                return Err(DialogError::MethodNotAllowed(
                    "no re-INVITE before the dialog is confirmed",
                ));
            }
            Method::Invite if self.invite_in_progress() => {
                return Err(DialogError::InvitePending);
            }
            Method::Bye if self.role == Role::Uas && self.state == DialogState::Early => {
                return Err(DialogError::MethodNotAllowed(
                    "the callee cannot send BYE on an early dialog",
                ));
            }
            _ => {}
        }
        let number = match self.local_cseq {
            None => 1,
            Some(n) => n
                .checked_add(1)
                .filter(|n| *n < CSEQ_LIMIT)
                .ok_or(DialogError::CSeqExhausted)?,
        };
        let mut request = self.base_request(method.as_str(), via, number)?;
        if is_target_refresh(method)
            && let Some(contact) = &self.local_contact
        {
            request.headers_mut().push("Contact", contact)?;
        }
        self.local_cseq = Some(number);
        if method == Method::Invite {
            self.invite_out = Some(number);
        }
        Ok(request)
    }

    /// The ACK for `response`, a 2xx to `invite` (the INVITE or re-INVITE
    /// we sent in this dialog), per §13.2.2.4: built like any request in
    /// the dialog (Request-URI and Route from the remote target and route
    /// set, so take the 2xx with [`Dialog::on_response`] or
    /// [`Dialog::uac_from_response`] first), with `via` (a new branch),
    /// `Max-Forwards: 70`, From, To (the 2xx's tag), Call-ID, CSeq with the
    /// INVITE's number and method ACK, and the INVITE's Authorization and
    /// Proxy-Authorization headers. No Contact. The local CSeq does not
    /// move.
    ///
    /// Send it with
    /// [`send_stateless`](crate::transaction::TransactionLayer::send_stateless),
    /// and send it again for every retransmission of the 2xx. An answer
    /// (when the INVITE had no offer) goes in its body.
    pub fn ack_for_2xx(
        &self,
        invite: &Request,
        response: &Response,
        via: &str,
    ) -> Result<Request, DialogError> {
        if !(200..=299).contains(&response.status()) {
            return Err(DialogError::InvalidInput(
                "not a 2xx: the transaction ACKs other final responses",
            ));
        }
        if invite.method() != Method::Invite {
            return Err(DialogError::InvalidInput("the request is not an INVITE"));
        }
        let sent = invite.headers();
        let got = response.headers();
        if sent.call_id()? != self.id.call_id() || got.call_id()? != self.id.call_id() {
            return Err(DialogError::Mismatch("Call-ID"));
        }
        if got.from()?.tag() != Some(self.id.local_tag()) {
            return Err(DialogError::Mismatch("From tag"));
        }
        if got.to()?.tag().unwrap_or_default() != self.id.remote_tag() {
            return Err(DialogError::Mismatch("To tag"));
        }
        let (sent_cseq, got_cseq) = (sent.cseq()?, got.cseq()?);
        if sent_cseq != got_cseq {
            return Err(DialogError::Mismatch("CSeq"));
        }
        let mut ack = self.base_request("ACK", via, sent_cseq.number)?;
        for kind in [HeaderName::Authorization, HeaderName::ProxyAuthorization] {
            let name = match kind {
                HeaderName::Authorization => "Authorization",
                _ => "Proxy-Authorization",
            };
            for value in sent.values(kind) {
                ack.headers_mut().push(name, value)?;
            }
        }
        Ok(ack)
    }

    /// The headers every request in the dialog has: Via, Max-Forwards,
    /// Route…, From, To, Call-ID, CSeq.
    fn base_request(&self, method: &str, via: &str, number: u32) -> Result<Request, DialogError> {
        let parsed = Via::parse(via)?;
        if !parsed.has_rfc3261_branch() {
            return Err(DialogError::InvalidInput("the Via has no z9hG4bK branch"));
        }
        let target = request_target(&self.remote_target, &self.route_set)?;
        let mut request = Request::new(method, &target.request_uri)?;
        let headers = request.headers_mut();
        headers.push("Via", via)?;
        headers.push("Max-Forwards", "70")?;
        for route in &target.routes {
            headers.push("Route", route)?;
        }
        headers.push("From", &self.local_address)?;
        headers.push("To", &self.remote_address)?;
        headers.push("Call-ID", self.id.call_id())?;
        headers.push("CSeq", &format!("{number} {method}"))?;
        Ok(request)
    }
}
