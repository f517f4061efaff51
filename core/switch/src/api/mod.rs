//! API commands: what `api`/`bgapi` on the event socket, `switchyard cli`
//! and modules (through the host table) run. The core registers its own
//! commands ([`commands`]); modules add theirs at load time.

pub mod bridge;
pub mod channel_vars;
pub mod commands;
pub mod dptools;
pub mod globals;
pub mod media;
pub mod originate;
pub mod sofia;
pub mod transfer;

use crate::registry::Registry;
use crate::switch::Switch;
use std::fmt::Write as _;
use std::sync::Arc;

/// What an API command runs: given the switch and the arguments after the
/// command name, it returns the reply text (`-ERR …` on failure).
pub type ApiHandler = Box<dyn Fn(&Arc<Switch>, &str) -> String + Send + Sync>;

/// The registry of API commands.
pub type ApiRegistry = Registry<ApiHandler>;

/// A core command: name, description, syntax and the function.
pub type CoreCommand = (
    &'static str,
    &'static str,
    &'static str,
    fn(&Arc<Switch>, &str) -> String,
);

/// Registers a table of core commands.
///
/// # Errors
/// A name is taken already.
pub fn register_table(
    switch: &Switch,
    commands: &[CoreCommand],
) -> Result<(), crate::registry::RegisterError> {
    for &(name, description, syntax, func) in commands {
        let handler: ApiHandler = Box::new(func);
        switch.api.register(crate::registry::Entry::new(
            name,
            description,
            syntax,
            crate::registry::CORE_OWNER,
            handler,
        ))?;
    }
    Ok(())
}

/// Asks the SIP thread for `command` (built around the reply channel) and
/// renders its answer as an API reply: `+OK[ <ok>]`, or `-ERR <why>`.
pub fn call_control_reply(
    switch: &Switch,
    command: impl FnOnce(crossbeam_channel::Sender<Result<(), String>>) -> crate::sip::CallCommand,
    ok: &str,
) -> String {
    let (reply, answer) = crossbeam_channel::bounded(1);
    if !switch.call_control(command(reply)) {
        return "-ERR SIP is not running\n".into();
    }
    match answer.recv_timeout(std::time::Duration::from_secs(5)) {
        Ok(Ok(())) if ok.is_empty() => "+OK\n".into(),
        Ok(Ok(())) => format!("+OK {ok}\n"),
        Ok(Err(e)) => format!("-ERR {e}\n"),
        Err(_) => "-ERR the SIP thread did not answer\n".into(),
    }
}

/// Splits `"show modules"` into `("show", "modules")`.
pub fn split_command(line: &str) -> (&str, &str) {
    let line = line.trim();
    match line.split_once(char::is_whitespace) {
        Some((name, args)) => (name, args.trim()),
        None => (line, ""),
    }
}

/// Runs one API command line and returns its reply.
pub fn execute(switch: &Arc<Switch>, line: &str) -> String {
    let (name, args) = split_command(line);
    if name.is_empty() {
        return "-ERR no command given; try 'help'\n".into();
    }
    match switch.api.acquire(name) {
        Some(entry) => (entry.handler)(switch, args),
        None => format!("-ERR {name} Command not found!\n"),
    }
}

/// Rows of a `show` table, printed as FreeSWITCH does: CSV with a header
/// line, a blank line and `N total.`, or JSON with `as json`.
pub fn table(columns: &[&str], rows: Vec<Vec<String>>, json: bool) -> String {
    if json {
        let rows: Vec<serde_json::Value> = rows
            .into_iter()
            .map(|row| {
                serde_json::Value::Object(
                    columns
                        .iter()
                        .zip(row)
                        .map(|(c, v)| ((*c).to_owned(), serde_json::Value::String(v)))
                        .collect(),
                )
            })
            .collect();
        return format!(
            "{}\n",
            serde_json::json!({ "row_count": rows.len(), "rows": rows })
        );
    }
    let mut out = columns.join(",");
    out.push('\n');
    let count = rows.len();
    for row in rows {
        let cells: Vec<String> = row
            .into_iter()
            .map(|c| c.replace([',', '\n', '\r'], " "))
            .collect();
        out.push_str(&cells.join(","));
        out.push('\n');
    }
    let _ = write!(out, "\n{count} total.\n");
    out
}

/// Whether a reply reports failure (`-ERR` or `-USAGE`), as `switchyard cli
/// -x` and module callers judge it.
pub fn is_error_reply(reply: &str) -> bool {
    reply.starts_with("-ERR") || reply.starts_with("-USAGE")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_lines_split_on_the_first_whitespace() {
        assert_eq!(split_command("  show   modules "), ("show", "modules"));
        assert_eq!(split_command("status"), ("status", ""));
        assert_eq!(
            split_command("log\t7 hello  world"),
            ("log", "7 hello  world")
        );
        assert_eq!(split_command(""), ("", ""));
    }
}
