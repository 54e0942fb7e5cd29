//! Prefetch workers: one thread per source-fed stream reads blocks ahead of the timing
//! thread, so that file I/O and plugin calls never sit on the timing path.

use super::plan::{SampleValues, SourceFeed};
use crate::error::HostError;
use crate::output::{ValueFormat, Values};
use crate::scenario::Repeat;
use player_api::ReadError;
use std::ffi::CString;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, Sender, SyncSender};
use std::sync::Arc;

/// Blocks queued ahead per stream.
const QUEUE_BLOCKS: usize = 8;
/// Target duration of one block, seconds (rounded up to whole chunks).
const BLOCK_SECONDS: f64 = 0.05;
/// Frames per block for streams without a nominal rate.
const IRREGULAR_BLOCK_FRAMES: usize = 64;

/// Values of a block, in the outlet's format, interleaved.
#[derive(Debug)]
pub enum BlockData {
    /// `f32` values.
    F32(Vec<f32>),
    /// `f64` values.
    F64(Vec<f64>),
    /// `i8` values.
    I8(Vec<i8>),
    /// `i16` values.
    I16(Vec<i16>),
    /// `i32` values.
    I32(Vec<i32>),
    /// `i64` values.
    I64(Vec<i64>),
    /// Text values.
    Text(Vec<CString>),
}

impl BlockData {
    /// The values of frames `a..b` (`channels` wide) as an outlet takes them.
    pub fn frames(&self, a: usize, b: usize, channels: usize) -> Values<'_> {
        let r = a * channels..b * channels;
        match self {
            BlockData::F32(v) => Values::F32(&v[r]),
            BlockData::F64(v) => Values::F64(&v[r]),
            BlockData::I8(v) => Values::I8(&v[r]),
            BlockData::I16(v) => Values::I16(&v[r]),
            BlockData::I32(v) => Values::I32(&v[r]),
            BlockData::I64(v) => Values::I64(&v[r]),
            BlockData::Text(v) => Values::Text(&v[r]),
        }
    }
}

/// Consecutive frames of one pass, a whole number of chunks except at the end of a pass.
#[derive(Debug)]
pub struct Block {
    /// Index of the first frame, counted across passes.
    pub first_frame: u64,
    /// Frames in the block.
    pub frames: usize,
    /// The values (frames × published channels).
    pub data: BlockData,
    /// For stamped streams, each frame's time in seconds from the first sample of the
    /// first pass (pass offsets included); empty for regular streams.
    pub stamps: Vec<f64>,
}

/// What a worker sends.
#[derive(Debug)]
pub enum Feed {
    /// The next block.
    Block(Block),
    /// The source failed; the worker has stopped.
    Failed(HostError),
}

/// The timing thread's side of a worker.
#[derive(Debug)]
pub struct FeedHandle {
    /// Blocks in order; disconnected when the stream is over.
    pub blocks: Receiver<Feed>,
    /// Where spent blocks go back for reuse of their buffers.
    pub recycle: Sender<Block>,
    /// Frames per chunk.
    pub chunk_size: usize,
    /// Samples per second (used for regular streams' timestamps).
    pub rate: f64,
    /// Published channels.
    pub channels: usize,
}

/// Most values (frames × channels) a block holds, whatever the rate claims: 8 MiB of f64.
const MAX_BLOCK_VALUES: usize = 1 << 20;

/// Frames per block: about [`BLOCK_SECONDS`] of data in whole chunks, at least one chunk,
/// at most [`MAX_BLOCK_VALUES`] values (unless one chunk is larger) and never more than
/// the stream holds, so that an absurd rate in a header cannot make a huge buffer.
fn block_frames(feed: &SourceFeed) -> usize {
    let chunk = feed.chunk_size.max(1);
    let wanted = if feed.rate > 0.0 {
        let chunks = ((BLOCK_SECONDS * feed.rate) / chunk as f64).ceil().max(1.0);
        // `as` saturates for huge floats.
        chunk.saturating_mul(chunks.min(usize::MAX as f64) as usize)
    } else {
        IRREGULAR_BLOCK_FRAMES.max(chunk)
    };
    let width = feed.source_channels.max(1);
    let cap = (MAX_BLOCK_VALUES / width / chunk).max(1) * chunk;
    let frames = wanted.min(cap);
    match feed.length {
        Some(len) if (len as usize) < frames => (len as usize).max(1),
        _ => frames,
    }
}

