//! The [`FrameSource`] of a table: reads rows in order from disk and parses the data
//! columns; a seek starts again at the nearest indexed row before the target and skips
//! the rows in between (at most [`INDEX_STEP`] − 1). A compressed table cannot be
//! entered at an indexed row without decompressing what precedes it (see `text`): a seek
//! forward there reads on from where the reader is, a seek backward decompresses from
//! the start.

use super::columns::ChannelColumn;
use super::rows::RowReader;
use super::scan::{not_a_number, parse_number, Checkpoint, INDEX_STEP};
use super::table::Table;
use player_api::io::SourceFile;
use player_api::{FrameSource, ReadError};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// What every source of a recording shares.
#[derive(Debug)]
pub(crate) struct Shared {
    pub path: PathBuf,
    pub table: Table,
    pub channels: Vec<ChannelColumn>,
    pub index: Vec<Checkpoint>,
    pub rows: u64,
}

/// A cursor over the rows.
#[derive(Debug)]
pub(crate) struct CsvSource {
    /// The file, while no reader holds it.
    file: Option<SourceFile>,
    shared: Arc<Shared>,
    position: u64,
    /// The reader and the row it reads next.
    reader: Option<(RowReader, u64)>,
}

impl CsvSource {
    pub(crate) fn new(file: SourceFile, shared: Arc<Shared>) -> Self {
        CsvSource {
            file: Some(file),
            shared,
            position: 0,
            reader: None,
        }
    }

    /// A reader whose next row is `self.position`.
    fn reader_at_position(&mut self) -> Result<&mut RowReader, ReadError> {
        let ready = matches!(&self.reader, Some((_, next)) if *next == self.position);
        let onward = match &self.reader {
            Some((_, next)) => self.shared.table.gzip && *next < self.position,
            None => false,
        };
        if onward {
            if let Some((reader, next)) = &mut self.reader {
                while *next < self.position {
                    if reader.next_row()?.is_none() {
                        return Err(changed(&self.shared.path));
                    }
                    *next += 1;
                }
            }
        } else if !ready {
            let file = match self.reader.take() {
                Some((reader, _)) => reader.into_file(),
                None => self.file.take().ok_or_else(|| {
                    ReadError::malformed("internal inconsistency: the source lost its file")
                })?,
            };
            let checkpoint = self.position / INDEX_STEP;
            let (offset, line) = usize::try_from(checkpoint)
                .ok()
                .and_then(|j| self.shared.index.get(j).copied())
                .ok_or_else(|| {
                    ReadError::malformed("internal inconsistency: no index entry for a row")
                        .in_file(file.path())
                })?;
            let table = &self.shared.table;
            let mut reader = RowReader::new(file, offset, line, table.delimiter, table.gzip);
            for _ in checkpoint * INDEX_STEP..self.position {
                if reader.next_row()?.is_none() {
                    return Err(changed(&self.shared.path));
                }
            }
            self.reader = Some((reader, self.position));
        }
        match &mut self.reader {
            Some((reader, _)) => Ok(reader),
            None => Err(ReadError::malformed("internal inconsistency: no reader")),
        }
    }
}

fn changed(path: &Path) -> ReadError {
    ReadError::truncated("the file has fewer rows than when it was opened (did it change?)")
        .in_file(path)
}

impl FrameSource for CsvSource {
    fn fill(&mut self, out: &mut [f64]) -> Result<usize, ReadError> {
        let shared = Arc::clone(&self.shared);
        let width = shared.channels.len();
        let capacity = out.len() / width.max(1);
        let want = (capacity as u64).min(shared.rows.saturating_sub(self.position)) as usize;
        if want == 0 {
            return Ok(0);
        }
        let reader = self.reader_at_position()?;
        for frame in out.chunks_exact_mut(width).take(want) {
            let row = match reader.next_row()? {
                Some(row) => row,
                None => return Err(changed(&shared.path)),
            };
            for (dst, c) in frame.iter_mut().zip(&shared.channels) {
                let value = row
                    .fields
                    .get(c.column)
                    .and_then(parse_number)
                    .ok_or_else(|| not_a_number(&shared.path, &shared.table, &row, c.column, ""))?;
                *dst = match c.scale {
                    Some(s) => value * s,
                    None => value,
                };
            }
        }
        self.position += want as u64;
        if let Some((_, next)) = &mut self.reader {
            *next = self.position;
        }
        Ok(want)
    }

    fn seek_frame(&mut self, frame: u64) -> Result<(), ReadError> {
        if frame > self.shared.rows {
            return Err(ReadError::invalid_argument(format!(
                "cannot seek to frame {frame}: the stream has {} frames",
                self.shared.rows
            )));
        }
        self.position = frame;
        Ok(())
    }
}
