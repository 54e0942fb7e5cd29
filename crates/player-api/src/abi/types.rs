//! The `#[repr(C)]` types that cross the library boundary.
//!
//! Only plain C types appear here: fixed-size integers, `f64`, raw pointers with lengths,
//! and `extern "C"` function pointers. No Rust trait object, `String`, `Vec` or enum with
//! data ever crosses.

use std::ffi::c_void;

/// The first bytes of [`PluginTable`], identical in every ABI version: a host reads only
/// this prefix before it has checked the version and the size.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TableHeader {
    /// Always [`ABI_MAGIC`](super::ABI_MAGIC): tells a player plugin table from any other
    /// data a symbol of the same name might point to.
    pub magic: [u8; 8],
    /// The ABI version the plugin was built for ([`ABI_VERSION`](super::ABI_VERSION) of the
    /// `player-api` it was compiled with).
    pub abi_version: u32,
    /// `size_of::<PluginTable>()` as the plugin saw it, in bytes.
    pub table_size: u32,
}

/// Result of every plugin call.
pub type Status = u32;

/// The call succeeded; its outputs are set.
pub const STATUS_OK: Status = 0;
/// The call failed; the [`AbiError`] output is set.
pub const STATUS_ERROR: Status = 1;
/// The plugin panicked; the panic was caught and the [`AbiError`] output describes it (kind
/// [`ERROR_KIND_PLUGIN`]). The object the call was made on must not be used again (except
/// to free it).
pub const STATUS_PANIC: Status = 2;

/// [`ReadErrorKind::Io`](crate::ReadErrorKind::Io) as a number.
pub const ERROR_KIND_IO: u32 = 1;
/// [`ReadErrorKind::Truncated`](crate::ReadErrorKind::Truncated) as a number.
pub const ERROR_KIND_TRUNCATED: u32 = 2;
/// [`ReadErrorKind::Malformed`](crate::ReadErrorKind::Malformed) as a number.
pub const ERROR_KIND_MALFORMED: u32 = 3;
/// [`ReadErrorKind::Unsupported`](crate::ReadErrorKind::Unsupported) as a number.
pub const ERROR_KIND_UNSUPPORTED: u32 = 4;
/// [`ReadErrorKind::InvalidArgument`](crate::ReadErrorKind::InvalidArgument) as a number.
pub const ERROR_KIND_INVALID_ARGUMENT: u32 = 5;
/// [`ReadErrorKind::Plugin`](crate::ReadErrorKind::Plugin) as a number (also used for any
/// number a host does not know).
pub const ERROR_KIND_PLUGIN: u32 = 6;
/// [`ReadErrorKind::Contract`](crate::ReadErrorKind::Contract) as a number (ABI 2).
pub const ERROR_KIND_CONTRACT: u32 = 7;

/// [`Confidence`](crate::Confidence) as a number: the reader cannot read the file.
pub const CONFIDENCE_NONE: u32 = 0;
/// [`Confidence::Extension`](crate::Confidence::Extension) as a number.
pub const CONFIDENCE_EXTENSION: u32 = 1;
/// [`Confidence::Magic`](crate::Confidence::Magic) as a number.
pub const CONFIDENCE_MAGIC: u32 = 2;

/// Borrowed bytes (UTF-8 text unless said otherwise), owned by the caller for the duration
/// of the call. `ptr` may be null only when `len` is 0.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct AbiStr {
    /// First byte.
    pub ptr: *const u8,
    /// Number of bytes.
    pub len: usize,
}

impl AbiStr {
    /// Borrows `s` for a call.
    pub fn new(s: &[u8]) -> Self {
        AbiStr {
            ptr: s.as_ptr(),
            len: s.len(),
        }
    }

