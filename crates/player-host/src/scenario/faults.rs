//! What faults to inject into a stream (`faults:`, `--faults`, Python's `faults=`): the
//! description a user writes, checked where it is read. The engine injects them
//! (`engine::faults`); docs/faults.md says what each one models.
//!
//! Words: **window** `[at, at + for)` in seconds of the replay timeline (0 = t0, the
//! position a stream's samples lie at); **sample index** a sample's number in the stream
//! as replayed (from its first, counted across passes).

use player_api::quote;
use serde::{Deserialize, Deserializer, Serialize};
use std::path::Path;

/// The largest drift, in parts per million (±10 %).
pub const MAX_DRIFT_PPM: f64 = 100_000.0;
/// The largest jitter, in milliseconds.
pub const MAX_JITTER_MS: f64 = 10_000.0;

/// The faults of a stream (`faults:`); every one is off by default.
#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Faults {
    /// Every random choice is drawn from it: the same seed gives the same faults.
    #[serde(default)]
    pub seed: u64,
    /// Chunks not pushed.
    #[serde(default)]
    pub drop: Option<DropFault>,
    /// Chunks pushed twice.
    #[serde(default)]
    pub duplicate: Option<DuplicateFault>,
    /// Each push delayed by |N(0, jitter_ms)| milliseconds (0: none).
    #[serde(default)]
    pub jitter_ms: f64,
    /// Pushes stopped for a while, then the held samples at once.
    #[serde(default)]
    pub stall: Option<StallFault>,
    /// The device clock runs fast by this many parts per million (negative: slow).
    #[serde(default)]
    pub drift_ppm: f64,
    /// Seconds added to every timestamp.
    #[serde(default)]
    pub clock_offset: f64,
    /// Steps of the timestamps from a time on.
    #[serde(default)]
    pub clock_jump: Vec<ClockJump>,
    /// Windows during which the outlet is gone.
    #[serde(default)]
    pub disconnect: Vec<Window>,
    /// Faults of some channels.
    #[serde(default)]
    pub channels: Vec<ChannelFault>,
    /// Also publish the injected faults as the string stream `NAME-faults`.
    #[serde(default)]
    pub faults_stream: bool,
}

/// `drop:`: per chunk, with `probability`, `length` samples are not pushed.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DropFault {
    /// The chance per chunk, from 0 to 1.
    pub probability: f64,
    /// Samples dropped (default: one chunk).
    #[serde(default)]
    pub length: Option<u64>,
}

/// `duplicate:`: per chunk, with `probability`, the chunk is pushed twice.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DuplicateFault {
    /// The chance per chunk, from 0 to 1.
    pub probability: f64,
}

/// `stall:`: about every `every` seconds (exponential), pushes stop for `for` seconds.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct StallFault {
    /// The mean time between two stalls' starts after the previous one's end.
    pub every: f64,
    /// How long pushes stop.
    #[serde(rename = "for")]
    pub duration: f64,
}

/// One `clock_jump:` entry: from `at` on, timestamps shift by `by`.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ClockJump {
    /// When, in seconds of the replay timeline.
    pub at: f64,
    /// Seconds added to the timestamps from then on.
    pub by: f64,
}

/// One `disconnect:` entry: a window `[at, at + for)`.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Window {
    /// When it starts, in seconds of the replay timeline.
    pub at: f64,
    /// How long it lasts.
    #[serde(rename = "for")]
    pub duration: f64,
}

/// What a channel fault does to the picked channels' values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ChannelFaultKind {
    /// Holds the last value before the window.
    Flat,
    /// NaN (0 in integer formats).
    Nan,
    /// |value| capped at `max`.
    Clip,
    /// Gaussian noise of standard deviation `sd` added.
    Noise,
}

impl ChannelFaultKind {
    /// Its word in the scenario and the log.
    pub fn word(self) -> &'static str {
        match self {
            ChannelFaultKind::Flat => "flat",
            ChannelFaultKind::Nan => "nan",
            ChannelFaultKind::Clip => "clip",
            ChannelFaultKind::Noise => "noise",
        }
    }
}

/// One `channels:` entry.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ChannelFault {
    /// The channels, as `picks` everywhere else.
    #[serde(deserialize_with = "super::values::de_picks")]
    pub picks: Option<Vec<String>>,
    /// What happens to them.
    pub kind: ChannelFaultKind,
    /// When it starts (default 0).
    #[serde(default)]
    pub at: f64,
    /// How long it lasts (default: to the end).
    #[serde(default, rename = "for")]
    pub duration: Option<f64>,
    /// `clip`: the largest |value|.
    #[serde(default)]
    pub max: Option<f64>,
    /// `noise`: the standard deviation.
    #[serde(default)]
    pub sd: Option<f64>,
}

