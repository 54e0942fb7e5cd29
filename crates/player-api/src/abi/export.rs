//! The plugin side: the `extern "C"` functions of [`PluginTable`], generic over the reader
//! that [`export_plugin!`](crate::export_plugin) names.
//!
//! Every function catches panics (`catch_unwind`) and turns them, like every
//! [`ReadError`], into an [`AbiError`]. While a plugin call runs, a panic hook installed by
//! the entry point keeps the panic's message and location for that error instead of
//! printing it (other panics go to the previous hook, unchanged).

use super::schema::{self, SchemaError, SCHEMA_VERSION};
use super::types::*;
use super::{ABI_MAGIC, ABI_VERSION};
use crate::{
    Block, Confidence, OpenOptions, Probe, ReadError, ReadErrorKind, ReaderPlugin, Recording,
    SampleSource, StreamKind,
};
use std::any::Any;
use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;

/// What [`export_plugin!`](crate::export_plugin) implements to give the table's functions
/// their reader. Not meant to be implemented by hand.
pub trait ExportedReader: 'static {
    /// The exported reader (created once, on first use).
    fn reader() -> &'static dyn ReaderPlugin;
}

/// The table of an exported reader. Used by [`export_plugin!`](crate::export_plugin) in a
/// `static`.
pub const fn table<P: ExportedReader>() -> PluginTable {
    PluginTable {
        header: TableHeader {
            magic: ABI_MAGIC,
            abi_version: ABI_VERSION,
            table_size: std::mem::size_of::<PluginTable>() as u32,
        },
        describe: describe::<P>,
        probe: probe::<P>,
        open: open::<P>,
        recording_info,
        recording_open_stream,
        recording_free,
        source_read,
        source_seek,
        source_free,
        free_buf,
    }
}

/// The body of the exported entry point: installs the panic hook, creates the reader
/// (catching a panic in its construction) and returns `table`, or null if the reader
/// could not be created.
pub fn entry<P: ExportedReader>(table: &'static PluginTable) -> *const PluginTable {
    install_panic_hook();
    let created = catch_unwind(|| {
        let _ = P::reader();
    });
    match created {
        Ok(()) => table,
        Err(payload) => {
            forget_payload(payload);
            std::ptr::null()
        }
    }
}

thread_local! {
    /// Depth of plugin calls on this thread (a panic inside one is captured).
    static INSIDE: Cell<u32> = const { Cell::new(0) };
    /// The last captured panic's message and location.
    static CAPTURED: RefCell<Option<String>> = const { RefCell::new(None) };
}

fn install_panic_hook() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    if std::thread::panicking() {
        return;
    }
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let inside = INSIDE.try_with(Cell::get).unwrap_or(0) > 0;
            if !inside {
                previous(info);
                return;
            }
            let message = payload_text(info.payload());
            let text = match info.location() {
                Some(l) => format!("{message} (at {}:{}:{})", l.file(), l.line(), l.column()),
                None => message,
            };
            let _ = CAPTURED.try_with(|c| {
                if let Ok(mut c) = c.try_borrow_mut() {
                    *c = Some(text);
                }
            });
        }));
    });
}

fn payload_text(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "a panic without a message".to_string()
    }
}

/// Drops a panic payload, even one whose destructor panics.
fn forget_payload(payload: Box<dyn Any + Send>) {
    if let Err(again) = catch_unwind(AssertUnwindSafe(move || drop(payload))) {
        std::mem::forget(again);
    }
}

/// Runs `f` as the plugin call `what`, catching panics; errors go to `out_error`.
fn call(what: &str, out_error: *mut AbiError, f: impl FnOnce() -> Result<(), ReadError>) -> Status {
    let _ = INSIDE.try_with(|d| d.set(d.get() + 1));
    let result = catch_unwind(AssertUnwindSafe(f));
    let _ = INSIDE.try_with(|d| d.set(d.get().saturating_sub(1)));
    match result {
        Ok(Ok(())) => STATUS_OK,
        Ok(Err(e)) => {
            write_error(out_error, &e);
            STATUS_ERROR
        }
        Err(payload) => {
            let captured = CAPTURED
                .try_with(|c| c.try_borrow_mut().ok().and_then(|mut c| c.take()))
                .ok()
                .flatten();
            let message = captured.unwrap_or_else(|| payload_text(payload.as_ref()));
            forget_payload(payload);
            write_error(
                out_error,
                &ReadError::plugin(format!("the plugin panicked in `{what}`: {message}")),
            );
            STATUS_PANIC
        }
    }
}