    /// The bytes.
    ///
    /// # Safety
    /// `ptr` must point to `len` readable bytes that outlive `'a` (or be null with `len`
    /// 0).
    pub unsafe fn as_bytes<'a>(&self) -> &'a [u8] {
        if self.ptr.is_null() || self.len == 0 {
            &[]
        } else {
            // SAFETY: non-null, and the caller guarantees `len` readable bytes.
            unsafe { std::slice::from_raw_parts(self.ptr, self.len) }
        }
    }
}

/// Bytes allocated by the plugin and handed to the host, which returns them with
/// [`PluginTable::free_buf`] (never frees them itself). The empty value (null pointer)
/// needs no freeing.
#[repr(C)]
#[derive(Debug)]
pub struct AbiBuf {
    /// First byte (null for the empty value).
    pub ptr: *mut u8,
    /// Number of bytes.
    pub len: usize,
    /// Allocated capacity (for the plugin's own deallocation).
    pub cap: usize,
}

impl AbiBuf {
    /// The empty value: nothing allocated.
    pub const fn empty() -> Self {
        AbiBuf {
            ptr: std::ptr::null_mut(),
            len: 0,
            cap: 0,
        }
    }

    /// Hands the bytes of `v` over (the plugin side of a call).
    pub fn from_vec(v: Vec<u8>) -> Self {
        let mut v = std::mem::ManuallyDrop::new(v);
        AbiBuf {
            ptr: v.as_mut_ptr(),
            len: v.len(),
            cap: v.capacity(),
        }
    }

    /// Takes the bytes back as the `Vec` they came from.
    ///
    /// # Safety
    /// Only in the allocator that made the buffer (the plugin side), on a value made by
    /// [`AbiBuf::from_vec`] (or the empty value), once.
    pub unsafe fn into_vec(self) -> Vec<u8> {
        if self.ptr.is_null() {
            Vec::new()
        } else {
            // SAFETY: the parts come from a `Vec<u8>` of this allocator (caller's promise).
            unsafe { Vec::from_raw_parts(self.ptr, self.len, self.cap) }
        }
    }

    /// A copy of the bytes, without taking ownership.
    ///
    /// # Safety
    /// `ptr` must point to `len` readable bytes (or be null).
    pub unsafe fn to_vec(&self) -> Vec<u8> {
        if self.ptr.is_null() || self.len == 0 {
            Vec::new()
        } else {
            // SAFETY: the caller guarantees `len` readable bytes at `ptr`.
            unsafe { std::slice::from_raw_parts(self.ptr, self.len) }.to_vec()
        }
    }
}

/// A failure reported by the plugin: a [`ReadError`](crate::ReadError) taken apart. Its
/// buffers are owned by the plugin and freed with [`PluginTable::free_buf`].
#[repr(C)]
#[derive(Debug)]
pub struct AbiError {
    /// One of the `ERROR_KIND_*` numbers.
    pub kind: u32,
    /// 1 when `offset` is set, else 0.
    pub has_offset: u32,
    /// The byte offset in the file, when `has_offset` is 1.
    pub offset: u64,
    /// The message (UTF-8).
    pub message: AbiBuf,
    /// The file (UTF-8), or empty.
    pub path: AbiBuf,
}

impl AbiError {
    /// An error with nothing set (what a host passes in as the output).
    pub const fn empty() -> Self {
        AbiError {
            kind: 0,
            has_offset: 0,
            offset: 0,
            message: AbiBuf::empty(),
            path: AbiBuf::empty(),
        }
    }
}

/// An opaque handle to a plugin-side object (a recording or a source). Only the plugin
/// knows what it points to; the host passes it back and frees it with the matching free
/// function.
pub type Handle = *mut c_void;

/// The entry point's signature: returns the plugin's static table, or null if the plugin
/// could not set itself up. Exported under [`ENTRY_SYMBOL`](super::ENTRY_SYMBOL).
pub type EntryFn = unsafe extern "C" fn() -> *const PluginTable;

