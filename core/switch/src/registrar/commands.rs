//! What `show registrations` and `show bans` print: CSV with a header line,
//! a blank line and `N total.` as FreeSWITCH does, or JSON
//! (`{"row_count": N, "rows": [{column: value, ...}]}`) with `as json`.
//!
//! The `show` command itself belongs to the core commands; it calls
//! [`show_registrations`] and [`show_bans`].

use super::bindings::{self, Binding};
use crate::api::table;
use crate::bans::Ban;
use crate::switch::Switch;
use std::time::{Instant, SystemTime};

/// Columns of `show registrations`.
pub const REGISTRATION_COLUMNS: [&str; 7] = [
    "user",
    "domain",
    "contact",
    "expires_in",
    "network_addr",
    "transport",
    "user_agent",
];

/// Columns of `show bans`.
pub const BAN_COLUMNS: [&str; 3] = ["address", "remaining_secs", "failures"];

/// `show registrations [as json]`: every live binding of every tenant, now.
pub fn show_registrations(switch: &Switch, json: bool) -> String {
    let now = SystemTime::now();
    match bindings::list(&switch.store, None, now) {
        Ok(list) => registrations_table(&list, now, json),
        Err(e) => format!("-ERR the store failed: {e}\n"),
    }
}

/// `show bans [as json]`: the bans in force now, longest remaining first.
pub fn show_bans(switch: &Switch, json: bool) -> String {
    bans_table(&switch.bans.list(Instant::now()), json)
}

/// The `show registrations` table for `bindings` at `now` (use
/// [`bindings::list`] with a domain for a tenant's own view).
pub fn registrations_table(bindings: &[Binding], now: SystemTime, json: bool) -> String {
    let rows = bindings
        .iter()
        .map(|b| {
            vec![
                b.extension.clone(),
                b.domain.clone(),
                b.contact.clone(),
                b.expires_in(now).to_string(),
                b.network_addr.to_string(),
                b.transport.clone(),
                b.user_agent.clone(),
            ]
        })
        .collect();
    table(&REGISTRATION_COLUMNS, rows, json)
}

/// The `show bans` table for `bans`.
pub fn bans_table(bans: &[Ban], json: bool) -> String {
    let rows = bans
        .iter()
        .map(|b| {
            vec![
                b.address.to_string(),
                b.remaining.as_secs().to_string(),
                b.failures.to_string(),
            ]
        })
        .collect();
    table(&BAN_COLUMNS, rows, json)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::IpAddr;
    use std::time::{Duration, UNIX_EPOCH};

    fn binding() -> Binding {
        Binding {
            extension: "1001".into(),
            domain: "acme.test".into(),
            contact: "sip:1001@192.0.2.7:5062;transport=udp".into(),
            q: None,
            expires_at: 1_000_100,
            call_id: "c".into(),
            cseq: 1,
            network_addr: "192.0.2.7:5062".parse().unwrap(),
            transport: "udp".into(),
            user_agent: "Phone, v1".into(),
            created_at: 1_000_000,
            updated_at: 1_000_000,
        }
    }

    #[test]
    fn registrations_as_csv_and_json() {
        let now = UNIX_EPOCH + Duration::from_secs(1_000_040);
        let out = registrations_table(&[binding()], now, false);
        assert_eq!(
            out,
            "user,domain,contact,expires_in,network_addr,transport,user_agent\n\
             1001,acme.test,sip:1001@192.0.2.7:5062;transport=udp,60,192.0.2.7:5062,udp,Phone  v1\n\
             \n1 total.\n"
        );
        let json: serde_json::Value =
            serde_json::from_str(&registrations_table(&[binding()], now, true)).unwrap();
        assert_eq!(json["row_count"], 1);
        assert_eq!(json["rows"][0]["user_agent"], "Phone, v1");
        assert_eq!(json["rows"][0]["expires_in"], "60");
        assert_eq!(
            registrations_table(&[], now, false),
            "user,domain,contact,expires_in,network_addr,transport,user_agent\n\n0 total.\n"
        );
    }

    #[test]
    fn bans_as_csv_and_json() {
        let ban = Ban {
            address: IpAddr::from([203, 0, 113, 9]),
            remaining: Duration::from_millis(299_500),
            failures: 5,
        };
        assert_eq!(
            bans_table(std::slice::from_ref(&ban), false),
            "address,remaining_secs,failures\n203.0.113.9,299,5\n\n1 total.\n"
        );
        let json: serde_json::Value = serde_json::from_str(&bans_table(&[ban], true)).unwrap();
        assert_eq!(json["rows"][0]["address"], "203.0.113.9");
        assert_eq!(json["rows"][0]["failures"], "5");
    }
}
