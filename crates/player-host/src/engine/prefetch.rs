//! Prefetch workers: one thread per regular stream reads blocks ahead of the timing thread,
//! so that file I/O and plugin calls never sit on the timing path.

use super::plan::RegularFeed;
use crate::error::HostError;
use crate::output::ValueFormat;
use crate::scenario::Repeat;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, Sender, SyncSender};
use std::sync::Arc;

/// Blocks queued ahead per stream.
const QUEUE_BLOCKS: usize = 8;
/// Target duration of one block, seconds (rounded up to whole chunks).
const BLOCK_SECONDS: f64 = 0.05;

/// Values of a block, in the outlet's format, interleaved.
#[derive(Debug)]
pub enum BlockData {
    /// `f32` values.
    F32(Vec<f32>),
    /// `f64` values.
    F64(Vec<f64>),
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
    /// Where spent block buffers go back for reuse.
    pub recycle: Sender<BlockData>,
    /// Frames per chunk.
    pub chunk_size: usize,
    /// Samples per second.
    pub rate: f64,
    /// Published channels.
    pub channels: usize,
}

/// Starts the worker thread for `feed`.
pub fn spawn(
    name: &str,
    feed: RegularFeed,
    repeat: Repeat,
    stop: Arc<AtomicBool>,
) -> std::io::Result<FeedHandle> {
    let channels = feed.picks.as_ref().map_or(feed.source_channels, Vec::len);
    let chunks_per_block = ((BLOCK_SECONDS * feed.rate) / feed.chunk_size as f64)
        .ceil()
        .max(1.0) as usize;
    let block_frames = feed.chunk_size.saturating_mul(chunks_per_block);
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
    feed: RegularFeed,
    block_frames: usize,
    tx: SyncSender<Feed>,
    recycle: Receiver<BlockData>,
    stop: Arc<AtomicBool>,
}

impl Worker {
    fn run(mut self, repeat: Repeat) {
        if let Err(e) = self.passes(repeat) {
            let _ = self.tx.send(Feed::Failed(e));
        }
    }

    fn passes(&mut self, repeat: Repeat) -> Result<(), HostError> {
        let mut raw = vec![0.0f64; self.block_frames * self.feed.source_channels];
        let mut next_frame: u64 = 0;
        let mut pass: u64 = 0;
        while match repeat {
            Repeat::Times(n) => pass < n,
            Repeat::Forever => true,
        } {
            if pass > 0 {
                self.feed.source.seek(0)?;
            }
            let mut pass_frames: u64 = 0;
            loop {
                if self.stop.load(Ordering::Relaxed) {
                    return Ok(());
                }
                let frames = self.fill(&mut raw)?;
                if frames == 0 {
                    break;
                }
                let data = self.convert(&raw[..frames * self.feed.source_channels]);
                let block = Block {
                    first_frame: next_frame,
                    frames,
                    data,
                };
                if self.tx.send(Feed::Block(block)).is_err() {
                    return Ok(()); // the timing thread is gone
                }
                next_frame += frames as u64;
                pass_frames += frames as u64;
            }
            if let Some(len) = self.feed.length {
                if pass_frames != len {
                    return Err(HostError::Read(player_api::ReadError::malformed(format!(
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

    /// Reads until `raw` holds a whole block or the pass ends; returns the frames read.
    fn fill(&mut self, raw: &mut [f64]) -> Result<usize, HostError> {
        let width = self.feed.source_channels;
        let mut frames = 0;
        while frames < self.block_frames {
            let n = self.feed.source.read(&mut raw[frames * width..])?;
            if n == 0 {
                break;
            }
            if n > self.block_frames - frames {
                return Err(HostError::Read(player_api::ReadError::plugin(format!(
                    "the reader returned {n} frames for a buffer of {}",
                    self.block_frames - frames
                ))));
            }
            frames += n;
        }
        Ok(frames)
    }

    /// Picks columns and converts to the outlet's format, reusing a spent buffer.
    fn convert(&mut self, raw: &[f64]) -> BlockData {
        let (width, picks) = (self.feed.source_channels, self.feed.picks.as_deref());
        let recycled = self.recycle.try_recv().ok();
        match self.feed.format {
            ValueFormat::Float32 => {
                let mut v = match recycled {
                    Some(BlockData::F32(v)) => v,
                    _ => Vec::new(),
                };
                copy_frames(&mut v, raw, width, picks, |x| x as f32);
                BlockData::F32(v)
            }
            ValueFormat::Float64 => {
                let mut v = match recycled {
                    Some(BlockData::F64(v)) => v,
                    _ => Vec::new(),
                };
                copy_frames(&mut v, raw, width, picks, |x| x);
                BlockData::F64(v)
            }
        }
    }
}

/// Replaces `out` with the frames of `raw` (each `width` wide), keeping the `picks` columns
/// (all when `None`), converted by `conv`.
fn copy_frames<T>(
    out: &mut Vec<T>,
    raw: &[f64],
    width: usize,
    picks: Option<&[usize]>,
    conv: impl Fn(f64) -> T,
) {
    out.clear();
    for frame in raw.chunks_exact(width) {
        match picks {
            None => out.extend(frame.iter().map(|&x| conv(x))),
            Some(cols) => out.extend(cols.iter().filter_map(|&c| frame.get(c)).map(|&x| conv(x))),
        }
    }
}
