//! [`Error`]: why a host function could not do what the module asked.

use core::fmt;

use crate::ffi::{
    SY_ERROR, SY_EXISTS, SY_IN_USE, SY_INVALID, SY_NOT_FOUND, SY_OK, SY_PANICKED, SyStatus,
};

/// Why a host function could not do what the module asked.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// The host's table is too short to contain this function: the host is
    /// older than the minor version the function appeared in.
    Unsupported {
        /// Name of the host table field.
        function: &'static str,
    },
    /// The host function returned a status other than `SY_OK`.
    Status {
        /// Name of the host table field.
        function: &'static str,
        /// The `SY_*` status it returned.
        status: SyStatus,
    },
}

impl Error {
    /// The `SY_*` status the host returned, if this error carries one.
    pub fn status(&self) -> Option<SyStatus> {
        match self {
            Error::Unsupported { .. } => None,
            Error::Status { status, .. } => Some(*status),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Unsupported { function } => {
                write!(f, "{function}: not offered by this host (ABI too old)")
            }
            Error::Status { function, status } => {
                write!(f, "{function} failed: {}", describe(*status))
            }
        }
    }
}

impl std::error::Error for Error {}

/// Lets `?` turn an [`Error`] into the `String` that load, unload, API
/// commands and applications return.
impl From<Error> for String {
    fn from(error: Error) -> String {
        error.to_string()
    }
}

/// `Ok(())` for `SY_OK`, else an [`Error::Status`] naming `function`.
pub(crate) fn check(function: &'static str, status: SyStatus) -> Result<(), Error> {
    if status == SY_OK {
        Ok(())
    } else {
        Err(Error::Status { function, status })
    }
}

/// A human description of an `SY_*` status, naming the constant.
pub(crate) fn describe(status: SyStatus) -> String {
    let text = match status {
        SY_OK => "success (SY_OK)",
        SY_ERROR => "failure (SY_ERROR)",
        SY_NOT_FOUND => "not found (SY_NOT_FOUND)",
        SY_IN_USE => "in use (SY_IN_USE)",
        SY_INVALID => "invalid argument (SY_INVALID)",
        SY_EXISTS => "name already registered (SY_EXISTS)",
        SY_PANICKED => "panicked (SY_PANICKED)",
        other => return format!("unknown status {other}"),
    };
    text.to_owned()
}