/// The number of a [`ReadErrorKind`].
pub(crate) fn kind_number(kind: ReadErrorKind) -> u32 {
    match kind {
        ReadErrorKind::Io => ERROR_KIND_IO,
        ReadErrorKind::Truncated => ERROR_KIND_TRUNCATED,
        ReadErrorKind::Malformed => ERROR_KIND_MALFORMED,
        ReadErrorKind::Unsupported => ERROR_KIND_UNSUPPORTED,
        ReadErrorKind::InvalidArgument => ERROR_KIND_INVALID_ARGUMENT,
        ReadErrorKind::Plugin => ERROR_KIND_PLUGIN,
        ReadErrorKind::Contract => ERROR_KIND_CONTRACT,
    }
}

fn write_error(out: *mut AbiError, e: &ReadError) {
    if out.is_null() {
        return;
    }
    let value = AbiError {
        kind: kind_number(e.kind()),
        has_offset: u32::from(e.offset().is_some()),
        offset: e.offset().unwrap_or(0),
        message: AbiBuf::from_vec(e.message().as_bytes().to_vec()),
        path: AbiBuf::from_vec(
            e.path()
                .map(|p| p.to_string_lossy().into_owned().into_bytes())
                .unwrap_or_default(),
        ),
    };
    // SAFETY: `out` is non-null and points to an `AbiError` the host owns (ABI contract);
    // `write` does not read (or drop) the previous value.
    unsafe { out.write(value) };
}

/// Writes `value` to a non-null output pointer.
fn put<T>(out: *mut T, value: T, what: &str) -> Result<(), ReadError> {
    if out.is_null() {
        return Err(ReadError::plugin(format!(
            "the host passed a null pointer for {what}"
        )));
    }
    // SAFETY: non-null, and the host passes a valid, writable `T` (ABI contract).
    unsafe { out.write(value) };
    Ok(())
}

fn utf8<'a>(s: AbiStr, what: &str) -> Result<&'a str, ReadError> {
    // SAFETY: the host passes `len` readable bytes that live for the call (ABI contract);
    // the result is not kept beyond it.
    let bytes = unsafe { s.as_bytes() };
    std::str::from_utf8(bytes)
        .map_err(|_| ReadError::invalid_argument(format!("{what} is not valid UTF-8")))
}

/// A mutable slice from the host's buffer (empty when `len` is 0).
fn slice_mut<'a>(ptr: *mut f64, len: usize) -> Result<&'a mut [f64], ReadError> {
    if len == 0 {
        return Ok(&mut []);
    }
    if ptr.is_null() {
        return Err(ReadError::plugin("the host passed a null buffer"));
    }
    // SAFETY: non-null; the host passes `len` writable, aligned `f64`s that nothing else
    // touches during the call (ABI contract).
    Ok(unsafe { std::slice::from_raw_parts_mut(ptr, len) })
}

unsafe extern "C" fn describe<P: ExportedReader>(
    out_json: *mut AbiBuf,
    out_error: *mut AbiError,
) -> Status {
    call("describe", out_error, || {
        let r = P::reader().info();
        let json = serde_json::json!({
            "id": r.id(),
            "description": r.description(),
            "version": r.version(),
            "extensions": r.extensions(),
            "api_version": env!("CARGO_PKG_VERSION"),
        });
        let text = schema::to_json(&json)
            .map_err(|e| ReadError::plugin(format!("cannot describe the reader: {e}")))?;
        put(out_json, AbiBuf::from_vec(text), "out_json")
    })
}

