//! A small std-only event socket (ESL) client, written from the wire spec.

use std::collections::VecDeque;
use std::io::{self, Write};
use std::net::{Ipv4Addr, Shutdown, TcpStream};
use std::time::{Duration, Instant};

use crate::esl_event::EslEvent;
use crate::esl_frame::{Frame, FrameReader};
use crate::wait::remaining;

/// How long a command waits for its reply before giving up.
pub const REPLY_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a write may block (a server that stops reading) before failing.
pub const WRITE_TIMEOUT: Duration = Duration::from_secs(30);

/// One connection to the event socket.
///
/// Frames that arrive while a command waits for its reply (events, log
/// lines) are kept in order and handed out by [`EslClient::next_event`] and
/// [`EslClient::next_unsolicited`].
#[derive(Debug)]
pub struct EslClient {
    stream: TcpStream,
    reader: FrameReader,
    unsolicited: VecDeque<Frame>,
}

impl EslClient {
    /// Connects to `127.0.0.1:port` without reading anything.
    pub fn connect_raw(port: u16) -> io::Result<EslClient> {
        let stream = TcpStream::connect((Ipv4Addr::LOCALHOST, port))?;
        stream.set_nodelay(true)?;
        stream.set_write_timeout(Some(WRITE_TIMEOUT))?;
        Ok(EslClient {
            stream,
            reader: FrameReader::default(),
            unsolicited: VecDeque::new(),
        })
    }

    /// Connects and reads the server's `auth/request` greeting.
    pub fn connect(port: u16) -> io::Result<EslClient> {
        let mut client = EslClient::connect_raw(port)?;
        let greeting = client.read_frame(REPLY_TIMEOUT)?;
        if greeting.content_type() != "auth/request" {
            return Err(io::Error::other(format!(
                "expected an auth/request greeting, got {greeting:?}"
            )));
        }
        Ok(client)
    }

    /// Connects, reads the greeting and authenticates with `password`.
    ///
    /// Fails unless the reply is `+OK accepted`.
    pub fn connect_and_auth(port: u16, password: &str) -> io::Result<EslClient> {
        let mut client = EslClient::connect(port)?;
        let reply = client.auth(password)?;
        if reply.reply_text() != "+OK accepted" {
            return Err(io::Error::other(format!(
                "auth was not accepted: {reply:?}"
            )));
        }
        Ok(client)
    }

    /// Sends `auth PASSWORD` and returns the `command/reply` frame.
    pub fn auth(&mut self, password: &str) -> io::Result<Frame> {
        self.command(&format!("auth {password}"))
    }

    /// Writes `bytes` to the socket as they are.
    pub fn send_raw(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.stream.write_all(bytes)
    }

    /// Sends one command line terminated by a blank line.
    pub fn send_command(&mut self, command: &str) -> io::Result<()> {
        let mut wire = Vec::with_capacity(command.len() + 2);
        wire.extend_from_slice(command.as_bytes());
        wire.extend_from_slice(b"\n\n");
        self.send_raw(&wire)
    }

    /// Sends `command` and returns its `command/reply` frame.
    pub fn command(&mut self, command: &str) -> io::Result<Frame> {
        self.send_command(command)?;
        self.reply_of_type("command/reply")
    }

    /// Runs `api COMMAND` and returns the reply body.
    pub fn api(&mut self, command: &str) -> io::Result<String> {
        self.send_command(&format!("api {command}"))?;
        Ok(self.reply_of_type("api/response")?.body_text())
    }

    /// Runs `bgapi COMMAND` and returns the Job-UUID the server assigned.
    pub fn bgapi(&mut self, command: &str) -> io::Result<String> {
        let reply = self.command(&format!("bgapi {command}"))?;
        let from_header = reply.header("Job-UUID").map(str::to_string);
        let from_text = reply
            .reply_text()
            .strip_prefix("+OK Job-UUID: ")
            .map(|uuid| uuid.trim().to_string());
        from_header
            .or(from_text)
            .ok_or_else(|| io::Error::other(format!("bgapi reply carries no Job-UUID: {reply:?}")))
    }

    /// Subscribes with `event SPEC` (for example `plain CUSTOM probe::pong`)
    /// and returns the reply frame.
    pub fn subscribe(&mut self, spec: &str) -> io::Result<Frame> {
        self.command(&format!("event {spec}"))
    }

