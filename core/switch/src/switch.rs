//! The running switch: the state every part shares (paths, configuration,
//! event bus, registries, modules, store, counters).

use crate::api::{ApiRegistry, commands};
use crate::apps::AppRegistry;
use crate::config::Config;
use crate::dialplan::{Dialplan, DialplanError};
use crate::event::bus::{EventBus, Origin};
use crate::logging::LogHub;
use crate::modules::ModuleManager;
use crate::store::Store;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

/// Where the switch keeps and finds things.
#[derive(Debug, Clone)]
pub struct Paths {
    /// State: database, secret, module data.
    pub data_dir: PathBuf,
    /// Configuration, dialplan and scripts.
    pub conf_dir: PathBuf,
    /// Where `load mod_x` looks for `mod_x.so`.
    pub mod_dir: PathBuf,
}

/// Call session counters, as `status` and `HEARTBEAT` report them.
#[derive(Debug, Default)]
pub struct SessionStats {
    current: AtomicU64,
    total: AtomicU64,
    peak: AtomicU64,
}

/// A consistent-enough copy of [`SessionStats`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionSnapshot {
    /// Sessions up now.
    pub current: u64,
    /// Sessions since start.
    pub total: u64,
    /// Most at once since start.
    pub peak: u64,
}

impl SessionStats {
    /// Counts a new session.
    pub fn opened(&self) {
        let now = self.current.fetch_add(1, Ordering::Relaxed) + 1;
        self.total.fetch_add(1, Ordering::Relaxed);
        self.peak.fetch_max(now, Ordering::Relaxed);
    }

    /// Counts a session that ended.
    pub fn closed(&self) {
        let _ = self
            .current
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1));
    }

    /// Reads the counters.
    pub fn snapshot(&self) -> SessionSnapshot {
        SessionSnapshot {
            current: self.current.load(Ordering::Relaxed),
            total: self.total.load(Ordering::Relaxed),
            peak: self.peak.load(Ordering::Relaxed),
        }
    }
}

/// The switch.
pub struct Switch {
    /// Directories.
    pub paths: Paths,
    /// The event bus.
    pub bus: Arc<EventBus>,
    /// API commands.
    pub api: ApiRegistry,
    /// Dialplan applications.
    pub apps: AppRegistry,
    /// Loaded modules.
    pub modules: ModuleManager,
    /// Log levels and the log fan-out.
    pub logs: Arc<LogHub>,
    /// The core database.
    pub store: Store,
    /// Session counters.
    pub sessions: SessionStats,
    /// The SIP registrar.
    pub registrar: crate::registrar::Registrar,
    /// Sources banned after failed authentications.
    pub bans: crate::bans::BanList,
    /// The live call legs.
    pub channels: crate::channel::ChannelRegistry,
    /// Global variables (`$${name}`).
    pub globals: crate::globals::Globals,
    /// The `hash` application's in-memory store.
    pub hash: crate::kv::HashStore,
    /// Gateway registration states, and the change counter with which the
    /// `gateway` commands tell the registration engine (on the SIP thread).
    pub gateways: Arc<crate::gateway::GatewayStates>,
    call_control: std::sync::OnceLock<crossbeam_channel::Sender<crate::sip::Inbound>>,
    media: std::sync::OnceLock<Arc<crate::media::MediaEngine>>,
    config: RwLock<Arc<Config>>,
    dialplan: RwLock<Arc<Dialplan>>,
    log_level_pinned: AtomicBool,
    dialplan_clock_offset_us: std::sync::atomic::AtomicI64,
    started: Instant,
    esl_connections: AtomicUsize,
    shutdown: tokio::sync::watch::Sender<bool>,
}

