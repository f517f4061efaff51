//! Unit tests of the SDK against a mock host (see `tests/mock.rs`: a fake
//! host table whose functions record calls; not the real switch).

mod mock;

use std::fmt::Write as _;
use std::mem::{offset_of, size_of};
use std::panic::catch_unwind;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use self::mock::{Mock, MockEvent};
use super::{Error, Host, Level, retain};
use crate::ffi::{
    SY_ABI_MAJOR, SY_ABI_MINOR, SY_ERROR, SY_EXISTS, SY_INVALID, SY_LOG_ERROR, SY_OK, SY_PANICKED,
    SyHostApi,
};

/// Serialises the tests that panic or load a module: the panic hook and the
/// current host are per-process, like in a real module library.
fn serial() -> MutexGuard<'static, ()> {
    static SERIAL: Mutex<()> = Mutex::new(());
    SERIAL.lock().unwrap_or_else(PoisonError::into_inner)
}

#[test]
fn host_reads_versions_and_paths() {
    let mock = Mock::new();
    let host = mock.host();
    assert_eq!(host.abi_major(), SY_ABI_MAJOR);
    assert_eq!(host.abi_minor(), SY_ABI_MINOR);
    assert_eq!(host.table_size(), size_of::<SyHostApi>());
    assert_eq!(host.config_dir(), std::path::Path::new("/etc/switchyard"));
    assert_eq!(
        host.data_dir(),
        std::path::Path::new("/var/lib/switchyard/modules/mod_test")
    );
    assert_eq!(
        host.db_path(),
        std::path::Path::new("/var/lib/switchyard/modules/mod_test/mod_test.db")
    );
    host.log(Level::Notice, "hello");
    host.set_error("why");
    assert_eq!(*mock.logs.lock().unwrap(), vec![(5, "hello".to_owned())]);
    assert_eq!(*mock.errors.lock().unwrap(), vec!["why".to_owned()]);
}

#[test]
fn api_command_writes_its_output() {
    let mock = Mock::new();
    let host = mock.host();
    host.register_api("hello", "Says hello", "hello [name]", |args, out| {
        let name = if args.is_empty() { "world" } else { args };
        writeln!(out, "+OK hello, {name}").map_err(|e| e.to_string())
    })
    .unwrap();
    {
        let apis = mock.apis.lock().unwrap();
        assert_eq!(apis[0].name, "hello");
        assert_eq!(apis[0].description, "Says hello");
        assert_eq!(apis[0].syntax, "hello [name]");
    }
    assert_eq!(
        mock.call_api("hello", ""),
        (SY_OK, "+OK hello, world\n".to_owned())
    );
    assert_eq!(
        mock.call_api("hello", "bob"),
        (SY_OK, "+OK hello, bob\n".to_owned())
    );
    assert_eq!(retain::count(mock.module()), 1);
}

#[test]
fn api_command_err_becomes_minus_err() {
    let mock = Mock::new();
    let host = mock.host();
    host.register_api("fails", "", "", |_, _| Err("no such queue".to_owned()))
        .unwrap();
    host.register_api("half", "", "", |_, out| {
        out.write_str("partial").unwrap();
        Err("gave up".to_owned())
    })
    .unwrap();
    assert_eq!(
        mock.call_api("fails", "x"),
        (SY_ERROR, "-ERR no such queue\n".to_owned())
    );
    assert_eq!(
        mock.call_api("half", ""),
        (SY_ERROR, "partial\n-ERR gave up\n".to_owned())
    );
    // An Err of an API command is reported in the reply only.
    assert!(mock.errors.lock().unwrap().is_empty());
}

#[test]
fn refused_registration_is_an_error_and_frees_the_closure() {
    let mock = Mock::new();
    let host = mock.host();
    host.register_api("dup", "", "", |_, _| Ok(())).unwrap();
    let error = host.register_api("dup", "", "", |_, _| Ok(())).unwrap_err();
    assert_eq!(
        error,
        Error::Status {
            function: "register_api",
            status: SY_EXISTS
        }
    );
    assert_eq!(error.status(), Some(SY_EXISTS));
    assert!(String::from(error).contains("SY_EXISTS"));
    assert_eq!(retain::count(mock.module()), 1);
}

