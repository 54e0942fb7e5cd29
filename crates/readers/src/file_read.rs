//! `std::io::Read` over a range of a [`SourceFile`], for parsers that take a reader (the
//! CSV parser, a zlib decoder): positional reads, never past the range's end or the
//! file's length when it was opened.

use player_api::io::SourceFile;
use std::io::{self, Read};

/// Reads `file` from `position` up to `end`.
#[derive(Debug)]
pub(crate) struct FileReader {
    file: SourceFile,
    position: u64,
    end: u64,
}

impl FileReader {
    /// Reads from `start` to the end of the file.
    pub(crate) fn new(file: SourceFile, start: u64) -> Self {
        let end = file.len();
        FileReader {
            file,
            position: start,
            end,
        }
    }

    /// Reads `[start, end)`.
    pub(crate) fn range(file: SourceFile, start: u64, end: u64) -> Self {
        let end = end.min(file.len());
        FileReader {
            file,
            position: start,
            end,
        }
    }

    /// Gives the file back.
    pub(crate) fn into_file(self) -> SourceFile {
        self.file
    }
}

impl Read for FileReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let room = self.end.saturating_sub(self.position);
        let take = buf.len().min(usize::try_from(room).unwrap_or(usize::MAX));
        let n = self
            .file
            .read_prefix_at(self.position, &mut buf[..take])
            .map_err(|e| io::Error::other(e.to_string()))?;
        self.position += n as u64;
        Ok(n)
    }
}
