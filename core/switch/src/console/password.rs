//! Where the console's ESL password comes from: the `-p` option (or
//! `SWITCHYARD_ESL_PASSWORD`, which the argument parser folds into it), else
//! the first line of `DATA_DIR/esl.secret` that `switchyard serve` writes.

use std::fmt;
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

/// Name of the secret file inside the data directory.
pub(crate) const SECRET_FILE: &str = "esl.secret";

/// Bytes read from the secret file at most; the secret is one short line.
const MAX_SECRET_FILE_BYTES: u64 = 64 * 1024;

/// No password was given and the secret file did not provide one.
#[derive(Debug)]
pub(crate) struct MissingPassword {
    /// The secret file that was tried.
    path: PathBuf,
    /// Why it gave no password.
    reason: String,
}

impl fmt::Display for MissingPassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "no ESL password given, and {} gave none ({}).\n\
             Pass -p PASSWORD, set SWITCHYARD_ESL_PASSWORD, or run where DATA_DIR/{SECRET_FILE} \
             is readable (pass --data-dir DIR pointing at the server's data directory).",
            self.path.display(),
            self.reason
        )
    }
}

/// The password to authenticate with: `explicit` when given and not empty,
/// else the first line of `data_dir/esl.secret`, trimmed.
pub(crate) fn resolve_password(
    explicit: Option<&str>,
    data_dir: &Path,
) -> Result<String, MissingPassword> {
    if let Some(password) = explicit.filter(|p| !p.is_empty()) {
        return Ok(password.to_owned());
    }
    let path = data_dir.join(SECRET_FILE);
    match read_first_line(&path) {
        Ok(line) if !line.is_empty() => Ok(line),
        Ok(_) => Err(MissingPassword {
            path,
            reason: "the file is empty".to_owned(),
        }),
        Err(reason) => Err(MissingPassword { path, reason }),
    }
}

/// The first line of the file at `path`, trimmed, or why it could not be
/// read.
fn read_first_line(path: &Path) -> Result<String, String> {
    let file = File::open(path).map_err(|err| err.to_string())?;
    let mut text = String::new();
    file.take(MAX_SECRET_FILE_BYTES)
        .read_to_string(&mut text)
        .map_err(|err| err.to_string())?;
    Ok(text.lines().next().unwrap_or_default().trim().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fresh empty directory under the system temp dir.
    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "switchyard-console-password-{name}-{}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn explicit_password_wins() {
        let dir = temp_dir("explicit");
        std::fs::write(dir.join(SECRET_FILE), "from-file\n").unwrap();
        assert_eq!(resolve_password(Some("given"), &dir).unwrap(), "given");
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn falls_back_to_first_line_of_secret_file() {
        let dir = temp_dir("file");
        std::fs::write(dir.join(SECRET_FILE), "  s3cret \r\nsecond line\n").unwrap();
        assert_eq!(resolve_password(None, &dir).unwrap(), "s3cret");
        assert_eq!(resolve_password(Some(""), &dir).unwrap(), "s3cret");
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn missing_file_says_what_to_do() {
        let dir = temp_dir("missing");
        let message = resolve_password(None, &dir).unwrap_err().to_string();
        assert!(message.contains("-p PASSWORD"), "{message}");
        assert!(message.contains("SWITCHYARD_ESL_PASSWORD"), "{message}");
        assert!(message.contains("--data-dir"), "{message}");
        assert!(message.contains("esl.secret"), "{message}");
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn empty_file_is_no_password() {
        let dir = temp_dir("empty");
        std::fs::write(dir.join(SECRET_FILE), "\n").unwrap();
        let message = resolve_password(None, &dir).unwrap_err().to_string();
        assert!(message.contains("empty"), "{message}");
        std::fs::remove_dir_all(dir).unwrap();
    }
}
