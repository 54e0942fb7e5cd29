//! What was injected: one [`FaultRecord`] per fault (the ground truth a test asserts
//! on), and the [`FaultLog`] that gathers them for the summary and writes them as JSON
//! lines (`--faults-log`).

use serde::Serialize;
use std::io::Write;
use std::sync::Mutex;

/// The most records a summary keeps (the log file gets every one).
pub const MAX_SUMMARY_RECORDS: usize = 100_000;

/// Which fault a [`FaultRecord`] tells of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultKind {
    /// Samples not pushed.
    Drop,
    /// Samples pushed twice.
    Duplicate,
    /// A push delayed.
    Jitter,
    /// Pushes held, then released at once.
    Stall,
    /// Every timestamp shifted.
    ClockOffset,
    /// Timestamps shifted from a time on.
    ClockJump,
    /// The outlet gone for a while; samples lost.
    Disconnect,
    /// Channels holding their last value.
    Flat,
    /// Channels NaN.
    Nan,
    /// Channels capped.
    Clip,
    /// Noise added to channels.
    Noise,
}

impl FaultKind {
    /// Its word in the log (`drop`, `clock_jump`, ...).
    pub fn word(self) -> &'static str {
        match self {
            FaultKind::Drop => "drop",
            FaultKind::Duplicate => "duplicate",
            FaultKind::Jitter => "jitter",
            FaultKind::Stall => "stall",
            FaultKind::ClockOffset => "clock_offset",
            FaultKind::ClockJump => "clock_jump",
            FaultKind::Disconnect => "disconnect",
            FaultKind::Flat => "flat",
            FaultKind::Nan => "nan",
            FaultKind::Clip => "clip",
            FaultKind::Noise => "noise",
        }
    }
}

/// One injected fault: which samples of which stream it affected, and when. Samples are
/// `first_sample .. first_sample + samples` (indices in the stream as replayed, from its
/// first sample, across passes); `samples` is 0 for clock faults (every sample from
/// `first_sample` on).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FaultRecord {
    /// The stream's name.
    pub stream: String,
    /// Which fault.
    pub fault: FaultKind,
    /// The first affected sample's index.
    pub first_sample: u64,
    /// How many consecutive samples.
    pub samples: u64,
    /// The LSL timestamp of the first affected sample (as it was, or would have been,
    /// stamped).
    pub t: f64,
    /// Channel faults: the labels of the channels hit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub channels: Option<Vec<String>>,
    /// Jitter: seconds the push was delayed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delay: Option<f64>,
    /// Stall: the clock time pushes stopped; clock faults and disconnects: the position
    /// (seconds of the replay timeline) given as `at`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at: Option<f64>,
    /// Stall: the clock time the held samples went out; disconnect: the clock time the
    /// outlet was created again, or the outage ended when the replay went straight into
    /// another (a seek, windows that touch; absent when the run ended first).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub until: Option<f64>,
    /// Stall and disconnect: the `for` given, in seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seconds: Option<f64>,
    /// Clock faults: the seconds added to the timestamps.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub by: Option<f64>,
}

impl FaultRecord {
    /// A record of `fault` on `stream` from sample `first_sample` (stamped `t`), with no
    /// sample counted yet and no detail.
    pub(crate) fn new(stream: &str, fault: FaultKind, first_sample: u64, t: f64) -> Self {
        FaultRecord {
            stream: stream.to_string(),
            fault,
            first_sample,
            samples: 0,
            t,
            channels: None,
            delay: None,
            at: None,
            until: None,
            seconds: None,
            by: None,
        }
    }

    /// The record as one line of JSON (no newline).
    pub fn to_json(&self) -> String {
        // Every field serializes (numbers are finite, strings are strings).
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// Where a run's records go: kept for the summary (at most [`MAX_SUMMARY_RECORDS`]), and
/// written as JSON lines to the log, if there is one.
pub(crate) struct FaultLog {
    inner: Mutex<Inner>,
}

struct Inner {
    records: Vec<FaultRecord>,
    left_out: u64,
    writer: Option<Box<dyn Write + Send>>,
    error: Option<String>,
}

impl FaultLog {
    /// A log writing to `writer`, if any.
    pub(crate) fn new(writer: Option<Box<dyn Write + Send>>) -> Self {
        FaultLog {
            inner: Mutex::new(Inner {
                records: Vec::new(),
                left_out: 0,
                writer,
                error: None,
            }),
        }
    }

    /// Adds `record` (its JSON text `json`).
    pub(crate) fn add(&self, record: FaultRecord, json: &str) {
        let Ok(mut inner) = self.inner.lock() else {
            return;
        };
        if let Some(w) = inner.writer.as_mut() {
            if let Err(e) = writeln!(w, "{json}") {
                inner.error = Some(format!("the faults log could not be written: {e}"));
                inner.writer = None;
            }
        }
        if inner.records.len() < MAX_SUMMARY_RECORDS {
            inner.records.push(record);
        } else {
            inner.left_out += 1;
        }
    }

    /// The records so far and what the user should know (records left out of the
    /// summary, a log that could not be written); flushes the log.
    pub(crate) fn take(&self) -> (Vec<FaultRecord>, Vec<String>) {
        let Ok(mut inner) = self.inner.lock() else {
            return (Vec::new(), Vec::new());
        };
        let mut warnings = Vec::new();
        if let Some(w) = inner.writer.as_mut() {
            if let Err(e) = w.flush() {
                warnings.push(format!("the faults log could not be written: {e}"));
            }
        }
        warnings.extend(inner.error.take());
        if inner.left_out > 0 {
            warnings.push(format!(
                "{} fault records are left out of the summary (it keeps the first \
                 {MAX_SUMMARY_RECORDS}; the faults log has them all)",
                inner.left_out
            ));
        }
        (std::mem::take(&mut inner.records), warnings)
    }
}
