//! [`ChannelVariables`]: what `${...}` expansion reads for a call — the
//! channel's variables, the switch's global variables (`$${name}`) and API
//! commands (`${command args}`).

use crate::channel::registry::ChannelHandle;
use crate::dialplan::Variables;
use crate::switch::Switch;
use std::borrow::Cow;
use std::cell::Cell;
use std::sync::Arc;

/// Most API calls nested inside one another through expansion (an API
/// command whose arguments expand to another call, …) on one thread.
const MAX_NESTED_CALLS: u32 = 8;

thread_local! {
    static NESTED_CALLS: Cell<u32> = const { Cell::new(0) };
}

/// Expansion source for a channel (or, without one, globals and API only).
///
/// API commands run with the switch's full rights, as they do from the
/// dialplan in FreeSWITCH: whoever controls the text being expanded can run
/// any command. The exception is `hash` and `db`, which for a channel work
/// in the channel's tenant only (`${hash(select/<realm>/<key>)}`).
#[derive(Clone, Copy)]
pub struct ChannelVariables<'a> {
    /// The switch (globals and API commands).
    pub switch: &'a Arc<Switch>,
    /// The channel whose variables `${name}` reads; `None`: none.
    pub channel: Option<&'a ChannelHandle>,
}

impl<'a> ChannelVariables<'a> {
    /// Expansion for `channel`.
    pub fn new(switch: &'a Arc<Switch>, channel: &'a ChannelHandle) -> ChannelVariables<'a> {
        ChannelVariables {
            switch,
            channel: Some(channel),
        }
    }

    /// Expansion with globals and API commands only (`${name}` is empty).
    pub fn globals_only(switch: &'a Arc<Switch>) -> ChannelVariables<'a> {
        ChannelVariables {
            switch,
            channel: None,
        }
    }

    /// Expands `text` (see [`crate::dialplan::expand`]).
    pub fn expand(&self, text: &str) -> String {
        crate::dialplan::expand(text, self)
    }
}

impl Variables for ChannelVariables<'_> {
    /// A channel variable, else (as FreeSWITCH) the caller-profile field,
    /// the channel's `uuid` or its `chan_name`.
    fn get(&self, name: &str) -> Option<Cow<'_, str>> {
        let channel = self.channel?;
        if let Some(value) = channel.variable(name) {
            return Some(Cow::Owned(value));
        }
        match name {
            "uuid" => Some(Cow::Owned(channel.id().as_str().to_owned())),
            "chan_name" | "channel_name" => Some(Cow::Owned(channel.with(|c| c.name().to_owned()))),
            _ => channel
                .with(|c| c.profile().field(name).map(str::to_owned))
                .map(Cow::Owned),
        }
    }

    fn global(&self, name: &str) -> Option<Cow<'_, str>> {
        self.switch.globals.get(name).map(Cow::Owned)
    }

    fn api(&self, command: &str, args: &str) -> Option<String> {
        let line = match self.channel {
            // A call reads `hash` and `db` in its own tenant, never another's.
            Some(channel) if matches!(command, "hash" | "db") => {
                if args.trim_start().starts_with('@') {
                    tracing::warn!(
                        "${{{command}({args})}}: a call cannot name a tenant; expanded to nothing"
                    );
                    return Some(String::new());
                }
                format!("{command} @{} {args}", channel.tenant())
            }
            _ => format!("{command} {args}"),
        };
        let reply = nested_call(|| crate::api::execute(self.switch, &line))
            .unwrap_or_else(|| {
                tracing::warn!(
                    "${{{command} ...}}: API calls nested more than {MAX_NESTED_CALLS} deep; expanded to nothing"
                );
                String::new()
            });
        Some(reply.strip_suffix('\n').unwrap_or(&reply).to_owned())
    }
}

/// Runs `f` as one more nested API call; `None` when the nesting limit is
/// reached (an expansion that would call itself without end).
pub fn nested_call<T>(f: impl FnOnce() -> T) -> Option<T> {
    let depth = NESTED_CALLS.with(Cell::get);
    if depth >= MAX_NESTED_CALLS {
        return None;
    }
    NESTED_CALLS.with(|n| n.set(depth + 1));
    struct Restore(u32);
    impl Drop for Restore {
        fn drop(&mut self) {
            NESTED_CALLS.with(|n| n.set(self.0));
        }
    }
    let _restore = Restore(depth);
    Some(f())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::channel::test_support::live_inbound;
    use crate::switch::test_switch;

    #[test]
    fn channel_global_and_api_expansion() {
        let (switch, _dirs) = test_switch();
        let channel = live_inbound(&switch);
        channel.set_variable("team", "blue");
        switch.globals.set("domain", "acme.test");
        let vars = ChannelVariables::new(&switch, &channel);
        assert_eq!(
            vars.expand("${team}@$${domain} [${nothing}] [$${nothing}]"),
            "blue@acme.test [] []"
        );
        assert_eq!(vars.expand("${global_getvar domain}"), "acme.test");
        let only = ChannelVariables::globals_only(&switch);
        assert_eq!(only.expand("${team}$${domain}"), "acme.test");
    }

    #[test]
    fn the_caller_profile_and_uuid_expand_when_no_variable_has_the_name() {
        let (switch, _dirs) = test_switch();
        let channel = live_inbound(&switch);
        let vars = ChannelVariables::new(&switch, &channel);
        let (number, destination) = channel.with(|c| {
            (
                c.profile().caller_id_number.clone(),
                c.profile().destination_number.clone(),
            )
        });
        assert!(!number.is_empty() && !destination.is_empty());
        assert_eq!(
            vars.expand("${caller_id_number}>${destination_number} ${uuid}"),
            format!("{number}>{destination} {}", channel.id().as_str())
        );
        // A channel variable of the same name wins.
        channel.set_variable("caller_id_number", "override");
        assert_eq!(vars.expand("${caller_id_number}"), "override");
    }

    #[test]
    fn hash_and_db_read_the_channel_s_tenant_only() {
        let (switch, _dirs) = test_switch();
        let channel = live_inbound(&switch);
        switch.hash.insert(channel.tenant(), "r", "k", "mine");
        switch.hash.insert("other.test", "r", "k", "theirs");
        switch
            .hash
            .insert(crate::kv::ADMIN_TENANT, "r", "k", "admin");
        let vars = ChannelVariables::new(&switch, &channel);
        assert_eq!(vars.expand("${hash(select/r/k)}"), "mine");
        assert_eq!(vars.expand("${hash(@other.test select/r/k)}"), "");
        assert_eq!(vars.expand("${db select/r/k}"), "");
        let only = ChannelVariables::globals_only(&switch);
        assert_eq!(only.expand("${hash(select/r/k)}"), "admin");
    }

    #[test]
    fn self_calling_expansion_stops() {
        let (switch, _dirs) = test_switch();
        switch.globals.set("loop", "expand expand $${loop}");
        let vars = ChannelVariables::globals_only(&switch);
        // Each level expands to a call of the next; the limit ends it.
        let out = vars.expand("${expand $${loop}}");
        assert!(out.len() < 1000, "{out}");
        assert_eq!(NESTED_CALLS.with(Cell::get), 0, "the depth is given back");
    }
}
