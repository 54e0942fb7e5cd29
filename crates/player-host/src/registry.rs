//! The readers known to this host, and the choice of a reader for a file.

use crate::error::{HostError, Result};
use player_api::{registered_readers, Probe, ReadError, ReaderPlugin, PROBE_HEADER_LEN};
use std::fs::File;
use std::io::Read;
use std::path::Path;

/// Where a reader comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// Compiled into this host.
    BuiltIn,
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Origin::BuiltIn => f.write_str("built-in"),
        }
    }
}

/// One reader and its origin.
#[derive(Clone, Copy)]
pub struct ReaderEntry<'a> {
    /// The reader.
    pub reader: &'a dyn ReaderPlugin,
    /// Where it comes from.
    pub origin: &'a Origin,
}

impl std::fmt::Debug for ReaderEntry<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReaderEntry")
            .field("id", &self.reader.id())
            .field("origin", self.origin)
            .finish()
    }
}

/// The set of readers a host can use: built-ins first.
pub struct Registry {
    readers: Vec<(&'static dyn ReaderPlugin, Origin)>,
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.entries()).finish()
    }
}

impl Registry {
    /// The built-in readers of this program.
    pub fn builtin() -> Self {
        player_readers::link();
        Registry {
            readers: registered_readers()
                .into_iter()
                .map(|r| (r, Origin::BuiltIn))
                .collect(),
        }
    }

    /// Every reader, in order of precedence.
    pub fn entries(&self) -> impl Iterator<Item = ReaderEntry<'_>> {
        self.readers.iter().map(|(reader, origin)| ReaderEntry {
            reader: *reader,
            origin,
        })
    }

    /// The reader with this id.
    pub fn by_id(&self, id: &str) -> Option<&dyn ReaderPlugin> {
        self.entries()
            .find(|e| e.reader.id() == id)
            .map(|e| e.reader)
    }

    /// Chooses the reader for `path`: `explicit` if given (it must exist), else the reader
    /// whose probe is most confident (content beats extension; ties go to the earlier
    /// reader), else an error listing what was tried.
    pub fn choose(&self, path: &Path, explicit: Option<&str>) -> Result<&dyn ReaderPlugin> {
        if let Some(id) = explicit {
            return self.by_id(id).ok_or_else(|| HostError::NoReader {
                path: path.to_path_buf(),
                message: format!(
                    "no reader with id {id:?} (available: {})",
                    self.ids().join(", ")
                ),
            });
        }
        let header = read_probe_header(path)?;
        if header.is_empty() {
            return Err(ReadError::malformed("the file is empty")
                .in_file(path)
                .into());
        }
        let probe = Probe {
            path,
            header: &header,
        };
        let mut best: Option<(&dyn ReaderPlugin, player_api::Confidence)> = None;
        for entry in self.entries() {
            if let Some(c) = entry.reader.probe(&probe) {
                if best.is_none_or(|(_, b)| c > b) {
                    best = Some((entry.reader, c));
                }
            }
        }
        best.map(|(r, _)| r).ok_or_else(|| HostError::NoReader {
            path: path.to_path_buf(),
            message: format!(
                "no reader recognizes this file (tried {}); name one with --reader or `reader:`",
                self.ids().join(", ")
            ),
        })
    }

    fn ids(&self) -> Vec<&str> {
        self.entries().map(|e| e.reader.id()).collect()
    }
}

/// Reads up to [`PROBE_HEADER_LEN`] bytes from the start of `path`.
fn read_probe_header(path: &Path) -> Result<Vec<u8>> {
    let file =
        File::open(path).map_err(|e| ReadError::io("cannot open the file", e).in_file(path))?;
    if file.metadata().map(|m| m.is_dir()).unwrap_or(false) {
        return Err(
            ReadError::invalid_argument("is a directory, not a recording")
                .in_file(path)
                .into(),
        );
    }
    let mut header = Vec::with_capacity(PROBE_HEADER_LEN);
    file.take(PROBE_HEADER_LEN as u64)
        .read_to_end(&mut header)
        .map_err(|e| ReadError::io("reading the file's first bytes", e).in_file(path))?;
    Ok(header)
}