    /// Fires an event with `sendevent NAME`, the given headers and an
    /// optional body, and returns the reply frame.
    pub fn sendevent(
        &mut self,
        name: &str,
        headers: &[(&str, &str)],
        body: Option<&str>,
    ) -> io::Result<Frame> {
        self.send_raw(&sendevent_wire(name, headers, body))?;
        self.reply_of_type("command/reply")
    }

    /// Reads the next frame from the socket, whatever it is, waiting at most
    /// `timeout`. Frames set aside earlier are not returned here.
    pub fn read_frame(&mut self, timeout: Duration) -> io::Result<Frame> {
        let deadline = Instant::now() + timeout;
        self.read_frame_until(deadline)
    }

    /// The next frame that was not a reply to a command (an event, a log
    /// line, a disconnect notice), waiting at most `timeout`.
    pub fn next_unsolicited(&mut self, timeout: Duration) -> io::Result<Frame> {
        match self.unsolicited.pop_front() {
            Some(frame) => Ok(frame),
            None => self.read_frame(timeout),
        }
    }

    /// The next event, waiting at most `timeout`; other unsolicited frames
    /// (log lines) are skipped, a disconnect notice is an error.
    pub fn next_event(&mut self, timeout: Duration) -> io::Result<EslEvent> {
        let deadline = Instant::now() + timeout;
        loop {
            let frame = match self.unsolicited.pop_front() {
                Some(frame) => frame,
                None => self.read_frame_until(deadline)?,
            };
            if let Some(event) = EslEvent::from_plain_frame(&frame) {
                return Ok(event);
            }
            if frame.is_disconnect() {
                return Err(io::Error::new(
                    io::ErrorKind::ConnectionAborted,
                    format!("disconnected while waiting for an event: {frame:?}"),
                ));
            }
        }
    }

    /// Waits at most `timeout` for an event for which `wanted` is true;
    /// other events are dropped.
    pub fn wait_for_event(
        &mut self,
        timeout: Duration,
        mut wanted: impl FnMut(&EslEvent) -> bool,
    ) -> io::Result<EslEvent> {
        let deadline = Instant::now() + timeout;
        loop {
            let left = remaining(deadline).ok_or_else(timed_out)?;
            let event = self.next_event(left)?;
            if wanted(&event) {
                return Ok(event);
            }
        }
    }

    /// Collects every event named `name` (`Event-Name`, for example
    /// `DTMF`) that arrives within `window`, in order; other events are
    /// dropped. Stops early once `count` have arrived, when `count` is
    /// given. The connection must be subscribed to them already.
    pub fn collect_events(
        &mut self,
        name: &str,
        window: Duration,
        count: Option<usize>,
    ) -> io::Result<Vec<EslEvent>> {
        let deadline = Instant::now() + window;
        let mut events = Vec::new();
        while count.is_none_or(|count| events.len() < count) {
            let Some(left) = remaining(deadline) else {
                break;
            };
            match self.next_event(left) {
                Ok(event) if event.name() == name => events.push(event),
                Ok(_) => {}
                Err(err) if err.kind() == io::ErrorKind::TimedOut => break,
                Err(err) => return Err(err),
            }
        }
        Ok(events)
    }

    /// The digits of the `DTMF` events (header `DTMF-Digit`) that arrive
    /// within `window`, in order, stopping early after `count` digits
    /// when given; see [`EslClient::collect_events`].
    pub fn collect_dtmf(&mut self, window: Duration, count: Option<usize>) -> io::Result<String> {
        let events = self.collect_events("DTMF", window, count)?;
        Ok(dtmf_digits(&events))
    }

    /// Reads until the server closes the connection, at most `timeout`.
    ///
    /// Returns the frames received before the close; a connection reset
    /// counts as closed. Fails with `TimedOut` when the connection is still
    /// open at the deadline.
    pub fn read_until_closed(&mut self, timeout: Duration) -> io::Result<Vec<Frame>> {
        let deadline = Instant::now() + timeout;
        let mut frames: Vec<Frame> = self.unsolicited.drain(..).collect();
        loop {
            match self.read_frame_until(deadline) {
                Ok(frame) => frames.push(frame),
                Err(err) if is_closed_error(&err) => return Ok(frames),
                Err(err) => return Err(err),
            }
        }
    }

