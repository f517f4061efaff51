//! The `switchyard` command: run the switch, open its console, or check
//! its configuration.

use clap::{Args, Parser, Subcommand};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use switchyard::logging::LogLevel;

/// Switchyard: a softswitch for call centres and carriers.
///
/// With no subcommand, runs the switch in the foreground (same as
/// `switchyard serve`). With no configuration file it runs on an embedded
/// default; on first start it writes a random event-socket secret to
/// DATA_DIR/esl.secret, which `switchyard cli` on the same host reads.
#[derive(Parser)]
#[command(name = "switchyard", version, args_conflicts_with_subcommands = true)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    serve: ServeArgs,
}

#[derive(Subcommand)]
enum Command {
    /// Run the switch in the foreground until SIGINT or SIGTERM.
    Serve(ServeArgs),
    /// Open the console (or run one command with -x) over the event socket.
    Cli(CliArgs),
    /// Validate the configuration and print file:line for each problem.
    Check(CheckArgs),
}

#[derive(Args, Clone)]
struct ServeArgs {
    /// Where the database, the event-socket secret and module data live.
    #[arg(long, value_name = "DIR", default_value = "./var")]
    data_dir: PathBuf,
    /// Where switchyard.xml (optional), the dialplan and scripts live.
    #[arg(long, value_name = "DIR", default_value = ".")]
    conf_dir: PathBuf,
    /// Where `load mod_x` finds mod_x.so or libmod_x.so [default: the binary's directory]
    #[arg(long, value_name = "DIR")]
    mod_dir: Option<PathBuf>,
    /// Event socket (ESL) listening address.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8021")]
    esl: SocketAddr,
    /// SIP listening address, UDP and TCP.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:5060")]
    sip: SocketAddr,
    /// RTP port range for anchored media; each call leg takes an even/odd pair.
    #[arg(long, value_name = "LOW-HIGH", default_value = "16384-32768", value_parser = switchyard::media::RtpPorts::parse_range)]
    rtp_ports: (u16, u16),
    /// Start the clock the dialplan's time conditions read at this instant
    /// (RFC 3339, e.g. 2026-12-07T09:30:00+01:00); it runs on from there.
    /// For trying time-of-day routing without touching the machine's clock.
    #[arg(long, value_name = "INSTANT", env = "SWITCHYARD_DIALPLAN_CLOCK")]
    dialplan_clock: Option<jiff::Timestamp>,
    /// Event socket admin password [default: generated into DATA_DIR/esl.secret]
    #[arg(
        long,
        value_name = "PASSWORD",
        env = "SWITCHYARD_ESL_PASSWORD",
        hide_env_values = true
    )]
    esl_password: Option<String>,
    /// Log level on stderr: error, warning, notice, info, debug (or 0-7) [default: from the configuration, info]
    #[arg(long, value_name = "LEVEL", value_parser = parse_level)]
    log_level: Option<LogLevel>,
}

#[derive(Args)]
struct CliArgs {
    /// Switch host to connect to.
    #[arg(short = 'H', long, default_value = "127.0.0.1")]
    host: String,
    /// Event socket port.
    #[arg(short = 'P', long, default_value_t = 8021)]
    port: u16,
    /// Event socket password [default: read from DATA_DIR/esl.secret]
    #[arg(
        short = 'p',
        long,
        env = "SWITCHYARD_ESL_PASSWORD",
        hide_env_values = true
    )]
    password: Option<String>,
    /// The switch's data directory, to find esl.secret.
    #[arg(long, value_name = "DIR", default_value = "./var")]
    data_dir: PathBuf,
    /// Run one command, print its reply and exit (non-zero on -ERR).
    #[arg(short = 'x', long, value_name = "COMMAND")]
    execute: Option<String>,
}

#[derive(Args)]
struct CheckArgs {
    /// Configuration directory to check.
    #[arg(long, value_name = "DIR", default_value = ".")]
    conf_dir: PathBuf,
    /// Module directory the configured modules must be found in [default: the binary's directory]
    #[arg(long, value_name = "DIR")]
    mod_dir: Option<PathBuf>,
}

fn parse_level(text: &str) -> Result<LogLevel, String> {
    text.parse()
}

fn serve(args: ServeArgs) -> ExitCode {
    let options = switchyard::server::ServeOptions {
        data_dir: args.data_dir,
        conf_dir: args.conf_dir,
        mod_dir: args.mod_dir,
        esl: args.esl,
        sip: args.sip,
        rtp_ports: args.rtp_ports,
        dialplan_clock: args.dialplan_clock,
        esl_password: args.esl_password,
        log_level: args.log_level,
    };
    match switchyard::server::serve(options) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("switchyard: {e}");
            ExitCode::FAILURE
        }
    }
}

fn exit_code(code: i32) -> ExitCode {
    ExitCode::from(u8::try_from(code).unwrap_or(1))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        None => serve(cli.serve),
        Some(Command::Serve(args)) => serve(args),
        Some(Command::Cli(args)) => exit_code(switchyard::console::run(
            switchyard::console::ConsoleOptions {
                host: args.host,
                port: args.port,
                password: args.password,
                data_dir: args.data_dir,
                execute: args.execute,
                history_file: None,
            },
        )),
        Some(Command::Check(args)) => {
            let mod_dir = args
                .mod_dir
                .unwrap_or_else(switchyard::server::default_mod_dir);
            exit_code(switchyard::check::run(&args.conf_dir, &mod_dir))
        }
    }
}
