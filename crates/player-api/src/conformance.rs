//! A conformance checker for readers (feature `conformance`): call it in a reader's tests
//! with a fixture file, and it uses the reader the way a host will.
//!
//! [`check`] opens the file through [`open_checked`](crate::validate::open_checked) (so the
//! info and every block are validated), then, for every stream:
//!
//! 1. reads it whole (the *reference*);
//! 2. reads it again in odd block sizes (1, 3, 7, 61, 1000 frames) and compares, value for
//!    value (bit for bit), time for time, string for string;
//! 3. seeks to pseudo-random positions and compares what follows with the reference;
//!    seeks to the end (nothing follows) and past it (refused);
//!
//! and finally truncates the file (and the files beside it that share its stem, for
//! formats made of several files) at a few points, and reads what still opens: an error
//! is fine, a panic or a hang (more than [`HANG_SECONDS`]) is a failure.
//!
//! ```ignore
//! #[test]
//! fn conforms() {
//!     player_api::conformance::assert_conforms(&MyReader, "tests/data/small.xyz".as_ref());
//! }
//! ```
//!
//! Fixtures should be small: a stream of more than [`MAX_REFERENCE_VALUES`] values is
//! refused.

use crate::validate::{open_checked, CheckedRecording};
use crate::{Block, OpenOptions, ReadErrorKind, ReaderPlugin, SampleSource, StreamInfo};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// The largest stream (frames × channels) [`check`] reads whole.
pub const MAX_REFERENCE_VALUES: usize = 1 << 24;

/// How long one read of a truncated file may take before it counts as a hang.
pub const HANG_SECONDS: u64 = 10;

/// The block sizes of step 2, in frames.
const ODD_SIZES: [usize; 5] = [1, 3, 7, 61, 1000];

/// Streams longer than this (frames) skip the smallest block sizes.
const SMALL_BLOCKS_UP_TO: usize = 50_000;

/// Seeks per stream in step 3.
const SEEKS: usize = 8;

/// Frames compared after each seek.
const FRAMES_AFTER_SEEK: usize = 100;

/// What [`check`] found in a file that conforms.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// Frames of each stream, in order.
    pub frames: Vec<u64>,
    /// Truncated copies that still opened (the others were refused with an error).
    pub truncations_opened: usize,
    /// Truncated copies tried.
    pub truncations_tried: usize,
}

/// Checks `reader` against the file at `path` (see the module docs). The error says
/// which step failed and how.
pub fn check(reader: &'static dyn ReaderPlugin, path: &Path) -> Result<Report, String> {
    check_with(reader, path, &OpenOptions::default())
}

/// [`check`] with reader options.
pub fn check_with(
    reader: &'static dyn ReaderPlugin,
    path: &Path,
    options: &OpenOptions,
) -> Result<Report, String> {
    let recording = open_checked(reader, path, options).map_err(|e| format!("open: {e}"))?;
    let mut frames = Vec::new();
    for (index, stream) in recording.info().streams.iter().enumerate() {
        let step =
            |what: &str, e: String| format!("stream {index} ({:?}): {what}: {e}", stream.name);
        let reference =
            read_whole(&recording, index, stream, 4096).map_err(|e| step("reading it whole", e))?;
        for size in ODD_SIZES {
            if size < 61 && reference.frames > SMALL_BLOCKS_UP_TO {
                continue;
            }
            let again = read_whole(&recording, index, stream, size)
                .map_err(|e| step(&format!("reading in blocks of {size}"), e))?;
            reference
                .same_whole(&again)
                .map_err(|e| step(&format!("blocks of {size} differ from one read"), e))?;
        }
        check_seeks(&recording, index, stream, &reference).map_err(|e| step("seeking", e))?;
        frames.push(reference.frames as u64);
    }
    let (opened, tried) = check_truncations(reader, path, options)?;
    Ok(Report {
        frames,
        truncations_opened: opened,
        truncations_tried: tried,
    })
}

