//! Text for people: the status line, the end-of-run summary, `inspect` and `plugins`.

use crate::engine::{StreamPlan, StreamStats, Summary};
use crate::registry::Registry;
use crate::scenario::Scenario;
use player_api::RecordingInfo;
use std::fmt::Write as _;

fn ms(seconds: f64) -> String {
    format!("{:.3}", seconds * 1e3)
}

/// One status line: position, streams, worst lateness so far.
pub fn status_line(stats: &[StreamStats]) -> String {
    let position = stats.iter().map(|s| s.position).fold(0.0, f64::max);
    let p99 = stats.iter().map(|s| s.lateness_p99).fold(0.0, f64::max);
    let max = stats.iter().map(|s| s.lateness_max).fold(0.0, f64::max);
    let late: u64 = stats.iter().map(|s| s.late_chunks).sum();
    let active = stats
        .iter()
        .filter(|s| !s.finished && s.error.is_none())
        .count();
    format!(
        "playing {position:8.2} s | {active}/{} streams | lateness p99 {} ms, max {} ms | late chunks {late}",
        stats.len(),
        ms(p99),
        ms(max)
    )
}

/// The end-of-run table.
pub fn summary_table(summary: &Summary) -> String {
    let width = summary
        .streams
        .iter()
        .map(|s| s.name.len())
        .max()
        .unwrap_or(6)
        .max(6);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:width$}  {:>10}  {:>8}  {:>6}  {:>9}  {:>9}  {:>9}  status",
        "stream", "samples", "chunks", "late", "p50 ms", "p99 ms", "max ms"
    );
    for s in &summary.streams {
        let status = match (&s.error, s.finished) {
            (Some(_), _) => "failed",
            (None, true) => "done",
            (None, false) => "stopped",
        };
        let _ = writeln!(
            out,
            "{:width$}  {:>10}  {:>8}  {:>6}  {:>9}  {:>9}  {:>9}  {status}",
            s.name,
            s.samples,
            s.chunks,
            s.late_chunks,
            ms(s.lateness_p50),
            ms(s.lateness_p99),
            ms(s.lateness_max)
        );
    }
    let _ = write!(
        out,
        "{} in {:.3} s{}",
        if summary.interrupted {
            "stopped"
        } else {
            "played"
        },
        summary.wall_seconds,
        if summary.failures().is_empty() {
            String::new()
        } else {
            format!(", {} stream(s) failed", summary.failures().len())
        }
    );
    out
}

/// Seconds as people read them: `2.04 s`, `0 s`, `unknown`.
fn seconds(s: Option<f64>) -> String {
    match s {
        Some(s) if s == s.trunc() && s.abs() < 1e15 => format!("{s:.0} s"),
        Some(s) => format!("{s:.3} s"),
        None => "unknown".into(),
    }
}

/// `--dry-run`: per stream what a receiver will see (name, type, channels, rate, format
/// on the wire, duration, markers) and the plan (offset, chunk size), then the run's
/// settings.
pub fn describe_plan(plans: &[StreamPlan], scenario: &Scenario) -> String {
    let head = [
        "stream", "type", "channels", "rate", "format", "duration", "markers", "offset", "chunk",
    ];
    let rows: Vec<[String; 9]> = plans
        .iter()
        .map(|p| {
            [
                p.name.clone(),
                p.content_type.clone(),
                p.channels.to_string(),
                if p.rate > 0.0 {
                    format!("{} Hz", p.rate)
                } else {
                    "irregular".into()
                },
                p.format.clone(),
                seconds(p.duration),
                p.markers.map_or("-".into(), |m| m.to_string()),
                seconds(Some(p.offset)),
                p.chunk_size.to_string(),
            ]
        })
        .collect();
    let mut out = table(&head, &rows);
    let _ = write!(
        out,
        "repeat {}, start delay {}, wait for consumers: {}",
        scenario.repeat,
        seconds(Some(scenario.start_delay)),
        scenario.wait_for_consumers
    );
    out
}

