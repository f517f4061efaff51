//! Session threads: the dialplan applications that talk to the caller
//! (`answer`, `playback`, `echo`, `record`, …) run on a thread of the
//! channel's own, as FreeSWITCH's do, and may block; signalling stays on
//! the SIP thread. The SIP thread hands the session one application at a
//! time and goes on with the dialplan when the session says it is done.
//! Audio reaches the session as PCM frames from the leg's media task and
//! leaves the same way, paced by the media task's packet clock.

pub mod apps;
pub mod args;
pub mod dialplan_apps;
pub mod digits;
pub mod execute;
pub mod module_apps;
pub mod source;

use crate::channel::cause::HangupCause;
use crate::channel::registry::ChannelHandle;
use crate::media::{Dtmf, MediaLeg, PcmFrame};
use crate::sip::CallCommand;
use crate::switch::Switch;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Stack size of a session thread (apps keep their buffers on the heap).
const STACK_SIZE: usize = 256 * 1024;

/// Frames the media task may hold for the session before dropping them
/// (a slow session never stalls media).
const READ_QUEUE: usize = 50;

/// Frames the session may write ahead of the packet clock.
const WRITE_QUEUE: usize = 3;

/// How long a writer facing a full queue sleeps before trying again: one
/// 20 ms packet time, as FreeSWITCH's session timer paces its writers;
/// the queue holds three frames, so it never runs dry meanwhile.
const WRITE_PACING: Duration = Duration::from_millis(20);

/// How the SIP thread reaches a session thread.
#[derive(Debug)]
pub struct SessionLink {
    jobs: crossbeam_channel::Sender<Job>,
    state: Arc<std::sync::Mutex<LinkState>>,
}

/// What the SIP thread and the session thread share about a job.
#[derive(Debug, Default)]
struct LinkState {
    /// An application is running.
    busy: bool,
    /// The leg hung up meanwhile: the session thread writes its CDR when
    /// the application returns.
    finish_deferred: bool,
}

fn lock_state(state: &std::sync::Mutex<LinkState>) -> std::sync::MutexGuard<'_, LinkState> {
    state
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// An application for the session thread.
#[derive(Debug)]
struct Job {
    application: String,
    data: String,
}

/// The stage of answering a session asks the SIP thread for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnswerStage {
    /// 180 Ringing.
    RingReady,
    /// 183 with our SDP: early media.
    PreAnswer,
    /// 200 OK with our SDP.
    Answer,
}

/// What the session thread tells the SIP thread after an application.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppOutcome {
    /// Go on with the next dialplan action.
    Continue,
    /// Hang the call up with this cause.
    Hangup(HangupCause),
}

/// Whether `application` runs on the session thread: a built-in session
/// application or one a module registered.
pub fn is_session_app(switch: &Switch, application: &str) -> bool {
    apps::is_builtin(application) || switch.apps.contains(application)
}

impl SessionLink {
    /// Starts the session thread of `channel`.
    ///
    /// # Errors
    /// When the OS refuses a thread.
    pub fn spawn(
        switch: &Arc<Switch>,
        channel: &Arc<ChannelHandle>,
    ) -> std::io::Result<SessionLink> {
        let (jobs, queue) = crossbeam_channel::unbounded::<Job>();
        let state = Arc::new(std::sync::Mutex::new(LinkState::default()));
        let thread_state = Arc::clone(&state);
        let mut session = Session::new(Arc::clone(switch), Arc::clone(channel));
        let name = format!(
            "session-{}",
            &channel.id().as_str()[..8.min(channel.id().as_str().len())]
        );
        std::thread::Builder::new()
            .name(name)
            .stack_size(STACK_SIZE)
            .spawn(move || {
                for job in queue {
                    lock_state(&thread_state).busy = true;
                    let outcome = session.run(&job.application, &job.data);
                    let deferred = {
                        let mut state = lock_state(&thread_state);
                        state.busy = false;
                        std::mem::take(&mut state.finish_deferred)
                    };
                    if deferred {
                        session.detach();
                        crate::sip::finish_channel(&session.switch, &session.channel);
                        continue;
                    }
                    let uuid = session.uuid().to_owned();
                    session
                        .switch
                        .call_control(CallCommand::AppDone { uuid, outcome });
                }
                session.detach();
            })?;
        Ok(SessionLink { jobs, state })
    }

