//! Every buffer the plugin hands over is returned to its `free_buf`, on the normal path and
//! on every error path: the plugin's functions are wrapped to count the buffers they hand
//! out, and `free_buf` to count those returned.

use super::*;
use std::cell::Cell;

thread_local! {
    /// Buffers handed to the host on this thread (plugin calls run on the caller's).
    static HANDED: Cell<usize> = const { Cell::new(0) };
    /// Buffers returned to `free_buf` on this thread.
    static FREED: Cell<usize> = const { Cell::new(0) };
}

/// The exported table, whose functions the counting ones call.
const REAL: PluginTable = table::<__PlayerPluginExport>();

fn bump(counter: &'static std::thread::LocalKey<Cell<usize>>) {
    counter.with(|c| c.set(c.get() + 1));
}

/// Counts `buf` as handed over when it holds an allocation.
fn handed(buf: &AbiBuf) {
    if !buf.ptr.is_null() {
        bump(&HANDED);
    }
}

/// Counts the buffers a call left in its outputs.
///
/// # Safety
/// Each pointer is null or points to a value the call may have written.
unsafe fn count(json: *const AbiBuf, err: *const AbiError) {
    // SAFETY: the caller's promise.
    unsafe {
        if let Some(json) = json.as_ref() {
            handed(json);
        }
        if let Some(err) = err.as_ref() {
            handed(&err.message);
            handed(&err.path);
        }
    }
}

/// A buffer of `text`, handed over (and counted).
fn give(text: &str) -> AbiBuf {
    let b = AbiBuf::from_vec(text.as_bytes().to_vec());
    handed(&b);
    b
}

/// Writes a counted error with a message and a file.
///
/// # Safety
/// `out` points to a writable error.
unsafe fn give_error(out: *mut AbiError) {
    let e = AbiError {
        kind: ERROR_KIND_MALFORMED,
        has_offset: 0,
        offset: 0,
        message: give("broken"),
        path: give("/data/x.rt"),
    };
    // SAFETY: the caller's promise.
    unsafe { out.write(e) };
}

unsafe extern "C" fn free_buf(buf: AbiBuf) {
    if !buf.ptr.is_null() {
        bump(&FREED);
    }
    // SAFETY: a buffer of this library, returned once (the host's promise).
    unsafe { (REAL.free_buf)(buf) }
}

unsafe extern "C" fn describe(json: *mut AbiBuf, err: *mut AbiError) -> Status {
    // SAFETY: the host's arguments, passed on; the outputs are then readable.
    unsafe {
        let s = (REAL.describe)(json, err);
        count(json, err);
        s
    }
}

unsafe extern "C" fn probe(p: AbiStr, h: AbiStr, c: *mut u32, err: *mut AbiError) -> Status {
    // SAFETY: as in `describe`.
    unsafe {
        let s = (REAL.probe)(p, h, c, err);
        count(std::ptr::null(), err);
        s
    }
}

unsafe extern "C" fn open(p: AbiStr, o: AbiStr, r: *mut Handle, err: *mut AbiError) -> Status {
    // SAFETY: as in `describe`.
    unsafe {
        let s = (REAL.open)(p, o, r, err);
        count(std::ptr::null(), err);
        s
    }
}

unsafe extern "C" fn recording_info(r: Handle, json: *mut AbiBuf, err: *mut AbiError) -> Status {
    // SAFETY: as in `describe`.
    unsafe {
        let s = (REAL.recording_info)(r, json, err);
        count(json, err);
        s
    }
}

unsafe extern "C" fn open_stream(
    r: Handle,
    i: u64,
    src: *mut Handle,
    err: *mut AbiError,
) -> Status {
    // SAFETY: as in `describe`.
    unsafe {
        let s = (REAL.recording_open_stream)(r, i, src, err);
        count(std::ptr::null(), err);
        s
    }
}

unsafe extern "C" fn source_read(
    src: Handle,
    capacity: u64,
    values: *mut f64,
    stamps: *mut f64,
    frames: *mut u64,
    json: *mut AbiBuf,
    err: *mut AbiError,
) -> Status {
    // SAFETY: as in `describe`.
    unsafe {
        let s = (REAL.source_read)(src, capacity, values, stamps, frames, json, err);
        count(json, err);
        s
    }
}

