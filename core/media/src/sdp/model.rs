//! The session description model (RFC 4566): what a parsed SDP body holds
//! and what the serializer writes. Attributes the switch negotiates on
//! (rtpmap, fmtp, ptime, maxptime, direction, rtcp, rtcp-mux) are typed;
//! every other attribute and every line the model does not type is kept,
//! in order, so nothing a peer sent is lost.

use std::net::IpAddr;

use super::direction::Direction;

/// A whole session description: the session-level part and its media
/// sections.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionDescription {
    /// `o=`: who made the description and which version of it this is.
    pub origin: Origin,
    /// `s=`: the session name (empty when the peer sent `s= `).
    pub session_name: String,
    /// `i=` at session level.
    pub information: Option<String>,
    /// `c=` at session level; media sections without their own use it.
    pub connection: Option<Connection>,
    /// `b=` lines at session level, in order.
    pub bandwidths: Vec<Bandwidth>,
    /// `t=` lines (each with its `r=` lines); at least one when parsed.
    pub timing: Vec<Timing>,
    /// Session-level direction attribute; a media-level one wins.
    pub direction: Option<Direction>,
    /// Other session-level attributes (`a=group`, `a=ice-ufrag`, …), in order.
    pub attributes: Vec<Attribute>,
    /// Session-level lines the model does not type (`u=`, `e=`, `p=`, `z=`,
    /// `k=`, unknown letters), in order.
    pub extra_lines: Vec<Line>,
    /// `m=` sections, in order.
    pub media: Vec<MediaDescription>,
}

impl SessionDescription {
    /// The connection a media section uses: its own `c=`, else the session's.
    #[must_use]
    pub fn connection_for<'a>(&'a self, media: &'a MediaDescription) -> Option<&'a Connection> {
        media.connection.as_ref().or(self.connection.as_ref())
    }

    /// The direction in force for a media section: its own attribute, else
    /// the session-level one, else `sendrecv` (RFC 4566 §6).
    #[must_use]
    pub fn direction_for(&self, media: &MediaDescription) -> Direction {
        media
            .direction
            .or(self.direction)
            .unwrap_or(Direction::SendRecv)
    }
}

/// `o=<username> <sess-id> <sess-version> <nettype> <addrtype> <address>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// The user name (`-` when the peer has none).
    pub username: String,
    /// The session id, kept as sent (a numeric string by RFC 4566).
    pub session_id: String,
    /// The session version; an offer that changes the session increments it
    /// (RFC 3264 §8).
    pub session_version: u64,
    /// The network type, `IN` in practice.
    pub net_type: String,
    /// The address type.
    pub addr_type: AddrType,
    /// The address or host name of the originator.
    pub address: String,
}

/// The address type of `o=`, `c=` and `a=rtcp`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AddrType {
    /// `IP4`.
    Ip4,
    /// `IP6`.
    Ip6,
}

impl AddrType {
    /// The token written in SDP.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            AddrType::Ip4 => "IP4",
            AddrType::Ip6 => "IP6",
        }
    }

    /// The address type of an IP address.
    #[must_use]
    pub fn of(ip: IpAddr) -> Self {
        match ip {
            IpAddr::V4(_) => AddrType::Ip4,
            IpAddr::V6(_) => AddrType::Ip6,
        }
    }
}

/// `c=<nettype> <addrtype> <address>[/<ttl>][/<count>]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Connection {
    /// The network type, `IN` in practice.
    pub net_type: String,
    /// The address type.
    pub addr_type: AddrType,
    /// The address (or host name) without the multicast suffixes.
    pub address: String,
    /// The multicast TTL (IP4 multicast only).
    pub ttl: Option<u8>,
    /// The number of multicast addresses.
    pub count: Option<u32>,
}

impl Connection {
    /// A unicast `IN` connection for an IP address.
    #[must_use]
    pub fn new(ip: IpAddr) -> Self {
        Connection {
            net_type: "IN".to_owned(),
            addr_type: AddrType::of(ip),
            address: ip.to_string(),
            ttl: None,
            count: None,
        }
    }

    /// The address as an IP address, when it is a literal (host names are
    /// not resolved here: this crate does no IO).
    #[must_use]
    pub fn ip(&self) -> Option<IpAddr> {
        self.address.parse().ok()
    }

    /// Whether the address is `0.0.0.0` (or `::`): RFC 2543-style hold.
    #[must_use]
    pub fn is_unspecified(&self) -> bool {
        self.ip().is_some_and(|ip| ip.is_unspecified())
    }
}

/// `b=<bwtype>:<bandwidth>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bandwidth {
    /// The bandwidth type (`AS`, `CT`, `TIAS`, …).
    pub kind: String,
    /// The bandwidth value (kbit/s for `AS` and `CT`).
    pub value: u64,
}

