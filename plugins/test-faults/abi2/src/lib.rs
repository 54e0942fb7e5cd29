//! A plugin frozen at ABI 2, for the host's tests of the compatibility rule: whatever the
//! `player-api` it is built with, its table is exactly ABI 2's (its own copy of the
//! layout, [`Abi2Table`]) and its JSON documents carry no schema version, as those of a
//! plugin built before the version existed. A host with appended fields must load it,
//! read the appended fields as absent, and read nothing past its table.
//!
//! The reader (id `abi2`, files `*.abi2`) reads a file whose text is `frames=N` (50 when
//! empty) as two streams: `ramp`, 2 channels at 100 Hz, frame k channel c being
//! `k + c / 10`; and `events`, a text stream of 3 markers (`e0`, `e1`, `e2` at 0, 0.25 and
//! 0.5 s). The recording has one annotation (`start` at 0).

use player_api::abi::{
    entry, table, AbiBuf, AbiError, AbiStr, ExportedReader, Handle, PluginTable, Status,
    TableHeader, ABI2_TABLE_SIZE, ABI_MAGIC, SCHEMA_KEY, STATUS_OK,
};
use player_api::{
    Annotation, Block, ChannelInfo, FrameSource, OpenOptions, ReadError, ReaderInfo, ReaderPlugin,
    Recording, RecordingInfo, SampleFormat, SampleSource, StreamInfo,
};
use std::path::Path;

/// The table of ABI 2, field for field: what a plugin built for ABI 2 exports, whatever
/// fields later versions append.
#[repr(C)]
#[derive(Debug)]
pub struct Abi2Table {
    /// Magic, version 2, and this table's size.
    pub header: TableHeader,
    /// See [`PluginTable::describe`].
    pub describe: unsafe extern "C" fn(*mut AbiBuf, *mut AbiError) -> Status,
    /// See [`PluginTable::probe`].
    pub probe: unsafe extern "C" fn(AbiStr, AbiStr, *mut u32, *mut AbiError) -> Status,
    /// See [`PluginTable::open`].
    pub open: unsafe extern "C" fn(AbiStr, AbiStr, *mut Handle, *mut AbiError) -> Status,
    /// See [`PluginTable::recording_info`].
    pub recording_info: unsafe extern "C" fn(Handle, *mut AbiBuf, *mut AbiError) -> Status,
    /// See [`PluginTable::recording_open_stream`].
    pub recording_open_stream:
        unsafe extern "C" fn(Handle, u64, *mut Handle, *mut AbiError) -> Status,
    /// See [`PluginTable::recording_free`].
    pub recording_free: unsafe extern "C" fn(Handle),
    /// See [`PluginTable::source_read`].
    pub source_read: unsafe extern "C" fn(
        Handle,
        u64,
        *mut f64,
        *mut f64,
        *mut u64,
        *mut AbiBuf,
        *mut AbiError,
    ) -> Status,
    /// See [`PluginTable::source_seek`].
    pub source_seek: unsafe extern "C" fn(Handle, u64, *mut AbiError) -> Status,
    /// See [`PluginTable::source_free`].
    pub source_free: unsafe extern "C" fn(Handle),
    /// See [`PluginTable::free_buf`].
    pub free_buf: unsafe extern "C" fn(AbiBuf),
}

/// ABI 2's table is a 16-byte header and ten function pointers.
pub const ABI2_SIZE: usize = 16 + 10 * std::mem::size_of::<usize>();
const _: () = assert!(std::mem::size_of::<Abi2Table>() == ABI2_SIZE);
const _: () = assert!(ABI2_TABLE_SIZE == ABI2_SIZE);

struct Abi2Reader;

static INFO: ReaderInfo = ReaderInfo::new(
    "abi2",
    "a plugin frozen at ABI 2 (.abi2 files)",
    env!("CARGO_PKG_VERSION"),
    &["abi2"],
    &[],
);

