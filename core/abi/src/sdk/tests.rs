//! Unit tests of the SDK against a mock host (see `tests/mock.rs`: a fake
//! host table whose functions record calls; not the real switch).

mod mock;

use std::fmt::Write as _;
use std::mem::{offset_of, size_of};
use std::panic::catch_unwind;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use self::mock::{Mock, MockEvent};
use super::{Error, Frame, Host, Level, TapDirection, TapFlags, TapId, retain};
use crate::ffi::{
    SY_ABI_MAJOR, SY_ABI_MINOR, SY_ERROR, SY_EXISTS, SY_IN_USE, SY_INVALID, SY_LOG_ERROR,
    SY_NOT_FOUND, SY_OK, SY_PANICKED, SY_TAP_READ, SY_TAP_REPLACE, SY_TAP_WRITE, SyHostApi,
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
        offset_of!(SyHostApi, channel_remove_tap) + size_of::<usize>(),
        full
    );
    let mock = Mock::with_size(full - 1);
    let host = mock.host();
    let outcome: Arc<Mutex<Option<Result<(), Error>>>> = Arc::default();
    let record = Arc::clone(&outcome);
    host.register_app("tap_and_untap", "", "", move |channel, _| {
        let tap = channel.add_tap(TapFlags::READ, |_, _| {})?;
        *record.lock().unwrap() = Some(channel.remove_tap(tap));
        Ok(())
    })
    .unwrap();
    let channel = mock.add_channel("short-1");
    assert_eq!(mock.call_app_on("tap_and_untap", "", &channel), SY_OK);
    assert_eq!(
        outcome.lock().unwrap().take(),
        Some(Err(Error::Unsupported {
            function: "channel_remove_tap"
        }))
    );
    assert_eq!(channel.state().taps.len(), 1);
    assert_eq!(host.api_execute("status").map(|_| ()), Ok(()));
}

// ---------------------------------------------------------------------------
// Channels and media taps (ABI 1.1)
// ---------------------------------------------------------------------------

/// Counts drops of the closures that own it (to see when a tap is closed).
struct Dropped(Arc<AtomicUsize>);