impl Switch {
    /// Assembles a switch: starts the event bus and registers the core
    /// commands. `log_level_pinned` means the operator chose the log level on
    /// the command line, so configuration reloads leave it alone.
    pub fn new(
        paths: Paths,
        config: Config,
        dialplan: Dialplan,
        logs: Arc<LogHub>,
        store: Store,
        registrar: crate::registrar::Registrar,
        log_level_pinned: bool,
    ) -> Arc<Switch> {
        let hostname = std::fs::read_to_string("/proc/sys/kernel/hostname")
            .map(|h| h.trim().to_owned())
            .unwrap_or_else(|_| "localhost".into());
        let core_uuid = uuid::Uuid::new_v4().to_string();
        let globals = crate::globals::Globals::new(crate::globals::BuiltIns {
            hostname: &hostname,
            core_uuid: &core_uuid,
            conf_dir: &paths.conf_dir,
            data_dir: &paths.data_dir,
            mod_dir: &paths.mod_dir,
        });
        globals.apply(&config.global_variables);
        let bus = EventBus::start(
            Origin {
                core_uuid,
                switchname: hostname.clone(),
                hostname,
            },
            10_000,
        );
        let modules = ModuleManager::new(&paths);
        let switch = Arc::new(Switch {
            paths,
            bus,
            api: ApiRegistry::default(),
            apps: AppRegistry::default(),
            modules,
            logs,
            store,
            sessions: SessionStats::default(),
            registrar,
            bans: crate::bans::BanList::new(),
            channels: crate::channel::ChannelRegistry::new(),
            gateways: Arc::new(crate::gateway::GatewayStates::new()),
            globals,
            hash: crate::kv::HashStore::new(),
            call_control: std::sync::OnceLock::new(),
            media: std::sync::OnceLock::new(),
            config: RwLock::new(Arc::new(config)),
            dialplan: RwLock::new(Arc::new(dialplan)),
            log_level_pinned: AtomicBool::new(log_level_pinned),
            dialplan_clock_offset_us: std::sync::atomic::AtomicI64::new(0),
            started: Instant::now(),
            esl_connections: AtomicUsize::new(0),
            shutdown: tokio::sync::watch::channel(false).0,
        });
        commands::register_all(&switch).expect("core command names are valid and unique");
        crate::directory::commands::register_all(&switch)
            .expect("directory command names are valid and unique");
        crate::gateway::commands::register_all(&switch)
            .expect("gateway command names are valid and unique");
        crate::api::dptools::register_all(&switch)
            .expect("dialplan tool command names are valid and unique");
        switch
    }

    /// The configuration in force.
    pub fn config(&self) -> Arc<Config> {
        Arc::clone(&self.config.read().unwrap_or_else(|p| p.into_inner()))
    }

    /// Puts a new configuration in force (settings apply to what starts next).
    pub fn apply_config(&self, config: Config) {
        if !self.log_level_pinned.load(Ordering::Relaxed) {
            self.logs.set_stderr_level(config.settings.log_level);
        }
        self.globals.apply(&config.global_variables);
        *self.config.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(config);
    }

    /// The instant the dialplan's time conditions are evaluated at: the
    /// system clock, moved by [`Switch::start_dialplan_clock_at`].
    pub fn dialplan_now(&self) -> jiff::Timestamp {
        let offset = self.dialplan_clock_offset_us.load(Ordering::Relaxed);
        let now = jiff::Timestamp::now();
        now.checked_add(jiff::SignedDuration::from_micros(offset))
            .unwrap_or(now)
    }

    /// Makes the dialplan's clock read `start` now and run on from there
    /// (`--dialplan-clock`).
    pub fn start_dialplan_clock_at(&self, start: jiff::Timestamp) {
        let offset = start.as_microsecond() - jiff::Timestamp::now().as_microsecond();
        self.dialplan_clock_offset_us
            .store(offset, Ordering::Relaxed);
    }

    /// The dialplan in force. A call keeps the plan it started with.
    pub fn dialplan(&self) -> Arc<Dialplan> {
        Arc::clone(&self.dialplan.read().unwrap_or_else(|p| p.into_inner()))
    }

    /// Swaps in a new dialplan atomically.
    pub fn apply_dialplan(&self, dialplan: Dialplan) {
        *self.dialplan.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(dialplan);
    }

    /// Connects call control (`uuid_kill`, `hupall`) to the SIP thread.
    pub fn set_call_control(&self, sender: crossbeam_channel::Sender<crate::sip::Inbound>) {
        let _ = self.call_control.set(sender);
    }

