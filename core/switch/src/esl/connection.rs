//! One event-socket connection: authentication, commands, and the events
//! and log lines the client subscribed to, all written by this task.

use super::protocol::{
    Command, CommandFramer, api_response, auth_request, command_reply, disconnect_notice, log_frame,
};
use crate::api::split_command;
use crate::event::Event;
use crate::event::FiredEvent;
use crate::event::bus::{EventSelector, Subscription};
use crate::logging::{LogLevel, LogRecord};
use crate::switch::Switch;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt, BufWriter};
use tokio::net::TcpStream;
use tokio::net::tcp::OwnedWriteHalf;
use tokio::sync::broadcast;
use tokio::task::JoinHandle;

/// How long a write to a client may take before the client is dropped.
const WRITE_TIMEOUT: Duration = Duration::from_secs(30);

/// Most queued events appended to one write after the first.
const EVENT_BATCH: usize = 255;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Plain,
    Json,
}

impl Format {
    fn name(self) -> &'static str {
        match self {
            Format::Plain => "plain",
            Format::Json => "json",
        }
    }
}

/// What handling a command asks the connection to do next.
enum Outcome {
    /// Write these bytes and carry on.
    Reply(Vec<u8>),
    /// Stop reading commands until this API call's output is written.
    Api(JoinHandle<String>),
    /// Write these bytes and close.
    Close(Vec<u8>),
}

struct Session {
    switch: Arc<Switch>,
    password: Arc<str>,
    peer: SocketAddr,
    authenticated: bool,
    format: Format,
    subscription: Option<Subscription>,
    logs: Option<broadcast::Receiver<Arc<LogRecord>>>,
    log_level: LogLevel,
}

/// Serves one connection until it closes.
pub(super) async fn run(
    stream: TcpStream,
    peer: SocketAddr,
    switch: Arc<Switch>,
    password: Arc<str>,
) {
    let auth_timeout = switch.config().settings.esl_auth_timeout;
    let mut shutdown = switch.shutdown_signal();
    let (mut reader, writer) = stream.into_split();
    let mut writer = BufWriter::new(writer);
    let mut session = Session {
        switch,
        password,
        peer,
        authenticated: false,
        format: Format::Plain,
        subscription: None,
        logs: None,
        log_level: LogLevel::Debug,
    };
    let mut framer = CommandFramer::new();
    let mut pending: Option<JoinHandle<String>> = None;
    let mut buffer = vec![0u8; 16 * 1024];
    let auth_timer = tokio::time::sleep(auth_timeout);
    tokio::pin!(auth_timer);
    let mut out: Vec<u8> = auth_request().to_vec();
    let mut closing = false;

    'connection: loop {
        while pending.is_none() && !closing {
            match framer.next_command() {
                Ok(Some(command)) => match session.handle(command) {
                    Outcome::Reply(bytes) => out.extend_from_slice(&bytes),
                    Outcome::Api(handle) => pending = Some(handle),
                    Outcome::Close(bytes) => {
                        out.extend_from_slice(&bytes);
                        closing = true;
                    }
                },
                Ok(None) => break,
                Err(e) => {
                    tracing::warn!("event socket: dropping {peer}: {e}");
                    out.extend_from_slice(&command_reply(&format!("-ERR {e}"), &[]));
                    out.extend_from_slice(&disconnect_notice(&e.to_string()));
                    closing = true;
                }
            }
        }
        if !out.is_empty() && !send(&mut writer, &mut out).await {
            break;
        }
        if closing {
            break;
        }
        tokio::select! {
            _ = shutdown.wait_for(|down| *down) => {
                out.extend_from_slice(&disconnect_notice("The switch is shutting down."));
                closing = true;
            }
            _ = &mut auth_timer, if !session.authenticated => {
                tracing::info!("event socket: {peer} did not authenticate in time");
                out.extend_from_slice(&disconnect_notice(&format!(
                    "-ERR authentication timed out after {} s", auth_timeout.as_secs()
                )));
                closing = true;
            }
            output = wait_for(&mut pending) => {
                pending = None;
                out.extend_from_slice(&api_response(&output));
            }
            read = reader.read(&mut buffer), if pending.is_none() => match read {
                Ok(0) | Err(_) => break 'connection,
                Ok(n) => framer.push(&buffer[..n]),
            },
            event = next_event(&mut session.subscription) => {
                append_event(session.format, &event, &mut out);
                // Batch what else is queued into the same write.
                if let Some(subscription) = &mut session.subscription {
                    for _ in 0..EVENT_BATCH {
                        match subscription.events.try_recv() {
                            Ok(event) => append_event(session.format, &event, &mut out),
                            Err(_) => break,
                        }
                    }
                }
            }
            record = next_log(&mut session.logs) => {
                if let Some(record) = record
                    && record.level <= session.log_level
                {
                    out.extend_from_slice(&log_frame(&record));
                }
            }
        }
        if closing {
            let _ = send(&mut writer, &mut out).await;
            break;
        }
    }
    if let Some(subscription) = session.subscription.take() {
        session.switch.bus.unsubscribe(subscription.id());
    }
    let _ = tokio::time::timeout(Duration::from_secs(1), writer.shutdown()).await;
}

