//! The ABI freeze.
//!
//! A small C program built against `include/switchyard.h` prints the size,
//! alignment and field offsets of every struct in the header and the value of
//! every constant. The test checks that
//!
//! 1. the C compiler's numbers equal the recorded tables below ([`FROZEN`] for
//!    1.0, then [`FROZEN_1_1`] for what 1.1 appended), and
//! 2. the Rust mirror in `src/ffi.rs` (`size_of`, `align_of`, `offset_of!`)
//!    agrees with the same tables.
//!
//! The tables *are* the freeze: changing a released layout must make this
//! test fail, and the answer to that failure is never to edit a recorded
//! number. Within ABI major 1, new host functions are appended at the end of
//! `sy_host_api` (and of `SyHostApi`) and `SY_ABI_MINOR` is bumped; then a new
//! table `FROZEN_1_n` records the new offsets, types and constants, the new
//! `sizeof(sy_host_api)` and the new minor. Those last two are the only keys
//! ([`GROWING`]) a later table may restate; every other key of an earlier
//! table stays exactly as recorded, and each minor's `sy_host_api` is a prefix
//! of the next ([`earlier_minors_are_a_prefix_of_the_current_one`]).
//!
//! A second test compiles the header as strict C99 and, when a C++ compiler
//! is installed, as C++11.

use std::collections::BTreeMap;
use std::mem::{align_of, offset_of, size_of};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

use switchyard_abi::ffi::{self, SyFrame, SyHostApi, SyModuleDescriptor, SyStr};

/// The recorded layout of ABI 1.0 on LP64 targets (x86_64 and aarch64 Linux
/// and macOS): `(key, value)` as the C program prints them. Released: never
/// edit it; later minors restate only the [`GROWING`] keys, in their own table.
const FROZEN: &[(&str, i64)] = &[
    // sy_str
    ("sizeof(sy_str)", 16),
    ("alignof(sy_str)", 8),
    ("offsetof(sy_str, ptr)", 0),
    ("offsetof(sy_str, len)", 8),
    // sy_host_api (append-only: new fields go after api_execute)
    ("sizeof(sy_host_api)", 176),
    ("alignof(sy_host_api)", 8),
    ("offsetof(sy_host_api, size)", 0),
    ("offsetof(sy_host_api, abi_major)", 8),
    ("offsetof(sy_host_api, abi_minor)", 12),
    ("offsetof(sy_host_api, log)", 16),
    ("offsetof(sy_host_api, set_error)", 24),
    ("offsetof(sy_host_api, config_dir)", 32),
    ("offsetof(sy_host_api, data_dir)", 40),
    ("offsetof(sy_host_api, db_path)", 48),
    ("offsetof(sy_host_api, register_api)", 56),
    ("offsetof(sy_host_api, register_app)", 64),
    ("offsetof(sy_host_api, bind_event)", 72),
    ("offsetof(sy_host_api, unbind_event)", 80),
    ("offsetof(sy_host_api, stream_write)", 88),
    ("offsetof(sy_host_api, event_create)", 96),
    ("offsetof(sy_host_api, event_add_header)", 104),
    ("offsetof(sy_host_api, event_set_body)", 112),
    ("offsetof(sy_host_api, event_fire)", 120),
    ("offsetof(sy_host_api, event_destroy)", 128),
    ("offsetof(sy_host_api, event_header)", 136),
    ("offsetof(sy_host_api, event_body)", 144),
    ("offsetof(sy_host_api, event_header_count)", 152),
    ("offsetof(sy_host_api, event_header_at)", 160),
    ("offsetof(sy_host_api, api_execute)", 168),
    // sy_module_descriptor
    ("sizeof(sy_module_descriptor)", 40),
    ("alignof(sy_module_descriptor)", 8),
    ("offsetof(sy_module_descriptor, abi_major)", 0),
    ("offsetof(sy_module_descriptor, abi_minor)", 4),
    ("offsetof(sy_module_descriptor, name)", 8),
    ("offsetof(sy_module_descriptor, version)", 16),
    ("offsetof(sy_module_descriptor, load)", 24),
    ("offsetof(sy_module_descriptor, unload)", 32),
    // scalar and callback typedefs
    ("sizeof(sy_status)", 4),
    ("alignof(sy_status)", 4),
    ("sizeof(sy_api_fn)", 8),
    ("alignof(sy_api_fn)", 8),
    ("sizeof(sy_event_fn)", 8),
    ("alignof(sy_event_fn)", 8),
    ("sizeof(sy_app_fn)", 8),
    ("alignof(sy_app_fn)", 8),
    ("sizeof(sy_str_fn)", 8),
    ("alignof(sy_str_fn)", 8),
    // constants
    ("SY_ABI_MAJOR", 1),
    ("SY_ABI_MINOR", 0),
    ("SY_OK", 0),
    ("SY_ERROR", 1),
    ("SY_NOT_FOUND", 2),
    ("SY_IN_USE", 3),
    ("SY_INVALID", 4),
    ("SY_EXISTS", 5),
    ("SY_PANICKED", 6),
    ("SY_LOG_ERROR", 3),
    ("SY_LOG_WARNING", 4),
    ("SY_LOG_NOTICE", 5),
    ("SY_LOG_INFO", 6),
    ("SY_LOG_DEBUG", 7),
];