impl ReaderPlugin for Abi2Reader {
    fn info(&self) -> &ReaderInfo {
        &INFO
    }
    fn open(&self, path: &Path, _: &OpenOptions) -> Result<Box<dyn Recording>, ReadError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| ReadError::io("reading the file", e).in_file(path))?;
        let frames = match text.trim() {
            "" => 50,
            t => t
                .strip_prefix("frames=")
                .and_then(|n| n.parse().ok())
                .ok_or_else(|| ReadError::malformed("expected frames=N").in_file(path))?,
        };
        let ramp = StreamInfo::new(
            "ramp",
            "Misc",
            100.0,
            vec![
                ChannelInfo::new("a", "misc", ""),
                ChannelInfo::new("b", "misc", ""),
            ],
        )
        .with_length(frames);
        let events = StreamInfo::new(
            "events",
            "Markers",
            0.0,
            vec![ChannelInfo::new("e", "marker", "")],
        )
        .with_sample_format(SampleFormat::String);
        let mut info = RecordingInfo::new(vec![ramp, events]);
        info.annotations = vec![Annotation::new(0.0, 0.0, "start")];
        Ok(Box::new(Abi2Recording { info, frames }))
    }
}

struct Abi2Recording {
    info: RecordingInfo,
    frames: u64,
}

impl Recording for Abi2Recording {
    fn info(&self) -> &RecordingInfo {
        &self.info
    }
    fn open_stream(&self, index: usize) -> Result<Box<dyn SampleSource>, ReadError> {
        match index {
            0 => Ok(Box::new(Ramp {
                pos: 0,
                frames: self.frames,
            })),
            1 => Ok(Box::new(Events { pos: 0 })),
            _ => Err(ReadError::invalid_argument(format!("no stream {index}"))),
        }
    }
}

struct Ramp {
    pos: u64,
    frames: u64,
}

impl FrameSource for Ramp {
    fn fill(&mut self, out: &mut [f64]) -> Result<usize, ReadError> {
        let mut n = 0;
        for frame in out.chunks_exact_mut(2) {
            if self.pos == self.frames {
                break;
            }
            frame[0] = self.pos as f64;
            frame[1] = self.pos as f64 + 0.1;
            self.pos += 1;
            n += 1;
        }
        Ok(n)
    }
    fn seek_frame(&mut self, frame: u64) -> Result<(), ReadError> {
        if frame > self.frames {
            return Err(ReadError::invalid_argument("seek past the end"));
        }
        self.pos = frame;
        Ok(())
    }
}

struct Events {
    pos: u64,
}

impl SampleSource for Events {
    fn read(&mut self, block: &mut Block) -> Result<(), ReadError> {
        while self.pos < 3 && block.room() > 0 {
            let t = self.pos as f64 * 0.25;
            block.push_text_frame(vec![format!("e{}", self.pos)], t)?;
            self.pos += 1;
        }
        Ok(())
    }
    fn seek(&mut self, frame: u64) -> Result<(), ReadError> {
        if frame > 3 {
            return Err(ReadError::invalid_argument("seek past the end"));
        }
        self.pos = frame;
        Ok(())
    }
}

struct Export;

impl ExportedReader for Export {
    fn reader() -> &'static dyn ReaderPlugin {
        &Abi2Reader
    }
}

/// The current `player-api`'s table, whose functions the ABI 2 table borrows.
const CURRENT: PluginTable = table::<Export>();

/// Removes the schema version from the JSON object a call left in `out`: the document as
/// a plugin built before the version existed wrote it.
///
/// # Safety
/// `out` holds a buffer allocated by this library (or the empty value).
unsafe fn unversioned(out: *mut AbiBuf) {
    // SAFETY: the caller's promise; the buffer is replaced below, freed here once.
    let bytes = unsafe { out.read().into_vec() };
    let text = match serde_json::from_slice::<serde_json::Value>(&bytes) {
        Ok(mut v) => {
            if let Some(o) = v.as_object_mut() {
                o.remove(SCHEMA_KEY);
            }
            serde_json::to_vec(&v).unwrap_or(bytes)
        }
        Err(_) => bytes,
    };
    // SAFETY: `out` is writable (the host's output); its old buffer was taken.
    unsafe { out.write(AbiBuf::from_vec(text)) };
}

