//! Event-hook scripts: each `<hook>` of the `<lua>` section binds its
//! script to matching events. The bus handler only queues; one worker
//! thread runs the scripts in firing order, so a slow script never holds
//! the bus (a full queue drops the event with a warning).

use crate::event::bus::EventSelector;
use crate::switch::Switch;
use std::sync::{Arc, OnceLock};

/// Owner name of the bindings on the bus.
const OWNER: &str = "lua";

/// Events waiting for a hook script at most.
const QUEUE: usize = 1024;

/// A script to run for an event.
struct Job {
    script: String,
    event: crate::event::Event,
}

/// The worker's queue, started on first use.
fn worker(switch: &Arc<Switch>) -> &'static crossbeam_channel::Sender<Job> {
    static WORKER: OnceLock<crossbeam_channel::Sender<Job>> = OnceLock::new();
    WORKER.get_or_init(|| {
        let (jobs, queue) = crossbeam_channel::bounded::<Job>(QUEUE);
        let switch = Arc::downgrade(switch);
        let started = std::thread::Builder::new()
            .name("lua-hooks".into())
            .spawn(move || {
                for job in queue {
                    let Some(switch) = switch.upgrade() else {
                        return;
                    };
                    super::run_detached(&switch, &job.script, &[], Some(job.event));
                }
            });
        if let Err(e) = started {
            tracing::error!("cannot start the Lua hook thread: {e}");
        }
        jobs
    })
}

/// (Re)binds the configured hook scripts; returns how many are bound.
pub fn start_hooks(switch: &Arc<Switch>) -> usize {
    switch.bus.unbind_owner(OWNER);
    let hooks = switch.config().lua.hooks.clone();
    let mut bound = 0;
    for hook in hooks {
        let selector = match EventSelector::for_binding(&hook.event, hook.subclass.as_deref()) {
            Ok(selector) => selector,
            Err(e) => {
                tracing::warn!("Lua hook {} for {}: {e}", hook.script, hook.event);
                continue;
            }
        };
        let jobs = worker(switch).clone();
        let script = hook.script.clone();
        switch.bus.bind(
            OWNER,
            selector,
            Box::new(move |fired| {
                let job = Job {
                    script: script.clone(),
                    event: fired.event().clone(),
                };
                if jobs.try_send(job).is_err() {
                    tracing::warn!("Lua hook {script}: queue full, event dropped");
                }
            }),
        );
        bound += 1;
    }
    bound
}
