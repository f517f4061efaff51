//! Hostile SDP never crashes the switch: every malformed or oversized body
//! gives a parse error that names the line, and whatever parses can be
//! answered without panicking.

use std::net::Ipv4Addr;

use switchyard_media::sdp::{
    CodecPrefs, LocalMedia, NegotiationError, ParseError, ParseErrorKind, SessionDescription,
    answer_offer,
};

const HEAD: &str = "v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\n";

fn err(body: &[u8]) -> ParseError {
    SessionDescription::parse(body).expect_err("must be refused")
}

fn local() -> LocalMedia {
    LocalMedia::new(
        Ipv4Addr::LOCALHOST.into(),
        4000,
        CodecPrefs::parse("OPUS,PCMU,PCMA").codecs,
    )
}

#[test]
fn huge_bodies_are_refused_before_parsing() {
    let mut body = HEAD.as_bytes().to_vec();
    body.extend(std::iter::repeat_n(b'a', 1 << 20));
    assert_eq!(
        err(&body).kind,
        ParseErrorKind::TooLarge {
            size: body.len(),
            limit: 32 * 1024
        }
    );
}

#[test]
fn binary_is_refused() {
    assert_eq!(err(b"\x00\x01\x02\xff\xfe").kind, ParseErrorKind::NotUtf8);
    assert_eq!(
        err(b"v=0\r\n\x00\x00\x00").kind,
        ParseErrorKind::ControlCharacter
    );
    assert_eq!(
        err("v=0\r\ns=caf\u{7}\r\n".as_bytes()).kind,
        ParseErrorKind::ControlCharacter
    );
    let mut body = HEAD.as_bytes().to_vec();
    body.extend_from_slice(b"s=\xc3\x28\r\n");
    assert_eq!(err(&body).kind, ParseErrorKind::NotUtf8);
    assert_eq!(
        err("\u{feff}v=0\r\n".as_bytes()).kind,
        ParseErrorKind::MissingVersion
    );
}

#[test]
fn missing_lines() {
    assert_eq!(err(b"").kind, ParseErrorKind::MissingVersion);
    assert_eq!(err(b"\r\n\r\n").kind, ParseErrorKind::MissingVersion);
    assert_eq!(err(b"v=0").kind, ParseErrorKind::MissingLine('o'));
    assert_eq!(
        err(b"v=0\r\no=- 1 1 IN IP4 a\r\n").kind,
        ParseErrorKind::MissingLine('s')
    );
    assert_eq!(
        err(b"v=0\r\no=- 1 1 IN IP4 a\r\ns=-\r\n").kind,
        ParseErrorKind::MissingLine('t')
    );
    assert_eq!(
        err(b"m=audio 4000 RTP/AVP 0\r\n").kind,
        ParseErrorKind::MissingVersion
    );
    assert_eq!(
        err(b"v=0\r\no=\r\n").kind,
        ParseErrorKind::Invalid {
            what: "o= line: expected 6 fields"
        }
    );
}

#[test]
fn out_of_range_numbers() {
    let e = err(format!("{HEAD}m=audio 70000 RTP/AVP 0\r\n").as_bytes());
    assert_eq!((e.line, e.kind), (6, ParseErrorKind::InvalidPort));
    assert_eq!(
        err(format!("{HEAD}m=audio -1 RTP/AVP 0\r\n").as_bytes()).kind,
        ParseErrorKind::InvalidPort
    );
    assert_eq!(
        err(format!("{HEAD}m=audio 4000 RTP/AVP 300\r\n").as_bytes()).kind,
        ParseErrorKind::InvalidPayloadType
    );
    assert_eq!(
        err(format!("{HEAD}m=audio 4000 RTP/AVP 128\r\n").as_bytes()).kind,
        ParseErrorKind::InvalidPayloadType
    );
    assert_eq!(
        err(format!("{HEAD}m=audio 4000 RTP/AVP 0\r\na=rtpmap:300 PCMU/8000\r\n").as_bytes()).kind,
        ParseErrorKind::InvalidPayloadType
    );
    assert!(matches!(
        err(format!("{HEAD}m=audio 4000 RTP/AVP 0\r\na=rtpmap:0 PCMU/99999999999\r\n").as_bytes())
            .kind,
        ParseErrorKind::Invalid { .. }
    ));
    assert!(matches!(
        err(b"v=0\r\no=- 1 184467440737095516150 IN IP4 a\r\ns=-\r\nt=0 0\r\n").kind,
        ParseErrorKind::Invalid { .. }
    ));
    assert!(matches!(
        err(format!("{HEAD}b=AS:99999999999999999999999\r\n").as_bytes()).kind,
        ParseErrorKind::Invalid { .. }
    ));
}

