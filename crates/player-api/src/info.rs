//! Descriptions of what a recording holds: streams, channels, annotations.
//!
//! These are plain data, serializable (they cross the dynamic-plugin boundary as JSON and
//! are printed by `player-host inspect --json`).

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Free-form key/value metadata (reader-specific facts kept for the user: a FIF file's
/// `first_samp`, an EDF signal's prefiltering, ...). Sorted for stable output.
pub type Metadata = BTreeMap<String, String>;

/// The nominal rate of an irregular stream (markers, events): its samples carry their own
/// timestamps. Same value as LSL's `IRREGULAR_RATE`.
pub const IRREGULAR_RATE: f64 = 0.0;

/// Everything a [`Recording`](crate::Recording) knows about itself, available right after
/// opening (without reading sample data).
///
/// Fields added after ABI version 1 have serde defaults, so the JSON of a plugin built
/// against an older `player-api` still reads: fields are only added, with defaults, under
/// the same JSON schema version (the rule is in the crate's `abi` module, "Versioning of
/// the JSON documents").
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct RecordingInfo {
    /// The streams of the recording, in a stable order;
    /// [`Recording::open_stream`](crate::Recording::open_stream) takes an index into this
    /// list. Never empty.
    pub streams: Vec<StreamInfo>,
    /// Annotations (events with a text), ordered by onset.
    pub annotations: Vec<Annotation>,
    /// When the measurement started, as RFC 3339 text in UTC (`2002-12-03T19:01:10Z`),
    /// when the file says.
    pub meas_date: Option<String>,
    /// The span of one pass in seconds, from the recording's first sample to the end of
    /// its last, used to repeat the recording. `None`: the longest
    /// [`StreamInfo::duration`]. Readers of time-stamped streams (XDF) set it.
    pub duration: Option<f64>,
    /// Reader-specific facts about the whole recording.
    pub metadata: Metadata,
    /// The streams are recordings of LSL streams (an XDF file). Hosts then republish each
    /// as it was recorded: under its own name (prefixed by a name only when the user
    /// gives one), in its recorded sample format, with its recorded `<desc>` element
    /// (the stream metadata entry [`DESC_XML`]).
    pub recorded_lsl: bool,
}

/// The [`StreamInfo::metadata`] key holding a stream's own LSL `<desc>` element as XML
/// text, which hosts publish as it is when the stream is published whole (not picked):
/// a recorded LSL stream's (see [`RecordingInfo::recorded_lsl`]), or the description an
/// in-memory stream brings (MNE-LSL's layout, for `player_host.PlayerLSL`).
pub const DESC_XML: &str = "desc_xml";

impl RecordingInfo {
    /// A recording holding `streams`, with no annotations, date or metadata.
    pub fn new(streams: Vec<StreamInfo>) -> Self {
        RecordingInfo {
            streams,
            ..Default::default()
        }
    }
}

/// One stream of samples: a set of channels sharing one sample clock.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct StreamInfo {
    /// The stream's name inside the recording (`"eeg"`, `"256Hz"`, an XDF stream's name).
    /// Hosts publish a single-stream recording under the user's name alone, and each stream
    /// of a multi-stream recording as `NAME-<this name>`.
    pub name: String,
    /// The content type, as LSL names it: `EEG`, `MEG`, `Audio`, `Markers`, ...
    pub content_type: String,
    /// Samples per second; [`IRREGULAR_RATE`] (0) for streams whose samples carry their own
    /// timestamps.
    pub nominal_rate: f64,
    /// The channels, in the order of the interleaved frames a source reads. Never empty.
    pub channels: Vec<ChannelInfo>,
    /// Number of frames (samples per channel), when known without reading the data.
    pub length: Option<u64>,
    /// How samples are stored in the file (informational; sources always deliver physical
    /// values as `f64`, or text for [`SampleFormat::String`]).
    pub sample_format: SampleFormat,
    /// What a read of this stream delivers (see [`StreamKind`]): declared once, here.
    /// `Regular` when absent from JSON.
    #[serde(default)]
    pub kind: StreamKind,
    /// Reader-specific facts about this stream.
    #[serde(default)]
    pub metadata: Metadata,
}

