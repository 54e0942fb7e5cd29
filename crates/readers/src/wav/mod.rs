//! WAV (RIFF WAVE) recordings: one `Audio` stream of interleaved samples in [-1, 1).
//!
//! The RIFF container is parsed here rather than by `hound`, which misreads
//! WAVE_FORMAT_EXTENSIBLE files whose valid bits are fewer than the container's, fails on
//! odd-sized chunks with their pad byte, and has no float64.
//!
//! Containers: little-endian `RIFF`, big-endian `RIFX` (every size, header field and
//! sample byte-swapped) and 64-bit `RF64`/`BW64` (whose `ds64` chunk holds the real sizes
//! of the chunks whose 32-bit size is `0xFFFFFFFF`).
//!
//! Read: PCM unsigned 8-bit and signed 16/24/32-bit, IEEE float 32/64-bit, plain or as
//! WAVE_FORMAT_EXTENSIBLE (sub-format PCM or IEEE float, valid bits up to the container's);
//! unknown chunks are skipped, odd-sized chunks with their pad byte. Integers are scaled by
//! the container's full scale: signed n-bit `x / 2^(n-1)`, unsigned 8-bit `(x - 128) / 128`;
//! floats are delivered as stored.
//!
//! Refused with a [`ReadError`] naming the file: anything that is not
//! `RIFF`/`RIFX`/`RF64`/`BW64` `....WAVE`, an RF64/BW64 file without its `ds64` chunk,
//! compressed formats (the tag is named),
//! missing or short fmt chunk, zero channels or rate, inconsistent block align, sample
//! widths other than those above, valid bits above the container's, and a data chunk that
//! extends past the end of the file (a truncated file).
//!
//! See `docs/readers/wav.md` for channel labels and metadata keys.

mod channels;
mod ds64;
mod fmt;
mod riff;
mod source;
mod tags;

pub use source::WavSource;

use player_api::{
    ChannelInfo, Confidence, Metadata, OpenOptions, Probe, ReadError, ReaderInfo, ReaderPlugin,
    Recording, RecordingInfo, SampleSource, StreamInfo,
};
use riff::{Container, WavLayout};
use source::DataLayout;
use std::path::{Path, PathBuf};

/// The built-in WAV reader (id `wav`, extensions `wav` and `wave`).
#[derive(Debug, Clone, Copy, Default)]
pub struct WavReader;

player_api::inventory::submit! { player_api::Registration::new(&WavReader) }

/// What the wav reader is.
pub static INFO: ReaderInfo = ReaderInfo::new(
    "wav",
    "WAV audio (RIFF, RIFX, RF64/BW64; PCM 8/16/24/32-bit, float 32/64-bit, \
     WAVE_FORMAT_EXTENSIBLE)",
    env!("CARGO_PKG_VERSION"),
    &["wav", "wave"],
    &[],
);

impl ReaderPlugin for WavReader {
    fn info(&self) -> &ReaderInfo {
        &INFO
    }

    /// `RIFF....WAVE`, `RIFX....WAVE`, `RF64....WAVE` and `BW64....WAVE` are
    /// [`Confidence::Magic`]; other files are claimed by their extension only.
    fn probe(&self, probe: &Probe<'_>) -> Option<Confidence> {
        match riff::identify(probe.header) {
            Container::Other => probe.extension_in(&INFO.extensions()),
            Container::Riff | Container::Rifx | Container::Rf64 | Container::Bw64 => {
                Some(Confidence::Magic)
            }
        }
    }

    fn open(&self, path: &Path, options: &OpenOptions) -> Result<Box<dyn Recording>, ReadError> {
        options
            .expect_only(INFO.id(), &[])
            .map_err(|e| e.in_file(path))?;
        Ok(Box::new(WavRecording::open(path)?))
    }
}

/// An opened WAV file: one stream named `audio`.
#[derive(Debug)]
pub struct WavRecording {
    path: PathBuf,
    info: RecordingInfo,
    data: DataLayout,
}

impl WavRecording {
    /// Opens `path` and checks its header (no sample data is read).
    pub fn open(path: &Path) -> Result<Self, ReadError> {
        let mut file = player_api::io::SourceFile::open(path)?;
        let layout = riff::read_layout(&mut file)?;
        Ok(WavRecording {
            path: path.to_path_buf(),
            info: RecordingInfo::new(vec![stream_info(&layout)]),
            data: DataLayout::new(&layout),
        })
    }
}

impl Recording for WavRecording {
    fn info(&self) -> &RecordingInfo {
        &self.info
    }

    fn open_stream(&self, index: usize) -> Result<Box<dyn SampleSource>, ReadError> {
        if index != 0 {
            return Err(ReadError::invalid_argument(format!(
                "stream {index} does not exist: a WAV file has one stream (0)"
            ))
            .in_file(&self.path));
        }
        let file = player_api::io::SourceFile::open(&self.path)?;
        Ok(Box::new(WavSource::new(file, self.data.clone())))
    }
}

/// The one stream of a WAV file.
fn stream_info(layout: &WavLayout) -> StreamInfo {
    let format = &layout.format;
    let channels = channels::channel_labels(format.channels, format.channel_mask)
        .into_iter()
        .map(|label| ChannelInfo::new(label, "audio", ""))
        .collect();
    let mut info = StreamInfo::new("audio", "Audio", f64::from(format.sample_rate), channels)
        .with_length(layout.frames())
        .with_sample_format(format.sample_format());
    info.metadata = stream_metadata(layout);
    info
}

/// The stream's metadata keys (documented in `docs/readers/wav.md`).
fn stream_metadata(layout: &WavLayout) -> Metadata {
    let format = &layout.format;
    let mut m = Metadata::new();
    m.insert("container".into(), layout.container.magic().to_string());
    m.insert("format_tag".into(), tags::tag_hex(format.format_tag));
    m.insert("format".into(), format.describe());
    m.insert("bits_per_sample".into(), format.bits_per_sample.to_string());
    m.insert("valid_bits".into(), format.valid_bits.to_string());
    m.insert("block_align".into(), format.block_align.to_string());
    m.insert("data_offset".into(), layout.data_offset.to_string());
    m.insert("data_bytes".into(), layout.data_len.to_string());
    if let Some(mask) = format.channel_mask {
        m.insert("channel_mask".into(), format!("0x{mask:08X}"));
    }
    m
}
