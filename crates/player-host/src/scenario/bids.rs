//! A run of a BIDS data set (`bids:` in a scenario entry, `--bids` on the command line):
//! found by its entities, with what its sidecars say.
//!
//! # Vocabulary
//!
//! * **entities**: the `key-value` pairs of a BIDS file name (`sub-01_ses-1_task-rest`);
//!   a **selection** gives some of them ([`BidsSelection`]);
//! * **run**: the recordings that share every entity but their datatype (an EEG and an MEG
//!   recording of one session, task and run), named by its entities
//!   (`sub-01_ses-1_task-rest_run-1`);
//! * **recording**: one data file of a run (`*_eeg.edf`, `*_meg.fif`, ...), with its
//!   **sidecars**: `channels.tsv` (types, units, bad channels), `events.tsv` (the
//!   markers) and the session's `scans.tsv` (acquisition times); or a physiological or
//!   stimulus recording (`*_physio.tsv.gz`, `*_stim.tsv.gz`) with its JSON sidecar
//!   (`physio`), which belongs to the recording in its folder.
//!
//! A selection must match exactly one run: none, or several, is an error that lists the
//! candidates. The sidecars are read as MNE-BIDS' `read_raw_bids` reads them (channel
//! types mapped as it maps them; MEG types kept from the recording), so that a replay
//! and MNE-BIDS agree.

use crate::error::{HostError, Result};
use player_api::{quote, Annotation};
use serde::{Deserialize, Serialize};
pub use sidecars::ChannelRow;
use sidecars::{acquisition_time, channel_rows, events, read_tsv};
use std::collections::BTreeSet;
use std::fmt;
use std::path::{Path, PathBuf};

/// The entities that identify a run, in the order of BIDS file names.
const RUN_ENTITIES: &[&str] = &["sub", "ses", "task", "acq", "run"];

/// The datatypes whose recordings are played, and the file endings read in each.
const RECORDINGS: &[(&str, &[&str])] = &[
    ("eeg", &[".edf", ".bdf", ".vhdr", ".set", ".fif"]),
    ("meg", &[".fif"]),
    ("ieeg", &[".edf", ".vhdr", ".set", ".fif", ".nwb"]),
    ("nirs", &[".snirf"]),
];

/// The run a `bids:` entry selects: the data set's root and the entities given.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BidsSelection {
    /// The data set's root directory (in a scenario, relative to the scenario file).
    #[serde(default)]
    pub root: PathBuf,
    /// `sub-<label>`.
    #[serde(default, deserialize_with = "label")]
    pub subject: Option<String>,
    /// `ses-<label>`.
    #[serde(default, deserialize_with = "label")]
    pub session: Option<String>,
    /// `task-<label>`.
    #[serde(default, deserialize_with = "label")]
    pub task: Option<String>,
    /// `acq-<label>`.
    #[serde(default, deserialize_with = "label")]
    pub acquisition: Option<String>,
    /// `run-<index>` (a number: `run: 1` matches `run-1` and `run-01`).
    #[serde(default, deserialize_with = "label")]
    pub run: Option<String>,
    /// Only the recordings of this datatype (`eeg`, `meg`, `ieeg`, `nirs`).
    #[serde(default, deserialize_with = "label")]
    pub datatype: Option<String>,
}

/// A label as YAML gives it: a string, or a number written as it was (`run: 1`).
fn label<'de, D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Text(String),
        Number(u64),
    }
    match Option::<Raw>::deserialize(d)? {
        None => Ok(None),
        Some(Raw::Text(t)) if t.is_empty() || !t.chars().all(|c| c.is_ascii_alphanumeric()) => {
            Err(serde::de::Error::custom(format!(
                "a BIDS label is letters and digits only, not {}",
                quote(&t)
            )))
        }
        Some(Raw::Text(t)) => Ok(Some(t)),
        Some(Raw::Number(n)) => Ok(Some(n.to_string())),
    }
}

/// For clap's `value_parser` (`--bids ENTITIES`).
pub fn parse_arg(text: &str) -> std::result::Result<BidsSelection, String> {
    BidsSelection::parse(text)
}

impl BidsSelection {
    /// The entities given, as a file name writes them (`sub-01_task-rest`).
    pub fn label(&self) -> String {
        self.entities()
            .iter()
            .map(|(k, v)| format!("{k}-{v}"))
            .collect::<Vec<_>>()
            .join("_")
    }

    /// The entities given, as BIDS keys (`sub`, `ses`, ...).
    fn entities(&self) -> Vec<(&'static str, &str)> {
        [
            ("sub", &self.subject),
            ("ses", &self.session),
            ("task", &self.task),
            ("acq", &self.acquisition),
            ("run", &self.run),
        ]
        .into_iter()
        .filter_map(|(k, v)| v.as_deref().map(|v| (k, v)))
        .collect()
    }

