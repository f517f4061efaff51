//! `uuid_transfer <uuid> <destination> [XML [<context>]]`: routes a call
//! again, as FreeSWITCH's command does for an A leg: what runs on it
//! stops (a bridged partner is hung up) and the dialplan hunts the new
//! destination.

use crate::switch::Switch;
use std::sync::Arc;

/// The command's usage line.
pub const TRANSFER_USAGE: &str = "uuid_transfer <uuid> <destination> [XML [<context>]]";

/// The arguments of `uuid_transfer`: uuid, destination, context.
///
/// # Errors
/// The usage line, when the words do not fit it.
pub fn parse(args: &str) -> Result<(String, String, Option<String>), String> {
    let words: Vec<&str> = args.split_whitespace().collect();
    match words.as_slice() {
        [uuid, destination] => Ok(((*uuid).into(), (*destination).into(), None)),
        [uuid, destination, dialplan] | [uuid, destination, dialplan, _]
            if !dialplan.eq_ignore_ascii_case("XML") =>
        {
            Err(format!(
                "dialplan '{dialplan}' is not available (only XML); usage: {TRANSFER_USAGE}"
            ))
        }
        [uuid, destination, _] => Ok(((*uuid).into(), (*destination).into(), None)),
        [uuid, destination, _, context] => Ok((
            (*uuid).into(),
            (*destination).into(),
            Some((*context).into()),
        )),
        _ => Err(format!("usage: {TRANSFER_USAGE}")),
    }
}

/// `uuid_transfer`.
pub fn uuid_transfer(switch: &Arc<Switch>, args: &str) -> String {
    let (uuid, destination, context) = match parse(args) {
        Ok(parsed) => parsed,
        Err(e) if e.starts_with("usage") => return format!("-USAGE: {TRANSFER_USAGE}\n"),
        Err(e) => return format!("-ERR {e}\n"),
    };
    super::call_control_reply(
        switch,
        |reply| crate::sip::CallCommand::Transfer {
            uuid,
            destination,
            context,
            reply,
        },
        "",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_follow_freeswitch() {
        assert_eq!(
            parse("abc 1000").unwrap(),
            ("abc".into(), "1000".into(), None)
        );
        assert_eq!(
            parse("abc 1000 XML acme.test").unwrap(),
            ("abc".into(), "1000".into(), Some("acme.test".into()))
        );
        assert!(parse("abc 1000 inline").unwrap_err().contains("inline"));
        assert!(parse("abc").is_err());
        assert!(parse("").is_err());
    }

    #[test]
    fn an_unknown_call_is_an_error_not_a_crash() {
        let (switch, _dirs) = crate::switch::test_switch();
        let reply = uuid_transfer(&switch, "no-such-uuid 1000");
        assert!(reply.starts_with("-ERR"), "{reply}");
        assert!(uuid_transfer(&switch, "").starts_with("-USAGE"));
    }
}
