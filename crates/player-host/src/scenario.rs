//! Scenario files: which recordings to replay, how, and on which shared settings.
//!
//! ```yaml
//! name: mixed-demo            # optional: a label for messages
//! start_delay: 1.0            # seconds between start and the first sample's time (t0)
//! wait_for_consumers: false   # true, or a timeout in seconds: wait for every outlet
//! repeat: 1                   # a count, or "forever"
//! format: float32             # default sample type of numeric streams
//! plugins: [../plugins/libplayer_brainvision.so, plugin-dir/]  # libraries or directories
//! streams:
//!   - file: data/meg.fif      # relative to this YAML file
//!     name: MEG               # LSL name (default: the file's stem)
//!     chunk_size: 10          # frames per push
//!     offset: 0.25            # seconds after t0
//!     reader: fif             # force a reader (default: probe the file)
//!     picks: [eeg, stim]      # channel labels or kinds
//!     annotations: auto       # auto | markers | none
//! ```

use crate::error::{HostError, Result};
use crate::output::ValueFormat;
use player_api::quote;
use serde::{Deserialize, Deserializer, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// How many times to play the recordings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Repeat {
    /// A number of passes (at least 1).
    Times(u64),
    /// Until stopped.
    Forever,
}

impl Default for Repeat {
    fn default() -> Self {
        Repeat::Times(1)
    }
}

impl std::str::FromStr for Repeat {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim() {
            "forever" | "inf" | "infinite" => Ok(Repeat::Forever),
            n => match n.parse::<u64>() {
                Ok(0) | Err(_) => Err(format!(
                    "repeat must be a count of at least 1 or \"forever\", not {}",
                    quote(n)
                )),
                Ok(k) => Ok(Repeat::Times(k)),
            },
        }
    }
}

impl<'de> Deserialize<'de> for Repeat {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Count(i64),
            Word(String),
        }
        let text = match Raw::deserialize(d)? {
            Raw::Count(n) => n.to_string(),
            Raw::Word(w) => w,
        };
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// Whether to wait for receivers before the clock starts.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub enum WaitForConsumers {
    /// Start at once.
    #[default]
    No,
    /// Wait until every outlet has a consumer, however long it takes (Ctrl-C stops).
    Forever,
    /// Wait at most this many seconds, then fail.
    Timeout(f64),
}

impl<'de> Deserialize<'de> for WaitForConsumers {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Flag(bool),
            Seconds(f64),
        }
        match Raw::deserialize(d).map_err(|_| {
            serde::de::Error::custom(
                "wait_for_consumers must be true, false or a timeout in seconds",
            )
        })? {
            Raw::Flag(false) => Ok(WaitForConsumers::No),
            Raw::Flag(true) => Ok(WaitForConsumers::Forever),
            Raw::Seconds(s) if s.is_finite() && s > 0.0 => Ok(WaitForConsumers::Timeout(s)),
            Raw::Seconds(s) => Err(serde::de::Error::custom(format!(
                "wait_for_consumers timeout must be a positive number of seconds, not {s}"
            ))),
        }
    }
}

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
        match s {
            "auto" => Ok(AnnotationMode::Auto),
            "markers" => Ok(AnnotationMode::Markers),
            "none" => Ok(AnnotationMode::None),
            o => Err(format!(
                "annotations must be auto, markers or none, not {}",
                quote(o)
            )),
        }
    }
}

/// The default number of frames per push (as MNE-LSL's player).
pub const DEFAULT_CHUNK_SIZE: usize = 10;

fn default_chunk_size() -> usize {
    DEFAULT_CHUNK_SIZE
}

/// One recording to replay.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct StreamEntry {
    /// The recording (relative paths are relative to the scenario file).
    pub file: PathBuf,
    /// The LSL name (default: the file's stem). A recording with several streams publishes
    /// `NAME-<stream>`; annotations go to `NAME-markers`.
    #[serde(default)]
    pub name: Option<String>,
    /// The LSL content type (default: the reader's, e.g. `EEG`).
    #[serde(default, rename = "type")]
    pub content_type: Option<String>,
    /// Frames per push.
    #[serde(default = "default_chunk_size")]
    pub chunk_size: usize,
    /// Seconds between the scenario's t0 and this recording's first sample.
    #[serde(default)]
    pub offset: f64,
    /// A reader id that overrides probing.
    #[serde(default)]
    pub reader: Option<String>,
    /// Reader-specific options.
    #[serde(default)]
    pub reader_options: BTreeMap<String, String>,
    /// Channels to publish, by label or kind (default: all).
    #[serde(default)]
    pub picks: Option<Vec<String>>,
    /// Whether to publish annotations.
    #[serde(default)]
    pub annotations: AnnotationMode,
    /// The sample type (default: the scenario's `format`).
    #[serde(default)]
    pub format: Option<ValueFormat>,
    /// The LSL source id (default: derived from the name).
    #[serde(default)]
    pub source_id: Option<String>,
    /// Play from this second of the recording (default: the scenario's `from`, else 0).
    #[serde(default)]
    pub from: Option<f64>,
    /// Play up to this second of the recording (default: the scenario's `to`, else the end).
    #[serde(default)]
    pub to: Option<f64>,
}