/// `t=<start> <stop>` with its `r=` lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Timing {
    /// The start time (NTP seconds; 0 for unbounded).
    pub start: u64,
    /// The stop time (NTP seconds; 0 for unbounded).
    pub stop: u64,
    /// The values of the `r=` lines that follow, kept as sent.
    pub repeats: Vec<String>,
}

impl Timing {
    /// `t=0 0`: a session that is permanent, as every VoIP call is.
    #[must_use]
    pub fn permanent() -> Self {
        Timing {
            start: 0,
            stop: 0,
            repeats: Vec::new(),
        }
    }
}

/// An attribute the model does not type: `a=<name>` or `a=<name>:<value>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attribute {
    /// The attribute name.
    pub name: String,
    /// The value after the colon, if any.
    pub value: Option<String>,
}

impl Attribute {
    /// An attribute with a value.
    #[must_use]
    pub fn new(name: impl Into<String>, value: impl Into<String>) -> Self {
        Attribute {
            name: name.into(),
            value: Some(value.into()),
        }
    }

    /// A property attribute (no value), e.g. `a=ice-lite`.
    #[must_use]
    pub fn flag(name: impl Into<String>) -> Self {
        Attribute {
            name: name.into(),
            value: None,
        }
    }
}

/// A line the model does not type: its letter and its value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// The line type letter (`u`, `e`, `p`, `z`, `k`, or one RFC 4566 does
    /// not define).
    pub kind: char,
    /// Everything after the `=`.
    pub value: String,
}

/// The media type of an `m=` line.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum MediaType {
    /// `audio`.
    Audio,
    /// `video`.
    Video,
    /// `text`.
    Text,
    /// `application`.
    Application,
    /// `message`.
    Message,
    /// `image` (T.38 fax).
    Image,
    /// Any other token, kept as sent.
    Other(String),
}

impl MediaType {
    /// The token written in SDP.
    #[must_use]
    pub fn as_str(&self) -> &str {
        match self {
            MediaType::Audio => "audio",
            MediaType::Video => "video",
            MediaType::Text => "text",
            MediaType::Application => "application",
            MediaType::Message => "message",
            MediaType::Image => "image",
            MediaType::Other(other) => other,
        }
    }

    /// The media type for a token.
    #[must_use]
    pub fn from_token(token: &str) -> Self {
        match token {
            "audio" => MediaType::Audio,
            "video" => MediaType::Video,
            "text" => MediaType::Text,
            "application" => MediaType::Application,
            "message" => MediaType::Message,
            "image" => MediaType::Image,
            other => MediaType::Other(other.to_owned()),
        }
    }
}

/// One `m=` section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaDescription {
    /// The media type.
    pub media: MediaType,
    /// The transport port; 0 marks a rejected or disabled stream.
    pub port: u16,
    /// The `/<count>` after the port, if any.
    pub port_count: Option<u16>,
    /// The transport protocol (`RTP/AVP`, `RTP/SAVP`, `UDP/TLS/RTP/SAVPF`,
    /// `udptl`, …), kept as sent.
    pub proto: String,
    /// The formats of the `m=` line in order, each with its `rtpmap` and
    /// `fmtp`.
    pub formats: Vec<MediaFormat>,
    /// `i=` at media level.
    pub information: Option<String>,
    /// `c=` at media level.
    pub connection: Option<Connection>,
    /// `b=` lines at media level, in order.
    pub bandwidths: Vec<Bandwidth>,
    /// `a=ptime` in milliseconds.
    pub ptime: Option<u32>,
    /// `a=maxptime` in milliseconds.
    pub maxptime: Option<u32>,
    /// Media-level direction attribute.
    pub direction: Option<Direction>,
    /// `a=rtcp` (RFC 3605).
    pub rtcp: Option<Rtcp>,
    /// `a=rtcp-mux` (RFC 5761).
    pub rtcp_mux: bool,
    /// Other media-level attributes, in order (including `rtpmap`/`fmtp`
    /// lines naming a format the `m=` line does not list).
    pub attributes: Vec<Attribute>,
    /// Media-level lines the model does not type (`k=`, unknown letters), in
    /// order.
    pub extra_lines: Vec<Line>,
}

impl MediaDescription {
    /// A media section with no attributes.
    #[must_use]
    pub fn new(media: MediaType, port: u16, proto: impl Into<String>) -> Self {
        MediaDescription {
            media,
            port,
            port_count: None,
            proto: proto.into(),
            formats: Vec::new(),
            information: None,
            connection: None,
            bandwidths: Vec::new(),
            ptime: None,
            maxptime: None,
            direction: None,
            rtcp: None,
            rtcp_mux: false,
            attributes: Vec::new(),
            extra_lines: Vec::new(),
        }
    }

    /// Whether the transport is RTP (`RTP/AVP`, `RTP/SAVPF`,
    /// `UDP/TLS/RTP/SAVPF`, `TCP/RTP/AVP`, …), whose formats are payload
    /// type numbers.
    #[must_use]
    pub fn is_rtp(&self) -> bool {
        proto_is_rtp(&self.proto)
    }

