//! Opening the files a user names (a scenario, `--stats-json`, `lsl_api.cfg`, the
//! `ldconfig` cache) without ever blocking on a special file.
//!
//! # Vocabulary
//!
//! * **special file**: anything but a regular file or a directory: a FIFO (named pipe),
//!   a device, a socket. Opening a FIFO blocks until its other end is opened, opening a
//!   terminal can make it the process's controlling terminal, and opening a socket fails.
//!
//! # How
//!
//! Every open here is **non-blocking, then checked on the open file**: `open(2)` with
//! `O_NONBLOCK | O_NOCTTY` (it returns at once whatever the path is: a FIFO without a
//! writer opens for reading, one without a reader fails for writing with `ENXIO`), then
//! `fstat(2)` on the descriptor decides what it is, so that nothing can be swapped in
//! between the check and the open (no TOCTOU hole), and `O_NONBLOCK` is cleared before
//! the file is used (a pipe is then read or written as usual). Callers also `stat` first
//! to refuse a device or a directory without opening it at all.

use std::fs::{File, Metadata, OpenOptions};
use std::io;
use std::path::Path;

/// Opens `path` for reading without blocking (see the module docs); returns the file and
/// what it is (from the open descriptor).
pub(crate) fn open_read(path: &Path) -> io::Result<(File, Metadata)> {
    let mut options = OpenOptions::new();
    options.read(true);
    open(path, options)
}

/// Opens the existing `path` for writing in place without blocking (see the module
/// docs): a FIFO that nobody reads is an error at once, not a wait.
pub(crate) fn open_write(path: &Path) -> io::Result<(File, Metadata)> {
    let mut options = OpenOptions::new();
    options.write(true);
    open(path, options).map_err(|e| match e.raw_os_error() {
        #[cfg(unix)]
        Some(libc::ENXIO) => io::Error::new(
            e.kind(),
            "it is a FIFO (named pipe) that nobody reads yet, or a socket: start its \
             reader first",
        ),
        _ => e,
    })
}

#[cfg(unix)]
fn open(path: &Path, mut options: OpenOptions) -> io::Result<(File, Metadata)> {
    use std::os::unix::fs::OpenOptionsExt;
    use std::os::unix::io::AsRawFd;
    let file = options
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)?;
    let meta = file.metadata()?;
    let fd = file.as_raw_fd();
    // SAFETY: fcntl on a descriptor this function owns; F_GETFL/F_SETFL only read and set
    // its status flags.
    let flags = unsafe { libc::fcntl(fd, libc::F_GETFL) };
    if flags < 0 || unsafe { libc::fcntl(fd, libc::F_SETFL, flags & !libc::O_NONBLOCK) } < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok((file, meta))
}

#[cfg(not(unix))]
fn open(path: &Path, options: OpenOptions) -> io::Result<(File, Metadata)> {
    let file = options.open(path)?;
    let meta = file.metadata()?;
    Ok((file, meta))
}

/// Whether `meta` is a pipe (a FIFO, or an anonymous pipe such as `/dev/stdin` in
/// `cmd | player-host validate /dev/stdin`).
pub(crate) fn is_pipe(meta: &Metadata) -> bool {
    #[cfg(unix)]
    {
        std::os::unix::fs::FileTypeExt::is_fifo(&meta.file_type())
    }
    #[cfg(not(unix))]
    {
        let _ = meta;
        false
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use std::io::{Read, Write};
    use std::time::{Duration, Instant};

    fn mkfifo(path: &Path) {
        let c = std::ffi::CString::new(path.to_str().unwrap()).unwrap();
        // SAFETY: a valid C string; creates a FIFO in a test directory.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    }

    #[test]
    fn a_fifo_never_blocks_the_open() {
        let d = player_api::conformance::TempDir::new("files-fifo");
        let fifo = d.join("f");
        mkfifo(&fifo);
        let started = Instant::now();
        // Nobody reads it: writing is refused at once, with the fix.
        let e = open_write(&fifo).expect_err("no reader");
        assert!(e.to_string().contains("start its reader first"), "{e}");
        // Nobody writes it: reading opens at once, and reads the end.
        let (mut file, meta) = open_read(&fifo).unwrap();
        assert!(is_pipe(&meta));
        let mut text = String::new();
        file.read_to_string(&mut text).unwrap();
        assert_eq!(text, "");
        assert!(started.elapsed() < Duration::from_secs(5));
        // With a reader, writing opens and the data arrives (blocking writes again).
        let (mut reader, _) = open_read(&fifo).unwrap();
        let (mut writer, _) = open_write(&fifo).unwrap();
        writer.write_all(b"stats").unwrap();
        drop(writer);
        let mut text = String::new();
        reader.read_to_string(&mut text).unwrap();
        assert_eq!(text, "stats");
    }

    #[test]
    fn regular_files_and_devices_open_and_say_what_they_are() {
        let d = player_api::conformance::TempDir::new("files-regular");
        let path = d.write("a.yaml", "streams: []\n");
        let (mut file, meta) = open_read(&path).unwrap();
        assert!(meta.is_file() && !is_pipe(&meta));
        let mut text = String::new();
        file.read_to_string(&mut text).unwrap();
        assert_eq!(text, "streams: []\n");
        let (_, meta) = open_write(Path::new("/dev/null")).unwrap();
        assert!(!meta.is_file());
    }
}
