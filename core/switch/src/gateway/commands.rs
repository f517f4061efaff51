//! Provisioning API commands: `gateway add|del|list` and `did add|del|list`.
//! They write the store directly and tell the registration engine, so they
//! take effect at once.

use super::names;
use super::options::GatewaySettings;
use super::store::{add_did, add_gateway, delete_did, delete_gateway, list_dids, list_gateways};
use crate::api::{ApiHandler, table};
use crate::registry::{CORE_OWNER, Entry, RegisterError};
use crate::switch::Switch;
use std::sync::Arc;
use std::time::Instant;

const GATEWAY_USAGE: &str = "gateway add <name> <proxy> [<username> <password>] [name=value ...] | gateway del <name> [force] | gateway list [as json]";
const DID_USAGE: &str = "did add <number> <domain> [<context>] [gateway=<name>] | did del <number> | did list [<domain>] [as json]";

/// The columns of `gateway list`.
pub const GATEWAY_COLUMNS: [&str; 9] = [
    "name",
    "proxy",
    "transport",
    "username",
    "register",
    "tenant",
    "state",
    "status",
    "expires_in",
];

/// The columns of `did list`.
pub const DID_COLUMNS: [&str; 5] = ["number", "domain", "context", "gateway", "created_at"];

/// Registers `gateway` and `did`.
pub fn register_all(switch: &Switch) -> Result<(), RegisterError> {
    let gateway: ApiHandler = Box::new(gateway);
    let did: ApiHandler = Box::new(did);
    switch.api.register(Entry::new(
        "gateway",
        "Add or delete or list gateways (trunks) and their registration state",
        GATEWAY_USAGE,
        CORE_OWNER,
        gateway,
    ))?;
    switch.api.register(Entry::new(
        "did",
        "Add or delete or list DIDs (numbers routed to a tenant)",
        DID_USAGE,
        CORE_OWNER,
        did,
    ))
}

/// Splits arguments like a shell: `password="a b"` is one word.
fn words(args: &str) -> Result<Vec<String>, String> {
    shlex::split(args).ok_or_else(|| "unbalanced quotes in the arguments".to_owned())
}

/// Removes a trailing `as json`; true if it was there.
fn take_json(words: &mut Vec<&str>) -> bool {
    let json = words.ends_with(&["as", "json"]);
    if json {
        words.truncate(words.len() - 2);
    }
    json
}

fn gateway(switch: &Arc<Switch>, args: &str) -> String {
    let words = match words(args) {
        Ok(words) => words,
        Err(e) => return format!("-ERR {e}\n"),
    };
    let mut words: Vec<&str> = words.iter().map(String::as_str).collect();
    let json = take_json(&mut words);
    let store = &switch.store;
    match words.as_slice() {
        ["add", name, proxy, rest @ ..] if !json => {
            let settings = match gateway_settings(rest) {
                Ok(settings) => settings,
                Err(e) => return format!("-ERR {e}\n"),
            };
            match add_gateway(store, name, proxy, settings) {
                Ok(gateway) => {
                    switch.gateways.changed();
                    format!("+OK gateway {} added\n", gateway.name)
                }
                Err(e) => format!("-ERR {e}\n"),
            }
        }
        ["del", name] | ["del", name, "force"] if !json => {
            match delete_gateway(store, name, words.len() == 3) {
                Ok(dids) => {
                    switch.gateways.changed();
                    let name = name.to_ascii_lowercase();
                    if dids == 0 {
                        format!("+OK gateway {name} deleted\n")
                    } else {
                        format!("+OK gateway {name} deleted with its {dids} DID(s)\n")
                    }
                }
                Err(e) => format!("-ERR {e}\n"),
            }
        }
        ["list"] => gateway_list(switch, json),
        _ => format!("-USAGE: {GATEWAY_USAGE}\n"),
    }
}

/// Reads `[<username> <password>] [name=value ...]`: the first word after
/// the proxy is a username when it has no `=`, and the next word is then
/// its password whatever it holds.
fn gateway_settings(rest: &[&str]) -> Result<GatewaySettings, String> {
    let (credentials, options) = match rest {
        [user, password, options @ ..] if !user.contains('=') => {
            (Some((*user, *password)), options)
        }
        [user] if !user.contains('=') => {
            return Err(format!("the username '{user}' needs a password after it"));
        }
        _ => (None, rest),
    };
    let mut settings = GatewaySettings::default();
    if let Some((user, password)) = credentials {
        if let Some(twice) = options.iter().find(|o| {
            let key = o.split('=').next().unwrap_or_default().to_ascii_lowercase();
            key == "username" || key == "password"
        }) {
            return Err(format!(
                "'{twice}': the username and password were given already"
            ));
        }
        settings.username = Some(names::username(user)?);
        settings.password = Some(names::password(password)?);
    }
    let settings = settings.with_assignments(options.iter().copied())?;
    settings.check()?;
    Ok(settings)
}

