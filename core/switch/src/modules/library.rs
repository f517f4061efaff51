//! Finding a module's file, mapping a fresh copy of it and checking its
//! descriptor.
//!
//! Every load maps a new copy of the file (made under the data directory and
//! removed once mapped), so `reload` really runs a rebuilt file even though
//! the previous one stays mapped: Rust cdylibs cannot be reliably unmapped
//! (`dlclose` keeps them once they started a thread or used thread-locals
//! with destructors), so the host never unmaps module code at all and can
//! never run freed code.

use std::ffi::CStr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use switchyard_abi::ffi::{SY_ABI_MAJOR, SY_ABI_MINOR, SY_MODULE_SYMBOL, SyModuleDescriptor};

/// A mapped module file whose descriptor passed the checks.
pub struct MappedModule {
    /// The library; kept for the life of the process, never unmapped.
    pub library: libloading::Library,
    /// The descriptor inside the library.
    pub descriptor: &'static SyModuleDescriptor,
    /// The file it was loaded from (not the temporary copy).
    pub file: PathBuf,
    /// The module's own version string.
    pub version: String,
}

/// The file names tried for module `name` in the module directory.
pub fn candidate_files(mod_dir: &Path, name: &str) -> Vec<PathBuf> {
    vec![
        mod_dir.join(format!("{name}.so")),
        mod_dir.join(format!("lib{name}.so")),
    ]
}

/// Finds the file of module `name`.
pub fn find(mod_dir: &Path, name: &str) -> Result<PathBuf, String> {
    let candidates = candidate_files(mod_dir, name);
    candidates
        .iter()
        .find(|p| p.is_file())
        .cloned()
        .ok_or_else(|| {
            format!(
                "{name}: no module file {} or {} in {}",
                file_name(&candidates[0]),
                file_name(&candidates[1]),
                mod_dir.display()
            )
        })
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Maps a fresh copy of `file` and validates its descriptor for module `name`.
pub fn map(file: &Path, name: &str, copies_dir: &Path) -> Result<MappedModule, String> {
    static GENERATION: AtomicU64 = AtomicU64::new(0);
    std::fs::create_dir_all(copies_dir)
        .map_err(|e| format!("{name}: cannot create {}: {e}", copies_dir.display()))?;
    let generation = GENERATION.fetch_add(1, Ordering::Relaxed);
    let copy = copies_dir.join(format!("{name}.{}.{generation}.so", std::process::id()));
    std::fs::copy(file, &copy)
        .map_err(|e| format!("{name}: cannot copy {}: {e}", file.display()))?;
    // SAFETY: mapping a shared object runs its initialisers. That is the
    // point of a module; the operator chose the file by placing it in the
    // module directory. The copy is private to this process.
    let opened = unsafe { libloading::Library::new(&copy) };
    let _ = std::fs::remove_file(&copy);
    let library = opened.map_err(|e| format!("{name}: cannot open {}: {e}", file.display()))?;
    let descriptor = descriptor_of(&library, file, name)?;
    check(descriptor, file, name)?;
    // SAFETY: check() verified that version is non-null; the descriptor
    // promises NUL-terminated static strings.
    let version = unsafe { CStr::from_ptr(descriptor.version) }
        .to_string_lossy()
        .into_owned();
    Ok(MappedModule {
        library,
        descriptor,
        file: file.to_owned(),
        version,
    })
}

fn descriptor_of(
    library: &libloading::Library,
    file: &Path,
    name: &str,
) -> Result<&'static SyModuleDescriptor, String> {
    let symbol = format!("{SY_MODULE_SYMBOL}\0");
    // SAFETY: the symbol is a data symbol; reading it as a pointer-typed
    // symbol yields its address, which is what we want.
    let address: *const SyModuleDescriptor = unsafe {
        library
            .get::<*const SyModuleDescriptor>(symbol.as_bytes())
            .map(|s| *s)
            .map_err(|_| {
                format!(
                    "{name}: {} does not export the symbol {SY_MODULE_SYMBOL}; \
                     is it a Switchyard module built against switchyard.h?",
                    file.display()
                )
            })?
    };
    if address.is_null() {
        return Err(format!("{name}: {SY_MODULE_SYMBOL} is a null symbol"));
    }
    // SAFETY: the address points into the mapped library, which is never
    // unmapped (MappedModule keeps it and the manager never drops it), so
    // the reference is valid for the rest of the process.
    Ok(unsafe { &*address })
}

fn check(descriptor: &SyModuleDescriptor, file: &Path, name: &str) -> Result<(), String> {
    let (major, minor) = (descriptor.abi_major, descriptor.abi_minor);
    if major != SY_ABI_MAJOR {
        return Err(format!(
            "{name}: built for ABI {major}.{minor}, this switch speaks ABI {SY_ABI_MAJOR}.{SY_ABI_MINOR}; \
             rebuild the module against this switch's switchyard.h"
        ));
    }
    if minor > SY_ABI_MINOR {
        return Err(format!(
            "{name}: built for ABI {major}.{minor}, newer than this switch's ABI {SY_ABI_MAJOR}.{SY_ABI_MINOR}; \
             upgrade the switch or rebuild the module against this switch's switchyard.h"
        ));
    }
    if descriptor.name.is_null() || descriptor.version.is_null() {
        return Err(format!(
            "{name}: the descriptor in {} has no name or version",
            file.display()
        ));
    }
    if descriptor.load.is_none() {
        return Err(format!(
            "{name}: the descriptor in {} has no load function",
            file.display()
        ));
    }
    // SAFETY: non-null, and the ABI requires a NUL-terminated static string.
    let declared = unsafe { CStr::from_ptr(descriptor.name) }.to_string_lossy();
    if declared != name {
        return Err(format!(
            "{name}: {} declares the module name '{declared}'; rename the file or the module so they match",
            file.display()
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_module_names_the_files_tried() {
        let dir = tempfile::tempdir().unwrap();
        let err = find(dir.path(), "mod_x").unwrap_err();
        assert!(
            err.contains("mod_x.so") && err.contains("libmod_x.so"),
            "{err}"
        );
        std::fs::write(dir.path().join("libmod_x.so"), b"").unwrap();
        assert_eq!(
            find(dir.path(), "mod_x").unwrap(),
            dir.path().join("libmod_x.so")
        );
    }

    #[test]
    fn a_file_that_is_not_a_library_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("mod_junk.so");
        std::fs::write(&file, b"not an ELF file").unwrap();
        let err = map(&file, "mod_junk", &dir.path().join("copies"))
            .err()
            .unwrap();
        assert!(err.starts_with("mod_junk: cannot open"), "{err}");
        assert_eq!(
            std::fs::read_dir(dir.path().join("copies"))
                .unwrap()
                .count(),
            0
        );
    }
}
