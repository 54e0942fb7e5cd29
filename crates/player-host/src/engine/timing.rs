//! The timing thread: one loop for every stream, pushing each chunk when its last sample
//! is due, never before.
//!
//! # The timing model
//!
//! * The engine keeps a **replay position** p: seconds on the scenario's timeline, 0 at
//!   t0, advancing at `speed` while playing and standing still while paused
//!   ([`Timeline`]). Sample k of a stream is due when the
//!   position reaches `offset + k / rate` (its own recorded time for stamped streams),
//!   k counted across passes.
//! * **LSL timestamps are the clock times at which samples are due**, as a live device
//!   would stamp them: they never go backwards, and at speed 1 with no pause or seek they
//!   are exactly `t0 + offset + k / rate`, computed from k, never accumulated. A pause
//!   leaves a gap in time; a seek changes the data, not the clock; at speed s,
//!   consecutive timestamps are `1 / (rate × s)` apart. The nominal rate announced stays
//!   the file's.
//! * A chunk is pushed when its **last** sample is due, never early. Requests (pause,
//!   seek, speed) are applied between two pushes, so they take effect at a chunk boundary
//!   (with chunk 1, at the next sample).
//! * Markers follow the data: a seek skips the annotations it jumps over and plays those
//!   ahead at their samples' times; none is duplicated or shifted.
//!
//! The loop always serves the stream whose next chunk is due first: it sleeps coarsely
//! until shortly before the deadline, then spins until the clock reaches it.
//!
//! Falling behind (a busy machine, a slow disk): chunks are pushed as soon as possible,
//! late, with their true timestamps; nothing is dropped and time is never compressed.
//! Every chunk's lateness is recorded, and chunks later than
//! [`LATE_THRESHOLD`](super::stats::LATE_THRESHOLD) are counted as late.

