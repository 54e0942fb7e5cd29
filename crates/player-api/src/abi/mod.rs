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
//!   JSON text in the serde form of this crate's types, each document with its schema
//!   version ([`SCHEMA_VERSION`]). No Rust trait object, `String` or `Vec` crosses,
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
//! version 2 on, [`PluginTable`] is a *prefix type* (as abi_stable's): fields are only ever
//! **appended**, each appended field is optional (nullable) for the host, and the host
//! reads a field only when the size the plugin declares covers it ([`read_table`]; see
//! [the rule of the table](self#the-rule-of-the-table) below). So a host accepts a plugin
//! whose ABI version is at most its own and at least [`OLDEST_ABI_VERSION`], when the
//! plugin's table is at least as large as that version's table ([`compatible`]), and
//! whose required functions (ABI 2's) are all set: a future host keeps loading today's
//! plugins, and the fields they lack read as absent. A plugin newer than the host, or
//! older than [`OLDEST_ABI_VERSION`] (ABI 1, whose read functions were different), is
//! refused with both version numbers and what to rebuild
//! ([`LoadError::IncompatibleVersion`]).
//!
//! # The rule of the table
//!
//! * Fields are only ever appended to [`PluginTable`], each addition bumping
//!   [`ABI_VERSION`]; nothing is removed, moved or retyped.
//! * ABI 2's fields (the first [`ABI2_TABLE_SIZE`] bytes) are required: non-null in every
//!   table, checked at load ([`LoadError::NullFunction`]).
//! * Every field appended after ABI 2 is an `Option` of an `extern "C"` function pointer:
//!   optional for the host, which treats `None` as "the plugin does not have it".
//! * The host copies at most the plugin's declared size ([`TableHeader::table_size`]) into
//!   a zero-filled table of its own layout, whole fields only: a field past the plugin's
//!   table reads as `None`, and nothing past it is read.
//!
//! # Versioning of the JSON documents
//!
//! Three documents cross as JSON objects: the reader's description (`describe`, plugin to
//! host), the [`RecordingInfo`](crate::RecordingInfo) (`recording_info`, plugin to host)
//! and the open options (`open`, host to plugin). Each carries its schema version,
//! [`SCHEMA_VERSION`], under [`SCHEMA_KEY`] (`"schema_version": 1`). The strings of a text
//! read are a bare JSON array whose form is fixed by the ABI version, like the other
//! arguments of `source_read`. The rule for reading them:
//!
//! * Fields are only ever added to a document, each with a default, and readers ignore
//!   fields they do not know: that does not change the version. A document with fewer
//!   fields than the reader knows reads, with the defaults for the missing ones.
//! * The version changes only when a document changes incompatibly (a field removed,
//!   renamed, or given another meaning).
//! * A document without [`SCHEMA_KEY`] is version 1 (plugins built before the key existed
//!   send none, and still load).
//! * A reader takes documents of its [`SCHEMA_VERSION`] or older and refuses newer ones,
//!   saying which side to update: a host refuses a plugin's description with
//!   [`LoadError::NewerSchema`] and its recording info with a
//!   [`ReadError`](crate::ReadError) of kind
//!   [`Unsupported`](crate::ReadErrorKind::Unsupported) (both say "update player-host"); a
//!   plugin refuses the host's options with an
//!   [`InvalidArgument`](crate::ReadErrorKind::InvalidArgument) error ("rebuild the
//!   plugin").
//!
//! # The host side
//!
//! [`DynamicReader::from_table`] reads a table ([`read_table`]) and wraps it back into a
//! [`ReaderPlugin`](crate::ReaderPlugin): recordings and sources opened through it behave
//! like a built-in reader's, with the plugin's answers checked (malformed metadata, more
//! frames than the buffer holds) and a panicking source poisoned; every buffer the plugin
//! hands over is returned to it, on every path. Loading the library itself
//! (`libloading`) is the host's business.

mod export;
mod host;
mod load;
mod prefix;
mod schema;
mod types;

pub use export::{entry, table, ExportedReader};
pub use host::DynamicReader;
pub use load::{compatible, table_size, LoadError};
pub use prefix::{read_table, TableLayout, ABI2_TABLE_SIZE};
pub use schema::{SCHEMA_KEY, SCHEMA_VERSION};
pub use types::*;

/// The version of this C ABI (not of the crate). Bumped when fields are appended to
/// [`PluginTable`] (never for other changes: see the compatibility rule above). Not to be
/// confused with [`SCHEMA_VERSION`], the version of the JSON documents.
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
