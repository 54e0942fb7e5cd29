//! Text for people: the end-of-run summary, `--dry-run`, `inspect` and `plugins` (the
//! status line is [`super::status`]'s).
//!
//! Every piece of text that comes from a file, a plugin or a scenario (names, labels,
//! units, metadata, descriptions) is shown through [`cell`]: as it is, with its control
//! characters and bidirectional overrides escaped.

use crate::engine::{StopCause, StreamPlan, Summary};
use crate::plugins::registry::Registry;
use crate::scenario::Scenario;
use player_api::RecordingInfo;
use std::fmt::Write as _;

/// Text from a file or a plugin, for a table or a list: escaped (`player_api::escape`).
pub(crate) fn cell(text: &str) -> String {
    player_api::escape(text).into_owned()
}

/// Names from files or a scenario, for a list: each escaped, `, `-separated.
pub(crate) fn names(names: &[String]) -> String {
    names.iter().map(|n| cell(n)).collect::<Vec<_>>().join(", ")
}

/// Seconds as milliseconds with 3 decimals (`0.145`).
pub(crate) fn ms(seconds: f64) -> String {
    seconds_3(seconds * 1e3)
}

/// `name` shortened to `width` characters by an ellipsis in the middle (the end of a
/// stream name, like `-markers`, says the most).
fn middle(name: &str, width: usize) -> String {
    let n = name.chars().count();
    if n <= width || width < 5 {
        return name.to_string();
    }
    let tail = (width - 1) / 2;
    let head = width - 1 - tail;
    let start: String = name.chars().take(head).collect();
    let end: String = name.chars().skip(n - tail).collect();
    format!("{start}…{end}")
}

/// The end-of-run table, narrower than `width` columns (long stream names are shortened
/// in the middle): per stream, samples and chunks pushed, late chunks, lateness p50/p99/
/// max in ms, and how it ended.
pub fn summary_table(summary: &Summary, width: usize) -> String {
    // Everything but the name: seven columns, each after two spaces.
    const REST: usize = 9 + 7 + 5 + 6 + 6 + 6 + 7 + 7 * 2;
    let shown: Vec<String> = summary.streams.iter().map(|s| cell(&s.name)).collect();
    let longest = shown
        .iter()
        .map(|name| name.chars().count())
        .max()
        .unwrap_or(6)
        .max(6);
    let w = longest.min(width.saturating_sub(REST + 1).max(8));
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:w$}  {:>9}  {:>7}  {:>5}  {:>6}  {:>6}  {:>6}  status",
        "stream", "samples", "chunks", "late", "p50 ms", "p99 ms", "max ms"
    );
    for (s, name) in summary.streams.iter().zip(&shown) {
        let status = match (&s.error, s.finished) {
            (Some(_), _) => "failed",
            (None, true) => "done",
            (None, false) => "stopped",
        };
        let _ = writeln!(
            out,
            "{:w$}  {:>9}  {:>7}  {:>5}  {:>6}  {:>6}  {:>6}  {status}",
            middle(name, w),
            s.samples,
            s.chunks,
            s.late_chunks,
            ms(s.lateness_p50),
            ms(s.lateness_p99),
            ms(s.lateness_max)
        );
    }
    let (verb, why) = how_it_ended(summary);
    let _ = write!(
        out,
        "{verb} in {} s{why}{}",
        seconds_3(summary.wall_seconds),
        match summary.failures().len() {
            0 => String::new(),
            n => format!(", {} failed", plural(n, "stream")),
        }
    );
    out
}

/// `played`, or `stopped` and why: ` by request`, ` by SIGINT`.
fn how_it_ended(summary: &Summary) -> (&'static str, String) {
    match (summary.interrupted, summary.stopped_by) {
        (false, _) => ("played", String::new()),
        (true, Some(StopCause::Signal(n))) => ("stopped", format!(" by {}", signal_name(n))),
        (true, _) => ("stopped", " by request".into()),
    }
}

/// `SIGINT`, `SIGTERM`, `SIGHUP`, else `signal N`.
pub(crate) fn signal_name(signal: i32) -> String {
    match signal {
        libc::SIGINT => "SIGINT".into(),
        libc::SIGTERM => "SIGTERM".into(),
        libc::SIGHUP => "SIGHUP".into(),
        n => format!("signal {n}"),
    }
}