/// Writes and flushes `out`; false when the client is gone or too slow.
async fn send(writer: &mut BufWriter<OwnedWriteHalf>, out: &mut Vec<u8>) -> bool {
    let written = tokio::time::timeout(WRITE_TIMEOUT, async {
        writer.write_all(out).await?;
        writer.flush().await
    })
    .await;
    out.clear();
    matches!(written, Ok(Ok(())))
}

async fn wait_for(pending: &mut Option<JoinHandle<String>>) -> String {
    match pending {
        Some(handle) => handle
            .await
            .unwrap_or_else(|e| format!("-ERR the command failed: {e}\n")),
        None => std::future::pending().await,
    }
}

async fn next_event(subscription: &mut Option<Subscription>) -> Arc<FiredEvent> {
    match subscription {
        Some(sub) => match sub.events.recv().await {
            Some(event) => event,
            None => std::future::pending().await,
        },
        None => std::future::pending().await,
    }
}

/// The next log record; `None` after lagging (lines were skipped).
async fn next_log(
    logs: &mut Option<broadcast::Receiver<Arc<LogRecord>>>,
) -> Option<Arc<LogRecord>> {
    match logs {
        Some(rx) => match rx.recv().await {
            Ok(record) => Some(record),
            Err(broadcast::error::RecvError::Lagged(_)) => None,
            Err(broadcast::error::RecvError::Closed) => std::future::pending().await,
        },
        None => std::future::pending().await,
    }
}

fn reply(text: &str) -> Outcome {
    Outcome::Reply(command_reply(text, &[]))
}

/// Compares secrets in time independent of where they differ.
fn same_secret(given: &str, expected: &str) -> bool {
    let (a, b) = (given.as_bytes(), expected.as_bytes());
    let mut diff = a.len() ^ b.len();
    for (i, byte) in b.iter().enumerate() {
        diff |= usize::from(a.get(i).copied().unwrap_or(0) ^ byte);
    }
    diff == 0
}

fn append_event(format: Format, event: &FiredEvent, out: &mut Vec<u8>) {
    match format {
        Format::Plain => out.extend_from_slice(event.plain_frame()),
        Format::Json => out.extend_from_slice(event.json_frame()),
    }
}

