//! `originate <dialstring> <exten>|&app(args) [XML] [<context>]
//! [<cid_name>] [<cid_num>] [<timeout_sec>]`, as FreeSWITCH takes it: the
//! switch calls the dial string and routes the answered leg to `<exten>` in
//! the tenant's dialplan, or runs the one application on it. The reply (`+OK <uuid>` or `-ERR <CAUSE>`) comes when
//! a leg answers or the dial string has failed; `bgapi` frees the caller.

use crate::sip::{CallCommand, OriginateRequest};
use crate::switch::Switch;
use std::sync::Arc;
use std::time::Duration;

/// The syntax, for `help` and usage errors.
pub const ORIGINATE_USAGE: &str = "originate <dialstring> <exten>|&app(args) [XML] [<context>] [<cid_name>] [<cid_num>] [<timeout_sec>]";

/// Ringing time when the command and the dial string do not say.
const DEFAULT_RING_SECS: u64 = 60;

/// Runs `originate`.
pub fn originate(switch: &Arc<Switch>, args: &str) -> String {
    let words = match shlex::split(args) {
        Some(words) => words,
        None => return "-ERR unbalanced quotes in the arguments\n".into(),
    };
    let request = match parse(&words) {
        Ok(request) => request,
        Err(e) => return format!("-ERR {e}\n-USAGE: {ORIGINATE_USAGE}\n"),
    };
    let ring = request.timeout_secs.unwrap_or(DEFAULT_RING_SECS);
    let (reply, answer) = crossbeam_channel::bounded(1);
    let command = CallCommand::Originate(OriginateRequest { reply, ..request });
    if !switch.call_control(command) {
        return "-ERR SIP is not running\n".into();
    }
    // The SIP thread always answers: when a leg answers, or when every
    // endpoint has failed (the ring time bounds that); the margin covers
    // transaction timeouts.
    match answer.recv_timeout(Duration::from_secs(ring + 40)) {
        Ok(Ok(uuid)) => format!("+OK {uuid}\n"),
        Ok(Err(cause)) => format!("-ERR {cause}\n"),
        Err(_) => "-ERR the SIP thread did not answer\n".into(),
    }
}

/// The request the words describe (its reply channel still to be set).
fn parse(words: &[String]) -> Result<OriginateRequest, String> {
    let [dial, destination, rest @ ..] = words else {
        return Err("originate needs a dial string and an extension".into());
    };
    let mut rest: Vec<&str> = rest.iter().map(String::as_str).collect();
    if rest
        .first()
        .is_some_and(|dialplan| dialplan.eq_ignore_ascii_case("XML"))
    {
        rest.remove(0);
    } else if let Some(first) = rest.first()
        && rest.len() >= 2
        && first.chars().all(|c| c.is_ascii_uppercase())
    {
        return Err(format!("dialplan '{first}' is not available (XML)"));
    }
    let text = |i: usize| {
        rest.get(i)
            .filter(|w| !w.is_empty() && **w != "undef")
            .map(|w| (*w).to_owned())
    };
    let timeout_secs = match rest.get(3) {
        None => None,
        Some(secs) => Some(
            secs.parse::<u64>()
                .ok()
                .filter(|s| *s > 0)
                .ok_or_else(|| format!("timeout '{secs}' is not a number of seconds"))?,
        ),
    };
    if rest.len() > 4 {
        return Err(format!("too many arguments: '{}'", rest[4..].join(" ")));
    }
    let (reply, _) = crossbeam_channel::bounded(1);
    Ok(OriginateRequest {
        dial: dial.clone(),
        destination: destination.clone(),
        context: text(0).map(|c| c.to_ascii_lowercase()),
        caller_id_name: text(1),
        caller_id_number: text(2),
        timeout_secs,
        reply,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<String> {
        shlex::split(text).unwrap()
    }

    #[test]
    fn freeswitch_argument_order() {
        let r = parse(&words(
            "user/1001@acme.test 1002 XML acme.test 'Front Desk' 555 20",
        ))
        .unwrap();
        assert_eq!(r.dial, "user/1001@acme.test");
        assert_eq!(r.destination, "1002");
        assert_eq!(r.context.as_deref(), Some("acme.test"));
        assert_eq!(r.caller_id_name.as_deref(), Some("Front Desk"));
        assert_eq!(r.caller_id_number.as_deref(), Some("555"));
        assert_eq!(r.timeout_secs, Some(20));
        let r = parse(&words("user/1001@acme.test 1002 acme.test")).unwrap();
        assert_eq!(r.context.as_deref(), Some("acme.test"));
        let r = parse(&words("user/1001@acme.test 1002")).unwrap();
        assert_eq!(r.context, None);
    }

    #[test]
    fn bad_arguments_say_what_is_wrong() {
        assert!(parse(&words("user/1001")).is_err());
        assert!(
            parse(&words("user/1 2 LUA ctx"))
                .unwrap_err()
                .contains("dialplan")
        );
        assert!(
            parse(&words("user/1 2 XML ctx a b soon"))
                .unwrap_err()
                .contains("timeout")
        );
        assert!(
            parse(&words("user/1 2 XML ctx a b 3 extra"))
                .unwrap_err()
                .contains("too many")
        );
    }
}
