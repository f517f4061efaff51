//! Property tests: the parser never panics on any input (and neither do
//! answering and answer processing on whatever parses), and writing a
//! description then parsing it gives the same description.

use std::net::Ipv4Addr;

use proptest::prelude::*;
use switchyard_media::sdp::{
    AddrType, Attribute, Bandwidth, CodecPrefs, Connection, Direction, Line, LocalMedia,
    MediaDescription, MediaFormat, MediaType, Origin, Rtcp, RtpMap, SessionDescription, Timing,
    answer_offer, build_offer, process_answer,
};

fn local() -> LocalMedia {
    let mut local = LocalMedia::new(
        Ipv4Addr::LOCALHOST.into(),
        4000,
        CodecPrefs::parse("OPUS,PCMU,PCMA").codecs,
    );
    local.comfort_noise = true;
    local.rtcp_mux = true;
    local
}

/// Exercises everything downstream of a successful parse.
fn use_parsed(sdp: &SessionDescription) {
    let written = sdp.to_string();
    let again = SessionDescription::parse(written.as_bytes()).expect("canonical text reparses");
    assert_eq!(&again, sdp);
    let _ = answer_offer(sdp, &local());
    if let Ok(offer) = build_offer(&local()) {
        let _ = process_answer(&offer, sdp);
    }
}

fn sdp_shaped() -> impl Strategy<Value = String> {
    let prefix = prop::sample::select(vec![
        "v=",
        "o=",
        "s=",
        "i=",
        "c=",
        "b=",
        "t=",
        "r=",
        "z=",
        "k=",
        "m=",
        "a=",
        "a=rtpmap:",
        "a=fmtp:",
        "a=ptime:",
        "a=rtcp:",
        "a=sendonly",
        "a=rtcp-mux",
        "x=",
        "",
    ]);
    let value = prop::sample::select(vec![
        "0",
        "- 1 2 IN IP4 1.2.3.4",
        "IN IP4 0.0.0.0",
        "IN IP6 ::1/3",
        "IN IP4 224.0.0.1/1/2",
        "0 0",
        "audio 4000 RTP/AVP 0 8 96 101",
        "audio 0 RTP/AVP 0",
        "image 5000 udptl t38",
        "96 opus/48000/2",
        "0 PCMU/8000",
        "101 telephone-event/8000",
        "13 CN/8000",
        "101 0-16",
        "20",
        "AS:64",
        "4001 IN IP4 10.0.0.1",
        "",
        "video 1 RTP/SAVPF 96",
    ]);
    let junk = "[ -~]{0,24}";
    let line = (
        prefix,
        prop_oneof![value.prop_map(str::to_owned), junk.prop_map(|s| s)],
    )
        .prop_map(|(p, v)| format!("{p}{v}"));
    (prop::bool::ANY, prop::collection::vec(line, 0..40)).prop_map(|(crlf, lines)| {
        let eol = if crlf { "\r\n" } else { "\n" };
        let mut text =
            format!("v=0{eol}o=- 1 1 IN IP4 10.0.0.1{eol}s=-{eol}c=IN IP4 10.0.0.1{eol}t=0 0{eol}");
        for line in lines {
            text.push_str(&line);
            text.push_str(eol);
        }
        text
    })
}

fn token() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9][a-zA-Z0-9.-]{0,7}"
}

/// Free text without control characters and without trailing whitespace
/// (the parser trims it).
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "",
        "[a-zA-Z0-9:=/;,.()@-]{1,4}( [a-zA-Z0-9:=/;,.()@-]{1,4}){0,3}"
    ]
}

fn connection() -> impl Strategy<Value = Connection> {
    prop_oneof![
        (
            any::<[u8; 4]>(),
            prop::option::of((any::<u8>(), prop::option::of(1u32..1000)))
        )
            .prop_map(|(ip, multicast)| Connection {
                net_type: "IN".into(),
                addr_type: AddrType::Ip4,
                address: Ipv4Addr::from(ip).to_string(),
                ttl: multicast.map(|m| m.0),
                count: multicast.and_then(|m| m.1),
            }),
        (any::<u128>(), prop::option::of(1u32..1000)).prop_map(|(ip, count)| Connection {
            net_type: "IN".into(),
            addr_type: AddrType::Ip6,
            address: std::net::Ipv6Addr::from(ip).to_string(),
            ttl: None,
            count,
        }),
    ]
}

fn direction() -> impl Strategy<Value = Option<Direction>> {
    prop::option::of(prop::sample::select(vec![
        Direction::SendRecv,
        Direction::SendOnly,
        Direction::RecvOnly,
        Direction::Inactive,
    ]))
}

fn attributes() -> impl Strategy<Value = Vec<Attribute>> {
    let name = "x-[a-z0-9-]{1,8}";
    prop::collection::vec(
        (name, prop::option::of(text())).prop_map(|(name, value)| Attribute { name, value }),
        0..4,
    )
}

fn bandwidths() -> impl Strategy<Value = Vec<Bandwidth>> {
    prop::collection::vec(
        (prop::sample::select(vec!["AS", "CT", "TIAS"]), any::<u64>()).prop_map(|(kind, value)| {
            Bandwidth {
                kind: kind.into(),
                value,
            }
        }),
        0..2,
    )
}

