//! Media through the switch with real peers: baresip phones (Debian
//! `baresip-core`) and SIPp (`sip-tester`). The switch answers calls
//! itself (`echo`, `playback`, `record`), carries bridged calls' RTP
//! (untouched when the legs' codecs match, transcoded when not), and hears
//! DTMF by RFC 4733, SIP INFO and in-band tones, each reported once per
//! press as a `DTMF` event over ESL.
//!
//! Audio is checked by decoding what arrived and cross-correlating it with
//! what was sent (`switchyard_e2e::audio`), overall and second by second.
//! The test signal is speech-like (gliding harmonics in syllables). Measured
//! on these machines: G.711 end to end scores 0.9999; a path through the
//! switch's Opus encoder (SILK, which models speech rather than copying
//! the waveform) 0.90–0.92 overall and every second above 0.89; an
//! unrelated signal 0.01; a second that went missing 0.12 for that second
//! (0.87 overall). So G.711 paths must score above 0.99, Opus paths above
//! 0.85 overall with no second below 0.8: both pass clean paths and fail
//! lost, garbled or silent audio.

use std::fs;
use std::path::Path;
use std::time::{Duration, Instant};

use switchyard_e2e::audio::{compare_audio, write_test_signal};
use switchyard_e2e::baresip::{Baresip, BaresipOptions};
use switchyard_e2e::pcap::{DtmfTiming, inband_dtmf_packets, rfc4733_packets, write_rtp_pcap};
use switchyard_e2e::{Switch, SwitchOptions, TempDir, calls, sipp};

/// libre 1.1 (baresip 1.0) answers only MD5 challenges.
const MD5_ONLY: &str = "<switchyard><settings><param name=\"sip-digest-algorithms\" value=\"MD5\"/></settings></switchyard>";

/// The lowest correlation accepted between what was sent and what came
/// back over G.711 only (see the module documentation).
const MATCH: f64 = 0.99;

/// The lowest overall correlation accepted on a path through Opus.
const OPUS_MATCH: f64 = 0.85;

/// The lowest correlation of any one second on a path through Opus.
const OPUS_SECOND: f64 = 0.8;

/// Asserts that `matched` passes for a path through `codecs`.
fn assert_matches(matched: &switchyard_e2e::audio::AudioMatch, opus: bool, what: &str, log: &str) {
    let (overall, second) = if opus {
        (OPUS_MATCH, OPUS_SECOND)
    } else {
        (MATCH, MATCH)
    };
    assert!(
        matched.correlation > overall && matched.worst_segment().is_some_and(|w| w > second),
        "{what}: {matched:?}\n{log}"
    );
}

fn dialplan(recordings: &Path, sounds: &Path) -> String {
    format!(
        r#"<include>
  <context name="acme.test">
    <extension name="echo">
      <condition field="destination_number" expression="^9196$">
        <action application="answer"/>
        <action application="echo"/>
      </condition>
    </extension>
    <extension name="prompt">
      <condition field="destination_number" expression="^9197$">
        <action application="answer"/>
        <action application="playback" data="{sounds}/prompt.wav"/>
        <action application="hangup"/>
      </condition>
    </extension>
    <extension name="listen">
      <condition field="destination_number" expression="^9198$">
        <action application="answer"/>
        <action application="start_dtmf"/>
        <action application="sleep" data="8000"/>
        <action application="hangup"/>
      </condition>
    </extension>
    <extension name="record">
      <condition field="destination_number" expression="^9199$">
        <action application="answer"/>
        <action application="set" data="RECORD_STEREO=true"/>
        <action application="record" data="{recordings}/call.wav 3"/>
        <action application="hangup"/>
      </condition>
    </extension>
    <extension name="local">
      <condition field="destination_number" expression="^(10\d\d)$">
        <action application="set" data="hold_music=tone_stream://%(10000,0,600)"/>
        <action application="bridge" data="user/$1@${{domain_name}}"/>
      </condition>
    </extension>
  </context>
</include>
"#,
        recordings = recordings.display(),
        sounds = sounds.display(),
    )
}