#[test]
fn panicking_api_command_is_contained() {
    let _serial = serial();
    let mock = Mock::new();
    let host = mock.host();
    host.register_api("boom", "", "", |_, _| panic!("boom"))
        .unwrap();
    host.register_api("formatted", "", "", |args, out| {
        out.write_str("before").unwrap();
        panic!("bad argument {args:?}")
    })
    .unwrap();

    // Had the panic unwound across the extern "C" trampoline, the process
    // would have aborted; catch_unwind here proves nothing reached the caller.
    let result = catch_unwind(|| mock.call_api("boom", ""));
    let (status, output) = result.expect("no unwinding across the ABI");
    assert_eq!(status, SY_PANICKED);
    assert_eq!(output, "-ERR panicked: boom\n");

    let (status, output) = mock.call_api("formatted", "7");
    assert_eq!(status, SY_PANICKED);
    assert_eq!(output, "before\n-ERR panicked: bad argument \"7\"\n");

    assert_eq!(
        *mock.errors.lock().unwrap(),
        vec![
            "panicked: boom".to_owned(),
            "panicked: bad argument \"7\"".to_owned()
        ]
    );
}

#[test]
fn application_results_and_panics() {
    let _serial = serial();
    let mock = Mock::new();
    let host = mock.host();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = Arc::clone(&seen);
    host.register_app("probe", "Test app", "probe <what>", move |channel, args| {
        assert!(!channel.as_raw().is_null());
        record.lock().unwrap().push(args.to_owned());
        match args {
            "fail" => Err("cannot probe".to_owned()),
            "panic" => panic!("probe exploded"),
            _ => Ok(()),
        }
    })
    .unwrap();
    assert_eq!(mock.apps.lock().unwrap()[0].syntax, "probe <what>");
    assert_eq!(mock.call_app("probe", "ok"), SY_OK);
    assert_eq!(mock.call_app("probe", "fail"), SY_ERROR);
    assert_eq!(mock.call_app("probe", "panic"), SY_PANICKED);
    assert_eq!(*seen.lock().unwrap(), ["ok", "fail", "panic"]);
    assert_eq!(
        *mock.errors.lock().unwrap(),
        ["cannot probe", "panicked: probe exploded"]
    );
}

#[test]
fn event_handler_sees_headers_and_body() {
    let mock = Mock::new();
    let host = mock.host();
    type Seen = (
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
        Vec<(String, String)>,
    );
    let seen: Arc<Mutex<Vec<Seen>>> = Arc::default();
    let record = Arc::clone(&seen);
    let binding = host
        .bind_event("CUSTOM", Some("acd::member-enter"), move |event| {
            let owned = |value: Option<&str>| value.map(str::to_owned);
            record.lock().unwrap().push((
                owned(event.name()),
                owned(event.subclass()),
                owned(event.header("member-uuid")),
                owned(event.body()),
                event
                    .headers()
                    .map(|(name, value)| (name.to_owned(), value.to_owned()))
                    .collect(),
            ));
            assert_eq!(event.header("Empty"), Some(""));
            assert_eq!(event.header("Missing"), None);
        })
        .unwrap();
    {
        let bindings = mock.bindings.lock().unwrap();
        assert_eq!(
            (bindings[0].name.as_str(), bindings[0].subclass.as_str()),
            ("CUSTOM", "acd::member-enter")
        );
        assert_eq!(bindings[0].id, binding.as_u64());
    }

    let event = MockEvent::new(
        &[
            ("Event-Name", "CUSTOM"),
            ("Event-Subclass", "acd::member-enter"),
            ("Member-UUID", "m-1"),
            ("Empty", ""),
        ],
        Some("hello body"),
    );
    assert_eq!(mock.dispatch(&event), 1);
    let other = MockEvent::new(
        &[
            ("Event-Name", "CUSTOM"),
            ("Event-Subclass", "acd::member-exit"),
        ],
        None,
    );
    assert_eq!(mock.dispatch(&other), 0);

    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 1);
    let (name, subclass, member, body, headers) = &seen[0];
    assert_eq!(name.as_deref(), Some("CUSTOM"));
    assert_eq!(subclass.as_deref(), Some("acd::member-enter"));
    assert_eq!(member.as_deref(), Some("m-1"));
    assert_eq!(body.as_deref(), Some("hello body"));
    assert_eq!(headers.len(), 4);
    assert_eq!(headers[2], ("Member-UUID".to_owned(), "m-1".to_owned()));

    host.unbind_event(binding).unwrap();
    assert_eq!(mock.dispatch(&event), 0);
    assert_eq!(
        host.unbind_event(binding).unwrap_err().status(),
        Some(crate::ffi::SY_NOT_FOUND)
    );
    // The closure is kept until unload (a call may still be running).
    assert_eq!(retain::count(mock.module()), 1);
}

