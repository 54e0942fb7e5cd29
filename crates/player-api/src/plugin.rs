//! The reader plugin trait, probing, and built-in registration.

use crate::{ReadError, RecordingInfo, SampleSource};
use std::collections::BTreeMap;
use std::path::Path;

/// How many leading bytes of a file a host reads into [`Probe::header`].
pub const PROBE_HEADER_LEN: usize = 4096;

/// What a reader may look at to decide whether it can read a file.
#[derive(Debug, Clone, Copy)]
pub struct Probe<'a> {
    /// The file's path (for its extension; do not open it in `probe`).
    pub path: &'a Path,
    /// Up to [`PROBE_HEADER_LEN`] bytes from the start of the file; shorter when the file
    /// is shorter.
    pub header: &'a [u8],
}

impl Probe<'_> {
    /// The file's extension, lowercase, without the dot.
    pub fn extension(&self) -> Option<String> {
        self.path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
    }

    /// [`Confidence::Extension`] when the file's extension is one of `extensions`
    /// (case-insensitive), else `None`: the usual fallback after checking magic bytes.
    pub fn extension_in(&self, extensions: &[&str]) -> Option<Confidence> {
        let ext = self.extension()?;
        extensions
            .iter()
            .any(|e| e.eq_ignore_ascii_case(&ext))
            .then_some(Confidence::Extension)
    }
}

/// How sure a reader is that it can read a file. A host picks the reader with the highest
/// confidence; content beats names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Confidence {
    /// Only the file's extension matches.
    Extension = 1,
    /// The file's content (a magic number, a header structure) matches.
    Magic = 2,
}

/// Options passed to [`ReaderPlugin::open`].
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct OpenOptions {
    /// Reader-specific options given by the user (a scenario's `reader_options:`). Readers
    /// document the keys they understand and refuse unknown ones.
    pub reader_options: BTreeMap<String, String>,
}

impl OpenOptions {
    /// Refuses options a reader does not know: the first key not in `known` is an
    /// [`InvalidArgument`](crate::ReadErrorKind::InvalidArgument) error naming the reader
    /// and the options it takes. Readers call it first thing in
    /// [`open`](ReaderPlugin::open).
    ///
    /// ```
    /// use player_api::OpenOptions;
    /// let mut options = OpenOptions::default();
    /// options.reader_options.insert("gain".into(), "2".into());
    /// let err = options.expect_only("wav", &[]).unwrap_err();
    /// assert_eq!(err.to_string(), "the wav reader has no option \"gain\" (it takes none)");
    /// ```
    pub fn expect_only(&self, reader: &str, known: &[&str]) -> Result<(), ReadError> {
        match self
            .reader_options
            .keys()
            .find(|k| !known.contains(&k.as_str()))
        {
            None => Ok(()),
            Some(key) => {
                let takes = if known.is_empty() {
                    "none".to_string()
                } else {
                    format!("only {}", known.join(", "))
                };
                Err(ReadError::invalid_argument(format!(
                    "the {reader} reader has no option {key:?} (it takes {takes})"
                )))
            }
        }
    }
}

/// A reader for one file format.
///
/// Implementations are cheap, stateless values (often unit structs) shared between threads;
/// all per-file state lives in the [`Recording`] that [`open`](ReaderPlugin::open) returns.
/// A reader never panics on bad input and never allocates what a header merely claims
/// without checking it against the file's size: it returns a [`ReadError`] naming the file.
pub trait ReaderPlugin: Send + Sync {
    /// A short, stable, lowercase identifier (`"fif"`, `"edf"`, `"wav"`), used in scenario
    /// files (`reader: fif`) and on the command line (`--reader fif`).
    fn id(&self) -> &str;

    /// A one-line description for `player-host plugins`.
    fn description(&self) -> &str;

    /// The reader's version (usually `env!("CARGO_PKG_VERSION")`).
    fn version(&self) -> &str;

    /// File extensions this reader handles, lowercase, without the dot.
    fn extensions(&self) -> &[&str];

    /// Whether this reader can read the file described by `probe`, and how sure it is.
    /// Must be fast and must not fail: return `None` when unsure.
    fn probe(&self, probe: &Probe<'_>) -> Option<Confidence>;

    /// Opens a file: reads and checks its header, builds whatever index streaming needs,
    /// and returns the recording. Must not read all sample data.
    fn open(&self, path: &Path, options: &OpenOptions) -> Result<Box<dyn Recording>, ReadError>;
}

/// An opened file.
pub trait Recording: Send {
    /// What the recording holds.
    fn info(&self) -> &RecordingInfo;

    /// Opens an independent cursor on stream `index` (an index into
    /// [`RecordingInfo::streams`]), positioned at frame 0. Several cursors may be open at
    /// once, and each may be moved to another thread.
    fn open_stream(&self, index: usize) -> Result<Box<dyn SampleSource>, ReadError>;
}

/// The registration of a built-in reader, collected with [`inventory`].
///
/// ```ignore
/// player_api::inventory::submit! { player_api::Registration::new(&MyReader) }
/// ```
#[derive(Clone, Copy)]
pub struct Registration {
    reader: &'static dyn ReaderPlugin,
}

impl Registration {
    /// Registers `reader` as a built-in.
    pub const fn new(reader: &'static dyn ReaderPlugin) -> Self {
        Registration { reader }
    }

    /// The registered reader.
    pub fn reader(&self) -> &'static dyn ReaderPlugin {
        self.reader
    }
}

impl std::fmt::Debug for Registration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registration")
            .field("id", &self.reader.id())
            .finish()
    }
}

inventory::collect!(Registration);

/// Every reader registered with [`Registration`] in the linked program, sorted by id.
pub fn registered_readers() -> Vec<&'static dyn ReaderPlugin> {
    let mut readers: Vec<&'static dyn ReaderPlugin> = inventory::iter::<Registration>
        .into_iter()
        .map(Registration::reader)
        .collect();
    readers.sort_by(|a, b| a.id().cmp(b.id()));
    readers
}
