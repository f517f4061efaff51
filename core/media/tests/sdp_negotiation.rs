//! Offer/answer (RFC 3264) against the RFC's examples and real endpoints:
//! what the switch answers, what it makes of answers, and one leg's state
//! across early media, re-INVITEs, hold and resume.

use std::net::Ipv4Addr;

use switchyard_media::sdp::{
    Codec, CodecMode, CodecPrefs, Direction, LocalMedia, MediaType, NegotiationError, Negotiator,
    SdpChange, SessionDescription, TelephoneEvent, answer_offer, build_offer, process_answer,
};

fn fixture(name: &str) -> String {
    let path = format!("{}/tests/sdp/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// A fixture with the RFC's host names replaced by IP literals.
fn sdp(name: &str) -> SessionDescription {
    let text = fixture(name)
        .replace("host.atlanta.example.com", "192.0.2.1")
        .replace("host.biloxi.example.com", "192.0.2.2");
    parse(&text)
}

fn parse(text: &str) -> SessionDescription {
    SessionDescription::parse(text.as_bytes()).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

fn local(codecs: &str) -> LocalMedia {
    LocalMedia::new(
        Ipv4Addr::new(203, 0, 113, 5).into(),
        24000,
        CodecPrefs::parse(codecs).codecs,
    )
}

fn ids(sdp: &SessionDescription, stream: usize) -> Vec<&str> {
    sdp.media[stream]
        .formats
        .iter()
        .map(|f| f.id.as_str())
        .collect()
}

#[test]
fn rfc3264_10_1_answer_accepts_audio_and_rejects_video() {
    let offer = sdp("rfc3264-10.1-offer.sdp");
    let answer = answer_offer(&offer, &local("PCMU,PCMA")).expect("answers");
    assert_eq!(answer.sdp.media.len(), 2, "as many m= lines as offered");
    assert_eq!(answer.sdp.media[0].port, 24000);
    assert_eq!(
        ids(&answer.sdp, 0),
        ["0"],
        "no telephone-event: none offered"
    );
    assert_eq!(answer.sdp.media[1].media, MediaType::Video);
    assert_eq!(answer.sdp.media[1].port, 0);
    assert_eq!(
        ids(&answer.sdp, 1),
        ["31", "32"],
        "rejected stream keeps the offered formats"
    );
    let media = &answer.media;
    assert_eq!(
        (media.codec, media.payload_type, media.clock_rate),
        (Codec::Pcmu, 0, 8000)
    );
    assert_eq!(media.remote_rtp.to_string(), "192.0.2.1:49170");
    assert_eq!(media.remote_rtcp.to_string(), "192.0.2.1:49171");
    assert_eq!(media.telephone_event, None, "not offered");
    assert_eq!((media.ptime, media.direction), (20, Direction::SendRecv));
    // The answer is valid SDP that parses back.
    assert_eq!(parse(&answer.sdp.to_string()), answer.sdp);
}

#[test]
fn rfc3264_host_names_are_not_resolved() {
    let offer = parse(&fixture("rfc3264-10.1-offer.sdp"));
    assert_eq!(
        answer_offer(&offer, &local("PCMU")).map(|a| a.media),
        Err(NegotiationError::UnresolvedAddress { stream: 0 })
    );
}

#[test]
fn rfc3264_10_1_answer_is_understood_by_the_offerer() {
    let media = process_answer(
        &sdp("rfc3264-10.1-offer.sdp"),
        &sdp("rfc3264-10.1-answer.sdp"),
    )
    .expect("usable");
    assert_eq!((media.codec, media.payload_type), (Codec::Pcmu, 0));
    assert_eq!(media.remote_rtp.to_string(), "192.0.2.2:49174");
    // Bob's re-offer: audio moves to 65422, first video disabled.
    let reanswer = answer_offer(&sdp("rfc3264-10.1-reoffer.sdp"), &local("PCMU")).expect("answers");
    assert_eq!(reanswer.media.remote_rtp.to_string(), "192.0.2.2:65422");
    assert_eq!(
        reanswer
            .sdp
            .media
            .iter()
            .map(|m| m.port)
            .collect::<Vec<_>>(),
        [24000, 0, 0]
    );
}

#[test]
fn rfc3264_10_2_generous_and_greedy() {
    let offer = sdp("rfc3264-10.2-offer.sdp");
    let generous = answer_offer(&offer, &local("PCMA,PCMU")).expect("answers");
    assert_eq!(generous.media.codec, Codec::Pcmu, "offerer's order");
    let mut greedy_local = local("PCMA,PCMU");
    greedy_local.mode = CodecMode::Greedy;
    let greedy = answer_offer(&offer, &greedy_local).expect("answers");
    assert_eq!(
        (greedy.media.codec, greedy.media.payload_type),
        (Codec::Pcma, 8),
        "our order"
    );
    // Bob answered iLBC, which the switch does not carry.
    assert_eq!(
        process_answer(&offer, &sdp("rfc3264-10.2-answer.sdp")),
        Err(NegotiationError::NoCommonCodec)
    );
}

#[test]
fn sipp_offer_gets_a_freeswitch_like_answer() {
    let answer = answer_offer(&sdp("sipp-uac.sdp"), &local("OPUS,PCMU,PCMA")).expect("answers");
    assert_eq!(
        answer.sdp.to_string(),
        "v=0\r\no=Switchyard 0 0 IN IP4 203.0.113.5\r\ns=Switchyard\r\nc=IN IP4 203.0.113.5\r\nt=0 0\r\n\
         m=audio 24000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=ptime:20\r\na=sendrecv\r\n"
    );
    let answer = answer_offer(&sdp("sipp-pcap.sdp"), &local("OPUS,PCMU,PCMA")).expect("answers");
    assert_eq!(ids(&answer.sdp, 0), ["8", "101"]);
    assert_eq!(
        answer.sdp.media[0].formats[1].fmtp.as_deref(),
        Some("0-11,16"),
        "events echoed"
    );
    assert_eq!(
        answer.media.telephone_event,
        Some(TelephoneEvent {
            payload_type: 101,
            clock_rate: 8000
        })
    );
}

#[test]
fn baresip_opus_with_rtcp_mux_and_stereo() {
    let offer = sdp("baresip.sdp");
    let answer = answer_offer(&offer, &local("PCMU,OPUS")).expect("answers");
    let media = &answer.media;
    assert_eq!(
        (media.codec, media.payload_type, media.clock_rate),
        (Codec::Opus, 96, 48000)
    );
    assert_eq!(media.channels, 2, "the peer asked for stereo=1");
    assert!(media.opus.is_some_and(|o| o.stereo));
    assert_eq!(
        media.telephone_event,
        Some(TelephoneEvent {
            payload_type: 101,
            clock_rate: 8000
        })
    );
    assert!(!media.rtcp_mux, "we did not enable rtcp-mux");
    assert_eq!(media.remote_rtcp.port(), 10075);
    assert_eq!(
        answer.sdp.media[0].formats[0].fmtp.as_deref(),
        Some("useinbandfec=1; maxplaybackrate=48000; stereo=0")
    );
    let mut with_mux = local("PCMU,OPUS");
    with_mux.rtcp_mux = true;
    let answer = answer_offer(&offer, &with_mux).expect("answers");
    assert!(answer.media.rtcp_mux && answer.sdp.media[0].rtcp_mux);
    assert_eq!(answer.media.remote_rtcp, answer.media.remote_rtp);
}

#[test]
fn polycom_keeps_its_event_payload_type() {
    let answer = answer_offer(&sdp("polycom.sdp"), &local("PCMA,PCMU")).expect("answers");
    assert_eq!(
        answer.media.codec,
        Codec::Pcmu,
        "G.722 and G.722.1 skipped; PCMU first"
    );
    assert_eq!(ids(&answer.sdp, 0), ["0", "127"]);
    assert_eq!(
        answer.media.telephone_event.map(|te| te.payload_type),
        Some(127)
    );
    assert_eq!(
        answer.sdp.media[0].formats[1].fmtp.as_deref(),
        Some("0-16"),
        "none offered"
    );
    assert_eq!(answer.media.direction, Direction::SendRecv);
}

#[test]
fn hold_offers_are_answered_recvonly() {
    let answer = answer_offer(&sdp("yealink-hold.sdp"), &local("PCMU")).expect("answers");
    assert_eq!(answer.sdp.media[0].direction, Some(Direction::RecvOnly));
    assert_eq!(answer.media.direction, Direction::RecvOnly);
    assert!(answer.media.remote_hold);

    let answer = answer_offer(&sdp("old-hold.sdp"), &local("PCMU")).expect("answers");
    assert!(answer.media.remote_hold, "c=0.0.0.0 is hold");
    assert_eq!(answer.media.direction, Direction::RecvOnly);
    assert_eq!(answer.media.remote_rtp.to_string(), "0.0.0.0:16384");

    let inactive = fixture("yealink-hold.sdp").replace("a=sendonly", "a=inactive");
    let answer = answer_offer(&parse(&inactive), &local("PCMU")).expect("answers");
    assert_eq!(answer.sdp.media[0].direction, Some(Direction::Inactive));

    let recvonly = fixture("yealink-hold.sdp").replace("a=sendonly", "a=recvonly");
    let answer = answer_offer(&parse(&recvonly), &local("PCMU")).expect("answers");
    assert_eq!(answer.sdp.media[0].direction, Some(Direction::SendOnly));
    assert!(!answer.media.remote_hold);

    // We hold while the peer offers sendrecv.
    let mut holding = local("PCMU");
    holding.direction = Direction::SendOnly;
    let answer = answer_offer(&sdp("sipp-uac.sdp"), &holding).expect("answers");
    assert_eq!(answer.sdp.media[0].direction, Some(Direction::SendOnly));
}

#[test]
fn freeswitch_offer_opus_events_cn_and_rtcp() {
    let offer = sdp("freeswitch.sdp");
    let mut ours = local("OPUS,PCMU");
    ours.comfort_noise = true;
    let answer = answer_offer(&offer, &ours).expect("answers");
    let media = &answer.media;
    assert_eq!((media.codec, media.payload_type), (Codec::Opus, 102));
    assert_eq!(
        media.telephone_event,
        Some(TelephoneEvent {
            payload_type: 100,
            clock_rate: 48000
        }),
        "events at the codec's rate"
    );
    assert_eq!(media.comfort_noise, Some(13));
    assert_eq!(ids(&answer.sdp, 0), ["102", "100", "13"]);
    assert_eq!(media.remote_rtcp.to_string(), "10.0.0.5:16385");
    let opus = media.opus.expect("opus params");
    assert!(opus.useinbandfec);
    assert_eq!(opus.maxaveragebitrate, Some(30000));
    assert_eq!(media.channels, 1);
    // Without CN enabled, CN is not answered.
    let answer = answer_offer(&offer, &local("PCMU")).expect("answers");
    assert_eq!(ids(&answer.sdp, 0), ["0", "101"]);
    assert_eq!(answer.media.comfort_noise, None);
}

#[test]
fn unacceptable_offers_map_to_488() {
    let err = answer_offer(&sdp("webrtc.sdp"), &local("OPUS,PCMU")).expect_err("no DTLS-SRTP yet");
    assert_eq!(
        (err.clone(), err.sip_status()),
        (NegotiationError::NoAudioStream, 488)
    );
    let g729_only = parse(
        "v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 18\r\n",
    );
    let err = answer_offer(&g729_only, &local("PCMU")).expect_err("no codec");
    assert_eq!(
        (err.clone(), err.sip_status()),
        (NegotiationError::NoCommonCodec, 488)
    );
    let video = parse(
        "v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\nm=video 4000 RTP/AVP 31\r\n",
    );
    assert_eq!(
        answer_offer(&video, &local("PCMU")).map(|a| a.media),
        Err(NegotiationError::NoAudioStream)
    );
    let no_c =
        parse("v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n");
    assert_eq!(
        answer_offer(&no_c, &local("PCMU")).map(|a| a.media),
        Err(NegotiationError::MissingConnection { stream: 0 })
    );
    assert_eq!(
        answer_offer(&no_c, &local("")).map(|a| a.media),
        Err(NegotiationError::NoCodecs)
    );
}

#[test]
fn first_usable_audio_stream_wins() {
    let offer = parse(
        "v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\n\
         m=audio 4000 RTP/SAVP 0\r\nm=audio 0 RTP/AVP 0\r\nm=audio 4002 RTP/AVP 18\r\n\
         m=audio 4004 RTP/AVP 8 0\r\na=maxptime:10\r\nm=audio 4006 RTP/AVP 0\r\n",
    );
    let answer = answer_offer(&offer, &local("PCMU,PCMA")).expect("answers");
    assert_eq!(
        answer.sdp.media.iter().map(|m| m.port).collect::<Vec<_>>(),
        [0, 0, 0, 24000, 0]
    );
    assert_eq!(answer.media.stream_index, 3);
    assert_eq!(answer.media.codec, Codec::Pcma);
    assert_eq!(answer.media.ptime, 10, "capped by the offer's maxptime");
    assert_eq!(answer.sdp.media[0].proto, "RTP/SAVP");
}

#[test]
fn ptime_rules() {
    let offer30 = fixture("sipp-uac.sdp") + "a=ptime:30\n";
    let answer = answer_offer(&parse(&offer30), &local("PCMU@20i")).expect("answers");
    assert_eq!(
        (answer.sdp.media[0].ptime, answer.media.ptime),
        (Some(30), 30)
    );
    let answer = answer_offer(&sdp("sipp-uac.sdp"), &local("PCMU@30i")).expect("answers");
    assert_eq!(
        (answer.sdp.media[0].ptime, answer.media.ptime),
        (Some(30), 30)
    );
}

#[test]
fn answers_to_our_offer() {
    let offer = build_offer(&local("OPUS,PCMU,PCMA")).expect("offer");
    let base = "v=0\r\no=peer 9 9 IN IP4 198.51.100.7\r\ns=-\r\nc=IN IP4 198.51.100.7\r\nt=0 0\r\n";
    // A peer that renumbers Opus and answers recvonly.
    let answer = parse(&format!(
        "{base}m=audio 7000 RTP/AVP 111 101\r\na=rtpmap:111 OPUS/48000/2\r\na=fmtp:111 useinbandfec=1\r\n\
         a=rtpmap:101 telephone-event/8000\r\na=ptime:40\r\na=recvonly\r\n"
    ));
    let media = process_answer(&offer, &answer).expect("usable");
    assert_eq!(
        (media.codec, media.payload_type, media.ptime),
        (Codec::Opus, 111, 40)
    );
    assert_eq!(
        media.telephone_event,
        Some(TelephoneEvent {
            payload_type: 101,
            clock_rate: 8000
        })
    );
    assert_eq!(media.direction, Direction::SendOnly);
    assert!(!media.remote_hold);
    assert_eq!(media.remote_rtp.to_string(), "198.51.100.7:7000");
    // sendonly answer: they hold us; we only receive.
    let answer = parse(&format!("{base}m=audio 7000 RTP/AVP 0\r\na=sendonly\r\n"));
    let media = process_answer(&offer, &answer).expect("usable");
    assert_eq!(
        (media.codec, media.direction, media.remote_hold),
        (Codec::Pcmu, Direction::RecvOnly, true)
    );
    assert_eq!(media.telephone_event, None);
    assert_eq!(media.ptime, 20, "our offer's ptime");
    // Errors.
    let rejected = parse(&format!("{base}m=audio 0 RTP/AVP 0\r\n"));
    assert_eq!(
        process_answer(&offer, &rejected),
        Err(NegotiationError::StreamRejected { stream: 0 })
    );
    let two = parse(&format!(
        "{base}m=audio 7000 RTP/AVP 0\r\nm=video 0 RTP/AVP 31\r\n"
    ));
    assert_eq!(
        process_answer(&offer, &two),
        Err(NegotiationError::StreamCountMismatch {
            offered: 1,
            answered: 2
        })
    );
    let unknown = parse(&format!("{base}m=audio 7000 RTP/AVP 9\r\n"));
    assert_eq!(
        process_answer(&offer, &unknown),
        Err(NegotiationError::NoCommonCodec)
    );
    let not_offered = parse(&format!("{base}m=audio 7000 RTP/AVP 0\r\n"));
    let pcma_offer = build_offer(&local("PCMA")).expect("offer");
    assert_eq!(
        process_answer(&pcma_offer, &not_offered),
        Err(NegotiationError::NoCommonCodec)
    );
}

#[test]
fn outgoing_leg_early_media_hold_and_resume() {
    let mut leg = Negotiator::new(1_700_000_000);
    let ours = local("PCMU,PCMA");
    let offer = leg.create_offer(&ours).expect("offer");
    assert_eq!(offer.origin.session_id, "1700000000");
    assert_eq!(offer.origin.session_version, 1);
    let answer = parse(
        "v=0\r\no=peer 5 5 IN IP4 198.51.100.7\r\ns=-\r\nc=IN IP4 198.51.100.7\r\nt=0 0\r\n\
         m=audio 7000 RTP/AVP 8 101\r\na=rtpmap:101 telephone-event/8000\r\n",
    );
    // 183 with SDP, then the 200 repeating it.
    let early = leg.receive_answer(&answer).expect("183");
    assert_eq!(early.codec, Codec::Pcma);
    let answered = leg.receive_answer(&answer).expect("200");
    assert_eq!(answered, early);
    // Hold: a re-offer with sendonly and the next version.
    let mut holding = ours.clone();
    holding.direction = Direction::SendOnly;
    let hold = leg.create_offer(&holding).expect("re-offer");
    assert_eq!(hold.origin.session_version, 2);
    assert_eq!(hold.media[0].direction, Some(Direction::SendOnly));
    let hold_answer = parse(
        "v=0\r\no=peer 5 6 IN IP4 198.51.100.7\r\ns=-\r\nc=IN IP4 198.51.100.7\r\nt=0 0\r\n\
         m=audio 7000 RTP/AVP 8\r\na=recvonly\r\n",
    );
    let held = leg.receive_answer(&hold_answer).expect("200");
    assert_eq!(held.direction, Direction::SendOnly);
    // Resume.
    let resume = leg.create_offer(&ours).expect("re-offer");
    assert_eq!(resume.origin.session_version, 3);
    // Re-sending the same offer (e.g. a session refresh) keeps the version.
    let again = leg.create_offer(&ours).expect("re-offer");
    assert_eq!(again.origin.session_version, 3);
    assert_eq!(leg.local_session().version(), 3);
    let resumed = leg.receive_answer(&answer).expect("200");
    assert_eq!(resumed.direction, Direction::SendRecv);
    assert_eq!(leg.current(), Some(&resumed));
}

#[test]
fn incoming_leg_reinvites() {
    let mut leg = Negotiator::new(77);
    let ours = local("PCMU");
    let offer = sdp("yealink-hold.sdp")
        .to_string()
        .replace("a=sendonly", "a=sendrecv");
    let offer = parse(&offer);
    let first = leg.receive_offer(&offer, &ours).expect("answers");
    assert_eq!(first.change, SdpChange::Initial);
    assert_eq!(first.sdp.origin.session_version, 1);
    // The same offer again (session timer refresh): the same answer.
    let refresh = leg.receive_offer(&offer, &ours).expect("answers");
    assert_eq!(refresh.change, SdpChange::Unchanged);
    assert_eq!(refresh.sdp, first.sdp);
    // Hold re-INVITE.
    let hold = leg
        .receive_offer(&sdp("yealink-hold.sdp"), &ours)
        .expect("answers");
    assert_eq!(hold.change, SdpChange::Modified);
    assert_eq!(hold.sdp.origin.session_version, 2);
    assert_eq!(hold.sdp.media[0].direction, Some(Direction::RecvOnly));
    assert!(hold.media.remote_hold);
    // A re-offer we cannot accept leaves the held media in force.
    let g729 = parse(
        "v=0\r\no=- 20518 20520 IN IP4 192.168.1.50\r\ns=-\r\nc=IN IP4 192.168.1.50\r\nt=0 0\r\nm=audio 11780 RTP/AVP 18\r\n",
    );
    assert_eq!(
        leg.receive_offer(&g729, &ours).map(|o| o.change),
        Err(NegotiationError::NoCommonCodec)
    );
    assert_eq!(leg.current(), Some(&hold.media));
    // Our own re-offer after answering keeps the layout and bumps the version.
    let reoffer = leg.create_offer(&ours).expect("re-offer");
    assert_eq!(reoffer.origin.session_version, 3);
    assert_eq!(reoffer.media.len(), 1);
    assert_eq!(
        Negotiator::new(1).receive_answer(&offer),
        Err(NegotiationError::NoPendingOffer)
    );
}
