//! Call legs (since ABI 1.1): [`Channel`], what an application runs on, and
//! [`LocatedChannel`], a channel found by UUID with [`Host::locate_channel`].

use core::fmt;
use std::ffi::c_char;
use std::marker::PhantomData;
use std::ops::Deref;
use std::time::Duration;

use super::error::check;
use super::host::collect_string;
use super::{Error, Host};
use crate::ffi::{SY_ERROR, SY_NOT_FOUND, SY_OK, SyChannel, SyStr};

/// A call leg: the channel a dialplan application runs on, or (behind a
/// [`LocatedChannel`]) one found by UUID.
///
/// The methods wrap the ABI 1.1 channel functions; on a 1.0 host each one
/// returns [`Error::Unsupported`]. A failing host call becomes
/// [`Error::Status`] with the `SY_*` status, and `?` turns that into the
/// `String` an application returns.
///
/// The handle an application receives is valid during that call only, which
/// the borrow (`&Channel`) enforces; it is neither `Send` nor `Sync`.
/// [`play`](Channel::play), [`collect_digits`](Channel::collect_digits) and
/// [`bridge`](Channel::bridge) block and work only on the channel's own
/// session thread, inside an application running on it; elsewhere the host
/// refuses them with `SY_IN_USE`.
pub struct Channel {
    host: Host,
    raw: *mut SyChannel,
    /// Neither `Send` nor `Sync`: the handle belongs to the call it was passed to.
    _not_send: PhantomData<*mut SyChannel>,
}

impl Channel {
    /// Wraps a raw channel handle.
    ///
    /// The SDK does this for application callbacks and
    /// [`Host::locate_channel`]; call it only from hand-written entry points.
    ///
    /// # Safety
    ///
    /// `raw` must be a channel handle of `host` that stays valid for as long
    /// as the `Channel` is used: the handle an application callback received
    /// (until the callback returns) or one from `channel_locate` (until it is
    /// released, which this type never does).
    pub unsafe fn from_raw(host: Host, raw: *mut SyChannel) -> Channel {
        Channel {
            host,
            raw,
            _not_send: PhantomData,
        }
    }

    /// The host's raw handle.
    pub fn as_raw(&self) -> *mut SyChannel {
        self.raw
    }

    /// The host this channel belongs to.
    pub fn host(&self) -> Host {
        self.host
    }

    /// Answers the call (200 OK). Succeeds also when it is already answered.
    pub fn answer(&self) -> Result<(), Error> {
        let answer = host_fn!(&self.host, channel_answer)?;
        // SAFETY: a host function from a valid table, called with a handle
        // that is valid while `self` is (see `from_raw`).
        check("channel_answer", unsafe { answer(self.raw) })
    }

    /// Opens early media (183 with SDP) without answering, so that
    /// [`play`](Channel::play) is heard before the answer.
    pub fn pre_answer(&self) -> Result<(), Error> {
        let pre_answer = host_fn!(&self.host, channel_pre_answer)?;
        // SAFETY: as in `answer`.
        check("channel_pre_answer", unsafe { pre_answer(self.raw) })
    }

    /// Tells the caller it is ringing (180, no media); does nothing once the
    /// call rings, has media or is answered.
    pub fn ring_ready(&self) -> Result<(), Error> {
        let ring_ready = host_fn!(&self.host, channel_ring_ready)?;
        // SAFETY: as in `answer`.
        check("channel_ring_ready", unsafe { ring_ready(self.raw) })
    }

    /// Hangs up with `cause`, a Q.850 cause as FreeSWITCH names it
    /// (`"NORMAL_CLEARING"`, `"USER_BUSY"`, ...); `""` means
    /// `NORMAL_CLEARING`. An unknown name fails with `SY_INVALID`. Hanging up
    /// a call that already ended succeeds and keeps its first cause.
    pub fn hangup(&self, cause: &str) -> Result<(), Error> {
        let hangup = host_fn!(&self.host, channel_hangup)?;
        // SAFETY: as in `answer`; `cause` is borrowed for the call.
        check("channel_hangup", unsafe {
            hangup(self.raw, SyStr::from_str(cause))
        })
    }

    /// True while the call is up (not hung up or hanging up), as
    /// FreeSWITCH's `session:ready()`.
    pub fn ready(&self) -> Result<bool, Error> {
        let ready = host_fn!(&self.host, channel_ready)?;
        // SAFETY: as in `answer`.
        Ok(unsafe { ready(self.raw) } != 0)
    }

