//! `player_host._native`: the player engine inside a Python process.
//!
//! The typed, documented API is the Python package around it (`player_host`, in
//! `python/`); this module is its thin native half. The engine runs on its own native
//! threads and never needs the interpreter: every call here that can block (opening,
//! starting, waiting, the command line) releases the GIL, and waiting checks for signals
//! (Ctrl-C) every few milliseconds.

use numpy::PyReadonlyArray2;
use player_api::{Annotation, ChannelInfo};
use player_host::{
    Controller, HostError, MemoryReader, MemoryRecording, OutputChoice, Player, Refusal, Scenario,
    Session, Status, Steer, StopHandle, MEMORY_READER_ID,
};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use std::ffi::OsString;
use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// How long one GIL-free slice of `wait` lasts before signals are checked.
const WAIT_SLICE: Duration = Duration::from_millis(20);

/// When a failure happened: while opening (files, scenario) or while playing.
#[derive(Debug, Clone, Copy)]
enum Phase {
    Open,
    Run,
}

/// The `player_host._errors` exception for a host error (same one-line message as the
/// command line's `error: ...`).
fn host_error(py: Python<'_>, e: &HostError, phase: Phase) -> PyErr {
    let class = match (phase, e) {
        (Phase::Run, _) => "StreamError",
        (Phase::Open, HostError::Read(_) | HostError::NoReader { .. }) => "FileFormatError",
        (Phase::Open, HostError::Scenario { .. } | HostError::Config(_)) => "ScenarioError",
        (Phase::Open, _) => "PlayerError",
    };
    raise(py, class, e.to_string())
}

/// An exception of `player_host._errors` by class name.
fn raise(py: Python<'_>, class: &str, message: String) -> PyErr {
    let made = py
        .import("player_host._errors")
        .and_then(|m| m.getattr(class))
        .and_then(|c| c.call1((message.clone(),)));
    match made {
        Ok(err) => PyErr::from_value(err),
        Err(e) => e,
    }
}

/// Where a run publishes, from the wrapper's `output` argument.
fn output_choice(output: &str) -> PyResult<OutputChoice> {
    match output {
        "lsl" => Ok(OutputChoice::default()),
        "null" => Ok(OutputChoice::Null),
        other => Err(PyValueError::new_err(format!(
            "output must be \"lsl\" or \"null\", not {other:?}"
        ))),
    }
}

/// Opens `session` (the run as the command line builds it: built-ins,
/// `PLAYER_PLUGIN_PATH`, the scenario's `plugins:` and `start_at:`) without the GIL.
fn open(py: Python<'_>, session: Session, output: &str) -> PyResult<NativePlayer> {
    let session = session.output(output_choice(output)?);
    let player = py
        .detach(|| session.open())
        .map_err(|e| host_error(py, &e, Phase::Open))?;
    Ok(NativePlayer::new(player))
}

/// A scenario from JSON text (what the Python wrapper builds from its arguments).
fn parse_scenario(py: Python<'_>, json: &str) -> PyResult<Scenario> {
    let scenario = Scenario::parse(json).map_err(|m| {
        // The text is ours, not the user's: its line and column mean nothing to them.
        let message = match m.split_once(": ") {
            Some((at, rest)) if at.starts_with("line ") && at.contains(" column ") => rest,
            _ => m.as_str(),
        };
        raise(py, "ScenarioError", message.to_string())
    })?;
    scenario
        .check()
        .map_err(|e| host_error(py, &e, Phase::Open))?;
    Ok(scenario)
}

/// A channel as Python passes it: (label, kind, unit, extra metadata).
type PyChannel = (String, String, String, Vec<(String, String)>);

/// One replay, driven from Python (see `player_host.Player`).
#[pyclass(module = "player_host._native")]
struct NativePlayer {
    player: Mutex<Player>,
    stop: StopHandle,
    controller: Controller,
    warnings: Vec<String>,
    names: Vec<String>,
    /// The summary (JSON) once the run was joined, for later `wait` calls.
    summary: Mutex<Option<String>>,
}

impl NativePlayer {
    fn new(player: Player) -> Self {
        NativePlayer {
            stop: player.stop_handle(),
            controller: player.controller(),
            names: player
                .stream_names()
                .iter()
                .map(|s| s.to_string())
                .collect(),
            warnings: player.warnings().to_vec(),
            player: Mutex::new(player),
            summary: Mutex::new(None),
        }
    }