impl StreamInfo {
    /// A stream with the given name, content type, rate and channels; length unknown,
    /// native format `Float64`, no metadata.
    pub fn new(
        name: impl Into<String>,
        content_type: impl Into<String>,
        nominal_rate: f64,
        channels: Vec<ChannelInfo>,
    ) -> Self {
        StreamInfo {
            name: name.into(),
            content_type: content_type.into(),
            nominal_rate,
            channels,
            length: None,
            sample_format: SampleFormat::Float64,
            kind: if nominal_rate == IRREGULAR_RATE {
                StreamKind::Stamped
            } else {
                StreamKind::Regular
            },
            metadata: Metadata::new(),
        }
    }

    /// Sets the length in frames.
    pub fn with_length(mut self, frames: u64) -> Self {
        self.length = Some(frames);
        self
    }

    /// Sets the native sample format; [`SampleFormat::String`] also makes the stream a
    /// [`StreamKind::Text`] stream.
    pub fn with_sample_format(mut self, format: SampleFormat) -> Self {
        self.sample_format = format;
        if format == SampleFormat::String {
            self.kind = StreamKind::Text;
        }
        self
    }

    /// Declares that frames carry their own times ([`StreamKind::Stamped`]), for regular
    /// streams whose recorded times matter (an XDF stream with jitter or gaps).
    pub fn with_stamps(mut self) -> Self {
        if self.kind == StreamKind::Regular {
            self.kind = StreamKind::Stamped;
        }
        self
    }

    /// Whether frames carry their own times (stamped and text streams).
    pub fn is_stamped(&self) -> bool {
        self.kind != StreamKind::Regular
    }

    /// The number of channels (the width of one interleaved frame).
    pub fn channel_count(&self) -> usize {
        self.channels.len()
    }

    /// Whether samples carry their own timestamps (nominal rate 0).
    pub fn is_irregular(&self) -> bool {
        self.nominal_rate == IRREGULAR_RATE
    }

    /// The duration in seconds, when the length is known and the stream is regular.
    pub fn duration(&self) -> Option<f64> {
        match self.length {
            Some(n) if !self.is_irregular() => Some(n as f64 / self.nominal_rate),
            _ => None,
        }
    }
}

/// One channel of a stream.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ChannelInfo {
    /// The channel's label (`"MEG 0113"`, `"Fp1"`, `"left"`).
    pub label: String,
    /// The channel kind, lowercase, as MNE names channel types where one applies: `eeg`,
    /// `grad`, `mag`, `stim`, `eog`, `ecg`, `emg`, `misc`, `audio`, ... Published as the LSL
    /// channel `type`.
    pub kind: String,
    /// The SI unit of the physical values the source delivers (`V`, `T`, `T/m`, `K`, or
    /// empty for dimensionless values such as audio in [-1, 1)).
    pub unit: String,
    /// Reader-specific facts (coil type, location, range, transducer, prefiltering, ...).
    pub extra: Metadata,
}

impl ChannelInfo {
    /// A channel with a label, kind and unit, and no extra metadata.
    pub fn new(label: impl Into<String>, kind: impl Into<String>, unit: impl Into<String>) -> Self {
        ChannelInfo {
            label: label.into(),
            kind: kind.into(),
            unit: unit.into(),
            extra: Metadata::new(),
        }
    }

    /// Adds one extra key/value.
    pub fn with_extra(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.extra.insert(key.into(), value.into());
        self
    }
}

/// What one read of a stream delivers, declared by the reader in
/// [`StreamInfo::kind`]: hosts and [`Block`](crate::Block)s follow it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StreamKind {
    /// Numbers; frame `k`'s time is `k / nominal_rate`.
    #[default]
    Regular,
    /// Numbers, each frame with its own time (irregular streams, and regular ones whose
    /// recorded times matter).
    Stamped,
    /// Strings (markers), each frame with its own time; the stream's
    /// [`sample_format`](StreamInfo::sample_format) is [`SampleFormat::String`].
    Text,
}

