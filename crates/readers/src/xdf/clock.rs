//! Clock synchronization: the mapping from a stream's recorded times to the recording
//! computer's clock, fitted to the stream's ClockOffset chunks exactly as pyxdf does with
//! `load_xdf(synchronize_clocks=True)`:
//!
//! * no offsets: times are kept as recorded;
//! * one offset: a constant shift by its value;
//! * two or more: a robust linear fit of offset value against collection time (Huber
//!   loss solved by 1000 ADMM iterations on values scaled by the winsor threshold 1e-4 s,
//!   pyxdf's `_robust_fit`); if the normal matrix is singular (all collection times equal)
//!   pyxdf uses no correction, and so does this;
//! * then `corrected = t + (intercept + slope * t)`, the same floating-point operations.
//!
//! Clock resets (a computer restarted during the recording) are handled as pyxdf's
//! `handle_clock_resets=True`: the offsets are split at detected resets ([`reset_ranges`]),
//! each range gets its own fit, and the samples are split between the ranges by their
//! recorded times ([`Segmenter`]): a [`ClockMap`] gives the fit of each sample.

/// pyxdf's `winsor_threshold`: offsets are scaled by its inverse before the fit.
const WINSOR: f64 = 0.0001;
/// pyxdf's ADMM iteration count.
const ITERATIONS: usize = 1000;

/// A linear correction `t + (intercept + slope * t)`.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub(crate) struct ClockFit {
    pub(crate) intercept: f64,
    pub(crate) slope: f64,
}

impl ClockFit {
    /// The corrected time of recorded time `t`.
    pub(crate) fn apply(&self, t: f64) -> f64 {
        t + (self.intercept + self.slope * t)
    }
}

/// The fits of one stream by sample: `(first frame, fit)`, sorted, the first at frame 0.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ClockMap {
    segments: Vec<(u64, ClockFit)>,
}

impl ClockMap {
    /// One fit for every sample.
    pub(crate) fn single(fit: ClockFit) -> Self {
        ClockMap {
            segments: vec![(0, fit)],
        }
    }

    /// The fit of sample `frame`.
    pub(crate) fn fit_at(&self, frame: u64) -> ClockFit {
        let i = self.segments.partition_point(|(first, _)| *first <= frame);
        self.segments
            .get(i.saturating_sub(1))
            .map(|(_, f)| *f)
            .unwrap_or_default()
    }

    /// The fits, by first frame.
    pub(crate) fn segments(&self) -> &[(u64, ClockFit)] {
        &self.segments
    }
}

/// How pyxdf corrects one stream: the offset ranges between clock resets and their fits.
#[derive(Debug, Clone)]
pub(crate) struct StreamClock {
    /// Inclusive offset index ranges (one when there is no reset).
    pub(crate) ranges: Vec<(usize, usize)>,
    /// The fit of each range.
    pub(crate) fits: Vec<ClockFit>,
    /// Ranges whose offsets were unusable (singular fit: no correction, as pyxdf).
    pub(crate) singular: usize,
}

impl StreamClock {
    /// pyxdf's `_clock_sync` for one stream's offsets.
    pub(crate) fn new(times: &[f64], values: &[f64]) -> Self {
        let n = times.len().min(values.len());
        let ranges = if n > 1 {
            reset_ranges(times, values)
        } else {
            vec![(0, n.saturating_sub(1))]
        };
        let mut singular = 0;
        let fits = ranges
            .iter()
            .map(|&(a, b)| {
                let (f, ok) = fit(
                    times.get(a..=b).unwrap_or(&[]),
                    values.get(a..=b).unwrap_or(&[]),
                );
                singular += usize::from(!ok);
                f
            })
            .collect();
        StreamClock {
            ranges,
            fits,
            singular,
        }
    }

    /// Whether the samples are split between several fits (clock resets).
    pub(crate) fn has_resets(&self) -> bool {
        self.ranges.len() > 1
    }
}

/// Splits a stream's samples between the ranges of a [`StreamClock`] as pyxdf does, one
/// recorded time at a time: range `i`'s samples end at the first sample (from the range's
/// first) that is not closer to the range's last offset time than to the next range's
/// first offset time; the last range takes the rest; a range with no sample is skipped.
#[derive(Debug)]
pub(crate) struct Segmenter<'a> {
    clock: &'a StreamClock,
    times: &'a [f64],
    range: usize,
    segment_start: u64,
    segments: Vec<(u64, ClockFit)>,
}

impl<'a> Segmenter<'a> {
    pub(crate) fn new(clock: &'a StreamClock, times: &'a [f64]) -> Self {
        Segmenter {
            clock,
            times,
            range: 0,
            segment_start: 0,
            segments: Vec::new(),
        }
    }

