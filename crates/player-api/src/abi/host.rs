//! The host side: a checked [`PluginTable`] wrapped back into a [`ReaderPlugin`], its
//! recordings into [`Recording`]s and its sources into [`SampleSource`]s, so that a host
//! cannot tell a dynamic reader from a built-in one.
//!
//! The wrappers check what crosses the boundary: metadata must parse, a read may not
//! return more frames than the buffers hold, text must come as the right number of
//! strings. (What the metadata and blocks mean is checked for every reader alike by the
//! host, with [`crate::validate`].) A source whose plugin panicked or broke the ABI
//! contract is *poisoned*: every later call fails with the same error without calling the
//! plugin again. Each wrapper holds the library (`keepalive`) so that it stays loaded
//! while anything made from it lives.
//!
//! Every buffer the plugin hands over (JSON text, error texts) is copied and returned to
//! the plugin's `free_buf` right after the call that handed it over, whatever the call's
//! status and whether or not its contents are then accepted: nothing leaks on an error
//! path, even from a plugin that sets outputs it should not.

use super::schema::{self, SchemaError, SCHEMA_VERSION};
use super::types::*;
use super::{read_table, LoadError};
use crate::{
    Block, Confidence, OpenOptions, Probe, ReadError, ReadErrorKind, ReaderInfo, ReaderPlugin,
    Recording, RecordingInfo, SampleSource, StreamKind,
};
use std::any::Any;
use std::fmt;
use std::path::Path;
use std::sync::Arc;

/// What the wrappers share: the checked table, the library that holds its code, and the
/// library's name for messages.
struct Shared {
    table: PluginTable,
    /// Dropped last: the code behind `table` stays loaded while this lives.
    _keepalive: Arc<dyn Any + Send + Sync>,
    library: String,
}

impl Shared {
    /// The outcome of a call: `Ok` on [`STATUS_OK`] (freeing any error texts a broken
    /// plugin set anyway), else the error ([`Shared::error`]).
    fn check(&self, status: Status, e: AbiError, what: &str) -> Result<(), ReadError> {
        if status == STATUS_OK {
            self.take_buf(e.message);
            self.take_buf(e.path);
            Ok(())
        } else {
            Err(self.error(status, e, what))
        }
    }

    /// Turns the outputs of a failed call into a [`ReadError`], freeing the plugin's
    /// buffers with the plugin's own `free_buf`.
    fn error(&self, status: Status, e: AbiError, what: &str) -> ReadError {
        let message = self.take_buf(e.message);
        let path = self.take_buf(e.path);
        let message = String::from_utf8_lossy(&message).into_owned();
        let mut err = match status {
            STATUS_ERROR if !message.is_empty() => ReadError::new(kind_from(e.kind), message),
            STATUS_ERROR => ReadError::plugin(format!(
                "plugin {}: `{what}` failed without a message",
                self.library
            )),
            STATUS_PANIC => ReadError::plugin(format!("plugin {}: {message}", self.library)),
            other => ReadError::plugin(format!(
                "plugin {}: `{what}` returned the unknown status {other}",
                self.library
            )),
        };
        if e.has_offset != 0 {
            err = err.at_offset(e.offset);
        }
        if !path.is_empty() {
            err = err.in_file(String::from_utf8_lossy(&path).into_owned());
        }
        err
    }

    /// Takes a buffer from the plugin: copies it and frees it on the plugin's side (the
    /// empty value needs nothing).
    fn take_buf(&self, buf: AbiBuf) -> Vec<u8> {
        // SAFETY: the plugin handed over `len` readable bytes.
        let bytes = unsafe { buf.to_vec() };
        if !buf.ptr.is_null() {
            // SAFETY: a buffer the plugin allocated, returned once.
            unsafe { (self.table.free_buf)(buf) };
        }
        bytes
    }

    fn broken(&self, what: impl fmt::Display) -> ReadError {
        ReadError::plugin(format!("plugin {}: {what}", self.library))
    }
}

/// The [`ReadErrorKind`] of a number (unknown numbers are plugin failures).
fn kind_from(n: u32) -> ReadErrorKind {
    match n {
        ERROR_KIND_IO => ReadErrorKind::Io,
        ERROR_KIND_TRUNCATED => ReadErrorKind::Truncated,
        ERROR_KIND_MALFORMED => ReadErrorKind::Malformed,
        ERROR_KIND_UNSUPPORTED => ReadErrorKind::Unsupported,
        ERROR_KIND_INVALID_ARGUMENT => ReadErrorKind::InvalidArgument,
        ERROR_KIND_CONTRACT => ReadErrorKind::Contract,
        _ => ReadErrorKind::Plugin,
    }
}