/// Seconds with 3 decimals (`12.500`), or in short scientific notation when huge.
pub(crate) fn seconds_3(s: f64) -> String {
    if s.abs() < 1e9 {
        format!("{s:.3}")
    } else {
        crate::scenario::number_text(s)
    }
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
                cell(&p.name),
                cell(&p.content_type),
                p.channels.to_string(),
                if p.rate > 0.0 {
                    format!("{} Hz", p.rate)
                } else {
                    "irregular".into()
                },
                cell(&p.format),
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
            .map(|(cell, &w)| pad(cell, w))
            .collect();
        let _ = writeln!(out, "{}", line.join("  ").trim_end());
    }
    out
}

/// `player-host inspect`: what a recording holds.
pub fn describe_recording(path: &std::path::Path, reader: &str, info: &RecordingInfo) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "file:       {}", cell(&path.display().to_string()));
    let _ = writeln!(out, "reader:     {}", cell(reader));
    if let Some(d) = &info.meas_date {
        let _ = writeln!(out, "meas_date:  {}", cell(d));
    }
    if let Some(d) = info.duration {
        let _ = writeln!(out, "duration:   {d:.6} s");
    }
    let metadata: Vec<(String, String)> = info
        .metadata
        .iter()
        .map(|(k, v)| (cell(k), cell(v)))
        .collect();
    let kw = metadata
        .iter()
        .map(|(k, _)| k.chars().count() + 1)
        .max()
        .unwrap_or(0)
        .max(11);
    for (k, v) in &metadata {
        let _ = writeln!(out, "{} {v}", pad(&format!("{k}:"), kw));
    }
    for (i, s) in info.streams.iter().enumerate() {
        describe_stream(&mut out, i, s);
    }
    let _ = writeln!(out, "annotations: {}", info.annotations.len());
    for a in &info.annotations {
        let _ = writeln!(
            out,
            "  {:>12.6} s  {:>9.3} s  {}",
            a.onset,
            a.duration,
            cell(&a.description)
        );
    }
    out
}

/// One stream of `inspect`: its line, its metadata and its channels.
fn describe_stream(out: &mut String, i: usize, s: &player_api::StreamInfo) {
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
        cell(&s.content_type),
        s.nominal_rate,
        plural(s.channel_count(), "channel"),
        s.sample_format.as_str()
    );
    for (k, v) in &s.metadata {
        let _ = writeln!(out, "  {}: {}", cell(k), cell(v));
    }
    let channels: Vec<[String; 3]> = s
        .channels
        .iter()
        .map(|c| [cell(&c.label), cell(&c.kind), cell(&c.unit)])
        .collect();
    let lw = channels
        .iter()
        .map(|[label, ..]| label.chars().count())
        .max()
        .unwrap_or(5)
        .max(5);
    for (j, [label, kind, unit]) in channels.iter().enumerate() {
        let _ = writeln!(
            out,
            "  {j:>4}  {}  {}  {unit}",
            pad(label, lw),
            pad(kind, 8)
        );
    }
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
        .map(|e| {
            let info = e.reader.info();
            ReaderRow {
                id: info.id().to_string(),
                origin: e.origin.to_string(),
                version: info.version().to_string(),
                extensions: info.extensions().iter().map(|x| x.to_string()).collect(),
                description: info.description().to_string(),
            }
        })
        .collect()
}

/// `player-host plugins`: every reader with its origin, version and extensions.
pub fn describe_readers(readers: &[ReaderRow]) -> String {
    let rows: Vec<[String; 5]> = readers
        .iter()
        .map(|e| {
            [
                cell(&e.id),
                cell(&e.origin),
                cell(&e.version),
                cell(&e.extensions.join(",")),
                cell(&e.description),
            ]
        })
        .collect();
    let head = ["id", "origin", "version", "extensions", "description"];
    let width = |i: usize| {
        rows.iter()
            .map(|r| r[i].chars().count())
            .chain([head[i].len()])
            .max()
            .unwrap_or(0)
    };
    let widths = [width(0), width(1), width(2), width(3)];
    let mut out = String::new();
    for r in std::iter::once(head.map(String::from)).chain(rows) {
        let cells: Vec<String> = widths.iter().zip(&r).map(|(w, c)| pad(c, *w)).collect();
        let _ = writeln!(out, "{}  {}", cells.join("  "), r[4]);
    }
    out
}

