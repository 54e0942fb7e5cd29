//! What each column of a table is: a channel (with its label, kind, unit and scale to SI),
//! the time column, the marker column, or ignored.
//!
//! Plain CSV/TSV: every column plays except the time and marker columns and columns
//! without a name. OpenBCI GUI recordings: the `EXG Channel N` columns (µV, published in
//! V) and `Accel Channel N` columns (g, published in m/s²) play; `Marker Channel` holds
//! markers; the rest (sample index, timestamps, digital and analog pins) does not play.

use super::table::Table;
use crate::units::{kind_of, voltage_scale};
use player_api::{quote, ChannelInfo};

/// Names (case-insensitive, unit suffix removed) recognized as a time column in seconds.
const TIME_NAMES: [&str; 9] = [
    "time",
    "times",
    "t",
    "timestamp",
    "timestamps",
    "time_s",
    "seconds",
    "sec",
    "secs",
];

/// Names recognized as a time column in milliseconds.
const TIME_MS_NAMES: [&str; 3] = ["time_ms", "ms", "timestamp_ms"];

/// Names (case-insensitive) recognized as a marker column.
const MARKER_NAMES: [&str; 6] = [
    "marker",
    "markers",
    "event",
    "events",
    "annotation",
    "annotations",
];

/// Standard gravity: OpenBCI's accelerometer values are in g.
const STANDARD_GRAVITY: f64 = 9.806_65;

/// A column that plays.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct ChannelColumn {
    /// 0-based position in a row.
    pub column: usize,
    /// The factor to SI units, when the file's unit is not SI.
    pub scale: Option<f64>,
}

/// The column that gives each row's time.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct TimeColumn {
    pub column: usize,
    pub name: String,
    /// Seconds per unit of the column (1 for seconds, 1e-3 for milliseconds).
    pub seconds: f64,
}

/// The roles of a table's columns.
#[derive(Debug, Clone)]
pub(crate) struct Columns {
    pub channels: Vec<ChannelColumn>,
    pub infos: Vec<ChannelInfo>,
    pub time: Option<TimeColumn>,
    pub marker: Option<usize>,
    /// OpenBCI: the `Timestamp` column (Unix seconds), for the measurement date.
    pub unix_time: Option<usize>,
    /// Names of the columns that do not play.
    pub ignored: Vec<String>,
}

/// The user's choices about columns (reader options).
#[derive(Debug, Clone, Default)]
pub(crate) struct ColumnOptions {
    /// `time_column`: a name, or `none` for no time column.
    pub time_column: Option<String>,
    /// `marker_column`: a name, or `none` for no marker column.
    pub marker_column: Option<String>,
    /// `unit`: the unit of the columns that do not name theirs.
    pub unit: Option<String>,
}

/// `Fp1 (uV)` and `Fp1 [uV]` -> (`Fp1`, `uV`); other names as they are.
pub(crate) fn split_unit(name: &str) -> (&str, Option<&str>) {
    let name = name.trim();
    for (open, close) in [('(', ')'), ('[', ']')] {
        if let Some(inner) = name.strip_suffix(close) {
            if let Some(at) = inner.rfind(open) {
                let label = inner[..at].trim();
                let unit = inner[at + 1..].trim();
                if !label.is_empty() && !unit.is_empty() {
                    return (label, Some(unit));
                }
            }
        }
    }
    (name, None)
}

/// Up to five names, quoted, for a message.
pub(crate) fn list_names(table: &Table) -> String {
    let names = &table.names;
    let shown: Vec<String> = names.iter().take(5).map(|n| table.show(n)).collect();
    let more = names.len().saturating_sub(5);
    if more > 0 {
        format!("{} and {more} more", shown.join(", "))
    } else {
        shown.join(", ")
    }
}

/// Finds the column named `wanted` (case-insensitive, with or without its unit suffix).
fn find(table: &Table, wanted: &str, option: &str) -> Result<usize, String> {
    let w = wanted.trim();
    table
        .names
        .iter()
        .position(|n| n.trim().eq_ignore_ascii_case(w) || split_unit(n).0.eq_ignore_ascii_case(w))
        .ok_or_else(|| {
            format!(
                "the csv reader's option {option} names the column {}, which the header does not have (it has {})",
                quote(wanted),
                list_names(table)
            )
        })
}

/// The column named by `option`, or the first whose name `recognize`s, unless the option
/// says `none`.
fn pick(
    table: &Table,
    option: Option<&str>,
    key: &str,
    recognize: impl Fn(&str) -> bool,
) -> Result<Option<usize>, String> {
    match option {
        Some(n) if n.eq_ignore_ascii_case("none") => Ok(None),
        Some(n) => find(table, n, key).map(Some),
        None => Ok(table.names.iter().position(|n| recognize(n))),
    }
}

fn time_seconds(name: &str) -> Option<f64> {
    let (label, unit) = split_unit(name);
    let label = label.to_ascii_lowercase();
    match unit.map(str::to_ascii_lowercase).as_deref() {
        Some("s") | Some("sec") | Some("seconds") => Some(1.0),
        Some("ms") => Some(1e-3),
        Some("us") | Some("\u{b5}s") | Some("\u{3bc}s") => Some(1e-6),
        Some(_) => None,
        None if TIME_MS_NAMES.contains(&label.as_str()) => Some(1e-3),
        None => Some(1.0),
    }
}

fn is_time_name(name: &str) -> bool {
    let label = split_unit(name).0.to_ascii_lowercase();
    (TIME_NAMES.contains(&label.as_str()) || TIME_MS_NAMES.contains(&label.as_str()))
        && time_seconds(name).is_some()
}