    /// Called when the leg hung up: true when an application is still
    /// running, in which case the session thread writes the leg's CDR once
    /// it returns (so what it sets, e.g. in a hangup hook, is recorded).
    pub fn defer_finish(&self) -> bool {
        let mut state = lock_state(&self.state);
        if state.busy {
            state.finish_deferred = true;
        }
        state.busy
    }

    /// Hands the session an application; false when its thread is gone.
    pub fn run(&self, application: &str, data: &str) -> bool {
        self.jobs
            .send(Job {
                application: application.to_owned(),
                data: data.to_owned(),
            })
            .is_ok()
    }
}

/// A channel's session: what applications use to act on the call.
pub struct Session {
    switch: Arc<Switch>,
    channel: Arc<ChannelHandle>,
    media: Option<Arc<MediaLeg>>,
    reader: Option<crossbeam_channel::Receiver<PcmFrame>>,
    writer: Option<crossbeam_channel::Sender<PcmFrame>>,
    digits: std::collections::VecDeque<Dtmf>,
}

/// Why a media operation of the session stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Interrupted {
    /// The channel hung up.
    Hangup,
    /// The call has no media (not answered, or media bypassed).
    NoMedia,
}

impl Session {
    /// A session for a leg no session thread runs (one a script placed
    /// with `freeswitch.Session`): the script's thread acts on it.
    pub fn for_leg(switch: Arc<Switch>, channel: Arc<ChannelHandle>) -> Session {
        Session::new(switch, channel)
    }

    fn new(switch: Arc<Switch>, channel: Arc<ChannelHandle>) -> Session {
        Session {
            switch,
            channel,
            media: None,
            reader: None,
            writer: None,
            digits: std::collections::VecDeque::new(),
        }
    }

    /// The switch.
    pub fn switch(&self) -> &Arc<Switch> {
        &self.switch
    }

    /// The channel.
    pub fn channel(&self) -> &Arc<ChannelHandle> {
        &self.channel
    }

    /// The channel's UUID.
    pub fn uuid(&self) -> &str {
        self.channel.id().as_str()
    }

    /// Whether the channel is still up and not being transferred (what
    /// runs on the session thread stops when this turns false).
    pub fn ready(&self) -> bool {
        !self.channel.state().is_hungup() && !self.channel.transferring()
    }

    /// Hangs the call up with `cause`; true when the switch had the call.
    pub fn hangup(&mut self, cause: HangupCause) -> bool {
        let (reply, done) = crossbeam_channel::bounded(1);
        self.switch.call_control(CallCommand::Kill {
            uuid: self.uuid().to_owned(),
            cause,
            reply,
        }) && done.recv_timeout(Duration::from_secs(10)).unwrap_or(false)
    }

    /// Routes the call again to `destination` in `context` (default: the
    /// current one) once the running application returns; from then on
    /// [`Session::ready`] is false.
    ///
    /// # Errors
    /// Why the switch refused the transfer.
    pub fn transfer(&mut self, destination: &str, context: Option<&str>) -> Result<(), String> {
        let (reply, done) = crossbeam_channel::bounded(1);
        if !self.switch.call_control(CallCommand::Transfer {
            uuid: self.uuid().to_owned(),
            destination: destination.to_owned(),
            context: context.map(str::to_owned),
            reply,
        }) {
            return Err("call control is not running".into());
        }
        done.recv_timeout(Duration::from_secs(10))
            .unwrap_or_else(|_| Err("call control did not answer".into()))
    }

