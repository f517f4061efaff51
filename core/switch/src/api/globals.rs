//! API commands on global variables and expansion, with FreeSWITCH's
//! names: `global_getvar`, `global_setvar`, `eval` and `expand`.
//!
//! `eval` and `expand` run API commands named in `${command args}` with the
//! switch's full rights; there is no per-caller scope for API commands yet,
//! so whoever may run `api` may run these.

use crate::channel_expand::{ChannelVariables, nested_call};
use crate::switch::Switch;
use std::sync::Arc;

/// Usage of `global_getvar`.
pub const GETVAR_USAGE: &str = "global_getvar [<name>]";
/// Usage of `global_setvar`.
pub const SETVAR_USAGE: &str = "global_setvar <name>=<value>";
/// Usage of `eval`.
pub const EVAL_USAGE: &str = "eval [uuid:<uuid> ]<text>";
/// Usage of `expand`.
pub const EXPAND_USAGE: &str = "expand [uuid:<uuid> ]<command> [<args>]";

/// `global_getvar [<name>]`: the value (an empty line when unset), or
/// every global variable as `name=value` lines.
pub fn global_getvar(switch: &Arc<Switch>, args: &str) -> String {
    let name = args.trim();
    if name.is_empty() {
        return switch
            .globals
            .snapshot()
            .into_iter()
            .map(|(n, v)| format!("{n}={v}\n"))
            .collect();
    }
    format!("{}\n", switch.globals.get(name).unwrap_or_default())
}

/// `global_setvar <name>=<value>`: sets it; an empty value unsets it.
pub fn global_setvar(switch: &Arc<Switch>, args: &str) -> String {
    match crate::globals::parse_assignment(args) {
        Ok((name, "")) => {
            switch.globals.unset(name);
            "+OK\n".into()
        }
        Ok((name, value)) => {
            switch.globals.set(name, value);
            "+OK\n".into()
        }
        Err(e) => format!("-USAGE: {SETVAR_USAGE} ({e})\n"),
    }
}

/// Splits an optional leading `uuid:<uuid>` off `args`.
fn scope<'a>(
    switch: &Arc<Switch>,
    args: &'a str,
) -> Result<
    (
        Option<Arc<crate::channel::registry::ChannelHandle>>,
        &'a str,
    ),
    String,
> {
    let args = args.trim();
    let Some(rest) = args.strip_prefix("uuid:") else {
        return Ok((None, args));
    };
    let (uuid, text) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
    match switch.channels.get(uuid) {
        Some(channel) => Ok((Some(channel), text.trim_start())),
        None => Err("-ERR No such channel!\n".into()),
    }
}

/// `eval [uuid:<uuid> ]<text>`: `text` with `${...}` and `$${...}`
/// expanded, against that channel's variables when a uuid is given.
pub fn eval(switch: &Arc<Switch>, args: &str) -> String {
    if args.trim().is_empty() {
        return format!("-USAGE: {EVAL_USAGE}\n");
    }
    match scope(switch, args) {
        Ok((channel, text)) => {
            let vars = ChannelVariables {
                switch,
                channel: channel.as_deref(),
            };
            format!("{}\n", vars.expand(text))
        }
        Err(e) => e,
    }
}

/// `expand [uuid:<uuid> ]<command line>`: expands the line, then runs it
/// as an API command and returns its reply.
pub fn expand(switch: &Arc<Switch>, args: &str) -> String {
    if args.trim().is_empty() {
        return format!("-USAGE: {EXPAND_USAGE}\n");
    }
    let (channel, text) = match scope(switch, args) {
        Ok(scoped) => scoped,
        Err(e) => return e,
    };
    let vars = ChannelVariables {
        switch,
        channel: channel.as_deref(),
    };
    let line = vars.expand(text);
    nested_call(|| crate::api::execute(switch, &line))
        .unwrap_or_else(|| "-ERR expand: commands nested too deep\n".into())
}

#[cfg(test)]
mod tests {
    use crate::api::execute;
    use crate::channel::test_support::live_inbound;
    use crate::switch::test_switch;

    #[test]
    fn globals_are_set_read_listed_and_unset() {
        let (switch, _dirs) = test_switch();
        assert_eq!(execute(&switch, "global_setvar crm=http://x/?a=b"), "+OK\n");
        assert_eq!(execute(&switch, "global_getvar crm"), "http://x/?a=b\n");
        let all = execute(&switch, "global_getvar");
        assert!(all.contains("crm=http://x/?a=b\n"), "{all}");
        assert!(all.contains("hostname="), "{all}");
        assert_eq!(execute(&switch, "global_setvar crm="), "+OK\n");
        assert_eq!(execute(&switch, "global_getvar crm"), "\n");
        assert!(execute(&switch, "global_setvar crm").starts_with("-USAGE"));
    }

    #[test]
    fn the_configuration_seeds_globals_and_reloadxml_applies_them_again() {
        let (switch, _dirs) = test_switch();
        std::fs::write(
            switch.paths.conf_dir.join(crate::config::FILE_NAME),
            "<switchyard><global-variables>\
             <variable name=\"crm\" value=\"http://crm/a\"/>\
             </global-variables></switchyard>",
        )
        .unwrap();
        execute(&switch, "global_setvar crm=changed");
        execute(&switch, "global_setvar mine=kept");
        assert!(execute(&switch, "reloadxml").starts_with("+OK"));
        assert_eq!(execute(&switch, "global_getvar crm"), "http://crm/a\n");
        assert_eq!(execute(&switch, "global_getvar mine"), "kept\n");
        assert_eq!(
            execute(&switch, "global_getvar conf_dir"),
            format!("{}\n", switch.paths.conf_dir.display())
        );
    }

    #[test]
    fn eval_expands_globals_or_a_channel_and_expand_runs_the_result() {
        let (switch, _dirs) = test_switch();
        switch.globals.set("domain", "acme.test");
        let channel = live_inbound(&switch);
        channel.set_variable("team", "blue");
        let uuid = channel.id().as_str().to_owned();
        assert_eq!(
            execute(&switch, "eval u@$${domain} [${team}]"),
            "u@acme.test []\n"
        );
        assert_eq!(
            execute(&switch, &format!("eval uuid:{uuid} ${{team}}@$${{domain}}")),
            "blue@acme.test\n"
        );
        assert_eq!(
            execute(&switch, "eval uuid:nope x"),
            "-ERR No such channel!\n"
        );
        assert!(execute(&switch, "eval").starts_with("-USAGE"));
        switch.globals.set("what", "domain");
        assert_eq!(
            execute(&switch, "expand global_getvar $${what}"),
            "acme.test\n"
        );
        assert_eq!(
            execute(&switch, &format!("expand uuid:{uuid} eval ${{team}}")),
            "blue\n"
        );
        assert!(execute(&switch, "expand").starts_with("-USAGE"));
    }
}
