//! Scenario files: which recordings to replay, how, and on which shared settings.
//!
//! ```yaml
//! name: mixed-demo            # optional: a label for messages
//! start_delay: 1.0            # seconds between start and the first sample's time (t0)
//! wait_for_consumers: false   # data | all | any, and/or a timeout ("all,10"); true = data
//! repeat: 1                   # a count, or "forever"
//! format: float32             # default sample type of numeric streams
//! plugins: [../plugins/libplayer_brainvision.so, plugin-dir/]  # libraries or directories
//! from: 10                    # play every recording from this second (default 0)
//! to: 70                      # ... up to this one (default: the end)
//! streams:
//!   - file: data/meg.fif      # relative to this YAML file
//!     name: MEG               # LSL name (default: the file's stem)
//!     chunk_size: 10          # frames per push
//!     offset: 0.25            # seconds after t0
//!     reader: fif             # force a reader (default: probe the file)
//!     picks: [eeg, stim]      # channel labels, kinds or MNE words (meg, data, all, ...)
//!     annotations: auto       # auto | markers | none
//!     from: 12.5              # this recording's section (default: the scenario's)
//!     faults: {drop: {probability: 0.01}}  # faults to inject (see [`faults`])
//! ```
//!
//! Every value is checked as it is read, so that an error names the key, its line and
//! column, and what the key allows. [`StreamEntry`] and [`RunSettings`] are also the
//! options of `player-host play` and `run` (clap `Args`): one definition for both.

use crate::error::{HostError, Result};
use crate::transport::ValueFormat;
use player_api::quote;
use serde::{Deserialize, Deserializer, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub(crate) mod bids;
pub mod faults;
pub(crate) mod start_at;
mod text;
mod values;

use text::{
    cap_quoted, check_nesting, check_structure, humanize, read_bounded, second_key, strip_location,
};

pub use faults::Faults;
pub use values::{
    number_text, parse_chunk_size, parse_key_value, parse_name, parse_pick, parse_seconds,
    parse_section_bound, Repeat, WaitFor, WaitForConsumers, MAX_SECONDS,
};

/// Whether to publish a recording's annotations as a marker stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AnnotationMode {
    /// Publish `NAME-markers` when the recording has annotations.
    #[default]
    Auto,
    /// Always publish `NAME-markers` (even if empty).
    Markers,
    /// Never publish annotations.
    None,
}

impl std::str::FromStr for AnnotationMode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim() {
            "auto" => Ok(AnnotationMode::Auto),
            "markers" => Ok(AnnotationMode::Markers),
            "none" => Ok(AnnotationMode::None),
            o => Err(format!("must be auto, markers or none, not {}", quote(o))),
        }
    }
}

/// The default number of frames per push (as MNE-LSL's player).
pub const DEFAULT_CHUNK_SIZE: usize = 10;

fn default_chunk_size() -> usize {
    DEFAULT_CHUNK_SIZE
}