    /// Asks the SIP thread to ring, pre-answer or answer; true once done.
    pub fn answer(&mut self, stage: AnswerStage) -> bool {
        let (reply, done) = crossbeam_channel::bounded(1);
        let asked = self.switch.call_control(CallCommand::Answer {
            uuid: self.uuid().to_owned(),
            stage,
            reply,
        });
        asked && done.recv_timeout(Duration::from_secs(10)).unwrap_or(false)
    }

    /// Connects to the leg's media (answering first when nothing is
    /// negotiated yet, as FreeSWITCH's media applications do).
    pub fn media(&mut self) -> Result<Arc<MediaLeg>, Interrupted> {
        if !self.ready() {
            return Err(Interrupted::Hangup);
        }
        if let Some(media) = &self.media {
            return Ok(Arc::clone(media));
        }
        let leg = match self.switch.media().leg(self.uuid()) {
            Some(leg) if leg.negotiated().is_some() => leg,
            _ => {
                if !self.answer(AnswerStage::Answer) {
                    return Err(if self.ready() {
                        Interrupted::NoMedia
                    } else {
                        Interrupted::Hangup
                    });
                }
                self.switch
                    .media()
                    .leg(self.uuid())
                    .ok_or(Interrupted::NoMedia)?
            }
        };
        let (read_tx, read_rx) = crossbeam_channel::bounded(READ_QUEUE);
        let (write_tx, write_rx) = crossbeam_channel::bounded(WRITE_QUEUE);
        leg.attach_session(read_tx, write_rx);
        self.reader = Some(read_rx);
        self.writer = Some(write_tx);
        self.media = Some(Arc::clone(&leg));
        Ok(leg)
    }