/// `text` followed by spaces up to `width` characters (the `{:width$}` of `format!`,
/// which refuses widths over 65 535, and a cell from a file may be wider).
fn pad(text: &str, width: usize) -> String {
    let count = text.chars().count();
    format!("{text}{}", " ".repeat(width.saturating_sub(count)))
}

/// `n` and `word`, with an `s` unless `n` is 1: "1 stream", "2 streams".
pub fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::status::tests::stream;

    /// Issue 14.11: the summary fits 80 columns, long names shortened in the middle.
    #[test]
    fn summary_fits_the_width() {
        let mut streams = vec![stream(
            "a-very-long-recording-name-of-a-meg-session-markers",
        )];
        streams[0].samples = 123_456_789;
        streams[0].chunks = 1_234_567;
        streams.push(stream("eeg"));
        let summary = Summary {
            t0: Some(0.0),
            wall_seconds: 12.5,
            interrupted: false,
            stopped_by: None,
            streams,
            warnings: Vec::new(),
            faults: Vec::new(),
        };
        let table = summary_table(&summary, 80);
        for l in table.lines() {
            assert!(l.chars().count() < 80, "{} >= 80: {l}", l.chars().count());
        }
        assert!(table.contains("a-very-lo…n-markers  123456789"), "{table}");
        assert!(table.ends_with("played in 12.500 s"), "{table}");
        let wide = summary_table(&summary, 200);
        assert!(wide.contains("a-very-long-recording-name-of-a-meg-session-markers"));
    }

    /// Issue 24.5: names from files or scenarios reach the summary and the tables
    /// escaped (the status line: `super::status`'s tests).
    #[test]
    fn names_from_files_are_escaped_in_every_table() {
        let hostile = "\u{1b}]0;PWN\u{7}\u{202e}x\r\n";
        let raw = |text: &str| {
            text.chars()
                .any(|c| c.is_control() && c != '\n' || c == '\u{202e}')
        };
        let summary = Summary {
            t0: Some(0.0),
            wall_seconds: 1.0,
            interrupted: false,
            stopped_by: None,
            streams: vec![stream(hostile)],
            warnings: Vec::new(),
            faults: Vec::new(),
        };
        let table = summary_table(&summary, 80);
        assert!(!raw(&table) && table.contains(r"x\r\n"), "{table}");
        let readers = [ReaderRow {
            id: hostile.into(),
            origin: hostile.into(),
            version: hostile.into(),
            extensions: vec![hostile.into()],
            description: "x".repeat(70_000) + hostile,
        }];
        let text = describe_readers(&readers);
        assert!(!raw(&text), "{text}");
    }

    /// Issue 23: a stop says why, and no number is hundreds of digits long.
    #[test]
    fn summary_says_how_it_ended_in_short_numbers() {
        let mut streams = vec![stream("eeg")];
        streams[0].lateness_max = 1e300;
        streams[0].lateness_p99 = 1e300;
        let mut summary = Summary {
            t0: Some(0.0),
            wall_seconds: 3.25,
            interrupted: true,
            stopped_by: Some(StopCause::Request),
            streams,
            warnings: Vec::new(),
            faults: Vec::new(),
        };
        let table = summary_table(&summary, 80);
        assert!(table.ends_with("stopped in 3.250 s by request"), "{table}");
        assert!(table.contains("1e303"), "{table}");
        assert!(table.lines().all(|l| l.chars().count() < 80), "{table}");
        summary.stopped_by = Some(StopCause::Signal(libc::SIGINT));
        assert!(summary_table(&summary, 80).ends_with("stopped in 3.250 s by SIGINT"));
        summary.stopped_by = Some(StopCause::Signal(10));
        assert!(summary_table(&summary, 80).ends_with("stopped in 3.250 s by signal 10"));
    }
}