/// One recording to replay: a scenario's `streams:` entry, and the options of
/// `player-host play` (the same struct, so the two cannot drift apart; each field's doc
/// is its `--help` text).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, clap::Args)]
#[serde(deny_unknown_fields)]
pub struct StreamEntry {
    /// The recording (in a scenario, relative to the scenario file); with --bids, the
    /// BIDS data set's root.
    #[arg(value_name = "FILE")]
    #[serde(default)]
    pub file: PathBuf,
    /// Play a run of a BIDS data set (FILE is its root): the run's entities,
    /// `sub-01_ses-1_task-rest_run-1` (a trailing `_eeg` keeps one datatype); every
    /// recording of the run plays, with its channels.tsv and events.tsv (docs/bids.md).
    #[arg(long, value_name = "ENTITIES", value_parser = bids::parse_arg)]
    #[serde(default)]
    pub bids: Option<bids::BidsSelection>,
    /// LSL stream name [default: the file's stem]. A recording with several streams
    /// publishes `NAME-<stream>`, its annotations `NAME-markers`.
    #[arg(long, short, value_parser = parse_name)]
    #[serde(default, deserialize_with = "values::de_name")]
    pub name: Option<String>,
    /// LSL content type [default: the reader's, e.g. EEG].
    #[arg(long = "type", value_name = "TYPE")]
    #[serde(default, rename = "type")]
    pub content_type: Option<String>,
    /// Frames per push.
    #[arg(long, short, value_name = "N", default_value_t = DEFAULT_CHUNK_SIZE,
          value_parser = parse_chunk_size, allow_negative_numbers = true)]
    #[serde(
        default = "default_chunk_size",
        deserialize_with = "values::de_chunk_size"
    )]
    pub chunk_size: usize,
    /// Seconds between the scenario's t0 and this recording's first sample (scenario
    /// only: `play` has --start-delay).
    #[arg(skip)]
    #[serde(default, deserialize_with = "values::de_seconds")]
    pub offset: f64,
    /// Use this reader instead of probing the file (see `player-host plugins`).
    #[arg(long, value_name = "ID")]
    #[serde(default)]
    pub reader: Option<String>,
    /// A reader-specific option (see docs/readers/); repeatable.
    #[arg(long = "reader-option", value_name = "KEY=VALUE", value_parser = parse_key_value)]
    #[serde(default, with = "values::pairs_as_map")]
    pub reader_options: Vec<(String, String)>,
    /// Publish only these channels: labels, kinds (eeg, grad, mag, stim, ...) or MNE's
    /// words (meg = grad+mag, data, all, ...), comma-separated [default: all].
    #[arg(long, value_delimiter = ',', value_parser = parse_pick, value_name = "PICKS")]
    #[serde(default, deserialize_with = "values::de_picks")]
    pub picks: Option<Vec<String>>,
    /// Publish annotations as NAME-markers: auto (when there are any), markers (always),
    /// none.
    #[arg(long, value_name = "MODE", default_value = "auto")]
    #[serde(default)]
    pub annotations: AnnotationMode,
    /// The sample type [default: the scenario's `format`] (`play` sets it with --format).
    #[arg(skip)]
    #[serde(default)]
    pub format: Option<ValueFormat>,
    /// LSL source id [default: player-host:NAME].
    #[arg(long, value_name = "ID")]
    #[serde(default)]
    pub source_id: Option<String>,
    /// Play from this second of the recording [default: the scenario's `from`, else 0].
    #[arg(long, value_name = "SECS", value_parser = parse_section_bound, allow_negative_numbers = true)]
    #[serde(default, deserialize_with = "values::de_opt_seconds")]
    pub from: Option<f64>,
    /// Play up to this second of the recording [default: the scenario's `to`, else the
    /// end].
    #[arg(long, value_name = "SECS", value_parser = parse_section_bound, allow_negative_numbers = true)]
    #[serde(default, deserialize_with = "values::de_opt_seconds")]
    pub to: Option<f64>,
    /// Faults to inject into this recording's data streams [default: the scenario's
    /// `faults`] (`play` sets them with --faults). Boxed: most entries have none, and a
    /// scenario may list many entries.
    #[arg(skip)]
    #[serde(default, deserialize_with = "faults::de_boxed_faults")]
    pub faults: Option<Box<Faults>>,
}

impl StreamEntry {
    /// An entry for `file` with every setting at its default.
    pub fn new(file: impl Into<PathBuf>) -> Self {
        StreamEntry {
            file: file.into(),
            bids: None,
            name: None,
            content_type: None,
            chunk_size: DEFAULT_CHUNK_SIZE,
            offset: 0.0,
            reader: None,
            reader_options: Vec::new(),
            picks: None,
            annotations: AnnotationMode::Auto,
            format: None,
            source_id: None,
            from: None,
            to: None,
            faults: None,
        }
    }

    /// The LSL base name: `name`, else the BIDS run's entities as given, else the file's
    /// stem.
    pub fn base_name(&self) -> String {
        if let Some(name) = &self.name {
            return name.clone();
        }
        if let Some(bids) = &self.bids {
            return bids.label();
        }
        self.file
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "stream".to_string())
    }

    /// The reader options as the reader receives them (a later key wins).
    pub fn reader_options_map(&self) -> BTreeMap<String, String> {
        self.reader_options.iter().cloned().collect()
    }
}

