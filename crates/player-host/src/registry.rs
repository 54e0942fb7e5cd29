//! The readers known to this host, and the choice of a reader for a file.
//!
//! # Discovery
//!
//! Built-in readers come first. Then plugin libraries, in this order:
//! every `--plugin-dir DIR` (in command-line order), every entry of the
//! `PLAYER_PLUGIN_PATH` environment variable (a path list, `:`-separated on Unix,
//! `;` on Windows), then the scenario's `plugins:` list. Each entry is a library file or
//! a directory; a directory contributes its files with the platform's library extension
//! ([`LIBRARY_EXTENSION`]), sorted by name, not its subdirectories. Nothing is ever
//! loaded from the current directory implicitly: empty entries of the path list are
//! skipped. A library reached twice (same canonical path) is loaded once.
//!
//! # Refusals and clashing ids
//!
//! A library that cannot be loaded, is not a player plugin, was built for another ABI
//! version or describes itself badly is *refused*: it is kept in [`Registry::refused`]
//! with the reason, listed by `player-host plugins` and warned about by the other
//! commands. When two readers have the same id, **built-ins win, then the library loaded
//! first**; the later library is refused with a reason that names the winner.

use crate::dynamic::{self, LIBRARY_EXTENSION};
use crate::error::{HostError, Result};
use player_api::{registered_readers, Probe, ReadError, ReaderPlugin, PROBE_HEADER_LEN};
use std::collections::BTreeSet;
use std::ffi::OsStr;
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

/// The environment variable listing plugin libraries or directories.
pub const PLUGIN_PATH_ENV: &str = "PLAYER_PLUGIN_PATH";

/// Where a reader comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// Compiled into this host.
    BuiltIn,
    /// Loaded from this plugin library.
    Library(PathBuf),
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Origin::BuiltIn => f.write_str("built-in"),
            Origin::Library(path) => write!(f, "{}", path.display()),
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

/// A library that was not added, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    /// The library (or the missing path).
    pub path: PathBuf,
    /// Why it was refused (one line).
    pub reason: String,
}

/// A reader held by the registry.
enum Held {
    Static(&'static dyn ReaderPlugin),
    Loaded(Box<dyn ReaderPlugin>),
}

impl Held {
    fn get(&self) -> &dyn ReaderPlugin {
        match self {
            Held::Static(r) => *r,
            Held::Loaded(r) => r.as_ref(),
        }
    }
}

/// The set of readers a host can use: built-ins first, then plugin libraries.
pub struct Registry {
    readers: Vec<(Held, Origin)>,
    refused: Vec<Refused>,
    /// Canonical paths of every library tried (loaded or refused).
    tried: BTreeSet<PathBuf>,
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registry")
            .field("readers", &self.entries().collect::<Vec<_>>())
            .field("refused", &self.refused)
            .finish()
    }
}

impl Registry {
    /// The built-in readers of this program.
    pub fn builtin() -> Self {
        player_readers::link();
        Registry {
            readers: registered_readers()
                .into_iter()
                .map(|r| (Held::Static(r), Origin::BuiltIn))
                .collect(),
            refused: Vec::new(),
            tried: BTreeSet::new(),
        }
    }

