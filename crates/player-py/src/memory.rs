//! Data held by Python, replayed without a file: `MemoryStream`, one in-memory
//! recording (an array of samples, or events with their own times) built from NumPy
//! arrays, and served to the engine under the pseudo path `memory:<label>`.

use numpy::PyReadonlyArray2;
use player_api::{Annotation, ChannelInfo};
use player_host::{EventValues, MemoryRecording};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

/// A channel as Python passes it: (label, kind, unit, extra metadata).
pub type PyChannel = (String, String, String, Vec<(String, String)>);

/// One recording held in memory, ready to be played by `open_memory`.
#[pyclass(module = "player_host._native", frozen)]
#[derive(Debug)]
pub struct MemoryStream {
    /// The pseudo path the scenario names (`memory:<label>`).
    pub path: String,
    pub recording: MemoryRecording,
}

fn channels(list: Vec<PyChannel>) -> Vec<ChannelInfo> {
    list.into_iter()
        .map(|(label, kind, unit, extra)| {
            extra
                .into_iter()
                .fold(ChannelInfo::new(label, kind, unit), |c, (k, v)| {
                    c.with_extra(k, v)
                })
        })
        .collect()
}

/// The values of a 2-D array, frames-major (one copy, whatever its memory layout).
fn frames_major(data: &PyReadonlyArray2<'_, f64>, width: usize) -> PyResult<Vec<f64>> {
    let array = data.as_array();
    if array.ncols() != width {
        return Err(PyValueError::new_err(format!(
            "the data has {} channels (columns) but {} channel names were given",
            array.ncols(),
            width
        )));
    }
    Ok(match array.as_slice() {
        Some(contiguous) => contiguous.to_vec(),
        None => array.iter().copied().collect(),
    })
}

fn with_desc(recording: MemoryRecording, desc_xml: Option<String>) -> MemoryRecording {
    match desc_xml {
        Some(desc) => recording.with_desc_xml(desc),
        None => recording,
    }
}

fn refused(e: player_api::ReadError) -> PyErr {
    PyValueError::new_err(e.message().to_string())
}

#[pymethods]
impl MemoryStream {
    /// A regular stream: `data` (frames × channels, copied once) sampled at `rate` Hz;
    /// `channels` are (label, kind, unit, extras), `annotations` (onset, duration, text)
    /// in seconds from the first frame; `desc_xml` an LSL `<desc>` element published as
    /// it is (else the host writes one from the channels).
    #[staticmethod]
    #[pyo3(signature = (label, data, rate, content_type, channels, annotations, desc_xml=None))]
    #[allow(clippy::too_many_arguments)]
    fn regular(
        py: Python<'_>,
        label: &str,
        data: PyReadonlyArray2<'_, f64>,
        rate: f64,
        content_type: &str,
        channels: Vec<PyChannel>,
        annotations: Vec<(f64, f64, String)>,
        desc_xml: Option<String>,
    ) -> PyResult<Self> {
        let values = frames_major(&data, channels.len())?;
        let channels = self::channels(channels);
        let annotations = annotations
            .into_iter()
            .map(|(onset, duration, text)| Annotation::new(onset, duration, text))
            .collect();
        let content_type = content_type.to_string();
        let recording = py
            .detach(|| MemoryRecording::new(&content_type, rate, channels, values, annotations))
            .map_err(refused)?;
        Ok(MemoryStream {
            path: format!("memory:{label}"),
            recording: with_desc(recording, desc_xml),
        })
    }

    /// An irregular stream of events: frame `k` (a row of `values`, or the string
    /// `texts[k]` for a one-channel text stream) at `stamps[k]` seconds after the first
    /// sample of a pass of `duration` seconds.
    #[staticmethod]
    #[pyo3(signature = (label, stamps, content_type, channels, duration, values=None, texts=None,
        desc_xml=None))]
    #[allow(clippy::too_many_arguments)]
    fn events(
        label: &str,
        stamps: Vec<f64>,
        content_type: &str,
        channels: Vec<PyChannel>,
        duration: f64,
        values: Option<PyReadonlyArray2<'_, f64>>,
        texts: Option<Vec<String>>,
        desc_xml: Option<String>,
    ) -> PyResult<Self> {
        let values = match (values, texts) {
            (Some(v), None) => EventValues::Numbers(frames_major(&v, channels.len())?),
            (None, Some(t)) => EventValues::Text(t),
            _ => {
                return Err(PyValueError::new_err(
                    "events take either values (numbers) or texts (strings)",
                ))
            }
        };
        let recording = MemoryRecording::events(
            content_type,
            self::channels(channels),
            stamps,
            values,
            duration,
        )
        .map_err(refused)?;
        Ok(MemoryStream {
            path: format!("memory:{label}"),
            recording: with_desc(recording, desc_xml),
        })
    }

    /// The pseudo path a scenario entry names (`memory:<label>`).
    #[getter]
    fn path(&self) -> String {
        self.path.clone()
    }
}