impl StreamEntry {
    /// An entry for `file` with every setting at its default.
    pub fn new(file: impl Into<PathBuf>) -> Self {
        StreamEntry {
            file: file.into(),
            name: None,
            content_type: None,
            chunk_size: DEFAULT_CHUNK_SIZE,
            offset: 0.0,
            reader: None,
            reader_options: BTreeMap::new(),
            picks: None,
            annotations: AnnotationMode::Auto,
            format: None,
            source_id: None,
            from: None,
            to: None,
        }
    }

    /// The LSL base name: `name`, else the file's stem.
    pub fn base_name(&self) -> String {
        self.name.clone().unwrap_or_else(|| {
            self.file
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_else(|| "stream".to_string())
        })
    }
}

/// A whole scenario.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// A label for messages.
    #[serde(default)]
    pub name: Option<String>,
    /// Seconds from start to t0, the time of every stream's first sample (plus its offset).
    #[serde(default)]
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
    /// `--plugin-dir` and `PLAYER_PLUGIN_PATH`; see [`crate::registry`] for the rules.
    #[serde(default)]
    pub plugins: Vec<PathBuf>,
    /// Play every recording from this second (each stream's `from` wins).
    #[serde(default)]
    pub from: Option<f64>,
    /// Play every recording up to this second (each stream's `to` wins).
    #[serde(default)]
    pub to: Option<f64>,
    /// The recordings.
    pub streams: Vec<StreamEntry>,
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
            from: None,
            to: None,
            streams: vec![entry],
        }
    }

    /// Reads and checks a scenario file; relative `file:` and `plugins:` paths become
    /// relative to it.
    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| HostError::Scenario {
            path: path.to_path_buf(),
            message: format!("cannot read the scenario: {e}"),
        })?;
        let mut scenario = Self::parse(&text).map_err(|message| HostError::Scenario {
            path: path.to_path_buf(),
            message,
        })?;
        let base = path.parent().unwrap_or(Path::new("."));
        for s in &mut scenario.streams {
            if s.file.is_relative() {
                s.file = base.join(&s.file);
            }
        }
        for p in &mut scenario.plugins {
            if p.is_relative() {
                *p = base.join(&*p);
            }
        }
        scenario.check().map_err(|e| HostError::Scenario {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
        Ok(scenario)
    }

    /// Parses scenario text; the error message carries the line and column, and the
    /// values it quotes are cut at [`player_api::QUOTE_MAX_CHARS`] characters.
    pub fn parse(text: &str) -> Result<Self, String> {
        serde_yaml_ng::from_str(text).map_err(|e| match e.location() {
            Some(loc) => format!(
                "line {} column {}: {}",
                loc.line(),
                loc.column(),
                cap_quoted(strip_location(&e.to_string()))
            ),
            None => cap_quoted(&e.to_string()),
        })
    }

    /// Checks values that the schema alone cannot: positive chunk sizes, finite offsets,
    /// at least one stream.
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
        for (i, s) in self.streams.iter().enumerate() {
            let which = format!("streams[{i}] ({})", s.file.display());
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
            if matches!(&s.picks, Some(p) if p.is_empty()) {
                return Err(HostError::config(format!(
                    "{which}: picks is empty (leave it out to publish every channel)"
                )));
            }
            self.section(s)
                .check()
                .map_err(|e| HostError::config(format!("{which}: {e}")))?;
        }
        Ok(())
    }

    /// The section of `entry` to play: its `from`/`to`, else the scenario's.
    pub fn section(&self, entry: &StreamEntry) -> crate::engine::crop::Section {
        crate::engine::crop::Section {
            from: entry.from.or(self.from).unwrap_or(0.0),
            to: entry.to.or(self.to),
        }
    }
}

