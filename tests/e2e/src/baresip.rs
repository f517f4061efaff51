//! baresip (Debian `baresip-core`) as a headless phone: its own config
//! directory, an account registering through the switch (or a local one
//! that takes calls directly), audio from a WAV file, both directions
//! recorded by `sndfile`, driven over `ctrl_tcp` (netstring-framed JSON;
//! see ../shared/PEERS.md).
//!
//! `ctrl_tcp` serves one connection at a time (a new one drops the old),
//! so each [`Baresip`] keeps a single connection open from start to end;
//! a reader thread files every event and every command response as it
//! arrives, so no event is lost between two waits.
//!
//! Facts found with baresip 1.0.0 on these machines:
//! - Two local accounts (`regint=0`, no registration) call each other
//!   directly at `sip:user@127.0.0.1:<sip port>`.
//! - An account's `audio_codecs=opus` means opus/8000/1, which does not
//!   exist; it must say `opus/48000/2`.
//! - `aufile` refuses a WAV whose rate differs from the codec's (48 kHz
//!   for Opus) unless `ausrc_srate`/`ausrc_channels` name the file's
//!   format (baresip then resamples); the harness sets both from the WAV.
//! - With Opus both recordings are 48 kHz stereo; with G.711 8 kHz mono.
//! - `sndfile` writes the WAV header's lengths only when the call ends
//!   (0 until then; within about 100 ms of `CALL_CLOSED`), so a recording
//!   can be read only after the call: [`Baresip::wait_for_recordings`].
//!   Its file names have one-second resolution.

use crate::ports::free_tcp_port;
use crate::wait::poll_until;
use std::collections::HashMap;
use std::fs;
use std::io::{Read, Write};
use std::net::{Ipv4Addr, Shutdown, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread;
use std::time::{Duration, Instant};

/// How long a ctrl_tcp command waits for its response.
pub const COMMAND_TIMEOUT: Duration = Duration::from_secs(5);
/// How long [`Baresip::start_with`] waits for ctrl_tcp to accept.
pub const START_TIMEOUT: Duration = Duration::from_secs(10);

/// How a [`Baresip`] is set up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaresipOptions {
    /// The account's user part.
    pub user: String,
    /// The account's domain (`127.0.0.1` for a local account).
    pub domain: String,
    /// The account's password (unused by a local account).
    pub password: String,
    /// Register through the switch at `127.0.0.1:port`, with it as the
    /// outbound proxy for every request; `None` for a local account that
    /// does not register and is called directly at [`Baresip::uri`].
    pub switch_port: Option<u16>,
    /// The WAV sent as the phone's audio (any rate, mono or stereo,
    /// 16-bit). baresip hangs up when it ends: pad it with silence.
    pub source_wav: PathBuf,
    /// The codecs to offer and accept, in order of preference,
    /// comma-separated: `pcmu`, `pcma`, `opus` (for example "pcmu",
    /// "opus", "pcmu,opus"). `opus` loads `opus.so`.
    pub codecs: String,
    /// Answer incoming calls at once (`answermode=auto`); when false they
    /// ring (`CALL_INCOMING`) until [`Baresip::accept`].
    pub answer: bool,
}

impl BaresipOptions {
    /// A phone registering as `user@domain` through the switch on
    /// `switch_port`, offering PCMU and answering by itself.
    pub fn registered(
        user: &str,
        domain: &str,
        password: &str,
        switch_port: u16,
        source_wav: &Path,
    ) -> BaresipOptions {
        BaresipOptions {
            user: user.to_string(),
            domain: domain.to_string(),
            password: password.to_string(),
            switch_port: Some(switch_port),
            source_wav: source_wav.to_path_buf(),
            codecs: "pcmu".to_string(),
            answer: true,
        }
    }

    /// A phone that registers nowhere (account `sip:user@127.0.0.1`,
    /// called directly at [`Baresip::uri`]), offering PCMU and answering
    /// by itself.
    pub fn local(user: &str, source_wav: &Path) -> BaresipOptions {
        BaresipOptions {
            user: user.to_string(),
            domain: "127.0.0.1".to_string(),
            password: String::new(),
            switch_port: None,
            source_wav: source_wav.to_path_buf(),
            codecs: "pcmu".to_string(),
            answer: true,
        }
    }