impl ChannelFault {
    /// Whether position `p` lies in its window.
    pub fn covers(&self, p: f64) -> bool {
        p >= self.at && self.duration.is_none_or(|d| p < self.at + d)
    }
}

fn seconds(key: &str, v: f64) -> Result<(), String> {
    match v.is_finite() && (0.0..=super::MAX_SECONDS).contains(&v) {
        true => Ok(()),
        false => Err(format!(
            "{key} must be a number of seconds from 0 to 1e9, not {}",
            super::number_text(v)
        )),
    }
}

fn probability(key: &str, v: f64) -> Result<(), String> {
    match (0.0..=1.0).contains(&v) {
        true => Ok(()),
        false => Err(format!(
            "{key} must be a probability from 0 to 1, not {}",
            super::number_text(v)
        )),
    }
}

fn finite(key: &str, v: f64, bound: f64) -> Result<(), String> {
    match v.is_finite() && v.abs() <= bound {
        true => Ok(()),
        false => Err(format!(
            "{key} must be a number from -{} to {}, not {}",
            super::number_text(bound),
            super::number_text(bound),
            super::number_text(v)
        )),
    }
}

impl Faults {
    /// Whether it injects nothing (no key but `seed` and `faults_stream`).
    pub fn is_empty(&self) -> bool {
        let only = Faults {
            seed: self.seed,
            faults_stream: self.faults_stream,
            ..Faults::default()
        };
        *self == only
    }

    /// Checks every value; the error names the key (`faults.drop.probability must be
    /// ...`). Picks are checked against the channels when the recordings open.
    pub fn check(&self) -> Result<(), String> {
        let key = |k: &str| format!("faults.{k}");
        if let Some(d) = &self.drop {
            probability(&key("drop.probability"), d.probability)?;
            if d.length == Some(0) {
                return Err(format!("{} must be at least 1", key("drop.length")));
            }
        }
        if let Some(d) = &self.duplicate {
            probability(&key("duplicate.probability"), d.probability)?;
        }
        if !(self.jitter_ms.is_finite() && (0.0..=MAX_JITTER_MS).contains(&self.jitter_ms)) {
            return Err(format!(
                "{} must be a number of milliseconds from 0 to {MAX_JITTER_MS}, not {}",
                key("jitter_ms"),
                super::number_text(self.jitter_ms)
            ));
        }
        if let Some(s) = &self.stall {
            seconds(&key("stall.every"), s.every)?;
            if s.every < 1e-3 {
                return Err(format!(
                    "{} must be at least 0.001 s, not {}",
                    key("stall.every"),
                    super::number_text(s.every)
                ));
            }
            seconds(&key("stall.for"), s.duration)?;
        }
        finite(&key("drift_ppm"), self.drift_ppm, MAX_DRIFT_PPM)?;
        finite(&key("clock_offset"), self.clock_offset, super::MAX_SECONDS)?;
        for (i, j) in self.clock_jump.iter().enumerate() {
            seconds(&key(&format!("clock_jump[{i}].at")), j.at)?;
            finite(
                &key(&format!("clock_jump[{i}].by")),
                j.by,
                super::MAX_SECONDS,
            )?;
        }
        for (i, w) in self.disconnect.iter().enumerate() {
            seconds(&key(&format!("disconnect[{i}].at")), w.at)?;
            seconds(&key(&format!("disconnect[{i}].for")), w.duration)?;
        }
        for (i, c) in self.channels.iter().enumerate() {
            check_channel_fault(&key(&format!("channels[{i}]")), c)?;
        }
        Ok(())
    }

    /// The seconds by which the clock shifts the timestamps of a sample at position `p`.
    pub fn clock_shift(&self, p: f64) -> f64 {
        self.clock_offset
            + self
                .clock_jump
                .iter()
                .filter(|j| p >= j.at)
                .map(|j| j.by)
                .sum::<f64>()
    }
}

fn check_channel_fault(key: &str, c: &ChannelFault) -> Result<(), String> {
    if c.picks.is_none() {
        return Err(format!("{key}.picks is missing: which channels?"));
    }
    seconds(&format!("{key}.at"), c.at)?;
    if let Some(d) = c.duration {
        seconds(&format!("{key}.for"), d)?;
    }
    let word = c.kind.word();
    match (c.kind, c.max, c.sd) {
        (ChannelFaultKind::Clip, None, _) => Err(format!("{key}.max is missing: clip needs it")),
        (ChannelFaultKind::Noise, _, None) => Err(format!("{key}.sd is missing: noise needs it")),
        (ChannelFaultKind::Clip, Some(m), _) if !(m.is_finite() && m >= 0.0) => Err(format!(
            "{key}.max must be a number 0 or more, not {}",
            super::number_text(m)
        )),
        (ChannelFaultKind::Noise, _, Some(s)) if !(s.is_finite() && s >= 0.0) => Err(format!(
            "{key}.sd must be a number 0 or more, not {}",
            super::number_text(s)
        )),
        (k, Some(_), _) if k != ChannelFaultKind::Clip => {
            Err(format!("{key}.max applies to clip only, not {word}"))
        }
        (k, _, Some(_)) if k != ChannelFaultKind::Noise => {
            Err(format!("{key}.sd applies to noise only, not {word}"))
        }
        _ => Ok(()),
    }
}

