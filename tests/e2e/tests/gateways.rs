//! Gateways (trunks) and DIDs against SIPp playing the provider: the
//! switch registers a gateway with digest credentials and keeps the
//! registration alive; a call dialled out through a gateway answers its
//! challenge; a call from the gateway to a DID lands in the DID's tenant
//! (and a number that is no DID gets 404).

use std::fs;

use switchyard_e2e::ports::free_tcp_port;
use switchyard_e2e::{Switch, SwitchOptions, TempDir, calls, sipp};

const MD5_ONLY: &str = "<switchyard><settings><param name=\"sip-digest-algorithms\" value=\"MD5\"/></settings></switchyard>";

const DIALPLAN: &str = r#"<include>
  <context name="acme.test">
    <extension name="out">
      <condition field="destination_number" expression="^9(\d+)$">
        <action application="bridge" data="sofia/gateway/carrier/$1"/>
      </condition>
    </extension>
  </context>
  <context name="shop.test">
    <extension name="main-number">
      <condition field="destination_number" expression="^15557654321$">
        <action application="bridge" data="user/2001@${domain_name}"/>
      </condition>
    </extension>
  </context>
</include>
"#;

fn switch_with_tenants() -> Switch {
    let switch = Switch::start(SwitchOptions {
        conf_xml: Some(MD5_ONLY.into()),
        ..SwitchOptions::default()
    });
    fs::create_dir_all(switch.conf_dir().join("dialplan")).expect("dialplan dir");
    fs::write(switch.conf_dir().join("dialplan/tenants.xml"), DIALPLAN).expect("dialplan");
    for command in [
        "reloadxml",
        "tenant add acme.test",
        "user add 1001@acme.test s3cret",
        "tenant add shop.test",
        "user add 2001@shop.test pw21",
    ] {
        let out = switch.cli_x(command);
        assert_eq!(out.code(), Some(0), "{command}: {out}");
    }
    switch
}

/// `gateway add` with register=true against SIPp as the provider's
/// registrar over `transport` (SIPp's `-t`): it challenges, checks the
/// credentials with `verifyauth`, grants 4 s and requires the refresh.
fn registers_and_refreshes_over(transport: &str, option: &str) {
    let switch = switch_with_tenants();
    let dir = TempDir::new(&format!("gw-register-{transport}"));
    let port = free_tcp_port();
    let registrar = calls::listening_peer(
        &dir,
        port,
        Some("gateway_registrar.xml"),
        &["-t", transport],
    );
    let added = switch.cli_x(&format!(
        "gateway add carrier 127.0.0.1:{port} gwuser gwpass register=true expires=600{option}"
    ));
    assert_eq!(added.code(), Some(0), "{added}");
    // The registrar grants 4 s: the refresh comes about 2 s later, on the
    // same Call-ID, with valid credentials, or the scenario fails.
    let registrar = registrar.join().expect("registrar");
    assert_eq!(registrar.code(), Some(0), "{registrar}\n{}", switch.log());
    let listed = switch.cli_x("gateway list");
    assert!(listed.stdout.contains("REGED"), "{listed}");
    assert!(!listed.stdout.contains("gwpass"), "{listed}");
}

#[test]
fn a_gateway_registers_with_digest_credentials_and_refreshes() {
    registers_and_refreshes_over("u1", "");
}

#[test]
fn a_tcp_gateway_registers_over_a_connection_the_switch_opens() {
    registers_and_refreshes_over("t1", " transport=tcp");
}

#[test]
fn calls_go_out_through_a_gateway_and_come_in_to_a_did() {
    let switch = switch_with_tenants();
    let dir = TempDir::new("gw-calls");
    let carrier_port = free_tcp_port();
    let added = switch.cli_x(&format!(
        "gateway add carrier 127.0.0.1:{carrier_port} gwuser gwpass"
    ));
    assert_eq!(added.code(), Some(0), "{added}");
    let did = switch.cli_x("did add 15557654321 shop.test");
    assert_eq!(did.code(), Some(0), "{did}");

    // Out: 1001@acme.test dials 9 5551234; the carrier challenges the
    // INVITE and takes it only with the gateway's credentials.
    let carrier = calls::listening_peer(&dir, carrier_port, Some("gateway_carrier_uas.xml"), &[]);
    let caller = calls::call(
        &switch,
        &dir,
        ("1001", "s3cret", "acme.test"),
        "95551234",
        "call_auth_uac.xml",
        &[],
    );
    assert_eq!(caller.code(), Some(0), "caller: {caller}\n{}", switch.log());
    let carrier = carrier.join().expect("carrier");
    assert_eq!(
        carrier.code(),
        Some(0),
        "carrier: {carrier}\n{}",
        switch.log()
    );

    // In: the carrier (from its own address) calls the DID, which lands in
    // shop.test and rings 2001 there.
    let callee = calls::registered_callee(&switch, &dir, ("2001", "pw21", "shop.test"), None);
    let port = carrier_port.to_string();
    let inbound = sipp::run(
        dir.path(),
        switch.sip_port(),
        &sipp::scenario("gateway_inbound_uac.xml"),
        1,
        &["-s", "15557654321", "-p", &port],
    );
    assert_eq!(
        inbound.code(),
        Some(0),
        "inbound: {inbound}\n{}",
        switch.log()
    );
    assert_eq!(callee.join().expect("2001").code(), Some(0));

    // A number that is no DID: 404.
    let _ = sipp::run(
        dir.path(),
        switch.sip_port(),
        &sipp::scenario("gateway_inbound_uac.xml"),
        1,
        &["-s", "15550000000", "-p", &port, "-timeout", "3s"],
    );
    let unexpected = calls::unexpected_messages(&dir);
    assert!(unexpected.contains("SIP/2.0 404 "), "{unexpected}");

    let rows = calls::cdrs(
        &switch,
        "direction,domain,destination_number,gateway,hangup_cause,bridged",
    );
    for row in [
        "inbound|acme.test|95551234|None|NORMAL_CLEARING|1",
        "outbound|acme.test|5551234|carrier|NORMAL_CLEARING|1",
        "inbound|shop.test|15557654321|carrier|NORMAL_CLEARING|1",
        "outbound|shop.test|2001|None|NORMAL_CLEARING|1",
    ] {
        assert!(rows.contains(&row.to_owned()), "{row} not in {rows:?}");
    }
    calls::assert_no_call_left(&switch);
    let status = switch.cli_x("sofia status");
    assert!(status.stdout.contains("carrier "), "{status}");
}