/// Starts the worker thread for `feed`.
pub fn spawn(
    name: &str,
    feed: SourceFeed,
    repeat: Repeat,
    stop: Arc<AtomicBool>,
) -> std::io::Result<FeedHandle> {
    let channels = feed.picks.as_ref().map_or(feed.source_channels, Vec::len);
    let block_frames = block_frames(&feed);
    let (tx, rx) = sync_channel(QUEUE_BLOCKS);
    let (recycle_tx, recycle_rx) = std::sync::mpsc::channel();
    let handle = FeedHandle {
        blocks: rx,
        recycle: recycle_tx,
        chunk_size: feed.chunk_size,
        rate: feed.rate,
        channels,
    };
    let worker = Worker {
        feed,
        block_frames,
        tx,
        recycle: recycle_rx,
        stop,
    };
    std::thread::Builder::new()
        .name(format!("prefetch {name}"))
        .spawn(move || worker.run(repeat))?;
    Ok(handle)
}

struct Worker {
    feed: SourceFeed,
    block_frames: usize,
    tx: SyncSender<Feed>,
    recycle: Receiver<Block>,
    stop: Arc<AtomicBool>,
}

/// Reusable read buffers of a worker.
#[derive(Default)]
struct Scratch {
    raw: Vec<f64>,
    text: Vec<String>,
    stamps: Vec<f64>,
}

impl Worker {
    fn run(mut self, repeat: Repeat) {
        if let Err(e) = self.passes(repeat) {
            let _ = self.tx.send(Feed::Failed(e));
        }
    }

    fn passes(&mut self, repeat: Repeat) -> Result<(), HostError> {
        let mut scratch = Scratch {
            raw: vec![0.0; self.block_frames * self.feed.source_channels],
            text: Vec::new(),
            stamps: vec![0.0; self.block_frames],
        };
        let mut next_frame: u64 = 0;
        let mut pass: u64 = 0;
        while match repeat {
            Repeat::Times(n) => pass < n,
            Repeat::Forever => true,
        } {
            if pass > 0 {
                self.feed.source.seek(0)?;
            }
            let pass_offset = self.feed.period.map_or(0.0, |p| p * pass as f64);
            let mut pass_frames: u64 = 0;
            loop {
                if self.stop.load(Ordering::Relaxed) {
                    return Ok(());
                }
                let frames = self.fill(&mut scratch)?;
                if frames == 0 {
                    break;
                }
                let block = self.make_block(&mut scratch, frames, next_frame, pass_offset);
                if self.tx.send(Feed::Block(block)).is_err() {
                    return Ok(()); // the timing thread is gone
                }
                next_frame += frames as u64;
                pass_frames += frames as u64;
            }
            if let Some(len) = self.feed.length {
                if pass_frames != len {
                    return Err(HostError::Read(ReadError::malformed(format!(
                        "the reader announced {len} frames but delivered {pass_frames}"
                    ))));
                }
            }
            if pass_frames == 0 {
                break; // an empty stream: nothing to repeat
            }
            pass += 1;
        }
        Ok(())
    }

