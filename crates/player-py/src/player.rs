//! `NativePlayer`: one replay driven from Python (see `player_host.Player`).
//!
//! The engine runs on its own native threads and never needs the interpreter: every call
//! here that can block (starting, waiting, steering) releases the GIL, and waiting checks
//! for signals (Ctrl-C) every few milliseconds. The outcome of a run is kept, so that
//! `wait` returns the same summary, or raises the same error, however often it is called.
//! In a child made by `os.fork()` the player is inert (see [`crate::fork`]).

use crate::errors::{host_error, raise, raise_with, Phase};
use crate::fork::Owner;
use crate::results::{PyPlayStatus, PyStreamStats, PySummary};
use player_host::{Controller, HostError, Player, Refusal, Status, Steer, StopHandle};
use pyo3::prelude::*;
use std::mem::ManuallyDrop;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

/// How long one GIL-free slice of `wait` lasts before signals are checked.
const WAIT_SLICE: Duration = Duration::from_millis(20);

/// How a run ended, kept for every later `wait`.
#[derive(Debug, Clone)]
enum Outcome {
    /// It ran (streams may have failed: the summary says which).
    Ran(player_host::Summary),
    /// It could not happen (nobody connected in time, ...): the message.
    Failed(String),
}

/// One replay, driven from Python (see `player_host.Player`).
#[pyclass(module = "player_host._native", frozen)]
pub struct NativePlayer {
    /// Leaked, not dropped, in a process other than its owner (see [`crate::fork`]).
    player: ManuallyDrop<Mutex<Player>>,
    owner: Owner,
    stop: StopHandle,
    controller: Controller,
    warnings: Vec<String>,
    names: Vec<String>,
    started: AtomicBool,
    /// How the run ended, once it was joined.
    outcome: Mutex<Option<Outcome>>,
    /// The Python summary of [`Outcome::Ran`], made once.
    summary: OnceLock<Py<PySummary>>,
}

impl std::fmt::Debug for NativePlayer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NativePlayer")
            .field("streams", &self.names)
            .field("owner", &self.owner)
            .finish()
    }
}

impl NativePlayer {
    /// Wraps an opened player (its warnings: the opening's notes).
    pub fn new(player: Player) -> Self {
        let warnings = player.warnings().to_vec();
        NativePlayer {
            stop: player.stop_handle(),
            controller: player.controller(),
            names: player
                .stream_names()
                .iter()
                .map(|s| s.to_string())
                .collect(),
            player: ManuallyDrop::new(Mutex::new(player)),
            owner: Owner::here(),
            warnings,
            started: AtomicBool::new(false),
            outcome: Mutex::new(None),
            summary: OnceLock::new(),
        }
    }

    /// Runs a steering request without the GIL (the timing thread answers within a few
    /// milliseconds); the status, or the refusal as a `PlayerError`.
    fn steer(
        &self,
        py: Python<'_>,
        what: &str,
        request: impl FnOnce(&Controller) -> Result<Status, Refusal> + Send,
    ) -> PyResult<PyPlayStatus> {
        self.owner.check(py, what)?;
        let answer = py.detach(|| request(&self.controller));
        answer
            .map(PyPlayStatus::from)
            .map_err(|r| raise(py, "PlayerError", r.0))
    }

    fn lock(&self) -> MutexGuard<'_, Player> {
        self.player.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn kept(&self) -> MutexGuard<'_, Option<Outcome>> {
        self.outcome.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Joins the timing thread (without the GIL) and keeps the outcome; the summary or
    /// the run's error.
    fn finish(&self, py: Python<'_>) -> PyResult<Py<PySummary>> {
        // Every lock is taken without the GIL: another thread holding one may need the
        // GIL to let go of it. The outcome's lock is held while joining, so that a
        // concurrent `wait` waits for this one's outcome.
        let outcome = py.detach(|| {
            let mut kept = self.kept();
            if let Some(outcome) = kept.as_ref() {
                return Ok(outcome.clone());
            }
            let outcome = match self.lock().wait() {
                Ok(summary) => Outcome::Ran(summary),
                Err(e @ HostError::Player(_)) => return Err(e),
                Err(e) => Outcome::Failed(e.to_string()),
            };
            *kept = Some(outcome.clone());
            Ok(outcome)
        });
        match outcome {
            Ok(outcome) => self.result(py, &outcome),
            Err(e) => Err(host_error(py, &e, Phase::Run)),
        }
    }

