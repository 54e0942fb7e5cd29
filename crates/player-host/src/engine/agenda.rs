//! Which stream's chunk is due next ([`Agenda`]): the timing thread's order of work.

use super::playing::{Next, Playing};
use super::timeline::Timeline;
use crate::error::HostError;
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// A stream whose reader delivers nothing for this long is stopped as failed (a plugin
/// blocked in `read`, a dead network file system): the others play on.
pub(crate) const STALL_TIMEOUT: f64 = 5.0;

/// A stream's next deadline, ordered by time, then by the stream's index (the earlier
/// stream of the scenario first).
#[derive(Debug, Clone, Copy, PartialEq)]
struct Due {
    at: f64,
    index: usize,
}

impl Eq for Due {}

impl Ord for Due {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.at
            .total_cmp(&other.at)
            .then(self.index.cmp(&other.index))
    }
}

impl PartialOrd for Due {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// Which stream's chunk is due next, in O(log n): streams with a block at hand wait in a
/// heap by deadline; streams waiting for their prefetch worker are polled apart. A stream
/// is in one of the two, or done.
#[derive(Debug, Default)]
pub(crate) struct Agenda {
    heap: BinaryHeap<Reverse<Due>>,
    pub(crate) starved: Vec<usize>,
}

impl Agenda {
    /// Places every stream anew (after a request moved the timeline `tl`).
    pub(crate) fn rebuild(&mut self, streams: &mut [Playing], tl: &Timeline, now: f64) {
        self.heap.clear();
        self.starved.clear();
        for i in 0..streams.len() {
            self.place(streams, i, tl, now);
        }
    }

    /// Places stream `i` by its next deadline on `tl` (or among the starved, or nowhere
    /// when it is done or failed).
    pub(crate) fn place(&mut self, streams: &mut [Playing], i: usize, tl: &Timeline, now: f64) {
        let stream = &mut streams[i];
        if stream.done {
            return;
        }
        let next = stream.next(tl);
        if !matches!(next, Next::Starved) {
            stream.starved_since = None;
        }
        match next {
            Next::Due(at) => self.heap.push(Reverse(Due { at, index: i })),
            Next::Starved => {
                // What the timing thread deferred, a stream waiting for data does now.
                stream.tend_prefetch();
                self.place_starved(stream, i, now);
            }
            Next::Done => {
                stream.done = true;
                stream.counter.stats.finished = true;
            }
            Next::Failed(e) => stream.fail(e),
        }
    }

    /// Puts stream `i`, waiting for data since `starved_since` (or from `now` on), among the
    /// starved, or fails it once it has waited [`STALL_TIMEOUT`].
    fn place_starved(&mut self, stream: &mut Playing, i: usize, now: f64) {
        match stream.starved_since {
            Some(since) if now - since > STALL_TIMEOUT => stream.fail(HostError::Stalled {
                seconds: STALL_TIMEOUT,
            }),
            Some(_) => self.starved.push(i),
            None => {
                stream.starved_since = Some(now);
                self.starved.push(i);
            }
        }
    }

    /// Looks again at the streams waiting for data.
    pub(crate) fn poll_starved(&mut self, streams: &mut [Playing], tl: &Timeline, now: f64) {
        for i in std::mem::take(&mut self.starved) {
            self.place(streams, i, tl, now);
        }
    }

    /// The stream due first, and when.
    pub(crate) fn first(&self) -> Option<(usize, f64)> {
        self.heap.peek().map(|Reverse(d)| (d.index, d.at))
    }

    /// The streams due first and second, for cache hints ([`super::warm`]): the top of
    /// the heap and the earlier of its two children.
    pub(crate) fn upcoming(&self) -> [Option<usize>; 2] {
        let heap = self.heap.as_slice();
        // The heap keeps `Reverse`: the largest of the children is due first.
        let first = heap.first().map(|Reverse(d)| d.index);
        let second = heap.iter().skip(1).take(2).max().map(|Reverse(d)| d.index);
        [first, second]
    }

    /// Removes the stream due first (about to be pushed, then placed again).
    pub(crate) fn pop(&mut self) {
        self.heap.pop();
    }
}
