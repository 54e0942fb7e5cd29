//! The JSON documents carry their schema version; documents without one (plugins built
//! before it existed) read as version 1; newer ones are refused with what to update.

use super::*;
use serde_json::Value;

/// The JSON a plugin call handed over in `out`, taken back (same allocator: this binary).
///
/// # Safety
/// `out` holds a buffer of this library.
unsafe fn take(out: *mut AbiBuf) -> Value {
    // SAFETY: the caller's promise.
    let bytes = unsafe { out.read().into_vec() };
    serde_json::from_slice(&bytes).unwrap()
}

/// Replaces the JSON object in `out` by itself with `version` under SCHEMA_KEY (none:
/// removed), as a plugin of another schema version would write it.
///
/// # Safety
/// `out` holds a buffer of this library.
unsafe fn rewrite(out: *mut AbiBuf, version: Option<u32>) {
    // SAFETY: the caller's promise.
    let mut v = unsafe { take(out) };
    let o = v.as_object_mut().unwrap();
    match version {
        Some(n) => o.insert(SCHEMA_KEY.into(), n.into()),
        None => o.remove(SCHEMA_KEY),
    };
    // SAFETY: `out` is writable; its old buffer was taken.
    unsafe { out.write(AbiBuf::from_vec(serde_json::to_vec(&v).unwrap())) };
}

const REAL: PluginTable = table::<__PlayerPluginExport>();

macro_rules! describe_as {
    ($name:ident, $version:expr) => {
        unsafe extern "C" fn $name(json: *mut AbiBuf, err: *mut AbiError) -> Status {
            // SAFETY: the host's outputs, passed on; on success `json` holds our buffer.
            unsafe {
                let s = (REAL.describe)(json, err);
                rewrite(json, $version);
                s
            }
        }
    };
}

macro_rules! info_as {
    ($name:ident, $version:expr) => {
        unsafe extern "C" fn $name(r: Handle, json: *mut AbiBuf, err: *mut AbiError) -> Status {
            // SAFETY: as in `describe_as`.
            unsafe {
                let s = (REAL.recording_info)(r, json, err);
                rewrite(json, $version);
                s
            }
        }
    };
}

describe_as!(describe_unversioned, None);
describe_as!(describe_v2, Some(2));
describe_as!(describe_v0, Some(0));
info_as!(info_unversioned, None);
info_as!(info_v2, Some(2));

#[test]
fn the_documents_a_plugin_writes_carry_the_schema_version_first() {
    let mut json = AbiBuf::empty();
    let mut err = AbiError::empty();
    // SAFETY: writable outputs.
    assert_eq!(unsafe { (REAL.describe)(&mut json, &mut err) }, STATUS_OK);
    // SAFETY: a buffer of this binary.
    let text = String::from_utf8(unsafe { json.into_vec() }).unwrap();
    assert!(text.starts_with(r#"{"schema_version":1,""#), "{text}");
    let v: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["id"], "roundtrip");
    let rec = TestReader
        .open(Path::new("/data/rec.rt"), &OpenOptions::default())
        .unwrap();
    let handle: Handle = Box::into_raw(Box::new(rec)).cast();
    let mut json = AbiBuf::empty();
    // SAFETY: a handle made as `open` makes one; writable outputs.
    let s = unsafe { (REAL.recording_info)(handle, &mut json, &mut err) };
    assert_eq!(s, STATUS_OK);
    // SAFETY: a buffer of this binary; the handle, freed once.
    let text = String::from_utf8(unsafe { json.into_vec() }).unwrap();
    unsafe { (REAL.recording_free)(handle) };
    assert!(
        text.starts_with(r#"{"schema_version":1,"streams":[{"#),
        "{text}"
    );
    let info: RecordingInfo = serde_json::from_str(&text).unwrap();
    assert_eq!(
        &info,
        TestReader
            .open(Path::new("/data/rec.rt"), &OpenOptions::default())
            .unwrap()
            .info()
    );
}

/// A plugin built before the schema version existed: its documents read as version 1.
#[test]
fn documents_without_a_version_read_as_version_1() {
    let r = table_with(|t| {
        t.describe = describe_unversioned;
        t.recording_info = info_unversioned;
    })
    .unwrap();
    assert_eq!(r.info().id(), "roundtrip");
    let path = Path::new("/data/rec.rt");
    let rec = r.open(path, &OpenOptions::default()).unwrap();
    let direct = TestReader.open(path, &OpenOptions::default()).unwrap();
    assert_eq!(rec.info(), direct.info());
}

#[test]
fn newer_documents_are_refused_with_what_to_update() {
    let e = table_with(|t| t.describe = describe_v2).unwrap_err();
    assert_eq!(
        e,
        LoadError::NewerSchema {
            document: "description",
            version: 2,
            host: SCHEMA_VERSION
        }
    );
    assert_eq!(e.code(), "newer-schema");
    assert_eq!(
        e.to_string(),
        "its description has JSON schema version 2, newer than this host's 1: update player-host"
    );
    let e = table_with(|t| t.describe = describe_v0).unwrap_err();
    assert_eq!(
        e.to_string(),
        "its description is not valid: schema_version 0 (versions start at 1)"
    );
    let r = table_with(|t| t.recording_info = info_v2).unwrap();
    let e = r
        .open(Path::new("/data/rec.rt"), &OpenOptions::default())
        .err()
        .unwrap();
    assert_eq!(e.kind(), ReadErrorKind::Unsupported);
    assert_eq!(
        e.to_string(),
        "/data/rec.rt: plugin edited: its recording info has JSON schema version 2, newer than \
         this host's 1: update player-host"
    );
}

/// The plugin's side of the options: an older host's (no version) read, a newer host's
/// refused.
#[test]
fn the_plugin_reads_older_options_and_refuses_newer_ones() {
    let open = |options: &str| {
        let path = "/data/rec.rt";
        let mut handle: Handle = std::ptr::null_mut();
        let mut err = AbiError::empty();
        // SAFETY: inputs live for the call; writable outputs.
        let s = unsafe {
            (REAL.open)(
                AbiStr::new(path.as_bytes()),
                AbiStr::new(options.as_bytes()),
                &mut handle,
                &mut err,
            )
        };
        if s == STATUS_OK {
            // SAFETY: the recording just opened, freed once.
            unsafe { (REAL.recording_free)(handle) };
            return Ok(());
        }
        // SAFETY: the plugin's buffers, taken back once.
        let message = unsafe { err.message.into_vec() };
        drop(unsafe { err.path.into_vec() });
        Err((err.kind, String::from_utf8(message).unwrap()))
    };
    open(r#"{"reader_options":{"gain":"2"}}"#).unwrap();
    open(r#"{"schema_version":1,"reader_options":{}}"#).unwrap();
    assert_eq!(
        open(r#"{"schema_version":2,"reader_options":{}}"#).unwrap_err(),
        (
            ERROR_KIND_INVALID_ARGUMENT,
            "the host's options have JSON schema version 2, newer than this plugin's 1: \
             rebuild the plugin against the host's player-api"
                .to_string()
        )
    );
}