/// [`check`], panicking with its message on failure (for tests).
pub fn assert_conforms(reader: &'static dyn ReaderPlugin, path: &Path) -> Report {
    match check(reader, path) {
        Ok(report) => report,
        Err(e) => panic!("{}: does not conform: {e}", path.display()),
    }
}

/// Everything read from one stream.
#[derive(Debug, Default)]
struct Frames {
    frames: usize,
    channels: usize,
    values: Vec<f64>,
    stamps: Vec<f64>,
    text: Vec<String>,
}

impl Frames {
    fn append(&mut self, block: &Block) {
        self.frames += block.frames();
        self.values.extend_from_slice(block.values());
        self.stamps.extend_from_slice(block.stamps());
        self.text.extend_from_slice(block.text());
    }

    /// Compares `other`, a whole read of the stream, with these frames.
    fn same_whole(&self, other: &Frames) -> Result<(), String> {
        if other.frames != self.frames {
            return Err(format!(
                "{} frames instead of {}",
                other.frames, self.frames
            ));
        }
        self.same_as(other, 0)
    }

    /// Compares `other` with these frames from frame `at` on (for `other.frames` frames:
    /// a part of the stream, e.g. what follows a seek).
    fn same_as(&self, other: &Frames, at: usize) -> Result<(), String> {
        if at + other.frames > self.frames {
            return Err(format!(
                "{} frames from frame {at}, but the stream has {}",
                other.frames, self.frames
            ));
        }
        let w = self.channels;
        let values = self
            .values
            .get(at * w..(at + other.frames) * w)
            .unwrap_or(&[]);
        if let Some(i) = first_difference(values, &other.values) {
            return Err(format!(
                "frame {} channel {}: {} instead of {}",
                at + i / w.max(1),
                i % w.max(1),
                other.values[i],
                values[i]
            ));
        }
        let stamps = self.stamps.get(at..at + other.frames).unwrap_or(&[]);
        if let Some(i) = first_difference(stamps, &other.stamps) {
            return Err(format!(
                "frame {}: time {} instead of {}",
                at + i,
                other.stamps[i],
                stamps[i]
            ));
        }
        let text = self
            .text
            .get(at * w..(at + other.frames) * w)
            .unwrap_or(&[]);
        if text != other.text.as_slice() {
            return Err(format!("the strings from frame {at} differ"));
        }
        Ok(())
    }
}

/// The index of the first value that differs bit for bit (NaN equals the same NaN).
fn first_difference(a: &[f64], b: &[f64]) -> Option<usize> {
    if a.len() != b.len() {
        return Some(a.len().min(b.len()));
    }
    a.iter()
        .zip(b)
        .position(|(x, y)| x.to_bits() != y.to_bits())
}

fn new_block(stream: &StreamInfo, frames: usize) -> Block {
    Block::new(stream.kind, stream.channel_count(), frames)
}

/// Reads `stream` from frame 0 to its end in blocks of `size` frames.
fn read_whole(
    recording: &CheckedRecording,
    index: usize,
    stream: &StreamInfo,
    size: usize,
) -> Result<Frames, String> {
    let mut source = recording
        .open_checked_stream(index)
        .map_err(|e| e.to_string())?;
    read_frames(&mut source, stream, size, usize::MAX)
}

/// Reads up to `limit` frames (to the end when fewer) in blocks of `size`.
fn read_frames(
    source: &mut dyn SampleSource,
    stream: &StreamInfo,
    size: usize,
    limit: usize,
) -> Result<Frames, String> {
    let mut block = new_block(stream, size);
    let mut all = Frames {
        channels: stream.channel_count(),
        ..Frames::default()
    };
    while all.frames < limit {
        block.clear();
        source.read(&mut block).map_err(|e| e.to_string())?;
        if block.is_empty() {
            break;
        }
        all.append(&block);
        if all.frames.saturating_mul(all.channels) > MAX_REFERENCE_VALUES {
            return Err(format!(
                "more than {MAX_REFERENCE_VALUES} values: use a smaller fixture"
            ));
        }
    }
    if all.frames > limit {
        all.truncate(limit);
    }
    Ok(all)
}

