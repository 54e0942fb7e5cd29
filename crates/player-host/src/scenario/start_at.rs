//! `--start-at TIME` (and `start_at:` in a scenario): start at a wall-clock instant, so
//! that players on several machines start their streams on one timeline.
//!
//! TIME is RFC 3339 (`2026-11-27T19:30:00Z`, `2026-11-27T20:30:00.250+01:00`) or Unix
//! seconds (`1795807800.5`). It must lie in the future, at most a day ahead
//! ([`MAX_AHEAD`]).
//!
//! # From the wall clock to the LSL clock
//!
//! t0 is an LSL clock value (`local_clock`, monotonic, arbitrary origin), the target a
//! system-clock (UTC) time. Both clocks are read once, together ([`StartAt::lsl_t0`]):
//!
//! ```text
//! lsl_t0 = local_clock() + (target_unix − now_unix)
//! ```
//!
//! This assumes that **the hosts' system clocks agree** (kept in sync with NTP or PTP; the
//! players cannot be closer to each other than their clocks are), and that the system
//! clock is **not stepped** between that reading and t0: NTP's gradual corrections
//! (slewing) act on the monotonic clock as well on Linux, but a step (`date -s`, a first
//! NTP synchronisation after boot, a leap second) is not seen by an already computed t0.

use crate::error::{HostError, Result};
use player_api::calendar::{civil_from_days, days_from_civil};
use std::time::{SystemTime, UNIX_EPOCH};

/// How far ahead a start time may lie, in seconds (a day).
pub const MAX_AHEAD: f64 = 86_400.0;

/// The last Unix second of the year 9999 (the latest time RFC 3339 writes).
const LATEST_UNIX_SECONDS: f64 = 253_402_300_799.999;

/// A start time, as given and as Unix seconds (UTC).
#[derive(Debug, Clone, PartialEq)]
pub struct StartAt {
    text: String,
    unix: f64,
}

impl StartAt {
    /// Parses RFC 3339 or Unix seconds, without checking it against the clock (see
    /// [`check`](StartAt::check)).
    pub fn parse(text: &str) -> Result<StartAt> {
        let trimmed = text.trim();
        let unix = if is_unix_seconds(trimmed) {
            // Up to the end of year 9999, as RFC 3339 can write it.
            trimmed
                .parse::<f64>()
                .ok()
                .filter(|v| *v <= LATEST_UNIX_SECONDS)
        } else {
            parse_rfc3339(trimmed)
        };
        match unix {
            Some(unix) => Ok(StartAt {
                text: trimmed.to_string(),
                unix,
            }),
            None => Err(HostError::config(format!(
                "start time {}: expected RFC 3339 (2026-11-27T19:30:00Z, \
                 2026-11-27T20:30:00.5+01:00) or Unix seconds (1795807800.5) up to the year \
                 9999",
                player_api::quote(text)
            ))),
        }
    }

    /// Parses and checks against the system clock now: the form of `--start-at`.
    pub fn parse_now(text: &str) -> Result<StartAt> {
        let start = StartAt::parse(text)?;
        start.check(unix_now()?)?;
        Ok(start)
    }

    /// The time, in Unix seconds (UTC).
    pub fn unix_seconds(&self) -> f64 {
        self.unix
    }

    /// The time as given.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Refuses a time in the past (relative to `now_unix`) or more than [`MAX_AHEAD`]
    /// ahead.
    pub fn check(&self, now_unix: f64) -> Result<()> {
        let ahead = self.unix - now_unix;
        let rule = "it must be in the future, at most 24 h ahead";
        let problem = if ahead <= 0.0 {
            format!("is {:.3} s in the past", -ahead)
        } else if ahead > MAX_AHEAD {
            format!("is {:.1} h ahead", ahead / 3600.0)
        } else {
            return Ok(());
        };
        Err(HostError::config(format!(
            "start time {} ({}) {problem} (now: {}): {rule}",
            player_api::quote(&self.text),
            format_utc(self.unix),
            format_utc(now_unix)
        )))
    }

    /// The LSL clock value of this instant, given the system clock `now_unix` and the LSL
    /// clock `now_lsl` read at the same moment; checked as [`check`](StartAt::check) does.
    pub fn lsl_t0_at(&self, now_unix: f64, now_lsl: f64) -> Result<f64> {
        self.check(now_unix)?;
        Ok(now_lsl + (self.unix - now_unix))
    }

    /// The LSL clock value of this instant: both clocks are read once, together (see the
    /// module documentation for the assumptions). Refused if the time has passed.
    pub fn lsl_t0(&self) -> Result<f64> {
        let (now_unix, now_lsl) = sample_clocks(crate::transport::clock::local_clock)?;
        self.lsl_t0_at(now_unix, now_lsl)
    }
}

impl std::str::FromStr for StartAt {
    type Err = HostError;

