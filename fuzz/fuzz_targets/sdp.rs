//! Hostile SDP never panics the parser or the offer/answer engine, and
//! whatever parses writes back to text that parses to the same model.
#![no_main]

use std::net::Ipv4Addr;

use libfuzzer_sys::fuzz_target;
use switchyard_media::sdp::{
    CodecMode, CodecPrefs, LocalMedia, Negotiator, SessionDescription, answer_offer, build_offer,
    process_answer,
};

fuzz_target!(|data: &[u8]| {
    let Ok(sdp) = SessionDescription::parse(data) else {
        return;
    };
    let written = sdp.to_string();
    let again = SessionDescription::parse(written.as_bytes()).expect("canonical text reparses");
    assert_eq!(again, sdp);

    let mut local = LocalMedia::new(
        Ipv4Addr::LOCALHOST.into(),
        4000,
        CodecPrefs::parse("OPUS,PCMU,PCMA").codecs,
    );
    local.comfort_noise = data.len() % 2 == 0;
    local.rtcp_mux = data.len() % 3 == 0;
    if data.len() % 5 == 0 {
        local.mode = CodecMode::Greedy;
    }
    if let Ok(answer) = answer_offer(&sdp, &local) {
        assert_eq!(answer.sdp.media.len(), sdp.media.len());
        let text = answer.sdp.to_string();
        assert!(SessionDescription::parse(text.as_bytes()).is_ok());
    }
    if let Ok(offer) = build_offer(&local) {
        let _ = process_answer(&offer, &sdp);
    }
    let mut leg = Negotiator::new(1);
    let _ = leg.receive_offer(&sdp, &local);
    let _ = leg.receive_offer(&sdp, &local);
    let _ = leg.create_offer(&local);
    let _ = leg.receive_answer(&sdp);
});
