//! Dialplan applications: [`Host::register_app`], run on a [`Channel`].

use std::ffi::c_void;

use super::panic::catch;
use super::retain;
use super::{Channel, Error, Host};
use crate::ffi::{SY_ERROR, SY_INVALID, SY_OK, SY_PANICKED, SyChannel, SyStatus, SyStr};

/// What the SDK registers as `user_data` for an application.
struct AppSlot<F> {
    host: Host,
    func: F,
}

/// The `sy_app_fn` for closures of type `F`.
///
/// # Safety
///
/// `user_data` must be the `AppSlot<F>` registered with this trampoline and
/// still alive; `channel` and `args` must be valid for the call.
unsafe extern "C" fn app_trampoline<F>(
    user_data: *mut c_void,
    channel: *mut SyChannel,
    args: SyStr,
) -> SyStatus
where
    F: Fn(&Channel, &str) -> Result<(), String> + Send + Sync + 'static,
{
    // SAFETY: per this function's contract, `user_data` is our live `AppSlot<F>`.
    let slot = unsafe { &*user_data.cast::<AppSlot<F>>() };
    // SAFETY: the host's channel handle is valid until this call returns,
    // and the closure only gets a borrow of it that cannot outlive the call.
    let channel = unsafe { Channel::from_raw(slot.host, channel) };
    let outcome = catch(|| {
        // SAFETY: the host's `args` string lives until this call returns.
        let Ok(args) = (unsafe { args.to_str() }) else {
            return Err(None);
        };
        (slot.func)(&channel, args).map_err(Some)
    });
    match outcome {
        Ok(Ok(())) => SY_OK,
        Ok(Err(Some(message))) => {
            slot.host.set_error(&message);
            SY_ERROR
        }
        Ok(Err(None)) => {
            slot.host
                .set_error("application arguments are not valid UTF-8");
            SY_INVALID
        }
        Err(panic_message) => {
            slot.host.set_error(&format!("panicked: {panic_message}"));
            SY_PANICKED
        }
    }
}

impl Host {
    /// Registers dialplan application `name`, shown by `show application`
    /// with `description` and `syntax`.
    ///
    /// `func` receives the channel (valid during the call only) and the
    /// application's argument string.
    /// `Err(message)` fails the application with `SY_ERROR` after passing
    /// `message` to `set_error`; a panic fails it with `SY_PANICKED` and
    /// `panicked: <message>`.
    ///
    /// `func` runs on the channel's session thread and may block, but must
    /// return soon after the channel hangs up. The host removes the
    /// application when the module unloads; the SDK frees `func` after unload.
    pub fn register_app<F>(
        &self,
        name: &str,
        description: &str,
        syntax: &str,
        func: F,
    ) -> Result<(), Error>
    where
        F: Fn(&Channel, &str) -> Result<(), String> + Send + Sync + 'static,
    {
        let register = host_fn!(self, register_app)?;
        let slot = retain::retain(self.module_ptr(), AppSlot { host: *self, func });
        // SAFETY: a host function from a valid table; the strings are borrowed
        // for the call; `slot` stays alive until unload, matching the
        // trampoline's contract.
        let status = unsafe {
            register(
                self.module_ptr(),
                SyStr::from_str(name),
                SyStr::from_str(description),
                SyStr::from_str(syntax),
                Some(app_trampoline::<F>),
                slot.cast(),
            )
        };
        if status == SY_OK {
            Ok(())
        } else {
            retain::release(slot);
            Err(Error::Status {
                function: "register_app",
                status,
            })
        }
    }
}
