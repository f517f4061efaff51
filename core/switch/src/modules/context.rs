//! The host's per-module state behind a `sy_module*`.
//!
//! Contexts are leaked on purpose: a module may keep its `sy_module*` in a
//! thread that outlives `unload`, and every host function must still find a
//! valid context there (it then sees `alive == false` and refuses).

use crate::switch::Switch;
use std::cell::RefCell;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, Weak};

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
    taps: Mutex<TapBook>,
    located: AtomicUsize,
}

/// The media taps a module has open, and whether it may open more.
struct TapBook {
    /// False while an unload is deciding (and after it succeeded).
    accepting: bool,
    /// Open taps by id.
    live: HashMap<u64, LiveTap>,
}

/// One media tap a module has open.
#[derive(Clone)]
pub struct LiveTap {
    /// The UUID of the tapped channel.
    pub uuid: String,
    /// Disconnected once the tap's close callback has returned.
    pub closed: crossbeam_channel::Receiver<()>,
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
            taps: Mutex::new(TapBook {
                accepting: true,
                live: HashMap::new(),
            }),
            located: AtomicUsize::new(0),
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

    fn taps(&self) -> MutexGuard<'_, TapBook> {
        self.taps.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Records a tap the module is opening; false (and nothing recorded)
    /// when the module is unloaded or being unloaded.
    pub fn open_tap(&self, id: u64, tap: LiveTap) -> bool {
        let mut book = self.taps();
        if !book.accepting || !self.is_alive() {
            return false;
        }
        book.live.insert(id, tap);
        true
    }

    /// Forgets a tap whose close callback has run.
    pub fn tap_closed(&self, id: u64) {
        self.taps().live.remove(&id);
    }

    /// The open tap `id`, if the module has it.
    pub fn live_tap(&self, id: u64) -> Option<LiveTap> {
        self.taps().live.get(&id).cloned()
    }

    /// How many taps the module has open.
    #[cfg(test)]
    pub fn live_taps(&self) -> usize {
        self.taps().live.len()
    }

    /// Stops the module from opening taps, for an unload; refused with the
    /// number of open taps when there are any (and then nothing changes).
    /// Undo with [`ModuleContext::resume_taps`] if the unload is refused
    /// for another reason.
    pub fn stop_taps(&self) -> Result<(), usize> {
        let mut book = self.taps();
        if !book.live.is_empty() {
            return Err(book.live.len());
        }
        book.accepting = false;
        Ok(())
    }

    /// Lets the module open taps again after a refused unload.
    pub fn resume_taps(&self) {
        self.taps().accepting = true;
    }

    /// Counts a channel handle the module located.
    pub fn channel_located(&self) {
        self.located.fetch_add(1, Ordering::SeqCst);
    }

    /// Counts a located channel handle the module released.
    pub fn channel_released(&self) {
        let _ = self
            .located
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1));
    }

    /// How many located channel handles the module still holds.
    pub fn located_channels(&self) -> usize {
        self.located.load(Ordering::SeqCst)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn context() -> &'static ModuleContext {
        let dir = tempfile::tempdir().expect("dir");
        let ctx = ModuleContext::leak("mod_t", Weak::new(), dir.path(), dir.path().join("d"))
            .expect("context");
        // The context keeps only strings of the paths.
        drop(dir);
        ctx
    }

    fn tap() -> (LiveTap, crossbeam_channel::Sender<()>) {
        let (signal, closed) = crossbeam_channel::bounded(0);
        let tap = LiveTap {
            uuid: "u".into(),
            closed,
        };
        (tap, signal)
    }

    #[test]
    fn live_taps_block_an_unload_and_an_unloading_module_opens_none() {
        let ctx = context();
        let (live, _signal) = tap();
        assert!(ctx.open_tap(7, live));
        assert_eq!(ctx.stop_taps(), Err(1));
        // The refusal changed nothing: the module may still open taps.
        let (second, _signal2) = tap();
        assert!(ctx.open_tap(8, second));
        ctx.tap_closed(7);
        ctx.tap_closed(8);
        assert_eq!(ctx.live_taps(), 0);
        assert_eq!(ctx.stop_taps(), Ok(()));
        let (late, _signal3) = tap();
        assert!(!ctx.open_tap(9, late), "no tap opens while unloading");
        ctx.resume_taps();
        let (again, _signal4) = tap();
        assert!(ctx.open_tap(10, again));
        ctx.retire();
        let (dead, _signal5) = tap();
        assert!(!ctx.open_tap(11, dead), "a retired module opens no tap");
        assert!(ctx.live_tap(10).is_some() && ctx.live_tap(11).is_none());
    }

    #[test]
    fn located_handles_are_counted() {
        let ctx = context();
        ctx.channel_located();
        ctx.channel_located();
        ctx.channel_released();
        assert_eq!(ctx.located_channels(), 1);
        ctx.channel_released();
        ctx.channel_released();
        assert_eq!(ctx.located_channels(), 0, "never below zero");
    }
}
