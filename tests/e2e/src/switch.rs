//! A running `switchyard` process on a free loopback port, in its own
//! temporary directories.

use std::fs::{self, File};
use std::io;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use crate::binary::switchyard_binary;
use crate::esl::EslClient;
use crate::ports::free_tcp_port;
use crate::process::{CommandOutput, run_bounded};
use crate::temp_dir::TempDir;
use crate::wait::poll_until;

/// How long the switch may take to accept connections on its ESL port.
pub const START_TIMEOUT: Duration = Duration::from_secs(15);
/// How long the switch may take to exit after SIGTERM.
pub const STOP_TIMEOUT: Duration = Duration::from_secs(15);
/// How long one `switchyard cli` run may take.
pub const CLI_TIMEOUT: Duration = Duration::from_secs(30);
/// Attempts at starting when the chosen port was taken in the meantime.
const START_ATTEMPTS: usize = 5;

/// The environment variable the binary reads a password from; cleared for
/// every process the harness starts unless a test sets it explicitly.
pub const PASSWORD_ENV: &str = "SWITCHYARD_ESL_PASSWORD";

/// How to start a switch. `Default` is a fresh start with no configuration.
#[derive(Debug, Clone, Default)]
pub struct SwitchOptions {
    /// Written to `CONF_DIR/switchyard.xml` when given; otherwise there is no
    /// configuration file and the embedded default applies.
    pub conf_xml: Option<String>,
    /// The module directory (`--mod-dir`); an empty temporary one by default.
    pub mod_dir: Option<PathBuf>,
    /// `--esl-password`; without it the switch writes `DATA_DIR/esl.secret`.
    pub password: Option<String>,
    /// More arguments appended to the command line.
    pub extra_args: Vec<String>,
    /// Environment variables set for the switch process.
    pub env: Vec<(String, String)>,
    /// A data directory to use instead of a fresh one (to restart a switch
    /// on the state an earlier one left).
    pub data_dir: Option<PathBuf>,
}

/// A running switch. Dropping it kills the process; [`Switch::stop`] stops
/// it the polite way and checks the exit code.
#[derive(Debug)]
pub struct Switch {
    child: Child,
    port: u16,
    sip_port: u16,
    root: TempDir,
    data_dir: PathBuf,
    conf_dir: PathBuf,
    mod_dir: PathBuf,
    log_path: PathBuf,
    password: Option<String>,
    exited: bool,
}

impl Switch {
    /// Starts the release binary and waits (at most [`START_TIMEOUT`]) until
    /// its event socket greets a client.
    ///
    /// # Panics
    /// When the binary is missing, exits early or never accepts; the panic
    /// message carries the switch's log.
    pub fn start(options: SwitchOptions) -> Switch {
        let root = TempDir::new("switch");
        let data_dir = match &options.data_dir {
            Some(dir) => dir.clone(),
            None => root.subdir("data"),
        };
        let conf_dir = root.subdir("conf");
        let mod_dir = match &options.mod_dir {
            Some(dir) => dir.clone(),
            None => root.subdir("mod"),
        };
        if let Some(xml) = &options.conf_xml {
            fs::write(conf_dir.join("switchyard.xml"), xml).expect("write switchyard.xml");
        }
        let port = free_tcp_port();
        let sip_port = free_tcp_port();
        let log_path = root.path().join("switchyard-1.log");
        let mut switch = Switch {
            child: spawn_server(
                &options,
                &root,
                &[&data_dir, &conf_dir, &mod_dir],
                (port, sip_port),
                &log_path,
            ),
            port,
            sip_port,
            root,
            data_dir,
            conf_dir,
            mod_dir,
            log_path,
            password: options.password.clone(),
            exited: false,
        };
        for attempt in 1..=START_ATTEMPTS {
            match switch.wait_until_ready() {
                Ok(()) => return switch,
                Err(StartFailure::PortTaken) if attempt < START_ATTEMPTS => {
                    switch.port = free_tcp_port();
                    switch.sip_port = free_tcp_port();
                    switch.log_path = switch
                        .root
                        .path()
                        .join(format!("switchyard-{}.log", attempt + 1));
                    switch.child = spawn_server(
                        &options,
                        &switch.root,
                        &[&switch.data_dir, &switch.conf_dir, &switch.mod_dir],
                        (switch.port, switch.sip_port),
                        &switch.log_path,
                    );
                }
                Err(failure) => {
                    switch.kill();
                    panic!(
                        "switchyard did not start: {failure}\n--- switch log ---\n{}",
                        switch.log()
                    );
                }
            }
        }
        unreachable!("the last attempt either returns or panics")
    }

