//! Compiles a C test module against `switchyard.h` alone.

use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::paths::{abi_include_dir, test_modules_dir};
use crate::process::run_bounded;

/// How long one C compile may take.
const COMPILE_TIMEOUT: Duration = Duration::from_secs(120);

/// Compiles `tests/modules/<source_file>` with
/// `cc -std=c99 -Wall -Werror -shared -fPIC -I core/abi/include` into
/// `<out_dir>/<module_name>.so` and returns that path. `CC` overrides `cc`.
///
/// # Panics
/// When the compiler fails, with its output.
pub fn compile_c_module(source_file: &str, module_name: &str, out_dir: &Path) -> PathBuf {
    let source = test_modules_dir().join(source_file);
    let output_path = out_dir.join(format!("{module_name}.so"));
    let compiler = env::var("CC").unwrap_or_else(|_| "cc".to_string());
    let compiled = run_bounded(
        Command::new(&compiler)
            .args(["-std=c99", "-Wall", "-Werror", "-shared", "-fPIC", "-I"])
            .arg(abi_include_dir())
            .arg("-o")
            .arg(&output_path)
            .arg(&source),
        COMPILE_TIMEOUT,
    );
    assert_eq!(
        compiled.code(),
        Some(0),
        "compiling {} failed: {compiled}",
        source.display()
    );
    output_path
}
