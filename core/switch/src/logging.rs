//! Logging: `tracing` events formatted once, written to stderr at the
//! operator's level and broadcast to event-socket `log` subscribers at theirs.
//!
//! Levels use FreeSWITCH's numbering (0 console … 7 debug) because that is
//! what ESL clients send in `log <level>` and read in `Log-Level`.

use std::fmt::Write as _;
use std::io::Write as _;
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
use tracing::field::{Field, Visit};
use tracing::{Level, Metadata, Subscriber};
use tracing_subscriber::layer::{Context, Layer};

/// A log level in FreeSWITCH's numbering.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum LogLevel {
    /// 0: console output.
    Console = 0,
    /// 1: alert.
    Alert = 1,
    /// 2: critical.
    Crit = 2,
    /// 3: error.
    Error = 3,
    /// 4: warning.
    Warning = 4,
    /// 5: notice.
    Notice = 5,
    /// 6: informational.
    Info = 6,
    /// 7: debug.
    Debug = 7,
}

impl LogLevel {
    /// The level for a FreeSWITCH number (0–7); values above 7 mean debug.
    pub fn from_number(n: u8) -> LogLevel {
        match n {
            0 => LogLevel::Console,
            1 => LogLevel::Alert,
            2 => LogLevel::Crit,
            3 => LogLevel::Error,
            4 => LogLevel::Warning,
            5 => LogLevel::Notice,
            6 => LogLevel::Info,
            _ => LogLevel::Debug,
        }
    }

    /// The name shown in log lines (`ERR`, `WARNING`, …, as FreeSWITCH prints).
    pub fn label(self) -> &'static str {
        match self {
            LogLevel::Console => "CONSOLE",
            LogLevel::Alert => "ALERT",
            LogLevel::Crit => "CRIT",
            LogLevel::Error => "ERR",
            LogLevel::Warning => "WARNING",
            LogLevel::Notice => "NOTICE",
            LogLevel::Info => "INFO",
            LogLevel::Debug => "DEBUG",
        }
    }

    /// The tracing level that carries this level.
    pub fn tracing_level(self) -> Level {
        match self {
            LogLevel::Console | LogLevel::Alert | LogLevel::Crit | LogLevel::Error => Level::ERROR,
            LogLevel::Warning => Level::WARN,
            LogLevel::Notice | LogLevel::Info => Level::INFO,
            LogLevel::Debug => Level::DEBUG,
        }
    }

    fn from_tracing(level: &Level) -> LogLevel {
        match *level {
            Level::ERROR => LogLevel::Error,
            Level::WARN => LogLevel::Warning,
            Level::INFO => LogLevel::Info,
            _ => LogLevel::Debug,
        }
    }
}

impl FromStr for LogLevel {
    type Err = String;

    fn from_str(s: &str) -> Result<LogLevel, String> {
        let s = s.trim();
        if let Ok(n) = s.parse::<u8>() {
            return if n <= 7 {
                Ok(LogLevel::from_number(n))
            } else {
                Err(format!("log level {n} is out of range 0-7"))
            };
        }
        Ok(match s.to_ascii_lowercase().as_str() {
            "console" => LogLevel::Console,
            "alert" => LogLevel::Alert,
            "crit" => LogLevel::Crit,
            "err" | "error" => LogLevel::Error,
            "warning" | "warn" => LogLevel::Warning,
            "notice" => LogLevel::Notice,
            "info" => LogLevel::Info,
            "debug" => LogLevel::Debug,
            _ => {
                return Err(format!(
                    "unknown log level '{s}' (use 0-7 or console, alert, crit, err, warning, notice, info, debug)"
                ));
            }
        })
    }
}

impl std::fmt::Display for LogLevel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.label())
    }
}

/// One formatted log line, shared by every `log` subscriber.
#[derive(Debug)]
pub struct LogRecord {
    /// Its level.
    pub level: LogLevel,
    /// The whole line, ending in a newline.
    pub text: String,
    /// Source file (`Log-File`).
    pub file: String,
    /// Module path or module name (`Log-Func`).
    pub function: String,
    /// Source line (`Log-Line`).
    pub line: u32,
}

/// The log fan-out: the stderr level and the broadcast to ESL subscribers.
pub struct LogHub {
    stderr_level: AtomicU8,
    sender: tokio::sync::broadcast::Sender<Arc<LogRecord>>,
}

impl LogHub {
    fn new(stderr_level: LogLevel) -> LogHub {
        LogHub {
            stderr_level: AtomicU8::new(stderr_level as u8),
            sender: tokio::sync::broadcast::channel(4096).0,
        }
    }

    /// The level at which lines reach stderr.
    pub fn stderr_level(&self) -> LogLevel {
        LogLevel::from_number(self.stderr_level.load(Ordering::Relaxed))
    }

    /// Changes the level at which lines reach stderr.
    pub fn set_stderr_level(&self, level: LogLevel) {
        self.stderr_level.store(level as u8, Ordering::Relaxed);
    }

    /// A receiver of every log line (the subscriber filters by level).
    pub fn subscribe(&self) -> tokio::sync::broadcast::Receiver<Arc<LogRecord>> {
        self.sender.subscribe()
    }
}

/// Installs the global subscriber; returns the hub that controls it. When a
/// global subscriber already exists (tests), the hub still works for ESL.
pub fn init(stderr_level: LogLevel) -> Arc<LogHub> {
    use tracing_subscriber::layer::SubscriberExt;
    let hub = Arc::new(LogHub::new(stderr_level));
    let subscriber = tracing_subscriber::registry().with(HubLayer {
        hub: Arc::clone(&hub),
    });
    let _ = tracing::subscriber::set_global_default(subscriber);
    hub
}