    /// Runs a steering request without the GIL (the timing thread answers within a few
    /// milliseconds); returns the status as JSON, or the refusal as a `PlayerError`.
    fn steer(
        &self,
        py: Python<'_>,
        request: impl FnOnce(&Controller) -> Result<Status, Refusal> + Send,
    ) -> PyResult<String> {
        let answer = py.detach(|| request(&self.controller));
        let status = answer.map_err(|r| raise(py, "PlayerError", r.0))?;
        serde_json::to_string(&status).map_err(|e| PyValueError::new_err(e.to_string()))
    }

    fn lock(&self) -> MutexGuard<'_, Player> {
        self.player.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Joins the timing thread (without the GIL) and returns the summary as JSON; the
    /// summary is kept, so that later calls return it again.
    fn finish(&self, py: Python<'_>) -> PyResult<String> {
        // Every lock is taken without the GIL: another thread holding one may need the
        // GIL to let go of it.
        let json = py.detach(|| -> Result<String, HostError> {
            let mut kept = self.summary.lock().unwrap_or_else(|p| p.into_inner());
            if let Some(json) = kept.as_ref() {
                return Ok(json.clone());
            }
            let summary = self.lock().wait()?;
            let json = serde_json::to_string(&summary)
                .map_err(|e| HostError::config(format!("the summary: {e}")))?;
            *kept = Some(json.clone());
            Ok(json)
        });
        json.map_err(|e| host_error(py, &e, Phase::Run))
    }
}

#[pymethods]
impl NativePlayer {
    /// Opens every recording of a scenario file.
    #[staticmethod]
    fn from_scenario_file(py: Python<'_>, path: PathBuf, output: &str) -> PyResult<Self> {
        let scenario = py
            .detach(|| Scenario::load(&path))
            .map_err(|e| host_error(py, &e, Phase::Open))?;
        open(py, Session::new(scenario), output)
    }

    /// Opens the recordings of a scenario given as JSON (the schema of scenario files).
    #[staticmethod]
    fn from_scenario_json(py: Python<'_>, json: &str, output: &str) -> PyResult<Self> {
        let scenario = parse_scenario(py, json)?;
        open(py, Session::new(scenario), output)
    }

    /// Replays `data` (frames × channels, copied once) as the one stream of a scenario
    /// given as JSON, whose entry must read `reader: memory`. `channels` are (label,
    /// kind, unit, extras) and `annotations` (onset, duration, text).
    #[staticmethod]
    #[allow(clippy::too_many_arguments)]
    fn from_memory(
        py: Python<'_>,
        json: &str,
        data: PyReadonlyArray2<'_, f64>,
        rate: f64,
        content_type: &str,
        channels: Vec<PyChannel>,
        annotations: Vec<(f64, f64, String)>,
        output: &str,
    ) -> PyResult<Self> {
        let array = data.as_array();
        if array.ncols() != channels.len() {
            return Err(PyValueError::new_err(format!(
                "the data has {} channels (columns) but {} channel names were given",
                array.ncols(),
                channels.len()
            )));
        }
        // One copy, frames-major, whatever the array's memory layout.
        let values: Vec<f64> = match array.as_slice() {
            Some(contiguous) => contiguous.to_vec(),
            None => array.iter().copied().collect(),
        };
        let channels = channels
            .into_iter()
            .map(|(label, kind, unit, extra)| {
                extra
                    .into_iter()
                    .fold(ChannelInfo::new(label, kind, unit), |c, (k, v)| {
                        c.with_extra(k, v)
                    })
            })
            .collect();
        let annotations = annotations
            .into_iter()
            .map(|(onset, duration, text)| Annotation::new(onset, duration, text))
            .collect();
        let recording = MemoryRecording::new(content_type, rate, channels, values, annotations)
            .map_err(|e| PyValueError::new_err(e.to_string()))?;
        let scenario = parse_scenario(py, json)?;
        if scenario.streams.len() != 1
            || scenario.streams[0].reader.as_deref() != Some(MEMORY_READER_ID)
        {
            return Err(PyValueError::new_err(
                "from_memory takes a scenario of one stream read by the memory reader",
            ));
        }
        let session = Session::new(scenario).reader(Box::new(MemoryReader::new(recording)));
        open(py, session, output)
    }

