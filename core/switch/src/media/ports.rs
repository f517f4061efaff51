//! The RTP port range (`--rtp-ports LOW-HIGH`): each leg takes an even
//! port for RTP and the odd one above it for RTCP (RFC 3550 §11), and
//! gives both back when it ends. Ports another program holds are skipped,
//! so several switches (or tests) may share a range.

use std::collections::HashSet;
use std::io;
use std::net::{IpAddr, SocketAddr, UdpSocket};
use std::sync::{Arc, Mutex};

/// The default range, as FreeSWITCH's `rtp-start-port`/`rtp-end-port`.
pub const DEFAULT_RANGE: (u16, u16) = (16384, 32768);

/// A range of RTP ports and which of them legs hold now.
#[derive(Debug)]
pub struct RtpPorts {
    low: u16,
    high: u16,
    state: Mutex<PoolState>,
}

#[derive(Debug)]
struct PoolState {
    next: u16,
    in_use: HashSet<u16>,
}

/// An RTP/RTCP socket pair bound for one leg; the ports return to the
/// range when the lease drops.
#[derive(Debug)]
pub struct BoundPorts {
    /// The RTP socket (non-blocking).
    pub rtp: UdpSocket,
    /// The RTCP socket on the next port (non-blocking).
    pub rtcp: UdpSocket,
    /// The lease on both ports.
    pub lease: PortLease,
}

/// Holds one even port (and the odd one above it) until dropped.
#[derive(Debug)]
pub struct PortLease {
    pool: Arc<RtpPorts>,
    port: u16,
}

impl PortLease {
    /// The RTP port.
    pub fn port(&self) -> u16 {
        self.port
    }
}

impl Drop for PortLease {
    fn drop(&mut self) {
        self.pool.lock().in_use.remove(&self.port);
    }
}

impl RtpPorts {
    /// The ports `low..=high`; RTP takes the even ones.
    ///
    /// # Errors
    /// When the range holds no even/odd pair.
    pub fn new(low: u16, high: u16) -> Result<Arc<RtpPorts>, String> {
        let first = low + low % 2;
        if low == 0 || first >= high {
            return Err(format!(
                "RTP port range {low}-{high} must be LOW-HIGH with 0 < LOW < HIGH and room for an even/odd pair"
            ));
        }
        Ok(Arc::new(RtpPorts {
            low: first,
            high,
            state: Mutex::new(PoolState {
                next: first,
                in_use: HashSet::new(),
            }),
        }))
    }

    /// Parses `LOW-HIGH`.
    ///
    /// # Errors
    /// A message naming what is wrong.
    pub fn parse_range(text: &str) -> Result<(u16, u16), String> {
        let (low, high) = text
            .split_once('-')
            .ok_or_else(|| format!("'{text}' is not LOW-HIGH (e.g. 16384-32768)"))?;
        let parse = |s: &str| {
            s.trim()
                .parse::<u16>()
                .map_err(|_| format!("'{s}' in '{text}' is not a port number"))
        };
        let (low, high) = (parse(low)?, parse(high)?);
        RtpPorts::new(low, high)?;
        Ok((low, high))
    }

    /// The range, as given (the low end rounded up to even).
    pub fn range(&self) -> (u16, u16) {
        (self.low, self.high)
    }

    /// How many pairs legs hold now.
    pub fn in_use(&self) -> usize {
        self.lock().in_use.len()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, PoolState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Binds the next free pair on `ip`, round-robin through the range so
    /// a port just released is not reused at once (late packets of the old
    /// call would land in the new one).
    ///
    /// # Errors
    /// When every pair is taken.
    pub fn bind(self: &Arc<Self>, ip: IpAddr) -> io::Result<BoundPorts> {
        let pairs = usize::from((self.high - self.low).div_ceil(2));
        let mut state = self.lock();
        for _ in 0..pairs {
            let port = state.next;
            state.next = if port + 3 > self.high {
                self.low
            } else {
                port + 2
            };
            if state.in_use.contains(&port) {
                continue;
            }
            let Ok(rtp) = UdpSocket::bind(SocketAddr::new(ip, port)) else {
                continue;
            };
            let Ok(rtcp) = UdpSocket::bind(SocketAddr::new(ip, port + 1)) else {
                continue;
            };
            rtp.set_nonblocking(true)?;
            rtcp.set_nonblocking(true)?;
            state.in_use.insert(port);
            return Ok(BoundPorts {
                rtp,
                rtcp,
                lease: PortLease {
                    pool: Arc::clone(self),
                    port,
                },
            });
        }
        Err(io::Error::new(
            io::ErrorKind::AddrInUse,
            format!(
                "no free RTP port pair in {}-{} ({} held by calls)",
                self.low,
                self.high,
                state.in_use.len()
            ),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;

    #[test]
    fn ranges_are_checked() {
        assert_eq!(RtpPorts::parse_range("16384-32768"), Ok((16384, 32768)));
        assert!(RtpPorts::parse_range("100").is_err());
        assert!(RtpPorts::parse_range("200-100").is_err());
        assert!(RtpPorts::parse_range("0-100").is_err());
        assert!(RtpPorts::parse_range("x-100").is_err());
        assert!(RtpPorts::parse_range("101-102").is_err());
    }

    #[test]
    fn pairs_are_even_skipped_when_taken_and_returned() {
        // Find a range nobody uses: bind a pair ourselves first.
        let probe = UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).expect("probe");
        let base = probe.local_addr().expect("addr").port() & !1;
        drop(probe);
        let (low, high) = (base.max(1024), base.max(1024) + 7);
        let pool = RtpPorts::new(low, high).expect("pool");
        let blocker = UdpSocket::bind((Ipv4Addr::LOCALHOST, pool.range().0));
        let a = pool.bind(IpAddr::V4(Ipv4Addr::LOCALHOST)).expect("a");
        assert_eq!(a.lease.port() % 2, 0);
        assert_eq!(
            a.rtcp.local_addr().expect("rtcp").port(),
            a.lease.port() + 1
        );
        if blocker.is_ok() {
            assert_ne!(a.lease.port(), pool.range().0, "a taken port is skipped");
        }
        assert_eq!(pool.in_use(), 1);
        drop(a);
        assert_eq!(pool.in_use(), 0);
    }

    #[test]
    fn an_exhausted_range_says_so() {
        let probe = UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).expect("probe");
        let base = (probe.local_addr().expect("addr").port() & !1).max(1024);
        drop(probe);
        let pool = RtpPorts::new(base, base + 1).expect("pool");
        let held = pool.bind(IpAddr::V4(Ipv4Addr::LOCALHOST));
        if let Ok(_held) = held {
            let err = pool
                .bind(IpAddr::V4(Ipv4Addr::LOCALHOST))
                .expect_err("one pair only");
            assert!(err.to_string().contains("no free RTP port pair"), "{err}");
        }
    }
}
