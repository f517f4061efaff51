//! `uuid_bridge <uuid> <other-uuid>`: joins two calls the switch anchors
//! (see the SIP side in `sip::b2bua::uuid_bridge`).

use crate::switch::Switch;
use std::sync::Arc;

/// The command's usage line.
pub const BRIDGE_USAGE: &str = "uuid_bridge <uuid> <other-uuid>";

/// `uuid_bridge`.
pub fn uuid_bridge(switch: &Arc<Switch>, args: &str) -> String {
    let words: Vec<&str> = args.split_whitespace().collect();
    let [a, b] = words.as_slice() else {
        return format!("-USAGE: {BRIDGE_USAGE}\n");
    };
    super::call_control_reply(
        switch,
        |reply| crate::sip::CallCommand::UuidBridge {
            a: (*a).to_owned(),
            b: (*b).to_owned(),
            now: false,
            reply,
        },
        b,
    )
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
