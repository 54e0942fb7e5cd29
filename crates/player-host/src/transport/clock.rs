//! The clock of every timestamp: LSL's `local_clock` (seconds, monotonic), the same for
//! every output so that `--output null` runs are timed like real ones. It is read through
//! the liblsl in use ([`super::liblsl`]); every liblsl reads the same monotonic clock.

/// LSL's clock (`lsl_local_clock`), in seconds: from the liblsl in use, else the bundled
/// one's, else (a build without it, and no liblsl found) the same monotonic clock read
/// directly, so that runs that publish nothing (`--output null`) keep time without
/// liblsl.
pub fn local_clock() -> f64 {
    match super::liblsl::get() {
        // SAFETY: a pure function of liblsl without preconditions.
        Ok(l) => unsafe { (l.api.lsl_local_clock)() },
        Err(_) => fallback_clock(),
    }
}

/// The bundled liblsl's clock.
#[cfg(feature = "bundled-liblsl")]
fn fallback_clock() -> f64 {
    // SAFETY: a pure function of liblsl without preconditions.
    unsafe { crate::transport::liblsl::sys::lsl_local_clock() }
}

/// Without a liblsl: the clock liblsl reads.
#[cfg(all(not(feature = "bundled-liblsl"), unix))]
fn fallback_clock() -> f64 {
    monotonic_clock()
}

/// liblsl's clock is C++'s `steady_clock`: `CLOCK_MONOTONIC` with libstdc++ and libc++
/// on Linux; read here the same way (a test compares the two).
#[cfg(all(any(not(feature = "bundled-liblsl"), test), unix))]
fn monotonic_clock() -> f64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes one timespec into the struct we pass.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    ts.tv_sec as f64 + ts.tv_nsec as f64 * 1e-9
}

/// Elsewhere: a monotonic clock of this process (only runs that publish nothing use it).
#[cfg(all(not(feature = "bundled-liblsl"), not(unix)))]
fn fallback_clock() -> f64 {
    static START: OnceLock<std::time::Instant> = OnceLock::new();
    START
        .get_or_init(std::time::Instant::now)
        .elapsed()
        .as_secs_f64()
}

#[cfg(all(test, feature = "bundled-liblsl", unix))]
mod tests {
    use super::*;

    /// The clock a build without liblsl reads is liblsl's (the bundled 1.13's here).
    #[test]
    fn the_monotonic_clock_is_liblsls() {
        // SAFETY: liblsl's clock has no preconditions.
        let (before, ours, after) = unsafe {
            let before = crate::transport::liblsl::sys::lsl_local_clock();
            let ours = monotonic_clock();
            (
                before,
                ours,
                crate::transport::liblsl::sys::lsl_local_clock(),
            )
        };
        assert!(before <= ours && ours <= after, "{before} {ours} {after}");
    }
}