    /// The channel's UUID (the `Unique-ID` of its events).
    pub fn uuid(&self) -> Result<String, Error> {
        let uuid = host_fn!(&self.host, channel_uuid)?;
        let mut value = String::new();
        // SAFETY: as in `answer`; `collect_string` only runs during the call,
        // while `value` is alive and not otherwise borrowed.
        let status = unsafe { uuid(self.raw, Some(collect_string), (&raw mut value).cast()) };
        check("channel_uuid", status).map(|()| value)
    }

    /// The value of channel variable `name`, or `None` when it is not set (a
    /// variable set to `""` yields `Some("")`).
    pub fn variable(&self, name: &str) -> Result<Option<String>, Error> {
        let get = host_fn!(&self.host, channel_get_variable)?;
        let mut value = String::new();
        // SAFETY: as in `uuid`; `name` is borrowed for the call.
        let status = unsafe {
            get(
                self.raw,
                SyStr::from_str(name),
                Some(collect_string),
                (&raw mut value).cast(),
            )
        };
        match status {
            SY_OK => Ok(Some(value)),
            SY_NOT_FOUND => Ok(None),
            status => Err(Error::Status {
                function: "channel_get_variable",
                status,
            }),
        }
    }

    /// Sets channel variable `name` to `value` (`""` sets it empty; use
    /// [`unset_variable`](Channel::unset_variable) to remove it).
    pub fn set_variable(&self, name: &str, value: &str) -> Result<(), Error> {
        let set = host_fn!(&self.host, channel_set_variable)?;
        // SAFETY: as in `answer`; the strings are borrowed for the call.
        check("channel_set_variable", unsafe {
            set(self.raw, SyStr::from_str(name), SyStr::from_str(value))
        })
    }

    /// Removes channel variable `name`; succeeds also when it was not set.
    pub fn unset_variable(&self, name: &str) -> Result<(), Error> {
        let unset = host_fn!(&self.host, channel_unset_variable)?;
        // SAFETY: as in `answer`; `name` is borrowed for the call.
        check("channel_unset_variable", unsafe {
            unset(self.raw, SyStr::from_str(name))
        })
    }

    /// Plays `source` to the caller and blocks until it has been played: a
    /// WAV file path, a tone script (`"tone_stream://%(500,0,1000)"`) or
    /// `"silence_stream://MS"`.
    ///
    /// A DTMF digit listed in `terminators` (`""`: none) stops playback early;
    /// it is returned as `Some(digit)`. `None` means the source played to its
    /// end. A missing file fails with `SY_NOT_FOUND`, a source that cannot be
    /// played with `SY_INVALID`, a hangup with `SY_ERROR`. Session thread only.
    pub fn play(&self, source: &str, terminators: &str) -> Result<Option<char>, Error> {
        let play = host_fn!(&self.host, channel_play)?;
        let mut terminator: c_char = 0;
        // SAFETY: as in `answer`; the strings are borrowed for the call and
        // `terminator` is a local the host may write.
        let status = unsafe {
            play(
                self.raw,
                SyStr::from_str(source),
                SyStr::from_str(terminators),
                &raw mut terminator,
            )
        };
        check("channel_play", status)?;
        // `c_char` is `i8` or `u8` by target; the digit is ASCII either way.
        let digit = terminator as u8;
        Ok((digit != 0).then_some(char::from(digit)))
    }

    /// Collects DTMF digits from the caller (queued ones first) and returns
    /// them, without the terminator.
    ///
    /// Collection ends after `max_digits` digits, on a digit listed in
    /// `terminators`, when no digit comes within `first_timeout`, or when no
    /// further digit comes within `digit_timeout` of the previous one.
    /// `None` means fewer than `min_digits` were collected. `max_digits` 0 or
    /// below `min_digits` fails with `SY_INVALID`, a hangup with `SY_ERROR`.
    /// Timeouts are passed in whole milliseconds (at most `u32::MAX`).
    /// Session thread only.
    pub fn collect_digits(
        &self,
        min_digits: u32,
        max_digits: u32,
        terminators: &str,
        first_timeout: Duration,
        digit_timeout: Duration,
    ) -> Result<Option<String>, Error> {
        let collect = host_fn!(&self.host, channel_collect_digits)?;
        let mut digits = String::new();
        // SAFETY: as in `uuid`; `terminators` is borrowed for the call.
        let status = unsafe {
            collect(
                self.raw,
                min_digits,
                max_digits,
                SyStr::from_str(terminators),
                millis(first_timeout),
                millis(digit_timeout),
                Some(collect_string),
                (&raw mut digits).cast(),
            )
        };
        match status {
            SY_OK => Ok(Some(digits)),
            SY_NOT_FOUND => Ok(None),
            status => Err(Error::Status {
                function: "channel_collect_digits",
                status,
            }),
        }
    }

