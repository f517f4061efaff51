//! A minimal SIP test client, written for the tests and independent of the
//! switch's own parser: send raw bytes over UDP or TCP, read responses as
//! status code + headers, and probe with OPTIONS.

use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpStream, UdpSocket};
use std::time::{Duration, Instant};

/// A response as the tests see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SipResponse {
    /// The status code.
    pub status: u16,
    /// The reason phrase.
    pub reason: String,
    /// Header lines, `(name, value)`, names as sent.
    pub headers: Vec<(String, String)>,
}

impl SipResponse {
    /// Parses the head of a response; `None` if it is not one.
    pub fn parse(text: &str) -> Option<SipResponse> {
        let mut lines = text.split("\r\n");
        let status_line = lines.next()?;
        let rest = status_line.strip_prefix("SIP/2.0 ")?;
        let (code, reason) = rest.split_once(' ').unwrap_or((rest, ""));
        let headers = lines
            .take_while(|l| !l.is_empty())
            .filter_map(|l| l.split_once(':'))
            .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
            .collect();
        Some(SipResponse {
            status: code.parse().ok()?,
            reason: reason.to_owned(),
            headers,
        })
    }

    /// The first value of a header (case-insensitive name; compact `i` for Call-ID too).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| {
                n.eq_ignore_ascii_case(name) || (name.eq_ignore_ascii_case("Call-ID") && n == "i")
            })
            .map(|(_, v)| v.as_str())
    }
}

/// An OPTIONS request with a unique Call-ID, sent by the tests as a probe:
/// when its answer arrives, everything sent before has been answered.
pub fn options_probe(call_id: &str, transport: &str, local: SocketAddr) -> Vec<u8> {
    format!(
        "OPTIONS sip:probe@127.0.0.1 SIP/2.0\r\n\
         Via: SIP/2.0/{transport} {local};branch=z9hG4bK-{call_id};rport\r\n\
         Max-Forwards: 70\r\n\
         To: <sip:probe@127.0.0.1>\r\n\
         From: <sip:tester@127.0.0.1>;tag=probe\r\n\
         Call-ID: {call_id}\r\n\
         CSeq: 1 OPTIONS\r\n\
         Content-Length: 0\r\n\r\n"
    )
    .into_bytes()
}

/// A UDP SIP client on 127.0.0.1.
pub struct UdpSip {
    socket: UdpSocket,
    server: SocketAddr,
}

impl UdpSip {
    /// Binds a free port and talks to `127.0.0.1:port`.
    pub fn new(port: u16) -> UdpSip {
        let socket = UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind udp");
        UdpSip {
            socket,
            server: SocketAddr::from((Ipv4Addr::LOCALHOST, port)),
        }
    }

    /// The local address.
    pub fn local(&self) -> SocketAddr {
        self.socket.local_addr().expect("local address")
    }

    /// Sends one datagram.
    pub fn send(&self, bytes: &[u8]) {
        self.socket.send_to(bytes, self.server).expect("send udp");
    }

    /// The first response that carries `call_id`, waiting up to `timeout`.
    pub fn response_for(&self, call_id: &str, timeout: Duration) -> Option<SipResponse> {
        let deadline = Instant::now() + timeout;
        let mut buffer = vec![0u8; 65_536];
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            self.socket
                .set_read_timeout(Some(left.max(Duration::from_millis(1))))
                .expect("set timeout");
            let n = self.socket.recv(&mut buffer).ok()?;
            if let Some(response) = SipResponse::parse(&String::from_utf8_lossy(&buffer[..n]))
                && response.header("Call-ID") == Some(call_id)
            {
                return Some(response);
            }
        }
        None
    }

    /// Receives responses until one carries `call_id`, or `timeout`.
    /// Returns the responses before it and whether it arrived.
    pub fn until_call_id(&self, call_id: &str, timeout: Duration) -> (Vec<SipResponse>, bool) {
        let deadline = Instant::now() + timeout;
        let mut before = Vec::new();
        let mut buffer = vec![0u8; 65_536];
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            self.socket
                .set_read_timeout(Some(left.max(Duration::from_millis(1))))
                .expect("set timeout");
            let Ok(n) = self.socket.recv(&mut buffer) else {
                break;
            };
            let Some(response) = SipResponse::parse(&String::from_utf8_lossy(&buffer[..n])) else {
                continue;
            };
            if response.header("Call-ID") == Some(call_id) {
                return (before, true);
            }
            before.push(response);
        }
        (before, false)
    }
}

/// A TCP SIP client connection to 127.0.0.1.
pub struct TcpSip {
    stream: TcpStream,
    buffer: Vec<u8>,
}

impl TcpSip {
    /// Connects to `127.0.0.1:port`.
    pub fn connect(port: u16) -> TcpSip {
        let stream = TcpStream::connect((Ipv4Addr::LOCALHOST, port)).expect("connect tcp");
        TcpSip {
            stream,
            buffer: Vec::new(),
        }
    }

    /// The local address.
    pub fn local(&self) -> SocketAddr {
        self.stream.local_addr().expect("local address")
    }

    /// Writes bytes; false when the switch has closed the connection.
    pub fn send(&mut self, bytes: &[u8]) -> bool {
        self.stream.write_all(bytes).is_ok()
    }

    /// Reads responses until one carries `call_id`, the connection closes,
    /// or `timeout`. Returns the responses before it and whether it arrived.
    pub fn until_call_id(&mut self, call_id: &str, timeout: Duration) -> (Vec<SipResponse>, bool) {
        let deadline = Instant::now() + timeout;
        let mut before = Vec::new();
        loop {
            while let Some((response, used)) = self.next_buffered() {
                self.buffer.drain(..used);
                if response.header("Call-ID") == Some(call_id) {
                    return (before, true);
                }
                before.push(response);
            }
            let Some(left) = deadline.checked_duration_since(Instant::now()) else {
                return (before, false);
            };
            self.stream
                .set_read_timeout(Some(left.max(Duration::from_millis(1))))
                .expect("set timeout");
            let mut chunk = [0u8; 16_384];
            match self.stream.read(&mut chunk) {
                Ok(0) | Err(_) => return (before, false),
                Ok(n) => self.buffer.extend_from_slice(&chunk[..n]),
            }
        }
    }

    /// A complete response at the start of the buffer and its length.
    fn next_buffered(&self) -> Option<(SipResponse, usize)> {
        let text = String::from_utf8_lossy(&self.buffer);
        let head_end = text.find("\r\n\r\n")?;
        let response = SipResponse::parse(&text[..head_end])?;
        let body: usize = response
            .header("Content-Length")
            .or_else(|| response.header("l"))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        let total = head_end + 4 + body;
        (self.buffer.len() >= total).then_some((response, total))
    }
}