/// `message` with every value it quotes (between backticks or double quotes, as serde's
/// messages do) cut like [`quote`] cuts: at most [`player_api::QUOTE_MAX_CHARS`]
/// characters, then an ellipsis and the value's length.
fn cap_quoted(message: &str) -> String {
    let mut out = String::with_capacity(message.len().min(1024));
    let mut rest = message;
    while let Some(open) = rest.find(['`', '"']) {
        let delim = rest[open..].chars().next().unwrap_or('"');
        out.push_str(&rest[..=open]);
        let body = &rest[open + 1..];
        // The closing delimiter (a double quote escaped by a backslash does not close).
        let mut escaped = false;
        let close = body.char_indices().find_map(|(i, c)| {
            let closes = c == delim && !escaped;
            escaped = !escaped && c == '\\' && delim == '"';
            closes.then_some(i)
        });
        let (value, after) = match close {
            Some(i) => (&body[..i], &body[i + 1..]),
            None => (body, ""),
        };
        let count = value.chars().count();
        if count > player_api::QUOTE_MAX_CHARS {
            let cut: String = value.chars().take(player_api::QUOTE_MAX_CHARS).collect();
            out.push_str(&format!("{cut}{delim}… ({count} characters)"));
        } else {
            out.push_str(value);
            if close.is_some() {
                out.push(delim);
            }
        }
        rest = after;
    }
    out.push_str(rest);
    out
}

/// serde_yaml's messages end with " at line L column C"; we print the location first.
fn strip_location(message: &str) -> &str {
    match message.rfind(" at line ") {
        Some(i) => &message[..i],
        None => message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_scenario_parses() {
        let s = Scenario::parse(
            "start_delay: 1.5\nrepeat: forever\nwait_for_consumers: 3\nstreams:\n  - file: a.wav\n    chunk_size: 32\n    offset: 0.25\n    picks: [left]\n    format: float64\n",
        )
        .expect("valid");
        assert_eq!(s.repeat, Repeat::Forever);
        assert_eq!(s.wait_for_consumers, WaitForConsumers::Timeout(3.0));
        assert_eq!(s.streams[0].chunk_size, 32);
        assert_eq!(s.streams[0].format, Some(ValueFormat::Float64));
        assert_eq!(s.streams[0].base_name(), "a");
    }

    #[test]
    fn plugins_are_relative_to_the_scenario() {
        let d = std::env::temp_dir().join(format!("player-scn-plugins-{}", std::process::id()));
        std::fs::create_dir_all(&d).expect("temp dir");
        let f = d.join("s.yaml");
        std::fs::write(
            &f,
            "plugins: [lib/libx.so, /abs/liby.so]\nstreams:\n  - file: a.wav\n",
        )
        .expect("write");
        let s = Scenario::load(&f).expect("valid");
        assert_eq!(
            s.plugins,
            vec![d.join("lib/libx.so"), PathBuf::from("/abs/liby.so")]
        );
    }

    #[test]
    fn unknown_keys_name_line_and_column() {
        let err = Scenario::parse("streams:\n  - file: a.wav\n    chunksize: 3\n")
            .expect_err("unknown key");
        assert!(err.starts_with("line 3 column 5: "), "{err}");
        assert!(err.contains("unknown field `chunksize`"), "{err}");
    }

    #[test]
    fn quoted_values_in_messages_are_cut() {
        let long = "v".repeat(200);
        assert_eq!(
            cap_quoted(&format!(
                "unknown variant `{long}`, expected `a` or \"b\\\"c\""
            )),
            format!(
                "unknown variant `{}`… (200 characters), expected `a` or \"b\\\"c\"",
                "v".repeat(80)
            )
        );
        assert_eq!(
            cap_quoted(&format!("invalid type: string \"{long}")),
            format!(
                "invalid type: string \"{}\"… (200 characters)",
                "v".repeat(80)
            )
        );
        let err = Scenario::parse(&format!("streams:\n  - file: a.wav\n    format: {long}\n"))
            .expect_err("unknown format");
        assert!(err.len() < 300, "{err}");
    }

    #[test]
    fn repeat_zero_and_words_are_refused() {
        for bad in ["repeat: 0", "repeat: often", "repeat: -2"] {
            let err = Scenario::parse(&format!("{bad}\nstreams: []\n")).expect_err(bad);
            assert!(err.contains("repeat must be"), "{bad}: {err}");
        }
    }
}
