//! Text for people: the status line, the end-of-run summary, `inspect` and `plugins`.

use crate::engine::control::{PlayState, Status};
use crate::engine::{Phase, StopCause, StreamPlan, StreamStats, Summary};
use crate::plugins::registry::Registry;
use crate::scenario::Scenario;
use player_api::RecordingInfo;
use std::fmt::Write as _;
use std::time::Instant;

fn ms(seconds: f64) -> String {
    seconds_3(seconds * 1e3)
}

/// What the status line is drawn from.
#[derive(Debug, Clone, Copy)]
pub struct StatusView<'a> {
    /// What the player does before it plays (waiting for consumers, start delay).
    pub phase: &'a Phase,
    /// Where the replay stands (position, pass, speed, paused).
    pub status: Status,
    /// Every stream's statistics so far.
    pub stats: &'a [StreamStats],
    /// The time now (for the start-delay countdown).
    pub now: Instant,
}

/// Minutes and seconds, `1:02.3`, or seconds, `12.3 s`.
fn clock_time(s: f64) -> String {
    if s >= 60.0 {
        format!("{}:{:04.1}", (s / 60.0).floor(), s % 60.0)
    } else {
        format!("{s:.1} s")
    }
}

/// One status line, at most `width - 1` characters (cut, never wrapped): what the
/// player waits for, or its position / pass duration (percent), pass, speed, streams
/// still playing, and lateness so far.
pub fn status_line(view: &StatusView<'_>, width: usize) -> String {
    let line = match view.phase {
        Phase::Starting => "starting".to_string(),
        Phase::WaitingForConsumers(missing) => {
            format!("waiting for a consumer on {}", missing.join(", "))
        }
        Phase::Playing { t0 } if *t0 > view.now => {
            format!("starting in {:.1} s", (*t0 - view.now).as_secs_f64())
        }
        Phase::Playing { .. } => playing_line(view),
    };
    fit(&line, width)
}

fn playing_line(view: &StatusView<'_>) -> String {
    let (status, stats) = (&view.status, view.stats);
    let position = match status.duration {
        Some(d) if d > 0.0 => {
            let at = status.position.clamp(0.0, d);
            format!(
                "{} / {} ({:.0}%)",
                clock_time(at),
                clock_time(d),
                100.0 * at / d
            )
        }
        _ => clock_time(status.position.max(0.0)),
    };
    let passes = status.pass.1.map_or("∞".to_string(), |n| n.to_string());
    let state = match status.state {
        PlayState::Paused => "paused  ",
        _ => "",
    };
    let speed = if status.speed == 1.0 {
        String::new()
    } else {
        format!("  speed ×{}", status.speed)
    };
    let p99 = stats.iter().map(|s| s.lateness_p99).fold(0.0, f64::max);
    let max = stats.iter().map(|s| s.lateness_max).fold(0.0, f64::max);
    let late: u64 = stats.iter().map(|s| s.late_chunks).sum();
    let active = stats
        .iter()
        .filter(|s| !s.finished && s.error.is_none())
        .count();
    format!(
        "{state}{position}  pass {}/{passes}{speed}  {active}/{} streams  late {late}  p99/max {}/{} ms",
        status.pass.0,
        stats.len(),
        ms(p99),
        ms(max)
    )
}

/// `text` cut to at most `width - 1` characters (the last column stays free, so that the
/// cursor never wraps), with `…` when cut.
pub fn fit(text: &str, width: usize) -> String {
    let room = width.saturating_sub(1).max(2);
    if text.chars().count() <= room {
        return text.to_string();
    }
    let mut cut: String = text.chars().take(room - 1).collect();
    cut.push('…');
    cut
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
    let longest = summary
        .streams
        .iter()
        .map(|s| s.name.chars().count())
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
    for s in &summary.streams {
        let status = match (&s.error, s.finished) {
            (Some(_), _) => "failed",
            (None, true) => "done",
            (None, false) => "stopped",
        };
        let _ = writeln!(
            out,
            "{:w$}  {:>9}  {:>7}  {:>5}  {:>6}  {:>6}  {:>6}  {status}",
            middle(&s.name, w),
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
        "{} in {} s{}",
        how_it_ended(summary),
        seconds_3(summary.wall_seconds),
        match summary.failures().len() {
            0 => String::new(),
            n => format!(", {} failed", plural(n, "stream")),
        }
    );
    out
}

/// `played`, `stopped by request`, `stopped by SIGINT`.
fn how_it_ended(summary: &Summary) -> String {
    match (summary.interrupted, summary.stopped_by) {
        (false, _) => "played".into(),
        (true, Some(StopCause::Signal(n))) => format!("stopped by {}", signal_name(n)),
        (true, _) => "stopped by request".into(),
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn stream(name: &str) -> StreamStats {
        StreamStats {
            name: name.into(),
            lateness_p99: 0.000_145,
            lateness_max: 0.002_5,
            ..Default::default()
        }
    }

    fn status(position: f64, duration: Option<f64>, pass: (u64, Option<u64>)) -> Status {
        Status {
            state: PlayState::Playing,
            position,
            duration,
            pass,
            speed: 1.0,
        }
    }

    fn line(phase: Phase, status: Status, stats: &[StreamStats], now: Instant) -> String {
        let view = StatusView {
            phase: &phase,
            status,
            stats,
            now,
        };
        status_line(&view, 80)
    }

    /// Issue 14.11: position / duration with a percentage, the pass, and what it waits
    /// for, always within the terminal's width.
    #[test]
    fn status_line_says_where_and_what_it_waits_for() {
        let t0 = Instant::now();
        let now = t0 + Duration::from_secs(30);
        let stats = [stream("meg"), stream("meg-markers")];
        let playing = || Phase::Playing { t0 };
        assert_eq!(
            line(
                playing(),
                status(5.4, Some(20.0), (2, Some(3))),
                &stats,
                now
            ),
            "5.4 s / 20.0 s (27%)  pass 2/3  2/2 streams  late 0  p99/max 0.145/2.500 ms"
        );
        let mut paused = status(65.0, Some(90.0), (5, None));
        paused.state = PlayState::Paused;
        paused.speed = 2.0;
        assert_eq!(
            line(playing(), paused, &stats[..1], now),
            "paused  1:05.0 / 1:30.0 (72%)  pass 5/∞  speed ×2  1/1 streams  late 0  p99/ma…"
        );
        let later = Phase::Playing {
            t0: t0 + Duration::from_millis(1500),
        };
        let waiting = status(0.0, Some(20.0), (1, Some(1)));
        assert_eq!(line(later, waiting, &stats, t0), "starting in 1.5 s");
        let who = Phase::WaitingForConsumers(vec!["meg".into(), "eeg".into()]);
        assert_eq!(
            line(who, waiting, &stats, t0),
            "waiting for a consumer on meg, eeg"
        );
        let many: Vec<String> = (0..40).map(|i| format!("stream-{i}")).collect();
        let long = line(Phase::WaitingForConsumers(many), waiting, &stats, t0);
        assert_eq!(long.chars().count(), 79, "{long}");
        assert!(long.ends_with('…'));
        let view = StatusView {
            phase: &Phase::Playing { t0 },
            status: status(5.4, Some(20.0), (2, Some(3))),
            stats: &stats,
            now,
        };
        assert!(status_line(&view, 40).chars().count() <= 39);
    }

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
}
