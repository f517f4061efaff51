//! A small synchronous ESL client over [`std::net::TcpStream`].
//!
//! [`EslClient::connect`] performs the greeting and authentication;
//! [`EslClient::api`] and [`EslClient::send_command`] send one command and
//! wait for its answer, queuing log and event frames that arrive meanwhile
//! (they come back out of [`EslClient::read_frame`]). [`EslClient::split`]
//! gives a reader half and a writer half for a console that reads frames on
//! one thread and sends commands from another.

use std::collections::VecDeque;
use std::fmt;
use std::io::{self, BufReader, Write};
use std::net::{Shutdown, SocketAddr, TcpStream, ToSocketAddrs};
use std::time::Duration;

use super::frame::read_frame;
pub use super::frame::{Frame, FrameError, FrameKind};

/// Most unsolicited frames kept while waiting for a reply; older ones are
/// dropped first.
pub const MAX_QUEUED_FRAMES: usize = 4096;

/// Why a client operation failed.
#[derive(Debug)]
pub enum ClientError {
    /// The address could not be resolved or no connection could be made
    /// (for example, connection refused).
    Connect {
        /// The address as given.
        addr: String,
        /// The underlying error.
        source: io::Error,
    },
    /// The server did not answer in time.
    Timeout {
        /// What the client was waiting for.
        during: &'static str,
    },
    /// The server refused the password; holds its reply text
    /// (`-ERR invalid`).
    AuthRejected(String),
    /// The server sent `text/disconnect-notice` or `text/rude-rejection`;
    /// holds its body, trimmed.
    Disconnected(String),
    /// The server closed the connection.
    Closed,
    /// The server sent something this client does not understand.
    Protocol(String),
    /// The command cannot be sent: it is empty or contains a line break.
    InvalidCommand(String),
    /// Any other socket error.
    Io(io::Error),
}

impl fmt::Display for ClientError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Connect { addr, source } => write!(f, "cannot connect to {addr}: {source}"),
            Self::Timeout { during } => write!(f, "timed out {during}"),
            Self::AuthRejected(text) => write!(f, "authentication rejected by the server: {text}"),
            Self::Disconnected(text) if text.is_empty() => {
                write!(f, "disconnected by the server")
            }
            Self::Disconnected(text) => write!(f, "disconnected by the server: {text}"),
            Self::Closed => write!(f, "connection closed by the server"),
            Self::Protocol(what) => write!(f, "protocol error: {what}"),
            Self::InvalidCommand(what) => write!(f, "invalid command: {what}"),
            Self::Io(err) => write!(f, "I/O error: {err}"),
        }
    }
}

impl std::error::Error for ClientError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Connect { source, .. } => Some(source),
            Self::Io(err) => Some(err),
            _ => None,
        }
    }
}

impl From<FrameError> for ClientError {
    fn from(err: FrameError) -> Self {
        match err {
            FrameError::Closed | FrameError::Truncated => Self::Closed,
            FrameError::Io(err) => io_error(err, "waiting for the server"),
            other => Self::Protocol(other.to_string()),
        }
    }
}

/// Maps read/write timeouts to [`ClientError::Timeout`], the rest to
/// [`ClientError::Io`].
fn io_error(err: io::Error, during: &'static str) -> ClientError {
    match err.kind() {
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => ClientError::Timeout { during },
        _ => ClientError::Io(err),
    }
}

/// The reading half of a connection: yields frames in arrival order.
#[derive(Debug)]
pub struct FrameReader {
    inner: BufReader<TcpStream>,
    queued: VecDeque<Frame>,
}

impl FrameReader {
    /// The next frame: first any frame queued while waiting for a reply,
    /// then the next one from the socket.
    pub fn read_frame(&mut self) -> Result<Frame, ClientError> {
        match self.queued.pop_front() {
            Some(frame) => Ok(frame),
            None => self.read_wire(),
        }
    }

    /// The next frame from the socket, ignoring the queue.
    fn read_wire(&mut self) -> Result<Frame, ClientError> {
        Ok(read_frame(&mut self.inner)?)
    }

    /// Keeps an unsolicited frame for a later [`FrameReader::read_frame`].
    fn queue(&mut self, frame: Frame) {
        if self.queued.len() >= MAX_QUEUED_FRAMES {
            self.queued.pop_front();
        }
        self.queued.push_back(frame);
    }

