//! A tiny HTTP/1.1 server on 127.0.0.1 that stands in for a CRM or a
//! webhook receiver when a test drives the switch's `curl` application:
//! it records every request it gets and either answers each with a fixed
//! status and body ([`HttpPeer::answering`]) or accepts connections and
//! never answers ([`HttpPeer::silent`], a dead server).
//!
//! Std only, one thread per connection, every read bounded in time.

use std::io::{ErrorKind, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

/// How long a connection may take to send its request head.
const READ_LIMIT: Duration = Duration::from_secs(10);
/// How often a silent connection looks at the stop flag.
const POLL: Duration = Duration::from_millis(50);

/// One request as the peer read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpRequest {
    /// `GET`, `POST`, ….
    pub method: String,
    /// The request target as sent: path and query (`/crm?caller=1001`).
    pub target: String,
    /// Header lines in order, names as sent.
    pub headers: Vec<(String, String)>,
    /// The body (as much as `Content-Length` announced).
    pub body: String,
}

impl HttpRequest {
    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }
}

/// What the peer does with a request.
#[derive(Debug, Clone)]
enum Behaviour {
    /// Answers with this status, content type and body, then closes.
    Answer {
        status: u16,
        content_type: String,
        body: String,
    },
    /// Reads the request and never answers; holds the connection until
    /// the client closes it or the peer is dropped.
    Silent,
}

/// What the connection threads share with the test.
#[derive(Debug, Default)]
struct Seen {
    /// Requests read, in order.
    requests: Vec<HttpRequest>,
    /// Connections accepted so far.
    accepted: usize,
    /// For each connection the client closed: how long after the accept.
    closed_after: Vec<Duration>,
}

/// A running HTTP peer; dropping it stops it.
#[derive(Debug)]
pub struct HttpPeer {
    addr: SocketAddr,
    seen: Arc<Mutex<Seen>>,
    stop: Arc<AtomicBool>,
    acceptor: Option<JoinHandle<()>>,
}

impl HttpPeer {
    /// A peer that answers every request with `status` and `body` (as
    /// `application/json`) and closes the connection.
    pub fn answering(status: u16, body: &str) -> HttpPeer {
        HttpPeer::start(Behaviour::Answer {
            status,
            content_type: "application/json".into(),
            body: body.into(),
        })
    }

    /// A peer that accepts connections, reads the request and never
    /// answers.
    pub fn silent() -> HttpPeer {
        HttpPeer::start(Behaviour::Silent)
    }

    fn start(behaviour: Behaviour) -> HttpPeer {
        let listener =
            TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind the HTTP peer on 127.0.0.1");
        let addr = listener.local_addr().expect("the HTTP peer's address");
        let seen = Arc::new(Mutex::new(Seen::default()));
        let stop = Arc::new(AtomicBool::new(false));
        let acceptor = {
            let (seen, stop) = (Arc::clone(&seen), Arc::clone(&stop));
            thread::spawn(move || {
                for stream in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(stream) = stream else { continue };
                    lock(&seen).accepted += 1;
                    let (seen, stop, behaviour) =
                        (Arc::clone(&seen), Arc::clone(&stop), behaviour.clone());
                    thread::spawn(move || serve(stream, &behaviour, &seen, &stop));
                }
            })
        };
        HttpPeer {
            addr,
            seen,
            stop,
            acceptor: Some(acceptor),
        }
    }

    /// `http://127.0.0.1:<port><path>`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// The requests read so far.
    pub fn requests(&self) -> Vec<HttpRequest> {
        lock(&self.seen).requests.clone()
    }

    /// How many connections were accepted so far.
    pub fn accepted(&self) -> usize {
        lock(&self.seen).accepted
    }

    /// For each connection its client closed so far: how long it was open.
    pub fn closed_after(&self) -> Vec<Duration> {
        lock(&self.seen).closed_after.clone()
    }

    /// Waits at most `timeout` until `count` requests were read; returns
    /// those read by then.
    pub fn wait_for_requests(&self, count: usize, timeout: Duration) -> Vec<HttpRequest> {
        let deadline = Instant::now() + timeout;
        loop {
            let requests = self.requests();
            if requests.len() >= count || Instant::now() >= deadline {
                return requests;
            }
            thread::sleep(Duration::from_millis(20));
        }
    }

    /// Waits at most `timeout` until `count` connections were closed by
    /// their client; returns how long each closed one was open.
    pub fn wait_for_closes(&self, count: usize, timeout: Duration) -> Vec<Duration> {
        let deadline = Instant::now() + timeout;
        loop {
            let closed = self.closed_after();
            if closed.len() >= count || Instant::now() >= deadline {
                return closed;
            }
            thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for HttpPeer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the blocking accept.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
        if let Some(acceptor) = self.acceptor.take() {
            let _ = acceptor.join();
        }
    }
}

