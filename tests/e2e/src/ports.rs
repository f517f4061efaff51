//! Free loopback ports for servers started by the tests.

use std::net::{Ipv4Addr, TcpListener, UdpSocket};

/// A TCP port on 127.0.0.1 that was free a moment ago.
///
/// The port is found by binding `127.0.0.1:0` and releasing it, so another
/// process may take it before the switch binds it; [`crate::Switch::start`]
/// retries with a new port when that happens.
///
/// The number is also free for UDP at that moment: SIP peers (SIPp, the
/// switch) take the same number for both transports, and a TCP-only check
/// let a test hand out a port another test's UDP peer held.
pub fn free_tcp_port() -> u16 {
    loop {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind 127.0.0.1:0");
        let port = listener
            .local_addr()
            .expect("local address of a bound listener")
            .port();
        if UdpSocket::bind((Ipv4Addr::LOCALHOST, port)).is_ok() {
            return port;
        }
    }
}
