//! CSV/TSV tables and OpenBCI GUI recordings (`OpenBCI-RAW-*.txt`): one regular stream of
//! the numeric columns, markers from a marker column.
//!
//! * Plain CSV/TSV: a header row of channel names (units in the name, `Fp1 (uV)`, are
//!   read), then one row per frame. The rate comes from `reader_options: {rate: HZ}` or a
//!   time column (`time_column: NAME`, or one named `time`, `timestamp`, ...), whose
//!   regularity is checked (`timing`). A marker column (`marker_column: NAME`, or one
//!   named `marker`, `event`, ...) gives a marker at every row where it is not empty or 0.
//! * OpenBCI GUI recordings, recognized by their first line (`%OpenBCI Raw EXG Data`, or
//!   `%OpenBCI Raw EEG Data` before GUI 5): the rate from `%Sample Rate`, the `EXG
//!   Channel N` columns in µV (published in V), the `Accel Channel N` columns in g
//!   (published in m/s²), markers from `Marker Channel` (see `columns`).
//!
//! * Gzip-compressed tables (`*.tsv.gz`, as BIDS stores physiological recordings),
//!   recognized by their magic bytes and decompressed as they are read (`text`); a table
//!   without a header row is named by `reader_options: {columns: "a (mV), b", header:
//!   none}`.
//!
//! Streaming: opening reads every row once (`scan`: row count, the row index, markers,
//! the time column); sources parse rows as they read them and seek through the row index
//! (see `source`). See `docs/readers/csv.md`.

mod columns;
mod rows;
mod scan;
mod source;
mod table;
mod text;
mod timing;

use columns::{list_names, openbci_columns, plain_columns, ColumnOptions, Columns};
use player_api::io::SourceFile;
use player_api::{
    quote, Annotation, Metadata, OpenOptions, ReadError, ReaderInfo, ReaderPlugin, Recording,
    RecordingInfo, SampleFormat, SampleSource, Signature, StreamInfo,
};
use scan::{scan, Scan};
use source::{CsvSource, Shared};
use std::path::Path;
use std::sync::Arc;
use table::{parse_delimiter, read_table, Header, Shape, Table, OPENBCI_EEG, OPENBCI_EXG};

/// The built-in reader of CSV/TSV tables and OpenBCI GUI recordings.
#[derive(Debug, Clone, Copy, Default)]
pub struct CsvReader;

player_api::inventory::submit! { player_api::Registration::new(&CsvReader) }

/// What the csv reader is: extensions `csv` and `tsv`; OpenBCI GUI recordings (any
/// extension, usually `.txt`) by their first line.
pub static INFO: ReaderInfo = ReaderInfo::new(
    "csv",
    "CSV/TSV tables (a header row of channel names; rate from an option or a time column) and OpenBCI GUI recordings",
    env!("CARGO_PKG_VERSION"),
    &["csv", "tsv"],
    &[
        Signature::at(0, OPENBCI_EXG),
        Signature::at(0, OPENBCI_EEG),
        Signature::at(3, OPENBCI_EXG),
        Signature::at(3, OPENBCI_EEG),
    ],
);

/// The reader options it takes.
const OPTIONS: [&str; 7] = [
    "rate",
    "time_column",
    "marker_column",
    "delimiter",
    "unit",
    "header",
    "columns",
];

/// The reader options, parsed.
#[derive(Debug, Clone, Default)]
struct CsvOptions {
    rate: Option<f64>,
    delimiter: Option<u8>,
    header: Header,
    /// The column names given by the `columns` option.
    names: Option<Vec<String>>,
    columns: ColumnOptions,
}

impl CsvOptions {
    fn parse(options: &OpenOptions) -> Result<Self, String> {
        let get = |k: &str| options.reader_options.get(k).cloned();
        let rate = match get("rate") {
            None => None,
            Some(text) => match text.trim().parse::<f64>() {
                Ok(r) if r.is_finite() && r > 0.0 => Some(r),
                _ => {
                    return Err(format!(
                        "the csv reader's option rate is a number of Hz above 0, not {}",
                        quote(&text)
                    ))
                }
            },
        };
        let delimiter = get("delimiter").map(|d| parse_delimiter(&d)).transpose()?;
        let header = match get("header").as_deref().map(str::trim) {
            None => Header::Guess,
            Some("row") => Header::Row,
            Some("none") => Header::None,
            Some(other) => {
                return Err(format!(
                    "the csv reader's option header is row (the first row names the columns) or none (it is data), not {}",
                    quote(other)
                ))
            }
        };
        let names = get("columns").map(|c| parse_names(&c)).transpose()?;
        Ok(CsvOptions {
            rate,
            delimiter,
            header,
            names,
            columns: ColumnOptions {
                time_column: get("time_column"),
                marker_column: get("marker_column"),
                unit: get("unit"),
            },
        })
    }
}

impl ReaderPlugin for CsvReader {
    fn info(&self) -> &ReaderInfo {
        &INFO
    }

