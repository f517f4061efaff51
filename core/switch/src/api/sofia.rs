//! `sofia status`: the SIP side at a glance, as FreeSWITCH operators ask
//! for it — the profile (the one SIP address, UDP and TCP), what the SIP
//! thread holds (calls, dialogs, transactions), and each gateway's
//! registration state.

use crate::sip::{CallCommand, SipStatus};
use crate::switch::Switch;
use std::fmt::Write as _;
use std::sync::Arc;
use std::time::Duration;

/// The syntax, for `help` and usage errors.
pub const SOFIA_USAGE: &str = "sofia status";

/// Runs `sofia`.
pub fn sofia(switch: &Arc<Switch>, args: &str) -> String {
    if args.trim() != "status" {
        return format!("-USAGE: {SOFIA_USAGE}\n");
    }
    let (reply, answer) = crossbeam_channel::bounded(1);
    if !switch.call_control(CallCommand::Status { reply }) {
        return "-ERR SIP is not running\n".into();
    }
    let Ok(status) = answer.recv_timeout(Duration::from_secs(5)) else {
        return "-ERR the SIP thread did not answer\n".into();
    };
    render(switch, &status)
}

fn render(switch: &Switch, status: &SipStatus) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{:<12} {:<8} {:<40} State", "Name", "Type", "Data");
    let _ = writeln!(
        out,
        "{:<12} {:<8} {:<40} RUNNING (calls {}, dialogs {}, transactions {})",
        "internal",
        "profile",
        format!("sip:switchyard@{} udp,tcp", status.address),
        status.calls,
        status.dialogs,
        status.transactions
    );
    let states = switch.gateways.snapshot();
    let gateways = crate::gateway::list_gateways(&switch.store).unwrap_or_default();
    for gateway in &gateways {
        let state =
            crate::gateway::state::shown_state(states.get(&gateway.name), gateway.register).name();
        let _ = writeln!(
            out,
            "{:<12} {:<8} {:<40} {state}",
            gateway.name,
            "gateway",
            format!("sip:{}", gateway.proxy)
        );
    }
    let _ = writeln!(out, "1 profile, {} gateway(s)", gateways.len());
    out
}
