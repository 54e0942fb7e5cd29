//! A run's physiological and stimulus recordings (`*_physio.tsv.gz`, `*_stim.tsv.gz`):
//! gzip-compressed TSV without a header row, described by their JSON sidecar
//! (`SamplingFrequency`, `StartTime`, `Columns`, and per-column `Units`), played by the
//! built-in `csv` reader, on the run's clock.
//!
//! Vocabulary: the **start** of a physio recording is its sidecar's `StartTime`: the
//! seconds of its first row from the first sample of the run's recording it belongs to
//! (the one in its folder); negative when it started before.

use super::sidecars::read_sidecar;
use super::{BidsRecording, ChannelRow, DataFile};
use crate::error::{HostError, Result};
use crate::scenario::Section;
use player_api::quote;
use serde_json::{Map, Value};
use std::path::{Path, PathBuf};

/// What a physio recording's sidecar says, as the entry that plays it needs it.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Physio {
    /// The csv reader's options: rate, no header row, the column names with their units.
    pub reader_options: Vec<(String, String)>,
    /// The channels' kinds (`cardiac` → `ecg`, ...).
    pub channels: Vec<ChannelRow>,
    /// `StartTime`, seconds.
    pub start: f64,
    /// `SamplingFrequency`, Hz.
    pub rate: f64,
    /// What the user should know (a sidecar without `StartTime`).
    pub warnings: Vec<String>,
}

/// The MNE kind of a physio column, by its BIDS name.
fn kind_of_column(name: &str) -> &'static str {
    match name.to_ascii_lowercase().as_str() {
        "cardiac" => "ecg",
        "respiratory" => "resp",
        "trigger" => "stim",
        _ => "misc",
    }
}

/// The sidecar of a physio file: `STEM.json` beside it, else one with fewer entities
/// (BIDS' inheritance).
fn sidecar_of(file: &DataFile) -> Option<PathBuf> {
    let name = file.path.file_name()?.to_str()?;
    let stem = name.strip_suffix(".tsv.gz")?;
    let exact = file.path.with_file_name(format!("{stem}.json"));
    if exact.is_file() {
        return Some(exact);
    }
    let suffix = match &file.recording {
        Some(label) => format!("recording-{label}_{}.json", file.datatype),
        None => format!("{}.json", file.datatype),
    };
    super::sidecar(file, &suffix)
}

/// A name as a field of a CSV row (the csv reader's `columns` option): quoted when it
/// holds a comma or a quote.
fn csv_field(name: &str) -> String {
    if name.contains([',', '"']) || name != name.trim() {
        format!("\"{}\"", name.replace('"', "\"\""))
    } else {
        name.to_string()
    }
}

/// Reads the sidecar of the physio file `file`.
pub(super) fn read(file: &DataFile) -> Result<Physio> {
    let sidecar = sidecar_of(file).ok_or_else(|| HostError::Scenario {
        path: file.path.clone(),
        message: format!(
            "no sidecar {} beside it: a {} recording needs one (SamplingFrequency, StartTime, Columns)",
            quote(&format!("…_{}.json", file.datatype)),
            file.datatype
        ),
    })?;
    let json = read_json(&sidecar)?;
    parse(&sidecar, &json)
}

fn read_json(path: &Path) -> Result<Map<String, Value>> {
    let fail = |message: String| HostError::Scenario {
        path: path.to_path_buf(),
        message,
    };
    let text = read_sidecar(path)?;
    match serde_json::from_str::<Value>(&text) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(fail("not a JSON object".into())),
        Err(e) => Err(fail(format!("not JSON: {e}"))),
    }
}

/// What the sidecar `path` (its content: `json`) says.
fn parse(path: &Path, json: &Map<String, Value>) -> Result<Physio> {
    let fail = |message: String| HostError::Scenario {
        path: path.to_path_buf(),
        message,
    };
    let rate = match json.get("SamplingFrequency") {
        Some(v) => v
            .as_f64()
            .filter(|r| r.is_finite() && *r > 0.0)
            .ok_or_else(|| {
                fail(format!(
                    "SamplingFrequency is a number of Hz above 0, not {v}"
                ))
            })?,
        None => {
            return Err(fail(
                "no SamplingFrequency (the rate in Hz, required for a physiological recording)"
                    .into(),
            ))
        }
    };
    let mut warnings = Vec::new();
    let start = match json.get("StartTime") {
        Some(v) => v
            .as_f64()
            .filter(|t| t.is_finite() && t.abs() <= crate::scenario::MAX_SECONDS)
            .ok_or_else(|| fail(format!("StartTime is a number of seconds, not {v}")))?,
        None => {
            warnings.push(format!(
                "{}: no StartTime: the recording is taken to start with the run",
                path.display()
            ));
            0.0
        }
    };
    let names: Vec<&str> = match json.get("Columns") {
        Some(Value::Array(items)) if !items.is_empty() => items
            .iter()
            .map(|i| i.as_str().filter(|s| !s.trim().is_empty()))
            .collect::<Option<_>>()
            .ok_or_else(|| fail("Columns holds a name that is not a text or is empty".into()))?,
        Some(v) => return Err(fail(format!("Columns is a list of column names, not {v}"))),
        None => {
            return Err(fail(
                "no Columns (the names of the columns, required: the file has no header row)"
                    .into(),
            ))
        }
    };
    let mut channels = Vec::new();
    let mut written = Vec::new();
    for name in &names {
        let unit = json
            .get(*name)
            .and_then(|c| c.get("Units"))
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|u| !u.is_empty() && *u != "n/a");
        written.push(match unit {
            Some(u) => format!("{name} ({u})"),
            None => name.to_string(),
        });
        channels.push(ChannelRow {
            name: name.to_string(),
            kind: Some(kind_of_column(name).to_string()),
            unit: None,
            status: None,
            status_description: None,
        });
    }
    let columns: Vec<String> = written.iter().map(|n| csv_field(n)).collect();
    let reader_options = [
        ("rate", rate.to_string()),
        ("header", "none".to_string()),
        ("delimiter", "tab".to_string()),
        ("columns", columns.join(",")),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    Ok(Physio {
        reader_options,
        channels,
        start,
        rate,
        warnings,
    })
}

