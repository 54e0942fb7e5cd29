//! An EEGLAB dataset from the variables of its `.set` file: the `EEG` struct (MATLAB's
//! `pop_saveset`) or its fields as top-level variables (EEGLAB 2021+, eeglabio), read as
//! MNE-Python's `read_raw_eeglab` reads them: channel names and types from `chanlocs`,
//! every value in µV scaled by 1e-6, events from `EEG.event` at `(latency − 1) / srate`.

use super::mat::{class, MatFile, Numeric, Place, Struct, Value};
use crate::numbers::RawType;
use player_api::{quote, Annotation, ChannelInfo, Metadata};
use std::path::{Path, PathBuf};

/// The fields of `EEG` this reader parses (the others are skipped unread).
pub(crate) const FIELDS: [&str; 19] = [
    "setname",
    "filename",
    "filepath",
    "subject",
    "group",
    "condition",
    "session",
    "comments",
    "nbchan",
    "trials",
    "pnts",
    "srate",
    "xmin",
    "xmax",
    "data",
    "datfile",
    "chanlocs",
    "ref",
    "event",
];

/// EEGLAB stores microvolts; MNE scales every channel by this (`CAL`).
pub(crate) const CAL: f64 = 1e-6;

/// Where the samples are.
#[derive(Debug, Clone)]
pub(crate) struct DataPlace {
    /// The file holding them: the `.set` itself or the `.fdt` beside it.
    pub file: PathBuf,
    /// In the file at a byte offset, or in a decompressed variable.
    pub place: Place,
    pub stored: RawType,
    /// Whether they are inside the `.set`.
    pub inside: bool,
    /// Whether the variable holding them was compressed.
    pub compressed: bool,
}

/// What the reader needs from a dataset.
#[derive(Debug, Clone)]
pub(crate) struct Dataset {
    pub nbchan: usize,
    /// Frames: `pnts × trials` (epochs play back to back).
    pub frames: u64,
    pub srate: f64,
    pub channels: Vec<ChannelInfo>,
    pub data: DataPlace,
    pub events: Vec<Annotation>,
    pub metadata: Metadata,
}

/// MNE's channel types that `read_raw_eeglab` takes from `chanlocs.type`, with the unit
/// MNE gives them (`meg`, `fnirs` and `eyetrack` are left out: MNE cannot make channels
/// of those types and fails; this reader reads them as `eeg`).
const KINDS: [(&str, &str); 20] = [
    ("eeg", "V"),
    ("csd", "V/m^2"),
    ("stim", "V"),
    ("eog", "V"),
    ("ecg", "V"),
    ("emg", "V"),
    ("misc", ""),
    ("resp", "V"),
    ("chpi", ""),
    ("exci", ""),
    ("ias", ""),
    ("syst", ""),
    ("seeg", "V"),
    ("dipole", ""),
    ("gof", ""),
    ("bio", "V"),
    ("ecog", "V"),
    ("dbs", "V"),
    ("temperature", "°C"),
    ("gsr", "S"),
];

/// The kind and unit of a channel whose `chanlocs.type` is `text`.
fn kind_of(text: Option<&str>) -> (&'static str, &'static str) {
    let t = text.map(|t| t.trim().to_lowercase()).unwrap_or_default();
    KINDS
        .iter()
        .find(|(k, _)| *k == t)
        .map_or(("eeg", "V"), |(k, u)| (k, u))
}

/// Python's `str()` of a float (what MNE makes of a numeric event type): the shortest
/// text that reads back, `1.0`, `0.5`, `1e-05`, `1e+16`.
pub(crate) fn python_float(x: f64) -> String {
    if x.is_nan() {
        return "nan".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf" } else { "-inf" }.into();
    }
    let sci = format!("{x:e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    if (-4..16).contains(&exp) {
        let plain = format!("{x}");
        if plain.contains('.') {
            plain
        } else {
            plain + ".0"
        }
    } else {
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{mantissa}e{sign}{:02}", exp.abs())
    }
}

