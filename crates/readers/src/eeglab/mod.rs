//! EEGLAB datasets (`.set`), with the samples inside the `.set` or in a `.fdt` file beside
//! it: one regular stream, markers from `EEG.event`.
//!
//! * The `.set` is a MATLAB MAT-file, level 5 (`mat`, our own reader: see the README,
//!   "Dependency notes"); level 7.3 (HDF5) is refused with what to do.
//! * Read as MNE-Python's `read_raw_eeglab` reads it (`dataset`): channels and types from
//!   `chanlocs`, values in µV scaled by 1e-6, events at `(latency − 1) / srate`.
//! * Epoched datasets (`trials > 1`) play their epochs back to back (MNE's
//!   `read_epochs_eeglab` data, concatenated).
//! * Streaming (`source`): the `.fdt` and uncompressed data inside the `.set` are read in
//!   place; data inside a compressed `.set` is decompressed into memory at open, at most
//!   `max_in_memory_mb` (default 1024 MiB), past which the file is refused with the way
//!   out.
//!
//! See `docs/readers/eeglab.md`.

mod dataset;
mod mat;
mod source;

use dataset::{dataset, Dataset, FIELDS};
use mat::{read_mat, Request};
use player_api::io::SourceFile;
use player_api::{
    quote, OpenOptions, ReadError, ReaderInfo, ReaderPlugin, Recording, RecordingInfo,
    SampleSource, Signature, StreamInfo,
};
use source::EeglabSource;
use std::path::Path;
use std::sync::Arc;

/// The built-in reader of EEGLAB datasets.
#[derive(Debug, Clone, Copy, Default)]
pub struct EeglabReader;

player_api::inventory::submit! { player_api::Registration::new(&EeglabReader) }

/// What the eeglab reader is: extension `set`; any MAT-file by its header (level 5, and
/// level 7.3 to refuse it with what to do).
pub static INFO: ReaderInfo = ReaderInfo::new(
    "eeglab",
    "EEGLAB datasets (.set MAT-files, data inside or in a .fdt file), with events",
    env!("CARGO_PKG_VERSION"),
    &["set"],
    &[
        Signature::at(0, b"MATLAB 5.0 MAT-file"),
        Signature::at(0, b"MATLAB 7.3 MAT-file"),
    ],
);

/// The default bound of a decompressed variable held in memory, in MiB.
pub const DEFAULT_MAX_IN_MEMORY_MB: f64 = 1024.0;

impl ReaderPlugin for EeglabReader {
    fn info(&self) -> &ReaderInfo {
        &INFO
    }

    /// Option `max_in_memory_mb`: the most MiB a compressed variable (the data inside a
    /// compressed `.set`) may take in memory (default 1024).
    fn open(&self, path: &Path, options: &OpenOptions) -> Result<Box<dyn Recording>, ReadError> {
        options
            .expect_only(INFO.id(), &["max_in_memory_mb"])
            .map_err(|e| e.in_file(path))?;
        let limit = match options.reader_options.get("max_in_memory_mb") {
            None => DEFAULT_MAX_IN_MEMORY_MB,
            Some(text) => match text.trim().parse::<f64>() {
                Ok(mb) if mb.is_finite() && mb > 0.0 => mb,
                _ => {
                    return Err(ReadError::invalid_argument(format!(
                        "the eeglab reader's option max_in_memory_mb is a number of MiB above 0, not {}",
                        quote(text)
                    ))
                    .in_file(path))
                }
            },
        };
        Ok(Box::new(EeglabRecording::open(path, limit)?))
    }
}

/// An opened dataset.
#[derive(Debug)]
pub struct EeglabRecording {
    info: RecordingInfo,
    data: Arc<dataset::DataPlace>,
    nbchan: usize,
    frames: u64,
}

