//! A mock of the Switchyard host, for the SDK's unit tests only.
//!
//! It is not the real host (that lives in `core/switch`): it fills in a
//! `SyHostApi` whose functions record every call in a [`Mock`], keeps
//! registrations in lists, and builds plain in-memory events and channels
//! ([`MockChannel`]: call state, variables, queued caller digits, taps). The
//! module handle it passes is the `Mock`'s own address, so each test has its
//! own.

use std::collections::{BTreeMap, VecDeque};
use std::ffi::{c_char, c_void};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::ThreadId;

use crate::ffi::{
    SY_ERROR, SY_EXISTS, SY_IN_USE, SY_INVALID, SY_NOT_FOUND, SY_OK, SY_TAP_READ, SY_TAP_REPLACE,
    SY_TAP_WRITE, SyApiFn, SyAppFn, SyChannel, SyEvent, SyEventFn, SyFrame, SyHostApi, SyModule,
    SyStatus, SyStr, SyStrFn, SyStream, SyTapCloseFn, SyTapFn,
};
use crate::sdk::{Host, retain};

/// A registered API command or application.
pub struct Registration<F> {
    pub name: String,
    pub description: String,
    pub syntax: String,
    pub func: F,
    pub user_data: *mut c_void,
}

/// An event binding.
pub struct Binding {
    pub id: u64,
    pub name: String,
    pub subclass: String,
    pub func: SyEventFn,
    pub user_data: *mut c_void,
}

/// An event as the mock stores it.
#[derive(Clone, Debug, PartialEq)]
pub struct MockEvent {
    pub headers: Vec<(String, String)>,
    pub body: Option<String>,
    /// The mock that created the event (null for events made by a test).
    owner: *const Mock,
}

impl MockEvent {
    /// An event with the given headers and body.
    pub fn new(headers: &[(&str, &str)], body: Option<&str>) -> MockEvent {
        MockEvent {
            headers: headers
                .iter()
                .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
                .collect(),
            body: body.map(str::to_owned),
            owner: std::ptr::null(),
        }
    }
}

/// The recorded state of one mock host.
pub struct Mock {
    table: SyHostApi,
    pub logs: Mutex<Vec<(i32, String)>>,
    pub errors: Mutex<Vec<String>>,
    pub apis: Mutex<Vec<Registration<SyApiFn>>>,
    pub apps: Mutex<Vec<Registration<SyAppFn>>>,
    pub bindings: Mutex<Vec<Binding>>,
    pub fired: Mutex<Vec<MockEvent>>,
    pub destroyed: AtomicUsize,
    next_binding: AtomicU64,
    pub channels: Mutex<Vec<Arc<MockChannel>>>,
}

impl Mock {
    /// A mock offering the full table of this crate's ABI version.
    pub fn new() -> Box<Mock> {
        Mock::with_size(size_of::<SyHostApi>())
    }

    /// A mock whose `host->size` claims only `size` bytes (an older host).
    pub fn with_size(size: usize) -> Box<Mock> {
        Mock::with_version(size, crate::ffi::SY_ABI_MINOR)
    }

    /// A mock of a 1.0 host: the table ends after `api_execute`, minor 0.
    pub fn one_zero() -> Box<Mock> {
        Mock::with_version(std::mem::offset_of!(SyHostApi, channel_answer), 0)
    }

    /// A mock claiming `size` bytes and minor version `abi_minor`.
    fn with_version(size: usize, abi_minor: u32) -> Box<Mock> {
        Box::new(Mock {
            table: SyHostApi {
                size,
                abi_major: crate::ffi::SY_ABI_MAJOR,
                abi_minor,
                log: mock_log,
                set_error: mock_set_error,
                config_dir: mock_config_dir,
                data_dir: mock_data_dir,
                db_path: mock_db_path,
                register_api: mock_register_api,
                register_app: mock_register_app,
                bind_event: mock_bind_event,
                unbind_event: mock_unbind_event,
                stream_write: mock_stream_write,
                event_create: mock_event_create,
                event_add_header: mock_event_add_header,
                event_set_body: mock_event_set_body,
                event_fire: mock_event_fire,
                event_destroy: mock_event_destroy,
                event_header: mock_event_header,
                event_body: mock_event_body,
                event_header_count: mock_event_header_count,
                event_header_at: mock_event_header_at,
                api_execute: mock_api_execute,
                channel_answer: mock_channel_answer,
                channel_pre_answer: mock_channel_pre_answer,
                channel_ring_ready: mock_channel_ring_ready,
                channel_hangup: mock_channel_hangup,
                channel_ready: mock_channel_ready,
                channel_uuid: mock_channel_uuid,
                channel_get_variable: mock_channel_get_variable,
                channel_set_variable: mock_channel_set_variable,
                channel_unset_variable: mock_channel_unset_variable,
                channel_play: mock_channel_play,
                channel_collect_digits: mock_channel_collect_digits,
                channel_send_dtmf: mock_channel_send_dtmf,
                channel_bridge: mock_channel_bridge,
                channel_locate: mock_channel_locate,
                channel_release: mock_channel_release,
                channel_add_tap: mock_channel_add_tap,
                channel_remove_tap: mock_channel_remove_tap,
            },
            logs: Mutex::default(),
            errors: Mutex::default(),
            apis: Mutex::default(),
            apps: Mutex::default(),
            bindings: Mutex::default(),
            fired: Mutex::default(),
            destroyed: AtomicUsize::new(0),
            next_binding: AtomicU64::new(1),
            channels: Mutex::default(),
        })
    }

