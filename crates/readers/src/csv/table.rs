//! The shape of a delimited text file: where the rows start, the delimiter, the column
//! names; and the OpenBCI GUI's `%` header lines when the file is one of its recordings.
//!
//! Vocabulary: a *row* is one record of data (a frame); a *line* is a line of the file
//! (1-based, as editors count them); a *column* is a field position in every row.

use super::rows::RowReader;
use super::text;
use player_api::io::SourceFile;
use player_api::{quote, ReadError};

/// How many bytes of `%` header lines an OpenBCI file may have before its rows.
const MAX_PREAMBLE: u64 = 64 * 1024;

/// The first line of an OpenBCI GUI recording, version 5 and later.
pub(crate) const OPENBCI_EXG: &[u8] = b"%OpenBCI Raw EXG Data";
/// The first line of an OpenBCI GUI recording before version 5.
pub(crate) const OPENBCI_EEG: &[u8] = b"%OpenBCI Raw EEG Data";

/// What the file's first lines say.
#[derive(Debug, Clone)]
pub(crate) struct Table {
    /// The field delimiter.
    pub delimiter: u8,
    /// Fields per row.
    pub width: usize,
    /// The column names (from the header row, or made up when there is none).
    pub names: Vec<String>,
    /// Whether the file has a header row.
    pub has_header: bool,
    /// Whether the file is gzip-compressed (offsets are then text offsets: see `text`).
    pub gzip: bool,
    /// Byte offset and line number of the first data row.
    pub data_offset: u64,
    pub data_line: u64,
    /// The OpenBCI GUI's `%` lines, as (key, value), when the file is one of its
    /// recordings.
    pub openbci: Option<Vec<(String, String)>>,
    /// Whether the file says it is a table (an OpenBCI first line, a `.csv` or `.tsv`
    /// name): only then do messages quote its content (column names, cells), so that a
    /// file given to this reader by mistake (`--reader csv` on any text) is never echoed.
    pub trusted: bool,
}

impl Table {
    /// `text` (a column name, a cell) for a message: quoted when the file is trusted,
    /// else `"…"`.
    pub(crate) fn show(&self, text: &str) -> String {
        if self.trusted {
            quote(text)
        } else {
            "\"…\"".to_string()
        }
    }
}

/// Whether `header` (a file's first bytes) starts like an OpenBCI GUI recording.
pub(crate) fn looks_like_openbci(header: &[u8]) -> bool {
    let text = header.strip_prefix(b"\xef\xbb\xbf").unwrap_or(header);
    text.starts_with(OPENBCI_EXG) || text.starts_with(OPENBCI_EEG)
}

/// The delimiter named by the `delimiter` option: one ASCII character, or `tab`.
pub(crate) fn parse_delimiter(text: &str) -> Result<u8, String> {
    match text {
        "tab" | "\\t" | "\t" => Ok(b'\t'),
        "space" | " " => Ok(b' '),
        t if t.len() == 1 && t.is_ascii() && !matches!(t, "\"" | "\n" | "\r") => {
            Ok(t.as_bytes()[0])
        }
        t => Err(format!(
            "the csv reader's option delimiter is one character (\",\", \";\", \"|\") or \"tab\", not {}",
            quote(t)
        )),
    }
}

/// Whether the first row is a header row (the `header` option).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub(crate) enum Header {
    /// When any of its fields is not a number.
    #[default]
    Guess,
    /// Always (`header: row`).
    Row,
    /// Never: the first row is data (`header: none`).
    None,
}

/// What is known of a file before its first lines are read.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Shape {
    /// The user's delimiter, else guessed from the header line (`.tsv`: tab).
    pub delimiter: Option<u8>,
    /// Named `*.tsv` (or `*.tsv.gz`).
    pub tsv: bool,
    /// Named as a table (`*.csv`, `*.tsv`, compressed or not).
    pub named_table: bool,
    pub gzip: bool,
    pub header: Header,
}