unsafe extern "C" fn probe<P: ExportedReader>(
    path: AbiStr,
    header: AbiStr,
    out_confidence: *mut u32,
    out_error: *mut AbiError,
) -> Status {
    call("probe", out_error, || {
        let path = utf8(path, "the path")?;
        // SAFETY: the host passes `len` readable bytes for the call (ABI contract).
        let header = unsafe { header.as_bytes() };
        let probe = Probe {
            path: Path::new(path),
            header,
        };
        let confidence = match P::reader().probe(&probe) {
            None => CONFIDENCE_NONE,
            Some(Confidence::Extension) => CONFIDENCE_EXTENSION,
            Some(Confidence::Magic) => CONFIDENCE_MAGIC,
        };
        put(out_confidence, confidence, "out_confidence")
    })
}

unsafe extern "C" fn open<P: ExportedReader>(
    path: AbiStr,
    options_json: AbiStr,
    out_recording: *mut Handle,
    out_error: *mut AbiError,
) -> Status {
    call("open", out_error, || {
        let path = Path::new(utf8(path, "the path")?);
        let options = utf8(options_json, "the options")?;
        let mut open_options = OpenOptions::default();
        if !options.is_empty() {
            #[derive(serde::Deserialize)]
            struct Options {
                #[serde(default)]
                reader_options: BTreeMap<String, String>,
            }
            let parsed: Options = schema::from_json(options.as_bytes()).map_err(|e| match e {
                SchemaError::Malformed(e) => {
                    ReadError::invalid_argument(format!("the host's options are not valid: {e}"))
                }
                SchemaError::Newer(v) => ReadError::invalid_argument(format!(
                    "the host's options have JSON schema version {v}, newer than this \
                     plugin's {SCHEMA_VERSION}: rebuild the plugin against the host's player-api"
                )),
            })?;
            open_options.reader_options = parsed.reader_options;
        }
        let recording: Box<dyn Recording> = P::reader().open(path, &open_options)?;
        let handle = Box::into_raw(Box::new(recording)).cast();
        put(out_recording, handle, "out_recording").inspect_err(|_| {
            // SAFETY: `handle` was just made from a box and was not handed out.
            drop(unsafe { Box::from_raw(handle.cast::<Box<dyn Recording>>()) });
        })
    })
}

/// The recording behind a handle.
///
/// # Safety
/// `handle` is null or comes from `open` and has not been freed.
unsafe fn recording<'a>(handle: Handle) -> Result<&'a dyn Recording, ReadError> {
    if handle.is_null() {
        return Err(ReadError::plugin("the host passed a null recording"));
    }
    // SAFETY: made by `open` from a `Box<Box<dyn Recording>>` (caller's promise).
    Ok(unsafe { &**handle.cast::<Box<dyn Recording>>() })
}

/// A source as the plugin side keeps it: the reader's cursor, what its stream is, and a
/// block reused across reads.
struct ExportedSource {
    source: Box<dyn SampleSource>,
    kind: StreamKind,
    channels: usize,
    block: Block,
}

/// The source behind a handle.
///
/// # Safety
/// `handle` is null or comes from `recording_open_stream`, has not been freed, and is
/// used by one thread at a time.
unsafe fn source<'a>(handle: Handle) -> Result<&'a mut ExportedSource, ReadError> {
    if handle.is_null() {
        return Err(ReadError::plugin("the host passed a null source"));
    }
    // SAFETY: made by `recording_open_stream` from a `Box<ExportedSource>`, used by one
    // thread at a time (caller's promise).
    Ok(unsafe { &mut *handle.cast::<ExportedSource>() })
}

unsafe extern "C" fn recording_info(
    handle: Handle,
    out_json: *mut AbiBuf,
    out_error: *mut AbiError,
) -> Status {
    call("info", out_error, || {
        // SAFETY: the host passes a live recording handle (ABI contract).
        let rec = unsafe { recording(handle) }?;
        let text = schema::to_json(rec.info()).map_err(|e| {
            ReadError::plugin(format!("cannot serialize the recording's info: {e}"))
        })?;
        put(out_json, AbiBuf::from_vec(text), "out_json")
    })
}

