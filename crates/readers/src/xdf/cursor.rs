//! A buffered forward reader over a [`SourceFile`], bounded by a limit (the end of the
//! chunk being read), used by the index pass and by the sources. It keeps one bounded
//! buffer (64 KiB, or one item when an item is larger) whatever the file size.

use player_api::io::SourceFile;
use player_api::ReadError;

/// How many bytes a refill reads ahead.
const READ_AHEAD: u64 = 64 * 1024;

/// A position in a file with a read-ahead buffer.
#[derive(Debug)]
pub(crate) struct Cursor {
    file: SourceFile,
    buf: Vec<u8>,
    /// File offset of `buf[0]`.
    buf_start: u64,
    /// The next byte to read (absolute offset).
    pos: u64,
}

impl Cursor {
    pub(crate) fn new(file: SourceFile) -> Self {
        Cursor {
            file,
            buf: Vec::new(),
            buf_start: 0,
            pos: 0,
        }
    }

    /// The file underneath.
    pub(crate) fn file(&self) -> &SourceFile {
        &self.file
    }

    /// The next offset to read.
    pub(crate) fn pos(&self) -> u64 {
        self.pos
    }

    /// Moves to `pos` (the buffer is kept when it still covers it).
    pub(crate) fn seek(&mut self, pos: u64) {
        self.pos = pos;
    }

    /// A malformed-file error at `offset`.
    pub(crate) fn malformed(&self, offset: u64, message: impl Into<String>) -> ReadError {
        self.file.malformed(offset, message)
    }

    /// The next `n` bytes, which must end at or before `limit` (else a malformed-file
    /// error: `what` runs past the end of its chunk) and inside the file (else a
    /// truncated-file error).
    pub(crate) fn take(&mut self, n: usize, limit: u64, what: &str) -> Result<&[u8], ReadError> {
        let start = self.pos;
        let end = start
            .checked_add(n as u64)
            .filter(|&e| e <= limit)
            .ok_or_else(|| {
                self.file.malformed(
                    start,
                    format!("{what} ({n} bytes) runs past the end of its chunk (at byte {limit})"),
                )
            })?;
        let buf_end = self.buf_start + self.buf.len() as u64;
        if start < self.buf_start || end > buf_end {
            // Refill from `start`: at least `n` bytes, up to the read-ahead, never past
            // the file's end (the range [start, end) itself is checked by the read).
            let ahead = READ_AHEAD
                .max(n as u64)
                .min(self.file.len().saturating_sub(start))
                .max(n as u64);
            let len = usize::try_from(ahead)
                .map_err(|_| self.file.malformed(start, format!("{what} is too large")))?;
            self.buf.resize(len, 0);
            self.buf_start = start;
            let Cursor { file, buf, .. } = self;
            if let Err(e) = file.read_exact_at(start, buf, what) {
                self.buf.clear();
                return Err(e);
            }
        }
        self.pos = end;
        let from = (start - self.buf_start) as usize;
        self.buf
            .get(from..from + n)
            .ok_or_else(|| ReadError::malformed("internal buffer range").in_file(self.file.path()))
    }

    /// Skips `n` bytes without reading them (checked against `limit` like [`take`]).
    ///
    /// [`take`]: Cursor::take
    pub(crate) fn skip(&mut self, n: u64, limit: u64, what: &str) -> Result<(), ReadError> {
        match self.pos.checked_add(n) {
            Some(end) if end <= limit => {
                self.pos = end;
                Ok(())
            }
            _ => Err(self.file.malformed(
                self.pos,
                format!("{what} ({n} bytes) runs past the end of its chunk (at byte {limit})"),
            )),
        }
    }

    /// One byte.
    pub(crate) fn u8(&mut self, limit: u64, what: &str) -> Result<u8, ReadError> {
        Ok(self.take(1, limit, what)?.first().copied().unwrap_or(0))
    }

    /// A little-endian `u16`.
    pub(crate) fn u16(&mut self, limit: u64, what: &str) -> Result<u16, ReadError> {
        let b = self.take(2, limit, what)?;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    }

    /// A little-endian `u32`.
    pub(crate) fn u32(&mut self, limit: u64, what: &str) -> Result<u32, ReadError> {
        let mut a = [0u8; 4];
        a.copy_from_slice(self.take(4, limit, what)?);
        Ok(u32::from_le_bytes(a))
    }

    /// A little-endian `u64`.
    pub(crate) fn u64(&mut self, limit: u64, what: &str) -> Result<u64, ReadError> {
        let mut a = [0u8; 8];
        a.copy_from_slice(self.take(8, limit, what)?);
        Ok(u64::from_le_bytes(a))
    }

    /// A little-endian `f64`.
    pub(crate) fn f64(&mut self, limit: u64, what: &str) -> Result<f64, ReadError> {
        Ok(f64::from_bits(self.u64(limit, what)?))
    }

    /// An XDF variable-length integer: `[NumBytes: 1, 4 or 8][value, little-endian]`.
    pub(crate) fn varlen(&mut self, limit: u64, what: &str) -> Result<u64, ReadError> {
        let at = self.pos;
        match self.u8(limit, what)? {
            1 => Ok(u64::from(self.u8(limit, what)?)),
            4 => Ok(u64::from(self.u32(limit, what)?)),
            8 => self.u64(limit, what),
            n => Err(self.file.malformed(
                at,
                format!("{what}: a variable-length integer has {n} bytes (XDF allows 1, 4 or 8)"),
            )),
        }
    }
}