/// What ABI 1.1 appended (channels and media taps), on the same LP64 targets,
/// plus the two [`GROWING`] keys restated for 1.1.
const FROZEN_1_1: &[(&str, i64)] = &[
    // sy_host_api grows by 17 functions after api_execute (offset 168)
    ("sizeof(sy_host_api)", 312),
    ("offsetof(sy_host_api, channel_answer)", 176),
    ("offsetof(sy_host_api, channel_pre_answer)", 184),
    ("offsetof(sy_host_api, channel_ring_ready)", 192),
    ("offsetof(sy_host_api, channel_hangup)", 200),
    ("offsetof(sy_host_api, channel_ready)", 208),
    ("offsetof(sy_host_api, channel_uuid)", 216),
    ("offsetof(sy_host_api, channel_get_variable)", 224),
    ("offsetof(sy_host_api, channel_set_variable)", 232),
    ("offsetof(sy_host_api, channel_unset_variable)", 240),
    ("offsetof(sy_host_api, channel_play)", 248),
    ("offsetof(sy_host_api, channel_collect_digits)", 256),
    ("offsetof(sy_host_api, channel_send_dtmf)", 264),
    ("offsetof(sy_host_api, channel_bridge)", 272),
    ("offsetof(sy_host_api, channel_locate)", 280),
    ("offsetof(sy_host_api, channel_release)", 288),
    ("offsetof(sy_host_api, channel_add_tap)", 296),
    ("offsetof(sy_host_api, channel_remove_tap)", 304),
    // sy_frame
    ("sizeof(sy_frame)", 24),
    ("alignof(sy_frame)", 8),
    ("offsetof(sy_frame, samples)", 0),
    ("offsetof(sy_frame, samples_len)", 8),
    ("offsetof(sy_frame, sample_rate)", 16),
    ("offsetof(sy_frame, channels)", 20),
    // callback typedefs
    ("sizeof(sy_tap_fn)", 8),
    ("alignof(sy_tap_fn)", 8),
    ("sizeof(sy_tap_close_fn)", 8),
    ("alignof(sy_tap_close_fn)", 8),
    // constants
    ("SY_ABI_MINOR", 1),
    ("SY_TAP_READ", 1),
    ("SY_TAP_WRITE", 2),
    ("SY_TAP_REPLACE", 4),
];

/// A recorded table: `(key, value)` rows as the C program prints them.
type Rows = &'static [(&'static str, i64)];

/// Every minor version's table, oldest first, with the last `sy_host_api`
/// field that minor had.
const MINORS: &[(&str, Rows, &str)] = &[
    ("1.0", FROZEN, "api_execute"),
    ("1.1", FROZEN_1_1, "channel_remove_tap"),
];

/// The only keys a later minor may restate: they grow with every minor.
const GROWING: &[&str] = &["sizeof(sy_host_api)", "SY_ABI_MINOR"];

/// The recorded value of `SY_MODULE_SYMBOL`.
const FROZEN_SYMBOL: &str = "switchyard_module";

