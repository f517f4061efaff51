//! Two baresip phones register through the switch and one calls the other:
//! the audio each sends (a sequence of three tones) arrives at the other
//! in order, decoded from its recording. Media is not anchored yet: the
//! switch carries the SDP, the RTP flows between the phones.

use std::time::{Duration, Instant};

use switchyard_e2e::audio::{dominant_tones, read_wav, tone_sequence, write_tones};
use switchyard_e2e::baresip::Baresip;
use switchyard_e2e::{Switch, SwitchOptions, TempDir};

const DIALPLAN: &str = r#"<include>
  <context name="acme.test">
    <extension name="local">
      <condition field="destination_number" expression="^(10\d\d)$">
        <action application="bridge" data="user/$1@${domain_name}"/>
      </condition>
    </extension>
  </context>
</include>
"#;

/// libre 1.1 (baresip 1.0) answers only MD5 challenges.
const MD5_ONLY: &str = "<switchyard><settings><param name=\"sip-digest-algorithms\" value=\"MD5\"/></settings></switchyard>";

const TONES: [f64; 3] = [400.0, 800.0, 1200.0];

#[test]
fn baresip_calls_baresip_and_audio_flows_both_ways() {
    let switch = Switch::start(SwitchOptions {
        conf_xml: Some(MD5_ONLY.into()),
        ..SwitchOptions::default()
    });
    std::fs::create_dir_all(switch.conf_dir().join("dialplan")).expect("dialplan dir");
    std::fs::write(switch.conf_dir().join("dialplan/acme.xml"), DIALPLAN).expect("dialplan");
    for command in [
        "reloadxml",
        "tenant add acme.test",
        "user add 1001@acme.test s3cret",
        "user add 1002@acme.test pw2",
    ] {
        assert_eq!(switch.cli_x(command).code(), Some(0), "{command}");
    }
    let dir = TempDir::new("baresip");
    let source = dir.path().join("tones.wav");
    // 1 s of each tone, then silence long enough that the file outlasts the call.
    write_tones(
        &source,
        &[
            (TONES[0], 1.0),
            (TONES[1], 1.0),
            (TONES[2], 1.0),
            (0.0, 10.0),
        ],
    );
    let a = Baresip::start(
        &dir.subdir("a"),
        "1001",
        "acme.test",
        "s3cret",
        switch.sip_port(),
        &source,
    );
    let b = Baresip::start(
        &dir.subdir("b"),
        "1002",
        "acme.test",
        "pw2",
        switch.sip_port(),
        &source,
    );

    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let listed = switch.cli_x("show registrations").stdout;
        if listed.ends_with("\n2 total.\n") {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "both phones should register: {listed}\n{}\n{}",
            a.log(),
            b.log()
        );
        std::thread::sleep(Duration::from_millis(200));
    }

    let dialled = a.command("dial", "sip:1002@acme.test");
    assert!(dialled.contains("\"ok\":true"), "dial: {dialled}");
    // Wait until the call is up (a recording appears at the callee), then
    // let the three tones play out (3 s) with margin, then hang up.
    let deadline = Instant::now() + Duration::from_secs(15);
    while b.received_recording().is_none() {
        assert!(
            Instant::now() < deadline,
            "the call was never established\n{}\n{}\n{}",
            a.log(),
            b.log(),
            switch.log()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_secs(5));
    let _ = a.command("hangup", "");
    std::thread::sleep(Duration::from_millis(500));

    for (phone, name) in [(&b, "1002 (from 1001)"), (&a, "1001 (from 1002)")] {
        let recording = phone
            .received_recording()
            .unwrap_or_else(|| panic!("{name}: no recording\n{}\n{}", phone.log(), switch.log()));
        let (rate, samples) = read_wav(&recording);
        let sequence = tone_sequence(&dominant_tones(&samples, rate, &TONES));
        assert_eq!(
            sequence,
            TONES.to_vec(),
            "{name}: the tones that arrived, in order\n{}",
            phone.log()
        );
    }
    drop(a);
    drop(b);
}