unsafe extern "C" fn describe(out_json: *mut AbiBuf, out_error: *mut AbiError) -> Status {
    // SAFETY: the host's outputs, passed on; on success `out_json` holds our buffer.
    unsafe {
        let status = (CURRENT.describe)(out_json, out_error);
        if status == STATUS_OK {
            unversioned(out_json);
        }
        status
    }
}

unsafe extern "C" fn recording_info(
    recording: Handle,
    out_json: *mut AbiBuf,
    out_error: *mut AbiError,
) -> Status {
    // SAFETY: as in `describe`.
    unsafe {
        let status = (CURRENT.recording_info)(recording, out_json, out_error);
        if status == STATUS_OK {
            unversioned(out_json);
        }
        status
    }
}

/// The exported table: ABI 2's fields only, declaring ABI 2's size.
pub static TABLE: Abi2Table = Abi2Table {
    header: TableHeader {
        magic: ABI_MAGIC,
        abi_version: 2,
        table_size: ABI2_SIZE as u32,
    },
    describe,
    probe: CURRENT.probe,
    open: CURRENT.open,
    recording_info,
    recording_open_stream: CURRENT.recording_open_stream,
    recording_free: CURRENT.recording_free,
    source_read: CURRENT.source_read,
    source_seek: CURRENT.source_seek,
    source_free: CURRENT.source_free,
    free_buf: CURRENT.free_buf,
};

/// The entry point: sets the reader up as `export_plugin!` does, and returns the ABI 2
/// table.
#[unsafe(no_mangle)]
pub extern "C" fn player_plugin_entry() -> *const PluginTable {
    static CURRENT_TABLE: PluginTable = CURRENT;
    if entry::<Export>(&CURRENT_TABLE).is_null() {
        return std::ptr::null();
    }
    std::ptr::from_ref(&TABLE).cast()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// A JSON document a call left in `json`, taken back.
    fn take(json: AbiBuf) -> serde_json::Value {
        // SAFETY: a buffer of this library, taken back once.
        serde_json::from_slice(&unsafe { json.into_vec() }).unwrap()
    }

    /// The documents carry no schema version (the current player-api's would).
    #[test]
    fn the_documents_have_no_schema_version() {
        let mut json = AbiBuf::empty();
        let mut err = AbiError::empty();
        // SAFETY: writable outputs.
        assert_eq!(unsafe { (TABLE.describe)(&mut json, &mut err) }, STATUS_OK);
        let v = take(json);
        assert_eq!(v["id"], "abi2");
        assert!(v.get(SCHEMA_KEY).is_none(), "{v}");
        let file = std::env::temp_dir().join(format!("abi2-{}.abi2", std::process::id()));
        std::fs::write(&file, "frames=3").unwrap();
        let path = file.to_str().unwrap();
        let mut rec: Handle = std::ptr::null_mut();
        // SAFETY: inputs live for the call; writable outputs.
        let s = unsafe {
            (TABLE.open)(
                AbiStr::new(path.as_bytes()),
                AbiStr::new(b""),
                &mut rec,
                &mut err,
            )
        };
        std::fs::remove_file(&file).unwrap();
        assert_eq!(s, STATUS_OK);
        let mut json = AbiBuf::empty();
        // SAFETY: the recording just opened; writable outputs.
        let s = unsafe { (TABLE.recording_info)(rec, &mut json, &mut err) };
        // SAFETY: the recording, freed once.
        unsafe { (TABLE.recording_free)(rec) };
        assert_eq!(s, STATUS_OK);
        let v = take(json);
        assert_eq!(v["streams"][0]["length"], 3);
        assert!(v.get(SCHEMA_KEY).is_none(), "{v}");
    }
}
