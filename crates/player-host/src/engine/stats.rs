//! Per-stream statistics: what was pushed and how late.

use serde::Serialize;
use std::sync::Mutex;

/// A chunk pushed more than this many seconds after it was due counts as late.
pub const LATE_THRESHOLD: f64 = 0.001;

/// Lateness histogram with a bounded relative error over the whole range (HDR-style).
///
/// Latenesses are counted in nanoseconds, in log-linear bins: below 128 ns one bin per
/// nanosecond; above, each power of two `[2^e, 2^(e+1))` is cut into 128 equal bins. A
/// quantile is the upper edge of its bin, capped at the maximum, so it is never below the
/// exact value and above it by at most 1/128 of it (0.78 %) or 1 ns, whichever is more,
/// from nanoseconds to centuries. The maximum is exact. The bins of one power of two (a
/// **page**, 1 kB) are allocated when a lateness first falls in it (the first two are made
/// with the histogram, before the replay: see [`with_room`](Self::with_room)), and each page keeps
/// its total, so that a quantile looks at the pages' totals, then at one page's bins: a
/// stream whose latenesses span 1 µs to 10 ms holds about 14 kB, and a snapshot of 10 000
/// streams takes milliseconds, not tens of them.
#[derive(Debug, Clone, Default)]
pub struct LatenessHistogram {
    pages: Vec<Option<Box<Page>>>,
    totals: Vec<u64>,
    count: u64,
    max: f64,
    /// The bin of the last lateness recorded (the likeliest of the next).
    last_bin: usize,
    /// Pages made (and written, so that their memory is mapped) before the replay, used
    /// first when a lateness falls in a page not yet used ([`with_room`](Self::with_room)).
    /// Boxed here already: a page moves into `pages` as it is, without a copy.
    #[allow(clippy::vec_box)]
    spare: Vec<Box<Page>>,
}

/// The bins of one power of two.
type Page = [u64; SUB as usize];

/// log2 of the number of bins per power of two.
const SUB_BITS: u32 = 7;
/// Bins per power of two (and the count of one-nanosecond bins at the bottom).
const SUB: u64 = 1 << SUB_BITS;

/// The largest relative error of [`LatenessHistogram::quantile`] above 128 ns.
pub const LATENESS_RELATIVE_ERROR: f64 = 1.0 / SUB as f64;

impl LatenessHistogram {
    /// Pages up to 2 s of lateness ([2^30, 2^31) ns is page 24): lateness below that is
    /// recorded without growing the lists of pages (each page is still allocated when
    /// first used).
    const PAGES_ROOM: usize = 25;

    /// Pages made ahead ([`with_room`](Self::with_room)): the first pushes of a replay
    /// fall in one or two pages of each stream's histogram.
    const SPARE_PAGES: usize = 2;

    /// An empty histogram whose lists of pages have room up to 2 s of lateness and with
    /// [`SPARE_PAGES`](Self::SPARE_PAGES) pages at hand, their memory mapped, so that
    /// recording (on the timing thread) rarely allocates: the first chunks of 10 000
    /// streams, due together, each allocating a fresh page, took a page fault per
    /// stream and were twice as late as the ones after (bench/README.md, "Many streams
    /// end on time").
    pub fn with_room() -> Self {
        let spare = (0..Self::SPARE_PAGES)
            // Copied from an opaque value, not allocated zeroed: zeroed memory may be
            // mapped only at its first write.
            .map(|_| Box::new(std::hint::black_box([0; SUB as usize])))
            .collect();
        LatenessHistogram {
            pages: Vec::with_capacity(Self::PAGES_ROOM),
            totals: Vec::with_capacity(Self::PAGES_ROOM),
            spare,
            ..Default::default()
        }
    }

    /// The bin of a lateness of `ns` nanoseconds.
    fn bin(ns: u64) -> usize {
        if ns < SUB {
            return ns as usize;
        }
        let shift = (63 - ns.leading_zeros()) - SUB_BITS;
        let sub = (ns >> shift) - SUB;
        ((u64::from(shift) + 1) * SUB + sub) as usize
    }

    /// The upper edge of bin `i` (exclusive), in seconds.
    fn upper_edge(i: usize) -> f64 {
        let i = i as u64;
        let ns = if i < SUB {
            (i + 1) as f64
        } else {
            let shift = (i / SUB - 1) as i32;
            (SUB + i % SUB + 1) as f64 * 2f64.powi(shift)
        };
        ns * 1e-9
    }

