//! Run-time modules: `load`, `unload`, `reload` and `show modules`.
//!
//! `unload` means deregister and drain, never unmap: the module's API
//! commands, applications and event bindings are removed (refused while any
//! of them is running or any of its media taps is open, naming what is),
//! running event handlers are waited for, the module's `unload` is called,
//! and its code stays mapped for the life of the process. `reload` validates a fresh copy of the file before
//! touching the running module, so a broken rebuild leaves the old one in
//! service.

mod channel;
mod context;
mod host_api;
mod library;
mod taps;

use crate::event::Event;
use crate::registry::{busy_entries, remove_owner};
use crate::switch::{Paths, Switch};
use context::{ModuleContext, take_last_error};
use host_api::{HOST_API, module_handle};
use library::MappedModule;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::ThreadId;
use switchyard_abi::ffi::{SY_OK, SyModuleDescriptor};

/// What `show modules` lists about a module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModuleInfo {
    /// Module name.
    pub name: String,
    /// The module's version string.
    pub version: String,
    /// ABI `major.minor` it was built for.
    pub abi: String,
    /// The file it was loaded from.
    pub file: PathBuf,
}

struct Loaded {
    info: ModuleInfo,
    descriptor: &'static SyModuleDescriptor,
    context: &'static ModuleContext,
    order: u64,
}

/// Serialises module operations; refuses (instead of deadlocking) when a
/// module's own load/unload asks for another module operation.
#[derive(Default)]
struct OperationLock {
    holder: Mutex<Option<ThreadId>>,
    released: Condvar,
}

struct OperationGuard<'a> {
    lock: &'a OperationLock,
}

impl OperationLock {
    fn acquire(&self) -> Result<OperationGuard<'_>, String> {
        let me = std::thread::current().id();
        let mut holder = self.holder.lock().unwrap_or_else(|p| p.into_inner());
        if *holder == Some(me) {
            return Err(
                "module operations cannot be nested: a module's load or unload asked for another one"
                    .into(),
            );
        }
        while holder.is_some() {
            holder = self
                .released
                .wait(holder)
                .unwrap_or_else(|p| p.into_inner());
        }
        *holder = Some(me);
        Ok(OperationGuard { lock: self })
    }
}

impl Drop for OperationGuard<'_> {
    fn drop(&mut self) {
        *self.lock.holder.lock().unwrap_or_else(|p| p.into_inner()) = None;
        self.lock.released.notify_one();
    }
}

/// The loaded modules.
pub struct ModuleManager {
    mod_dir: PathBuf,
    conf_dir: PathBuf,
    data_dir: PathBuf,
    copies_dir: PathBuf,
    loaded: Mutex<BTreeMap<String, Loaded>>,
    /// Every library ever mapped: kept so module code is never unmapped.
    mapped: Mutex<Vec<libloading::Library>>,
    operations: OperationLock,
    order: AtomicU64,
}

impl ModuleManager {
    /// A manager for the given directories. Leftover copies of an earlier
    /// run are removed.
    pub fn new(paths: &Paths) -> ModuleManager {
        let copies_dir = paths.data_dir.join("run").join("modules");
        let _ = std::fs::remove_dir_all(&copies_dir);
        ModuleManager {
            mod_dir: paths.mod_dir.clone(),
            conf_dir: paths.conf_dir.clone(),
            data_dir: paths.data_dir.join("modules"),
            copies_dir,
            loaded: Mutex::new(BTreeMap::new()),
            mapped: Mutex::new(Vec::new()),
            operations: OperationLock::default(),
            order: AtomicU64::new(0),
        }
    }

    fn loaded(&self) -> MutexGuard<'_, BTreeMap<String, Loaded>> {
        self.loaded.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// How many modules are loaded.
    pub fn count(&self) -> usize {
        self.loaded().len()
    }

    /// The loaded modules, by name.
    pub fn list(&self) -> Vec<ModuleInfo> {
        self.loaded().values().map(|m| m.info.clone()).collect()
    }

    /// Loads module `name` from the module directory.
    pub fn load(&self, switch: &Arc<Switch>, name: &str) -> Result<String, String> {
        let _op = self.operations.acquire()?;
        self.check_loadable(name)?;
        let file = library::find(&self.mod_dir, name)?;
        let mapped = library::map(&file, name, &self.copies_dir)?;
        self.start(switch, name, mapped)
    }

    /// Unloads module `name`; refused while any of its commands or
    /// applications is running.
    pub fn unload(&self, switch: &Arc<Switch>, name: &str) -> Result<String, String> {
        let _op = self.operations.acquire()?;
        self.stop(switch, name)
    }