/// The table of functions a plugin exports (ABI version 2).
///
/// All functions are safe to call from any thread; a recording or source handle is used by
/// one thread at a time. Every function catches panics. Outputs (`out_*`) are written
/// only on the status that documents them (a host frees any buffer it is handed anyway).
///
/// Layout rules (a prefix type, as abi_stable's): fields are only ever appended, each
/// addition bumps [`ABI_VERSION`](super::ABI_VERSION); the fields below (ABI 2's) are
/// required and non-null; every field appended later is an `Option` of an `extern "C"`
/// function pointer, absent (`None`) in the host's copy of an older plugin's table. The
/// host reads nothing past [`TableHeader`] before checking version and size (see
/// [`super::compatible`]), and nothing past the size the header declares
/// ([`super::read_table`]).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct PluginTable {
    /// Magic, ABI version and size; checked first.
    pub header: TableHeader,
    /// Describes the reader as JSON text:
    /// `{"id", "description", "version", "extensions": [..], "api_version"}`.
    /// On [`STATUS_OK`] sets `out_json`.
    pub describe: unsafe extern "C" fn(out_json: *mut AbiBuf, out_error: *mut AbiError) -> Status,
    /// Probes a file: `path` (UTF-8) and its first bytes. On [`STATUS_OK`] sets
    /// `out_confidence` to a `CONFIDENCE_*` number.
    pub probe: unsafe extern "C" fn(
        path: AbiStr,
        header: AbiStr,
        out_confidence: *mut u32,
        out_error: *mut AbiError,
    ) -> Status,
    /// Opens a file: `path` (UTF-8) and the options as JSON text
    /// (`{"reader_options": {"key": "value"}}`). On [`STATUS_OK`] sets `out_recording`
    /// (freed with `recording_free`).
    pub open: unsafe extern "C" fn(
        path: AbiStr,
        options_json: AbiStr,
        out_recording: *mut Handle,
        out_error: *mut AbiError,
    ) -> Status,
    /// The recording's [`RecordingInfo`](crate::RecordingInfo) as JSON text (its serde
    /// form). On [`STATUS_OK`] sets `out_json`.
    pub recording_info: unsafe extern "C" fn(
        recording: Handle,
        out_json: *mut AbiBuf,
        out_error: *mut AbiError,
    ) -> Status,
    /// Opens a cursor on stream `index`. On [`STATUS_OK`] sets `out_source` (freed with
    /// `source_free`). A source may outlive its recording.
    pub recording_open_stream: unsafe extern "C" fn(
        recording: Handle,
        index: u64,
        out_source: *mut Handle,
        out_error: *mut AbiError,
    ) -> Status,
    /// Frees a recording.
    pub recording_free: unsafe extern "C" fn(recording: Handle),
    /// [`SampleSource::read`](crate::SampleSource::read): reads at most `capacity` frames
    /// of the stream's [`StreamKind`](crate::StreamKind). Numeric streams write
    /// `frames × channels` values to `values` (room for `capacity × channels`); stamped
    /// and text streams write one time per frame to `stamps` (room for `capacity`); text
    /// streams return their `frames × channels` strings as a JSON array in
    /// `out_text_json`. On [`STATUS_OK`] sets `out_frames` (0 at the end) and, for text
    /// streams, `out_text_json`.
    pub source_read: unsafe extern "C" fn(
        source: Handle,
        capacity: u64,
        values: *mut f64,
        stamps: *mut f64,
        out_frames: *mut u64,
        out_text_json: *mut AbiBuf,
        out_error: *mut AbiError,
    ) -> Status,
    /// [`SampleSource::seek`](crate::SampleSource::seek).
    pub source_seek:
        unsafe extern "C" fn(source: Handle, frame: u64, out_error: *mut AbiError) -> Status,
    /// Frees a source.
    pub source_free: unsafe extern "C" fn(source: Handle),
    /// Frees a buffer the plugin handed out (JSON text, error texts).
    pub free_buf: unsafe extern "C" fn(buf: AbiBuf),
}