#[test]
fn panicking_event_handler_is_logged_not_unwound() {
    let _serial = serial();
    let mock = Mock::new();
    let host = mock.host();
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&calls);
    host.bind_event("ALL", None, move |_| {
        counter.fetch_add(1, Ordering::SeqCst);
        panic!("handler broke");
    })
    .unwrap();
    let event = MockEvent::new(&[("Event-Name", "HEARTBEAT")], None);
    let dispatched = catch_unwind(|| mock.dispatch(&event)).expect("no unwinding across the ABI");
    assert_eq!(dispatched, 1);
    // The dispatcher carries on: the next event reaches the handler too.
    mock.dispatch(&event);
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    // No module is loaded, so the hook did not forward: the trampoline logs.
    assert_eq!(
        mock.logs_at(SY_LOG_ERROR),
        ["event handler panicked: handler broke"; 2]
    );
}

#[test]
fn events_built_with_the_sdk_carry_their_headers() {
    let mock = Mock::new();
    let host = mock.host();
    let mut event = host.event("CUSTOM", Some("acd::member-enter")).unwrap();
    event.add_header("Member-UUID", "m-42").unwrap();
    event.add_header("Queue", "support@tenant1").unwrap();
    event.set_body("first").unwrap();
    event.set_body("second").unwrap();
    let view = event.as_event_ref();
    assert_eq!(view.name(), Some("CUSTOM"));
    assert_eq!(view.header("queue"), Some("support@tenant1"));
    assert_eq!(view.body(), Some("second"));
    event.fire().unwrap();

    let fired = mock.fired.lock().unwrap();
    assert_eq!(fired.len(), 1);
    let expected = MockEvent::new(
        &[
            ("Event-Name", "CUSTOM"),
            ("Event-Subclass", "acd::member-enter"),
            ("Member-UUID", "m-42"),
            ("Queue", "support@tenant1"),
        ],
        Some("second"),
    );
    assert_eq!(fired[0].headers, expected.headers);
    assert_eq!(fired[0].body, expected.body);
    assert_eq!(mock.destroyed.load(Ordering::SeqCst), 0);
}

#[test]
fn unfired_event_is_destroyed_and_bad_names_are_refused() {
    let mock = Mock::new();
    let host = mock.host();
    let mut event = host.event("HEARTBEAT", None).unwrap();
    event.add_header("X", "y").unwrap();
    drop(event);
    assert_eq!(mock.destroyed.load(Ordering::SeqCst), 1);
    assert!(mock.fired.lock().unwrap().is_empty());

    let invalid = Err(Error::Status {
        function: "event_create",
        status: SY_INVALID,
    });
    assert_eq!(host.event("NO_SUCH_EVENT", None).map(drop), invalid);
    assert_eq!(host.event("CUSTOM", None).map(drop), invalid);
}

#[test]
fn api_execute_returns_the_reply() {
    let mock = Mock::new();
    let host = mock.host();
    assert_eq!(
        host.api_execute("status").unwrap(),
        "UP 0 years, 0 days\n0 session(s)\n"
    );
    assert_eq!(
        host.api_execute("bogus").unwrap_err(),
        "-ERR bogus Command not found!\n"
    );
    let silent = host.api_execute("silent-failure").unwrap_err();
    assert!(silent.starts_with("-ERR silent-failure: "), "{silent}");
}

