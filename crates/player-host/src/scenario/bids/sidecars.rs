//! A BIDS recording's sidecars read as MNE-BIDS reads them: `channels.tsv` (kinds, SI
//! units, status), `events.tsv` (markers) and `scans.tsv` (acquisition times).

use crate::error::{HostError, Result};
use player_api::calendar::days_from_civil;
use player_api::{quote, Annotation};
use std::collections::BTreeMap;
use std::path::Path;

/// The largest sidecar read (a TSV of millions of events is not a sidecar).
pub(super) const MAX_SIDECAR_BYTES: u64 = 16 << 20;

/// One channel as `channels.tsv` describes it.
#[derive(Debug, Clone, PartialEq)]
pub struct ChannelRow {
    /// The channel's name.
    pub name: String,
    /// Its kind as MNE names it (`eeg`, `eog`, `stim`, ...), `None` to keep the
    /// recording's (MEG channels, as MNE-BIDS does).
    pub kind: Option<String>,
    /// The SI unit of the published values (`V` for `µV`), `None` to keep the recording's.
    pub unit: Option<String>,
    /// `good` or `bad` (`status`), when given.
    pub status: Option<String>,
    /// Why it is bad (`status_description`), when given.
    pub status_description: Option<String>,
}

/// The text of a sidecar, at most [`MAX_SIDECAR_BYTES`].
pub(super) fn read_sidecar(path: &Path) -> Result<String> {
    let fail = |message: String| HostError::Scenario {
        path: path.to_path_buf(),
        message,
    };
    let size = std::fs::metadata(path)
        .map_err(|e| fail(format!("cannot read: {e}")))?
        .len();
    if size > MAX_SIDECAR_BYTES {
        return Err(fail(format!(
            "{size} bytes: more than the {MAX_SIDECAR_BYTES} a sidecar may have"
        )));
    }
    std::fs::read_to_string(path).map_err(|e| fail(format!("cannot read: {e}")))
}

/// A TSV file: its rows as column name → value.
pub(super) fn read_tsv(path: &Path) -> Result<Vec<BTreeMap<String, String>>> {
    let fail = |message: String| HostError::Scenario {
        path: path.to_path_buf(),
        message,
    };
    let text = read_sidecar(path)?;
    let mut lines = text.lines().filter(|l| !l.trim().is_empty());
    let header: Vec<&str> = match lines.next() {
        Some(h) => h.split('\t').map(str::trim).collect(),
        None => return Err(fail("empty: a TSV sidecar starts with a header row".into())),
    };
    Ok(lines
        .map(|line| {
            header
                .iter()
                .zip(line.split('\t'))
                .map(|(k, v)| (k.to_string(), v.trim().to_string()))
                .collect()
        })
        .collect())
}

/// A cell, or `None` when absent or `n/a`.
pub(super) fn cell<'a>(row: &'a BTreeMap<String, String>, column: &str) -> Option<&'a str> {
    row.get(column)
        .map(String::as_str)
        .filter(|v| !v.is_empty() && *v != "n/a")
}

/// The rows of a `channels.tsv`.
pub(super) fn channel_rows(
    path: &Path,
    rows: &[BTreeMap<String, String>],
) -> Result<Vec<ChannelRow>> {
    rows.iter()
        .enumerate()
        .map(|(i, row)| {
            let name = cell(row, "name").ok_or_else(|| HostError::Scenario {
                path: path.to_path_buf(),
                message: format!("row {}: no `name`", i + 2),
            })?;
            Ok(ChannelRow {
                name: name.to_string(),
                kind: cell(row, "type").and_then(mne_kind),
                unit: cell(row, "units").and_then(si_unit),
                status: cell(row, "status").map(str::to_lowercase),
                status_description: cell(row, "status_description").map(String::from),
            })
        })
        .collect()
}