fn gateway_list(switch: &Switch, json: bool) -> String {
    let gateways = match list_gateways(&switch.store) {
        Ok(gateways) => gateways,
        Err(e) => return format!("-ERR {e}\n"),
    };
    let states = switch.gateways.snapshot();
    let now = Instant::now();
    let rows = gateways
        .into_iter()
        .map(|g| {
            let status = states.get(&g.name);
            let state = super::state::shown_state(status, g.register);
            let expires_in = status
                .and_then(|s| s.expires_at)
                .and_then(|at| at.checked_duration_since(now))
                .map(|left| left.as_secs().to_string())
                .unwrap_or_default();
            vec![
                g.name,
                g.proxy,
                g.transport.name().to_owned(),
                g.username.unwrap_or_default(),
                g.register.to_string(),
                g.tenant.unwrap_or_default(),
                state.name().to_owned(),
                status.map(|s| s.status_text()).unwrap_or_default(),
                expires_in,
            ]
        })
        .collect();
    table(&GATEWAY_COLUMNS, rows, json)
}

fn did(switch: &Arc<Switch>, args: &str) -> String {
    let words = match words(args) {
        Ok(words) => words,
        Err(e) => return format!("-ERR {e}\n"),
    };
    let mut words: Vec<&str> = words.iter().map(String::as_str).collect();
    let json = take_json(&mut words);
    let store = &switch.store;
    match words.as_slice() {
        ["add", number, domain, rest @ ..] if !json => {
            let (context, gateway) = match did_options(rest) {
                Ok(options) => options,
                Err(e) => return format!("-ERR {e}\n"),
            };
            match add_did(store, number, domain, context, gateway) {
                Ok(did) => format!(
                    "+OK DID {} added for {} in context {}\n",
                    did.number, did.domain, did.context
                ),
                Err(e) => format!("-ERR {e}\n"),
            }
        }
        ["del", number] if !json => match delete_did(store, number) {
            Ok(()) => format!("+OK DID {number} deleted\n"),
            Err(e) => format!("-ERR {e}\n"),
        },
        ["list"] | ["list", _] => match list_dids(store, words.get(1).copied()) {
            Ok(dids) => {
                let rows = dids
                    .into_iter()
                    .map(|d| {
                        vec![
                            d.number,
                            d.domain,
                            d.context,
                            d.gateway.unwrap_or_default(),
                            d.created_at,
                        ]
                    })
                    .collect();
                table(&DID_COLUMNS, rows, json)
            }
            Err(e) => format!("-ERR {e}\n"),
        },
        _ => format!("-USAGE: {DID_USAGE}\n"),
    }
}

/// Reads `[<context>] [gateway=<name>]`.
fn did_options<'a>(rest: &[&'a str]) -> Result<(Option<&'a str>, Option<&'a str>), String> {
    let mut context = None;
    let mut gateway = None;
    for word in rest {
        match word.split_once('=') {
            Some(("gateway", name)) if gateway.is_none() => gateway = Some(name),
            Some((key, _)) => {
                return Err(format!(
                    "unknown or repeated DID option '{key}' (known: gateway)"
                ));
            }
            None if context.is_none() => context = Some(*word),
            None => return Err(format!("'{word}': a DID has one context")),
        }
    }
    Ok((context, gateway))
}

#[cfg(test)]
mod tests {
    use crate::gateway::state::{GatewayStatus, RegState};
    use crate::switch::test_switch;
    use std::time::{Duration, Instant};

    #[test]
    fn gateways_round_trip_through_the_api() {
        let (switch, _dirs) = test_switch();
        let run = |line: &str| switch.api_execute(line);
        let before = switch.gateways.generation();
        assert_eq!(
            run(
                "gateway add Carrier sip.example.net:5080 acct \"p w=x\" register=true expires=600 retry=10 realm=sip.example from-domain=example.net transport=tcp caller-id-in-from=true"
            ),
            "+OK gateway carrier added\n"
        );
        assert!(switch.gateways.generation() > before, "the engine is told");
        assert_eq!(
            run("gateway add ipauth 192.0.2.1"),
            "+OK gateway ipauth added\n"
        );
        let list = run("gateway list");
        assert!(list.starts_with(
            "name,proxy,transport,username,register,tenant,state,status,expires_in\n"
        ));
        assert!(
            list.contains("\ncarrier,sip.example.net:5080,tcp,acct,true,,UNREGED,,\n"),
            "{list}"
        );
        assert!(
            list.contains("\nipauth,192.0.2.1,udp,,false,,NOREG,,\n"),
            "{list}"
        );
        assert!(list.ends_with("\n2 total.\n"));
        assert!(!list.contains("p w=x"), "the password is never printed");
        let now = Instant::now();
        switch.gateways.set(
            "carrier",
            GatewayStatus {
                state: RegState::Reged,
                code: Some(200),
                reason: "OK".into(),
                registered_at: Some(now),
                expires_at: Some(now + Duration::from_secs(600)),
                next_attempt: None,
                failures: 0,
            },
        );
        let json: serde_json::Value = serde_json::from_str(&run("gateway list as json")).unwrap();
        assert_eq!(json["row_count"], 2);
        let row = &json["rows"][0];
        assert_eq!(row["name"], "carrier");
        assert_eq!(row["state"], "REGED");
        assert_eq!(row["status"], "200 OK");
        let left: u64 = row["expires_in"].as_str().unwrap().parse().unwrap();
        assert!((595..=600).contains(&left), "{left}");
        assert!(!json.to_string().contains("p w=x"));
        assert_eq!(run("gateway del CARRIER"), "+OK gateway carrier deleted\n");
        assert!(run("gateway del carrier").starts_with("-ERR there is no gateway carrier"));
        assert!(run("gateway frob").starts_with("-USAGE"));
        assert!(run("gateway add").starts_with("-USAGE"));
    }