    /// The table the mock passes to `load`.
    pub fn table(&self) -> *const SyHostApi {
        &raw const self.table
    }

    /// The module handle the mock passes around (its own address).
    pub fn module(&self) -> *mut SyModule {
        (self as *const Mock).cast_mut().cast()
    }

    /// A `Host` on this mock, as `load` would build it.
    pub fn host(&self) -> Host {
        // SAFETY: the table and the mock outlive every use in a test.
        unsafe { Host::from_raw(self.table(), self.module()) }
    }

    /// Runs registered API command `name` as the host would: returns its
    /// status and everything it wrote.
    pub fn call_api(&self, name: &str, args: &str) -> (SyStatus, String) {
        let (func, user_data) = {
            let apis = self.apis.lock().unwrap();
            let api = apis
                .iter()
                .find(|api| api.name == name)
                .expect("command registered");
            (api.func, api.user_data)
        };
        let mut stream = String::new();
        // SAFETY: calling the registered callback with its own user data, the
        // way the host does; the stream is the `String` `mock_stream_write` expects.
        let status = unsafe {
            func(
                user_data,
                SyStr::from_str(args),
                (&raw mut stream).cast::<SyStream>(),
            )
        };
        (status, stream)
    }

    /// A new call leg with this UUID, findable with `channel_locate`.
    pub fn add_channel(&self, uuid: &str) -> Arc<MockChannel> {
        let channel = Arc::new(MockChannel {
            uuid: uuid.to_owned(),
            state: Mutex::default(),
            session_thread: Mutex::new(None),
        });
        self.channels.lock().unwrap().push(Arc::clone(&channel));
        channel
    }

    /// Runs registered application `name` on a new channel.
    pub fn call_app(&self, name: &str, args: &str) -> SyStatus {
        let uuid = format!("app-call-{}", self.channels.lock().unwrap().len());
        let channel = self.add_channel(&uuid);
        self.call_app_on(name, args, &channel)
    }

    /// Runs registered application `name` on `channel`, from this thread as
    /// the channel's session thread.
    pub fn call_app_on(&self, name: &str, args: &str, channel: &MockChannel) -> SyStatus {
        let (func, user_data) = {
            let apps = self.apps.lock().unwrap();
            let app = apps
                .iter()
                .find(|app| app.name == name)
                .expect("application registered");
            (app.func, app.user_data)
        };
        *channel.session_thread.lock().unwrap() = Some(std::thread::current().id());
        // SAFETY: as in `call_api`; the channel outlives the call.
        let status = unsafe { func(user_data, channel.raw(), SyStr::from_str(args)) };
        *channel.session_thread.lock().unwrap() = None;
        status
    }

    /// Hands `event` to every matching binding, as the dispatcher would.
    pub fn dispatch(&self, event: &MockEvent) -> usize {
        let header = |name: &str| {
            event
                .headers
                .iter()
                .find(|(key, _)| key.eq_ignore_ascii_case(name))
                .map(|(_, value)| value.as_str())
        };
        let event_name = header("Event-Name").unwrap_or("");
        let subclass = header("Event-Subclass").unwrap_or("");
        let targets: Vec<(SyEventFn, *mut c_void)> = self
            .bindings
            .lock()
            .unwrap()
            .iter()
            .filter(|binding| binding.name == "ALL" || binding.name == event_name)
            .filter(|binding| binding.subclass.is_empty() || binding.subclass == subclass)
            .map(|binding| (binding.func, binding.user_data))
            .collect();
        for (func, user_data) in &targets {
            // SAFETY: as in `call_api`; the event outlives the call.
            unsafe { func(*user_data, (event as *const MockEvent).cast::<SyEvent>()) }
        }
        targets.len()
    }