/// The way out when a compressed variable is larger than the bound.
fn too_large(limit_mb: f64) -> impl Fn(&str, u64) -> String {
    move |name, bytes| {
        format!(
            "the compressed variable {} takes {:.1} MiB decompressed, more than the {limit_mb} MiB this reader holds in memory (reader option max_in_memory_mb): save the dataset with its data in a .fdt file (EEGLAB: pop_saveset(EEG, 'filename', NAME, 'savemode', 'twofiles')) or uncompressed (MATLAB: save(NAME, '-struct', 'EEG', '-v6')), which play from disk, or raise max_in_memory_mb",
            quote(name),
            bytes as f64 / (1024.0 * 1024.0)
        )
    }
}

impl EeglabRecording {
    fn open(path: &Path, limit_mb: f64) -> Result<Self, ReadError> {
        let file = SourceFile::open(path)?;
        let wanted = |name: &str| name == "EEG" || FIELDS.contains(&name);
        let fields = |name: &str| FIELDS.contains(&name);
        let way_out = too_large(limit_mb);
        let request = Request {
            wanted: &wanted,
            struct_name: "EEG",
            fields: &fields,
            limit: (limit_mb * 1024.0 * 1024.0) as u64,
            too_large: &way_out,
        };
        let (mat, _file) = read_mat(file, &request)?;
        let set = dataset(&mat, path).map_err(|m| ReadError::malformed(m).in_file(path))?;
        let fdt_extra = check_data_size(&set)?;
        let layout = if mat.get("EEG").is_some() {
            "EEG struct"
        } else {
            "fields"
        };
        let mut metadata = set.metadata.clone();
        metadata.insert("mat_description".into(), mat.description.clone());
        metadata.insert("layout".into(), layout.into());
        let data_file = if set.data.inside {
            "inside the .set".to_string()
        } else {
            set.data
                .file
                .file_name()
                .map_or(String::new(), |n| n.to_string_lossy().into_owned())
        };
        metadata.insert("data_file".into(), data_file);
        metadata.insert(
            "compressed".into(),
            if set.data.compressed { "yes" } else { "no" }.into(),
        );
        metadata.insert("stored_as".into(), set.data.stored.name().into());
        if fdt_extra > 0 {
            metadata.insert("fdt_trailing_bytes".into(), fdt_extra.to_string());
        }
        let content = crate::units::content_type(&set.channels);
        let mut stream = StreamInfo::new("eeg", content, set.srate, set.channels.clone())
            .with_length(set.frames)
            .with_sample_format(set.data.stored.sample_format());
        stream
            .metadata
            .insert("trials".into(), metadata["trials"].clone());
        let mut info = RecordingInfo::new(vec![stream]);
        info.annotations = set.events.clone();
        info.metadata = metadata;
        let Dataset {
            nbchan,
            frames,
            data,
            ..
        } = set;
        Ok(EeglabRecording {
            info,
            data: Arc::new(data),
            nbchan,
            frames,
        })
    }
}

/// Checks that a `.fdt` file holds every sample; returns the bytes after them.
fn check_data_size(set: &Dataset) -> Result<u64, ReadError> {
    if set.data.inside {
        return Ok(0);
    }
    let fdt = SourceFile::open(&set.data.file)?;
    let need = (set.nbchan as u64)
        .checked_mul(set.frames)
        .and_then(|n| n.checked_mul(4))
        .ok_or_else(|| ReadError::malformed("EEG.nbchan × EEG.pnts × EEG.trials overflows"))?;
    if fdt.len() < need {
        return Err(ReadError::truncated(format!(
            "the .fdt file holds {} bytes, but {} channels × {} frames of float32 take {need}",
            fdt.len(),
            set.nbchan,
            set.frames
        ))
        .in_file(&set.data.file));
    }
    Ok(fdt.len() - need)
}

impl Recording for EeglabRecording {
    fn info(&self) -> &RecordingInfo {
        &self.info
    }

    fn open_stream(&self, index: usize) -> Result<Box<dyn SampleSource>, ReadError> {
        if index != 0 {
            return Err(ReadError::invalid_argument(format!(
                "stream {index} does not exist (the dataset has 1 stream)"
            ))
            .in_file(&self.data.file));
        }
        Ok(Box::new(EeglabSource::new(
            Arc::clone(&self.data),
            self.nbchan,
            self.frames,
        )?))
    }
}
