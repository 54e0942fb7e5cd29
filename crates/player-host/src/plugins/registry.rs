//! The readers known to this host, and the choice of a reader for a file.
//!
//! # Discovery
//!
//! Built-in readers come first. Then plugin libraries, in this order:
//! every `--plugin-dir DIR` (in command-line order), every entry of the
//! `PLAYER_PLUGIN_PATH` environment variable (a path list, `:`-separated on Unix,
//! `;` on Windows), then the scenario's `plugins:` list. Each entry is a library file or
//! a directory. A directory contributes, sorted by name, only its files named like a
//! plugin ([`is_plugin_file_name`]: `lib*player*.so` on Linux, `lib*player*.dylib` on
//! macOS, `*player*.dll` on Windows), not its subdirectories; its other libraries are
//! not loaded (they are listed as refused, with the pattern). A library named
//! explicitly is loaded whatever its name. Nothing is ever loaded from the current
//! directory implicitly: empty entries of the path list are skipped. A library reached
//! twice (same canonical path) is loaded once.
//!
//! # Trust
//!
//! Every library, and every directory given, must pass the trust rule of
//! [`crate::trust`] (owned by root or the user, in directories only they can write, up to
//! `/`) before anything is loaded, and is loaded by its absolute resolved path. A library
//! that fails it is refused with the offending path and the `chmod`/`chown` that fixes it;
//! with `PLAYER_PLUGIN_UNSAFE=1` it is loaded anyway, with one warning line on stderr.
//!
//! # Refusals and clashing ids
//!
//! A library that cannot be loaded, is not a player plugin, was built for another ABI
//! version or describes itself badly is *refused*: it is kept in [`Registry::refused`]
//! with the reason, listed by `player-host plugins` and warned about by the other
//! commands. When two readers have the same id, **built-ins win, then the library loaded
//! first**; the later library is refused with a reason that names the winner.

use crate::error::{HostError, Result};
use crate::plugins::dynamic::{self, LIBRARY_EXTENSION};
use crate::trust::{self, Untrusted};
use player_api::abi::LoadError;
use player_api::{quote, registered_readers, Probe, ReadError, ReaderPlugin, PROBE_HEADER_LEN};
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
    /// Added by the program embedding the host (a reader of data held in memory, see
    /// [`crate::plugins::memory`]).
    Memory,
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Origin::BuiltIn => f.write_str("built-in"),
            Origin::Library(path) => write!(f, "{}", path.display()),
            Origin::Memory => f.write_str("in memory"),
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
            .field("id", &self.reader.info().id())
            .field("origin", self.origin)
            .finish()
    }
}

/// A library that was not added, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    /// The library (or the missing path), as given or as listed in its directory.
    pub path: PathBuf,
    /// Why it was refused (its `Display` is one line; [`LoadError::code`] names the
    /// variant).
    pub reason: LoadError,
}

/// The pattern of library names loaded from a plugin directory on this platform:
/// `lib*player*.so` (Linux), `lib*player*.dylib` (macOS), `*player*.dll` (Windows).
pub fn plugin_file_pattern() -> String {
    format!(
        "{}*player*.{LIBRARY_EXTENSION}",
        std::env::consts::DLL_PREFIX
    )
}

/// Whether a file name in a plugin directory is loaded: it matches
/// [`plugin_file_pattern`] (the platform's library prefix and extension, and `player`
/// in between).
pub fn is_plugin_file_name(name: &OsStr) -> bool {
    let Some(name) = name.to_str() else {
        return false;
    };
    let suffix = format!(".{LIBRARY_EXTENSION}");
    name.strip_prefix(std::env::consts::DLL_PREFIX)
        .and_then(|rest| rest.strip_suffix(&suffix))
        .is_some_and(|stem| stem.contains("player"))
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

/// Where a run's plugin libraries come from, in the order of the module docs.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct PluginSources<'a> {
    /// `--plugin-dir` paths, in command-line order.
    pub dirs: &'a [PathBuf],
    /// Whether [`PLUGIN_PATH_ENV`] is read.
    pub env: bool,
    /// The scenario's `plugins:`.
    pub scenario: &'a [PathBuf],
}

