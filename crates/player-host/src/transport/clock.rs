//! The clock of every timestamp: LSL's `local_clock` (seconds, monotonic), the same for
//! every output so that `--output null` runs are timed like real ones. It is read through
//! the liblsl in use ([`crate::transport::liblsl`]); every liblsl reads the same monotonic clock.

/// LSL's clock, in seconds.
pub fn local_clock() -> f64 {
    // SAFETY: a pure function of liblsl without preconditions.
    unsafe { (crate::transport::liblsl::api().lsl_local_clock)() }
}