    #[test]
    fn gateway_add_refuses_bad_input() {
        let (switch, _dirs) = test_switch();
        let run = |line: &str| switch.api_execute(line);
        let err = run("gateway add gw x.net colour=red");
        assert!(
            err.starts_with("-ERR unknown gateway option 'colour'"),
            "{err}"
        );
        let err = run("gateway add gw x.net register=true");
        assert!(
            err.starts_with("-ERR register=true needs a username"),
            "{err}"
        );
        let err = run("gateway add gw x.net acct");
        assert!(
            err.starts_with("-ERR the username 'acct' needs a password"),
            "{err}"
        );
        let err = run("gateway add gw x.net username=acct");
        assert!(err.starts_with("-ERR a username needs a password"), "{err}");
        let err = run("gateway add gw x.net a b username=c");
        assert!(err.starts_with("-ERR 'username=c'"), "{err}");
        let err = run("gateway add gw x.net tenant=nowhere.test");
        assert_eq!(
            err,
            "-ERR tenant nowhere.test does not exist; add it with 'tenant add nowhere.test'\n"
        );
        assert!(run("gateway add gw sip:x.net").starts_with("-ERR 'sip:x.net' is not a proxy"));
        assert!(run("gateway add g/w x.net").starts_with("-ERR 'g/w' is not a gateway name"));
        assert!(run("gateway add gw x.net expires=10").starts_with("-ERR expires must be"));
        assert!(run("gateway add gw x.net transport=sctp").starts_with("-ERR transport must be"));
        assert!(run("gateway add gw x.net \"unbalanced").starts_with("-ERR unbalanced quotes"));
        assert_eq!(
            run("gateway add gw x.net username=acct password=pw register=true"),
            "+OK gateway gw added\n"
        );
        assert!(run("gateway add gw y.net").starts_with("-ERR gateway gw exists already"));
        assert!(run("gateway list").ends_with("\n1 total.\n"));
    }

    #[test]
    fn dids_round_trip_through_the_api() {
        let (switch, _dirs) = test_switch();
        let run = |line: &str| switch.api_execute(line);
        assert_eq!(run("tenant add acme.test"), "+OK tenant acme.test added\n");
        assert_eq!(
            run("did add +15551230000 nowhere.test"),
            "-ERR tenant nowhere.test does not exist; add it with 'tenant add nowhere.test'\n"
        );
        assert_eq!(
            run("did add +15551230000 acme.test"),
            "+OK DID +15551230000 added for acme.test in context acme.test\n"
        );
        assert!(run("did add +15551230000 acme.test").starts_with("-ERR DID +15551230000 exists"));
        assert!(
            run("did add 200 acme.test public gateway=nope")
                .starts_with("-ERR there is no gateway nope")
        );
        assert_eq!(
            run("gateway add trunk 192.0.2.1 tenant=acme.test"),
            "+OK gateway trunk added\n"
        );
        assert_eq!(
            run("did add 200 acme.test public gateway=trunk"),
            "+OK DID 200 added for acme.test in context public\n"
        );
        assert!(
            run("did add 300 acme.test colour=red")
                .starts_with("-ERR unknown or repeated DID option 'colour'")
        );
        assert!(run("did add 300 acme.test a b").starts_with("-ERR 'b': a DID has one context"));
        assert!(run("did add 12-34 acme.test").starts_with("-ERR '12-34' is not a DID number"));
        let list = run("did list acme.test");
        assert!(list.starts_with("number,domain,context,gateway,created_at\n"));
        assert!(
            list.contains("\n+15551230000,acme.test,acme.test,,"),
            "{list}"
        );
        assert!(list.contains("\n200,acme.test,public,trunk,"), "{list}");
        assert!(list.ends_with("\n2 total.\n"));
        let json: serde_json::Value = serde_json::from_str(&run("did list as json")).unwrap();
        assert_eq!(json["row_count"], 2);
        assert!(run("gateway del trunk").starts_with("-ERR gateway trunk still has 1 DID(s)"));
        assert_eq!(
            run("gateway del trunk force"),
            "+OK gateway trunk deleted with its 1 DID(s)\n"
        );
        assert_eq!(
            run("did del +15551230000"),
            "+OK DID +15551230000 deleted\n"
        );
        assert!(run("did del +15551230000").starts_with("-ERR there is no DID"));
        assert!(run("did list").ends_with("\n0 total.\n"));
        assert!(run("did frob").starts_with("-USAGE"));
    }
}