    /// A selection from entities written as in a file name (`sub-01_task-rest_run-1`,
    /// the form of `--bids`; a `_eeg` suffix selects the datatype); the root is set
    /// later.
    pub fn parse(text: &str) -> std::result::Result<BidsSelection, String> {
        let mut selection = BidsSelection::default();
        for part in text.trim().split('_').filter(|p| !p.is_empty()) {
            let (key, value) = match part.split_once('-') {
                Some((k, v)) if !v.is_empty() && v.chars().all(|c| c.is_ascii_alphanumeric()) => {
                    (k, v.to_string())
                }
                None if RECORDINGS.iter().any(|(d, _)| *d == part) => ("datatype", part.into()),
                _ => {
                    return Err(format!(
                        "{}: expected entities such as sub-01_ses-1_task-rest_run-1",
                        quote(part)
                    ))
                }
            };
            let slot = match key {
                "sub" => &mut selection.subject,
                "ses" => &mut selection.session,
                "task" => &mut selection.task,
                "acq" => &mut selection.acquisition,
                "run" => &mut selection.run,
                "datatype" => &mut selection.datatype,
                other => {
                    return Err(format!(
                        "unknown entity {} (sub, ses, task, acq, run, or a datatype: eeg, \
                         meg, ieeg, nirs)",
                        quote(other)
                    ))
                }
            };
            *slot = Some(value);
        }
        if selection.entities().is_empty() {
            return Err("no entities: give at least sub-LABEL (e.g. sub-01_task-rest)".into());
        }
        Ok(selection)
    }
}

impl fmt::Display for BidsSelection {
    /// The entities as a file name writes them (`sub-01_task-rest`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.label())?;
        match &self.datatype {
            Some(d) => write!(f, " ({d})"),
            None => Ok(()),
        }
    }
}

/// One recording of a run, with what its sidecars say.
#[derive(Debug, Clone, PartialEq)]
pub struct BidsRecording {
    /// The data file.
    pub path: PathBuf,
    /// Its datatype (`eeg`, `meg`, ...; `physio`, `stim`).
    pub datatype: String,
    /// What its stream is called after the run's name when the run has several
    /// recordings: the datatype, and a physio recording's `recording-<label>`
    /// (`physio-cardiac`).
    pub name: String,
    /// Seconds from the run's first acquisition to this one's (`scans.tsv`; 0 without;
    /// a physio recording's is its folder's recording's).
    pub offset: f64,
    /// Seconds from the first sample of the recording it belongs to, to its own first
    /// (a physio recording's `StartTime`; 0 for the others).
    pub start: f64,
    /// Its rate, when a sidecar gives it (physio).
    pub rate: Option<f64>,
    /// The reader that plays it, when it is not probed (`csv` for physio).
    pub reader: Option<String>,
    /// That reader's options.
    pub reader_options: Vec<(String, String)>,
    /// Its `channels.tsv`, when there is one.
    pub channels: Vec<ChannelRow>,
    /// Its `events.tsv` as markers (onset from the first sample), when there is one.
    pub events: Option<Vec<Annotation>>,
}

/// The run a selection found.
#[derive(Debug, Clone, PartialEq)]
pub struct BidsRun {
    /// The run's entities (`sub-01_ses-1_task-rest_run-1`).
    pub label: String,
    /// Its recordings, in acquisition order.
    pub recordings: Vec<BidsRecording>,
    /// What the user should know (recordings that cannot be read, ...).
    pub warnings: Vec<String>,
}

/// A data file of the data set, by its name.
#[derive(Debug, Clone)]
struct DataFile {
    path: PathBuf,
    /// The run's entities, in file-name order.
    run: Vec<(String, String)>,
    /// The datatype of its folder (`eeg`, ...).
    folder: String,
    /// Its datatype: the folder's, or `physio`/`stim`.
    datatype: String,
    /// Its `recording-<label>` entity (physio).
    recording: Option<String>,
    /// Whether a reader plays files of this ending.
    readable: bool,
}

impl DataFile {
    fn label(&self) -> String {
        self.run
            .iter()
            .map(|(k, v)| format!("{k}-{v}"))
            .collect::<Vec<_>>()
            .join("_")
    }

    fn matches(&self, selection: &BidsSelection) -> bool {
        let same = |key: &str, want: &str| {
            self.run
                .iter()
                .any(|(k, v)| k == key && (v == want || (key == "run" && same_index(v, want))))
        };
        selection.entities().iter().all(|(k, v)| same(k, v))
            && selection
                .datatype
                .as_deref()
                .is_none_or(|d| d == self.folder)
    }
}