/// MNE's text for an event type: the string, or Python's `str()` of the number scipy
/// gives (an integer for integer classes, a float for double and single, `True`/`False`
/// for logicals), `[]` for an empty one.
fn event_text(value: &Value) -> String {
    match value {
        Value::Text(t) => t.clone(),
        Value::Numeric(n) => {
            let v = n.first().unwrap_or(f64::NAN);
            if n.logical {
                if v != 0.0 { "True" } else { "False" }.into()
            } else if n.class == class::DOUBLE || n.class == class::SINGLE {
                python_float(v)
            } else {
                format!("{v}")
            }
        }
        Value::Empty => "[]".into(),
        _ => String::new(),
    }
}

/// The fields of a dataset, wherever they are.
struct Fields<'a> {
    mat: &'a MatFile,
    root: Option<&'a Value>,
}

impl<'a> Fields<'a> {
    fn get(&self, name: &str) -> Option<&'a Value> {
        match self.root {
            Some(root) => root.field(name),
            None => self.mat.get(name).map(|v| &v.value),
        }
    }

    fn number(&self, name: &str) -> Option<f64> {
        self.get(name).and_then(Value::number)
    }

    fn count(&self, name: &str, default: Option<u64>) -> Result<u64, String> {
        match (self.number(name), default) {
            (Some(v), _) if v >= 0.0 && v.fract() == 0.0 && v < 1e15 => Ok(v as u64),
            (Some(v), _) => Err(format!("EEG.{name} is {v}, not a count")),
            (None, Some(d)) => Ok(d),
            (None, None) => Err(format!("EEG.{name} is missing")),
        }
    }
}

/// Reads the dataset of `mat` (the `.set` at `set`).
pub(crate) fn dataset(mat: &MatFile, set: &Path) -> Result<Dataset, String> {
    if mat.get("EEG").is_none() && mat.names.iter().any(|n| n == "ALLEEG") {
        return Err(
            "this file holds an ALLEEG array (several datasets): save one dataset with pop_saveset and replay that".into(),
        );
    }
    let root = mat.get("EEG").map(|v| &v.value);
    // MNE also reads an EEG struct nested in EEG.
    let root = root.map(|r| r.field("EEG").unwrap_or(r));
    if let Some(r) = root {
        if !matches!(r, Value::Struct(s) if s.len() == 1) {
            return Err(format!(
                "the variable EEG is {}, not a 1×1 struct",
                r.describe()
            ));
        }
    }
    let f = Fields { mat, root };
    if f.get("data").is_none() && f.get("srate").is_none() {
        return Err(
            "no EEGLAB dataset here: neither a variable EEG nor the variables data and srate"
                .into(),
        );
    }
    let srate = f.number("srate").ok_or("EEG.srate is missing")?;
    if !(srate.is_finite() && srate > 0.0) {
        return Err(format!("EEG.srate is {srate}, not a rate in Hz"));
    }
    let nbchan = f.count("nbchan", None)?;
    let pnts = f.count("pnts", None)?;
    let trials = f.count("trials", Some(1))?;
    if nbchan == 0 || pnts == 0 || trials == 0 {
        return Err(format!(
            "EEG.nbchan, EEG.pnts and EEG.trials are {nbchan}, {pnts} and {trials}: there is no data"
        ));
    }
    let nbchan = usize::try_from(nbchan).map_err(|_| "EEG.nbchan is too large")?;
    let frames = pnts
        .checked_mul(trials)
        .ok_or("EEG.pnts × EEG.trials overflows")?;
    let channels = channels(f.get("chanlocs"), nbchan)?;
    let data = data_place(f.get("data"), mat, set, nbchan, frames)?;
    let events = events(f.get("event"), srate)?;
    let mut metadata = Metadata::new();
    for key in [
        "setname",
        "filename",
        "filepath",
        "subject",
        "group",
        "condition",
        "session",
        "ref",
        "comments",
    ] {
        let text = match f.get(key) {
            // One line: the rows of a char matrix joined by " / ".
            Some(Value::Text(t)) if !t.is_empty() => t.lines().collect::<Vec<_>>().join(" / "),
            Some(Value::Numeric(n)) => n.first().map(python_float).unwrap_or_default(),
            _ => continue,
        };
        metadata.insert(key.into(), text);
    }
    metadata.insert("nbchan".into(), nbchan.to_string());
    metadata.insert("pnts".into(), pnts.to_string());
    metadata.insert("trials".into(), trials.to_string());
    metadata.insert("srate".into(), srate.to_string());
    if let Some(x) = f.number("xmin") {
        metadata.insert("xmin".into(), x.to_string());
    }
    Ok(Dataset {
        nbchan,
        frames,
        srate,
        channels,
        data,
        events,
        metadata,
    })
}