    /// The log lines recorded at `level`.
    pub fn logs_at(&self, level: i32) -> Vec<String> {
        self.logs
            .lock()
            .unwrap()
            .iter()
            .filter(|(at, _)| *at == level)
            .map(|(_, text)| text.clone())
            .collect()
    }
}

impl Drop for Mock {
    fn drop(&mut self) {
        // The calls end: their taps close, as a host closes them.
        let channels = std::mem::take(&mut *self.channels.lock().unwrap());
        for channel in channels {
            channel.close_taps();
        }
        // Nothing calls this mock's callbacks any more: free what the SDK kept.
        retain::release_owner(self.module());
    }
}

/// Recovers the mock from a module handle.
///
/// # Safety
///
/// `module` must come from [`Mock::module`] of a live mock.
unsafe fn mock<'a>(module: *mut SyModule) -> &'a Mock {
    // SAFETY: per this function's contract.
    unsafe { &*module.cast::<Mock>() }
}

/// Copies a string the module passed in.
///
/// # Safety
///
/// `text` must be valid for the call.
unsafe fn owned(text: SyStr) -> String {
    // SAFETY: per this function's contract.
    String::from_utf8(unsafe { text.as_bytes() }.to_vec()).expect("module passed UTF-8")
}

unsafe extern "C" fn mock_log(module: *mut SyModule, level: i32, message: SyStr) {
    // SAFETY: the SDK passes back the mock's handle and a valid string.
    let (mock, message) = unsafe { (mock(module), owned(message)) };
    mock.logs.lock().unwrap().push((level, message));
}

unsafe extern "C" fn mock_set_error(module: *mut SyModule, message: SyStr) {
    // SAFETY: as in `mock_log`.
    let (mock, message) = unsafe { (mock(module), owned(message)) };
    mock.errors.lock().unwrap().push(message);
}

unsafe extern "C" fn mock_config_dir(_module: *mut SyModule) -> SyStr {
    SyStr::from_str("/etc/switchyard")
}

unsafe extern "C" fn mock_data_dir(_module: *mut SyModule) -> SyStr {
    SyStr::from_str("/var/lib/switchyard/modules/mod_test")
}

unsafe extern "C" fn mock_db_path(_module: *mut SyModule) -> SyStr {
    SyStr::from_str("/var/lib/switchyard/modules/mod_test/mod_test.db")
}

unsafe extern "C" fn mock_register_api(
    module: *mut SyModule,
    name: SyStr,
    description: SyStr,
    syntax: SyStr,
    func: Option<SyApiFn>,
    user_data: *mut c_void,
) -> SyStatus {
    let Some(func) = func else {
        return crate::ffi::SY_INVALID;
    };
    // SAFETY: as in `mock_log`.
    let mock = unsafe { mock(module) };
    // SAFETY: the strings are valid for the call.
    let (name, description, syntax) = unsafe { (owned(name), owned(description), owned(syntax)) };
    let mut apis = mock.apis.lock().unwrap();
    if apis.iter().any(|api| api.name == name) {
        return SY_EXISTS;
    }
    apis.push(Registration {
        name,
        description,
        syntax,
        func,
        user_data,
    });
    SY_OK
}

unsafe extern "C" fn mock_register_app(
    module: *mut SyModule,
    name: SyStr,
    description: SyStr,
    syntax: SyStr,
    func: Option<SyAppFn>,
    user_data: *mut c_void,
) -> SyStatus {
    let Some(func) = func else {
        return crate::ffi::SY_INVALID;
    };
    // SAFETY: as in `mock_log`.
    let mock = unsafe { mock(module) };
    // SAFETY: the strings are valid for the call.
    let (name, description, syntax) = unsafe { (owned(name), owned(description), owned(syntax)) };
    let mut apps = mock.apps.lock().unwrap();
    if apps.iter().any(|app| app.name == name) {
        return SY_EXISTS;
    }
    apps.push(Registration {
        name,
        description,
        syntax,
        func,
        user_data,
    });
    SY_OK
}

