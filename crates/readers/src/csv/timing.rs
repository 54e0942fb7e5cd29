//! The rate of a table from its time column: measured over the whole file, checked for
//! regularity, refused with the measured jitter when the rows are not evenly spaced.
//!
//! * rate = (rows − 1) / (last time − first time); when a whole number of Hz lies within
//!   the uncertainty of that measure (what the first and last times may be off: their
//!   deviation from the grid and their rounding) and within 0.1 %, and fits every time as
//!   well, that whole number (times written with 3 decimals measure 256 Hz as 255.99..);
//! * the allowed deviation is 10 % of a sample period, or the times' own resolution (the
//!   last decimal written) when that is coarser;
//! * two checks: every step between consecutive times is the period within twice the
//!   allowed deviation (a step is the difference of two times), and every
//!   [`INDEX_STEP`](super::scan::INDEX_STEP)th time, and the last, lies on one grid
//!   `offset + k / rate` (the offset that fits them best) within the allowed deviation
//!   (no drift).

use super::scan::{TimeStats, INDEX_STEP};
use player_api::quote;

/// The share of a sample period a time may deviate by.
const TOLERANCE: f64 = 0.1;

/// The rate, and the facts kept as metadata.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Measured {
    pub rate: f64,
    /// The rate as measured, before rounding to a whole number of Hz.
    pub measured: f64,
    /// The largest deviation of a step from the period, in seconds.
    pub jitter: f64,
}

fn ms(seconds: f64) -> String {
    format!("{:.3} ms", seconds * 1e3)
}

/// How far the times stray from the grid of `rate` whose phase fits them best: half the
/// spread of `t − k / rate` over the checkpoint times and the last time.
fn drift(stats: &TimeStats, rows: u64, rate: f64) -> f64 {
    let residual = |row: u64, t: f64| t - stats.first - row as f64 / rate;
    let last = residual(rows - 1, stats.last);
    let (lo, hi) = stats
        .checkpoints
        .iter()
        .enumerate()
        .map(|(j, &t)| residual(j as u64 * INDEX_STEP, t))
        .fold((last, last), |(lo, hi), r| (lo.min(r), hi.max(r)));
    (hi - lo) / 2.0
}

/// The rate of `rows` rows whose times are summed up in `stats` (column `name`).
pub(crate) fn rate_from_times(
    stats: &TimeStats,
    rows: u64,
    name: &str,
) -> Result<Measured, String> {
    let way_out =
        "give the rate with reader_options {rate: HZ} to play the rows as a regular stream";
    if rows < 2 {
        return Err(format!(
            "the time column {} has one row: it cannot give a rate; {way_out}",
            quote(name)
        ));
    }
    let span = stats.last - stats.first;
    let period = span / (rows - 1) as f64;
    let measured = 1.0 / period;
    if !(measured.is_finite() && measured > 0.0) {
        return Err(format!(
            "the time column {} gives no usable rate ({measured} Hz); {way_out}",
            quote(name)
        ));
    }
    let resolution = stats
        .decimals
        .map_or(0.0, |d| 10f64.powi(-(d.min(300) as i32)));
    let allowed = (TOLERANCE * period).max(resolution);
    let jitter = (stats.max_step - period)
        .max(period - stats.min_step)
        .max(0.0);
    // A step is the difference of two times: twice what one time may deviate.
    if jitter > 2.0 * allowed {
        return Err(format!(
            "the time column {} is not regular: consecutive times differ by {} to {} where {:.6} Hz has {}, a jitter of {}, more than the {} allowed (twice 10 % of a sample period, or of the times' rounding); {way_out}",
            quote(name),
            ms(stats.min_step),
            ms(stats.max_step),
            measured,
            ms(period),
            ms(jitter),
            ms(2.0 * allowed)
        ));
    }
    // The measured rate is uncertain by what the first and last times may be off.
    let uncertainty =
        measured * measured * (2.0 * drift(stats, rows, measured) + resolution) / span;
    let whole = measured.round();
    let rate = if whole >= 1.0
        && (measured - whole).abs() <= uncertainty.min(1e-3 * whole)
        && drift(stats, rows, whole) <= allowed
    {
        whole
    } else {
        measured
    };
    let off = drift(stats, rows, rate);
    if off > allowed {
        return Err(format!(
            "the time column {} drifts from a regular {:.6} Hz grid by up to {}, more than the {} allowed; {way_out}",
            quote(name),
            rate,
            ms(off),
            ms(allowed)
        ));
    }
    Ok(Measured {
        rate,
        measured,
        jitter,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stats(times: &[f64], decimals: Option<u32>) -> TimeStats {
        let steps: Vec<f64> = times.windows(2).map(|w| w[1] - w[0]).collect();
        TimeStats {
            first: times[0],
            last: *times.last().unwrap_or(&0.0),
            min_step: steps.iter().copied().fold(f64::INFINITY, f64::min),
            max_step: steps.iter().copied().fold(f64::NEG_INFINITY, f64::max),
            decimals,
            checkpoints: times.iter().step_by(INDEX_STEP as usize).copied().collect(),
        }
    }

    #[test]
    fn rounded_times_give_the_whole_rate() {
        // 256 Hz written with 3 decimals: steps of 3 or 4 ms.
        let times: Vec<f64> = (0..5000)
            .map(|k| (k as f64 / 256.0 * 1e3).round() / 1e3)
            .collect();
        let m = rate_from_times(&stats(&times, Some(3)), 5000, "t").expect("regular");
        assert_eq!(m.rate, 256.0);
        assert!((m.measured - 256.0).abs() < 0.01);
    }

    #[test]
    fn a_dropped_sample_is_refused_with_the_jitter() {
        let mut times: Vec<f64> = (0..1000).map(|k| k as f64 / 100.0).collect();
        times.remove(500);
        let err = rate_from_times(&stats(&times, None), 999, "t").expect_err("refused");
        assert!(
            err.contains("not regular") && err.contains("jitter"),
            "{err}"
        );
    }

    #[test]
    fn drift_is_refused() {
        // 2000 rows at 100 Hz then 2000 at 101 Hz: every step is within 1 %.
        let mut times = Vec::new();
        let mut t = 0.0;
        for k in 0..4000 {
            times.push(t);
            t += if k < 2000 { 0.01 } else { 1.0 / 101.0 };
        }
        let err = rate_from_times(&stats(&times, None), 4000, "t").expect_err("refused");
        assert!(err.contains("drifts"), "{err}");
    }

    #[test]
    fn fractional_rates_stay_fractional() {
        let times: Vec<f64> = (0..300).map(|k| k as f64 / 600.615).collect();
        let m = rate_from_times(&stats(&times, None), 300, "t").expect("regular");
        assert!((m.rate - 600.615).abs() < 1e-6, "{}", m.rate);
    }
}