/// The settings of a whole run that the command line can give: defaults for `play`,
/// overrides of the scenario's values for `run`.
#[derive(Debug, Clone, Default, PartialEq, clap::Args)]
pub struct RunSettings {
    /// Number of passes, or "forever"; timestamps continue across passes [default: 1;
    /// run: the scenario's `repeat`].
    #[arg(long, short, value_name = "N", allow_negative_numbers = true)]
    pub repeat: Option<Repeat>,
    /// Seconds between the start and t0, the first sample's timestamp [default: 0; run:
    /// the scenario's `start_delay`].
    #[arg(long, value_name = "SECS", value_parser = parse_seconds, allow_negative_numbers = true)]
    pub start_delay: Option<f64>,
    /// Wait before t0 until streams have a consumer: `data` (every data stream, the
    /// default; marker streams never hold the start back), `all`, `any`, and/or a
    /// timeout in seconds (`all,10`), or `no` [run: the scenario's `wait_for_consumers`].
    #[arg(long, value_name = "WHICH,SECS", num_args = 0..=1, default_missing_value = "data",
          allow_negative_numbers = true)]
    pub wait_for_consumers: Option<WaitForConsumers>,
    /// Sample type on the wire: float32, float64, or native (an XDF stream's recorded
    /// format; for other files the float type that holds the values exactly) [default:
    /// float32, native for XDF; run: the scenario's and its streams' `format`].
    #[arg(long, value_name = "FORMAT")]
    pub format: Option<ValueFormat>,
    /// Start at this wall-clock instant: RFC 3339 (2026-11-27T19:30:00Z) or Unix seconds,
    /// within the next 24 h; t0 is then the same instant on every host whose clock is
    /// synchronized (NTP, PTP), see docs/control.md [run: the scenario's `start_at`].
    #[arg(long, value_name = "TIME", value_parser = crate::scenario::start_at::parse_arg)]
    pub start_at: Option<crate::scenario::start_at::StartAt>,
    /// Inject faults (docs/faults.md): inline YAML (`'{drop: {probability: 0.01}}'`) or
    /// a YAML file [run: replaces the scenario's top-level `faults`].
    #[arg(long, value_name = "YAML|PATH", value_parser = faults::parse_faults)]
    pub faults: Option<Faults>,
}

/// A whole scenario.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// A label for messages.
    #[serde(default)]
    pub name: Option<String>,
    /// Seconds from start to t0, the time of every stream's first sample (plus its offset).
    #[serde(default, deserialize_with = "values::de_seconds")]
    pub start_delay: f64,
    /// Whether to wait for consumers before t0.
    #[serde(default)]
    pub wait_for_consumers: WaitForConsumers,
    /// How many passes.
    #[serde(default)]
    pub repeat: Repeat,
    /// The default sample type of numeric streams.
    #[serde(default)]
    pub format: ValueFormat,
    /// Reader plugin libraries, or directories of them, to load for this scenario
    /// (relative paths are relative to the scenario file). They come after
    /// `--plugin-dir` and `PLAYER_PLUGIN_PATH`; see [`crate::plugins::registry`] for the rules.
    #[serde(default)]
    pub plugins: Vec<PathBuf>,
    /// The wall-clock instant of t0 (instead of the start plus `start_delay`), to start
    /// several hosts together.
    #[serde(default)]
    pub start_at: Option<crate::scenario::start_at::StartAt>,
    /// Play every recording from this second (each stream's `from` wins).
    #[serde(default, deserialize_with = "values::de_opt_seconds")]
    pub from: Option<f64>,
    /// Play every recording up to this second (each stream's `to` wins).
    #[serde(default, deserialize_with = "values::de_opt_seconds")]
    pub to: Option<f64>,
    /// The faults of every recording that gives none of its own (docs/faults.md).
    #[serde(default, deserialize_with = "faults::de_faults")]
    pub faults: Option<Faults>,
    /// The recordings.
    #[serde(deserialize_with = "de_streams")]
    pub streams: Vec<StreamEntry>,
}

/// `streams:`, a list of at least one entry.
fn de_streams<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<StreamEntry>, D::Error> {
    struct V;
    impl<'de> serde::de::Visitor<'de> for V {
        type Value = Vec<StreamEntry>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a list of recordings (- file: ...)")
        }
        fn visit_seq<A: serde::de::SeqAccess<'de>>(
            self,
            mut seq: A,
        ) -> Result<Self::Value, A::Error> {
            let mut streams = Vec::new();
            while let Some(s) = seq.next_element()? {
                streams.push(s);
            }
            if streams.is_empty() {
                return Err(serde::de::Error::custom(
                    "must list at least one recording (- file: ...)",
                ));
            }
            Ok(streams)
        }
    }
    d.deserialize_seq(V)
}

impl Scenario {
    /// A scenario of one recording with default settings.
    pub fn single(entry: StreamEntry) -> Self {
        Scenario {
            name: None,
            start_delay: 0.0,
            wait_for_consumers: WaitForConsumers::No,
            repeat: Repeat::Times(1),
            format: ValueFormat::Float32,
            plugins: Vec::new(),
            start_at: None,
            from: None,
            to: None,
            faults: None,
            streams: vec![entry],
        }
    }