    /// The kept outcome, if the run was joined.
    fn outcome(&self, py: Python<'_>) -> Option<Outcome> {
        py.detach(|| self.kept().clone())
    }

    /// The summary of an outcome, or the `StreamError` of a failed run or of failed
    /// streams (a new exception each time, with the same message and summary).
    fn result(&self, py: Python<'_>, outcome: &Outcome) -> PyResult<Py<PySummary>> {
        let summary = match outcome {
            Outcome::Failed(message) => return Err(raise(py, "StreamError", message.clone())),
            Outcome::Ran(summary) => summary,
        };
        let object = match self.summary.get() {
            Some(object) => object.clone_ref(py),
            None => {
                let made = Py::new(py, PySummary::from_host(py, summary.clone())?)?;
                let _ = self.summary.set(made);
                match self.summary.get() {
                    Some(object) => object.clone_ref(py),
                    None => return Err(raise(py, "PlayerError", "no summary".into())),
                }
            }
        };
        let failures = summary.failures();
        if failures.is_empty() {
            return Ok(object);
        }
        let message = failures
            .iter()
            .map(|(name, error)| format!("stream '{name}': {error}"))
            .collect::<Vec<_>>()
            .join("; ");
        Err(raise_with(py, "StreamError", (message, object)))
    }
}

impl Drop for NativePlayer {
    fn drop(&mut self) {
        if self.owner.is_here() {
            // SAFETY: dropped once, here; never used again.
            unsafe { ManuallyDrop::drop(&mut self.player) };
        }
        // In a forked child the player is leaked: its threads do not exist here.
    }
}

#[pymethods]
impl NativePlayer {
    /// Creates the outlets (announced when this returns) and starts playing.
    ///
    /// The engine makes the outlets on threads with real-time priority when the system
    /// allows it (`engine/outlets.rs`): the threads liblsl starts for them, which carry
    /// every pushed chunk to the receivers, inherit it, so that a busy interpreter in
    /// this process does not hold the samples back after the engine pushed them on time.
    fn start(&self, py: Python<'_>) -> PyResult<()> {
        self.owner.check(py, "start")?;
        if self.started.swap(true, Ordering::SeqCst) {
            return Err(raise(
                py,
                "PlayerError",
                "the player was already started".into(),
            ));
        }
        let started = py.detach(|| self.lock().start());
        if let Err(e) = started {
            // Later waits raise the same error.
            let message = e.to_string();
            py.detach(|| *self.kept() = Some(Outcome::Failed(message)));
            return Err(host_error(py, &e, Phase::Run));
        }
        Ok(())
    }

    /// Asks the player to stop; returns at once. Does nothing in a forked child (the
    /// replay runs in the parent).
    fn stop(&self) {
        if self.owner.is_here() {
            self.stop.stop();
        }
    }

    /// Whether it plays (or waits to start); `False` in a forked child.
    #[getter]
    fn running(&self, py: Python<'_>) -> bool {
        self.owner.is_here() && py.detach(|| self.lock().is_running())
    }

    /// Whether `start` was called.
    #[getter]
    fn started(&self) -> bool {
        self.started.load(Ordering::SeqCst)
    }

    /// Whether this process created the player (false in a child made by `os.fork()`).
    #[getter]
    fn in_owner_process(&self) -> bool {
        self.owner.is_here()
    }

