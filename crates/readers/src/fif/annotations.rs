//! MNE annotations (FIFFB_MNE_ANNOTATIONS) and the BAD_ACQ_SKIP annotations MNE adds for
//! data skips, placed on samples as MNE places them.
//!
//! MNE stores onsets (FIFF_MNE_BASELINE_MIN) and ends (FIFF_MNE_BASELINE_MAX, onset +
//! duration) in seconds, counted from the measurement start including `first_samp`
//! (time 0 is sample 0, not the first sample), descriptions as one colon-separated string
//! (FIFF_COMMENT, with `{COLON}` for colons) and the annotations' `orig_time`
//! (FIFF_MEAS_DATE, seconds and microseconds as doubles). Reading follows
//! `_read_annotations_fif` and `BaseRaw.set_annotations`: annotations outside the data
//! are dropped, those reaching outside are clipped, and each lands on sample
//! `round(onset * sfreq) - first_samp`.

use super::constants::*;
use super::tag::{read_f64s, read_string};
use super::tree::{Tree, ROOT};
use player_api::io::SourceFile;
use player_api::{Annotation, ReadError};

/// The annotations as stored in the file.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StoredAnnotations {
    /// Onsets in seconds.
    pub onsets: Vec<f64>,
    /// Durations in seconds (computed in the stored precision, as MNE does).
    pub durations: Vec<f64>,
    /// Descriptions.
    pub descriptions: Vec<String>,
    /// The time origin of the onsets (seconds since 1970), when stored.
    pub orig_time: Option<f64>,
}

/// Reads the first FIFFB_MNE_ANNOTATIONS block of the file, if any.
pub fn read_annotations(
    file: &mut SourceFile,
    tree: &Tree,
) -> Result<Option<StoredAnnotations>, ReadError> {
    let Some(node) = tree.find_first(ROOT, FIFFB_MNE_ANNOTATIONS) else {
        return Ok(None);
    };
    let mut out = StoredAnnotations::default();
    let mut ends: Option<(Vec<f64>, bool)> = None;
    let mut onsets_f32 = false;
    let entries = tree.entries(node).to_vec();
    let block_pos = entries.first().map_or(0, |t| t.pos);
    for tag in &entries {
        match tag.kind {
            FIFF_MNE_BASELINE_MIN if tag.size > 0 => {
                let (v, f32_) = read_f64s(file, tag)?;
                out.onsets = v;
                onsets_f32 = f32_;
            }
            FIFF_MNE_BASELINE_MAX if tag.size > 0 => ends = Some(read_f64s(file, tag)?),
            FIFF_COMMENT if tag.size > 0 => {
                let text = read_string(file, tag)?;
                out.descriptions = if text.is_empty() {
                    Vec::new()
                } else {
                    text.split(':').map(|s| s.replace("{COLON}", ":")).collect()
                };
            }
            FIFF_MEAS_DATE if tag.size > 0 => {
                let (v, _) = read_f64s(file, tag)?;
                out.orig_time = match v.as_slice() {
                    [secs] => Some(*secs),
                    [secs, usecs, ..] => Some(secs + usecs / 1e6),
                    [] => None,
                };
            }
            _ => {}
        }
    }
    if let Some((ends, ends_f32)) = ends {
        if ends.len() != out.onsets.len() {
            return Err(file.malformed(
                block_pos,
                format!(
                    "{} annotation onsets but {} ends",
                    out.onsets.len(),
                    ends.len()
                ),
            ));
        }
        out.durations = ends
            .iter()
            .zip(&out.onsets)
            .map(|(&end, &onset)| {
                if onsets_f32 && ends_f32 {
                    // numpy subtracts the two float32 arrays in float32
                    f64::from(end as f32 - onset as f32)
                } else {
                    end - onset
                }
            })
            .collect();
    }
    if out.onsets.len() != out.durations.len() || out.onsets.len() != out.descriptions.len() {
        return Err(file.malformed(
            block_pos,
            format!(
                "annotations have {} onsets, {} durations and {} descriptions",
                out.onsets.len(),
                out.durations.len(),
                out.descriptions.len()
            ),
        ));
    }
    Ok(Some(out))
}

/// Where the recording sits in time, for placing annotations.
#[derive(Debug, Clone, Copy)]
pub struct Timeline {
    /// Sampling frequency.
    pub sfreq: f64,
    /// The first sample's number.
    pub first_samp: i64,
    /// FIFF_FIRST_SAMPLE as stored, before an initial data skip moved it (MNE shifts
    /// date-less annotations by this one).
    pub stored_first_samp: i64,
    /// Total frames of all parts.
    pub frames: u64,
    /// The measurement date in seconds since 1970, when set.
    pub meas_date: Option<f64>,
}

/// One annotation placed on a sample, before sorting.
#[derive(Debug, Clone)]
struct Placed {
    onset_abs: f64,
    sample: i64,
    duration: f64,
    description: String,
}

/// The recording's annotations as MNE's `raw.annotations` holds them, on samples counted
/// from the first sample, ordered by onset: the stored ones (cropped to the data), then
/// one BAD_ACQ_SKIP per data skip (`skips`: first absolute sample and frame count).
pub fn place(
    stored: Option<&StoredAnnotations>,
    skips: &[(i64, u64)],
    t: Timeline,
) -> Vec<Annotation> {
    let first_time = t.first_samp as f64 / t.sfreq;
    let end = t.frames as f64 / t.sfreq;
    let mut placed = Vec::new();
    if let Some(a) = stored {
        for ((&onset, &duration), description) in
            a.onsets.iter().zip(&a.durations).zip(&a.descriptions)
        {
            // the onset on MNE's raw time axis (seconds from sample 0)
            let onset_abs = match (t.meas_date, a.orig_time) {
                (Some(meas), Some(orig)) => onset - (meas - orig),
                (Some(_), None) => onset + first_time,
                (None, _) => (onset - t.stored_first_samp as f64 / t.sfreq) + first_time,
            };
            // crop to [first sample, end of data]
            let rel = onset_abs - first_time;
            let dur = if duration.is_nan() { 0.0 } else { duration };
            if rel > end || rel + dur < 0.0 {
                continue;
            }
            let (mut rel_on, mut rel_off) = (rel, rel + dur);
            let clipped = rel_on < 0.0 || rel_off > end;
            if rel_on < 0.0 {
                rel_on = 0.0;
            }
            if rel_off > end {
                rel_off = end;
            }
            let (onset_abs, duration) = if clipped {
                (rel_on + first_time, rel_off - rel_on)
            } else {
                (onset_abs, duration)
            };
            placed.push(Placed {
                onset_abs,
                sample: round_to_sample(onset_abs, t),
                duration,
                description: description.clone(),
            });
        }
    }
    for &(start, frames) in skips {
        let onset_abs = start as f64 / t.sfreq;
        placed.push(Placed {
            onset_abs,
            sample: round_to_sample(onset_abs, t),
            duration: frames as f64 / t.sfreq,
            description: "BAD_ACQ_SKIP".to_string(),
        });
    }
    placed.sort_by(|a, b| a.onset_abs.total_cmp(&b.onset_abs));
    placed
        .into_iter()
        .map(|p| Annotation::new(p.sample as f64 / t.sfreq, p.duration, p.description))
        .collect()
}

/// `round(onset * sfreq) - first_samp`, rounding half to even as numpy does.
fn round_to_sample(onset_abs: f64, t: Timeline) -> i64 {
    let s = (onset_abs * t.sfreq).round_ties_even();
    if s.is_finite() && s.abs() < 9.0e18 {
        (s as i64).saturating_sub(t.first_samp)
    } else {
        0
    }
}