    /// Records one lateness, in seconds (negative values and NaN count as 0).
    pub fn record(&mut self, seconds: f64) {
        let s = if seconds > 0.0 { seconds } else { 0.0 };
        let ns = (s * 1e9) as u64; // saturates for huge values
        let bin = Self::bin(ns);
        let (page, within) = (bin / SUB as usize, bin % SUB as usize);
        if page >= self.pages.len() {
            self.pages.resize_with(page + 1, || None);
            self.totals.resize(page + 1, 0);
        }
        let spare = &mut self.spare;
        let bins = self.pages[page]
            .get_or_insert_with(|| spare.pop().unwrap_or_else(|| Box::new([0; SUB as usize])));
        bins[within] += 1;
        self.totals[page] += 1;
        self.last_bin = bin;
        self.count += 1;
        self.max = self.max.max(s);
    }

    /// Hints the cache with the entries that the next [`record`](Self::record) likely
    /// reads in the lists of pages (those of the last bin used); see [`super::warm`].
    pub(crate) fn warm_entries(&self) {
        let page = self.last_bin / SUB as usize;
        if let (Some(entry), Some(total)) = (self.pages.get(page), self.totals.get(page)) {
            super::warm::value(entry);
            super::warm::value(total);
        }
    }

    /// The `q`-quantile (0..=1) in seconds: the upper edge of the bin holding the value of
    /// rank `ceil(q × count)`, at most the maximum.
    pub fn quantile(&self, q: f64) -> f64 {
        if self.count == 0 {
            return 0.0;
        }
        let rank = ((q * self.count as f64).ceil() as u64).clamp(1, self.count);
        let mut seen = 0;
        for (page, total) in self.totals.iter().enumerate() {
            if seen + total < rank {
                seen += total;
                continue;
            }
            let bins = self.pages[page].as_deref().map_or(&[][..], |b| &b[..]);
            for (within, n) in bins.iter().enumerate() {
                seen += n;
                if seen >= rank {
                    let bin = page * SUB as usize + within;
                    return Self::upper_edge(bin).min(self.max);
                }
            }
        }
        self.max
    }

    /// The largest lateness recorded.
    pub fn max(&self) -> f64 {
        self.max
    }
}

/// A snapshot of one published stream's statistics.
#[derive(Debug, Clone, Default, Serialize)]
pub struct StreamStats {
    /// The LSL stream name.
    pub name: String,
    /// Samples (frames) pushed.
    pub samples: u64,
    /// Chunks pushed.
    pub chunks: u64,
    /// Chunks pushed more than [`LATE_THRESHOLD`] after they were due.
    pub late_chunks: u64,
    /// Median lateness (push time − due time), seconds (never below the exact value, at
    /// most [`LATENESS_RELATIVE_ERROR`] or 1 ns above it).
    pub lateness_p50: f64,
    /// 99th percentile lateness, seconds (same precision as `lateness_p50`).
    pub lateness_p99: f64,
    /// Largest lateness, seconds.
    pub lateness_max: f64,
    /// Timestamp of the last sample pushed, relative to t0 (seconds).
    pub position: f64,
    /// Whether the stream has pushed everything it had.
    pub finished: bool,
    /// Why the stream stopped early, if it failed.
    pub error: Option<String>,
}

/// Live statistics of one stream, owned by the timing thread.
#[derive(Debug, Clone, Default)]
pub struct StreamCounter {
    pub(crate) stats: StreamStats,
    pub(crate) lateness: LatenessHistogram,
}

impl StreamCounter {
    /// A counter for the stream `name`.
    pub fn new(name: &str) -> Self {
        StreamCounter {
            stats: StreamStats {
                name: name.to_string(),
                ..Default::default()
            },
            lateness: LatenessHistogram::with_room(),
        }
    }

    /// Records one pushed chunk.
    pub fn record_chunk(&mut self, frames: usize, lateness: f64, position: f64) {
        self.stats.samples += frames as u64;
        self.stats.chunks += 1;
        if lateness > LATE_THRESHOLD {
            self.stats.late_chunks += 1;
        }
        self.stats.position = position;
        self.lateness.record(lateness);
    }

    /// The current snapshot, with percentiles computed.
    pub fn snapshot(&self) -> StreamStats {
        let mut out = StreamStats::default();
        self.snapshot_into(&mut out);
        out
    }

    /// Writes the current snapshot into `out`, reusing its text (the name is copied only
    /// when it differs: a refreshed snapshot allocates nothing).
    pub fn snapshot_into(&self, out: &mut StreamStats) {
        let s = &self.stats;
        if out.name != s.name {
            out.name.clone_from(&s.name);
        }
        if out.error != s.error {
            out.error.clone_from(&s.error);
        }
        out.samples = s.samples;
        out.chunks = s.chunks;
        out.late_chunks = s.late_chunks;
        out.position = s.position;
        out.finished = s.finished;
        out.lateness_p50 = self.lateness.quantile(0.5);
        out.lateness_p99 = self.lateness.quantile(0.99);
        out.lateness_max = self.lateness.max();
    }
}

