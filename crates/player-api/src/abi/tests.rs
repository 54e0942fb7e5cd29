//! Round trip: a reader exported through the macro's functions and wrapped back in-process
//! behaves exactly like the reader itself (values, metadata, errors), and the host-side
//! checks catch a plugin that breaks the contract.
#![allow(clippy::unwrap_used)]

use super::*;
use crate::{
    Annotation, Block, ChannelInfo, Confidence, OpenOptions, Probe, ReadError, ReadErrorKind,
    ReaderInfo, ReaderPlugin, Recording, RecordingInfo, SampleFormat, SampleSource, StreamInfo,
    StreamKind,
};
use std::path::Path;
use std::sync::Arc;

mod leaks;
#[cfg(unix)]
mod prefix;
mod schema;

const FRAMES: u64 = 25;

/// A reader whose behaviour is chosen by the file name (nothing is read from disk).
struct TestReader;

static INFO: ReaderInfo = ReaderInfo::new(
    "roundtrip",
    "test reader: ünïcode description",
    "1.2.3",
    &["rt", "rtx"],
    &[crate::Signature::at(0, b"RT")],
);

impl ReaderPlugin for TestReader {
    fn info(&self) -> &ReaderInfo {
        &INFO
    }
    fn probe(&self, probe: &Probe<'_>) -> Option<Confidence> {
        if probe.header.starts_with(b"PANIC") {
            panic!("probe panic")
        }
        INFO.probe(probe)
    }
    fn open(&self, path: &Path, options: &OpenOptions) -> Result<Box<dyn Recording>, ReadError> {
        let name = path.file_name().unwrap().to_str().unwrap().to_string();
        if name.starts_with("bad") {
            return Err(ReadError::malformed("bad header field")
                .at_offset(12)
                .in_file(path));
        }
        if name.starts_with("panic") {
            panic!("open exploded on {name}");
        }
        let mut regular = StreamInfo::new(
            "eeg",
            "EEG",
            100.0,
            vec![
                ChannelInfo::new("Fp1", "eeg", "V").with_extra("resolution", "0.1"),
                ChannelInfo::new("Fp2", "eeg", "V"),
                ChannelInfo::new("Stim", "stim", ""),
            ],
        )
        .with_length(FRAMES)
        .with_sample_format(SampleFormat::Int16);
        regular.metadata.insert("k".into(), "v".into());
        let text = StreamInfo::new(
            "log",
            "Markers",
            0.0,
            vec![ChannelInfo::new("m", "marker", "")],
        )
        .with_sample_format(SampleFormat::String);
        let stamped = StreamInfo::new(
            "events",
            "Misc",
            0.0,
            vec![
                ChannelInfo::new("a", "misc", ""),
                ChannelInfo::new("b", "misc", ""),
                ChannelInfo::new("c", "misc", ""),
            ],
        )
        .with_length(FRAMES);
        let mut info = RecordingInfo::new(vec![regular, text, stamped]);
        info.annotations = vec![
            Annotation::new(0.05, 0.0, "Stimulus/S  1"),
            Annotation::new(0.2, 0.1, "Comment, with comma"),
        ];
        info.meas_date = Some("2020-01-02T03:04:05Z".into());
        info.metadata
            .insert("options".into(), format!("{:?}", options.reader_options));
        Ok(Box::new(TestRecording { info, name }))
    }
}

struct TestRecording {
    info: RecordingInfo,
    name: String,
}

impl Recording for TestRecording {
    fn info(&self) -> &RecordingInfo {
        &self.info
    }
    fn open_stream(&self, index: usize) -> Result<Box<dyn SampleSource>, ReadError> {
        match self.info.streams.get(index) {
            Some(stream) => Ok(Box::new(TestSource {
                pos: 0,
                mode: self.name.clone(),
                kind: stream.kind,
            })),
            _ => Err(ReadError::invalid_argument(format!("no stream {index}"))),
        }
    }
}

struct TestSource {
    pos: u64,
    mode: String,
    kind: StreamKind,
}

fn value(frame: u64, ch: usize) -> f64 {
    (frame as f64) * 1e-6 + ch as f64 * 0.5 - 0.25 / (1.0 + frame as f64)
}

