//! The C ABI that carries a [`ReaderPlugin`](crate::ReaderPlugin) across a dynamic-library
//! boundary, and the [`export_plugin!`](crate::export_plugin) macro that builds it.
//!
//! A third-party reader is an ordinary [`ReaderPlugin`](crate::ReaderPlugin) in a crate of
//! type `cdylib` that ends with one line:
//!
//! ```ignore
//! player_api::export_plugin!(MyReader);
//! ```
//!
//! # The contract
//!
//! * The library exports one symbol, [`ENTRY_SYMBOL`] (`player_plugin_entry`), an
//!   `extern "C" fn() -> *const PluginTable` ([`EntryFn`]).
//! * The table starts with a [`TableHeader`]: [`ABI_MAGIC`], the ABI version and the
//!   table's size. A host reads that header first and refuses the library, without
//!   calling anything else, when the magic differs or the version and size break the
//!   compatibility rule below ([`compatible`]).
//! * Only plain C types cross: integers, `f64` buffers, UTF-8 text as pointer + length
//!   ([`AbiStr`] in, [`AbiBuf`] out), opaque handles. Metadata
//!   ([`RecordingInfo`](crate::RecordingInfo), reader options, text samples) crosses as
//!   JSON text in the
//!   serde form of this crate's types. No Rust trait object, `String` or `Vec` crosses,
//!   so a plugin built with another compiler version loads, or is refused clearly.
//! * Every call returns a [`Status`]. Errors come back as an [`AbiError`]: the
//!   [`ReadErrorKind`](crate::ReadErrorKind) as a number, the message, the file and the
//!   byte offset. Every plugin-side call runs under `catch_unwind`; a panic becomes
//!   [`STATUS_PANIC`] with its message and location (a plugin must therefore be built
//!   with the default `panic = "unwind"`).
//! * Memory is freed by the side that allocated it: buffers the plugin hands out go back
//!   through [`PluginTable::free_buf`], recordings and sources through
//!   [`PluginTable::recording_free`] and [`PluginTable::source_free`]; the host's buffers
//!   (paths, sample buffers) are only borrowed for the call.
//!
//! # Versioning: the compatibility rule
//!
//! [`ABI_VERSION`] is versioned separately from this crate: it changes only when the
//! layout or meaning of the table changes, not when the Rust API gains a helper. From
//! version 2 on, fields are only ever **appended** to [`PluginTable`] (as abi_stable's
//! prefix types), so a host accepts a plugin whose ABI version is at most its own and at
//! least [`OLDEST_ABI_VERSION`], when the plugin's table is at least as large as that
//! version's table: a future host keeps loading today's plugins, reading only the fields
//! they have. A plugin newer than the host, or older than [`OLDEST_ABI_VERSION`] (ABI 1,
//! whose read functions were different), is refused with both version numbers and what to
//! rebuild ([`LoadError::IncompatibleVersion`]).
//!
//! # The host side
//!
//! [`DynamicReader::from_table`] checks a table and wraps it back into a
//! [`ReaderPlugin`](crate::ReaderPlugin): recordings and sources opened through it behave
//! like a built-in reader's, with the plugin's answers checked (malformed metadata, more
//! frames than the buffer holds) and a panicking source poisoned. Loading the library
//! itself (`libloading`) is the host's business.

mod export;
mod host;
mod load;
mod types;

pub use export::{entry, table, ExportedReader};
pub use host::DynamicReader;
pub use load::{compatible, table_size, LoadError};
pub use types::*;

/// The version of this C ABI (not of the crate). Bumped when fields are appended to
/// [`PluginTable`] (never for other changes: see the compatibility rule above).
pub const ABI_VERSION: u32 = 2;

/// The oldest ABI version this host loads (ABI 1 had three read functions; version 2
/// made them one).
pub const OLDEST_ABI_VERSION: u32 = 2;

/// The first 8 bytes of every plugin table.
pub const ABI_MAGIC: [u8; 8] = *b"PLYRPLUG";

/// The name of the exported entry point, NUL-terminated (for `dlsym`/`libloading`).
pub const ENTRY_SYMBOL: &[u8] = b"player_plugin_entry\0";

/// Exports a [`ReaderPlugin`](crate::ReaderPlugin) from a `cdylib` as a player plugin.
///
/// The argument is an expression building the reader (a unit struct, or a constructor
/// call); it is evaluated once, on first use. The macro defines the entry point
/// `player_plugin_entry` and a private type; use it once per library, at the crate root.
///
/// ```ignore
/// struct MyReader;
/// impl player_api::ReaderPlugin for MyReader { /* ... */ }
/// player_api::export_plugin!(MyReader);
/// ```
#[macro_export]
macro_rules! export_plugin {
    ($reader:expr) => {
        #[doc(hidden)]
        struct __PlayerPluginExport;

        impl $crate::abi::ExportedReader for __PlayerPluginExport {
            fn reader() -> &'static dyn $crate::ReaderPlugin {
                static READER: ::std::sync::OnceLock<::std::boxed::Box<dyn $crate::ReaderPlugin>> =
                    ::std::sync::OnceLock::new();
                READER
                    .get_or_init(|| ::std::boxed::Box::new($reader))
                    .as_ref()
            }
        }

        /// The player plugin entry point (see `player_api::abi`).
        #[unsafe(no_mangle)]
        pub extern "C" fn player_plugin_entry() -> *const $crate::abi::PluginTable {
            static TABLE: $crate::abi::PluginTable = $crate::abi::table::<__PlayerPluginExport>();
            $crate::abi::entry::<__PlayerPluginExport>(&TABLE)
        }
    };
}

#[cfg(test)]
mod tests;
