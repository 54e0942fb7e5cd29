//! Reading a plugin's table as a *prefix* (the model is abi_stable's prefix types): the
//! host copies at most the size the plugin declares into its own layout, and every field
//! past that size reads as absent.
//!
//! # The rule
//!
//! * Fields are only ever **appended** to [`PluginTable`], each addition bumping
//!   [`ABI_VERSION`](super::ABI_VERSION); nothing is removed, moved or retyped.
//! * The fields of ABI 2 (the first [`ABI2_TABLE_SIZE`] bytes) are **required**: every
//!   plugin the host loads has them, and non-null; [`read_table`] checks that at load
//!   ([`LoadError::NullFunction`]).
//! * Every field appended after ABI 2 is **optional for the host**: one pointer wide and
//!   nullable, an `Option` of an `extern "C"` function pointer (`None` when absent).
//! * The host reads a field only when the plugin's declared size
//!   ([`TableHeader::table_size`]) covers it whole: [`read_table`] copies
//!   `min(declared, host's size)` bytes, cut down to whole fields, into a zero-filled host
//!   table. A field the plugin's table does not have reads as `None`, and no byte past the
//!   plugin's table is ever read.

use super::types::{PluginTable, TableHeader};
use super::LoadError;
use std::mem::{offset_of, size_of, MaybeUninit};

/// The size of ABI 2's table in bytes: the header and the ten required functions. Every
/// table a host loads is at least this large, and its first `ABI2_TABLE_SIZE` bytes are
/// laid out as ABI 2's.
pub const ABI2_TABLE_SIZE: usize = offset_of!(PluginTable, free_buf) + size_of::<usize>();

/// The required functions (those of ABI 2), by name and offset in the table.
const REQUIRED: [(&str, usize); 10] = [
    ("describe", offset_of!(PluginTable, describe)),
    ("probe", offset_of!(PluginTable, probe)),
    ("open", offset_of!(PluginTable, open)),
    ("recording_info", offset_of!(PluginTable, recording_info)),
    (
        "recording_open_stream",
        offset_of!(PluginTable, recording_open_stream),
    ),
    ("recording_free", offset_of!(PluginTable, recording_free)),
    ("source_read", offset_of!(PluginTable, source_read)),
    ("source_seek", offset_of!(PluginTable, source_seek)),
    ("source_free", offset_of!(PluginTable, source_free)),
    ("free_buf", offset_of!(PluginTable, free_buf)),
];

// The required functions follow the header one pointer each, up to ABI2_TABLE_SIZE: so a
// check of every one of them is a check of every byte of ABI 2's fields.
const _: () = {
    let word = size_of::<usize>();
    assert!(size_of::<TableHeader>() % word == 0);
    assert!(size_of::<unsafe extern "C" fn()>() == word);
    let mut i = 0;
    while i < REQUIRED.len() {
        assert!(REQUIRED[i].1 == size_of::<TableHeader>() + i * word);
        i += 1;
    }
    assert!(ABI2_TABLE_SIZE == size_of::<TableHeader>() + REQUIRED.len() * word);
    assert!(size_of::<PluginTable>() >= ABI2_TABLE_SIZE);
};

/// A host's layout of the plugin table: what [`read_table`] fills from a plugin's table.
///
/// [`PluginTable`] (the layout of this crate's [`ABI_VERSION`](super::ABI_VERSION)) is
/// the one a host uses; a layout of a later version implements it too (the crate's tests
/// check the compatibility rule with an "ABI 3" layout: ABI 2's table plus one appended
/// field).
///
/// # Safety
///
/// The type is `#[repr(C)]` and begins with the fields of ABI 2's [`PluginTable`], in
/// order (its first [`ABI2_TABLE_SIZE`] bytes are laid out as ABI 2's table), and every
/// field after them is one pointer wide and valid when all its bytes are zero (an
/// `Option` of an `extern "C"` function pointer).
pub unsafe trait TableLayout: Copy {
    /// The newest ABI version whose fields the layout has: the host's version in the
    /// compatibility rule.
    const ABI_VERSION: u32;
}

// SAFETY: the table itself; every field after ABI 2's will be appended as an `Option` of a
// function pointer (the rule above).
unsafe impl TableLayout for PluginTable {
    const ABI_VERSION: u32 = super::ABI_VERSION;
}

/// Reads the table a plugin's entry point returned into the host's layout `T`, reading at
/// most the size the plugin declares.
///
/// Reads the [`TableHeader`] first and refuses the table, without reading further, when it
/// breaks the compatibility rule with `T::ABI_VERSION` as the host's version (see
/// [`compatible`](super::compatible)). Then copies the fields of the plugin's table that
/// `T` has and that the declared size covers whole; the other fields of `T` are zero
/// (`None`). Refuses a table whose required functions (ABI 2's) are not all set.
///
/// # Safety
///
/// `table` is null or points to at least `size_of::<TableHeader>()` readable bytes, and,
/// when that header passes the compatibility check, to as many readable bytes as the
/// header's `table_size`, laid out as the table of the header's ABI version.
pub unsafe fn read_table<T: TableLayout>(table: *const PluginTable) -> Result<T, LoadError> {
    if table.is_null() {
        return Err(LoadError::NoTable);
    }
    // SAFETY: non-null, and at least a header's worth of readable bytes (caller's
    // promise); unaligned read in case a foreign table is oddly placed.
    let header = unsafe { std::ptr::read_unaligned(table.cast::<TableHeader>()) };
    super::load::check_header(&header, T::ABI_VERSION)?;
    let declared = header.table_size as usize;
    let len = declared.min(size_of::<T>());
    // Whole fields only: a field the declared size cuts in two is absent.
    let len = len - len % size_of::<usize>();
    let mut host = MaybeUninit::<T>::zeroed();
    // SAFETY: `len` bytes are readable at `table` (`len` ≤ the declared size, which the
    // caller promises readable once the header is checked) and writable in `host`
    // (`len` ≤ its size); the two do not overlap.
    unsafe {
        std::ptr::copy_nonoverlapping(table.cast::<u8>(), host.as_mut_ptr().cast::<u8>(), len)
    };
    for (name, offset) in REQUIRED {
        // SAFETY: `offset + size_of::<usize>()` ≤ ABI2_TABLE_SIZE ≤ `len` (checked with
        // the header) ≤ the size of `T`, so the word is inside `host` and was written by
        // the copy; `T` is `#[repr(C)]` and holds pointers (`TableLayout`), so the word is
        // aligned.
        let word = unsafe {
            host.as_ptr()
                .cast::<u8>()
                .add(offset)
                .cast::<usize>()
                .read()
        };
        if word == 0 {
            return Err(LoadError::NullFunction { name });
        }
    }
    // SAFETY: the required fields hold the plugin's non-null function pointers; every
    // other byte is zero or a whole field of the plugin's table of a nullable pointer
    // type, valid for `T` (`TableLayout`'s contract).
    Ok(unsafe { host.assume_init() })
}