/// A reader from a plugin library, usable wherever a [`ReaderPlugin`] is.
pub struct DynamicReader {
    shared: Arc<Shared>,
    info: ReaderInfo,
    api_version: String,
}

impl fmt::Debug for DynamicReader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DynamicReader")
            .field("id", &self.info.id())
            .field("library", &self.shared.library)
            .field("version", &self.info.version())
            .finish()
    }
}

impl DynamicReader {
    /// Checks the table a plugin's entry point returned and wraps it.
    ///
    /// Reads the table with [`read_table`](super::read_table): the [`TableHeader`] first,
    /// refusing the table without calling anything when it breaks the compatibility rule
    /// ([`compatible`](super::compatible)), then at most the size the header declares,
    /// fields past it being absent, and every required function must be set. Only then
    /// calls the plugin's `describe`. `library` names the library in messages; `keepalive`
    /// is kept (typically the loaded library) as long as the reader or anything opened
    /// through it lives.
    ///
    /// # Safety
    /// `table` is null or points to memory that stays valid while `keepalive` lives, of at
    /// least `size_of::<TableHeader>()` bytes and, once the header is checked, of the size
    /// it declares; the functions in it follow the contract of [`PluginTable`].
    pub unsafe fn from_table(
        table: *const PluginTable,
        library: impl Into<String>,
        keepalive: Arc<dyn Any + Send + Sync>,
    ) -> Result<Self, LoadError> {
        // SAFETY: the caller's promise is `read_table`'s.
        let table: PluginTable = unsafe { read_table(table) }?;
        let shared = Arc::new(Shared {
            table,
            _keepalive: keepalive,
            library: library.into(),
        });
        let (info, api_version) = describe(&shared)?;
        Ok(DynamicReader {
            shared,
            info,
            api_version,
        })
    }

    /// The library's name as given to [`from_table`](DynamicReader::from_table).
    pub fn library(&self) -> &str {
        &self.shared.library
    }

    /// The version of `player-api` the plugin was compiled with (informational: the ABI
    /// version is what decides compatibility).
    pub fn api_version(&self) -> &str {
        &self.api_version
    }
}

/// Asks the plugin to describe itself; the description and the `player-api` version it
/// was built with.
fn describe(shared: &Shared) -> Result<(ReaderInfo, String), LoadError> {
    let mut json = AbiBuf::empty();
    let mut err = AbiError::empty();
    // SAFETY: a checked table; the outputs are valid for writing.
    let status = unsafe { (shared.table.describe)(&mut json, &mut err) };
    let bytes = shared.take_buf(json);
    shared.check(status, err, "describe").map_err(|e| {
        LoadError::BadDescription(format!("its `describe` failed: {}", e.message()))
    })?;
    #[derive(serde::Deserialize)]
    struct Description {
        id: String,
        description: String,
        version: String,
        extensions: Vec<String>,
        #[serde(default)]
        api_version: String,
    }
    let d: Description = schema::from_json(&bytes).map_err(|e| match e {
        SchemaError::Malformed(m) => LoadError::BadDescription(m),
        SchemaError::Newer(version) => LoadError::NewerSchema {
            document: "description",
            version,
            host: SCHEMA_VERSION,
        },
    })?;
    let id_ok = !d.id.is_empty()
        && d.id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"-_.".contains(&b));
    if !id_ok {
        return Err(LoadError::BadDescription(format!(
            "its id {:?} is not a short lowercase identifier ([a-z0-9._-]+)",
            d.id
        )));
    }
    let info = ReaderInfo::owned(d.id, d.description, d.version, d.extensions);
    Ok((info, d.api_version))
}

impl ReaderPlugin for DynamicReader {
    fn info(&self) -> &ReaderInfo {
        &self.info
    }