struct Bench {
    switch: Switch,
    dir: TempDir,
}

fn bench(name: &str) -> Bench {
    let switch = Switch::start(SwitchOptions {
        conf_xml: Some(MD5_ONLY.into()),
        ..SwitchOptions::default()
    });
    let dir = TempDir::new(name);
    fs::create_dir_all(switch.conf_dir().join("dialplan")).expect("dialplan dir");
    fs::create_dir_all(dir.path().join("recordings")).expect("recordings dir");
    fs::write(
        switch.conf_dir().join("dialplan/acme.xml"),
        dialplan(&dir.path().join("recordings"), dir.path()),
    )
    .expect("dialplan");
    for command in [
        "reloadxml",
        "tenant add acme.test",
        "user add 1001@acme.test s3cret",
        "user add 1002@acme.test pw2",
    ] {
        let out = switch.cli_x(command);
        assert_eq!(out.code(), Some(0), "{command}: {out}");
    }
    Bench { switch, dir }
}

fn phone(bench: &Bench, user: &str, password: &str, codecs: &str, source: &Path) -> Baresip {
    let mut options =
        BaresipOptions::registered(user, "acme.test", password, bench.switch.sip_port(), source);
    options.codecs = codecs.into();
    Baresip::start_with(&bench.dir.subdir(user), &options)
}