impl SampleSource for TestSource {
    fn read(&mut self, block: &mut Block) -> Result<(), ReadError> {
        if self.pos >= 10 && self.mode.starts_with("readerr") {
            return Err(ReadError::truncated("data ends early").at_offset(999));
        }
        if self.pos >= 10 && self.mode.starts_with("readpanic") {
            panic!("read exploded");
        }
        if self.kind == StreamKind::Text {
            while self.pos < 2 && block.room() > 0 {
                let i = self.pos;
                block.push_text_frame(vec![format!("marker \"{i}\", ü")], 0.5 * i as f64)?;
                self.pos += 1;
            }
            return Ok(());
        }
        let room = block.room();
        let n = (room as u64).min(FRAMES - self.pos) as usize;
        let (out, stamps) = block.spare();
        for f in 0..n {
            for c in 0..3 {
                out[f * 3 + c] = value(self.pos + f as u64, c);
            }
            if let Some(t) = stamps.get_mut(f) {
                *t = (self.pos + f as u64) as f64 * 0.01;
            }
        }
        self.pos += n as u64;
        block.commit(n)
    }
    fn seek(&mut self, frame: u64) -> Result<(), ReadError> {
        if frame > FRAMES {
            return Err(ReadError::invalid_argument(format!(
                "seek to {frame} past the end ({FRAMES})"
            )));
        }
        self.pos = frame;
        Ok(())
    }
}

crate::export_plugin!(TestReader);

/// The exported table wrapped back, as a host would after loading the library.
fn wrapped() -> DynamicReader {
    let table = player_plugin_entry();
    // SAFETY: the table is a static of this test binary, valid for the whole process.
    unsafe { DynamicReader::from_table(table, "test-lib", Arc::new(())) }.unwrap()
}

fn read_all(src: &mut dyn SampleSource, block: usize) -> Result<Vec<f64>, ReadError> {
    let mut all = Vec::new();
    let mut b = Block::new(StreamKind::Regular, 3, block);
    loop {
        b.clear();
        src.read(&mut b)?;
        if b.is_empty() {
            return Ok(all);
        }
        all.extend_from_slice(b.values());
    }
}

/// One read of up to `frames` frames from stream `index`'s source `src`.
fn read_once(
    src: &mut dyn SampleSource,
    kind: StreamKind,
    channels: usize,
    frames: usize,
) -> Block {
    let mut b = Block::new(kind, channels, frames);
    src.read(&mut b).unwrap();
    b
}

fn same_error(a: &ReadError, b: &ReadError) {
    assert_eq!(a.kind(), b.kind());
    assert_eq!(a.message(), b.message());
    assert_eq!(a.path(), b.path());
    assert_eq!(a.offset(), b.offset());
    assert_eq!(a.to_string(), b.to_string());
}

#[test]
fn description_round_trips() {
    let w = wrapped();
    assert_eq!(w.info().id(), INFO.id());
    assert_eq!(w.info().description(), INFO.description());
    assert_eq!(w.info().version(), "1.2.3");
    assert_eq!(w.info().extensions(), INFO.extensions());
    assert_eq!(w.api_version(), env!("CARGO_PKG_VERSION"));
    assert_eq!(w.library(), "test-lib");
}

#[test]
fn probe_round_trips_and_a_panicking_probe_is_none() {
    let w = wrapped();
    for (path, header) in [
        ("a.rt", &b"RT01"[..]),
        ("a.RTX", &b"xx"[..]),
        ("a.wav", &b"RIFF"[..]),
        ("a.wav", &b""[..]),
    ] {
        let p = Probe {
            path: Path::new(path),
            header,
        };
        assert_eq!(w.probe(&p), TestReader.probe(&p), "{path}");
    }
    let p = Probe {
        path: Path::new("a.rt"),
        header: b"PANIC",
    };
    assert_eq!(w.probe(&p), None);
}

