//! The host's one error type: every failure a user can see, with the file or setting it
//! concerns.

use player_api::ReadError;
use std::fmt;
use std::path::PathBuf;

/// A failure of the host: reading a file, a bad scenario or command line, LSL, or a run
/// that could not start. (Streams that fail while playing are reported per stream in the
/// [`Summary`](crate::Summary), not as an error.)
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
    /// A setting is invalid (a scenario value, or a [`Scenario`](crate::Scenario) built in
    /// code).
    Config(String),
    /// A command-line mistake; the message names the flag. (The command line exits with
    /// status 2 for these, 1 for every other error.)
    Usage(String),
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
    /// Nobody connected within the `wait_for_consumers` timeout.
    NoConsumers {
        /// The streams that still had no consumer.
        streams: Vec<String>,
        /// The timeout, in seconds.
        timeout: f64,
        /// Whether marker streams were waited for too (`all`).
        markers_too: bool,
    },
    /// A [`Player`](crate::Player) was used out of order (started twice, waited for
    /// before it was started), or its timing thread panicked.
    Player(String),
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
            HostError::Usage(m) => f.write_str(m),
            HostError::NoConsumers {
                streams,
                timeout,
                markers_too,
            } => write!(
                f,
                "no consumer connected within {timeout} s to {}: start the receivers first, or \
                 wait longer (--wait-for-consumers SECS, or `wait_for_consumers: SECS`){}",
                streams.join(", "),
                if *markers_too {
                    ", or wait only for the data streams (`data`)"
                } else {
                    ""
                }
            ),
            HostError::Player(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for HostError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            HostError::Read(e) => Some(e),
            HostError::Io { source, .. } => Some(source),
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
