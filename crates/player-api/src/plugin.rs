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

/// A text of a [`ReaderInfo`]: static for readers compiled in, owned for readers a host
/// describes at run time (a loaded plugin's description).
#[derive(Debug, Clone, PartialEq, Eq)]
enum Text {
    Static(&'static str),
    Owned(String),
}

impl Text {
    fn get(&self) -> &str {
        match self {
            Text::Static(s) => s,
            Text::Owned(s) => s,
        }
    }
}

/// Bytes that identify a format at a fixed offset of its files (a magic number).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Signature {
    /// Where the bytes stand, from the start of the file.
    pub offset: usize,
    /// The bytes.
    pub bytes: &'static [u8],
}

impl Signature {
    /// `bytes` at `offset`.
    pub const fn at(offset: usize, bytes: &'static [u8]) -> Self {
        Signature { offset, bytes }
    }

    /// Whether `header` (a file's first bytes) has the signature.
    pub fn matches(&self, header: &[u8]) -> bool {
        header
            .get(self.offset..)
            .is_some_and(|rest| rest.starts_with(self.bytes))
    }
}

/// What a reader is, as one static description (like gst-plugins-rs' plugin metadata or
/// Symphonia's format descriptors): id, description, version, file extensions and
/// content signatures.
///
/// ```
/// use player_api::{ReaderInfo, Signature};
/// static INFO: ReaderInfo = ReaderInfo::new(
///     "xyz",
///     "XYZ recordings",
///     env!("CARGO_PKG_VERSION"),
///     &["xyz"],
///     &[Signature::at(0, b"XYZ1")],
/// );
/// assert_eq!(INFO.id(), "xyz");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReaderInfo {
    id: Text,
    description: Text,
    version: Text,
    extensions: Extensions,
    signatures: &'static [Signature],
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Extensions {
    Static(&'static [&'static str]),
    Owned(Vec<String>),
}

impl ReaderInfo {
    /// A reader's description: `id` (short, stable, lowercase: `"fif"`, used as `reader:
    /// fif` and `--reader fif`), a one-line `description`, its `version` (usually
    /// `env!("CARGO_PKG_VERSION")`), the file `extensions` it reads (lowercase, without
    /// the dot) and the `signatures` that identify its files' content (used by the
    /// default [`ReaderPlugin::probe`]; may be empty).
    pub const fn new(
        id: &'static str,
        description: &'static str,
        version: &'static str,
        extensions: &'static [&'static str],
        signatures: &'static [Signature],
    ) -> Self {
        ReaderInfo {
            id: Text::Static(id),
            description: Text::Static(description),
            version: Text::Static(version),
            extensions: Extensions::Static(extensions),
            signatures,
        }
    }

    /// A description made at run time (a host describing a loaded plugin); no signatures
    /// (such a reader probes by itself).
    pub fn owned(
        id: String,
        description: String,
        version: String,
        extensions: Vec<String>,
    ) -> Self {
        ReaderInfo {
            id: Text::Owned(id),
            description: Text::Owned(description),
            version: Text::Owned(version),
            extensions: Extensions::Owned(extensions),
            signatures: &[],
        }
    }

    /// The reader's id.
    pub fn id(&self) -> &str {
        self.id.get()
    }

    /// The one-line description.
    pub fn description(&self) -> &str {
        self.description.get()
    }

    /// The reader's version.
    pub fn version(&self) -> &str {
        self.version.get()
    }

    /// File extensions, lowercase, without the dot.
    pub fn extensions(&self) -> Vec<&str> {
        match &self.extensions {
            Extensions::Static(e) => e.to_vec(),
            Extensions::Owned(e) => e.iter().map(String::as_str).collect(),
        }
    }

    /// Content signatures.
    pub fn signatures(&self) -> &[Signature] {
        self.signatures
    }

    /// The usual probe: [`Confidence::Magic`] when a signature matches, else
    /// [`Confidence::Extension`] when the extension is one of the reader's.
    pub fn probe(&self, probe: &Probe<'_>) -> Option<Confidence> {
        if self.signatures.iter().any(|s| s.matches(probe.header)) {
            Some(Confidence::Magic)
        } else {
            probe.extension_in(&self.extensions())
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
    /// What the reader is: one static description.
    fn info(&self) -> &ReaderInfo;

    /// Whether this reader can read the file described by `probe`, and how sure it is.
    /// Must be fast and must not fail: return `None` when unsure. The default matches
    /// the [`ReaderInfo`]'s signatures, then its extensions.
    fn probe(&self, probe: &Probe<'_>) -> Option<Confidence> {
        self.info().probe(probe)
    }

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
            .field("id", &self.reader.info().id())
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
    readers.sort_by(|a, b| a.info().id().cmp(b.info().id()));
    readers
}
