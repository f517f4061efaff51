//! The RFC 4566 parser: strict where a mistake could hurt (sizes, numbers,
//! payload types, duplicate typed attributes), lenient where real phones
//! differ (LF or CRLF, trailing whitespace, empty lines, unknown attributes
//! and lines, session-level lines in any order).

use super::direction::Direction;
use super::error::{ParseError, ParseErrorKind};
use super::limits::Limits;
use super::model::{
    AddrType, Attribute, Bandwidth, Connection, Line, MediaDescription, MediaFormat, MediaType,
    Origin, Rtcp, RtpMap, SessionDescription, Timing, proto_is_rtp,
};

type Result<T> = std::result::Result<T, ParseError>;

impl SessionDescription {
    /// Parses a session description with the default [`Limits`].
    ///
    /// # Errors
    /// A [`ParseError`] naming the line and the rule broken.
    pub fn parse(input: &[u8]) -> Result<Self> {
        parse_with_limits(input, &Limits::DEFAULT)
    }
}

impl std::str::FromStr for SessionDescription {
    type Err = ParseError;

    fn from_str(s: &str) -> Result<Self> {
        SessionDescription::parse(s.as_bytes())
    }
}

/// Parses a session description under explicit limits.
///
/// # Errors
/// A [`ParseError`] naming the line and the rule broken.
pub fn parse_with_limits(input: &[u8], limits: &Limits) -> Result<SessionDescription> {
    if input.len() > limits.max_size {
        return Err(ParseError::new(
            0,
            ParseErrorKind::TooLarge {
                size: input.len(),
                limit: limits.max_size,
            },
        ));
    }
    let text =
        std::str::from_utf8(input).map_err(|_| ParseError::new(0, ParseErrorKind::NotUtf8))?;
    let mut parser = Parser::new(limits);
    for (index, raw) in text.split('\n').enumerate() {
        let line = raw.trim_end_matches([' ', '\t', '\r']);
        if line.is_empty() {
            continue;
        }
        parser
            .line(line)
            .map_err(|kind| ParseError::new(index + 1, kind))?;
    }
    parser.finish()
}

/// Where the parser is, with what it has gathered so far.
struct Parser<'l> {
    limits: &'l Limits,
    lines: usize,
    seen_version: bool,
    origin: Option<Origin>,
    session_name: Option<String>,
    information: Option<String>,
    connection: Option<Connection>,
    bandwidths: Vec<Bandwidth>,
    timing: Vec<Timing>,
    direction: Option<Direction>,
    attributes: Vec<Attribute>,
    attribute_count: usize,
    extra_lines: Vec<Line>,
    media: Vec<MediaSection>,
}

/// A media section being parsed, with its section-local counters.
struct MediaSection {
    media: MediaDescription,
    attribute_count: usize,
}

type LineResult = std::result::Result<(), ParseErrorKind>;

impl<'l> Parser<'l> {
    fn new(limits: &'l Limits) -> Self {
        Parser {
            limits,
            lines: 0,
            seen_version: false,
            origin: None,
            session_name: None,
            information: None,
            connection: None,
            bandwidths: Vec::new(),
            timing: Vec::new(),
            direction: None,
            attributes: Vec::new(),
            attribute_count: 0,
            extra_lines: Vec::new(),
            media: Vec::new(),
        }
    }

    fn line(&mut self, line: &str) -> LineResult {
        self.lines += 1;
        if self.lines > self.limits.max_lines {
            return Err(ParseErrorKind::TooManyLines {
                limit: self.limits.max_lines,
            });
        }
        if line.len() > self.limits.max_line_len {
            return Err(ParseErrorKind::LineTooLong {
                limit: self.limits.max_line_len,
            });
        }
        if line.chars().any(|c| c != '\t' && c.is_control()) {
            return Err(ParseErrorKind::ControlCharacter);
        }
        let bytes = line.as_bytes();
        if bytes.len() < 2 || !bytes[0].is_ascii_lowercase() || bytes[1] != b'=' {
            return Err(if self.seen_version {
                ParseErrorKind::MalformedLine
            } else {
                ParseErrorKind::MissingVersion
            });
        }
        let kind = char::from(bytes[0]);
        let value = &line[2..];
        if !self.seen_version {
            if kind != 'v' {
                return Err(ParseErrorKind::MissingVersion);
            }
            if value != "0" {
                return Err(ParseErrorKind::UnsupportedVersion);
            }
            self.seen_version = true;
            return Ok(());
        }
        if kind == 'm' {
            return self.media_line(value);
        }
        if self.media.is_empty() {
            self.session_line(kind, value)
        } else {
            self.media_section_line(kind, value)
        }
    }

