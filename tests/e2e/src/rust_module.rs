//! Builds the Rust test module template (`tests/modules/<name>/`) out of tree.

use std::env;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::paths::{abi_crate_dir, test_modules_dir};
use crate::process::run_bounded;
use crate::temp_dir::TempDir;

/// How long one cargo build of the module may take (it compiles the ABI
/// crate and the module from scratch on the first build).
const BUILD_TIMEOUT: Duration = Duration::from_secs(600);

/// The relative dependency path the template's `Cargo.toml` uses for the
/// ABI crate; replaced by an absolute path in the copy.
const TEMPLATE_ABI_PATH: &str = "\"../../../core/abi\"";

/// A copy of a Rust module template in a temporary directory, built with
/// its own target directory so it never touches the workspace's.
#[derive(Debug)]
pub struct RustModuleProject {
    dir: TempDir,
    crate_name: String,
}

impl RustModuleProject {
    /// Copies `tests/modules/<crate_name>/` (its `Cargo.toml` and `src/`)
    /// and points the `switchyard-abi` dependency at the absolute path of
    /// `core/abi`.
    ///
    /// # Panics
    /// When the template is missing or its manifest lacks the expected path.
    pub fn from_template(crate_name: &str) -> RustModuleProject {
        let template = test_modules_dir().join(crate_name);
        let dir = TempDir::new(crate_name);
        copy_dir(&template.join("src"), &dir.subdir("src"));
        let manifest = fs::read_to_string(template.join("Cargo.toml"))
            .unwrap_or_else(|err| panic!("read {}/Cargo.toml: {err}", template.display()));
        assert!(
            manifest.contains(TEMPLATE_ABI_PATH),
            "{}/Cargo.toml should depend on switchyard-abi at path {TEMPLATE_ABI_PATH}",
            template.display()
        );
        let absolute = format!("{:?}", abi_crate_dir().display().to_string());
        fs::write(
            dir.path().join("Cargo.toml"),
            manifest.replace(TEMPLATE_ABI_PATH, &absolute),
        )
        .expect("write the module's Cargo.toml");
        RustModuleProject {
            dir,
            crate_name: crate_name.to_string(),
        }
    }

    /// The project directory.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Replaces the one occurrence of `from` by `to` in `src/<file>`.
    ///
    /// # Panics
    /// Unless `from` occurs exactly once (so a test cannot silently rebuild
    /// the same code).
    pub fn edit_source(&self, file: &str, from: &str, to: &str) {
        let path = self.dir.path().join("src").join(file);
        let source = fs::read_to_string(&path).expect("read module source");
        assert_eq!(
            source.matches(from).count(),
            1,
            "{from:?} should occur exactly once in {}",
            path.display()
        );
        fs::write(&path, source.replace(from, to)).expect("write module source");
    }

    /// Runs `$CARGO build --release --offline` (`cargo` when `CARGO` is
    /// unset) and returns the path of the built shared library.
    ///
    /// # Panics
    /// When the build fails, with cargo's output.
    pub fn build(&self) -> PathBuf {
        let cargo = env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
        let target_dir = self.dir.path().join("target");
        let built = run_bounded(
            Command::new(&cargo)
                .args(["build", "--release", "--offline", "--manifest-path"])
                .arg(self.dir.path().join("Cargo.toml"))
                .env("CARGO_TARGET_DIR", &target_dir)
                .current_dir(self.dir.path()),
            BUILD_TIMEOUT,
        );
        assert_eq!(
            built.code(),
            Some(0),
            "building {} failed: {built}",
            self.crate_name
        );
        let library = target_dir
            .join("release")
            .join(format!("lib{}.so", self.crate_name));
        assert!(
            library.is_file(),
            "cargo succeeded but {} is missing",
            library.display()
        );
        library
    }

    /// Builds and installs the library as `<mod_dir>/<module_name>.so`.
    ///
    /// The file is written beside the target and renamed over it, the way
    /// `install(1)` does, so a copy that is currently loaded by the switch is
    /// never modified in place (overwriting a mapped library can crash the
    /// process that maps it).
    pub fn build_and_install(&self, mod_dir: &Path, module_name: &str) -> PathBuf {
        let library = self.build();
        let target = mod_dir.join(format!("{module_name}.so"));
        let staging = mod_dir.join(format!(".{module_name}.so.new"));
        fs::copy(&library, &staging).expect("copy the built module");
        fs::rename(&staging, &target).expect("move the module into place");
        target
    }
}

/// Copies the files of `from` into `to`, recursively.
fn copy_dir(from: &Path, to: &Path) {
    for entry in fs::read_dir(from).unwrap_or_else(|err| panic!("read {}: {err}", from.display())) {
        let entry = entry.expect("directory entry");
        let destination = to.join(entry.file_name());
        if entry.file_type().expect("file type").is_dir() {
            fs::create_dir_all(&destination).expect("create directory");
            copy_dir(&entry.path(), &destination);
        } else {
            fs::copy(entry.path(), &destination).expect("copy file");
        }
    }
}