    /// Polls the ESL port until a connection receives `auth/request`.
    fn wait_until_ready(&mut self) -> Result<(), StartFailure> {
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            if let Some(status) = self.child.try_wait().expect("poll the switch process") {
                let log = self.log();
                if log.contains("in use") || log.contains("AddrInUse") {
                    return Err(StartFailure::PortTaken);
                }
                return Err(StartFailure::Exited(status));
            }
            if Instant::now() >= deadline {
                return Err(StartFailure::NeverAccepted);
            }
            match EslClient::connect(self.port) {
                Ok(client) => {
                    client.close();
                    return Ok(());
                }
                Err(err) if err.kind() == io::ErrorKind::ConnectionRefused => {
                    thread::sleep(Duration::from_millis(25));
                }
                Err(err) => {
                    // Accepting but not greeting properly is a server bug;
                    // retry until the deadline in case it was still booting.
                    if Instant::now() >= deadline {
                        return Err(StartFailure::BadGreeting(err.to_string()));
                    }
                    thread::sleep(Duration::from_millis(25));
                }
            }
        }
    }

    /// The ESL port on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The SIP port (UDP and TCP) on 127.0.0.1.
    pub fn sip_port(&self) -> u16 {
        self.sip_port
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// `--data-dir`.
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// `--conf-dir`.
    pub fn conf_dir(&self) -> &Path {
        &self.conf_dir
    }

    /// `--mod-dir`.
    pub fn mod_dir(&self) -> &Path {
        &self.mod_dir
    }

    /// The switch's temporary root directory (holds data, conf and the log).
    pub fn root_dir(&self) -> &Path {
        self.root.path()
    }

    /// Everything the switch wrote to stdout and stderr so far.
    pub fn log(&self) -> String {
        fs::read(&self.log_path)
            .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
            .unwrap_or_else(|err| format!("(log unreadable: {err})"))
    }

    /// The ESL password: the one given at start, else `DATA_DIR/esl.secret`.
    ///
    /// # Panics
    /// When neither exists.
    pub fn password(&self) -> String {
        if let Some(password) = &self.password {
            return password.clone();
        }
        let secret_path = self.data_dir.join("esl.secret");
        let secret = fs::read_to_string(&secret_path).unwrap_or_else(|err| {
            panic!(
                "no --esl-password was given and {} is unreadable: {err}\n--- switch log ---\n{}",
                secret_path.display(),
                self.log()
            )
        });
        secret.trim().to_string()
    }

    /// A new authenticated event socket client.
    ///
    /// # Panics
    /// When connecting or authenticating fails.
    pub fn esl(&self) -> EslClient {
        EslClient::connect_and_auth(self.port, &self.password()).unwrap_or_else(|err| {
            panic!(
                "ESL connect+auth on port {} failed: {err}\n--- switch log ---\n{}",
                self.port,
                self.log()
            )
        })
    }

    /// Runs `switchyard cli -P PORT --data-dir DATA_DIR [-p PASSWORD] ARGS...`.
    ///
    /// `-p` is passed only when the switch was started with a password;
    /// otherwise the CLI must find `DATA_DIR/esl.secret` by itself.
    pub fn cli(&self, args: &[&str]) -> CommandOutput {
        let mut command = Command::new(switchyard_binary());
        command
            .arg("cli")
            .arg("-P")
            .arg(self.port.to_string())
            .arg("--data-dir")
            .arg(&self.data_dir)
            .env_remove(PASSWORD_ENV)
            .current_dir(self.root.path());
        if let Some(password) = &self.password {
            command.arg("-p").arg(password);
        }
        command.args(args);
        run_bounded(&mut command, CLI_TIMEOUT)
    }

    /// Runs one API command through `switchyard cli -x COMMAND`.
    pub fn cli_x(&self, api_command: &str) -> CommandOutput {
        self.cli(&["-x", api_command])
    }

    /// True while the process has not exited.
    pub fn is_running(&mut self) -> bool {
        !self.exited && matches!(self.child.try_wait(), Ok(None))
    }

    /// Sends SIGTERM and waits (at most [`STOP_TIMEOUT`]) for the process to
    /// exit; returns how it exited without judging it.
    ///
    /// # Panics
    /// When the process does not exit in time (it is then killed).
    pub fn terminate(&mut self) -> ExitStatus {
        self.signal_and_wait("TERM")
    }

    /// Sends `signal` (a name for `kill -NAME`, such as `INT`) and waits (at
    /// most [`STOP_TIMEOUT`]) for the process to exit; returns how it exited.
    ///
    /// # Panics
    /// When the process does not exit in time (it is then killed).
    pub fn signal_and_wait(&mut self, signal: &str) -> ExitStatus {
        let pid = self.pid().to_string();
        let sent = run_bounded(
            Command::new("kill").arg(format!("-{signal}")).arg(&pid),
            Duration::from_secs(10),
        );
        assert_eq!(sent.code(), Some(0), "kill -{signal} failed: {sent}");
        let status = poll_until(STOP_TIMEOUT, Duration::from_millis(20), || {
            self.child.try_wait().expect("poll the switch process")
        });
        match status {
            Some(status) => {
                self.exited = true;
                status
            }
            None => {
                self.kill();
                panic!(
                    "switchyard did not exit within {STOP_TIMEOUT:?} of SIG{signal}\n--- switch log ---\n{}",
                    self.log()
                );
            }
        }
    }

    /// Sends SIGTERM and asserts a clean exit (code 0) in time.
    ///
    /// # Panics
    /// On any other outcome, with the switch's log.
    pub fn stop(&mut self) {
        let status = self.terminate();
        assert_eq!(
            status.code(),
            Some(0),
            "switchyard should exit 0 on SIGTERM, got {status}\n--- switch log ---\n{}",
            self.log()
        );
    }

    fn kill(&mut self) {
        if !self.exited {
            let _ = self.child.kill();
            let _ = self.child.wait();
            self.exited = true;
        }
    }
}

