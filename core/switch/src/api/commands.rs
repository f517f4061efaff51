//! The core's own API commands.

use super::{split_command, table};
use crate::channel::cause::HangupCause;
use crate::config::Config;
use crate::event::Event;
use crate::logging::LogLevel;
use crate::registry::{Entry, RegisterError};
use crate::switch::Switch;
use std::fmt::Write as _;
use std::sync::Arc;
use std::time::Duration;

/// `(name, description, syntax, handler)` of every core command.
const COMMANDS: &[super::CoreCommand] = &[
    (
        "status",
        "Show the uptime and version and the session counts",
        "status",
        status,
    ),
    ("version", "Show the Switchyard version", "version", version),
    (
        "uptime",
        "Show how long the switch has been up",
        "uptime [us|ms|s|m|h|d]",
        uptime,
    ),
    ("help", "List the API commands", "help", help),
    (
        "show",
        "Show the API commands or applications or modules",
        "show api|application|modules|registrations|bans|channels|calls [as json]",
        show,
    ),
    (
        "load",
        "Load a module from the module directory",
        "load <mod_name>",
        load,
    ),
    (
        "unload",
        "Unload a module (refused while it is in use)",
        "unload <mod_name>",
        unload,
    ),
    (
        "reload",
        "Unload a module and load a fresh copy of its file",
        "reload <mod_name>",
        reload,
    ),
    (
        "reloadxml",
        "Re-read the configuration",
        "reloadxml",
        reloadxml,
    ),
    (
        "luarun",
        "Run a Lua script on a thread of its own",
        "luarun <script> [<args>]",
        crate::lua::luarun,
    ),
    (
        "log",
        "Show or set the console log level or write a log line",
        "log [<level> [<message>]]",
        log,
    ),
    (
        "sendevent",
        "Fire an event",
        "sendevent <EVENT-NAME> [<subclass>] [<Header>=<value> ...]",
        sendevent,
    ),
    (
        "uuid_kill",
        "Hang up the call a channel belongs to",
        "uuid_kill <uuid> [<cause>]",
        uuid_kill,
    ),
    ("hupall", "Hang up every call", "hupall [<cause>]", hupall),
    (
        "originate",
        "Place a call and route it in the dialplan once answered",
        super::originate::ORIGINATE_USAGE,
        super::originate::originate,
    ),
    (
        "uuid_exists",
        "Say whether a channel exists",
        super::channel_vars::EXISTS_USAGE,
        super::channel_vars::uuid_exists,
    ),
    (
        "uuid_getvar",
        "Read a channel variable",
        super::channel_vars::GETVAR_USAGE,
        super::channel_vars::uuid_getvar,
    ),
    (
        "uuid_setvar",
        "Set a channel variable (unset it without a value)",
        super::channel_vars::SETVAR_USAGE,
        super::channel_vars::uuid_setvar,
    ),
    (
        "uuid_dump",
        "Show a channel's data and variables",
        super::channel_vars::DUMP_USAGE,
        super::channel_vars::uuid_dump,
    ),
    (
        "uuid_send_dtmf",
        "Send DTMF digits on a channel",
        super::media::SEND_DTMF_USAGE,
        super::media::uuid_send_dtmf,
    ),
    (
        "uuid_break",
        "Stop what plays on a channel",
        super::media::BREAK_USAGE,
        super::media::uuid_break,
    ),
    (
        "uuid_broadcast",
        "Play a file or tone to a channel in place of its audio",
        super::media::BROADCAST_USAGE,
        super::media::uuid_broadcast,
    ),
    (
        "uuid_hold",
        "Hold a channel's far end (music on hold to the other leg) or resume",
        super::media::HOLD_USAGE,
        super::media::uuid_hold,
    ),
    (
        "uuid_bridge",
        "Bridge two calls' legs",
        super::bridge::BRIDGE_USAGE,
        super::bridge::uuid_bridge,
    ),
    (
        "uuid_transfer",
        "Route a call again to another destination",
        super::transfer::TRANSFER_USAGE,
        super::transfer::uuid_transfer,
    ),
    (
        "sofia",
        "Show the SIP profile, what the SIP thread holds and the gateways",
        super::sofia::SOFIA_USAGE,
        super::sofia::sofia,
    ),
];

/// Registers the core commands.
pub fn register_all(switch: &Switch) -> Result<(), RegisterError> {
    super::register_table(switch, COMMANDS)
}