#[test]
fn short_host_table_makes_the_sdk_refuse_later_functions() {
    // A table that ends just before `register_api`.
    let short = offset_of!(SyHostApi, register_api);
    let mock = Mock::with_size(short);
    let host = mock.host();
    assert!(host.has_field(offset_of!(SyHostApi, db_path), size_of::<usize>()));
    assert!(!host.has_field(short, size_of::<usize>()));
    assert!(!host.has_field(usize::MAX, 1));

    host.log(Level::Info, "still works");
    assert_eq!(mock.logs_at(Level::Info as i32), ["still works"]);
    assert_eq!(
        host.register_api("x", "", "", |_, _| Ok(())),
        Err(Error::Unsupported {
            function: "register_api"
        })
    );
    assert_eq!(
        host.bind_event("ALL", None, |_| {}).unwrap_err(),
        Error::Unsupported {
            function: "bind_event"
        }
    );
    assert!(matches!(
        host.event("HEARTBEAT", None),
        Err(Error::Unsupported {
            function: "event_create"
        })
    ));
    assert!(mock.apis.lock().unwrap().is_empty());
    assert!(mock.bindings.lock().unwrap().is_empty());
    assert_eq!(retain::count(mock.module()), 0);
}

#[test]
fn table_one_field_short_refuses_only_the_last_function() {
    // The last field ends exactly at `size_of`; one byte less leaves it out.
    let full = size_of::<SyHostApi>();
    assert_eq!(
        offset_of!(SyHostApi, api_execute) + size_of::<usize>(),
        full
    );
    let mock = Mock::with_size(full - 1);
    let host = mock.host();
    let error = host.api_execute("status").unwrap_err();
    assert!(
        error.starts_with("-ERR api_execute: not offered"),
        "{error}"
    );
    let event = host.event("HEARTBEAT", None).unwrap();
    event.fire().unwrap();
    assert_eq!(mock.fired.lock().unwrap().len(), 1);
}

// ---------------------------------------------------------------------------
// The module entry points made by declare_module!
// ---------------------------------------------------------------------------

static UNLOADED: AtomicBool = AtomicBool::new(false);
static DROPPED: AtomicUsize = AtomicUsize::new(0);

/// Counts its drops, to see when the SDK frees a closure.
struct DropCounter;

impl Drop for DropCounter {
    fn drop(&mut self) {
        DROPPED.fetch_add(1, Ordering::SeqCst);
    }
}

fn test_load(host: Host) -> Result<(), String> {
    assert_eq!(Host::current(), Some(host));
    let counter = DropCounter;
    host.register_api("loaded", "", "", move |args, out| {
        let _keep = &counter;
        if args == "panic" {
            panic!("loaded command panicked");
        }
        out.write_str("+OK").map_err(|e| e.to_string())
    })?;
    Ok(())
}

fn test_unload(host: Host) -> Result<(), String> {
    host.log(Level::Notice, "unloading");
    UNLOADED.store(true, Ordering::SeqCst);
    Ok(())
}

crate::declare_module! {
    name: "mod_sdk_test",
    version: "0.0.1",
    load: test_load,
    unload: test_unload,
}

