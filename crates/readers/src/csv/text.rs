//! The text of a table as the row parser reads it: the file's bytes, or, for a
//! gzip-compressed table (`*.tsv.gz`, recognized by its magic bytes), their decompression,
//! streamed (flate2's decoder holds its 32 KiB window and a buffer, never the file).
//!
//! Vocabulary: a *text offset* is a byte offset in the text, i.e. in the decompressed
//! data of a compressed table; the row index and messages count in text offsets. A
//! compressed table cannot be entered at a text offset: reading from one decompresses
//! from the file's start and discards the text before it.

use crate::file_read::FileReader;
use flate2::read::MultiGzDecoder;
use player_api::io::SourceFile;
use player_api::ReadError;
use std::io::{self, Read};

/// The first bytes of a gzip member (RFC 1952).
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// Whether `file` is gzip-compressed (by its first two bytes).
pub(crate) fn is_gzip(file: &SourceFile) -> Result<bool, ReadError> {
    let mut magic = [0u8; 2];
    let n = file.reopen()?.read_prefix_at(0, &mut magic)?;
    Ok(n == 2 && magic == GZIP_MAGIC)
}

/// A reader of the text from a text offset on.
#[derive(Debug)]
pub(crate) enum Text {
    /// The file's bytes from the offset.
    Plain(FileReader),
    /// The decompression of the whole file, with `skip` bytes still to discard before
    /// the offset.
    Gzip {
        decoder: Box<MultiGzDecoder<FileReader>>,
        skip: u64,
    },
}

impl Text {
    /// The text of `file` from text offset `offset` (`gzip`: whether it is compressed).
    pub(crate) fn new(file: SourceFile, offset: u64, gzip: bool) -> Self {
        if gzip {
            Text::Gzip {
                decoder: Box::new(MultiGzDecoder::new(FileReader::new(file, 0))),
                skip: offset,
            }
        } else {
            Text::Plain(FileReader::new(file, offset))
        }
    }

    /// Gives the file back.
    pub(crate) fn into_file(self) -> SourceFile {
        match self {
            Text::Plain(reader) => reader.into_file(),
            Text::Gzip { decoder, .. } => decoder.into_inner().into_file(),
        }
    }
}

impl Read for Text {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Text::Plain(reader) => reader.read(buf),
            Text::Gzip { decoder, skip } => {
                while *skip > 0 {
                    let take = buf.len().min(usize::try_from(*skip).unwrap_or(usize::MAX));
                    let n = decoder.read(&mut buf[..take])?;
                    if n == 0 {
                        return Ok(0);
                    }
                    *skip -= n as u64;
                }
                decoder.read(buf)
            }
        }
    }
}

/// Up to `max` bytes of the text from its start.
pub(crate) fn head(file: &SourceFile, gzip: bool, max: u64) -> Result<Vec<u8>, ReadError> {
    if !gzip {
        let mut head = vec![0u8; max.min(file.len()) as usize];
        let n = file.reopen()?.read_prefix_at(0, &mut head)?;
        head.truncate(n);
        return Ok(head);
    }
    let mut head = Vec::new();
    Text::new(file.reopen()?, 0, true)
        .take(max)
        .read_to_end(&mut head)
        .map_err(|e| gzip_error(&e).in_file(file.path()))?;
    Ok(head)
}

/// The error for a failed read of compressed text: `Truncated` when the compressed data
/// ends early, else `Malformed`.
pub(crate) fn gzip_error(e: &io::Error) -> ReadError {
    match e.kind() {
        io::ErrorKind::UnexpectedEof => ReadError::truncated(format!(
            "the gzip-compressed data ends early (is the file complete?): {e}"
        )),
        _ => ReadError::malformed(format!("the gzip-compressed data is corrupt: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::write::GzEncoder;
    use flate2::Compression;
    use player_api::conformance::TempDir;
    use std::io::Write;

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut e = GzEncoder::new(Vec::new(), Compression::default());
        e.write_all(bytes).unwrap_or_default();
        e.finish().unwrap_or_default()
    }

    #[test]
    fn compressed_text_is_read_from_any_offset() {
        let dir = TempDir::new("csv-text");
        let text: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
        let path = dir.write("t.gz", gzip(&text));
        let file = SourceFile::open(&path).expect("open");
        assert!(is_gzip(&file).expect("magic"));
        for offset in [0usize, 1, 65_535, 99_999, 100_000] {
            let mut got = Vec::new();
            Text::new(file.reopen().expect("reopen"), offset as u64, true)
                .read_to_end(&mut got)
                .expect("read");
            assert_eq!(got, text[offset..], "from {offset}");
        }
        assert_eq!(head(&file, true, 10).expect("head"), text[..10]);
        let plain = dir.write("t.txt", &text);
        assert!(!is_gzip(&SourceFile::open(&plain).expect("open")).expect("magic"));
    }
}
