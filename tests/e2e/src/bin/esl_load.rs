//! `esl_load`: a load generator for the event socket (not a test).
//!
//! ```text
//! esl_load api    --port P --password X [--clients N] [--seconds S] [--command status]
//! esl_load events --port P --password X [--subscribers N] [--firers F] [--seconds S] [--rate R]
//! ```
//!
//! `api`: N connections each run `api COMMAND` in a loop for S seconds;
//! prints calls per second and latency percentiles.
//!
//! `events`: N subscribers listen to `CUSTOM esl_load::tick`; F connections
//! fire such events with `sendevent` for S seconds (pipelined, at most
//! [`FIRE_WINDOW`] replies outstanding), as fast as they can or paced to R
//! events per second in all; the subscribers count what they receive until
//! nothing more arrives. Prints fired/s, delivered/s and loss.
//!
//! Everything runs against 127.0.0.1 and stops by itself.

use std::collections::HashMap;
use std::env;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use switchyard_e2e::EslClient;
use switchyard_e2e::esl::sendevent_wire;

/// Sendevent commands a firer may have sent before reading their replies.
const FIRE_WINDOW: usize = 64;
/// The CUSTOM subclass the generator fires.
const TICK_SUBCLASS: &str = "esl_load::tick";
/// Longest run accepted (keeps every run bounded).
const MAX_SECONDS: u64 = 600;
/// After firing stops, subscribers stop once nothing arrived for this long.
const DRAIN_QUIET: Duration = Duration::from_secs(2);
/// ... or at the latest after this long.
const DRAIN_MAX: Duration = Duration::from_secs(30);

fn main() -> ExitCode {
    let args: Vec<String> = env::args().skip(1).collect();
    let Some(mode) = args.first().cloned() else {
        eprintln!("{}", usage());
        return ExitCode::from(2);
    };
    let options = match Options::parse(&args[1..]) {
        Ok(options) => options,
        Err(message) => {
            eprintln!("esl_load: {message}\n{}", usage());
            return ExitCode::from(2);
        }
    };
    let outcome = match mode.as_str() {
        "api" => run_api(&options),
        "events" => run_events(&options),
        _ => Err(format!("unknown mode {mode:?}")),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("esl_load: {message}");
            ExitCode::FAILURE
        }
    }
}

fn usage() -> &'static str {
    "usage: esl_load api --port P --password X [--clients N] [--seconds S] [--command status]\n       \
     esl_load events --port P --password X [--subscribers N] [--firers F] [--seconds S] [--rate R]"
}

/// Command-line options shared by both modes.
#[derive(Debug, Clone)]
struct Options {
    port: u16,
    password: String,
    clients: usize,
    subscribers: usize,
    firers: usize,
    /// Events per second to fire in all; 0 = as fast as possible.
    rate: u64,
    seconds: u64,
    command: String,
}

impl Options {
    fn parse(args: &[String]) -> Result<Options, String> {
        let mut values: HashMap<&str, &str> = HashMap::new();
        let mut iter = args.iter();
        while let Some(flag) = iter.next() {
            let name = flag
                .strip_prefix("--")
                .ok_or_else(|| format!("unexpected argument {flag:?}"))?;
            let value = iter
                .next()
                .ok_or_else(|| format!("--{name} needs a value"))?;
            values.insert(name, value);
        }
        let number = |name: &str, default: u64| -> Result<u64, String> {
            values.get(name).map_or(Ok(default), |value| {
                value
                    .parse()
                    .map_err(|_| format!("--{name} must be a number, got {value:?}"))
            })
        };
        let port = values
            .get("port")
            .ok_or("--port is required")?
            .parse()
            .map_err(|_| "--port must be a port number".to_string())?;
        let password = values
            .get("password")
            .ok_or("--password is required")?
            .to_string();
        let seconds = number("seconds", 10)?;
        if seconds == 0 || seconds > MAX_SECONDS {
            return Err(format!("--seconds must be 1..={MAX_SECONDS}"));
        }
        Ok(Options {
            port,
            password,
            clients: number("clients", 4)?.max(1) as usize,
            subscribers: number("subscribers", 10)?.max(1) as usize,
            firers: number("firers", 1)?.max(1) as usize,
            rate: number("rate", 0)?,
            seconds,
            command: values.get("command").unwrap_or(&"status").to_string(),
        })
    }
}

