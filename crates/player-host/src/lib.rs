//! # player-host
//!
//! Replays recordings (FIF, EDF/BDF, WAV, XDF, and formats added by plugins) as Lab
//! Streaming Layer streams, several at once on one clock, as described by a scenario file.
//!
//! The `player-host` binary is a thin command line over this library ([`cli`]); Rust
//! programs build a run with a [`Session`] and drive the [`Player`] it opens (start,
//! steer, stop, wait), much like MNE-LSL's `PlayerLSL`, and replay data held in memory
//! ([`MemoryReader`]).
//!
//! The subsystems, each a folder of `src/` (`ARCHITECTURE.md` draws how they fit):
//! `session` (one way to build a run), `scenario` (what to play), `plugins` (which
//! readers open the files), `engine` (pacing, steering, statistics), `transport` (LSL and
//! its clock), `control` (the control socket and the terminal keys), `cli` (the
//! commands, what they print, their exit status).

// The engine's and the command line's module docs link to their private modules (the
// vocabulary at the top of each subsystem): read them with `cargo doc
// --document-private-items`.
#![allow(rustdoc::private_intra_doc_links)]

pub mod cli;
pub(crate) mod control;
pub(crate) mod engine;
mod error;
pub(crate) mod plugins;
pub(crate) mod scenario;
mod session;
pub(crate) mod transport;

pub use engine::control::{PlayState, Refusal, Status, Steer, SPEED_RANGE};
pub use engine::stats::LATENESS_RELATIVE_ERROR;
pub use engine::steering::Controller;
pub use engine::{Phase, Player, StopHandle, StreamPlan, StreamStats, Summary};
pub use error::{HostError, Result};
pub use plugins::{
    MemoryReader, MemoryRecording, Origin, Refused, MEMORY_READER_ID, PLUGIN_PATH_ENV,
};
pub use scenario::start_at::StartAt;
pub use scenario::{
    AnnotationMode, Repeat, RunSettings, Scenario, StreamEntry, WaitFor, WaitForConsumers,
};
pub use session::{OutputChoice, Session};
pub use transport::clock::local_clock;

/// Where chunks go: the [`Output`](output::Output) trait a program implements to receive
/// every chunk itself (tests, simulations), and the types it sees.
pub mod output {
    pub use crate::transport::lsl::MaxBuffered;
    pub use crate::transport::{
        Census, Linger, NullOutput, Outlet, OutletPlan, OutletSpec, Output, ValueFormat, Values,
        WireFormat,
    };
}
pub use output::{NullOutput, Output, ValueFormat, WireFormat};