#[test]
fn metadata_and_values_round_trip() {
    let w = wrapped();
    let mut options = OpenOptions::default();
    options.reader_options.insert("gain".into(), "2".into());
    let path = Path::new("/data/rec.rt");
    let direct = TestReader.open(path, &options).unwrap();
    let dynamic = w.open(path, &options).unwrap();
    assert_eq!(dynamic.info(), direct.info());
    for block in [1, 7, 25, 100] {
        let a = read_all(direct.open_stream(0).unwrap().as_mut(), block).unwrap();
        let b = read_all(dynamic.open_stream(0).unwrap().as_mut(), block).unwrap();
        assert_eq!(a.len(), 3 * FRAMES as usize);
        // Bit for bit.
        assert_eq!(
            a.iter().map(|x| x.to_bits()).collect::<Vec<_>>(),
            b.iter().map(|x| x.to_bits()).collect::<Vec<_>>()
        );
    }
    // Seek, including past the end, and a second source independent of the first.
    let mut s1 = dynamic.open_stream(0).unwrap();
    let mut s2 = dynamic.open_stream(0).unwrap();
    s1.seek(20).unwrap();
    let b = read_once(s1.as_mut(), StreamKind::Regular, 3, 10);
    assert_eq!(b.frames(), 5);
    assert_eq!(b.values()[0], value(20, 0));
    let b = read_once(s2.as_mut(), StreamKind::Regular, 3, 1);
    assert_eq!(b.frames(), 1);
    assert_eq!(b.values()[0], value(0, 0));
    same_error(
        &s1.seek(26).unwrap_err(),
        &direct.open_stream(0).unwrap().seek(26).unwrap_err(),
    );
    // A source outlives its recording.
    drop(dynamic);
    s2.seek(0).unwrap();
    assert_eq!(
        read_once(s2.as_mut(), StreamKind::Regular, 3, 10).frames(),
        10
    );
    // Stamped and text reads.
    let dynamic = w.open(path, &options).unwrap();
    let b = read_once(
        dynamic.open_stream(2).unwrap().as_mut(),
        StreamKind::Stamped,
        3,
        4,
    );
    assert_eq!(b.stamps(), [0.0, 0.01, 0.02, 0.03]);
    assert_eq!(b.values()[3], value(1, 0));
    let b = read_once(
        dynamic.open_stream(1).unwrap().as_mut(),
        StreamKind::Text,
        1,
        4,
    );
    assert_eq!(b.text(), ["marker \"0\", ü", "marker \"1\", ü"]);
    assert_eq!(b.stamps(), [0.0, 0.5]);
    // A bad stream index is refused by the host without asking the plugin.
    assert_eq!(
        dynamic.open_stream(5).err().unwrap().kind(),
        ReadErrorKind::InvalidArgument
    );
}

#[test]
fn errors_round_trip_identically() {
    let w = wrapped();
    let o = OpenOptions::default();
    let path = Path::new("/data/bad.rt");
    same_error(
        &w.open(path, &o).err().unwrap(),
        &TestReader.open(path, &o).err().unwrap(),
    );
    let path = Path::new("/data/readerr.rt");
    let a = read_all(
        TestReader
            .open(path, &o)
            .unwrap()
            .open_stream(0)
            .unwrap()
            .as_mut(),
        4,
    )
    .unwrap_err();
    let mut src = w.open(path, &o).unwrap().open_stream(0).unwrap();
    let b = read_all(src.as_mut(), 4).unwrap_err();
    same_error(&a, &b);
    assert_eq!(b.to_string(), "at byte 999: data ends early");
    // An error does not poison: the plugin decides what comes next.
    src.seek(0).unwrap();
}

#[test]
fn panics_become_errors_and_poison_the_source() {
    let w = wrapped();
    let o = OpenOptions::default();
    let e = w.open(Path::new("/data/panic.rt"), &o).err().unwrap();
    assert_eq!(e.kind(), ReadErrorKind::Plugin);
    let text = e.to_string();
    assert!(text.starts_with("/data/panic.rt: plugin test-lib: the plugin panicked in `open`: open exploded on panic.rt (at "), "{text}");
    let mut src = w
        .open(Path::new("/data/readpanic.rt"), &o)
        .unwrap()
        .open_stream(0)
        .unwrap();
    let e = read_all(src.as_mut(), 4).unwrap_err();
    assert!(
        e.to_string().contains("panicked in `read`: read exploded"),
        "{e}"
    );
    let again = src.seek(0).unwrap_err();
    assert_eq!(again.to_string(), e.to_string(), "poisoned");
}

#[test]
fn more_frames_than_the_buffer_is_caught() {
    unsafe extern "C" fn too_many(
        _: Handle,
        capacity: u64,
        _: *mut f64,
        _: *mut f64,
        out_frames: *mut u64,
        _: *mut AbiBuf,
        _: *mut AbiError,
    ) -> Status {
        // SAFETY: the host passes a writable output.
        unsafe { out_frames.write(capacity + 1) };
        STATUS_OK
    }
    let r = table_with(|t| t.source_read = too_many).unwrap();
    let mut src = r
        .open(Path::new("/data/x.rt"), &OpenOptions::default())
        .unwrap()
        .open_stream(0)
        .unwrap();
    let mut b = Block::new(StreamKind::Regular, 3, 4);
    let e = src.read(&mut b).unwrap_err();
    assert_eq!(e.kind(), ReadErrorKind::Plugin);
    assert!(
        e.to_string()
            .contains("returned 5 frames for a buffer of 4"),
        "{e}"
    );
    assert!(b.is_empty(), "nothing was committed");
    assert_eq!(
        src.seek(0).unwrap_err().to_string(),
        e.to_string(),
        "poisoned"
    );
}