    fn probe(&self, probe: &Probe<'_>) -> Option<Confidence> {
        let path = probe.path.to_str()?;
        let mut confidence = CONFIDENCE_NONE;
        let mut err = AbiError::empty();
        // SAFETY: a checked table; inputs live for the call, outputs are writable.
        let status = unsafe {
            (self.shared.table.probe)(
                AbiStr::new(path.as_bytes()),
                AbiStr::new(probe.header),
                &mut confidence,
                &mut err,
            )
        };
        // Probing never fails: a failing probe means "not mine" (buffers still freed).
        self.shared.check(status, err, "probe").ok()?;
        match confidence {
            CONFIDENCE_EXTENSION => Some(Confidence::Extension),
            CONFIDENCE_MAGIC => Some(Confidence::Magic),
            _ => None,
        }
    }

    fn open(&self, path: &Path, options: &OpenOptions) -> Result<Box<dyn Recording>, ReadError> {
        let text = path.to_str().ok_or_else(|| {
            ReadError::unsupported("dynamic readers take UTF-8 paths only").in_file(path)
        })?;
        let options = serde_json::json!({ "reader_options": options.reader_options });
        let options = schema::to_json(&options)
            .map_err(|e| ReadError::plugin(format!("cannot write the options: {e}")))?;
        let mut handle: Handle = std::ptr::null_mut();
        let mut err = AbiError::empty();
        // SAFETY: a checked table; inputs live for the call, outputs are writable.
        let status = unsafe {
            (self.shared.table.open)(
                AbiStr::new(text.as_bytes()),
                AbiStr::new(&options),
                &mut handle,
                &mut err,
            )
        };
        self.shared
            .check(status, err, "open")
            .map_err(|e| e.in_file(path))?;
        if handle.is_null() {
            return Err(self
                .shared
                .broken("`open` succeeded but returned no recording")
                .in_file(path));
        }
        let mut recording = DynamicRecording {
            shared: self.shared.clone(),
            handle,
            info: RecordingInfo::default(),
        };
        recording.info = recording.fetch_info().map_err(|e| e.in_file(path))?;
        Ok(Box::new(recording))
    }
}

/// A recording opened by a plugin.
struct DynamicRecording {
    shared: Arc<Shared>,
    handle: Handle,
    info: RecordingInfo,
}

// SAFETY: the handle is a plugin-side `Box<dyn Recording>`, and `Recording: Send`; the
// host uses it from one thread at a time (`&self`/`&mut self` of this wrapper).
unsafe impl Send for DynamicRecording {}

impl DynamicRecording {
    fn fetch_info(&self) -> Result<RecordingInfo, ReadError> {
        let mut json = AbiBuf::empty();
        let mut err = AbiError::empty();
        // SAFETY: a checked table and a live handle; outputs are writable.
        let status =
            unsafe { (self.shared.table.recording_info)(self.handle, &mut json, &mut err) };
        let bytes = self.shared.take_buf(json);
        self.shared.check(status, err, "info")?;
        schema::from_json(&bytes).map_err(|e| match e {
            SchemaError::Malformed(m) => self.shared.broken(format!("malformed metadata: {m}")),
            SchemaError::Newer(v) => ReadError::unsupported(format!(
                "plugin {}: its recording info has JSON schema version {v}, newer than this \
                 host's {SCHEMA_VERSION}: update player-host",
                self.shared.library
            )),
        })
    }
}

impl Recording for DynamicRecording {
    fn info(&self) -> &RecordingInfo {
        &self.info
    }

    fn open_stream(&self, index: usize) -> Result<Box<dyn SampleSource>, ReadError> {
        let stream = self.info.streams.get(index).ok_or_else(|| {
            ReadError::invalid_argument(format!(
                "no stream {index} (the recording has {})",
                self.info.streams.len()
            ))
        })?;
        let mut handle: Handle = std::ptr::null_mut();
        let mut err = AbiError::empty();
        // SAFETY: a checked table and a live handle; outputs are writable.
        let status = unsafe {
            (self.shared.table.recording_open_stream)(
                self.handle,
                index as u64,
                &mut handle,
                &mut err,
            )
        };
        self.shared.check(status, err, "open_stream")?;
        if handle.is_null() {
            return Err(self
                .shared
                .broken("`open_stream` succeeded but returned no source"));
        }
        Ok(Box::new(DynamicSource {
            shared: self.shared.clone(),
            handle,
            channels: stream.channels.len(),
            kind: stream.kind,
            poisoned: None,
        }))
    }
}

impl Drop for DynamicRecording {
    fn drop(&mut self) {
        // SAFETY: a live handle from `open`, freed once, by the plugin.
        unsafe { (self.shared.table.recording_free)(self.handle) };
    }
}

