//! `uuid_bridge <uuid> <other-uuid>`: joins two calls the switch anchors
//! (see the SIP side in `sip::b2bua::uuid_bridge`).

use crate::switch::Switch;
use std::sync::Arc;
use std::time::Duration;

/// The command's usage line.
pub const BRIDGE_USAGE: &str = "uuid_bridge <uuid> <other-uuid>";

/// How long the SIP thread may take to answer.
const SIP_WAIT: Duration = Duration::from_secs(5);

/// `uuid_bridge`.
pub fn uuid_bridge(switch: &Arc<Switch>, args: &str) -> String {
    let words: Vec<&str> = args.split_whitespace().collect();
    let [a, b] = words.as_slice() else {
        return format!("-USAGE: {BRIDGE_USAGE}\n");
    };
    let (reply, answer) = crossbeam_channel::bounded(1);
    if !switch.call_control(crate::sip::CallCommand::UuidBridge {
        a: (*a).to_owned(),
        b: (*b).to_owned(),
        now: false,
        reply,
    }) {
        return "-ERR SIP is not running\n".into();
    }
    match answer.recv_timeout(SIP_WAIT) {
        Ok(Ok(())) => format!("+OK {b}\n"),
        Ok(Err(e)) => format!("-ERR {e}\n"),
        Err(_) => "-ERR the SIP thread did not answer\n".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_arguments_get_the_usage_and_unknown_calls_an_error() {
        let (switch, _dirs) = crate::switch::test_switch();
        assert!(uuid_bridge(&switch, "one").starts_with("-USAGE"));
        assert!(uuid_bridge(&switch, "a b c").starts_with("-USAGE"));
        assert!(uuid_bridge(&switch, "a b").starts_with("-ERR"));
    }
}
