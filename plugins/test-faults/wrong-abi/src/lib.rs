//! A plugin that claims a future ABI version (999): a valid table in every other respect,
//! so the only reason to refuse it is the version, which the host must name.

use player_api::abi::{table, ExportedReader, PluginTable};
use player_api::{OpenOptions, ReadError, ReaderInfo, ReaderPlugin, Recording};
use std::path::Path;

/// The ABI version this library claims.
pub const CLAIMED_VERSION: u32 = 999;

struct FutureReader;

static INFO: ReaderInfo = ReaderInfo::new(
    "future",
    "a reader from the future (wrong ABI version)",
    env!("CARGO_PKG_VERSION"),
    &["future"],
    &[],
);

impl ReaderPlugin for FutureReader {
    fn info(&self) -> &ReaderInfo {
        &INFO
    }
    fn open(&self, path: &Path, _: &OpenOptions) -> Result<Box<dyn Recording>, ReadError> {
        Err(ReadError::unsupported("never loaded").in_file(path))
    }
}

struct Export;

impl ExportedReader for Export {
    fn reader() -> &'static dyn ReaderPlugin {
        &FutureReader
    }
}

static TABLE: PluginTable = {
    let mut t = table::<Export>();
    t.header.abi_version = CLAIMED_VERSION;
    t
};

/// The entry point, as `export_plugin!` would write it, but with the wrong version.
#[unsafe(no_mangle)]
pub extern "C" fn player_plugin_entry() -> *const PluginTable {
    &TABLE
}
