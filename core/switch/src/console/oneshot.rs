//! `switchyard cli -x COMMAND`: one api call, its reply on stdout.

use std::io::{self, Write};

use super::client::EslClient;
use super::render::{is_error_reply, with_newline};

/// Runs `api command` on `client`, prints the reply body to stdout (ending
/// with a newline) and returns the exit code: 1 when the reply starts with
/// `-ERR` or `-USAGE`, 0 otherwise, 2 (with a message on stderr) when the
/// connection fails.
pub(crate) fn run(mut client: EslClient, command: &str) -> i32 {
    match client.api(command) {
        Ok(body) => {
            let mut out = io::stdout().lock();
            // A closed stdout (`| head`) must not turn into a panic.
            let _ = out.write_all(with_newline(&body).as_bytes());
            let _ = out.flush();
            if is_error_reply(&body) { 1 } else { 0 }
        }
        Err(err) => {
            let _ = writeln!(io::stderr(), "switchyard cli: {err}");
            2
        }
    }
}