    /// Sends a call-control command to the SIP thread; false when SIP is
    /// not running.
    pub fn call_control(&self, command: crate::sip::CallCommand) -> bool {
        self.call_control
            .get()
            .is_some_and(|sender| sender.send(crate::sip::Inbound::Command(command)).is_ok())
    }

    /// Sets the media engine (once, at start; later calls are ignored).
    pub fn set_media(&self, media: crate::media::MediaEngine) {
        self.globals.set_local_ip(media.ip());
        let _ = self.media.set(Arc::new(media));
    }

    /// The media engine: the one set at start, else one on the default
    /// port range at 127.0.0.1.
    pub fn media(&self) -> &Arc<crate::media::MediaEngine> {
        self.media.get_or_init(|| {
            let (low, high) = crate::media::ports::DEFAULT_RANGE;
            let ports = crate::media::RtpPorts::new(low, high).expect("the default range is valid");
            Arc::new(crate::media::MediaEngine::new(
                ports,
                std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST),
            ))
        })
    }

    /// Runs an API command line.
    pub fn api_execute(self: &Arc<Self>, line: &str) -> String {
        crate::api::execute(self, line)
    }

    /// Time since start.
    pub fn uptime(&self) -> Duration {
        self.started.elapsed()
    }

    /// Counts an event-socket connection until the guard drops.
    pub fn esl_connection(self: &Arc<Self>) -> EslConnectionGuard {
        self.esl_connections.fetch_add(1, Ordering::SeqCst);
        EslConnectionGuard {
            switch: Arc::clone(self),
        }
    }

    /// Open event-socket connections.
    pub fn esl_connection_count(&self) -> usize {
        self.esl_connections.load(Ordering::SeqCst)
    }

    /// Becomes true when the switch starts shutting down.
    pub fn shutdown_signal(&self) -> tokio::sync::watch::Receiver<bool> {
        self.shutdown.subscribe()
    }

    /// Tells every part to wind down.
    pub fn begin_shutdown(&self) {
        self.shutdown.send_replace(true);
    }
}

/// Keeps an event-socket connection counted.
pub struct EslConnectionGuard {
    switch: Arc<Switch>,
}

impl Drop for EslConnectionGuard {
    fn drop(&mut self) {
        self.switch.esl_connections.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Loads `CONF_DIR/dialplan/*.xml`; no such directory means an empty plan.
pub fn load_dialplan(conf_dir: &std::path::Path) -> Result<Dialplan, Vec<DialplanError>> {
    let dir = conf_dir.join("dialplan");
    if dir.is_dir() {
        crate::dialplan::load_dir(&dir)
    } else {
        Ok(Dialplan::default())
    }
}

/// A switch on temporary directories, for unit tests.
#[cfg(test)]
pub fn test_switch() -> (Arc<Switch>, tempfile::TempDir) {
    let dirs = tempfile::tempdir().expect("temp dir");
    let paths = Paths {
        data_dir: dirs.path().join("data"),
        conf_dir: dirs.path().join("conf"),
        mod_dir: dirs.path().join("mod"),
    };
    for dir in [&paths.data_dir, &paths.conf_dir, &paths.mod_dir] {
        std::fs::create_dir_all(dir).expect("create test dir");
    }
    let store = Store::open(&paths.data_dir.join("switchyard.db")).expect("store");
    let logs = crate::logging::init(crate::logging::LogLevel::Warning);
    let config = Config::parse(crate::config::DEFAULT_XML, "default").expect("default config");
    (
        Switch::new(
            paths,
            config,
            Dialplan::default(),
            logs,
            store,
            crate::registrar::Registrar::with_nonce_key(
                crate::registrar::RegistrarSettings::default(),
                [7; switchyard_sip::auth::KEY_LEN],
            ),
            false,
        ),
        dirs,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_counters_track_peak_and_never_underflow() {
        let stats = SessionStats::default();
        stats.opened();
        stats.opened();
        stats.closed();
        stats.closed();
        stats.closed();
        assert_eq!(
            stats.snapshot(),
            SessionSnapshot {
                current: 0,
                total: 2,
                peak: 2
            }
        );
    }
}
