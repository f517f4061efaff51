//! `show channels` and `show calls`, as pure functions of a snapshot of the
//! registry ([`super::ChannelRegistry::list`]), in FreeSWITCH's shape: CSV
//! with a header line, a blank line and `N total.`, or with `as json`
//! `{"row_count": N, "rows": [{column: value, …}]}`.
//!
//! Columns of `show channels` ([`CHANNEL_COLUMNS`]): FreeSWITCH's, minus
//! the codec and presence-data columns, which this switch does not track
//! yet, plus `domain` (the owning tenant) at the end. `created` is local
//! time `YYYY-MM-DD hh:mm:ss`, `created_epoch` Unix seconds; `state` is
//! `CS_*`, `callstate` `DOWN|RINGING|EARLY|ACTIVE|HANGUP`; `presence_id`,
//! `accountcode` and `secure` come from the channel variables of those
//! names; `dialplan` is always `XML`.
//!
//! `show calls` ([`CALL_COLUMNS`]) has one row per call: an A leg with the
//! leg it is bridged to, or, while it is not bridged, each leg placed on its
//! behalf (one row per ringing fork, as FreeSWITCH's `basic_calls` join
//! gives); the B leg's columns are prefixed `b_` and empty for a leg with
//! no partner. `call_created_epoch` is when the legs were bridged.
//!
//! Both take a tenant filter: `Some(domain)` shows only that tenant's legs —
//! and pairs a tenant's A leg only with B legs of the same tenant, so a
//! cross-tenant route reveals nothing of the other side.

use super::{Channel, epoch_micros, local_stamp};
use crate::api::table;
use std::collections::HashMap;

/// Columns of `show channels`.
pub const CHANNEL_COLUMNS: [&str; 23] = [
    "uuid",
    "direction",
    "created",
    "created_epoch",
    "name",
    "state",
    "cid_name",
    "cid_num",
    "ip_addr",
    "dest",
    "application",
    "application_data",
    "dialplan",
    "context",
    "secure",
    "hostname",
    "presence_id",
    "accountcode",
    "callstate",
    "callee_name",
    "callee_num",
    "call_uuid",
    "domain",
];

/// Columns of `show calls`.
pub const CALL_COLUMNS: [&str; 34] = [
    "uuid",
    "direction",
    "created",
    "created_epoch",
    "name",
    "state",
    "cid_name",
    "cid_num",
    "ip_addr",
    "dest",
    "presence_id",
    "accountcode",
    "callstate",
    "callee_name",
    "callee_num",
    "call_uuid",
    "hostname",
    "b_uuid",
    "b_direction",
    "b_created",
    "b_created_epoch",
    "b_name",
    "b_state",
    "b_cid_name",
    "b_cid_num",
    "b_ip_addr",
    "b_dest",
    "b_presence_id",
    "b_accountcode",
    "b_callstate",
    "b_callee_name",
    "b_callee_num",
    "call_created_epoch",
    "domain",
];

/// `show channels [as json]` for the legs of `snapshot` that `tenant` may
/// see (`None`: all), on the switch named `hostname`.
pub fn channels_table(
    snapshot: &[Channel],
    tenant: Option<&str>,
    hostname: &str,
    json: bool,
) -> String {
    let rows = visible(snapshot, tenant)
        .map(|c| {
            let p = c.profile();
            let (app, data) = c.application().unwrap_or(("", ""));
            vec![
                c.id().to_string(),
                c.direction().as_str().to_owned(),
                local_stamp(c.times().created),
                created_epoch(c),
                c.name().to_owned(),
                c.state().name().to_owned(),
                p.caller_id_name.clone(),
                p.caller_id_number.clone(),
                p.network_addr.clone(),
                p.destination_number.clone(),
                app.to_owned(),
                data.to_owned(),
                "XML".to_owned(),
                p.context.clone(),
                var(c, "secure"),
                hostname.to_owned(),
                var(c, "presence_id"),
                var(c, "accountcode"),
                c.call_state().name().to_owned(),
                p.callee_id_name.clone(),
                p.callee_id_number.clone(),
                c.call_uuid().to_string(),
                c.tenant().to_owned(),
            ]
        })
        .collect();
    table(&CHANNEL_COLUMNS, rows, json)
}