fn status(switch: &Arc<Switch>, _args: &str) -> String {
    let sessions = switch.sessions.snapshot();
    let mut out = String::new();
    let _ = writeln!(out, "UP {}", describe_uptime(switch.uptime()));
    let _ = writeln!(out, "Switchyard (Version {}) is ready", crate::VERSION);
    let _ = writeln!(out, "{} session(s) since startup", sessions.total);
    let _ = writeln!(
        out,
        "{} session(s) - peak {}",
        sessions.current, sessions.peak
    );
    let _ = writeln!(out, "{} module(s) loaded", switch.modules.count());
    let _ = writeln!(
        out,
        "{} event socket connection(s)",
        switch.esl_connection_count()
    );
    out
}

/// Uptime the way FreeSWITCH spells it: `0 years, 0 days, 1 hours, …`.
pub fn describe_uptime(up: Duration) -> String {
    let secs = up.as_secs();
    format!(
        "{} years, {} days, {} hours, {} minutes, {} seconds, {} milliseconds, {} microseconds",
        secs / (365 * 86_400),
        secs % (365 * 86_400) / 86_400,
        secs % 86_400 / 3600,
        secs % 3600 / 60,
        secs % 60,
        up.subsec_millis(),
        up.subsec_micros() % 1000
    )
}

fn version(_switch: &Arc<Switch>, _args: &str) -> String {
    format!(
        "Switchyard Version {} (module ABI {}.{})\n",
        crate::VERSION,
        switchyard_abi::ffi::SY_ABI_MAJOR,
        switchyard_abi::ffi::SY_ABI_MINOR
    )
}

fn uptime(switch: &Arc<Switch>, args: &str) -> String {
    let up = switch.uptime();
    let value = match args.trim() {
        "us" => up.as_micros(),
        "ms" => up.as_millis(),
        "" | "s" => up.as_secs() as u128,
        "m" => up.as_secs() as u128 / 60,
        "h" => up.as_secs() as u128 / 3600,
        "d" => up.as_secs() as u128 / 86_400,
        other => return format!("-USAGE: uptime [us|ms|s|m|h|d] ('{other}' is not a unit)\n"),
    };
    format!("{value}\n")
}

fn help(switch: &Arc<Switch>, _args: &str) -> String {
    let mut out = String::from("Commands (run with 'api <command>' or in switchyard cli):\n\n");
    for entry in switch.api.list() {
        let _ = writeln!(out, "{:<12} {}", entry.name, entry.description);
        let _ = writeln!(out, "{:<12} usage: {}", "", entry.syntax);
    }
    out
}

fn show(switch: &Arc<Switch>, args: &str) -> String {
    let (what, rest) = split_command(args);
    let json = match rest.trim() {
        "" => false,
        "as json" => true,
        other => {
            return format!(
                "-USAGE: show api|application|modules [as json] ('{other}' is not understood)\n"
            );
        }
    };
    let columns = ["name", "description", "syntax", "ikey"];
    fn rows<H>(entries: Vec<Arc<Entry<H>>>) -> Vec<Vec<String>> {
        entries
            .iter()
            .map(|e| {
                vec![
                    e.name.clone(),
                    e.description.clone(),
                    e.syntax.clone(),
                    e.owner.clone(),
                ]
            })
            .collect()
    }
    match what {
        "api" => table(&columns, rows(switch.api.list()), json),
        "application" | "applications" => table(&columns, rows(switch.apps.list()), json),
        "registrations" => crate::registrar::commands::show_registrations(switch, json),
        "bans" => crate::registrar::commands::show_bans(switch, json),
        "channels" => crate::channel::show::channels_table(
            &switch.channels.list(None),
            None,
            &switch.bus.origin().hostname,
            json,
        ),
        "calls" => crate::channel::show::calls_table(
            &switch.channels.list(None),
            None,
            &switch.bus.origin().hostname,
            json,
        ),
        "modules" | "module" => table(
            &["name", "version", "abi", "filename"],
            switch
                .modules
                .list()
                .into_iter()
                .map(|m| vec![m.name, m.version, m.abi, m.file.display().to_string()])
                .collect(),
            json,
        ),
        "" => "-USAGE: show api|application|modules|registrations|bans|channels|calls [as json]\n"
            .into(),
        other => format!(
            "-USAGE: show api|application|modules [as json] ('{other}' is not one of them)\n"
        ),
    }
}

fn module_name_arg(args: &str, syntax: &str) -> Result<String, String> {
    let name = args.trim();
    if name.is_empty() || name.contains(char::is_whitespace) {
        return Err(format!("-USAGE: {syntax}\n"));
    }
    Ok(name.to_owned())
}

fn reply(result: Result<String, String>) -> String {
    match result {
        Ok(text) => format!("+OK {text}\n"),
        Err(text) => format!("-ERR {text}\n"),
    }
}

/// Runs a module operation named by the command's one argument.
fn module_command(
    args: &str,
    syntax: &str,
    operation: impl FnOnce(&str) -> Result<String, String>,
) -> String {
    match module_name_arg(args, syntax) {
        Ok(name) => reply(operation(&name)),
        Err(usage) => usage,
    }
}