/// Every struct of the header and its fields, in declaration order.
const STRUCTS: &[(&str, &[&str])] = &[
    ("sy_str", &["ptr", "len"]),
    (
        "sy_host_api",
        &[
            "size",
            "abi_major",
            "abi_minor",
            "log",
            "set_error",
            "config_dir",
            "data_dir",
            "db_path",
            "register_api",
            "register_app",
            "bind_event",
            "unbind_event",
            "stream_write",
            "event_create",
            "event_add_header",
            "event_set_body",
            "event_fire",
            "event_destroy",
            "event_header",
            "event_body",
            "event_header_count",
            "event_header_at",
            "api_execute",
            // 1.1: channels
            "channel_answer",
            "channel_pre_answer",
            "channel_ring_ready",
            "channel_hangup",
            "channel_ready",
            "channel_uuid",
            "channel_get_variable",
            "channel_set_variable",
            "channel_unset_variable",
            "channel_play",
            "channel_collect_digits",
            "channel_send_dtmf",
            "channel_bridge",
            "channel_locate",
            "channel_release",
            // 1.1: media taps
            "channel_add_tap",
            "channel_remove_tap",
        ],
    ),
    (
        "sy_module_descriptor",
        &[
            "abi_major",
            "abi_minor",
            "name",
            "version",
            "load",
            "unload",
        ],
    ),
    (
        "sy_frame",
        &["samples", "samples_len", "sample_rate", "channels"],
    ),
];

/// Typedefs that are not structs but appear in struct fields and signatures.
const TYPEDEFS: &[&str] = &[
    "sy_status",
    "sy_api_fn",
    "sy_event_fn",
    "sy_app_fn",
    "sy_str_fn",
    "sy_tap_fn",
    "sy_tap_close_fn",
];

/// Every integer `#define` of the header.
const DEFINES: &[&str] = &[
    "SY_ABI_MAJOR",
    "SY_ABI_MINOR",
    "SY_OK",
    "SY_ERROR",
    "SY_NOT_FOUND",
    "SY_IN_USE",
    "SY_INVALID",
    "SY_EXISTS",
    "SY_PANICKED",
    "SY_LOG_ERROR",
    "SY_LOG_WARNING",
    "SY_LOG_NOTICE",
    "SY_LOG_INFO",
    "SY_LOG_DEBUG",
    "SY_TAP_READ",
    "SY_TAP_WRITE",
    "SY_TAP_REPLACE",
];

fn include_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("include")
}

/// A fresh scratch directory (unique per call: the tests run in parallel).
fn scratch(name: &str) -> PathBuf {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "switchyard-abi-{name}-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create scratch directory");
    dir
}