/// Reads the `%` preamble (OpenBCI) and the header row of `file`.
pub(crate) fn read_table(file: &SourceFile, shape: Shape) -> Result<Table, ReadError> {
    let Shape {
        delimiter,
        tsv,
        named_table,
        gzip,
        header,
    } = shape;
    let head = text::head(file, gzip, MAX_PREAMBLE)?;
    let bom = if head.starts_with(b"\xef\xbb\xbf") {
        3
    } else {
        0
    };
    let openbci = looks_like_openbci(&head);
    let (preamble, start, start_line) = if openbci {
        preamble(&head, bom, file)?
    } else {
        (Vec::new(), bom as u64, 1)
    };
    let first_line = line_at(&head, start as usize);
    let delimiter = match delimiter {
        Some(d) => d,
        None if openbci => b',',
        None if tsv => b'\t',
        None => guess_delimiter(first_line),
    };
    let mut rows = RowReader::new(file.reopen()?, start, start_line, delimiter, gzip);
    let first = rows.next_row()?.ok_or_else(|| {
        ReadError::malformed("the file has no rows (a header row of channel names, then data rows)")
            .at_offset(start)
            .in_file(file.path())
    })?;
    let fields: Vec<String> = first
        .fields
        .iter()
        .map(|f| String::from_utf8_lossy(f).trim().to_string())
        .collect();
    let (first_offset, first_line) = (first.offset, first.line);
    // A header row has at least one field that is not a number; a first row of numbers
    // is data. OpenBCI rows hold formatted times: there, the first field decides (GUI
    // version 4 and earlier wrote no header row).
    let is_text = |f: &String| !f.is_empty() && f.parse::<f64>().is_err();
    let has_header = match header {
        _ if openbci => fields.first().is_some_and(is_text),
        Header::Guess => fields.iter().any(is_text),
        Header::Row => true,
        Header::None => false,
    };
    let (names, data_offset, data_line) = if has_header {
        let after = rows.next_offset();
        (fields.clone(), after.0, after.1)
    } else {
        let names = (1..=fields.len()).map(|i| format!("ch{i}")).collect();
        (names, first_offset, first_line)
    };
    Ok(Table {
        delimiter,
        width: fields.len(),
        names,
        has_header,
        gzip,
        data_offset,
        data_line,
        openbci: openbci.then_some(preamble),
        trusted: openbci || named_table,
    })
}

/// The `%Key = Value` lines at the start of an OpenBCI file: (their pairs, the byte
/// offset and line number of the first line after them).
#[allow(clippy::type_complexity)]
fn preamble(
    head: &[u8],
    bom: usize,
    file: &SourceFile,
) -> Result<(Vec<(String, String)>, u64, u64), ReadError> {
    let mut pairs = Vec::new();
    let mut at = bom;
    let mut line = 1u64;
    while head.get(at) == Some(&b'%') {
        let text = line_at(head, at);
        let Some(end) = head[at..].iter().position(|&b| b == b'\n') else {
            return Err(ReadError::malformed(format!(
                "the OpenBCI header (the lines starting with %) is longer than {} KiB or has no data after it",
                MAX_PREAMBLE / 1024
            ))
            .at_offset(at as u64)
            .in_file(file.path()));
        };
        let text = String::from_utf8_lossy(text);
        let body = text.trim_start_matches('%').trim();
        if let Some((key, value)) = body.split_once('=') {
            pairs.push((key_name(key), value.trim().to_string()));
        }
        at += end + 1;
        line += 1;
    }
    Ok((pairs, at as u64, line))
}

/// `Number of channels` -> `number_of_channels`.
fn key_name(key: &str) -> String {
    key.split_whitespace()
        .map(str::to_ascii_lowercase)
        .collect::<Vec<_>>()
        .join("_")
}

/// The line starting at `at` (without its terminator).
fn line_at(head: &[u8], at: usize) -> &[u8] {
    let rest = head.get(at..).unwrap_or(&[]);
    let end = rest
        .iter()
        .position(|&b| b == b'\n' || b == b'\r')
        .unwrap_or(rest.len());
    &rest[..end]
}

/// The most frequent of tab, comma and semicolon outside double quotes in `line`
/// (comma when none occurs).
fn guess_delimiter(line: &[u8]) -> u8 {
    let mut counts = [(b'\t', 0usize), (b',', 0), (b';', 0)];
    let mut quoted = false;
    for &b in line {
        if b == b'"' {
            quoted = !quoted;
        } else if !quoted {
            for (d, n) in counts.iter_mut() {
                if *d == b {
                    *n += 1;
                }
            }
        }
    }
    counts
        .iter()
        .max_by_key(|(d, n)| (*n, *d == b','))
        .filter(|(_, n)| *n > 0)
        .map_or(b',', |(d, _)| *d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delimiters_are_guessed_outside_quotes() {
        assert_eq!(guess_delimiter(b"a\tb\tc"), b'\t');
        assert_eq!(guess_delimiter(b"a;b;\"c,d,e,f\""), b';');
        assert_eq!(guess_delimiter(b"abc"), b',');
        assert_eq!(guess_delimiter(b"a,b;c"), b',');
        assert_eq!(parse_delimiter("tab"), Ok(b'\t'));
        assert!(parse_delimiter("ab").is_err());
        assert_eq!(key_name(" Sample  Rate "), "sample_rate");
    }
}