/// A source opened by a plugin.
struct DynamicSource {
    shared: Arc<Shared>,
    handle: Handle,
    /// Values per frame.
    channels: usize,
    /// What a read delivers.
    kind: StreamKind,
    /// Set once the plugin panicked or broke the contract: later calls fail with it.
    poisoned: Option<(ReadErrorKind, String)>,
}

// SAFETY: the handle is a plugin-side `Box<dyn SampleSource>`, and `SampleSource: Send`;
// `&mut self` methods keep it to one thread at a time.
unsafe impl Send for DynamicSource {}

impl DynamicSource {
    fn check_poison(&self) -> Result<(), ReadError> {
        match &self.poisoned {
            Some((kind, message)) => Err(ReadError::new(*kind, message.clone())),
            None => Ok(()),
        }
    }

    /// Keeps `e` as the answer to every later call.
    fn poison(&mut self, e: &ReadError) {
        self.poisoned = Some((e.kind(), e.to_string()));
    }

    /// Takes the text samples of a read: `frames` frames of `channels` strings as a JSON
    /// array (`bytes`), with their times.
    fn take_text(
        &mut self,
        bytes: &[u8],
        frames: usize,
        stamps: &[f64],
        block: &mut Block,
    ) -> Result<(), ReadError> {
        let text: Vec<String> = serde_json::from_slice(bytes)
            .map_err(|e| self.shared.broken(format!("malformed text samples: {e}")))?;
        if text.len() != frames * self.channels {
            return Err(self.shared.broken(format!(
                "`read` returned {} strings for {frames} frames of {} channels",
                text.len(),
                self.channels
            )));
        }
        let mut strings = text.into_iter();
        for &t in &stamps[..frames] {
            block.push_text_frame(strings.by_ref().take(self.channels).collect(), t)?;
        }
        Ok(())
    }
}

impl SampleSource for DynamicSource {
    fn read(&mut self, block: &mut Block) -> Result<(), ReadError> {
        self.check_poison()?;
        let capacity = block.room();
        let mut text_stamps = Vec::new();
        let (values, stamps) = if self.kind == StreamKind::Text {
            text_stamps.resize(capacity, 0.0);
            (std::ptr::null_mut(), text_stamps.as_mut_ptr())
        } else {
            let (v, s) = block.spare();
            let stamps = if s.is_empty() {
                std::ptr::null_mut()
            } else {
                s.as_mut_ptr()
            };
            (v.as_mut_ptr(), stamps)
        };
        let mut frames = 0u64;
        let mut json = AbiBuf::empty();
        let mut err = AbiError::empty();
        // SAFETY: a checked table and a live handle; `values` holds `capacity × channels`
        // values and `stamps` `capacity` times where the stream's kind needs them.
        let status = unsafe {
            (self.shared.table.source_read)(
                self.handle,
                capacity as u64,
                values,
                stamps,
                &mut frames,
                &mut json,
                &mut err,
            )
        };
        // Returned to the plugin now, whatever happens next.
        let text = self.shared.take_buf(json);
        if let Err(e) = self.shared.check(status, err, "read") {
            if status != STATUS_ERROR {
                self.poison(&e);
            }
            return Err(e);
        }
        let result = match usize::try_from(frames) {
            Ok(n) if n <= capacity => {
                if self.kind == StreamKind::Text {
                    self.take_text(&text, n, &text_stamps, block)
                } else {
                    block.commit(n)
                }
            }
            _ => Err(self.shared.broken(format!(
                "`read` returned {frames} frames for a buffer of {capacity}"
            ))),
        };
        result.inspect_err(|e| self.poison(e))
    }

    fn seek(&mut self, frame: u64) -> Result<(), ReadError> {
        self.check_poison()?;
        let mut err = AbiError::empty();
        // SAFETY: a checked table and a live handle.
        let status = unsafe { (self.shared.table.source_seek)(self.handle, frame, &mut err) };
        self.shared.check(status, err, "seek").inspect_err(|e| {
            if status != STATUS_ERROR {
                self.poison(e);
            }
        })
    }
}

impl Drop for DynamicSource {
    fn drop(&mut self) {
        // SAFETY: a live handle from `recording_open_stream`, freed once, by the plugin.
        unsafe { (self.shared.table.source_free)(self.handle) };
    }
}
