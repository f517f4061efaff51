//! API commands on one channel's data, with FreeSWITCH's names and
//! replies: `uuid_exists`, `uuid_getvar`, `uuid_setvar` and `uuid_dump`.

use crate::channel::events;
use crate::switch::Switch;
use std::sync::Arc;

/// Usage of `uuid_exists`.
pub const EXISTS_USAGE: &str = "uuid_exists <uuid>";
/// Usage of `uuid_getvar`.
pub const GETVAR_USAGE: &str = "uuid_getvar <uuid> <variable>";
/// Usage of `uuid_setvar`.
pub const SETVAR_USAGE: &str = "uuid_setvar <uuid> <variable> [<value>]";
/// Usage of `uuid_dump`.
pub const DUMP_USAGE: &str = "uuid_dump <uuid> [json]";

/// What FreeSWITCH prints for a variable that is not set.
const UNDEFINED: &str = "_undef_";

const NO_SUCH_CHANNEL: &str = "-ERR No such channel!\n";

/// `uuid_exists <uuid>`: `true` or `false`.
pub fn uuid_exists(switch: &Arc<Switch>, args: &str) -> String {
    match args.split_whitespace().next() {
        Some(uuid) => format!("{}\n", switch.channels.get(uuid).is_some()),
        None => format!("-USAGE: {EXISTS_USAGE}\n"),
    }
}

/// `uuid_getvar <uuid> <variable>`: the value, or `_undef_`.
pub fn uuid_getvar(switch: &Arc<Switch>, args: &str) -> String {
    let mut words = args.split_whitespace();
    let (Some(uuid), Some(name)) = (words.next(), words.next()) else {
        return format!("-USAGE: {GETVAR_USAGE}\n");
    };
    match switch.channels.get(uuid) {
        Some(channel) => format!(
            "{}\n",
            channel.variable(name).unwrap_or_else(|| UNDEFINED.into())
        ),
        None => NO_SUCH_CHANNEL.into(),
    }
}

/// `uuid_setvar <uuid> <variable> [<value>]`: sets it (the rest of the
/// line, spaces included), or unsets it when no value is given.
pub fn uuid_setvar(switch: &Arc<Switch>, args: &str) -> String {
    let args = args.trim();
    let Some((uuid, rest)) = args.split_once(char::is_whitespace) else {
        return format!("-USAGE: {SETVAR_USAGE}\n");
    };
    let rest = rest.trim_start();
    let (name, value) = match rest.split_once(char::is_whitespace) {
        Some((name, value)) => (name, Some(value.trim())),
        None => (rest, None),
    };
    if name.is_empty() {
        return format!("-USAGE: {SETVAR_USAGE}\n");
    }
    let Some(channel) = switch.channels.get(uuid) else {
        return NO_SUCH_CHANNEL.into();
    };
    match value {
        Some(value) => channel.set_variable(name, value),
        None => {
            channel.unset_variable(name);
        }
    }
    "+OK\n".into()
}

/// `uuid_dump <uuid> [json]`: the channel's data as a `CHANNEL_DATA`
/// event: state, profile, other leg and every variable.
pub fn uuid_dump(switch: &Arc<Switch>, args: &str) -> String {
    let mut words = args.split_whitespace();
    let Some(uuid) = words.next() else {
        return format!("-USAGE: {DUMP_USAGE}\n");
    };
    let json = match words.next() {
        None => false,
        Some(format) if format.eq_ignore_ascii_case("json") => true,
        Some(_) => return format!("-USAGE: {DUMP_USAGE}\n"),
    };
    let Some(channel) = switch.channels.get(uuid) else {
        return NO_SUCH_CHANNEL.into();
    };
    let data = channel.with(|c| events::build_named("CHANNEL_DATA", c));
    let mut event = crate::event::Event::core("CHANNEL_DATA");
    event.add_header("Event-Name", "CHANNEL_DATA");
    for (name, value) in data.headers() {
        event.add_header(name.as_str(), value.as_str());
    }
    if json {
        format!("{}\n", crate::event::serialize::json_body(&event))
    } else {
        crate::event::serialize::plain_body(&event)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::channel::test_support::live_inbound;
    use crate::switch::test_switch;

    #[test]
    fn variables_are_read_set_unset_and_dumped() {
        let (switch, _dirs) = test_switch();
        let channel = live_inbound(&switch);
        let uuid = channel.id().as_str().to_owned();
        let nobody = "00000000-0000-0000-0000-000000000000";
        assert_eq!(uuid_exists(&switch, &uuid), "true\n");
        assert_eq!(uuid_exists(&switch, nobody), "false\n");
        assert_eq!(
            uuid_exists(&switch, ""),
            format!("-USAGE: {EXISTS_USAGE}\n")
        );
        assert_eq!(uuid_getvar(&switch, &format!("{uuid} team")), "_undef_\n");
        assert_eq!(
            uuid_setvar(&switch, &format!("{uuid} team  blue  whale ")),
            "+OK\n"
        );
        assert_eq!(
            uuid_getvar(&switch, &format!("{uuid} team")),
            "blue  whale\n"
        );
        let dump = uuid_dump(&switch, &uuid);
        assert!(dump.starts_with("Event-Name: CHANNEL_DATA\n"), "{dump}");
        assert!(dump.contains(&format!("Unique-ID: {uuid}\n")), "{dump}");
        assert!(dump.contains("variable_team: blue%20%20whale\n"), "{dump}");
        let json = uuid_dump(&switch, &format!("{uuid} json"));
        let parsed: serde_json::Value = serde_json::from_str(json.trim()).expect("json");
        assert_eq!(parsed["variable_team"], "blue  whale");
        assert_eq!(uuid_setvar(&switch, &format!("{uuid} team")), "+OK\n");
        assert_eq!(uuid_getvar(&switch, &format!("{uuid} team")), "_undef_\n");
        for command in [uuid_getvar, uuid_setvar] {
            assert_eq!(command(&switch, &format!("{nobody} x y")), NO_SUCH_CHANNEL);
        }
        assert_eq!(uuid_dump(&switch, nobody), NO_SUCH_CHANNEL);
        assert!(uuid_setvar(&switch, &uuid).starts_with("-USAGE"));
        assert!(uuid_dump(&switch, &format!("{uuid} xml")).starts_with("-USAGE"));
    }
}
