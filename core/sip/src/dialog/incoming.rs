//! Requests the peer sends in a dialog (RFC 3261 §12.2.2, §14.2, §15.1.2):
//! which to refuse and with what, and what the others change.

use super::state::{Dialog, DialogChange, DialogState};
use super::text::{first_contact_uri, is_target_refresh};
use crate::message::{Method, Request};

/// The answer to a request that does not belong to, or fit in, the dialog.
type Refusal = (u16, &'static str);

const NO_DIALOG: Refusal = (481, "Call/Transaction Does Not Exist");
const OUT_OF_ORDER: Refusal = (500, "Server Internal Error");

impl Dialog {
    /// Whether a request from the peer may be processed in this dialog, and
    /// if not, the status code and reason phrase to answer it with:
    ///
    /// - `400` when Call-ID, From, To or CSeq do not parse, the CSeq method
    ///   is not the request's, or a target refresh has a bad Contact;
    /// - `481` when it names another dialog or the dialog is terminated;
    /// - `500` when its CSeq is lower than the remote CSeq (§12.2.2), or it
    ///   is an INVITE while the peer's previous INVITE is unanswered
    ///   (§14.2: add `Retry-After`);
    /// - `491 Request Pending` for an INVITE while ours is in progress (§14.2).
    ///
    /// An ACK is never refused for its CSeq (it repeats the INVITE's), and
    /// an ACK is never answered: drop one that fails. The
    /// dialog is not changed; [`Dialog::on_request`] checks and applies.
    pub fn check_request(&self, request: &Request) -> Result<(), (u16, &'static str)> {
        const BAD: Refusal = (400, "Bad Request");
        let headers = request.headers();
        let call_id = headers.call_id().map_err(|_| BAD)?;
        let to = headers.to().map_err(|_| BAD)?;
        let from = headers.from().map_err(|_| BAD)?;
        let cseq = headers.cseq().map_err(|_| BAD)?;
        if cseq.method.as_str() != request.method_str() {
            return Err(BAD);
        }
        if call_id != self.id.call_id()
            || to.tag() != Some(self.id.local_tag())
            || from.tag().unwrap_or_default() != self.id.remote_tag()
            || self.state == DialogState::Terminated
        {
            return Err(NO_DIALOG);
        }
        let method = request.method();
        if method == Method::Ack {
            return Ok(());
        }
        if self.remote_cseq.is_some_and(|remote| cseq.number < remote) {
            return Err(OUT_OF_ORDER);
        }
        if is_target_refresh(method) && first_contact_uri(headers).is_err() {
            return Err(BAD);
        }
        if method == Method::Invite {
            if self.invite_out.is_some() {
                return Err((491, "Request Pending"));
            }
            if self.invite_in.is_some() {
                return Err(OUT_OF_ORDER);
            }
        }
        Ok(())
    }

    /// Checks a request from the peer ([`Dialog::check_request`]; on `Err`
    /// answer with that code and phrase) and takes it: the remote CSeq
    /// moves up to the request's, a target refresh (re-INVITE, UPDATE,
    /// SUBSCRIBE, NOTIFY) with a Contact replaces the remote target, an
    /// INVITE is in progress until [`Dialog::prepare_response`] sees its
    /// final answer, and a BYE terminates the dialog (answer it `200`; a
    /// pending INVITE of the peer's gets `487`, §15.1.2).
    pub fn on_request(&mut self, request: &Request) -> Result<DialogChange, (u16, &'static str)> {
        self.check_request(request)?;
        let method = request.method();
        if method == Method::Ack {
            return Ok(DialogChange::Unchanged);
        }
        let headers = request.headers();
        if let Ok(cseq) = headers.cseq() {
            self.remote_cseq = Some(self.remote_cseq.map_or(cseq.number, |r| r.max(cseq.number)));
            if method == Method::Invite {
                self.invite_in = Some(cseq.number);
            }
        }
        if method == Method::Bye {
            self.terminate();
            return Ok(DialogChange::Terminated);
        }
        if is_target_refresh(method)
            && let Ok(Some(target)) = first_contact_uri(headers)
            && target != self.remote_target
        {
            self.remote_target = target;
            return Ok(DialogChange::TargetRefreshed);
        }
        Ok(DialogChange::Unchanged)
    }
}
