//! When each data record starts, and the annotations: one pass over the annotation
//! signals (TALs) of every record at open time.

use super::header::Header;
use super::tal::parse_tals;
use player_api::io::SourceFile;
use player_api::{Annotation, ReadError};

/// Record times closer than this (seconds) count as equal: EDF+ time stamps have a
/// resolution of 100 ns (EDFlib's time unit).
const TIME_TOLERANCE: f64 = 1e-7;

/// Where each record's samples go in a stream.
#[derive(Debug, Clone)]
pub(crate) struct Timeline {
    /// Number of records.
    pub records: u64,
    /// EDF+D only: each record's onset relative to record 0, in seconds (non-decreasing,
    /// records never overlap). `None`: records are contiguous.
    pub onsets: Option<Vec<f64>>,
}

impl Timeline {
    /// The first frame of `record` in a stream with `spr` samples per record at `rate`:
    /// `record * spr` for contiguous files, `round(onset * rate)` for EDF+D.
    pub fn start_frame(&self, record: u64, spr: u64, rate: f64) -> u64 {
        match &self.onsets {
            None => record.saturating_mul(spr),
            Some(onsets) => usize::try_from(record)
                .ok()
                .and_then(|r| onsets.get(r))
                .map_or(u64::MAX, |t| (t * rate).round() as u64),
        }
    }

    /// The number of frames of a stream (gaps included).
    pub fn length(&self, spr: u64, rate: f64) -> u64 {
        match self.records {
            0 => 0,
            n => self.start_frame(n - 1, spr, rate).saturating_add(spr),
        }
    }

    /// The last record starting at or before `frame` (0 if none).
    pub fn locate(&self, frame: u64, spr: u64, rate: f64) -> u64 {
        match &self.onsets {
            None => frame / spr,
            Some(_) => {
                // Binary search for the last record whose start <= frame.
                let (mut lo, mut hi) = (0u64, self.records);
                while hi - lo > 1 {
                    let mid = lo + (hi - lo) / 2;
                    if self.start_frame(mid, spr, rate) <= frame {
                        lo = mid;
                    } else {
                        hi = mid;
                    }
                }
                lo
            }
        }
    }
}

/// What the scan found.
#[derive(Debug, Clone)]
pub(crate) struct Scan {
    pub timeline: Timeline,
    /// Annotations, onsets relative to the first record's start, ordered by onset.
    pub annotations: Vec<Annotation>,
    /// The first record's time-keeping onset (seconds after the header's start time).
    pub start_offset: f64,
    /// EDF+D: number of gaps between records, and their total length in seconds.
    pub gaps: u64,
    pub gap_seconds: f64,
}

/// Reads every record's annotation signals: the record times (EDF+/BDF+ time-keeping
/// TALs) and the annotations.
pub(crate) fn scan(file: &mut SourceFile, h: &Header) -> Result<Scan, ReadError> {
    let annotation_signals: Vec<_> = h.signals.iter().filter(|s| s.annotation).collect();
    let contiguous = Scan {
        timeline: Timeline {
            records: h.records,
            onsets: None,
        },
        annotations: Vec::new(),
        start_offset: 0.0,
        gaps: 0,
        gap_seconds: 0.0,
    };
    if annotation_signals.is_empty() {
        if h.discontinuous {
            return Err(file.malformed(
                192,
                "the reserved field says EDF+D (discontinuous) but there is no annotation signal to time the records",
            ));
        }
        return Ok(contiguous);
    }
    let mut buf = Vec::new();
    let mut raw: Vec<(f64, f64, String)> = Vec::new();
    let mut onsets: Vec<f64> = Vec::new();
    let mut start_offset = 0.0;
    let mut previous: Option<f64> = None;
    let (mut gaps, mut gap_seconds) = (0u64, 0.0);
    for record in 0..h.records {
        for (j, signal) in annotation_signals.iter().enumerate() {
            let offset = h.record_offset(record) + signal.offset_in_record;
            let len = signal.spr * h.sample_bytes();
            // len <= record size <= file length, checked when the header was read.
            buf.resize(len as usize, 0);
            file.read_exact_at(
                offset,
                &mut buf,
                &format!("the annotations of record {record}"),
            )?;
            let tals = parse_tals(&buf).map_err(|e| {
                file.malformed(
                    offset + e.position as u64,
                    format!(
                        "record {record}, annotation signal {} ({}): {}",
                        signal.index + 1,
                        player_api::quote(&signal.label),
                        e.message
                    ),
                )
            })?;
            let mut texts_of = tals.iter().flat_map(|t| {
                t.texts
                    .iter()
                    .map(move |text| (t.onset, t.duration.unwrap_or(0.0), text))
            });
            if j == 0 && h.plus {
                // The first text of the first TAL is the time-keeping stamp: empty.
                let stamp = match texts_of.next() {
                    Some((onset, _, text)) if text.is_empty() => onset,
                    _ => {
                        return Err(file.malformed(
                            offset,
                            format!(
                                "record {record} does not start with a time-keeping TAL (\"+seconds\\x14\\x14\")"
                            ),
                        ))
                    }
                };
                if record == 0 {
                    start_offset = stamp;
                }
                if let Some(prev) = previous {
                    let end = prev + h.duration;
                    let tolerance = TIME_TOLERANCE.min(h.duration * 1e-3);
                    if h.discontinuous && (stamp < end - tolerance || stamp < prev) {
                        return Err(file.malformed(
                            offset,
                            format!(
                                "record {record} starts at {stamp} s, before the previous record ends ({end} s): EDF+D records must not overlap or go backward"
                            ),
                        ));
                    }
                    if stamp > end + tolerance {
                        gaps += 1;
                        gap_seconds += stamp - end;
                    }
                }
                previous = Some(stamp);
                if h.discontinuous {
                    onsets.push(stamp - start_offset);
                }
            }
            for (onset, duration, text) in texts_of {
                if !text.is_empty() {
                    raw.push((onset, duration, text.clone()));
                }
            }
        }
    }
    let mut annotations: Vec<Annotation> = raw
        .into_iter()
        .map(|(onset, duration, text)| Annotation::new(onset - start_offset, duration, text))
        .collect();
    annotations.sort_by(|a, b| a.onset.total_cmp(&b.onset));
    Ok(Scan {
        timeline: Timeline {
            records: h.records,
            onsets: h.discontinuous.then_some(onsets),
        },
        annotations,
        start_offset,
        gaps: if h.discontinuous { gaps } else { 0 },
        gap_seconds: if h.discontinuous { gap_seconds } else { 0.0 },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locates_records_across_gaps() {
        let t = Timeline {
            records: 3,
            onsets: Some(vec![0.0, 1.0, 3.0]),
        };
        assert_eq!(t.length(10, 10.0), 40);
        assert_eq!(t.locate(0, 10, 10.0), 0);
        assert_eq!(t.locate(15, 10, 10.0), 1);
        assert_eq!(t.locate(25, 10, 10.0), 1);
        assert_eq!(t.locate(30, 10, 10.0), 2);
        let c = Timeline {
            records: 3,
            onsets: None,
        };
        assert_eq!(c.length(10, 10.0), 30);
        assert_eq!(c.locate(25, 10, 10.0), 2);
    }
}
