//! # player-template: the smallest complete reader plugin for `player`
//!
//! Copy this crate to start a plugin (plugins/README.md). It reads "samples" files, a
//! plain-text format made up for the template (`example.samples` is one):
//!
//! ```text
//! #samples rate=100        magic and sampling rate in Hz
//! Fz Cz Pz                 channel labels, separated by white space
//! 0 0 0                    one line per frame: one value per channel, in microvolts
//! 1.5 -2 10
//! ```
//!
//! Blank lines are ignored. It shows everything a plugin does: one static description
//! (`ReaderInfo`, whose signature makes the default probe), opening (header only, plus one
//! pass that counts the frames), describing the stream, streaming reads into a `Block` in
//! physical units (volts) with `seek`, errors that name the file and the byte offset, the
//! export, and the conformance check in the tests.

use player_api::{
    Block, ChannelInfo, OpenOptions, ReadError, ReaderInfo, ReaderPlugin, Recording, RecordingInfo,
    SampleSource, Signature, StreamInfo,
};
use std::fs::File;
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

const MAGIC: &str = "#samples";
/// Longest line accepted: a bound on memory, whatever the file holds.
const MAX_LINE: u64 = 64 * 1024;
/// Values are written in microvolts and delivered in volts (SI units).
const MICROVOLT: f64 = 1e-6;

/// The reader: a stateless value; everything about one file lives in its recording.
#[derive(Debug, Clone, Copy)]
pub struct SamplesReader;

/// What the reader is: id, description, version, extensions and the content signature
/// that the default probe matches (magic beats extension).
static INFO: ReaderInfo = ReaderInfo::new(
    "samples",
    "plain-text samples (.samples): the plugin template",
    env!("CARGO_PKG_VERSION"),
    &["samples"],
    &[Signature::at(0, MAGIC.as_bytes())],
);

impl ReaderPlugin for SamplesReader {
    fn info(&self) -> &ReaderInfo {
        &INFO
    }
    fn open(&self, path: &Path, options: &OpenOptions) -> Result<Box<dyn Recording>, ReadError> {
        options
            .expect_only(INFO.id(), &[])
            .map_err(|e| e.in_file(path))?;
        open(path).map_err(|e| e.in_file(path))
    }
}

/// Reads the header, counts the frames, and describes the one stream.
fn open(path: &Path) -> Result<Box<dyn Recording>, ReadError> {
    let file = File::open(path).map_err(|e| ReadError::io("opening", e))?;
    let mut lines = BufReader::new(file);
    let first = header_line(&mut lines, 0)?;
    let rate = first
        .strip_prefix(MAGIC)
        .and_then(|rest| rest.trim().strip_prefix("rate="))
        .and_then(|r| r.parse::<f64>().ok())
        .filter(|r| r.is_finite() && *r > 0.0)
        .ok_or_else(|| ReadError::malformed("expected `#samples rate=HZ`").at_offset(0))?;
    let data_start = first.len() as u64;
    let labels = header_line(&mut lines, data_start)?;
    let channels: Vec<ChannelInfo> = labels
        .split_whitespace()
        .map(|label| ChannelInfo::new(label, "eeg", "V"))
        .collect();
    if channels.is_empty() {
        return Err(ReadError::malformed("no channel labels").at_offset(data_start));
    }
    let data_start = data_start + labels.len() as u64;
    let mut frames = 0u64;
    let mut line = Vec::new();
    while read_line(&mut lines, &mut line, data_start)? > 0 {
        frames += u64::from(!line.trim_ascii().is_empty());
    }
    let channel_count = channels.len();
    let stream = StreamInfo::new("data", "EEG", rate, channels).with_length(frames);
    Ok(Box::new(SamplesRecording {
        path: path.to_path_buf(),
        info: RecordingInfo::new(vec![stream]),
        channels: channel_count,
        frames,
        data_start,
    }))
}

