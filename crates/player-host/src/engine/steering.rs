//! The replay position and the requests that move it: the [`Timeline`] (position ↔ clock)
//! and the [`Controller`] through which any thread steers a playing
//! [`Player`](super::Player).
//!
//! Requests travel to the timing thread, which applies them between two pushes (at a
//! chunk boundary) and answers with the new [`Status`]; the timing model is written at
//! the top of [`super::timing`].

use super::control::{check_speed, PlayState, Refusal, Status, Steer};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How long a request waits for the timing thread's answer.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(2);

/// One piece of the timeline: from (`wall`, `pos`) on, the position advances at `speed`.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Segment {
    wall: f64,
    pos: f64,
    speed: f64,
}

impl Segment {
    /// The clock time at which the stream starting at `offset` reaches its own time
    /// `a + b` (two parts, so that `t0 + offset + k / rate` is computed exactly as before
    /// any steering: `(t0 + offset) + a`).
    fn due(&self, offset: f64, a: f64, b: f64) -> f64 {
        self.wall + (offset - self.pos) / self.speed + a / self.speed + b / self.speed
    }
}

/// The most segments kept behind the current one (each request adds one; older ones
/// only matter for samples queued before them).
const HISTORY: usize = 16;

/// The replay position as a function of the clock: it advances at `speed` from
/// (`anchor_wall`, `anchor_pos`) while playing, and stands still while paused. Positions
/// before the anchor keep the mapping they had (the segments behind it), so that samples
/// that were due before a request and are pushed after it keep their timestamps, and
/// timestamps never go back.
#[derive(Debug, Clone, PartialEq)]
pub struct Timeline {
    /// The clock value of the anchor.
    pub anchor_wall: f64,
    /// The position at the anchor, seconds on the scenario's timeline (0 at t0).
    pub anchor_pos: f64,
    /// Seconds of position per second of clock.
    pub speed: f64,
    /// Whether the position stands still.
    pub paused: bool,
    /// The segments before the anchor, oldest first.
    history: Vec<Segment>,
}

impl Timeline {
    /// A timeline at position 0 at clock `t0`, playing at speed 1.
    pub fn starting_at(t0: f64) -> Self {
        Timeline {
            anchor_wall: t0,
            anchor_pos: 0.0,
            speed: 1.0,
            paused: false,
            history: Vec::new(),
        }
    }

    /// The position at clock `now`.
    pub fn position(&self, now: f64) -> f64 {
        if self.paused {
            self.anchor_pos
        } else {
            self.anchor_pos + (now - self.anchor_wall) * self.speed
        }
    }

    fn current(&self) -> Segment {
        Segment {
            wall: self.anchor_wall,
            pos: self.anchor_pos,
            speed: self.speed,
        }
    }

    /// The clock value at which the stream starting at position `offset` reaches its own
    /// time `a + b`: at speed 1 from t0, `(t0 + offset) + a + b`, so that timestamps are
    /// `t0 + offset + k / rate` exactly.
    pub fn due(&self, offset: f64, a: f64, b: f64) -> f64 {
        let pos = offset + a + b;
        let segment = if pos >= self.anchor_pos {
            self.current()
        } else {
            self.history
                .iter()
                .rev()
                .find(|s| s.pos <= pos)
                .or(self.history.first())
                .copied()
                .unwrap_or_else(|| self.current())
        };
        segment.due(offset, a, b)
    }

    /// The same position from clock `now` on, with `change` applied; positions before it
    /// keep their mapping.
    pub fn reanchored(&self, now: f64, change: impl FnOnce(&mut Timeline)) -> Timeline {
        let mut t = Timeline {
            anchor_wall: now,
            anchor_pos: self.position(now),
            history: self.history.clone(),
            ..*self
        };
        if !self.paused {
            t.history.push(self.current());
            if t.history.len() > HISTORY {
                t.history.remove(0);
            }
        }
        change(&mut t);
        t
    }

    /// Position `pos` from clock `now` on, with no history (a seek: everything queued
    /// before it is dropped).
    pub fn restarted(&self, now: f64, pos: f64) -> Timeline {
        Timeline {
            anchor_wall: now,
            anchor_pos: pos,
            history: Vec::new(),
            ..*self
        }
    }
}

/// A request to the timing thread.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Request {
    /// Stand still.
    Pause,
    /// Advance again.
    Resume,
    /// Go to this position (seconds within the current pass).
    Seek(f64),
    /// Go this many seconds forward (negative: back).
    SeekBy(f64),
    /// Advance at this speed.
    Speed(f64),
}

impl Request {
    /// The text published on the control-events stream (`pause`, `seek 12.500`).
    pub fn event_text(self, status: &Status) -> String {
        match self {
            Request::Pause => format!("pause {:.3}", status.position),
            Request::Resume => format!("resume {:.3}", status.position),
            Request::Seek(_) | Request::SeekBy(_) => format!("seek {:.3}", status.position),
            Request::Speed(s) => format!("speed {s} {:.3}", status.position),
        }
    }
}

/// A request with the channel its answer goes back on.
pub type Envelope = (Request, Sender<Result<Status, Refusal>>);

/// What the controller and the timing thread share.
#[derive(Debug)]
pub struct Shared {
    /// Requests not yet applied.
    pub requests: Mutex<Vec<Envelope>>,
    /// Set while `requests` is not empty, so that waits end early.
    pub pending: AtomicBool,
    /// The latest status, refreshed by the timing thread.
    pub status: Mutex<Status>,
    /// The run's stop flag.
    pub stop: Arc<AtomicBool>,
    /// The timing thread, woken when a request comes (it may be sleeping until the next
    /// deadline).
    pub timing_thread: Mutex<Option<std::thread::Thread>>,
}

