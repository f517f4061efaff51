//! What a leg's audio is: the [`Codec`] description negotiated in SDP
//! (name, payload type, clock rate, channels, ptime) and the table of
//! codec names this build knows.

use super::error::{CodecError, Result};
use super::opus;
use super::resample::SUPPORTED_RATES;

/// The codecs this build can encode and decode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CodecKind {
    /// G.711 μ-law, `PCMU/8000`, static payload type 0.
    Pcmu,
    /// G.711 A-law, `PCMA/8000`, static payload type 8.
    Pcma,
    /// 16-bit linear PCM in network order, `L16/<rate>`.
    L16,
    /// Opus, `opus/48000/2`, dynamic payload type.
    Opus,
}

/// The registry: SDP encoding names (matched case-insensitively, RFC 4855)
/// and the kinds they stand for.
const NAMES: [(&str, CodecKind); 4] = [
    ("PCMU", CodecKind::Pcmu),
    ("PCMA", CodecKind::Pcma),
    ("L16", CodecKind::L16),
    ("opus", CodecKind::Opus),
];

impl CodecKind {
    /// The encoding name as written in SDP `a=rtpmap`.
    pub const fn name(self) -> &'static str {
        match self {
            CodecKind::Pcmu => "PCMU",
            CodecKind::Pcma => "PCMA",
            CodecKind::L16 => "L16",
            CodecKind::Opus => "opus",
        }
    }

    /// The kind an SDP encoding name stands for, ignoring case.
    pub fn from_name(name: &str) -> Option<Self> {
        NAMES
            .iter()
            .find(|(known, _)| known.eq_ignore_ascii_case(name))
            .map(|&(_, kind)| kind)
    }

    /// The static payload type RFC 3551 assigns, if any (L16 has 10 and 11
    /// only at 44.1 kHz stereo and mono).
    pub const fn static_payload_type(self) -> Option<u8> {
        match self {
            CodecKind::Pcmu => Some(0),
            CodecKind::Pcma => Some(8),
            CodecKind::L16 | CodecKind::Opus => None,
        }
    }
}

/// One leg's audio format as negotiated: codec, RTP payload type, RTP
/// clock rate, channels and packetisation time. Built only through checked
/// constructors, so every `Codec` is one the transcoder can run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Codec {
    kind: CodecKind,
    payload_type: u8,
    clock_rate: u32,
    channels: u8,
    ptime_ms: u16,
}

/// The default packetisation time, 20 ms, as almost every phone uses.
pub const DEFAULT_PTIME_MS: u16 = 20;

impl Codec {
    /// A checked description. `clock_rate` is the RTP clock (always 48000
    /// for Opus, 8000 for G.711, the sample rate for L16); `channels` is the
    /// audio channel count (mono only for now; Opus's SDP `/2` is not a
    /// channel count, see [`rtpmap_channels`](Self::rtpmap_channels));
    /// `ptime_ms` must give whole samples per frame and, for Opus, one of
    /// its frame lengths (10, 20, 40 or 60 ms).
    pub fn new(
        kind: CodecKind,
        payload_type: u8,
        clock_rate: u32,
        channels: u8,
        ptime_ms: u16,
    ) -> Result<Self> {
        if payload_type > 127 {
            return Err(CodecError::InvalidConfig("payload type must be 0..=127"));
        }
        if channels != 1 {
            return Err(CodecError::UnsupportedChannels(channels));
        }
        let rate_ok = match kind {
            CodecKind::Pcmu | CodecKind::Pcma => clock_rate == 8_000,
            CodecKind::Opus => clock_rate == opus::RTP_CLOCK_RATE,
            CodecKind::L16 => SUPPORTED_RATES.contains(&clock_rate),
        };
        if !rate_ok {
            return Err(CodecError::UnsupportedRate(clock_rate));
        }
        let samples = u64::from(clock_rate) * u64::from(ptime_ms);
        let ptime_ok = match kind {
            CodecKind::Opus => matches!(ptime_ms, 10 | 20 | 40 | 60),
            _ => (1..=200).contains(&ptime_ms) && samples.is_multiple_of(1000),
        };
        if !ptime_ok {
            return Err(CodecError::InvalidConfig("ptime does not fit the codec"));
        }
        Ok(Codec {
            kind,
            payload_type,
            clock_rate,
            channels,
            ptime_ms,
        })
    }