    /// The account's `audio_codecs` value for [`BaresipOptions::codecs`].
    fn audio_codecs(&self) -> String {
        self.codecs
            .split(',')
            .map(str::trim)
            .filter(|codec| !codec.is_empty())
            .map(|codec| match codec.to_ascii_lowercase().as_str() {
                "opus" => "opus/48000/2".to_string(),
                other => other.to_string(),
            })
            .collect::<Vec<_>>()
            .join(",")
    }

    fn wants_opus(&self) -> bool {
        self.codecs
            .split(',')
            .any(|codec| codec.trim().eq_ignore_ascii_case("opus"))
    }
}

/// One ctrl_tcp event (`{"event":true,"type":…}`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaresipEvent {
    /// `type`, for example `CALL_ESTABLISHED`, `CALL_DTMF_START`.
    pub kind: String,
    /// `class` (`call`, `register`, `other`, …).
    pub class: String,
    /// `param`, when present (the digit of `CALL_DTMF_START`, the reason
    /// of `CALL_CLOSED`, the peer of `CALL_INCOMING`).
    pub param: Option<String>,
    /// `peeruri`, when present.
    pub peer_uri: Option<String>,
    /// When the reader thread received it.
    pub received: Instant,
    /// The JSON as received.
    pub raw: String,
}

/// What the reader thread has collected.
#[derive(Debug, Default)]
struct Inbox {
    /// Every event in order, with whether a wait has taken it.
    events: Vec<(BaresipEvent, bool)>,
    /// Responses by token, as raw JSON.
    responses: HashMap<String, String>,
    /// The connection ended.
    closed: bool,
}

type Shared = Arc<(Mutex<Inbox>, Condvar)>;

/// A running baresip.
pub struct Baresip {
    child: Child,
    dir: PathBuf,
    ctrl_port: u16,
    sip_port: u16,
    user: String,
    ctrl: Mutex<TcpStream>,
    inbox: Shared,
    next_token: AtomicU64,
}

/// A port `p` with `p` and `p + 1` free (baresip opens TLS on `p + 1`).
fn free_port_pair() -> u16 {
    loop {
        let port = free_tcp_port();
        if port < u16::MAX && TcpListener::bind((Ipv4Addr::LOCALHOST, port + 1)).is_ok() {
            return port;
        }
    }
}

/// The sample rate and channel count in a WAV's `fmt ` chunk, if any.
fn wav_format(path: &Path) -> Option<(u32, u16)> {
    let bytes = fs::read(path).ok()?;
    let mut at = 12;
    while at + 8 <= bytes.len() {
        let len = u32::from_le_bytes(bytes[at + 4..at + 8].try_into().ok()?) as usize;
        if &bytes[at..at + 4] == b"fmt " {
            let body = bytes.get(at + 8..at + 8 + 16)?;
            let channels = u16::from_le_bytes([body[2], body[3]]);
            let rate = u32::from_le_bytes([body[4], body[5], body[6], body[7]]);
            return Some((rate, channels));
        }
        at += 8 + len + (len & 1);
    }
    None
}

/// The length the `data` chunk header of a WAV declares (0 while
/// `sndfile` is still writing it).
fn wav_data_len(path: &Path) -> Option<u32> {
    let bytes = fs::read(path).ok()?;
    let mut at = 12;
    while at + 8 <= bytes.len() {
        let len = u32::from_le_bytes(bytes[at + 4..at + 8].try_into().ok()?);
        if &bytes[at..at + 4] == b"data" {
            return Some(len);
        }
        at += 8 + len as usize + (len as usize & 1);
    }
    None
}

impl Baresip {
    /// Starts baresip in `dir` as `user@domain` (password `password`),
    /// registering through the switch at `127.0.0.1:switch_port`, sending
    /// `source_wav` and answering calls by itself.
    pub fn start(
        dir: &Path,
        user: &str,
        domain: &str,
        password: &str,
        switch_port: u16,
        source_wav: &Path,
    ) -> Baresip {
        Baresip::start_with(
            dir,
            &BaresipOptions::registered(user, domain, password, switch_port, source_wav),
        )
    }

