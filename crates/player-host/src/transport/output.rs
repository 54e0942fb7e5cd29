//! The transport-neutral side of outputs: the [`Output`] and [`Outlet`] traits, the sample
//! formats, and the null output (vocabulary in [`super`]).

use crate::error::Result;
use player_api::{ChannelInfo, SampleFormat};

/// The sample type a user asks for (`--format`, `format:`), resolved per stream into a
/// [`WireFormat`] by [`resolve`](ValueFormat::resolve).
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
}

impl ValueFormat {
    /// What goes on the wire for a stream stored as `stored`: text streams are always
    /// strings; `recorded_lsl` says the values are the raw values of a recorded LSL
    /// stream, so that [`Native`](ValueFormat::Native) keeps their integer formats.
    pub fn resolve(self, stored: SampleFormat, recorded_lsl: bool) -> WireFormat {
        match (self, stored, recorded_lsl) {
            (_, SampleFormat::String, _) => WireFormat::String,
            (ValueFormat::Float32, _, _) => WireFormat::Float32,
            (ValueFormat::Float64, _, _) => WireFormat::Float64,
            (ValueFormat::Native, SampleFormat::Int8, true) => WireFormat::Int8,
            (ValueFormat::Native, SampleFormat::Int16, true) => WireFormat::Int16,
            (ValueFormat::Native, SampleFormat::Int32, true) => WireFormat::Int32,
            (ValueFormat::Native, SampleFormat::Int64, true) => WireFormat::Int64,
            (
                ValueFormat::Native,
                SampleFormat::Float32
                | SampleFormat::Int24
                | SampleFormat::UInt8
                | SampleFormat::Int8
                | SampleFormat::Int16,
                _,
            ) => WireFormat::Float32,
            (ValueFormat::Native, _, _) => WireFormat::Float64,
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

/// The sample type on the wire: one of LSL's channel formats. Integer formats carry only
/// the integer values of recorded LSL streams (see [`ValueFormat::resolve`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum WireFormat {
    /// LSL `float32`.
    Float32,
    /// LSL `double64`.
    Float64,
    /// LSL `int8`.
    Int8,
    /// LSL `int16`.
    Int16,
    /// LSL `int32`.
    Int32,
    /// LSL `int64`.
    Int64,
    /// LSL `string` (markers, text streams).
    String,
}

impl WireFormat {
    /// LSL's name of the format (`float32`, `double64`, ...).
    pub fn lsl_name(self) -> &'static str {
        match self {
            WireFormat::Float32 => "float32",
            WireFormat::Float64 => "double64",
            WireFormat::Int8 => "int8",
            WireFormat::Int16 => "int16",
            WireFormat::Int32 => "int32",
            WireFormat::Int64 => "int64",
            WireFormat::String => "string",
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
    /// The sample type on the wire.
    pub format: WireFormat,
    /// Extra `desc/player/*` entries: source file, reader, versions.
    pub provenance: Vec<(String, String)>,
    /// The recorded `<desc>` element of a recorded LSL stream (XDF), republished as it was
    /// (the channels above are then not written again).
    pub desc_xml: Option<String>,
}

/// An outlet about to be created, and how many frames each of its pushes carries: what
/// an output may size its buffers by ([`Output::prepare`]).
#[derive(Debug, Clone, Copy)]
pub struct OutletPlan<'a> {
    /// The outlet.
    pub spec: &'a OutletSpec,
    /// Frames per push (1 for markers).
    pub chunk_size: usize,
}

/// A chunk's values, in the outlet's format: a view of [`Samples`].
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
    /// One string per frame and channel (owned strings up to the outlet, which alone
    /// converts them for its transport).
    Text(&'a [String]),
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

/// Interleaved frames in a [`WireFormat`]: the buffers the engine fills and pushes.
#[derive(Debug, Clone, PartialEq)]
pub enum Samples {
    /// `f32` values.
    F32(Vec<f32>),
    /// `f64` values.
    F64(Vec<f64>),
    /// `i8` values.
    I8(Vec<i8>),
    /// `i16` values.
    I16(Vec<i16>),
    /// `i32` values.
    I32(Vec<i32>),
    /// `i64` values.
    I64(Vec<i64>),
    /// Strings.
    Text(Vec<String>),
}

impl Samples {
    /// Empty buffers for `format`.
    pub fn new(format: WireFormat) -> Self {
        match format {
            WireFormat::Float32 => Samples::F32(Vec::new()),
            WireFormat::Float64 => Samples::F64(Vec::new()),
            WireFormat::Int8 => Samples::I8(Vec::new()),
            WireFormat::Int16 => Samples::I16(Vec::new()),
            WireFormat::Int32 => Samples::I32(Vec::new()),
            WireFormat::Int64 => Samples::I64(Vec::new()),
            WireFormat::String => Samples::Text(Vec::new()),
        }
    }

    /// The values of frames `a..b` (`channels` wide).
    pub fn frames(&self, a: usize, b: usize, channels: usize) -> Values<'_> {
        let r = a * channels..b * channels;
        match self {
            Samples::F32(v) => Values::F32(&v[r]),
            Samples::F64(v) => Values::F64(&v[r]),
            Samples::I8(v) => Values::I8(&v[r]),
            Samples::I16(v) => Values::I16(&v[r]),
            Samples::I32(v) => Values::I32(&v[r]),
            Samples::I64(v) => Values::I64(&v[r]),
            Samples::Text(v) => Values::Text(&v[r]),
        }
    }

    /// Replaces the content with the frames of `values` (`width` wide), keeping the
    /// `picks` columns (all when `None`), converted to this format. Integer formats only
    /// carry the integer values of recorded LSL streams: `as` is exact there.
    pub fn fill_numeric(&mut self, values: &[f64], width: usize, picks: Option<&[usize]>) {
        match self {
            Samples::F32(v) => copy_frames(v, values, width, picks, |&x| x as f32),
            Samples::F64(v) => copy_frames(v, values, width, picks, |&x| x),
            Samples::I8(v) => copy_frames(v, values, width, picks, |&x| x as i8),
            Samples::I16(v) => copy_frames(v, values, width, picks, |&x| x as i16),
            Samples::I32(v) => copy_frames(v, values, width, picks, |&x| x as i32),
            Samples::I64(v) => copy_frames(v, values, width, picks, |&x| x as i64),
            Samples::Text(v) => v.clear(),
        }
    }

    /// Replaces the content with the strings of `text` (`width` per frame), keeping the
    /// `picks` columns; nothing for numeric buffers.
    pub fn fill_text(&mut self, text: &[String], width: usize, picks: Option<&[usize]>) {
        if let Samples::Text(v) = self {
            copy_frames(v, text, width, picks, String::clone);
        }
    }
}

/// Replaces `out` with the frames of `raw` (each `width` wide), keeping the `picks` columns
/// (all when `None`), converted by `conv`.
fn copy_frames<S, T>(
    out: &mut Vec<T>,
    raw: &[S],
    width: usize,
    picks: Option<&[usize]>,
    conv: impl Fn(&S) -> T,
) {
    out.clear();
    for frame in raw.chunks_exact(width.max(1)) {
        match picks {
            None => out.extend(frame.iter().map(&conv)),
            Some(cols) => out.extend(cols.iter().filter_map(|&c| frame.get(c)).map(&conv)),
        }
    }
}

/// One published stream.
pub trait Outlet: Send {
    /// Publishes one chunk; `stamps` holds one timestamp per frame.
    fn push(&mut self, values: Values<'_>, stamps: &[f64]) -> Result<()>;
    /// Whether at least one consumer is connected.
    fn have_consumers(&self) -> bool;
    /// Bytes pushed but not yet taken by the connected consumers, as `census` (taken by
    /// this outlet's [`Output::census`] once for all outlets) shows them; `None` when the
    /// transport cannot tell. See [`Linger`].
    fn backlog(&self, census: &Census) -> Option<u64> {
        let _ = census;
        None
    }
}

/// A look at a transport's queues at one moment, taken once for all its outlets (each
/// outlet finds its own [`backlog`](Outlet::backlog) in it): what an output knows of its
/// consumers, in the output's own terms (for LSL, the process's TCP send queues).
#[derive(Default)]
pub struct Census(Option<Box<dyn std::any::Any + Send>>);

impl Census {
    /// A census that knows nothing: every backlog is unknown.
    pub fn unknown() -> Self {
        Census(None)
    }

    /// A census holding what the output read.
    pub fn new<T: std::any::Any + Send>(look: T) -> Self {
        Census(Some(Box::new(look)))
    }

    /// What the output read, if it is a `T`.
    pub fn get<T: std::any::Any>(&self) -> Option<&T> {
        self.0.as_ref().and_then(|b| b.downcast_ref())
    }
}

impl std::fmt::Debug for Census {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_some() {
            "Census(..)"
        } else {
            "Census(unknown)"
        })
    }
}

/// How long outlets stay up after the last push of a run that ended by itself, so that
/// the consumers get every sample: until every outlet's [`backlog`](Outlet::backlog) has
/// been zero for `settle` (or for `blind` when an outlet cannot tell), and at most `max`
/// (the run's summary then says what may not have been delivered).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Linger {
    /// How long the backlog must stay at zero.
    pub settle: std::time::Duration,
    /// The fixed wait when an outlet's backlog is unknown.
    pub blind: std::time::Duration,
    /// The bound.
    pub max: std::time::Duration,
}

