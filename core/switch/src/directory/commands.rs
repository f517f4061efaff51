//! Provisioning API commands: `tenant add|del|list` and
//! `user add|del|list|passwd`, from the console or the event socket. They
//! write the store directly, so they take effect at once.

use super::{
    UserSettings, add_tenant, add_user, delete_tenant, delete_user, list_tenants, list_users,
    set_password,
};
use crate::api::ApiHandler;
use crate::registry::{CORE_OWNER, Entry, RegisterError};
use crate::switch::Switch;
use std::fmt::Write as _;
use std::sync::Arc;

const TENANT_USAGE: &str = "tenant add <domain> | tenant del <domain> [force] | tenant list";
const USER_USAGE: &str = "user add <ext>@<domain> <password> [name=value ...] | user del <ext>@<domain> | user passwd <ext>@<domain> <password> | user list [<domain>]";

/// Registers `tenant` and `user`.
pub fn register_all(switch: &Switch) -> Result<(), RegisterError> {
    let tenant: ApiHandler = Box::new(tenant);
    let user: ApiHandler = Box::new(user);
    switch.api.register(Entry::new(
        "tenant",
        "Add or delete or list tenants (SIP domains)",
        TENANT_USAGE,
        CORE_OWNER,
        tenant,
    ))?;
    switch.api.register(Entry::new(
        "user",
        "Add or delete or list users or change a password",
        USER_USAGE,
        CORE_OWNER,
        user,
    ))
}

/// Splits arguments like a shell: `caller_id_name="Alice Smith"` is one word.
fn words(args: &str) -> Result<Vec<String>, String> {
    shlex::split(args).ok_or_else(|| "unbalanced quotes in the arguments".to_owned())
}

fn tenant(switch: &Arc<Switch>, args: &str) -> String {
    let words = match words(args) {
        Ok(words) => words,
        Err(e) => return format!("-ERR {e}\n"),
    };
    let words: Vec<&str> = words.iter().map(String::as_str).collect();
    let store = &switch.store;
    match words.as_slice() {
        ["add", domain] => match add_tenant(store, domain) {
            Ok(domain) => format!("+OK tenant {domain} added\n"),
            Err(e) => format!("-ERR {e}\n"),
        },
        ["del", domain] | ["del", domain, "force"] => {
            match delete_tenant(store, domain, words.len() == 3) {
                Ok(0) => format!("+OK tenant {domain} deleted\n"),
                Ok(users) => format!("+OK tenant {domain} deleted with its {users} user(s)\n"),
                Err(e) => format!("-ERR {e}\n"),
            }
        }
        ["list"] => match list_tenants(store) {
            Ok(tenants) => {
                let mut out = String::from("domain,users,created_at\n");
                for t in &tenants {
                    let _ = writeln!(out, "{},{},{}", t.domain, t.users, t.created_at);
                }
                let _ = write!(out, "\n{} total.\n", tenants.len());
                out
            }
            Err(e) => format!("-ERR {e}\n"),
        },
        _ => format!("-USAGE: {TENANT_USAGE}\n"),
    }
}

fn user(switch: &Arc<Switch>, args: &str) -> String {
    let words = match words(args) {
        Ok(words) => words,
        Err(e) => return format!("-ERR {e}\n"),
    };
    let words: Vec<&str> = words.iter().map(String::as_str).collect();
    let store = &switch.store;
    match words.as_slice() {
        ["add", who, password, settings @ ..] => {
            let settings = match UserSettings::from_assignments(settings.iter().copied()) {
                Ok(settings) => settings,
                Err(e) => return format!("-ERR {e}\n"),
            };
            match add_user(store, who, password, settings) {
                Ok(user) => format!("+OK user {}@{} added\n", user.extension, user.domain),
                Err(e) => format!("-ERR {e}\n"),
            }
        }
        ["del", who] => match delete_user(store, who) {
            Ok(()) => format!("+OK user {who} deleted\n"),
            Err(e) => format!("-ERR {e}\n"),
        },
        ["passwd", who, password] => match set_password(store, who, password) {
            Ok(()) => format!("+OK password of {who} changed\n"),
            Err(e) => format!("-ERR {e}\n"),
        },
        ["list"] | ["list", _] => match list_users(store, words.get(1).copied()) {
            Ok(users) => {
                let mut out = String::from(
                    "user,domain,caller_id_name,caller_id_number,max_calls,variables\n",
                );
                for u in &users {
                    let variables: Vec<String> = u
                        .variables
                        .iter()
                        .map(|(k, v)| format!("{k}={v}"))
                        .collect();
                    let _ = writeln!(
                        out,
                        "{},{},{},{},{},{}",
                        u.extension,
                        u.domain,
                        u.caller_id_name.replace(',', " "),
                        u.caller_id_number,
                        u.max_calls,
                        variables.join(" ").replace(',', " ")
                    );
                }
                let _ = write!(out, "\n{} total.\n", users.len());
                out
            }
            Err(e) => format!("-ERR {e}\n"),
        },
        _ => format!("-USAGE: {USER_USAGE}\n"),
    }
}

#[cfg(test)]
mod tests {
    use crate::switch::test_switch;

    #[test]
    fn provisioning_round_trip_through_the_api() {
        let (switch, _dirs) = test_switch();
        let run = |line: &str| switch.api_execute(line);
        assert_eq!(run("tenant add acme.test"), "+OK tenant acme.test added\n");
        assert_eq!(
            run("user add 1001@acme.test pw caller_id_name=\"Alice Smith\" max_calls=2"),
            "+OK user 1001@acme.test added\n"
        );
        let users = run("user list acme.test");
        assert!(
            users.contains("\n1001,acme.test,Alice Smith,1001,2,\n"),
            "{users}"
        );
        assert!(users.ends_with("\n1 total.\n"));
        assert!(run("tenant list").contains("\nacme.test,1,"));
        assert!(
            run("tenant del acme.test").starts_with("-ERR tenant acme.test still has 1 user(s)")
        );
        assert_eq!(
            run("user passwd 1001@acme.test new"),
            "+OK password of 1001@acme.test changed\n"
        );
        assert_eq!(
            run("user del 1001@acme.test"),
            "+OK user 1001@acme.test deleted\n"
        );
        assert_eq!(
            run("tenant del acme.test"),
            "+OK tenant acme.test deleted\n"
        );
        assert!(
            run("user add 1@nowhere.test pw").starts_with("-ERR there is no tenant nowhere.test")
        );
        assert!(run("user frob").starts_with("-USAGE"));
        assert!(run("user add 1@a.test \"unbalanced").starts_with("-ERR unbalanced quotes"));
    }
}
