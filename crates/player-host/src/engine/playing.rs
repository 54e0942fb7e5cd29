//! A stream while it plays ([`Playing`]): what is queued for it, when its next chunk is
//! due on the [`Timeline`], how a chunk is pushed with its samples' timestamps, and how
//! a seek moves its reading.

use super::faults::push::Chunk;
use super::faults::Injector;
use super::plan::Markers;
use super::prefetch::{Message, Prefetch, WireBlock, WAKE_AFTER_BLOCKS};
use super::stats::StreamCounter;
use super::timeline::Timeline;
use crate::error::HostError;
use crate::scenario::Repeat;
use crate::transport::{Outlet, Values};
use std::sync::mpsc::TryRecvError;

/// The least spacing kept between two timestamps of a stream without a rate (markers),
/// across a seek: timestamps go strictly forward.
const IRREGULAR_GAP: f64 = 1e-9;

/// A stream while it plays: its outlet, what is queued for it, where it stands.
pub struct Playing {
    pub(crate) outlet: Box<dyn Outlet>,
    /// Seconds after t0 of the stream's time 0 on the scenario's timeline.
    pub(crate) offset: f64,
    pub(crate) counter: StreamCounter,
    pub(crate) queue: Queue,
    pub(crate) done: bool,
    /// Since when (clock) the stream has been waiting for its prefetch worker, if it is.
    pub(crate) starved_since: Option<f64>,
    /// No sample of the stream left to push lies before this position: the timeline
    /// must still map what is after it (the position of its last pushed sample, or where
    /// it was sought).
    pub(crate) frontier: f64,
    /// The timestamp of its last pushed sample.
    pub(crate) last_stamp: Option<f64>,
    /// The least spacing of two of its timestamps: `1 / (rate × max speed)`.
    pub(crate) min_gap: f64,
    /// Its faults, when it has some (`None`: pushed as recorded).
    pub(crate) faults: Option<Box<Injector>>,
    /// Spent blocks not yet given back to its prefetch worker: the timing thread gives
    /// them back when it has the time ([`tend_prefetch`](Self::tend_prefetch)).
    spent: Vec<WireBlock>,
}

/// What is queued for a stream.
// One per stream, in place: boxing the larger variant's message held ahead
// (`Prefetch::receive_ahead`) would cost an allocation per block on the timing thread.
#[allow(clippy::large_enum_variant)]
pub enum Queue {
    /// Blocks from a prefetch worker.
    Prefetched {
        /// The worker's channels.
        prefetch: Prefetch,
        /// The block being pushed, and the next frame within it.
        current: Option<(WireBlock, usize)>,
    },
    /// Markers from annotations.
    Markers {
        /// Times and texts of one pass.
        events: Vec<(f64, String)>,
        /// Duration of one pass.
        period: Option<f64>,
        /// Passes to play.
        repeat: Repeat,
        /// The next event index and pass.
        next: (usize, u64),
    },
}

impl Queue {
    /// The queue of a marker stream.
    pub fn markers(markers: Markers, repeat: Repeat) -> Self {
        Queue::Markers {
            events: markers.events,
            period: markers.period,
            repeat,
            next: (0, 0),
        }
    }
}

/// When a stream's next chunk is due.
pub(crate) enum Next {
    Due(f64),
    Starved,
    Done,
    Failed(HostError),
}

impl Playing {
    /// A stream about to play: publishing to `outlet` from `queue`, its time 0 `offset`
    /// seconds after t0, `rate` samples per second (0: irregular).
    pub fn new(outlet: Box<dyn Outlet>, offset: f64, rate: f64, queue: Queue, name: &str) -> Self {
        let (_, max_speed) = super::control::SPEED_RANGE;
        Playing {
            outlet,
            offset,
            counter: StreamCounter::new(name),
            queue,
            done: false,
            starved_since: None,
            frontier: 0.0,
            last_stamp: None,
            min_gap: if rate > 0.0 {
                1.0 / (rate * max_speed)
            } else {
                IRREGULAR_GAP
            },
            faults: None,
            spent: Vec::new(),
        }
    }