fn is_marker_name(name: &str) -> bool {
    MARKER_NAMES.contains(&name.trim().to_ascii_lowercase().as_str())
}

/// A channel with the unit `unit` (the column's own, or the option's): voltages in V with
/// a kind from the label, anything else as written, kind `misc`.
fn channel(label: &str, column: usize, unit: Option<&str>) -> (ChannelColumn, ChannelInfo) {
    let (kind, si, scale) = match unit {
        Some(u) => match voltage_scale(u) {
            Some(s) => (kind_of(label), "V".to_string(), Some(s)),
            None => ("misc", u.to_string(), None),
        },
        None => ("misc", String::new(), None),
    };
    let mut info = ChannelInfo::new(label, kind, si).with_extra("column", (column + 1).to_string());
    if let Some(u) = unit {
        info = info.with_extra("unit_in_file", u);
    }
    (ChannelColumn { column, scale }, info)
}

/// The roles of a plain CSV/TSV table's columns.
pub(crate) fn plain_columns(table: &Table, options: &ColumnOptions) -> Result<Columns, String> {
    let names = &table.names;
    let time = pick(
        table,
        options.time_column.as_deref(),
        "time_column",
        is_time_name,
    )?;
    let time = match time {
        None => None,
        Some(column) => {
            let name = names[column].clone();
            let seconds = time_seconds(&name).ok_or_else(|| {
                format!(
                    "the time column {} has a unit that is not a time (s, ms or us)",
                    table.show(&name)
                )
            })?;
            Some(TimeColumn {
                column,
                name,
                seconds,
            })
        }
    };
    let marker = pick(
        table,
        options.marker_column.as_deref(),
        "marker_column",
        is_marker_name,
    )?;
    if marker.is_some() && marker == time.as_ref().map(|t| t.column) {
        return Err("the time column cannot also be the marker column".into());
    }
    let mut columns = Columns {
        channels: Vec::new(),
        infos: Vec::new(),
        time,
        marker,
        unix_time: None,
        ignored: Vec::new(),
    };
    for (column, name) in names.iter().enumerate() {
        let special = Some(column) == columns.marker
            || Some(column) == columns.time.as_ref().map(|t| t.column);
        if special {
            continue;
        }
        if name.trim().is_empty() {
            columns.ignored.push(format!("column {}", column + 1));
            continue;
        }
        let (label, unit) = split_unit(name);
        let (c, info) = channel(label, column, unit.or(options.unit.as_deref()));
        columns.channels.push(c);
        columns.infos.push(info);
    }
    if columns.channels.is_empty() {
        return Err(format!(
            "no column holds data: the columns are {}",
            list_names(table)
        ));
    }
    Ok(columns)
}

/// The roles of an OpenBCI GUI recording's columns: by name from its header row (GUI
/// version 5 and later), or by position (`channels` EXG columns after the sample index,
/// then three accelerometer columns) when it has none (earlier versions).
pub(crate) fn openbci_columns(table: &Table, channels: Option<usize>) -> Result<Columns, String> {
    let mut columns = Columns {
        channels: Vec::new(),
        infos: Vec::new(),
        time: None,
        marker: None,
        unix_time: None,
        ignored: Vec::new(),
    };
    let mut add = |column: usize, label: String, exg: bool| {
        let (kind, unit, scale) = if exg {
            ("eeg", "V", 1e-6)
        } else {
            ("misc", "m/s^2", STANDARD_GRAVITY)
        };
        let unit_in_file = if exg { "uV" } else { "g" };
        columns.channels.push(ChannelColumn {
            column,
            scale: Some(scale),
        });
        columns.infos.push(
            ChannelInfo::new(label, kind, unit)
                .with_extra("column", (column + 1).to_string())
                .with_extra("unit_in_file", unit_in_file),
        );
    };
    if table.has_header {
        for (column, name) in table.names.iter().enumerate() {
            let lower = name.trim().to_ascii_lowercase();
            if lower.starts_with("exg channel") {
                add(column, name.trim().to_string(), true);
            } else if lower.starts_with("accel channel") {
                add(column, name.trim().to_string(), false);
            } else if lower == "marker channel" {
                columns.marker = Some(column);
            } else {
                if lower == "timestamp" {
                    columns.unix_time = Some(column);
                }
                columns.ignored.push(name.trim().to_string());
            }
        }
    } else {
        let n = channels.ok_or(
            "this OpenBCI recording has no header row, and no %Number of channels line to say which columns are channels",
        )?;
        if table.width < n + 1 {
            return Err(format!(
                "the %Number of channels line says {n}, but the rows have {} fields (a sample index, then the channels)",
                table.width
            ));
        }
        for k in 0..n {
            add(k + 1, format!("EXG Channel {k}"), true);
        }
        if table.width >= n + 4 {
            for k in 0..3 {
                add(n + 1 + k, format!("Accel Channel {k}"), false);
            }
        }
    }
    if columns.channels.is_empty() {
        return Err(format!(
            "no EXG Channel or Accel Channel column: the columns are {}",
            list_names(table)
        ));
    }
    Ok(columns)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_in_names() {
        assert_eq!(split_unit("Fp1 (uV)"), ("Fp1", Some("uV")));
        assert_eq!(split_unit("Fp1[µV]"), ("Fp1", Some("µV")));
        assert_eq!(split_unit("(x)"), ("(x)", None));
        assert_eq!(split_unit("Cz"), ("Cz", None));
        assert!(is_time_name("Time (s)"));
        assert!(is_time_name("time_ms"));
        assert!(!is_time_name("Time (V)"));
        assert_eq!(time_seconds("time (ms)"), Some(1e-3));
        assert!(is_marker_name(" Events "));
    }
}
