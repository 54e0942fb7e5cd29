//! The timing thread: one loop for every stream, pushing each chunk when its last sample
//! is due, never before.
//!
//! Sample `k` of a stream (counted across passes) has timestamp `t0 + offset + k / rate`,
//! computed from `k`, never accumulated. A chunk is due at its last sample's timestamp.
//! The loop always serves the stream whose next chunk is due first: it sleeps coarsely
//! until shortly before the deadline, then yields/spins until the clock reaches it.
//!
//! Falling behind (a busy machine, a slow disk): chunks are pushed as soon as possible,
//! late, with their true timestamps; nothing is dropped and time is never compressed.
//! Every chunk's lateness is recorded, and chunks later than
//! [`LATE_THRESHOLD`](super::stats::LATE_THRESHOLD) are counted as late.

use super::plan::Markers;
use super::prefetch::{Message, Prefetch, WireBlock};
use super::stats::StreamCounter;
use crate::error::HostError;
use crate::output::{Outlet, Values};
use crate::scenario::Repeat;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::TryRecvError;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Sleep until this long before a deadline, then wait precisely: a real-time thread
/// wakes within microseconds, an ordinary one may wake a millisecond late under load.
const SPIN_WINDOW_REALTIME: f64 = 0.00001;
const SPIN_WINDOW_NORMAL: f64 = 0.0005;
/// The real-time priority asked for the timing thread (SCHED_FIFO, 1..=99): above
/// ordinary work, below the kernel's own real-time threads.
const REALTIME_PRIORITY: i32 = 20;
/// Longest single sleep, so that a stop request is seen quickly.
const MAX_SLEEP: f64 = 0.02;
/// How often a starved stream (its prefetch behind) is polled.
const STARVED_POLL: f64 = 0.0005;
/// A stream whose reader delivers nothing for this long is stopped as failed (a plugin
/// blocked in `read`, a dead network file system): the others play on.
const STALL_TIMEOUT: f64 = 5.0;
/// How often the shared statistics are refreshed.
const SNAPSHOT_EVERY: f64 = 0.1;

/// A stream while it plays: its outlet, its schedule and what is queued for it.
pub struct Playing {
    pub(crate) outlet: Box<dyn Outlet>,
    /// The clock time of the stream's frame 0 (t0 + offset).
    pub(crate) base: f64,
    pub(crate) counter: StreamCounter,
    pub(crate) queue: Queue,
    pub(crate) done: bool,
    /// Since when (clock) the stream has been waiting for its prefetch worker, if it is.
    pub(crate) starved_since: Option<f64>,
}

/// What is queued for a stream.
pub enum Queue {
    /// Blocks from a prefetch worker.
    Prefetched {
        /// The worker's channels.
        prefetch: Prefetch,
        /// The block being pushed, and the next frame within it.
        current: Option<(WireBlock, usize)>,
    },
    /// Markers from annotations.
    Markers {
        /// Times and texts of one pass.
        events: Vec<(f64, String)>,
        /// Duration of one pass.
        period: Option<f64>,
        /// Passes to play.
        repeat: Repeat,
        /// The next event index and pass.
        next: (usize, u64),
    },
}

impl Queue {
    /// The queue of a marker stream.
    pub fn markers(markers: Markers, repeat: Repeat) -> Self {
        Queue::Markers {
            events: markers.events,
            period: markers.period,
            repeat,
            next: (0, 0),
        }
    }
}

enum Next {
    Due(f64),
    Starved,
    Done,
    Failed(HostError),
}

