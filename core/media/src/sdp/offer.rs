//! Building our offers (RFC 3264 §5): the initial one and re-offers that
//! keep the earlier `m=` sections in place (§8).

use super::codec::Codec;
use super::local::{FIRST_DYNAMIC_PT, LocalMedia, TELEPHONE_EVENT_FMTP, TELEPHONE_EVENT_PT};
use super::model::{
    AddrType, Connection, MediaDescription, MediaFormat, MediaType, Origin, RtpMap,
    SessionDescription, Timing,
};
use super::negotiation_error::NegotiationError;

/// The transport the switch offers.
pub const OFFER_PROTO: &str = "RTP/AVP";

/// Our offer: one `m=audio` section with our codecs in preference order
/// (PCMU 0, PCMA 8, Opus at 96 and up), `telephone-event/8000` at 101 (and
/// `telephone-event/48000` at the next dynamic type when Opus is offered),
/// CN at 13 when enabled, `a=ptime`, `a=rtcp-mux` when enabled and the
/// direction.
///
/// The origin carries session id 0 and version 0; stamp it with
/// [`LocalSession::stamp`](super::LocalSession::stamp) before sending.
///
/// # Errors
/// [`NegotiationError::NoCodecs`] when `local.codecs` is empty.
pub fn build_offer(local: &LocalMedia) -> Result<SessionDescription, NegotiationError> {
    let audio = offer_audio(local)?;
    let mut sdp = session_shell(local);
    sdp.media.push(audio);
    Ok(sdp)
}

/// A re-offer after `previous`, our last description in this dialog: the
/// same number of `m=` sections in the same order, our audio where the
/// earlier audio stream was, the others disabled (port 0) with their
/// format lists (RFC 3264 §8). Without an earlier audio stream, audio is
/// appended.
///
/// # Errors
/// [`NegotiationError::NoCodecs`] when `local.codecs` is empty.
pub fn build_reoffer(
    local: &LocalMedia,
    previous: &SessionDescription,
) -> Result<SessionDescription, NegotiationError> {
    let mut audio = Some(offer_audio(local)?);
    let audio_index = previous
        .media
        .iter()
        .position(|m| m.media == MediaType::Audio && m.port != 0)
        .or_else(|| {
            previous
                .media
                .iter()
                .position(|m| m.media == MediaType::Audio)
        });
    let mut sdp = session_shell(local);
    for (index, media) in previous.media.iter().enumerate() {
        if Some(index) == audio_index
            && let Some(audio) = audio.take()
        {
            sdp.media.push(audio);
        } else {
            sdp.media.push(disabled(media));
        }
    }
    if let Some(audio) = audio {
        sdp.media.push(audio);
    }
    Ok(sdp)
}

/// A disabled copy of a media section: same type, transport and format
/// list, port 0, no attributes.
pub(crate) fn disabled(media: &MediaDescription) -> MediaDescription {
    let mut copy = MediaDescription::new(media.media.clone(), 0, media.proto.clone());
    copy.formats = media
        .formats
        .iter()
        .map(|f| MediaFormat {
            id: f.id.clone(),
            rtpmap: None,
            fmtp: None,
        })
        .collect();
    copy
}

/// The session-level part of everything we write.
pub(crate) fn session_shell(local: &LocalMedia) -> SessionDescription {
    let connection = Connection::new(local.address);
    SessionDescription {
        origin: Origin {
            username: local.username.clone(),
            session_id: "0".to_owned(),
            session_version: 0,
            net_type: "IN".to_owned(),
            addr_type: AddrType::of(local.address),
            address: connection.address.clone(),
        },
        session_name: local.username.clone(),
        information: None,
        connection: Some(connection),
        bandwidths: Vec::new(),
        timing: vec![Timing::permanent()],
        direction: None,
        attributes: Vec::new(),
        extra_lines: Vec::new(),
        media: Vec::new(),
    }
}

/// The rtpmap the switch writes for a codec.
pub(crate) fn codec_rtpmap(codec: Codec) -> RtpMap {
    RtpMap::new(
        codec.encoding_name(),
        codec.clock_rate(),
        codec.rtpmap_channels(),
    )
}

