//! Prefetch: every source-fed stream has a worker that reads blocks ahead of the timing
//! thread and converts them to the wire format, so that file I/O and plugin calls never
//! sit on the timing path. The workers are tasks of one [`Pool`] of about as many
//! threads as cores, whatever the number of streams (see [`super::pool`]).
//!
//! A worker reads with one call, [`SampleSource::read`],
//! into a [`player_api::Block`] of the stream's kind (the source is checked against the
//! contract: see `player_api::validate`), and sends [`WireBlock`]s: the picked columns in
//! the outlet's format, with times shifted by the pass. One step of the worker reads and
//! sends one block; it waits (holding no thread) while its queue is full, and the timing
//! thread wakes it when it has given spent blocks back (in the time it has to spare: see
//! the chores of [`super::timing`]) or sends a seek.
//!
//! A worker outlives the end of its stream: it then waits for a [`Seek`] (the timing
//! thread's request to go elsewhere, which may bring the stream back) until the run
//! ends. Every block carries the *epoch* of the seek it follows, so that the timing
//! thread drops what was read before a seek.

use super::plan::SourceInput;
use super::pool::{Pool, Step, Task, Waker};
use crate::error::HostError;
use crate::scenario::Repeat;
use crate::transport::Samples;
use player_api::{Block, SampleSource, StreamKind};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{
    channel, sync_channel, Receiver, Sender, SyncSender, TryRecvError, TrySendError,
};
use std::sync::Arc;

/// Blocks queued ahead per stream.
const QUEUE_BLOCKS: usize = 8;
/// Blocks given back before the worker is woken to read more (half its queue).
pub(crate) const WAKE_AFTER_BLOCKS: usize = QUEUE_BLOCKS / 2;
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
    /// The seek this block follows (0 before any).
    pub epoch: u64,
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
    /// Every pass was read (after the seek of this epoch); the worker waits for a seek.
    End(u64),
    /// The source failed; the worker has stopped.
    Failed(HostError),
}

/// A request to read from elsewhere: the stream's time `to` (seconds from its first
/// sample, passes included; before 0: from the start), starting `epoch`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Seek {
    /// The epoch of the blocks read after it.
    pub epoch: u64,
    /// Where to go, in seconds of the stream's own time.
    pub to: f64,
}

/// The timing thread's side of a worker.
#[derive(Debug)]
pub struct Prefetch {
    /// Blocks in order; disconnected when the worker is finished.
    pub blocks: Receiver<Message>,
    /// Where spent blocks go back for reuse of their buffers.
    recycle: SyncSender<WireBlock>,
    /// Where seeks go.
    seeks: Sender<Seek>,
    /// Wakes the worker when blocks were given back or a seek sent.
    waker: Waker,
    /// Blocks given back since the worker was last woken.
    spent: std::cell::Cell<usize>,
    /// A message taken from `blocks` ahead of need ([`receive_ahead`](Self::receive_ahead)).
    ahead: Option<Message>,
    /// The epoch of the last seek sent (blocks of older epochs are dropped).
    pub epoch: u64,
    /// Frames per chunk.
    pub chunk_size: usize,
    /// Samples per second (used for regular streams' timestamps).
    pub rate: f64,
    /// Published channels.
    pub channels: usize,
}

impl Prefetch {
    /// Gives a spent (or stale) block back: its buffers are reused, and the worker, whose
    /// queue has room again, is woken once half of its queue is free (each wake-up is a
    /// hand-off between threads: with 10 000 streams, one per block was 125 000 a second).
    pub fn give_back(&self, block: WireBlock) {
        // A full return queue (more blocks than ever circulate) only drops the buffers.
        let _ = self.recycle.try_send(block);
        let spent = self.spent.get() + 1;
        if spent >= WAKE_AFTER_BLOCKS {
            self.spent.set(0);
            self.waker.wake();
        } else {
            self.spent.set(spent);
        }
    }

    /// The next message of the worker (taken ahead, or from its queue).
    pub fn receive(&mut self) -> Result<Message, TryRecvError> {
        self.ahead.take().map_or_else(|| self.blocks.try_recv(), Ok)
    }

    /// Takes the worker's next message ahead of need, if there is one and none is held:
    /// done when the timing thread has the time, so that a block's end, when it comes, is
    /// followed by the next block without a hand-off between threads (streams of one rate
    /// and chunk size end their blocks together: 10 000 receptions at one instant).
    pub fn receive_ahead(&mut self) {
        if self.ahead.is_none() {
            self.ahead = self.blocks.try_recv().ok();
        }
    }