impl Playing {
    /// The deadline of this stream's next push, making sure a block is at hand.
    fn next(&mut self) -> Next {
        match &mut self.queue {
            Queue::Prefetched { prefetch, current } => {
                if current.is_none() {
                    match prefetch.blocks.try_recv() {
                        Ok(Message::Block(b)) => *current = Some((b, 0)),
                        Ok(Message::Failed(e)) => return Next::Failed(e),
                        Err(TryRecvError::Empty) => return Next::Starved,
                        Err(TryRecvError::Disconnected) => return Next::Done,
                    }
                }
                match current {
                    Some((block, pos)) => {
                        let last = *pos + prefetch.chunk_size.min(block.frames - *pos) - 1;
                        Next::Due(self.base + frame_time(block, last, prefetch.rate))
                    }
                    None => Next::Starved,
                }
            }
            Queue::Markers {
                events,
                period,
                repeat,
                next: (i, pass),
            } => {
                if *i >= events.len() {
                    if events.is_empty() {
                        return Next::Done;
                    }
                    *i = 0;
                    *pass += 1;
                }
                let more = match repeat {
                    Repeat::Times(n) => *pass < *n,
                    Repeat::Forever => true,
                };
                match (more, *pass, period) {
                    (false, _, _) => Next::Done,
                    (true, 0, _) => Next::Due(self.base + events[*i].0),
                    (true, p, Some(period)) => {
                        Next::Due(self.base + p as f64 * *period + events[*i].0)
                    }
                    (true, _, None) => Next::Done, // unknown length: markers play once
                }
            }
        }
    }

    /// Pushes the due chunk (whose deadline is `due`) and records its lateness.
    fn push(&mut self, due: f64, now: f64, stamps: &mut Vec<f64>) -> Result<(), HostError> {
        match &mut self.queue {
            Queue::Prefetched { prefetch, current } => {
                let Some((block, pos)) = current else {
                    return Ok(());
                };
                let frames = prefetch.chunk_size.min(block.frames - *pos);
                stamps.clear();
                stamps.extend(
                    (*pos..*pos + frames).map(|i| self.base + frame_time(block, i, prefetch.rate)),
                );
                let values = block.samples.frames(*pos, *pos + frames, prefetch.channels);
                self.outlet.push(values, stamps)?;
                *pos += frames;
                let position = stamps.last().map_or(0.0, |t| t - self.base);
                self.counter.record_chunk(frames, now - due, position);
                if *pos >= block.frames {
                    if let Some((spent, _)) = current.take() {
                        let _ = prefetch.recycle.send(spent);
                    }
                }
                Ok(())
            }
            Queue::Markers {
                events,
                next: (i, _),
                ..
            } => {
                let Some((_, text)) = events.get(*i) else {
                    return Ok(());
                };
                stamps.clear();
                stamps.push(due);
                self.outlet
                    .push(Values::Text(std::slice::from_ref(text)), stamps)?;
                *i += 1;
                self.counter.record_chunk(1, now - due, due - self.base);
                Ok(())
            }
        }
    }
}

/// The time of frame `i` of `block` relative to t0 + offset: its own stamp for stamped
/// streams, else `k / rate` with `k` counted across passes (computed, never accumulated).
fn frame_time(block: &WireBlock, i: usize, rate: f64) -> f64 {
    match block.stamps.get(i) {
        Some(&t) => t,
        None => (block.first_frame + i as u64) as f64 / rate,
    }
}

/// How punctual the timing thread could be made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Punctuality {
    /// The thread runs with real-time (SCHED_FIFO) priority: busy processes cannot delay it.
    Realtime,
    /// Ordinary scheduling (real-time priority refused, or disabled with
    /// `PLAYER_REALTIME=0`); sleeps are made precise (1 ns timer slack) where possible.
    Normal,
}

impl Punctuality {
    fn spin_window(self) -> f64 {
        match self {
            Punctuality::Realtime => SPIN_WINDOW_REALTIME,
            Punctuality::Normal => SPIN_WINDOW_NORMAL,
        }
    }
}

/// Makes the calling thread as punctual as the system permits: real-time priority when
/// allowed (root, CAP_SYS_NICE or an rtprio limit), else precise sleeps.
pub fn make_punctual() -> Punctuality {
    if std::env::var("PLAYER_REALTIME").is_ok_and(|v| v == "0") {
        return precise_sleeps();
    }
    #[cfg(target_os = "linux")]
    {
        let param = libc::sched_param {
            sched_priority: REALTIME_PRIORITY,
        };
        // SAFETY: changes only this thread's scheduling; `param` outlives the call.
        let rc =
            unsafe { libc::pthread_setschedparam(libc::pthread_self(), libc::SCHED_FIFO, &param) };
        if rc == 0 {
            return Punctuality::Realtime;
        }
    }
    precise_sleeps()
}