    /// The PCM rate and frame length of the leg.
    pub fn format(&mut self) -> Result<(u32, usize), Interrupted> {
        let leg = self.media()?;
        // The late-offer answer may still be on its way in the ACK.
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            if let Some(format) = leg.pcm_format() {
                return Ok(format);
            }
            if Instant::now() > deadline || !self.ready() {
                return Err(Interrupted::NoMedia);
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// The next frame heard, waiting up to `timeout`; `Ok(None)` when
    /// none came in time.
    pub fn read_frame(&mut self, timeout: Duration) -> Result<Option<PcmFrame>, Interrupted> {
        self.media()?;
        let Some(reader) = &self.reader else {
            return Err(Interrupted::NoMedia);
        };
        match reader.recv_timeout(timeout) {
            Ok(frame) => Ok(Some(frame)),
            Err(crossbeam_channel::RecvTimeoutError::Timeout) => {
                if self.ready() {
                    Ok(None)
                } else {
                    Err(Interrupted::Hangup)
                }
            }
            Err(crossbeam_channel::RecvTimeoutError::Disconnected) => Err(Interrupted::Hangup),
        }
    }

    /// Drops frames heard so far (before listening afresh).
    pub fn flush_reads(&mut self) {
        if let Some(reader) = &self.reader {
            while reader.try_recv().is_ok() {}
        }
    }

    /// Sends a frame; blocks while the media task's queue is full, so a
    /// writer runs at the packet rate.
    pub fn write_frame(&mut self, frame: PcmFrame) -> Result<(), Interrupted> {
        self.media()?;
        let Some(writer) = &self.writer else {
            return Err(Interrupted::NoMedia);
        };
        let mut frame = frame;
        let mut waited = Duration::ZERO;
        loop {
            match writer.try_send(frame) {
                Ok(()) => return Ok(()),
                Err(crossbeam_channel::TrySendError::Full(back)) => {
                    // The media task takes one frame per packet time: sleep
                    // a little rather than spin on the full queue (measured:
                    // a blocking send's spinning and yielding cost more CPU
                    // than the whole packet path).
                    if waited >= Duration::from_millis(200) {
                        if !self.ready() {
                            return Err(Interrupted::Hangup);
                        }
                        waited = Duration::ZERO;
                    }
                    std::thread::sleep(WRITE_PACING);
                    waited += WRITE_PACING;
                    frame = back;
                }
                Err(crossbeam_channel::TrySendError::Disconnected(_)) => {
                    return Err(Interrupted::Hangup);
                }
            }
        }
    }

    /// Whether `uuid_break` asked what plays to stop (and clears it).
    pub fn take_interrupt(&mut self) -> bool {
        self.media.as_ref().is_some_and(|leg| leg.take_interrupt())
    }

    /// Moves digits heard on the leg into the session's queue.
    fn gather_digits(&mut self) {
        let leg = self
            .media
            .clone()
            .or_else(|| self.switch.media().leg(self.uuid()));
        if let Some(leg) = leg {
            while let Ok(digit) = leg.digits().try_recv() {
                self.digits.push_back(digit);
            }
        }
    }

    /// Waits up to `timeout` for a digit to be heard (it is queued, not
    /// taken); returns at once when one arrives.
    pub fn wait_for_digit(&mut self, timeout: Duration) {
        self.gather_digits();
        if !self.digits.is_empty() {
            return;
        }
        let leg = self
            .media
            .clone()
            .or_else(|| self.switch.media().leg(self.uuid()));
        match leg {
            Some(leg) => {
                if let Ok(digit) = leg.digits().recv_timeout(timeout) {
                    self.digits.push_back(digit);
                }
            }
            None => std::thread::sleep(timeout),
        }
    }

    /// The next digit heard, if one is waiting.
    pub fn take_digit(&mut self) -> Option<Dtmf> {
        self.gather_digits();
        self.digits.pop_front()
    }

    /// The first waiting digit `wanted` accepts, taken out of the queue;
    /// the others stay.
    pub fn take_digit_matching(&mut self, wanted: impl Fn(char) -> bool) -> Option<char> {
        self.gather_digits();
        let at = self.digits.iter().position(|d| wanted(d.digit))?;
        self.digits.remove(at).map(|d| d.digit)
    }

    /// Drops digits heard so far.
    pub fn flush_digits(&mut self) {
        self.gather_digits();
        self.digits.clear();
    }

    /// Bridges the call to `dial_string` (the dialplan's `bridge`) and
    /// blocks until the bridged call ends (`Ok`, whether or not this leg is
    /// still up: check [`Session::ready`]) or the bridge fails (`Err` with
    /// the cause, also left in `last_bridge_hangup_cause`).
    pub fn bridge(&mut self, dial_string: &str) -> Result<(), HangupCause> {
        if !self.ready() {
            return Err(HangupCause::NormalClearing);
        }
        // Media moves to the bridge: the session stops hearing and talking.
        self.detach();
        let (reply, done) = crossbeam_channel::bounded(1);
        if !self.switch.call_control(CallCommand::Bridge {
            uuid: self.uuid().to_owned(),
            dial_string: dial_string.to_owned(),
            reply,
        }) {
            return Err(HangupCause::NormalTemporaryFailure);
        }
        loop {
            match done.recv_timeout(Duration::from_millis(500)) {
                Ok(result) => return result,
                Err(crossbeam_channel::RecvTimeoutError::Timeout) => {}
                Err(crossbeam_channel::RecvTimeoutError::Disconnected) => {
                    return Err(HangupCause::NormalClearing);
                }
            }
        }
    }

    fn detach(&mut self) {
        if let Some(media) = self.media.take() {
            media.detach_session();
        }
        self.reader = None;
        self.writer = None;
    }

    /// Runs one application; returns what the dialplan does next.
    pub fn run(&mut self, application: &str, data: &str) -> AppOutcome {
        self.channel.set_application(Some((application, data)));
        if apps::is_builtin(application) {
            apps::run(self, application, data)
        } else {
            module_apps::run(self, application, data)
        }
    }
}