/// Logs a message on behalf of a module at a FreeSWITCH level.
pub fn module_log(module: &str, level: LogLevel, message: &str) {
    let lvl = level as u8;
    match level.tracing_level() {
        Level::ERROR => tracing::error!(target: "module", module, sy_level = lvl, "{message}"),
        Level::WARN => tracing::warn!(target: "module", module, sy_level = lvl, "{message}"),
        Level::INFO => tracing::info!(target: "module", module, sy_level = lvl, "{message}"),
        _ => tracing::debug!(target: "module", module, sy_level = lvl, "{message}"),
    }
}

struct HubLayer {
    hub: Arc<LogHub>,
}

#[derive(Default)]
struct Fields {
    message: String,
    module: Option<String>,
    level: Option<u8>,
    extra: String,
}

impl Visit for Fields {
    fn record_str(&mut self, field: &Field, value: &str) {
        match field.name() {
            "message" => self.message.push_str(value),
            "module" => self.module = Some(value.to_owned()),
            name => {
                let _ = write!(self.extra, " {name}={value}");
            }
        }
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        if field.name() == "sy_level" {
            self.level = u8::try_from(value).ok();
        } else {
            let _ = write!(self.extra, " {}={value}", field.name());
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        match field.name() {
            "message" => {
                let _ = write!(self.message, "{value:?}");
            }
            "module" => self.module = Some(format!("{value:?}")),
            name => {
                let _ = write!(self.extra, " {name}={value:?}");
            }
        }
    }
}

impl<S: Subscriber> Layer<S> for HubLayer {
    fn enabled(&self, metadata: &Metadata<'_>, _ctx: Context<'_, S>) -> bool {
        *metadata.level() <= Level::DEBUG
    }

    fn on_event(&self, event: &tracing::Event<'_>, _ctx: Context<'_, S>) {
        let metadata = event.metadata();
        // Most debug lines go nowhere: skip formatting them (the SIP core
        // logs every request at debug). Only a module's own `sy_level`
        // field can change the level, so that needs the fields read.
        if self.hub.sender.receiver_count() == 0
            && metadata.fields().field("sy_level").is_none()
            && LogLevel::from_tracing(metadata.level()) > self.hub.stderr_level()
        {
            return;
        }
        let mut fields = Fields::default();
        event.record(&mut fields);
        let level = fields
            .level
            .map(LogLevel::from_number)
            .unwrap_or_else(|| LogLevel::from_tracing(metadata.level()));
        let to_stderr = level <= self.hub.stderr_level();
        let to_esl = self.hub.sender.receiver_count() > 0;
        if !to_stderr && !to_esl {
            return;
        }
        let source = match &fields.module {
            Some(module) => module.clone(),
            None => metadata
                .target()
                .strip_prefix("switchyard::")
                .unwrap_or(metadata.target())
                .to_owned(),
        };
        let now = jiff::ZonedDateTime::now();
        let text = format!(
            "{} [{}] {}: {}{}\n",
            now.strftime("%Y-%m-%d %H:%M:%S%.6f"),
            level.label(),
            source,
            fields.message,
            fields.extra
        );
        if to_stderr {
            let _ = std::io::stderr().lock().write_all(text.as_bytes());
        }
        if to_esl {
            let _ = self.hub.sender.send(Arc::new(LogRecord {
                level,
                text,
                file: metadata.file().unwrap_or("").to_owned(),
                function: source,
                line: metadata.line().unwrap_or(0),
            }));
        }
    }
}

/// Writes a line a script (`freeswitch.consoleLog`) or the dialplan's `log`
/// application asked for, at the level FreeSWITCH names (`info` when the
/// name is not one), prefixed with its `source`.
pub fn console_log(source: &str, level: &str, message: &str) {
    let message = message.trim_end_matches(['\r', '\n']);
    match level.trim().to_ascii_lowercase().as_str() {
        "debug" => tracing::debug!(target: "console", "{source}: {message}"),
        "warning" | "warn" => tracing::warn!(target: "console", "{source}: {message}"),
        "err" | "error" | "crit" | "alert" => {
            tracing::error!(target: "console", "{source}: {message}")
        }
        _ => tracing::info!(target: "console", "{source}: {message}"),
    }
}

/// The dialplan's `log [LEVEL] text` (FreeSWITCH's level names; INFO
/// when the first word is not one).
pub fn log_application(data: &str) {
    const LEVELS: &[&str] = &[
        "CONSOLE", "ALERT", "CRIT", "ERR", "WARNING", "NOTICE", "INFO", "DEBUG",
    ];
    let text = data.trim();
    match text.split_once(' ') {
        Some((level, rest)) if LEVELS.iter().any(|l| l.eq_ignore_ascii_case(level)) => {
            console_log("dialplan", level, rest);
        }
        _ => console_log("dialplan", "info", text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_parse_from_numbers_and_names() {
        assert_eq!("7".parse::<LogLevel>(), Ok(LogLevel::Debug));
        assert_eq!("err".parse::<LogLevel>(), Ok(LogLevel::Error));
        assert_eq!("WARNING".parse::<LogLevel>(), Ok(LogLevel::Warning));
        assert!("8".parse::<LogLevel>().is_err());
        assert!(
            "loud"
                .parse::<LogLevel>()
                .unwrap_err()
                .contains("unknown log level")
        );
        assert!(LogLevel::Error < LogLevel::Debug);
    }
}
