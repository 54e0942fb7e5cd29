//! What crosses from the engine to Python: a run's [`Summary`], per-stream [`StreamStats`]
//! and a replay's [`PlayStatus`], as frozen native classes (typed in `_native.pyi`,
//! re-exported by `player_host`). Each converts from its `player_host` (Rust) type once;
//! Python reads plain attributes, never JSON.

use player_host::{PlayState, Status};
use pyo3::prelude::*;
use pyo3::types::PyTuple;
use pyo3::BoundObject;

pub use crate::faults::PyFaultRecord;

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
        repr_of("StreamStats", slf.get().fields(slf.py())?)
    }

    /// Pickling: the class and the arguments of its constructor.
    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyTuple>> {
        reduce(slf, slf.get().fields(slf.py())?)
    }
}

impl PyStreamStats {
    /// The constructor's arguments, by name, in order.
    fn fields<'py>(&self, py: Python<'py>) -> PyResult<Fields<'py>> {
        Ok(vec![
            ("name", any(py, self.name.clone())?),
            ("samples", any(py, self.samples)?),
            ("chunks", any(py, self.chunks)?),
            ("late_chunks", any(py, self.late_chunks)?),
            ("lateness_p50", any(py, self.lateness_p50)?),
            ("lateness_p99", any(py, self.lateness_p99)?),
            ("lateness_max", any(py, self.lateness_max)?),
            ("position", any(py, self.position)?),
            ("finished", any(py, self.finished)?),
            ("error", any(py, self.error.clone())?),
        ])
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
    faults: Vec<PyFaultRecord>,
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
            faults: s.faults.into_iter().map(PyFaultRecord::from).collect(),
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
    #[pyo3(signature = (t0, wall_seconds, interrupted, streams=Vec::new(), warnings=Vec::new(), faults=Vec::new()))]
    fn new(
        t0: Option<f64>,
        wall_seconds: f64,
        interrupted: bool,
        streams: Vec<Py<PyStreamStats>>,
        warnings: Vec<String>,
        faults: Vec<Py<PyFaultRecord>>,
    ) -> Self {
        PySummary {
            t0,
            wall_seconds,
            interrupted,
            streams,
            warnings,
            faults: faults.iter().map(|f| f.get().clone()).collect(),
        }
    }

    /// list of FaultRecord: every fault injected (``faults=``), in order.
    #[getter]
    fn faults(&self) -> Vec<PyFaultRecord> {
        self.faults.clone()
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
            && self.faults == o.faults
            && self.streams.len() == o.streams.len()
            && self
                .streams
                .iter()
                .zip(&o.streams)
                .all(|(a, b)| a.get() == b.get())
    }

    fn __repr__(slf: &Bound<'_, Self>) -> PyResult<String> {
        repr_of("Summary", slf.get().fields(slf.py())?)
    }

    /// Pickling: the class and the arguments of its constructor.
    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyTuple>> {
        reduce(slf, slf.get().fields(slf.py())?)
    }
}

impl PySummary {
    /// The constructor's arguments, by name, in order.
    fn fields<'py>(&self, py: Python<'py>) -> PyResult<Fields<'py>> {
        Ok(vec![
            ("t0", any(py, self.t0)?),
            ("wall_seconds", any(py, self.wall_seconds)?),
            ("interrupted", any(py, self.interrupted)?),
            ("streams", any(py, self.streams(py))?),
            ("warnings", any(py, self.warnings.clone())?),
            ("faults", any(py, self.faults.clone())?),
        ])
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
        repr_of("PlayStatus", slf.get().fields(slf.py())?)
    }

    /// Pickling: the class and the arguments of its constructor.
    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyTuple>> {
        reduce(slf, slf.get().fields(slf.py())?)
    }
}

impl PyPlayStatus {
    /// The constructor's arguments, by name, in order.
    fn fields<'py>(&self, py: Python<'py>) -> PyResult<Fields<'py>> {
        Ok(vec![
            ("state", any(py, self.state.clone())?),
            ("position", any(py, self.position)?),
            ("duration", any(py, self.duration)?),
            ("pass_number", any(py, self.pass_number)?),
            ("passes", any(py, self.passes)?),
            ("speed", any(py, self.speed)?),
        ])
    }
}

/// A class's constructor arguments, by name, as Python objects.
pub(crate) type Fields<'py> = Vec<(&'static str, Bound<'py, PyAny>)>;

/// A value as a Python object.
pub(crate) fn any<'py, T: IntoPyObject<'py>>(
    py: Python<'py>,
    value: T,
) -> PyResult<Bound<'py, PyAny>>
where
    PyErr: From<T::Error>,
{
    Ok(value.into_pyobject(py)?.into_any().into_bound())
}

/// `Class(field=repr(value), ...)`, each value written by Python's own `repr`.
pub(crate) fn repr_of(class: &str, fields: Fields<'_>) -> PyResult<String> {
    let parts = fields
        .into_iter()
        .map(|(k, v)| Ok(format!("{k}={}", v.repr()?)))
        .collect::<PyResult<Vec<String>>>()?;
    Ok(format!("{class}({})", parts.join(", ")))
}

/// What pickling needs: the class and its constructor's arguments.
pub(crate) fn reduce<'py, T: pyo3::PyClass>(
    slf: &Bound<'py, T>,
    fields: Fields<'py>,
) -> PyResult<Bound<'py, PyTuple>> {
    let py = slf.py();
    let args = PyTuple::new(py, fields.into_iter().map(|(_, v)| v))?;
    PyTuple::new(py, [slf.as_any().get_type().into_any(), args.into_any()])
}