    /// Starts baresip in `dir` as `options` say and connects to its
    /// ctrl_tcp (waiting up to [`START_TIMEOUT`]).
    ///
    /// # Panics
    /// When baresip cannot be started or its ctrl_tcp never accepts.
    pub fn start_with(dir: &Path, options: &BaresipOptions) -> Baresip {
        let sip_port = free_port_pair();
        let ctrl_port = free_tcp_port();
        let rtp_base = free_tcp_port().clamp(10_000, 60_000);
        let rec = dir.join("rec");
        fs::create_dir_all(&rec).expect("create the recording dir");
        let (source_rate, source_channels) = wav_format(&options.source_wav)
            .unwrap_or_else(|| panic!("{}: not a WAV file", options.source_wav.display()));
        let opus = if options.wants_opus() {
            "module opus.so\n"
        } else {
            ""
        };
        let config = format!(
            "poll_method epoll\n\
             sip_listen 127.0.0.1:{sip_port}\n\
             net_interface 127.0.0.1\n\
             audio_player aubridge,nil\n\
             audio_source aufile,{source}\n\
             audio_alert aubridge,nil\n\
             ausrc_srate {source_rate}\n\
             ausrc_channels {source_channels}\n\
             rtp_ports {rtp_base}-{rtp_end}\n\
             module_path /usr/lib/baresip/modules\n\
             module g711.so\n\
             {opus}\
             module aufile.so\n\
             module aubridge.so\n\
             module sndfile.so\n\
             module_app account.so\n\
             module_app menu.so\n\
             module_app ctrl_tcp.so\n\
             ctrl_tcp_listen 127.0.0.1:{ctrl_port}\n\
             snd_path {rec}\n",
            source = options.source_wav.display(),
            rtp_end = rtp_base + 19,
            rec = rec.display(),
        );
        fs::write(dir.join("config"), config).expect("write the baresip config");
        let answer = if options.answer { "auto" } else { "manual" };
        let codecs = options.audio_codecs();
        let account = match options.switch_port {
            Some(switch_port) => format!(
                "<sip:{}@{}>;auth_pass={};outbound=\"sip:127.0.0.1:{switch_port}\";regint=60;answermode={answer};audio_codecs={codecs}\n",
                options.user, options.domain, options.password
            ),
            None => format!(
                "<sip:{}@{}>;regint=0;answermode={answer};audio_codecs={codecs}\n",
                options.user, options.domain
            ),
        };
        fs::write(dir.join("accounts"), account).expect("write the baresip accounts");
        let log = fs::File::create(dir.join("baresip.log")).expect("baresip log");
        let mut child = Command::new("baresip")
            .arg("-f")
            .arg(dir)
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log handle"))
            .stderr(log)
            .spawn()
            .expect("start baresip (Debian package baresip-core)");
        let stream = poll_until(START_TIMEOUT, Duration::from_millis(50), || {
            TcpStream::connect((Ipv4Addr::LOCALHOST, ctrl_port)).ok()
        });
        let Some(stream) = stream else {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "baresip's ctrl_tcp never accepted on {ctrl_port}\n{}",
                fs::read_to_string(dir.join("baresip.log")).unwrap_or_default()
            );
        };
        let _ = stream.set_nodelay(true);
        let inbox: Shared = Arc::default();
        let reader = stream.try_clone().expect("clone the ctrl_tcp stream");
        let shared = Arc::clone(&inbox);
        thread::spawn(move || read_ctrl(reader, &shared));
        Baresip {
            child,
            dir: dir.to_path_buf(),
            ctrl_port,
            sip_port,
            user: options.user.clone(),
            ctrl: Mutex::new(stream),
            inbox,
            next_token: AtomicU64::new(1),
        }
    }

    /// The SIP port baresip listens on (UDP and TCP, 127.0.0.1).
    pub fn sip_port(&self) -> u16 {
        self.sip_port
    }

    /// The ctrl_tcp port.
    pub fn ctrl_port(&self) -> u16 {
        self.ctrl_port
    }

    /// Where to call this phone directly: `sip:user@127.0.0.1:<sip port>`.
    pub fn uri(&self) -> String {
        format!("sip:{}@127.0.0.1:{}", self.user, self.sip_port)
    }

    /// Sends a ctrl_tcp command and returns its raw JSON response (for
    /// example `{"response":true,"ok":true,"data":"","token":"e2e-3"}`),
    /// or a text saying why there is none within [`COMMAND_TIMEOUT`].
    pub fn command(&self, command: &str, params: &str) -> String {
        let token = format!("e2e-{}", self.next_token.fetch_add(1, Ordering::Relaxed));
        let body = format!(
            "{{\"command\":{},\"params\":{},\"token\":\"{token}\"}}",
            json_string(command),
            json_string(params)
        );
        {
            let mut stream = self.ctrl.lock().unwrap_or_else(|e| e.into_inner());
            if let Err(e) = stream.write_all(format!("{}:{body},", body.len()).as_bytes()) {
                return format!("write failed: {e}");
            }
        }
        let (lock, signal) = &*self.inbox;
        let deadline = Instant::now() + COMMAND_TIMEOUT;
        let mut inbox = lock.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            if let Some(response) = inbox.responses.remove(&token) {
                return response;
            }
            if inbox.closed {
                return "ctrl_tcp connection closed".to_string();
            }
            let now = Instant::now();
            if now >= deadline {
                return format!("no response to {command} within {COMMAND_TIMEOUT:?}");
            }
            inbox = signal
                .wait_timeout(inbox, deadline - now)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
    }

    /// Runs a command: `Ok(data)` when baresip answered `"ok":true`,
    /// otherwise `Err` with the raw response.
    pub fn run(&self, command: &str, params: &str) -> Result<String, String> {
        let response = self.command(command, params);
        let fields = json_fields(&response);
        let ok = fields.iter().any(|(k, v)| k == "ok" && v == "true");
        if ok {
            Ok(fields
                .into_iter()
                .find(|(k, _)| k == "data")
                .map(|(_, v)| v)
                .unwrap_or_default())
        } else {
            Err(response)
        }
    }

    /// Calls `uri` (`dial`).
    pub fn dial(&self, uri: &str) -> Result<String, String> {
        self.run("dial", uri)
    }

    /// Answers the ringing call (`accept`; for `answer: false`).
    pub fn accept(&self) -> Result<String, String> {
        self.run("accept", "")
    }

    /// Hangs up the current call (`hangup`).
    pub fn hangup(&self) -> Result<String, String> {
        self.run("hangup", "")
    }

    /// Sends DTMF digits on the current call as RFC 2833 events
    /// (`sndcode`; several digits go one after the other).
    pub fn send_dtmf(&self, digits: &str) -> Result<String, String> {
        self.run("sndcode", digits)
    }

    /// Waits at most `timeout` for an event of type `kind` that no
    /// earlier wait took, takes it and returns it. Events that arrived
    /// before the call count: nothing is lost between waits.
    pub fn next_event(&self, kind: &str, timeout: Duration) -> Option<BaresipEvent> {
        let (lock, signal) = &*self.inbox;
        let deadline = Instant::now() + timeout;
        let mut inbox = lock.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            if let Some((event, taken)) = inbox
                .events
                .iter_mut()
                .find(|(event, taken)| !*taken && event.kind == kind)
            {
                *taken = true;
                return Some(event.clone());
            }
            let now = Instant::now();
            if inbox.closed || now >= deadline {
                return None;
            }
            inbox = signal
                .wait_timeout(inbox, deadline - now)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
    }

    /// Whether an event of type `kind` (for example `CALL_ESTABLISHED`,
    /// `CALL_CLOSED`) arrives within `timeout`; see [`Baresip::next_event`].
    pub fn wait_for_event(&self, kind: &str, timeout: Duration) -> bool {
        self.next_event(kind, timeout).is_some()
    }

    /// Every event of type `kind` received so far, taken or not.
    pub fn events(&self, kind: &str) -> Vec<BaresipEvent> {
        let (lock, _) = &*self.inbox;
        let inbox = lock.lock().unwrap_or_else(|e| e.into_inner());
        inbox
            .events
            .iter()
            .filter(|(event, _)| event.kind == kind)
            .map(|(event, _)| event.clone())
            .collect()
    }

    /// The DTMF digits received so far (`CALL_DTMF_START` events), in
    /// order.
    pub fn dtmf_received(&self) -> String {
        self.events("CALL_DTMF_START")
            .into_iter()
            .filter_map(|event| event.param)
            .collect()
    }

    /// The recordings in `rec/`, sorted by name (so by start time).
    fn recordings(&self, suffix: &str) -> Vec<PathBuf> {
        let mut found: Vec<PathBuf> = fs::read_dir(self.dir.join("rec"))
            .map(|entries| {
                entries
                    .filter_map(Result::ok)
                    .map(|e| e.path())
                    .filter(|p| p.to_string_lossy().ends_with(suffix))
                    .collect()
            })
            .unwrap_or_default();
        found.sort();
        found
    }

    /// The latest recording of what this phone received (`*-dec.wav`),
    /// if any.
    pub fn received_recording(&self) -> Option<PathBuf> {
        self.recordings("-dec.wav").pop()
    }

    /// The latest recording of what this phone sent (`*-enc.wav`), if any.
    pub fn sent_recording(&self) -> Option<PathBuf> {
        self.recordings("-enc.wav").pop()
    }

    /// Waits at most `timeout` until both recordings of the latest call
    /// are complete (their WAV headers written, which `sndfile` does when
    /// the call ends) and returns them as (sent, received).
    pub fn wait_for_recordings(&self, timeout: Duration) -> Option<(PathBuf, PathBuf)> {
        poll_until(timeout, Duration::from_millis(50), || {
            let sent = self.sent_recording()?;
            let received = self.received_recording()?;
            let complete = |path: &Path| wav_data_len(path).is_some_and(|len| len > 0);
            (complete(&sent) && complete(&received)).then_some((sent, received))
        })
    }

    /// baresip's own log.
    pub fn log(&self) -> String {
        fs::read_to_string(self.dir.join("baresip.log")).unwrap_or_default()
    }
}