/// One header line, with its line ending.
fn header_line(lines: &mut impl BufRead, offset: u64) -> Result<String, ReadError> {
    let mut line = Vec::new();
    read_line(lines, &mut line, offset)?;
    if !line.ends_with(b"\n") {
        return Err(ReadError::truncated("the header ends early").at_offset(offset));
    }
    String::from_utf8(line).map_err(|_| ReadError::malformed("not UTF-8").at_offset(offset))
}

/// Reads one line (bytes, with its ending) into `line`; returns its length, 0 at the end.
/// Lines longer than [`MAX_LINE`] are errors: memory stays bounded whatever the file.
fn read_line(lines: &mut impl BufRead, line: &mut Vec<u8>, at: u64) -> Result<usize, ReadError> {
    line.clear();
    let n = lines
        .take(MAX_LINE)
        .read_until(b'\n', line)
        .map_err(|e| ReadError::io("reading", e).at_offset(at))?;
    if n as u64 == MAX_LINE && !line.ends_with(b"\n") {
        return Err(ReadError::malformed("a line longer than 64 KiB").at_offset(at));
    }
    Ok(n)
}

#[derive(Debug)]
struct SamplesRecording {
    path: PathBuf,
    info: RecordingInfo,
    channels: usize,
    frames: u64,
    data_start: u64,
}

impl Recording for SamplesRecording {
    fn info(&self) -> &RecordingInfo {
        &self.info
    }
    fn open_stream(&self, index: usize) -> Result<Box<dyn SampleSource>, ReadError> {
        if index != 0 {
            return Err(ReadError::invalid_argument(format!("no stream {index}")));
        }
        let file =
            File::open(&self.path).map_err(|e| ReadError::io("opening", e).in_file(&self.path))?;
        let mut source = SamplesSource {
            path: self.path.clone(),
            lines: BufReader::new(file),
            channels: self.channels,
            frames: self.frames,
            data_start: self.data_start,
            pos: 0,
            offset: 0,
            line: Vec::new(),
        };
        source.seek(0)?;
        Ok(Box::new(source))
    }
}

/// A cursor over the frames: reads line by line, so memory stays one line whatever the
/// file size.
#[derive(Debug)]
struct SamplesSource {
    path: PathBuf,
    lines: BufReader<File>,
    channels: usize,
    frames: u64,
    data_start: u64,
    /// The next frame to read, and the byte offset of the next line.
    pos: u64,
    offset: u64,
    line: Vec<u8>,
}

impl SamplesSource {
    /// The next non-blank line into `self.line`; returns its byte offset.
    fn next_row(&mut self) -> Result<u64, ReadError> {
        loop {
            let at = self.offset;
            let n = read_line(&mut self.lines, &mut self.line, at)?;
            self.offset += n as u64;
            if n == 0 {
                return Err(
                    ReadError::truncated("the file is shorter than when opened").at_offset(at)
                );
            }
            if !self.line.trim_ascii().is_empty() {
                return Ok(at);
            }
        }
    }

    /// Parses the row in `self.line` (at byte `at`) into one frame of volts.
    fn parse_row(&self, at: u64, frame: &mut [f64]) -> Result<(), ReadError> {
        let text = std::str::from_utf8(&self.line)
            .map_err(|_| ReadError::malformed("a line is not UTF-8 text").at_offset(at))?;
        let mut values = text.split_whitespace();
        for v in frame.iter_mut() {
            let word = values.next().unwrap_or("");
            let value: f64 = word.parse().map_err(|_| {
                let what = format!(
                    "expected {} numbers on this line, found {word:?}",
                    self.channels
                );
                ReadError::malformed(what).at_offset(at)
            })?;
            *v = value * MICROVOLT;
        }
        if values.next().is_some() {
            let what = format!("more than {} numbers on this line", self.channels);
            return Err(ReadError::malformed(what).at_offset(at));
        }
        Ok(())
    }
}

