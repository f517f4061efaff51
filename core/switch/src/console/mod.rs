//! `switchyard cli`: the fs_cli of this house.
//!
//! It talks to a running switch over the event socket like any other ESL
//! client. With `-x COMMAND` it runs one `api` command and prints the reply;
//! otherwise it opens an interactive console with line editing, history,
//! tab completion and the live, coloured server log.
//!
//! Layout: [`client`] and [`frame`] are the ESL client (usable on their own,
//! e.g. by tests); `password` finds the secret; `oneshot` is `-x`;
//! `interactive`, `reader`, `printer`, `dispatch`, `completion` and `render`
//! make up the interactive console.

pub mod client;
mod completion;
mod dispatch;
pub mod frame;
mod interactive;
mod oneshot;
mod password;
mod printer;
mod reader;
mod render;

use std::io::{self, Write};
use std::path::PathBuf;
use std::time::Duration;

use client::{ClientError, EslClient};

/// How long connecting and authenticating may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// What `switchyard cli` was asked to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsoleOptions {
    /// Host of the event socket (`-H`, default `127.0.0.1`).
    pub host: String,
    /// Port of the event socket (`-P`, default `8021`).
    pub port: u16,
    /// Password from `-p` or `SWITCHYARD_ESL_PASSWORD`; when `None` (or
    /// empty) the first line of `data_dir/esl.secret` is used.
    pub password: Option<String>,
    /// The server's data directory (`--data-dir`, default `./var`), where
    /// `esl.secret` lives.
    pub data_dir: PathBuf,
    /// `-x COMMAND`: run this one api command and exit.
    pub execute: Option<String>,
    /// History file; `None` means `$HOME/.switchyard_history`.
    pub history_file: Option<PathBuf>,
}

/// Runs `switchyard cli` and returns the process exit code.
///
/// With [`ConsoleOptions::execute`]: 0 when the reply is not an error, 1
/// when it starts with `-ERR` or `-USAGE`, 2 when no password is found or
/// connecting or authenticating fails. Interactive: 0 when the user leaves,
/// 1 when the server ends the connection, 2 when it cannot be set up.
pub fn run(opts: ConsoleOptions) -> i32 {
    let password = match password::resolve_password(opts.password.as_deref(), &opts.data_dir) {
        Ok(password) => password,
        Err(err) => {
            report(&err.to_string());
            return 2;
        }
    };
    let addr = socket_addr(&opts.host, opts.port);
    let client = match EslClient::connect(&addr, &password, CONNECT_TIMEOUT) {
        Ok(client) => client,
        Err(err) => {
            report(&explain_connect_error(&err));
            return 2;
        }
    };
    match &opts.execute {
        Some(command) => oneshot::run(client, command),
        None => interactive::run(client, &opts, &addr),
    }
}

/// `host:port`, with brackets around a bare IPv6 address.
fn socket_addr(host: &str, port: u16) -> String {
    if host.contains(':') && !host.starts_with('[') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

/// The error, plus what to do about the common ones.
fn explain_connect_error(err: &ClientError) -> String {
    match err {
        ClientError::Connect { source, .. }
            if source.kind() == io::ErrorKind::ConnectionRefused =>
        {
            format!(
                "{err}\nIs `switchyard serve` running, with its event socket (--esl) on this \
                 address? Use -H and -P to point elsewhere."
            )
        }
        ClientError::AuthRejected(_) => format!(
            "{err}\nCheck the password: -p PASSWORD, SWITCHYARD_ESL_PASSWORD, or the server's \
             DATA_DIR/esl.secret (--data-dir)."
        ),
        _ => err.to_string(),
    }
}

/// Prints `message` to stderr under the program's name.
fn report(message: &str) {
    let _ = writeln!(io::stderr(), "switchyard cli: {message}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv6_hosts_get_brackets() {
        assert_eq!(socket_addr("127.0.0.1", 8021), "127.0.0.1:8021");
        assert_eq!(socket_addr("::1", 8021), "[::1]:8021");
        assert_eq!(socket_addr("[::1]", 8021), "[::1]:8021");
        assert_eq!(socket_addr("localhost", 1), "localhost:1");
    }

    #[test]
    fn refused_and_rejected_say_what_to_do() {
        let refused = ClientError::Connect {
            addr: "127.0.0.1:8021".into(),
            source: io::Error::from(io::ErrorKind::ConnectionRefused),
        };
        assert!(explain_connect_error(&refused).contains("switchyard serve"));
        let rejected = ClientError::AuthRejected("-ERR invalid".into());
        let text = explain_connect_error(&rejected);
        assert!(
            text.contains("-ERR invalid") && text.contains("esl.secret"),
            "{text}"
        );
    }
}