unsafe extern "C" fn mock_bind_event(
    module: *mut SyModule,
    event_name: SyStr,
    subclass: SyStr,
    func: Option<SyEventFn>,
    user_data: *mut c_void,
    binding_id: *mut u64,
) -> SyStatus {
    let Some(func) = func else {
        return crate::ffi::SY_INVALID;
    };
    // SAFETY: as in `mock_log`.
    let mock = unsafe { mock(module) };
    // SAFETY: the strings are valid for the call.
    let (name, subclass) = unsafe { (owned(event_name), owned(subclass)) };
    if name.is_empty() {
        return crate::ffi::SY_INVALID;
    }
    let id = mock.next_binding.fetch_add(1, Ordering::Relaxed);
    mock.bindings.lock().unwrap().push(Binding {
        id,
        name,
        subclass,
        func,
        user_data,
    });
    if !binding_id.is_null() {
        // SAFETY: the SDK passes a pointer to a live `u64`.
        unsafe { binding_id.write(id) };
    }
    SY_OK
}

unsafe extern "C" fn mock_unbind_event(module: *mut SyModule, binding_id: u64) -> SyStatus {
    // SAFETY: as in `mock_log`.
    let mock = unsafe { mock(module) };
    let mut bindings = mock.bindings.lock().unwrap();
    let before = bindings.len();
    bindings.retain(|binding| binding.id != binding_id);
    if bindings.len() == before {
        SY_NOT_FOUND
    } else {
        SY_OK
    }
}

unsafe extern "C" fn mock_stream_write(stream: *mut SyStream, text: SyStr) -> SyStatus {
    // SAFETY: `call_api` passes a pointer to a live `String`; the text is
    // valid for the call.
    unsafe { (*stream.cast::<String>()).push_str(&owned(text)) };
    SY_OK
}

unsafe extern "C" fn mock_event_create(
    module: *mut SyModule,
    event_name: SyStr,
    subclass: SyStr,
) -> *mut SyEvent {
    // SAFETY: the strings are valid for the call.
    let (name, subclass) = unsafe { (owned(event_name), owned(subclass)) };
    let known = ["CUSTOM", "HEARTBEAT", "CHANNEL_ANSWER"];
    if !known.contains(&name.as_str()) || (name == "CUSTOM" && subclass.is_empty()) {
        return std::ptr::null_mut();
    }
    let mut event = MockEvent::new(&[("Event-Name", &name)], None);
    event.owner = module.cast::<Mock>().cast_const();
    if !subclass.is_empty() {
        event.headers.push(("Event-Subclass".to_owned(), subclass));
    }
    Box::into_raw(Box::new(event)).cast()
}

/// The mock event behind a handle.
///
/// # Safety
///
/// `event` must be a live `MockEvent` (made by `mock_event_create` or passed
/// by `dispatch`).
unsafe fn event<'a>(event: *const SyEvent) -> &'a MockEvent {
    // SAFETY: per this function's contract.
    unsafe { &*event.cast::<MockEvent>() }
}

unsafe extern "C" fn mock_event_add_header(
    event: *mut SyEvent,
    name: SyStr,
    value: SyStr,
) -> SyStatus {
    // SAFETY: the SDK passes an event it owns (made by `mock_event_create`)
    // and strings valid for the call.
    unsafe {
        (*event.cast::<MockEvent>())
            .headers
            .push((owned(name), owned(value)));
    }
    SY_OK
}

unsafe extern "C" fn mock_event_set_body(event: *mut SyEvent, body: SyStr) -> SyStatus {
    // SAFETY: as in `mock_event_add_header`.
    unsafe { (*event.cast::<MockEvent>()).body = Some(owned(body)) };
    SY_OK
}

unsafe extern "C" fn mock_event_fire(module: *mut SyModule, event: *mut SyEvent) -> SyStatus {
    // SAFETY: the SDK passes the mock's handle and hands over an event made
    // by `mock_event_create`.
    let (mock, event) = unsafe { (mock(module), Box::from_raw(event.cast::<MockEvent>())) };
    mock.fired.lock().unwrap().push(*event);
    SY_OK
}

unsafe extern "C" fn mock_event_destroy(event: *mut SyEvent) {
    // SAFETY: the SDK frees an event made by `mock_event_create` once; its
    // owner is the live mock that made it.
    unsafe {
        let event = Box::from_raw(event.cast::<MockEvent>());
        (*event.owner).destroyed.fetch_add(1, Ordering::SeqCst);
    }
}

unsafe extern "C" fn mock_event_header(event_ptr: *const SyEvent, name: SyStr) -> SyStr {
    // SAFETY: the SDK passes a live event and a valid name.
    let (event, name) = unsafe { (event(event_ptr), owned(name)) };
    event
        .headers
        .iter()
        .find(|(key, _)| key.eq_ignore_ascii_case(&name))
        .map_or(SyStr::EMPTY, |(_, value)| SyStr::from_str(value))
}

