//! What crosses from the engine to Python: a run's [`Summary`], per-stream [`StreamStats`]
//! and a replay's [`PlayStatus`], as frozen native classes (typed in `_native.pyi`,
//! re-exported by `player_host`). Each converts from its `player_host` (Rust) type once;
//! Python reads plain attributes, never JSON.

use player_host::{PlayState, Status};
use pyo3::prelude::*;
use pyo3::types::PyTuple;

/// What one stream has pushed so far, and how late.
///
/// Attributes
/// ----------
/// name : str
///     The LSL stream name.
/// samples : int
///     Frames pushed.
/// chunks : int
///     Chunks pushed.
/// late_chunks : int
///     Chunks pushed more than 1 ms after they were due.
/// lateness_p50 : float
///     Median lateness (push time minus due time) in seconds.
/// lateness_p99 : float
///     99th percentile of the lateness in seconds.
/// lateness_max : float
///     Largest lateness in seconds.
/// position : float
///     Seconds of the recording played (across passes).
/// finished : bool
///     Whether the stream played to its end.
/// error : str | None
///     Why the stream failed, if it did.
#[pyclass(name = "StreamStats", module = "player_host", frozen, eq, get_all)]
#[derive(Debug, Clone, PartialEq)]
pub struct PyStreamStats {
    name: String,
    samples: u64,
    chunks: u64,
    late_chunks: u64,
    lateness_p50: f64,
    lateness_p99: f64,
    lateness_max: f64,
    position: f64,
    finished: bool,
    error: Option<String>,
}

impl From<player_host::StreamStats> for PyStreamStats {
    fn from(s: player_host::StreamStats) -> Self {
        PyStreamStats {
            name: s.name,
            samples: s.samples,
            chunks: s.chunks,
            late_chunks: s.late_chunks,
            lateness_p50: s.lateness_p50,
            lateness_p99: s.lateness_p99,
            lateness_max: s.lateness_max,
            position: s.position,
            finished: s.finished,
            error: s.error,
        }
    }
}

#[pymethods]
impl PyStreamStats {
    #[new]
    #[pyo3(signature = (name, samples=0, chunks=0, late_chunks=0, lateness_p50=0.0,
        lateness_p99=0.0, lateness_max=0.0, position=0.0, finished=false, error=None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        name: String,
        samples: u64,
        chunks: u64,
        late_chunks: u64,
        lateness_p50: f64,
        lateness_p99: f64,
        lateness_max: f64,
        position: f64,
        finished: bool,
        error: Option<String>,
    ) -> Self {
        PyStreamStats {
            name,
            samples,
            chunks,
            late_chunks,
            lateness_p50,
            lateness_p99,
            lateness_max,
            position,
            finished,
            error,
        }
    }

    fn __repr__(slf: &Bound<'_, Self>) -> PyResult<String> {
        let (py, s) = (slf.py(), slf.get());
        repr_of(
            py,
            "StreamStats",
            vec![
                ("name", s.name.clone().into_pyobject(py)?.into_any()),
                ("samples", s.samples.into_pyobject(py)?.into_any()),
                ("chunks", s.chunks.into_pyobject(py)?.into_any()),
                ("late_chunks", s.late_chunks.into_pyobject(py)?.into_any()),
                ("lateness_p50", s.lateness_p50.into_pyobject(py)?.into_any()),
                ("lateness_p99", s.lateness_p99.into_pyobject(py)?.into_any()),
                ("lateness_max", s.lateness_max.into_pyobject(py)?.into_any()),
                ("position", s.position.into_pyobject(py)?.into_any()),
                (
                    "finished",
                    s.finished.into_pyobject(py)?.to_owned().into_any(),
                ),
                ("error", s.error.clone().into_pyobject(py)?.into_any()),
            ],
        )
    }

    /// Pickling: the class and the arguments of its constructor.
    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyTuple>> {
        let s = slf.get();
        let args = (
            s.name.clone(),
            s.samples,
            s.chunks,
            s.late_chunks,
            s.lateness_p50,
            s.lateness_p99,
            s.lateness_max,
            s.position,
            s.finished,
            s.error.clone(),
        );
        PyTuple::new(
            slf.py(),
            [
                slf.get_type().into_any(),
                args.into_pyobject(slf.py())?.into_any(),
            ],
        )
    }
}