/// `api` mode: N clients, each `api COMMAND` in a loop.
fn run_api(options: &Options) -> Result<(), String> {
    let duration = Duration::from_secs(options.seconds);
    let mut clients = Vec::new();
    for _ in 0..options.clients {
        clients.push(connect(options)?);
    }
    let started = Instant::now();
    let deadline = started + duration;
    let workers: Vec<_> = clients
        .into_iter()
        .map(|mut client| {
            let command = options.command.clone();
            thread::spawn(move || {
                let mut latencies = Vec::new();
                let mut errors = 0u64;
                while Instant::now() < deadline {
                    let call = Instant::now();
                    match client.api(&command) {
                        Ok(body) if !body.starts_with("-ERR") => {
                            latencies.push(call.elapsed());
                        }
                        Ok(_) => errors += 1,
                        Err(_) => {
                            errors += 1;
                            break;
                        }
                    }
                }
                (latencies, errors)
            })
        })
        .collect();
    let mut latencies = Vec::new();
    let mut errors = 0;
    for worker in workers {
        let (mut mine, failed) = worker.join().map_err(|_| "a client thread panicked")?;
        latencies.append(&mut mine);
        errors += failed;
    }
    let elapsed = started.elapsed().as_secs_f64();
    latencies.sort();
    println!(
        "api command={:?} clients={} seconds={:.1}",
        options.command, options.clients, elapsed
    );
    println!("api calls={} errors={}", latencies.len(), errors);
    println!(
        "api calls_per_second={:.0}",
        latencies.len() as f64 / elapsed
    );
    println!(
        "api latency_us p50={} p99={} max={}",
        percentile_us(&latencies, 0.50),
        percentile_us(&latencies, 0.99),
        percentile_us(&latencies, 1.0)
    );
    Ok(())
}

/// `events` mode: F firers, N subscribers.
fn run_events(options: &Options) -> Result<(), String> {
    let run_id = format!(
        "{}-{}",
        std::process::id(),
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|elapsed| elapsed.as_millis())
            .unwrap_or(0)
    );
    let firing_done = Arc::new(AtomicBool::new(false));
    let mut subscriber_threads = Vec::new();
    for _ in 0..options.subscribers {
        let mut client = connect(options)?;
        let reply = client
            .subscribe(&format!("plain CUSTOM {TICK_SUBCLASS}"))
            .map_err(|err| format!("subscribe: {err}"))?;
        if !reply.reply_text().starts_with("+OK") {
            return Err(format!("subscription refused: {reply:?}"));
        }
        let firing_done = Arc::clone(&firing_done);
        let run_id = run_id.clone();
        subscriber_threads.push(thread::spawn(move || {
            count_ticks(&mut client, &run_id, &firing_done)
        }));
    }

    let fired = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let deadline = started + Duration::from_secs(options.seconds);
    let mut firer_threads = Vec::new();
    for firer in 0..options.firers {
        let mut client = connect(options)?;
        let fired = Arc::clone(&fired);
        let run_id = run_id.clone();
        let batch_interval = (options.rate > 0).then(|| {
            Duration::from_secs_f64(
                FIRE_WINDOW as f64 * options.firers as f64 / options.rate as f64,
            )
        });
        firer_threads.push(thread::spawn(move || {
            fire_ticks(
                &mut client,
                firer,
                &run_id,
                deadline,
                batch_interval,
                &fired,
            )
        }));
    }
    let mut fire_errors = 0u64;
    for firer in firer_threads {
        fire_errors += firer.join().map_err(|_| "a firer thread panicked")?;
    }
    let fire_elapsed = started.elapsed().as_secs_f64();
    firing_done.store(true, Ordering::Relaxed);
    let mut delivered = Vec::new();
    let mut last_arrival = started;
    for subscriber in subscriber_threads {
        let (count, last) = subscriber
            .join()
            .map_err(|_| "a subscriber thread panicked")?;
        delivered.push(count);
        last_arrival = last_arrival.max(last.unwrap_or(started));
    }
    let deliver_elapsed = (last_arrival - started).as_secs_f64().max(f64::EPSILON);

    let fired = fired.load(Ordering::Relaxed);
    let total: u64 = delivered.iter().sum();
    let expected = fired * options.subscribers as u64;
    println!(
        "events subscribers={} firers={} rate={} seconds={:.1}",
        options.subscribers,
        options.firers,
        if options.rate == 0 {
            "max".to_string()
        } else {
            options.rate.to_string()
        },
        fire_elapsed
    );
    println!(
        "events fired={} fired_per_second={:.0} fire_errors={}",
        fired,
        fired as f64 / fire_elapsed,
        fire_errors
    );
    println!(
        "events delivered={} delivered_per_second={:.0} (until the last arrived: {:.1}s)",
        total,
        total as f64 / deliver_elapsed,
        deliver_elapsed
    );
    println!(
        "events per_subscriber min={} max={} lost={} ({:.2}%)",
        delivered.iter().min().copied().unwrap_or(0),
        delivered.iter().max().copied().unwrap_or(0),
        expected.saturating_sub(total),
        if expected == 0 {
            0.0
        } else {
            100.0 * expected.saturating_sub(total) as f64 / expected as f64
        }
    );
    Ok(())
}