/// `faults:` in a scenario: parsed, then checked (an error names the key).
pub(crate) fn de_faults<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Faults>, D::Error> {
    let faults = Option::<Faults>::deserialize(d)?;
    if let Some(f) = &faults {
        f.check().map_err(serde::de::Error::custom)?;
    }
    Ok(faults)
}

/// [`de_faults`] for a field holding the map in a box.
pub(crate) fn de_boxed_faults<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<Box<Faults>>, D::Error> {
    Ok(de_faults(d)?.map(Box::new))
}

/// `--faults`: inline YAML (`{drop: {probability: 0.01}}`), or the path of a YAML file
/// holding the map.
pub fn parse_faults(s: &str) -> Result<Faults, String> {
    let text = if !s.trim_start().starts_with('{') && Path::new(s).is_file() {
        super::text::read_bounded(Path::new(s)).map_err(|e| format!("{}: {e}", quote(s)))?
    } else {
        s.to_string()
    };
    super::text::check_nesting(&text)?;
    super::text::check_structure(&text)?;
    let faults: Faults = serde_yaml_ng::from_str(&text).map_err(|e| {
        let raw = super::text::strip_location(&e.to_string()).to_string();
        format!(
            "faults: {}",
            super::text::cap_quoted(&super::text::humanize(&raw))
        )
    })?;
    faults.check()?;
    Ok(faults)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_issues_example_parses_and_checks() {
        let f = parse_faults(
            "seed: 3\ndrop: {probability: 0.01, length: 20}\nduplicate: {probability: 0.001}\n\
             jitter_ms: 3\nstall: {every: 10, for: 0.5}\ndrift_ppm: 200\nclock_offset: 0.25\n\
             clock_jump: [{at: 30, by: -0.1}]\ndisconnect: [{at: 4, for: 1.5}]\nchannels:\n\
             \x20 - {picks: [EEG 001], kind: flat, at: 2, for: 3}\n\
             \x20 - {picks: eeg, kind: nan, at: 5, for: 0.1}\n\
             \x20 - {picks: [EEG 003], kind: clip, max: 100e-6}\n\
             \x20 - {picks: [EEG 004], kind: noise, sd: 50e-6, at: 7, for: 2}\n",
        )
        .unwrap();
        assert_eq!(f.seed, 3);
        assert_eq!(f.drop.unwrap().length, Some(20));
        assert_eq!(f.stall.unwrap().duration, 0.5);
        assert_eq!(f.channels[2].max, Some(100e-6));
        assert_eq!(
            f.channels[1].picks.as_deref(),
            Some(&["eeg".to_string()][..])
        );
        assert_eq!(f.clock_shift(29.0), 0.25);
        assert!((f.clock_shift(30.0) - 0.15).abs() < 1e-12);
        assert!(!f.is_empty());
        assert!(parse_faults("{seed: 4}").unwrap().is_empty());
    }

    #[test]
    fn errors_name_the_key() {
        for (text, words) in [
            (
                "{drop: {probability: 1.5}}",
                "faults.drop.probability must be a probability",
            ),
            (
                "{duplicate: {probability: -0.1}}",
                "faults.duplicate.probability",
            ),
            ("{stall: {every: 10, for: -1}}", "faults.stall.for must be"),
            (
                "{disconnect: [{at: 4, for: -1.5}]}",
                "faults.disconnect[0].for",
            ),
            ("{jitter_ms: -3}", "faults.jitter_ms"),
            ("{dorp: {probability: 0.1}}", "unknown key `dorp`"),
            (
                "{drop: {probability: 0.1, lenght: 3}}",
                "unknown key `lenght`",
            ),
            (
                "{channels: [{picks: [a], kind: clip}]}",
                "channels[0].max is missing",
            ),
            (
                "{channels: [{picks: [a], kind: fuzz}]}",
                "kind: must be one of flat, nan, clip, noise",
            ),
            (
                "{channels: [{kind: nan}]}",
                "channels[0]: missing key `picks`",
            ),
            (
                "{drift_ppm: 1e9}",
                "faults.drift_ppm must be a number from -100000",
            ),
        ] {
            let e = parse_faults(text).unwrap_err();
            assert!(e.contains(words), "{text}: {e}");
        }
    }
}
