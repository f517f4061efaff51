//! Responses this UA sends in a dialog (RFC 3261 §12.1.1, §13.3.1): the To
//! tag, the Contact and the Record-Route echo; and what sending them does
//! to the dialog.

use super::error::DialogError;
use super::state::{Dialog, DialogChange, DialogState, Role};
use super::text::is_target_refresh;
use crate::message::{HeaderName, Method, Response};

impl Dialog {
    /// Completes a response we send to a request in (or creating) this
    /// dialog, built with [`Response::for_request`]:
    ///
    /// - adds our tag to To when it has none (not to `100 Trying`);
    /// - adds our Contact to a 101–299 answering a target refresh request
    ///   (INVITE, UPDATE, SUBSCRIBE, NOTIFY) unless it has one;
    /// - for the request that created a UAS dialog, copies its Record-Route
    ///   values, in order and unchanged, into a 101–299 (§12.1.1);
    /// - then a 2xx to that request confirms the dialog, a 300–699 ends an
    ///   Early one, and a final answer to an INVITE ends its transaction
    ///   for glare checks.
    ///
    /// Fails with [`DialogError::Mismatch`] for a response to another
    /// dialog (Call-ID or To tag).
    pub fn prepare_response(
        &mut self,
        response: &mut Response,
    ) -> Result<DialogChange, DialogError> {
        let status = response.status();
        let headers = response.headers();
        if headers.call_id()? != self.id.call_id() {
            return Err(DialogError::Mismatch("Call-ID"));
        }
        let cseq = headers.cseq()?;
        let (number, method) = (cseq.number, cseq.method);
        let refresh = is_target_refresh(method);
        let invite = method == Method::Invite;
        let initial = self.role == Role::Uas
            && number == self.initial_cseq
            && method.as_str() == self.initial_method;
        let has_contact = headers.count(HeaderName::Contact) > 0;
        let has_record_route = headers.count(HeaderName::RecordRoute) > 0;
        if status == 100 {
            return Ok(DialogChange::Unchanged);
        }
        let needs_tag = match headers.to()?.tag() {
            Some(tag) if tag == self.id.local_tag() => false,
            Some(_) => return Err(DialogError::Mismatch("To tag")),
            None => true,
        };
        if needs_tag && response.add_to_tag(self.id.local_tag()).is_err() {
            // A To that add_to_tag cannot extend safely (addr-spec with
            // parameters): replace it with our address, which has the tag.
            response.headers_mut().set("To", &self.local_address)?;
        }
        let establishing = (101..=299).contains(&status);
        if establishing
            && refresh
            && !has_contact
            && let Some(contact) = &self.local_contact
        {
            response.headers_mut().push("Contact", contact)?;
        }
        if establishing && initial && !has_record_route {
            for value in &self.record_route_echo {
                response.headers_mut().push("Record-Route", value)?;
            }
        }
        if status >= 200 && invite && self.invite_in == Some(number) {
            self.invite_in = None;
        }
        if initial && self.state == DialogState::Early {
            if (200..=299).contains(&status) {
                self.state = DialogState::Confirmed;
                return Ok(DialogChange::Confirmed);
            }
            if status >= 300 {
                self.terminate();
                return Ok(DialogChange::Terminated);
            }
        }
        Ok(DialogChange::Unchanged)
    }
}
