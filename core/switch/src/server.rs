//! `switchyard serve`: assembles the switch, serves until SIGINT/SIGTERM,
//! then shuts down in order (stop accepting, tell clients, unload modules,
//! drain events).

use crate::config::Config;
use crate::event::Event;
use crate::logging::{self, LogLevel};
use crate::secret::{self, SecretSource};
use crate::store::Store;
use crate::switch::{Paths, Switch};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// What `switchyard serve` was asked to do.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// State directory.
    pub data_dir: PathBuf,
    /// Configuration directory.
    pub conf_dir: PathBuf,
    /// Module directory; default: the directory of the binary.
    pub mod_dir: Option<PathBuf>,
    /// Event socket address.
    pub esl: SocketAddr,
    /// SIP address (UDP and TCP).
    pub sip: SocketAddr,
    /// The RTP port range (low, high).
    pub rtp_ports: (u16, u16),
    /// Where the dialplan's clock starts (default: the system clock).
    pub dialplan_clock: Option<jiff::Timestamp>,
    /// Event socket admin password; generated when absent.
    pub esl_password: Option<String>,
    /// Log level on stderr; default: the configuration's.
    pub log_level: Option<LogLevel>,
}

/// Runs the switch until a signal asks it to stop.
pub fn serve(options: ServeOptions) -> Result<(), String> {
    let config = Config::load(&options.conf_dir).map_err(|errors| {
        let lines: Vec<String> = errors.iter().map(ToString::to_string).collect();
        format!(
            "the configuration has errors:\n{}\n(run 'switchyard check' after fixing them)",
            lines.join("\n")
        )
    })?;
    let dialplan = crate::switch::load_dialplan(&options.conf_dir).map_err(|errors| {
        let lines: Vec<String> = errors.iter().map(ToString::to_string).collect();
        format!(
            "the dialplan has errors:\n{}\n(run 'switchyard check' after fixing them)",
            lines.join("\n")
        )
    })?;
    let level = options.log_level.unwrap_or(config.settings.log_level);
    let logs = logging::init(level);
    std::fs::create_dir_all(&options.data_dir).map_err(|e| {
        format!(
            "cannot create the data directory {}: {e}",
            options.data_dir.display()
        )
    })?;
    let db_path = options.data_dir.join("switchyard.db");
    let store = Store::open(&db_path)
        .map_err(|e| format!("cannot open the database {}: {e}", db_path.display()))?;
    if let Some(domain) = &config.settings.demo_tenant {
        match crate::directory::demo::seed(&store, domain, &options.data_dir) {
            Ok(Some(path)) => tracing::info!(
                "created the demo tenant {domain}; its users and passwords are in {}",
                path.display()
            ),
            Ok(None) => {}
            Err(e) => tracing::warn!("could not create the demo tenant {domain}: {e}"),
        }
    }
    let (password, source) = secret::resolve(options.esl_password.as_deref(), &options.data_dir)
        .map_err(|e| format!("cannot set up the event socket secret: {e}"))?;
    match &source {
        SecretSource::Given => tracing::info!(
            "event socket password given on the command line or in SWITCHYARD_ESL_PASSWORD"
        ),
        SecretSource::File(path) => {
            tracing::info!("event socket secret read from {}", path.display())
        }
        SecretSource::Generated(path) => tracing::info!(
            "generated an event socket secret in {} (mode 0600); switchyard cli finds it there",
            path.display()
        ),
    }
    let mod_dir = options.mod_dir.clone().unwrap_or_else(default_mod_dir);
    let paths = Paths {
        data_dir: options.data_dir.clone(),
        conf_dir: options.conf_dir.clone(),
        mod_dir,
    };
    tracing::info!(
        "Switchyard {} starting: configuration {}, data {}, modules {}",
        crate::VERSION,
        config.source,
        paths.data_dir.display(),
        paths.mod_dir.display()
    );
    let preload = config.modules.clone();
    let config_source = config.source.clone();
    let registrar_settings = crate::registrar::RegistrarSettings {
        digest_algorithms: config.settings.sip_digest_algorithms.clone(),
        ..crate::registrar::RegistrarSettings::default()
    };
    let registrar = crate::registrar::Registrar::new(registrar_settings)
        .map_err(|e| format!("cannot seed the registrar's nonce key: {e}"))?;
    let switch = Switch::new(
        paths,
        config,
        dialplan,
        logs,
        store,
        registrar,
        options.log_level.is_some(),
    );

    if let Some(start) = options.dialplan_clock {
        switch.start_dialplan_clock_at(start);
        tracing::info!("the dialplan's clock starts at {start}");
    }
    let ports = crate::media::RtpPorts::new(options.rtp_ports.0, options.rtp_ports.1)?;
    switch.set_media(crate::media::MediaEngine::new(ports, options.sip.ip()));

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("switchyard-io")
        .build()
        .map_err(|e| format!("cannot start the IO runtime: {e}"))?;
    let media_threads = std::thread::available_parallelism().map_or(2, usize::from);
    switch
        .media()
        .start_threads(media_threads)
        .map_err(|e| format!("cannot start the media threads: {e}"))?;
    let hooks = crate::lua::start_hooks(&switch);
    if hooks > 0 {
        tracing::info!("{hooks} Lua event hook(s) bound");
    }
    let result = runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(options.esl)
            .await
            .map_err(|e| format!("cannot listen for the event socket on {}: {e}", options.esl))?;
        let address = listener
            .local_addr()
            .map_err(|e| format!("event socket: {e}"))?;
        tracing::info!("ESL listening on {address}");
        crate::sip::start(Arc::clone(&switch), options.sip).await?;
        let loader = Arc::clone(&switch);
        tokio::task::spawn_blocking(move || {
            for module in preload {
                if let Err(e) = loader.modules.load(&loader, &module.name) {
                    tracing::error!("{config_source}:{}: {e}", module.line);
                }
            }
        })
        .await
        .map_err(|e| format!("module preload failed: {e}"))?;
        let esl = tokio::spawn(crate::esl::serve(
            listener,
            Arc::clone(&switch),
            Arc::from(password.as_str()),
        ));
        tokio::spawn(heartbeat(Arc::clone(&switch)));
        tokio::spawn(purge_registrations(Arc::clone(&switch)));
        switch.bus.fire(Event::core("STARTUP"));
        tracing::info!("Switchyard {} ready", crate::VERSION);
        wait_for_signal().await;
        tracing::info!("shutting down");
        switch.bus.fire(Event::core("SHUTDOWN"));
        switch.bus.barrier();
        switch.begin_shutdown();
        let _ = tokio::time::timeout(Duration::from_secs(5), esl).await;
        // Let connections write their disconnect notices.
        let deadline = tokio::time::Instant::now() + Duration::from_secs(2);
        while switch.esl_connection_count() > 0 && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        Ok::<(), String>(())
    });
    let unloader = Arc::clone(&switch);
    unloader.modules.unload_all(&switch);
    switch.bus.shutdown();
    runtime.shutdown_timeout(Duration::from_secs(2));
    if result.is_ok() {
        tracing::info!("stopped cleanly");
    }
    result
}

