//! The host's per-module state behind a `sy_module*`.
//!
//! Contexts are leaked on purpose: a module may keep its `sy_module*` in a
//! thread that outlives `unload`, and every host function must still find a
//! valid context there (it then sees `alive == false` and refuses).

use crate::switch::Switch;
use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::sync::Weak;
use std::sync::atomic::{AtomicBool, Ordering};

/// What the host knows about one loaded module instance.
pub struct ModuleContext {
    /// The module's name.
    pub name: String,
    /// The switch it belongs to.
    pub switch: Weak<Switch>,
    /// The configuration directory, as a string handed to the module.
    pub config_dir: String,
    /// The module's private data directory.
    pub data_dir: String,
    /// The module's private database path.
    pub db_path: String,
    alive: AtomicBool,
}

impl ModuleContext {
    /// Creates a context (and the module's data directory) and leaks it.
    pub fn leak(
        name: &str,
        switch: Weak<Switch>,
        conf_dir: &Path,
        module_data_dir: PathBuf,
    ) -> std::io::Result<&'static ModuleContext> {
        std::fs::create_dir_all(&module_data_dir)?;
        let db_path = module_data_dir.join(format!("{name}.db"));
        Ok(Box::leak(Box::new(ModuleContext {
            name: name.to_owned(),
            switch,
            config_dir: conf_dir.display().to_string(),
            data_dir: module_data_dir.display().to_string(),
            db_path: db_path.display().to_string(),
            alive: AtomicBool::new(true),
        })))
    }

    /// Whether the module is still loaded.
    pub fn is_alive(&self) -> bool {
        self.alive.load(Ordering::SeqCst)
    }

    /// Marks the module unloaded: host functions refuse it from now on.
    pub fn retire(&self) {
        self.alive.store(false, Ordering::SeqCst);
    }
}

thread_local! {
    static LAST_ERROR: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Records the error a module explains with `set_error` on this thread.
pub fn set_last_error(message: String) {
    LAST_ERROR.with(|e| *e.borrow_mut() = Some(message));
}

/// Takes (and clears) the error a module recorded on this thread.
pub fn take_last_error() -> Option<String> {
    LAST_ERROR.with(|e| e.borrow_mut().take())
}