    /// Waits for the answer to a command, queuing log and event frames.
    ///
    /// Returns the first `api/response` or `command/reply`; a disconnect
    /// notice becomes [`ClientError::Disconnected`].
    fn read_answer(&mut self) -> Result<Frame, ClientError> {
        loop {
            let frame = self.read_wire()?;
            match frame.kind() {
                FrameKind::ApiResponse | FrameKind::CommandReply => return Ok(frame),
                FrameKind::DisconnectNotice | FrameKind::RudeRejection => {
                    return Err(disconnected(&frame));
                }
                FrameKind::AuthRequest => {
                    return Err(ClientError::Protocol(
                        "unexpected auth/request after authentication".to_owned(),
                    ));
                }
                FrameKind::Log | FrameKind::Event | FrameKind::Other => self.queue(frame),
            }
        }
    }
}

/// The writing half of a connection: sends commands.
#[derive(Debug)]
pub struct CommandWriter {
    stream: TcpStream,
}

impl CommandWriter {
    /// Sends one command line, terminated by a blank line (`command\n\n`).
    ///
    /// Fails with [`ClientError::InvalidCommand`] when `command` is empty
    /// or contains `\r` or `\n`, which would smuggle in further commands.
    pub fn send(&mut self, command: &str) -> Result<(), ClientError> {
        check_command(command)?;
        let mut wire = Vec::with_capacity(command.len() + 2);
        wire.extend_from_slice(command.as_bytes());
        wire.extend_from_slice(b"\n\n");
        self.stream
            .write_all(&wire)
            .and_then(|()| self.stream.flush())
            .map_err(|err| match err.kind() {
                io::ErrorKind::BrokenPipe
                | io::ErrorKind::ConnectionReset
                | io::ErrorKind::ConnectionAborted => ClientError::Closed,
                _ => io_error(err, "sending a command"),
            })
    }

    /// Shuts the connection down in both directions, which also wakes a
    /// [`FrameReader`] blocked on it.
    pub fn shutdown(&self) {
        // Already closed is as good as closed.
        let _ = self.stream.shutdown(Shutdown::Both);
    }
}

/// Rejects commands that would not survive the line-based wire format.
fn check_command(command: &str) -> Result<(), ClientError> {
    if command.trim().is_empty() {
        return Err(ClientError::InvalidCommand("empty command".to_owned()));
    }
    if command.contains(['\r', '\n']) {
        return Err(ClientError::InvalidCommand(
            "a command must fit on one line".to_owned(),
        ));
    }
    Ok(())
}

/// Builds [`ClientError::Disconnected`] from a notice frame.
fn disconnected(frame: &Frame) -> ClientError {
    let text = frame.body.as_deref().unwrap_or_default().trim();
    ClientError::Disconnected(text.to_owned())
}

/// An authenticated ESL connection.
#[derive(Debug)]
pub struct EslClient {
    reader: FrameReader,
    writer: CommandWriter,
}

impl EslClient {
    /// Connects to `addr` (`host:port`), waits for `auth/request`, sends
    /// `auth PASSWORD` and expects `+OK accepted`.
    ///
    /// `timeout` bounds the TCP connect and each read and write during the
    /// handshake; afterwards reads block until the server answers (see
    /// [`EslClient::set_read_timeout`]) and writes keep `timeout`.
    pub fn connect(addr: &str, password: &str, timeout: Duration) -> Result<Self, ClientError> {
        if password.contains(['\r', '\n']) {
            return Err(ClientError::InvalidCommand(
                "the password must not contain a line break".to_owned(),
            ));
        }
        let stream = connect_any(addr, timeout)?;
        let setup = |err: io::Error| ClientError::Io(err);
        stream.set_read_timeout(Some(timeout)).map_err(setup)?;
        stream.set_write_timeout(Some(timeout)).map_err(setup)?;
        // Nagle would delay small commands behind unacknowledged ones.
        stream.set_nodelay(true).map_err(setup)?;
        let write_half = stream.try_clone().map_err(setup)?;
        let mut client = Self {
            reader: FrameReader {
                inner: BufReader::new(stream),
                queued: VecDeque::new(),
            },
            writer: CommandWriter { stream: write_half },
        };
        client.authenticate(password)?;
        client.set_read_timeout(None)?;
        Ok(client)
    }