unsafe extern "C" fn mock_event_body(event_ptr: *const SyEvent) -> SyStr {
    // SAFETY: the SDK passes a live event.
    let event = unsafe { event(event_ptr) };
    event.body.as_deref().map_or(SyStr::EMPTY, SyStr::from_str)
}

unsafe extern "C" fn mock_event_header_count(event_ptr: *const SyEvent) -> usize {
    // SAFETY: the SDK passes a live event.
    unsafe { event(event_ptr) }.headers.len()
}

unsafe extern "C" fn mock_event_header_at(
    event_ptr: *const SyEvent,
    index: usize,
    name: *mut SyStr,
    value: *mut SyStr,
) -> SyStatus {
    // SAFETY: the SDK passes a live event.
    let event = unsafe { event(event_ptr) };
    match event.headers.get(index) {
        Some((key, text)) => {
            // SAFETY: the SDK passes pointers to two live `SyStr`s.
            unsafe {
                name.write(SyStr::from_str(key));
                value.write(SyStr::from_str(text));
            }
            SY_OK
        }
        None => SY_NOT_FOUND,
    }
}

unsafe extern "C" fn mock_api_execute(
    _module: *mut SyModule,
    command: SyStr,
    on_reply: Option<SyStrFn>,
    user_data: *mut c_void,
) -> SyStatus {
    let Some(on_reply) = on_reply else {
        return crate::ffi::SY_INVALID;
    };
    // SAFETY: the command is valid for the call.
    let command = unsafe { owned(command) };
    let (status, reply) = match command.as_str() {
        "status" => (SY_OK, "UP 0 years, 0 days\n0 session(s)\n".to_owned()),
        "silent-failure" => (SY_ERROR, String::new()),
        other => (SY_ERROR, format!("-ERR {other} Command not found!\n")),
    };
    // SAFETY: handing the reply to the SDK's callback with its own user data;
    // the string lives until the callback returns.
    unsafe { on_reply(user_data, SyStr::from_str(&reply)) };
    status
}

// ---------------------------------------------------------------------------
// Channels (ABI 1.1)
// ---------------------------------------------------------------------------

/// The hangup causes the mock knows (a few of FreeSWITCH's names).
const CAUSES: &[&str] = &[
    "NORMAL_CLEARING",
    "USER_BUSY",
    "NO_ANSWER",
    "CALL_REJECTED",
    "ORIGINATOR_CANCEL",
];

/// A media tap as the mock keeps it.
pub struct MockTap {
    pub id: u64,
    pub module: *mut SyModule,
    pub flags: u32,
    on_frame: SyTapFn,
    on_close: Option<SyTapCloseFn>,
    user_data: *mut c_void,
}

// SAFETY: the pointers are only handed back to the module (the SDK's tap
// slots are `Send`) or compared; the mock never dereferences them.
unsafe impl Send for MockTap {}

/// What a mock call leg records.
#[derive(Default)]
pub struct ChannelState {
    pub answered: bool,
    pub pre_answered: bool,
    pub ringing: bool,
    /// `Some(cause)` once hung up.
    pub hangup_cause: Option<String>,
    pub variables: BTreeMap<String, String>,
    /// Every source `channel_play` accepted.
    pub played: Vec<String>,
    /// Digits the caller pressed that no function consumed yet.
    pub caller_digits: VecDeque<char>,
    /// Digits sent with `channel_send_dtmf`.
    pub sent_dtmf: String,
    /// Dial strings bridged to successfully.
    pub bridged: Vec<String>,
    /// Handles from `channel_locate` not yet released.
    pub references: usize,
    pub taps: Vec<MockTap>,
    next_tap: u64,
}

/// A call leg of the mock; its handle is its own address.
pub struct MockChannel {
    pub uuid: String,
    pub state: Mutex<ChannelState>,
    /// The thread of the application running on it, if any.
    session_thread: Mutex<Option<ThreadId>>,
}

impl MockChannel {
    /// The handle the mock passes to the module.
    pub fn raw(&self) -> *mut SyChannel {
        (self as *const MockChannel).cast_mut().cast()
    }

