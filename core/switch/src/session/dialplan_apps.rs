//! FreeSWITCH's everyday dialplan tools that run on the session thread:
//! `play_and_get_digits` and `read` (see [`super::digits`]), `info`,
//! `event`, `set_global`, `multiset`, `export`, `hash`, `db` and `curl`
//! (see [`crate::curl`]).
//!
//! A bad argument is logged as a warning naming the application and the
//! dialplan goes on, as in FreeSWITCH.

use super::digits::{self, PlayAndGetDigits, Read};
use super::{AppOutcome, Interrupted, Session};
use crate::channel::cause::HangupCause;
use crate::channel::events;
use crate::channel::registry::ChannelHandle;
use crate::event::Event;
use crate::kv::KvRequest;
use crate::kv::commands::{Backend, run as run_kv};

/// The applications of this file.
const NAMES: &[&str] = &[
    "play_and_get_digits",
    "read",
    "info",
    "event",
    "set_global",
    "multiset",
    "export",
    "hash",
    "db",
    "curl",
];

/// The channel variable listing what `export` marked for bridged legs.
pub const EXPORT_VARS: &str = "export_vars";

/// Whether `application` is one of these tools.
pub fn handles(application: &str) -> bool {
    NAMES.contains(&application)
}

/// Runs one of these tools.
pub fn run(session: &mut Session, application: &str, data: &str) -> AppOutcome {
    let result = match application {
        // These parsers' messages name the application already.
        "play_and_get_digits" => match PlayAndGetDigits::parse(data) {
            Ok(request) => digits::play_and_get_digits(session, &request).map(|_| ()),
            Err(e) => skip(&e),
        },
        "read" => match Read::parse(data) {
            Ok(request) => digits::read(session, &request).map(|_| ()),
            Err(e) => skip(&e),
        },
        "info" => {
            info(session.channel(), data);
            Ok(())
        }
        "event" => match fire_event(session, data) {
            Ok(_) => Ok(()),
            Err(e) => warn(application, &e),
        },
        "set_global" => match crate::globals::parse_assignment(data) {
            Ok((name, "")) => {
                session.switch().globals.unset(name);
                Ok(())
            }
            Ok((name, value)) => {
                session.switch().globals.set(name, value);
                Ok(())
            }
            Err(e) => warn(application, &e),
        },
        "multiset" => {
            multiset(session.channel(), data);
            Ok(())
        }
        "export" => match export(session.channel(), data) {
            Ok(()) => Ok(()),
            Err(e) => warn(application, &e),
        },
        "hash" => {
            kv(session, Backend::Hash, data);
            Ok(())
        }
        "db" => {
            kv(session, Backend::Db, data);
            Ok(())
        }
        "curl" => {
            crate::curl::app(session, data);
            Ok(())
        }
        other => warn(other, "not one of the dialplan tools"),
    };
    match result {
        Ok(()) | Err(Interrupted::Hangup) => AppOutcome::Continue,
        Err(Interrupted::NoMedia) => {
            tracing::warn!(
                "{application}: {} has no media (not answered, or bypass_media)",
                session.uuid()
            );
            AppOutcome::Hangup(HangupCause::IncompatibleDestination)
        }
    }
}

fn warn(application: &str, why: &str) -> Result<(), Interrupted> {
    skip(&format!("{application}: {why}"))
}

fn skip(message: &str) -> Result<(), Interrupted> {
    tracing::warn!("{message}; skipped");
    Ok(())
}

/// `info [<level>]`: logs the channel's data and variables (see
/// [`channel_data_text`]) at `level` (default INFO; an unknown level is
/// INFO too, as in FreeSWITCH).
pub fn info(channel: &ChannelHandle, level: &str) {
    let level = level
        .trim()
        .parse::<crate::logging::LogLevel>()
        .unwrap_or(crate::logging::LogLevel::Info);
    crate::logging::module_log("info", level, &channel_data_text(channel));
}

