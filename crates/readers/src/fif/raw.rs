//! The raw data of one file: the index of its data buffers (positions and sizes only),
//! `first_samp`, data skips, and the reference to the next part of a split recording.
//!
//! This follows MNE's `Raw._read_raw_file`: the raw block is FIFFB_RAW_DATA, else
//! FIFFB_CONTINUOUS_DATA, else FIFFB_IAS_RAW_DATA (MaxShield); FIFF_FIRST_SAMPLE may open
//! it, followed by an initial FIFF_DATA_SKIP that moves `first_samp`; a later
//! FIFF_DATA_SKIP of `n` buffers stands for `n` times the size of the next buffer, replayed
//! as zeros.

use super::constants::*;
use super::tag::{read_i32, read_string, Tag};
use super::tree::{Tree, ROOT};
use player_api::io::SourceFile;
use player_api::ReadError;
use player_api::SampleFormat;
use std::path::{Path, PathBuf};

/// Which block held the raw data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataBlock {
    /// FIFFB_RAW_DATA.
    Raw,
    /// FIFFB_CONTINUOUS_DATA.
    Continuous,
    /// FIFFB_IAS_RAW_DATA (MaxShield).
    MaxShield,
}

impl DataBlock {
    /// A lowercase name for metadata.
    pub fn as_str(self) -> &'static str {
        match self {
            DataBlock::Raw => "raw",
            DataBlock::Continuous => "continuous",
            DataBlock::MaxShield => "maxshield",
        }
    }
}

/// Where one data buffer's samples are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BufferRef {
    /// Byte offset of the first sample (the tag's data).
    pub pos: u64,
    /// How the samples are stored.
    pub format: SampleFormat,
}

/// A run of frames: one data buffer, or a skip (zeros).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Segment {
    /// Number of frames.
    pub frames: u64,
    /// The buffer, or `None` for a skip.
    pub data: Option<BufferRef>,
}

/// The raw-data index of one file.
#[derive(Debug, Clone)]
pub struct PartIndex {
    /// The first sample's number (after an initial skip).
    pub first_samp: i64,
    /// FIFF_FIRST_SAMPLE as stored (before an initial skip moves it).
    pub stored_first_samp: i64,
    /// Buffers and skips, in order.
    pub segments: Vec<Segment>,
    /// The block that held the data.
    pub block: DataBlock,
    /// The storage format of the first buffer.
    pub format: SampleFormat,
}

impl PartIndex {
    /// Total frames.
    pub fn frames(&self) -> u64 {
        self.segments.iter().map(|s| s.frames).sum()
    }
}

/// The buffer format of a FIFF data type, or an error for types that are not raw data.
fn buffer_format(file: &SourceFile, tag: &Tag) -> Result<SampleFormat, ReadError> {
    match tag.typ {
        FIFFT_DAU_PACK16 | FIFFT_SHORT => Ok(SampleFormat::Int16),
        FIFFT_INT => Ok(SampleFormat::Int32),
        FIFFT_FLOAT => Ok(SampleFormat::Float32),
        FIFFT_DOUBLE => Ok(SampleFormat::Float64),
        FIFFT_COMPLEX_FLOAT | FIFFT_COMPLEX_DOUBLE => Err(player_api::ReadError::unsupported(
            "complex-valued data buffers are not supported",
        )
        .at_offset(tag.pos)
        .in_file(file.path())),
        t => Err(player_api::ReadError::unsupported(format!(
            "data buffers of FIFF type {t} are not supported (short, int, float, double are)"
        ))
        .at_offset(tag.pos)
        .in_file(file.path())),
    }
}

/// MNE's name of a buffer format (`raw.orig_format`).
pub fn mne_format_name(format: SampleFormat) -> &'static str {
    match format {
        SampleFormat::Int16 => "short",
        SampleFormat::Int32 => "int",
        SampleFormat::Float32 => "single",
        SampleFormat::Float64 => "double",
        _ => "unknown",
    }
}