impl PluginSources<'_> {
    /// The readers of a run: built-ins, then every `dirs` path, then [`PLUGIN_PATH_ENV`]
    /// when `env`, then the scenario's `plugins:`. The one place where a registry of
    /// plugins is built.
    pub(crate) fn registry(&self) -> Registry {
        let mut registry = Registry::builtin();
        for dir in self.dirs {
            registry.add_plugin_path(dir);
        }
        if self.env {
            registry.add_plugin_path_env();
        }
        for path in self.scenario {
            registry.add_plugin_path(path);
        }
        registry
    }
}

/// The set of readers a host can use: built-ins first, then plugin libraries.
pub(crate) struct Registry {
    readers: Vec<(Held, Origin)>,
    refused: Vec<Refused>,
    /// Canonical paths of every library tried (loaded or refused).
    tried: BTreeSet<PathBuf>,
    /// Libraries that failed the trust rule and were loaded anyway (`PLAYER_PLUGIN_UNSAFE`),
    /// with why they failed it.
    unsafe_loads: Vec<(PathBuf, String)>,
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
            unsafe_loads: Vec::new(),
        }
    }

    /// Adds the plugins of a library file or of a directory's libraries (see the module
    /// docs). Failures are recorded in [`refused`](Registry::refused), never fatal.
    pub fn add_plugin_path(&mut self, path: &Path) {
        // A directory must pass the trust rule too (its libraries are checked again one
        // by one; with the escape hatch only they are warned about).
        let checked = match trust::admit(trust::check_trusted(path)) {
            Ok((t, _)) => t,
            Err(u) => return self.refuse(path, untrusted(u)),
        };
        if !checked.path().is_dir() {
            self.add_library(path);
            return;
        }
        let entries = match std::fs::read_dir(checked.path()) {
            Ok(entries) => entries,
            Err(e) => {
                self.refuse(
                    path,
                    LoadError::Unreadable(format!("cannot list the directory: {e}")),
                );
                return;
            }
        };
        let mut libraries: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| path.join(e.file_name())))
            .filter(|p| p.extension() == Some(OsStr::new(LIBRARY_EXTENSION)) && p.is_file())
            .collect();
        libraries.sort();
        for library in libraries {
            if library.file_name().is_some_and(is_plugin_file_name) {
                self.add_library(&library);
            } else {
                self.refuse(
                    &library,
                    LoadError::NotAPluginName {
                        pattern: plugin_file_pattern(),
                    },
                );
            }
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

    /// Loads one library, by its checked absolute path; refusals are recorded.
    fn add_library(&mut self, path: &Path) {
        let (library, untrusted) = match trust::admit(trust::check_library(path)) {
            Ok(admitted) => admitted,
            Err(u) => {
                let key = u
                    .trust_anyway()
                    .map_or(path.to_path_buf(), |t| t.path().into());
                if self.tried.insert(key) {
                    self.refuse(path, untrusted(u));
                }
                return;
            }
        };
        if !self.tried.insert(library.path().to_path_buf()) {
            return;
        }
        if let Some(u) = untrusted {
            self.unsafe_loads
                .push((library.path().to_path_buf(), u.summary()));
        }
        match dynamic::load(&library) {
            Ok(reader) => self.add_loaded(library.path(), Box::new(reader)),
            Err(e) => self.refuse(path, e),
        }
    }

    /// Adds a reader loaded from the library at `path` (resolved), unless its id is taken
    /// (then it is refused).
    fn add_loaded(&mut self, path: &Path, reader: Box<dyn ReaderPlugin>) {
        let id = reader.info().id();
        let winner = self
            .entries()
            .find(|e| e.reader.info().id() == id)
            .map(|e| e.origin.to_string());
        if let Some(winner) = winner {
            let reason = LoadError::IdClash {
                id: id.to_string(),
                winner,
            };
            self.refuse(path, reason);
            return;
        }
        self.readers
            .push((Held::Loaded(reader), Origin::Library(path.to_path_buf())));
    }

    /// Adds a reader made by the program itself (e.g. a
    /// [`MemoryReader`](crate::MemoryReader)), after every other: it is used only when it is the sole
    /// reader with its id (a built-in or a library with the same id wins) and when chosen
    /// (by its id, or by probing). Choosing a reader by id (`reader:`) never touches the
    /// file system, so its entries may name pseudo paths such as `memory:NAME`.
    pub fn add_reader(&mut self, reader: Box<dyn ReaderPlugin>, origin: Origin) {
        self.readers.push((Held::Loaded(reader), origin));
    }

    fn refuse(&mut self, path: &Path, reason: LoadError) {
        self.refused.push(Refused {
            path: path.to_path_buf(),
            reason,
        });
    }

    /// Libraries that were not added, with the reason, in discovery order.
    pub fn refused(&self) -> &[Refused] {
        &self.refused
    }

    /// What a user should be told about the libraries: those loaded despite the trust rule
    /// (`PLAYER_PLUGIN_UNSAFE=1`, [`unsafe_warnings`](Registry::unsafe_warnings)), then
    /// those refused, one line each (the one wording of these warnings, printed by the
    /// front ends).
    pub fn warnings(&self) -> Vec<String> {
        let refused = self
            .refused
            .iter()
            .map(|r| format!("plugin {} refused: {}", r.path.display(), r.reason));
        self.unsafe_warnings().into_iter().chain(refused).collect()
    }

    /// One line per library loaded despite the trust rule (`PLAYER_PLUGIN_UNSAFE=1`).
    pub fn unsafe_warnings(&self) -> Vec<String> {
        self.unsafe_loads
            .iter()
            .map(|(path, why)| {
                format!(
                    "{}=1: loading untrusted plugin {}: {why}",
                    trust::UNSAFE_ENV,
                    path.display()
                )
            })
            .collect()
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
            .find(|e| e.reader.info().id() == id)
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
                    "no reader with id {} (available: {})",
                    quote(id),
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
        self.entries().map(|e| e.reader.info().id()).collect()
    }
}

