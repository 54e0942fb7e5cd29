//! # player-host
//!
//! Replays recordings (FIF, EDF/BDF, GDF, WAV, XDF, EEGLAB, CSV/OpenBCI, and formats added
//! by plugins) as Lab Streaming Layer streams, several at once on one clock, as described
//! by a scenario file.
//!
//! The `player-host` binary is a thin command line over this library ([`cli::cli_main`]);
//! Rust programs can drive a [`Player`] directly (start, poll, stop, wait), much like
//! MNE-LSL's `PlayerLSL`, and replay data held in memory ([`MemoryReader`]).

// The engine's and the command line's module docs link to their private modules (the
// vocabulary at the top of `engine`): read them with `cargo doc --document-private-items`.
#![allow(rustdoc::private_intra_doc_links)]

// The command line (`cli`) is written against the public API as `player_host::...`, as
// the binary and other front ends see it.
extern crate self as player_host;

pub mod cli;
pub mod clock;
pub mod control_socket;
pub mod ctl;
pub mod dynamic;
pub mod engine;
pub mod error;
pub mod keys;
pub mod liblsl;
pub mod lsl;
pub mod lsl_config;
pub mod memory;
pub mod output;
pub mod registry;
pub mod report;
pub mod scenario;
pub mod sockets;
pub mod start_at;
#[cfg(test)]
pub(crate) mod test_steer;
pub mod trust;
mod wake;

pub use engine::control::{PlayState, Refusal, Status, Steer};
pub use engine::{Phase, Player, StopHandle, StreamPlan, StreamStats, Summary};
pub use error::{HostError, Result};
pub use memory::{MemoryReader, MemoryRecording, MEMORY_READER_ID};
pub use output::{Linger, NullOutput, Output, ValueFormat, WireFormat};
pub use registry::{Origin, Refused, Registry, PLUGIN_PATH_ENV};
pub use scenario::{
    AnnotationMode, Repeat, RunSettings, Scenario, StreamEntry, WaitFor, WaitForConsumers,
};
