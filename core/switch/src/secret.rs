//! The event-socket admin secret: given by the operator, or generated on
//! first start and kept in `DATA_DIR/esl.secret` (mode 0600) so that
//! `switchyard cli` on the same host can find it. There is no well-known
//! default password.

use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// The file name of the generated secret inside the data directory.
pub const SECRET_FILE: &str = "esl.secret";

/// Where the secret came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretSource {
    /// `--esl-password` or `SWITCHYARD_ESL_PASSWORD`.
    Given,
    /// Read from an existing secret file.
    File(PathBuf),
    /// Generated now and written to this file.
    Generated(PathBuf),
}

/// Returns the secret to use: `given`, else the one in `data_dir`, else a
/// new random one written there with mode 0600.
pub fn resolve(given: Option<&str>, data_dir: &Path) -> std::io::Result<(String, SecretSource)> {
    if let Some(secret) = given.filter(|s| !s.is_empty()) {
        return Ok((secret.to_owned(), SecretSource::Given));
    }
    let path = data_dir.join(SECRET_FILE);
    match std::fs::read_to_string(&path) {
        Ok(text) => {
            let secret = text.lines().next().unwrap_or("").trim().to_owned();
            if secret.is_empty() {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    format!(
                        "{} is empty; delete it to have a new secret generated",
                        path.display()
                    ),
                ));
            }
            let mode = std::fs::metadata(&path)?.permissions().mode() & 0o777;
            if mode & 0o077 != 0 {
                std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))?;
                tracing::warn!(
                    "{} was readable by others (mode {mode:o}); changed it to 0600",
                    path.display()
                );
            }
            Ok((secret, SecretSource::File(path)))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let secret = generate()?;
            let mut file = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(&path)?;
            file.write_all(format!("{secret}\n").as_bytes())?;
            file.sync_all()?;
            Ok((secret, SecretSource::Generated(path)))
        }
        Err(e) => Err(e),
    }
}

/// 24 random bytes from the operating system, as 48 hex digits.
fn generate() -> std::io::Result<String> {
    let mut bytes = [0u8; 24];
    getrandom::fill(&mut bytes).map_err(|e| std::io::Error::other(e.to_string()))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_once_private_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let (first, source) = resolve(None, dir.path()).unwrap();
        assert_eq!(first.len(), 48);
        let path = dir.path().join(SECRET_FILE);
        assert_eq!(source, SecretSource::Generated(path.clone()));
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let (second, source) = resolve(None, dir.path()).unwrap();
        assert_eq!(first, second);
        assert_eq!(source, SecretSource::File(path));
        let (other, _) = resolve(None, tempfile::tempdir().unwrap().path()).unwrap();
        assert_ne!(first, other);
    }

    #[test]
    fn a_given_password_wins_and_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let (secret, source) = resolve(Some("s3cret"), dir.path()).unwrap();
        assert_eq!((secret.as_str(), source), ("s3cret", SecretSource::Given));
        assert!(!dir.path().join(SECRET_FILE).exists());
    }
}