    /// Asks the worker to read from the stream time `to` on (see [`Seek`]), dropping
    /// what is queued; false when the worker is gone (it failed).
    pub fn seek(&mut self, to: f64) -> bool {
        while let Ok(message) = self.receive() {
            if let Message::Block(stale) = message {
                let _ = self.recycle.try_send(stale);
            }
        }
        self.epoch += 1;
        self.spent.set(0);
        let sent = self.seeks.send(Seek {
            epoch: self.epoch,
            to,
        });
        self.waker.wake();
        sent.is_ok()
    }
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

/// Starts the worker of stream `name` on `pool`.
pub fn start(
    pool: &Pool,
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
    // Bounded, so that its slots are allocated here and not as the timing thread gives
    // blocks back: no more blocks ever circulate than the queue, the one being sent and
    // the one being pushed.
    let (recycle_tx, recycle_rx) = sync_channel(QUEUE_BLOCKS + 4);
    let (seek_tx, seek_rx) = channel();
    let (chunk_size, rate) = (input.chunk_size, input.stream.nominal_rate);
    let block = Block::new(input.stream.kind, input.stream.channel_count(), capacity);
    let worker = Worker {
        input,
        block,
        tx,
        recycle: recycle_rx,
        seeks: seek_rx,
        stop,
        repeat,
        epoch: 0,
        at: At::default(),
        empty: false,
        ended: false,
        unsent: None,
    };
    let waker = pool.add(Box::new(worker))?;
    Ok(Prefetch {
        blocks: rx,
        recycle: recycle_tx,
        seeks: seek_tx,
        waker,
        spent: std::cell::Cell::new(0),
        ahead: None,
        epoch: 0,
        chunk_size,
        rate,
        channels,
    })
}

/// A stream's reading, done in steps on the pool.
struct Worker {
    input: SourceInput,
    /// The read buffer, reused.
    block: Block,
    tx: SyncSender<Message>,
    recycle: Receiver<WireBlock>,
    seeks: Receiver<Seek>,
    stop: Arc<AtomicBool>,
    repeat: Repeat,
    /// The epoch of the blocks being read.
    epoch: u64,
    /// Where reading goes on.
    at: At,
    /// The source turned out to hold no frame.
    empty: bool,
    /// Every pass was read and the end sent: it waits for a seek.
    ended: bool,
    /// A message the full queue did not take yet, and the step to say once it is sent.
    unsent: Option<(Message, Step)>,
}

/// Where a worker reads: the pass and the index of the next frame, counted across
/// passes (a regular stream's timestamps are `next_frame / rate`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct At {
    pass: u64,
    next_frame: u64,
}

impl Task for Worker {
    fn step(&mut self) -> Step {
        match catch_unwind(AssertUnwindSafe(|| self.advance())) {
            Ok(Ok(step)) => step,
            Ok(Err(e)) => self.offer(Message::Failed(e), Step::Done),
            Err(_) => {
                let e = HostError::Player("the reader panicked".into());
                self.offer(Message::Failed(e), Step::Done)
            }
        }
    }
}

impl Worker {
    /// Whether `pass` is one of the passes to play.
    fn plays(&self, pass: u64) -> bool {
        match self.repeat {
            Repeat::Times(n) => pass < n,
            Repeat::Forever => true,
        }
    }

    /// Sends `message` if the queue has room (then goes on with `then`), else keeps it
    /// and waits for room.
    fn offer(&mut self, message: Message, then: Step) -> Step {
        match self.tx.try_send(message) {
            Ok(()) => then,
            Err(TrySendError::Full(message)) => {
                self.unsent = Some((message, then));
                Step::Wait
            }
            Err(TrySendError::Disconnected(_)) => Step::Done, // the run is over
        }
    }

    /// One step: sends what the full queue did not take, applies the newest seek, reads
    /// and sends one block (or the end of the passes).
    fn advance(&mut self) -> Result<Step, HostError> {
        if self.stop.load(Ordering::Relaxed) {
            return Ok(Step::Done);
        }
        // A failure is final: it is sent before anything else.
        if let Some((failure, then)) = self
            .unsent
            .take_if(|(m, _)| matches!(m, Message::Failed(_)))
        {
            return Ok(self.offer(failure, then));
        }
        let mut newest = None;
        loop {
            match self.seeks.try_recv() {
                Ok(seek) => newest = Some(seek),
                Err(TryRecvError::Empty) => break,
                Err(TryRecvError::Disconnected) => return Ok(Step::Done), // the run is over
            }
        }
        if let Some(seek) = newest {
            self.unsent = None; // read before the seek: the timing thread would drop it
            self.ended = false;
            self.at = self.seek(seek)?;
        } else if let Some((message, then)) = self.unsent.take() {
            return Ok(self.offer(message, then));
        }
        if self.ended {
            return Ok(Step::Wait); // only a seek brings the stream back
        }
        if self.empty || !self.plays(self.at.pass) {
            self.ended = true;
            return Ok(self.offer(Message::End(self.epoch), Step::Wait));
        }
        self.fill()?;
        if self.block.is_empty() {
            // The end of a pass.
            self.empty = self.at.next_frame == 0 && self.at.pass == 0;
            self.at.pass += 1;
            if self.plays(self.at.pass) && !self.empty {
                self.input.source.seek(0)?;
            }
            return Ok(Step::Again);
        }
        let pass_offset = self.input.period.map_or(0.0, |p| p * self.at.pass as f64);
        let wire = self.convert(self.at.next_frame, pass_offset);
        self.at.next_frame += wire.frames as u64;
        Ok(self.offer(Message::Block(wire), Step::Again))
    }

