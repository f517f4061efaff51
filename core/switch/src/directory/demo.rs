//! The demo tenant of the embedded default: created once, on the first
//! start of an empty store, with a few users whose random passwords are
//! written to `DATA_DIR/demo-users.txt` (mode 0600). There is no well-known
//! default password.

use super::{UserSettings, add_tenant, add_user};
use crate::store::Store;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

/// The extensions of the demo tenant.
pub const DEMO_EXTENSIONS: &[&str] = &["1000", "1001", "1002", "1003"];

/// The file that lists the demo users and their passwords.
pub const DEMO_USERS_FILE: &str = "demo-users.txt";

/// Creates `domain` with the demo users unless a demo was ever seeded in
/// this store. Returns the passwords file when it created them.
pub fn seed(store: &Store, domain: &str, data_dir: &Path) -> Result<Option<PathBuf>, String> {
    if store
        .meta("demo_seeded")
        .map_err(|e| e.to_string())?
        .is_some()
    {
        return Ok(None);
    }
    let domain = add_tenant(store, domain).map_err(|e| e.to_string())?;
    let path = data_dir.join(DEMO_USERS_FILE);
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&path)
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    let _ = writeln!(file, "# Demo users of {domain}: <user>@<domain> <password>");
    for extension in DEMO_EXTENSIONS {
        let password = random_password().map_err(|e| e.to_string())?;
        add_user(
            store,
            &format!("{extension}@{domain}"),
            &password,
            UserSettings::default(),
        )
        .map_err(|e| e.to_string())?;
        writeln!(file, "{extension}@{domain} {password}")
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    file.sync_all()
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    store
        .set_meta("demo_seeded", &domain)
        .map_err(|e| e.to_string())?;
    Ok(Some(path))
}

/// 12 random letters and digits.
fn random_password() -> Result<String, getrandom::Error> {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    let mut bytes = [0u8; 12];
    getrandom::fill(&mut bytes)?;
    Ok(bytes
        .iter()
        .map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()]))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeds_once_with_private_random_passwords() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("s.db")).unwrap();
        let path = seed(&store, "demo.test", dir.path()).unwrap().unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<&str> = text.lines().filter(|l| !l.starts_with('#')).collect();
        assert_eq!(lines.len(), DEMO_EXTENSIONS.len());
        let (who, password) = lines[0].split_once(' ').unwrap();
        assert_eq!(who, "1000@demo.test");
        let user = super::super::find_user(&store, "1000", "demo.test")
            .unwrap()
            .unwrap();
        assert_eq!(
            user.ha1_md5,
            super::super::ha1_pair("1000", "demo.test", password).0
        );
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
        super::super::delete_tenant(&store, "demo.test", true).unwrap();
        assert_eq!(
            seed(&store, "demo.test", dir.path()).unwrap(),
            None,
            "a deleted demo stays deleted"
        );
    }
}