/// Whether two run indices are the same number (`1` and `01`).
fn same_index(a: &str, b: &str) -> bool {
    matches!((a.parse::<u64>(), b.parse::<u64>()), (Ok(x), Ok(y)) if x == y)
}

/// Finds the one run `selection` names, with its recordings and sidecars.
pub fn resolve(selection: &BidsSelection) -> Result<BidsRun> {
    let root = &selection.root;
    let fail = |message: String| HostError::Scenario {
        path: root.clone(),
        message,
    };
    if !root.is_dir() {
        return Err(fail("not a directory (the root of a BIDS data set)".into()));
    }
    let files = data_files(root).map_err(|e| fail(format!("cannot list the data set: {e}")))?;
    if files.is_empty() {
        return Err(fail(
            "no recording found: not a BIDS data set? (expected \
             sub-<label>/[ses-<label>/]<datatype>/sub-<label>_..._<datatype>.<ext>)"
                .into(),
        ));
    }
    let runs: BTreeSet<String> = files.iter().map(DataFile::label).collect();
    let chosen: BTreeSet<String> = files
        .iter()
        .filter(|f| f.matches(selection))
        .map(DataFile::label)
        .collect();
    let label = match chosen.len() {
        1 => chosen.into_iter().next().unwrap_or_default(),
        0 => {
            return Err(fail(format!(
                "no run matches {selection}; the runs of the data set: {}",
                listing(&runs)
            )))
        }
        n => {
            return Err(fail(format!(
                "{selection} matches {n} runs: {}; give more entities (session, task, \
                 acquisition, run) to choose one",
                listing(&chosen)
            )))
        }
    };
    let mut run = BidsRun {
        label: label.clone(),
        recordings: Vec::new(),
        warnings: Vec::new(),
    };
    for file in files
        .iter()
        .filter(|f| f.label() == label && f.matches(selection))
    {
        if !file.readable {
            run.warnings.push(format!(
                "{}: no built-in reader plays this kind of file: left out",
                file.path.display()
            ));
            continue;
        }
        run.recordings.push(recording(file, &mut run.warnings)?);
    }
    if run.recordings.is_empty() {
        return Err(fail(format!(
            "{label}: none of its recordings can be played"
        )));
    }
    order_by_acquisition(&mut run.recordings, root)?;
    Ok(run)
}

/// At most 20 names, then how many more.
fn listing(names: &BTreeSet<String>) -> String {
    let shown: Vec<&str> = names.iter().take(20).map(String::as_str).collect();
    match names.len() {
        0 => "none".into(),
        n if n > shown.len() => format!("{} (and {} more)", shown.join(", "), n - shown.len()),
        _ => shown.join(", "),
    }
}

/// Every data file of the data set: `sub-*/[ses-*/]DATATYPE/*_DATATYPE.EXT`.
fn data_files(root: &Path) -> std::io::Result<Vec<DataFile>> {
    let mut files = Vec::new();
    for subject in entries(root, "sub-")? {
        let mut dirs = vec![subject.clone()];
        dirs.extend(entries(&subject, "ses-")?);
        for dir in dirs {
            for (datatype, endings) in RECORDINGS {
                let folder = dir.join(datatype);
                if !folder.is_dir() {
                    continue;
                }
                for path in entries(&folder, "sub-")? {
                    if let Some(file) = data_file(path, datatype, endings) {
                        files.push(file);
                    }
                }
            }
        }
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(files)
}

/// The entries of `dir` whose names start with `prefix`, sorted.
fn entries(dir: &Path, prefix: &str) -> std::io::Result<Vec<PathBuf>> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(prefix))
        })
        .collect();
    found.sort();
    Ok(found)
}

/// The data file at `path`, if its name is `ENTITIES_DATATYPE.EXT`: the first of a split
/// recording only (the reader follows the others).
fn data_file(path: PathBuf, datatype: &str, endings: &[&str]) -> Option<DataFile> {
    let name = path.file_name()?.to_str()?;
    let (stem, ending) = match name.find('.') {
        Some(i) => (&name[..i], &name[i..]),
        None => (name, ""),
    };
    let (entities, suffix) = stem.rsplit_once('_')?;
    // Physiological and stimulus recordings (`*_physio.tsv.gz`) belong to the run, played
    // by the csv reader.
    let side = matches!(suffix, "physio" | "stim");
    if (suffix != datatype && !side) || ending.ends_with(".json") || ending.is_empty() {
        return None;
    }
    let mut run = Vec::new();
    let mut recording = None;
    for part in entities.split('_') {
        let (k, v) = part.split_once('-')?;
        if k == "split" && !same_index(v, "1") {
            return None;
        }
        if k == "recording" {
            recording = Some(v.to_string());
        }
        if RUN_ENTITIES.contains(&k) {
            run.push((k.to_string(), v.to_string()));
        }
    }
    let readable = match side {
        true => ending == ".tsv.gz",
        false => endings.iter().any(|e| ending.eq_ignore_ascii_case(e)),
    };
    let own = if side { suffix } else { datatype }.to_string();
    Some(DataFile {
        readable,
        path,
        run,
        folder: datatype.to_string(),
        datatype: own,
        recording,
    })
}

