//! What the switch says about its own side of one leg's media: where it
//! receives, which codecs it wants and how it negotiates them.

use std::net::IpAddr;

use super::codec::Codec;
use super::codec_string::CodecSpec;
use super::direction::Direction;
use super::opus::OpusParams;

/// How the answerer picks a codec among those both sides support.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CodecMode {
    /// The offerer's order wins (FreeSWITCH's default, "generous").
    #[default]
    Generous,
    /// Our preference order wins (FreeSWITCH's `inbound-codec-negotiation=greedy`).
    Greedy,
}

/// The `a=fmtp` the switch writes for `telephone-event` when the offer
/// gave none: events 0–16 (digits, `*`, `#`, A–D and flash), as FreeSWITCH.
pub const TELEPHONE_EVENT_FMTP: &str = "0-16";

/// The payload type the switch offers `telephone-event/8000` at, as
/// FreeSWITCH does.
pub const TELEPHONE_EVENT_PT: u8 = 101;

/// The first dynamic payload type the switch assigns (RFC 3551 §3).
pub const FIRST_DYNAMIC_PT: u8 = 96;

/// Our side of one leg's media.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalMedia {
    /// The address we receive RTP on (written in `o=` and `c=`).
    pub address: IpAddr,
    /// The RTP port we receive on (RTCP on the next one unless muxed).
    pub port: u16,
    /// Our codecs, most preferred first (from `codec_string`).
    pub codecs: Vec<CodecSpec>,
    /// How an answer picks among common codecs.
    pub mode: CodecMode,
    /// The packetization in ms when neither the codec spec nor the offer
    /// gives one.
    pub ptime: u32,
    /// Whether we offer and accept RFC 4733 `telephone-event`.
    pub telephone_event: bool,
    /// Whether we offer and accept comfort noise (`CN`, payload type 13).
    pub comfort_noise: bool,
    /// Whether we offer and accept `a=rtcp-mux`.
    pub rtcp_mux: bool,
    /// The direction we allow (`sendonly` to hold the other side,
    /// `inactive` to hold both ways).
    pub direction: Direction,
    /// The Opus parameters we write (a codec spec's `~fmtp` overrides them).
    pub opus: OpusParams,
    /// The `o=` user name and `s=` session name.
    pub username: String,
}

impl LocalMedia {
    /// Our media at `address:port` with these codecs and FreeSWITCH's
    /// defaults: generous mode, 20 ms, `telephone-event` on, no CN, no
    /// rtcp-mux, `sendrecv`.
    #[must_use]
    pub fn new(address: IpAddr, port: u16, codecs: Vec<CodecSpec>) -> Self {
        LocalMedia {
            address,
            port,
            codecs,
            mode: CodecMode::Generous,
            ptime: 20,
            telephone_event: true,
            comfort_noise: false,
            rtcp_mux: false,
            direction: Direction::SendRecv,
            opus: OpusParams::default(),
            username: "Switchyard".to_owned(),
        }
    }

    /// Our spec for a codec, if we carry it.
    #[must_use]
    pub fn spec(&self, codec: Codec) -> Option<&CodecSpec> {
        self.codecs.iter().find(|s| s.codec == codec)
    }

    /// The `a=fmtp` we write for a codec, if any (Opus only): the spec's
    /// `~fmtp` verbatim, else [`LocalMedia::opus`] with the spec's channels
    /// and bit rate applied.
    #[must_use]
    pub fn fmtp_for(&self, spec: &CodecSpec) -> Option<String> {
        if spec.codec != Codec::Opus {
            return spec.fmtp.clone();
        }
        if let Some(fmtp) = &spec.fmtp {
            return Some(fmtp.clone());
        }
        let mut opus = self.opus;
        if let Some(channels) = spec.channels {
            opus.stereo = channels == 2;
        }
        if let Some(bitrate) = spec.bitrate {
            opus.maxaveragebitrate = Some(bitrate);
        }
        Some(opus.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;

    #[test]
    fn opus_fmtp_follows_the_spec() {
        let local = LocalMedia::new(Ipv4Addr::LOCALHOST.into(), 4000, vec![]);
        let mut spec = CodecSpec::new(Codec::Opus);
        assert_eq!(
            local.fmtp_for(&spec).as_deref(),
            Some("useinbandfec=1; maxplaybackrate=48000; stereo=0")
        );
        spec.channels = Some(2);
        spec.bitrate = Some(32000);
        assert_eq!(
            local.fmtp_for(&spec).as_deref(),
            Some("useinbandfec=1; maxplaybackrate=48000; maxaveragebitrate=32000; stereo=1")
        );
        spec.fmtp = Some("useinbandfec=0".into());
        assert_eq!(local.fmtp_for(&spec).as_deref(), Some("useinbandfec=0"));
        assert_eq!(local.fmtp_for(&CodecSpec::new(Codec::Pcmu)), None);
        assert!(local.spec(Codec::Pcmu).is_none());
    }
}