    /// Replaces the scenario's settings by those given in `settings` (a `--format`
    /// replaces every stream's `format` too).
    pub fn apply(&mut self, settings: &RunSettings) {
        if let Some(r) = settings.repeat {
            self.repeat = r;
        }
        if let Some(d) = settings.start_delay {
            self.start_delay = d;
        }
        if let Some(w) = settings.wait_for_consumers {
            self.wait_for_consumers = w;
        }
        if let Some(f) = settings.format {
            self.format = f;
            for s in &mut self.streams {
                s.format = Some(f);
            }
        }
        if let Some(at) = &settings.start_at {
            self.start_at = Some(at.clone());
        }
        if let Some(f) = &settings.faults {
            self.faults = Some(f.clone());
        }
    }

    /// The faults of `entry`: its own `faults`, else the scenario's (none when empty).
    pub fn faults_of<'a>(&'a self, entry: &'a StreamEntry) -> Option<&'a Faults> {
        entry
            .faults
            .as_deref()
            .or(self.faults.as_ref())
            .filter(|f| !f.is_empty() || f.faults_stream)
    }

    /// Keeps only the entries named in `names` (their `name`, else the file's stem); a
    /// name that matches no entry is a usage error listing the entries.
    pub fn keep_only(&mut self, names: &[String]) -> Result<()> {
        let known: Vec<String> = self.streams.iter().map(StreamEntry::base_name).collect();
        if let Some(unknown) = names.iter().find(|n| !known.contains(n)) {
            return Err(HostError::Usage(format!(
                "--only {}: no entry of the scenario has that name (entries: {})",
                player_api::quote(unknown),
                known.join(", ")
            )));
        }
        self.streams.retain(|s| names.contains(&s.base_name()));
        Ok(())
    }

