//! `FaultRecord`: one injected fault, as Python sees it (see `Summary.faults` and
//! docs/faults.md).

use crate::results::{any, reduce, repr_of, Fields};
use pyo3::prelude::*;
use pyo3::types::PyTuple;

/// One fault the player injected (``faults=``; docs/faults.md).
///
/// Attributes
/// ----------
/// stream : str
///     The stream's name.
/// fault : str
///     ``"drop"``, ``"duplicate"``, ``"jitter"``, ``"stall"``, ``"clock_offset"``,
///     ``"clock_jump"``, ``"disconnect"``, ``"flat"``, ``"nan"``, ``"clip"`` or
///     ``"noise"``.
/// first_sample : int
///     The index of the first affected sample (from the stream's first, across passes).
/// samples : int
///     How many consecutive samples (0 for clock faults: every sample from
///     ``first_sample`` on).
/// t : float
///     The LSL timestamp of the first affected sample.
/// channels : list of str | None
///     Channel faults: the channels hit.
/// delay : float | None
///     Jitter: the seconds the push was delayed.
/// at : float | None
///     Stall: the clock time pushes stopped; clock jumps and disconnects: their ``at``.
/// until : float | None
///     Stall: the clock time the held samples went out; disconnect: the clock time the
///     outlet was created again, or the outage ended when the replay went straight into
///     another (a seek, windows that touch); None when the run ended first.
/// seconds : float | None
///     Stall and disconnect: their ``for``.
/// by : float | None
///     Clock faults: the seconds added to the timestamps.
#[pyclass(name = "FaultRecord", module = "player_host", frozen, eq, get_all)]
#[derive(Debug, Clone, PartialEq)]
pub struct PyFaultRecord {
    stream: String,
    fault: String,
    first_sample: u64,
    samples: u64,
    t: f64,
    channels: Option<Vec<String>>,
    delay: Option<f64>,
    at: Option<f64>,
    until: Option<f64>,
    seconds: Option<f64>,
    by: Option<f64>,
}

impl From<player_host::faults::FaultRecord> for PyFaultRecord {
    fn from(r: player_host::faults::FaultRecord) -> Self {
        PyFaultRecord {
            stream: r.stream,
            fault: r.fault.word().to_string(),
            first_sample: r.first_sample,
            samples: r.samples,
            t: r.t,
            channels: r.channels,
            delay: r.delay,
            at: r.at,
            until: r.until,
            seconds: r.seconds,
            by: r.by,
        }
    }
}

#[pymethods]
impl PyFaultRecord {
    #[new]
    #[pyo3(signature = (stream, fault, first_sample, samples, t, channels=None, delay=None, at=None, until=None, seconds=None, by=None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        stream: String,
        fault: String,
        first_sample: u64,
        samples: u64,
        t: f64,
        channels: Option<Vec<String>>,
        delay: Option<f64>,
        at: Option<f64>,
        until: Option<f64>,
        seconds: Option<f64>,
        by: Option<f64>,
    ) -> Self {
        PyFaultRecord {
            stream,
            fault,
            first_sample,
            samples,
            t,
            channels,
            delay,
            at,
            until,
            seconds,
            by,
        }
    }

    fn __repr__(slf: &Bound<'_, Self>) -> PyResult<String> {
        repr_of("FaultRecord", slf.get().fields(slf.py())?)
    }

    /// Pickling: the class and the arguments of its constructor.
    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyTuple>> {
        reduce(slf, slf.get().fields(slf.py())?)
    }
}

impl PyFaultRecord {
    /// The constructor's arguments, by name, in order.
    fn fields<'py>(&self, py: Python<'py>) -> PyResult<Fields<'py>> {
        Ok(vec![
            ("stream", any(py, self.stream.clone())?),
            ("fault", any(py, self.fault.clone())?),
            ("first_sample", any(py, self.first_sample)?),
            ("samples", any(py, self.samples)?),
            ("t", any(py, self.t)?),
            ("channels", any(py, self.channels.clone())?),
            ("delay", any(py, self.delay)?),
            ("at", any(py, self.at)?),
            ("until", any(py, self.until)?),
            ("seconds", any(py, self.seconds)?),
            ("by", any(py, self.by)?),
        ])
    }
}