fn load(switch: &Arc<Switch>, args: &str) -> String {
    module_command(args, "load <mod_name>", |name| {
        switch.modules.load(switch, name)
    })
}

fn unload(switch: &Arc<Switch>, args: &str) -> String {
    module_command(args, "unload <mod_name>", |name| {
        switch.modules.unload(switch, name)
    })
}

fn reload(switch: &Arc<Switch>, args: &str) -> String {
    module_command(args, "reload <mod_name>", |name| {
        switch.modules.reload(switch, name)
    })
}

fn reloadxml(switch: &Arc<Switch>, _args: &str) -> String {
    let config = Config::load(&switch.paths.conf_dir);
    let dialplan = crate::switch::load_dialplan(&switch.paths.conf_dir);
    match (config, dialplan) {
        (Ok(config), Ok(dialplan)) => {
            switch.apply_config(config);
            switch.apply_dialplan(dialplan);
            crate::lua::start_hooks(switch);
            switch.bus.fire(Event::core("RELOADXML"));
            "+OK [Success]\n".into()
        }
        (config, dialplan) => {
            let mut out = String::from(
                "-ERR nothing reloaded, the configuration and dialplan in force stay:\n",
            );
            for error in config.err().into_iter().flatten() {
                let _ = writeln!(out, "{error}");
            }
            for error in dialplan.err().into_iter().flatten() {
                let _ = writeln!(out, "{error}");
            }
            out
        }
    }
}

fn log(switch: &Arc<Switch>, args: &str) -> String {
    let (level, message) = split_command(args);
    if level.is_empty() {
        let current = switch.logs.stderr_level();
        return format!("+OK log level is {} [{}]\n", current, current as u8);
    }
    let level: LogLevel = match level.parse() {
        Ok(level) => level,
        Err(e) => return format!("-ERR {e}\n"),
    };
    if message.is_empty() {
        switch.logs.set_stderr_level(level);
        format!("+OK log level {} [{}]\n", level, level as u8)
    } else {
        crate::logging::module_log("api", level, message);
        "+OK\n".into()
    }
}

fn sendevent(switch: &Arc<Switch>, args: &str) -> String {
    const USAGE: &str = "-USAGE: sendevent <EVENT-NAME> [<subclass>] [<Header>=<value> ...]\n";
    let mut words = args.split_whitespace();
    let Some(name) = words.next() else {
        return USAGE.into();
    };
    let subclass = if name.eq_ignore_ascii_case("CUSTOM") {
        match words.next() {
            Some(sub) if !sub.contains('=') => Some(sub),
            _ => {
                return "-ERR a CUSTOM event needs a subclass, e.g. sendevent CUSTOM acme::ping\n"
                    .into();
            }
        }
    } else {
        None
    };
    let mut event = match Event::new(name, subclass) {
        Ok(event) => event,
        Err(e) => return format!("-ERR {e}\n"),
    };
    for word in words {
        match word.split_once('=') {
            Some((header, value)) if !header.is_empty() => {
                event.add_header(header, value);
            }
            _ => return format!("-ERR '{word}' is not Header=value\n{USAGE}"),
        }
    }
    let sequence = switch.bus.fire_from(event, "api", "sendevent", 0);
    format!("+OK event fired, Event-Sequence {sequence}\n")
}

/// How long call control may take on the SIP thread.
const CALL_CONTROL_WAIT: Duration = Duration::from_secs(5);

fn uuid_kill(switch: &Arc<Switch>, args: &str) -> String {
    let (uuid, cause) = split_command(args);
    if uuid.is_empty() {
        return "-USAGE: uuid_kill <uuid> [<cause>]\n".into();
    }
    let cause = if cause.is_empty() {
        HangupCause::NormalClearing
    } else {
        match HangupCause::parse(cause) {
            Some(cause) => cause,
            None => return format!("-ERR unknown hangup cause '{cause}'\n"),
        }
    };
    let (reply, answer) = crossbeam_channel::bounded(1);
    if !switch.call_control(crate::sip::CallCommand::Kill {
        uuid: uuid.to_owned(),
        cause,
        reply,
    }) {
        return "-ERR SIP is not running\n".into();
    }
    match answer.recv_timeout(CALL_CONTROL_WAIT) {
        Ok(true) => "+OK\n".into(),
        Ok(false) => "-ERR No such channel!\n".into(),
        Err(_) => "-ERR the SIP thread did not answer\n".into(),
    }
}

