//! SDP from the RFCs and from real endpoints: parsed, modelled as
//! expected, and written back canonically (parse ∘ write is the identity
//! on the model).

use switchyard_media::sdp::{
    AddrType, Attribute, Codec, Direction, FormatKind, MediaType, RtpMap, SessionDescription,
};

fn fixture(name: &str) -> String {
    let path = format!("{}/tests/sdp/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn parse(text: &str) -> SessionDescription {
    SessionDescription::parse(text.as_bytes()).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

/// Parses, checks the canonical text reparses to the same model and is a
/// fixed point, and returns the model.
fn parse_and_round_trip(name: &str) -> SessionDescription {
    let text = fixture(name);
    let sdp = parse(&text);
    let written = sdp.to_string();
    assert!(written.ends_with("\r\n"));
    assert!(!written.replace("\r\n", "").contains('\n'), "CRLF only");
    let again = parse(&written);
    assert_eq!(again, sdp, "{name}: round trip");
    assert_eq!(
        again.to_string(),
        written,
        "{name}: canonical text is stable"
    );
    // The same body with CRLF line ends parses to the same model.
    assert_eq!(parse(&text.replace('\n', "\r\n")), sdp);
    sdp
}

#[test]
fn rfc4566_example_round_trips_byte_for_byte() {
    let text = fixture("rfc4566.sdp");
    let sdp = parse_and_round_trip("rfc4566.sdp");
    assert_eq!(sdp.to_string(), text.replace('\n', "\r\n"));
    assert_eq!(sdp.origin.username, "jdoe");
    assert_eq!(sdp.origin.session_id, "2890844526");
    assert_eq!(sdp.origin.session_version, 2_890_842_807);
    assert_eq!(sdp.session_name, "SDP Seminar");
    assert_eq!(
        sdp.information.as_deref(),
        Some("A Seminar on the session description protocol")
    );
    let c = sdp.connection.as_ref().expect("c=");
    assert_eq!((c.address.as_str(), c.ttl), ("224.2.17.12", Some(127)));
    assert_eq!(
        (sdp.timing[0].start, sdp.timing[0].stop),
        (2_873_397_496, 2_873_404_696)
    );
    assert_eq!(sdp.direction, Some(Direction::RecvOnly));
    assert_eq!(
        sdp.extra_lines.iter().map(|l| l.kind).collect::<String>(),
        "ue"
    );
    assert_eq!(sdp.media.len(), 2);
    assert_eq!(sdp.direction_for(&sdp.media[0]), Direction::RecvOnly);
    assert_eq!(sdp.media[1].media, MediaType::Video);
    assert_eq!(
        sdp.media[1].formats[0].rtpmap,
        Some(RtpMap::new("h263-1998", 90000, None))
    );
}

#[test]
fn rfc3264_section_10_examples_parse() {
    for name in [
        "rfc3264-10.1-offer.sdp",
        "rfc3264-10.1-answer.sdp",
        "rfc3264-10.1-reoffer.sdp",
        "rfc3264-10.1-reanswer.sdp",
        "rfc3264-10.2-offer.sdp",
        "rfc3264-10.2-answer.sdp",
    ] {
        let sdp = parse_and_round_trip(name);
        assert_eq!(sdp.session_name, "", "{name}: `s=` is an empty name");
        assert_eq!(sdp.origin.addr_type, AddrType::Ip4);
    }
    let offer = parse_and_round_trip("rfc3264-10.1-offer.sdp");
    let kinds: Vec<FormatKind> = offer.media[0].formats.iter().map(FormatKind::of).collect();
    assert_eq!(
        kinds,
        [
            FormatKind::Codec(Codec::Pcmu),
            FormatKind::Codec(Codec::Pcma),
            FormatKind::Other
        ]
    );
    let reoffer = parse_and_round_trip("rfc3264-10.1-reoffer.sdp");
    assert_eq!(reoffer.origin.session_version, 2_808_844_565);
    assert_eq!(reoffer.media[1].port, 0);
}

#[test]
fn baresip_offer() {
    let sdp = parse_and_round_trip("baresip.sdp");
    assert_eq!(sdp.attributes, [Attribute::new("tool", "baresip 3.10.1")]);
    let m = &sdp.media[0];
    assert!(m.rtcp_mux);
    assert_eq!(m.bandwidths[0].value, 96);
    assert_eq!(
        m.formats[0].fmtp.as_deref(),
        Some("stereo=1;sprop-stereo=1")
    );
    assert_eq!(m.direction, Some(Direction::SendRecv));
    assert_eq!(m.attributes.len(), 2, "label and ssrc kept");
}

#[test]
fn sipp_offers() {
    let sdp = parse_and_round_trip("sipp-uac.sdp");
    assert_eq!(sdp.media[0].formats.len(), 1);
    let sdp = parse_and_round_trip("sipp-pcap.sdp");
    assert_eq!(sdp.media[0].formats[1].fmtp.as_deref(), Some("0-11,16"));
}

#[test]
fn phone_offers() {
    let sdp = parse_and_round_trip("polycom.sdp");
    assert_eq!(sdp.direction, Some(Direction::SendRecv));
    assert_eq!(sdp.media[0].formats.len(), 6);
    assert_eq!(
        sdp.media[0].format("18").and_then(|f| f.fmtp.as_deref()),
        Some("annexb=no")
    );
    let sdp = parse_and_round_trip("yealink-hold.sdp");
    assert_eq!(sdp.media[0].direction, Some(Direction::SendOnly));
    assert_eq!(sdp.media[0].ptime, Some(20));
    let sdp = parse_and_round_trip("old-hold.sdp");
    assert!(sdp.connection.as_ref().is_some_and(|c| c.is_unspecified()));
}

#[test]
fn freeswitch_offer() {
    let sdp = parse_and_round_trip("freeswitch.sdp");
    let m = &sdp.media[0];
    assert_eq!(
        FormatKind::of(&m.formats[0]),
        FormatKind::Codec(Codec::Opus)
    );
    assert_eq!(
        FormatKind::of(&m.formats[4]),
        FormatKind::TelephoneEvent { clock_rate: 48000 }
    );
    assert_eq!(
        FormatKind::of(&m.formats[5]),
        FormatKind::ComfortNoise { clock_rate: 8000 }
    );
    let rtcp = m.rtcp.as_ref().expect("a=rtcp");
    assert_eq!(rtcp.port, 16385);
}

#[test]
fn webrtc_offer_keeps_everything() {
    let sdp = parse_and_round_trip("webrtc.sdp");
    assert!(sdp.connection.is_none());
    let m = &sdp.media[0];
    assert_eq!(m.proto, "UDP/TLS/RTP/SAVPF");
    assert!(m.is_rtp());
    assert!(m.rtcp_mux);
    assert_eq!(m.formats.len(), 8);
    assert!(m.attributes.iter().any(|a| a.name == "fingerprint"));
    assert!(sdp.attributes.iter().any(|a| a.name == "msid-semantic"));
}
