//! Requests that steer a replay, and the [`Controller`] through which any thread makes
//! them (`Player::controller`).
//!
//! * **Before t0** (before the start, while waiting for consumers, during a start delay
//!   or until `--start-at`), a request is answered at once, by the controller, from the
//!   state the replay will start with ([`Start`]): it changes the position, speed or
//!   paused state the replay starts with, never t0 itself.
//! * **From t0 on**, requests travel to the timing thread, which carries them out between
//!   two pushes (`engine::apply`: at a chunk boundary) and answers with the new status.
//!
//! Either way **an answer is the truth**: a request is answered with its effect, or it
//! is refused and has none. A request the timing thread has not taken within
//! [`ANSWER_TIMEOUT`] is withdrawn before it is reported as not carried out; one it has
//! taken is always answered. The timing model is written at the top of
//! [`super::timing`]; the values are checked here, for every surface (the socket, `ctl`,
//! the keys, Python), by the functions of [`super::control`].

use super::control::{
    check_seek_by, check_seek_to, check_speed, PlayState, Refusal, Status, Steer, SEEK_LIMIT,
};
use super::summary::StopHandle;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{channel, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

/// How long a request waits for the timing thread to take it (it takes requests between
/// two pushes, within microseconds when it is healthy).
pub const ANSWER_TIMEOUT: Duration = Duration::from_secs(2);

/// A request to the timing thread, its values checked.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Request {
    /// Stand still.
    Pause,
    /// Advance again.
    Resume,
    /// Go to this position (seconds within the current pass).
    Seek(f64),
    /// Go this many seconds forward (negative: back), within the current pass.
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

/// What the replay will start with at t0; requests before t0 change it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Start {
    /// The position at t0 (seconds within the first pass).
    pub position: f64,
    /// The speed from t0.
    pub speed: f64,
    /// Whether the position stands still at t0 (until a resume).
    pub paused: bool,
}

impl Default for Start {
    fn default() -> Self {
        Start {
            position: 0.0,
            speed: 1.0,
            paused: false,
        }
    }
}

/// A request with the channel its answer goes back on.
struct Envelope {
    id: u64,
    request: Request,
    answer: Sender<Result<Status, Refusal>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// What the controllers and the timing thread share.
#[derive(Debug)]
pub struct Shared {
    /// Requests not yet taken by the timing thread.
    requests: Mutex<Vec<Envelope>>,
    next_id: AtomicU64,
    /// Set while `requests` is not empty, so that the timing thread's waits end early.
    pub pending: AtomicBool,
    /// The latest status, refreshed by the timing thread.
    status: Mutex<Status>,
    /// The run's stop.
    stop: StopHandle,
    /// The timing thread, woken when a request comes (it may be waiting for a deadline).
    timing_thread: Mutex<Option<std::thread::Thread>>,
    /// Until t0, what the replay will start with; `None` from t0 on (and after the end).
    start: Mutex<Option<Start>>,
    /// Counts the changes of the start position (the timing thread then moves the
    /// streams' reading there before t0, so that their data is at hand at t0).
    start_moves: AtomicU64,
    /// Whether [`Player::start`](super::Player::start) was called (the waiting state).
    started: AtomicBool,
    /// The duration of one pass, when known, and how many passes (`None`: forever).
    duration: Option<f64>,
    passes: Option<u64>,
}

impl std::fmt::Debug for Envelope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "#{} {:?}", self.id, self.request)
    }
}

impl Shared {
    /// Shared state of a player not yet started.
    pub fn new(stop: StopHandle, duration: Option<f64>, passes: Option<u64>) -> Self {
        Shared {
            requests: Mutex::new(Vec::new()),
            next_id: AtomicU64::new(0),
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
            start: Mutex::new(Some(Start::default())),
            start_moves: AtomicU64::new(0),
            started: AtomicBool::new(false),
            duration,
            passes,
        }
    }

    /// The duration of one pass, when known.
    pub fn duration(&self) -> Option<f64> {
        self.duration
    }

    /// How many passes (`None`: forever).
    pub fn passes(&self) -> Option<u64> {
        self.passes
    }

    /// Makes the calling thread the one woken by requests (the timing thread).
    pub fn register_timing_thread(&self) {
        *lock(&self.timing_thread) = Some(std::thread::current());
    }

    /// Wakes the timing thread (a request came, or the run stops).
    pub fn wake(&self) {
        if let Some(t) = lock(&self.timing_thread).as_ref() {
            t.unpark();
        }
    }

    /// Takes the pending requests (for the timing thread, which must answer each).
    pub fn take_requests(&self) -> Vec<(Request, Sender<Result<Status, Refusal>>)> {
        let taken = std::mem::take(&mut *lock(&self.requests));
        self.pending.store(false, Ordering::SeqCst);
        taken.into_iter().map(|e| (e.request, e.answer)).collect()
    }

    /// Withdraws request `id` if the timing thread has not taken it; whether it was.
    fn withdraw(&self, id: u64) -> bool {
        let mut requests = lock(&self.requests);
        let before = requests.len();
        requests.retain(|e| e.id != id);
        requests.len() < before
    }

    /// The latest status.
    pub fn status(&self) -> Status {
        *lock(&self.status)
    }

    /// Publishes a new status.
    pub fn set_status(&self, status: Status) {
        *lock(&self.status) = status;
    }

    /// The player was started: it waits for consumers or for t0.
    pub fn set_waiting(&self) {
        self.started.store(true, Ordering::SeqCst);
        let start = *lock(&self.start);
        if let Some(start) = start {
            self.set_status(self.start_status(&start));
        }
    }