fn rtp_formats() -> impl Strategy<Value = Vec<MediaFormat>> {
    let format = (
        prop::option::of((token(), 1u32..=u32::MAX, prop::option::of(1u16..=8))),
        prop::option::of(text()),
    );
    (
        prop::collection::btree_set(0u8..=127, 0..6),
        prop::collection::vec(format, 6),
    )
        .prop_map(|(pts, details)| {
            pts.into_iter()
                .zip(details)
                .map(|(pt, (map, fmtp))| {
                    MediaFormat::rtp(pt, map.map(|(e, r, c)| RtpMap::new(e, r, c)), fmtp)
                })
                .collect()
        })
}

fn media() -> impl Strategy<Value = MediaDescription> {
    let kind = prop::sample::select(vec![
        MediaType::Audio,
        MediaType::Video,
        MediaType::Text,
        MediaType::Application,
        MediaType::Message,
        MediaType::Image,
        MediaType::Other("data".into()),
    ]);
    let proto = prop::sample::select(vec!["RTP/AVP", "RTP/SAVP", "UDP/TLS/RTP/SAVPF", "RTP/AVPF"]);
    let typed = (
        prop::option::of(1u32..=10_000),
        prop::option::of(1u32..=10_000),
        direction(),
        prop::option::of((any::<u16>(), prop::option::of(any::<[u8; 4]>()))),
        any::<bool>(),
    );
    let extra = prop::collection::vec(
        (prop::sample::select(vec!['k', 'x', 'y', 'u']), text())
            .prop_map(|(kind, value)| Line { kind, value }),
        0..2,
    );
    (
        (
            kind,
            any::<u16>(),
            prop::option::of(any::<u16>()),
            proto,
            rtp_formats(),
        ),
        (
            prop::option::of(text()),
            prop::option::of(connection()),
            bandwidths(),
        ),
        typed,
        (attributes(), extra),
    )
        .prop_map(
            |(
                (kind, port, port_count, proto, formats),
                (information, connection, bandwidths),
                (ptime, maxptime, direction, rtcp, rtcp_mux),
                (attributes, extra_lines),
            )| {
                let mut m = MediaDescription::new(kind, port, proto);
                m.port_count = port_count;
                m.formats = formats;
                m.information = information;
                m.connection = connection;
                m.bandwidths = bandwidths;
                m.ptime = ptime;
                m.maxptime = maxptime;
                m.direction = direction;
                m.rtcp = rtcp.map(|(port, ip)| Rtcp {
                    port,
                    connection: ip.map(|ip| Connection::new(Ipv4Addr::from(ip).into())),
                });
                m.rtcp_mux = rtcp_mux;
                m.attributes = attributes;
                m.extra_lines = extra_lines;
                m
            },
        )
}

fn session() -> impl Strategy<Value = SessionDescription> {
    let origin = (token(), "[0-9]{1,20}", any::<u64>(), token()).prop_map(
        |(username, id, version, address)| Origin {
            username,
            session_id: id,
            session_version: version,
            net_type: "IN".into(),
            addr_type: AddrType::Ip4,
            address,
        },
    );
    let timing = prop::collection::vec(
        (
            any::<u64>(),
            any::<u64>(),
            prop::collection::vec(text(), 0..2),
        )
            .prop_map(|(start, stop, repeats)| Timing {
                start,
                stop,
                repeats,
            }),
        1..3,
    );
    let extra = prop::collection::vec(
        (
            prop::sample::select(vec!['u', 'e', 'p', 'z', 'k', 'y']),
            text(),
        )
            .prop_map(|(kind, value)| Line { kind, value }),
        0..4,
    );
    (
        (
            origin,
            text(),
            prop::option::of(text()),
            prop::option::of(connection()),
        ),
        (bandwidths(), timing, direction(), attributes(), extra),
        prop::collection::vec(media(), 0..4),
    )
        .prop_map(
            |(
                (origin, session_name, information, connection),
                (bandwidths, timing, direction, attributes, mut extra_lines),
                media,
            )| {
                // The canonical order the writer uses (RFC 4566 §5).
                extra_lines.sort_by_key(|l| match l.kind {
                    'u' | 'e' | 'p' => 0,
                    'z' => 1,
                    _ => 2,
                });
                SessionDescription {
                    origin,
                    session_name,
                    information,
                    connection,
                    bandwidths,
                    timing,
                    direction,
                    attributes,
                    extra_lines,
                    media,
                }
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn parse_never_panics_on_bytes(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        if let Ok(sdp) = SessionDescription::parse(&bytes) {
            use_parsed(&sdp);
        }
    }

    #[test]
    fn parse_never_panics_on_sdp_shaped_text(text in sdp_shaped()) {
        if let Ok(sdp) = SessionDescription::parse(text.as_bytes()) {
            use_parsed(&sdp);
        }
    }

    #[test]
    fn write_then_parse_is_the_identity(sdp in session()) {
        let written = sdp.to_string();
        let parsed = SessionDescription::parse(written.as_bytes());
        prop_assert_eq!(parsed.as_ref(), Ok(&sdp), "{}", written);
        prop_assert_eq!(parsed.map(|p| p.to_string()), Ok(written));
    }
}
