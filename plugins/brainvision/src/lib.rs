//! # player-brainvision: a BrainVision reader plugin for `player`
//!
//! Reads BrainVision Core Data Format recordings (Brain Products): a text header
//! (`.vhdr`), a binary data file (`.eeg`) and an optional marker file (`.vmrk`), and
//! exports the reader as a dynamic plugin with [`player_api::export_plugin!`].
//!
//! What is supported:
//!
//! * `DataFormat=BINARY` with `BinaryFormat` `INT_16`, `INT_32` or `IEEE_FLOAT_32`,
//!   little-endian, `DataOrientation` `MULTIPLEXED` (frames: ch1,pt1, ch2,pt1, ...) or
//!   `VECTORIZED` (all points of channel 1, then channel 2, ...);
//! * `[Channel Infos]` `Ch<n>=<name>,<reference>,<resolution>,<unit>`: `\1` in a name
//!   stands for a comma; an empty or missing unit is µV; an empty resolution is 1.
//! * Values are delivered in physical units: `raw × resolution × unit scale`, with voltage
//!   units (`V`, `mV`, `µV`, `uV`, `nV`) converted to volts (SI, unit `V`, kind `eeg`, or
//!   `eog` for the channels MNE names so: `HEOGL`, `HEOGR`, `VEOGb`), `µS`/`uS` to
//!   siemens; other units are kept as written (kind `misc`), unscaled, as MNE-Python does.
//! * Markers (`.vmrk`, `[Marker Infos]`, `Mk<n>=<type>,<description>,<position>,<points>,
//!   <channel>[,<date>]`) become annotations named `<type>/<description>` with onset
//!   `(position - 1) / rate` and duration `points / rate`; a first `New Segment` marker
//!   only gives the measurement date and is not an annotation (both as MNE-Python).
//!
//! Not supported (refused with a clear error): ASCII data, big-endian data, data or
//! channel offsets, other binary formats. Data are streamed from disk with seeks; the
//! header and markers are read at open.

mod header;
mod markers;
mod source;

use header::Header;
use player_api::{
    Annotation, Confidence, OpenOptions, Probe, ReadError, ReaderInfo, ReaderPlugin, Recording,
    RecordingInfo, SampleSource, StreamInfo,
};
use std::path::{Path, PathBuf};

/// The BrainVision reader.
#[derive(Debug, Default, Clone, Copy)]
pub struct BrainVisionReader;

/// What the BrainVision reader is.
static INFO: ReaderInfo = ReaderInfo::new(
    "brainvision",
    "BrainVision EEG (.vhdr header, .eeg data, .vmrk markers); plugin",
    env!("CARGO_PKG_VERSION"),
    &["vhdr"],
    &[],
);

impl ReaderPlugin for BrainVisionReader {
    fn info(&self) -> &ReaderInfo {
        &INFO
    }

    /// [`Confidence::Magic`] for the header's first line (with or without a byte-order
    /// mark, either spelling); else the extension.
    fn probe(&self, probe: &Probe<'_>) -> Option<Confidence> {
        if header::has_magic(probe.header) {
            Some(Confidence::Magic)
        } else {
            probe.extension_in(&INFO.extensions())
        }
    }

    fn open(&self, path: &Path, options: &OpenOptions) -> Result<Box<dyn Recording>, ReadError> {
        options
            .expect_only(INFO.id(), &[])
            .map_err(|e| e.in_file(path))?;
        let recording = BrainVisionRecording::open(path).map_err(|e| e.in_file(path))?;
        Ok(Box::new(recording))
    }
}

player_api::export_plugin!(BrainVisionReader);

/// The largest header or marker file read (text files of a few kB in practice).
const MAX_TEXT_FILE: u64 = 16 << 20;

/// Reads a whole text file of the set (`what`: "the header"), after checking that it is a
/// regular file of at most [`MAX_TEXT_FILE`] bytes.
fn read_text_file(path: &Path, what: &str) -> Result<Vec<u8>, ReadError> {
    player_api::io::check_regular_file(path)?;
    let file = player_api::io::SourceFile::open(path)?;
    if file.len() > MAX_TEXT_FILE {
        return Err(ReadError::unsupported(format!(
            "{what} is {} bytes, more than the {MAX_TEXT_FILE} a BrainVision text file may have",
            file.len()
        ))
        .in_file(path));
    }
    std::fs::read(path).map_err(|e| ReadError::io(format!("reading {what}"), e).in_file(path))
}

