//! A table of dialogs keyed by dialog id: finding the dialog of an
//! incoming request or response, and turning forked answers to one INVITE
//! into one dialog per To tag (RFC 3261 §12.1.2, §12.3, §13.2.2.4).

use std::collections::HashMap;

use super::error::DialogError;
use super::id::DialogId;
use super::state::{Dialog, DialogChange, DialogState};
use crate::message::{Request, Response};

/// Dialogs by id. Dialogs are not removed when they terminate; take them
/// out with [`DialogSet::remove`] or [`DialogSet::remove_terminated`].
#[derive(Clone, Debug, Default)]
pub struct DialogSet {
    dialogs: HashMap<DialogId, Dialog>,
}

/// What a response to a dialog-creating request (INVITE) we sent did, from
/// [`DialogSet::on_invite_response`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum InviteOutcome {
    /// No dialog is concerned: `100 Trying`, a provisional response
    /// without To tag, or a final error when no early dialog existed.
    NoDialog,
    /// A new dialog (Early for 1xx, Confirmed for 2xx): the first answer
    /// from this UAS, or another fork answering.
    Created(DialogId),
    /// The dialog with this To tag took the response.
    Updated(DialogId, DialogChange),
    /// A 300–699 ended every Early dialog of the request (§12.3); their ids.
    EarlyTerminated(Vec<DialogId>),
}

impl DialogSet {
    /// An empty set.
    pub fn new() -> DialogSet {
        DialogSet::default()
    }

    /// How many dialogs the set holds (terminated ones included).
    pub fn len(&self) -> usize {
        self.dialogs.len()
    }

    /// True when the set holds no dialog.
    pub fn is_empty(&self) -> bool {
        self.dialogs.is_empty()
    }

    /// Adds a dialog; returns the one it replaced if that id was taken.
    pub fn insert(&mut self, dialog: Dialog) -> Option<Dialog> {
        self.dialogs.insert(dialog.id().clone(), dialog)
    }

    /// The dialog with this id.
    pub fn get(&self, id: &DialogId) -> Option<&Dialog> {
        self.dialogs.get(id)
    }

    /// The dialog with this id, for changing.
    pub fn get_mut(&mut self, id: &DialogId) -> Option<&mut Dialog> {
        self.dialogs.get_mut(id)
    }

    /// Removes and returns the dialog with this id.
    pub fn remove(&mut self, id: &DialogId) -> Option<Dialog> {
        self.dialogs.remove(id)
    }

    /// Every dialog, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = &Dialog> + '_ {
        self.dialogs.values()
    }

    /// Removes and returns every terminated dialog.
    pub fn remove_terminated(&mut self) -> Vec<Dialog> {
        let ended: Vec<DialogId> = self
            .dialogs
            .values()
            .filter(|d| d.state() == DialogState::Terminated)
            .map(|d| d.id().clone())
            .collect();
        ended
            .iter()
            .filter_map(|id| self.dialogs.remove(id))
            .collect()
    }

    /// The dialog a request from a peer belongs to: Call-ID, To tag = our
    /// local tag, From tag = their tag (§12.2.2). `None` for a request
    /// without To tag or naming no dialog we hold (answer `481` if it has
    /// a To tag).
    pub fn find_for_request(&self, request: &Request) -> Option<&Dialog> {
        let id = DialogId::for_incoming_request(request).ok()?;
        self.dialogs.get(&id)
    }

    /// [`DialogSet::find_for_request`], for changing (e.g. `on_request`).
    pub fn find_for_request_mut(&mut self, request: &Request) -> Option<&mut Dialog> {
        let id = DialogId::for_incoming_request(request).ok()?;
        self.dialogs.get_mut(&id)
    }

    /// The dialog a response to one of our requests belongs to: Call-ID,
    /// From tag = our local tag, To tag = their tag.
    pub fn find_for_response(&self, response: &Response) -> Option<&Dialog> {
        let id = DialogId::for_incoming_response(response).ok()?;
        self.dialogs.get(&id)
    }

    /// [`DialogSet::find_for_response`], for changing (e.g. `on_response`).
    pub fn find_for_response_mut(&mut self, response: &Response) -> Option<&mut Dialog> {
        let id = DialogId::for_incoming_response(response).ok()?;
        self.dialogs.get_mut(&id)
    }

    /// Takes a response to `request`, a dialog-creating INVITE we sent
    /// outside any dialog. Each To tag is its own dialog, so forked 1xx/2xx
    /// answers create separate dialogs (send an ACK on each 2xx'd dialog;
    /// a B2BUA usually BYEs all but the first); a response to an existing
    /// dialog goes to [`Dialog::on_response`]; a 300–699 ends every Early
    /// dialog of the request (§12.3).
    ///
    /// When the INVITE transaction ends without a final answer (Timer B),
    /// call [`DialogSet::terminate_early`].
    pub fn on_invite_response(
        &mut self,
        request: &Request,
        response: &Response,
    ) -> Result<InviteOutcome, DialogError> {
        let status = response.status();
        if status == 100 {
            return Ok(InviteOutcome::NoDialog);
        }
        if status >= 300 {
            let headers = response.headers();
            let call_id = headers.call_id()?;
            let local_tag = headers
                .from()?
                .tag()
                .ok_or(DialogError::NoDialog("the response has no From tag"))?;
            let ended = self.terminate_early(call_id, local_tag);
            return Ok(if ended.is_empty() {
                InviteOutcome::NoDialog
            } else {
                InviteOutcome::EarlyTerminated(ended)
            });
        }
        if status < 200 && response.headers().to()?.tag().is_none() {
            return Ok(InviteOutcome::NoDialog);
        }
        let id = DialogId::for_incoming_response(response)?;
        if let Some(dialog) = self.dialogs.get_mut(&id) {
            let change = dialog.on_response(response)?;
            return Ok(InviteOutcome::Updated(id, change));
        }
        let dialog = Dialog::uac_from_response(request, response)?;
        let id = dialog.id().clone();
        self.insert(dialog);
        Ok(InviteOutcome::Created(id))
    }

    /// Terminates every Early dialog with this Call-ID and local tag (all
    /// forks of one request of ours); returns their ids.
    pub fn terminate_early(&mut self, call_id: &str, local_tag: &str) -> Vec<DialogId> {
        let mut ended = Vec::new();
        for dialog in self.dialogs.values_mut() {
            if dialog.state() == DialogState::Early
                && dialog.id().call_id() == call_id
                && dialog.id().local_tag() == local_tag
            {
                dialog.terminate();
                ended.push(dialog.id().clone());
            }
        }
        ended.sort();
        ended
    }
}
