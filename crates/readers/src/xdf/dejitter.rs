//! Optional jitter removal (reader option `dejitter: true`), as pyxdf's `load_xdf` does by
//! default (`dejitter_timestamps=True`, `_jitter_removal`): the clock-corrected times of a
//! regular stream are split at breaks (a step longer than max(1 s, 500 / rate) in either
//! direction) and each segment's times are replaced by the least-squares line through
//! them as a function of the sample index: `t_k = intercept + slope * k`. Irregular
//! streams and streams whose desc says `synchronization/can_drop_samples` is `true` are
//! left as they are.
//!
//! Computed in one pass over the stream's times at open with running (centered) sums, so
//! memory grows with the number of segments, not the samples.

use super::clock::ClockMap;
use super::cursor::Cursor;
use super::index::{walk_times, StreamIndex};
use player_api::ReadError;

/// pyxdf's `jitter_break_threshold_seconds`.
const BREAK_SECONDS: f64 = 1.0;
/// pyxdf's `jitter_break_threshold_samples`.
const BREAK_SAMPLES: f64 = 500.0;

/// The dejittered times of a stream: `(first frame, intercept, slope)` per segment.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Dejitter {
    segments: Vec<(u64, f64, f64)>,
}

impl Dejitter {
    /// The dejittered (corrected) time of sample `frame`.
    pub(crate) fn time(&self, frame: u64) -> f64 {
        let i = self
            .segments
            .partition_point(|(first, _, _)| *first <= frame);
        match self.segments.get(i.saturating_sub(1)) {
            Some((_, a, b)) => a + b * frame as f64,
            None => f64::NAN,
        }
    }

    /// The number of segments.
    pub(crate) fn segments(&self) -> usize {
        self.segments.len()
    }

    /// Each segment's first and last frame of a stream of `frames` samples, with its line
    /// (`time = a + b * frame`).
    fn extents(&self, frames: u64) -> impl Iterator<Item = (u64, u64, f64, f64)> + '_ {
        let ends = self
            .segments
            .iter()
            .map(|s| s.0)
            .skip(1)
            .chain(std::iter::once(frames));
        self.segments
            .iter()
            .zip(ends)
            .map(|(&(first, a, b), end)| (first, end.saturating_sub(1).max(first), a, b))
    }

    /// pyxdf's effective rate of a dejittered stream of `frames` samples: the sample
    /// intervals over the segments' durations.
    pub(crate) fn effective_srate(&self, frames: u64) -> Option<f64> {
        let (mut intervals, mut duration) = (0u64, 0.0);
        for (first, last, a, b) in self.extents(frames) {
            intervals += last - first;
            duration += (a + b * last as f64) - (a + b * first as f64);
        }
        (intervals > 0).then(|| intervals as f64 / duration)
    }

    /// The earliest and latest dejittered time of a stream of `frames` samples (the
    /// extremes of a line are at its segment's ends).
    pub(crate) fn span(&self, frames: u64) -> (f64, f64) {
        let mut span = (f64::INFINITY, f64::NEG_INFINITY);
        for (first, last, a, b) in self.extents(frames) {
            for k in [first, last] {
                let t = a + b * k as f64;
                span = (span.0.min(t), span.1.max(t));
            }
        }
        span
    }
}

/// Running least-squares sums of one segment (Welford-style, centered).
#[derive(Debug, Clone, Copy)]
struct Fit {
    first: u64,
    n: f64,
    mean_k: f64,
    mean_t: f64,
    m2_k: f64,
    c_kt: f64,
}

impl Fit {
    fn new(first: u64) -> Self {
        Fit {
            first,
            n: 0.0,
            mean_k: 0.0,
            mean_t: 0.0,
            m2_k: 0.0,
            c_kt: 0.0,
        }
    }

    fn push(&mut self, k: f64, t: f64) {
        self.n += 1.0;
        let dk = k - self.mean_k;
        self.mean_k += dk / self.n;
        self.mean_t += (t - self.mean_t) / self.n;
        self.m2_k += dk * (k - self.mean_k);
        self.c_kt += dk * (t - self.mean_t);
    }

    fn line(&self) -> (u64, f64, f64) {
        if self.m2_k > 0.0 {
            let slope = self.c_kt / self.m2_k;
            (self.first, self.mean_t - slope * self.mean_k, slope)
        } else {
            // One sample: the line through it (pyxdf's minimum-norm solution).
            (self.first, self.mean_t, 0.0)
        }
    }
}

/// The dejittered times of `stream` (its `frames` first samples, corrected by `clock`),
/// or `None` when pyxdf leaves the stream as it is.
pub(crate) fn dejitter(
    cursor: &mut Cursor,
    stream: &StreamIndex,
    clock: &ClockMap,
) -> Result<Option<Dejitter>, ReadError> {
    let srate = stream.header.srate;
    if stream.frames == 0 || srate <= 0.0 || stream.header.can_drop_samples {
        return Ok(None);
    }
    let threshold = BREAK_SECONDS.max(BREAK_SAMPLES * stream.tdiff);
    let mut segments = Vec::new();
    let mut fit = Fit::new(0);
    let mut prev = None;
    walk_times(cursor, stream, stream.frames, |k, raw| {
        let t = clock.fit_at(k).apply(raw);
        if let Some(p) = prev {
            let step: f64 = t - p;
            if step.abs() > threshold {
                segments.push(fit.line());
                fit = Fit::new(k);
            }
        }
        fit.push(k as f64, t);
        prev = Some(t);
    })?;
    segments.push(fit.line());
    Ok(Some(Dejitter { segments }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_through_jittered_points() {
        let mut f = Fit::new(10);
        for k in 10..20 {
            let jitter = if k % 2 == 0 { 1e-4 } else { -1e-4 };
            f.push(k as f64, 100.0 + 0.5 * k as f64 + jitter);
        }
        let (first, a, b) = f.line();
        assert_eq!(first, 10);
        assert!(
            (b - 0.5).abs() < 1e-4 && (a - 100.0).abs() < 2e-3,
            "{a} {b}"
        );
        let d = Dejitter {
            segments: vec![(0, 1.0, 1.0), (5, 100.0, -1.0)],
        };
        assert_eq!(d.time(4), 5.0);
        assert_eq!(d.time(5), 95.0);
        assert_eq!(d.span(8), (1.0, 95.0));
    }
}
