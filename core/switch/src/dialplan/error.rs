//! Load-time problems, each tied to `file:line`.

use std::fmt;

/// One problem found while loading dialplan files: malformed XML, an unknown
/// element or attribute, an invalid regular expression, a bad attribute value.
///
/// Displays as `file:line: what is wrong` (or `file: what is wrong` when the
/// problem concerns the whole file, e.g. it cannot be read).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DialplanError {
    /// The file the problem is in, as given to the loader.
    pub file: String,
    /// 1-based line of the offending element or attribute; 0 when the problem
    /// concerns the file as a whole.
    pub line: u32,
    /// What is wrong, in words.
    pub message: String,
}

impl DialplanError {
    /// A problem at `file:line`.
    pub fn new(file: impl Into<String>, line: u32, message: impl Into<String>) -> Self {
        Self {
            file: file.into(),
            line,
            message: message.into(),
        }
    }
}

impl fmt::Display for DialplanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}: {}", self.file, self.message)
        } else {
            write!(f, "{}:{}: {}", self.file, self.line, self.message)
        }
    }
}

impl std::error::Error for DialplanError {}

/// Why a hunt could not run at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HuntError {
    /// Neither the caller's context nor the fallback context `global` exists.
    NoSuchContext(String),
}

impl fmt::Display for HuntError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HuntError::NoSuchContext(name) => write!(f, "context {name} not found"),
        }
    }
}

impl std::error::Error for HuntError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_with_and_without_line() {
        assert_eq!(
            DialplanError::new("a.xml", 3, "bad").to_string(),
            "a.xml:3: bad"
        );
        assert_eq!(
            DialplanError::new("a.xml", 0, "unreadable").to_string(),
            "a.xml: unreadable"
        );
        assert_eq!(
            HuntError::NoSuchContext("x".into()).to_string(),
            "context x not found"
        );
    }
}