impl StreamKind {
    /// The lowercase name (`"stamped"`).
    pub fn as_str(self) -> &'static str {
        match self {
            StreamKind::Regular => "regular",
            StreamKind::Stamped => "stamped",
            StreamKind::Text => "text",
        }
    }
}

/// How a format stores its samples (the file's own representation, before scaling).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum SampleFormat {
    /// Unsigned 8-bit integers.
    UInt8,
    /// Signed 8-bit integers.
    Int8,
    /// Signed 16-bit integers.
    Int16,
    /// Signed 24-bit integers.
    Int24,
    /// Signed 32-bit integers.
    Int32,
    /// Signed 64-bit integers.
    Int64,
    /// IEEE 754 single precision.
    Float32,
    /// IEEE 754 double precision.
    Float64,
    /// Text samples (marker streams).
    String,
}

impl std::str::FromStr for SampleFormat {
    type Err = String;
    /// Parses the names of [`SampleFormat::as_str`], and LSL's `double64` for `float64`.
    fn from_str(s: &str) -> Result<Self, String> {
        Ok(match s {
            "uint8" => SampleFormat::UInt8,
            "int8" => SampleFormat::Int8,
            "int16" => SampleFormat::Int16,
            "int24" => SampleFormat::Int24,
            "int32" => SampleFormat::Int32,
            "int64" => SampleFormat::Int64,
            "float32" => SampleFormat::Float32,
            "float64" | "double64" => SampleFormat::Float64,
            "string" => SampleFormat::String,
            other => return Err(format!("unknown sample format {other:?}")),
        })
    }
}

impl SampleFormat {
    /// Bytes per packed sample (3 for `Int24`); 0 for `String`, which is not packed.
    pub const fn size(self) -> usize {
        match self {
            SampleFormat::UInt8 | SampleFormat::Int8 => 1,
            SampleFormat::Int16 => 2,
            SampleFormat::Int24 => 3,
            SampleFormat::Int32 | SampleFormat::Float32 => 4,
            SampleFormat::Int64 | SampleFormat::Float64 => 8,
            SampleFormat::String => 0,
        }
    }

    /// The lowercase name used in messages and JSON (`"int16"`).
    pub fn as_str(self) -> &'static str {
        match self {
            SampleFormat::UInt8 => "uint8",
            SampleFormat::Int8 => "int8",
            SampleFormat::Int16 => "int16",
            SampleFormat::Int24 => "int24",
            SampleFormat::Int32 => "int32",
            SampleFormat::Int64 => "int64",
            SampleFormat::Float32 => "float32",
            SampleFormat::Float64 => "float64",
            SampleFormat::String => "string",
        }
    }
}

/// An event with a text: a trigger, a sleep stage, a note.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Annotation {
    /// Seconds from the recording's first sample (sample 0 of its streams) to the event.
    /// Readers whose format ties events to samples give `sample / rate` exactly, so that a
    /// host's marker lands on that sample's timestamp. May be negative for events logged
    /// before the first sample.
    pub onset: f64,
    /// Duration in seconds (0 for instantaneous events).
    pub duration: f64,
    /// The event's text.
    pub description: String,
}

impl Annotation {
    /// A new annotation.
    pub fn new(onset: f64, duration: f64, description: impl Into<String>) -> Self {
        Annotation {
            onset,
            duration,
            description: description.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// JSON without the fields appended later (`duration`, `recorded_lsl`, `kind`) still
    /// reads, with their defaults: the rule that lets fields be appended.
    #[test]
    fn json_without_later_fields_still_reads() {
        let old = r#"{"streams":[{"name":"s","content_type":"EEG","nominal_rate":100.0,
            "channels":[{"label":"a","kind":"eeg","unit":"V","extra":{}}],
            "length":10,"sample_format":"int16"}],
            "annotations":[],"meas_date":null,"metadata":{}}"#;
        let info: RecordingInfo = serde_json::from_str(old).expect("old JSON reads");
        assert!(!info.recorded_lsl && info.duration.is_none());
        assert_eq!(info.streams[0].kind, StreamKind::Regular);
        assert_eq!(info.streams[0].length, Some(10));
    }
}