impl Session {
    fn handle(&mut self, command: Command) -> Outcome {
        let (verb, rest) = split_command(&command.line);
        let verb = verb.to_ascii_lowercase();
        if !self.authenticated {
            return self.handle_unauthenticated(&verb, rest);
        }
        match verb.as_str() {
            "api" => self.api(rest),
            "bgapi" => self.bgapi(rest, command.header("Job-UUID")),
            "event" | "events" => self.event(rest),
            "nixevent" => self.nixevent(rest),
            "noevents" => {
                if let Some(subscription) = self.subscription.take() {
                    self.switch.bus.unsubscribe(subscription.id());
                }
                reply("+OK no longer listening for events")
            }
            "filter" => self.filter(rest),
            "log" => self.log(rest),
            "nolog" => {
                self.logs = None;
                reply("+OK no longer logging")
            }
            "sendevent" => self.sendevent(rest, &command),
            "exit" => {
                let mut bytes = command_reply("+OK bye", &[]);
                bytes.extend_from_slice(&disconnect_notice("Goodbye."));
                Outcome::Close(bytes)
            }
            "auth" => reply("-ERR already authenticated"),
            _ => reply("-ERR command not found"),
        }
    }

    fn handle_unauthenticated(&mut self, verb: &str, rest: &str) -> Outcome {
        if verb != "auth" {
            return reply("-ERR command not found");
        }
        if same_secret(rest, &self.password) {
            self.authenticated = true;
            tracing::debug!("event socket: {} authenticated", self.peer);
            reply("+OK accepted")
        } else {
            tracing::warn!("event socket: wrong password from {}", self.peer);
            let mut bytes = command_reply("-ERR invalid", &[]);
            bytes.extend_from_slice(&disconnect_notice("-ERR invalid password"));
            Outcome::Close(bytes)
        }
    }

    fn api(&self, line: &str) -> Outcome {
        let switch = Arc::clone(&self.switch);
        let line = line.to_owned();
        Outcome::Api(tokio::task::spawn_blocking(move || {
            switch.api_execute(&line)
        }))
    }

    fn bgapi(&self, line: &str, job_uuid: Option<&str>) -> Outcome {
        let job = match job_uuid {
            Some(id) if !id.is_empty() && id.len() <= 128 => id.to_owned(),
            Some(_) => return reply("-ERR Job-UUID must be 1 to 128 characters"),
            None => uuid::Uuid::new_v4().to_string(),
        };
        let (name, args) = split_command(line);
        let (name, args) = (name.to_owned(), args.to_owned());
        let switch = Arc::clone(&self.switch);
        let job_id = job.clone();
        tokio::task::spawn_blocking(move || {
            let line = format!("{name} {args}");
            let output = switch.api_execute(&line);
            let mut event = Event::core("BACKGROUND_JOB")
                .with_header("Job-UUID", job_id)
                .with_header("Job-Command", name)
                .with_header("Job-Command-Arg", args);
            event.set_body(output);
            switch.bus.fire_from(event, "esl", "bgapi", 0);
        });
        Outcome::Reply(command_reply(
            &format!("+OK Job-UUID: {job}"),
            &[("Job-UUID", &job)],
        ))
    }

    fn ensure_subscription(&mut self) -> &Subscription {
        self.subscription
            .get_or_insert_with(|| self.switch.bus.subscribe())
    }

    fn event(&mut self, rest: &str) -> Outcome {
        let mut words = rest.split_whitespace().peekable();
        let format = match words.peek().map(|w| w.to_ascii_lowercase()) {
            Some(f) if f == "plain" => Format::Plain,
            Some(f) if f == "json" => Format::Json,
            Some(f) if f == "xml" => {
                return reply("-ERR event format xml is not supported; use plain or json");
            }
            _ => {
                let format = Format::Plain;
                let words: Vec<&str> = words.collect();
                return self.subscribe(format, &words);
            }
        };
        words.next();
        let words: Vec<&str> = words.collect();
        self.subscribe(format, &words)
    }

