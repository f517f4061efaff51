//! Finds the release `switchyard` binary under test.

use std::env;
use std::path::{Path, PathBuf};

/// Environment variable that overrides where the binary is looked for.
pub const BINARY_ENV: &str = "SWITCHYARD_BIN";

/// Path of the `switchyard` binary the tests drive.
///
/// `SWITCHYARD_BIN` wins when set. Otherwise the binary is expected next to
/// the cargo output of the running executable: a test executable lives in
/// `target/release/deps/`, so `target/release/switchyard` is
/// `<dir of current exe>/../switchyard`; a binary of this crate (such as
/// `esl_load`) lives in `target/release/` itself.
///
/// # Panics
/// When no binary exists there, with a message saying how to build it.
pub fn switchyard_binary() -> PathBuf {
    if let Some(path) = env::var_os(BINARY_ENV) {
        let path = PathBuf::from(path);
        assert!(
            path.is_file(),
            "{BINARY_ENV}={} does not name a file",
            path.display()
        );
        return path;
    }
    let exe = env::current_exe().expect("the path of the running test executable");
    let exe_dir = exe.parent().unwrap_or(Path::new("."));
    let candidates = [
        exe_dir.join("..").join("switchyard"),
        exe_dir.join("switchyard"),
    ];
    for candidate in &candidates {
        if candidate.is_file() {
            return candidate.clone();
        }
    }
    panic!(
        "the switchyard binary was not found at {}: run `cargo build --release -p switchyard` \
         (or `cargo build --release --workspace`) before `cargo test --release -p switchyard-e2e`, \
         or point {BINARY_ENV} at a binary",
        candidates[0].display()
    );
}