/// A recording with its sidecars (in its folder, with the recording's entities, or fewer:
/// BIDS' inheritance within the folder); a physio recording with its JSON sidecar.
fn recording(file: &DataFile, warnings: &mut Vec<String>) -> Result<BidsRecording> {
    let mut rec = BidsRecording {
        path: file.path.clone(),
        datatype: file.datatype.clone(),
        name: file.datatype.clone(),
        offset: 0.0,
        start: 0.0,
        rate: None,
        reader: None,
        reader_options: Vec::new(),
        channels: Vec::new(),
        events: None,
    };
    if file.datatype != file.folder {
        let physio = physio::read(file)?;
        warnings.extend(physio.warnings);
        if let Some(label) = &file.recording {
            rec.name = format!("{}-{label}", file.datatype);
        }
        rec.start = physio.start;
        rec.rate = Some(physio.rate);
        rec.reader = Some("csv".into());
        rec.reader_options = physio.reader_options;
        rec.channels = physio.channels;
        return Ok(rec);
    }
    rec.channels = match sidecar(file, "channels.tsv") {
        Some(path) => channel_rows(&path, &read_tsv(&path)?)?,
        None => Vec::new(),
    };
    rec.events = match sidecar(file, "events.tsv") {
        Some(path) => Some(events(&path, &read_tsv(&path)?)?),
        None => None,
    };
    Ok(rec)
}

/// The sidecar `SUFFIX` of a data file: `ENTITIES_SUFFIX` beside it, with all of the
/// file's entities, else with fewer (the last ones dropped first).
fn sidecar(file: &DataFile, suffix: &str) -> Option<PathBuf> {
    let dir = file.path.parent()?;
    (0..=file.run.len())
        .rev()
        .map(|n| {
            let entities: Vec<String> = file.run[..n]
                .iter()
                .map(|(k, v)| format!("{k}-{v}"))
                .collect();
            dir.join(format!("{}_{suffix}", entities.join("_")))
        })
        .find(|p| p.is_file())
}

/// Orders the recordings by their acquisition times in the session's `scans.tsv`, and
/// sets each one's offset from the earliest; recordings without a time keep offset 0,
/// physio recordings take the offset of the recording in their folder.
fn order_by_acquisition(recordings: &mut [BidsRecording], root: &Path) -> Result<()> {
    let mut times: Vec<Option<f64>> = Vec::with_capacity(recordings.len());
    for rec in recordings.iter() {
        times.push(match scans_entry(&rec.path, root) {
            Some((scans, name)) => acquisition_time(&scans, &name)?,
            None => None,
        });
    }
    let first = times
        .iter()
        .flatten()
        .copied()
        .fold(f64::INFINITY, f64::min);
    for (rec, time) in recordings.iter_mut().zip(&times) {
        rec.offset = time.map_or(0.0, |t| t - first);
    }
    let folders: Vec<(Option<PathBuf>, f64)> = recordings
        .iter()
        .filter(|r| r.reader.is_none())
        .map(|r| (r.path.parent().map(Path::to_path_buf), r.offset))
        .collect();
    for rec in recordings.iter_mut().filter(|r| r.reader.is_some()) {
        let folder = rec.path.parent().map(Path::to_path_buf);
        if let Some((_, offset)) = folders.iter().find(|(f, _)| *f == folder) {
            rec.offset = *offset;
        }
    }
    recordings.sort_by(|a, b| a.offset.total_cmp(&b.offset));
    Ok(())
}

/// The session's (else subject's) `scans.tsv` of a data file, and the file's name as
/// `scans.tsv` writes it (relative to that directory: `eeg/sub-01_..._eeg.edf`).
fn scans_entry(path: &Path, root: &Path) -> Option<(PathBuf, String)> {
    let session_dir = path.parent()?.parent().filter(|d| d.starts_with(root))?;
    let scans = entries(session_dir, "sub-")
        .unwrap_or_default()
        .into_iter()
        .find(|p| p.to_string_lossy().ends_with("_scans.tsv"))?;
    let relative = path.strip_prefix(session_dir).unwrap_or(path);
    Some((scans, relative.to_string_lossy().replace('\\', "/")))
}

mod physio;
mod sidecars;
#[cfg(test)]
mod tests;