    /// The status before t0: the start's position, speed and paused state.
    fn start_status(&self, start: &Start) -> Status {
        let state = if start.paused {
            PlayState::Paused
        } else if self.started.load(Ordering::SeqCst) {
            PlayState::Waiting
        } else {
            PlayState::Starting
        };
        Status {
            state,
            position: start.position,
            duration: self.duration,
            pass: (1, self.passes),
            speed: start.speed,
        }
    }

    /// Where the streams should read from before t0, and how many times it changed.
    pub fn start_position(&self) -> (f64, u64) {
        let moves = self.start_moves.load(Ordering::SeqCst);
        let position = (*lock(&self.start)).map_or(0.0, |s| s.position);
        (position, moves)
    }

    /// t0 has come: takes what the replay starts with (requests now go to the timing
    /// thread).
    pub fn begin(&self) -> Start {
        lock(&self.start).take().unwrap_or_default()
    }

    /// The run is over: every later request is refused, and those waiting are answered.
    pub fn finish(&self) {
        {
            let mut status = lock(&self.status);
            status.state = PlayState::Finished;
        }
        lock(&self.start).take();
        for (_, answer) in self.take_requests() {
            let _ = answer.send(Err(Refusal("the replay has ended".into())));
        }
    }

    /// Answers `request` from the start, when t0 has not come (`None` otherwise).
    fn answer_before_t0(&self, request: Request) -> Option<Status> {
        let mut guard = lock(&self.start);
        let start = guard.as_mut()?;
        let section = |p: f64| p.clamp(0.0, self.duration.unwrap_or(SEEK_LIMIT));
        let moved_from = start.position;
        match request {
            Request::Pause => start.paused = true,
            Request::Resume => start.paused = false,
            Request::Speed(speed) => start.speed = speed,
            Request::Seek(to) => start.position = section(to),
            Request::SeekBy(delta) => start.position = section(start.position + delta),
        }
        let status = self.start_status(start);
        if start.position != moved_from {
            self.start_moves.fetch_add(1, Ordering::SeqCst);
            self.wake();
        }
        drop(guard);
        self.set_status(status);
        Some(status)
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

    /// Carries `request` out: before t0 at once, from t0 on through the timing thread.
    fn ask(&self, request: Request) -> Result<Status, Refusal> {
        if let Some(status) = self.shared.answer_before_t0(request) {
            return Ok(status);
        }
        let ended = || Err(Refusal("the replay has ended".into()));
        if self.status().state == PlayState::Finished {
            return ended();
        }
        let (tx, rx) = channel();
        let id = self.shared.next_id.fetch_add(1, Ordering::SeqCst);
        lock(&self.shared.requests).push(Envelope {
            id,
            request,
            answer: tx,
        });
        self.shared.pending.store(true, Ordering::SeqCst);
        self.shared.wake();
        if self.status().state == PlayState::Finished && self.shared.withdraw(id) {
            return ended();
        }
        let broken = || {
            Err(Refusal(
                "the player stopped working before answering (see its errors)".into(),
            ))
        };
        match rx.recv_timeout(ANSWER_TIMEOUT) {
            Ok(answer) => answer,
            Err(RecvTimeoutError::Disconnected) => broken(),
            Err(RecvTimeoutError::Timeout) if self.shared.withdraw(id) => Err(Refusal(format!(
                "the player did not take the request within {} s (it is busy or ending); \
                 nothing was changed",
                ANSWER_TIMEOUT.as_secs()
            ))),
            // Taken meanwhile: the timing thread answers every request it takes.
            Err(RecvTimeoutError::Timeout) => rx.recv().unwrap_or_else(|_| broken()),
        }
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
        self.ask(Request::Seek(check_seek_to(seconds)?))
    }

    fn seek_by(&self, delta: f64) -> Result<Status, Refusal> {
        self.ask(Request::SeekBy(check_seek_by(delta)?))
    }

    fn set_speed(&self, speed: f64) -> Result<Status, Refusal> {
        self.ask(Request::Speed(check_speed(speed)?))
    }

    fn status(&self) -> Status {
        self.shared.status()
    }

    fn stop(&self) {
        self.shared.stop.stop();
        self.shared.wake();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shared() -> Arc<Shared> {
        Arc::new(Shared::new(StopHandle::new(), Some(60.0), Some(1)))
    }

    #[test]
    fn requests_before_t0_change_the_start_and_are_answered_at_once() {
        let shared = shared();
        let c = Controller::new(shared.clone());
        shared.set_waiting();
        assert_eq!(c.status().state, PlayState::Waiting);
        let s = c.seek(30.0).expect("answered");
        assert_eq!((s.state, s.position), (PlayState::Waiting, 30.0));
        assert_eq!(
            c.seek_by(100.0).expect("answered").position,
            60.0,
            "clamped"
        );
        assert_eq!(c.seek_by(-70.0).expect("answered").position, 0.0, "clamped");
        let p = c.pause().expect("answered");
        assert_eq!(p.state, PlayState::Paused);
        assert_eq!(c.set_speed(4.0).expect("answered").speed, 4.0);
        assert!(c.set_speed(1e300).is_err());
        assert!(c.seek(f64::NAN).is_err());
        assert_eq!(shared.start_position(), (0.0, 3));
        assert_eq!(
            shared.begin(),
            Start {
                position: 0.0,
                speed: 4.0,
                paused: true
            }
        );
    }

    #[test]
    fn a_request_nobody_takes_is_withdrawn_and_has_no_effect() {
        let shared = shared();
        shared.begin(); // t0 has come, but no timing thread takes requests
        let c = Controller::new(shared.clone());
        let e = c.pause().expect_err("not carried out");
        assert!(e.0.contains("nothing was changed"), "{e}");
        assert!(shared.take_requests().is_empty(), "withdrawn");
        shared.finish();
        assert!(c.pause().expect_err("ended").0.contains("ended"));
    }
}