#[test]
fn declared_module_loads_and_unloads() {
    let _serial = serial();
    let descriptor = &switchyard_module;
    assert_eq!(
        (descriptor.abi_major, descriptor.abi_minor),
        (SY_ABI_MAJOR, SY_ABI_MINOR)
    );
    // SAFETY: the macro stores NUL-terminated static strings.
    let (name, version) = unsafe {
        (
            std::ffi::CStr::from_ptr(descriptor.name),
            std::ffi::CStr::from_ptr(descriptor.version),
        )
    };
    assert_eq!(name.to_str(), Ok("mod_sdk_test"));
    assert_eq!(version.to_str(), Ok("0.0.1"));

    let mock = Mock::new();
    let load = descriptor.load.expect("load entry point");
    let unload = descriptor.unload.expect("unload entry point");
    DROPPED.store(0, Ordering::SeqCst);
    UNLOADED.store(false, Ordering::SeqCst);

    // SAFETY: calling the entry point the way the host does.
    assert_eq!(unsafe { load(mock.module(), mock.table()) }, SY_OK);
    assert_eq!(Host::current(), Some(mock.host()));
    assert_eq!(mock.call_api("loaded", ""), (SY_OK, "+OK".to_owned()));

    // While loaded, the panic hook sends panics to the host log with their location.
    let (status, _) = mock.call_api("loaded", "panic");
    assert_eq!(status, SY_PANICKED);
    let errors = mock.logs_at(SY_LOG_ERROR);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].starts_with("panic at "), "{}", errors[0]);
    assert!(errors[0].contains("tests.rs:"), "{}", errors[0]);
    assert!(
        errors[0].ends_with(": loaded command panicked"),
        "{}",
        errors[0]
    );

    assert_eq!(DROPPED.load(Ordering::SeqCst), 0);
    // SAFETY: as above.
    assert_eq!(unsafe { unload(mock.module()) }, SY_OK);
    assert!(UNLOADED.load(Ordering::SeqCst));
    assert_eq!(
        DROPPED.load(Ordering::SeqCst),
        1,
        "closure freed after unload"
    );
    assert_eq!(retain::count(mock.module()), 0);
    assert_eq!(Host::current(), None);
    assert!(mock.logs_at(5).contains(&"unloading".to_owned()));
}

#[test]
fn failed_load_reports_and_orphans_its_closures() {
    let _serial = serial();
    fn failing(host: Host) -> Result<(), String> {
        host.register_api("half-loaded", "", "", |_, _| Ok(()))?;
        Err("missing configuration file".to_owned())
    }
    fn panicking(_host: Host) -> Result<(), String> {
        panic!("load exploded")
    }
    fn fine(_host: Host) -> Result<(), String> {
        Ok(())
    }

    let first = Mock::new();
    // SAFETY: calling the load body the way the generated entry point does.
    let status = unsafe { super::__private::load(first.module(), first.table(), failing) };
    assert_eq!(status, SY_ERROR);
    assert_eq!(
        *first.errors.lock().unwrap(),
        ["missing configuration file"]
    );
    assert_eq!(Host::current(), None);
    // The host may still hold the registration until load has returned.
    assert_eq!(retain::count(first.module()), 1);

    let second = Mock::new();
    // SAFETY: as above.
    let status = unsafe { super::__private::load(second.module(), second.table(), panicking) };
    assert_eq!(status, SY_PANICKED);
    assert_eq!(*second.errors.lock().unwrap(), ["panicked: load exploded"]);
    // The next load freed the closures the failed one left behind.
    assert_eq!(retain::count(first.module()), 0);

    // A host of another major version is refused without touching its table.
    let other_major = Mock::new();
    let mut table = std::mem::ManuallyDrop::new(
        // SAFETY: a bitwise copy of a table of plain function pointers; the
        // copy is never dropped (ManuallyDrop) and the mock keeps its own.
        unsafe { std::ptr::read(other_major.table()) },
    );
    table.abi_major = SY_ABI_MAJOR + 1;
    // SAFETY: as above, with a table the SDK must not call into.
    let status = unsafe { super::__private::load(other_major.module(), &raw const *table, fine) };
    assert_eq!(status, SY_INVALID);
    assert!(other_major.errors.lock().unwrap().is_empty());
    assert_eq!(Host::current(), None);

    // An unload error is reported; the closures are freed all the same.
    fn unload_fails(_host: Host) -> Result<(), String> {
        Err("queue still busy".to_owned())
    }
    let third = Mock::new();
    let loader = |host: Host| {
        host.register_api("x", "", "", |_, _| Ok(()))
            .map_err(String::from)
    };
    // SAFETY: as above.
    let status = unsafe { super::__private::load(third.module(), third.table(), loader) };
    assert_eq!(status, SY_OK);
    assert_eq!(retain::count(third.module()), 1);
    // SAFETY: as above.
    let status = unsafe { super::__private::unload(third.module(), Some(unload_fails)) };
    assert_eq!(status, SY_ERROR);
    assert_eq!(*third.errors.lock().unwrap(), ["queue still busy"]);
    assert_eq!(retain::count(third.module()), 0);
    assert_eq!(Host::current(), None);
}