    /// The greeting and `auth` exchange.
    fn authenticate(&mut self, password: &str) -> Result<(), ClientError> {
        let greeting = self.reader.read_wire().map_err(|err| match err {
            ClientError::Timeout { .. } => ClientError::Timeout {
                during: "waiting for the server's auth/request greeting",
            },
            other => other,
        })?;
        match greeting.kind() {
            FrameKind::AuthRequest => {}
            FrameKind::DisconnectNotice | FrameKind::RudeRejection => {
                return Err(disconnected(&greeting));
            }
            _ => {
                return Err(ClientError::Protocol(format!(
                    "expected auth/request, got {:?}",
                    greeting
                        .content_type()
                        .unwrap_or("a frame without Content-Type")
                )));
            }
        }
        self.writer.send(&format!("auth {password}"))?;
        let reply = self.reader.read_answer().map_err(|err| match err {
            ClientError::Timeout { .. } => ClientError::Timeout {
                during: "waiting for the reply to auth",
            },
            other => other,
        })?;
        let text = reply.reply_text().unwrap_or_default();
        if reply.kind() == FrameKind::CommandReply && text.starts_with("+OK") {
            Ok(())
        } else if text.is_empty() {
            Err(ClientError::AuthRejected(
                "reply without Reply-Text".to_owned(),
            ))
        } else {
            Err(ClientError::AuthRejected(text.to_owned()))
        }
    }

    /// Sets the read timeout for later replies (`None`: wait forever, the
    /// default after [`EslClient::connect`]).
    pub fn set_read_timeout(&self, timeout: Option<Duration>) -> Result<(), ClientError> {
        self.writer
            .stream
            .set_read_timeout(timeout)
            .map_err(ClientError::Io)
    }

    /// Runs `api CMD` and returns the body of the `api/response`.
    ///
    /// Log and event frames that arrive first are queued for
    /// [`EslClient::read_frame`]. Should the server answer with a
    /// `command/reply` instead, its `Reply-Text` is returned, so an `-ERR`
    /// still reads as one.
    pub fn api(&mut self, cmd: &str) -> Result<String, ClientError> {
        check_command(cmd)?;
        self.writer.send(&format!("api {cmd}"))?;
        let answer = self.reader.read_answer()?;
        Ok(match answer.kind() {
            FrameKind::ApiResponse => answer.body.unwrap_or_default(),
            _ => answer.reply_text().unwrap_or_default().to_owned(),
        })
    }

    /// Sends a command answered by `command/reply` (`log info`, `event
    /// plain ALL`, `exit`, ...) and returns that reply; its outcome is in
    /// [`Frame::reply_text`].
    pub fn send_command(&mut self, line: &str) -> Result<Frame, ClientError> {
        self.writer.send(line)?;
        self.reader.read_answer()
    }

    /// The next frame: queued ones first, then from the socket.
    pub fn read_frame(&mut self) -> Result<Frame, ClientError> {
        self.reader.read_frame()
    }

    /// Splits the connection into a reader half and a writer half, which can
    /// live on different threads. Frames queued so far stay with the reader.
    pub fn split(self) -> (FrameReader, CommandWriter) {
        (self.reader, self.writer)
    }
}