fn lock(seen: &Mutex<Seen>) -> MutexGuard<'_, Seen> {
    seen.lock().unwrap_or_else(|p| p.into_inner())
}

/// Serves one connection.
fn serve(mut stream: TcpStream, behaviour: &Behaviour, seen: &Mutex<Seen>, stop: &AtomicBool) {
    let accepted = Instant::now();
    let _ = stream.set_read_timeout(Some(POLL));
    let mut buffer = Vec::new();
    let mut request = None;
    let mut closed = false;
    // Read the head and the announced body.
    while request.is_none() && accepted.elapsed() < READ_LIMIT && !stop.load(Ordering::SeqCst) {
        match read_some(&mut stream, &mut buffer) {
            ReadStep::Data => request = parse(&buffer),
            ReadStep::Idle => {}
            ReadStep::Closed => {
                closed = true;
                break;
            }
        }
    }
    if let Some(request) = request {
        lock(seen).requests.push(request);
    }
    match behaviour {
        Behaviour::Answer {
            status,
            content_type,
            body,
        } if !closed => {
            let reply = format!(
                "HTTP/1.1 {status} {}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                reason(*status),
                body.len()
            );
            let _ = stream.write_all(reply.as_bytes());
            let _ = stream.flush();
        }
        Behaviour::Answer { .. } => {}
        Behaviour::Silent => {
            // Hold the connection, saying nothing, until the client gives up.
            while !closed && !stop.load(Ordering::SeqCst) {
                let mut ignored = Vec::new();
                closed = matches!(read_some(&mut stream, &mut ignored), ReadStep::Closed);
            }
            if closed {
                lock(seen).closed_after.push(accepted.elapsed());
            }
        }
    }
}

/// What one read gave.
enum ReadStep {
    /// Bytes were appended.
    Data,
    /// Nothing within [`POLL`].
    Idle,
    /// The client closed (or reset) the connection.
    Closed,
}

fn read_some(stream: &mut TcpStream, buffer: &mut Vec<u8>) -> ReadStep {
    let mut chunk = [0u8; 4096];
    match stream.read(&mut chunk) {
        Ok(0) => ReadStep::Closed,
        Ok(n) => {
            buffer.extend_from_slice(&chunk[..n]);
            ReadStep::Data
        }
        Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => ReadStep::Idle,
        Err(e) if e.kind() == ErrorKind::Interrupted => ReadStep::Idle,
        Err(_) => ReadStep::Closed,
    }
}

/// The request in `buffer`, once its head and announced body are there.
fn parse(buffer: &[u8]) -> Option<HttpRequest> {
    let head_end = buffer.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = String::from_utf8_lossy(&buffer[..head_end]);
    let mut lines = head.split("\r\n");
    let mut start = lines.next()?.split_whitespace();
    let method = start.next()?.to_owned();
    let target = start.next()?.to_owned();
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_owned(), value.trim().to_owned()))
        .collect();
    let length = headers
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case("Content-Length"))
        .and_then(|(_, value)| value.parse::<usize>().ok())
        .unwrap_or(0);
    let body = &buffer[head_end + 4..];
    (body.len() >= length).then(|| HttpRequest {
        method,
        target,
        headers,
        body: String::from_utf8_lossy(&body[..length]).into_owned(),
    })
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        204 => "No Content",
        404 => "Not Found",
        500 => "Internal Server Error",
        _ => "Status",
    }
}