/// The channel as FreeSWITCH's `info` prints it: `CHANNEL_DATA:` and a
/// `Name: value` line per header of a `CHANNEL_DATA` event (values as
/// they are, empty ones as `_undef_`), variables as `variable_*`.
pub fn channel_data_text(channel: &ChannelHandle) -> String {
    let data = channel.with(|c| events::build_named("CHANNEL_DATA", c));
    let mut out = String::from("CHANNEL_DATA:\nEvent-Name: CHANNEL_DATA\n");
    for (name, value) in data.headers() {
        let value = if value.is_empty() { "_undef_" } else { value };
        out.push_str(&format!("{name}: {value}\n"));
    }
    out
}

/// `event Event-Name=<name>,Event-Subclass=<sub>,<Header>=<value>,...`
/// (or `^^<d>` to use another delimiter): fires the event, by default
/// `CHANNEL_APPLICATION`, with the given headers followed by the channel's.
/// Returns the event's sequence number.
///
/// # Errors
/// A message when an item is not `Header=value`, the name is unknown or a
/// `CUSTOM` event has no subclass.
pub fn fire_event(session: &Session, data: &str) -> Result<u64, String> {
    let mut name = "CHANNEL_APPLICATION";
    let mut subclass = None;
    let mut headers = Vec::new();
    for item in super::args::split_list(data, ',') {
        let Some((header, value)) = item.split_once('=') else {
            return Err(format!("'{item}' is not Header=value"));
        };
        let header = header.trim();
        if header.eq_ignore_ascii_case("Event-Name") {
            name = value.trim();
        } else if header.eq_ignore_ascii_case("Event-Subclass") {
            subclass = Some(value.trim());
        } else if header.is_empty() {
            return Err(format!("'{item}' has no header name"));
        } else {
            headers.push((header, value));
        }
    }
    let mut event = Event::new(name, subclass).map_err(|e| e.to_string())?;
    for (header, value) in headers {
        event.add_header(header, value);
    }
    let data = session
        .channel()
        .with(|c| events::build_named("CHANNEL_DATA", c));
    for (header, value) in data.headers() {
        event.add_header(header.as_str(), value.as_str());
    }
    Ok(session
        .switch()
        .bus
        .fire_from(event, "dialplan", "event", 0))
}

/// `multiset <name>=<value> ...` (or `^^<d>` with another delimiter): sets
/// each; an empty value unsets. A bad item is logged and skipped.
pub fn multiset(channel: &ChannelHandle, data: &str) {
    for item in super::args::split_list(data, ' ') {
        match crate::globals::parse_assignment(item) {
            Ok((name, "")) => {
                channel.unset_variable(name);
            }
            Ok((name, value)) => channel.set_variable(name, value),
            Err(e) => tracing::warn!("multiset: {e}; skipped"),
        }
    }
}