/// Left-aligned columns separated by two spaces, the header first.
fn table<const N: usize>(head: &[&str; N], rows: &[[String; N]]) -> String {
    let widths: Vec<usize> = (0..N)
        .map(|i| {
            rows.iter()
                .map(|r| r[i].chars().count())
                .chain([head[i].len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for row in std::iter::once(head.map(String::from)).chain(rows.iter().cloned()) {
        let line: Vec<String> = row
            .iter()
            .zip(&widths)
            .map(|(cell, &w)| format!("{cell:w$}"))
            .collect();
        let _ = writeln!(out, "{}", line.join("  ").trim_end());
    }
    out
}

/// `player-host inspect`: what a recording holds.
pub fn describe_recording(path: &std::path::Path, reader: &str, info: &RecordingInfo) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "file:       {}", path.display());
    let _ = writeln!(out, "reader:     {reader}");
    if let Some(d) = &info.meas_date {
        let _ = writeln!(out, "meas_date:  {d}");
    }
    if let Some(d) = info.duration {
        let _ = writeln!(out, "duration:   {d:.6} s");
    }
    let kw = info
        .metadata
        .keys()
        .map(|k| k.len() + 1)
        .max()
        .unwrap_or(0)
        .max(11);
    for (k, v) in &info.metadata {
        let _ = writeln!(out, "{:kw$} {v}", format!("{k}:"));
    }
    for (i, s) in info.streams.iter().enumerate() {
        let duration = s
            .duration()
            .map(|d| format!("{d:.3} s"))
            .unwrap_or_else(|| "unknown".into());
        let frames = s
            .length
            .map(|n| n.to_string())
            .unwrap_or_else(|| "?".into());
        let _ = writeln!(
            out,
            "stream {i}: {:?}  type {}  {} Hz  {}  {frames} samples ({duration})  stored as {}",
            s.name,
            s.content_type,
            s.nominal_rate,
            plural(s.channel_count(), "channel"),
            s.sample_format.as_str()
        );
        for (k, v) in &s.metadata {
            let _ = writeln!(out, "  {k}: {v}");
        }
        let lw = s
            .channels
            .iter()
            .map(|c| c.label.len())
            .max()
            .unwrap_or(5)
            .max(5);
        for (j, c) in s.channels.iter().enumerate() {
            let _ = writeln!(out, "  {j:>4}  {:lw$}  {:8}  {}", c.label, c.kind, c.unit);
        }
    }
    let _ = writeln!(out, "annotations: {}", info.annotations.len());
    for a in &info.annotations {
        let _ = writeln!(
            out,
            "  {:>12.6} s  {:>9.3} s  {}",
            a.onset, a.duration, a.description
        );
    }
    out
}

/// One reader as `player-host plugins` lists it (text and JSON).
#[derive(Debug, Clone, serde::Serialize)]
pub struct ReaderRow {
    /// The reader id.
    pub id: String,
    /// `built-in` or the library path.
    pub origin: String,
    /// The reader's version.
    pub version: String,
    /// File extensions it claims.
    pub extensions: Vec<String>,
    /// One line about it.
    pub description: String,
}

/// Every reader of `registry`, in order of precedence.
pub fn reader_rows(registry: &Registry) -> Vec<ReaderRow> {
    registry
        .entries()
        .map(|e| ReaderRow {
            id: e.reader.id().to_string(),
            origin: e.origin.to_string(),
            version: e.reader.version().to_string(),
            extensions: e
                .reader
                .extensions()
                .iter()
                .map(|x| x.to_string())
                .collect(),
            description: e.reader.description().to_string(),
        })
        .collect()
}

/// `player-host plugins`: every reader with its origin, version and extensions.
pub fn describe_readers(readers: &[ReaderRow]) -> String {
    let rows: Vec<[String; 5]> = readers
        .iter()
        .map(|e| {
            [
                e.id.clone(),
                e.origin.clone(),
                e.version.clone(),
                e.extensions.join(","),
                e.description.clone(),
            ]
        })
        .collect();
    let head = ["id", "origin", "version", "extensions", "description"];
    let width = |i: usize| {
        rows.iter()
            .map(|r| r[i].len())
            .chain([head[i].len()])
            .max()
            .unwrap_or(0)
    };
    let (w0, w1, w2, w3) = (width(0), width(1), width(2), width(3));
    let mut out = String::new();
    for r in std::iter::once(head.map(String::from)).chain(rows) {
        let _ = writeln!(
            out,
            "{:w0$}  {:w1$}  {:w2$}  {:w3$}  {}",
            r[0], r[1], r[2], r[3], r[4]
        );
    }
    out
}

/// `n` and `word`, with an `s` unless `n` is 1: "1 stream", "2 streams".
pub fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}