    /// Whether it holds spent blocks not yet given back to its prefetch worker
    /// ([`tend_prefetch`](Self::tend_prefetch)).
    pub(crate) fn holds_spent(&self) -> bool {
        !self.spent.is_empty()
    }

    /// Gives its spent blocks back to its prefetch worker, which is woken when half of its
    /// queue is free ([`Prefetch::give_back`]), and takes the worker's next block ahead
    /// ([`Prefetch::receive_ahead`]). The timing thread does this when it has time to
    /// spare: giving a block back, waking a worker and taking a block are hand-offs
    /// between threads, and streams of one rate and chunk size end their blocks together
    /// (10 000 such hand-offs at one instant held the thread for milliseconds every other
    /// chunk; bench/README.md, "Many streams end on time").
    pub(crate) fn tend_prefetch(&mut self) {
        if let Queue::Prefetched { prefetch, .. } = &mut self.queue {
            self.spent.drain(..).for_each(|b| prefetch.give_back(b));
            prefetch.receive_ahead();
        }
    }

    /// The deadline of this stream's next push on `tl`, making sure a block is at hand.
    pub(crate) fn next(&mut self, tl: &Timeline) -> Next {
        let offset = self.offset;
        let faults = self.faults.as_deref_mut();
        match &mut self.queue {
            Queue::Prefetched { prefetch, current } => {
                while current.is_none() {
                    match prefetch.receive() {
                        Ok(Message::Block(b)) if b.epoch == prefetch.epoch => {
                            *current = Some((b, 0))
                        }
                        Ok(Message::Block(stale)) => prefetch.give_back(stale),
                        Ok(Message::End(epoch)) if epoch == prefetch.epoch => return Next::Done,
                        Ok(Message::End(_)) => {}
                        Ok(Message::Failed(e)) => return Next::Failed(e),
                        Err(TryRecvError::Empty) => return Next::Starved,
                        Err(TryRecvError::Disconnected) => return Next::Done,
                    }
                }
                match current {
                    Some((block, pos)) => {
                        let last = *pos + prefetch.chunk_size.min(block.frames - *pos) - 1;
                        let t = frame_time(block, last, prefetch.rate);
                        Next::Due(match faults {
                            None => tl.due(offset, t, 0.0),
                            Some(f) => f.due(tl, offset, t, block.first_frame + *pos as u64),
                        })
                    }
                    None => Next::Starved,
                }
            }
            Queue::Markers {
                events,
                period,
                repeat,
                next: (i, pass),
            } => {
                if *i >= events.len() {
                    if events.is_empty() {
                        return Next::Done;
                    }
                    *i = 0;
                    *pass += 1;
                }
                let more = match repeat {
                    Repeat::Times(n) => *pass < *n,
                    Repeat::Forever => true,
                };
                match (more, *pass, period) {
                    (false, _, _) => Next::Done,
                    (true, 0, _) => Next::Due(tl.due(offset, events[*i].0, 0.0)),
                    (true, p, Some(period)) => {
                        Next::Due(tl.due(offset, p as f64 * *period, events[*i].0))
                    }
                    (true, _, None) => Next::Done, // unknown length: markers play once
                }
            }
        }
    }

    /// Hints the cache with what this stream's next push reads, one level of memory at a
    /// time ([`super::warm`]): called for the stream due second, then next, each level
    /// reaching what the one before brought in. `level` 0: its own fields; 1: the
    /// chunk's values and the lateness histogram's entries.
    pub(crate) fn warm(&self, level: usize) {
        if level == 0 {
            return super::warm::value(self);
        }
        self.counter.lateness.warm_entries();
        if let Queue::Prefetched {
            prefetch,
            current: Some((block, pos)),
        } = &self.queue
        {
            let frames = prefetch.chunk_size.min(block.frames.saturating_sub(*pos));
            let values = block.samples.frames(*pos, *pos + frames, prefetch.channels);
            super::warm::values(&values);
        }
    }

