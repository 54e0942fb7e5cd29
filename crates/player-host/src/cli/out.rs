//! Writing for people and programs without ever panicking: stdout may be a pipe whose
//! reader went away (`| head`), stderr may be closed. `out!` writes a line to stdout and
//! returns an error on failure (the command then stops, quietly for a broken pipe);
//! `note!` writes a line to stderr and ignores failures (nobody is there to read it, and
//! the run goes on: `--stats-json` is still written).

use crate::HostError;
use std::io::Write;

/// Writes `text` to stdout (and flushes), or says why it could not.
pub(crate) fn stdout(text: &str) -> Result<(), HostError> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|source| HostError::Io {
            what: "writing to stdout".into(),
            source,
        })
}

/// Writes `text` to stderr; failures are ignored.
pub(crate) fn stderr(text: &str) {
    let mut err = std::io::stderr().lock();
    let _ = err.write_all(text.as_bytes()).and_then(|()| err.flush());
}

/// Whether `e` is a write to a closed pipe (the command then exits quietly with 141).
pub(crate) fn is_broken_pipe(e: &HostError) -> bool {
    matches!(e, HostError::Io { source, .. } if source.kind() == std::io::ErrorKind::BrokenPipe)
}

/// `println!` that returns `Err` instead of panicking (use with `?`).
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::cli::out::stdout(&format!("{}\n", format_args!($($arg)*)))
    };
}

/// `eprintln!` that never panics.
macro_rules! note {
    ($($arg:tt)*) => {
        $crate::cli::out::stderr(&format!("{}\n", format_args!($($arg)*)))
    };
}
