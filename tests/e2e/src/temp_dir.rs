//! A temporary directory removed on drop (std-only stand-in for `tempfile`).

use std::env;
use std::fs;
use std::path::{Path, PathBuf};
use std::process;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// Set this environment variable to keep temporary directories for inspection.
pub const KEEP_ENV: &str = "SWITCHYARD_E2E_KEEP";

static NEXT_ID: AtomicU64 = AtomicU64::new(0);

/// A fresh directory under the system temporary directory, deleted (with its
/// contents) when dropped unless `SWITCHYARD_E2E_KEEP` is set.
#[derive(Debug)]
pub struct TempDir {
    path: PathBuf,
}

impl TempDir {
    /// Creates a new empty directory whose name starts with `prefix`.
    ///
    /// # Panics
    /// When the directory cannot be created.
    pub fn new(prefix: &str) -> TempDir {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|elapsed| elapsed.subsec_nanos())
            .unwrap_or(0);
        let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
        let path = env::temp_dir().join(format!(
            "switchyard-e2e-{prefix}-{}-{id}-{nanos}",
            process::id()
        ));
        fs::create_dir_all(&path)
            .unwrap_or_else(|err| panic!("create temp dir {}: {err}", path.display()));
        TempDir { path }
    }

    /// The directory's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Creates (if needed) and returns the subdirectory `name`.
    ///
    /// # Panics
    /// When the subdirectory cannot be created.
    pub fn subdir(&self, name: &str) -> PathBuf {
        let dir = self.path.join(name);
        fs::create_dir_all(&dir)
            .unwrap_or_else(|err| panic!("create dir {}: {err}", dir.display()));
        dir
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        if env::var_os(KEEP_ENV).is_some() {
            eprintln!("keeping {}", self.path.display());
            return;
        }
        let _ = fs::remove_dir_all(&self.path);
    }
}