    /// The description for an SDP `a=rtpmap:<pt> <name>/<clock>[/<channels>]`
    /// line and the negotiated ptime. Opus's `/2` is accepted and means a
    /// mono-capable stream (RFC 7587 §7).
    pub fn from_rtpmap(
        payload_type: u8,
        name: &str,
        clock_rate: u32,
        channels: Option<u8>,
        ptime_ms: u16,
    ) -> Result<Self> {
        let kind = CodecKind::from_name(name).ok_or(CodecError::UnknownCodec)?;
        let channels = match (kind, channels) {
            (CodecKind::Opus, Some(2) | None) => 1,
            (_, None) => 1,
            (_, Some(n)) => n,
        };
        Codec::new(kind, payload_type, clock_rate, channels, ptime_ms)
    }

    /// PCMU at 20 ms, payload type 0.
    pub const fn pcmu() -> Self {
        Codec {
            kind: CodecKind::Pcmu,
            payload_type: 0,
            clock_rate: 8_000,
            channels: 1,
            ptime_ms: DEFAULT_PTIME_MS,
        }
    }

    /// PCMA at 20 ms, payload type 8.
    pub const fn pcma() -> Self {
        Codec {
            kind: CodecKind::Pcma,
            payload_type: 8,
            clock_rate: 8_000,
            channels: 1,
            ptime_ms: DEFAULT_PTIME_MS,
        }
    }

    /// Opus at 20 ms with the given dynamic payload type (commonly 111).
    pub fn opus(payload_type: u8) -> Result<Self> {
        Codec::new(
            CodecKind::Opus,
            payload_type,
            opus::RTP_CLOCK_RATE,
            1,
            DEFAULT_PTIME_MS,
        )
    }

    /// Mono L16 at `rate` and 20 ms with the given payload type.
    pub fn l16(payload_type: u8, rate: u32) -> Result<Self> {
        Codec::new(CodecKind::L16, payload_type, rate, 1, DEFAULT_PTIME_MS)
    }

    /// The same codec with another ptime.
    pub fn with_ptime(self, ptime_ms: u16) -> Result<Self> {
        Codec::new(
            self.kind,
            self.payload_type,
            self.clock_rate,
            self.channels,
            ptime_ms,
        )
    }

    /// The same codec with another payload type.
    pub fn with_payload_type(self, payload_type: u8) -> Result<Self> {
        Codec::new(
            self.kind,
            payload_type,
            self.clock_rate,
            self.channels,
            self.ptime_ms,
        )
    }

    /// Which codec.
    pub const fn kind(&self) -> CodecKind {
        self.kind
    }

