//! Picking, among the formats of a media section, the codec,
//! `telephone-event` and comfort noise to use.

use super::codec::FormatKind;
use super::codec_string::CodecSpec;
use super::local::{CodecMode, LocalMedia};
use super::model::MediaFormat;
use super::negotiated::TelephoneEvent;

/// The first common codec: in the formats' order ([`CodecMode::Generous`])
/// or in ours ([`CodecMode::Greedy`]). Formats without a payload type
/// number are skipped.
pub(crate) fn choose_codec<'a>(
    formats: &'a [MediaFormat],
    local: &'a LocalMedia,
) -> Option<(&'a MediaFormat, &'a CodecSpec)> {
    let codecs = || {
        formats.iter().filter_map(|f| match FormatKind::of(f) {
            FormatKind::Codec(codec) if f.payload_type().is_some() => Some((f, codec)),
            _ => None,
        })
    };
    match local.mode {
        CodecMode::Generous => codecs().find_map(|(f, codec)| local.spec(codec).map(|s| (f, s))),
        CodecMode::Greedy => local.codecs.iter().find_map(|spec| {
            codecs()
                .find(|(_, c)| *c == spec.codec)
                .map(|(f, _)| (f, spec))
        }),
    }
}

/// The `telephone-event` format to use with a codec of this clock rate:
/// the one at the same rate, else the 8 kHz one.
pub(crate) fn choose_telephone_event(
    formats: &[MediaFormat],
    codec_rate: u32,
) -> Option<(&MediaFormat, TelephoneEvent)> {
    let events = || {
        formats
            .iter()
            .filter_map(|f| match (FormatKind::of(f), f.payload_type()) {
                (FormatKind::TelephoneEvent { clock_rate }, Some(payload_type)) => Some((
                    f,
                    TelephoneEvent {
                        payload_type,
                        clock_rate,
                    },
                )),
                _ => None,
            })
    };
    events()
        .find(|(_, te)| te.clock_rate == codec_rate)
        .or_else(|| events().find(|(_, te)| te.clock_rate == 8000))
}

/// The 8 kHz comfort noise format, if listed.
pub(crate) fn choose_comfort_noise(formats: &[MediaFormat]) -> Option<&MediaFormat> {
    formats.iter().find(|f| {
        f.payload_type().is_some()
            && FormatKind::of(f) == (FormatKind::ComfortNoise { clock_rate: 8000 })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sdp::codec::Codec;
    use crate::sdp::codec_string::CodecPrefs;
    use crate::sdp::model::RtpMap;
    use std::net::Ipv4Addr;

    fn formats() -> Vec<MediaFormat> {
        vec![
            MediaFormat::rtp(9, None, None),
            MediaFormat::rtp(8, None, None),
            MediaFormat::rtp(111, Some(RtpMap::new("opus", 48000, Some(2))), None),
            MediaFormat::rtp(0, None, None),
            MediaFormat::rtp(101, Some(RtpMap::new("telephone-event", 8000, None)), None),
            MediaFormat::rtp(100, Some(RtpMap::new("telephone-event", 48000, None)), None),
            MediaFormat::rtp(13, None, None),
        ]
    }

    fn local(codecs: &str, mode: CodecMode) -> LocalMedia {
        let mut local = LocalMedia::new(
            Ipv4Addr::LOCALHOST.into(),
            1,
            CodecPrefs::parse(codecs).codecs,
        );
        local.mode = mode;
        local
    }

    #[test]
    fn generous_takes_the_offer_order() {
        let f = formats();
        let l = local("PCMU,OPUS,PCMA", CodecMode::Generous);
        let (format, spec) = choose_codec(&f, &l).expect("common codec");
        assert_eq!((format.id.as_str(), spec.codec), ("8", Codec::Pcma));
    }

    #[test]
    fn greedy_takes_our_order() {
        let f = formats();
        let l = local("PCMU,OPUS,PCMA", CodecMode::Greedy);
        let (format, spec) = choose_codec(&f, &l).expect("common codec");
        assert_eq!((format.id.as_str(), spec.codec), ("0", Codec::Pcmu));
        assert!(choose_codec(&f[..1], &l).is_none());
    }

    #[test]
    fn telephone_event_matches_the_codec_rate() {
        let f = formats();
        assert_eq!(
            choose_telephone_event(&f, 48000).map(|(_, te)| te.payload_type),
            Some(100)
        );
        assert_eq!(
            choose_telephone_event(&f, 8000).map(|(_, te)| te.payload_type),
            Some(101)
        );
        assert_eq!(choose_telephone_event(&f[5..], 8000), None);
        assert_eq!(choose_comfort_noise(&f).map(|f| f.id.as_str()), Some("13"));
        assert_eq!(choose_comfort_noise(&f[..6]), None);
    }
}