impl Frames {
    fn truncate(&mut self, frames: usize) {
        self.frames = frames;
        self.values.truncate(frames * self.channels);
        self.stamps.truncate(frames);
        self.text.truncate(frames * self.channels);
    }
}

/// Step 3: seeks to pseudo-random frames, to the end, and past it.
fn check_seeks(
    recording: &CheckedRecording,
    index: usize,
    stream: &StreamInfo,
    reference: &Frames,
) -> Result<(), String> {
    let mut source = recording
        .open_checked_stream(index)
        .map_err(|e| e.to_string())?;
    let len = reference.frames as u64;
    let mut rng = 0x2545_f491_4f6c_dd1d_u64;
    for _ in 0..SEEKS {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        let frame = rng % (len + 1);
        source
            .seek(frame)
            .map_err(|e| format!("to frame {frame}: {e}"))?;
        let after = read_frames(&mut source, stream, 37, FRAMES_AFTER_SEEK)
            .map_err(|e| format!("reading after a seek to frame {frame}: {e}"))?;
        let expected = (reference.frames - frame as usize).min(FRAMES_AFTER_SEEK);
        if after.frames != expected {
            return Err(format!(
                "after a seek to frame {frame}: {} frames instead of {expected}",
                after.frames
            ));
        }
        reference
            .same_as(&after, frame as usize)
            .map_err(|e| format!("after a seek to frame {frame}: {e}"))?;
    }
    source
        .seek(len)
        .map_err(|e| format!("to the end ({len}): {e}"))?;
    let mut block = new_block(stream, 16);
    source
        .read(&mut block)
        .map_err(|e| format!("reading at the end: {e}"))?;
    if !block.is_empty() {
        return Err(format!("a read at the end ({len}) delivered frames"));
    }
    match source.seek(len + 1) {
        Err(e) if e.kind() == ReadErrorKind::InvalidArgument => Ok(()),
        Err(e) => Err(format!("past the end: the wrong kind of error: {e}")),
        Ok(()) => Err(format!("a seek past the end (to {}) succeeded", len + 1)),
    }
}

/// The files beside `path` that share its stem (a BrainVision header's data and marker
/// files, say), `path` included.
fn family(path: &Path) -> Vec<PathBuf> {
    let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned());
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.is_file())
                .filter(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()) == stem)
                .collect()
        })
        .unwrap_or_default();
    if !files.iter().any(|f| f == path) {
        files.push(path.to_path_buf());
    }
    files.sort();
    files
}

/// Step 4: every file of the family truncated at a few points; returns (opened, tried).
fn check_truncations(
    reader: &'static dyn ReaderPlugin,
    path: &Path,
    options: &OpenOptions,
) -> Result<(usize, usize), String> {
    let files = family(path);
    let (mut opened, mut tried) = (0, 0);
    for victim in &files {
        let len = std::fs::metadata(victim).map_err(|e| e.to_string())?.len();
        let mut points = vec![0, 1, len / 4, len / 2, len.saturating_sub(1)];
        points.sort_unstable();
        points.dedup();
        for cut in points.into_iter().filter(|&c| c < len) {
            let dir = TempDir::new("conformance");
            for f in &files {
                let name = f.file_name().unwrap_or_default();
                let bytes = std::fs::read(f).map_err(|e| e.to_string())?;
                let keep = if f == victim {
                    cut as usize
                } else {
                    bytes.len()
                };
                std::fs::write(dir.path().join(name), &bytes[..keep]).map_err(|e| e.to_string())?;
            }
            let copy = dir.path().join(path.file_name().unwrap_or_default());
            tried += 1;
            let what = format!("{} cut at byte {cut}", victim.display());
            if exercise_guarded(reader, copy, options.clone())
                .map_err(|e| format!("{what}: {e}"))?
            {
                opened += 1;
            }
        }
    }
    Ok((opened, tried))
}