    /// The SDP encoding name.
    pub const fn name(&self) -> &'static str {
        self.kind.name()
    }

    /// The RTP payload type.
    pub const fn payload_type(&self) -> u8 {
        self.payload_type
    }

    /// The RTP clock rate in hertz.
    pub const fn clock_rate(&self) -> u32 {
        self.clock_rate
    }

    /// Audio channels (1).
    pub const fn channels(&self) -> u8 {
        self.channels
    }

    /// The channel count to write in `a=rtpmap`, if any: Opus always says 2.
    pub const fn rtpmap_channels(&self) -> Option<u8> {
        match self.kind {
            CodecKind::Opus => Some(2),
            _ => None,
        }
    }

    /// Packetisation time in milliseconds.
    pub const fn ptime_ms(&self) -> u16 {
        self.ptime_ms
    }

    /// Samples per frame per channel at the RTP clock rate: the RTP
    /// timestamp step between consecutive packets.
    pub const fn samples_per_frame(&self) -> usize {
        self.frame_samples_at(self.clock_rate)
    }

    /// Samples per frame when the audio is handled at `rate` hertz (Opus
    /// decodes to any of its rates; the frame's duration stays the same).
    pub const fn frame_samples_at(&self, rate: u32) -> usize {
        rate as usize * self.ptime_ms as usize / 1000
    }

    /// The largest payload one frame encodes to.
    pub const fn max_payload_bytes(&self) -> usize {
        match self.kind {
            CodecKind::Pcmu | CodecKind::Pcma => self.samples_per_frame(),
            CodecKind::L16 => self.samples_per_frame() * 2,
            CodecKind::Opus => opus::MAX_ENCODED_BYTES,
        }
    }

    /// Whether media in this format can be relayed to a leg using `other`
    /// without decoding: same codec, clock, channels and ptime. (A
    /// differing payload type only needs the RTP header rewritten.)
    pub fn can_relay_to(&self, other: &Codec) -> bool {
        self.kind == other.kind
            && self.clock_rate == other.clock_rate
            && self.channels == other.channels
            && self.ptime_ms == other.ptime_ms
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_names() {
        assert_eq!(CodecKind::from_name("pcmu"), Some(CodecKind::Pcmu));
        assert_eq!(CodecKind::from_name("OPUS"), Some(CodecKind::Opus));
        assert_eq!(CodecKind::from_name("G729"), None);
        for kind in [
            CodecKind::Pcmu,
            CodecKind::Pcma,
            CodecKind::L16,
            CodecKind::Opus,
        ] {
            assert_eq!(CodecKind::from_name(kind.name()), Some(kind));
        }
        assert_eq!(CodecKind::Pcma.static_payload_type(), Some(8));
        assert_eq!(CodecKind::Opus.static_payload_type(), None);
    }

    #[test]
    fn descriptions() {
        let pcmu = Codec::pcmu();
        assert_eq!(
            (
                pcmu.name(),
                pcmu.payload_type(),
                pcmu.clock_rate(),
                pcmu.channels()
            ),
            ("PCMU", 0, 8_000, 1)
        );
        assert_eq!(
            (pcmu.samples_per_frame(), pcmu.max_payload_bytes()),
            (160, 160)
        );
        assert_eq!(
            Codec::pcma().with_ptime(30).unwrap().samples_per_frame(),
            240
        );
        let opus = Codec::from_rtpmap(111, "opus", 48_000, Some(2), 20).unwrap();
        assert_eq!(
            (opus.kind(), opus.channels(), opus.rtpmap_channels()),
            (CodecKind::Opus, 1, Some(2))
        );
        assert_eq!(
            (opus.samples_per_frame(), opus.frame_samples_at(8_000)),
            (960, 160)
        );
        assert_eq!(Codec::l16(96, 16_000).unwrap().max_payload_bytes(), 640);
        assert_eq!(
            Codec::from_rtpmap(0, "G729", 8_000, None, 20),
            Err(CodecError::UnknownCodec)
        );
        assert_eq!(
            Codec::new(CodecKind::Pcmu, 0, 16_000, 1, 20),
            Err(CodecError::UnsupportedRate(16_000))
        );
        assert_eq!(
            Codec::new(CodecKind::L16, 96, 44_100, 2, 20),
            Err(CodecError::UnsupportedChannels(2))
        );
        assert!(Codec::opus(111).unwrap().with_ptime(30).is_err());
        assert!(Codec::pcmu().with_ptime(0).is_err());
        assert!(Codec::pcmu().with_payload_type(128).is_err());
        assert!(
            Codec::l16(96, 44_100).unwrap().with_ptime(25).is_err(),
            "1102.5 samples"
        );
    }

    #[test]
    fn relay_needs_the_same_format() {
        let opus = Codec::opus(111).unwrap();
        assert!(opus.can_relay_to(&opus.with_payload_type(109).unwrap()));
        assert!(!opus.can_relay_to(&opus.with_ptime(40).unwrap()));
        assert!(!Codec::pcmu().can_relay_to(&Codec::pcma()));
        assert!(
            !Codec::l16(96, 8_000)
                .unwrap()
                .can_relay_to(&Codec::l16(96, 16_000).unwrap())
        );
    }
}
