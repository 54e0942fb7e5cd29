//! FIF (MNE / Neuromag / Elekta / MEGIN) raw recordings.
//!
//! A FIF file is a big-endian tag stream ([`tag`]) nested into blocks ([`tree`]); the
//! measurement info ([`info`]) describes the channels and the raw data block holds data
//! buffers ([`raw`]) that the [`source`] reads on demand. Split recordings (`name-raw.fif`,
//! `name-raw-1.fif`, ...) play as one. MNE annotations ([`annotations`]) become the
//! recording's annotations. The behaviour follows MNE-Python's `mne.io.read_raw_fif`, and
//! the tests compare with what MNE reads; see `docs/readers/fif.md`.
//!
//! One stream, named `raw`: channels labelled as MNE names them, kinds as MNE's
//! `raw.get_channel_types()`, values in SI units (`cal * range` applied).

pub mod annotations;
pub mod constants;
pub mod info;
pub mod raw;
pub mod source;
pub mod tag;
pub mod tree;

use self::annotations::{place, read_annotations, StoredAnnotations, Timeline};
use self::info::{find_meas, read_meas_info, MeasInfo};
use self::raw::{index_raw, mne_format_name, next_part, PartIndex};
use self::source::{FifSource, PlacedSegment, SharedIndex};
use self::tag::list_tags;
use self::tree::Tree;
use player_api::io::SourceFile;
use player_api::{
    ChannelInfo, Confidence, Metadata, OpenOptions, Probe, ReadError, ReaderInfo, ReaderPlugin,
    Recording, RecordingInfo, SampleSource, Signature, StreamInfo,
};
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Names of the 12 location values of a channel, as LSL/mne-lsl meta-data spells them.
const LOC_NAMES: [&str; 12] = [
    "R0x", "R0y", "R0z", "Exx", "Exy", "Exz", "Eyx", "Eyy", "Eyz", "Ezx", "Ezy", "Ezz",
];

/// The most parts a split recording may have (MNE's `MAX_N_SPLITS`).
pub const MAX_PARTS: usize = 100;

pub use self::constants::FIF_MAGIC;

/// The first two bytes of a gzip stream (RFC 1952), as in MNE's `.fif.gz` files.
pub const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// The built-in reader of FIF raw recordings (id `fif`).
#[derive(Debug, Clone, Copy, Default)]
pub struct FifReader;

player_api::inventory::submit! { player_api::Registration::new(&FifReader) }

/// What the fif reader is.
pub static INFO: ReaderInfo = ReaderInfo::new(
    "fif",
    "FIF raw recordings (MNE-Python, Neuromag/Elekta/MEGIN), including split files",
    env!("CARGO_PKG_VERSION"),
    &["fif"],
    &[Signature::at(0, &FIF_MAGIC)],
);

impl ReaderPlugin for FifReader {
    fn info(&self) -> &ReaderInfo {
        &INFO
    }

    /// FIF content is [`Confidence::Magic`]. A gzip stream named `*.fif.gz` is claimed at
    /// [`Confidence::Extension`], only so that `open` can explain that it must be
    /// unpacked; other files by the `.fif` extension.
    fn probe(&self, probe: &Probe<'_>) -> Option<Confidence> {
        if probe.header.starts_with(&GZIP_MAGIC) && is_fif_gz_name(probe.path) {
            Some(Confidence::Extension)
        } else {
            INFO.probe(probe)
        }
    }

    fn open(&self, path: &Path, options: &OpenOptions) -> Result<Box<dyn Recording>, ReadError> {
        options
            .expect_only(INFO.id(), &[])
            .map_err(|e| e.in_file(path))?;
        Ok(Box::new(FifRecording::open(path)?))
    }
}

/// One file of a recording, parsed.
#[derive(Debug)]
struct Part {
    path: PathBuf,
    info: MeasInfo,
    raw: PartIndex,
    annotations: Option<StoredAnnotations>,
    next: Option<PathBuf>,
}

