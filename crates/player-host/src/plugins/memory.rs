//! Recordings held in memory: a reader that takes samples instead of a path.
//!
//! A [`MemoryRecording`] owns one stream's values (frames-major: all channels of frame 0,
//! then frame 1, ...), its channels and its annotations: a regular stream
//! ([`new`](MemoryRecording::new)), or events that carry their own times, numbers or text
//! ([`events`](MemoryRecording::events)). A [`MemoryReader`] serves recordings through
//! the ordinary reader contract, so the engine replays them exactly as files: give the
//! reader to a [`Session`](crate::Session) with [`reader`](crate::Session::reader) and
//! name it in the scenario entry (`reader: memory`, `file: memory:<name>`; the path is
//! only a label, shown as the stream's `source_file`, and is never opened). One reader
//! may hold several recordings, each under its own path
//! ([`with_recording`](MemoryReader::with_recording)), for a scenario of several
//! in-memory entries.
//!
//! ```
//! use player_api::ChannelInfo;
//! use player_host::{MemoryReader, MemoryRecording, Scenario, Session, StreamEntry};
//! let channels = vec![ChannelInfo::new("Fz", "eeg", "V"), ChannelInfo::new("Cz", "eeg", "V")];
//! let data = vec![0.0, 1.0, 2.0, 3.0, 4.0, 5.0]; // 3 frames × 2 channels
//! let recording = MemoryRecording::new("EEG", 100.0, channels, data, Vec::new())?;
//! let mut entry = StreamEntry::new("memory:demo");
//! entry.reader = Some(player_host::MEMORY_READER_ID.into());
//! entry.name = Some("demo".into()); // else the pseudo path's stem, "memory:demo"
//! let player = Session::new(Scenario::single(entry))
//!     .reader(Box::new(MemoryReader::new(recording)))
//!     .open()?;
//! assert_eq!(player.stream_names(), ["demo"]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use player_api::{
    Annotation, Block, ChannelInfo, OpenOptions, Probe, ReadError, ReaderInfo, ReaderPlugin,
    Recording, RecordingInfo, SampleFormat, SampleSource, StreamInfo, DESC_XML, IRREGULAR_RATE,
};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The id of the [`MemoryReader`] (`reader: memory`).
pub const MEMORY_READER_ID: &str = "memory";

/// The values of events held in memory ([`MemoryRecording::events`]), frames-major.
#[derive(Debug, Clone, PartialEq)]
pub enum EventValues {
    /// Numbers (`frames × channels`).
    Numbers(Vec<f64>),
    /// Strings (`frames × channels`): a text (marker) stream.
    Text(Vec<String>),
}

/// What a recording's cursors read: shared by every cursor.
#[derive(Debug, Clone)]
enum Data {
    Numbers(Arc<[f64]>),
    Text(Arc<[String]>),
}

impl Data {
    fn len(&self) -> usize {
        match self {
            Data::Numbers(v) => v.len(),
            Data::Text(v) => v.len(),
        }
    }
}

/// One stream of samples held in memory, with its annotations.
#[derive(Debug, Clone)]
pub struct MemoryRecording {
    info: RecordingInfo,
    /// Frames-major values, `frames × channels`.
    data: Data,
    /// One time per frame (seconds from the first sample) for events; `None` for a
    /// regular stream.
    stamps: Option<Arc<[f64]>>,
}

impl MemoryRecording {
    /// A recording of `values` (frames-major: `frames × channels.len()` physical values),
    /// sampled at `rate` Hz, published with the LSL content type `content_type`, with
    /// `annotations` (onsets in seconds from the first frame). Refused (with the broken
    /// rule) when the values do not fill whole frames, or the channels or rate break the
    /// reader contract (1 to `MAX_CHANNELS` channels, a finite positive rate).
    pub fn new(
        content_type: &str,
        rate: f64,
        channels: Vec<ChannelInfo>,
        values: Vec<f64>,
        annotations: Vec<Annotation>,
    ) -> Result<Self, ReadError> {
        let width = whole_frames(channels.len(), values.len())?;
        if !(rate.is_finite() && rate > 0.0) {
            return Err(ReadError::invalid_argument(format!(
                "the sampling rate must be a finite number of Hz above 0, not {rate}"
            )));
        }
        let frames = (values.len() / width) as u64;
        let stream = StreamInfo::new("memory", content_type, rate, channels).with_length(frames);
        let mut info = RecordingInfo::new(vec![stream]);
        info.annotations = annotations;
        info.annotations.sort_by(|a, b| a.onset.total_cmp(&b.onset));
        info.validate().map_err(ReadError::invalid_argument)?;
        Ok(MemoryRecording {
            info,
            data: Data::Numbers(values.into()),
            stamps: None,
        })
    }