    /// Reads and checks a scenario file; relative `file:` and `plugins:` paths become
    /// relative to it.
    pub fn load(path: &Path) -> Result<Self> {
        let scenario = Self::load_unchecked(path)?;
        scenario.check().map_err(|e| HostError::Scenario {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
        Ok(scenario)
    }

    /// Reads a scenario file as [`load`](Scenario::load) does, without the checks of
    /// [`check`](Scenario::check) (`validate` makes them entry by entry, to report every
    /// error).
    pub(crate) fn load_unchecked(path: &Path) -> Result<Self> {
        let text = read_bounded(path).map_err(|message| HostError::Scenario {
            path: path.to_path_buf(),
            message,
        })?;
        let mut scenario = Self::parse(&text).map_err(|message| HostError::Scenario {
            path: path.to_path_buf(),
            message,
        })?;
        let base = path.parent().unwrap_or(Path::new("."));
        for s in &mut scenario.streams {
            if s.file.is_relative() && !s.file.as_os_str().is_empty() {
                s.file = base.join(&s.file);
            }
            if let Some(bids) = &mut s.bids {
                if bids.root.is_relative() && !bids.root.as_os_str().is_empty() {
                    bids.root = base.join(&bids.root);
                }
            }
        }
        for p in &mut scenario.plugins {
            if p.is_relative() {
                *p = base.join(&*p);
            }
        }
        Ok(scenario)
    }

    /// Parses scenario text; the error message starts with the line and column, then
    /// names the key and says what it allows; the values it quotes are cut at
    /// [`player_api::QUOTE_MAX_CHARS`] characters.
    pub fn parse(text: &str) -> Result<Self, String> {
        check_nesting(text)?;
        check_structure(text)?;
        serde_yaml_ng::from_str(text).map_err(|e| {
            let raw = strip_location(&e.to_string()).to_string();
            let message = cap_quoted(&humanize(&raw));
            let duplicate = raw
                .split_once("duplicate field `")
                .and_then(|(_, k)| k.split('`').next());
            let location = e.location().map(|l| (l.line(), l.column()));
            // A duplicate is reported at the start of its mapping: point at the second one.
            let location = match (location, duplicate) {
                (Some(start), Some(key)) => second_key(text, key, start).or(location),
                _ => location,
            };
            match location {
                Some((line, column)) => format!("line {line} column {column}: {message}"),
                None => message,
            }
        })
    }

    /// Checks the values of a scenario built in code (a parsed one has been checked key
    /// by key): positive chunk sizes, finite offsets, names, at least one stream.
    pub fn check(&self) -> Result<()> {
        if self.streams.is_empty() {
            return Err(HostError::config("the scenario has no streams"));
        }
        if !(self.start_delay.is_finite() && self.start_delay >= 0.0) {
            return Err(HostError::config(format!(
                "start_delay must be a number of seconds >= 0, not {}",
                self.start_delay
            )));
        }
        if let Some(f) = &self.faults {
            f.check().map_err(HostError::config)?;
        }
        for (i, s) in self.streams.iter().enumerate() {
            let which = match &s.bids {
                Some(b) => format!("streams[{i}] (bids {})", b.label()),
                None => format!("streams[{i}] ({})", s.file.display()),
            };
            match (&s.bids, s.file.as_os_str().is_empty()) {
                (None, true) => {
                    return Err(HostError::config(format!(
                        "{which}: give `file:` (a recording) or `bids:` (a run of a BIDS data set)"
                    )))
                }
                (Some(_), false) => {
                    return Err(HostError::config(format!(
                        "{which}: give `file:` or `bids:`, not both"
                    )))
                }
                (Some(b), true) if b.root.as_os_str().is_empty() => {
                    return Err(HostError::config(format!(
                        "{which}: `bids:` needs `root:` (the data set's directory)"
                    )))
                }
                _ => {}
            }
            if s.chunk_size == 0 {
                return Err(HostError::config(format!(
                    "{which}: chunk_size must be at least 1"
                )));
            }
            if !(s.offset.is_finite() && s.offset >= 0.0) {
                return Err(HostError::config(format!(
                    "{which}: offset must be a number of seconds >= 0, not {}",
                    s.offset
                )));
            }
            if matches!(&s.name, Some(n) if n.trim().is_empty()) {
                return Err(HostError::config(format!(
                    "{which}: name must not be empty or only spaces"
                )));
            }
            if matches!(&s.picks, Some(p) if p.is_empty()) {
                return Err(HostError::config(format!(
                    "{which}: picks is empty (leave it out to publish every channel)"
                )));
            }
            self.section(s)
                .check()
                .map_err(|e| HostError::config(format!("{which}: {e}")))?;
            if let Some(f) = &s.faults {
                f.check()
                    .map_err(|e| HostError::config(format!("{which}: {e}")))?;
            }
        }
        Ok(())
    }

    /// The section of `entry` to play: its `from`/`to`, else the scenario's.
    pub(crate) fn section(&self, entry: &StreamEntry) -> Section {
        Section {
            from: entry.from.or(self.from).unwrap_or(0.0),
            to: entry.to.or(self.to),
        }
    }
}

/// A section of a recording, in seconds of the recording.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Section {
    /// Where it starts (0: the start).
    pub from: f64,
    /// Where it ends (`None`: the end).
    pub to: Option<f64>,
}

impl Section {
    /// Whether the section is the whole recording.
    pub fn is_whole(&self) -> bool {
        self.from == 0.0 && self.to.is_none()
    }

    /// Checks the bounds: `from` from 0 to [`MAX_SECONDS`](values::MAX_SECONDS) s, `to`
    /// after `from` and at most that.
    pub fn check(&self) -> std::result::Result<(), String> {
        let max = values::MAX_SECONDS;
        if !(self.from >= 0.0 && self.from <= max) {
            return Err(format!(
                "from must be {}, not {}",
                values::SECTION_RULE,
                values::number_text(self.from)
            ));
        }
        match self.to {
            Some(to) if !(to > self.from && to <= max) => Err(format!(
                "to must be a number of seconds after from ({} s), at most 1e9, not {}",
                values::number_text(self.from),
                values::number_text(to)
            )),
            _ => Ok(()),
        }
    }

    /// The duration of one pass of the section, from the recording's.
    pub fn period(&self, recording: Option<f64>) -> Option<f64> {
        let end = match (self.to, recording) {
            (Some(to), Some(d)) => to.min(d),
            (Some(to), None) => to,
            (None, d) => d?,
        };
        Some((end - self.from).max(0.0))
    }

    /// The markers inside the section, their times counted from `from`.
    pub fn markers(&self, events: Vec<(f64, String)>) -> Vec<(f64, String)> {
        events
            .into_iter()
            .filter(|(t, _)| *t >= self.from && self.to.is_none_or(|to| *t < to))
            .map(|(t, s)| (t - self.from, s))
            .collect()
    }
}

#[cfg(test)]
mod tests;
