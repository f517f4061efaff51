//! A mock of the Switchyard host, for the SDK's unit tests only.
//!
//! It is not the real host (that lives in `core/switch`): it fills in a
//! `SyHostApi` whose functions record every call in a [`Mock`], keeps
//! registrations in lists, and builds plain in-memory events. The module
//! handle it passes is the `Mock`'s own address, so each test has its own.

use std::ffi::c_void;
use std::ptr::NonNull;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use crate::ffi::{
    SY_ERROR, SY_EXISTS, SY_NOT_FOUND, SY_OK, SyApiFn, SyAppFn, SyChannel, SyEvent, SyEventFn,
    SyHostApi, SyModule, SyStatus, SyStr, SyStrFn, SyStream,
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
}

impl Mock {
    /// A mock offering the full 1.0 table.
    pub fn new() -> Box<Mock> {
        Mock::with_size(size_of::<SyHostApi>())
    }

    /// A mock whose `host->size` claims only `size` bytes (an older host).
    pub fn with_size(size: usize) -> Box<Mock> {
        Box::new(Mock {
            table: SyHostApi {
                size,
                abi_major: crate::ffi::SY_ABI_MAJOR,
                abi_minor: crate::ffi::SY_ABI_MINOR,
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
            },
            logs: Mutex::default(),
            errors: Mutex::default(),
            apis: Mutex::default(),
            apps: Mutex::default(),
            bindings: Mutex::default(),
            fired: Mutex::default(),
            destroyed: AtomicUsize::new(0),
            next_binding: AtomicU64::new(1),
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

    /// Runs registered application `name` on a fake channel.
    pub fn call_app(&self, name: &str, args: &str) -> SyStatus {
        let (func, user_data) = {
            let apps = self.apps.lock().unwrap();
            let app = apps
                .iter()
                .find(|app| app.name == name)
                .expect("application registered");
            (app.func, app.user_data)
        };
        let channel = NonNull::<SyChannel>::dangling().as_ptr();
        // SAFETY: as in `call_api`; ABI 1.0 offers no channel functions, so the
        // fake channel is never dereferenced.
        unsafe { func(user_data, channel, SyStr::from_str(args)) }
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
