//! The dialog id (RFC 3261 §12): Call-ID, local tag, remote tag; and the
//! id an incoming request or response names.

use super::error::DialogError;
use crate::message::{Request, Response};

/// Identifies a dialog from this UA's point of view. A missing tag (an
/// RFC 2543 peer) is the empty string.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DialogId {
    call_id: String,
    local_tag: String,
    remote_tag: String,
}

impl DialogId {
    /// An id from its three parts.
    pub fn new(
        call_id: impl Into<String>,
        local_tag: impl Into<String>,
        remote_tag: impl Into<String>,
    ) -> DialogId {
        DialogId {
            call_id: call_id.into(),
            local_tag: local_tag.into(),
            remote_tag: remote_tag.into(),
        }
    }

    /// The id a request from the peer names (§12.2.2): Call-ID, the To tag
    /// as the local tag, the From tag (or none) as the remote tag. A
    /// request without To tag is outside any dialog:
    /// [`DialogError::NoDialog`].
    pub fn for_incoming_request(request: &Request) -> Result<DialogId, DialogError> {
        let headers = request.headers();
        let call_id = headers.call_id()?;
        let local = headers
            .to()?
            .tag()
            .ok_or(DialogError::NoDialog("the request has no To tag"))?;
        let remote = headers.from()?.tag().unwrap_or_default();
        Ok(DialogId::new(call_id, local, remote))
    }

    /// The id a response to one of our requests names: Call-ID, the From
    /// tag as the local tag, the To tag (or none) as the remote tag. A
    /// response whose request had no From tag is
    /// [`DialogError::NoDialog`].
    pub fn for_incoming_response(response: &Response) -> Result<DialogId, DialogError> {
        let headers = response.headers();
        let call_id = headers.call_id()?;
        let local = headers
            .from()?
            .tag()
            .ok_or(DialogError::NoDialog("the response has no From tag"))?;
        let remote = headers.to()?.tag().unwrap_or_default();
        Ok(DialogId::new(call_id, local, remote))
    }

    /// The Call-ID.
    pub fn call_id(&self) -> &str {
        &self.call_id
    }

    /// Our tag (From in our requests, To in the peer's).
    pub fn local_tag(&self) -> &str {
        &self.local_tag
    }

    /// The peer's tag (empty for an RFC 2543 peer without tags).
    pub fn remote_tag(&self) -> &str {
        &self.remote_tag
    }
}