    /// The format with this id (payload type number for RTP).
    #[must_use]
    pub fn format(&self, id: &str) -> Option<&MediaFormat> {
        self.formats.iter().find(|f| f.id == id)
    }
}

/// Whether a transport protocol token is an RTP profile.
pub(crate) fn proto_is_rtp(proto: &str) -> bool {
    proto
        .split('/')
        .any(|part| part.eq_ignore_ascii_case("RTP"))
}

/// A format of an `m=` line with its `a=rtpmap` and `a=fmtp`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaFormat {
    /// The format token; for RTP a payload type number 0–127.
    pub id: String,
    /// `a=rtpmap:<id> …`, if sent.
    pub rtpmap: Option<RtpMap>,
    /// The parameters of `a=fmtp:<id> <parameters>`, if sent.
    pub fmtp: Option<String>,
}

impl MediaFormat {
    /// A format for an RTP payload type.
    #[must_use]
    pub fn rtp(payload_type: u8, rtpmap: Option<RtpMap>, fmtp: Option<String>) -> Self {
        MediaFormat {
            id: payload_type.to_string(),
            rtpmap,
            fmtp,
        }
    }

    /// The payload type number, when the id is one (0–127).
    #[must_use]
    pub fn payload_type(&self) -> Option<u8> {
        self.id.parse::<u8>().ok().filter(|pt| *pt <= 127)
    }
}

/// `a=rtpmap:<pt> <encoding>/<clock rate>[/<channels>]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RtpMap {
    /// The encoding name as sent (`PCMU`, `opus`, `telephone-event`, …).
    pub encoding: String,
    /// The RTP clock rate in Hz.
    pub clock_rate: u32,
    /// The encoding parameters (audio channels), if sent.
    pub channels: Option<u16>,
}

impl RtpMap {
    /// An rtpmap value.
    #[must_use]
    pub fn new(encoding: impl Into<String>, clock_rate: u32, channels: Option<u16>) -> Self {
        RtpMap {
            encoding: encoding.into(),
            clock_rate,
            channels,
        }
    }
}

/// `a=rtcp:<port>[ <nettype> <addrtype> <address>]` (RFC 3605).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rtcp {
    /// The RTCP port.
    pub port: u16,
    /// The RTCP address, when it differs from the media connection.
    pub connection: Option<Connection>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv6Addr;

    #[test]
    fn rtp_profiles_are_recognised() {
        for proto in [
            "RTP/AVP",
            "RTP/SAVP",
            "RTP/AVPF",
            "UDP/TLS/RTP/SAVPF",
            "TCP/RTP/AVP",
            "rtp/avp",
        ] {
            assert!(proto_is_rtp(proto), "{proto}");
        }
        for proto in ["udptl", "UDP/TLS/SCTP", "TCP/MSRP", "RTPX/AVP"] {
            assert!(!proto_is_rtp(proto), "{proto}");
        }
    }

    #[test]
    fn media_type_tokens() {
        for token in [
            "audio",
            "video",
            "text",
            "application",
            "message",
            "image",
            "data",
        ] {
            assert_eq!(MediaType::from_token(token).as_str(), token);
        }
        assert_eq!(
            MediaType::from_token("data"),
            MediaType::Other("data".into())
        );
    }

    #[test]
    fn connection_helpers() {
        let c = Connection::new(Ipv6Addr::LOCALHOST.into());
        assert_eq!((c.addr_type, c.address.as_str()), (AddrType::Ip6, "::1"));
        assert!(!c.is_unspecified());
        assert!(Connection::new(Ipv6Addr::UNSPECIFIED.into()).is_unspecified());
        let host = Connection {
            address: "pbx.example.com".into(),
            ..c
        };
        assert_eq!(host.ip(), None);
        assert!(!host.is_unspecified());
        assert_eq!(AddrType::Ip4.as_str(), "IP4");
    }

    #[test]
    fn formats_and_helpers() {
        let f = MediaFormat::rtp(101, None, None);
        assert_eq!(f.payload_type(), Some(101));
        let t38 = MediaFormat {
            id: "t38".into(),
            rtpmap: None,
            fmtp: None,
        };
        assert_eq!(t38.payload_type(), None);
        let big = MediaFormat {
            id: "200".into(),
            rtpmap: None,
            fmtp: None,
        };
        assert_eq!(big.payload_type(), None);
        let mut m = MediaDescription::new(MediaType::Audio, 1, "RTP/AVP");
        m.formats.push(f.clone());
        assert_eq!(m.format("101"), Some(&f));
        assert_eq!(m.format("0"), None);
        assert_eq!(Attribute::flag("ice-lite").value, None);
        assert_eq!(Timing::permanent().start, 0);
    }
}