#[test]
fn duplicates() {
    let e = err(format!(
        "{HEAD}m=audio 4000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:0 PCMA/8000\r\n"
    )
    .as_bytes());
    assert_eq!(
        (e.line, e.kind),
        (8, ParseErrorKind::DuplicateAttribute("rtpmap"))
    );
    assert_eq!(
        err(format!("{HEAD}m=audio 4000 RTP/AVP 0 8 0\r\n").as_bytes()).kind,
        ParseErrorKind::DuplicateFormat
    );
    assert_eq!(
        err(format!("{HEAD}o=- 1 1 IN IP4 a\r\n").as_bytes()).kind,
        ParseErrorKind::DuplicateLine('o')
    );
    assert_eq!(
        err(format!("{HEAD}v=0\r\n").as_bytes()).kind,
        ParseErrorKind::DuplicateLine('v')
    );
}

#[test]
fn counts_are_bounded() {
    let many_media: String = (0..100)
        .map(|i| format!("m=audio {} RTP/AVP 0\r\n", 4000 + i))
        .collect();
    assert_eq!(
        err(format!("{HEAD}{many_media}").as_bytes()).kind,
        ParseErrorKind::TooManyMedia { limit: 32 }
    );
    let many_attrs: String = (0..300).map(|i| format!("a=x{i}\r\n")).collect();
    assert_eq!(
        err(format!("{HEAD}m=audio 4000 RTP/AVP 0\r\n{many_attrs}").as_bytes()).kind,
        ParseErrorKind::TooManyAttributes { limit: 256 }
    );
    let many_lines: String = (0..2000).map(|_| "k=x\r\n").collect();
    assert_eq!(
        err(format!("{HEAD}{many_lines}").as_bytes()).kind,
        ParseErrorKind::TooManyLines { limit: 1024 }
    );
    let long_line = format!("{HEAD}i={}\r\n", "x".repeat(5000));
    assert_eq!(
        err(long_line.as_bytes()).kind,
        ParseErrorKind::LineTooLong { limit: 4096 }
    );
    let long_attr = format!("{HEAD}a=x:{}\r\n", "x".repeat(3000));
    assert_eq!(
        err(long_attr.as_bytes()).kind,
        ParseErrorKind::AttributeTooLong { limit: 2048 }
    );
    let all_pts: String = (0..128).map(|pt| format!(" {pt}")).collect();
    let sdp =
        SessionDescription::parse(format!("{HEAD}m=audio 4000 RTP/AVP{all_pts}\r\n").as_bytes())
            .expect("128 formats is the limit");
    assert_eq!(sdp.media[0].formats.len(), 128);
}

#[test]
fn odd_but_parseable_offers_are_answered_or_refused_cleanly() {
    let cases: [(&str, Result<(), NegotiationError>); 6] = [
        (
            "m=audio 4000 RTP/AVP\r\n",
            Err(NegotiationError::NoCommonCodec),
        ),
        (
            "m=audio 4000 RTP/AVP 96\r\n",
            Err(NegotiationError::NoCommonCodec),
        ),
        (
            "m=audio 4000 RTP/AVP 0\r\nc=IN IP4 999.999.999.999\r\n",
            Err(NegotiationError::UnresolvedAddress { stream: 0 }),
        ),
        ("m=audio 65535 RTP/AVP 0\r\n", Ok(())),
        ("m=audio 4000 RTP/AVP 0\r\na=rtcp:0 IN IP4 ::1\r\n", Ok(())),
        (
            "m=audio 4000 RTP/AVP 96\r\na=rtpmap:96 opus/48000/2\r\na=fmtp:96 ;;;===;stereo=1;maxplaybackrate=-5\r\n",
            Ok(()),
        ),
    ];
    for (media, expected) in cases {
        let offer = SessionDescription::parse(format!("{HEAD}{media}").as_bytes()).expect("parses");
        assert_eq!(
            answer_offer(&offer, &local()).map(|_| ()),
            expected,
            "{media}"
        );
    }
}
