//! The interactive console: banner, prompt, line editing with history and
//! completion, live log while typing, and the read–send–print loop.

use std::io::{self, IsTerminal, Write};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::sync::mpsc::{self, Receiver};
use std::time::Duration;

use rustyline::error::ReadlineError;
use rustyline::history::DefaultHistory;
use rustyline::{CompletionType, Config, Editor, ExternalPrinter};

use super::ConsoleOptions;
use super::client::{CommandWriter, EslClient, Frame, FrameKind};
use super::completion::{ConsoleHelper, parse_show_api};
use super::dispatch::{Action, HELP, dispatch};
use super::printer::{self, PlainPrinter};
use super::reader::{self, Inbound, SharedState};
use super::render::with_newline;

/// Log level subscribed to on start, as fs_cli does.
const START_LOG_LEVEL: &str = "info";

/// How long `/exit` waits for `+OK bye` before closing anyway.
const EXIT_WAIT: Duration = Duration::from_secs(2);

/// History entries kept.
const HISTORY_SIZE: usize = 1000;

/// History file name under `$HOME`.
const HISTORY_FILE_NAME: &str = ".switchyard_history";

/// Runs the console on an authenticated `client` until the user leaves
/// (exit code 0) or the connection ends (1); 2 when the session cannot
/// start.
pub(crate) fn run(mut client: EslClient, opts: &ConsoleOptions, addr: &str) -> i32 {
    let commands = match client.api("show api") {
        Ok(csv) => parse_show_api(&csv),
        Err(err) => {
            eprint_line(&format!("switchyard cli: {err}"));
            return 2;
        }
    };
    match client.send_command(&format!("log {START_LOG_LEVEL}")) {
        Ok(reply) if reply.reply_text().is_some_and(|t| t.starts_with("+OK")) => {}
        Ok(reply) => eprint_line(&format!(
            "switchyard cli: could not subscribe to the log: {}",
            reply.reply_text().unwrap_or("no Reply-Text")
        )),
        Err(err) => {
            eprint_line(&format!("switchyard cli: {err}"));
            return 2;
        }
    }

    let mut editor = match new_editor(commands) {
        Ok(editor) => editor,
        Err(err) => {
            eprint_line(&format!(
                "switchyard cli: cannot set up the terminal: {err}"
            ));
            return 2;
        }
    };
    let history = history_path(opts);
    if let Some(path) = &history {
        // A missing history file is the normal first run.
        let _ = editor.load_history(path);
    }

    let color = use_color();
    let shared = Arc::new(SharedState::default());
    let (reply_tx, replies) = mpsc::channel();
    let (print_tx, prints) = mpsc::channel();
    let external: Box<dyn ExternalPrinter + Send> = match editor.create_external_printer() {
        Ok(external) => Box::new(external),
        Err(_) => Box::new(PlainPrinter),
    };
    let (frames, writer) = client.split();
    if let Err(err) = printer::spawn(external, prints) {
        eprint_line(&format!("switchyard cli: cannot start the printer: {err}"));
        return 2;
    }
    if let Err(err) = reader::spawn(frames, color, reply_tx, print_tx, Arc::clone(&shared)) {
        eprint_line(&format!("switchyard cli: cannot start the reader: {err}"));
        return 2;
    }

    print_out(&banner(addr));
    let mut session = Session {
        editor,
        writer,
        replies,
        shared,
        history,
        prompt: format!("switchyard@{}> ", opts.host),
    };
    session.run()
}

/// The editor with fs_cli-like settings and our completion.
fn new_editor(commands: Vec<String>) -> rustyline::Result<Editor<ConsoleHelper, DefaultHistory>> {
    let config = Config::builder()
        .max_history_size(HISTORY_SIZE)?
        .history_ignore_dups(true)?
        .history_ignore_space(true)
        .completion_type(CompletionType::List)
        .auto_add_history(false)
        .build();
    let mut editor = Editor::with_config(config)?;
    editor.set_helper(Some(ConsoleHelper::new(commands)));
    Ok(editor)
}

/// `opts.history_file`, else `$HOME/.switchyard_history`, else none.
fn history_path(opts: &ConsoleOptions) -> Option<PathBuf> {
    opts.history_file.clone().or_else(|| {
        std::env::var_os("HOME")
            .filter(|home| !home.is_empty())
            .map(|home| PathBuf::from(home).join(HISTORY_FILE_NAME))
    })
}