    /// Adds the plugins of a library file or of a directory's libraries (see the module
    /// docs). Failures are recorded in [`refused`](Registry::refused), never fatal.
    pub fn add_plugin_path(&mut self, path: &Path) {
        let meta = match std::fs::metadata(path) {
            Ok(m) => m,
            Err(e) => {
                self.refuse(path, format!("cannot read it: {e}"));
                return;
            }
        };
        if let Some(why) = writable_by_others(&meta) {
            self.refuse(path, why);
            return;
        }
        if !meta.is_dir() {
            self.add_library(path);
            return;
        }
        let entries = match std::fs::read_dir(path) {
            Ok(entries) => entries,
            Err(e) => {
                self.refuse(path, format!("cannot list the directory: {e}"));
                return;
            }
        };
        let mut libraries: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension() == Some(OsStr::new(LIBRARY_EXTENSION)) && p.is_file())
            .collect();
        libraries.sort();
        for library in libraries {
            self.add_library(&library);
        }
    }

    /// Adds every entry of a path list (the value of [`PLUGIN_PATH_ENV`]); empty entries
    /// are skipped, never read as the current directory.
    pub fn add_plugin_path_list(&mut self, list: &OsStr) {
        for path in std::env::split_paths(list) {
            if !path.as_os_str().is_empty() {
                self.add_plugin_path(&path);
            }
        }
    }

    /// Adds the plugins of the [`PLUGIN_PATH_ENV`] environment variable, if it is set.
    pub fn add_plugin_path_env(&mut self) {
        if let Some(list) = std::env::var_os(PLUGIN_PATH_ENV) {
            self.add_plugin_path_list(&list);
        }
    }

    /// Loads one library; refusals are recorded.
    fn add_library(&mut self, path: &Path) {
        let key = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        if !self.tried.insert(key) {
            return;
        }
        if let Some(why) = std::fs::metadata(path)
            .ok()
            .and_then(|m| writable_by_others(&m))
        {
            self.refuse(path, why);
            return;
        }
        match dynamic::load(path) {
            Ok(reader) => self.add_loaded(path, Box::new(reader)),
            Err(e) => self.refuse(path, e.to_string()),
        }
    }

    /// Adds a reader loaded from `path`, unless its id is taken (then it is refused).
    fn add_loaded(&mut self, path: &Path, reader: Box<dyn ReaderPlugin>) {
        let winner = self
            .entries()
            .find(|e| e.reader.id() == reader.id())
            .map(|e| e.origin.to_string());
        if let Some(winner) = winner {
            let reason = format!(
                "its reader id {:?} is already taken by {winner} (built-ins win, then the library loaded first)",
                reader.id(),
            );
            self.refuse(path, reason);
            return;
        }
        self.readers
            .push((Held::Loaded(reader), Origin::Library(path.to_path_buf())));
    }

    fn refuse(&mut self, path: &Path, reason: String) {
        self.refused.push(Refused {
            path: path.to_path_buf(),
            reason,
        });
    }

    /// Libraries that were not added, with the reason, in discovery order.
    pub fn refused(&self) -> &[Refused] {
        &self.refused
    }

    /// Every reader, in order of precedence.
    pub fn entries(&self) -> impl Iterator<Item = ReaderEntry<'_>> {
        self.readers.iter().map(|(reader, origin)| ReaderEntry {
            reader: reader.get(),
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
            message: if header.starts_with(&[0x1f, 0x8b]) {
                format!(
                    "the file is gzip-compressed, which no reader reads (tried {}): unpack it \
                     first (gunzip -k {})",
                    self.ids().join(", "),
                    path.display()
                )
            } else {
                // The command line adds how to name a reader or load a plugin.
                format!(
                    "no reader recognizes this file (tried {})",
                    self.ids().join(", ")
                )
            },
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

/// Why a plugin directory or library must not be loaded: anyone on the machine could
/// replace its code (mode `o+w`, without the sticky bit of shared directories like /tmp,
/// which keeps others from replacing files they do not own).
fn writable_by_others(meta: &std::fs::Metadata) -> Option<String> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = meta.permissions().mode();
        let sticky_dir = meta.is_dir() && mode & 0o1000 != 0;
        if mode & 0o002 != 0 && !sticky_dir {
            return Some(format!(
                "writable by every user (mode {:o}): anyone could replace the code it loads; \
                 remove that permission (chmod o-w)",
                mode & 0o7777
            ));
        }
    }
    #[cfg(not(unix))]
    let _ = meta;
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use player_api::{Confidence, OpenOptions, Recording};

    /// A reader with a chosen id, standing in for a loaded library.
    struct Named(&'static str);

    impl ReaderPlugin for Named {
        fn id(&self) -> &str {
            self.0
        }
        fn description(&self) -> &str {
            "test"
        }
        fn version(&self) -> &str {
            "0"
        }
        fn extensions(&self) -> &[&str] {
            &[]
        }
        fn probe(&self, _: &Probe<'_>) -> Option<Confidence> {
            None
        }
        fn open(&self, path: &Path, _: &OpenOptions) -> Result<Box<dyn Recording>, ReadError> {
            Err(ReadError::unsupported("test").in_file(path))
        }
    }

    #[test]
    fn built_ins_win_then_the_first_library() {
        let mut r = Registry::builtin();
        r.add_loaded(Path::new("/p/libwav.so"), Box::new(Named("wav")));
        r.add_loaded(Path::new("/p/liba.so"), Box::new(Named("xyz")));
        r.add_loaded(Path::new("/p/libb.so"), Box::new(Named("xyz")));
        let origins: Vec<String> = r
            .entries()
            .filter(|e| ["wav", "xyz"].contains(&e.reader.id()))
            .map(|e| format!("{} {}", e.reader.id(), e.origin))
            .collect();
        assert_eq!(origins, ["wav built-in", "xyz /p/liba.so"]);
        let refused: Vec<String> = r
            .refused()
            .iter()
            .map(|x| format!("{}: {}", x.path.display(), x.reason))
            .collect();
        assert_eq!(
            refused,
            [
                "/p/libwav.so: its reader id \"wav\" is already taken by built-in (built-ins win, then the library loaded first)",
                "/p/libb.so: its reader id \"xyz\" is already taken by /p/liba.so (built-ins win, then the library loaded first)",
            ]
        );
    }

    #[test]
    fn missing_paths_are_refused_and_empty_list_entries_skipped() {
        let mut r = Registry::builtin();
        let before = r.entries().count();
        r.add_plugin_path_list(std::ffi::OsStr::new("::/nonexistent/player-plugin-dir:"));
        assert_eq!(r.entries().count(), before);
        assert_eq!(r.refused().len(), 1, "{:?}", r.refused());
        assert_eq!(
            r.refused()[0].path,
            Path::new("/nonexistent/player-plugin-dir")
        );
    }
}