    /// An irregular stream of events (LSL rate 0): frame `k` holds `channels.len()`
    /// values or strings and happens `stamps[k]` seconds after the first sample of a pass
    /// of `duration` seconds (so that, repeated, the events stay in step with the data
    /// they annotate). Refused (with the broken rule) when the values do not fill one
    /// frame per time, or a time is not finite, goes backwards, or lies outside
    /// `0 <= t < duration`.
    pub fn events(
        content_type: &str,
        channels: Vec<ChannelInfo>,
        stamps: Vec<f64>,
        values: EventValues,
        duration: f64,
    ) -> Result<Self, ReadError> {
        let (data, format) = match values {
            EventValues::Numbers(v) => (Data::Numbers(v.into()), SampleFormat::Float64),
            EventValues::Text(v) => (Data::Text(v.into()), SampleFormat::String),
        };
        let width = whole_frames(channels.len(), data.len())?;
        if data.len() / width != stamps.len() {
            return Err(ReadError::invalid_argument(format!(
                "{} frames of values but {} times",
                data.len() / width,
                stamps.len()
            )));
        }
        if !(duration.is_finite() && duration > 0.0) {
            return Err(ReadError::invalid_argument(format!(
                "the duration must be a finite number of seconds above 0, not {duration}"
            )));
        }
        let mut previous = 0.0;
        for (k, &t) in stamps.iter().enumerate() {
            if !(t.is_finite() && t >= previous && t < duration) {
                return Err(ReadError::invalid_argument(format!(
                    "event {k} is at {t} s: times must be finite, in order, from 0 to \
                     less than the duration ({duration} s)"
                )));
            }
            previous = t;
        }
        let stream = StreamInfo::new("memory", content_type, IRREGULAR_RATE, channels)
            .with_sample_format(format)
            .with_length(stamps.len() as u64);
        let mut info = RecordingInfo::new(vec![stream]);
        info.duration = Some(duration);
        info.validate().map_err(ReadError::invalid_argument)?;
        Ok(MemoryRecording {
            info,
            data,
            stamps: Some(stamps.into()),
        })
    }

    /// Publishes `desc` (the XML of an LSL `<desc>` element) as the stream's description,
    /// as it is, instead of the one the host writes from the channels (see
    /// [`DESC_XML`]).
    pub fn with_desc_xml(mut self, desc: impl Into<String>) -> Self {
        if let Some(stream) = self.info.streams.first_mut() {
            stream.metadata.insert(DESC_XML.into(), desc.into());
        }
        self
    }

    /// What the recording holds.
    pub fn info(&self) -> &RecordingInfo {
        &self.info
    }
}

/// The frame width when `len` values fill whole frames of `channels` channels.
fn whole_frames(channels: usize, len: usize) -> Result<usize, ReadError> {
    if channels == 0 {
        return Err(ReadError::invalid_argument("the data has no channels"));
    }
    if len % channels != 0 {
        return Err(ReadError::invalid_argument(format!(
            "{len} values do not make whole frames of {channels} channels"
        )));
    }
    Ok(channels)
}

impl Recording for MemoryRecording {
    fn info(&self) -> &RecordingInfo {
        &self.info
    }

    fn open_stream(&self, index: usize) -> Result<Box<dyn SampleSource>, ReadError> {
        if index != 0 {
            return Err(ReadError::invalid_argument(format!(
                "stream {index} does not exist (a memory recording has one)"
            )));
        }
        Ok(Box::new(MemorySource {
            data: self.data.clone(),
            stamps: self.stamps.clone(),
            width: self.info.streams[0].channel_count(),
            position: 0,
        }))
    }
}

/// A cursor over a [`MemoryRecording`].
struct MemorySource {
    data: Data,
    stamps: Option<Arc<[f64]>>,
    width: usize,
    /// The next frame to read.
    position: usize,
}

impl MemorySource {
    fn frames(&self) -> usize {
        self.data.len() / self.width
    }