/// Opens and reads a (damaged) file on another thread; `Ok(opened)` unless it panicked or
/// hung.
fn exercise_guarded(
    reader: &'static dyn ReaderPlugin,
    path: PathBuf,
    options: OpenOptions,
) -> Result<bool, String> {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::Builder::new()
        .name("conformance".into())
        .spawn(move || {
            let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || {
                exercise(reader, &path, &options)
            }));
            let _ = tx.send(result);
        })
        .map_err(|e| e.to_string())?;
    match rx.recv_timeout(Duration::from_secs(HANG_SECONDS)) {
        Ok(Ok(opened)) => Ok(opened),
        Ok(Err(_)) => Err("the reader panicked".into()),
        Err(_) => Err(format!("the reader hung for more than {HANG_SECONDS} s")),
    }
}

/// Opens `path` and reads every stream (bounded); whether it opened.
fn exercise(reader: &dyn ReaderPlugin, path: &Path, options: &OpenOptions) -> bool {
    let Ok(recording) = open_checked(reader, path, options) else {
        return false;
    };
    for (index, stream) in recording.info().streams.iter().enumerate() {
        let Ok(mut source) = recording.open_checked_stream(index) else {
            continue;
        };
        let frames = (4096 / stream.channel_count().max(1)).max(1);
        let _: Result<Frames, String> = read_frames(
            &mut source,
            stream,
            frames,
            MAX_REFERENCE_VALUES / stream.channel_count().max(1),
        );
    }
    true
}