    /// Raises the `PlayerError` of a forked child ("cannot `what`: ...") outside the
    /// process that created the player; does nothing in it.
    fn check_owner(&self, py: Python<'_>, what: &str) -> PyResult<()> {
        self.owner.check(py, what)
    }

    /// Waits for the end of the run, at most `timeout` seconds (`None`: as long as it
    /// takes), checking for signals every few milliseconds. Returns the summary, or
    /// `None` on timeout; raises `StreamError` when the run failed (the same each time).
    /// On a signal's exception (KeyboardInterrupt), the player is stopped and joined
    /// first.
    #[pyo3(signature = (timeout=None))]
    fn wait(&self, py: Python<'_>, timeout: Option<f64>) -> PyResult<Option<Py<PySummary>>> {
        self.owner.check(py, "wait for the player")?;
        if let Some(outcome) = self.outcome(py) {
            return self.result(py, &outcome).map(Some);
        }
        if !self.started.load(Ordering::SeqCst) {
            return Err(raise(
                py,
                "PlayerError",
                "the player was not started".into(),
            ));
        }
        let deadline = match timeout {
            Some(t) if t.is_nan() || t < 0.0 => {
                return Err(raise(
                    py,
                    "ScenarioError",
                    format!("timeout: must be a number of seconds, 0 or more, or None, not {t}"),
                ))
            }
            Some(t) => Instant::now().checked_add(Duration::from_secs_f64(t.min(1e9))),
            None => None,
        };
        loop {
            let done = py.detach(|| {
                let until = Instant::now() + WAIT_SLICE;
                loop {
                    if !self.lock().is_running() {
                        return true;
                    }
                    let now = Instant::now();
                    if now >= until || deadline.is_some_and(|d| now >= d) {
                        return false;
                    }
                    std::thread::sleep(Duration::from_millis(2));
                }
            });
            if done {
                return self.finish(py).map(Some);
            }
            if let Err(interrupt) = py.check_signals() {
                self.stop.stop_for_signal(libc::SIGINT);
                let _ = self.finish(py);
                return Err(interrupt);
            }
            if deadline.is_some_and(|d| Instant::now() >= d) {
                return Ok(None);
            }
        }
    }

    /// Pauses the replay (nothing is pushed; the position stands still).
    fn pause(&self, py: Python<'_>) -> PyResult<PyPlayStatus> {
        self.steer(py, "pause", |c| c.pause())
    }

    /// Resumes a paused replay.
    fn resume(&self, py: Python<'_>) -> PyResult<PyPlayStatus> {
        self.steer(py, "resume", |c| c.resume())
    }

    /// Moves the replay position to `seconds` (clamped to the section).
    fn seek(&self, py: Python<'_>, seconds: f64) -> PyResult<PyPlayStatus> {
        self.steer(py, "seek", |c| c.seek(seconds))
    }

    /// Sets the replay speed (1 = real time).
    fn set_speed(&self, py: Python<'_>, speed: f64) -> PyResult<PyPlayStatus> {
        self.steer(py, "set the speed", |c| c.set_speed(speed))
    }

    /// Where the replay stands.
    fn status(&self, py: Python<'_>) -> PyResult<PyPlayStatus> {
        self.owner.check(py, "read the status")?;
        Ok(PyPlayStatus::from(self.controller.status()))
    }

    /// Statistics of every stream so far.
    fn stats(&self, py: Python<'_>) -> PyResult<Vec<PyStreamStats>> {
        self.owner.check(py, "read the statistics")?;
        let stats = py.detach(|| self.lock().stats());
        Ok(stats.into_iter().map(PyStreamStats::from).collect())
    }

    /// The names of the published streams, in order.
    #[getter]
    fn stream_names(&self) -> Vec<String> {
        self.names.clone()
    }

    /// Notes gathered while opening (refused plugins, annotations left out, ...).
    #[getter]
    fn warnings(&self) -> Vec<String> {
        self.warnings.clone()
    }
}