    /// Creates the outlets (announced when this returns) and starts playing.
    ///
    /// The outlets are made on a short-lived thread with real-time priority (see
    /// [`transport_priority`]): the threads liblsl starts for them, which carry every
    /// pushed chunk to the receivers, inherit it, so that a busy interpreter in this
    /// process does not hold the samples back after the engine pushed them on time.
    fn start(&self, py: Python<'_>) -> PyResult<()> {
        py.detach(|| {
            std::thread::scope(|scope| {
                scope
                    .spawn(|| {
                        transport_priority();
                        self.lock().start()
                    })
                    .join()
                    .unwrap_or_else(|_| Err(HostError::config("starting the player panicked")))
            })
        })
        .map_err(|e| host_error(py, &e, Phase::Run))
    }

    /// Asks the player to stop; returns at once.
    fn stop(&self) {
        self.stop.stop();
    }

    /// Whether it plays (or waits to start).
    #[getter]
    fn running(&self) -> bool {
        self.lock().is_running()
    }

    /// Waits for the end of the run, at most `timeout` seconds (`None`: as long as it
    /// takes), checking for signals every few milliseconds. Returns the summary as JSON,
    /// or `None` on timeout. On a signal's exception (KeyboardInterrupt), the player is
    /// stopped and joined first.
    #[pyo3(signature = (timeout=None))]
    fn wait(&self, py: Python<'_>, timeout: Option<f64>) -> PyResult<Option<String>> {
        let deadline = match timeout {
            Some(t) if t.is_nan() || t < 0.0 => {
                return Err(PyValueError::new_err(format!(
                    "timeout must be a number of seconds >= 0 or None, not {t}"
                )))
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

    /// Pauses the replay (nothing is pushed; the position stands still); the status as
    /// JSON.
    fn pause(&self, py: Python<'_>) -> PyResult<String> {
        self.steer(py, |c| c.pause())
    }

    /// Resumes a paused replay; the status as JSON.
    fn resume(&self, py: Python<'_>) -> PyResult<String> {
        self.steer(py, |c| c.resume())
    }

    /// Moves the replay position to `seconds` (clamped to the section); the status.
    fn seek(&self, py: Python<'_>, seconds: f64) -> PyResult<String> {
        self.steer(py, |c| c.seek(seconds))
    }

    /// Sets the replay speed (1 = real time); the status as JSON.
    fn set_speed(&self, py: Python<'_>, speed: f64) -> PyResult<String> {
        self.steer(py, |c| c.set_speed(speed))
    }

    /// Where the replay stands, as JSON.
    fn status(&self) -> PyResult<String> {
        serde_json::to_string(&self.controller.status())
            .map_err(|e| PyValueError::new_err(e.to_string()))
    }

    /// Live statistics of every stream, as JSON (a list of objects).
    fn stats(&self) -> PyResult<String> {
        serde_json::to_string(&self.lock().stats())
            .map_err(|e| PyValueError::new_err(e.to_string()))
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

/// The real-time priority of the threads that start a replay (SCHED_FIFO), one below
/// the engine's timing thread (20), so that the transport never delays a push.
const TRANSPORT_PRIORITY: i32 = 19;

/// Gives the calling thread, and the threads it starts, real-time priority when the
/// system allows it (root, CAP_SYS_NICE or an rtprio limit) and `PLAYER_REALTIME` is not
/// `0`, as the engine's timing thread does; otherwise nothing changes. In-process, the
/// interpreter's threads compete with liblsl's for the CPU, unlike in `player-host`'s
/// own process.
fn transport_priority() {
    if std::env::var("PLAYER_REALTIME").is_ok_and(|v| v == "0") {
        return;
    }
    #[cfg(target_os = "linux")]
    {
        let param = libc::sched_param {
            sched_priority: TRANSPORT_PRIORITY,
        };
        // SAFETY: changes only this thread's scheduling; `param` outlives the call. A
        // refusal (no permission) leaves it as it was.
        let _ =
            unsafe { libc::pthread_setschedparam(libc::pthread_self(), libc::SCHED_FIFO, &param) };
    }
}

/// Runs the `player-host` command line (`args[0]` is the program name) and returns its
/// exit status, without the GIL.
#[pyfunction]
fn cli_main(py: Python<'_>, args: Vec<OsString>) -> i32 {
    py.detach(|| player_host::cli::cli_main(args))
}

/// The native half of the `player_host` package.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<NativePlayer>()?;
    m.add_function(wrap_pyfunction!(cli_main, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