impl Drop for Dropped {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

#[test]
fn application_controls_its_channel() {
    let mock = Mock::new();
    let host = mock.host();
    host.register_app("control", "", "", |channel, _| {
        channel.ring_ready()?;
        channel.pre_answer()?;
        channel.answer()?;
        assert_eq!(channel.uuid()?, "call-1");
        assert!(channel.ready()?);

        assert_eq!(channel.variable("greeting")?, None);
        channel.set_variable("greeting", "hello")?;
        assert_eq!(channel.variable("greeting")?.as_deref(), Some("hello"));
        channel.set_variable("empty", "")?;
        assert_eq!(channel.variable("empty")?.as_deref(), Some(""));
        channel.unset_variable("empty")?;
        channel.unset_variable("never_set")?;
        assert_eq!(channel.variable("empty")?, None);
        assert_eq!(
            channel.set_variable("", "x"),
            Err(Error::Status {
                function: "channel_set_variable",
                status: SY_INVALID
            })
        );

        channel.send_dtmf("12#")?;
        assert_eq!(
            channel.send_dtmf("1x").unwrap_err().status(),
            Some(SY_INVALID)
        );

        assert_eq!(
            channel.hangup("NOT_A_CAUSE").unwrap_err().status(),
            Some(SY_INVALID)
        );
        channel.hangup("USER_BUSY")?;
        assert!(!channel.ready()?);
        // Hanging up again succeeds and keeps the first cause.
        channel.hangup("")?;
        assert_eq!(channel.answer().unwrap_err().status(), Some(SY_ERROR));
        // The handle outlives the hangup: the UUID and variables still work.
        assert_eq!(channel.uuid()?, "call-1");
        assert_eq!(channel.variable("greeting")?.as_deref(), Some("hello"));
        Ok(())
    })
    .unwrap();
    let channel = mock.add_channel("call-1");
    let status = mock.call_app_on("control", "", &channel);
    assert_eq!(status, SY_OK, "{:?}", mock.errors.lock().unwrap());
    let state = channel.state();
    assert!(state.ringing && state.pre_answered && state.answered);
    assert_eq!(state.hangup_cause.as_deref(), Some("USER_BUSY"));
    assert_eq!(state.sent_dtmf, "12#");
    assert_eq!(
        state.variables.get("greeting").map(String::as_str),
        Some("hello")
    );
}

#[test]
fn play_and_collect_digits() {
    let mock = Mock::new();
    let host = mock.host();
    host.register_app("menu", "", "", |channel, args| {
        let wait = Duration::from_secs(5);
        match args {
            "prompt" => {
                // A digit that is not a terminator stays queued for collection.
                assert_eq!(channel.play("tone_stream://%(500,0,1000)", "#")?, None);
                let digits = channel.collect_digits(1, 4, "#", wait, wait)?;
                assert_eq!(digits.as_deref(), Some("12"));
            }
            "interrupt" => {
                assert_eq!(channel.play("/sounds/welcome.wav", "#*")?, Some('*'));
                // Only "5" is left: fewer than the two digits asked for.
                assert_eq!(channel.collect_digits(2, 4, "#", wait, wait)?, None);
                assert_eq!(
                    channel.collect_digits(0, 4, "#", Duration::ZERO, Duration::ZERO)?,
                    Some(String::new())
                );
            }
            "errors" => {
                let status = |result: Result<Option<char>, Error>| result.unwrap_err().status();
                assert_eq!(status(channel.play("/missing.wav", "")), Some(SY_NOT_FOUND));
                assert_eq!(status(channel.play("ftp://nowhere", "")), Some(SY_INVALID));
                assert_eq!(
                    channel
                        .collect_digits(3, 2, "", wait, wait)
                        .unwrap_err()
                        .status(),
                    Some(SY_INVALID)
                );
                channel.hangup("")?;
                assert_eq!(
                    status(channel.play("silence_stream://100", "")),
                    Some(SY_ERROR)
                );
            }
            other => return Err(format!("unknown case {other}")),
        }
        Ok(())
    })
    .unwrap();

    let first = mock.add_channel("menu-1");
    first.press("12#9");
    assert_eq!(mock.call_app_on("menu", "prompt", &first), SY_OK);
    assert_eq!(first.state().played, ["tone_stream://%(500,0,1000)"]);
    // The terminator ended collection; the digit after it is still queued.
    assert_eq!(first.state().caller_digits, ['9']);

    let second = mock.add_channel("menu-2");
    second.press("*5");
    assert_eq!(mock.call_app_on("menu", "interrupt", &second), SY_OK);

    let third = mock.add_channel("menu-3");
    assert_eq!(mock.call_app_on("menu", "errors", &third), SY_OK);
    assert!(mock.errors.lock().unwrap().is_empty());
}

#[test]
fn failed_bridge_leaves_its_cause_in_a_variable() {
    let mock = Mock::new();
    let host = mock.host();
    host.register_app("connect", "", "", |channel, dial_string| {
        if let Err(error) = channel.bridge(dial_string) {
            let cause = channel.variable("last_bridge_hangup_cause")?;
            channel.hangup(cause.as_deref().unwrap_or(""))?;
            return Err(error.into());
        }
        Ok(())
    })
    .unwrap();
    let ok = mock.add_channel("bridge-1");
    assert_eq!(
        mock.call_app_on("connect", "user/1001@acme.test", &ok),
        SY_OK
    );
    assert_eq!(ok.state().bridged, ["user/1001@acme.test"]);

    let busy = mock.add_channel("bridge-2");
    assert_eq!(
        mock.call_app_on("connect", "error/user_busy", &busy),
        SY_ERROR
    );
    assert_eq!(busy.state().hangup_cause.as_deref(), Some("USER_BUSY"));
    assert_eq!(
        *mock.errors.lock().unwrap(),
        ["channel_bridge failed: failure (SY_ERROR)"]
    );
}

#[test]
fn located_channel_holds_a_reference_until_dropped() {
    let mock = Mock::new();
    let host = mock.host();
    let channel = mock.add_channel("abc-123");
    assert!(host.locate_channel("no-such-uuid").unwrap().is_none());

    let located = host.locate_channel("abc-123").unwrap().expect("located");
    assert_eq!(channel.state().references, 1);
    assert_eq!(located.uuid().unwrap(), "abc-123");
    // Off the channel's session thread, the blocking media functions are refused.
    assert_eq!(
        located.play("silence_stream://100", "").unwrap_err(),
        Error::Status {
            function: "channel_play",
            status: SY_IN_USE
        }
    );
    assert_eq!(
        located.bridge("user/1001").unwrap_err().status(),
        Some(SY_IN_USE)
    );
    // The handle stays valid after the call ends.
    channel.end();
    assert!(!located.ready().unwrap());

    // A located channel may move to another thread and be released there.
    std::thread::spawn(move || {
        located.set_variable("touched_by", "worker").unwrap();
        drop(located);
    })
    .join()
    .unwrap();
    assert_eq!(channel.variable("touched_by").as_deref(), Some("worker"));
    assert_eq!(channel.state().references, 0);
}

#[test]
fn media_taps_see_frames_until_removed_or_hangup() {
    let mock = Mock::new();
    let host = mock.host();
    type Seen = (&'static str, TapDirection, Vec<i16>);
    let seen: Arc<Mutex<Vec<Seen>>> = Arc::default();
    let closed = Arc::new(AtomicUsize::new(0));
    let listener: Arc<Mutex<Option<TapId>>> = Arc::default();
    let (record, on_close, id_slot) = (
        Arc::clone(&seen),
        Arc::clone(&closed),
        Arc::clone(&listener),
    );
    host.register_app("taps", "", "", move |channel, args| {
        if args == "stop" {
            let id = id_slot.lock().unwrap().take().ok_or("no tap")?;
            channel.remove_tap(id)?;
            // Already gone: removing again is SY_NOT_FOUND.
            assert_eq!(
                channel.remove_tap(id).unwrap_err().status(),
                Some(SY_NOT_FOUND)
            );
            return Ok(());
        }
        let taps: [(&'static str, TapFlags); 2] = [
            ("listener", TapFlags::BOTH),
            ("inverter", TapFlags::WRITE | TapFlags::REPLACE),
        ];
        for (name, flags) in taps {
            let record = Arc::clone(&record);
            let guard = Dropped(Arc::clone(&on_close));
            let id = channel.add_tap(flags, move |direction, frame: &mut Frame<'_>| {
                let _keep = &guard;
                assert_eq!((frame.sample_rate(), frame.channels()), (8000, 1));
                record
                    .lock()
                    .unwrap()
                    .push((name, direction, frame.samples().to_vec()));
                frame
                    .samples_mut()
                    .iter_mut()
                    .for_each(|sample| *sample = -*sample);
            })?;
            if name == "listener" {
                *id_slot.lock().unwrap() = Some(id);
            }
        }
        Ok(())
    })
    .unwrap();
    let channel = mock.add_channel("tap-1");
    assert_eq!(mock.call_app_on("taps", "start", &channel), SY_OK);
    assert_eq!(channel.state().taps.len(), 2);

    // Audio from the caller reaches the listener only, as a copy.
    let mut read = [1_i16, 2, 3];
    assert_eq!(channel.frame(SY_TAP_READ, &mut read), 1);
    assert_eq!(read, [1, 2, 3]);
    // Audio to the caller reaches both; only the REPLACE tap changes it.
    let mut write = [4_i16, 5, 6];
    assert_eq!(channel.frame(SY_TAP_WRITE, &mut write), 2);
    assert_eq!(write, [-4, -5, -6]);
    assert_eq!(
        *seen.lock().unwrap(),
        [
            ("listener", TapDirection::Read, vec![1, 2, 3]),
            ("listener", TapDirection::Write, vec![4, 5, 6]),
            ("inverter", TapDirection::Write, vec![4, 5, 6]),
        ]
    );
    assert_eq!(closed.load(Ordering::SeqCst), 0);

    // Removing a tap closes it (its closure is dropped) before remove returns.
    assert_eq!(mock.call_app_on("taps", "stop", &channel), SY_OK);
    assert_eq!(closed.load(Ordering::SeqCst), 1);
    assert_eq!(channel.frame(SY_TAP_READ, &mut read), 0);

    // The end of the call closes the rest, once.
    channel.end();
    assert_eq!(closed.load(Ordering::SeqCst), 2);
    assert_eq!(channel.frame(SY_TAP_WRITE, &mut write), 0);
    assert!(mock.errors.lock().unwrap().is_empty());
}

#[test]
fn refused_tap_drops_its_closure_at_once() {
    let mock = Mock::new();
    let host = mock.host();
    let dropped = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&dropped);
    host.register_app("bad_tap", "", "", move |channel, args| {
        let guard = Dropped(Arc::clone(&counter));
        let flags = match args {
            "no-direction" => TapFlags::REPLACE,
            "unknown-bit" => TapFlags::READ | TapFlags::from_bits(0x100),
            _ => TapFlags::READ,
        };
        let result = channel.add_tap(flags, move |_, _| {
            let _keep = &guard;
        });
        result.map(drop).map_err(String::from)
    })
    .unwrap();
    let channel = mock.add_channel("bad-tap-1");
    assert_eq!(
        mock.call_app_on("bad_tap", "no-direction", &channel),
        SY_ERROR
    );
    assert_eq!(
        mock.call_app_on("bad_tap", "unknown-bit", &channel),
        SY_ERROR
    );
    channel.end();
    assert_eq!(
        mock.call_app_on("bad_tap", "after-hangup", &channel),
        SY_ERROR
    );
    assert_eq!(dropped.load(Ordering::SeqCst), 3);
    assert_eq!(
        *mock.errors.lock().unwrap(),
        [
            "channel_add_tap failed: invalid argument (SY_INVALID)",
            "channel_add_tap failed: invalid argument (SY_INVALID)",
            "channel_add_tap failed: failure (SY_ERROR)",
        ]
    );
}

#[test]
fn panicking_tap_is_contained_and_silenced() {
    let _serial = serial();
    let mock = Mock::new();
    let host = mock.host();
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&calls);
    host.register_app("fragile", "", "", move |channel, _| {
        let counter = Arc::clone(&counter);
        channel.add_tap(TapFlags::READ, move |_, _| {
            counter.fetch_add(1, Ordering::SeqCst);
            panic!("tap broke");
        })?;
        Ok(())
    })
    .unwrap();
    let channel = mock.add_channel("fragile-1");
    assert_eq!(mock.call_app_on("fragile", "", &channel), SY_OK);
    let mut samples = [0_i16; 160];
    let delivered = catch_unwind(std::panic::AssertUnwindSafe(|| {
        channel.frame(SY_TAP_READ, &mut samples)
    }))
    .expect("no unwinding across the ABI");
    assert_eq!(delivered, 1);
    // The tap stays registered but its closure gets no further frames.
    channel.frame(SY_TAP_READ, &mut samples);
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    assert_eq!(
        mock.logs_at(SY_LOG_ERROR),
        [
            "media tap panicked: tap broke",
            "media tap disabled after a panic: it ignores further frames"
        ]
    );
}