    /// Replaces module `name` with a fresh copy of its file. The new file
    /// is checked first; if it cannot be used, the old module stays.
    pub fn reload(&self, switch: &Arc<Switch>, name: &str) -> Result<String, String> {
        let _op = self.operations.acquire()?;
        if !self.loaded().contains_key(name) {
            return Err(format!("{name} is not loaded; use 'load {name}'"));
        }
        let file = library::find(&self.mod_dir, name)
            .map_err(|e| format!("reload refused, {name} stays loaded: {e}"))?;
        let mapped = library::map(&file, name, &self.copies_dir)
            .map_err(|e| format!("reload refused, {name} stays loaded: {e}"))?;
        if let Err(e) = self.stop(switch, name) {
            self.keep_mapped(mapped.library);
            return Err(e);
        }
        self.start(switch, name, mapped)
            .map(|loaded| loaded.replacen("loaded", "reloaded", 1))
            .map_err(|e| format!("{e}; the old copy was already unloaded"))
    }

    /// Unloads everything, newest first (shutdown). Modules in use are
    /// reported and left alone.
    pub fn unload_all(&self, switch: &Arc<Switch>) {
        let mut names: Vec<(u64, String)> = self
            .loaded()
            .values()
            .map(|m| (m.order, m.info.name.clone()))
            .collect();
        names.sort_unstable_by_key(|(order, _)| std::cmp::Reverse(*order));
        for (_, name) in names {
            match self.unload(switch, &name) {
                Ok(text) => tracing::info!("{text}"),
                Err(e) => tracing::warn!("at shutdown: {e}"),
            }
        }
    }

    fn check_loadable(&self, name: &str) -> Result<(), String> {
        if !crate::config::valid_module_name(name) {
            return Err(format!(
                "'{name}' is not a module name (letters, digits, _ and - only)"
            ));
        }
        if self.loaded().contains_key(name) {
            return Err(format!(
                "{name} is already loaded; use 'reload {name}' to replace it"
            ));
        }
        Ok(())
    }

    fn keep_mapped(&self, library: libloading::Library) {
        self.mapped
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(library);
    }

    fn start(
        &self,
        switch: &Arc<Switch>,
        name: &str,
        mapped: MappedModule,
    ) -> Result<String, String> {
        let MappedModule {
            library,
            descriptor,
            file,
            version,
        } = mapped;
        self.keep_mapped(library);
        let context = ModuleContext::leak(
            name,
            Arc::downgrade(switch),
            &self.conf_dir,
            self.data_dir.join(name),
        )
        .map_err(|e| format!("{name}: cannot create its data directory: {e}"))?;
        let Some(load) = descriptor.load else {
            return Err(format!("{name}: the descriptor has no load function"));
        };
        let _ = take_last_error();
        // SAFETY: calling the module's load as the ABI specifies: its own
        // handle and the host table, both valid until unload returns.
        let status = unsafe { load(module_handle(context), &HOST_API) };
        let error = take_last_error();
        if status != SY_OK {
            context.retire();
            remove_registrations(switch, name, true)?;
            return Err(format!(
                "{name}: load failed: {}",
                error.unwrap_or_else(|| format!("status {status}"))
            ));
        }
        let info = ModuleInfo {
            name: name.to_owned(),
            version: version.clone(),
            abi: format!("{}.{}", descriptor.abi_major, descriptor.abi_minor),
            file: file.clone(),
        };
        self.loaded().insert(
            name.to_owned(),
            Loaded {
                info,
                descriptor,
                context,
                order: self.order.fetch_add(1, Ordering::Relaxed),
            },
        );
        tracing::info!("loaded module {name} {version} from {}", file.display());
        switch.bus.fire(
            Event::core("MODULE_LOAD")
                .with_header("type", "module")
                .with_header("name", name)
                .with_header("key", name)
                .with_header("version", version.clone())
                .with_header("filename", file.display().to_string()),
        );
        Ok(format!("{name} loaded (version {version})"))
    }

