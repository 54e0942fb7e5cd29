//! Loading reader plugins from dynamic libraries.
//!
//! A plugin is a shared library (`.so`, `.dylib`, `.dll`) exporting the entry point of
//! `player_api::abi` (see `plugins/README.md`). Loading one:
//!
//! 0. check it against the trust rule ([`crate::trust`]): only a [`Trusted`] path, absolute
//!    and resolved, is ever loaded, so the loader's search path (`LD_LIBRARY_PATH`, ...)
//!    never picks the file;
//! 1. `dlopen` it (`libloading`); failures (not a shared library, missing dependencies)
//!    refuse it with the loader's message;
//! 2. look up `player_plugin_entry`; a library without it is not a player plugin;
//! 3. call the entry point and check the table's magic, ABI version and size before
//!    anything else ([`DynamicReader::from_table`]);
//! 4. ask the plugin to describe itself (id, version, extensions).
//!
//! The result is a [`DynamicReader`], a `ReaderPlugin` like any built-in one. It, and every
//! recording and sample source opened through it, holds the library in an `Arc`: the
//! library is unloaded only when the last of them is gone, never while in use.

use crate::trust::Trusted;
use player_api::abi::{DynamicReader, EntryFn, LoadError, ENTRY_SYMBOL};
use std::sync::Arc;

/// The file extension of shared libraries on this platform (`so`, `dylib`, `dll`).
pub const LIBRARY_EXTENSION: &str = std::env::consts::DLL_EXTENSION;

/// Loads the plugin library at the checked path `library` (see [`crate::trust`]) and
/// checks it; the error says why it was refused.
pub fn load(library: &Trusted) -> Result<DynamicReader, LoadError> {
    let path = library.path();
    // SAFETY: loading a library runs its initializers. The user named this library (or
    // its directory) explicitly as a plugin, it passed the trust rule (or the user set
    // the escape hatch), and it is loaded by its absolute resolved path.
    let library = unsafe { libloading::Library::new(path) }
        .map_err(|e| LoadError::NotALibrary(loader_message(&e)))?;
    // SAFETY: the symbol, if present, is the entry point of the ABI: an
    // `extern "C" fn() -> *const PluginTable`. Its result is checked before use.
    let entry: EntryFn = match unsafe { library.get::<EntryFn>(ENTRY_SYMBOL) } {
        Ok(symbol) => *symbol,
        Err(_) => return Err(LoadError::MissingSymbol),
    };
    // SAFETY: an entry point of the ABI; it catches its own panics and returns a static
    // table or null.
    let table = unsafe { entry() };
    let library = Arc::new(library);
    // SAFETY: the table is a static of the library, valid while `library` (kept by the
    // reader and everything opened through it) is loaded; `from_table` checks its header
    // before any call.
    unsafe { DynamicReader::from_table(table, path.display().to_string(), library) }
}

/// The loader's message, without the path it repeats.
fn loader_message(e: &libloading::Error) -> String {
    let text = e.to_string();
    match std::error::Error::source(e) {
        Some(inner) => inner.to_string(),
        None => text,
    }
}