/// The channels from `chanlocs` (a struct array of `nbchan` elements), or MNE's names
/// `EEG 000`, `EEG 001`, ... when it is empty.
fn channels(chanlocs: Option<&Value>, nbchan: usize) -> Result<Vec<ChannelInfo>, String> {
    let locs: &Struct = match chanlocs {
        None | Some(Value::Empty) | Some(Value::Skipped) => {
            return Ok((0..nbchan)
                .map(|i| ChannelInfo::new(format!("EEG {i:03}"), "eeg", "V"))
                .collect())
        }
        Some(Value::Struct(s)) => s,
        Some(other) => {
            return Err(format!(
                "EEG.chanlocs is {}, not a struct array",
                other.describe()
            ))
        }
    };
    if locs.len() != nbchan {
        return Err(format!(
            "EEG.chanlocs describes {} channels but EEG.nbchan is {nbchan}",
            locs.len()
        ));
    }
    let mut out = Vec::with_capacity(nbchan);
    for i in 0..nbchan {
        let label = match locs.get(i, "labels") {
            Some(Value::Text(t)) => t.clone(),
            Some(Value::Numeric(n)) => n.first().map(python_float).unwrap_or_default(),
            _ => format!("EEG {i:03}"),
        };
        let written = locs.get(i, "type").and_then(Value::text);
        let (kind, unit) = kind_of(written);
        let mut c = ChannelInfo::new(label, kind, unit);
        if let Some(t) = written.filter(|t| !t.is_empty()) {
            c = c.with_extra("type_in_file", t);
        }
        for key in [
            "X",
            "Y",
            "Z",
            "theta",
            "radius",
            "sph_theta",
            "sph_phi",
            "sph_radius",
        ] {
            if let Some(v) = locs.get(i, key).and_then(Value::number) {
                c = c.with_extra(key, v.to_string());
            }
        }
        out.push(c);
    }
    Ok(out)
}

/// Where `EEG.data` is: a numeric array inside the `.set`, or a `.fdt` file it names.
fn data_place(
    value: Option<&Value>,
    mat: &MatFile,
    set: &Path,
    nbchan: usize,
    frames: u64,
) -> Result<DataPlace, String> {
    let compressed = |name: &str| {
        mat.get(name).is_some_and(|v| v.compressed) || mat.get("EEG").is_some_and(|v| v.compressed)
    };
    match value {
        Some(Value::Numeric(n)) => inside(n, set, nbchan, frames, compressed("data")),
        Some(Value::Text(name)) => Ok(DataPlace {
            file: fdt_path(set, name)?,
            place: Place::File(0),
            stored: RawType::F32,
            inside: false,
            compressed: false,
        }),
        Some(Value::Empty) => Err("EEG.data is empty: the dataset holds no samples".into()),
        None => Err("EEG.data is missing".into()),
        Some(other) => Err(format!(
            "EEG.data is {}, neither numbers nor the name of a .fdt file",
            other.describe()
        )),
    }
}

fn inside(
    n: &Numeric,
    set: &Path,
    nbchan: usize,
    frames: u64,
    compressed: bool,
) -> Result<DataPlace, String> {
    if n.complex {
        return Err("EEG.data holds complex numbers".into());
    }
    let rows = n.dims.first().copied().unwrap_or(0);
    let want = (nbchan as u64).checked_mul(frames);
    if want != Some(n.count) || (rows != nbchan as u64 && !(nbchan == 1 && n.count == frames)) {
        return Err(format!(
            "EEG.data is {} but EEG.nbchan × EEG.pnts × EEG.trials is {nbchan} × {frames}",
            n.dims
                .iter()
                .map(u64::to_string)
                .collect::<Vec<_>>()
                .join(" × ")
        ));
    }
    Ok(DataPlace {
        file: set.to_path_buf(),
        place: n.place.clone(),
        stored: n.stored,
        inside: true,
        compressed,
    })
}