/// How often the statistics shared with the player's readers are refreshed.
pub const SNAPSHOT_EVERY: f64 = 0.1;

/// Streams refreshed per turn of the timing loop: a round over every stream is spread
/// over turns, so that 10 000 streams never hold a push back by the milliseconds their
/// snapshots take together.
const SNAPSHOT_BATCH: usize = 256;
/// A round waits for turns with time to spare (no push due) at most this long.
const SNAPSHOT_STALE: f64 = 1.0;

/// Refreshes the statistics shared with the player's readers ([`Player::stats`]) from the
/// timing thread's counters, a batch of streams per turn of its loop, in rounds that
/// start every [`SNAPSHOT_EVERY`], in turns that have time to spare (when 10 000 streams'
/// chunks fall due together, their snapshots wait until they are pushed), unless the
/// last round started more than [`SNAPSHOT_STALE`] ago.
///
/// [`Player::stats`]: super::Player::stats
#[derive(Debug)]
pub(crate) struct Publisher {
    /// The next stream of the round in progress, if one is.
    next: Option<usize>,
    /// When the last round started.
    round_start: f64,
}

impl Publisher {
    pub(crate) fn new() -> Self {
        Publisher {
            next: None,
            round_start: f64::NEG_INFINITY,
        }
    }

    /// Whether a round is in progress (more batches to refresh).
    pub(crate) fn in_round(&self) -> bool {
        self.next.is_some()
    }

    /// One turn at `now` (`spare`: no push is due yet): starts a round when one is due,
    /// and refreshes the next batch of the `n` streams (`counter(i)` is stream i's) into
    /// `shared`.
    pub(crate) fn step<'a>(
        &mut self,
        now: f64,
        spare: bool,
        n: usize,
        counter: impl Fn(usize) -> &'a StreamCounter,
        shared: &Mutex<Vec<StreamStats>>,
    ) {
        if !spare && now - self.round_start < SNAPSHOT_STALE {
            return;
        }
        if self.next.is_none() && now - self.round_start >= SNAPSHOT_EVERY {
            self.next = Some(0);
            self.round_start = now;
        }
        let Some(first) = self.next else {
            return;
        };
        let end = (first + SNAPSHOT_BATCH).min(n);
        publish_range(first..end, n, counter, shared);
        self.next = (end < n).then_some(end);
    }
}

/// Refreshes every stream's statistics at once (the end of a run).
pub(crate) fn publish_all<'a>(
    n: usize,
    counter: impl Fn(usize) -> &'a StreamCounter,
    shared: &Mutex<Vec<StreamStats>>,
) {
    publish_range(0..n, n, counter, shared);
}