impl Drop for Switch {
    fn drop(&mut self) {
        self.kill();
        if thread::panicking() {
            eprintln!(
                "--- switch log ({}) ---\n{}",
                self.log_path.display(),
                tail(&self.log(), 200)
            );
        }
    }
}

/// Spawns `switchyard --data-dir D --conf-dir C --mod-dir M --esl 127.0.0.1:PORT
/// --sip 127.0.0.1:SIP_PORT [--esl-password P] EXTRA...` with stdout and
/// stderr going to `log_path`. `dirs` are the data, conf and module
/// directories; `ports` the ESL and SIP ports.
fn spawn_server(
    options: &SwitchOptions,
    root: &TempDir,
    dirs: &[&Path; 3],
    ports: (u16, u16),
    log_path: &Path,
) -> Child {
    let [data_dir, conf_dir, mod_dir] = *dirs;
    let (port, sip_port) = ports;
    let binary = switchyard_binary();
    let log = File::create(log_path).expect("create the switch log file");
    let mut command = Command::new(&binary);
    command
        .arg("--data-dir")
        .arg(data_dir)
        .arg("--conf-dir")
        .arg(conf_dir)
        .arg("--mod-dir")
        .arg(mod_dir)
        .arg("--esl")
        .arg(format!("127.0.0.1:{port}"))
        .arg("--sip")
        .arg(format!("127.0.0.1:{sip_port}"));
    if let Some(password) = &options.password {
        command.arg("--esl-password").arg(password);
    }
    if !options.extra_args.iter().any(|a| a == "--rtp-ports") {
        // Parallel switches would otherwise all start at the bottom of the
        // default range, and one could get a port another's peer still
        // sends to: each takes a 200-port block of its own (below the
        // ephemeral range), picked from its SIP port.
        let base = 10_000 + (sip_port % 110) * 200;
        command
            .arg("--rtp-ports")
            .arg(format!("{base}-{}", base + 199));
    }
    command
        .args(&options.extra_args)
        .env_remove(PASSWORD_ENV)
        .envs(options.env.iter().map(|(key, value)| (key, value)))
        .current_dir(root.path())
        .stdin(Stdio::null())
        .stdout(log.try_clone().expect("clone the log file handle"))
        .stderr(log);
    command
        .spawn()
        .unwrap_or_else(|err| panic!("cannot start {}: {err}", binary.display()))
}

/// Why a start attempt failed.
#[derive(Debug)]
enum StartFailure {
    /// The process exited saying its address was in use: try another port.
    PortTaken,
    /// The process exited on its own.
    Exited(ExitStatus),
    /// Nothing accepted on the port before the deadline.
    NeverAccepted,
    /// Something accepted but did not send `auth/request`.
    BadGreeting(String),
}

impl std::fmt::Display for StartFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StartFailure::PortTaken => write!(f, "its port was taken, {START_ATTEMPTS} times"),
            StartFailure::Exited(status) => write!(f, "it exited early: {status}"),
            StartFailure::NeverAccepted => {
                write!(
                    f,
                    "its event socket did not accept within {START_TIMEOUT:?}"
                )
            }
            StartFailure::BadGreeting(err) => {
                write!(f, "its event socket did not greet with auth/request: {err}")
            }
        }
    }
}

/// The last `lines` lines of `text`.
fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}