    /// Places sample `k` (recorded time `t`; samples in order from 0) and returns its fit.
    pub(crate) fn push(&mut self, k: u64, t: f64) -> ClockFit {
        while self.range + 1 < self.clock.ranges.len() {
            let ranges = &self.clock.ranges;
            let (Some(&(_, last)), Some(&(next, _))) =
                (ranges.get(self.range), ranges.get(self.range + 1))
            else {
                break;
            };
            let (Some(end_t), Some(next_t)) = (self.times.get(last), self.times.get(next)) else {
                break;
            };
            if (t - end_t).abs() < (t - next_t).abs() {
                break;
            }
            if k > self.segment_start {
                self.close(k);
            }
            self.range += 1;
        }
        self.current()
    }

    fn current(&self) -> ClockFit {
        self.clock.fits.get(self.range).copied().unwrap_or_default()
    }

    fn close(&mut self, k: u64) {
        self.segments.push((self.segment_start, self.current()));
        self.segment_start = k;
    }

    /// The map for a stream of `frames` samples, all pushed.
    pub(crate) fn finish(mut self, frames: u64) -> ClockMap {
        if frames > self.segment_start || self.segments.is_empty() {
            self.close(frames);
        }
        ClockMap {
            segments: self.segments,
        }
    }
}

/// The fit of one stream's offsets (`times[i]`, `values[i]`), as pyxdf computes it.
/// Returns the fit and whether the offsets could be used (false: singular, no correction).
pub(crate) fn fit(times: &[f64], values: &[f64]) -> (ClockFit, bool) {
    match (times, values) {
        ([], _) | (_, []) => (ClockFit::default(), true),
        ([_], [v, ..]) => (
            ClockFit {
                intercept: *v,
                slope: 0.0,
            },
            true,
        ),
        _ => match robust_fit(times, values) {
            Some((c0, c1)) => (
                ClockFit {
                    intercept: c0 * WINSOR,
                    slope: c1,
                },
                true,
            ),
            None => (ClockFit::default(), false),
        },
    }
}

/// pyxdf's `_robust_fit(A, y)` with `A = [1, t / w]`, `y = v / w`: minimizes the Huber
/// loss of `A x - y` by ADMM (rho = 1). `None` when `AᵀA` is not positive definite.
fn robust_fit(times: &[f64], values: &[f64]) -> Option<(f64, f64)> {
    let n = times.len().min(values.len());
    let a1: Vec<f64> = times.iter().take(n).map(|t| t / WINSOR).collect();
    let y: Vec<f64> = values.iter().take(n).map(|v| v / WINSOR).collect();
    let offset = a1.iter().copied().fold(f64::INFINITY, f64::min);
    let a1: Vec<f64> = a1.iter().map(|a| a - offset).collect();
    // Aᵀy and AᵀA.
    let aty = (y.iter().sum::<f64>(), dot(&a1, &y));
    let m00 = n as f64;
    let m01 = a1.iter().sum::<f64>();
    let m11 = dot(&a1, &a1);
    // Cholesky: L = [[l00, 0], [l10, l11]] (n >= 2, so m00 > 0).
    let l00 = m00.sqrt();
    let l10 = m01 / l00;
    let rest = m11 - l10 * l10;
    if rest.is_nan() || rest <= 0.0 || rest.is_infinite() {
        return None;
    }
    let l11 = rest.sqrt();
    let rho = 1.0f64;
    let mut z = vec![0.0; n];
    let mut u = vec![0.0; n];
    let mut d = vec![0.0; n];
    let mut x = (0.0, 0.0);
    for _ in 0..ITERATIONS {
        // r = Aᵀy + Aᵀ(z - u)
        let (r0, r1) = z
            .iter()
            .zip(&u)
            .zip(&a1)
            .fold((0.0, 0.0), |(r0, r1), ((z, u), a)| {
                let w = z - u;
                (r0 + w, r1 + a * w)
            });
        let r = (aty.0 + r0, aty.1 + r1);
        // Forward then back substitution: L q = r, Lᵀ x = q.
        let q0 = r.0 / l00;
        let q1 = (r.1 - l10 * q0) / l11;
        let x1 = q1 / l11;
        let x0 = (q0 - l10 * x1) / l00;
        x = (x0, x1);
        for (((di, a), yi), ui) in d.iter_mut().zip(&a1).zip(&y).zip(&u) {
            *di = (x0 + a * x1) - yi + ui;
        }
        for ((zi, ui), di) in z.iter_mut().zip(u.iter_mut()).zip(&d) {
            let d_inv = if *di != 0.0 { 1.0 / di } else { 0.0 };
            let tmp = (1.0 - (1.0 + 1.0 / rho) * d_inv.abs()).max(0.0);
            *zi = rho / (1.0 + rho) * di + 1.0 / (1.0 + rho) * tmp * di;
            *ui = di - *zi;
        }
    }
    let x0 = x.0 - x.1 * offset;
    (x0.is_finite() && x.1.is_finite()).then_some((x0, x.1))
}