    /// The recorded state.
    pub fn state(&self) -> std::sync::MutexGuard<'_, ChannelState> {
        self.state.lock().unwrap()
    }

    /// Queues digits as if the caller pressed them.
    pub fn press(&self, digits: &str) {
        self.state().caller_digits.extend(digits.chars());
    }

    /// A channel variable.
    pub fn variable(&self, name: &str) -> Option<String> {
        self.state().variables.get(name).cloned()
    }

    /// Hands `samples` to every tap of `direction`, as the media path would:
    /// in place for taps with `SY_TAP_REPLACE`, as a copy for the others.
    /// Returns the number of taps called.
    pub fn frame(&self, direction: u32, samples: &mut [i16]) -> usize {
        let taps: Vec<(SyTapFn, *mut c_void, bool)> = self
            .state()
            .taps
            .iter()
            .filter(|tap| tap.flags & direction != 0)
            .map(|tap| (tap.on_frame, tap.user_data, tap.flags & SY_TAP_REPLACE != 0))
            .collect();
        for (on_frame, user_data, replace) in &taps {
            let mut copy = samples.to_vec();
            let target: &mut [i16] = if *replace { &mut *samples } else { &mut copy };
            let mut frame = SyFrame {
                samples: target.as_mut_ptr(),
                samples_len: target.len(),
                sample_rate: 8000,
                channels: 1,
            };
            // SAFETY: the tap's own callback and user data; the frame and its
            // samples outlive the call, and calls are serial (one thread).
            unsafe { on_frame(*user_data, direction, &raw mut frame) };
        }
        taps.len()
    }

    /// Ends the call: hangs up (if up) and closes every tap.
    pub fn end(&self) {
        self.state()
            .hangup_cause
            .get_or_insert_with(|| "NORMAL_CLEARING".to_owned());
        self.close_taps();
    }

    /// Closes every tap, calling `on_close` outside the lock.
    fn close_taps(&self) {
        let taps = std::mem::take(&mut self.state().taps);
        for tap in taps {
            close(&tap);
        }
    }

    fn up(&self) -> bool {
        self.state().hangup_cause.is_none()
    }

    fn on_session_thread(&self) -> bool {
        *self.session_thread.lock().unwrap() == Some(std::thread::current().id())
    }
}

/// Calls a tap's close callback.
fn close(tap: &MockTap) {
    if let Some(on_close) = tap.on_close {
        // SAFETY: the tap was removed from its channel, so this is the one
        // close call, after the last frame.
        unsafe { on_close(tap.user_data) };
    }
}

/// The mock channel behind a handle.
///
/// # Safety
///
/// `channel` must come from [`MockChannel::raw`] of a live channel.
unsafe fn channel<'a>(channel: *mut SyChannel) -> &'a MockChannel {
    // SAFETY: per this function's contract.
    unsafe { &*channel.cast::<MockChannel>() }
}

/// Hands `text` to an `sy_str_fn`, `SY_INVALID` when there is none.
///
/// # Safety
///
/// `callback` and `user_data` must be what the module passed together.
unsafe fn hand_over(callback: Option<SyStrFn>, user_data: *mut c_void, text: &str) -> SyStatus {
    let Some(callback) = callback else {
        return SY_INVALID;
    };
    // SAFETY: per this function's contract; `text` outlives the call.
    unsafe { callback(user_data, SyStr::from_str(text)) };
    SY_OK
}

/// Applies a state change to a call that is up; `SY_ERROR` after the hangup.
///
/// # Safety
///
/// As for [`channel`].
unsafe fn while_up(raw: *mut SyChannel, change: impl FnOnce(&mut ChannelState)) -> SyStatus {
    // SAFETY: per this function's contract.
    let channel = unsafe { channel(raw) };
    let mut state = channel.state();
    if state.hangup_cause.is_some() {
        return SY_ERROR;
    }
    change(&mut state);
    SY_OK
}

unsafe extern "C" fn mock_channel_answer(raw: *mut SyChannel) -> SyStatus {
    // SAFETY: the SDK passes a live channel handle.
    unsafe { while_up(raw, |state| state.answered = true) }
}

unsafe extern "C" fn mock_channel_pre_answer(raw: *mut SyChannel) -> SyStatus {
    // SAFETY: as in `mock_channel_answer`.
    unsafe { while_up(raw, |state| state.pre_answered = true) }
}

unsafe extern "C" fn mock_channel_ring_ready(raw: *mut SyChannel) -> SyStatus {
    // SAFETY: as in `mock_channel_answer`.
    unsafe {
        while_up(raw, |state| {
            state.ringing = !state.answered && !state.pre_answered;
        })
    }
}

unsafe extern "C" fn mock_channel_hangup(raw: *mut SyChannel, cause: SyStr) -> SyStatus {
    // SAFETY: the SDK passes a live channel handle and a valid string.
    let (channel, cause) = unsafe { (channel(raw), owned(cause)) };
    let cause = if cause.is_empty() {
        "NORMAL_CLEARING".to_owned()
    } else {
        cause
    };
    if !CAUSES.contains(&cause.as_str()) {
        return SY_INVALID;
    }
    channel.state().hangup_cause.get_or_insert(cause);
    channel.close_taps();
    SY_OK
}