fn wait_registered(bench: &Bench, count: usize) {
    let deadline = Instant::now() + Duration::from_secs(15);
    let expected = format!("\n{count} total.\n");
    loop {
        let listed = bench.switch.cli_x("show registrations").stdout;
        if listed.ends_with(&expected) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "registrations: {listed}\n{}",
            bench.switch.log()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// `phone` calls `number`, talks for `seconds`, hangs up; returns its
/// recordings (sent, received).
fn talk(bench: &Bench, phone: &Baresip, number: &str, seconds: u64) -> std::path::PathBuf {
    phone
        .dial(&format!("sip:{number}@acme.test"))
        .unwrap_or_else(|e| panic!("dial {number}: {e}"));
    assert!(
        phone.wait_for_event("CALL_ESTABLISHED", Duration::from_secs(10)),
        "the call to {number} was not established\n{}\n{}",
        phone.log(),
        bench.switch.log()
    );
    std::thread::sleep(Duration::from_secs(seconds));
    let _ = phone.hangup();
    let (_, received) = phone
        .wait_for_recordings(Duration::from_secs(5))
        .unwrap_or_else(|| panic!("no recordings\n{}", phone.log()));
    received
}

fn echo_returns_what_was_sent(codec: &str) {
    let bench = bench(&format!("media-echo-{codec}"));
    let source = bench.dir.path().join("talk.wav");
    write_test_signal(&source, 8000, 6.0);
    let caller = phone(&bench, "1001", "s3cret", codec, &source);
    wait_registered(&bench, 1);
    let received = talk(&bench, &caller, "9196", 5);
    let matched = compare_audio(&source, &received);
    println!("echo over {codec}: {matched:?}");
    assert_matches(
        &matched,
        codec == "opus",
        &format!("echo over {codec}"),
        &bench.switch.log(),
    );
    // The echo is the switch's, not a loop in the phone: under a second late.
    assert!(
        (0.0..1000.0).contains(&matched.lag_ms),
        "echo over {codec}: {matched:?}"
    );
    calls::assert_no_call_left(&bench.switch);
}

#[test]
fn echo_returns_the_callers_audio_over_pcmu() {
    echo_returns_what_was_sent("pcmu");
}

#[test]
fn echo_returns_the_callers_audio_over_opus() {
    echo_returns_what_was_sent("opus");
}

#[test]
fn playback_reaches_the_caller_intact() {
    let bench = bench("media-playback");
    let prompt = bench.dir.path().join("prompt.wav");
    // A 16 kHz prompt: the switch resamples it to the call's 8 kHz.
    write_test_signal(&prompt, 16_000, 3.0);
    let silence = bench.dir.path().join("silence.wav");
    switchyard_e2e::audio::write_wav(&silence, 8000, &vec![0; 8000 * 10]);
    let caller = phone(&bench, "1001", "s3cret", "pcmu", &silence);
    wait_registered(&bench, 1);
    caller.dial("sip:9197@acme.test").expect("dial");
    assert!(
        caller.wait_for_event("CALL_CLOSED", Duration::from_secs(15)),
        "the switch hangs up after the prompt\n{}\n{}",
        caller.log(),
        bench.switch.log()
    );
    let (_, received) = caller
        .wait_for_recordings(Duration::from_secs(5))
        .expect("recordings");
    let matched = compare_audio(&prompt, &received);
    println!("playback: {matched:?}");
    assert_matches(&matched, false, "the prompt", &bench.switch.log());
}

/// The `rtp_audio_*` variable `name` of the leg whose hangup event is
/// `event`.
fn variable(event: &switchyard_e2e::esl_event::EslEvent, name: &str) -> Option<u64> {
    event
        .header(&format!("variable_{name}"))
        .and_then(|v| v.parse().ok())
}

fn bridge_carries_audio_both_ways(
    caller_codec: &str,
    callee_codec: &str,
) -> Vec<switchyard_e2e::esl_event::EslEvent> {
    let bench = bench(&format!("media-bridge-{caller_codec}-{callee_codec}"));
    let mut esl = bench.switch.esl();
    esl.subscribe("plain CHANNEL_HANGUP_COMPLETE")
        .expect("subscribe");
    let a_source = bench.dir.path().join("a.wav");
    let b_source = bench.dir.path().join("b.wav");
    write_test_signal(&a_source, 8000, 6.0);
    // The callee says something else: the same signal reversed in time.
    let (rate, mut samples) = switchyard_e2e::audio::read_wav(&a_source);
    samples.reverse();
    switchyard_e2e::audio::write_wav(&b_source, rate, &samples);
    let a = phone(&bench, "1001", "s3cret", caller_codec, &a_source);
    let b = phone(&bench, "1002", "pw2", callee_codec, &b_source);
    wait_registered(&bench, 2);
    let a_received = talk(&bench, &a, "1002", 5);
    let (_, b_received) = b
        .wait_for_recordings(Duration::from_secs(5))
        .expect("callee recordings");
    let to_b = compare_audio(&a_source, &b_received);
    let to_a = compare_audio(&b_source, &a_received);
    println!("{caller_codec} -> {callee_codec}: {to_b:?}");
    println!("{callee_codec} -> {caller_codec}: {to_a:?}");
    assert_matches(
        &to_b,
        callee_codec == "opus" || caller_codec == "opus",
        "caller to callee",
        &bench.switch.log(),
    );
    assert_matches(
        &to_a,
        callee_codec == "opus" || caller_codec == "opus",
        "callee to caller",
        &bench.switch.log(),
    );
    let events = esl
        .collect_events("CHANNEL_HANGUP_COMPLETE", Duration::from_secs(5), Some(2))
        .expect("hangup events");
    assert_eq!(events.len(), 2, "{events:?}");
    // Each leg's CDR row carries its media: codec and packet counts.
    let rows = calls::cdrs(
        &bench.switch,
        "direction,read_codec,rtp_in_packets,rtp_out_packets",
    );
    assert_eq!(rows.len(), 2, "{rows:?}");
    for row in &rows {
        let fields: Vec<&str> = row.split('|').collect();
        let expected = if fields[0] == "inbound" {
            caller_codec
        } else {
            callee_codec
        };
        assert!(fields[1].eq_ignore_ascii_case(expected), "codec of {row}");
        for count in &fields[2..4] {
            let n: u64 = count.parse().unwrap_or(0);
            assert!(n > 100, "packets in {row}");
        }
    }
    calls::assert_no_call_left(&bench.switch);
    events
}

#[test]
fn opus_and_pcmu_phones_talk_through_the_transcoder() {
    let events = bridge_carries_audio_both_ways("opus", "pcmu");
    for event in &events {
        let codec = event
            .header("variable_rtp_use_codec_name")
            .unwrap_or_default();
        let transcoded = variable(event, "rtp_audio_out_transcoded_packet_count").unwrap_or(0);
        assert!(
            transcoded > 100,
            "{codec} leg: the other leg's audio was transcoded for it: {transcoded} packets"
        );
    }
}

#[test]
fn pcmu_phones_talk_over_the_relay_fast_path() {
    let events = bridge_carries_audio_both_ways("pcmu", "pcmu");
    for event in &events {
        let relayed = variable(event, "rtp_audio_out_relayed_packet_count").unwrap_or(0);
        let transcoded = variable(event, "rtp_audio_out_transcoded_packet_count").unwrap_or(0);
        assert!(relayed > 100, "relayed untouched: {relayed}");
        assert_eq!(transcoded, 0, "nothing transcoded");
    }
}

/// A SIPp caller (1001) calls the listening extension and replays `pcap`;
/// returns the digits of the `DTMF` events an ESL subscriber saw.
fn digits_heard(bench: &Bench, scenario: &str, pcap: Option<&Path>) -> String {
    let mut esl = bench.switch.esl();
    esl.subscribe("plain DTMF").expect("subscribe");
    let media_port = sipp::free_media_port().to_string();
    let mut extra = vec!["-mp", &media_port, "-d", "4000"];
    let key;
    if let Some(pcap) = pcap {
        key = pcap.display().to_string();
        extra.extend(["-key", "pcap", &key]);
    }
    let caller = calls::call(
        &bench.switch,
        &bench.dir,
        ("1001", "s3cret", "acme.test"),
        "9198",
        scenario,
        &extra,
    );
    let digits = esl
        .collect_dtmf(Duration::from_secs(3), None)
        .expect("dtmf");
    assert_eq!(
        caller.code(),
        Some(0),
        "caller: {caller}\n{}",
        bench.switch.log()
    );
    digits
}

#[test]
fn rfc4733_dtmf_is_heard_once_per_press() {
    let bench = bench("media-dtmf-4733");
    let pcap = bench.dir.path().join("dtmf.pcap");
    write_rtp_pcap(
        &pcap,
        &rfc4733_packets("123#", &DtmfTiming::default(), 101, 0x1234),
    );
    let digits = digits_heard(&bench, "media_uac_pcap.xml", Some(&pcap));
    assert_eq!(digits, "123#", "{}", bench.switch.log());
}

#[test]
fn sipps_own_rfc2833_pcap_is_heard_once() {
    // SIPp's shipped capture: three identical end packets (same sequence
    // number); the duplicates must not count as presses.
    let bench = bench("media-dtmf-sipp-pcap");
    let pcap = Path::new("/usr/share/sip-tester/dtmf_2833_5.pcap");
    let digits = digits_heard(&bench, "media_uac_pcap.xml", Some(pcap));
    assert_eq!(digits, "5", "{}", bench.switch.log());
}

#[test]
fn sip_info_dtmf_is_heard_once_per_request() {
    let bench = bench("media-dtmf-info");
    let digits = digits_heard(&bench, "media_uac_info_dtmf.xml", None);
    assert_eq!(digits, "159#", "{}", bench.switch.log());
}

#[test]
fn inband_dtmf_is_heard_once_per_press() {
    let bench = bench("media-dtmf-inband");
    let pcap = bench.dir.path().join("inband.pcap");
    write_rtp_pcap(
        &pcap,
        &inband_dtmf_packets("4567", &DtmfTiming::default(), 0x4321),
    );
    let digits = digits_heard(&bench, "media_uac_pcap.xml", Some(&pcap));
    assert_eq!(digits, "4567", "{}", bench.switch.log());
}

#[test]
fn record_writes_a_wav_that_sox_reads_with_its_length_and_channels() {
    let bench = bench("media-record");
    let source = bench.dir.path().join("talk.wav");
    write_test_signal(&source, 8000, 6.0);
    let caller = phone(&bench, "1001", "s3cret", "pcmu", &source);
    wait_registered(&bench, 1);
    caller.dial("sip:9199@acme.test").expect("dial");
    assert!(
        caller.wait_for_event("CALL_CLOSED", Duration::from_secs(15)),
        "the switch hangs up after 3 s of recording\n{}",
        bench.switch.log()
    );
    let file = bench.dir.path().join("recordings/call.wav");
    let info = |what: &str| {
        let out = std::process::Command::new("soxi")
            .arg(what)
            .arg(&file)
            .output()
            .expect("soxi (Debian sox)");
        assert!(out.status.success(), "soxi {what}: {out:?}");
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    };
    assert_eq!(info("-c"), "2", "RECORD_STEREO gives two channels");
    assert_eq!(info("-r"), "8000");
    let seconds: f64 = info("-D").parse().expect("duration");
    assert!(
        (2.8..=3.2).contains(&seconds),
        "3 s asked, {seconds} s recorded"
    );
    // The caller's side (left) holds what the phone sent.
    let left = bench.dir.path().join("left.wav");
    let status = std::process::Command::new("sox")
        .arg(&file)
        .arg(&left)
        .args(["remix", "1"])
        .status()
        .expect("sox");
    assert!(status.success());
    let matched = compare_audio(&source, &left);
    println!("recording: {matched:?}");
    let counts = calls::cdrs(&bench.switch, "rtp_in_packets,rtp_in_skipped");
    assert_matches(
        &matched,
        false,
        "the caller's side of the recording",
        &format!(
            "CDR packets in, skipped: {counts:?}\n{}",
            bench.switch.log()
        ),
    );
}

#[test]
fn hold_resume_and_a_new_rtp_source_keep_the_bridged_audio_flowing() {
    let bench = bench("media-hold");
    let silence = bench.dir.path().join("silence.wav");
    switchyard_e2e::audio::write_wav(&silence, 8000, &vec![0; 8000 * 20]);
    let callee = phone(&bench, "1002", "pw2", "pcmu", &silence);
    wait_registered(&bench, 1);
    // The caller's audio: 6 s of the test signal, sent as two RTP sources
    // (the second half with a new SSRC, its sequence numbers and
    // timestamps starting over, as after a transfer upstream).
    let source = bench.dir.path().join("talk.wav");
    write_test_signal(&source, 8000, 6.0);
    let (_, samples) = switchyard_e2e::audio::read_wav(&source);
    let half = samples.len() / 2;
    let mut packets = switchyard_e2e::pcap::pcmu_packets(&samples[..half], 0x1111);
    let offset = Duration::from_millis(20) * packets.len() as u32;
    packets.extend(
        switchyard_e2e::pcap::pcmu_packets(&samples[half..], 0x2222)
            .into_iter()
            .map(|(at, packet)| (at + offset, packet)),
    );
    let pcap = bench.dir.path().join("talk.pcap");
    write_rtp_pcap(&pcap, &packets);
    let media_port = sipp::free_media_port().to_string();
    let key = pcap.display().to_string();
    // The scenario checks the switch's a=recvonly to the hold and
    // a=sendrecv to the resume (check_it: a miss fails the call).
    let caller = calls::call(
        &bench.switch,
        &bench.dir,
        ("1001", "s3cret", "acme.test"),
        "1002",
        "media_uac_hold_pcap.xml",
        &["-mp", &media_port, "-d", "4500", "-key", "pcap", &key],
    );
    assert_eq!(
        caller.code(),
        Some(0),
        "caller: {caller}\n{}",
        bench.switch.log()
    );
    assert!(
        callee.wait_for_event("CALL_CLOSED", Duration::from_secs(5)),
        "{}",
        callee.log()
    );
    let (_, received) = callee
        .wait_for_recordings(Duration::from_secs(5))
        .expect("callee recordings");
    let matched = compare_audio(&source, &received);
    println!("held, resumed, new source: {matched:?}");
    assert_matches(
        &matched,
        false,
        "the caller's audio at the callee",
        &bench.switch.log(),
    );
    assert!(
        matched.segments.len() >= 5,
        "both sources arrived: {matched:?}"
    );
    calls::assert_no_call_left(&bench.switch);
}

/// Datagrams no RTP or RTCP stack should choke on: empty, random bytes,
/// RTP headers cut short, a header claiming more CSRCs and extension words
/// than the packet holds, padding longer than the packet, and the largest
/// UDP payload.
fn hostile_datagrams() -> Vec<Vec<u8>> {
    let mut rng = switchyard_e2e::audio::TestRng::new(4475);
    let mut out = vec![Vec::new(), vec![0x80], vec![0x80, 0x00, 0x00]];
    for len in [4usize, 11, 12, 13, 40, 172, 1500] {
        out.push((0..len).map(|_| rng.range(0.0, 256.0) as u8).collect());
    }
    // Version 2, 15 CSRCs, extension bit, 12 bytes only.
    out.push(vec![0x9f, 0x00, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1]);
    // Padding bit with a padding length beyond the packet.
    let mut padded = vec![0xa0, 0x00, 0, 2, 0, 0, 0, 2, 0, 0, 0, 1, 1, 2, 3];
    padded.push(0xff);
    out.push(padded);
    // RTCP: an SR claiming 31 report blocks in 8 bytes; a BYE cut short.
    out.push(vec![0x9f, 200, 0x00, 0xff, 0, 0, 0, 1]);
    out.push(vec![0x81, 203, 0x00, 0x05, 0, 0]);
    // Telephone-event payload type with a 1-byte payload.
    out.push(vec![0x80, 101, 0, 3, 0, 0, 0, 3, 0, 0, 0, 1, 5]);
    out.push(vec![0x55; 65_000]);
    out
}

#[test]
fn garbage_rtp_and_rtcp_and_a_hostile_offer_leave_calls_working() {
    let low = 40_000 + (std::process::id() % 500) as u16 * 40;
    let range = format!("{low}-{}", low + 19);
    let switch = Switch::start(SwitchOptions {
        conf_xml: Some(MD5_ONLY.into()),
        extra_args: vec!["--rtp-ports".into(), range],
        ..SwitchOptions::default()
    });
    let dir = TempDir::new("media-garbage");
    fs::create_dir_all(switch.conf_dir().join("dialplan")).expect("dialplan dir");
    fs::write(
        switch.conf_dir().join("dialplan/acme.xml"),
        dialplan(dir.path(), dir.path()),
    )
    .expect("dialplan");
    for command in [
        "reloadxml",
        "tenant add acme.test",
        "user add 1001@acme.test s3cret",
    ] {
        assert_eq!(switch.cli_x(command).code(), Some(0), "{command}");
    }
    let bench = Bench { switch, dir };
    // A hostile offer gets 488 (the scenario requires it).
    let refused = calls::call(
        &bench.switch,
        &bench.dir,
        ("1001", "s3cret", "acme.test"),
        "9196",
        "media_uac_bad_sdp.xml",
        &[],
    );
    assert_eq!(
        refused.code(),
        Some(0),
        "hostile offer: {refused}\n{}",
        bench.switch.log()
    );
    // A call to the echo: while its RTP plays, every port of the switch's
    // range is sprayed with garbage from several sources.
    let source = bench.dir.path().join("talk.wav");
    write_test_signal(&source, 8000, 4.0);
    let (_, samples) = switchyard_e2e::audio::read_wav(&source);
    let pcap = bench.dir.path().join("talk.pcap");
    write_rtp_pcap(&pcap, &switchyard_e2e::pcap::pcmu_packets(&samples, 0x7777));
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let sprayer = {
        let stop = std::sync::Arc::clone(&stop);
        std::thread::spawn(move || {
            let datagrams = hostile_datagrams();
            let sockets: Vec<std::net::UdpSocket> = (0..3)
                .map(|_| std::net::UdpSocket::bind("127.0.0.1:0").expect("bind"))
                .collect();
            let mut sent = 0u64;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                for port in low..low + 20 {
                    for (i, datagram) in datagrams.iter().enumerate() {
                        let socket = &sockets[i % sockets.len()];
                        if socket.send_to(datagram, ("127.0.0.1", port)).is_ok() {
                            sent += 1;
                        }
                    }
                }
                std::thread::sleep(Duration::from_millis(5));
            }
            sent
        })
    };
    let media_port = sipp::free_media_port().to_string();
    let key = pcap.display().to_string();
    let caller = calls::call(
        &bench.switch,
        &bench.dir,
        ("1001", "s3cret", "acme.test"),
        "9196",
        "media_uac_pcap.xml",
        &["-mp", &media_port, "-d", "4000", "-key", "pcap", &key],
    );
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let sent = sprayer.join().expect("sprayer");
    assert!(sent > 1000, "garbage sent: {sent}");
    assert_eq!(
        caller.code(),
        Some(0),
        "caller: {caller}\n{}",
        bench.switch.log()
    );
    let status = bench.switch.cli_x("status");
    assert_eq!(status.code(), Some(0), "the switch still answers: {status}");
    calls::assert_no_call_left(&bench.switch);
}

/// The UUID of the live channel whose name holds `name` (`show channels`).
fn channel_uuid(switch: &Switch, name: &str) -> String {
    let listed = switch.cli_x("show channels").stdout;
    listed
        .lines()
        .find(|line| line.contains(name))
        .and_then(|line| line.split(',').next())
        .unwrap_or_else(|| panic!("no channel {name} in:\n{listed}"))
        .to_owned()
}

/// How many 100 ms frames of `samples` are dominated by `hz`.
fn frames_of(path: &Path, hz: f64) -> usize {
    let (rate, samples) = switchyard_e2e::audio::read_wav(path);
    switchyard_e2e::audio::dominant_tones(&samples, rate, &[hz, 300.0, 2500.0])
        .iter()
        .filter(|t| **t == Some(hz))
        .count()
}

#[test]
fn send_dtmf_broadcast_break_and_hold_act_on_a_bridged_call() {
    let bench = bench("media-call-control");
    let mut esl = bench.switch.esl();
    esl.subscribe("plain CHANNEL_HOLD CHANNEL_UNHOLD")
        .expect("subscribe");
    let silence = bench.dir.path().join("silence.wav");
    switchyard_e2e::audio::write_wav(&silence, 8000, &vec![0; 8000 * 30]);
    let a = phone(&bench, "1001", "s3cret", "pcmu", &silence);
    let b = phone(&bench, "1002", "pw2", "pcmu", &silence);
    wait_registered(&bench, 2);
    a.dial("sip:1002@acme.test").expect("dial");
    assert!(
        a.wait_for_event("CALL_ESTABLISHED", Duration::from_secs(10)),
        "{}",
        bench.switch.log()
    );
    std::thread::sleep(Duration::from_millis(500));
    let a_uuid = channel_uuid(&bench.switch, "sofia/internal/1001");
    let ok = |command: &str| {
        let out = bench.switch.cli_x(command);
        assert!(
            out.text().starts_with("+OK"),
            "{command}: {out}\n{}",
            bench.switch.log()
        );
    };
    // Channel data on a live call.
    ok(&format!("uuid_setvar {a_uuid} team blue"));
    let team = bench.switch.cli_x(&format!("uuid_getvar {a_uuid} team"));
    assert_eq!(team.text(), "blue");
    let exists = bench.switch.cli_x(&format!("uuid_exists {a_uuid}"));
    assert_eq!(exists.text(), "true");
    let dump = bench.switch.cli_x(&format!("uuid_dump {a_uuid}")).stdout;
    assert!(dump.contains(&format!("Unique-ID: {a_uuid}")), "{dump}");
    assert!(dump.contains("variable_team: blue"), "{dump}");
    let refused = bench
        .switch
        .cli_x("uuid_send_dtmf 00000000-0000-0000-0000-000000000000 1");
    assert!(
        refused.text().starts_with("-ERR No such channel"),
        "{refused}"
    );
    let refused = bench.switch.cli_x(&format!("uuid_send_dtmf {a_uuid} 1x"));
    assert!(refused.text().starts_with("-ERR 'x'"), "{refused}");
    // DTMF to the caller's phone, by RFC 4733.
    ok(&format!("uuid_send_dtmf {a_uuid} 42"));
    std::thread::sleep(Duration::from_millis(800));
    // 1 s of 900 Hz to the caller, in place of the callee's audio.
    ok(&format!(
        "uuid_broadcast {a_uuid} tone_stream://%(1000,0,900)"
    ));
    std::thread::sleep(Duration::from_millis(1500));
    // A long 700 Hz broadcast, broken off after about half a second.
    ok(&format!(
        "uuid_broadcast {a_uuid} tone_stream://%(10000,0,700)"
    ));
    std::thread::sleep(Duration::from_millis(500));
    ok(&format!("uuid_break {a_uuid}"));
    std::thread::sleep(Duration::from_millis(500));
    // Hold the caller: the callee hears the caller's hold music (600 Hz).
    let set = bench.switch.cli_x(&format!("uuid_hold {a_uuid}"));
    assert!(set.text().starts_with("+OK"), "{set}");
    std::thread::sleep(Duration::from_millis(2000));
    ok(&format!("uuid_hold off {a_uuid}"));
    std::thread::sleep(Duration::from_millis(800));
    let _ = a.hangup();
    let (_, a_received) = a
        .wait_for_recordings(Duration::from_secs(5))
        .expect("a recordings");
    let (_, b_received) = b
        .wait_for_recordings(Duration::from_secs(5))
        .expect("b recordings");
    assert!(
        a.dtmf_received().contains("42"),
        "DTMF at the phone: {:?}",
        a.dtmf_received()
    );
    let tone900 = frames_of(&a_received, 900.0);
    assert!(
        (7..=12).contains(&tone900),
        "1 s broadcast: {tone900} frames of 900 Hz"
    );
    let tone700 = frames_of(&a_received, 700.0);
    assert!(
        (2..=8).contains(&tone700),
        "the 10 s broadcast broken after ~0.5 s: {tone700} frames of 700 Hz"
    );
    let music = frames_of(&b_received, 600.0);
    assert!(
        (12..=24).contains(&music),
        "music on hold for ~2 s: {music} frames"
    );
    let events = esl
        .collect_events("CHANNEL_HOLD", Duration::from_secs(1), Some(1))
        .expect("events");
    assert_eq!(events.len(), 1, "CHANNEL_HOLD fired");
    calls::assert_no_call_left(&bench.switch);
}

#[test]
fn a_callees_codec_string_from_the_directory_shapes_its_leg() {
    // 1003's directory entry says PCMA only; its phone could take PCMU or
    // PCMA. The caller speaks PCMU: the switch offers 1003 PCMA alone and
    // transcodes between the legs.
    let bench = bench("media-callee-codec");
    let out = bench
        .switch
        .cli_x("user add 1003@acme.test pw3 codec_string=PCMA");
    assert_eq!(out.code(), Some(0), "{out}");
    let source = bench.dir.path().join("talk.wav");
    write_test_signal(&source, 8000, 6.0);
    let a = phone(&bench, "1001", "s3cret", "pcmu", &source);
    let b = phone(&bench, "1003", "pw3", "pcmu,pcma", &source);
    wait_registered(&bench, 2);
    talk(&bench, &a, "1003", 4);
    let (_, b_received) = b
        .wait_for_recordings(Duration::from_secs(5))
        .expect("callee recordings");
    let matched = compare_audio(&source, &b_received);
    assert_matches(&matched, false, "caller to callee", &bench.switch.log());
    let rows = calls::cdrs(&bench.switch, "direction,read_codec");
    assert!(rows.contains(&"inbound|PCMU".to_owned()), "{rows:?}");
    assert!(rows.contains(&"outbound|PCMA".to_owned()), "{rows:?}");
}
