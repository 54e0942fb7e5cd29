//! The built-in readers of `player` (FIF, EDF/BDF, GDF, WAV, XDF, EEGLAB, CSV/TSV and
//! OpenBCI), one module per format, each registered with `player_api::inventory::submit!`.
//! Adding a format is one new module (declared here) with its `submit!`: nothing else is
//! edited.
//!
//! Readers use the I/O kit of the contract, `player_api::io` (bounded positional reads,
//! decoding in every byte order, ASCII fields), as third-party plugins do.

pub mod csv;
pub mod edf;
pub mod eeglab;
pub mod fif;
pub mod gdf;
pub mod wav;
pub mod xdf;

mod dates;
mod file_read;
mod numbers;
mod units;

/// Forces the linker to keep this crate, so that its `inventory` registrations are seen
/// by a host that otherwise never names anything in it. Call it once at start-up.
pub fn link() {}
