//! Media threads: each owns an epoll set (mio) of its legs' RTP and RTCP
//! sockets and runs their tasks: datagrams as they come, commands from
//! the B2BUA and session threads, and each leg's timers (packet clock,
//! DTMF, RTCP). A busy thread goes round at most every [`PACE`], so one
//! wake-up serves many legs' packets instead of one; the pause is below a
//! packet time, so nothing waits a frame for it.

use super::task::{LegCommand, LegTask};
use mio::unix::SourceFd;
use mio::{Events, Interest, Poll, Registry, Token, Waker};
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::io;
use std::os::fd::AsRawFd;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The shortest round of a busy media thread.
const PACE: Duration = Duration::from_millis(2);

/// Datagrams read from one socket per round (a flood on one socket cannot
/// hold up the others; the rest waits for the next round).
const READS_PER_ROUND: usize = 64;

/// The token of the thread's waker (leg sockets use `id * 2` and `id * 2 + 1`).
const WAKER: Token = Token(usize::MAX);

/// What the thread is sent.
pub(crate) enum Envelope {
    /// A new leg, its sockets already registered.
    Start(u64, Box<LegTask>),
    /// A command for a leg.
    Command(u64, LegCommand),
}

/// How the rest of the switch reaches one leg's task.
#[derive(Clone)]
pub(crate) struct LegControl {
    id: u64,
    thread: Arc<ThreadLink>,
}

impl LegControl {
    /// Sends a command to the leg; false when its thread is gone.
    pub fn send(&self, command: LegCommand) -> bool {
        self.thread.send(Envelope::Command(self.id, command))
    }
}

/// One media thread, as seen from outside.
pub(crate) struct ThreadLink {
    envelopes: crossbeam_channel::Sender<Envelope>,
    waker: Waker,
    registry: Registry,
}

impl std::fmt::Debug for ThreadLink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ThreadLink")
    }
}

impl std::fmt::Debug for LegControl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "LegControl({})", self.id)
    }
}

impl ThreadLink {
    fn send(&self, envelope: Envelope) -> bool {
        let sent = self.envelopes.send(envelope).is_ok();
        let _ = self.waker.wake();
        sent
    }

    /// Hands a leg to the thread: registers its sockets and queues it.
    pub fn start(self: &Arc<Self>, id: u64, task: LegTask) -> io::Result<LegControl> {
        let rtp = task.shared.socket.as_raw_fd();
        let rtcp = task.rtcp.as_raw_fd();
        let base = usize::try_from(id)
            .ok()
            .and_then(|id| id.checked_mul(2))
            .ok_or_else(|| io::Error::other("media leg ids ran out"))?;
        self.registry
            .register(&mut SourceFd(&rtp), Token(base), Interest::READABLE)?;
        if let Err(e) =
            self.registry
                .register(&mut SourceFd(&rtcp), Token(base + 1), Interest::READABLE)
        {
            let _ = self.registry.deregister(&mut SourceFd(&rtp));
            return Err(e);
        }
        self.send(Envelope::Start(id, Box::new(task)));
        Ok(LegControl {
            id,
            thread: Arc::clone(self),
        })
    }
}

/// Starts a media thread named `name`.
pub(crate) fn spawn(name: String) -> io::Result<Arc<ThreadLink>> {
    let poll = Poll::new()?;
    let waker = Waker::new(poll.registry(), WAKER)?;
    let registry = poll.registry().try_clone()?;
    let (envelopes, inbox) = crossbeam_channel::unbounded();
    std::thread::Builder::new()
        .name(name)
        .spawn(move || run(poll, inbox))?;
    Ok(Arc::new(ThreadLink {
        envelopes,
        waker,
        registry,
    }))
}

/// The thread: a round is wait, read, commands, timers.
fn run(mut poll: Poll, inbox: crossbeam_channel::Receiver<Envelope>) {
    let mut legs: HashMap<u64, LegTask> = HashMap::new();
    let mut timers: BinaryHeap<Reverse<(Instant, u64)>> = BinaryHeap::new();
    let mut events = Events::with_capacity(1024);
    let mut unfinished: Vec<(u64, bool)> = Vec::new();
    let mut packet = [0u8; 2048];
    let mut report = [0u8; 1500];
    loop {
        let round = Instant::now();
        let timeout = if unfinished.is_empty() {
            timers
                .peek()
                .map(|Reverse((at, _))| at.saturating_duration_since(round))
        } else {
            Some(Duration::ZERO)
        };
        if let Err(e) = poll.poll(&mut events, timeout)
            && e.kind() != io::ErrorKind::Interrupted
        {
            tracing::error!("media thread: {e}");
            std::thread::sleep(PACE);
        }
        let now = Instant::now();
        let mut work: Vec<(u64, bool)> = std::mem::take(&mut unfinished);
        for event in events.iter() {
            if event.token() == WAKER {
                continue;
            }
            let token = event.token().0;
            work.push(((token / 2) as u64, token % 2 == 1));
        }
        for (id, rtcp) in work {
            let Some(leg) = legs.get_mut(&id) else {
                continue;
            };
            let more = if rtcp {
                leg.drain_rtcp(&mut report, READS_PER_ROUND)
            } else {
                leg.drain_rtp(&mut packet, now, READS_PER_ROUND)
            };
            if more {
                unfinished.push((id, rtcp));
            }
            rearm(leg, id, &mut timers);
        }
        loop {
            match inbox.try_recv() {
                Ok(Envelope::Start(id, task)) => {
                    let mut task = *task;
                    rearm(&mut task, id, &mut timers);
                    legs.insert(id, task);
                }
                Ok(Envelope::Command(id, LegCommand::Stop)) => {
                    if let Some(mut leg) = legs.remove(&id) {
                        let _ = poll
                            .registry()
                            .deregister(&mut SourceFd(&leg.shared.socket.as_raw_fd()));
                        let _ = poll
                            .registry()
                            .deregister(&mut SourceFd(&leg.rtcp.as_raw_fd()));
                        leg.stop();
                    }
                }
                Ok(Envelope::Command(id, command)) => {
                    if let Some(leg) = legs.get_mut(&id) {
                        leg.apply(command);
                        rearm(leg, id, &mut timers);
                    }
                }
                Err(_) => break,
            }
        }
        let now = Instant::now();
        while let Some(&Reverse((at, id))) = timers.peek() {
            if at > now {
                break;
            }
            timers.pop();
            let Some(leg) = legs.get_mut(&id) else {
                continue;
            };
            if leg.armed != Some(at) {
                // Superseded by a later deadline.
                continue;
            }
            leg.armed = None;
            leg.on_timer(now);
            rearm(leg, id, &mut timers);
        }
        if !events.is_empty() || !unfinished.is_empty() {
            let spent = round.elapsed();
            if spent < PACE {
                std::thread::sleep(PACE - spent);
            }
        }
    }
}

/// Queues the leg's next deadline when it moved.
fn rearm(leg: &mut LegTask, id: u64, timers: &mut BinaryHeap<Reverse<(Instant, u64)>>) {
    let wake = leg.next_wake();
    if leg.armed != Some(wake) {
        leg.armed = Some(wake);
        timers.push(Reverse((wake, id)));
    }
}
