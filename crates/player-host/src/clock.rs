//! The clock of every timestamp: LSL's `local_clock` (seconds, monotonic), the same for
//! every output so that `--output null` runs are timed like real ones. It is read through
//! the liblsl in use ([`crate::liblsl::local_clock`]); every liblsl reads the same monotonic
//! clock.

/// LSL's clock, in seconds.
pub fn local_clock() -> f64 {
    crate::liblsl::local_clock()
}