    /// The time of frame `k` (0 for a regular stream, whose block takes none).
    fn stamp(&self, k: usize) -> f64 {
        self.stamps
            .as_ref()
            .and_then(|s| s.get(k).copied())
            .unwrap_or(0.0)
    }
}

impl SampleSource for MemorySource {
    fn read(&mut self, block: &mut Block) -> Result<(), ReadError> {
        let n = block.room().min(self.frames() - self.position);
        let (first, w) = (self.position, self.width);
        match &self.data {
            Data::Numbers(values) => {
                let (spare, spare_stamps) = block.spare();
                let (dst, src) = (
                    spare.get_mut(..n * w),
                    values.get(first * w..(first + n) * w),
                );
                match (dst, src) {
                    (Some(dst), Some(src)) => dst.copy_from_slice(src),
                    _ => return Err(ReadError::contract("the block is narrower than the stream")),
                }
                if let (Some(stamps), Some(dst)) = (&self.stamps, spare_stamps.get_mut(..n)) {
                    if let Some(src) = stamps.get(first..first + n) {
                        dst.copy_from_slice(src);
                    }
                }
                block.commit(n)?;
            }
            Data::Text(texts) => {
                for k in first..first + n {
                    let frame = texts.get(k * w..(k + 1) * w).unwrap_or(&[]).to_vec();
                    block.push_text_frame(frame, self.stamp(k))?;
                }
            }
        }
        self.position += n;
        Ok(())
    }

    fn seek(&mut self, frame: u64) -> Result<(), ReadError> {
        match usize::try_from(frame) {
            Ok(f) if f <= self.frames() => {
                self.position = f;
                Ok(())
            }
            _ => Err(ReadError::invalid_argument(format!(
                "cannot seek to frame {frame}: the data has {} frames",
                self.frames()
            ))),
        }
    }
}

/// The reader of recordings held in memory: `open` gives the recording added under the
/// path it is asked for ([`with_recording`](MemoryReader::with_recording)), else the one
/// it was made with ([`new`](MemoryReader::new)), whatever the path; the path is never
/// touched. It never claims a file when probing, so it is used only when named
/// (`reader: memory`).
#[derive(Debug)]
pub struct MemoryReader {
    info: ReaderInfo,
    /// Served for any path not added by name.
    recording: Option<MemoryRecording>,
    /// Served for their own paths.
    named: Vec<(PathBuf, MemoryRecording)>,
}

impl MemoryReader {
    /// A reader serving `recording`.
    pub fn new(recording: MemoryRecording) -> Self {
        MemoryReader {
            recording: Some(recording),
            ..Self::empty()
        }
    }

    /// A reader serving no recording yet (add them with
    /// [`with_recording`](MemoryReader::with_recording)).
    pub fn empty() -> Self {
        MemoryReader {
            info: ReaderInfo::owned(
                MEMORY_READER_ID.into(),
                "samples held in memory (Python arrays, MNE Raw objects)".into(),
                env!("CARGO_PKG_VERSION").into(),
                Vec::new(),
            ),
            recording: None,
            named: Vec::new(),
        }
    }

    /// Serves `recording` for the pseudo path `path` (e.g. `memory:eeg`).
    pub fn with_recording(mut self, path: impl Into<PathBuf>, recording: MemoryRecording) -> Self {
        self.named.push((path.into(), recording));
        self
    }
}

impl ReaderPlugin for MemoryReader {
    fn info(&self) -> &ReaderInfo {
        &self.info
    }

    fn probe(&self, _: &Probe<'_>) -> Option<player_api::Confidence> {
        None
    }

