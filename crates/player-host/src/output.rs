//! Where the engine's chunks go: real LSL outlets, or a null sink for tests and dry runs.

use crate::error::Result;
use player_api::{ChannelInfo, SampleFormat};
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
    /// The stream's own format: for a recording of LSL streams (XDF), the format it was
    /// recorded in (`int16`, `string`, ...); for other files, the float type that holds
    /// its physical values exactly (`float64` for 32-bit integers and doubles).
    Native,
    /// LSL `int8` (only as the native format of a recorded LSL stream).
    #[serde(skip)]
    Int8,
    /// LSL `int16` (only as the native format of a recorded LSL stream).
    #[serde(skip)]
    Int16,
    /// LSL `int32` (only as the native format of a recorded LSL stream).
    #[serde(skip)]
    Int32,
    /// LSL `int64` (only as the native format of a recorded LSL stream).
    #[serde(skip)]
    Int64,
}

impl ValueFormat {
    /// Resolves [`Native`](ValueFormat::Native) for a stream stored as `stored`;
    /// `recorded_lsl` says the values are the raw values of a recorded LSL stream, so
    /// integer formats are kept. Other formats are returned as they are.
    pub fn resolve(self, stored: SampleFormat, recorded_lsl: bool) -> ValueFormat {
        if self != ValueFormat::Native {
            return self;
        }
        match (stored, recorded_lsl) {
            (SampleFormat::Int8, true) => ValueFormat::Int8,
            (SampleFormat::Int16, true) => ValueFormat::Int16,
            (SampleFormat::Int32, true) => ValueFormat::Int32,
            (SampleFormat::Int64, true) => ValueFormat::Int64,
            (SampleFormat::Float32, _)
            | (SampleFormat::UInt8 | SampleFormat::Int8 | SampleFormat::Int16, false)
            | (SampleFormat::Int24, _) => ValueFormat::Float32,
            _ => ValueFormat::Float64,
        }
    }
}

impl std::str::FromStr for ValueFormat {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "float32" => Ok(ValueFormat::Float32),
            "float64" | "double64" => Ok(ValueFormat::Float64),
            "native" => Ok(ValueFormat::Native),
            other => Err(format!(
                "unknown value format {} (float32, float64 or native)",
                player_api::quote(other)
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
    /// The recorded `<desc>` element of a recorded LSL stream (XDF), republished as it was
    /// (the channels above are then not written again).
    pub desc_xml: Option<String>,
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
    /// Interleaved `i8` frames.
    I8(&'a [i8]),
    /// Interleaved `i16` frames.
    I16(&'a [i16]),
    /// Interleaved `i32` frames.
    I32(&'a [i32]),
    /// Interleaved `i64` frames.
    I64(&'a [i64]),
    /// One string per frame and channel.
    Text(&'a [CString]),
}

impl Values<'_> {
    /// The number of values (frames × channels).
    pub fn len(&self) -> usize {
        match self {
            Values::F32(v) => v.len(),
            Values::F64(v) => v.len(),
            Values::I8(v) => v.len(),
            Values::I16(v) => v.len(),
            Values::I32(v) => v.len(),
            Values::I64(v) => v.len(),
            Values::Text(v) => v.len(),
        }
    }

    /// Whether there are no values.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
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
    /// How long outlets must stay up after the last push of a run that ended by itself,
    /// so that data still in flight reaches consumers.
    fn linger(&self) -> std::time::Duration {
        std::time::Duration::ZERO
    }
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
