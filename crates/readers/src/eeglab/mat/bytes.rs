//! Where a MAT-file's elements are read from: the file itself (uncompressed variables,
//! through a small read cache) or a decompressed variable held in memory; and the data
//! element tags found there.

use player_api::io::SourceFile;
use std::borrow::Cow;
use std::sync::Arc;

/// Bytes the file cache reads at a time.
const WINDOW: u64 = 64 * 1024;

/// The bytes a parse reads: a file (offsets are the file's) or a decompressed variable
/// (offsets into it).
#[derive(Debug)]
pub(crate) enum Bytes<'a> {
    File(&'a mut CachedFile),
    Memory(&'a Arc<Vec<u8>>),
}

/// A file read through a window of [`WINDOW`] bytes, so that the many small reads of a
/// struct's elements cost one system call per window.
#[derive(Debug)]
pub(crate) struct CachedFile {
    pub file: SourceFile,
    start: u64,
    window: Vec<u8>,
}

impl CachedFile {
    pub(crate) fn new(file: SourceFile) -> Self {
        CachedFile {
            file,
            start: 0,
            window: Vec::new(),
        }
    }
}

impl Bytes<'_> {
    /// The number of bytes.
    pub(crate) fn len(&self) -> u64 {
        match self {
            Bytes::File(f) => f.file.len(),
            Bytes::Memory(m) => m.len() as u64,
        }
    }

    /// `len` bytes at `offset`, which must lie within `end` (the enclosing element's end);
    /// `what` names them for the error.
    pub(crate) fn read(
        &mut self,
        offset: u64,
        len: u64,
        end: u64,
        what: &str,
    ) -> Result<Cow<'_, [u8]>, String> {
        let stop = offset
            .checked_add(len)
            .filter(|&s| s <= end && s <= self.len())
            .ok_or_else(|| format!("{what} ({len} bytes at {offset}) runs past its element"))?;
        match self {
            Bytes::Memory(m) => Ok(Cow::Borrowed(&m[offset as usize..stop as usize])),
            Bytes::File(f) => {
                if len > WINDOW {
                    let v = f
                        .file
                        .read_vec_at(offset, len, what)
                        .map_err(|e| e.to_string())?;
                    return Ok(Cow::Owned(v));
                }
                let cached = f.start <= offset && stop <= f.start + f.window.len() as u64;
                if !cached {
                    let size = WINDOW.min(f.file.len() - offset) as usize;
                    f.window.resize(size, 0);
                    f.file
                        .read_exact_at(offset, &mut f.window, what)
                        .map_err(|e| e.to_string())?;
                    f.start = offset;
                }
                let from = (offset - f.start) as usize;
                Ok(Cow::Borrowed(&f.window[from..from + len as usize]))
            }
        }
    }

    /// A little-endian `u32` at `offset`.
    pub(crate) fn u32_at(&mut self, offset: u64, end: u64, what: &str) -> Result<u32, String> {
        let b = self.read(offset, 4, end, what)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
}

/// A data element's tag: its type, where its data lies, where the next element starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Tag {
    pub ty: u32,
    pub data: u64,
    pub len: u64,
    pub next: u64,
}

/// The tag at `at` of an element that must end by `end`. `padded`: elements inside a
/// matrix are padded to 8 bytes (top-level variables are not, compressed ones never).
pub(crate) fn read_tag(
    bytes: &mut Bytes<'_>,
    at: u64,
    end: u64,
    padded: bool,
) -> Result<Tag, String> {
    let first = bytes.u32_at(at, end, "a data element's tag")?;
    if first >> 16 != 0 {
        // Small data element: 2 bytes of size, 2 of type, 4 of data.
        let len = u64::from(first >> 16);
        if len > 4 {
            return Err(format!(
                "a small data element at {at} claims {len} bytes (at most 4)"
            ));
        }
        bytes.read(at, 8, end, "a small data element")?;
        return Ok(Tag {
            ty: first & 0xffff,
            data: at + 4,
            len,
            next: at + 8,
        });
    }
    let len = u64::from(bytes.u32_at(at + 4, end, "a data element's tag")?);
    let data = at + 8;
    let stop = data.checked_add(len).filter(|&s| s <= end).ok_or_else(|| {
        format!("a data element at {at} claims {len} bytes, past the end of what holds it")
    })?;
    let next = if padded {
        (stop.div_ceil(8) * 8).min(end)
    } else {
        stop
    };
    Ok(Tag {
        ty: first,
        data,
        len,
        next,
    })
}