/// The `.fdt` file `EEG.data` names, beside the `.set` (only its file name is used); when
/// it is not there, the `.set`'s own name with `.fdt` (a renamed dataset), as MNE does.
fn fdt_path(set: &Path, name: &str) -> Result<PathBuf, String> {
    let dir = set.parent().unwrap_or(Path::new(""));
    // The name after the last `/` or `\` (a path of the machine that saved it).
    let file = std::ffi::OsStr::new(name.trim().rsplit(['/', '\\']).next().unwrap_or(""));
    let ext = Path::new(file)
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    if ext.as_deref() == Some("dat") {
        return Err(format!(
            "EEG.data names {}, a .dat file of EEGLAB before version 6 (transposed data): open the dataset in EEGLAB and save it again (a .fdt file)",
            quote(name)
        ));
    }
    let named = dir.join(file);
    if !file.is_empty() && named.is_file() {
        return Ok(named);
    }
    let own = set.with_extension("fdt");
    if own.is_file() {
        return Ok(own);
    }
    Err(format!(
        "the data file {} that EEG.data names is not beside the .set (looked for {} and {})",
        quote(name),
        named.display(),
        own.display()
    ))
}

/// Markers from `EEG.event`: (latency − 1) / srate, duration / srate, the type's text;
/// events without a latency (NaN or empty) are dropped, as MNE does; sorted by onset.
fn events(value: Option<&Value>, srate: f64) -> Result<Vec<Annotation>, String> {
    let list: &Struct = match value {
        None | Some(Value::Empty) | Some(Value::Skipped) => return Ok(Vec::new()),
        Some(Value::Struct(s)) => s,
        Some(other) => {
            return Err(format!(
                "EEG.event is {}, not a struct array",
                other.describe()
            ))
        }
    };
    if list.len() > 0 && !list.fields.iter().any(|f| f == "latency") {
        return Err("EEG.event has no latency field".into());
    }
    let mut out = Vec::with_capacity(list.len());
    for i in 0..list.len() {
        let Some(latency) = list.get(i, "latency").and_then(Value::number) else {
            continue;
        };
        if !latency.is_finite() {
            continue;
        }
        let duration = list
            .get(i, "duration")
            .and_then(Value::number)
            .filter(|d| d.is_finite() && *d >= 0.0)
            .unwrap_or(0.0);
        let text = list.get(i, "type").map(event_text).unwrap_or_default();
        out.push(Annotation::new(
            (latency - 1.0) / srate,
            duration / srate,
            text,
        ));
    }
    out.sort_by(|a, b| a.onset.total_cmp(&b.onset));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_read_as_python_prints_them() {
        for (x, want) in [
            (1.0, "1.0"),
            (0.5, "0.5"),
            (-0.0, "-0.0"),
            (1e-5, "1e-05"),
            (0.0001, "0.0001"),
            (1e16, "1e+16"),
            (123456789.0, "123456789.0"),
            (1.5e300, "1.5e+300"),
            (f64::from(0.1f32), "0.10000000149011612"),
        ] {
            assert_eq!(python_float(x), want, "{x}");
        }
        assert_eq!(kind_of(Some(" EOG ")), ("eog", "V"));
        assert_eq!(kind_of(Some("MEG")), ("eeg", "V"));
        assert_eq!(kind_of(Some("misc")), ("misc", ""));
        assert_eq!(kind_of(None), ("eeg", "V"));
    }

    #[test]
    fn fdt_files_are_found_by_name_beside_the_set() {
        let dir = std::env::temp_dir().join(format!("player-fdt-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let set = dir.join("x.set");
        std::fs::write(dir.join("data.fdt"), b"").expect("fdt");
        // A directory in EEG.data (the saving machine's) is ignored.
        let found = fdt_path(&set, "C:\\study\\sub01/data.fdt").expect("found");
        assert_eq!(found, dir.join("data.fdt"));
        let err = fdt_path(&set, "old.DAT").expect_err("refused");
        assert!(
            err.contains("a .dat file of EEGLAB before version 6"),
            "{err}"
        );
        let err = fdt_path(&set, "gone.fdt").expect_err("missing");
        assert!(err.contains("gone.fdt") && err.contains("x.fdt"), "{err}");
        std::fs::remove_dir_all(&dir).ok();
    }
}