    fn session_line(&mut self, kind: char, value: &str) -> LineResult {
        match kind {
            'v' => Err(ParseErrorKind::DuplicateLine('v')),
            'o' => {
                if self.origin.is_some() {
                    return Err(ParseErrorKind::DuplicateLine('o'));
                }
                self.origin = Some(parse_origin(value)?);
                Ok(())
            }
            's' => set_once(&mut self.session_name, 's', value.to_owned()),
            'i' => set_once(&mut self.information, 'i', value.to_owned()),
            'c' => set_once(&mut self.connection, 'c', parse_connection(value)?),
            'b' => {
                self.bandwidths.push(parse_bandwidth(value)?);
                Ok(())
            }
            't' => {
                if self.timing.len() >= self.limits.max_attributes {
                    return Err(ParseErrorKind::TooManyAttributes {
                        limit: self.limits.max_attributes,
                    });
                }
                self.timing.push(parse_timing(value)?);
                Ok(())
            }
            'r' => match self.timing.last_mut() {
                Some(timing) => {
                    timing.repeats.push(value.to_owned());
                    Ok(())
                }
                None => Err(ParseErrorKind::MisplacedLine('r')),
            },
            'a' => {
                self.attribute_count += 1;
                let (name, attr_value) = split_attribute(value, self.attribute_count, self.limits)?;
                if attr_value.is_none()
                    && let Some(direction) = Direction::from_attribute(name)
                {
                    return set_direction(&mut self.direction, direction);
                }
                self.attributes.push(Attribute {
                    name: name.to_owned(),
                    value: attr_value.map(str::to_owned),
                });
                Ok(())
            }
            _ => {
                self.extra_lines.push(Line {
                    kind,
                    value: value.to_owned(),
                });
                Ok(())
            }
        }
    }

    fn media_line(&mut self, value: &str) -> LineResult {
        if self.media.len() >= self.limits.max_media {
            return Err(ParseErrorKind::TooManyMedia {
                limit: self.limits.max_media,
            });
        }
        let media = parse_media(value, self.limits)?;
        self.media.push(MediaSection {
            media,
            attribute_count: 0,
        });
        Ok(())
    }

    fn media_section_line(&mut self, kind: char, value: &str) -> LineResult {
        let limits = self.limits;
        let Some(section) = self.media.last_mut() else {
            return Err(ParseErrorKind::MalformedLine);
        };
        let media = &mut section.media;
        match kind {
            'v' | 'o' | 's' | 't' | 'r' | 'z' => Err(ParseErrorKind::MisplacedLine(kind)),
            'i' => set_once(&mut media.information, 'i', value.to_owned()),
            'c' => set_once(&mut media.connection, 'c', parse_connection(value)?),
            'b' => {
                media.bandwidths.push(parse_bandwidth(value)?);
                Ok(())
            }
            'a' => {
                section.attribute_count += 1;
                let (name, attr_value) = split_attribute(value, section.attribute_count, limits)?;
                media_attribute(media, name, attr_value)
            }
            _ => {
                media.extra_lines.push(Line {
                    kind,
                    value: value.to_owned(),
                });
                Ok(())
            }
        }
    }

    fn finish(mut self) -> Result<SessionDescription> {
        if !self.seen_version {
            return Err(ParseError::new(0, ParseErrorKind::MissingVersion));
        }
        let origin = self
            .origin
            .ok_or(ParseError::new(0, ParseErrorKind::MissingLine('o')))?;
        let session_name = self
            .session_name
            .ok_or(ParseError::new(0, ParseErrorKind::MissingLine('s')))?;
        if self.timing.is_empty() {
            return Err(ParseError::new(0, ParseErrorKind::MissingLine('t')));
        }
        self.extra_lines
            .sort_by_key(|line| session_extra_rank(line.kind));
        Ok(SessionDescription {
            origin,
            session_name,
            information: self.information,
            connection: self.connection,
            bandwidths: self.bandwidths,
            timing: self.timing,
            direction: self.direction,
            attributes: self.attributes,
            extra_lines: self.extra_lines,
            media: self.media.into_iter().map(|s| s.media).collect(),
        })
    }
}

/// Where an untyped session-level line goes when written (RFC 4566 §5
/// order): `u`, `e`, `p` before `c=`; `z` after the `t=` lines; `k` and
/// unknown letters just before the attributes.
pub(crate) fn session_extra_rank(kind: char) -> u8 {
    match kind {
        'u' | 'e' | 'p' => 0,
        'z' => 1,
        _ => 2,
    }
}