    fn open(&self, path: &Path, options: &OpenOptions) -> Result<Box<dyn Recording>, ReadError> {
        options.expect_only(MEMORY_READER_ID, &[])?;
        let named = self.named.iter().find(|(p, _)| p == path).map(|(_, r)| r);
        match named.or(self.recording.as_ref()) {
            Some(recording) => Ok(Box::new(recording.clone())),
            None => Err(ReadError::invalid_argument(
                "no recording is held in memory under this name",
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use player_api::validate::open_checked;
    use player_api::StreamKind;

    const WIDTH: usize = 3;

    /// 1001 frames × 3 channels, every value distinct.
    fn recording() -> MemoryRecording {
        let values: Vec<f64> = (0..1001 * WIDTH).map(|i| i as f64 * 0.5 - 7.0).collect();
        let channels = (0..WIDTH)
            .map(|c| ChannelInfo::new(format!("ch{c}"), "eeg", "V"))
            .collect();
        let annotations = vec![
            Annotation::new(2.0, 0.0, "b"),
            Annotation::new(0.5, 1.0, "a"),
        ];
        MemoryRecording::new("EEG", 250.0, channels, values, annotations).expect("valid")
    }

    /// Reads the whole stream through the contract's checks in blocks of `size` frames.
    fn read_all(source: &mut dyn SampleSource, size: usize) -> Vec<f64> {
        let mut out = Vec::new();
        let mut block = Block::new(StreamKind::Regular, WIDTH, size);
        loop {
            block.clear();
            source.read(&mut block).expect("read");
            if block.is_empty() {
                return out;
            }
            out.extend_from_slice(block.values());
        }
    }

    #[test]
    fn reads_whole_in_any_block_size_and_seeks_like_a_file() {
        let reader = MemoryReader::new(recording());
        let opened = open_checked(&reader, Path::new("memory:x"), &OpenOptions::default())
            .expect("opens without touching the file system");
        let info = opened.info();
        assert_eq!(info.streams[0].length, Some(1001));
        assert_eq!(info.streams[0].kind, StreamKind::Regular);
        let onsets: Vec<f64> = info.annotations.iter().map(|a| a.onset).collect();
        assert_eq!(onsets, [0.5, 2.0], "sorted by onset");
        let expected: Vec<f64> = (0..1001 * WIDTH).map(|i| i as f64 * 0.5 - 7.0).collect();
        for size in [1, 3, 7, 61, 1000, 5000] {
            let mut source = opened.open_checked_stream(0).expect("stream");
            assert_eq!(read_all(&mut source, size), expected, "blocks of {size}");
        }
        let mut source = opened.open_checked_stream(0).expect("stream");
        for frame in [1000, 0, 517, 3] {
            source.seek(frame).expect("seek");
            let start = frame as usize * WIDTH;
            assert_eq!(
                read_all(&mut source, 64),
                expected[start..],
                "after {frame}"
            );
        }
        source.seek(1001).expect("seek to the end");
        assert!(read_all(&mut source, 8).is_empty());
        let err = source.seek(1002).expect_err("past the end");
        assert_eq!(err.kind(), player_api::ReadErrorKind::InvalidArgument);
        assert!(opened.open_checked_stream(1).is_err());
    }

    #[test]
    fn a_registry_chooses_it_by_id_without_touching_the_file_system() {
        let mut registry = crate::plugins::registry::Registry::builtin();
        registry.add_reader(
            Box::new(MemoryReader::new(recording())),
            crate::Origin::Memory,
        );
        let path = Path::new("memory:no-such-file");
        let chosen = registry
            .choose(path, Some(MEMORY_READER_ID))
            .expect("by id");
        assert_eq!(chosen.info().id(), MEMORY_READER_ID);
        assert!(
            registry.choose(path, None).is_err(),
            "never chosen by probing"
        );
        let origin = registry
            .entries()
            .find(|e| e.reader.info().id() == MEMORY_READER_ID)
            .map(|e| e.origin.to_string());
        assert_eq!(origin.as_deref(), Some("in memory"));
    }

    #[test]
    fn refuses_ragged_data_bad_rates_and_options() {
        let ch = || {
            vec![
                ChannelInfo::new("a", "eeg", "V"),
                ChannelInfo::new("b", "eeg", "V"),
            ]
        };
        let err =
            MemoryRecording::new("EEG", 10.0, ch(), vec![1.0; 5], Vec::new()).expect_err("ragged");
        assert_eq!(
            err.message(),
            "5 values do not make whole frames of 2 channels"
        );
        for rate in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            assert!(MemoryRecording::new("EEG", rate, ch(), vec![1.0; 4], Vec::new()).is_err());
        }
        assert!(MemoryRecording::new("EEG", 10.0, Vec::new(), Vec::new(), Vec::new()).is_err());
        let bad = vec![Annotation::new(f64::NAN, 0.0, "x")];
        assert!(MemoryRecording::new("EEG", 10.0, ch(), vec![1.0; 4], bad).is_err());
        let mut options = OpenOptions::default();
        options.reader_options.insert("k".into(), "v".into());
        let reader = MemoryReader::new(recording());
        assert!(reader.open(Path::new("memory:x"), &options).is_err());
    }

    /// Reads a whole stamped or text stream: (stamps, values, texts).
    fn read_events(
        source: &mut dyn SampleSource,
        kind: StreamKind,
        width: usize,
        size: usize,
    ) -> (Vec<f64>, Vec<f64>, Vec<String>) {
        let (mut stamps, mut values, mut texts) = (Vec::new(), Vec::new(), Vec::new());
        let mut block = Block::new(kind, width, size);
        loop {
            block.clear();
            source.read(&mut block).expect("read");
            if block.is_empty() {
                return (stamps, values, texts);
            }
            stamps.extend_from_slice(block.stamps());
            values.extend_from_slice(block.values());
            texts.extend_from_slice(block.text());
        }
    }

    #[test]
    fn events_carry_their_times_as_numbers_or_text() {
        let ch = |n: usize| {
            (0..n)
                .map(|c| ChannelInfo::new(format!("e{c}"), "annotations", "none"))
                .collect()
        };
        let numbers = MemoryRecording::events(
            "annotations",
            ch(2),
            vec![0.0, 0.5, 0.5, 1.25],
            EventValues::Numbers(vec![1.0, 0.0, 0.0, -1.0, 2.0, 0.0, 0.0, 3.0]),
            2.0,
        )
        .expect("valid")
        .with_desc_xml("<desc><channels/></desc>");
        let reader = MemoryReader::empty()
            .with_recording("memory:n", numbers)
            .with_recording(
                "memory:t",
                MemoryRecording::events(
                    "annotations",
                    ch(1),
                    vec![0.1, 1.9],
                    EventValues::Text(vec!["go".into(), "stop".into()]),
                    2.0,
                )
                .expect("valid"),
            );
        let opened =
            open_checked(&reader, Path::new("memory:n"), &OpenOptions::default()).expect("numbers");
        let info = opened.info();
        assert_eq!(info.duration, Some(2.0), "repeats in step with the data");
        assert_eq!(info.streams[0].kind, StreamKind::Stamped);
        assert_eq!(info.streams[0].nominal_rate, 0.0);
        assert_eq!(
            info.streams[0].metadata.get(DESC_XML).map(String::as_str),
            Some("<desc><channels/></desc>")
        );
        for size in [1, 3, 10] {
            let mut source = opened.open_checked_stream(0).expect("stream");
            let (stamps, values, _) = read_events(&mut source, StreamKind::Stamped, 2, size);
            assert_eq!(stamps, [0.0, 0.5, 0.5, 1.25], "blocks of {size}");
            assert_eq!(values, [1.0, 0.0, 0.0, -1.0, 2.0, 0.0, 0.0, 3.0]);
        }
        let opened =
            open_checked(&reader, Path::new("memory:t"), &OpenOptions::default()).expect("text");
        assert_eq!(opened.info().streams[0].kind, StreamKind::Text);
        let mut source = opened.open_checked_stream(0).expect("stream");
        source.seek(1).expect("seek");
        let (stamps, _, texts) = read_events(&mut source, StreamKind::Text, 1, 4);
        assert_eq!((stamps, texts), (vec![1.9], vec!["stop".to_string()]));
        let err = match reader.open(Path::new("memory:other"), &OpenOptions::default()) {
            Ok(_) => panic!("no recording is held under memory:other"),
            Err(e) => e,
        };
        assert!(err.message().contains("no recording"), "{}", err.message());
    }

    #[test]
    fn events_out_of_order_or_outside_the_pass_are_refused() {
        let ch = || vec![ChannelInfo::new("e", "annotations", "none")];
        let text = |n: usize| EventValues::Text(vec!["x".to_string(); n]);
        for (stamps, duration) in [
            (vec![0.5, 0.25], 1.0),
            (vec![-0.1], 1.0),
            (vec![1.0], 1.0),
            (vec![f64::NAN], 1.0),
            (vec![0.1], 0.0),
        ] {
            let n = stamps.len();
            let made = MemoryRecording::events("m", ch(), stamps.clone(), text(n), duration);
            assert!(made.is_err(), "{stamps:?} in {duration} s");
        }
        let err = MemoryRecording::events("m", ch(), vec![0.1, 0.2], text(3), 1.0)
            .expect_err("3 values for 2 times");
        assert_eq!(err.message(), "3 frames of values but 2 times");
    }
}
