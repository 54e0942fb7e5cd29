//! The one pass over the rows at open time: how many rows there are, where every
//! [`INDEX_STEP`]th row starts (the row index that seeks use), the markers, and what the
//! time column says about the rate. Data cells are parsed later, by the sources; here
//! each is only looked at (its first character), so that a column of text is refused at
//! open.

use super::columns::{Columns, TimeColumn};
use super::rows::{Row, RowReader};
use super::table::Table;
use player_api::io::SourceFile;
use player_api::ReadError;
use std::path::Path;

/// One entry of the row index every this many rows.
pub(crate) const INDEX_STEP: u64 = 1024;

/// Where row `k × INDEX_STEP` starts: its byte offset and line number.
pub(crate) type Checkpoint = (u64, u64);

/// What the time column says (when the rate comes from it).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct TimeStats {
    pub first: f64,
    pub last: f64,
    /// The smallest and largest difference between consecutive times, in seconds.
    pub min_step: f64,
    pub max_step: f64,
    /// The most digits after the decimal point in any time as written (`None` when a
    /// time is written with an exponent).
    pub decimals: Option<u32>,
    /// The time of every [`INDEX_STEP`]th row, in seconds.
    pub checkpoints: Vec<f64>,
}

/// What the pass found.
#[derive(Debug, Clone)]
pub(crate) struct Scan {
    pub rows: u64,
    pub index: Vec<Checkpoint>,
    /// (row, text) of every marker, in row order.
    pub markers: Vec<(u64, String)>,
    pub times: Option<TimeStats>,
    /// OpenBCI: the first row's Unix time, in seconds.
    pub unix_start: Option<f64>,
}

/// The text of a field (invalid UTF-8 replaced), trimmed.
pub(crate) fn field_text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).trim().to_string()
}

/// A number as written in a cell: empty means NaN (a missing value, as pandas writes it).
pub(crate) fn parse_number(bytes: &[u8]) -> Option<f64> {
    let text = std::str::from_utf8(bytes).ok()?.trim();
    if text.is_empty() {
        return Some(f64::NAN);
    }
    text.parse::<f64>().ok()
}

/// The error for cell `column` of `row` that is not a number.
pub(crate) fn not_a_number(
    path: &Path,
    table: &Table,
    row: &Row<'_>,
    column: usize,
    what: &str,
) -> ReadError {
    let text = row.fields.get(column).map(field_text).unwrap_or_default();
    let name = table
        .names
        .get(column)
        .map_or(String::new(), |n| table.show(n));
    ReadError::malformed(format!(
        "line {}, column {} {name}: {} is not a number{what}",
        row.line,
        column + 1,
        table.show(&text)
    ))
    .at_offset(row.offset)
    .in_file(path)
}

