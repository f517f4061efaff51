//! Stamping where a request really came from onto its top Via (RFC 3261
//! §18.2.1 `received`, RFC 3581 `rport`), so that responses built from it
//! travel back through NATs to the address and port the request came from.

use super::error::ParseError;
use super::header_name::HeaderName;
use super::request::Request;
use super::syntax::split_list;
use super::via::Via;
use std::net::SocketAddr;

impl Request {
    /// Adds `received=<source ip>` to the top Via when its sent-by host is
    /// not that address, and fills in `rport=<source port>` when the client
    /// asked for it (adding `received` too, as RFC 3581 requires).
    pub fn stamp_received(&mut self, source: SocketAddr) -> Result<(), ParseError> {
        let hops: Vec<String> = self
            .headers()
            .values(HeaderName::Via)
            .flat_map(split_list)
            .map(|hop| hop.trim().to_owned())
            .collect();
        let Some(top) = hops.first() else {
            return Err(ParseError::Missing("Via"));
        };
        let via = Via::parse(top)?;
        let ip = source.ip().to_string();
        let sent_by_host = via.host.trim_start_matches('[').trim_end_matches(']');
        let wants_rport = via.rport().is_some();
        if sent_by_host == ip && !wants_rport {
            return Ok(());
        }
        let mut stamped = format!(
            "{}/{}/{} {}",
            via.protocol_name, via.protocol_version, via.transport, via.host
        );
        if let Some(port) = via.port {
            stamped.push_str(&format!(":{port}"));
        }
        for param in via.params.iter() {
            let name = param.name;
            if name.eq_ignore_ascii_case("received") || name.eq_ignore_ascii_case("rport") {
                continue;
            }
            stamped.push(';');
            stamped.push_str(name);
            if let Some(value) = param.value {
                stamped.push('=');
                stamped.push_str(value);
            }
        }
        stamped.push_str(&format!(";received={ip}"));
        if wants_rport {
            stamped.push_str(&format!(";rport={}", source.port()));
        }
        let headers = self.headers_mut();
        headers.remove("Via");
        headers.push("Via", &stamped)?;
        for hop in &hops[1..] {
            headers.push("Via", hop)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::Message;

    fn request(via_lines: &str) -> Request {
        let text = format!(
            "OPTIONS sip:a@b SIP/2.0\r\n{via_lines}To: <sip:a@b>\r\nFrom: <sip:c@d>;tag=1\r\nCall-ID: x\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n"
        );
        match Message::parse(text.as_bytes()).unwrap() {
            Message::Request(r) => r,
            Message::Response(_) => unreachable!(),
        }
    }

    fn vias(r: &Request) -> Vec<String> {
        r.headers()
            .values(HeaderName::Via)
            .map(str::to_owned)
            .collect()
    }

    #[test]
    fn rport_is_filled_and_received_added() {
        let mut r = request(
            "Via: SIP/2.0/UDP phone.example:5070;branch=z9hG4bK1;rport, SIP/2.0/UDP proxy;branch=z9hG4bK0\r\n",
        );
        r.stamp_received("192.0.2.7:40000".parse().unwrap())
            .unwrap();
        assert_eq!(
            vias(&r),
            [
                "SIP/2.0/UDP phone.example:5070;branch=z9hG4bK1;received=192.0.2.7;rport=40000",
                "SIP/2.0/UDP proxy;branch=z9hG4bK0"
            ]
        );
        let top = r.headers().top_via().unwrap();
        assert_eq!(top.rport(), Some(Some(40000)));
    }

    #[test]
    fn a_matching_sent_by_without_rport_is_left_alone() {
        let mut r = request("Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK1\r\n");
        r.stamp_received("127.0.0.1:5070".parse().unwrap()).unwrap();
        assert_eq!(vias(&r), ["SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK1"]);
    }

    #[test]
    fn a_different_host_gets_received() {
        let mut r = request("Via: SIP/2.0/TCP host.invalid;branch=z9hG4bK1;received=10.0.0.1\r\n");
        r.stamp_received("[::1]:5060".parse().unwrap()).unwrap();
        assert_eq!(
            vias(&r),
            ["SIP/2.0/TCP host.invalid;branch=z9hG4bK1;received=::1"]
        );
    }
}