unsafe extern "C" fn mock_channel_ready(raw: *mut SyChannel) -> i32 {
    // SAFETY: as in `mock_channel_answer`.
    i32::from(unsafe { channel(raw) }.up())
}

unsafe extern "C" fn mock_channel_uuid(
    raw: *mut SyChannel,
    on_value: Option<SyStrFn>,
    user_data: *mut c_void,
) -> SyStatus {
    // SAFETY: as in `mock_channel_answer`.
    let channel = unsafe { channel(raw) };
    // SAFETY: the SDK's callback with its own user data.
    unsafe { hand_over(on_value, user_data, &channel.uuid) }
}

unsafe extern "C" fn mock_channel_get_variable(
    raw: *mut SyChannel,
    name: SyStr,
    on_value: Option<SyStrFn>,
    user_data: *mut c_void,
) -> SyStatus {
    // SAFETY: as in `mock_channel_hangup`.
    let (channel, name) = unsafe { (channel(raw), owned(name)) };
    match channel.variable(&name) {
        // SAFETY: the SDK's callback with its own user data.
        Some(value) => unsafe { hand_over(on_value, user_data, &value) },
        None => SY_NOT_FOUND,
    }
}

unsafe extern "C" fn mock_channel_set_variable(
    raw: *mut SyChannel,
    name: SyStr,
    value: SyStr,
) -> SyStatus {
    // SAFETY: the SDK passes a live channel handle and valid strings.
    let (channel, name, value) = unsafe { (channel(raw), owned(name), owned(value)) };
    if name.is_empty() {
        return SY_INVALID;
    }
    channel.state().variables.insert(name, value);
    SY_OK
}

unsafe extern "C" fn mock_channel_unset_variable(raw: *mut SyChannel, name: SyStr) -> SyStatus {
    // SAFETY: as in `mock_channel_hangup`.
    let (channel, name) = unsafe { (channel(raw), owned(name)) };
    channel.state().variables.remove(&name);
    SY_OK
}

unsafe extern "C" fn mock_channel_play(
    raw: *mut SyChannel,
    source: SyStr,
    terminators: SyStr,
    terminator_out: *mut c_char,
) -> SyStatus {
    // SAFETY: the SDK passes a live channel handle and valid strings.
    let (channel, source, terminators) =
        unsafe { (channel(raw), owned(source), owned(terminators)) };
    let mut terminator = 0;
    let status = if !channel.on_session_thread() {
        SY_IN_USE
    } else if !channel.up() {
        SY_ERROR
    } else if source.contains("missing") {
        SY_NOT_FOUND
    } else if source.starts_with("tone_stream://")
        || source.starts_with("silence_stream://")
        || source.ends_with(".wav")
    {
        let mut state = channel.state();
        state.played.push(source);
        // A queued terminator stops playback at once and is consumed.
        if let Some(&digit) = state.caller_digits.front()
            && terminators.contains(digit)
        {
            state.caller_digits.pop_front();
            terminator = digit as u8 as c_char;
        }
        SY_OK
    } else {
        SY_INVALID
    };
    if !terminator_out.is_null() {
        // SAFETY: the SDK passes a pointer to a live `c_char`.
        unsafe { terminator_out.write(terminator) };
    }
    status
}

#[allow(clippy::too_many_arguments)] // the ABI's signature
unsafe extern "C" fn mock_channel_collect_digits(
    raw: *mut SyChannel,
    min_digits: u32,
    max_digits: u32,
    terminators: SyStr,
    _first_timeout_ms: u32,
    _digit_timeout_ms: u32,
    on_digits: Option<SyStrFn>,
    user_data: *mut c_void,
) -> SyStatus {
    // SAFETY: the SDK passes a live channel handle and a valid string.
    let (channel, terminators) = unsafe { (channel(raw), owned(terminators)) };
    if max_digits == 0 || max_digits < min_digits || on_digits.is_none() {
        return SY_INVALID;
    }
    if !channel.on_session_thread() {
        return SY_IN_USE;
    }
    if !channel.up() {
        return SY_ERROR;
    }
    // The queue running dry stands for the timeouts expiring.
    let mut digits = String::new();
    {
        let mut state = channel.state();
        while let Some(digit) = state.caller_digits.pop_front() {
            if terminators.contains(digit) {
                break;
            }
            digits.push(digit);
            if digits.len() == max_digits as usize {
                break;
            }
        }
    }
    if digits.len() < min_digits as usize {
        return SY_NOT_FOUND;
    }
    // SAFETY: the SDK's callback with its own user data.
    unsafe { hand_over(on_digits, user_data, &digits) }
}

