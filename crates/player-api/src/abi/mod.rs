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
//!   calling anything else, when the magic differs, the version is not its
//!   [`ABI_VERSION`], or the table is smaller than its own [`PluginTable`].
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
//! # Versioning
//!
//! [`ABI_VERSION`] is versioned separately from this crate: it changes only when the
//! layout or meaning of the table changes (fields are only ever appended), not when the
//! Rust API gains a helper. A host loads only plugins of its own ABI version and says
//! which versions differ when it refuses one.
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
mod types;

pub use export::{entry, table, ExportedReader};
pub use host::{DynamicReader, LoadError};
pub use types::*;

/// The version of this C ABI (not of the crate). Bumped on any change to [`PluginTable`]
/// or to the meaning of its functions.
pub const ABI_VERSION: u32 = 1;

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
