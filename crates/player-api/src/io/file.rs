//! A file opened for positional reads, whose every error names the file and the offset.

use crate::ReadError;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

/// When the process is at its limit of open files (`EMFILE`, which each LSL outlet and
/// each recording draw on), what to tell the user: that limit, `ulimit -n`, and how far it
/// can be raised (the hard limit); `None` for any other error, or where the limit cannot
/// be read.
pub fn open_files_limit(err: &std::io::Error) -> Option<String> {
    #[cfg(unix)]
    if err.raw_os_error() == Some(libc::EMFILE) {
        let mut limit = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: getrlimit writes one `rlimit` into the struct we pass.
        if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } != 0 {
            return None;
        }
        let raise = if limit.rlim_cur < limit.rlim_max {
            format!("raise it (`ulimit -n {}`)", limit.rlim_max)
        } else {
            "raise it (the hard limit too, as root)".to_string()
        };
        return Some(format!(
            "the process is at its limit of {} open files (`ulimit -n`); {raise} or play \
             fewer streams",
            limit.rlim_cur
        ));
    }
    let _ = err;
    None
}

/// The error of opening `path`, with [`open_files_limit`]'s advice when it applies.
pub fn open_failed(path: &Path, err: std::io::Error) -> ReadError {
    let what = match open_files_limit(&err) {
        Some(hint) => format!("cannot open the file ({hint})"),
        None => "cannot open the file".to_string(),
    };
    ReadError::io(what, err).in_file(path)
}

/// Checks, without opening it, that `path` is a regular file (after following links): a
/// FIFO would block the open forever, a device could stream without end, a directory is
/// not a recording. The error names the file and what it is.
pub fn check_regular_file(path: &Path) -> Result<(), ReadError> {
    let meta = std::fs::metadata(path).map_err(|e| open_failed(path, e))?;
    if meta.is_file() {
        return Ok(());
    }
    Err(ReadError::invalid_argument(format!(
        "is {}, not a recording (a regular file is needed)",
        file_type_words(&meta.file_type())
    ))
    .in_file(path))
}

/// What a file is, in a few words for a message: "a regular file", "a directory", "a
/// FIFO (named pipe)", "a device", "a socket", "a symbolic link" (else "a special file").
pub fn file_type_words(file_type: &std::fs::FileType) -> &'static str {
    if file_type.is_file() {
        return "a regular file";
    }
    if file_type.is_dir() {
        return "a directory";
    }
    if file_type.is_symlink() {
        return "a symbolic link";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if file_type.is_char_device() || file_type.is_block_device() {
            return "a device";
        }
        if file_type.is_socket() {
            return "a socket";
        }
    }
    "a special file"
}

/// An open file with its path and length, for readers that read at known offsets.
///
/// Every method checks the requested range against the file's length *before* reading or
/// allocating, so a header that claims a huge size yields a clean
/// [`Truncated`](crate::ReadErrorKind::Truncated) error instead of an allocation.
#[derive(Debug)]
pub struct SourceFile {
    file: File,
    path: PathBuf,
    len: u64,
}

impl SourceFile {
    /// Opens `path` for reading; it must be a regular file (see [`check_regular_file`]).
    pub fn open(path: &Path) -> Result<Self, ReadError> {
        check_regular_file(path)?;
        let file = File::open(path).map_err(|e| open_failed(path, e))?;
        let len = file
            .metadata()
            .map_err(|e| ReadError::io("cannot read the file's size", e).in_file(path))?
            .len();
        Ok(SourceFile {
            file,
            path: path.to_path_buf(),
            len,
        })
    }

    /// Opens another handle on the same file (for an independent cursor).
    pub fn reopen(&self) -> Result<Self, ReadError> {
        Self::open(&self.path)
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The file's length in bytes.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether the file is empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// An error about this file at `offset`.
    pub fn malformed(&self, offset: u64, message: impl Into<String>) -> ReadError {
        ReadError::malformed(message)
            .at_offset(offset)
            .in_file(&self.path)
    }

    /// Checks that `len` bytes starting at `offset` lie inside the file; `what` names the
    /// structure for the error message ("data chunk", "record 12").
    pub fn check_range(&self, offset: u64, len: u64, what: &str) -> Result<(), ReadError> {
        match offset.checked_add(len) {
            Some(end) if end <= self.len => Ok(()),
            _ => Err(ReadError::truncated(format!(
                "{what} needs {len} bytes but the file ({} bytes) ends first",
                self.len
            ))
            .at_offset(offset)
            .in_file(&self.path)),
        }
    }

    /// Fills `buf` from `offset`; the range must lie inside the file.
    pub fn read_exact_at(
        &mut self,
        offset: u64,
        buf: &mut [u8],
        what: &str,
    ) -> Result<(), ReadError> {
        self.check_range(offset, buf.len() as u64, what)?;
        self.file
            .seek(SeekFrom::Start(offset))
            .and_then(|_| self.file.read_exact(buf))
            .map_err(|e| {
                ReadError::io(format!("reading {what}"), e)
                    .at_offset(offset)
                    .in_file(&self.path)
            })
    }

    /// Reads `len` bytes at `offset` into a new vector, after checking the range against
    /// the file size (so `len` is never larger than the file).
    pub fn read_vec_at(&mut self, offset: u64, len: u64, what: &str) -> Result<Vec<u8>, ReadError> {
        self.check_range(offset, len, what)?;
        let len = usize::try_from(len)
            .map_err(|_| self.malformed(offset, format!("{what} is too large")))?;
        let mut buf = vec![0; len];
        self.read_exact_at(offset, &mut buf, what)?;
        Ok(buf)
    }

    /// Reads up to `buf.len()` bytes starting at `offset`, stopping at the end of the
    /// file; returns how many were read.
    pub fn read_prefix_at(&mut self, offset: u64, buf: &mut [u8]) -> Result<usize, ReadError> {
        let available = self.len.saturating_sub(offset).min(buf.len() as u64) as usize;
        self.read_exact_at(offset, &mut buf[..available], "the header")?;
        Ok(available)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ReadErrorKind;

    #[test]
    fn ranges_past_the_end_are_truncation_errors_without_allocation() {
        let dir = std::env::temp_dir().join(format!("player-util-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let path = dir.join("ten.bin");
        std::fs::write(&path, [0u8; 10]).expect("write");
        let mut f = SourceFile::open(&path).expect("open");
        let err = f
            .read_vec_at(4, u64::MAX / 2, "a huge block")
            .expect_err("must fail");
        assert_eq!(err.kind(), ReadErrorKind::Truncated);
        assert!(err.to_string().contains("ten.bin: at byte 4: a huge block"));
        assert_eq!(f.read_vec_at(2, 8, "tail").expect("fits").len(), 8);
        std::fs::remove_dir_all(&dir).ok();
    }
}