/// A fresh, empty directory `player-<tag>-<pid>` under `parent`, kept after the test (for
/// tests that hand paths to other processes or look at them after a failure); see
/// [`TempDir`] for one removed when dropped.
///
/// # Panics
/// When the directory cannot be created (tests only).
pub fn fresh_dir_in(parent: &Path, tag: &str) -> PathBuf {
    let dir = parent.join(format!("player-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    if let Err(e) = std::fs::create_dir_all(&dir) {
        panic!("cannot create {}: {e}", dir.display());
    }
    dir
}

/// [`fresh_dir_in`] the system's temporary directory.
pub fn fresh_dir(tag: &str) -> PathBuf {
    fresh_dir_in(&std::env::temp_dir(), tag)
}

/// A fresh directory under the system's temporary directory, removed (with its content)
/// when dropped: the temporary-directory helper of the tests, with [`fresh_dir`].
#[derive(Debug)]
pub struct TempDir {
    path: PathBuf,
}

impl TempDir {
    /// A new empty directory whose name starts with `player-<tag>-`.
    ///
    /// # Panics
    /// When the directory cannot be created (tests only).
    pub fn new(tag: &str) -> Self {
        Self::new_in(&std::env::temp_dir(), tag)
    }

    /// A new empty directory `player-<tag>-...` under `parent` (e.g. cargo's
    /// `CARGO_TARGET_TMPDIR`, where the plugin trust rule holds).
    ///
    /// # Panics
    /// When the directory cannot be created (tests only).
    pub fn new_in(parent: &Path, tag: &str) -> Self {
        static COUNT: AtomicU64 = AtomicU64::new(0);
        let n = COUNT.fetch_add(1, Ordering::Relaxed);
        let path = parent.join(format!("player-{tag}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        if let Err(e) = std::fs::create_dir_all(&path) {
            panic!("cannot create {}: {e}", path.display());
        }
        TempDir { path }
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A path inside the directory.
    pub fn join(&self, name: impl AsRef<Path>) -> PathBuf {
        self.path.join(name)
    }

    /// Writes `bytes` to the file `name` in the directory; its path.
    ///
    /// # Panics
    /// When the file cannot be written (tests only).
    pub fn write(&self, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
        let path = self.path.join(name);
        if let Err(e) = std::fs::write(&path, bytes) {
            panic!("cannot write {}: {e}", path.display());
        }
        path
    }
}

impl std::ops::Deref for TempDir {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.path
    }
}

impl AsRef<Path> for TempDir {
    fn as_ref(&self) -> &Path {
        &self.path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::{ChannelInfo, ReadError, ReaderInfo, Recording, RecordingInfo, StreamInfo};

    /// A reader of any file: one stamped stream of `len` frames whose frame k is `k`,
    /// at time `k / 10`; a flaw chosen by the file's first byte.
    struct Ramp;

    static INFO: ReaderInfo = ReaderInfo::new("ramp", "test ramp", "0", &["ramp"], &[]);

    struct Rec(RecordingInfo, u8);

    struct Src {
        pos: u64,
        flaw: u8,
    }

    const LEN: u64 = 50;

    impl ReaderPlugin for Ramp {
        fn info(&self) -> &ReaderInfo {
            &INFO
        }
        fn open(&self, path: &Path, _: &OpenOptions) -> Result<Box<dyn Recording>, ReadError> {
            let bytes = std::fs::read(path).map_err(|e| ReadError::io("reading", e))?;
            let flaw = *bytes.first().ok_or_else(|| ReadError::truncated("empty"))?;
            let s = StreamInfo::new("r", "Misc", 10.0, vec![ChannelInfo::new("a", "misc", "")])
                .with_length(LEN)
                .with_stamps();
            Ok(Box::new(Rec(RecordingInfo::new(vec![s]), flaw)))
        }
    }

    impl Recording for Rec {
        fn info(&self) -> &RecordingInfo {
            &self.0
        }
        fn open_stream(&self, _: usize) -> Result<Box<dyn SampleSource>, ReadError> {
            Ok(Box::new(Src {
                pos: 0,
                flaw: self.1,
            }))
        }
    }

    impl SampleSource for Src {
        fn read(&mut self, block: &mut Block) -> Result<(), ReadError> {
            while block.room() > 0 && self.pos < LEN {
                let k = self.pos;
                let t = if self.flaw == b'b' && k == 20 {
                    0.0
                } else {
                    k as f64 / 10.0
                };
                let v = if self.flaw == b'c' && block.capacity() == 7 {
                    -1.0
                } else {
                    k as f64
                };
                block.push_frame(&[v], Some(t))?;
                self.pos += 1;
            }
            Ok(())
        }
        fn seek(&mut self, frame: u64) -> Result<(), ReadError> {
            if frame > LEN {
                return Err(ReadError::invalid_argument("past the end"));
            }
            self.pos = if self.flaw == b's' {
                frame.saturating_sub(1)
            } else {
                frame
            };
            Ok(())
        }
    }

    fn check_flaw(flaw: &[u8]) -> Result<Report, String> {
        let dir = TempDir::new("conformance-test");
        let path = dir.join("x.ramp");
        std::fs::write(&path, flaw).map_err(|e| e.to_string())?;
        check(&Ramp, &path)
    }

    #[test]
    fn a_sound_reader_conforms() {
        let report = check_flaw(b"ok").unwrap();
        assert_eq!(report.frames, [LEN]);
        assert_eq!(
            report.truncations_tried, 2,
            "cuts at 0 and 1 of a 2-byte file"
        );
        assert_eq!(report.truncations_opened, 1, "the 1-byte copy still opens");
    }

    #[test]
    fn each_flaw_is_found() {
        let e = check_flaw(b"b").unwrap_err();
        assert!(e.contains("times go backwards at frame"), "{e}");
        let e = check_flaw(b"c").unwrap_err();
        assert!(e.contains("blocks of 7 differ from one read"), "{e}");
        let e = check_flaw(b"s").unwrap_err();
        assert!(e.contains("after a seek to frame"), "{e}");
    }

    /// What follows a seek to frame 0 is a part of the stream, like any other seek's: a
    /// stream longer than the frames read after a seek conforms when a seek lands on 0.
    #[test]
    fn a_part_read_after_a_seek_to_frame_0_is_compared_as_a_part() {
        let frames = |n: usize| Frames {
            frames: n,
            channels: 1,
            values: (0..n).map(|k| k as f64).collect(),
            ..Frames::default()
        };
        let whole = frames(606);
        assert_eq!(whole.same_as(&frames(100), 0), Ok(()));
        assert_eq!(
            whole.same_whole(&frames(100)),
            Err("100 frames instead of 606".to_string())
        );
        assert_eq!(whole.same_whole(&frames(606)), Ok(()));
    }
}
