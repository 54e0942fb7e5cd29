//! Why a library is refused as a plugin ([`LoadError`]), and the compatibility rule
//! ([`compatible`]).

use super::types::TableHeader;
use super::{ABI2_TABLE_SIZE, ABI_MAGIC, ABI_VERSION, OLDEST_ABI_VERSION};
use std::fmt;

/// Why a library was refused as a plugin: one variant per reason, so that hosts and tests
/// can match on it; the display form is one line for `player-host plugins`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum LoadError {
    /// The path could not be read (missing, a directory that cannot be listed, ...).
    Unreadable(String),
    /// The file could not be loaded as a shared library (the loader's message).
    NotALibrary(String),
    /// The library exports no `player_plugin_entry` symbol.
    MissingSymbol,
    /// The entry point returned no table (the plugin could not set itself up).
    NoTable,
    /// The entry symbol does not point to a player plugin table.
    BadMagic,
    /// The plugin was built for an ABI version this host does not load.
    IncompatibleVersion {
        /// The plugin's ABI version.
        plugin: u32,
        /// This host's ABI version.
        host: u32,
        /// The oldest version this host loads.
        oldest: u32,
    },
    /// The table is smaller than its ABI version's table.
    TableTooSmall {
        /// The plugin's ABI version.
        version: u32,
        /// The table's size as the plugin gives it, in bytes.
        size: u32,
        /// The size that version's table has.
        needed: usize,
    },
    /// A required function of the table (one of ABI 2's) is a null pointer.
    NullFunction {
        /// The field's name (`source_read`).
        name: &'static str,
    },
    /// A JSON document from the plugin has a newer schema version than this host reads
    /// (see [`SCHEMA_VERSION`](super::SCHEMA_VERSION)).
    NewerSchema {
        /// What the document is (`description`).
        document: &'static str,
        /// Its schema version.
        version: u32,
        /// The newest schema version this host reads.
        host: u32,
    },
    /// The plugin's `describe` failed or described it badly.
    BadDescription(String),
    /// Another reader already has the plugin's id.
    IdClash {
        /// The id.
        id: String,
        /// Where the reader that keeps it comes from (`built-in` or a library).
        winner: String,
    },
    /// The library, or a directory above it, could be replaced by someone other than
    /// its owner or root; it was not loaded. The text names the path, what is wrong and
    /// the fix.
    Untrusted(String),
    /// A library in a plugin directory whose name does not match the pattern of plugin
    /// libraries; it was not loaded.
    NotAPluginName {
        /// The pattern (`lib*player*.so`).
        pattern: String,
    },
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoadError::Unreadable(m) => write!(f, "cannot read it: {m}"),
            LoadError::NotALibrary(m) => write!(f, "cannot load it: {m}"),
            LoadError::MissingSymbol => {
                f.write_str("not a player plugin: it exports no `player_plugin_entry` symbol")
            }
            LoadError::NoTable => f.write_str(
                "its entry point returned no table (the plugin could not set itself up)",
            ),
            LoadError::BadMagic => {
                f.write_str("its entry symbol does not point to a player plugin table (bad magic)")
            }
            LoadError::IncompatibleVersion { plugin, host, .. } if plugin > host => write!(
                f,
                "built for plugin ABI version {plugin}, newer than this host's ABI version \
                 {host}: update player-host"
            ),
            LoadError::IncompatibleVersion {
                plugin,
                host,
                oldest,
            } => write!(
                f,
                "built for plugin ABI version {plugin}, but this host loads ABI versions \
                 {oldest} to {host}: rebuild the plugin against this host's player-api \
                 (see plugins/README.md)"
            ),
            LoadError::TableTooSmall {
                version,
                size,
                needed,
            } => write!(
                f,
                "its function table is {size} bytes, but ABI version {version} needs {needed}"
            ),
            LoadError::NullFunction { name } => write!(
                f,
                "its function table has no `{name}` (a null pointer where every plugin has one)"
            ),
            LoadError::NewerSchema {
                document,
                version,
                host,
            } => write!(
                f,
                "its {document} has JSON schema version {version}, newer than this host's \
                 {host}: update player-host"
            ),
            LoadError::BadDescription(m) => write!(f, "its description is not valid: {m}"),
            LoadError::IdClash { id, winner } => write!(
                f,
                "its reader id {id:?} is already taken by {winner} (built-ins win, then the \
                 library loaded first)"
            ),
            LoadError::Untrusted(m) => write!(f, "untrusted: {m}"),
            LoadError::NotAPluginName { pattern } => write!(
                f,
                "not loaded: in a plugin directory only files named {pattern} are loaded (name \
                 the file itself to load it)"
            ),
        }
    }
}

impl std::error::Error for LoadError {}

impl LoadError {
    /// A short stable name of the variant (`"incompatible-version"`), for JSON output and
    /// scripts.
    pub fn code(&self) -> &'static str {
        match self {
            LoadError::Unreadable(_) => "unreadable",
            LoadError::NotALibrary(_) => "not-a-library",
            LoadError::MissingSymbol => "missing-symbol",
            LoadError::NoTable => "no-table",
            LoadError::BadMagic => "bad-magic",
            LoadError::IncompatibleVersion { .. } => "incompatible-version",
            LoadError::TableTooSmall { .. } => "table-too-small",
            LoadError::NullFunction { .. } => "null-function",
            LoadError::NewerSchema { .. } => "newer-schema",
            LoadError::BadDescription(_) => "bad-description",
            LoadError::IdClash { .. } => "id-clash",
            LoadError::Untrusted(_) => "untrusted",
            LoadError::NotAPluginName { .. } => "not-a-plugin-name",
        }
    }
}

/// The size of the table of ABI `version`, for the versions this host knows. (When a
/// field is appended, the new version's line gives the new size; the older lines stay.)
pub fn table_size(version: u32) -> Option<usize> {
    match version {
        2 => Some(ABI2_TABLE_SIZE),
        _ => None,
    }
}

/// The compatibility rule: a table with this header can be used by this host (magic
/// right; version from [`OLDEST_ABI_VERSION`] to [`ABI_VERSION`]; table at least that
/// version's size). The host then reads only the fields the table's size covers (see
/// [`read_table`](super::read_table)).
pub fn compatible(header: &TableHeader) -> Result<(), LoadError> {
    check_header(header, ABI_VERSION)
}

/// The compatibility rule for a host of ABI version `host`. A version newer than this
/// crate's (a test's layout) needs at least ABI 2's size.
pub(super) fn check_header(header: &TableHeader, host: u32) -> Result<(), LoadError> {
    if header.magic != ABI_MAGIC {
        return Err(LoadError::BadMagic);
    }
    let version = header.abi_version;
    if !(OLDEST_ABI_VERSION..=host).contains(&version) {
        return Err(LoadError::IncompatibleVersion {
            plugin: version,
            host,
            oldest: OLDEST_ABI_VERSION,
        });
    }
    let needed = table_size(version)
        .unwrap_or(ABI2_TABLE_SIZE)
        .max(ABI2_TABLE_SIZE);
    if (header.table_size as usize) < needed {
        return Err(LoadError::TableTooSmall {
            version,
            size: header.table_size,
            needed,
        });
    }
    Ok(())
}