impl BidsRecording {
    /// The section of this recording to play, and the seconds its first sample comes
    /// after the run's, when the run plays `run` (seconds of the run's clock): a recording
    /// that starts later (a positive start) plays from its start; one that started
    /// earlier is cropped to the run's. The section starts on a sample, and the delay
    /// holds the rest, so that every sample plays at its own time.
    pub(crate) fn section_on_run_clock(&self, run: Section) -> (Section, f64) {
        let own_from = run.from - self.start;
        let to = run.to.map(|t| t - self.start);
        if own_from <= 0.0 {
            return (Section { from: 0.0, to }, -own_from);
        }
        let from = match self.rate {
            Some(rate) => ((own_from * rate) - 1e-9).ceil() / rate,
            None => own_from,
        };
        (Section { from, to }, from - own_from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn physio(json: &str) -> Result<Physio> {
        let map = match serde_json::from_str::<Value>(json) {
            Ok(Value::Object(m)) => m,
            _ => Map::new(),
        };
        parse(Path::new("x_physio.json"), &map)
    }

    #[test]
    fn a_sidecar_gives_the_readers_options_and_the_kinds() {
        let p = physio(
            r#"{"SamplingFrequency": 100, "StartTime": -0.5,
                "Columns": ["cardiac", "respiratory", "trigger", "o, x"],
                "cardiac": {"Units": "mV"}, "respiratory": {"Units": "n/a"}}"#,
        )
        .expect("parse");
        let get = |k: &str| {
            p.reader_options
                .iter()
                .find(|(key, _)| key == k)
                .map(|(_, v)| v.as_str())
        };
        assert_eq!(get("rate"), Some("100"));
        assert_eq!(get("header"), Some("none"));
        assert_eq!(
            get("columns"),
            Some("cardiac (mV),respiratory,trigger,\"o, x\"")
        );
        let kinds: Vec<&str> = p
            .channels
            .iter()
            .filter_map(|c| c.kind.as_deref())
            .collect();
        assert_eq!(kinds, ["ecg", "resp", "stim", "misc"]);
        assert_eq!((p.start, p.rate), (-0.5, 100.0));
        assert!(p.warnings.is_empty());
    }

    #[test]
    fn a_sidecar_without_its_required_keys_is_an_error_naming_the_key() {
        for (json, words) in [
            (
                r#"{"StartTime": 0, "Columns": ["a"]}"#,
                "no SamplingFrequency",
            ),
            (
                r#"{"SamplingFrequency": 0, "Columns": ["a"]}"#,
                "SamplingFrequency is a number",
            ),
            (r#"{"SamplingFrequency": 10, "StartTime": 0}"#, "no Columns"),
            (
                r#"{"SamplingFrequency": 10, "Columns": "a"}"#,
                "Columns is a list",
            ),
            (
                r#"{"SamplingFrequency": 10, "Columns": [""]}"#,
                "Columns holds a name",
            ),
            (
                r#"{"SamplingFrequency": 10, "StartTime": "x", "Columns": ["a"]}"#,
                "StartTime is a number",
            ),
        ] {
            let e = physio(json).expect_err(json).to_string();
            assert!(e.starts_with("x_physio.json: ") && e.contains(words), "{e}");
            assert!(!e.contains('\n'), "{e}");
        }
        let p = physio(r#"{"SamplingFrequency": 10, "Columns": ["a"]}"#).expect("no start");
        assert_eq!(p.start, 0.0);
        assert!(p.warnings[0].contains("no StartTime"), "{:?}", p.warnings);
    }

    #[test]
    fn the_start_shifts_the_section_onto_the_run_clock() {
        let rec = |start: f64| BidsRecording {
            path: PathBuf::new(),
            datatype: "physio".into(),
            name: "physio".into(),
            offset: 0.0,
            channels: Vec::new(),
            events: None,
            start,
            rate: Some(100.0),
            reader: None,
            reader_options: Vec::new(),
        };
        let whole = Section {
            from: 0.0,
            to: None,
        };
        // Later: plays whole, 0.25 s after the run.
        assert_eq!(rec(0.25).section_on_run_clock(whole), (whole, 0.25));
        // Earlier by 0.505 s: from its sample 51 (0.51 s), 0.005 s after the run's start.
        let (s, delay) = rec(-0.505).section_on_run_clock(whole);
        assert!((s.from - 0.51).abs() < 1e-12 && s.to.is_none(), "{s:?}");
        assert!((delay - 0.005).abs() < 1e-12, "{delay}");
        // A run played from 1 s to 2 s: the same window of the recording.
        let (s, delay) = rec(0.25).section_on_run_clock(Section {
            from: 1.0,
            to: Some(2.0),
        });
        assert!(
            (s.from - 0.75).abs() < 1e-12 && delay.abs() < 1e-12,
            "{s:?} {delay}"
        );
        assert_eq!(s.to, Some(1.75));
    }
}