    /// Sends DTMF `digits` (`0`-`9`, `*`, `#`, `A`-`D`) to the far end; the
    /// host queues them and returns at once.
    pub fn send_dtmf(&self, digits: &str) -> Result<(), Error> {
        let send = host_fn!(&self.host, channel_send_dtmf)?;
        // SAFETY: as in `answer`; `digits` is borrowed for the call.
        check("channel_send_dtmf", unsafe {
            send(self.raw, SyStr::from_str(digits))
        })
    }

    /// Bridges the call to `dial_string` (as the dialplan's `bridge` takes
    /// it) and blocks until the bridged call ends.
    ///
    /// When no target answers or the bridge cannot be set up, fails with
    /// `SY_ERROR`; the cause (`"USER_BUSY"`, `"NO_ANSWER"`, ...) is then in
    /// the channel variable `last_bridge_hangup_cause`. After `Ok` the
    /// channel may still be up: check [`ready`](Channel::ready). Session
    /// thread only.
    pub fn bridge(&self, dial_string: &str) -> Result<(), Error> {
        let bridge = host_fn!(&self.host, channel_bridge)?;
        // SAFETY: as in `answer`; `dial_string` is borrowed for the call.
        check("channel_bridge", unsafe {
            bridge(self.raw, SyStr::from_str(dial_string))
        })
    }
}

impl fmt::Debug for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Channel").field(&self.raw).finish()
    }
}

/// A whole number of milliseconds, saturating at `u32::MAX`.
fn millis(duration: Duration) -> u32 {
    u32::try_from(duration.as_millis()).unwrap_or(u32::MAX)
}

/// A channel found by UUID with [`Host::locate_channel`]: it holds a
/// reference that keeps the handle valid (even after the call ends) and
/// releases it on drop. Use it as a [`Channel`] (it dereferences to one).
///
/// It is `Send`, so an API command or event handler may hand it to a thread
/// of its own; drop it before the module's unload returns. The blocking media
/// methods still work only on the channel's session thread.
pub struct LocatedChannel {
    channel: Channel,
}

// SAFETY: the contract lets a located handle be used from any thread (the
// host refuses the session-thread-only functions elsewhere with SY_IN_USE),
// and it is released exactly once, by whichever thread drops it.
unsafe impl Send for LocatedChannel {}

impl Deref for LocatedChannel {
    type Target = Channel;

    fn deref(&self) -> &Channel {
        &self.channel
    }
}

impl Drop for LocatedChannel {
    fn drop(&mut self) {
        // A located channel implies a 1.1 host, so the function is there.
        if let Ok(release) = host_fn!(&self.channel.host, channel_release) {
            // SAFETY: the handle came from `channel_locate` and is released
            // once, here; nothing uses it afterwards.
            unsafe { release(self.channel.raw) }
        }
    }
}

impl fmt::Debug for LocatedChannel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("LocatedChannel")
            .field(&self.channel.raw)
            .finish()
    }
}

impl Host {
    /// Finds the channel whose UUID is `uuid`, so that an API command, an
    /// event handler or a thread of the module can act on the call. `None`
    /// when no channel has that UUID.
    ///
    /// ```no_run
    /// # use switchyard_abi::sdk::Host;
    /// fn register(host: Host) -> Result<(), String> {
    ///     host.register_api("kick", "Hangs up a call", "kick <uuid>", move |uuid, out| {
    ///         let channel = host.locate_channel(uuid)?.ok_or("no such channel")?;
    ///         channel.hangup("CALL_REJECTED")?;
    ///         std::fmt::Write::write_str(out, "+OK\n").map_err(|e| e.to_string())
    ///     })?;
    ///     Ok(())
    /// }
    /// ```
    pub fn locate_channel(&self, uuid: &str) -> Result<Option<LocatedChannel>, Error> {
        let locate = host_fn!(self, channel_locate)?;
        let mut raw: *mut SyChannel = std::ptr::null_mut();
        // SAFETY: a host function from a valid table, called with this
        // module's handle; `uuid` is borrowed for the call and `raw` is a
        // local the host may write.
        let status = unsafe { locate(self.module_ptr(), SyStr::from_str(uuid), &raw mut raw) };
        match status {
            SY_NOT_FOUND => Ok(None),
            SY_OK if !raw.is_null() => Ok(Some(LocatedChannel {
                // SAFETY: a handle from `channel_locate`, valid until the
                // `LocatedChannel` releases it on drop.
                channel: unsafe { Channel::from_raw(*self, raw) },
            })),
            // A host that reports success without a handle has failed.
            SY_OK => Err(Error::Status {
                function: "channel_locate",
                status: SY_ERROR,
            }),
            status => Err(Error::Status {
                function: "channel_locate",
                status,
            }),
        }
    }
}