fn hupall(switch: &Arc<Switch>, args: &str) -> String {
    let cause = if args.trim().is_empty() {
        HangupCause::ManagerRequest
    } else {
        match HangupCause::parse(args) {
            Some(cause) => cause,
            None => return format!("-ERR unknown hangup cause '{}'\n", args.trim()),
        }
    };
    let (reply, answer) = crossbeam_channel::bounded(1);
    if !switch.call_control(crate::sip::CallCommand::HangupAll {
        cause,
        tenant: None,
        reply,
    }) {
        return "-ERR SIP is not running\n".into();
    }
    match answer.recv_timeout(CALL_CONTROL_WAIT) {
        Ok(count) => format!("+OK hangup all channels with cause {cause} ({count} call(s))\n"),
        Err(_) => "-ERR the SIP thread did not answer\n".into(),
    }
}

/// How long to let the event dispatcher catch up in tests of `sendevent`.
#[cfg(test)]
const SETTLE: Duration = Duration::from_secs(5);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::switch::test_switch;

    #[test]
    fn status_reports_uptime_version_and_no_sessions() {
        let (switch, _dirs) = test_switch();
        let out = super::super::execute(&switch, "status");
        assert!(
            out.starts_with("UP 0 years, 0 days, 0 hours, 0 minutes, "),
            "{out}"
        );
        assert!(out.contains(&format!("Switchyard (Version {}) is ready", crate::VERSION)));
        assert!(out.contains("0 session(s) since startup"));
    }

    #[test]
    fn unknown_commands_use_freeswitch_wording() {
        let (switch, _dirs) = test_switch();
        assert_eq!(
            super::super::execute(&switch, "frobnicate now"),
            "-ERR frobnicate Command not found!\n"
        );
    }

    #[test]
    fn show_api_is_csv_with_a_total() {
        let (switch, _dirs) = test_switch();
        let out = super::super::execute(&switch, "show api");
        let mut lines = out.lines();
        assert_eq!(lines.next(), Some("name,description,syntax,ikey"));
        assert!(out.contains("\nstatus,"));
        let total = COMMANDS.len() + 4 + super::super::dptools::COMMANDS.len(); // and tenant, user, gateway, did
        assert!(out.ends_with(&format!("\n{total} total.\n")), "{out}");
        let json: serde_json::Value =
            serde_json::from_str(&super::super::execute(&switch, "show api as json")).unwrap();
        assert_eq!(json["row_count"], total);
    }

    #[test]
    fn show_channels_as_json_lists_live_legs() {
        let (switch, _dirs) = test_switch();
        let channel = crate::channel::test_support::live_inbound(&switch);
        let out = super::super::execute(&switch, "show channels as json");
        let json: serde_json::Value = serde_json::from_str(out.trim()).expect("json");
        assert_eq!(json["row_count"], 1);
        assert_eq!(json["rows"][0]["uuid"], channel.id().as_str());
        let csv = super::super::execute(&switch, "show channels");
        assert!(csv.ends_with("\n1 total.\n"), "{csv}");
        assert!(super::super::execute(&switch, "show channels as xml").starts_with("-USAGE"));
    }

    #[test]
    fn sendevent_fires_a_custom_event_with_headers() {
        let (switch, _dirs) = test_switch();
        let (tx, rx) = crossbeam_channel::unbounded();
        switch.bus.bind(
            "test",
            crate::event::bus::EventSelector::for_binding("CUSTOM", Some("probe::ping")).unwrap(),
            Box::new(move |e| {
                let _ = tx.send(e.event().header("Greeting").map(str::to_owned));
            }),
        );
        let out = super::super::execute(&switch, "sendevent CUSTOM probe::ping Greeting=hi");
        assert!(out.starts_with("+OK"), "{out}");
        assert_eq!(rx.recv_timeout(SETTLE).unwrap().as_deref(), Some("hi"));
        assert!(super::super::execute(&switch, "sendevent CUSTOM").starts_with("-ERR"));
        assert!(
            super::super::execute(&switch, "sendevent NOPE").starts_with("-ERR unknown event name")
        );
    }

    #[test]
    fn log_sets_and_reports_the_level() {
        let (switch, _dirs) = test_switch();
        assert_eq!(
            super::super::execute(&switch, "log debug"),
            "+OK log level DEBUG [7]\n"
        );
        assert_eq!(switch.logs.stderr_level(), LogLevel::Debug);
        assert!(super::super::execute(&switch, "log loud").starts_with("-ERR unknown log level"));
        assert_eq!(super::super::execute(&switch, "log 6 hello"), "+OK\n");
    }

    #[test]
    fn uptime_units() {
        let (switch, _dirs) = test_switch();
        assert_eq!(super::super::execute(&switch, "uptime s"), "0\n");
        assert!(super::super::execute(&switch, "uptime years").starts_with("-USAGE"));
    }
}