/// Digits after the decimal point of a number as written; `None` with an exponent.
fn decimals(bytes: &[u8]) -> Option<u32> {
    if bytes.iter().any(|&b| b == b'e' || b == b'E') {
        return None;
    }
    Some(match bytes.iter().position(|&b| b == b'.') {
        Some(dot) => bytes[dot + 1..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count() as u32,
        None => 0,
    })
}

/// Reads every row once. `time`: the time column, when the rate comes from it.
pub(crate) fn scan(
    file: &SourceFile,
    table: &Table,
    columns: &Columns,
    time: Option<&TimeColumn>,
) -> Result<Scan, ReadError> {
    let mut rows = RowReader::new(
        file.reopen()?,
        table.data_offset,
        table.data_line,
        table.delimiter,
        table.gzip,
    );
    let mut out = Scan {
        rows: 0,
        index: Vec::new(),
        markers: Vec::new(),
        times: None,
        unix_start: None,
    };
    while let Some(row) = rows.next_row()? {
        let k = out.rows;
        if row.fields.len() != table.width {
            return Err(file.malformed(
                row.offset,
                format!(
                    "line {} has {} fields, but the {} has {}",
                    row.line,
                    row.fields.len(),
                    if table.has_header {
                        "header row"
                    } else {
                        "first row"
                    },
                    table.width
                ),
            ));
        }
        if k % INDEX_STEP == 0 {
            out.index.push((row.offset, row.line));
        }
        check_cells(file, table, columns, &row)?;
        if k == 0 {
            out.unix_start = columns
                .unix_time
                .and_then(|c| row.fields.get(c).and_then(parse_number))
                .filter(|t| t.is_finite());
        }
        if let Some(tc) = time {
            add_time(file, table, tc, &row, k, &mut out.times)?;
        }
        if let Some(c) = columns.marker {
            let text = row.fields.get(c).map(field_text).unwrap_or_default();
            let zero = text.parse::<f64>().is_ok_and(|v| v == 0.0);
            if !text.is_empty() && !zero {
                out.markers.push((k, text));
            }
        }
        out.rows += 1;
    }
    Ok(out)
}

/// Whether a cell may hold a number (a cheap look at its first character; the sources
/// parse it): empty, a digit, a sign, a point, or `nan`/`inf`.
fn looks_numeric(bytes: &[u8]) -> bool {
    match bytes.first() {
        None => true,
        Some(b) if b.is_ascii_digit() || matches!(b, b'+' | b'-' | b'.') => true,
        Some(_) => {
            let head: Vec<u8> = bytes.iter().take(3).map(u8::to_ascii_lowercase).collect();
            head == b"nan" || head == b"inf"
        }
    }
}

/// Every data cell must look like a number: a column of text is refused at open, with
/// the way out (name it as the marker column).
fn check_cells(
    file: &SourceFile,
    table: &Table,
    columns: &Columns,
    row: &Row<'_>,
) -> Result<(), ReadError> {
    for c in &columns.channels {
        let bytes = row.fields.get(c.column).unwrap_or_default();
        if !looks_numeric(bytes) {
            return Err(not_a_number(
                file.path(),
                table,
                row,
                c.column,
                " (a column of text plays as markers when named by reader_options {marker_column: NAME})",
            ));
        }
    }
    Ok(())
}

/// Adds row `k`'s time to the statistics.
fn add_time(
    file: &SourceFile,
    table: &Table,
    tc: &TimeColumn,
    row: &Row<'_>,
    k: u64,
    stats: &mut Option<TimeStats>,
) -> Result<(), ReadError> {
    let bytes = row.fields.get(tc.column).unwrap_or_default();
    let t = parse_number(bytes)
        .filter(|t| t.is_finite())
        .ok_or_else(|| not_a_number(file.path(), table, row, tc.column, " (in the time column)"))?
        * tc.seconds;
    let written = decimals(bytes);
    let s = stats.get_or_insert(TimeStats {
        first: t,
        last: t,
        min_step: f64::INFINITY,
        max_step: f64::NEG_INFINITY,
        decimals: written,
        checkpoints: Vec::new(),
    });
    if k > 0 {
        let step = t - s.last;
        if step <= 0.0 {
            return Err(file.malformed(
                row.offset,
                format!(
                    "line {}: the time column {} goes {} ({} s after {} s): a rate cannot be measured; give it with reader_options {{rate: HZ}}",
                    row.line,
                    table.show(&tc.name),
                    if step < 0.0 { "backwards" } else { "nowhere" },
                    t,
                    s.last
                ),
            ));
        }
        s.min_step = s.min_step.min(step);
        s.max_step = s.max_step.max(step);
    }
    s.decimals = match (s.decimals, written) {
        (Some(a), Some(b)) => Some(a.max(b)),
        _ => None,
    };
    if k % INDEX_STEP == 0 {
        s.checkpoints.push(t);
    }
    s.last = t;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_their_decimals() {
        assert_eq!(parse_number(b" 1.5 "), Some(1.5));
        assert!(parse_number(b"").is_some_and(f64::is_nan));
        assert_eq!(parse_number(b"1.0E-4"), Some(1e-4));
        assert_eq!(parse_number(b"abc"), None);
        assert_eq!(decimals(b"0.004"), Some(3));
        assert_eq!(decimals(b"12"), Some(0));
        assert_eq!(decimals(b"1.5e-3"), None);
        for yes in [&b""[..], b"-1", b".5", b"NaN", b"inf", b"+2"] {
            assert!(looks_numeric(yes));
        }
        assert!(!looks_numeric(b"stim") && !looks_numeric(b"n"));
    }
}