/// Resolves `addr` and connects to the first address that accepts.
fn connect_any(addr: &str, timeout: Duration) -> Result<TcpStream, ClientError> {
    let connect_error = |source: io::Error| ClientError::Connect {
        addr: addr.to_owned(),
        source,
    };
    let candidates: Vec<SocketAddr> = addr.to_socket_addrs().map_err(connect_error)?.collect();
    let mut last_error = io::Error::new(io::ErrorKind::NotFound, "the address resolved to nothing");
    for candidate in candidates {
        match TcpStream::connect_timeout(&candidate, timeout) {
            Ok(stream) => return Ok(stream),
            Err(err) => last_error = err,
        }
    }
    match last_error.kind() {
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => Err(ClientError::Timeout {
            during: "connecting",
        }),
        _ => Err(connect_error(last_error)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{BufRead, Read};
    use std::net::TcpListener;
    use std::thread::{self, JoinHandle};

    const TIMEOUT: Duration = Duration::from_secs(10);

    /// Runs `script` against the first connection on a fresh loopback port.
    fn serve<F>(script: F) -> (String, JoinHandle<()>)
    where
        F: FnOnce(BufReader<TcpStream>, TcpStream) + Send + 'static,
    {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let handle = thread::spawn(move || {
            let (stream, _) = listener.accept().unwrap();
            let reader = BufReader::new(stream.try_clone().unwrap());
            script(reader, stream);
        });
        (addr, handle)
    }

    /// Reads one client command (up to the blank line), without the
    /// terminator.
    fn read_command(reader: &mut BufReader<TcpStream>) -> String {
        let mut lines = Vec::new();
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap() == 0 {
                return lines.join("\n");
            }
            let line = line.trim_end_matches(['\r', '\n']).to_owned();
            if line.is_empty() {
                return lines.join("\n");
            }
            lines.push(line);
        }
    }

    /// Sends the greeting and accepts `auth secret`.
    fn greet(reader: &mut BufReader<TcpStream>, out: &mut TcpStream) {
        out.write_all(b"Content-Type: auth/request\n\n").unwrap();
        assert_eq!(read_command(reader), "auth secret");
        out.write_all(b"Content-Type: command/reply\nReply-Text: +OK accepted\n\n")
            .unwrap();
    }

    fn api_response(body: &str) -> Vec<u8> {
        format!(
            "Content-Type: api/response\nContent-Length: {}\n\n{body}",
            body.len()
        )
        .into_bytes()
    }

    fn log_frame(level: u8, line: &str) -> Vec<u8> {
        format!(
            "Content-Type: log/data\nContent-Length: {}\nLog-Level: {level}\n\n{line}",
            line.len()
        )
        .into_bytes()
    }

    #[test]
    fn api_returns_body_and_queues_log_frames() {
        let (addr, server) = serve(|mut reader, mut out| {
            greet(&mut reader, &mut out);
            assert_eq!(read_command(&mut reader), "api status");
            out.write_all(&log_frame(6, "a log line\n")).unwrap();
            out.write_all(&api_response("UP 0 years\n0 session(s)\n"))
                .unwrap();
        });
        let mut client = EslClient::connect(&addr, "secret", TIMEOUT).unwrap();
        assert_eq!(client.api("status").unwrap(), "UP 0 years\n0 session(s)\n");
        let log = client.read_frame().unwrap();
        assert_eq!(log.kind(), FrameKind::Log);
        assert_eq!(log.header("log-level"), Some("6"));
        assert_eq!(log.body.as_deref(), Some("a log line\n"));
        server.join().unwrap();
        assert!(matches!(client.read_frame(), Err(ClientError::Closed)));
    }

    #[test]
    fn send_command_returns_the_reply_frame() {
        let (addr, server) = serve(|mut reader, mut out| {
            greet(&mut reader, &mut out);
            assert_eq!(read_command(&mut reader), "log info");
            out.write_all(b"Content-Type: command/reply\nReply-Text: +OK log level info [6]\n\n")
                .unwrap();
        });
        let mut client = EslClient::connect(&addr, "secret", TIMEOUT).unwrap();
        let reply = client.send_command("log info").unwrap();
        assert_eq!(reply.reply_text(), Some("+OK log level info [6]"));
        server.join().unwrap();
    }

    #[test]
    fn command_reply_in_place_of_api_response_is_returned_as_text() {
        let (addr, server) = serve(|mut reader, mut out| {
            greet(&mut reader, &mut out);
            read_command(&mut reader);
            out.write_all(b"Content-Type: command/reply\nReply-Text: -ERR no\n\n")
                .unwrap();
        });
        let mut client = EslClient::connect(&addr, "secret", TIMEOUT).unwrap();
        assert_eq!(client.api("anything").unwrap(), "-ERR no");
        server.join().unwrap();
    }

    #[test]
    fn wrong_password_is_rejected_with_the_reply_text() {
        let (addr, server) = serve(|mut reader, mut out| {
            out.write_all(b"Content-Type: auth/request\n\n").unwrap();
            assert_eq!(read_command(&mut reader), "auth wrong");
            out.write_all(b"Content-Type: command/reply\nReply-Text: -ERR invalid\n\n")
                .unwrap();
            // The client may already have hung up; that is fine.
            let _ = out.write_all(
                b"Content-Type: text/disconnect-notice\nContent-Length: 13\n\nDisconnected.",
            );
        });
        let err = EslClient::connect(&addr, "wrong", TIMEOUT).unwrap_err();
        assert!(
            matches!(&err, ClientError::AuthRejected(text) if text == "-ERR invalid"),
            "{err:?}"
        );
        server.join().unwrap();
    }

    #[test]
    fn refused_connection_is_a_connect_error() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        drop(listener);
        let err = EslClient::connect(&addr, "secret", TIMEOUT).unwrap_err();
        assert!(
            matches!(&err, ClientError::Connect { source, .. }
                if source.kind() == io::ErrorKind::ConnectionRefused),
            "{err:?}"
        );
        assert!(err.to_string().starts_with("cannot connect to 127.0.0.1:"));
    }

    #[test]
    fn unresolvable_address_is_a_connect_error() {
        let err = EslClient::connect("not an address", "secret", TIMEOUT).unwrap_err();
        assert!(matches!(err, ClientError::Connect { .. }), "{err:?}");
    }

    #[test]
    fn silent_server_times_out() {
        let (addr, server) = serve(|mut reader, _out| {
            // Say nothing; wait until the client gives up and closes.
            let mut sink = Vec::new();
            let _ = reader.read_to_end(&mut sink);
        });
        let err = EslClient::connect(&addr, "secret", Duration::from_millis(200)).unwrap_err();
        assert!(matches!(err, ClientError::Timeout { .. }), "{err:?}");
        server.join().unwrap();
    }

    #[test]
    fn garbage_greeting_is_a_protocol_error() {
        let (addr, server) = serve(|_reader, mut out| {
            out.write_all(b"this is not esl\n\n").unwrap();
        });
        let err = EslClient::connect(&addr, "secret", TIMEOUT).unwrap_err();
        assert!(matches!(err, ClientError::Protocol(_)), "{err:?}");
        server.join().unwrap();
    }

    #[test]
    fn disconnect_notice_while_waiting_is_reported() {
        let (addr, server) = serve(|mut reader, mut out| {
            greet(&mut reader, &mut out);
            read_command(&mut reader);
            out.write_all(b"Content-Type: text/disconnect-notice\nContent-Length: 9\n\nGoodbye.\n")
                .unwrap();
        });
        let mut client = EslClient::connect(&addr, "secret", TIMEOUT).unwrap();
        let err = client.api("status").unwrap_err();
        assert!(
            matches!(&err, ClientError::Disconnected(text) if text == "Goodbye."),
            "{err:?}"
        );
        server.join().unwrap();
    }

    #[test]
    fn multi_line_commands_are_refused_before_sending() {
        let (addr, server) = serve(|mut reader, mut out| {
            greet(&mut reader, &mut out);
            // The next thing the server sees is the valid command.
            assert_eq!(read_command(&mut reader), "api version");
            out.write_all(&api_response("Switchyard 0.1.0\n")).unwrap();
        });
        let mut client = EslClient::connect(&addr, "secret", TIMEOUT).unwrap();
        assert!(matches!(
            client.api("status\n\nexit"),
            Err(ClientError::InvalidCommand(_))
        ));
        assert!(matches!(
            client.send_command("  "),
            Err(ClientError::InvalidCommand(_))
        ));
        assert_eq!(client.api("version").unwrap(), "Switchyard 0.1.0\n");
        server.join().unwrap();
    }

    #[test]
    fn split_halves_work_on_separate_threads() {
        let (addr, server) = serve(|mut reader, mut out| {
            greet(&mut reader, &mut out);
            assert_eq!(read_command(&mut reader), "api version");
            out.write_all(&api_response("Switchyard 0.1.0\n")).unwrap();
            assert_eq!(read_command(&mut reader), "exit");
            out.write_all(b"Content-Type: command/reply\nReply-Text: +OK bye\n\n")
                .unwrap();
            out.write_all(b"Content-Type: text/disconnect-notice\nContent-Length: 0\n\n")
                .unwrap();
        });
        let client = EslClient::connect(&addr, "secret", TIMEOUT).unwrap();
        let (mut reader, mut writer) = client.split();
        let reading = thread::spawn(move || {
            let mut kinds = Vec::new();
            while let Ok(frame) = reader.read_frame() {
                kinds.push(frame.kind());
            }
            kinds
        });
        writer.send("api version").unwrap();
        writer.send("exit").unwrap();
        server.join().unwrap();
        assert_eq!(
            reading.join().unwrap(),
            vec![
                FrameKind::ApiResponse,
                FrameKind::CommandReply,
                FrameKind::DisconnectNotice
            ]
        );
    }
}