unsafe extern "C" fn recording_open_stream(
    handle: Handle,
    index: u64,
    out_source: *mut Handle,
    out_error: *mut AbiError,
) -> Status {
    call("open_stream", out_error, || {
        // SAFETY: the host passes a live recording handle (ABI contract).
        let rec = unsafe { recording(handle) }?;
        let index = usize::try_from(index)
            .map_err(|_| ReadError::invalid_argument(format!("no stream {index}")))?;
        let stream = rec
            .info()
            .streams
            .get(index)
            .ok_or_else(|| ReadError::invalid_argument(format!("no stream {index}")))?;
        let (kind, channels) = (stream.kind, stream.channel_count());
        let exported = ExportedSource {
            source: rec.open_stream(index)?,
            kind,
            channels,
            block: Block::new(kind, channels, 0),
        };
        let h = Box::into_raw(Box::new(exported)).cast();
        put(out_source, h, "out_source").inspect_err(|_| {
            // SAFETY: `h` was just made from a box and was not handed out.
            drop(unsafe { Box::from_raw(h.cast::<ExportedSource>()) });
        })
    })
}

unsafe extern "C" fn recording_free(handle: Handle) {
    if handle.is_null() {
        return;
    }
    let _ = call("drop", std::ptr::null_mut(), || {
        // SAFETY: made by `open` from a box; the host frees each handle once.
        drop(unsafe { Box::from_raw(handle.cast::<Box<dyn Recording>>()) });
        Ok(())
    });
}

unsafe extern "C" fn source_read(
    handle: Handle,
    capacity: u64,
    values: *mut f64,
    stamps: *mut f64,
    out_frames: *mut u64,
    out_text_json: *mut AbiBuf,
    out_error: *mut AbiError,
) -> Status {
    call("read", out_error, || {
        // SAFETY: the host passes a live source handle (ABI contract).
        let src = unsafe { source(handle) }?;
        let capacity = usize::try_from(capacity)
            .map_err(|_| ReadError::invalid_argument("the capacity does not fit in memory"))?;
        if src.block.capacity() != capacity {
            src.block = Block::new(src.kind, src.channels, capacity);
        }
        src.block.clear();
        src.source.read(&mut src.block)?;
        let block = &src.block;
        let n = block.frames();
        if src.kind != StreamKind::Text {
            let len = capacity.checked_mul(src.channels).ok_or_else(|| {
                ReadError::invalid_argument("the capacity times the channels overflows")
            })?;
            slice_mut(values, len)?[..block.values().len()].copy_from_slice(block.values());
        }
        if src.kind != StreamKind::Regular {
            slice_mut(stamps, capacity)?[..n].copy_from_slice(block.stamps());
        }
        if src.kind == StreamKind::Text {
            let json = serde_json::to_vec(block.text())
                .map_err(|e| ReadError::plugin(format!("cannot serialize text samples: {e}")))?;
            put(out_text_json, AbiBuf::from_vec(json), "out_text_json")?;
        }
        put(out_frames, n as u64, "out_frames")
    })
}

unsafe extern "C" fn source_seek(handle: Handle, frame: u64, out_error: *mut AbiError) -> Status {
    call("seek", out_error, || {
        // SAFETY: the host passes a live source handle (ABI contract).
        let src = unsafe { source(handle) }?;
        src.source.seek(frame)
    })
}

unsafe extern "C" fn source_free(handle: Handle) {
    if handle.is_null() {
        return;
    }
    let _ = call("drop", std::ptr::null_mut(), || {
        // SAFETY: made by `recording_open_stream` from a box; the host frees it once.
        drop(unsafe { Box::from_raw(handle.cast::<ExportedSource>()) });
        Ok(())
    });
}

unsafe extern "C" fn free_buf(buf: AbiBuf) {
    let _ = call("free_buf", std::ptr::null_mut(), || {
        // SAFETY: every buffer handed to the host was made by `AbiBuf::from_vec` in this
        // library, and the host returns each once.
        drop(unsafe { buf.into_vec() });
        Ok(())
    });
}