/// Indexes the raw data of the measurement block `meas` of one file with `nchan`
/// channels, without reading the samples.
pub fn index_raw(
    file: &mut SourceFile,
    tree: &Tree,
    meas: usize,
    nchan: usize,
) -> Result<PartIndex, ReadError> {
    let (node, block) = if let Some(n) = tree.find_first(meas, FIFFB_RAW_DATA) {
        (n, DataBlock::Raw)
    } else if let Some(n) = tree.find_first(meas, FIFFB_CONTINUOUS_DATA) {
        (n, DataBlock::Continuous)
    } else if let Some(n) = tree.find_first(meas, FIFFB_IAS_RAW_DATA) {
        (n, DataBlock::MaxShield)
    } else {
        return Err(file.malformed(0, "no raw data block in the file"));
    };
    let entries = tree.entries(node);
    let mut first = 0;
    let mut first_samp: i64 = 0;
    let mut first_skip: i64 = 0;
    if let Some(tag) = entries.get(first).filter(|t| t.kind == FIFF_FIRST_SAMPLE) {
        first_samp = i64::from(read_i32(file, tag)?);
        first += 1;
    }
    let stored_first_samp = first_samp;
    if let Some(tag) = entries.get(first).filter(|t| t.kind == FIFF_DATA_SKIP) {
        first_skip = i64::from(read_i32(file, tag)?);
        if first_skip < 0 {
            return Err(file.malformed(tag.pos, format!("negative data skip ({first_skip})")));
        }
        first += 1;
    }
    let mut segments = Vec::new();
    let mut format = None;
    let mut pending_skip: u64 = 0;
    let mut total: u64 = 0;
    for tag in entries.iter().skip(first) {
        match tag.kind {
            FIFF_DATA_BUFFER => {
                let this = buffer_format(file, tag)?;
                let frame_bytes = (this.size() * nchan) as u64;
                if tag.size % frame_bytes != 0 {
                    return Err(file.malformed(
                        tag.pos,
                        format!(
                            "data buffer of {} bytes is not a whole number of {nchan}-channel frames of {} bytes",
                            tag.size, frame_bytes
                        ),
                    ));
                }
                let nsamp = tag.size / frame_bytes;
                format.get_or_insert(this);
                if first_skip > 0 {
                    first_samp = (nsamp as i64)
                        .checked_mul(first_skip)
                        .and_then(|n| n.checked_add(first_samp))
                        .ok_or_else(|| file.malformed(tag.pos, "initial data skip is too large"))?;
                    first_skip = 0;
                }
                if pending_skip > 0 {
                    let frames = pending_skip
                        .checked_mul(nsamp)
                        .ok_or_else(|| file.malformed(tag.pos, "data skip is too large"))?;
                    total = total
                        .checked_add(frames)
                        .ok_or_else(|| file.malformed(tag.pos, "data skip is too large"))?;
                    segments.push(Segment { frames, data: None });
                    pending_skip = 0;
                }
                if nsamp > 0 {
                    total += nsamp;
                    segments.push(Segment {
                        frames: nsamp,
                        data: Some(BufferRef {
                            pos: tag.data_pos(),
                            format: this,
                        }),
                    });
                }
            }
            FIFF_DATA_SKIP => {
                let n = read_i32(file, tag)?;
                pending_skip = u64::try_from(n)
                    .map_err(|_| file.malformed(tag.pos, format!("negative data skip ({n})")))?;
            }
            _ => {}
        }
    }
    // Bound the length: i64 sample numbers must not overflow.
    if i64::try_from(total)
        .ok()
        .and_then(|t| t.checked_add(first_samp))
        .is_none()
    {
        return Err(file.malformed(0, "the data is absurdly long"));
    }
    let format =
        format.ok_or_else(|| file.malformed(0, "the raw data block holds no data buffers"))?;
    Ok(PartIndex {
        first_samp,
        stored_first_samp,
        segments,
        block,
        format,
    })
}

/// The next part of a split recording named by the file's FIFFB_REF blocks (role
/// "next file"), as MNE's `_get_next_fname`: by FIFF_REF_FILE_NAME relative to this
/// file's directory, else by FIFF_REF_FILE_NUM (`name-raw.fif` -> `name-raw-1.fif`).
pub fn next_part(file: &mut SourceFile, tree: &Tree) -> Result<Option<PathBuf>, ReadError> {
    let path = file.path().to_path_buf();
    let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    for node in tree.find(ROOT, FIFFB_REF) {
        let mut next: Option<PathBuf> = None;
        for tag in tree.entries(node).to_vec() {
            match tag.kind {
                FIFF_REF_ROLE if read_i32(file, &tag)? != FIFFV_ROLE_NEXT_FILE => {
                    next = None;
                    break;
                }
                FIFF_REF_FILE_NAME => next = Some(dir.join(read_string(file, &tag)?)),
                FIFF_REF_FILE_NUM if next.is_none() => {
                    let num = read_i32(file, &tag)?;
                    next = numbered_name(&path, num).map(|n| dir.join(n));
                }
                _ => {}
            }
        }
        if next.is_some() {
            return Ok(next);
        }
    }
    Ok(None)
}

/// `base-raw.fif` + 2 -> `base-raw-2.fif`; `base-raw-1.fif` + 2 -> `base-raw-2.fif`.
fn numbered_name(path: &Path, num: i32) -> Option<String> {
    let base = path.file_name()?.to_str()?;
    let dot = base.find('.')?;
    let (stem, ext) = (&base[..dot], &base[dot + 1..]);
    let stem = match stem.rfind('-') {
        Some(dash)
            if !stem[dash + 1..].is_empty()
                && stem[dash + 1..].bytes().all(|b| b.is_ascii_digit()) =>
        {
            &stem[..dash]
        }
        _ => stem,
    };
    Some(format!("{stem}-{num}.{ext}"))
}

#[cfg(test)]
mod tests {
    use super::numbered_name;
    use std::path::Path;

    #[test]
    fn numbered_names_follow_mne() {
        assert_eq!(
            numbered_name(Path::new("/d/a_raw.fif"), 1).as_deref(),
            Some("a_raw-1.fif")
        );
        assert_eq!(
            numbered_name(Path::new("a_raw-1.fif"), 2).as_deref(),
            Some("a_raw-2.fif")
        );
        assert_eq!(numbered_name(Path::new("noext"), 2), None);
    }
}