fn read_part(path: &Path) -> Result<Part, ReadError> {
    let mut file = SourceFile::open(path)?;
    refuse_gzip(&mut file)?;
    let tags = list_tags(&mut file)?;
    let tree = Tree::build(&mut file, &tags)?;
    drop(tags);
    let (meas, meas_info) = find_meas(&file, &tree)?;
    let info = read_meas_info(&mut file, &tree, meas_info)?;
    let raw = index_raw(&mut file, &tree, meas, info.channels.len())?;
    let annotations = read_annotations(&mut file, &tree)?;
    let next = next_part(&mut file, &tree)?;
    Ok(Part {
        path: path.to_path_buf(),
        info,
        raw,
        annotations,
        next,
    })
}

/// Whether the file name ends with `.fif.gz` (any case), as MNE names gzip-compressed FIF.
fn is_fif_gz_name(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.to_ascii_lowercase().ends_with(".fif.gz"))
}

/// A gzip-compressed file (MNE reads `.fif.gz`) is refused with the way to unpack it.
fn refuse_gzip(file: &mut SourceFile) -> Result<(), ReadError> {
    let mut head = [0u8; 2];
    let n = file.read_prefix_at(0, &mut head)?;
    if n == head.len() && head == GZIP_MAGIC {
        return Err(ReadError::unsupported(format!(
            "gzip-compressed FIF is not supported: unpack it first (gunzip -k {})",
            shell_word(&file.path().display().to_string())
        ))
        .in_file(file.path()));
    }
    Ok(())
}

/// `text` as one shell word: as is when it has only characters that need no quoting,
/// else single-quoted.
fn shell_word(text: &str) -> String {
    let plain = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-./+,:@%=".contains(c));
    if plain {
        text.to_string()
    } else {
        format!("'{}'", text.replace('\'', "'\\''"))
    }
}

/// An opened FIF recording (all parts of a split recording).
#[derive(Debug)]
pub struct FifRecording {
    info: RecordingInfo,
    index: Arc<SharedIndex>,
}

impl FifRecording {
    /// Opens `path` (the first part, for a split recording) and indexes every part.
    pub fn open(path: &Path) -> Result<Self, ReadError> {
        let first = read_part(path)?;
        let mut parts = vec![first];
        let mut seen: HashSet<PathBuf> = HashSet::new();
        seen.insert(canonical(path));
        while let Some(next) = parts.last().and_then(|p| p.next.clone()) {
            let from = parts.last().map(|p| p.path.clone()).unwrap_or_default();
            if !seen.insert(canonical(&next)) {
                return Err(ReadError::malformed(format!(
                    "the split-file references loop back to {}",
                    next.display()
                ))
                .in_file(&from));
            }
            if parts.len() >= MAX_PARTS {
                return Err(
                    ReadError::malformed(format!("more than {MAX_PARTS} split parts"))
                        .in_file(&from),
                );
            }
            if !next.exists() {
                return Err(ReadError::new(
                    player_api::ReadErrorKind::Io,
                    format!(
                        "the next part of this split recording, {}, does not exist",
                        next.display()
                    ),
                )
                .in_file(&from));
            }
            let part = read_part(&next)?;
            check_compatible(&parts[0], &part)?;
            parts.push(part);
        }
        Ok(build(parts))
    }
}

fn canonical(path: &Path) -> PathBuf {
    path.canonicalize().unwrap_or_else(|_| path.to_path_buf())
}

fn check_compatible(first: &Part, part: &Part) -> Result<(), ReadError> {
    let names = |p: &Part| {
        p.info
            .channels
            .iter()
            .map(|c| c.name.clone())
            .collect::<Vec<_>>()
    };
    if part.info.sfreq != first.info.sfreq || names(part) != names(first) {
        return Err(ReadError::malformed(format!(
            "this split part's channels or sampling rate differ from those of {}",
            first.path.display()
        ))
        .in_file(&part.path));
    }
    Ok(())
}

fn fmt_f32(v: f32) -> String {
    if v.is_nan() {
        "nan".to_string()
    } else {
        format!("{v}")
    }
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

/// A JSON array of strings (for list-valued metadata).
fn json_list<'a>(items: impl IntoIterator<Item = &'a str>) -> String {
    let quoted: Vec<String> = items
        .into_iter()
        .map(|s| {
            let mut q = String::from("\"");
            for c in s.chars() {
                match c {
                    '"' => q.push_str("\\\""),
                    '\\' => q.push_str("\\\\"),
                    c if (c as u32) < 0x20 => q.push_str(&format!("\\u{:04x}", c as u32)),
                    c => q.push(c),
                }
            }
            q.push('"');
            q
        })
        .collect();
    format!("[{}]", quoted.join(","))
}