fn publish_range<'a>(
    range: std::ops::Range<usize>,
    n: usize,
    counter: impl Fn(usize) -> &'a StreamCounter,
    shared: &Mutex<Vec<StreamStats>>,
) {
    if let Ok(mut s) = shared.lock() {
        s.resize_with(n, StreamStats::default);
        for i in range {
            counter(i).snapshot_into(&mut s[i]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The exact `q`-quantile of `values` by the histogram's rank rule.
    fn exact(values: &[f64], q: f64) -> f64 {
        let mut sorted = values.to_vec();
        sorted.sort_by(f64::total_cmp);
        let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
        sorted[rank - 1]
    }

    /// `got` is the exact value or above it by at most the stated error.
    fn within(got: f64, want: f64) -> bool {
        got >= want && got <= want * (1.0 + LATENESS_RELATIVE_ERROR) + 1e-9
    }

    #[test]
    fn quantiles_have_a_bounded_relative_error_from_microseconds_to_100_s() {
        // 10 000 values spread evenly in log scale over 1 µs..100 s, in a scrambled order.
        let n = 10_000u64;
        let values: Vec<f64> = (0..n)
            .map(|i| (i * 7919) % n)
            .map(|k| 1e-6 * 1e8f64.powf(k as f64 / (n - 1) as f64))
            .collect();
        let mut h = LatenessHistogram::default();
        for &v in &values {
            h.record(v);
        }
        for q in [0.01, 0.1, 0.5, 0.9, 0.99, 0.999] {
            let (got, want) = (h.quantile(q), exact(&values, q));
            assert!(within(got, want), "q {q}: {got} vs exact {want}");
        }
        assert_eq!(h.max(), exact(&values, 1.0));
        assert_eq!(h.quantile(1.0), h.max());
        assert!((h.max() - 100.0).abs() < 1e-9);
    }

    #[test]
    fn a_stall_of_seconds_does_not_make_every_percentile_the_maximum() {
        // After a 5 s stop, 500 chunks due during it go out late by 5 s down to 0 s.
        let mut values: Vec<f64> = (0..500).map(|i| 5.001 - i as f64 * 0.01).collect();
        values.extend(std::iter::repeat_n(0.0002, 500));
        let mut h = LatenessHistogram::default();
        for &v in &values {
            h.record(v);
        }
        for q in [0.5, 0.75, 0.99] {
            let (got, want) = (h.quantile(q), exact(&values, q));
            assert!(within(got, want), "q {q}: {got} vs exact {want}");
        }
        assert!(h.quantile(0.75) < 2.6, "{}", h.quantile(0.75));
        assert_eq!(h.max(), 5.001);
    }

    #[test]
    fn bins_are_contiguous_and_edges_increase() {
        let mut last_edge = 0.0;
        for ns in (0..100_000u64).chain([u64::MAX / 2, u64::MAX]) {
            let b = LatenessHistogram::bin(ns);
            assert!(
                LatenessHistogram::upper_edge(b) * 1e9 > ns as f64 * (1.0 - 1e-12),
                "{ns}"
            );
            if ns < 100_000 {
                assert!(
                    b == 0 || LatenessHistogram::bin(ns - 1) + 1 >= b,
                    "gap at {ns}"
                );
            }
            let edge = LatenessHistogram::upper_edge(b);
            assert!(edge >= last_edge, "{ns}");
            last_edge = edge;
        }
        let mut h = LatenessHistogram::default();
        for v in [f64::NAN, -1.0, 0.0, 1e300] {
            h.record(v);
        }
        assert_eq!(h.quantile(0.5), 1e-9); // NaN, negatives and 0 count as 0
        assert_eq!(h.max(), 1e300);
    }

    #[test]
    fn late_chunks_are_counted_past_the_threshold() {
        let mut c = StreamCounter::new("x");
        c.record_chunk(10, 0.0005, 0.1);
        c.record_chunk(10, 0.002, 0.2);
        let s = c.snapshot();
        assert_eq!((s.samples, s.chunks, s.late_chunks), (20, 2, 1));
    }
}

#[cfg(test)]
mod publisher_tests {
    use super::*;

    #[test]
    fn a_round_refreshes_every_stream_in_batches_then_waits() {
        let counters: Vec<StreamCounter> = (0..600)
            .map(|i| StreamCounter::new(&format!("s{i}")))
            .collect();
        let shared = Mutex::new(Vec::new());
        let mut p = Publisher::new();
        p.step(10.0, true, 600, |i| &counters[i], &shared);
        let names = |s: &Mutex<Vec<StreamStats>>| {
            s.lock()
                .expect("not poisoned")
                .iter()
                .filter(|x| !x.name.is_empty())
                .count()
        };
        assert_eq!(names(&shared), SNAPSHOT_BATCH);
        p.step(10.0, true, 600, |i| &counters[i], &shared);
        p.step(10.0, true, 600, |i| &counters[i], &shared);
        assert_eq!(names(&shared), 600);
        assert_eq!(shared.lock().expect("ok")[599].name, "s599");
        // The round is over: nothing until the next one is due.
        let mut later = counters.clone();
        later[0].record_chunk(5, 0.0, 0.1);
        p.step(10.05, true, 600, |i| &later[i], &shared);
        assert_eq!(shared.lock().expect("ok")[0].samples, 0);
        for _ in 0..3 {
            p.step(
                10.0 + 2.0 * SNAPSHOT_EVERY,
                true,
                600,
                |i| &later[i],
                &shared,
            );
        }
        assert_eq!(shared.lock().expect("ok")[0].samples, 5);
        // Busy turns wait, unless the last round is stale.
        later[0].record_chunk(5, 0.0, 0.2);
        p.step(10.3, false, 600, |i| &later[i], &shared);
        p.step(10.3, false, 600, |i| &later[i], &shared);
        p.step(10.3, false, 600, |i| &later[i], &shared);
        assert_eq!(shared.lock().expect("ok")[0].samples, 5);
        p.step(11.2, false, 600, |i| &later[i], &shared);
        assert_eq!(shared.lock().expect("ok")[0].samples, 10);
        publish_all(600, |i| &later[i], &shared);
        assert_eq!(shared.lock().expect("ok").len(), 600);
    }
}