    /// Options: `rate` (Hz), `time_column` (a name, or `none`), `marker_column` (a name,
    /// or `none`), `delimiter` (one character or `tab`), `unit` (of the columns that do
    /// not name theirs); see `docs/readers/csv.md`.
    fn open(&self, path: &Path, options: &OpenOptions) -> Result<Box<dyn Recording>, ReadError> {
        options
            .expect_only(INFO.id(), &OPTIONS)
            .map_err(|e| e.in_file(path))?;
        let options =
            CsvOptions::parse(options).map_err(|m| ReadError::invalid_argument(m).in_file(path))?;
        Ok(Box::new(CsvRecording::open(path, &options)?))
    }
}

/// The names of the `columns` option: comma-separated, quoted as in a CSV row when a
/// name holds a comma.
fn parse_names(text: &str) -> Result<Vec<String>, String> {
    let mut reader = ::csv::ReaderBuilder::new()
        .has_headers(false)
        .trim(::csv::Trim::All)
        .from_reader(text.as_bytes());
    let mut record = ::csv::StringRecord::new();
    let bad = || {
        format!(
            "the csv reader's option columns is the column names separated by commas (\"cardiac (mV), respiratory\"), not {}",
            quote(text)
        )
    };
    match reader.read_record(&mut record) {
        Ok(true) if record.iter().any(|n| !n.is_empty()) => {}
        _ => return Err(bad()),
    }
    if reader
        .read_record(&mut ::csv::StringRecord::new())
        .unwrap_or(true)
    {
        return Err(bad());
    }
    Ok(record.iter().map(String::from).collect())
}

/// The extension that says what a table is, lowercase: `tsv` for `a.tsv` and `a.tsv.gz`.
fn table_extension(path: &Path) -> Option<String> {
    let lower = |p: &Path| {
        p.extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
    };
    match lower(path).as_deref() {
        Some("gz") => path.file_stem().and_then(|s| lower(Path::new(s))),
        _ => lower(path),
    }
}

/// An opened table.
#[derive(Debug)]
pub struct CsvRecording {
    info: RecordingInfo,
    file: SourceFile,
    shared: Arc<Shared>,
}

/// Where the rate came from.
#[derive(Debug, Clone, Copy, PartialEq)]
enum RateFrom {
    Option,
    OpenBci,
    TimeColumn,
}

impl CsvRecording {
    fn open(path: &Path, options: &CsvOptions) -> Result<Self, ReadError> {
        let file = SourceFile::open(path)?;
        let extension = table_extension(path);
        let tsv = extension.as_deref() == Some("tsv");
        let shape = Shape {
            delimiter: options.delimiter,
            tsv,
            named_table: tsv || extension.as_deref() == Some("csv"),
            gzip: text::is_gzip(&file)?,
            header: options.header,
        };
        let mut table = read_table(&file, shape)?;
        let invalid = |m: String| ReadError::invalid_argument(m).in_file(path);
        let malformed = |m: String| ReadError::malformed(m).in_file(path);
        if let Some(names) = &options.names {
            if table.openbci.is_none() {
                name_columns(&mut table, names).map_err(invalid)?;
            }
        }
        let (columns, header_rate) = match &table.openbci {
            Some(preamble) => {
                let c = &options.columns;
                let header = options.header != Header::Guess || options.names.is_some();
                if c.time_column.is_some()
                    || c.marker_column.is_some()
                    || c.unit.is_some()
                    || header
                {
                    return Err(invalid(
                        "an OpenBCI recording's columns are fixed: the csv reader's options time_column, marker_column, unit, header and columns are for plain CSV/TSV only".into(),
                    ));
                }
                let value = |key: &str| {
                    preamble
                        .iter()
                        .find(|(k, _)| k == key)
                        .map(|(_, v)| v.as_str())
                };
                let channels = value("number_of_channels").and_then(|v| v.parse().ok());
                let columns = openbci_columns(&table, channels).map_err(malformed)?;
                let rate = value("sample_rate")
                    .map(|v| openbci_rate(v).ok_or(v))
                    .transpose()
                    .map_err(|v| {
                        malformed(format!(
                            "the %Sample Rate line says {}, which is not a rate in Hz",
                            quote(v)
                        ))
                    })?;
                (columns, rate)
            }
            None => (
                plain_columns(&table, &options.columns).map_err(invalid)?,
                None,
            ),
        };
        let from = match (options.rate, header_rate, &columns.time) {
            (Some(_), _, _) => RateFrom::Option,
            (None, Some(_), _) => RateFrom::OpenBci,
            (None, None, Some(_)) => RateFrom::TimeColumn,
            (None, None, None) => {
                return Err(invalid(format!(
                    "no rate: give it with reader_options {{rate: HZ}}, or name the column of times with {{time_column: NAME}} (the columns are {})",
                    list_names(&table)
                )))
            }
        };
        let time = columns
            .time
            .as_ref()
            .filter(|_| from == RateFrom::TimeColumn);
        let scanned = scan(&file, &table, &columns, time)?;
        if scanned.rows == 0 {
            return Err(ReadError::malformed("the file has no data rows")
                .at_offset(table.data_offset)
                .in_file(path));
        }
        let mut metadata = Metadata::new();
        let rate = match (from, options.rate, header_rate, time, &scanned.times) {
            (RateFrom::Option, Some(r), ..) => r,
            (RateFrom::OpenBci, _, Some(r), ..) => r,
            (RateFrom::TimeColumn, _, _, Some(tc), Some(stats)) => {
                let m = timing::rate_from_times(stats, scanned.rows, &table.show(&tc.name))
                    .map_err(|m| ReadError::unsupported(m).in_file(path))?;
                metadata.insert("first_time".into(), stats.first.to_string());
                metadata.insert("measured_rate".into(), m.measured.to_string());
                metadata.insert("time_jitter".into(), m.jitter.to_string());
                m.rate
            }
            _ => return Err(malformed("internal inconsistency: no rate".into())),
        };
        let info = recording_info(&table, &columns, &scanned, rate, from, metadata);
        let shared = Arc::new(Shared {
            path: path.to_path_buf(),
            table,
            channels: columns.channels,
            index: scanned.index,
            rows: scanned.rows,
        });
        Ok(CsvRecording { info, file, shared })
    }
}