    /// Reads until the scratch holds a whole block or the pass ends; returns the frames.
    fn fill(&mut self, s: &mut Scratch) -> Result<usize, HostError> {
        let width = self.feed.source_channels;
        s.text.clear();
        let mut frames = 0;
        while frames < self.block_frames {
            let room = self.block_frames - frames;
            let n = match (&self.feed.values, self.feed.stamped) {
                (SampleValues::Text, _) => {
                    let before = s.text.len();
                    let n = self
                        .feed
                        .source
                        .read_text(&mut s.text, &mut s.stamps[frames..])?;
                    if s.text.len() - before != n * width {
                        return Err(wrong_length(format!(
                            "the reader returned {} strings for {n} frames of {width} channels",
                            s.text.len() - before
                        )));
                    }
                    n
                }
                (SampleValues::Numeric(_), true) => self
                    .feed
                    .source
                    .read_stamped(&mut s.raw[frames * width..], &mut s.stamps[frames..])?,
                (SampleValues::Numeric(_), false) => {
                    self.feed.source.read(&mut s.raw[frames * width..])?
                }
            };
            if n == 0 {
                break;
            }
            if n > room {
                return Err(wrong_length(format!(
                    "the reader returned {n} frames for a buffer of {room}"
                )));
            }
            frames += n;
        }
        Ok(frames)
    }

    /// Packs `frames` frames of the scratch into a block (reusing a spent one's buffers):
    /// picked columns, the outlet's format, and times shifted by the pass.
    fn make_block(
        &mut self,
        s: &mut Scratch,
        frames: usize,
        first_frame: u64,
        pass_offset: f64,
    ) -> Block {
        let (width, picks) = (self.feed.source_channels, self.feed.picks.as_deref());
        let spent = self.recycle.try_recv().ok();
        let (data, mut stamps) = match spent {
            Some(b) => (Some(b.data), b.stamps),
            None => (None, Vec::new()),
        };
        let raw = &s.raw[..frames * width];
        // Reuse the spent block's buffer when it has the right type.
        macro_rules! pack {
            ($variant:ident, $src:expr, $conv:expr) => {{
                let mut v = match data {
                    Some(BlockData::$variant(v)) => v,
                    _ => Vec::new(),
                };
                copy_frames(&mut v, $src, width, picks, $conv);
                BlockData::$variant(v)
            }};
        }
        // Integer formats only carry the integer values of recorded LSL streams (see
        // ValueFormat::resolve): `as` is exact there.
        let data = match self.feed.values {
            SampleValues::Numeric(ValueFormat::Float64 | ValueFormat::Native) => {
                pack!(F64, raw, |&x| x)
            }
            SampleValues::Numeric(ValueFormat::Float32) => pack!(F32, raw, |&x| x as f32),
            SampleValues::Numeric(ValueFormat::Int8) => pack!(I8, raw, |&x| x as i8),
            SampleValues::Numeric(ValueFormat::Int16) => pack!(I16, raw, |&x| x as i16),
            SampleValues::Numeric(ValueFormat::Int32) => pack!(I32, raw, |&x| x as i32),
            SampleValues::Numeric(ValueFormat::Int64) => pack!(I64, raw, |&x| x as i64),
            SampleValues::Text => pack!(Text, &s.text, |t| crate::lsl::c_text(t)),
        };
        stamps.clear();
        if self.feed.stamped || matches!(self.feed.values, SampleValues::Text) {
            stamps.extend(s.stamps[..frames].iter().map(|t| t + pass_offset));
        }
        Block {
            first_frame,
            frames,
            data,
            stamps,
        }
    }
}

fn wrong_length(message: String) -> HostError {
    HostError::Read(ReadError::plugin(message))
}

/// Replaces `out` with the frames of `raw` (each `width` wide), keeping the `picks` columns
/// (all when `None`), converted by `conv`.
fn copy_frames<S, T>(
    out: &mut Vec<T>,
    raw: &[S],
    width: usize,
    picks: Option<&[usize]>,
    conv: impl Fn(&S) -> T,
) {
    out.clear();
    for frame in raw.chunks_exact(width) {
        match picks {
            None => out.extend(frame.iter().map(&conv)),
            Some(cols) => out.extend(cols.iter().filter_map(|&c| frame.get(c)).map(&conv)),
        }
    }
}