/// The MNE channel kind of a BIDS channel type, as MNE-BIDS maps it: MEG types keep the
/// recording's (`None`), unknown types become `misc`.
pub(super) fn mne_kind(bids: &str) -> Option<String> {
    let upper = bids.to_ascii_uppercase();
    if upper.starts_with("MEG") || upper == "HLU" {
        return None;
    }
    let kind = match upper.as_str() {
        "EEG" => "eeg",
        "MISC" => "misc",
        "TRIG" => "stim",
        "EMG" => "emg",
        "ECOG" => "ecog",
        "SEEG" => "seeg",
        "EOG" | "VEOG" | "HEOG" => "eog",
        "ECG" => "ecg",
        "RESP" => "resp",
        "GSR" => "gsr",
        "TEMP" => "temperature",
        "NIRSCWAMPLITUDE" | "NIRS" => "fnirs_cw_amplitude",
        "DBS" => "dbs",
        "EYEGAZE" => "eyegaze",
        "PUPIL" => "pupil",
        _ => "misc",
    };
    Some(kind.to_string())
}

/// The SI unit of the values a reader delivers for a channel whose `units` is `bids`
/// (readers scale to SI: `µV` data arrives in `V`); `None` when it says nothing the
/// recording does not (`n/a`, or a unit without an SI prefix rule).
pub(super) fn si_unit(bids: &str) -> Option<String> {
    let unit = bids.trim();
    let strip = |base: &str| {
        let prefix = unit.strip_suffix(base)?;
        matches!(prefix, "" | "µ" | "u" | "μ" | "m" | "n" | "p" | "f" | "k").then(|| base.into())
    };
    strip("V")
        .or_else(|| (unit.ends_with("T/m") || unit.ends_with("T/cm")).then(|| "T/m".into()))
        .or_else(|| strip("T"))
}

/// The rows of an `events.tsv` as markers: text from `trial_type`, else `value`.
pub(super) fn events(path: &Path, rows: &[BTreeMap<String, String>]) -> Result<Vec<Annotation>> {
    let mut events = Vec::new();
    for (i, row) in rows.iter().enumerate() {
        let number = |column: &str| -> Result<Option<f64>> {
            match cell(row, column) {
                None => Ok(None),
                Some(v) => v
                    .parse::<f64>()
                    .ok()
                    .filter(|x| x.is_finite())
                    .map(Some)
                    .ok_or_else(|| HostError::Scenario {
                        path: path.to_path_buf(),
                        message: format!("row {}: {column} {} is not a number", i + 2, quote(v)),
                    }),
            }
        };
        let Some(onset) = number("onset")? else {
            continue;
        };
        let text = cell(row, "trial_type")
            .or_else(|| cell(row, "value"))
            .unwrap_or("n/a");
        events.push(Annotation::new(
            onset,
            number("duration")?.unwrap_or(0.0),
            text,
        ));
    }
    Ok(events)
}

/// The `acq_time` of the file `name` (as `scans.tsv` writes it) in `scans`, as seconds
/// since 1970 (the zone is ignored: only differences are used).
pub(super) fn acquisition_time(scans: &Path, name: &str) -> Result<Option<f64>> {
    let rows = read_tsv(scans)?;
    let row = rows.iter().find(|r| cell(r, "filename") == Some(name));
    Ok(row
        .and_then(|r| cell(r, "acq_time"))
        .and_then(parse_datetime))
}

/// `YYYY-MM-DDThh:mm:ss[.ffffff][Z|±hh:mm]` as seconds since 1970 (the zone is ignored).
pub(super) fn parse_datetime(text: &str) -> Option<f64> {
    let (date, time) = text.split_once('T')?;
    let mut ymd = date.splitn(3, '-').map(|p| p.parse::<i64>().ok());
    let (y, mo, d) = (ymd.next()??, ymd.next()??, ymd.next()??);
    let time = time.trim_end_matches('Z');
    let time = time.split(['+']).next()?;
    let time = match time.rfind('-') {
        Some(i) if i > 5 => &time[..i],
        _ => time,
    };
    let mut hms = time.splitn(3, ':');
    let h: f64 = hms.next()?.parse().ok()?;
    let mi: f64 = hms.next()?.parse().ok()?;
    let s: f64 = hms.next()?.parse().ok()?;
    let days = days_from_civil(y, mo, d) as f64;
    Some(days * 86_400.0 + h * 3600.0 + mi * 60.0 + s)
}