fn precise_sleeps() -> Punctuality {
    #[cfg(target_os = "linux")]
    // SAFETY: PR_SET_TIMERSLACK only changes this thread's timer slack.
    unsafe {
        libc::prctl(libc::PR_SET_TIMERSLACK, 1 as libc::c_ulong);
    }
    Punctuality::Normal
}

/// Waits until `clock()` reaches `deadline` or `stop` is set; returns the clock reading.
pub fn wait_until(
    clock: &dyn Fn() -> f64,
    deadline: f64,
    stop: &AtomicBool,
    punctuality: Punctuality,
) -> f64 {
    let window = punctuality.spin_window();
    loop {
        let now = clock();
        let remaining = deadline - now;
        if remaining <= 0.0 || stop.load(Ordering::Relaxed) {
            return now;
        }
        if remaining > window {
            std::thread::sleep(Duration::from_secs_f64((remaining - window).min(MAX_SLEEP)));
        } else {
            // Spin (not yield: under load a yield can give the CPU away for a whole
            // scheduler slice, milliseconds).
            std::hint::spin_loop();
        }
    }
}

/// Runs every stream to its end (or until `stop`), refreshing `shared` statistics.
pub fn run(
    streams: &mut [Playing],
    clock: &dyn Fn() -> f64,
    stop: &AtomicBool,
    shared: &Arc<Mutex<Vec<super::stats::StreamStats>>>,
    paced: bool,
) {
    let punctuality = if paced {
        make_punctual()
    } else {
        Punctuality::Normal
    };
    let mut stamps = Vec::new();
    let mut last_snapshot = f64::NEG_INFINITY;
    loop {
        if stop.load(Ordering::Relaxed) {
            break;
        }
        let mut best: Option<(usize, f64)> = None;
        let mut starved = false;
        let now = clock();
        for (i, stream) in streams.iter_mut().enumerate() {
            if stream.done {
                continue;
            }
            let next = stream.next();
            if !matches!(next, Next::Starved) {
                stream.starved_since = None;
            }
            match next {
                Next::Due(t) => {
                    if best.is_none_or(|(_, b)| t < b) {
                        best = Some((i, t));
                    }
                }
                Next::Starved => match stream.starved_since {
                    Some(since) if now - since > STALL_TIMEOUT => fail(
                        stream,
                        HostError::Stalled {
                            seconds: STALL_TIMEOUT,
                        },
                    ),
                    Some(_) => starved = true,
                    None => {
                        stream.starved_since = Some(now);
                        starved = true;
                    }
                },
                Next::Done => {
                    stream.done = true;
                    stream.counter.stats.finished = true;
                }
                Next::Failed(e) => fail(stream, e),
            }
        }
        let now = clock();
        if now - last_snapshot >= SNAPSHOT_EVERY {
            publish(streams, shared);
            last_snapshot = now;
        }
        let Some((i, due)) = best else {
            if !starved {
                break; // every stream is done
            }
            std::thread::sleep(Duration::from_secs_f64(STARVED_POLL));
            continue;
        };
        if paced && starved && due - now > STARVED_POLL {
            // Another stream is waiting for data whose deadline may come first: look again soon.
            wait_until(clock, now + STARVED_POLL, stop, punctuality);
            continue;
        }
        let now = if paced {
            let now = wait_until(clock, due, stop, punctuality);
            if now < due {
                break; // stopped while waiting
            }
            now
        } else {
            due // unpaced: every chunk counts as on time
        };
        let stream = &mut streams[i];
        if let Err(e) = stream.push(due, now, &mut stamps) {
            fail(stream, e);
        }
    }
    publish(streams, shared);
}

fn fail(stream: &mut Playing, e: HostError) {
    stream.done = true;
    stream.counter.stats.error = Some(e.to_string());
}

fn publish(streams: &[Playing], shared: &Arc<Mutex<Vec<super::stats::StreamStats>>>) {
    if let Ok(mut s) = shared.lock() {
        s.clear();
        s.extend(streams.iter().map(|l| l.counter.snapshot()));
    }
}