unsafe extern "C" fn source_seek(src: Handle, frame: u64, err: *mut AbiError) -> Status {
    // SAFETY: as in `describe`.
    unsafe {
        let s = (REAL.source_seek)(src, frame, err);
        count(std::ptr::null(), err);
        s
    }
}

/// The exported reader with every function that hands out buffers counted, edited by
/// `edit` (a broken plugin's functions).
fn counting(edit: impl FnOnce(&mut PluginTable)) -> Result<DynamicReader, LoadError> {
    table_with(|t| {
        t.free_buf = free_buf;
        t.describe = describe;
        t.probe = probe;
        t.open = open;
        t.recording_info = recording_info;
        t.recording_open_stream = open_stream;
        t.source_read = source_read;
        t.source_seek = source_seek;
        edit(t);
    })
}

/// Runs `f` and checks that it handed over at least one buffer and that every buffer
/// handed over was returned.
fn all_freed(what: &str, f: impl FnOnce()) {
    HANDED.with(|c| c.set(0));
    FREED.with(|c| c.set(0));
    f();
    let (handed, freed) = (HANDED.with(Cell::get), FREED.with(Cell::get));
    assert!(handed > 0, "{what}: nothing was handed over");
    assert_eq!(
        freed, handed,
        "{what}: {handed} buffers handed over, {freed} freed"
    );
}

fn options() -> OpenOptions {
    OpenOptions::default()
}

/// A read of `frames` text frames as the given JSON, on any stream.
macro_rules! text_read {
    ($name:ident, $status:expr, $frames:expr, $json:expr, $error:expr) => {
        unsafe extern "C" fn $name(
            _: Handle,
            capacity: u64,
            _: *mut f64,
            _: *mut f64,
            frames: *mut u64,
            json: *mut AbiBuf,
            err: *mut AbiError,
        ) -> Status {
            let _ = capacity;
            // SAFETY: the host passes writable outputs.
            unsafe {
                frames.write($frames(capacity));
                json.write(give($json));
                if $error {
                    give_error(err);
                }
            }
            $status
        }
    };
}