/// RFC 3339 UTC text of a (seconds, microseconds) Unix time.
fn rfc3339(secs: i64, usecs: i64) -> String {
    let total_us = secs as i128 * 1_000_000 + usecs as i128;
    let secs = total_us.div_euclid(1_000_000) as i64;
    let usecs = total_us.rem_euclid(1_000_000) as i64;
    let days = secs.div_euclid(86_400);
    let sod = secs.rem_euclid(86_400);
    let (year, month, day) = player_api::calendar::civil_from_days(days);
    let (h, m, s) = (sod / 3600, (sod % 3600) / 60, sod % 60);
    if usecs == 0 {
        format!("{year:04}-{month:02}-{day:02}T{h:02}:{m:02}:{s:02}Z")
    } else {
        format!("{year:04}-{month:02}-{day:02}T{h:02}:{m:02}:{s:02}.{usecs:06}Z")
    }
}

fn build(parts: Vec<Part>) -> FifRecording {
    let first = &parts[0];
    let minfo = &first.info;
    let sfreq = minfo.sfreq;
    let first_samp = first.raw.first_samp;

    // Place every segment of every part on one frame axis; note the skips.
    let mut segments = Vec::new();
    let mut skips = Vec::new();
    let mut frame: u64 = 0;
    for (p, part) in parts.iter().enumerate() {
        let mut abs = part.raw.first_samp;
        for seg in &part.raw.segments {
            if seg.data.is_none() {
                skips.push((abs, seg.frames));
            }
            segments.push(PlacedSegment {
                start: frame,
                part: p,
                segment: *seg,
            });
            frame = frame.saturating_add(seg.frames);
            abs = abs.saturating_add(seg.frames as i64);
        }
    }
    let frames = frame;

    let channels: Vec<ChannelInfo> = minfo
        .channels
        .iter()
        .map(|c| {
            // Keys follow the LSL channel meta-data that mne-lsl's StreamLSL reads back
            // (`kind`, `coil_type`, `coord_frame`, `range_cal`, `loc/R0x`..); a `/` makes a
            // nested element when the host publishes them.
            let channel = LOC_NAMES.iter().zip(c.loc.iter()).fold(
                ChannelInfo::new(c.name.clone(), c.mne_type(), c.si_unit()),
                |ch, (n, &v)| ch.with_extra(format!("loc/{n}"), fmt_f32(v)),
            );
            channel
                .with_extra("kind", c.kind.to_string())
                .with_extra("coil_type", c.coil_type.to_string())
                .with_extra("coord_frame", c.coord_frame.to_string())
                .with_extra(
                    "range_cal",
                    (f64::from(c.range) * f64::from(c.cal)).to_string(),
                )
                .with_extra("range", fmt_f32(c.range))
                .with_extra("cal", fmt_f32(c.cal))
                .with_extra("unit_mul", c.unit_mul.to_string())
                .with_extra("fiff_unit", c.unit.to_string())
                .with_extra("scanno", c.scanno.to_string())
                .with_extra("logno", c.logno.to_string())
        })
        .collect();
    let kinds: HashSet<&str> = channels.iter().map(|c| c.kind.as_str()).collect();
    let content_type = if ["grad", "mag", "ref_meg"].iter().any(|k| kinds.contains(k)) {
        "MEG"
    } else if kinds.contains("eeg") {
        "EEG"
    } else {
        "Misc"
    };

    let mut metadata = Metadata::new();
    metadata.insert("first_samp".into(), first_samp.to_string());
    metadata.insert(
        "first_time".into(),
        format!("{}", first_samp as f64 / sfreq),
    );
    metadata.insert("sfreq".into(), format!("{sfreq}"));
    metadata.insert("parts".into(), parts.len().to_string());
    metadata.insert(
        "part_files".into(),
        json_list(
            parts
                .iter()
                .map(|p| file_name(&p.path))
                .collect::<Vec<_>>()
                .iter()
                .map(String::as_str),
        ),
    );
    metadata.insert(
        "orig_format".into(),
        mne_format_name(first.raw.format).into(),
    );
    metadata.insert("data_block".into(), first.raw.block.as_str().into());
    metadata.insert("data_skips".into(), skips.len().to_string());
    if let Some(v) = minfo.highpass {
        metadata.insert("highpass".into(), format!("{v}"));
    }
    if let Some(v) = minfo.lowpass {
        metadata.insert("lowpass".into(), format!("{v}"));
    }
    if let Some(v) = minfo.line_freq {
        metadata.insert("line_freq".into(), format!("{v}"));
    }
    metadata.insert("projectors".into(), minfo.projectors.len().to_string());
    metadata.insert(
        "projector_names".into(),
        json_list(minfo.projectors.iter().map(|p| p.name.as_str())),
    );
    metadata.insert(
        "projectors_active".into(),
        json_list(
            minfo
                .projectors
                .iter()
                .map(|p| if p.active { "true" } else { "false" }),
        ),
    );
    metadata.insert(
        "bads".into(),
        json_list(minfo.bads.iter().map(String::as_str)),
    );
    if let Some(v) = &minfo.experimenter {
        metadata.insert("experimenter".into(), v.clone());
    }
    if let Some(v) = &minfo.description {
        metadata.insert("description".into(), v.clone());
    }
    let meas_date = minfo.meas_date.map(|(s, us)| rfc3339(s, us));
    if let Some(d) = &meas_date {
        metadata.insert("meas_date".into(), d.clone());
    }

    let mut stream_meta = Metadata::new();
    for key in ["highpass", "lowpass", "first_samp"] {
        if let Some(v) = metadata.get(key) {
            stream_meta.insert(key.into(), v.clone());
        }
    }
    let mut stream = StreamInfo::new("raw", content_type, sfreq, channels)
        .with_length(frames)
        .with_sample_format(first.raw.format);
    stream.metadata = stream_meta;

    let annotations = place(
        first.annotations.as_ref(),
        &skips,
        Timeline {
            sfreq,
            first_samp,
            stored_first_samp: first.raw.stored_first_samp,
            frames,
            meas_date: minfo.meas_date.map(|(s, us)| s as f64 + us as f64 / 1e6),
        },
    );

    let mut info = RecordingInfo::new(vec![stream]);
    info.annotations = annotations;
    info.meas_date = meas_date;
    info.metadata = metadata;

    let index = SharedIndex {
        scales: minfo.channels.iter().map(|c| c.scale()).collect(),
        parts: parts.into_iter().map(|p| p.path).collect(),
        segments,
        frames,
    };
    FifRecording {
        info,
        index: Arc::new(index),
    }
}