    /// Moves the source to the stream time `seek.to`; where reading goes on.
    fn seek(&mut self, seek: Seek) -> Result<At, HostError> {
        self.epoch = seek.epoch;
        let stream = &self.input.stream;
        let to = if seek.to.is_finite() {
            seek.to.max(0.0)
        } else {
            0.0
        };
        let (at, frame) = match (stream.kind, stream.length) {
            (StreamKind::Regular, Some(len)) if len > 0 => {
                let k = (to * stream.nominal_rate - 1e-9).ceil().max(0.0) as u64;
                let at = At {
                    pass: k / len,
                    next_frame: k,
                };
                (at, k % len)
            }
            (StreamKind::Regular, _) => (At::default(), 0),
            _ => {
                let pass = match self.input.period {
                    Some(p) if p > 0.0 => (to / p).floor() as u64,
                    _ => 0,
                };
                let within = to - self.input.period.unwrap_or(0.0) * pass as f64;
                let frame = first_frame_at(self.input.source.as_mut(), stream, within)?;
                (
                    At {
                        pass,
                        next_frame: frame,
                    },
                    frame,
                )
            }
        };
        if self.plays(at.pass) {
            self.input.source.seek(frame)?;
        }
        Ok(at)
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
            epoch: self.epoch,
            first_frame,
            frames: self.block.frames(),
            samples,
            stamps,
        }
    }
}

