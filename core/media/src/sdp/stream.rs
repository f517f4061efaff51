//! What one of a peer's media sections tells us: where to send RTP and
//! RTCP, which direction is in force, and whether it puts us on hold.

use std::net::{IpAddr, SocketAddr};

use super::direction::Direction;
use super::model::{MediaDescription, SessionDescription};
use super::negotiation_error::NegotiationError;

/// The direction a peer's media section asks for, with RFC 2543-style hold
/// (`c=0.0.0.0`) read as "do not send to me": the peer then at most sends.
#[must_use]
pub fn effective_direction(sdp: &SessionDescription, media: &MediaDescription) -> Direction {
    let direction = sdp.direction_for(media);
    if sdp
        .connection_for(media)
        .is_some_and(|c| c.is_unspecified())
    {
        direction.intersect(Direction::SendOnly)
    } else {
        direction
    }
}

/// Whether a peer's media section puts the other side on hold: `sendonly`
/// or `inactive` (media- or session-level), or `c=0.0.0.0` (RFC 2543).
#[must_use]
pub fn is_hold(sdp: &SessionDescription, media: &MediaDescription) -> bool {
    effective_direction(sdp, media).is_hold()
}

/// Where to send to a peer's media section.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RemoteEndpoints {
    /// The RTP address.
    pub rtp: SocketAddr,
    /// The RTCP address: the RTP address when muxed, else `a=rtcp`
    /// (RFC 3605), else the RTP port + 1.
    pub rtcp: SocketAddr,
}

/// The RTP and RTCP addresses of the `stream`-th media section of `sdp`;
/// `mux` says whether rtcp-mux was negotiated.
///
/// # Errors
/// [`NegotiationError::MissingConnection`] without a `c=` line,
/// [`NegotiationError::UnresolvedAddress`] when it is not an IP literal.
pub fn remote_endpoints(
    sdp: &SessionDescription,
    stream: usize,
    media: &MediaDescription,
    mux: bool,
) -> Result<RemoteEndpoints, NegotiationError> {
    let connection = sdp
        .connection_for(media)
        .ok_or(NegotiationError::MissingConnection { stream })?;
    let ip: IpAddr = connection
        .ip()
        .ok_or(NegotiationError::UnresolvedAddress { stream })?;
    let rtp = SocketAddr::new(ip, media.port);
    let rtcp = if mux {
        rtp
    } else if let Some(attr) = &media.rtcp {
        let rtcp_ip = match &attr.connection {
            Some(c) => c
                .ip()
                .ok_or(NegotiationError::UnresolvedAddress { stream })?,
            None => ip,
        };
        SocketAddr::new(rtcp_ip, attr.port)
    } else {
        SocketAddr::new(ip, media.port.wrapping_add(1))
    };
    Ok(RemoteEndpoints { rtp, rtcp })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sdp(body: &str) -> SessionDescription {
        let text = format!("v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nt=0 0\r\n{body}");
        SessionDescription::parse(text.as_bytes()).expect("parses")
    }

    #[test]
    fn rtcp_address_rules() {
        let s = sdp("c=IN IP4 192.0.2.1\r\nm=audio 4000 RTP/AVP 0\r\n");
        let e = remote_endpoints(&s, 0, &s.media[0], false).expect("endpoints");
        assert_eq!(e.rtp.to_string(), "192.0.2.1:4000");
        assert_eq!(e.rtcp.to_string(), "192.0.2.1:4001");
        let e = remote_endpoints(&s, 0, &s.media[0], true).expect("endpoints");
        assert_eq!(e.rtcp, e.rtp);
        let s = sdp("c=IN IP4 192.0.2.1\r\nm=audio 4000 RTP/AVP 0\r\na=rtcp:5000\r\n");
        let e = remote_endpoints(&s, 0, &s.media[0], false).expect("endpoints");
        assert_eq!(e.rtcp.to_string(), "192.0.2.1:5000");
        let s = sdp(
            "c=IN IP4 192.0.2.1\r\nm=audio 4000 RTP/AVP 0\r\na=rtcp:53020 IN IP6 2001:db8::1\r\n",
        );
        let e = remote_endpoints(&s, 0, &s.media[0], false).expect("endpoints");
        assert_eq!(e.rtcp.to_string(), "[2001:db8::1]:53020");
    }

    #[test]
    fn media_connection_wins_and_errors() {
        let s = sdp("c=IN IP4 192.0.2.1\r\nm=audio 4000 RTP/AVP 0\r\nc=IN IP6 ::2\r\n");
        let e = remote_endpoints(&s, 0, &s.media[0], false).expect("endpoints");
        assert_eq!(e.rtp.to_string(), "[::2]:4000");
        let s = sdp("m=audio 4000 RTP/AVP 0\r\n");
        assert_eq!(
            remote_endpoints(&s, 0, &s.media[0], false),
            Err(NegotiationError::MissingConnection { stream: 0 })
        );
        let s = sdp("c=IN IP4 pbx.example.com\r\nm=audio 4000 RTP/AVP 0\r\n");
        assert_eq!(
            remote_endpoints(&s, 0, &s.media[0], false),
            Err(NegotiationError::UnresolvedAddress { stream: 0 })
        );
    }

    #[test]
    fn hold_forms() {
        let s = sdp("c=IN IP4 192.0.2.1\r\nm=audio 4000 RTP/AVP 0\r\n");
        assert!(!is_hold(&s, &s.media[0]));
        let s = sdp("c=IN IP4 192.0.2.1\r\nm=audio 4000 RTP/AVP 0\r\na=sendonly\r\n");
        assert!(is_hold(&s, &s.media[0]));
        let s = sdp("c=IN IP4 192.0.2.1\r\na=inactive\r\nm=audio 4000 RTP/AVP 0\r\n");
        assert!(is_hold(&s, &s.media[0]));
        let s = sdp("c=IN IP4 192.0.2.1\r\na=inactive\r\nm=audio 4000 RTP/AVP 0\r\na=sendrecv\r\n");
        assert!(!is_hold(&s, &s.media[0]), "media level wins");
        let s = sdp("c=IN IP4 0.0.0.0\r\nm=audio 4000 RTP/AVP 0\r\n");
        assert!(is_hold(&s, &s.media[0]));
        assert_eq!(effective_direction(&s, &s.media[0]), Direction::SendOnly);
        let s = sdp("c=IN IP4 0.0.0.0\r\nm=audio 4000 RTP/AVP 0\r\na=recvonly\r\n");
        assert_eq!(effective_direction(&s, &s.media[0]), Direction::Inactive);
        let s = sdp("c=IN IP4 192.0.2.1\r\nm=audio 4000 RTP/AVP 0\r\na=recvonly\r\n");
        assert!(!is_hold(&s, &s.media[0]));
    }
}