#[test]
fn tap_flags_and_frames() {
    let both = TapFlags::READ | TapFlags::WRITE;
    assert_eq!(both, TapFlags::BOTH);
    assert_eq!(both.bits(), SY_TAP_READ | SY_TAP_WRITE);
    assert!((both | TapFlags::REPLACE).contains(TapFlags::REPLACE));
    assert!(!both.contains(TapFlags::REPLACE));
    assert_eq!(
        (TapFlags::WRITE | TapFlags::REPLACE).bits(),
        SY_TAP_WRITE | SY_TAP_REPLACE
    );
    assert_eq!(format!("{:?}", TapFlags::BOTH), "TapFlags(0x3)");
    assert_eq!(
        TapDirection::from_raw(SY_TAP_READ),
        Some(TapDirection::Read)
    );
    assert_eq!(
        TapDirection::from_raw(SY_TAP_WRITE),
        Some(TapDirection::Write)
    );
    assert_eq!(TapDirection::from_raw(SY_TAP_REPLACE), None);
    assert_eq!(TapDirection::Write.as_raw(), SY_TAP_WRITE);

    let mut samples = [1_i16, -1];
    let mut frame = Frame::new(&mut samples, 16_000, 1);
    frame.samples_mut()[0] = 7;
    assert_eq!(frame.samples(), [7, -1]);
    assert_eq!((frame.sample_rate(), frame.channels()), (16_000, 1));
}