use super::control::{PlayState, Refusal, Status};
use super::plan::Markers;
use super::prefetch::{Message, Prefetch, WireBlock};
use super::punctual::{make_ordinary, make_punctual, Punctuality};
use super::stats::{publish_all, Publisher, StreamCounter, SNAPSHOT_EVERY};
use super::steering::{Request, Shared, Timeline};
use crate::error::HostError;
use crate::scenario::Repeat;
use crate::transport::{Outlet, Values};
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::TryRecvError;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Longest single sleep, so that a stop request is seen quickly (requests end a sleep at
/// once).
const MAX_SLEEP: f64 = 0.02;
/// How often a starved stream (its prefetch behind) is polled.
const STARVED_POLL: f64 = 0.0005;
/// A stream whose reader delivers nothing for this long is stopped as failed (a plugin
/// blocked in `read`, a dead network file system): the others play on.
const STALL_TIMEOUT: f64 = 5.0;

/// A stream while it plays: its outlet, its schedule and what is queued for it.
pub struct Playing {
    pub(crate) outlet: Box<dyn Outlet>,
    /// Seconds after t0 of the stream's time 0 on the scenario's timeline.
    pub(crate) offset: f64,
    /// The timeline it follows (the clock time at which each of its samples is due).
    pub(crate) timeline: Timeline,
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
                while current.is_none() {
                    match prefetch.blocks.try_recv() {
                        Ok(Message::Block(b)) if b.epoch == prefetch.epoch => {
                            *current = Some((b, 0))
                        }
                        Ok(Message::Block(stale)) => prefetch.give_back(stale),
                        Ok(Message::End(epoch)) if epoch == prefetch.epoch => return Next::Done,
                        Ok(Message::End(_)) => {}
                        Ok(Message::Failed(e)) => return Next::Failed(e),
                        Err(TryRecvError::Empty) => return Next::Starved,
                        Err(TryRecvError::Disconnected) => return Next::Done,
                    }
                }
                match current {
                    Some((block, pos)) => {
                        let last = *pos + prefetch.chunk_size.min(block.frames - *pos) - 1;
                        Next::Due(self.timeline.due(
                            self.offset,
                            frame_time(block, last, prefetch.rate),
                            0.0,
                        ))
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
                let (tl, offset) = (&self.timeline, self.offset);
                match (more, *pass, period) {
                    (false, _, _) => Next::Done,
                    (true, 0, _) => Next::Due(tl.due(offset, events[*i].0, 0.0)),
                    (true, p, Some(period)) => {
                        Next::Due(tl.due(offset, p as f64 * *period, events[*i].0))
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
                let (tl, offset) = (&self.timeline, self.offset);
                stamps.extend(
                    (*pos..*pos + frames)
                        .map(|i| tl.due(offset, frame_time(block, i, prefetch.rate), 0.0)),
                );
                let values = block.samples.frames(*pos, *pos + frames, prefetch.channels);
                self.outlet.push(values, stamps)?;
                *pos += frames;
                let position = frame_time(block, *pos - 1, prefetch.rate);
                self.counter.record_chunk(frames, now - due, position);
                if *pos >= block.frames {
                    if let Some((spent, _)) = current.take() {
                        prefetch.give_back(spent);
                    }
                }
                Ok(())
            }
            Queue::Markers {
                events,
                period,
                next: (i, pass),
                ..
            } => {
                let Some((t, text)) = events.get(*i) else {
                    return Ok(());
                };
                stamps.clear();
                stamps.push(due);
                self.outlet
                    .push(Values::Text(std::slice::from_ref(text)), stamps)?;
                *i += 1;
                let position = period.map_or(0.0, |p| p * *pass as f64) + t;
                self.counter.record_chunk(1, now - due, position);
                Ok(())
            }
        }
    }
}

impl Playing {
    /// Follows a new timeline (a pause, resume, seek or speed change).
    fn follow(&mut self, timeline: &Timeline) {
        self.timeline = timeline.clone();
    }

    /// Goes to the scenario position `position`: the stream's time `position - offset`
    /// (before its start: from the start). What was queued is dropped.
    fn seek(&mut self, position: f64) {
        let to = position - self.offset;
        self.done = false;
        self.starved_since = None;
        self.counter.stats.finished = false;
        match &mut self.queue {
            Queue::Prefetched { prefetch, current } => {
                if let Some((spent, _)) = current.take() {
                    prefetch.give_back(spent);
                }
                if !prefetch.seek(to) {
                    self.done = true; // the worker is gone (it failed)
                }
            }
            Queue::Markers {
                events,
                period,
                next,
                ..
            } => {
                let to = to.max(0.0);
                let pass = match period {
                    Some(p) if *p > 0.0 => (to / *p).floor() as u64,
                    _ => 0,
                };
                let within = to - period.unwrap_or(0.0) * pass as f64;
                *next = (events.partition_point(|(t, _)| *t < within), pass);
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

/// The longest the start waits for the streams' first blocks ([`prime`]).
const PRIME_TIMEOUT: f64 = STALL_TIMEOUT;

/// Waits until every stream has its first block at hand (or is done), at most
/// [`PRIME_TIMEOUT`], or until `stop` is set: so that t0, taken after, does not fall
/// before the prefetch of many streams (10 000 files are opened and read on a pool of
/// one thread per core) has anything to push. A stream still without data after the
/// bound plays when its data comes, as a stalled one would.
pub fn prime(streams: &mut [Playing], clock: &dyn Fn() -> f64, stop: &AtomicBool) {
    let deadline = clock() + PRIME_TIMEOUT;
    let mut agenda = Agenda::default();
    agenda.rebuild(streams, clock());
    while !agenda.starved.is_empty() && clock() < deadline && !stop.load(Ordering::Relaxed) {
        std::thread::sleep(Duration::from_secs_f64(STARVED_POLL));
        agenda.poll_starved(streams, clock());
    }
}

/// Waits until `clock()` reaches `deadline`, the run stops or a request comes; returns
/// the clock reading.
fn wait_until(
    clock: &dyn Fn() -> f64,
    deadline: f64,
    schedule: &Schedule<'_>,
    punctuality: Punctuality,
) -> f64 {
    let window = punctuality.spin_window();
    loop {
        let now = clock();
        let remaining = deadline - now;
        if remaining <= 0.0
            || schedule.stop.load(Ordering::Relaxed)
            || schedule.steering.pending.load(Ordering::Relaxed)
        {
            return now;
        }
        if remaining > window {
            // Parked, not slept: a request (Controller::ask) unparks the thread at once.
            std::thread::park_timeout(Duration::from_secs_f64((remaining - window).min(MAX_SLEEP)));
        } else {
            // Spin (not yield: under load a yield can give the CPU away for a whole
            // scheduler slice, milliseconds).
            std::hint::spin_loop();
        }
    }
}

/// Where the schedule reports what the user did: the event's text and its clock time.
pub type EventSink<'a> = dyn FnMut(&str, f64) + 'a;

/// What the schedule needs besides the streams.
pub struct Schedule<'a> {
    /// The clock.
    pub clock: &'a dyn Fn() -> f64,
    /// Set to end the run.
    pub stop: &'a AtomicBool,
    /// Statistics shared with the player.
    pub stats: &'a Arc<Mutex<Vec<super::stats::StreamStats>>>,
    /// Requests and status shared with the controllers.
    pub steering: &'a Shared,
    /// Whether to wait for deadlines (false: push as fast as possible).
    pub paced: bool,
    /// The duration of one pass of the scenario, and the passes (`None`: forever).
    pub duration: Option<f64>,
    /// How many passes (`None`: forever).
    pub passes: Option<u64>,
    /// Publishes what the user did (the control-events stream), if asked.
    pub events: Option<&'a mut EventSink<'a>>,
}

/// Runs every stream to its end (or until `stop`), following the timeline that starts at
/// `t0` and the requests that move it, refreshing the shared statistics and status.
pub fn run(streams: &mut [Playing], t0: f64, mut schedule: Schedule<'_>) {
    let (clock, stop, paced) = (schedule.clock, schedule.stop, schedule.paced);
    let punctuality = if paced {
        make_punctual()
    } else {
        Punctuality::Normal
    };
    if let Ok(mut t) = schedule.steering.timing_thread.lock() {
        *t = Some(std::thread::current());
    }
    let mut timeline = Timeline::starting_at(t0);
    for stream in streams.iter_mut() {
        stream.follow(&timeline);
    }
    let mut stamps = Vec::new();
    let mut last_status = f64::NEG_INFINITY;
    let mut publisher = Publisher::new();
    let mut agenda = Agenda::default();
    agenda.rebuild(streams, clock());
    loop {
        if stop.load(Ordering::Relaxed) {
            break;
        }
        if schedule.steering.pending.load(Ordering::Relaxed) {
            timeline = apply_requests(streams, timeline, &mut schedule);
            agenda.rebuild(streams, clock());
        }
        let now = clock();
        if timeline.paused {
            publish_status(&schedule, &timeline, now);
            idle(&schedule, now + MAX_SLEEP);
            continue;
        }
        agenda.poll_starved(streams, now);
        let (best, starved) = (agenda.first(), !agenda.starved.is_empty());
        let now = clock();
        let spare = best.is_none_or(|(_, due)| due - now > STARVED_POLL);
        publisher.step(
            now,
            spare,
            streams.len(),
            |i| &streams[i].counter,
            schedule.stats,
        );
        if now - last_status >= SNAPSHOT_EVERY {
            publish_status(&schedule, &timeline, now);
            last_status = now;
        }
        let Some((i, due)) = best else {
            if !starved {
                break; // every stream is done
            }
            idle(&schedule, now + STARVED_POLL);
            continue;
        };
        if paced && starved && due - now > STARVED_POLL {
            // Another stream is waiting for data whose deadline may come first: look again soon.
            wait_until(clock, now + STARVED_POLL, &schedule, punctuality);
            continue;
        }
        let now = if paced {
            let now = wait_until(clock, due, &schedule, punctuality);
            if now < due {
                continue; // stopped, or a request came: look again
            }
            now
        } else {
            due // unpaced: every chunk counts as on time
        };
        agenda.pop();
        let stream = &mut streams[i];
        if let Err(e) = stream.push(due, now, &mut stamps) {
            fail(stream, e);
        }
        agenda.place(streams, i, now);
    }
    make_ordinary(punctuality);
    publish_all(streams.len(), |i| &streams[i].counter, schedule.stats);
    let now = clock();
    publish_status(&schedule, &timeline, now);
    schedule.steering.set_state(PlayState::Finished);
    refuse_pending(schedule.steering);
}

/// A stream's next deadline, ordered by time, then by the stream's index (the earlier
/// stream of the scenario first).
#[derive(Debug, Clone, Copy, PartialEq)]
struct Due {
    at: f64,
    index: usize,
}

impl Eq for Due {}

impl Ord for Due {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.at
            .total_cmp(&other.at)
            .then(self.index.cmp(&other.index))
    }
}

impl PartialOrd for Due {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// Which stream's chunk is due next, in O(log n): streams with a block at hand wait in a
/// heap by deadline; streams waiting for their prefetch worker are polled apart. A stream
/// is in one of the two, or done.
#[derive(Debug, Default)]
struct Agenda {
    heap: BinaryHeap<Reverse<Due>>,
    starved: Vec<usize>,
}

impl Agenda {
    /// Places every stream anew (after a request moved the timeline).
    fn rebuild(&mut self, streams: &mut [Playing], now: f64) {
        self.heap.clear();
        self.starved.clear();
        for i in 0..streams.len() {
            self.place(streams, i, now);
        }
    }

    /// Places stream `i` by its next deadline (or among the starved, or nowhere when it
    /// is done or failed).
    fn place(&mut self, streams: &mut [Playing], i: usize, now: f64) {
        let stream = &mut streams[i];
        if stream.done {
            return;
        }
        let next = stream.next();
        if !matches!(next, Next::Starved) {
            stream.starved_since = None;
        }
        match next {
            Next::Due(at) => self.heap.push(Reverse(Due { at, index: i })),
            Next::Starved => match stream.starved_since {
                Some(since) if now - since > STALL_TIMEOUT => fail(
                    stream,
                    HostError::Stalled {
                        seconds: STALL_TIMEOUT,
                    },
                ),
                Some(_) => self.starved.push(i),
                None => {
                    stream.starved_since = Some(now);
                    self.starved.push(i);
                }
            },
            Next::Done => {
                stream.done = true;
                stream.counter.stats.finished = true;
            }
            Next::Failed(e) => fail(stream, e),
        }
    }

    /// Looks again at the streams waiting for data.
    fn poll_starved(&mut self, streams: &mut [Playing], now: f64) {
        for i in std::mem::take(&mut self.starved) {
            self.place(streams, i, now);
        }
    }

    /// The stream due first, and when.
    fn first(&self) -> Option<(usize, f64)> {
        self.heap.peek().map(|Reverse(d)| (d.index, d.at))
    }

    /// Removes the stream due first (about to be pushed, then placed again).
    fn pop(&mut self) {
        self.heap.pop();
    }
}

/// Sleeps until `until`, or until a request comes or the run stops.
fn idle(schedule: &Schedule<'_>, until: f64) {
    let clock = schedule.clock;
    while clock() < until
        && !schedule.stop.load(Ordering::Relaxed)
        && !schedule.steering.pending.load(Ordering::Relaxed)
    {
        std::thread::park_timeout(Duration::from_secs_f64((until - clock()).clamp(0.0, 0.001)));
    }
}

/// Applies the pending requests; the new timeline.
fn apply_requests(
    streams: &mut [Playing],
    mut timeline: Timeline,
    schedule: &mut Schedule<'_>,
) -> Timeline {
    for (request, answer) in schedule.steering.take_requests() {
        let now = (schedule.clock)();
        match step(streams, &timeline, request, schedule, now) {
            Ok(next) => {
                timeline = next;
                let status = status(schedule, &timeline, now);
                schedule.steering.set_status(status);
                if let Some(events) = schedule.events.as_mut() {
                    events(&request.event_text(&status), now);
                }
                let _ = answer.send(Ok(status));
            }
            Err(refusal) => {
                let _ = answer.send(Err(refusal));
            }
        }
    }
    timeline
}

/// One request: the timeline after it (streams follow it).
fn step(
    streams: &mut [Playing],
    timeline: &Timeline,
    request: Request,
    schedule: &Schedule<'_>,
    now: f64,
) -> Result<Timeline, Refusal> {
    let next = match request {
        Request::Pause if timeline.paused => timeline.clone(),
        Request::Resume if !timeline.paused => timeline.clone(),
        Request::Pause => timeline.reanchored(now, |t| t.paused = true),
        Request::Resume => timeline.reanchored(now, |t| t.paused = false),
        Request::Speed(speed) => timeline.reanchored(now, |t| t.speed = speed),
        Request::Seek(_) | Request::SeekBy(_) => {
            let here = timeline.position(now);
            let target = match request {
                Request::Seek(to) => {
                    let (pass_start, duration) = pass_of(schedule, here);
                    pass_start + to.clamp(0.0, duration.unwrap_or(f64::INFINITY))
                }
                Request::SeekBy(delta) => (here + delta).max(0.0),
                _ => here,
            };
            for stream in streams.iter_mut() {
                stream.seek(target);
            }
            timeline.restarted(now, target)
        }
    };
    for stream in streams.iter_mut() {
        stream.follow(&next);
        if matches!(request, Request::Resume) {
            stream.starved_since = None;
        }
    }
    Ok(next)
}

/// The start of the pass holding position `p`, and the pass duration.
fn pass_of(schedule: &Schedule<'_>, p: f64) -> (f64, Option<f64>) {
    match schedule.duration {
        Some(d) if d > 0.0 => {
            let last = schedule.passes.map_or(u64::MAX, |n| n.saturating_sub(1));
            let pass = ((p / d).floor() as u64).min(last);
            (pass as f64 * d, Some(d))
        }
        _ => (0.0, schedule.duration),
    }
}

/// The status at clock `now`.
fn status(schedule: &Schedule<'_>, timeline: &Timeline, now: f64) -> Status {
    let p = timeline.position(now).max(0.0);
    let (pass_start, duration) = pass_of(schedule, p);
    let pass = match duration {
        Some(d) if d > 0.0 => (pass_start / d).round() as u64 + 1,
        _ => 1,
    };
    Status {
        state: if timeline.paused {
            PlayState::Paused
        } else if now < timeline.anchor_wall && timeline.anchor_pos == 0.0 {
            PlayState::Waiting
        } else {
            PlayState::Playing
        },
        position: p - pass_start,
        duration,
        pass: (pass, schedule.passes),
        speed: timeline.speed,
    }
}

fn publish_status(schedule: &Schedule<'_>, timeline: &Timeline, now: f64) {
    schedule
        .steering
        .set_status(status(schedule, timeline, now));
}

/// Answers requests that came too late to be applied.
fn refuse_pending(steering: &Shared) {
    for (_, answer) in steering.take_requests() {
        let _ = answer.send(Err(Refusal("the replay has ended".into())));
    }
}

fn fail(stream: &mut Playing, e: HostError) {
    stream.done = true;
    stream.counter.stats.error = Some(e.to_string());
}