/// `export [nolocal:]<name>=<value>`: sets the variable on this leg
/// (with `nolocal:`, only under its prefixed name, so `${name}` here is
/// untouched) and adds it to `export_vars`, so legs bridged from this one
/// get it (see [`exported_variables`]).
///
/// # Errors
/// A message when the data is not `name=value`.
pub fn export(channel: &ChannelHandle, data: &str) -> Result<(), String> {
    let (name, value) = crate::globals::parse_assignment(data)?;
    channel.set_variable(name, value);
    let mut names: Vec<String> = channel
        .variable(EXPORT_VARS)
        .map(|list| {
            list.split(',')
                .map(str::trim)
                .filter(|n| !n.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    if !names.iter().any(|n| n == name) {
        names.push(name.to_owned());
    }
    channel.set_variable(EXPORT_VARS, names.join(","));
    Ok(())
}

/// The variables a leg bridged from `channel` is to get: every name in
/// `export_vars` that has a value, with a `nolocal:` (or `_nolocal_`)
/// prefix dropped, in `export_vars` order.
pub fn exported_variables(channel: &ChannelHandle) -> Vec<(String, String)> {
    let Some(list) = channel.variable(EXPORT_VARS) else {
        return Vec::new();
    };
    list.split(',')
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .filter_map(|stored| {
            let value = channel.variable(stored)?;
            let name = stored
                .strip_prefix("nolocal:")
                .or_else(|| stored.strip_prefix("_nolocal_"))
                .unwrap_or(stored);
            Some((name.to_owned(), value))
        })
        .collect()
}

/// `hash|db insert|insert_ifempty|delete|delete_ifmatch/<realm>/<key>[/<value>]`
/// in the channel's tenant.
fn kv(session: &Session, backend: Backend, data: &str) {
    let app = backend.name();
    let request = match KvRequest::parse(data) {
        Ok(request) => request,
        Err(e) => {
            tracing::warn!("{app}: {e}; skipped");
            return;
        }
    };
    if !request.op.writes() {
        tracing::warn!(
            "{app}: the application only changes values; read them with ${{{app} select/{}/{}}}; skipped",
            request.realm,
            request.key
        );
        return;
    }
    let tenant = session.channel().tenant().to_owned();
    if let Err(e) = run_kv(session.switch(), backend, &tenant, &request) {
        tracing::info!("{app} {data}: {e}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::channel::test_support::live_inbound;
    use crate::session::module_apps::test_session;
    use crate::switch::test_switch;
    use std::sync::Arc;

    #[test]
    fn the_tools_are_session_apps() {
        let (switch, _dirs) = test_switch();
        for name in NAMES {
            assert!(crate::session::is_session_app(&switch, name), "{name}");
        }
    }

    #[test]
    fn set_global_multiset_and_export() {
        let (switch, _dirs) = test_switch();
        let channel = live_inbound(&switch);
        let mut session = test_session(Arc::clone(&switch), Arc::clone(&channel));
        assert_eq!(
            session.run("set_global", "crm=http://crm/x"),
            AppOutcome::Continue
        );
        assert_eq!(switch.globals.get("crm").as_deref(), Some("http://crm/x"));
        session.run("set_global", "crm=");
        assert_eq!(switch.globals.get("crm"), None);
        session.run("set_global", "no equals sign");

        channel.set_variable("gone", "x");
        session.run("multiset", "a=1 b=2=3 gone= bad");
        assert_eq!(channel.variable("a").as_deref(), Some("1"));
        assert_eq!(channel.variable("b").as_deref(), Some("2=3"));
        assert_eq!(channel.variable("gone"), None);
        session.run("multiset", "^^:c=with space:d=4");
        assert_eq!(channel.variable("c").as_deref(), Some("with space"));
        assert_eq!(channel.variable("d").as_deref(), Some("4"));

        session.run("export", "team=blue");
        session.run("export", "nolocal:secret=s3");
        session.run("export", "team=green");
        assert_eq!(channel.variable("team").as_deref(), Some("green"));
        assert_eq!(
            channel.variable("secret"),
            None,
            "nolocal stays off this leg"
        );
        assert_eq!(
            channel.variable(EXPORT_VARS).as_deref(),
            Some("team,nolocal:secret")
        );
        assert_eq!(
            exported_variables(&channel),
            [
                ("team".to_owned(), "green".to_owned()),
                ("secret".to_owned(), "s3".to_owned())
            ]
        );
        assert!(export(&channel, "noequals").is_err());
    }

    #[test]
    fn event_fires_custom_events_with_the_channel_headers() {
        let (switch, _dirs) = test_switch();
        let channel = live_inbound(&switch);
        let session = test_session(Arc::clone(&switch), Arc::clone(&channel));
        let (tx, rx) = crossbeam_channel::unbounded();
        switch.bus.bind(
            "test",
            crate::event::bus::EventSelector::for_binding("CUSTOM", Some("crm::hit")).unwrap(),
            Box::new(move |e| {
                let event = e.event();
                let _ = tx.send((
                    event.header("Agent").map(str::to_owned),
                    event.header("Unique-ID").map(str::to_owned),
                ));
            }),
        );
        fire_event(
            &session,
            "Event-Name=CUSTOM,Event-Subclass=crm::hit,Agent=1001",
        )
        .unwrap();
        let (agent, uuid) = rx.recv_timeout(std::time::Duration::from_secs(5)).unwrap();
        assert_eq!(agent.as_deref(), Some("1001"));
        assert_eq!(uuid.as_deref(), Some(channel.id().as_str()));
        assert!(fire_event(&session, "Event-Name=CUSTOM").is_err());
        assert!(fire_event(&session, "Event-Name=NOPE").is_err());
        assert!(fire_event(&session, "Agent").is_err());
        assert!(
            fire_event(&session, "Agent=1").is_ok(),
            "CHANNEL_APPLICATION"
        );
    }

    #[test]
    fn hash_and_db_apps_write_in_the_channel_tenant() {
        let (switch, _dirs) = test_switch();
        let channel = live_inbound(&switch);
        let mut session = test_session(Arc::clone(&switch), Arc::clone(&channel));
        session.run("hash", "insert/calls/last/1001");
        session.run("db", "insert/vip/1001/gold");
        session.run("hash", "select/calls/last");
        session.run("db", "nonsense");
        let tenant = channel.tenant().to_owned();
        assert_eq!(
            switch.hash.select(&tenant, "calls", "last").as_deref(),
            Some("1001")
        );
        assert_eq!(switch.hash.select("", "calls", "last"), None);
        let api = |line: &str| crate::api::execute(&switch, line);
        assert_eq!(api(&format!("db @{tenant} select/vip/1001")), "gold\n");
        assert_eq!(api("db select/vip/1001"), "\n", "not in the admin's space");
        session.run("db", "delete/vip/1001");
        assert_eq!(api(&format!("db @{tenant} exists/vip/1001")), "false\n");
    }

    #[test]
    fn digit_apps_on_a_session_fail_cleanly_without_prompt_or_media() {
        let (switch, _dirs) = test_switch();
        let channel = live_inbound(&switch);
        let mut session = test_session(Arc::clone(&switch), Arc::clone(&channel));
        channel.set_variable("pin", "stale");
        // A missing prompt fails each try at once (the call is not touched).
        let outcome = session.run(
            "play_and_get_digits",
            "1 4 2 1000 # missing.wav bad.wav pin \\d+ 1000 '9000 XML support'",
        );
        assert_eq!(outcome, AppOutcome::Continue);
        assert_eq!(channel.variable("read_result").as_deref(), Some("failure"));
        assert_eq!(channel.variable("pin"), None, "cleared by the read");
        assert_eq!(channel.call_state(), crate::channel::CallState::Down);
        // A playable prompt on a call without media ends the call, as the
        // other media applications do.
        assert_eq!(
            session.run("read", "1 1 silence_stream://100 v 1000 #"),
            AppOutcome::Hangup(HangupCause::IncompatibleDestination)
        );
        // So does listening without a prompt.
        assert_eq!(
            session.run("read", "1 1 silence v 1000 #"),
            AppOutcome::Hangup(HangupCause::IncompatibleDestination)
        );
    }

    #[test]
    fn info_shows_the_channel_data_and_variables_unencoded() {
        let (switch, _dirs) = test_switch();
        let channel = live_inbound(&switch);
        channel.set_variable("team", "blue whale");
        let text = channel_data_text(&channel);
        assert!(
            text.starts_with("CHANNEL_DATA:\nEvent-Name: CHANNEL_DATA\n"),
            "{text}"
        );
        assert!(
            text.contains(&format!("Unique-ID: {}\n", channel.id().as_str())),
            "{text}"
        );
        assert!(text.contains("variable_team: blue whale\n"), "{text}");
        assert!(text.contains("Caller-Caller-ID-Number: 1001\n"), "{text}");
    }

    #[test]
    fn info_and_bad_arguments_never_stop_the_dialplan() {
        let (switch, _dirs) = test_switch();
        let channel = live_inbound(&switch);
        let mut session = test_session(Arc::clone(&switch), Arc::clone(&channel));
        for (app, data) in [
            ("info", ""),
            ("info", "DEBUG"),
            ("info", "loud"),
            ("play_and_get_digits", "1 2"),
            ("read", ""),
            ("event", "x"),
            ("export", ""),
            ("curl", ""),
        ] {
            assert_eq!(session.run(app, data), AppOutcome::Continue, "{app}");
        }
    }
}