unsafe extern "C" fn mock_channel_send_dtmf(raw: *mut SyChannel, digits: SyStr) -> SyStatus {
    // SAFETY: the SDK passes a valid string.
    let digits = unsafe { owned(digits) };
    let valid = |c: char| c.is_ascii_digit() || "*#ABCDabcd".contains(c);
    if digits.is_empty() || !digits.chars().all(valid) {
        return SY_INVALID;
    }
    // SAFETY: as in `mock_channel_answer`.
    unsafe { while_up(raw, |state| state.sent_dtmf.push_str(&digits)) }
}

unsafe extern "C" fn mock_channel_bridge(raw: *mut SyChannel, dial_string: SyStr) -> SyStatus {
    // SAFETY: as in `mock_channel_hangup`.
    let (channel, dial_string) = unsafe { (channel(raw), owned(dial_string)) };
    if dial_string.is_empty() {
        return SY_INVALID;
    }
    if !channel.on_session_thread() {
        return SY_IN_USE;
    }
    if !channel.up() {
        return SY_ERROR;
    }
    let mut state = channel.state();
    // `error/CAUSE` fails with that cause, as FreeSWITCH's error endpoint.
    if let Some(cause) = dial_string.strip_prefix("error/") {
        state.variables.insert(
            "last_bridge_hangup_cause".to_owned(),
            cause.to_ascii_uppercase(),
        );
        return SY_ERROR;
    }
    state.bridged.push(dial_string);
    SY_OK
}

unsafe extern "C" fn mock_channel_locate(
    module: *mut SyModule,
    uuid: SyStr,
    out: *mut *mut SyChannel,
) -> SyStatus {
    if out.is_null() {
        return SY_INVALID;
    }
    // SAFETY: the SDK passes the mock's handle and a valid string.
    let (mock, uuid) = unsafe { (mock(module), owned(uuid)) };
    let channels = mock.channels.lock().unwrap();
    let Some(channel) = channels.iter().find(|channel| channel.uuid == uuid) else {
        return SY_NOT_FOUND;
    };
    channel.state().references += 1;
    // SAFETY: the SDK passes a pointer to a live handle slot.
    unsafe { out.write(channel.raw()) };
    SY_OK
}

unsafe extern "C" fn mock_channel_release(raw: *mut SyChannel) {
    // SAFETY: as in `mock_channel_answer`.
    let channel = unsafe { channel(raw) };
    let mut state = channel.state();
    assert!(state.references > 0, "released more often than located");
    state.references -= 1;
}

unsafe extern "C" fn mock_channel_add_tap(
    module: *mut SyModule,
    raw: *mut SyChannel,
    flags: u32,
    on_frame: Option<SyTapFn>,
    on_close: Option<SyTapCloseFn>,
    user_data: *mut c_void,
    tap_id: *mut u64,
) -> SyStatus {
    let known = SY_TAP_READ | SY_TAP_WRITE | SY_TAP_REPLACE;
    let directions = SY_TAP_READ | SY_TAP_WRITE;
    let Some(on_frame) = on_frame else {
        return SY_INVALID;
    };
    if flags & !known != 0 || flags & directions == 0 {
        return SY_INVALID;
    }
    // SAFETY: as in `mock_channel_answer`.
    let channel = unsafe { channel(raw) };
    let mut state = channel.state();
    if state.hangup_cause.is_some() {
        return SY_ERROR;
    }
    state.next_tap += 1;
    let id = state.next_tap;
    state.taps.push(MockTap {
        id,
        module,
        flags,
        on_frame,
        on_close,
        user_data,
    });
    if !tap_id.is_null() {
        // SAFETY: the SDK passes a pointer to a live `u64`.
        unsafe { tap_id.write(id) };
    }
    SY_OK
}

unsafe extern "C" fn mock_channel_remove_tap(
    module: *mut SyModule,
    raw: *mut SyChannel,
    tap_id: u64,
) -> SyStatus {
    // SAFETY: as in `mock_channel_answer`.
    let channel = unsafe { channel(raw) };
    let tap = {
        let mut state = channel.state();
        let index = state
            .taps
            .iter()
            .position(|tap| tap.id == tap_id && tap.module == module);
        index.map(|index| state.taps.remove(index))
    };
    match tap {
        Some(tap) => {
            close(&tap);
            SY_OK
        }
        None => SY_NOT_FOUND,
    }
}
