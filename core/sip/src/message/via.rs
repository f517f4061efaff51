//! The Via header (RFC 3261 §20.42, RFC 3581 `rport`): one hop per
//! comma-separated element, across all Via lines.

use super::error::ParseError;
use super::params::Params;
use super::syntax::{is_ws, skip_token, skip_ws};
use super::uri::split_host_port;

/// One Via hop: `SIP/2.0/UDP host:port;branch=...;rport`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Via<'a> {
    /// The protocol name, normally `SIP`.
    pub protocol_name: &'a str,
    /// The protocol version, normally `2.0`.
    pub protocol_version: &'a str,
    /// The transport as received: `UDP`, `TCP`, `TLS`, `SCTP`, `WS`, or anything else.
    pub transport: &'a str,
    /// The sent-by host (name, IPv4, or `[IPv6]`).
    pub host: &'a str,
    /// The sent-by port, if given.
    pub port: Option<u16>,
    /// All parameters (`branch`, `received`, `rport`, `maddr`, `ttl`, others).
    pub params: Params<'a>,
}

const WHAT: &str = "Via";

impl<'a> Via<'a> {
    /// Parses one Via element (not a comma-separated list).
    pub fn parse(text: &'a str) -> Result<Via<'a>, ParseError> {
        parse_via(text).map_err(|detail| ParseError::Malformed { what: WHAT, detail })
    }

    /// The `branch` parameter.
    pub fn branch(&self) -> Option<&'a str> {
        self.params.value("branch")
    }

    /// The `received` parameter (RFC 3261 §18.2.1).
    pub fn received(&self) -> Option<&'a str> {
        self.params.value("received")
    }

    /// The `rport` parameter (RFC 3581): `None` if absent, `Some(None)` when
    /// requested without a value, `Some(Some(port))` when filled in.
    pub fn rport(&self) -> Option<Option<u16>> {
        self.params
            .get("rport")
            .map(|v| v.and_then(|p| p.parse().ok()))
    }

    /// The `maddr` parameter.
    pub fn maddr(&self) -> Option<&'a str> {
        self.params.value("maddr")
    }

    /// True if the branch carries the RFC 3261 magic cookie `z9hG4bK`.
    pub fn has_rfc3261_branch(&self) -> bool {
        self.branch().is_some_and(|b| b.starts_with("z9hG4bK"))
    }
}

fn parse_via(text: &str) -> Result<Via<'_>, &'static str> {
    let b = text.as_bytes();
    let token_at = |i: usize| -> Result<(&str, usize), &'static str> {
        let end = skip_token(b, i);
        if end == i {
            return Err("bad sent-protocol");
        }
        Ok((text.get(i..end).unwrap_or_default(), end))
    };
    let slash = |i: usize| -> Result<usize, &'static str> {
        let i = skip_ws(b, i);
        if b.get(i) != Some(&b'/') {
            return Err("bad sent-protocol");
        }
        Ok(skip_ws(b, i + 1))
    };
    let (protocol_name, i) = token_at(skip_ws(b, 0))?;
    let (protocol_version, i) = token_at(slash(i)?)?;
    let (transport, i) = token_at(slash(i)?)?;
    if !b.get(i).is_some_and(|&c| is_ws(c)) {
        return Err("missing sent-by");
    }
    let host_start = skip_ws(b, i);
    let mut k = host_start;
    while b.get(k).is_some_and(|&c| {
        c.is_ascii_alphanumeric() || matches!(c, b'-' | b'.' | b'_' | b'[' | b']' | b':')
    }) {
        if b.get(k) == Some(&b':') && b.get(host_start) != Some(&b'[') {
            break;
        }
        k += 1;
    }
    let host_end = k;
    let mut port_text = None;
    let after_host = skip_ws(b, k);
    if b.get(after_host) == Some(&b':') {
        let port_start = skip_ws(b, after_host + 1);
        let mut p = port_start;
        while b.get(p).is_some_and(u8::is_ascii_digit) {
            p += 1;
        }
        port_text = text.get(port_start..p);
        k = p;
    }
    let hostport = text.get(host_start..host_end).unwrap_or_default();
    let (host, embedded_port) = split_host_port(hostport)?;
    let port = match port_text {
        None => embedded_port,
        Some(p) => Some(p.parse::<u16>().map_err(|_| "bad port")?),
    };
    let params = Params::parse(text.get(k..).unwrap_or_default())?;
    if let Some(Some(rport)) = params.get("rport")
        && rport.parse::<u16>().is_err()
    {
        return Err("bad rport");
    }
    if params.contains("branch") && params.value("branch").is_none() {
        return Err("branch without value");
    }
    Ok(Via {
        protocol_name,
        protocol_version,
        transport,
        host,
        port,
        params,
    })
}