text_read!(overflow, STATUS_OK, |c: u64| c + 1, r#"["a","b"]"#, false);
text_read!(error_with_text, STATUS_ERROR, |_| 0, r#"["a"]"#, true);
text_read!(panic_with_text, STATUS_PANIC, |_| 0, r#"["a"]"#, true);
text_read!(not_json, STATUS_OK, |_| 1, "not json", false);
text_read!(wrong_count, STATUS_OK, |_| 1, r#"["a","b"]"#, false);
text_read!(ok_with_error_texts, STATUS_OK, |_| 1, r#"["a"]"#, true);

#[test]
fn the_normal_paths_free_every_buffer() {
    all_freed("describe and probe", || {
        let r = counting(|_| {}).unwrap();
        let p = Probe {
            path: Path::new("a.rt"),
            header: b"RT",
        };
        assert_eq!(r.probe(&p), Some(Confidence::Magic));
    });
    all_freed("open, info and reads of every kind", || {
        let r = counting(|_| {}).unwrap();
        let rec = r.open(Path::new("/data/rec.rt"), &options()).unwrap();
        let mut text = rec.open_stream(1).unwrap();
        let b = read_once(text.as_mut(), StreamKind::Text, 1, 1);
        assert_eq!(b.text(), ["marker \"0\", ü"]);
        let b = read_once(text.as_mut(), StreamKind::Text, 1, 4);
        assert_eq!(b.frames(), 1);
        assert!(read_once(text.as_mut(), StreamKind::Text, 1, 4).is_empty());
        read_all(rec.open_stream(0).unwrap().as_mut(), 7).unwrap();
        read_once(
            rec.open_stream(2).unwrap().as_mut(),
            StreamKind::Stamped,
            3,
            4,
        );
    });
}

#[test]
fn the_plugins_errors_and_panics_free_every_buffer() {
    all_freed("an error in open", || {
        let r = counting(|_| {}).unwrap();
        r.open(Path::new("/data/bad.rt"), &options()).err().unwrap();
    });
    all_freed("a panic in open and in probe", || {
        let r = counting(|_| {}).unwrap();
        r.open(Path::new("/data/panic.rt"), &options())
            .err()
            .unwrap();
        let p = Probe {
            path: Path::new("a.rt"),
            header: b"PANIC",
        };
        assert_eq!(r.probe(&p), None);
    });
    all_freed("an error in read and in seek", || {
        let r = counting(|_| {}).unwrap();
        let rec = r.open(Path::new("/data/readerr.rt"), &options()).unwrap();
        let mut src = rec.open_stream(0).unwrap();
        read_all(src.as_mut(), 4).unwrap_err();
        src.seek(26).unwrap_err();
    });
    all_freed("a panic in read", || {
        let r = counting(|_| {}).unwrap();
        let rec = r.open(Path::new("/data/readpanic.rt"), &options()).unwrap();
        read_all(rec.open_stream(0).unwrap().as_mut(), 4).unwrap_err();
    });
}

/// The leak this test was written for: a text read returning more frames than the buffer
/// holds handed its text over and the host dropped it. And every other way a broken
/// plugin can hand text over on a path the host refuses.
#[test]
fn a_broken_plugins_text_is_freed_on_every_path() {
    let cases: [(&str, SourceRead, StreamIndex, &str); 7] = [
        (
            "more frames than capacity",
            overflow,
            1,
            "returned 5 frames for a buffer of 4",
        ),
        ("an error with text", error_with_text, 1, "broken"),
        ("a panic with text", panic_with_text, 1, "broken"),
        (
            "text that is not JSON",
            not_json,
            1,
            "malformed text samples",
        ),
        (
            "the wrong number of strings",
            wrong_count,
            1,
            "returned 2 strings for 1 frames",
        ),
        ("text on a numeric stream", ok_with_error_texts, 0, ""),
        ("error texts with a success", ok_with_error_texts, 1, ""),
    ];
    for (what, read, stream, message) in cases {
        all_freed(what, || {
            let r = counting(|t| t.source_read = read).unwrap();
            let rec = r.open(Path::new("/data/rec.rt"), &options()).unwrap();
            let kind = rec.info().streams[stream].kind;
            let channels = rec.info().streams[stream].channel_count();
            let mut src = rec.open_stream(stream).unwrap();
            let mut b = Block::new(kind, channels, 4);
            match src.read(&mut b) {
                Err(e) => assert!(e.to_string().contains(message), "{what}: {e}"),
                Ok(()) => assert!(message.is_empty(), "{what}: accepted"),
            }
        });
    }
}

type SourceRead = unsafe extern "C" fn(
    Handle,
    u64,
    *mut f64,
    *mut f64,
    *mut u64,
    *mut AbiBuf,
    *mut AbiError,
) -> Status;
type StreamIndex = usize;

unsafe extern "C" fn describe_fails(json: *mut AbiBuf, err: *mut AbiError) -> Status {
    // SAFETY: the host passes writable outputs.
    unsafe {
        json.write(give("{}"));
        give_error(err);
    }
    STATUS_ERROR
}

unsafe extern "C" fn info_fails(_: Handle, json: *mut AbiBuf, err: *mut AbiError) -> Status {
    // SAFETY: the host passes writable outputs.
    unsafe {
        json.write(give("{}"));
        give_error(err);
    }
    STATUS_ERROR
}

unsafe extern "C" fn info_not_json(_: Handle, json: *mut AbiBuf, _: *mut AbiError) -> Status {
    // SAFETY: the host passes a writable output.
    unsafe { json.write(give("not json")) };
    STATUS_OK
}

#[test]
fn failing_descriptions_and_infos_free_every_buffer() {
    all_freed("a failing describe", || {
        let e = counting(|t| t.describe = describe_fails).unwrap_err();
        assert_eq!(
            e.to_string(),
            "its description is not valid: its `describe` failed: broken"
        );
    });
    all_freed("a failing recording_info", || {
        let r = counting(|t| t.recording_info = info_fails).unwrap();
        let e = r.open(Path::new("/data/rec.rt"), &options()).err().unwrap();
        assert_eq!(e.to_string(), "/data/x.rt: broken");
    });
    all_freed("a recording_info that is not JSON", || {
        let r = counting(|t| t.recording_info = info_not_json).unwrap();
        let e = r.open(Path::new("/data/rec.rt"), &options()).err().unwrap();
        assert!(e.to_string().contains("malformed metadata"), "{e}");
    });
}
