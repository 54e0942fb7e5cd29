//! Where the engine's chunks go: real LSL outlets, or a null sink for tests and dry runs.

use crate::error::Result;
use player_api::ChannelInfo;
use std::ffi::CString;

/// The value type published on a numeric stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ValueFormat {
    /// IEEE single precision (LSL `float32`), the default: what most consumers expect.
    #[default]
    Float32,
    /// IEEE double precision (LSL `double64`), for values that need it.
    Float64,
}

impl std::str::FromStr for ValueFormat {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "float32" => Ok(ValueFormat::Float32),
            "float64" | "double64" => Ok(ValueFormat::Float64),
            other => Err(format!(
                "unknown value format {other:?} (float32 or float64)"
            )),
        }
    }
}

/// What an outlet publishes: everything a receiver sees before the first sample.
#[derive(Debug, Clone)]
pub struct OutletSpec {
    /// The LSL stream name.
    pub name: String,
    /// The LSL content type (`EEG`, `MEG`, `Audio`, `Markers`).
    pub content_type: String,
    /// The LSL source id (stable across runs, so receivers can reconnect).
    pub source_id: String,
    /// Samples per second; 0 for irregular (marker) streams.
    pub nominal_rate: f64,
    /// The channels (label, kind → LSL `type`, unit).
    pub channels: Vec<ChannelInfo>,
    /// The sample type: numeric, or text for marker streams.
    pub sample_kind: SampleKind,
    /// Extra `desc/player/*` entries: source file, reader, versions.
    pub provenance: Vec<(String, String)>,
}

/// The type of samples an outlet carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SampleKind {
    /// Numbers in the given format.
    Numeric(ValueFormat),
    /// Text (markers).
    Text,
}

/// A chunk's values, in the outlet's format.
#[derive(Debug, Clone, Copy)]
pub enum Values<'a> {
    /// Interleaved `f32` frames.
    F32(&'a [f32]),
    /// Interleaved `f64` frames.
    F64(&'a [f64]),
    /// One string per frame and channel.
    Text(&'a [CString]),
}

/// One published stream.
pub trait Outlet: Send {
    /// Publishes one chunk; `stamps` holds one timestamp per frame.
    fn push(&mut self, values: Values<'_>, stamps: &[f64]) -> Result<()>;
    /// Whether at least one consumer is connected.
    fn have_consumers(&self) -> bool;
}

/// A factory of outlets.
pub trait Output: Send + Sync {
    /// Creates (and announces) an outlet.
    fn create(&self, spec: &OutletSpec) -> Result<Box<dyn Outlet>>;
    /// The clock that timestamps are expressed in, in seconds (LSL's `local_clock`).
    fn now(&self) -> f64;
}

/// Discards every chunk (but counts it like any outlet): `--output null`.
#[derive(Debug, Default, Clone, Copy)]
pub struct NullOutput;

#[derive(Debug)]
struct NullOutlet;

impl Outlet for NullOutlet {
    fn push(&mut self, _: Values<'_>, _: &[f64]) -> Result<()> {
        Ok(())
    }
    fn have_consumers(&self) -> bool {
        true
    }
}

impl Output for NullOutput {
    fn create(&self, _: &OutletSpec) -> Result<Box<dyn Outlet>> {
        Ok(Box::new(NullOutlet))
    }
    fn now(&self) -> f64 {
        crate::lsl::local_clock()
    }
}
