//! API commands: registering them ([`Host::register_api`]), their output
//! ([`ApiOutput`]) and running other commands ([`Host::api_execute`]).

use core::fmt;
use std::ffi::c_void;
use std::marker::PhantomData;

use super::error::describe;
use super::host::collect_string;
use super::panic::catch;
use super::retain;
use super::{Error, Host};
use crate::ffi::{SY_ERROR, SY_INVALID, SY_OK, SY_PANICKED, SyStatus, SyStr, SyStream};

/// The reply of an API command being run: write to it with `write!` /
/// `writeln!` (it implements [`fmt::Write`] over the host's `stream_write`).
///
/// A write fails with [`fmt::Error`] only when the host refuses it.
pub struct ApiOutput<'s> {
    host: Host,
    stream: *mut SyStream,
    /// Something has been written.
    written: bool,
    /// The last byte written was a newline.
    at_line_start: bool,
    _stream: PhantomData<&'s mut SyStream>,
}

impl ApiOutput<'_> {
    fn new(host: Host, stream: *mut SyStream) -> Self {
        ApiOutput {
            host,
            stream,
            written: false,
            at_line_start: true,
            _stream: PhantomData,
        }
    }

    /// Writes `-ERR message` on a line of its own.
    fn write_error(&mut self, message: &str) {
        let separator = if self.written && !self.at_line_start {
            "\n"
        } else {
            ""
        };
        let end = if message.ends_with('\n') { "" } else { "\n" };
        let line = format!("{separator}-ERR {message}{end}");
        let _ = fmt::Write::write_str(self, &line);
    }
}

impl fmt::Write for ApiOutput<'_> {
    fn write_str(&mut self, text: &str) -> fmt::Result {
        if text.is_empty() {
            return Ok(());
        }
        let write = host_fn!(&self.host, stream_write).map_err(|_| fmt::Error)?;
        // SAFETY: `stream` is the stream the host passed to this call of the
        // command (the `'s` borrow keeps `ApiOutput` inside that call); `text`
        // is borrowed for the call only.
        let status = unsafe { write(self.stream, SyStr::from_str(text)) };
        if status != SY_OK {
            return Err(fmt::Error);
        }
        self.written = true;
        self.at_line_start = text.ends_with('\n');
        Ok(())
    }
}

impl fmt::Debug for ApiOutput<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiOutput")
            .field("stream", &self.stream)
            .finish_non_exhaustive()
    }
}

/// What the SDK registers as `user_data` for an API command.
struct ApiSlot<F> {
    host: Host,
    func: F,
}

/// The `sy_api_fn` for closures of type `F`.
///
/// # Safety
///
/// `user_data` must be the `ApiSlot<F>` registered with this trampoline and
/// still alive; `args` and `out` must be valid for the call.
unsafe extern "C" fn api_trampoline<F>(
    user_data: *mut c_void,
    args: SyStr,
    out: *mut SyStream,
) -> SyStatus
where
    F: Fn(&str, &mut ApiOutput<'_>) -> Result<(), String> + Send + Sync + 'static,
{
    // SAFETY: per this function's contract, `user_data` is our live `ApiSlot<F>`.
    let slot = unsafe { &*user_data.cast::<ApiSlot<F>>() };
    let mut output = ApiOutput::new(slot.host, out);
    let outcome = catch(|| {
        // SAFETY: the host's `args` string lives until this call returns.
        let Ok(args) = (unsafe { args.to_str() }) else {
            return Err(None);
        };
        (slot.func)(args, &mut output).map_err(Some)
    });
    match outcome {
        Ok(Ok(())) => SY_OK,
        Ok(Err(Some(message))) => {
            output.write_error(&message);
            SY_ERROR
        }
        Ok(Err(None)) => {
            output.write_error("arguments are not valid UTF-8");
            SY_INVALID
        }
        Err(panic_message) => {
            let message = format!("panicked: {panic_message}");
            slot.host.set_error(&message);
            output.write_error(&message);
            SY_PANICKED
        }
    }
}

impl Host {
    /// Registers API command `name` (no spaces), shown by `show api` with
    /// `description` and `syntax`.
    ///
    /// `func` receives the arguments (everything after the name, trimmed) and
    /// writes its reply to the [`ApiOutput`]. Returning `Err(message)` writes
    /// `-ERR message` (on a line of its own) and fails the command with
    /// `SY_ERROR`; a panic writes `-ERR panicked: <message>`, reports it with
    /// `set_error` and fails with `SY_PANICKED`.
    ///
    /// `func` runs on a worker thread and may block. The host removes the
    /// command when the module unloads; the SDK frees `func` after unload.
    pub fn register_api<F>(
        &self,
        name: &str,
        description: &str,
        syntax: &str,
        func: F,
    ) -> Result<(), Error>
    where
        F: Fn(&str, &mut ApiOutput<'_>) -> Result<(), String> + Send + Sync + 'static,
    {
        let register = host_fn!(self, register_api)?;
        let slot = retain::retain(self.module_ptr(), ApiSlot { host: *self, func });
        // SAFETY: a host function from a valid table; the strings are borrowed
        // for the call; `slot` stays alive until unload, matching the
        // trampoline's contract.
        let status = unsafe {
            register(
                self.module_ptr(),
                SyStr::from_str(name),
                SyStr::from_str(description),
                SyStr::from_str(syntax),
                Some(api_trampoline::<F>),
                slot.cast(),
            )
        };
        if status == SY_OK {
            Ok(())
        } else {
            retain::release(slot);
            Err(Error::Status {
                function: "register_api",
                status,
            })
        }
    }

    /// Runs API command line `command` (`"status"`, `"show modules"`, ...)
    /// and returns its reply.
    ///
    /// `Err` carries the reply text when the command's status is not
    /// `SY_OK` (or a `-ERR ...` line naming the status when the reply was
    /// empty).
    pub fn api_execute(&self, command: &str) -> Result<String, String> {
        let execute = host_fn!(self, api_execute).map_err(|error| format!("-ERR {error}"))?;
        let mut reply = String::new();
        // SAFETY: a host function from a valid table; `collect_string` only
        // runs during the call, while `reply` is alive and not borrowed.
        let status = unsafe {
            execute(
                self.module_ptr(),
                SyStr::from_str(command),
                Some(collect_string),
                (&raw mut reply).cast(),
            )
        };
        if status == SY_OK {
            Ok(reply)
        } else if reply.is_empty() {
            Err(format!("-ERR {command}: {}", describe(status)))
        } else {
            Err(reply)
        }
    }
}
