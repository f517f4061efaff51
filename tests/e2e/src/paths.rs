//! Paths inside the source tree that tests need (header, test modules, scripts).

use std::path::PathBuf;

/// The workspace root (the directory holding the top-level `Cargo.toml`).
pub fn workspace_root() -> PathBuf {
    let manifest_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let root = manifest_dir.join("..").join("..");
    root.canonicalize().unwrap_or(root)
}

/// `core/abi`: the ABI crate a Rust test module depends on.
pub fn abi_crate_dir() -> PathBuf {
    workspace_root().join("core").join("abi")
}

/// `core/abi/include`: where `switchyard.h` lives.
pub fn abi_include_dir() -> PathBuf {
    abi_crate_dir().join("include")
}

/// `tests/modules`: sources of the modules the tests build.
pub fn test_modules_dir() -> PathBuf {
    workspace_root().join("tests").join("modules")
}

/// `tests/esl`: scripts that drive third-party ESL client libraries.
pub fn esl_scripts_dir() -> PathBuf {
    workspace_root().join("tests").join("esl")
}