/// Names the columns of `table` by the `columns` option (over its header row's names).
fn name_columns(table: &mut Table, names: &[String]) -> Result<(), String> {
    if names.len() != table.width {
        return Err(format!(
            "the csv reader's option columns names {} columns, but the {} has {} fields",
            names.len(),
            if table.has_header {
                "header row"
            } else {
                "first row"
            },
            table.width
        ));
    }
    table.names = names.to_vec();
    Ok(())
}

/// `250 Hz`, `250.0 Hz` -> 250.
fn openbci_rate(text: &str) -> Option<f64> {
    let number = text.split_whitespace().next()?;
    let number = number.strip_suffix("Hz").unwrap_or(number);
    number
        .parse::<f64>()
        .ok()
        .filter(|r| r.is_finite() && *r > 0.0)
}

fn recording_info(
    table: &Table,
    columns: &Columns,
    scanned: &Scan,
    rate: f64,
    from: RateFrom,
    mut m: Metadata,
) -> RecordingInfo {
    let content = crate::units::content_type(&columns.infos);
    let stream = StreamInfo::new("data", content, rate, columns.infos.clone())
        .with_length(scanned.rows)
        .with_sample_format(SampleFormat::Float64);
    let mut info = RecordingInfo::new(vec![stream]);
    info.annotations = scanned
        .markers
        .iter()
        .map(|(row, text)| Annotation::new(*row as f64 / rate, 0.0, text.clone()))
        .collect();
    // A Unix time before 1970 is not a recording date: no date.
    info.meas_date = scanned
        .unix_start
        .filter(|t| *t >= 0.0)
        .and_then(crate::dates::rfc3339_of_unix);
    let format = match (&table.openbci, table.delimiter) {
        (Some(_), _) => "OpenBCI GUI",
        (None, b'\t') => "TSV",
        (None, _) => "CSV",
    };
    m.insert("format".into(), format.into());
    let delimiter = match table.delimiter {
        b'\t' => "tab".to_string(),
        b' ' => "space".to_string(),
        d => char::from(d).to_string(),
    };
    m.insert("delimiter".into(), delimiter);
    m.insert(
        "header_row".into(),
        if table.has_header { "yes" } else { "no" }.into(),
    );
    m.insert("rows".into(), scanned.rows.to_string());
    if table.gzip {
        m.insert("compression".into(), "gzip".into());
    }
    let rate_from = match from {
        RateFrom::Option => "reader_options",
        RateFrom::OpenBci => "%Sample Rate",
        RateFrom::TimeColumn => "time column",
    };
    m.insert("rate_from".into(), rate_from.into());
    if let Some(t) = &columns.time {
        m.insert("time_column".into(), t.name.clone());
    }
    if let Some(c) = columns.marker {
        m.insert("marker_column".into(), table.names[c].clone());
    }
    if !columns.ignored.is_empty() {
        m.insert("ignored_columns".into(), columns.ignored.join(", "));
    }
    for (k, v) in table.openbci.iter().flatten() {
        m.insert(format!("openbci_{k}"), v.clone());
    }
    info.metadata = m;
    info
}

impl Recording for CsvRecording {
    fn info(&self) -> &RecordingInfo {
        &self.info
    }

    fn open_stream(&self, index: usize) -> Result<Box<dyn SampleSource>, ReadError> {
        if index != 0 {
            return Err(ReadError::invalid_argument(format!(
                "stream {index} does not exist (the file has 1 stream)"
            ))
            .in_file(self.file.path()));
        }
        Ok(Box::new(CsvSource::new(
            self.file.reopen()?,
            Arc::clone(&self.shared),
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn openbci_rates() {
        assert_eq!(openbci_rate("250 Hz"), Some(250.0));
        assert_eq!(openbci_rate("250.0 Hz"), Some(250.0));
        assert_eq!(openbci_rate("125Hz"), Some(125.0));
        assert_eq!(openbci_rate("fast"), None);
    }
}
