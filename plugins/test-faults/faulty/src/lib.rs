//! A deliberately faulty reader plugin for the host's tests (id `fault`, files `*.fault`).
//!
//! A `.fault` file is text, `key=value` per line, saying how to misbehave:
//!
//! ```text
//! mode=error-read   # ok | panic-open | panic-read | error-read | block-read | too-many |
//!                   # bad-metadata
//! rate=100          # samples per second
//! channels=2
//! frames=300        # frames in the stream
//! at=120            # the frame at which panic-read / error-read / block-read strike
//! ```
//!
//! Values are a ramp: frame k, channel c is `k + c / 10`.

use player_api::{
    Block, ChannelInfo, OpenOptions, ReadError, ReaderInfo, ReaderPlugin, Recording, RecordingInfo,
    SampleSource, StreamInfo,
};
use std::path::Path;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Ok,
    PanicOpen,
    PanicRead,
    ErrorRead,
    BlockRead,
    TooMany,
    BadMetadata,
}

#[derive(Debug, Clone, Copy)]
struct Spec {
    mode: Mode,
    rate: f64,
    channels: usize,
    frames: u64,
    at: u64,
}

fn parse(text: &str) -> Result<Spec, ReadError> {
    let mut spec = Spec {
        mode: Mode::Ok,
        rate: 100.0,
        channels: 2,
        frames: 300,
        at: 120,
    };
    for line in text.lines() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let (k, v) = line
            .split_once('=')
            .ok_or_else(|| ReadError::malformed(format!("bad line {line:?}")))?;
        let bad = || ReadError::malformed(format!("bad value for {k}: {v:?}"));
        match k.trim() {
            "mode" => {
                spec.mode = match v.trim() {
                    "ok" => Mode::Ok,
                    "panic-open" => Mode::PanicOpen,
                    "panic-read" => Mode::PanicRead,
                    "error-read" => Mode::ErrorRead,
                    "block-read" => Mode::BlockRead,
                    "too-many" => Mode::TooMany,
                    "bad-metadata" => Mode::BadMetadata,
                    _ => return Err(bad()),
                }
            }
            "rate" => spec.rate = v.trim().parse().map_err(|_| bad())?,
            "channels" => spec.channels = v.trim().parse().map_err(|_| bad())?,
            "frames" => spec.frames = v.trim().parse().map_err(|_| bad())?,
            "at" => spec.at = v.trim().parse().map_err(|_| bad())?,
            _ => return Err(ReadError::malformed(format!("unknown key {k:?}"))),
        }
    }
    if spec.channels == 0 || spec.channels > 64 {
        return Err(ReadError::malformed("channels must be 1..=64"));
    }
    Ok(spec)
}

struct FaultReader;

static INFO: ReaderInfo = ReaderInfo::new(
    "fault",
    "deliberately faulty test reader (.fault files)",
    env!("CARGO_PKG_VERSION"),
    &["fault"],
    &[],
);

impl ReaderPlugin for FaultReader {
    fn info(&self) -> &ReaderInfo {
        &INFO
    }
    fn open(&self, path: &Path, _: &OpenOptions) -> Result<Box<dyn Recording>, ReadError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| ReadError::io("reading the fault spec", e).in_file(path))?;
        let spec = parse(&text).map_err(|e| e.in_file(path))?;
        if spec.mode == Mode::PanicOpen {
            panic!("deliberate panic in open");
        }
        let info = if spec.mode == Mode::BadMetadata {
            RecordingInfo::new(Vec::new()) // no streams: the host must refuse it
        } else {
            let channels = (0..spec.channels)
                .map(|c| ChannelInfo::new(format!("ch{c}"), "misc", ""))
                .collect();
            RecordingInfo::new(vec![
                StreamInfo::new("fault", "Misc", spec.rate, channels).with_length(spec.frames)
            ])
        };
        Ok(Box::new(FaultRecording { spec, info }))
    }
}

struct FaultRecording {
    spec: Spec,
    info: RecordingInfo,
}

impl Recording for FaultRecording {
    fn info(&self) -> &RecordingInfo {
        &self.info
    }
    fn open_stream(&self, index: usize) -> Result<Box<dyn SampleSource>, ReadError> {
        if index != 0 {
            return Err(ReadError::invalid_argument(format!("no stream {index}")));
        }
        Ok(Box::new(FaultSource {
            spec: self.spec,
            pos: 0,
        }))
    }
}

struct FaultSource {
    spec: Spec,
    pos: u64,
}

impl SampleSource for FaultSource {
    fn read(&mut self, block: &mut Block) -> Result<(), ReadError> {
        let s = self.spec;
        let cap = block.room() as u64;
        let mut n = cap.min(s.frames - self.pos);
        if self.pos == s.at && cap > 0 {
            match s.mode {
                Mode::PanicRead => panic!("deliberate panic in read at frame {}", self.pos),
                Mode::ErrorRead => {
                    return Err(ReadError::malformed(format!(
                        "deliberate error in read at frame {}",
                        self.pos
                    )))
                }
                // Never returns: the host must give up on this stream, not hang.
                Mode::BlockRead => loop {
                    std::thread::sleep(std::time::Duration::from_secs(3600));
                },
                _ => {}
            }
        }
        if matches!(s.mode, Mode::PanicRead | Mode::ErrorRead | Mode::BlockRead) && self.pos < s.at
        {
            n = n.min(s.at - self.pos);
        }
        let (out, _) = block.spare();
        for (i, frame) in out
            .chunks_exact_mut(s.channels)
            .take(n as usize)
            .enumerate()
        {
            for (c, v) in frame.iter_mut().enumerate() {
                *v = (self.pos + i as u64) as f64 + c as f64 / 10.0;
            }
        }
        self.pos += n;
        if s.mode == Mode::TooMany && n > 0 {
            return block.commit(cap as usize + 3); // more frames than the block holds
        }
        block.commit(n as usize)
    }

    fn seek(&mut self, frame: u64) -> Result<(), ReadError> {
        if frame > self.spec.frames {
            return Err(ReadError::invalid_argument("seek past the end"));
        }
        self.pos = frame;
        Ok(())
    }
}

player_api::export_plugin!(FaultReader);
