//! Reading rows from a text offset (see `text`), through the `csv` crate (quoting, line
//! terminators), with each row's text offset and line number in the whole text.

use super::text::{gzip_error, Text};
use player_api::io::SourceFile;
use player_api::ReadError;

/// Bytes the CSV parser reads at a time.
const BUFFER: usize = 64 * 1024;

/// One row as read: its fields (trimmed of spaces), where it starts, and its line.
#[derive(Debug)]
pub(crate) struct Row<'a> {
    pub fields: &'a ::csv::ByteRecord,
    pub offset: u64,
    pub line: u64,
}

/// Rows from a byte offset on.
#[derive(Debug)]
pub(crate) struct RowReader {
    reader: ::csv::Reader<Text>,
    gzip: bool,
    record: ::csv::ByteRecord,
    /// Byte offset and line number of the place the reader started.
    base_offset: u64,
    base_line: u64,
    path: std::path::PathBuf,
}

impl RowReader {
    /// Rows of `file` from text offset `offset`, which is on line `line`, split at
    /// `delimiter` (`gzip`: whether the file is compressed).
    pub(crate) fn new(file: SourceFile, offset: u64, line: u64, delimiter: u8, gzip: bool) -> Self {
        let path = file.path().to_path_buf();
        let reader = ::csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .trim(::csv::Trim::All)
            .delimiter(delimiter)
            .buffer_capacity(BUFFER)
            .from_reader(Text::new(file, offset, gzip));
        RowReader {
            reader,
            gzip,
            record: ::csv::ByteRecord::new(),
            base_offset: offset,
            base_line: line,
            path,
        }
    }

    /// The next row, or `None` at the end of the file.
    pub(crate) fn next_row(&mut self) -> Result<Option<Row<'_>>, ReadError> {
        let (offset, line) = self.next_offset();
        match self.reader.read_byte_record(&mut self.record) {
            Ok(false) => Ok(None),
            Ok(true) => {
                let (offset, line) = match self.record.position() {
                    Some(p) => (
                        self.base_offset + p.byte(),
                        self.base_line + p.line().saturating_sub(1),
                    ),
                    None => (offset, line),
                };
                Ok(Some(Row {
                    fields: &self.record,
                    offset,
                    line,
                }))
            }
            Err(e) => {
                let error = match e.kind() {
                    ::csv::ErrorKind::Io(io) if self.gzip => gzip_error(io),
                    _ => ReadError::malformed(format!("line {line}: {e}")).at_offset(offset),
                };
                Err(error.in_file(&self.path))
            }
        }
    }

    /// Gives the file back.
    pub(crate) fn into_file(self) -> SourceFile {
        self.reader.into_inner().into_file()
    }

    /// The byte offset and line number where the next row starts (after the terminator
    /// of the row read last).
    pub(crate) fn next_offset(&self) -> (u64, u64) {
        let p = self.reader.position();
        (
            self.base_offset + p.byte(),
            self.base_line + p.line().saturating_sub(1),
        )
    }
}