/// Reads up to [`PROBE_HEADER_LEN`] bytes from the start of `path`.
fn read_probe_header(path: &Path) -> Result<Vec<u8>> {
    // Checked before opening: opening a FIFO would block.
    player_api::io::check_regular_file(path)?;
    let file = File::open(path).map_err(|e| player_api::io::open_failed(path, e))?;
    let mut header = Vec::with_capacity(PROBE_HEADER_LEN);
    file.take(PROBE_HEADER_LEN as u64)
        .read_to_end(&mut header)
        .map_err(|e| ReadError::io("reading the file's first bytes", e).in_file(path))?;
    Ok(header)
}

/// The refusal of a path that fails the trust rule ([`LoadError::Unreadable`] when it
/// could not even be resolved).
fn untrusted(u: Untrusted) -> LoadError {
    match &u.problem {
        trust::Problem::Unresolvable(m) => LoadError::Unreadable(m.clone()),
        trust::Problem::NotAFile { .. } => LoadError::Unreadable(u.summary()),
        _ => LoadError::Untrusted(u.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use player_api::{Confidence, OpenOptions, ReaderInfo, Recording};

    /// A reader with a chosen id, standing in for a loaded library.
    struct Named(ReaderInfo);

    fn named(id: &'static str) -> Box<Named> {
        Box::new(Named(ReaderInfo::new(id, "test", "0", &[], &[])))
    }

    impl ReaderPlugin for Named {
        fn info(&self) -> &ReaderInfo {
            &self.0
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
        r.add_loaded(Path::new("/p/libwav.so"), named("wav"));
        r.add_loaded(Path::new("/p/liba.so"), named("xyz"));
        r.add_loaded(Path::new("/p/libb.so"), named("xyz"));
        let origins: Vec<String> = r
            .entries()
            .filter(|e| ["wav", "xyz"].contains(&e.reader.info().id()))
            .map(|e| format!("{} {}", e.reader.info().id(), e.origin))
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

    #[cfg(target_os = "linux")]
    #[test]
    fn only_lib_player_so_names_are_plugin_file_names() {
        let yes = [
            "libplayer_brainvision.so",
            "libmy-player.so",
            "libplayer.so",
        ];
        let no = [
            "libzz.so",
            "player.so",
            "libplayer_x.so.1",
            "libplayer.dylib",
            "x.so",
        ];
        for name in yes {
            assert!(is_plugin_file_name(OsStr::new(name)), "{name}");
        }
        for name in no {
            assert!(!is_plugin_file_name(OsStr::new(name)), "{name}");
        }
        assert_eq!(plugin_file_pattern(), "lib*player*.so");
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