    fn subscribe(&mut self, format: Format, words: &[&str]) -> Outcome {
        let subscription = self.ensure_subscription();
        let mut filter = subscription
            .filter
            .write()
            .unwrap_or_else(|p| p.into_inner());
        let mut selector: EventSelector = filter.selector.clone();
        if let Err(e) = selector.add_words(words.iter().copied()) {
            return reply(&format!("-ERR {e}"));
        }
        filter.selector = selector;
        drop(filter);
        self.format = format;
        reply(&format!("+OK event listener enabled {}", format.name()))
    }

    fn nixevent(&mut self, rest: &str) -> Outcome {
        let Some(subscription) = &self.subscription else {
            return reply("+OK events nixed");
        };
        let mut filter = subscription
            .filter
            .write()
            .unwrap_or_else(|p| p.into_inner());
        match filter.selector.remove_words(rest.split_whitespace()) {
            Ok(()) => reply("+OK events nixed"),
            Err(e) => reply(&format!("-ERR {e}")),
        }
    }

    fn filter(&mut self, rest: &str) -> Outcome {
        let (first, after) = split_command(rest);
        if first.is_empty() {
            return reply(
                "-ERR invalid syntax: filter <header> <value> | filter delete <header> [<value>]",
            );
        }
        let subscription = self.ensure_subscription();
        let mut filter = subscription
            .filter
            .write()
            .unwrap_or_else(|p| p.into_inner());
        if first.eq_ignore_ascii_case("delete") {
            let (header, value) = split_command(after);
            if header.is_empty() {
                return reply("-ERR invalid syntax: filter delete <header> [<value>]");
            }
            if header.eq_ignore_ascii_case("all") {
                filter.header_filters.clear();
                return reply("+OK filter deleted. [all]");
            }
            filter.header_filters.retain(|(h, v)| {
                !(h.eq_ignore_ascii_case(header) && (value.is_empty() || v == value))
            });
            return reply(&format!("+OK filter deleted. [{header}]=[{value}]"));
        }
        if after.is_empty() {
            return reply("-ERR invalid syntax: filter <header> <value>");
        }
        filter
            .header_filters
            .push((first.to_owned(), after.to_owned()));
        reply(&format!("+OK filter added. [{first}]=[{after}]"))
    }

    fn log(&mut self, rest: &str) -> Outcome {
        let level = if rest.trim().is_empty() {
            LogLevel::Debug
        } else {
            match rest.parse::<LogLevel>() {
                Ok(level) => level,
                Err(e) => return reply(&format!("-ERR {e}")),
            }
        };
        self.log_level = level;
        if self.logs.is_none() {
            self.logs = Some(self.switch.logs.subscribe());
        }
        reply(&format!("+OK log level {} [{}]", level, level as u8))
    }

    fn sendevent(&self, rest: &str, command: &Command) -> Outcome {
        let name = rest.split_whitespace().next().unwrap_or("");
        let mut event = match Event::new(name, command.header("Event-Subclass")) {
            Ok(event) => event,
            Err(e) => return reply(&format!("-ERR {e}")),
        };
        for (header, value) in &command.headers {
            if !header.eq_ignore_ascii_case("Content-Length") {
                event.add_header(header.clone(), value.clone());
            }
        }
        if let Some(body) = &command.body {
            event.set_body(body.clone());
        }
        let uuid = match event.header("Event-UUID") {
            Some(existing) => existing.to_owned(),
            None => {
                let id = uuid::Uuid::new_v4().to_string();
                event.add_header("Event-UUID", id.clone());
                id
            }
        };
        self.switch.bus.fire_from(event, "esl", "sendevent", 0);
        reply(&format!("+OK {uuid}"))
    }
}

#[cfg(test)]
mod tests {
    use super::same_secret;

    #[test]
    fn secrets_compare_exactly() {
        assert!(same_secret("abc", "abc"));
        assert!(!same_secret("abd", "abc"));
        assert!(!same_secret("ab", "abc"));
        assert!(!same_secret("abcd", "abc"));
        assert!(!same_secret("", "abc"));
    }
}