    fn stop(&self, switch: &Arc<Switch>, name: &str) -> Result<String, String> {
        let (descriptor, context, file) = match self.loaded().get(name) {
            Some(m) => (m.descriptor, m.context, m.info.file.clone()),
            None => return Err(format!("{name} is not loaded")),
        };
        if let Err(taps) = context.stop_taps() {
            let running = describe_busy(
                &running_entries(&switch.api.list(), name),
                &running_entries(&switch.apps.list(), name),
            );
            let mut why = vec![describe_taps(taps)];
            if !running.is_empty() {
                why.insert(0, running);
            }
            return Err(format!("{name} is in use: {}", why.join("; ")));
        }
        if let Err(e) = remove_registrations(switch, name, false) {
            context.resume_taps();
            return Err(e);
        }
        context.retire();
        // Anything the module registered while being removed goes too.
        remove_registrations(switch, name, true)?;
        let mut note = String::new();
        if let Some(unload) = descriptor.unload {
            let _ = take_last_error();
            // SAFETY: the module's unload with its own handle; nothing of the
            // module is registered or running any more.
            let status = unsafe { unload(module_handle(context)) };
            if status != SY_OK {
                let why = take_last_error().unwrap_or_else(|| format!("status {status}"));
                tracing::warn!("{name}: its unload reported a problem: {why}");
                note = format!(" (its unload reported: {why})");
            }
        }
        let located = context.located_channels();
        if located > 0 {
            tracing::warn!(
                "{name}: unloaded while holding {located} located channel handle(s) it never released"
            );
        }
        self.loaded().remove(name);
        tracing::info!("unloaded module {name}");
        switch.bus.fire(
            Event::core("MODULE_UNLOAD")
                .with_header("type", "module")
                .with_header("name", name)
                .with_header("key", name)
                .with_header("filename", file.display().to_string()),
        );
        Ok(format!("{name} unloaded{note}"))
    }
}

/// Removes the API commands, applications and event bindings of `owner`.
/// Unless `force`, refuses when any command or application is running and
/// says which.
fn remove_registrations(switch: &Switch, owner: &str, force: bool) -> Result<(), String> {
    {
        let mut api = switch.api.write();
        let mut apps = switch.apps.write();
        if !force {
            let busy_api = busy_entries(&api, owner);
            let busy_apps = busy_entries(&apps, owner);
            if !busy_api.is_empty() || !busy_apps.is_empty() {
                return Err(format!(
                    "{owner} is in use: {}",
                    describe_busy(&busy_api, &busy_apps)
                ));
            }
        }
        remove_owner(&mut api, owner);
        remove_owner(&mut apps, owner);
    }
    switch.bus.unbind_owner(owner);
    Ok(())
}

fn describe_busy(api: &[String], apps: &[String]) -> String {
    let mut parts = Vec::new();
    match api {
        [] => {}
        [one] => parts.push(format!("API command {one} is running")),
        many => parts.push(format!("API commands {} are running", many.join(", "))),
    }
    match apps {
        [] => {}
        [one] => parts.push(format!("application {one} is running")),
        many => parts.push(format!("applications {} are running", many.join(", "))),
    }
    parts.join("; ")
}

/// Names of `owner`'s entries in `entries` that are running now.
fn running_entries<H>(entries: &[Arc<crate::registry::Entry<H>>], owner: &str) -> Vec<String> {
    entries
        .iter()
        .filter(|e| e.owner == owner && e.in_flight() > 0)
        .map(|e| e.name.clone())
        .collect()
}

fn describe_taps(count: usize) -> String {
    if count == 1 {
        "1 media tap is open".into()
    } else {
        format!("{count} media taps are open")
    }
}

/// The file `load name` would use, or why there is none.
pub fn find_module_file(mod_dir: &std::path::Path, name: &str) -> Result<PathBuf, String> {
    library::find(mod_dir, name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::switch::test_switch;

    #[test]
    fn busy_descriptions_name_what_is_running() {
        assert_eq!(
            describe_busy(&["probe_sleep".into()], &[]),
            "API command probe_sleep is running"
        );
        assert_eq!(
            describe_busy(&["a".into(), "b".into()], &["ivr".into()]),
            "API commands a, b are running; application ivr is running"
        );
        assert_eq!(describe_taps(1), "1 media tap is open");
        assert_eq!(describe_taps(3), "3 media taps are open");
    }

    #[test]
    fn loading_a_missing_module_or_a_bad_name_is_refused_clearly() {
        let (switch, _dirs) = test_switch();
        let err = switch.modules.load(&switch, "mod_absent").unwrap_err();
        assert!(err.contains("no module file mod_absent.so"), "{err}");
        let err = switch.modules.load(&switch, "../etc/passwd").unwrap_err();
        assert!(err.contains("is not a module name"), "{err}");
        assert_eq!(
            switch.modules.unload(&switch, "mod_absent").unwrap_err(),
            "mod_absent is not loaded"
        );
        assert!(
            switch
                .modules
                .reload(&switch, "mod_absent")
                .unwrap_err()
                .contains("is not loaded")
        );
    }

    #[test]
    fn nested_module_operations_are_refused_not_deadlocked() {
        let lock = OperationLock::default();
        let _outer = lock.acquire().unwrap();
        assert!(lock.acquire().err().unwrap().contains("cannot be nested"));
    }
}