/// The directory of the running binary, where `cargo build` puts modules.
pub fn default_mod_dir() -> PathBuf {
    std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from("."))
}

async fn wait_for_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    match signal(SignalKind::terminate()) {
        Ok(mut term) => {
            tokio::select! {
                _ = term.recv() => {}
                _ = tokio::signal::ctrl_c() => {}
            }
        }
        Err(e) => {
            tracing::warn!("cannot watch SIGTERM ({e}); only Ctrl-C stops the switch");
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

/// Deletes expired registrations once a minute (queries already ignore
/// them; this keeps the table small).
async fn purge_registrations(switch: Arc<Switch>) {
    let mut shutdown = switch.shutdown_signal();
    loop {
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(60)) => {}
            _ = shutdown.wait_for(|down| *down) => return,
        }
        let store_switch = Arc::clone(&switch);
        let purged = tokio::task::spawn_blocking(move || {
            crate::registrar::purge_expired(&store_switch.store, std::time::SystemTime::now())
        })
        .await;
        match purged {
            Ok(Ok(0)) => {}
            Ok(Ok(n)) => tracing::debug!("purged {n} expired registration(s)"),
            Ok(Err(e)) => tracing::warn!("purging expired registrations failed: {e}"),
            Err(e) => tracing::warn!("purging expired registrations failed: {e}"),
        }
    }
}

/// Fires `HEARTBEAT` at the configured interval, as FreeSWITCH does.
async fn heartbeat(switch: Arc<Switch>) {
    let mut shutdown = switch.shutdown_signal();
    loop {
        let interval = switch.config().settings.heartbeat_interval;
        tokio::select! {
            _ = tokio::time::sleep(interval) => {}
            _ = shutdown.wait_for(|down| *down) => return,
        }
        let up = switch.uptime();
        let sessions = switch.sessions.snapshot();
        switch.bus.fire(
            Event::core("HEARTBEAT")
                .with_header("Event-Info", "System Ready")
                .with_header("Up-Time", crate::api::commands::describe_uptime(up))
                .with_header("FreeSWITCH-Version", crate::VERSION)
                .with_header("Uptime-msec", up.as_millis().to_string())
                .with_header("Session-Count", sessions.current.to_string())
                .with_header("Session-Since-Startup", sessions.total.to_string())
                .with_header("Session-Peak-Max", sessions.peak.to_string())
                .with_header("Heartbeat-Interval", interval.as_secs().to_string()),
        );
    }
}
