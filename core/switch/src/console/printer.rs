//! The printer thread: shows log lines and events while the prompt is
//! active, through rustyline's external printer (which redraws the prompt
//! and the half-typed line underneath), or straight to stdout when the
//! console does not run on a terminal.
//!
//! It has its own thread so the reader thread never waits on the terminal:
//! rustyline's printer can block until the next prompt, and the reader must
//! keep delivering replies meanwhile.

use std::io::{self, Write};
use std::sync::mpsc::Receiver;
use std::thread::{self, JoinHandle};

use rustyline::ExternalPrinter;

/// An external printer that writes to stdout; used when rustyline cannot
/// make one (stdin or stdout is not a terminal).
#[derive(Debug, Default)]
pub(crate) struct PlainPrinter;

impl ExternalPrinter for PlainPrinter {
    fn print(&mut self, msg: String) -> rustyline::Result<()> {
        let mut out = io::stdout().lock();
        out.write_all(msg.as_bytes())?;
        out.flush()?;
        Ok(())
    }
}

/// Starts the printer thread; it prints every message from `messages` until
/// all senders are gone.
pub(crate) fn spawn(
    mut printer: Box<dyn ExternalPrinter + Send>,
    messages: Receiver<String>,
) -> io::Result<JoinHandle<()>> {
    thread::Builder::new()
        .name("console-printer".to_owned())
        .spawn(move || {
            for message in messages {
                // A closed terminal is no reason to stop draining the queue.
                let _ = printer.print(message);
            }
        })
}