/// `show calls [as json]` for the legs of `snapshot` that `tenant` may see
/// (`None`: all), on the switch named `hostname`.
pub fn calls_table(
    snapshot: &[Channel],
    tenant: Option<&str>,
    hostname: &str,
    json: bool,
) -> String {
    let legs: Vec<&Channel> = visible(snapshot, tenant).collect();
    let by_id: HashMap<&str, &Channel> = legs.iter().map(|c| (c.id().as_str(), *c)).collect();
    let is_b_side = |c: &Channel| match c.bridge() {
        Some(link) => !link.originator && by_id.contains_key(link.other.as_str()),
        None => c
            .originator()
            .is_some_and(|o| *o != *c.id() && by_id.contains_key(o.as_str())),
    };
    let mut rows = Vec::new();
    for a in legs.iter().filter(|c| !is_b_side(c)) {
        let partners: Vec<&Channel> = match a.bridge() {
            Some(link) => by_id
                .get(link.other.as_str())
                .copied()
                .into_iter()
                .collect(),
            None => legs
                .iter()
                .filter(|b| {
                    b.id() != a.id() && b.bridge().is_none() && b.originator() == Some(a.id())
                })
                .copied()
                .collect(),
        };
        if partners.is_empty() {
            rows.push(call_row(a, None, hostname));
        }
        for b in partners {
            rows.push(call_row(a, Some(b), hostname));
        }
    }
    table(&CALL_COLUMNS, rows, json)
}

/// The columns `show calls` has for each leg.
fn leg_cells(c: &Channel) -> [String; 15] {
    let p = c.profile();
    [
        c.id().to_string(),
        c.direction().as_str().to_owned(),
        local_stamp(c.times().created),
        created_epoch(c),
        c.name().to_owned(),
        c.state().name().to_owned(),
        p.caller_id_name.clone(),
        p.caller_id_number.clone(),
        p.network_addr.clone(),
        p.destination_number.clone(),
        var(c, "presence_id"),
        var(c, "accountcode"),
        c.call_state().name().to_owned(),
        p.callee_id_name.clone(),
        p.callee_id_number.clone(),
    ]
}

fn call_row(a: &Channel, b: Option<&Channel>, hostname: &str) -> Vec<String> {
    let mut row = leg_cells(a).to_vec();
    row.push(a.call_uuid().to_string());
    row.push(hostname.to_owned());
    match b {
        Some(b) => row.extend(leg_cells(b)),
        None => row.extend(std::iter::repeat_n(String::new(), 15)),
    }
    let bridged = a
        .bridge()
        .and(a.times().bridged)
        .map(|t| (epoch_micros(t) / 1_000_000).to_string())
        .unwrap_or_default();
    row.push(bridged);
    row.push(a.tenant().to_owned());
    row
}

fn visible<'a>(
    snapshot: &'a [Channel],
    tenant: Option<&'a str>,
) -> impl Iterator<Item = &'a Channel> + 'a {
    snapshot
        .iter()
        .filter(move |c| tenant.is_none_or(|t| c.tenant().eq_ignore_ascii_case(t)))
}

fn created_epoch(c: &Channel) -> String {
    (epoch_micros(c.times().created) / 1_000_000).to_string()
}

