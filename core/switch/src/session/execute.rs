//! Running any dialplan application from a session thread (Lua's
//! `session:execute(app, data)`), its data expanded first as the
//! dialplan's is: session applications run here; the
//! signalling ones the SIP thread normally runs have session-side
//! equivalents (`set`, `export`, `unset`, `log`, `hangup`, `transfer`,
//! `bridge`).

use super::{AppOutcome, Session};
use crate::channel::cause::HangupCause;

/// Runs `application` with `data` (already expanded) on the session;
/// returns what the dialplan would do next.
pub fn execute(session: &mut Session, application: &str, data: &str) -> AppOutcome {
    let expanded = {
        let switch = std::sync::Arc::clone(session.switch());
        crate::channel_expand::ChannelVariables::new(&switch, session.channel()).expand(data)
    };
    let data = expanded.as_str();
    match application {
        "export" => {
            if let Err(e) = super::dialplan_apps::export(session.channel(), data) {
                tracing::warn!("export: {e}; skipped");
            }
            AppOutcome::Continue
        }
        "set" => {
            match data.split_once('=') {
                Some((name, value)) => {
                    let (name, value) = (name.trim(), value.trim());
                    if value.is_empty() {
                        session.channel().unset_variable(name);
                    } else {
                        session.channel().set_variable(name, value);
                    }
                }
                None => tracing::warn!("{application}: '{data}' is not name=value; skipped"),
            }
            AppOutcome::Continue
        }
        "unset" => {
            session.channel().unset_variable(data.trim());
            AppOutcome::Continue
        }
        "log" => {
            crate::logging::log_application(data);
            AppOutcome::Continue
        }
        "hangup" => {
            let cause = HangupCause::parse(data.trim()).unwrap_or(HangupCause::NormalClearing);
            session.hangup(cause);
            AppOutcome::Continue
        }
        "transfer" => {
            let words: Vec<&str> = data.split_whitespace().collect();
            let (destination, context) = match words.as_slice() {
                [destination] => (*destination, None),
                [destination, _] => (*destination, None),
                [destination, _, context, ..] => (*destination, Some(*context)),
                [] => {
                    tracing::warn!("transfer needs '<destination> [XML [<context>]]'");
                    return AppOutcome::Continue;
                }
            };
            if let Err(why) = session.transfer(destination, context) {
                tracing::warn!("transfer of {} to {destination}: {why}", session.uuid());
            }
            AppOutcome::Continue
        }
        "bridge" => {
            if let Err(cause) = session.bridge(data.trim()) {
                tracing::info!("bridge from {} failed: {cause}", session.uuid());
            }
            AppOutcome::Continue
        }
        other if super::is_session_app(session.switch(), other) => session.run(other, data),
        other => {
            tracing::warn!("application '{other}' cannot run from a script; skipped");
            AppOutcome::Continue
        }
    }
}