fn table_with(edit: impl FnOnce(&mut PluginTable)) -> Result<DynamicReader, LoadError> {
    let mut t = table::<__PlayerPluginExport>();
    edit(&mut t);
    let t: &'static PluginTable = Box::leak(Box::new(t));
    // SAFETY: a leaked table, valid for the whole process.
    unsafe { DynamicReader::from_table(t, "edited", Arc::new(())) }
}

#[test]
fn header_is_checked_before_any_call() {
    let e = table_with(|t| t.header.abi_version = 7).unwrap_err();
    assert_eq!(
        e,
        LoadError::IncompatibleVersion {
            plugin: 7,
            host: ABI_VERSION,
            oldest: OLDEST_ABI_VERSION
        }
    );
    assert_eq!(
        e.to_string(),
        "built for plugin ABI version 7, newer than this host's ABI version 2: update player-host"
    );
    let e = table_with(|t| t.header.abi_version = 1).unwrap_err();
    assert_eq!(
        e.to_string(),
        "built for plugin ABI version 1, but this host loads ABI versions 2 to 2: rebuild the \
         plugin against this host's player-api (see plugins/README.md)"
    );
    let e = table_with(|t| t.header.table_size = 16).unwrap_err();
    assert!(
        matches!(
            e,
            LoadError::TableTooSmall {
                size: 16,
                version: 2,
                ..
            }
        ),
        "{e}"
    );
    assert!(e.to_string().contains("function table is 16 bytes"), "{e}");
    let e = table_with(|t| t.header.magic = *b"NOTMAGIC").unwrap_err();
    assert_eq!(e, LoadError::BadMagic);
    // SAFETY: null is allowed.
    let e = unsafe { DynamicReader::from_table(std::ptr::null(), "x", Arc::new(())) }.unwrap_err();
    assert_eq!(e, LoadError::NoTable);
}

/// The compatibility rule: a table of the current version that is larger than the host's
/// (fields appended by a later player-api) still loads.
#[test]
fn larger_tables_of_a_known_version_load() {
    let r = table_with(|t| t.header.table_size += 64).unwrap();
    assert_eq!(r.info().id(), "roundtrip");
}

#[test]
fn malformed_metadata_is_refused() {
    unsafe extern "C" fn bad_info(_: Handle, out: *mut AbiBuf, _: *mut AbiError) -> Status {
        // SAFETY: the host passes a writable output.
        unsafe { out.write(AbiBuf::from_vec(b"{\"streams\": 3}".to_vec())) };
        STATUS_OK
    }
    unsafe extern "C" fn no_streams(_: Handle, out: *mut AbiBuf, _: *mut AbiError) -> Status {
        let json = serde_json::to_vec(&RecordingInfo::default()).unwrap();
        // SAFETY: the host passes a writable output.
        unsafe { out.write(AbiBuf::from_vec(json)) };
        STATUS_OK
    }
    let r = table_with(|t| t.recording_info = bad_info).unwrap();
    let e = r
        .open(Path::new("/data/x.rt"), &OpenOptions::default())
        .err()
        .unwrap();
    assert_eq!(e.kind(), ReadErrorKind::Plugin);
    assert!(
        e.to_string()
            .starts_with("/data/x.rt: plugin edited: malformed metadata: "),
        "{e}"
    );
    // Metadata that parses but breaks the contract is refused by the one validation.
    let r: &'static DynamicReader = Box::leak(Box::new(
        table_with(|t| t.recording_info = no_streams).unwrap(),
    ));
    let e = crate::validate::open_checked(r, Path::new("/data/x.rt"), &OpenOptions::default())
        .err()
        .unwrap();
    assert_eq!(e.kind(), ReadErrorKind::Contract);
    assert_eq!(
        e.to_string(),
        "/data/x.rt: the roundtrip reader broke the contract: the recording has no streams"
    );
}