impl Drop for Baresip {
    fn drop(&mut self) {
        if let Ok(stream) = self.ctrl.lock() {
            let _ = stream.shutdown(Shutdown::Both);
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Reads netstrings from ctrl_tcp until the connection ends, filing
/// events and responses in `shared`.
fn read_ctrl(mut stream: TcpStream, shared: &Shared) {
    let (lock, signal) = &**shared;
    let mut buffer: Vec<u8> = Vec::new();
    let mut chunk = [0u8; 8192];
    loop {
        let n = match stream.read(&mut chunk) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        buffer.extend_from_slice(&chunk[..n]);
        while let Some((message, used)) = take_netstring(&buffer) {
            buffer.drain(..used);
            let fields = json_fields(&message);
            let field = |name: &str| {
                fields
                    .iter()
                    .find(|(key, _)| key == name)
                    .map(|(_, value)| value.clone())
            };
            let mut inbox = lock.lock().unwrap_or_else(|e| e.into_inner());
            if field("event").as_deref() == Some("true") {
                let event = BaresipEvent {
                    kind: field("type").unwrap_or_default(),
                    class: field("class").unwrap_or_default(),
                    param: field("param"),
                    peer_uri: field("peeruri"),
                    received: Instant::now(),
                    raw: message.clone(),
                };
                inbox.events.push((event, false));
            } else if let Some(token) = field("token") {
                inbox.responses.insert(token, message.clone());
            }
            signal.notify_all();
        }
    }
    lock.lock().unwrap_or_else(|e| e.into_inner()).closed = true;
    signal.notify_all();
}

/// The first complete netstring (`len:payload,`) in `buffer` and how many
/// bytes it took; `None` until one is complete. A malformed length skips
/// the buffer up to the next digit.
fn take_netstring(buffer: &[u8]) -> Option<(String, usize)> {
    let colon = buffer.iter().position(|&b| b == b':')?;
    let len: usize = std::str::from_utf8(&buffer[..colon])
        .ok()?
        .trim()
        .parse()
        .ok()?;
    let end = colon + 1 + len;
    if buffer.len() <= end {
        return None;
    }
    let payload = String::from_utf8_lossy(&buffer[colon + 1..end]).into_owned();
    Some((payload, end + 1))
}

/// `text` as a JSON string literal.
fn json_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The top-level members of a flat JSON object: strings decoded, other
/// scalars as written (`true`, `12`), nested objects and arrays as their
/// raw text. Enough for ctrl_tcp's messages; not a general parser.
fn json_fields(text: &str) -> Vec<(String, String)> {
    let chars: Vec<char> = text.chars().collect();
    let mut at = match chars.iter().position(|&c| c == '{') {
        Some(open) => open + 1,
        None => return Vec::new(),
    };
    let mut fields = Vec::new();
    let skip_space = |at: &mut usize| {
        while *at < chars.len() && (chars[*at].is_whitespace() || chars[*at] == ',') {
            *at += 1;
        }
    };
    loop {
        skip_space(&mut at);
        if at >= chars.len() || chars[at] != '"' {
            return fields;
        }
        let Some(key) = json_read_string(&chars, &mut at) else {
            return fields;
        };
        while at < chars.len() && (chars[at].is_whitespace() || chars[at] == ':') {
            at += 1;
        }
        let value = match chars.get(at) {
            Some('"') => match json_read_string(&chars, &mut at) {
                Some(value) => value,
                None => return fields,
            },
            Some('{') | Some('[') => {
                let start = at;
                let mut depth = 0usize;
                while at < chars.len() {
                    match chars[at] {
                        '"' => {
                            json_read_string(&chars, &mut at);
                            continue;
                        }
                        '{' | '[' => depth += 1,
                        '}' | ']' => {
                            depth -= 1;
                            if depth == 0 {
                                at += 1;
                                break;
                            }
                        }
                        _ => {}
                    }
                    at += 1;
                }
                chars[start..at].iter().collect()
            }
            Some(_) => {
                let start = at;
                while at < chars.len() && !matches!(chars[at], ',' | '}') {
                    at += 1;
                }
                chars[start..at]
                    .iter()
                    .collect::<String>()
                    .trim()
                    .to_string()
            }
            None => return fields,
        };
        fields.push((key, value));
    }
}

/// Reads the JSON string starting at `chars[*at]` (a `"`), decoding
/// escapes, and moves `at` past its closing quote.
fn json_read_string(chars: &[char], at: &mut usize) -> Option<String> {
    *at += 1;
    let mut out = String::new();
    while *at < chars.len() {
        let c = chars[*at];
        *at += 1;
        match c {
            '"' => return Some(out),
            '\\' => {
                let escaped = *chars.get(*at)?;
                *at += 1;
                match escaped {
                    'n' => out.push('\n'),
                    'r' => out.push('\r'),
                    't' => out.push('\t'),
                    'b' => out.push('\u{8}'),
                    'f' => out.push('\u{c}'),
                    'u' => {
                        let hex: String = chars.get(*at..*at + 4)?.iter().collect();
                        *at += 4;
                        out.push(
                            u32::from_str_radix(&hex, 16)
                                .ok()
                                .and_then(char::from_u32)
                                .unwrap_or('\u{fffd}'),
                        );
                    }
                    other => out.push(other),
                }
            }
            c => out.push(c),
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audio::{compare_audio, write_test_signal, write_wav};
    use crate::temp_dir::TempDir;

    #[test]
    fn json_fields_reads_ctrl_tcp_messages() {
        let event = r#"{"event":true,"type":"CALL_RTCP","class":"call","rtcp_stats":{"tx":{"sent":0}},"param":"a \"b\"\n\u0041"}"#;
        let fields = json_fields(event);
        assert_eq!(
            fields,
            vec![
                ("event".to_string(), "true".to_string()),
                ("type".to_string(), "CALL_RTCP".to_string()),
                ("class".to_string(), "call".to_string()),
                ("rtcp_stats".to_string(), r#"{"tx":{"sent":0}}"#.to_string()),
                ("param".to_string(), "a \"b\"\nA".to_string()),
            ]
        );
        assert_eq!(json_string("say \"hi\"\n"), r#""say \"hi\"\n""#);
    }

    #[test]
    fn netstrings_are_taken_whole() {
        assert_eq!(take_netstring(b"5:hel"), None);
        assert_eq!(take_netstring(b"5:hello"), None);
        assert_eq!(
            take_netstring(b"5:hello,2:ab,"),
            Some(("hello".to_string(), 8))
        );
    }

    #[test]
    fn audio_codecs_name_opus_with_its_rate() {
        let mut options = BaresipOptions::local("a", Path::new("x.wav"));
        options.codecs = "pcmu, opus".to_string();
        assert_eq!(options.audio_codecs(), "pcmu,opus/48000/2");
        assert!(options.wants_opus());
    }

    /// Two local phones (no switch) call each other directly with `codecs`
    /// at both ends: the call is set up, DTMF arrives as events, and after
    /// the hangup each recording holds what the other sent.
    fn direct_call(codecs: &str, answer: bool) {
        let dir = TempDir::new("baresip-direct");
        let source = dir.path().join("signal.wav");
        // 1 s of silence, 4 s of test signal, then silence that outlasts the call.
        let mut samples = vec![0i16; 8000];
        samples.extend(crate::audio::test_signal(8000, 4.0));
        samples.resize(samples.len() + 8000 * 10, 0);
        write_wav(&source, 8000, &samples);
        let reference = dir.path().join("reference.wav");
        write_test_signal(&reference, 8000, 4.0);
        let options = |user: &str| BaresipOptions {
            codecs: codecs.to_string(),
            answer,
            ..BaresipOptions::local(user, &source)
        };
        let a = Baresip::start_with(&dir.subdir("a"), &options("alice"));
        let b = Baresip::start_with(&dir.subdir("b"), &options("bob"));
        let context = |a: &Baresip, b: &Baresip| format!("{}\n{}", a.log(), b.log());
        a.dial(&b.uri())
            .unwrap_or_else(|e| panic!("dial: {e}\n{}", context(&a, &b)));
        if !answer {
            assert!(
                b.wait_for_event("CALL_INCOMING", Duration::from_secs(10)),
                "{}",
                context(&a, &b)
            );
            b.accept().expect("accept");
        }
        for phone in [&a, &b] {
            assert!(
                phone.wait_for_event("CALL_ESTABLISHED", Duration::from_secs(10)),
                "{}",
                context(&a, &b)
            );
        }
        thread::sleep(Duration::from_millis(5500));
        a.send_dtmf("15#").expect("sndcode");
        let digits = poll_until(Duration::from_secs(5), Duration::from_millis(50), || {
            (b.dtmf_received().len() == 3).then(|| b.dtmf_received())
        });
        assert_eq!(digits.as_deref(), Some("15#"), "{}", context(&a, &b));
        let hung_up = Instant::now();
        a.hangup().expect("hangup");
        for phone in [&a, &b] {
            assert!(phone.wait_for_event("CALL_CLOSED", Duration::from_secs(10)));
        }
        let mut recordings = Vec::new();
        for (phone, name) in [(&a, "alice"), (&b, "bob")] {
            let pair = phone
                .wait_for_recordings(Duration::from_secs(5))
                .unwrap_or_else(|| panic!("{name}: recordings\n{}", phone.log()));
            recordings.push((name, pair, hung_up.elapsed()));
        }
        for (name, (sent, received), flushed) in recordings {
            let (rate, channels) = wav_format(&received).expect("a WAV");
            let heard = compare_audio(&reference, &received);
            let said = compare_audio(&reference, &sent);
            println!(
                "{codecs} {name}: recordings complete {flushed:?} after the hangup; \
                 received {rate} Hz x {channels}: correlation {:.4} lag {:.2} ms \
                 worst second {:.4}; sent: correlation {:.4} lag {:.2} ms",
                heard.correlation,
                heard.lag_ms,
                heard.worst_segment().unwrap_or(0.0),
                said.correlation,
                said.lag_ms
            );
            assert!(heard.correlation > 0.9, "{name} heard {heard:?}");
            assert!(said.correlation > 0.9, "{name} said {said:?}");
        }
    }

    #[test]
    fn two_local_phones_talk_opus_directly() {
        direct_call("opus", true);
    }

    #[test]
    fn two_local_phones_talk_pcmu_directly_answering_by_hand() {
        direct_call("pcmu", false);
    }
}