/// Colours only on a terminal, and not when `NO_COLOR` is set.
fn use_color() -> bool {
    io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// The greeting printed once connected.
fn banner(addr: &str) -> String {
    format!(
        "Switchyard console, connected to {addr}.\n\
         Type /help <Enter> for the console commands; anything else is an API command \
         (Tab completes, try `status`).\n\n"
    )
}

/// Writes to stdout, ignoring a closed stdout.
fn print_out(text: &str) {
    let mut out = io::stdout().lock();
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
}

/// Writes one line to stderr, ignoring a closed stderr.
fn eprint_line(text: &str) {
    let _ = writeln!(io::stderr(), "{text}");
}

/// What to do after a line.
enum Next {
    /// Back to the prompt.
    Prompt,
    /// Leave with this exit code.
    Leave(i32),
}

/// The running console: editor, socket writer, and the reader's channel.
struct Session {
    editor: Editor<ConsoleHelper, DefaultHistory>,
    writer: CommandWriter,
    replies: Receiver<Inbound>,
    shared: Arc<SharedState>,
    history: Option<PathBuf>,
    prompt: String,
}

impl Session {
    /// The prompt loop; returns the exit code.
    fn run(&mut self) -> i32 {
        loop {
            self.shared.at_prompt.store(true, Ordering::SeqCst);
            if self.shared.gone.load(Ordering::SeqCst) {
                return self.connection_gone(true);
            }
            let read = self.editor.readline(&self.prompt);
            self.shared.at_prompt.store(false, Ordering::SeqCst);
            if self.shared.gone.load(Ordering::SeqCst) {
                // The reader told the user already, unless it raced with us.
                return self.connection_gone(false);
            }
            let next = match read {
                Ok(line) => self.handle_line(&line),
                // Ctrl-C: the line is dropped, a fresh prompt follows.
                Err(ReadlineError::Interrupted) => Next::Prompt,
                Err(ReadlineError::Eof) => {
                    if io::stdin().is_terminal() {
                        print_out("\n");
                    }
                    self.leave()
                }
                Err(err) => {
                    eprint_line(&format!("switchyard cli: terminal error: {err}"));
                    self.writer.shutdown();
                    Next::Leave(1)
                }
            };
            if let Next::Leave(code) = next {
                return code;
            }
        }
    }

    /// Records `line` in the history and carries it out.
    fn handle_line(&mut self, line: &str) -> Next {
        let trimmed = line.trim();
        if !trimmed.is_empty() {
            // History trouble must not get in the way of the console.
            let _ = self.editor.add_history_entry(trimmed);
            if let Some(path) = &self.history {
                let _ = self.editor.save_history(path);
            }
        }
        match dispatch(line) {
            Action::Nothing => Next::Prompt,
            Action::Help => {
                print_out(HELP);
                Next::Prompt
            }
            Action::Exit => self.leave(),
            Action::Unknown(word) => {
                print_out(&format!(
                    "Unknown command [{word}]; type /help for the list.\n"
                ));
                Next::Prompt
            }
            Action::Command(command) | Action::Api(command) => self.round_trip(&command),
        }
    }

    /// Sends `command`, waits for its reply and prints it.
    fn round_trip(&mut self, command: &str) -> Next {
        if let Err(err) = self.writer.send(command) {
            eprint_line(&format!("switchyard cli: {err}"));
            return self.wait_gone_or_prompt();
        }
        match self.replies.recv() {
            Ok(Inbound::Reply(frame)) => {
                print_out(&reply_text(&frame));
                Next::Prompt
            }
            Ok(Inbound::Gone(reason)) => {
                eprint_line(&reason);
                self.writer.shutdown();
                Next::Leave(1)
            }
            Err(_) => {
                eprint_line("Connection to the switch lost.");
                self.writer.shutdown();
                Next::Leave(1)
            }
        }
    }

    /// After a failed send: leave if the connection is over, else go on.
    fn wait_gone_or_prompt(&mut self) -> Next {
        if self.shared.gone.load(Ordering::SeqCst) {
            return Next::Leave(self.connection_gone(false));
        }
        Next::Prompt
    }

    /// `/exit` or Ctrl-D: say `exit`, wait briefly for `+OK bye`, close.
    fn leave(&mut self) -> Next {
        self.shared.leaving.store(true, Ordering::SeqCst);
        if self.writer.send("exit").is_ok() {
            // Whatever comes back (or not), we are leaving.
            let _ = self.replies.recv_timeout(EXIT_WAIT);
        }
        self.writer.shutdown();
        Next::Leave(0)
    }

    /// The connection ended; prints the reason when `announce` (the reader
    /// could not, the user was not at the prompt) and returns exit code 1.
    fn connection_gone(&mut self, announce: bool) -> i32 {
        let reason = loop {
            match self.replies.try_recv() {
                Ok(Inbound::Gone(reason)) => break Some(reason),
                Ok(Inbound::Reply(_)) => {}
                Err(_) => break None,
            }
        };
        if announce {
            eprint_line(
                reason
                    .as_deref()
                    .unwrap_or("Connection to the switch lost."),
            );
        }
        self.writer.shutdown();
        1
    }
}

/// What a reply shows: the body of an `api/response`, else the
/// `Reply-Text` of a `command/reply`; ending with a newline.
fn reply_text(frame: &Frame) -> String {
    match frame.kind() {
        FrameKind::ApiResponse => with_newline(frame.body.as_deref().unwrap_or_default()),
        _ => with_newline(
            frame
                .reply_text()
                .or(frame.body.as_deref())
                .unwrap_or_default(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replies_show_body_or_reply_text() {
        let api = Frame {
            headers: vec![("Content-Type".into(), "api/response".into())],
            body: Some("UP 0 years".into()),
        };
        assert_eq!(reply_text(&api), "UP 0 years\n");
        let command = Frame {
            headers: vec![
                ("Content-Type".into(), "command/reply".into()),
                ("Reply-Text".into(), "+OK log level debug [7]".into()),
            ],
            body: None,
        };
        assert_eq!(reply_text(&command), "+OK log level debug [7]\n");
    }

    #[test]
    fn history_defaults_to_home() {
        let opts = ConsoleOptions {
            host: "127.0.0.1".into(),
            port: 8021,
            password: None,
            data_dir: "./var".into(),
            execute: None,
            history_file: Some("/tmp/h".into()),
        };
        assert_eq!(history_path(&opts), Some(PathBuf::from("/tmp/h")));
    }
}
