//! Why a dialog operation could not be carried out.

use std::fmt;

use crate::message::ParseError;

/// An error from building, creating or updating a dialog.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DialogError {
    /// A header the dialog needs is missing or malformed.
    Parse(ParseError),
    /// The message does not create a dialog (e.g. `100 Trying`, a
    /// provisional response without To tag, a request already in a dialog).
    NoDialog(&'static str),
    /// The message belongs to another dialog or request; names what differs.
    Mismatch(&'static str),
    /// The dialog is terminated: no request may be sent in it.
    Terminated,
    /// This method cannot be sent this way or in this state; says why.
    MethodNotAllowed(&'static str),
    /// An INVITE transaction is in progress in the dialog, in either
    /// direction (RFC 3261 §14.1): no new INVITE until it completes.
    InvitePending,
    /// The local CSeq would reach 2^31 (RFC 3261 §8.1.1.5).
    CSeqExhausted,
    /// An argument would produce an invalid message; says which.
    InvalidInput(&'static str),
}

impl From<ParseError> for DialogError {
    fn from(error: ParseError) -> DialogError {
        DialogError::Parse(error)
    }
}

impl fmt::Display for DialogError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DialogError::Parse(error) => write!(f, "{error}"),
            DialogError::NoDialog(why) => write!(f, "No dialog: {why}"),
            DialogError::Mismatch(what) => write!(f, "Not this dialog: {what} differs"),
            DialogError::Terminated => f.write_str("Dialog terminated"),
            DialogError::MethodNotAllowed(why) => write!(f, "Method not allowed: {why}"),
            DialogError::InvitePending => {
                f.write_str("An INVITE transaction is in progress in this dialog")
            }
            DialogError::CSeqExhausted => f.write_str("Local CSeq exhausted"),
            DialogError::InvalidInput(what) => write!(f, "Invalid input: {what}"),
        }
    }
}

impl std::error::Error for DialogError {}