fn set_once<T>(slot: &mut Option<T>, kind: char, value: T) -> LineResult {
    if slot.is_some() {
        return Err(ParseErrorKind::DuplicateLine(kind));
    }
    *slot = Some(value);
    Ok(())
}

fn set_direction(slot: &mut Option<Direction>, direction: Direction) -> LineResult {
    match *slot {
        Some(existing) if existing != direction => Err(ParseErrorKind::ConflictingDirection),
        _ => {
            *slot = Some(direction);
            Ok(())
        }
    }
}

/// A decimal number made of ASCII digits only (no sign, no spaces).
fn number<T: std::str::FromStr>(s: &str) -> Option<T> {
    if s.is_empty() || s.len() > 20 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

fn is_token(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`{|}~".contains(&b))
}

fn parse_addr_type(s: &str) -> std::result::Result<AddrType, ParseErrorKind> {
    if s.eq_ignore_ascii_case("IP4") {
        Ok(AddrType::Ip4)
    } else if s.eq_ignore_ascii_case("IP6") {
        Ok(AddrType::Ip6)
    } else {
        Err(ParseErrorKind::Invalid {
            what: "address type (expected IP4 or IP6)",
        })
    }
}

fn parse_origin(value: &str) -> std::result::Result<Origin, ParseErrorKind> {
    let fields: Vec<&str> = value.split_ascii_whitespace().collect();
    let [username, session_id, version, net_type, addr_type, address] = fields[..] else {
        return Err(ParseErrorKind::Invalid {
            what: "o= line: expected 6 fields",
        });
    };
    let session_version = number(version).ok_or(ParseErrorKind::Invalid {
        what: "o= session version (expected a number below 2^64)",
    })?;
    Ok(Origin {
        username: username.to_owned(),
        session_id: session_id.to_owned(),
        session_version,
        net_type: net_type.to_owned(),
        addr_type: parse_addr_type(addr_type)?,
        address: address.to_owned(),
    })
}

fn parse_connection(value: &str) -> std::result::Result<Connection, ParseErrorKind> {
    let fields: Vec<&str> = value.split_ascii_whitespace().collect();
    let [net_type, addr_type, address] = fields[..] else {
        return Err(ParseErrorKind::Invalid {
            what: "c= line: expected 3 fields",
        });
    };
    let addr_type = parse_addr_type(addr_type)?;
    let mut parts = address.split('/');
    let host = parts.next().unwrap_or_default();
    if host.is_empty() {
        return Err(ParseErrorKind::Invalid {
            what: "c= address (empty)",
        });
    }
    let suffixes: Vec<&str> = parts.collect();
    let bad_suffix = ParseErrorKind::Invalid {
        what: "c= multicast suffix (expected /ttl[/count] for IP4, /count for IP6)",
    };
    let (ttl, count) = match (addr_type, &suffixes[..]) {
        (_, []) => (None, None),
        (AddrType::Ip4, [ttl]) => (Some(number(ttl).ok_or(bad_suffix)?), None),
        (AddrType::Ip4, [ttl, count]) => (
            Some(number(ttl).ok_or(bad_suffix.clone())?),
            Some(number(count).ok_or(bad_suffix)?),
        ),
        (AddrType::Ip6, [count]) => (None, Some(number(count).ok_or(bad_suffix)?)),
        _ => return Err(bad_suffix),
    };
    Ok(Connection {
        net_type: net_type.to_owned(),
        addr_type,
        address: host.to_owned(),
        ttl,
        count,
    })
}

fn parse_bandwidth(value: &str) -> std::result::Result<Bandwidth, ParseErrorKind> {
    let invalid = ParseErrorKind::Invalid {
        what: "b= line (expected <type>:<number>)",
    };
    let (kind, amount) = value.split_once(':').ok_or(invalid.clone())?;
    if !is_token(kind) {
        return Err(invalid);
    }
    Ok(Bandwidth {
        kind: kind.to_owned(),
        value: number(amount.trim()).ok_or(invalid)?,
    })
}

fn parse_timing(value: &str) -> std::result::Result<Timing, ParseErrorKind> {
    let invalid = ParseErrorKind::Invalid {
        what: "t= line (expected <start> <stop>)",
    };
    let fields: Vec<&str> = value.split_ascii_whitespace().collect();
    let [start, stop] = fields[..] else {
        return Err(invalid);
    };
    Ok(Timing {
        start: number(start).ok_or(invalid.clone())?,
        stop: number(stop).ok_or(invalid)?,
        repeats: Vec::new(),
    })
}

fn parse_port(s: &str) -> std::result::Result<u16, ParseErrorKind> {
    number(s).ok_or(ParseErrorKind::InvalidPort)
}

fn parse_payload_type(s: &str) -> std::result::Result<u8, ParseErrorKind> {
    number::<u8>(s)
        .filter(|pt| *pt <= 127)
        .ok_or(ParseErrorKind::InvalidPayloadType)
}

fn parse_media(
    value: &str,
    limits: &Limits,
) -> std::result::Result<MediaDescription, ParseErrorKind> {
    let mut fields = value.split_ascii_whitespace();
    let (Some(media), Some(port), Some(proto)) = (fields.next(), fields.next(), fields.next())
    else {
        return Err(ParseErrorKind::Invalid {
            what: "m= line (expected <media> <port> <proto> <fmt>...)",
        });
    };
    if !is_token(media) || !is_token_with_slash(proto) {
        return Err(ParseErrorKind::Invalid {
            what: "m= media type or transport",
        });
    }
    let (port, port_count) = match port.split_once('/') {
        Some((port, count)) => (parse_port(port)?, Some(parse_port(count)?)),
        None => (parse_port(port)?, None),
    };
    let rtp = proto_is_rtp(proto);
    let mut formats: Vec<MediaFormat> = Vec::new();
    let mut seen_pt = [false; 128];
    for id in fields {
        if formats.len() >= limits.max_formats {
            return Err(ParseErrorKind::TooManyFormats {
                limit: limits.max_formats,
            });
        }
        if rtp {
            let pt = usize::from(parse_payload_type(id)?);
            if seen_pt[pt] {
                return Err(ParseErrorKind::DuplicateFormat);
            }
            seen_pt[pt] = true;
        } else if formats.iter().any(|f| f.id == id) {
            return Err(ParseErrorKind::DuplicateFormat);
        }
        formats.push(MediaFormat {
            id: id.to_owned(),
            rtpmap: None,
            fmtp: None,
        });
    }
    let mut description = MediaDescription::new(MediaType::from_token(media), port, proto);
    description.port_count = port_count;
    description.formats = formats;
    Ok(description)
}

fn is_token_with_slash(s: &str) -> bool {
    !s.is_empty() && s.split('/').all(is_token)
}

/// Splits `name[:value]`, enforcing the attribute limits and the name's
/// token grammar.
fn split_attribute<'v>(
    value: &'v str,
    count: usize,
    limits: &Limits,
) -> std::result::Result<(&'v str, Option<&'v str>), ParseErrorKind> {
    if count > limits.max_attributes {
        return Err(ParseErrorKind::TooManyAttributes {
            limit: limits.max_attributes,
        });
    }
    let (name, attr_value) = match value.split_once(':') {
        Some((name, v)) => (name, Some(v)),
        None => (value, None),
    };
    if attr_value.is_some_and(|v| v.len() > limits.max_attribute_len) {
        return Err(ParseErrorKind::AttributeTooLong {
            limit: limits.max_attribute_len,
        });
    }
    if !is_token(name) {
        return Err(ParseErrorKind::Invalid {
            what: "attribute name",
        });
    }
    Ok((name, attr_value))
}

fn media_attribute(media: &mut MediaDescription, name: &str, value: Option<&str>) -> LineResult {
    let rtp = media.is_rtp();
    match (name, value) {
        ("rtpmap", Some(value)) => {
            let (id, rest) =
                split_format(value, rtp, "a=rtpmap (expected <pt> <encoding>/<rate>)")?;
            let Some(format) = media.formats.iter_mut().find(|f| f.id == id) else {
                media.attributes.push(Attribute::new(name, value));
                return Ok(());
            };
            if format.rtpmap.is_some() {
                return Err(ParseErrorKind::DuplicateAttribute("rtpmap"));
            }
            format.rtpmap = Some(parse_rtpmap(rest)?);
            Ok(())
        }
        ("fmtp", Some(value)) => {
            let (id, rest) = split_format(value, rtp, "a=fmtp (expected <format> <parameters>)")?;
            let Some(format) = media.formats.iter_mut().find(|f| f.id == id) else {
                media.attributes.push(Attribute::new(name, value));
                return Ok(());
            };
            if format.fmtp.is_some() {
                return Err(ParseErrorKind::DuplicateAttribute("fmtp"));
            }
            format.fmtp = Some(rest.to_owned());
            Ok(())
        }
        ("ptime", Some(value)) => set_attribute_once(
            &mut media.ptime,
            "ptime",
            parse_packet_time(value, "a=ptime (expected milliseconds 1-10000)")?,
        ),
        ("maxptime", Some(value)) => set_attribute_once(
            &mut media.maxptime,
            "maxptime",
            parse_packet_time(value, "a=maxptime (expected milliseconds 1-10000)")?,
        ),
        ("rtcp", Some(value)) => set_attribute_once(&mut media.rtcp, "rtcp", parse_rtcp(value)?),
        ("rtcp-mux", None) => {
            media.rtcp_mux = true;
            Ok(())
        }
        (_, None) if Direction::from_attribute(name).is_some() => {
            let direction = Direction::from_attribute(name).unwrap_or_default();
            set_direction(&mut media.direction, direction)
        }
        _ => {
            media.attributes.push(Attribute {
                name: name.to_owned(),
                value: value.map(str::to_owned),
            });
            Ok(())
        }
    }
}

fn set_attribute_once<T>(slot: &mut Option<T>, name: &'static str, value: T) -> LineResult {
    if slot.is_some() {
        return Err(ParseErrorKind::DuplicateAttribute(name));
    }
    *slot = Some(value);
    Ok(())
}

/// Splits `<format> <rest>` of rtpmap/fmtp; for RTP the format must be a
/// payload type 0–127.
fn split_format<'v>(
    value: &'v str,
    rtp: bool,
    what: &'static str,
) -> std::result::Result<(&'v str, &'v str), ParseErrorKind> {
    let (id, rest) = match value.split_once([' ', '\t']) {
        Some((id, rest)) => (id, rest.trim_start()),
        None => (value, ""),
    };
    if id.is_empty() {
        return Err(ParseErrorKind::Invalid { what });
    }
    if rtp {
        parse_payload_type(id)?;
    }
    Ok((id, rest))
}

fn parse_rtpmap(value: &str) -> std::result::Result<RtpMap, ParseErrorKind> {
    let invalid = ParseErrorKind::Invalid {
        what: "a=rtpmap (expected <pt> <encoding>/<rate>[/<channels>])",
    };
    let mut parts = value.split('/');
    let (Some(encoding), Some(rate)) = (parts.next(), parts.next()) else {
        return Err(invalid);
    };
    let channels = parts.next();
    if parts.next().is_some() || !is_token(encoding) {
        return Err(invalid);
    }
    let clock_rate = number::<u32>(rate)
        .filter(|r| *r > 0)
        .ok_or(invalid.clone())?;
    let channels = match channels {
        Some(c) => Some(number::<u16>(c).filter(|c| *c > 0).ok_or(invalid)?),
        None => None,
    };
    Ok(RtpMap {
        encoding: encoding.to_owned(),
        clock_rate,
        channels,
    })
}

fn parse_packet_time(value: &str, what: &'static str) -> std::result::Result<u32, ParseErrorKind> {
    number::<u32>(value.trim())
        .filter(|ms| (1..=10_000).contains(ms))
        .ok_or(ParseErrorKind::Invalid { what })
}

fn parse_rtcp(value: &str) -> std::result::Result<Rtcp, ParseErrorKind> {
    let fields: Vec<&str> = value.split_ascii_whitespace().collect();
    match fields[..] {
        [port] => Ok(Rtcp {
            port: parse_port(port)?,
            connection: None,
        }),
        [port, net_type, addr_type, address] => Ok(Rtcp {
            port: parse_port(port)?,
            connection: Some(Connection {
                net_type: net_type.to_owned(),
                addr_type: parse_addr_type(addr_type)?,
                address: address.to_owned(),
                ttl: None,
                count: None,
            }),
        }),
        _ => Err(ParseErrorKind::Invalid {
            what: "a=rtcp (expected <port> [IN IP4|IP6 <address>])",
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<SessionDescription> {
        SessionDescription::parse(s.as_bytes())
    }

    fn kind(s: &str) -> ParseErrorKind {
        parse(s).expect_err("must fail").kind
    }

    const MIN: &str = "v=0\r\no=- 1 2 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n";

    #[test]
    fn minimal_session() {
        let sdp = parse(MIN).expect("parses");
        assert_eq!(sdp.origin.username, "-");
        assert_eq!(sdp.origin.session_id, "1");
        assert_eq!(sdp.origin.session_version, 2);
        assert_eq!(sdp.origin.addr_type, AddrType::Ip4);
        assert_eq!(sdp.session_name, "-");
        assert_eq!(
            sdp.connection.as_ref().map(|c| c.address.as_str()),
            Some("192.0.2.1")
        );
        assert_eq!(sdp.timing, vec![Timing::permanent()]);
        assert!(sdp.media.is_empty());
    }

    #[test]
    fn lf_only_trailing_whitespace_and_blank_lines() {
        let text = "v=0\no=- 1 2 IN IP4 192.0.2.1  \ns= \n\nt=0 0\t\nm=audio 4000 RTP/AVP 0 \na=sendonly \n\n";
        let sdp = parse(text).expect("parses");
        assert_eq!(sdp.session_name, "");
        assert_eq!(sdp.media[0].direction, Some(Direction::SendOnly));
        assert_eq!(sdp.media[0].formats[0].id, "0");
    }

    #[test]
    fn origin_errors() {
        assert_eq!(
            parse_origin("- 1 2 IN IP4").unwrap_err(),
            ParseErrorKind::Invalid {
                what: "o= line: expected 6 fields"
            }
        );
        assert!(matches!(
            parse_origin("- 1 x IN IP4 a"),
            Err(ParseErrorKind::Invalid { .. })
        ));
        assert!(matches!(
            parse_origin("- 1 2 IN IPX a"),
            Err(ParseErrorKind::Invalid { .. })
        ));
        assert!(matches!(
            parse_origin("- 1 99999999999999999999 IN IP4 a"),
            Err(ParseErrorKind::Invalid { .. })
        ));
        let o = parse_origin("jdoe 2890844526 2890842807 IN ip6 ::1").expect("parses");
        assert_eq!(o.addr_type, AddrType::Ip6);
    }

    #[test]
    fn connection_forms() {
        let c = parse_connection("IN IP4 224.2.17.12/127").expect("parses");
        assert_eq!((c.ttl, c.count), (Some(127), None));
        let c = parse_connection("IN IP4 224.2.1.1/127/3").expect("parses");
        assert_eq!((c.ttl, c.count), (Some(127), Some(3)));
        let c = parse_connection("IN IP6 ff15::101/3").expect("parses");
        assert_eq!((c.ttl, c.count), (None, Some(3)));
        assert!(parse_connection("IN IP4 1.2.3.4/300").is_err());
        assert!(parse_connection("IN IP6 ::1/1/2").is_err());
        assert!(parse_connection("IN IP4").is_err());
        assert!(parse_connection("IN IP4 /1").is_err());
        assert!(parse_connection("IN IP4 host.example.com").is_ok());
    }

    #[test]
    fn bandwidth_and_timing() {
        assert_eq!(
            parse_bandwidth("AS:64").expect("parses"),
            Bandwidth {
                kind: "AS".into(),
                value: 64
            }
        );
        assert!(parse_bandwidth("AS64").is_err());
        assert!(parse_bandwidth(":64").is_err());
        assert!(parse_bandwidth("AS:-1").is_err());
        assert_eq!(
            parse_timing("3034423619 3042462419").expect("parses").start,
            3_034_423_619
        );
        assert!(parse_timing("0").is_err());
        assert!(parse_timing("0 0 0").is_err());
    }

    #[test]
    fn media_line() {
        let m = parse_media("audio 49170/2 RTP/AVP 0 8 97", &Limits::DEFAULT).expect("parses");
        assert_eq!((m.port, m.port_count), (49170, Some(2)));
        assert_eq!(m.formats.len(), 3);
        assert_eq!(
            parse_media("audio 70000 RTP/AVP 0", &Limits::DEFAULT).unwrap_err(),
            ParseErrorKind::InvalidPort
        );
        assert_eq!(
            parse_media("audio +5 RTP/AVP 0", &Limits::DEFAULT).unwrap_err(),
            ParseErrorKind::InvalidPort
        );
        assert_eq!(
            parse_media("audio 5 RTP/AVP 300", &Limits::DEFAULT).unwrap_err(),
            ParseErrorKind::InvalidPayloadType
        );
        assert_eq!(
            parse_media("audio 5 RTP/AVP 0 0", &Limits::DEFAULT).unwrap_err(),
            ParseErrorKind::DuplicateFormat
        );
        let t38 = parse_media("image 6000 udptl t38", &Limits::DEFAULT).expect("parses");
        assert!(!t38.is_rtp());
        assert!(parse_media("audio 5", &Limits::DEFAULT).is_err());
        let few = Limits {
            max_formats: 2,
            ..Limits::DEFAULT
        };
        assert_eq!(
            parse_media("audio 5 RTP/AVP 0 8 9", &few).unwrap_err(),
            ParseErrorKind::TooManyFormats { limit: 2 }
        );
    }

    #[test]
    fn rtpmap_forms() {
        assert_eq!(
            parse_rtpmap("opus/48000/2").expect("parses"),
            RtpMap::new("opus", 48000, Some(2))
        );
        assert_eq!(
            parse_rtpmap("PCMU/8000").expect("parses"),
            RtpMap::new("PCMU", 8000, None)
        );
        assert!(parse_rtpmap("PCMU").is_err());
        assert!(parse_rtpmap("PCMU/0").is_err());
        assert!(parse_rtpmap("PCMU/8000/0").is_err());
        assert!(parse_rtpmap("PCMU/8000/1/1").is_err());
        assert!(parse_rtpmap("/8000").is_err());
    }

    #[test]
    fn media_attributes_are_typed() {
        let text = format!(
            "{MIN}m=audio 4000 RTP/AVP 96 101\r\na=rtpmap:96 opus/48000/2\r\na=fmtp:96 useinbandfec=1\r\n\
             a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\na=ptime:20\r\na=maxptime:40\r\n\
             a=rtcp:4001 IN IP4 192.0.2.9\r\na=rtcp-mux\r\na=x-custom:1\r\na=rtpmap:99 ghost/8000\r\na=inactive\r\n"
        );
        let sdp = parse(&text).expect("parses");
        let m = &sdp.media[0];
        assert_eq!(
            m.formats[0].rtpmap,
            Some(RtpMap::new("opus", 48000, Some(2)))
        );
        assert_eq!(m.formats[0].fmtp.as_deref(), Some("useinbandfec=1"));
        assert_eq!(m.formats[1].fmtp.as_deref(), Some("0-16"));
        assert_eq!((m.ptime, m.maxptime), (Some(20), Some(40)));
        let rtcp = m.rtcp.as_ref().expect("rtcp");
        assert_eq!(rtcp.port, 4001);
        assert_eq!(
            rtcp.connection.as_ref().map(|c| c.address.as_str()),
            Some("192.0.2.9")
        );
        assert!(m.rtcp_mux);
        assert_eq!(m.direction, Some(Direction::Inactive));
        assert_eq!(
            m.attributes,
            vec![
                Attribute::new("x-custom", "1"),
                Attribute::new("rtpmap", "99 ghost/8000")
            ]
        );
    }

    #[test]
    fn typed_attribute_errors() {
        let m = |attrs: &str| format!("{MIN}m=audio 4000 RTP/AVP 0 8\r\n{attrs}");
        assert_eq!(
            kind(&m("a=rtpmap:0 PCMU/8000\r\na=rtpmap:0 PCMU/8000\r\n")),
            ParseErrorKind::DuplicateAttribute("rtpmap")
        );
        assert_eq!(
            kind(&m("a=rtpmap:300 PCMU/8000\r\n")),
            ParseErrorKind::InvalidPayloadType
        );
        assert_eq!(
            kind(&m("a=fmtp:0 a\r\na=fmtp:0 b\r\n")),
            ParseErrorKind::DuplicateAttribute("fmtp")
        );
        assert_eq!(
            kind(&m("a=ptime:20\r\na=ptime:30\r\n")),
            ParseErrorKind::DuplicateAttribute("ptime")
        );
        assert!(matches!(
            kind(&m("a=ptime:0\r\n")),
            ParseErrorKind::Invalid { .. }
        ));
        assert!(matches!(
            kind(&m("a=ptime:abc\r\n")),
            ParseErrorKind::Invalid { .. }
        ));
        assert!(matches!(
            kind(&m("a=rtcp:1 IN\r\n")),
            ParseErrorKind::Invalid { .. }
        ));
        assert_eq!(kind(&m("a=rtcp:99999\r\n")), ParseErrorKind::InvalidPort);
        assert_eq!(
            kind(&m("a=sendonly\r\na=recvonly\r\n")),
            ParseErrorKind::ConflictingDirection
        );
        assert!(parse(&m("a=sendonly\r\na=sendonly\r\n")).is_ok());
        assert!(matches!(
            kind(&m("a=:x\r\n")),
            ParseErrorKind::Invalid {
                what: "attribute name"
            }
        ));
    }

    #[test]
    fn structure_errors_name_the_line() {
        assert_eq!(kind(""), ParseErrorKind::MissingVersion);
        assert_eq!(kind("o=- 1 2 IN IP4 a\r\n"), ParseErrorKind::MissingVersion);
        assert_eq!(kind("v=1\r\n"), ParseErrorKind::UnsupportedVersion);
        assert_eq!(
            kind("v=0\r\ns=-\r\nt=0 0\r\n"),
            ParseErrorKind::MissingLine('o')
        );
        assert_eq!(
            kind("v=0\r\no=- 1 2 IN IP4 a\r\nt=0 0\r\n"),
            ParseErrorKind::MissingLine('s')
        );
        assert_eq!(
            kind("v=0\r\no=- 1 2 IN IP4 a\r\ns=-\r\n"),
            ParseErrorKind::MissingLine('t')
        );
        let e = parse(&format!("{MIN}s=again\r\n")).unwrap_err();
        assert_eq!((e.line, e.kind), (6, ParseErrorKind::DuplicateLine('s')));
        assert_eq!(
            kind(&format!("{MIN}m=audio 1 RTP/AVP 0\r\nt=0 0\r\n")),
            ParseErrorKind::MisplacedLine('t')
        );
        assert_eq!(
            kind("v=0\r\nr=1 2 3\r\n"),
            ParseErrorKind::MisplacedLine('r')
        );
        assert_eq!(
            kind(&format!("{MIN}garbage\r\n")),
            ParseErrorKind::MalformedLine
        );
        assert_eq!(
            kind(&format!("{MIN}X=1\r\n")),
            ParseErrorKind::MalformedLine
        );
        assert_eq!(
            kind(&format!("{MIN}i=a\0b\r\n")),
            ParseErrorKind::ControlCharacter
        );
        assert_eq!(
            kind(&format!("{MIN}c=IN IP4 1.1.1.1\r\n")),
            ParseErrorKind::DuplicateLine('c')
        );
        assert_eq!(
            kind(&format!("{MIN}a=sendonly\r\na=inactive\r\n")),
            ParseErrorKind::ConflictingDirection
        );
    }

    #[test]
    fn limits_are_enforced() {
        let tiny = Limits {
            max_size: 10,
            ..Limits::DEFAULT
        };
        assert_eq!(
            parse_with_limits(MIN.as_bytes(), &tiny).unwrap_err().kind,
            ParseErrorKind::TooLarge {
                size: MIN.len(),
                limit: 10
            }
        );
        let lines = Limits {
            max_lines: 3,
            ..Limits::DEFAULT
        };
        assert_eq!(
            parse_with_limits(MIN.as_bytes(), &lines).unwrap_err(),
            ParseError::new(4, ParseErrorKind::TooManyLines { limit: 3 })
        );
        let long = Limits {
            max_line_len: 10,
            ..Limits::DEFAULT
        };
        assert_eq!(
            parse_with_limits(MIN.as_bytes(), &long).unwrap_err().kind,
            ParseErrorKind::LineTooLong { limit: 10 }
        );
        let media = Limits {
            max_media: 1,
            ..Limits::DEFAULT
        };
        let two = format!("{MIN}m=audio 1 RTP/AVP 0\r\nm=video 2 RTP/AVP 96\r\n");
        assert_eq!(
            parse_with_limits(two.as_bytes(), &media).unwrap_err().kind,
            ParseErrorKind::TooManyMedia { limit: 1 }
        );
        let attrs = Limits {
            max_attributes: 1,
            ..Limits::DEFAULT
        };
        let many = format!("{MIN}a=x\r\na=y\r\n");
        assert_eq!(
            parse_with_limits(many.as_bytes(), &attrs).unwrap_err().kind,
            ParseErrorKind::TooManyAttributes { limit: 1 }
        );
        let short = Limits {
            max_attribute_len: 3,
            ..Limits::DEFAULT
        };
        let long_attr = format!("{MIN}a=x:abcd\r\n");
        assert_eq!(
            parse_with_limits(long_attr.as_bytes(), &short)
                .unwrap_err()
                .kind,
            ParseErrorKind::AttributeTooLong { limit: 3 }
        );
        assert_eq!(
            parse(&format!("{MIN}\u{7f}")).unwrap_err().kind,
            ParseErrorKind::ControlCharacter
        );
        assert_eq!(
            SessionDescription::parse(b"v=0\r\n\xff\xfe")
                .unwrap_err()
                .kind,
            ParseErrorKind::NotUtf8
        );
    }

    #[test]
    fn unknown_lines_are_kept_in_rfc_order() {
        let text = "v=0\r\no=- 1 2 IN IP4 a\r\ns=-\r\nk=prompt\r\nu=http://x\r\nt=0 0\r\nz=0 -1h\r\ny=why\r\ne=a@b\r\n";
        let sdp = parse(text).expect("parses");
        let kinds: String = sdp.extra_lines.iter().map(|l| l.kind).collect();
        assert_eq!(kinds, "uezky");
    }

    #[test]
    fn from_str_works() {
        let sdp: SessionDescription = MIN.parse().expect("parses");
        assert_eq!(sdp.origin.address, "192.0.2.1");
    }
}