impl Recording for FifRecording {
    fn info(&self) -> &RecordingInfo {
        &self.info
    }

    fn open_stream(&self, index: usize) -> Result<Box<dyn SampleSource>, ReadError> {
        if index != 0 {
            return Err(ReadError::invalid_argument(format!(
                "a FIF recording has one stream; stream {index} does not exist"
            )));
        }
        Ok(Box::new(FifSource::new(Arc::clone(&self.index))))
    }
}

#[cfg(test)]
mod tests {
    use super::{is_fif_gz_name, rfc3339, shell_word};
    use std::path::Path;

    #[test]
    fn gzip_names_and_shell_words() {
        assert!(is_fif_gz_name(Path::new("/a/sample_raw.FIF.GZ")));
        assert!(!is_fif_gz_name(Path::new("/a/sample_raw.fif")));
        assert!(!is_fif_gz_name(Path::new("/a/notes.txt.gz")));
        assert_eq!(shell_word("/data/s01_raw.fif.gz"), "/data/s01_raw.fif.gz");
        assert_eq!(shell_word("my rec.fif.gz"), "'my rec.fif.gz'");
        assert_eq!(shell_word("it's.fif.gz"), "'it'\\''s.fif.gz'");
    }

    #[test]
    fn dates_are_rfc3339() {
        assert_eq!(rfc3339(0, 0), "1970-01-01T00:00:00Z");
        assert_eq!(
            rfc3339(1_614_861_296, 250_000),
            "2021-03-04T12:34:56.250000Z"
        );
        assert_eq!(rfc3339(951_782_400, 0), "2000-02-29T00:00:00Z");
    }
}
