//! The timing thread: one loop for every stream, pushing each chunk when its last sample
//! is due, never before.
//!
//! # The timing model
//!
//! * **t0** is the clock time at which the replay starts: `start_delay` after the start
//!   (after the consumers came, when waited for), or the `--start-at` instant. Nothing
//!   moves it. Requests made before t0 are answered at once and change what the replay
//!   starts with ([`Start`](super::steering::Start): its position, speed, paused state),
//!   so that hosts given one `--start-at` stay on one timeline whatever is steered.
//! * The engine keeps a **replay position** p (seconds on the scenario's timeline): it is
//!   the start position at t0, advances at the speed while playing and stands still while
//!   paused ([`Timeline`]). Sample k of a stream lies at position `offset + k / rate` (its
//!   own recorded time for stamped streams), k counted across passes.
//! * **A sample's LSL timestamp is the clock time at which the position reaches it** (it
//!   is then due), as a live device would stamp it. With no steering it is exactly
//!   `t0 + offset + k / rate`, computed from k, never accumulated. The mapping from
//!   positions to clock times is one for all streams (streams stay in sync, markers on
//!   their samples), and **a position keeps the time it had when the replay reached it**:
//!   a request made at position P changes the mapping from P on only. The timeline keeps
//!   every piece of the mapping that a sample not yet pushed still needs, however many
//!   requests come (it forgets a piece once every stream has pushed past it); nothing of
//!   a sample's time depends on how many requests came since it was read.
//! * **Requests take effect at a chunk boundary**: the timing thread carries them out
//!   between two pushes ([`super::apply`]). A pause stops the position: the chunk being
//!   filled is pushed after the resume, with a gap as long as the pause in its
//!   timestamps. A speed change makes the positions after the current one pass at the new
//!   speed. A seek lands within the current pass (clamped to its start and end), drops
//!   what was queued (the chunk being filled is not pushed), and the next chunk pushed
//!   starts at the target, due at the time of the seek (or a hair later, see below). The
//!   nominal rate announced stays the file's.
//!
//! What follows, whatever the number, rate, order and values of the requests, for every
//! stream (tested on every pushed timestamp of random request sequences,
//! `tests/steering_properties.rs`):
//!
//! * **timestamps strictly increase** (a marker stream's repeat the equal times of
//!   annotations at one instant): the mapping increases strictly with the position, is
//!   continuous across a speed change and jumps forward across a pause;
//! * **no chunk is pushed before its last sample is due**: the loop waits for that time,
//!   and a pushed sample's time never changes, since the replay has reached it;
//! * **consecutive timestamps of a regular stream are never closer than
//!   `1 / (rate × 100)`** (100: the highest speed): they are `1 / (rate × s)` apart at
//!   speed s, in between across a speed change, farther across a pause, and a seek's
//!   target is due at least that long after every stream's last timestamp (within the
//!   rounding of a double at the clock's value, a few nanoseconds);
//! * markers follow the data: a seek skips the annotations it jumps over and plays those
//!   ahead at their samples' times; none is duplicated or shifted.
//!
//! The loop always serves the stream whose next chunk is due first: it sleeps coarsely
//! until shortly before the deadline, then spins until the clock reaches it. Its other
//! work (tending to the prefetch workers, refreshing the statistics: [`Chores`]) waits for
//! the time it has to spare before the next deadline.
//!
//! Falling behind (a busy machine, a slow disk): chunks are pushed as soon as possible,
//! late, with their true timestamps; nothing is dropped and time is never compressed.
//! Every chunk's lateness is recorded, and chunks later than
//! [`LATE_THRESHOLD`](super::stats::LATE_THRESHOLD) are counted as late.

