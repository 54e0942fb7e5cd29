//! Recordings held in memory: a reader that takes samples instead of a path.
//!
//! A [`MemoryRecording`] owns one regular stream's values (frames-major: all channels of
//! frame 0, then frame 1, ...), its channels and its annotations. A [`MemoryReader`]
//! serves it through the ordinary reader contract, so the engine replays it exactly as a
//! file: give the reader to a [`Session`](crate::Session) with
//! [`reader`](crate::Session::reader) and name it in the scenario entry (`reader:
//! memory`, `file: memory:<name>`; the path is only a label, shown as the stream's
//! `source_file`, and is never opened).
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
    Recording, RecordingInfo, SampleSource, StreamInfo,
};
use std::path::Path;
use std::sync::Arc;

/// The id of the [`MemoryReader`] (`reader: memory`).
pub const MEMORY_READER_ID: &str = "memory";

/// One regular stream of samples held in memory, with its annotations.
#[derive(Debug, Clone)]
pub struct MemoryRecording {
    info: RecordingInfo,
    /// Frames-major values, `frames × channels`; shared by every cursor.
    values: Arc<[f64]>,
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
        let width = channels.len();
        if width == 0 {
            return Err(ReadError::invalid_argument("the data has no channels"));
        }
        if values.len() % width != 0 {
            return Err(ReadError::invalid_argument(format!(
                "{} values do not make whole frames of {width} channels",
                values.len()
            )));
        }
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
            values: values.into(),
        })
    }

    /// What the recording holds.
    pub fn info(&self) -> &RecordingInfo {
        &self.info
    }
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
            values: self.values.clone(),
            width: self.info.streams[0].channel_count(),
            position: 0,
        }))
    }
}

/// A cursor over a [`MemoryRecording`].
struct MemorySource {
    values: Arc<[f64]>,
    width: usize,
    /// The next frame to read.
    position: usize,
}

impl MemorySource {
    fn frames(&self) -> usize {
        self.values.len() / self.width
    }
}

impl SampleSource for MemorySource {
    fn read(&mut self, block: &mut Block) -> Result<(), ReadError> {
        let n = block.room().min(self.frames() - self.position);
        let start = self.position * self.width;
        let (spare, _) = block.spare();
        let (dst, src) = (
            spare.get_mut(..n * self.width),
            self.values.get(start..start + n * self.width),
        );
        match (dst, src) {
            (Some(dst), Some(src)) => dst.copy_from_slice(src),
            _ => return Err(ReadError::contract("the block is narrower than the stream")),
        }
        block.commit(n)?;
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

/// The reader of one [`MemoryRecording`]: every `open` (whatever the path, which is
/// never touched) gives a recording sharing the same values. It never claims a file
/// when probing, so it is used only when named (`reader: memory`).
#[derive(Debug)]
pub struct MemoryReader {
    info: ReaderInfo,
    recording: MemoryRecording,
}

impl MemoryReader {
    /// A reader serving `recording`.
    pub fn new(recording: MemoryRecording) -> Self {
        MemoryReader {
            info: ReaderInfo::owned(
                MEMORY_READER_ID.into(),
                "samples held in memory (Python arrays, MNE Raw objects)".into(),
                env!("CARGO_PKG_VERSION").into(),
                Vec::new(),
            ),
            recording,
        }
    }
}

impl ReaderPlugin for MemoryReader {
    fn info(&self) -> &ReaderInfo {
        &self.info
    }

    fn probe(&self, _: &Probe<'_>) -> Option<player_api::Confidence> {
        None
    }

    fn open(&self, _: &Path, options: &OpenOptions) -> Result<Box<dyn Recording>, ReadError> {
        options.expect_only(MEMORY_READER_ID, &[])?;
        Ok(Box::new(self.recording.clone()))
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
}
