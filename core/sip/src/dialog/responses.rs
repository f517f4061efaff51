//! Responses to requests this UA sent in (or to create) a dialog (RFC 3261
//! §12.1.2, §12.2.1.2, §12.3, §13.2.2.4, §15.1.1).

use super::error::DialogError;
use super::state::{Dialog, DialogChange, DialogState, Role};
use super::text::{first_contact_uri, first_value, is_target_refresh, record_route_uris};
use crate::message::{HeaderName, Method, Response};

impl Dialog {
    /// Takes a response to one of our requests in this dialog:
    ///
    /// - to the request that created a UAC dialog: a 2xx confirms an Early
    ///   dialog and recomputes the route set and remote target from it
    ///   (§13.2.2.4; a repeated 2xx changes nothing); a 300–699 ends an
    ///   Early dialog (§12.3);
    /// - to a request inside the dialog: a 481 or 408 ends the dialog
    ///   (§12.2.1.2); a 2xx to a target refresh (re-INVITE, UPDATE,
    ///   SUBSCRIBE, NOTIFY) with a Contact replaces the remote target; a
    ///   final answer to a BYE ends the dialog (except a 401/407 challenge,
    ///   to which the BYE is sent again with credentials);
    /// - a final answer to an INVITE of ours ends its transaction for glare
    ///   checks.
    ///
    /// A `100 Trying` changes nothing. Responses to another dialog are
    /// [`DialogError::Mismatch`]; with forking, route them through
    /// [`DialogSet`](super::DialogSet). A terminated dialog ignores responses.
    pub fn on_response(&mut self, response: &Response) -> Result<DialogChange, DialogError> {
        let status = response.status();
        let headers = response.headers();
        if headers.call_id()? != self.id.call_id() {
            return Err(DialogError::Mismatch("Call-ID"));
        }
        if headers.from()?.tag() != Some(self.id.local_tag()) {
            return Err(DialogError::Mismatch("From tag"));
        }
        if status == 100 || self.state == DialogState::Terminated {
            return Ok(DialogChange::Unchanged);
        }
        if !self.id.remote_tag().is_empty() && headers.to()?.tag() != Some(self.id.remote_tag()) {
            return Err(DialogError::Mismatch("To tag"));
        }
        let cseq = headers.cseq()?;
        let (number, method) = (cseq.number, cseq.method);
        if status >= 200 && method == Method::Invite && self.invite_out == Some(number) {
            self.invite_out = None;
        }
        let initial = self.role == Role::Uac
            && number == self.initial_cseq
            && method.as_str() == self.initial_method;
        if initial {
            return self.on_initial_response(response);
        }
        if status == 481 || status == 408 {
            self.terminate();
            return Ok(DialogChange::Terminated);
        }
        if method == Method::Bye && status >= 200 && status != 401 && status != 407 {
            self.terminate();
            return Ok(DialogChange::Terminated);
        }
        if (200..=299).contains(&status)
            && is_target_refresh(method)
            && let Ok(Some(target)) = first_contact_uri(headers)
            && target != self.remote_target
        {
            self.remote_target = target;
            return Ok(DialogChange::TargetRefreshed);
        }
        Ok(DialogChange::Unchanged)
    }

    /// A response to the request that created this UAC dialog.
    fn on_initial_response(&mut self, response: &Response) -> Result<DialogChange, DialogError> {
        let status = response.status();
        if self.state != DialogState::Early {
            return Ok(DialogChange::Unchanged);
        }
        if status >= 300 {
            self.terminate();
            return Ok(DialogChange::Terminated);
        }
        if status < 200 {
            return Ok(DialogChange::Unchanged);
        }
        let headers = response.headers();
        let mut route_set = record_route_uris(headers)?;
        route_set.reverse();
        let remote_address = first_value(headers, HeaderName::To, "To")?.to_owned();
        if let Ok(Some(target)) = first_contact_uri(headers) {
            self.remote_target = target;
        }
        self.route_set = route_set;
        self.remote_address = remote_address;
        self.state = DialogState::Confirmed;
        Ok(DialogChange::Confirmed)
    }
}