#[test]
fn a_one_zero_host_refuses_channel_functions_only() {
    let mock = Mock::one_zero();
    let host = mock.host();
    assert_eq!(host.abi_minor(), 0);
    assert_eq!(
        host.table_size(),
        offset_of!(SyHostApi, api_execute) + size_of::<usize>()
    );
    let dropped = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&dropped);
    // 1.0 functions work as before.
    host.register_app("old_host", "", "", move |channel, _| {
        let unsupported = |function| Error::Unsupported { function };
        assert_eq!(channel.answer(), Err(unsupported("channel_answer")));
        assert_eq!(channel.pre_answer(), Err(unsupported("channel_pre_answer")));
        assert_eq!(channel.ring_ready(), Err(unsupported("channel_ring_ready")));
        assert_eq!(channel.hangup(""), Err(unsupported("channel_hangup")));
        assert_eq!(channel.ready(), Err(unsupported("channel_ready")));
        assert_eq!(channel.uuid(), Err(unsupported("channel_uuid")));
        assert_eq!(
            channel.variable("x"),
            Err(unsupported("channel_get_variable"))
        );
        assert_eq!(
            channel.set_variable("x", "y"),
            Err(unsupported("channel_set_variable"))
        );
        assert_eq!(
            channel.unset_variable("x"),
            Err(unsupported("channel_unset_variable"))
        );
        assert_eq!(
            channel.collect_digits(1, 1, "", Duration::ZERO, Duration::ZERO),
            Err(unsupported("channel_collect_digits"))
        );
        assert_eq!(
            channel.send_dtmf("1"),
            Err(unsupported("channel_send_dtmf"))
        );
        assert_eq!(channel.bridge("user/1"), Err(unsupported("channel_bridge")));
        let guard = Dropped(Arc::clone(&counter));
        assert_eq!(
            channel.add_tap(TapFlags::READ, move |_, _| {
                let _keep = &guard;
            }),
            Err(unsupported("channel_add_tap"))
        );
        assert_eq!(
            channel.remove_tap(TapId(1)),
            Err(unsupported("channel_remove_tap"))
        );
        // An application may give up with the SDK's explanation.
        channel.play("tone_stream://%(500,0,1000)", "")?;
        Ok(())
    })
    .unwrap();
    assert_eq!(mock.call_app("old_host", ""), SY_ERROR);
    assert_eq!(
        *mock.errors.lock().unwrap(),
        ["channel_play: not offered by this host (ABI too old)"]
    );
    assert_eq!(dropped.load(Ordering::SeqCst), 1);
    assert_eq!(
        host.locate_channel("app-call-0").unwrap_err(),
        Error::Unsupported {
            function: "channel_locate"
        }
    );
    assert!(host.api_execute("status").is_ok());
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