/// What a finished (or stopped) run did.
///
/// Attributes
/// ----------
/// t0 : float | None
///     The LSL clock time (``pylsl.local_clock()``) of every stream's first sample
///     (before offsets), if the run got that far.
/// wall_seconds : float
///     Seconds from ``t0`` to the end of the run.
/// interrupted : bool
///     Whether the run was stopped before its end.
/// streams : list of StreamStats
///     Per-stream statistics, in scenario order.
/// warnings : list of str
///     What the user should know about the run as a whole, e.g. that the outlets were
///     closed before a consumer that lagged had taken the last chunks. They are also
///     emitted once, as :class:`PlayerWarning`, when the run's end is first observed.
/// failures : list of (str, str)
///     The streams that failed, with their error messages.
#[pyclass(name = "Summary", module = "player_host", frozen)]
#[derive(Debug)]
pub struct PySummary {
    #[pyo3(get)]
    t0: Option<f64>,
    #[pyo3(get)]
    wall_seconds: f64,
    #[pyo3(get)]
    interrupted: bool,
    streams: Vec<Py<PyStreamStats>>,
    #[pyo3(get)]
    warnings: Vec<String>,
}

impl PySummary {
    /// The Python summary of a run.
    pub fn from_host(py: Python<'_>, s: player_host::Summary) -> PyResult<Self> {
        let streams = s
            .streams
            .into_iter()
            .map(|st| Py::new(py, PyStreamStats::from(st)))
            .collect::<PyResult<_>>()?;
        Ok(PySummary {
            t0: s.t0,
            wall_seconds: s.wall_seconds,
            interrupted: s.interrupted,
            streams,
            warnings: s.warnings,
        })
    }

    /// The streams that failed, with their messages.
    pub fn failure_list(&self) -> Vec<(String, String)> {
        self.streams
            .iter()
            .filter_map(|s| {
                let s = s.get();
                s.error.clone().map(|e| (s.name.clone(), e))
            })
            .collect()
    }
}

#[pymethods]
impl PySummary {
    #[new]
    #[pyo3(signature = (t0, wall_seconds, interrupted, streams=Vec::new(), warnings=Vec::new()))]
    fn new(
        t0: Option<f64>,
        wall_seconds: f64,
        interrupted: bool,
        streams: Vec<Py<PyStreamStats>>,
        warnings: Vec<String>,
    ) -> Self {
        PySummary {
            t0,
            wall_seconds,
            interrupted,
            streams,
            warnings,
        }
    }

    /// list of StreamStats: per-stream statistics, in scenario order.
    #[getter]
    fn streams(&self, py: Python<'_>) -> Vec<Py<PyStreamStats>> {
        self.streams.iter().map(|s| s.clone_ref(py)).collect()
    }

    /// list of (str, str): the streams that failed, with their error messages.
    #[getter]
    fn failures(&self) -> Vec<(String, String)> {
        self.failure_list()
    }

    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        let Ok(other) = other.cast::<Self>() else {
            return false;
        };
        let o = other.get();
        self.t0 == o.t0
            && self.wall_seconds == o.wall_seconds
            && self.interrupted == o.interrupted
            && self.warnings == o.warnings
            && self.streams.len() == o.streams.len()
            && self
                .streams
                .iter()
                .zip(&o.streams)
                .all(|(a, b)| a.get() == b.get())
    }

    fn __repr__(slf: &Bound<'_, Self>) -> PyResult<String> {
        let (py, s) = (slf.py(), slf.get());
        repr_of(
            py,
            "Summary",
            vec![
                ("t0", s.t0.into_pyobject(py)?.into_any()),
                ("wall_seconds", s.wall_seconds.into_pyobject(py)?.into_any()),
                (
                    "interrupted",
                    s.interrupted.into_pyobject(py)?.to_owned().into_any(),
                ),
                ("streams", s.streams(py).into_pyobject(py)?.into_any()),
                ("warnings", s.warnings.clone().into_pyobject(py)?.into_any()),
            ],
        )
    }

    /// Pickling: the class and the arguments of its constructor.
    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyTuple>> {
        let py = slf.py();
        let s = slf.get();
        let args = (
            s.t0,
            s.wall_seconds,
            s.interrupted,
            s.streams(py),
            s.warnings.clone(),
        );
        PyTuple::new(
            py,
            [
                slf.get_type().into_any(),
                args.into_pyobject(py)?.into_any(),
            ],
        )
    }
}