impl SampleSource for SamplesSource {
    /// Appends frames until the block is full or the stream ends.
    fn read(&mut self, block: &mut Block) -> Result<(), ReadError> {
        let mut frame = vec![0.0; self.channels];
        while block.room() > 0 && self.pos < self.frames {
            let at = self.next_row().map_err(|e| e.in_file(&self.path))?;
            self.parse_row(at, &mut frame)
                .map_err(|e| e.in_file(&self.path))?;
            block.push_frame(&frame, None)?;
            self.pos += 1;
        }
        Ok(())
    }

    /// Rewinds to the first frame and skips to `frame`: simple, and enough for the host,
    /// which seeks to 0 at every repeat. A reader of big files keeps an index instead.
    fn seek(&mut self, frame: u64) -> Result<(), ReadError> {
        if frame > self.frames {
            return Err(ReadError::invalid_argument("seek past the end"));
        }
        self.lines
            .seek(SeekFrom::Start(self.data_start))
            .map_err(|e| ReadError::io("seeking", e).in_file(&self.path))?;
        (self.pos, self.offset) = (0, self.data_start);
        while self.pos < frame {
            self.next_row().map_err(|e| e.in_file(&self.path))?;
            self.pos += 1;
        }
        Ok(())
    }
}

player_api::export_plugin!(SamplesReader);

#[cfg(test)]
mod tests {
    //! Test the reader as plain Rust: open the fixture and check what it delivers.
    use super::*;

    fn fixture_path() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("example.samples")
    }

    fn fixture() -> Box<dyn Recording> {
        SamplesReader
            .open(&fixture_path(), &OpenOptions::default())
            .expect("opens")
    }

    /// Reads up to `frames` frames of the one stream.
    fn read(source: &mut dyn SampleSource, frames: usize) -> Block {
        let mut block = Block::new(player_api::StreamKind::Regular, 3, frames);
        source.read(&mut block).expect("reads");
        block
    }

    /// The check every plugin's tests run: the reader used as a host will use it (whole
    /// and odd-sized reads, seeks, truncated copies).
    #[test]
    fn conforms() {
        player_api::conformance::assert_conforms(&SamplesReader, &fixture_path());
    }

    #[test]
    fn describes_and_reads_the_fixture_in_volts() {
        let recording = fixture();
        let stream = &recording.info().streams[0];
        assert_eq!(
            (stream.nominal_rate, stream.length, stream.channel_count()),
            (100.0, Some(10), 3)
        );
        let mut source = recording.open_stream(0).expect("stream 0");
        let block = read(source.as_mut(), 16);
        assert_eq!(block.frames(), 10);
        let out = block.values();
        for k in 0..10 {
            let want = [1.5 * k as f64, -2.0 * k as f64, 10.0 * k as f64].map(|v| v * 1e-6);
            assert_eq!(out[3 * k..3 * k + 3], want, "frame {k}");
        }
        assert!(read(source.as_mut(), 16).is_empty(), "the end");
        source.seek(7).expect("seeks");
        let block = read(source.as_mut(), 16);
        assert_eq!(block.frames(), 3);
        assert_eq!(block.values()[0], 10.5e-6);
    }

    #[test]
    fn a_bad_row_is_an_error_naming_the_file_and_offset() {
        let path = std::env::temp_dir().join(format!("bad-{}.samples", std::process::id()));
        let good = "#samples rate=10\na b\n1 2\n";
        std::fs::write(&path, format!("{good}3 x\n")).expect("writes");
        let recording = SamplesReader
            .open(&path, &OpenOptions::default())
            .expect("opens");
        let mut block = Block::new(player_api::StreamKind::Regular, 2, 2);
        let err = recording
            .open_stream(0)
            .and_then(|mut s| s.read(&mut block));
        let _ = std::fs::remove_file(&path);
        let err = err.expect_err("fails on `3 x`");
        assert_eq!(
            (err.path(), err.offset()),
            (Some(path.as_path()), Some(good.len() as u64))
        );
    }
}