/// The first frame of a stamped stream whose time is at least `t` (the length when none
/// is): a binary search over one-frame reads, or a scan when the length is unknown.
fn first_frame_at(
    source: &mut dyn SampleSource,
    stream: &player_api::StreamInfo,
    t: f64,
) -> Result<u64, HostError> {
    let mut probe = Block::new(stream.kind, stream.channel_count(), 1);
    let mut time_of =
        |source: &mut dyn SampleSource, frame: u64| -> Result<Option<f64>, HostError> {
            source.seek(frame)?;
            probe.clear();
            source.read(&mut probe)?;
            Ok(probe.stamps().first().copied())
        };
    match stream.length {
        Some(len) => {
            let (mut lo, mut hi) = (0u64, len);
            while lo < hi {
                let mid = lo + (hi - lo) / 2;
                match time_of(source, mid)? {
                    Some(time) if time < t => lo = mid + 1,
                    _ => hi = mid,
                }
            }
            Ok(lo)
        }
        None => {
            let mut frame = 0;
            while let Some(time) = time_of(source, frame)? {
                if time >= t {
                    break;
                }
                frame += 1;
            }
            Ok(frame)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transport::WireFormat;
    use player_api::{ChannelInfo, ReadError, StreamInfo};
    use std::time::Duration;

    const LIMIT: Duration = Duration::from_secs(60);

    /// One channel whose value is the frame's index; panics when reading at `panic_at`.
    struct Ramp {
        len: u64,
        at: u64,
        panic_at: Option<u64>,
    }

    impl SampleSource for Ramp {
        fn read(&mut self, block: &mut Block) -> Result<(), ReadError> {
            if Some(self.at) == self.panic_at {
                panic!("deliberate panic at frame {}", self.at);
            }
            let n = (block.room() as u64).min(self.len - self.at) as usize;
            let (spare, _) = block.spare();
            for (i, v) in spare.iter_mut().take(n).enumerate() {
                *v = (self.at + i as u64) as f64;
            }
            block.commit(n)?;
            self.at += n as u64;
            Ok(())
        }

        fn seek(&mut self, frame: u64) -> Result<(), ReadError> {
            self.at = frame.min(self.len);
            Ok(())
        }
    }

    fn ramp(pool: &Pool, len: u64, panic_at: Option<u64>) -> Prefetch {
        let stream = StreamInfo::new(
            "ramp",
            "EEG",
            1000.0,
            vec![ChannelInfo::new("x", "EEG", "")],
        )
        .with_length(len);
        let input = SourceInput {
            source: Box::new(Ramp {
                len,
                at: 0,
                panic_at,
            }),
            stream,
            picks: None,
            chunk_size: 10,
            format: WireFormat::Float64,
            period: None,
        };
        let stop = Arc::new(AtomicBool::new(false));
        start(pool, input, Repeat::Times(1), stop).expect("a thread")
    }

    /// Takes blocks (giving each back) until the end; the first frames of the blocks.
    fn drain(prefetch: &Prefetch) -> Vec<(u64, usize, u64)> {
        let mut got = Vec::new();
        loop {
            match prefetch
                .blocks
                .recv_timeout(LIMIT)
                .expect("a message in time")
            {
                Message::Block(b) => {
                    got.push((b.first_frame, b.frames, b.epoch));
                    prefetch.give_back(b);
                }
                Message::End(_) => return got,
                Message::Failed(e) => panic!("{e}"),
            }
        }
    }

    #[test]
    fn a_stream_much_longer_than_the_queue_is_read_whole_in_order() {
        // 100 blocks of 50 frames through a queue of 8: the worker waits for room and is
        // woken each time a block is given back.
        let pool = Pool::new(1, "test");
        let prefetch = ramp(&pool, 5000, None);
        let got = drain(&prefetch);
        assert_eq!(got.len(), 100);
        let mut next = 0;
        for (first, frames, epoch) in got {
            assert_eq!((first, epoch), (next, 0));
            next += frames as u64;
        }
        assert_eq!(next, 5000);
    }

    #[test]
    fn a_seek_after_the_end_brings_the_stream_back() {
        let pool = Pool::new(1, "test");
        let mut prefetch = ramp(&pool, 500, None);
        assert_eq!(drain(&prefetch).len(), 10);
        assert!(prefetch.seek(0.2)); // stream time 0.2 s: frame 200
        let got = drain(&prefetch);
        assert_eq!(got.first(), Some(&(200, 50, 1)));
        assert_eq!(got.iter().map(|g| g.1).sum::<usize>(), 300);
    }

    /// Waits (at most [`LIMIT`]) for a message taken ahead, then receives it.
    fn receive_after_ahead(prefetch: &mut Prefetch) -> Message {
        let deadline = std::time::Instant::now() + LIMIT;
        while prefetch.ahead.is_none() && std::time::Instant::now() < deadline {
            prefetch.receive_ahead();
            std::thread::sleep(Duration::from_millis(1));
        }
        prefetch.receive().expect("a message taken ahead")
    }

    #[test]
    fn messages_taken_ahead_come_in_order_and_a_seek_drops_them() {
        let pool = Pool::new(1, "test");
        let mut prefetch = ramp(&pool, 500, None);
        // Every block taken ahead is received next, in order, up to the end.
        let mut next = 0;
        loop {
            match receive_after_ahead(&mut prefetch) {
                Message::Block(b) => {
                    assert_eq!(b.first_frame, next);
                    next += b.frames as u64;
                    prefetch.receive_ahead(); // holds one: a second call takes nothing
                    prefetch.receive_ahead();
                    prefetch.give_back(b);
                }
                Message::End(epoch) => break assert_eq!((epoch, next), (0, 500)),
                Message::Failed(e) => panic!("{e}"),
            }
        }
        // A block held ahead before a seek is not received after it.
        assert!(prefetch.seek(0.1));
        let Message::Block(first) = receive_after_ahead(&mut prefetch) else {
            panic!("a block after the seek");
        };
        assert_eq!((first.epoch, first.first_frame), (1, 100));
        let deadline = std::time::Instant::now() + LIMIT;
        while prefetch.ahead.is_none() && std::time::Instant::now() < deadline {
            prefetch.receive_ahead();
            std::thread::sleep(Duration::from_millis(1));
        }
        assert!(prefetch.ahead.is_some(), "a block held ahead");
        assert!(prefetch.seek(0.3));
        assert!(prefetch.ahead.is_none(), "the seek dropped it");
        // (Blocks of the old epoch sent before the worker saw the seek may still come.)
        let got: Vec<_> = drain(&prefetch).into_iter().filter(|g| g.2 == 2).collect();
        assert_eq!(got.first().map(|g| g.0), Some(300));
        assert_eq!(got.iter().map(|g| g.1).sum::<usize>(), 200);
    }

    #[test]
    fn a_panicking_reader_fails_its_stream() {
        let pool = Pool::new(1, "test");
        let prefetch = ramp(&pool, 5000, Some(100));
        let mut frames = 0;
        let error = loop {
            match prefetch
                .blocks
                .recv_timeout(LIMIT)
                .expect("a message in time")
            {
                Message::Block(b) => {
                    frames += b.frames;
                    prefetch.give_back(b);
                }
                Message::End(_) => panic!("ended without the failure"),
                Message::Failed(e) => break e.to_string(),
            }
        };
        assert_eq!(frames, 100);
        assert!(error.contains("panicked"), "{error}");
    }
}