    /// [`StartAt::parse_now`].
    fn from_str(s: &str) -> Result<StartAt> {
        StartAt::parse_now(s)
    }
}

/// For clap's `value_parser`: [`StartAt::parse_now`] with the message as a string.
pub fn parse_arg(text: &str) -> std::result::Result<StartAt, String> {
    StartAt::parse_now(text).map_err(|e| e.to_string())
}

impl serde::Serialize for StartAt {
    /// As the text it was given.
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(self.text())
    }
}

impl<'de> serde::Deserialize<'de> for StartAt {
    /// A string (RFC 3339 or Unix seconds) or a number (Unix seconds); the time is checked
    /// against the clock when playing starts, not when the file is read.
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        #[derive(serde::Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Number(f64),
            Text(String),
        }
        let text = match Raw::deserialize(d)? {
            Raw::Number(n) => n.to_string(),
            Raw::Text(t) => t,
        };
        StartAt::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// The system clock, in Unix seconds.
fn unix_now() -> Result<f64> {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .map_err(|_| HostError::config("the system clock is before 1970"))
}

/// Reads the system clock between two readings of `lsl` and returns it with their
/// midpoint; of a few tries, the one with the narrowest bracket (least preempted).
fn sample_clocks(lsl: impl Fn() -> f64) -> Result<(f64, f64)> {
    let mut best: Option<(f64, f64, f64)> = None;
    for _ in 0..5 {
        let before = lsl();
        let unix = unix_now()?;
        let after = lsl();
        let width = after - before;
        if best.is_none_or(|(w, _, _)| width < w) {
            best = Some((width, unix, before + width / 2.0));
        }
    }
    let (_, unix, lsl) = best.ok_or_else(|| HostError::config("no clock reading"))?;
    Ok((unix, lsl))
}

/// Digits with at most one decimal point (no sign, no exponent).
fn is_unix_seconds(text: &str) -> bool {
    text.bytes().any(|b| b.is_ascii_digit())
        && text.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && text.bytes().filter(|&b| b == b'.').count() <= 1
}

/// `n` ASCII digits at `at`, as a number.
fn digits(bytes: &[u8], at: usize, n: usize) -> Option<i64> {
    let field = bytes.get(at..at + n)?;
    field.iter().try_fold(0i64, |acc, &b| {
        b.is_ascii_digit().then(|| acc * 10 + i64::from(b - b'0'))
    })
}

/// RFC 3339 `date-time` (`T`, `t` or a space between date and time; `Z`, `z` or
/// `±HH:MM`), as Unix seconds. Second 60 (a leap second) is the next second's start.
fn parse_rfc3339(text: &str) -> Option<f64> {
    let b = text.as_bytes();
    let sep = |at: usize, c: &[u8]| b.get(at).is_some_and(|x| c.contains(x));
    if !(sep(4, b"-") && sep(7, b"-") && sep(10, b"Tt ") && sep(13, b":") && sep(16, b":")) {
        return None;
    }
    let (year, month, day) = (digits(b, 0, 4)?, digits(b, 5, 2)?, digits(b, 8, 2)?);
    let (hour, minute, second) = (digits(b, 11, 2)?, digits(b, 14, 2)?, digits(b, 17, 2)?);
    if !(1..=12).contains(&month)
        || day < 1
        || day > days_in_month(year, month)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    let mut at = 19;
    let mut fraction = 0.0;
    if sep(at, b".") {
        let end = at
            + 1
            + b[at + 1..]
                .iter()
                .take_while(|c| c.is_ascii_digit())
                .count();
        if end == at + 1 {
            return None;
        }
        fraction = text.get(at..end)?.parse::<f64>().ok()?;
        at = end;
    }
    let offset = match b.get(at..)? {
        [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let (h, m) = (digits(&[*h1, *h2], 0, 2)?, digits(&[*m1, *m2], 0, 2)?);
            if h > 23 || m > 59 {
                return None;
            }
            let minutes = h * 60 + m;
            if *sign == b'-' {
                -minutes
            } else {
                minutes
            }
        }
        _ => return None,
    };
    let days = days_from_civil(year, month, day);
    let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offset * 60;
    Some(seconds as f64 + fraction)
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Unix seconds as RFC 3339 UTC with milliseconds (`2026-11-27T19:30:00.000Z`).
pub fn format_utc(unix: f64) -> String {
    let millis = (unix * 1000.0).round() as i64;
    let (seconds, ms) = (millis.div_euclid(1000), millis.rem_euclid(1000));
    let (days, s) = (seconds.div_euclid(86_400), seconds.rem_euclid(86_400));
    let (y, mo, d) = civil_from_days(days);
    format!(
        "{y:04}-{mo:02}-{d:02}T{:02}:{:02}:{:02}.{ms:03}Z",
        s / 3600,
        s / 60 % 60,
        s % 60
    )
}

#[cfg(test)]
mod tests;