/// Fires ticks until `deadline`, pipelining up to [`FIRE_WINDOW`]
/// `sendevent`s, one batch per `batch_interval` when given; returns the
/// number of failed ones.
fn fire_ticks(
    client: &mut EslClient,
    firer: usize,
    run_id: &str,
    deadline: Instant,
    batch_interval: Option<Duration>,
    fired: &AtomicU64,
) -> u64 {
    let firer = firer.to_string();
    let mut sequence = 0u64;
    let mut errors = 0u64;
    let mut next_batch = Instant::now();
    while Instant::now() < deadline {
        if let Some(interval) = batch_interval {
            let now = Instant::now();
            if next_batch > now {
                thread::sleep(next_batch - now);
            }
            next_batch += interval;
        }
        let mut batch = Vec::new();
        for _ in 0..FIRE_WINDOW {
            sequence += 1;
            let sequence_text = sequence.to_string();
            batch.extend_from_slice(&sendevent_wire(
                "CUSTOM",
                &[
                    ("Event-Subclass", TICK_SUBCLASS),
                    ("Load-Run", run_id),
                    ("Load-Firer", &firer),
                    ("Load-Seq", &sequence_text),
                ],
                None,
            ));
        }
        if client.send_raw(&batch).is_err() {
            return errors + FIRE_WINDOW as u64;
        }
        for _ in 0..FIRE_WINDOW {
            match client.read_frame(Duration::from_secs(30)) {
                Ok(frame) if frame.reply_text().starts_with("+OK") => {
                    fired.fetch_add(1, Ordering::Relaxed);
                }
                Ok(frame) if frame.content_type() == "command/reply" => errors += 1,
                Ok(_) => {} // not a reply (the firer subscribes to nothing)
                Err(_) => return errors + 1,
            }
        }
    }
    errors
}

/// Counts this run's ticks until firing is over and the stream went quiet;
/// returns the count and when the last tick arrived.
fn count_ticks(
    client: &mut EslClient,
    run_id: &str,
    firing_done: &AtomicBool,
) -> (u64, Option<Instant>) {
    let mut count = 0u64;
    let mut last_arrival = None;
    let mut drain_started: Option<Instant> = None;
    loop {
        if firing_done.load(Ordering::Relaxed) {
            let since = *drain_started.get_or_insert_with(Instant::now);
            if since.elapsed() > DRAIN_MAX {
                return (count, last_arrival);
            }
        }
        let wait = if firing_done.load(Ordering::Relaxed) {
            DRAIN_QUIET
        } else {
            Duration::from_millis(200)
        };
        match client.next_event(wait) {
            Ok(event) if event.header("Load-Run") == Some(run_id) => {
                count += 1;
                last_arrival = Some(Instant::now());
            }
            Ok(_) => {}
            Err(err) if err.kind() == std::io::ErrorKind::TimedOut => {
                if firing_done.load(Ordering::Relaxed) && drain_started.is_some() {
                    return (count, last_arrival);
                }
            }
            Err(_) => return (count, last_arrival),
        }
    }
}

fn connect(options: &Options) -> Result<EslClient, String> {
    EslClient::connect_and_auth(options.port, &options.password)
        .map_err(|err| format!("connect to 127.0.0.1:{}: {err}", options.port))
}

/// The `fraction` percentile of sorted latencies, in microseconds.
fn percentile_us(sorted: &[Duration], fraction: f64) -> u128 {
    if sorted.is_empty() {
        return 0;
    }
    let index = ((sorted.len() - 1) as f64 * fraction).round() as usize;
    sorted[index].as_micros()
}