fn offer_audio(local: &LocalMedia) -> Result<MediaDescription, NegotiationError> {
    if local.codecs.is_empty() {
        return Err(NegotiationError::NoCodecs);
    }
    let mut next_dynamic = FIRST_DYNAMIC_PT;
    let mut allocate = || {
        let pt = next_dynamic;
        next_dynamic += 1;
        if next_dynamic == TELEPHONE_EVENT_PT {
            next_dynamic += 1;
        }
        pt
    };
    let mut media = MediaDescription::new(MediaType::Audio, local.port, OFFER_PROTO);
    let mut offered: Vec<Codec> = Vec::new();
    for spec in &local.codecs {
        if offered.contains(&spec.codec) {
            continue;
        }
        offered.push(spec.codec);
        let pt = spec
            .codec
            .static_payload_type()
            .unwrap_or_else(&mut allocate);
        media.formats.push(MediaFormat::rtp(
            pt,
            Some(codec_rtpmap(spec.codec)),
            local.fmtp_for(spec),
        ));
    }
    if local.telephone_event {
        media
            .formats
            .push(telephone_event(TELEPHONE_EVENT_PT, 8000, None));
        if offered.contains(&Codec::Opus) {
            media.formats.push(telephone_event(allocate(), 48000, None));
        }
    }
    if local.comfort_noise {
        media.formats.push(MediaFormat::rtp(
            13,
            Some(RtpMap::new("CN", 8000, None)),
            None,
        ));
    }
    media.ptime = Some(
        local
            .codecs
            .first()
            .and_then(|s| s.ptime)
            .unwrap_or(local.ptime),
    );
    media.rtcp_mux = local.rtcp_mux;
    media.direction = Some(local.direction);
    Ok(media)
}

/// A `telephone-event` format; `fmtp` defaults to [`TELEPHONE_EVENT_FMTP`].
pub(crate) fn telephone_event(pt: u8, clock_rate: u32, fmtp: Option<&str>) -> MediaFormat {
    MediaFormat::rtp(
        pt,
        Some(RtpMap::new("telephone-event", clock_rate, None)),
        Some(fmtp.unwrap_or(TELEPHONE_EVENT_FMTP).to_owned()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sdp::codec_string::CodecPrefs;
    use crate::sdp::direction::Direction;
    use std::net::Ipv4Addr;

    fn local(codecs: &str) -> LocalMedia {
        LocalMedia::new(
            Ipv4Addr::new(192, 0, 2, 10).into(),
            20000,
            CodecPrefs::parse(codecs).codecs,
        )
    }

    #[test]
    fn offer_text_is_what_freeswitch_would_send() {
        let sdp = build_offer(&local("OPUS,PCMU,PCMA")).expect("offer");
        assert_eq!(
            sdp.to_string(),
            "v=0\r\no=Switchyard 0 0 IN IP4 192.0.2.10\r\ns=Switchyard\r\nc=IN IP4 192.0.2.10\r\nt=0 0\r\n\
             m=audio 20000 RTP/AVP 96 0 8 101 97\r\n\
             a=rtpmap:96 opus/48000/2\r\na=fmtp:96 useinbandfec=1; maxplaybackrate=48000; stereo=0\r\n\
             a=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n\
             a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\n\
             a=rtpmap:97 telephone-event/48000\r\na=fmtp:97 0-16\r\n\
             a=ptime:20\r\na=sendrecv\r\n"
        );
    }

    #[test]
    fn options_shape_the_offer() {
        let mut l = local("PCMA@30i,PCMU");
        l.telephone_event = false;
        l.comfort_noise = true;
        l.rtcp_mux = true;
        l.direction = Direction::SendOnly;
        let sdp = build_offer(&l).expect("offer");
        let m = &sdp.media[0];
        let ids: Vec<&str> = m.formats.iter().map(|f| f.id.as_str()).collect();
        assert_eq!(ids, ["8", "0", "13"]);
        assert_eq!(m.ptime, Some(30));
        assert!(m.rtcp_mux);
        assert_eq!(m.direction, Some(Direction::SendOnly));
        assert_eq!(build_offer(&local("G722")), Err(NegotiationError::NoCodecs));
    }

    #[test]
    fn reoffer_keeps_the_m_line_layout() {
        let previous = SessionDescription::parse(
            b"v=0\r\no=Switchyard 5 6 IN IP4 192.0.2.10\r\ns=Switchyard\r\nc=IN IP4 192.0.2.10\r\nt=0 0\r\n\
              m=video 0 RTP/AVP 31\r\nm=audio 20000 RTP/AVP 0\r\nm=image 0 udptl t38\r\n",
        )
        .expect("parses");
        let sdp = build_reoffer(&local("PCMU"), &previous).expect("offer");
        assert_eq!(sdp.media.len(), 3);
        assert_eq!(
            (sdp.media[0].port, sdp.media[0].formats[0].id.as_str()),
            (0, "31")
        );
        assert_eq!(sdp.media[1].media, MediaType::Audio);
        assert_eq!(sdp.media[1].port, 20000);
        assert_eq!(
            (sdp.media[2].port, sdp.media[2].proto.as_str()),
            (0, "udptl")
        );
        let no_audio = SessionDescription::parse(
            b"v=0\r\no=- 5 6 IN IP4 192.0.2.10\r\ns=-\r\nt=0 0\r\nm=video 0 RTP/AVP 31\r\n",
        )
        .expect("parses");
        let sdp = build_reoffer(&local("PCMU"), &no_audio).expect("offer");
        assert_eq!(sdp.media.len(), 2);
        assert_eq!(sdp.media[1].media, MediaType::Audio);
    }
}
