//! The host's one error type: every failure a user can see, with the file or setting it
//! concerns.

use player_api::ReadError;
use std::fmt;
use std::path::PathBuf;

/// A failure of the host: reading a file, a bad scenario, LSL, or a stream that failed
/// while playing.
#[derive(Debug)]
#[non_exhaustive]
pub enum HostError {
    /// A reader failed (its message names the file).
    Read(ReadError),
    /// A scenario file is invalid; `message` says where (line and column) when known.
    Scenario {
        /// The scenario file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A setting is invalid (command-line or scenario value).
    Config(String),
    /// No reader could be chosen for a file.
    NoReader {
        /// The file.
        path: PathBuf,
        /// Why, including what was tried.
        message: String,
    },
    /// The operating system refused something that is not a reader's business.
    Io {
        /// What was being done.
        what: String,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The LSL library refused an operation.
    Lsl(String),
    /// A stream's reader delivered nothing for too long while its data was due.
    Stalled {
        /// How long it was silent, in seconds.
        seconds: f64,
    },
    /// A stream failed while playing.
    Stream {
        /// The published stream name.
        stream: String,
        /// The cause.
        source: Box<HostError>,
    },
}

impl HostError {
    /// A configuration error.
    pub fn config(message: impl Into<String>) -> Self {
        HostError::Config(message.into())
    }
}

impl fmt::Display for HostError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HostError::Read(e) => e.fmt(f),
            HostError::Scenario { path, message } => write!(f, "{}: {message}", path.display()),
            HostError::Config(m) => f.write_str(m),
            HostError::NoReader { path, message } => write!(f, "{}: {message}", path.display()),
            HostError::Io { what, source } => write!(f, "{what}: {source}"),
            HostError::Lsl(m) => write!(f, "LSL: {m}"),
            HostError::Stalled { seconds } => {
                write!(f, "the reader delivered no data for {seconds} s (blocked?)")
            }
            HostError::Stream { stream, source } => {
                write!(f, "stream {}: {source}", player_api::quote(stream))
            }
        }
    }
}

impl std::error::Error for HostError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            HostError::Read(e) => Some(e),
            HostError::Io { source, .. } => Some(source),
            HostError::Stream { source, .. } => Some(source.as_ref()),
            _ => None,
        }
    }
}

impl From<ReadError> for HostError {
    fn from(e: ReadError) -> Self {
        HostError::Read(e)
    }
}

/// The host's result type.
pub type Result<T, E = HostError> = std::result::Result<T, E>;