/// Runs a command, failing the test with its output if it does not succeed.
fn run(command: &mut Command) -> String {
    let shown = format!("{command:?}");
    let output = command
        .output()
        .unwrap_or_else(|error| panic!("cannot run {shown}: {error} (is a C compiler on PATH?)"));
    assert!(
        output.status.success(),
        "{shown} failed ({})\nstdout:\n{}\nstderr:\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("UTF-8 output")
}

/// The C program that prints the layout as `key value` lines.
fn layout_program() -> String {
    let mut body = String::new();
    for (name, fields) in STRUCTS {
        body.push_str(&format!("    SIZE({name});\n    ALIGN({name});\n"));
        for field in *fields {
            body.push_str(&format!("    OFFSET({name}, {field});\n"));
        }
    }
    for name in TYPEDEFS {
        body.push_str(&format!("    SIZE({name});\n    ALIGN({name});\n"));
    }
    for name in DEFINES {
        body.push_str(&format!("    DEFINE({name});\n"));
    }
    format!(
        r#"#include <stddef.h>
#include <stdio.h>
#include "switchyard.h"

#define SIZE(T) printf("sizeof(%s) %lu\n", #T, (unsigned long)sizeof(T))
#define ALIGN(T) printf("alignof(%s) %lu\n", #T, (unsigned long)_Alignof(T))
#define OFFSET(T, F) printf("offsetof(%s, %s) %lu\n", #T, #F, (unsigned long)offsetof(T, F))
#define DEFINE(D) printf("%s %lld\n", #D, (long long)(D))

int main(void) {{
{body}    printf("SY_MODULE_SYMBOL %s\n", SY_MODULE_SYMBOL);
    return 0;
}}
"#
    )
}

/// Compiles and runs the layout program: the C compiler's view of the header.
fn c_layout() -> (BTreeMap<String, i64>, String) {
    let dir = scratch("layout");
    let source = dir.join("layout.c");
    let binary = dir.join("layout");
    std::fs::write(&source, layout_program()).expect("write layout.c");
    run(Command::new("cc")
        .args(["-std=c99", "-Wall", "-Werror", "-I"])
        .arg(include_dir())
        .arg(&source)
        .arg("-o")
        .arg(&binary));
    let output = run(&mut Command::new(&binary));
    let _ = std::fs::remove_dir_all(&dir);

    let mut values = BTreeMap::new();
    let mut symbol = String::new();
    for line in output.lines() {
        let (key, value) = line.rsplit_once(' ').expect("key value line");
        if key == "SY_MODULE_SYMBOL" {
            symbol = value.to_owned();
        } else {
            let value = value.parse().expect("integer value");
            assert!(
                values.insert(key.to_owned(), value).is_none(),
                "{key} twice"
            );
        }
    }
    (values, symbol)
}

/// Records a size and an alignment under the C spelling of the type.
fn put_type<T>(out: &mut BTreeMap<String, i64>, name: &str) {
    out.insert(format!("sizeof({name})"), size_of::<T>() as i64);
    out.insert(format!("alignof({name})"), align_of::<T>() as i64);
}

/// Records a struct's size, alignment and the offsets of the listed fields.
macro_rules! put_struct {
    ($out:expr, $c_name:literal, $ty:ty, [$($field:ident),* $(,)?]) => {{
        put_type::<$ty>($out, $c_name);
        $(
            $out.insert(
                format!("offsetof({}, {})", $c_name, stringify!($field)),
                offset_of!($ty, $field) as i64,
            );
        )*
    }};
}

/// The Rust mirror's view of the same keys.
fn rust_layout() -> BTreeMap<String, i64> {
    let mut out = BTreeMap::new();
    put_struct!(&mut out, "sy_str", SyStr, [ptr, len]);
    put_struct!(
        &mut out,
        "sy_host_api",
        SyHostApi,
        [
            size,
            abi_major,
            abi_minor,
            log,
            set_error,
            config_dir,
            data_dir,
            db_path,
            register_api,
            register_app,
            bind_event,
            unbind_event,
            stream_write,
            event_create,
            event_add_header,
            event_set_body,
            event_fire,
            event_destroy,
            event_header,
            event_body,
            event_header_count,
            event_header_at,
            api_execute,
            channel_answer,
            channel_pre_answer,
            channel_ring_ready,
            channel_hangup,
            channel_ready,
            channel_uuid,
            channel_get_variable,
            channel_set_variable,
            channel_unset_variable,
            channel_play,
            channel_collect_digits,
            channel_send_dtmf,
            channel_bridge,
            channel_locate,
            channel_release,
            channel_add_tap,
            channel_remove_tap,
        ]
    );
    put_struct!(
        &mut out,
        "sy_module_descriptor",
        SyModuleDescriptor,
        [abi_major, abi_minor, name, version, load, unload]
    );
    put_struct!(
        &mut out,
        "sy_frame",
        SyFrame,
        [samples, samples_len, sample_rate, channels]
    );
    put_type::<ffi::SyStatus>(&mut out, "sy_status");
    put_type::<ffi::SyApiFn>(&mut out, "sy_api_fn");
    put_type::<ffi::SyEventFn>(&mut out, "sy_event_fn");
    put_type::<ffi::SyAppFn>(&mut out, "sy_app_fn");
    put_type::<ffi::SyStrFn>(&mut out, "sy_str_fn");
    put_type::<ffi::SyTapFn>(&mut out, "sy_tap_fn");
    put_type::<ffi::SyTapCloseFn>(&mut out, "sy_tap_close_fn");
    let defines: [(&str, i64); 17] = [
        ("SY_ABI_MAJOR", ffi::SY_ABI_MAJOR.into()),
        ("SY_ABI_MINOR", ffi::SY_ABI_MINOR.into()),
        ("SY_OK", ffi::SY_OK.into()),
        ("SY_ERROR", ffi::SY_ERROR.into()),
        ("SY_NOT_FOUND", ffi::SY_NOT_FOUND.into()),
        ("SY_IN_USE", ffi::SY_IN_USE.into()),
        ("SY_INVALID", ffi::SY_INVALID.into()),
        ("SY_EXISTS", ffi::SY_EXISTS.into()),
        ("SY_PANICKED", ffi::SY_PANICKED.into()),
        ("SY_LOG_ERROR", ffi::SY_LOG_ERROR.into()),
        ("SY_LOG_WARNING", ffi::SY_LOG_WARNING.into()),
        ("SY_LOG_NOTICE", ffi::SY_LOG_NOTICE.into()),
        ("SY_LOG_INFO", ffi::SY_LOG_INFO.into()),
        ("SY_LOG_DEBUG", ffi::SY_LOG_DEBUG.into()),
        ("SY_TAP_READ", ffi::SY_TAP_READ.into()),
        ("SY_TAP_WRITE", ffi::SY_TAP_WRITE.into()),
        ("SY_TAP_REPLACE", ffi::SY_TAP_REPLACE.into()),
    ];
    for (name, value) in defines {
        out.insert(name.to_owned(), value);
    }
    out
}

/// One minor's recorded table as a map, refusing a key recorded twice.
fn table(rows: &[(&str, i64)]) -> BTreeMap<String, i64> {
    let mut table = BTreeMap::new();
    for (key, value) in rows {
        assert!(
            table.insert((*key).to_owned(), *value).is_none(),
            "{key} recorded twice"
        );
    }
    table
}

/// The current ABI: every minor's table laid over the previous ones. A later
/// minor may restate only the [`GROWING`] keys.
fn frozen() -> BTreeMap<String, i64> {
    let mut merged = BTreeMap::new();
    for (minor, rows, _) in MINORS {
        for (key, value) in table(rows) {
            if let Some(earlier) = merged.insert(key.clone(), value) {
                assert!(
                    GROWING.contains(&key.as_str()),
                    "{minor} restates {key} (recorded as {earlier}, now {value}): a released \
                     layout or constant never changes"
                );
            }
        }
    }
    merged
}

/// Lists the keys whose values differ between two maps (or that one lacks).
fn differences(left: &BTreeMap<String, i64>, right: &BTreeMap<String, i64>) -> Vec<String> {
    let keys: std::collections::BTreeSet<&String> = left.keys().chain(right.keys()).collect();
    keys.into_iter()
        .filter(|key| left.get(*key) != right.get(*key))
        .map(|key| format!("{key}: {:?} vs {:?}", left.get(key), right.get(key)))
        .collect()
}

#[test]
fn c_layout_matches_the_frozen_table() {
    let (c, symbol) = c_layout();
    assert_eq!(symbol, FROZEN_SYMBOL);
    let frozen = frozen();
    if cfg!(target_pointer_width = "64") {
        let diff = differences(&c, &frozen);
        assert!(
            diff.is_empty(),
            "the C layout of switchyard.h differs from the frozen ABI table \
             (C vs recorded). A released layout must never change: append new \
             host functions at the end of sy_host_api and bump SY_ABI_MINOR.\n{}",
            diff.join("\n")
        );
    } else {
        // The table records LP64; elsewhere only the C/Rust agreement is checked.
        assert_eq!(
            c.keys().collect::<Vec<_>>(),
            frozen.keys().collect::<Vec<_>>()
        );
    }
}

#[test]
fn rust_mirror_matches_the_c_header() {
    let (c, symbol) = c_layout();
    assert_eq!(symbol, ffi::SY_MODULE_SYMBOL);
    let rust = rust_layout();
    let diff = differences(&rust, &c);
    assert!(
        diff.is_empty(),
        "src/ffi.rs disagrees with include/switchyard.h (Rust vs C):\n{}",
        diff.join("\n")
    );
    if cfg!(target_pointer_width = "64") {
        let diff = differences(&rust, &frozen());
        assert!(
            diff.is_empty(),
            "src/ffi.rs differs from the frozen ABI table (Rust vs recorded):\n{}",
            diff.join("\n")
        );
    }
}

#[test]
fn earlier_minors_are_a_prefix_of_the_current_one() {
    let (c, _) = c_layout();
    let current = frozen();
    let host_fields = STRUCTS
        .iter()
        .find(|(name, _)| *name == "sy_host_api")
        .map(|(_, fields)| *fields)
        .expect("sy_host_api listed");
    let mut previous_end = 0;
    let mut first_new = 0;
    for (minor, rows, last_field) in MINORS {
        let recorded = table(rows);
        // Everything a minor recorded, except what grows, is still exactly so
        // in the header (1.0 included: a 1.0 module sees the same bytes).
        for (key, value) in &recorded {
            if GROWING.contains(&key.as_str()) {
                continue;
            }
            assert_eq!(
                c.get(key),
                Some(value),
                "{key} differs from what ABI {minor} released"
            );
        }
        // That minor's table ended right after its last field, ...
        let size = recorded["sizeof(sy_host_api)"];
        let last = current[&format!("offsetof(sy_host_api, {last_field})")];
        assert_eq!(
            last + 8,
            size,
            "ABI {minor}: sy_host_api ends after {last_field}"
        );
        // ... every field it added lies between the previous minor's end and
        // its own, ...
        let last_index = host_fields
            .iter()
            .position(|field| field == last_field)
            .expect("last field listed");
        for field in &host_fields[first_new..=last_index] {
            let offset = current[&format!("offsetof(sy_host_api, {field})")];
            assert!(
                (previous_end..size).contains(&offset),
                "{field} of ABI {minor} lies at {offset}, outside {previous_end}..{size}"
            );
        }
        // ... and the fields after it start at that end: a `size` of an older
        // host excludes exactly the newer functions.
        if let Some(next) = host_fields.get(last_index + 1) {
            assert_eq!(
                current[&format!("offsetof(sy_host_api, {next})")],
                size,
                "the first field after ABI {minor} starts where its table ended"
            );
        }
        previous_end = size;
        first_new = last_index + 1;
    }
    assert_eq!(
        Some(&previous_end),
        c.get("sizeof(sy_host_api)"),
        "the newest minor's table is the header's"
    );
    assert_eq!(
        MINORS.len() as i64 - 1,
        c["SY_ABI_MINOR"],
        "one recorded table per minor version"
    );
}

#[test]
fn nullable_callbacks_keep_the_pointer_layout() {
    // The host table takes callbacks as Option<fn>: NULL maps to None, so the
    // parameter must stay exactly one pointer wide.
    assert_eq!(size_of::<Option<ffi::SyApiFn>>(), size_of::<ffi::SyApiFn>());
    assert_eq!(size_of::<Option<ffi::SyAppFn>>(), size_of::<ffi::SyAppFn>());
    assert_eq!(
        size_of::<Option<ffi::SyEventFn>>(),
        size_of::<ffi::SyEventFn>()
    );
    assert_eq!(size_of::<Option<ffi::SyStrFn>>(), size_of::<ffi::SyStrFn>());
    assert_eq!(size_of::<Option<ffi::SyTapFn>>(), size_of::<ffi::SyTapFn>());
    assert_eq!(
        size_of::<Option<ffi::SyTapCloseFn>>(),
        size_of::<ffi::SyTapCloseFn>()
    );
    // The last field ends exactly at the end of the table: no tail padding,
    // so `host->size` says precisely which functions exist.
    assert_eq!(
        offset_of!(SyHostApi, channel_remove_tap) + size_of::<usize>(),
        size_of::<SyHostApi>()
    );
}

/// A complete module written against the header, in C.
const C_MODULE: &str = r#"#include "switchyard.h"
#include "switchyard.h" /* the include guard must hold */

static const sy_host_api *host;
static sy_module *self;

static sy_status hello(void *user_data, sy_str args, sy_stream *out) {
    static const char reply[] = "+OK hello\n";
    sy_str text;
    (void)user_data;
    (void)args;
    text.ptr = reply;
    text.len = sizeof reply - 1;
    return host->stream_write(out, text);
}

static void on_event(void *user_data, const sy_event *event) {
    sy_str name;
    (void)user_data;
    name.ptr = "Event-Name";
    name.len = 10;
    (void)host->event_header(event, name);
}

/* 1.1: an application on its channel. */
static sy_status tone(void *user_data, sy_channel *channel, sy_str args) {
    sy_str name = {"played", 6}, yes = {"yes", 3}, none = {NULL, 0};
    char digit = 0;
    sy_status status;
    (void)user_data;
    if (host->abi_minor < 1 || !SY_HOST_HAS(host, channel_remove_tap)) {
        return SY_ERROR;
    }
    status = host->channel_answer(channel);
    if (status == SY_OK) {
        status = host->channel_play(channel, args, none, &digit);
    }
    if (status == SY_OK) {
        status = host->channel_set_variable(channel, name, yes);
    }
    return status;
}

/* 1.1: a media tap that silences what the caller hears. */
static void mute(void *user_data, uint32_t direction, sy_frame *frame) {
    size_t i;
    (void)user_data;
    if (direction == SY_TAP_WRITE) {
        for (i = 0; i < frame->samples_len; i++) {
            frame->samples[i] = 0;
        }
    }
}

static void mute_closed(void *user_data) {
    (void)user_data;
}

/* 1.1: an API command acting on a channel by UUID. */
static sy_status mute_api(void *user_data, sy_str uuid, sy_stream *out) {
    sy_channel *channel = NULL;
    uint64_t tap = 0;
    sy_status status;
    (void)user_data;
    (void)out;
    if (!SY_HOST_HAS(host, channel_locate)) {
        return SY_ERROR;
    }
    status = host->channel_locate(self, uuid, &channel);
    if (status != SY_OK) {
        return status;
    }
    status = host->channel_add_tap(self, channel, SY_TAP_WRITE | SY_TAP_REPLACE, mute,
                                   mute_closed, NULL, &tap);
    host->channel_release(channel);
    return status;
}

static sy_status load(sy_module *module, const sy_host_api *api) {
    sy_str name = {"hello", 5}, empty = {NULL, 0}, all = {"ALL", 3};
    sy_str tone_name = {"tone", 4}, mute_name = {"mute", 4};
    uint64_t id = 0;
    host = api;
    self = module;
    if (api->size < offsetof(sy_host_api, api_execute) + sizeof api->api_execute) {
        return SY_ERROR;
    }
    if (api->register_api(module, name, empty, empty, hello, NULL) != SY_OK) {
        return SY_ERROR;
    }
    if (api->abi_minor >= 1) {
        if (api->register_app(module, tone_name, empty, empty, tone, NULL) != SY_OK ||
            api->register_api(module, mute_name, empty, empty, mute_api, NULL) != SY_OK) {
            return SY_ERROR;
        }
    }
    return api->bind_event(module, all, empty, on_event, NULL, &id);
}

static sy_status unload(sy_module *module) {
    (void)module;
    host = NULL;
    self = NULL;
    return SY_OK;
}

SY_EXPORT const sy_module_descriptor switchyard_module = {
    SY_ABI_MAJOR, SY_ABI_MINOR, "mod_c_check", "1.0.0", load, unload,
};
"#;

/// The same in C++: the descriptor needs `extern "C"` to keep C linkage and
/// external linkage (a namespace-scope `const` is internal in C++).
const CXX_MODULE: &str = r#"#include "switchyard.h"

namespace {
void on_frame(void *, uint32_t, sy_frame *frame) {
    if (frame->samples_len > 0) {
        frame->samples[0] = 0;
    }
}

sy_status load(sy_module *, const sy_host_api *api) {
    if (SY_HOST_HAS(api, channel_add_tap) && api->abi_minor >= 1) {
        sy_tap_fn tap = on_frame;
        sy_tap_close_fn close = nullptr;
        (void)tap;
        (void)close;
    }
    return api->abi_major == SY_ABI_MAJOR ? SY_OK : SY_ERROR;
}
}

extern "C" SY_EXPORT const sy_module_descriptor switchyard_module = {
    SY_ABI_MAJOR, SY_ABI_MINOR, "mod_cxx_check", "1.0.0", load, nullptr,
};
"#;

fn have(tool: &str) -> bool {
    Command::new(tool)
        .arg("--version")
        .output()
        .is_ok_and(|output| output.status.success())
}

#[test]
fn header_compiles_as_strict_c99_and_cxx11() {
    let dir = scratch("strict");
    let c_source = dir.join("mod_c_check.c");
    std::fs::write(&c_source, C_MODULE).expect("write C module");
    run(Command::new("cc")
        .args([
            "-std=c99",
            "-pedantic",
            "-Wall",
            "-Wextra",
            "-Werror",
            "-fPIC",
            "-c",
            "-I",
        ])
        .arg(include_dir())
        .arg(&c_source)
        .arg("-o")
        .arg(dir.join("mod_c_check.o")));

    if have("c++") {
        let cxx_source = dir.join("mod_cxx_check.cpp");
        std::fs::write(&cxx_source, CXX_MODULE).expect("write C++ module");
        run(Command::new("c++")
            .args([
                "-std=c++11",
                "-pedantic",
                "-Wall",
                "-Wextra",
                "-Werror",
                "-fPIC",
                "-c",
                "-I",
            ])
            .arg(include_dir())
            .arg(&cxx_source)
            .arg("-o")
            .arg(dir.join("mod_cxx_check.o")));
    } else {
        eprintln!("c++ not found: skipping the C++11 compile check");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
