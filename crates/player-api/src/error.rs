//! The one error type of a reader: what went wrong, in which file, and where.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

/// What kind of failure a [`ReadError`] reports. Hosts use it to choose exit codes and
/// wording; readers mostly use the constructors of [`ReadError`] instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ReadErrorKind {
    /// The operating system refused an operation (not found, permission, I/O failure).
    Io,
    /// The file ends before a structure it announces.
    Truncated,
    /// The file breaks the format's rules (bad magic, inconsistent sizes, bad numbers).
    Malformed,
    /// The file is valid but uses a feature this reader does not implement.
    Unsupported,
    /// The caller asked for something impossible (a stream index or seek past the end).
    InvalidArgument,
    /// A dynamically loaded plugin failed (panicked, broke the ABI contract).
    Plugin,
    /// A reader broke the reader contract (inconsistent metadata, times going backwards,
    /// more frames than announced); see [`crate::validate`].
    Contract,
}

impl ReadErrorKind {
    /// A short lowercase noun phrase for messages ("malformed file", ...).
    pub fn as_str(self) -> &'static str {
        match self {
            ReadErrorKind::Io => "I/O error",
            ReadErrorKind::Truncated => "truncated file",
            ReadErrorKind::Malformed => "malformed file",
            ReadErrorKind::Unsupported => "unsupported",
            ReadErrorKind::InvalidArgument => "invalid argument",
            ReadErrorKind::Plugin => "plugin failure",
            ReadErrorKind::Contract => "reader contract broken",
        }
    }
}

/// An error from a reader, carrying the context a user needs to act on it.
///
/// Build one with a constructor for its kind, then add context as it is known:
///
/// ```
/// use player_api::ReadError;
/// let err = ReadError::malformed("channel count is 0")
///     .at_offset(252)
///     .in_file("rec.edf");
/// assert_eq!(err.to_string(), "rec.edf: at byte 252: channel count is 0");
/// ```
///
/// The display form is one line: `FILE: at byte N: MESSAGE` (the parts that are unknown are
/// left out). [`in_file`](ReadError::in_file) and [`at_offset`](ReadError::at_offset) keep
/// the first value they are given, so inner code can be more precise than outer code.
#[derive(Debug)]
pub struct ReadError {
    kind: ReadErrorKind,
    message: String,
    path: Option<PathBuf>,
    offset: Option<u64>,
    source: Option<io::Error>,
}

impl ReadError {
    /// A new error of `kind` with a human-readable `message` (no trailing period).
    pub fn new(kind: ReadErrorKind, message: impl Into<String>) -> Self {
        ReadError {
            kind,
            message: message.into(),
            path: None,
            offset: None,
            source: None,
        }
    }

    /// The file breaks the format's rules.
    pub fn malformed(message: impl Into<String>) -> Self {
        Self::new(ReadErrorKind::Malformed, message)
    }

    /// The file ends before a structure it announces.
    pub fn truncated(message: impl Into<String>) -> Self {
        Self::new(ReadErrorKind::Truncated, message)
    }

    /// A valid file using a feature this reader does not implement.
    pub fn unsupported(message: impl Into<String>) -> Self {
        Self::new(ReadErrorKind::Unsupported, message)
    }

    /// The caller asked for something impossible.
    pub fn invalid_argument(message: impl Into<String>) -> Self {
        Self::new(ReadErrorKind::InvalidArgument, message)
    }

    /// A dynamically loaded plugin failed.
    pub fn plugin(message: impl Into<String>) -> Self {
        Self::new(ReadErrorKind::Plugin, message)
    }

    /// The reader broke the reader contract.
    pub fn contract(message: impl Into<String>) -> Self {
        Self::new(ReadErrorKind::Contract, message)
    }

    /// An I/O failure while doing `what` ("reading the header", ...). An unexpected end of
    /// file becomes [`ReadErrorKind::Truncated`].
    pub fn io(what: impl fmt::Display, err: io::Error) -> Self {
        let kind = if err.kind() == io::ErrorKind::UnexpectedEof {
            ReadErrorKind::Truncated
        } else {
            ReadErrorKind::Io
        };
        let message = if kind == ReadErrorKind::Truncated {
            format!("file ends while {what}")
        } else {
            format!("{what}: {err}")
        };
        ReadError {
            source: Some(err),
            ..Self::new(kind, message)
        }
    }

    /// Names the file the error is about (kept if one is already set).
    pub fn in_file(mut self, path: impl AsRef<Path>) -> Self {
        if self.path.is_none() {
            self.path = Some(path.as_ref().to_path_buf());
        }
        self
    }

    /// Names the byte offset in the file where the problem is (kept if one is already set).
    pub fn at_offset(mut self, offset: u64) -> Self {
        if self.offset.is_none() {
            self.offset = Some(offset);
        }
        self
    }

    /// The kind of failure.
    pub fn kind(&self) -> ReadErrorKind {
        self.kind
    }

    /// The message without file or offset.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The file, when known.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// The byte offset, when known.
    pub fn offset(&self) -> Option<u64> {
        self.offset
    }
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(path) = &self.path {
            write!(f, "{}: ", path.display())?;
        }
        if let Some(offset) = self.offset {
            write!(f, "at byte {offset}: ")?;
        }
        f.write_str(&self.message)
    }
}

impl std::error::Error for ReadError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_ref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_has_file_offset_and_message() {
        let e = ReadError::truncated("data chunk ends early")
            .at_offset(44)
            .at_offset(99)
            .in_file("a.wav");
        assert_eq!(e.to_string(), "a.wav: at byte 44: data chunk ends early");
        assert_eq!(e.kind(), ReadErrorKind::Truncated);
    }

    #[test]
    fn unexpected_eof_is_truncation() {
        let io = io::Error::new(io::ErrorKind::UnexpectedEof, "eof");
        let e = ReadError::io("reading the header", io);
        assert_eq!(e.kind(), ReadErrorKind::Truncated);
        assert_eq!(e.to_string(), "file ends while reading the header");
    }
}
