//! The status line: where the replay stands, one line on stderr refreshed while it
//! plays, never wider than the terminal, the keys' help kept whole.

use super::report::{ms, names};
use crate::engine::control::{PlayState, Status};
use crate::engine::{Phase, StreamStats};
use std::time::Instant;

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
            format!("waiting for a consumer on {}", names(missing))
        }
        Phase::Playing { t0 } if *t0 > view.now => {
            format!("starting in {:.1} s", (*t0 - view.now).as_secs_f64())
        }
        Phase::Playing { .. } => playing_line(view),
    };
    fit(&line, width)
}

/// The status line followed by `extra` (the keys' help, or why a key was refused), at
/// most `width - 1` characters. `extra` is kept whole: the status gives way first (the
/// lateness and streams, then the percentage and words, then its end).
pub fn status_line_with(view: &StatusView<'_>, width: usize, extra: Option<&str>) -> String {
    let Some(extra) = extra else {
        return status_line(view, width);
    };
    let room = width.saturating_sub(1);
    let status_room = room.saturating_sub(extra.chars().count() + 2);
    let lines = match view.phase {
        Phase::Playing { t0 } if *t0 <= view.now => {
            vec![
                playing_line(view),
                compact_line(view, false),
                compact_line(view, true),
            ]
        }
        _ => vec![status_line(view, usize::MAX)],
    };
    if let Some(line) = lines.iter().find(|l| l.chars().count() <= status_room) {
        return format!("{line}  {extra}");
    }
    let shortest = lines.last().map_or("", String::as_str);
    if status_room < 12 {
        return fit(&format!("{shortest}  {extra}"), width);
    }
    format!("{}  {extra}", fit(shortest, status_room + 1))
}

/// Where the replay stands, in a few characters: `paused  5.4/20.0 s  pass 2/3  ×2`
/// (`minimal`: `paused 5.4/20.0 2/3 ×2`); the pass is left out when there is one.
fn compact_line(view: &StatusView<'_>, minimal: bool) -> String {
    let status = &view.status;
    let sep = if minimal { " " } else { "  " };
    let mut line = String::new();
    if status.state == PlayState::Paused {
        line.push_str("paused");
        line.push_str(sep);
    }
    line.push_str(&short_time(status.position.max(0.0)));
    if let Some(d) = status.duration.filter(|d| *d > 0.0) {
        line.push('/');
        line.push_str(&short_time(d));
    }
    if !minimal {
        line.push_str(" s");
    }
    if status.pass.1 != Some(1) {
        let passes = status.pass.1.map_or("∞".to_string(), |n| n.to_string());
        let word = if minimal { "" } else { "pass " };
        line.push_str(&format!("{sep}{word}{}/{passes}", status.pass.0));
    }
    if status.speed != 1.0 {
        line.push_str(&format!("{sep}×{}", speed_text(status.speed)));
    }
    line
}

/// `1:02.3` or `12.3` (no unit).
fn short_time(s: f64) -> String {
    clock_time(s).trim_end_matches(" s").to_string()
}

/// A speed with at most 4 decimals (`2`, `0.125`, `0.0156`).
fn speed_text(speed: f64) -> String {
    let text = format!("{speed:.4}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
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
        format!("  speed ×{}", speed_text(status.speed))
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

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::time::Duration;

    /// A stream's statistics with some lateness (also for the summary's tests).
    pub(crate) fn stream(name: &str) -> StreamStats {
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

    /// Issue 23: at 80 columns the keys' help stays whole; the status gives way.
    #[test]
    fn the_keys_help_stays_whole_at_80_columns() {
        let help = crate::control::keys::HELP;
        let t0 = Instant::now();
        let now = t0 + Duration::from_secs(30);
        let stats = [stream("meg"), stream("meg-markers")];
        let phase = Phase::Playing { t0 };
        let mut cases = vec![
            status(5.4, Some(20.0), (2, Some(3))),
            status(5.4, Some(20.0), (1, Some(1))),
        ];
        let mut paused = status(3725.0, Some(7260.5), (125, None));
        paused.state = PlayState::Paused;
        paused.speed = 0.015625;
        cases.push(paused);
        let mut fast = status(65.0, Some(90.0), (5, None));
        fast.speed = 64.0;
        cases.push(fast);
        let mut lines = Vec::new();
        for status in cases {
            let view = StatusView {
                phase: &phase,
                status,
                stats: &stats,
                now,
            };
            let line = status_line_with(&view, 80, Some(help));
            assert!(line.chars().count() <= 79, "{line}");
            assert!(line.ends_with(&format!("  {help}")), "{line}");
            lines.push(line);
        }
        assert_eq!(lines[0], format!("5.4/20.0 s  pass 2/3  {help}"));
        assert_eq!(lines[1], format!("5.4/20.0 s  {help}"));
        assert_eq!(
            lines[2],
            format!("paused 62:05.0/121:00.5 125/…  {help}"),
            "cut, keys whole"
        );
        assert_eq!(lines[3], format!("1:05.0/1:30.0 5/∞ ×64  {help}"));
        // Wide terminals get the whole line; a refusal replaces the help.
        let view = StatusView {
            phase: &phase,
            status: status(5.4, Some(20.0), (2, Some(3))),
            stats: &stats,
            now,
        };
        let wide = status_line_with(&view, 200, Some(help));
        assert!(
            wide.starts_with("5.4 s / 20.0 s (27%)  pass 2/3  2/2 streams"),
            "{wide}"
        );
        let refused = status_line_with(&view, 80, Some("the replay has ended"));
        assert!(refused.ends_with("  the replay has ended"), "{refused}");
        // Before t0, the countdown with the keys.
        let later = Phase::Playing {
            t0: now + Duration::from_millis(1500),
        };
        let view = StatusView {
            phase: &later,
            status: status(0.0, Some(20.0), (1, Some(1))),
            stats: &stats,
            now,
        };
        assert_eq!(
            status_line_with(&view, 80, Some(help)),
            format!("starting in 1.5 s  {help}")
        );
    }

    /// Issue 24.5: names from files or scenarios reach the status line escaped.
    #[test]
    fn names_from_files_are_escaped_in_the_status_line() {
        let hostile = "\u{1b}]0;PWN\u{7}\u{202e}x\r\n";
        let waiting = Phase::WaitingForConsumers(vec![hostile.into()]);
        let line = line(
            waiting,
            status(0.0, None, (1, Some(1))),
            &[],
            Instant::now(),
        );
        let raw = line.chars().any(|c| c.is_control() || c == '\u{202e}');
        assert!(!raw && line.contains(r"\u{1b}]0;PWN\u{7}"), "{line}");
    }
}
