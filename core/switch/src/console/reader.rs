//! The interactive console's reader thread: it owns the socket's read half
//! and routes every frame — replies to the main thread, log lines and
//! events to the printer, and the end of the connection to both.

use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Sender;
use std::thread::{self, JoinHandle};

use super::client::{ClientError, Frame, FrameKind, FrameReader};
use super::render::{render_event, render_log};

/// Where one frame goes.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Route {
    /// Text for the printer (log line or event), already rendered.
    Print(String),
    /// A reply (`api/response` or `command/reply`) for the main thread.
    Reply(Frame),
    /// The connection is over; the reason, ready to show.
    Gone(String),
    /// Nothing to do with it.
    Ignore,
}

/// Decides where `frame` goes; `color` turns log colours on.
pub(crate) fn route(frame: Frame, color: bool) -> Route {
    match frame.kind() {
        FrameKind::Log => Route::Print(render_log(&frame, color)),
        FrameKind::Event => Route::Print(render_event(&frame)),
        FrameKind::ApiResponse | FrameKind::CommandReply => Route::Reply(frame),
        FrameKind::DisconnectNotice | FrameKind::RudeRejection => Route::Gone(gone_reason(
            &ClientError::Disconnected(frame.body.as_deref().unwrap_or_default().trim().to_owned()),
        )),
        FrameKind::AuthRequest | FrameKind::Other => Route::Ignore,
    }
}

/// How the end of the connection is announced.
pub(crate) fn gone_reason(err: &ClientError) -> String {
    match err {
        ClientError::Disconnected(text) if text.is_empty() => {
            "Disconnected by the switch.".to_owned()
        }
        ClientError::Disconnected(text) => {
            format!("Disconnected by the switch: {}", text.replace('\n', " "))
        }
        other => format!("Connection to the switch lost: {other}."),
    }
}

/// What the reader thread sends to the main thread.
#[derive(Debug)]
pub(crate) enum Inbound {
    /// The answer to the command the main thread sent.
    Reply(Frame),
    /// The connection is over, with the reason.
    Gone(String),
}

/// Flags the main thread and the reader thread share.
#[derive(Debug, Default)]
pub(crate) struct SharedState {
    /// Set by the reader when the connection has ended.
    pub(crate) gone: AtomicBool,
    /// Set by the main thread while it waits at the prompt.
    pub(crate) at_prompt: AtomicBool,
    /// Set by the main thread once the user asked to leave, so the expected
    /// disconnect is not announced.
    pub(crate) leaving: AtomicBool,
}

/// Starts the reader thread over `reader`.
///
/// Replies go to `replies`; rendered log lines and events to `prints`. When
/// the connection ends the thread sets `shared.gone`, sends
/// [`Inbound::Gone`], tells the user through `prints` if they sit at the
/// prompt (readline cannot be interrupted, so they are asked to press
/// Enter), and stops.
pub(crate) fn spawn(
    mut reader: FrameReader,
    color: bool,
    replies: Sender<Inbound>,
    prints: Sender<String>,
    shared: Arc<SharedState>,
) -> io::Result<JoinHandle<()>> {
    thread::Builder::new()
        .name("console-reader".to_owned())
        .spawn(move || {
            loop {
                let routed = match reader.read_frame() {
                    Ok(frame) => route(frame, color),
                    Err(err) => Route::Gone(gone_reason(&err)),
                };
                match routed {
                    Route::Print(text) => {
                        // The printer only goes away when the console ends.
                        let _ = prints.send(text);
                    }
                    Route::Reply(frame) => {
                        if replies.send(Inbound::Reply(frame)).is_err() {
                            return;
                        }
                    }
                    Route::Gone(reason) => {
                        shared.gone.store(true, Ordering::SeqCst);
                        if shared.at_prompt.load(Ordering::SeqCst)
                            && !shared.leaving.load(Ordering::SeqCst)
                        {
                            let _ = prints.send(format!("\n{reason} Press Enter to leave.\n"));
                        }
                        let _ = replies.send(Inbound::Gone(reason));
                        return;
                    }
                    Route::Ignore => {}
                }
            }
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(content_type: &str, extra: &[(&str, &str)], body: Option<&str>) -> Frame {
        let mut headers = vec![("Content-Type".to_owned(), content_type.to_owned())];
        headers.extend(
            extra
                .iter()
                .map(|(n, v)| ((*n).to_owned(), (*v).to_owned())),
        );
        Frame {
            headers,
            body: body.map(str::to_owned),
        }
    }

    #[test]
    fn log_lines_go_to_the_printer_coloured() {
        let log = frame("log/data", &[("Log-Level", "4")], Some("[WARNING] x\n"));
        assert_eq!(
            route(log, true),
            Route::Print("\x1b[35m[WARNING] x\x1b[0m\n".to_owned())
        );
    }

    #[test]
    fn replies_go_to_the_main_thread() {
        let api = frame("api/response", &[], Some("+OK\n"));
        assert_eq!(route(api.clone(), false), Route::Reply(api));
        let reply = frame("command/reply", &[("Reply-Text", "+OK bye")], None);
        assert_eq!(route(reply.clone(), false), Route::Reply(reply));
    }

    #[test]
    fn disconnect_notice_ends_the_console() {
        let notice = frame(
            "text/disconnect-notice",
            &[],
            Some("Disconnected, goodbye.\nSee you.\n"),
        );
        assert_eq!(
            route(notice, false),
            Route::Gone("Disconnected by the switch: Disconnected, goodbye. See you.".to_owned())
        );
        let bare = frame("text/disconnect-notice", &[], None);
        assert_eq!(
            route(bare, false),
            Route::Gone("Disconnected by the switch.".to_owned())
        );
        assert_eq!(
            gone_reason(&ClientError::Closed),
            "Connection to the switch lost: connection closed by the server."
        );
    }

    #[test]
    fn events_are_printed_and_the_rest_ignored() {
        let event = frame("text/event-plain", &[], Some("Event-Name: API\n\n"));
        assert_eq!(
            route(event, false),
            Route::Print("RECV EVENT\nEvent-Name: API\n\n".to_owned())
        );
        assert_eq!(
            route(frame("text/unknown", &[], None), false),
            Route::Ignore
        );
    }
}
