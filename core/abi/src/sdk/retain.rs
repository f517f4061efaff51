//! Keeps registered closures alive until the host can no longer call them.
//!
//! Every closure handed to the host as `user_data` is boxed and recorded here
//! under the module handle it was registered for. The unload entry point
//! frees a module's closures after the module's own unload function has
//! returned (the host has removed the registrations and drained running
//! callbacks before calling unload). When load fails the host removes the
//! registrations after load returns, so those closures are marked orphaned and
//! freed at the next load of this library.

use std::ffi::c_void;
use std::sync::{Mutex, MutexGuard, PoisonError};

use crate::ffi::SyModule;

/// One boxed closure and the function that frees it.
struct Retained {
    owner: usize,
    ptr: *mut c_void,
    free: unsafe fn(*mut c_void),
}

// SAFETY: every retained value is `Send + Sync` (enforced by `retain`), and
// the pointer is only dereferenced by its trampolines and by `free`.
unsafe impl Send for Retained {}

struct Registry {
    live: Vec<Retained>,
    orphaned: Vec<usize>,
}

static REGISTRY: Mutex<Registry> = Mutex::new(Registry {
    live: Vec::new(),
    orphaned: Vec::new(),
});

fn registry() -> MutexGuard<'static, Registry> {
    REGISTRY.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Frees a `Box<T>` made by `retain`.
///
/// # Safety
///
/// `ptr` must come from `Box::<T>::into_raw` in `retain` and be freed once.
unsafe fn free_box<T>(ptr: *mut c_void) {
    // SAFETY: guaranteed by the caller.
    drop(unsafe { Box::from_raw(ptr.cast::<T>()) });
}

/// Boxes `value`, records it for `owner` and returns the pointer to pass as `user_data`.
pub(crate) fn retain<T: Send + Sync + 'static>(owner: *mut SyModule, value: T) -> *mut T {
    let ptr = Box::into_raw(Box::new(value));
    registry().live.push(Retained {
        owner: owner as usize,
        ptr: ptr.cast(),
        free: free_box::<T>,
    });
    ptr
}

/// Frees one value right away (the host refused the registration, so it
/// never kept the pointer).
pub(crate) fn release<T>(ptr: *mut T) {
    let entry = {
        let mut registry = registry();
        let index = registry
            .live
            .iter()
            .position(|entry| entry.ptr == ptr.cast::<c_void>());
        index.map(|index| registry.live.swap_remove(index))
    };
    if let Some(entry) = entry {
        free(entry);
    }
}

/// Frees every value registered for `owner`.
pub(crate) fn release_owner(owner: *mut SyModule) {
    let owner = owner as usize;
    let entries: Vec<Retained> = {
        let mut registry = registry();
        let (mine, others) = std::mem::take(&mut registry.live)
            .into_iter()
            .partition(|entry| entry.owner == owner);
        registry.live = others;
        mine
    };
    // Dropped outside the lock: a closure's Drop may call back into the SDK.
    entries.into_iter().for_each(free);
}

/// Marks `owner`'s values for freeing at the next load (its load failed).
pub(crate) fn orphan(owner: *mut SyModule) {
    registry().orphaned.push(owner as usize);
}

/// Frees the values of every orphaned owner.
pub(crate) fn release_orphans() {
    let orphaned = std::mem::take(&mut registry().orphaned);
    for owner in orphaned {
        release_owner(owner as *mut SyModule);
    }
}

/// Runs one value's destructor, containing a panic in its `Drop`.
fn free(entry: Retained) {
    // SAFETY: the entry was removed from the registry, so this is the only
    // free of a pointer made by `retain` with the matching `free_box::<T>`.
    let _ = super::panic::catch(|| unsafe { (entry.free)(entry.ptr) });
}

/// The number of values retained for `owner` (for tests).
#[cfg(test)]
pub(crate) fn count(owner: *mut SyModule) -> usize {
    registry()
        .live
        .iter()
        .filter(|entry| entry.owner == owner as usize)
        .count()
}