/// Where a replay stands (see :attr:`Player.status`).
///
/// Attributes
/// ----------
/// state : str
///     ``"starting"``, ``"waiting"`` (for consumers or for t0), ``"playing"``,
///     ``"paused"`` or ``"finished"``.
/// position : float
///     Seconds into the replay's timeline (0 at t0; within the crop), in this pass.
/// duration : float | None
///     The duration of one pass, when known.
/// pass_number : int
///     The pass being played (1-based).
/// passes : int | None
///     How many passes (``None``: forever).
/// speed : float
///     The replay speed (1 = real time).
#[pyclass(name = "PlayStatus", module = "player_host", frozen, eq, get_all)]
#[derive(Debug, Clone, PartialEq)]
pub struct PyPlayStatus {
    state: String,
    position: f64,
    duration: Option<f64>,
    pass_number: u64,
    passes: Option<u64>,
    speed: f64,
}

impl From<Status> for PyPlayStatus {
    fn from(s: Status) -> Self {
        PyPlayStatus {
            state: s.state.as_str().to_string(),
            position: s.position,
            duration: s.duration,
            pass_number: s.pass.0,
            passes: s.pass.1,
            speed: s.speed,
        }
    }
}

#[pymethods]
impl PyPlayStatus {
    #[new]
    fn new(
        state: String,
        position: f64,
        duration: Option<f64>,
        pass_number: u64,
        passes: Option<u64>,
        speed: f64,
    ) -> PyResult<Self> {
        let known = [
            PlayState::Starting,
            PlayState::Waiting,
            PlayState::Playing,
            PlayState::Paused,
            PlayState::Finished,
        ];
        if !known.iter().any(|s| s.as_str() == state) {
            let names: Vec<&str> = known.iter().map(|s| s.as_str()).collect();
            return Err(pyo3::exceptions::PyValueError::new_err(format!(
                "state must be one of {}, not {}",
                names.join(", "),
                state
            )));
        }
        Ok(PyPlayStatus {
            state,
            position,
            duration,
            pass_number,
            passes,
            speed,
        })
    }

    fn __repr__(slf: &Bound<'_, Self>) -> PyResult<String> {
        let (py, s) = (slf.py(), slf.get());
        repr_of(
            py,
            "PlayStatus",
            vec![
                ("state", s.state.clone().into_pyobject(py)?.into_any()),
                ("position", s.position.into_pyobject(py)?.into_any()),
                ("duration", s.duration.into_pyobject(py)?.into_any()),
                ("pass_number", s.pass_number.into_pyobject(py)?.into_any()),
                ("passes", s.passes.into_pyobject(py)?.into_any()),
                ("speed", s.speed.into_pyobject(py)?.into_any()),
            ],
        )
    }

    /// Pickling: the class and the arguments of its constructor.
    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyTuple>> {
        let s = slf.get();
        let args = (
            s.state.clone(),
            s.position,
            s.duration,
            s.pass_number,
            s.passes,
            s.speed,
        );
        PyTuple::new(
            slf.py(),
            [
                slf.get_type().into_any(),
                args.into_pyobject(slf.py())?.into_any(),
            ],
        )
    }
}

/// `Class(field=repr(value), ...)`, each value written by Python's own `repr`.
fn repr_of<'py>(
    py: Python<'py>,
    class: &str,
    fields: Vec<(&str, Bound<'py, PyAny>)>,
) -> PyResult<String> {
    let parts = fields
        .into_iter()
        .map(|(k, v)| Ok(format!("{k}={}", v.repr()?)))
        .collect::<PyResult<Vec<String>>>()?;
    let _ = py;
    Ok(format!("{class}({})", parts.join(", ")))
}