/// An opened BrainVision recording.
#[derive(Debug)]
struct BrainVisionRecording {
    info: RecordingInfo,
    header: Header,
    data_path: PathBuf,
    frames: u64,
}

impl BrainVisionRecording {
    fn open(path: &Path) -> Result<Self, ReadError> {
        let text = read_text_file(path, "the header")?;
        let header = Header::parse(&text)?;
        let dir = path.parent().unwrap_or(Path::new("."));
        let data_path = dir.join(&header.data_file);
        let data_len = std::fs::metadata(&data_path)
            .map_err(|e| {
                ReadError::io(
                    format!(
                        "opening the data file {} (DataFile in the header)",
                        player_api::quote(&data_path.to_string_lossy())
                    ),
                    e,
                )
            })?
            .len();
        let frames = header.frames(data_len)?;
        let mut info = RecordingInfo::new(vec![header.stream_info(frames)]);
        if let Some(markers) = markers::find(path, dir, header.marker_file.as_deref())? {
            let parsed = markers::parse_file(&markers)?;
            info.meas_date = parsed.meas_date;
            info.annotations = parsed
                .markers
                .iter()
                .map(|m| {
                    Annotation::new(
                        (m.position as f64 - 1.0) / header.rate,
                        m.points as f64 / header.rate,
                        format!("{}/{}", m.kind, m.description),
                    )
                })
                .collect();
            info.annotations.sort_by(|a, b| a.onset.total_cmp(&b.onset));
            info.metadata
                .insert("marker_file".into(), markers.display().to_string());
        }
        info.metadata
            .insert("data_file".into(), data_path.display().to_string());
        info.metadata.insert(
            "binary_format".into(),
            header::format_name(header.format).into(),
        );
        info.metadata
            .insert("orientation".into(), header.orientation.name().into());
        Ok(BrainVisionRecording {
            info,
            header,
            data_path,
            frames,
        })
    }
}

impl Recording for BrainVisionRecording {
    fn info(&self) -> &RecordingInfo {
        &self.info
    }

    fn open_stream(&self, index: usize) -> Result<Box<dyn SampleSource>, ReadError> {
        if index != 0 {
            return Err(ReadError::invalid_argument(format!(
                "no stream {index}: a BrainVision recording has one stream"
            )));
        }
        let source = source::BrainVisionSource::open(&self.data_path, &self.header, self.frames)
            .map_err(|e| e.in_file(&self.data_path))?;
        Ok(Box::new(source))
    }
}

/// The stream of a header: one regular EEG stream.
impl Header {
    fn stream_info(&self, frames: u64) -> StreamInfo {
        StreamInfo::new("eeg", "EEG", self.rate, self.channel_infos())
            .with_length(frames)
            .with_sample_format(self.format)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use player_api::abi::DynamicReader;
    use std::sync::Arc;

    fn fixtures() -> Vec<PathBuf> {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/fixtures/brainvision");
        let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
            .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
            .unwrap_or_default();
        paths.retain(|p| p.extension().is_some_and(|e| e == "vhdr"));
        paths.sort();
        assert!(paths.len() >= 4, "fixtures in {}", dir.display());
        paths
    }

    /// Every fixture passes the conformance checker, read directly and through the C ABI
    /// (the exported table wrapped back, as a host does after loading the library).
    #[test]
    fn every_fixture_conforms_directly_and_through_the_abi() {
        // SAFETY: the table is a static of this test binary, valid for the whole process.
        let wrapped =
            unsafe { DynamicReader::from_table(player_plugin_entry(), "self", Arc::new(())) };
        let wrapped: &'static DynamicReader = Box::leak(Box::new(wrapped.expect("loads")));
        for path in fixtures() {
            let direct = player_api::conformance::assert_conforms(&BrainVisionReader, &path);
            let through = player_api::conformance::assert_conforms(wrapped, &path);
            assert_eq!(direct, through, "{}", path.display());
        }
    }
}