/// pyxdf's `_detect_corrupted_clock_offset`: whether the last offset is anomalous (its
/// interval more than 10 times the median interval, or its value more than 10 robust
/// standard deviations from the median), the sign of the pylsl#67 / liblsl#246 bug.
pub(crate) fn last_offset_is_corrupted(times: &[f64], values: &[f64]) -> bool {
    let n = times.len().min(values.len());
    if n < 3 {
        return false;
    }
    let intervals: Vec<f64> = times[..n].windows(2).map(|w| w[1] - w[0]).collect();
    let (last_interval, earlier) = match intervals.split_last() {
        Some((l, e)) => (l.abs(), e),
        None => return false,
    };
    let median_interval = median(earlier);
    let time_ratio = if median_interval > 0.0 {
        last_interval / median_interval
    } else if last_interval > 0.0 {
        f64::INFINITY
    } else {
        1.0
    };
    let (last_value, earlier) = match values[..n].split_last() {
        Some((l, e)) => (*l, e),
        None => return false,
    };
    let median_value = median(earlier);
    let deviations: Vec<f64> = earlier.iter().map(|v| (v - median_value).abs()).collect();
    let mad = median(&deviations);
    let z = if mad > f64::EPSILON {
        (last_value - median_value).abs() / (1.4826 * mad)
    } else {
        0.0
    };
    time_ratio > 10.0 || z > 10.0
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// pyxdf's `_detect_clock_resets` with its default thresholds: the inclusive ranges of
/// offset indices between detected clock resets (one range when there is none).
pub(crate) fn reset_ranges(times: &[f64], values: &[f64]) -> Vec<(usize, usize)> {
    let n = times.len().min(values.len());
    if n < 2 {
        return vec![(0, n.saturating_sub(1))];
    }
    let time_diff: Vec<f64> = times.windows(2).map(|w| w[1] - w[0]).collect();
    let value_diff: Vec<f64> = values.windows(2).map(|w| w[1] - w[0]).collect();
    let time_glitch = glitches(&time_diff, 5.0, 5.0);
    let value_glitch = glitches(&value_diff, 10.0, 1.0);
    let mut ranges = Vec::new();
    let mut start = 0;
    let flags = time_diff.iter().zip(&time_glitch).zip(&value_glitch);
    for (i, ((dt, tg), vg)) in flags.enumerate() {
        if *dt < 0.0 || (*tg && *vg) {
            ranges.push((start, i));
            start = i + 1;
        }
    }
    ranges.push((start, n - 1));
    ranges
}

/// pyxdf's `_segment_clock_diff`.
fn glitches(diff: &[f64], thresh_stds: f64, thresh_secs: f64) -> Vec<bool> {
    let med = median(diff);
    let shift: Vec<f64> = diff.iter().map(|d| d - med).collect();
    let abs: Vec<f64> = shift.iter().map(|s| s.abs()).collect();
    let mad = median(&abs) + f64::EPSILON;
    shift
        .iter()
        .map(|s| (s / mad).abs() > thresh_stds && s.abs() > thresh_secs)
        .collect()
}

fn median(values: &[f64]) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    match v.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_lines_are_recovered() {
        let times: Vec<f64> = (0..8).map(|k| 1000.0 + 5.0 * k as f64).collect();
        let values: Vec<f64> = times.iter().map(|t| 2.5 + 1e-5 * t).collect();
        let (f, ok) = fit(&times, &values);
        assert!(ok);
        assert!((f.slope - 1e-5).abs() < 1e-12, "{f:?}");
        assert!((f.intercept - 2.5).abs() < 1e-9, "{f:?}");
    }

    #[test]
    fn degenerate_offsets() {
        assert_eq!(fit(&[], &[]).0, ClockFit::default());
        assert_eq!(fit(&[3.0], &[0.5]).0.apply(1.0), 1.5);
        let (f, ok) = fit(&[3.0, 3.0], &[0.5, 0.6]);
        assert!(!ok);
        assert_eq!(f, ClockFit::default());
    }

    #[test]
    fn resets_split_the_ranges() {
        let times = [0.0, 5.0, 10.0, 15.0, 2.0, 7.0, 12.0];
        let values = [1.0; 7];
        assert_eq!(reset_ranges(&times, &values), [(0, 3), (4, 6)]);
        assert_eq!(reset_ranges(&times[..4], &values[..4]), [(0, 3)]);
    }
}