impl Linger {
    /// No wait at all (outputs that deliver nothing).
    pub const NONE: Linger = Linger {
        settle: std::time::Duration::ZERO,
        blind: std::time::Duration::ZERO,
        max: std::time::Duration::ZERO,
    };
}

/// A factory of outlets.
pub trait Output: Send + Sync {
    /// Called once with every outlet a run is about to create, before the first
    /// [`create`](Output::create) (by default: nothing to do). LSL sizes liblsl's
    /// preallocated samples from them (`transport::reserve`).
    fn prepare(&self, outlets: &[OutletPlan<'_>]) -> Result<()> {
        let _ = outlets;
        Ok(())
    }
    /// Creates (and announces) an outlet.
    fn create(&self, spec: &OutletSpec) -> Result<Box<dyn Outlet>>;
    /// The clock that timestamps are expressed in, in seconds (LSL's `local_clock`).
    fn now(&self) -> f64;
    /// How long outlets must stay up after the last push of a run that ended by itself,
    /// so that data still in flight reaches consumers.
    fn linger(&self) -> Linger {
        Linger::NONE
    }
    /// A look at the transport's queues now, for its outlets'
    /// [`backlog`](Outlet::backlog)s (by default: nothing is known).
    fn census(&self) -> Census {
        Census::unknown()
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
    fn backlog(&self, _: &Census) -> Option<u64> {
        Some(0)
    }
}

impl Output for NullOutput {
    fn create(&self, _: &OutletSpec) -> Result<Box<dyn Outlet>> {
        Ok(Box::new(NullOutlet))
    }
    fn now(&self) -> f64 {
        crate::transport::clock::local_clock()
    }
}