impl Shared {
    /// Shared state of a player not yet started.
    pub fn new(stop: Arc<AtomicBool>, duration: Option<f64>, passes: Option<u64>) -> Self {
        Shared {
            requests: Mutex::new(Vec::new()),
            pending: AtomicBool::new(false),
            status: Mutex::new(Status {
                state: PlayState::Starting,
                position: 0.0,
                duration,
                pass: (1, passes),
                speed: 1.0,
            }),
            stop,
            timing_thread: Mutex::new(None),
        }
    }

    /// Wakes the timing thread (a request came, or the run stops).
    pub fn wake(&self) {
        if let Ok(t) = self.timing_thread.lock() {
            if let Some(t) = t.as_ref() {
                t.unpark();
            }
        }
    }

    /// Takes the pending requests (for the timing thread).
    pub fn take_requests(&self) -> Vec<Envelope> {
        let taken = match self.requests.lock() {
            Ok(mut r) => std::mem::take(&mut *r),
            Err(_) => Vec::new(),
        };
        self.pending.store(false, Ordering::SeqCst);
        taken
    }

    /// Publishes a new status.
    pub fn set_status(&self, status: Status) {
        if let Ok(mut s) = self.status.lock() {
            *s = status;
        }
    }

    /// Sets the state only.
    pub fn set_state(&self, state: PlayState) {
        if let Ok(mut s) = self.status.lock() {
            s.state = state;
        }
    }
}

/// A handle that steers a [`Player`](super::Player) from any thread
/// (`Player::controller`). Cheap to clone.
#[derive(Debug, Clone)]
pub struct Controller {
    shared: Arc<Shared>,
}

impl Controller {
    /// A controller of the player sharing `shared`.
    pub(crate) fn new(shared: Arc<Shared>) -> Self {
        Controller { shared }
    }

    /// Sends `request` to the timing thread and waits for its answer.
    fn ask(&self, request: Request) -> Result<Status, Refusal> {
        let state = self.status().state;
        if matches!(state, PlayState::Starting | PlayState::Finished) {
            return Err(Refusal(format!(
                "the player is not playing (it is {})",
                state.as_str()
            )));
        }
        let (tx, rx): (_, Receiver<Result<Status, Refusal>>) = channel();
        match self.shared.requests.lock() {
            Ok(mut r) => r.push((request, tx)),
            Err(_) => return Err(Refusal("the player's state is broken".into())),
        }
        self.shared.pending.store(true, Ordering::SeqCst);
        self.shared.wake();
        rx.recv_timeout(ANSWER_TIMEOUT).unwrap_or_else(|_| {
            Err(Refusal(
                "the player did not answer (it is ending or waiting to start)".into(),
            ))
        })
    }
}

impl Steer for Controller {
    fn pause(&self) -> Result<Status, Refusal> {
        self.ask(Request::Pause)
    }

    fn resume(&self) -> Result<Status, Refusal> {
        self.ask(Request::Resume)
    }

    fn seek(&self, seconds: f64) -> Result<Status, Refusal> {
        if !seconds.is_finite() {
            return Err(Refusal(format!("cannot seek to {seconds} s")));
        }
        self.ask(Request::Seek(seconds))
    }

    fn seek_by(&self, delta: f64) -> Result<Status, Refusal> {
        if !delta.is_finite() {
            return Err(Refusal(format!("cannot seek by {delta} s")));
        }
        self.ask(Request::SeekBy(delta))
    }

    fn set_speed(&self, speed: f64) -> Result<Status, Refusal> {
        self.ask(Request::Speed(check_speed(speed)?))
    }

    fn status(&self) -> Status {
        match self.shared.status.lock() {
            Ok(s) => *s,
            Err(e) => *e.into_inner(),
        }
    }

    fn stop(&self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        self.shared.wake();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_timeline_gives_todays_timestamps_exactly() {
        let t0 = 12_345.678_901_234;
        let tl = Timeline::starting_at(t0);
        for (offset, k, rate) in [
            (0.25, 7u64, 600.614_990_234_375),
            (0.0, 1_000_003, 48_000.0),
        ] {
            let ft = k as f64 / rate;
            assert_eq!(tl.due(offset, ft, 0.0), t0 + offset + ft);
        }
    }

    #[test]
    fn pause_resume_and_speed_move_the_anchor() {
        let tl = Timeline::starting_at(100.0);
        assert_eq!(tl.position(103.0), 3.0);
        let paused = tl.reanchored(103.0, |t| t.paused = true);
        assert_eq!(paused.position(110.0), 3.0);
        let resumed = paused.reanchored(110.0, |t| t.paused = false);
        // The gap in timestamps equals the pause: position 4 is due at 111, not 104.
        assert_eq!(resumed.due(0.0, 4.0, 0.0), 111.0);
        // A position passed before the pause keeps its time.
        assert_eq!(resumed.due(0.0, 2.5, 0.0), 102.5);
        let fast = resumed.reanchored(111.0, |t| t.speed = 2.0);
        assert_eq!(fast.position(112.0), 6.0);
        // At speed 2, samples 1/rate apart are due 1/(2 rate) apart.
        assert_eq!(fast.due(0.0, 6.5, 0.0) - fast.due(0.0, 6.0, 0.0), 0.25);
        // Slowing down never moves a queued sample before one already pushed.
        let slow = fast.reanchored(112.0, |t| t.speed = 0.5);
        assert_eq!(slow.due(0.0, 5.9, 0.0), fast.due(0.0, 5.9, 0.0));
        assert!(slow.due(0.0, 6.1, 0.0) > slow.due(0.0, 5.9, 0.0));
        let sought = slow.restarted(113.0, 1.0);
        assert_eq!(sought.due(0.0, 1.0, 0.0), 113.0);
    }
}