    /// Pushes the due chunk (whose deadline on `tl` is `due`), stamping each sample with
    /// the time `tl` gives its position, and records its lateness.
    pub(crate) fn push(
        &mut self,
        tl: &Timeline,
        due: f64,
        now: f64,
        stamps: &mut Vec<f64>,
    ) -> Result<(), HostError> {
        let offset = self.offset;
        stamps.clear();
        let position = match &mut self.queue {
            Queue::Prefetched { prefetch, current } => {
                let Some((block, pos)) = current else {
                    return Ok(());
                };
                let frames = prefetch.chunk_size.min(block.frames - *pos);
                let position = match self.faults.as_deref_mut() {
                    None => {
                        stamps.extend(
                            (*pos..*pos + frames)
                                .map(|i| tl.due(offset, frame_time(block, i, prefetch.rate), 0.0)),
                        );
                        let values = block.samples.frames(*pos, *pos + frames, prefetch.channels);
                        self.outlet.push(values, stamps)?;
                        frame_time(block, *pos + frames - 1, prefetch.rate)
                    }
                    Some(f) => {
                        let chunk = Chunk {
                            block,
                            from: *pos,
                            frames,
                            rate: prefetch.rate,
                            width: prefetch.channels,
                            offset,
                        };
                        f.push(&mut self.outlet, &chunk, tl, stamps, now)?
                    }
                };
                *pos += frames;
                self.counter.record_chunk(frames, now - due, position);
                if *pos >= block.frames {
                    if let Some((spent, _)) = current.take() {
                        self.spent.push(spent);
                    }
                    if self.spent.len() >= WAKE_AFTER_BLOCKS {
                        // Held as long as a worker waits for them: given back now.
                        self.spent.drain(..).for_each(|b| prefetch.give_back(b));
                    }
                }
                position
            }
            Queue::Markers {
                events,
                period,
                next: (i, pass),
                ..
            } => {
                let Some((t, text)) = events.get(*i) else {
                    return Ok(());
                };
                stamps.push(due);
                self.outlet
                    .push(Values::Text(std::slice::from_ref(text)), stamps)?;
                *i += 1;
                let position = period.map_or(0.0, |p| p * *pass as f64) + t;
                self.counter.record_chunk(1, now - due, position);
                position
            }
        };
        self.frontier = offset + position;
        self.last_stamp = stamps.last().copied();
        Ok(())
    }

    /// Goes to the scenario position `position`: the stream's time `position - offset`
    /// (before its start: from the start). What was queued is dropped.
    pub(crate) fn seek(&mut self, position: f64) {
        let to = position - self.offset;
        let to = self.faults.as_deref_mut().map_or(to, |f| f.seek(to));
        self.done = false;
        self.starved_since = None;
        self.frontier = position;
        self.counter.stats.finished = false;
        match &mut self.queue {
            Queue::Prefetched { prefetch, current } => {
                if let Some((spent, _)) = current.take() {
                    prefetch.give_back(spent);
                }
                if !prefetch.seek(to) {
                    self.done = true; // the worker is gone (it failed)
                }
            }
            Queue::Markers {
                events,
                period,
                next,
                ..
            } => {
                let to = to.max(0.0);
                let pass = match period {
                    Some(p) if *p > 0.0 => (to / *p).floor() as u64,
                    _ => 0,
                };
                let within = to - period.unwrap_or(0.0) * pass as f64;
                *next = (events.partition_point(|(t, _)| *t < within), pass);
            }
        }
    }

    /// Records what its faults left open (at the end of the run).
    pub(crate) fn finish_faults(&mut self) {
        if let Some(f) = self.faults.as_deref_mut() {
            f.finish();
        }
    }

    /// Stops the stream as failed with `e`.
    pub(crate) fn fail(&mut self, e: HostError) {
        self.done = true;
        self.counter.stats.error = Some(e.to_string());
    }
}

/// The time of frame `i` of `block` relative to t0 + offset: its own stamp for stamped
/// streams, else `k / rate` with `k` counted across passes (computed, never accumulated).
pub(crate) fn frame_time(block: &WireBlock, i: usize, rate: f64) -> f64 {
    match block.stamps.get(i) {
        Some(&t) => t,
        None => (block.first_frame + i as u64) as f64 / rate,
    }
}
