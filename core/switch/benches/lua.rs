//! The Lua costs every scripted call pays: a fresh fenced state with the
//! runaway guard, compiling the shipped account IVR, and running a short
//! script as a guarded coroutine.
use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use switchyard::lua::guard::{Guard, RunEnd, run};
use switchyard::lua::sandbox::{AllowedDirs, new_state};
use switchyard::lua::script;

fn bench(c: &mut Criterion) {
    let dir = std::env::temp_dir();
    let allowed = AllowedDirs::new(&dir, &[]);
    let ivr = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/account_ivr.lua"),
    )
    .expect("scripts/account_ivr.lua");
    c.bench_function("lua/state_with_guard", |b| {
        b.iter(|| {
            let lua = new_state(&allowed, &dir, 32 * 1024 * 1024).expect("state");
            let guard = Arc::new(Guard::new(Duration::from_secs(5), Duration::from_secs(5)));
            guard.install(&lua).expect("guard");
            black_box(lua)
        })
    });
    c.bench_function("lua/compile_account_ivr", |b| {
        b.iter(|| script::compile(black_box(&ivr), "account_ivr.lua").expect("compiles"))
    });
    let lua = new_state(&allowed, &dir, 32 * 1024 * 1024).expect("state");
    let guard = Arc::new(Guard::new(Duration::from_secs(5), Duration::from_secs(5)));
    guard.install(&lua).expect("guard");
    let f = lua
        .load("local digits = ... local n = 0 for i = 1, #digits do n = n * 10 + tonumber(digits:sub(i, i)) end return n")
        .into_function()
        .expect("script");
    c.bench_function("lua/run_guarded_coroutine", |b| {
        b.iter(|| match run::<i64>(&lua, &guard, f.clone(), "1234") {
            RunEnd::Returned(n) => black_box(n),
            other => panic!("{other:?}"),
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