fn var(c: &Channel, name: &str) -> String {
    c.variable(name).unwrap_or_default().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::channel::ChannelState;
    use crate::channel::test_support::{BASE_SECS, Harness, inbound, outbound};

    #[test]
    fn show_channels_as_csv() {
        let h = Harness::new();
        let a = h.create(inbound("acme.test", "1001", "1002"));
        a.set_state(&h.bus, ChannelState::Execute).unwrap();
        a.set_application(Some(("bridge", "user/1002@acme.test")));
        a.set_variable("accountcode", "ACME, Inc.");
        a.answer(&h.bus).unwrap();
        let out = channels_table(&h.registry.list(None), None, "sw1", false);
        let created = local_stamp(h.registry.now());
        assert_eq!(
            out,
            format!(
                "{}\n{},inbound,{created},{BASE_SECS},sofia/internal/1001@acme.test,CS_EXECUTE,\
                 Ext 1001,1001,192.0.2.7,1002,bridge,user/1002@acme.test,XML,acme.test,,sw1,,\
                 ACME  Inc.,ACTIVE,,,{},acme.test\n\n1 total.\n",
                CHANNEL_COLUMNS.join(","),
                a.id(),
                a.id()
            )
        );
    }

    #[test]
    fn show_channels_as_json_and_per_tenant() {
        let h = Harness::new();
        let a = h.create(inbound("acme.test", "1001", "1002"));
        let b = h.create(inbound("bravo.test", "2001", "2002"));
        let snapshot = h.registry.list(None);
        let json: serde_json::Value =
            serde_json::from_str(&channels_table(&snapshot, None, "sw1", true)).unwrap();
        assert_eq!(json["row_count"], 2);
        assert_eq!(json["rows"][0]["uuid"], a.id().as_str());
        assert_eq!(json["rows"][0]["callstate"], "DOWN");
        assert_eq!(json["rows"][0]["state"], "CS_INIT");
        assert_eq!(json["rows"][1]["domain"], "bravo.test");
        assert_eq!(
            json["rows"][0].as_object().unwrap().len(),
            CHANNEL_COLUMNS.len()
        );

        let acme = channels_table(&snapshot, Some("acme.test"), "sw1", false);
        assert!(acme.contains(a.id().as_str()));
        assert!(!acme.contains(b.id().as_str()));
        assert!(!acme.contains("bravo"));
        assert!(acme.ends_with("\n1 total.\n"));
        let none = channels_table(&snapshot, Some("charlie.test"), "sw1", true);
        assert_eq!(none, "{\"row_count\":0,\"rows\":[]}\n");
    }

    #[test]
    fn show_calls_pairs_legs_and_respects_tenants() {
        let h = Harness::new();
        let a = h.create(inbound("acme.test", "1001", "1002"));
        // Two forks ringing for A.
        let mut f1 = outbound("acme.test", "1002");
        f1.originator = Some(a.id().clone());
        let f1 = h.create(f1);
        let mut f2 = outbound("acme.test", "1002");
        f2.originator = Some(a.id().clone());
        let f2 = h.create(f2);
        // A lone leg of another tenant.
        let z = h.create(inbound("bravo.test", "2001", "2002"));

        let json = |tenant| -> serde_json::Value {
            serde_json::from_str(&calls_table(&h.registry.list(None), tenant, "sw1", true)).unwrap()
        };
        let ringing = json(None);
        assert_eq!(ringing["row_count"], 3);
        assert_eq!(ringing["rows"][0]["uuid"], a.id().as_str());
        assert_eq!(ringing["rows"][0]["b_uuid"], f1.id().as_str());
        assert_eq!(ringing["rows"][1]["b_uuid"], f2.id().as_str());
        assert_eq!(ringing["rows"][2]["uuid"], z.id().as_str());
        assert_eq!(ringing["rows"][2]["b_uuid"], "");
        assert_eq!(ringing["rows"][0]["call_created_epoch"], "");

        h.set_offset_micros(5_000_000);
        h.registry
            .bridge(&h.bus, a.id().as_str(), f2.id().as_str())
            .unwrap();
        let bridged = json(Some("acme.test"));
        assert_eq!(bridged["row_count"], 1, "{bridged}");
        assert_eq!(bridged["rows"][0]["b_uuid"], f2.id().as_str());
        assert_eq!(bridged["rows"][0]["b_state"], "CS_EXCHANGE_MEDIA");
        assert_eq!(
            bridged["rows"][0]["call_created_epoch"],
            (BASE_SECS + 5).to_string()
        );
        assert_eq!(json(Some("bravo.test"))["row_count"], 1);

        // A cross-tenant bridge: each tenant sees only its own leg.
        let y = h.create(outbound("acme.test", "2002"));
        h.registry
            .bridge(&h.bus, z.id().as_str(), y.id().as_str())
            .unwrap();
        let acme_view = calls_table(&h.registry.list(None), Some("acme.test"), "sw1", false);
        assert!(!acme_view.contains("bravo"), "{acme_view}");
        let csv = calls_table(&h.registry.list(None), None, "sw1", false);
        assert!(csv.starts_with(&format!("{}\n", CALL_COLUMNS.join(","))));
        assert!(csv.ends_with("\n2 total.\n"), "{csv}");
    }
}
