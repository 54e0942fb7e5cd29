//! Per-stream statistics: what was pushed and how late.

use serde::Serialize;

/// A chunk pushed more than this many seconds after it was due counts as late.
pub const LATE_THRESHOLD: f64 = 0.001;

/// Lateness histogram with bounded memory: 1 µs bins up to 1 ms, 10 µs bins up to 10 ms,
/// 100 µs bins up to 1 s, and one bin beyond. Percentiles are exact to the bin width;
/// the maximum is exact.
#[derive(Debug, Clone)]
pub struct LatenessHistogram {
    bins: Vec<u64>,
    count: u64,
    max: f64,
}

const FINE: u64 = 1_000; // µs
const MEDIUM: u64 = 10_000;
const COARSE: u64 = 1_000_000;
const MEDIUM_BASE: usize = FINE as usize;
const COARSE_BASE: usize = MEDIUM_BASE + ((MEDIUM - FINE) / 10) as usize;
const OVERFLOW: usize = COARSE_BASE + ((COARSE - MEDIUM) / 100) as usize;

impl Default for LatenessHistogram {
    fn default() -> Self {
        LatenessHistogram {
            bins: vec![0; OVERFLOW + 1],
            count: 0,
            max: 0.0,
        }
    }
}

impl LatenessHistogram {
    fn bin(us: u64) -> usize {
        if us < FINE {
            us as usize
        } else if us < MEDIUM {
            MEDIUM_BASE + ((us - FINE) / 10) as usize
        } else if us < COARSE {
            COARSE_BASE + ((us - MEDIUM) / 100) as usize
        } else {
            OVERFLOW
        }
    }

    /// The upper edge of bin `i`, in seconds.
    fn upper_edge(i: usize) -> f64 {
        let us = if i < MEDIUM_BASE {
            i as u64 + 1
        } else if i < COARSE_BASE {
            FINE + (i - MEDIUM_BASE) as u64 * 10 + 10
        } else if i < OVERFLOW {
            MEDIUM + (i - COARSE_BASE) as u64 * 100 + 100
        } else {
            return f64::INFINITY;
        };
        us as f64 * 1e-6
    }

    /// Records one lateness, in seconds (negative values count as 0).
    pub fn record(&mut self, seconds: f64) {
        let s = seconds.max(0.0);
        let us = (s * 1e6) as u64;
        if let Some(b) = self.bins.get_mut(Self::bin(us)) {
            *b += 1;
        }
        self.count += 1;
        self.max = self.max.max(s);
    }

    /// The `q`-quantile (0..=1) in seconds: the upper edge of its bin, at most the maximum.
    pub fn quantile(&self, q: f64) -> f64 {
        if self.count == 0 {
            return 0.0;
        }
        let rank = ((q * self.count as f64).ceil() as u64).clamp(1, self.count);
        let mut seen = 0;
        for (i, n) in self.bins.iter().enumerate() {
            seen += n;
            if seen >= rank {
                return Self::upper_edge(i).min(self.max);
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
    /// Median lateness (push time − due time), seconds.
    pub lateness_p50: f64,
    /// 99th percentile lateness, seconds.
    pub lateness_p99: f64,
    /// Largest lateness, seconds.
    pub lateness_max: f64,
    /// Timestamp of the last sample pushed, relative to t0 (seconds).
    pub position: f64,
    /// Whether the stream has pushed everything it had.
    pub finished: bool,
    /// Why the stream stopped early, if it failed.
    pub error: Option<String>,
    /// Seconds after t0 of the stream's first sample (its scenario `offset`).
    pub offset: f64,
    /// Seconds of one pass, when known.
    pub duration: Option<f64>,
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
            lateness: LatenessHistogram::default(),
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
        StreamStats {
            lateness_p50: self.lateness.quantile(0.5),
            lateness_p99: self.lateness.quantile(0.99),
            lateness_max: self.lateness.max(),
            ..self.stats.clone()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_are_exact_to_the_bin() {
        let mut h = LatenessHistogram::default();
        for i in 0..100 {
            h.record((i as f64 + 0.5) * 1e-5); // 5, 15, ..., 995 µs: never on a bin edge
        }
        // The 50th of 100 values is 495 µs, the 99th 985 µs; a quantile is the upper edge
        // of its 1 µs bin.
        let within_bin = |q: f64, v: f64| q >= v && q <= v + 1e-6 + 1e-12;
        assert!(within_bin(h.quantile(0.5), 495e-6), "{}", h.quantile(0.5));
        assert!(within_bin(h.quantile(0.99), 985e-6), "{}", h.quantile(0.99));
        h.record(0.25);
        assert_eq!(h.max(), 0.25);
        assert!((h.quantile(1.0) - 0.25).abs() < 1e-12);
        h.record(5.0);
        assert_eq!(h.quantile(1.0), 5.0);
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
