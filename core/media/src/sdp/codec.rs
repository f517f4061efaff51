//! The codecs the switch negotiates and how a format of an `m=` line is
//! recognised (its `rtpmap`, else the static payload type table of
//! RFC 3551).

use std::fmt;

use super::model::MediaFormat;

/// An audio codec the switch can carry on the wire. (L16 is used inside
/// the switch only and is never negotiated.)
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Codec {
    /// G.711 µ-law, static payload type 0, 8 kHz.
    Pcmu,
    /// G.711 A-law, static payload type 8, 8 kHz.
    Pcma,
    /// Opus (RFC 7587), dynamic payload type, `opus/48000/2`.
    Opus,
}

impl Codec {
    /// Every negotiable codec.
    pub const ALL: [Codec; 3] = [Codec::Pcmu, Codec::Pcma, Codec::Opus];

    /// The encoding name written in `a=rtpmap`.
    #[must_use]
    pub fn encoding_name(self) -> &'static str {
        match self {
            Codec::Pcmu => "PCMU",
            Codec::Pcma => "PCMA",
            Codec::Opus => "opus",
        }
    }

    /// The RTP clock rate in Hz.
    #[must_use]
    pub fn clock_rate(self) -> u32 {
        match self {
            Codec::Pcmu | Codec::Pcma => 8000,
            Codec::Opus => 48000,
        }
    }

    /// The channel count written in `a=rtpmap` (Opus is always `/2`,
    /// RFC 7587 §7), or `None` when none is written.
    #[must_use]
    pub fn rtpmap_channels(self) -> Option<u16> {
        match self {
            Codec::Pcmu | Codec::Pcma => None,
            Codec::Opus => Some(2),
        }
    }

    /// The static payload type (RFC 3551), if the codec has one.
    #[must_use]
    pub fn static_payload_type(self) -> Option<u8> {
        match self {
            Codec::Pcmu => Some(0),
            Codec::Pcma => Some(8),
            Codec::Opus => None,
        }
    }

    /// The codec for a name, case-insensitively (`PCMU`, `pcma`, `OPUS`).
    #[must_use]
    pub fn from_name(name: &str) -> Option<Self> {
        Codec::ALL
            .into_iter()
            .find(|c| c.encoding_name().eq_ignore_ascii_case(name))
    }
}

impl fmt::Display for Codec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.encoding_name())
    }
}

/// What a format of an audio `m=` line is, as far as the switch cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormatKind {
    /// A codec the switch negotiates.
    Codec(Codec),
    /// RFC 4733 `telephone-event` at this clock rate.
    TelephoneEvent {
        /// The clock rate in Hz (8000, or 48000 alongside Opus).
        clock_rate: u32,
    },
    /// RFC 3389 comfort noise (`CN`) at this clock rate.
    ComfortNoise {
        /// The clock rate in Hz.
        clock_rate: u32,
    },
    /// Anything else (G.722, G.729, video, unknown dynamic types…).
    Other,
}

impl FormatKind {
    /// Recognises a format: by its `rtpmap` when present, else by the
    /// static payload type table. A PCMU/PCMA mapping must be 8 kHz mono
    /// and an Opus mapping 48 kHz with 2 (or no) channels to count.
    #[must_use]
    pub fn of(format: &MediaFormat) -> Self {
        match &format.rtpmap {
            Some(map) => {
                let name = map.encoding.as_str();
                if name.eq_ignore_ascii_case("telephone-event") {
                    return FormatKind::TelephoneEvent {
                        clock_rate: map.clock_rate,
                    };
                }
                if name.eq_ignore_ascii_case("CN") {
                    return FormatKind::ComfortNoise {
                        clock_rate: map.clock_rate,
                    };
                }
                match Codec::from_name(name) {
                    Some(codec @ (Codec::Pcmu | Codec::Pcma))
                        if map.clock_rate == 8000 && matches!(map.channels, None | Some(1)) =>
                    {
                        FormatKind::Codec(codec)
                    }
                    Some(Codec::Opus)
                        if map.clock_rate == 48000 && matches!(map.channels, None | Some(2)) =>
                    {
                        FormatKind::Codec(Codec::Opus)
                    }
                    _ => FormatKind::Other,
                }
            }
            None => match format.payload_type() {
                Some(0) => FormatKind::Codec(Codec::Pcmu),
                Some(8) => FormatKind::Codec(Codec::Pcma),
                Some(13) => FormatKind::ComfortNoise { clock_rate: 8000 },
                _ => FormatKind::Other,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sdp::model::RtpMap;

    fn fmt(id: &str, map: Option<(&str, u32, Option<u16>)>) -> MediaFormat {
        MediaFormat {
            id: id.to_owned(),
            rtpmap: map.map(|(e, r, c)| RtpMap::new(e, r, c)),
            fmtp: None,
        }
    }

    #[test]
    fn codec_facts() {
        assert_eq!(Codec::from_name("opus"), Some(Codec::Opus));
        assert_eq!(Codec::from_name("OPUS"), Some(Codec::Opus));
        assert_eq!(Codec::from_name("pcmu"), Some(Codec::Pcmu));
        assert_eq!(Codec::from_name("G722"), None);
        assert_eq!(Codec::Pcma.static_payload_type(), Some(8));
        assert_eq!(Codec::Opus.static_payload_type(), None);
        assert_eq!(Codec::Opus.clock_rate(), 48000);
        assert_eq!(Codec::Opus.rtpmap_channels(), Some(2));
        assert_eq!(Codec::Pcmu.to_string(), "PCMU");
    }

    #[test]
    fn static_types_without_rtpmap() {
        assert_eq!(
            FormatKind::of(&fmt("0", None)),
            FormatKind::Codec(Codec::Pcmu)
        );
        assert_eq!(
            FormatKind::of(&fmt("8", None)),
            FormatKind::Codec(Codec::Pcma)
        );
        assert_eq!(
            FormatKind::of(&fmt("13", None)),
            FormatKind::ComfortNoise { clock_rate: 8000 }
        );
        assert_eq!(FormatKind::of(&fmt("9", None)), FormatKind::Other);
        assert_eq!(FormatKind::of(&fmt("96", None)), FormatKind::Other);
        assert_eq!(FormatKind::of(&fmt("t38", None)), FormatKind::Other);
    }

    #[test]
    fn rtpmap_wins_over_the_static_table() {
        assert_eq!(
            FormatKind::of(&fmt("0", Some(("PCMA", 8000, None)))),
            FormatKind::Codec(Codec::Pcma)
        );
        assert_eq!(
            FormatKind::of(&fmt("111", Some(("opus", 48000, Some(2))))),
            FormatKind::Codec(Codec::Opus)
        );
        assert_eq!(
            FormatKind::of(&fmt("111", Some(("opus", 16000, Some(2))))),
            FormatKind::Other
        );
        assert_eq!(
            FormatKind::of(&fmt("0", Some(("PCMU", 16000, None)))),
            FormatKind::Other
        );
        assert_eq!(
            FormatKind::of(&fmt("0", Some(("PCMU", 8000, Some(2))))),
            FormatKind::Other
        );
        assert_eq!(
            FormatKind::of(&fmt("101", Some(("Telephone-Event", 48000, None)))),
            FormatKind::TelephoneEvent { clock_rate: 48000 }
        );
        assert_eq!(
            FormatKind::of(&fmt("98", Some(("CN", 16000, None)))),
            FormatKind::ComfortNoise { clock_rate: 16000 }
        );
        assert_eq!(
            FormatKind::of(&fmt("9", Some(("G722", 8000, None)))),
            FormatKind::Other
        );
    }
}