use super::agenda::Agenda;
use super::apply::{apply_requests, start_events, status};
use super::playing::Playing;
use super::punctual::{make_ordinary, make_punctual, Breather, Punctuality};
use super::stats::{publish_all, Publisher, SNAPSHOT_EVERY};
use super::steering::{Shared, Start};
use super::timeline::Timeline;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Longest single sleep, so that a stop request is seen quickly (requests end a sleep at
/// once).
const MAX_SLEEP: f64 = 0.02;
/// How often a starved stream (its prefetch behind) is polled.
const STARVED_POLL: f64 = 0.0005;
/// The longest the start waits for the streams' first blocks ([`prime`]).
const PRIME_TIMEOUT: f64 = super::agenda::STALL_TIMEOUT;

/// Waits until every stream has its first block at hand (or is done), at most
/// [`PRIME_TIMEOUT`], or until `stop` is set: so that t0, taken after, does not fall
/// before the prefetch of many streams (10 000 files are opened and read on a pool of
/// one thread per core) has anything to push. A stream still without data after the
/// bound plays when its data comes, as a stalled one would.
pub fn prime(streams: &mut [Playing], clock: &dyn Fn() -> f64, stop: &AtomicBool) {
    let deadline = clock() + PRIME_TIMEOUT;
    // Only whether a block is at hand matters here, not when it is due.
    let timeline = Timeline::starting(clock(), 0.0, 1.0, false);
    let mut agenda = Agenda::default();
    agenda.rebuild(streams, &timeline, clock());
    while !agenda.starved.is_empty() && clock() < deadline && !stop.load(Ordering::Relaxed) {
        std::thread::sleep(Duration::from_secs_f64(STARVED_POLL));
        agenda.poll_starved(streams, &timeline, clock());
    }
}

/// Waits until `clock()` reaches `deadline`, the run stops or a request comes; returns
/// the clock reading.
/// A real-time thread that is behind rests now and then ([`Breather`]).
fn wait_until(
    clock: &dyn Fn() -> f64,
    deadline: f64,
    schedule: &Schedule<'_>,
    punctuality: Punctuality,
    breather: &mut Breather,
) -> f64 {
    let window = punctuality.spin_window();
    loop {
        let now = clock();
        let remaining = deadline - now;
        if remaining <= 0.0 && breather.breathe(now, clock) {
            return clock();
        }
        if remaining <= 0.0
            || schedule.stop.load(Ordering::Relaxed)
            || schedule.steering.pending.load(Ordering::Relaxed)
        {
            return now;
        }
        if remaining > window {
            // Parked, not slept: a request (Controller::ask) unparks the thread at once.
            std::thread::park_timeout(Duration::from_secs_f64((remaining - window).min(MAX_SLEEP)));
            breather.rested(clock());
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
    /// Requests and status shared with the controllers (with the pass duration and the
    /// passes).
    pub steering: &'a Shared,
    /// Whether to wait for deadlines (false: push as fast as possible).
    pub paced: bool,
    /// Publishes what the user did (the control-events stream), if asked.
    pub events: Option<&'a mut EventSink<'a>>,
}

/// Runs every stream to its end (or until `stop`): waits for `t0`, then follows the
/// timeline that starts there and the requests that move it, refreshing the shared
/// statistics and status.
pub fn run(streams: &mut [Playing], t0: f64, mut schedule: Schedule<'_>) {
    let (clock, paced) = (schedule.clock, schedule.paced);
    let punctuality = if paced {
        make_punctual()
    } else {
        Punctuality::Normal
    };
    schedule.steering.register_timing_thread();
    if let Some(start) = wait_for_t0(streams, t0, &schedule, punctuality) {
        let mut timeline = Timeline::starting(t0, start.position, start.speed, start.paused);
        let begun = status(&schedule, &timeline, t0);
        schedule.steering.set_status(begun);
        if let Some(events) = schedule.events.as_mut() {
            for text in start_events(&start, &begun) {
                events(&text, t0);
            }
        }
        play(streams, &mut timeline, &mut schedule, punctuality);
        publish_status(&schedule, &timeline, clock());
    }
    make_ordinary(punctuality);
    streams.iter_mut().for_each(Playing::finish_faults);
    publish_all(streams.len(), |i| &streams[i].counter, schedule.stats);
    schedule.steering.finish();
}

/// Waits for t0 (until the run stops: `None`). Meanwhile requests change the start (the
/// controllers answer them), and the streams read from the start position, so that
/// their first chunks are at hand at t0. At t0, takes the start.
fn wait_for_t0(
    streams: &mut [Playing],
    t0: f64,
    schedule: &Schedule<'_>,
    punctuality: Punctuality,
) -> Option<Start> {
    let (clock, steering) = (schedule.clock, schedule.steering);
    let mut reading_from = (0.0, 0);
    loop {
        if schedule.stop.load(Ordering::Relaxed) {
            return None;
        }
        let (position, moves) = steering.start_position();
        if moves != reading_from.1 {
            if position != reading_from.0 {
                streams.iter_mut().for_each(|s| s.seek(position));
            }
            reading_from = (position, moves);
        }
        let remaining = t0 - clock();
        if remaining <= 0.0 || !schedule.paced {
            let start = steering.begin();
            if start.position != reading_from.0 {
                streams.iter_mut().for_each(|s| s.seek(start.position));
            }
            streams.iter_mut().for_each(|s| s.frontier = start.position);
            return Some(start);
        }
        if remaining > punctuality.spin_window() {
            let nap = (remaining - punctuality.spin_window()).min(MAX_SLEEP);
            std::thread::park_timeout(Duration::from_secs_f64(nap));
        } else {
            std::hint::spin_loop();
        }
    }
}

/// The schedule from t0: pushes every chunk when due, carrying requests out between two
/// pushes, until every stream is done or the run stops.
fn play(
    streams: &mut [Playing],
    timeline: &mut Timeline,
    schedule: &mut Schedule<'_>,
    punctuality: Punctuality,
) {
    let (clock, stop, paced) = (schedule.clock, schedule.stop, schedule.paced);
    let mut stamps = Vec::new();
    let mut chores = Chores::new(streams.len());
    let mut agenda = Agenda::default();
    agenda.rebuild(streams, timeline, clock());
    let mut breather = Breather::new(punctuality, clock());
    loop {
        if stop.load(Ordering::Relaxed) {
            break;
        }
        if schedule.steering.pending.load(Ordering::Relaxed) {
            apply_requests(streams, timeline, schedule);
            agenda.rebuild(streams, timeline, clock());
        }
        let now = clock();
        if timeline.paused() {
            publish_status(schedule, timeline, now);
            idle(schedule, now + MAX_SLEEP);
            breather.rested(clock());
            continue;
        }
        agenda.poll_starved(streams, timeline, now);
        let (best, starved) = (agenda.first(), !agenda.starved.is_empty());
        let now = clock();
        chores.between_pushes(streams, schedule, timeline, now, best.map(|(_, due)| due));
        let Some((i, due)) = best else {
            if !starved {
                break; // every stream is done
            }
            idle(schedule, now + STARVED_POLL);
            breather.rested(clock());
            continue;
        };
        if paced && starved && due - now > STARVED_POLL {
            // Another stream is waiting for data whose deadline may come first: look again soon.
            wait_until(
                clock,
                now + STARVED_POLL,
                schedule,
                punctuality,
                &mut breather,
            );
            continue;
        }
        let now = if paced {
            let now = wait_until(clock, due, schedule, punctuality, &mut breather);
            if now < due {
                continue; // stopped, or a request came: look again
            }
            now
        } else {
            due // unpaced: every chunk counts as on time
        };
        agenda.pop();
        // While this chunk is pushed, the memory of the next pushes is on its way.
        for (level, j) in agenda.upcoming().into_iter().rev().enumerate() {
            if let Some(j) = j {
                streams[j].warm(level);
            }
        }
        let stream = &mut streams[i];
        let held = stream.holds_spent();
        if let Err(e) = stream.push(timeline, due, now, &mut stamps) {
            stream.fail(e);
        }
        agenda.place(streams, i, timeline, now);
        chores.pushed(streams, i, held);
    }
}

/// The most batches of statistics refreshed in one turn with time to spare: enough for
/// a round over 10 000 streams within 0.4 s at 25 turns a second, few enough to leave
/// the streams' data in the cache for the pushes that follow.
const SNAPSHOT_BATCHES_MAX: usize = 4;

/// What the timing thread does besides pushing, in the time it has to spare before the
/// next push: tending to the prefetch workers (giving spent blocks back, taking the next
/// block ahead: [`Playing::tend_prefetch`]), refreshing the shared statistics ([`Publisher`]) and
/// the status. When the chunks of thousands of streams are due together, all of it waits
/// until they are pushed: done between them, the hand-offs to other threads and the
/// snapshots of 10 000 streams made some of their chunks twice as late
/// (bench/README.md, "Many streams end on time").
struct Chores {
    /// Streams to tend to ([`Playing::tend_prefetch`]; indices, each about once): at
    /// first all (their second blocks), then those that spent a block.
    tend: Vec<usize>,
    publisher: Publisher,
    /// When the status was last published.
    last_status: f64,
}

impl Chores {
    fn new(streams: usize) -> Self {
        Chores {
            tend: (0..streams).collect(),
            publisher: Publisher::new(),
            last_status: f64::NEG_INFINITY,
        }
    }

    /// Stream `i` was pushed (`held`: whether it held spent blocks before).
    fn pushed(&mut self, streams: &[Playing], i: usize, held: bool) {
        if !held && streams[i].holds_spent() {
            self.tend.push(i);
        }
    }

    /// Between two pushes, at `now`, the next one due at `next_due` (`None`: none due):
    /// the chores, for as long as time is to spare (until [`STARVED_POLL`] before the
    /// next push). A stale round of statistics moves on a batch per turn however busy.
    fn between_pushes(
        &mut self,
        streams: &mut [Playing],
        schedule: &Schedule<'_>,
        timeline: &Timeline,
        now: f64,
        next_due: Option<f64>,
    ) {
        let clock = schedule.clock;
        let until = next_due.map_or(now + MAX_SLEEP, |due| due - STARVED_POLL);
        let spare = now < until;
        // Held blocks stay bounded (each stream about once) even when there is never time.
        if spare || self.tend.len() >= streams.len() {
            tend_prefetch(streams, &mut self.tend, until, clock);
        }
        let (n, counter) = (streams.len(), |i: usize| &streams[i].counter);
        self.publisher.step(now, spare, n, counter, schedule.stats);
        // More batches only with time to spare (the clock is not read otherwise: this runs
        // between any two pushes), each only if one as long as the last still ends in time.
        let mut started = now;
        for _ in 1..SNAPSHOT_BATCHES_MAX {
            if !spare || !self.publisher.in_round() {
                break;
            }
            let at = clock();
            if at + (at - started) >= until {
                break;
            }
            self.publisher.step(at, true, n, counter, schedule.stats);
            started = at;
        }
        if now - self.last_status >= SNAPSHOT_EVERY {
            publish_status(schedule, timeline, now);
            self.last_status = now;
        }
    }
}

/// Tends to the prefetch workers of the streams of `tend` (indices) while the clock has
/// not passed `until` (read every few streams): [`Playing::tend_prefetch`]. A stream
/// that starves does it at once ([`Agenda`]).
fn tend_prefetch(
    streams: &mut [Playing],
    tend: &mut Vec<usize>,
    until: f64,
    clock: &dyn Fn() -> f64,
) {
    const BETWEEN_CLOCK_READS: usize = 32;
    while !tend.is_empty() {
        let from = tend.len().saturating_sub(BETWEEN_CLOCK_READS);
        for i in tend.drain(from..) {
            streams[i].tend_prefetch();
        }
        if clock() > until {
            break;
        }
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

fn publish_status(schedule: &Schedule<'_>, timeline: &Timeline, now: f64) {
    schedule
        .steering
        .set_status(status(schedule, timeline, now));
}
