//! Prefetch workers: one thread per source-fed stream reads blocks ahead of the timing
//! thread and converts them to the wire format, so that file I/O and plugin calls never
//! sit on the timing path.
//!
//! A worker reads with one call, [`SampleSource::read`](player_api::SampleSource::read),
//! into a [`player_api::Block`] of the stream's kind (the source is checked against the
//! contract: see `player_api::validate`), and sends [`WireBlock`]s: the picked columns in
//! the outlet's format, with times shifted by the pass.

use super::plan::SourceInput;
use crate::error::HostError;
use crate::output::Samples;
use crate::scenario::Repeat;
use player_api::Block;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, Sender, SyncSender};
use std::sync::Arc;

/// Blocks queued ahead per stream.
const QUEUE_BLOCKS: usize = 8;
/// Target duration of one block, seconds (rounded up to whole chunks).
const BLOCK_SECONDS: f64 = 0.05;
/// Frames per block for streams without a nominal rate.
const IRREGULAR_BLOCK_FRAMES: usize = 64;
/// Most values (frames × channels) a block holds, whatever the rate claims: 8 MiB of f64.
const MAX_BLOCK_VALUES: usize = 1 << 20;

/// Consecutive frames of one pass in the outlet's format, a whole number of chunks except
/// at the end of a pass.
#[derive(Debug)]
pub struct WireBlock {
    /// Index of the first frame, counted across passes.
    pub first_frame: u64,
    /// Frames in the block.
    pub frames: usize,
    /// The values (frames × published channels).
    pub samples: Samples,
    /// For stamped and text streams, each frame's time in seconds from the first sample of
    /// the first pass (pass offsets included); empty for regular streams.
    pub stamps: Vec<f64>,
}

/// What a worker sends.
#[derive(Debug)]
pub enum Message {
    /// The next block.
    Block(WireBlock),
    /// The source failed; the worker has stopped.
    Failed(HostError),
}

/// The timing thread's side of a worker.
#[derive(Debug)]
pub struct Prefetch {
    /// Blocks in order; disconnected when the stream is over.
    pub blocks: Receiver<Message>,
    /// Where spent blocks go back for reuse of their buffers.
    pub recycle: Sender<WireBlock>,
    /// Frames per chunk.
    pub chunk_size: usize,
    /// Samples per second (used for regular streams' timestamps).
    pub rate: f64,
    /// Published channels.
    pub channels: usize,
}

/// Frames per block: about [`BLOCK_SECONDS`] of data in whole chunks, at least one chunk,
/// at most [`MAX_BLOCK_VALUES`] values (unless one chunk is larger) and never more than
/// the stream holds, so that an absurd rate in a header cannot make a huge buffer.
fn block_frames(input: &SourceInput) -> usize {
    let chunk = input.chunk_size.max(1);
    let rate = input.stream.nominal_rate;
    let wanted = if rate > 0.0 {
        let chunks = ((BLOCK_SECONDS * rate) / chunk as f64).ceil().max(1.0);
        // `as` saturates for huge floats.
        chunk.saturating_mul(chunks.min(usize::MAX as f64) as usize)
    } else {
        IRREGULAR_BLOCK_FRAMES.max(chunk)
    };
    let width = input.stream.channel_count().max(1);
    let cap = (MAX_BLOCK_VALUES / width / chunk).max(1) * chunk;
    let frames = wanted.min(cap);
    match input.stream.length {
        Some(len) if (len as usize) < frames => (len as usize).max(1),
        _ => frames,
    }
}

/// Starts the worker thread for `input`.
pub fn spawn(
    name: &str,
    input: SourceInput,
    repeat: Repeat,
    stop: Arc<AtomicBool>,
) -> std::io::Result<Prefetch> {
    let channels = input
        .picks
        .as_ref()
        .map_or(input.stream.channel_count(), Vec::len);
    let capacity = block_frames(&input);
    let (tx, rx) = sync_channel(QUEUE_BLOCKS);
    let (recycle_tx, recycle_rx) = std::sync::mpsc::channel();
    let prefetch = Prefetch {
        blocks: rx,
        recycle: recycle_tx,
        chunk_size: input.chunk_size,
        rate: input.stream.nominal_rate,
        channels,
    };
    let block = Block::new(input.stream.kind, input.stream.channel_count(), capacity);
    let worker = Worker {
        input,
        block,
        tx,
        recycle: recycle_rx,
        stop,
    };
    std::thread::Builder::new()
        .name(format!("prefetch {name}"))
        .spawn(move || worker.run(repeat))?;
    Ok(prefetch)
}

struct Worker {
    input: SourceInput,
    /// The read buffer, reused.
    block: Block,
    tx: SyncSender<Message>,
    recycle: Receiver<WireBlock>,
    stop: Arc<AtomicBool>,
}

impl Worker {
    fn run(mut self, repeat: Repeat) {
        if let Err(e) = self.passes(repeat) {
            let _ = self.tx.send(Message::Failed(e));
        }
    }

    fn passes(&mut self, repeat: Repeat) -> Result<(), HostError> {
        let mut next_frame: u64 = 0;
        let mut pass: u64 = 0;
        while match repeat {
            Repeat::Times(n) => pass < n,
            Repeat::Forever => true,
        } {
            if pass > 0 {
                self.input.source.seek(0)?;
            }
            let pass_offset = self.input.period.map_or(0.0, |p| p * pass as f64);
            let mut pass_frames: u64 = 0;
            loop {
                if self.stop.load(Ordering::Relaxed) {
                    return Ok(());
                }
                self.fill()?;
                if self.block.is_empty() {
                    break;
                }
                let wire = self.convert(next_frame, pass_offset);
                next_frame += wire.frames as u64;
                pass_frames += wire.frames as u64;
                if self.tx.send(Message::Block(wire)).is_err() {
                    return Ok(()); // the timing thread is gone
                }
            }
            if pass_frames == 0 {
                break; // an empty stream: nothing to repeat
            }
            pass += 1;
        }
        Ok(())
    }

    /// Reads until the block is full or the pass ends.
    fn fill(&mut self) -> Result<(), HostError> {
        self.block.clear();
        while self.block.room() > 0 {
            let before = self.block.frames();
            self.input.source.read(&mut self.block)?;
            if self.block.frames() == before {
                break;
            }
        }
        Ok(())
    }

    /// The block in the outlet's format (reusing a spent one's buffers): picked columns,
    /// and times shifted by the pass.
    fn convert(&mut self, first_frame: u64, pass_offset: f64) -> WireBlock {
        let (width, picks) = (
            self.input.stream.channel_count(),
            self.input.picks.as_deref(),
        );
        let (mut samples, mut stamps) = match self.recycle.try_recv() {
            Ok(spent) => (spent.samples, spent.stamps),
            Err(_) => (Samples::new(self.input.format), Vec::new()),
        };
        samples.fill_numeric(self.block.values(), width, picks);
        samples.fill_text(self.block.text(), width, picks);
        stamps.clear();
        stamps.extend(self.block.stamps().iter().map(|t| t + pass_offset));
        WireBlock {
            first_frame,
            frames: self.block.frames(),
            samples,
            stamps,
        }
    }
}