    /// Closes the connection at once (both directions).
    pub fn close(self) {
        let _ = self.stream.shutdown(Shutdown::Both);
    }

    /// The local port of this connection (handy in messages).
    pub fn local_port(&self) -> u16 {
        self.stream
            .local_addr()
            .map(|addr| addr.port())
            .unwrap_or(0)
    }

    /// Reads frames until one with `content_type` arrives; sets aside the
    /// unsolicited ones. A disconnect notice is an error.
    fn reply_of_type(&mut self, content_type: &str) -> io::Result<Frame> {
        let deadline = Instant::now() + REPLY_TIMEOUT;
        loop {
            let frame = self.read_frame_until(deadline)?;
            if frame.content_type() == content_type {
                return Ok(frame);
            }
            if frame.is_disconnect() {
                return Err(io::Error::new(
                    io::ErrorKind::ConnectionAborted,
                    format!("disconnected while waiting for {content_type}: {frame:?}"),
                ));
            }
            self.unsolicited.push_back(frame);
        }
    }

    fn read_frame_until(&mut self, deadline: Instant) -> io::Result<Frame> {
        let left = remaining(deadline).ok_or_else(timed_out)?;
        self.stream.set_read_timeout(Some(left))?;
        match self.reader.read_frame(&mut self.stream) {
            Err(err) if matches!(err.kind(), io::ErrorKind::WouldBlock) => Err(timed_out()),
            other => other,
        }
    }
}

/// The wire bytes of `sendevent NAME` with headers and an optional body.
pub fn sendevent_wire(name: &str, headers: &[(&str, &str)], body: Option<&str>) -> Vec<u8> {
    let mut wire = format!("sendevent {name}\n");
    for (key, value) in headers {
        wire.push_str(&format!("{key}: {value}\n"));
    }
    if let Some(body) = body {
        wire.push_str(&format!("Content-Length: {}\n\n{body}", body.len()));
    } else {
        wire.push('\n');
    }
    wire.into_bytes()
}

/// The `DTMF-Digit` headers of `events` (FreeSWITCH's `DTMF` events;
/// `DTMF-Source` says where each came from), concatenated in order.
pub fn dtmf_digits(events: &[EslEvent]) -> String {
    events
        .iter()
        .filter_map(|event| event.header("DTMF-Digit"))
        .collect()
}

/// True for errors that mean the peer closed or reset the connection.
pub fn is_closed_error(err: &io::Error) -> bool {
    matches!(
        err.kind(),
        io::ErrorKind::UnexpectedEof
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::BrokenPipe
    )
}

fn timed_out() -> io::Error {
    io::Error::new(io::ErrorKind::TimedOut, "no reply before the deadline")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    /// A `text/event-plain` frame for an event with `headers`.
    fn event_frame(headers: &[(&str, &str)]) -> Vec<u8> {
        let body: String = headers.iter().map(|(k, v)| format!("{k}: {v}\n")).collect();
        format!(
            "Content-Length: {}\nContent-Type: text/event-plain\n\n{body}",
            body.len()
        )
        .into_bytes()
    }

    #[test]
    fn collect_events_keeps_one_name_in_order() {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = std::thread::spawn(move || {
            let (mut stream, _) = listener.accept().unwrap();
            for (name, digit) in [
                ("DTMF", "1"),
                ("CHANNEL_ANSWER", ""),
                ("DTMF", "%23"),
                ("DTMF", "9"),
            ] {
                let frame = event_frame(&[("Event-Name", name), ("DTMF-Digit", digit)]);
                stream.write_all(&frame).unwrap();
            }
            std::thread::sleep(Duration::from_millis(500));
        });
        let mut client = EslClient::connect_raw(port).unwrap();
        let events = client
            .collect_events("DTMF", Duration::from_secs(5), Some(2))
            .unwrap();
        assert_eq!(dtmf_digits(&events), "1#");
        let started = Instant::now();
        assert_eq!(
            client
                .collect_dtmf(Duration::from_millis(200), None)
                .unwrap(),
            "9"
        );
        assert!(started.elapsed() >= Duration::from_millis(200));
        server.join().unwrap();
    }
}
