//! # player-host
//!
//! Replays recordings (FIF, EDF/BDF, GDF, WAV, XDF, EEGLAB, CSV/OpenBCI, and formats added
//! by plugins) as Lab Streaming Layer streams, several at once on one clock, as described
//! by a scenario file.
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
//! commands, what they print, their exit status); and two small modules they share:
//! `trust` (which libraries may be loaded: plugins and liblsl) and `files` (opening what a
//! user names without blocking on a FIFO).

// The engine's and the command line's module docs link to their private modules (the
// vocabulary at the top of each subsystem): read them with `cargo doc
// --document-private-items`.
#![allow(rustdoc::private_intra_doc_links)]

pub mod cli;
pub(crate) mod control;
pub(crate) mod engine;
mod error;
pub(crate) mod files;
pub(crate) mod plugins;
pub(crate) mod scenario;
mod session;
pub(crate) mod transport;
pub(crate) mod trust;

pub use engine::control::{PlayState, Refusal, Status, Steer, SEEK_LIMIT, SPEED_RANGE};
pub use engine::stats::LATENESS_RELATIVE_ERROR;
pub use engine::steering::Controller;
pub use engine::{Phase, Player, StopCause, StopHandle, StreamPlan, StreamStats, Summary};
pub use error::{HostError, Result};
pub use plugins::{
    EventValues, MemoryReader, MemoryRecording, Origin, Refused, MEMORY_READER_ID, PLUGIN_PATH_ENV,
};
pub use scenario::bids::BidsSelection;
pub use scenario::start_at::StartAt;
pub use scenario::{
    AnnotationMode, Repeat, RunSettings, Scenario, StreamEntry, WaitFor, WaitForConsumers,
};
pub use session::{OutputChoice, Session};

/// Fault injection (docs/faults.md): what a scenario's `faults:` says, and what a run
/// injected ([`Summary::faults`]).
pub mod faults {
    pub use crate::engine::faults::{FaultKind, FaultRecord};
    pub use crate::scenario::faults::{
        parse_faults, ChannelFault, ChannelFaultKind, ClockJump, DropFault, DuplicateFault, Faults,
        StallFault, Window, MAX_DRIFT_PPM, MAX_JITTER_MS,
    };
}
pub use transport::clock::local_clock;
pub use transport::liblsl::{describe as describe_liblsl, provide as provide_liblsl};

/// Where chunks go: the [`Output`] trait a program implements to receive
/// every chunk itself (tests, simulations), and the types it sees.
pub mod output {
    pub use crate::transport::{
        Census, Linger, NullOutput, Outlet, OutletPlan, OutletSpec, Output, ValueFormat, Values,
        WireFormat,
    };
}
pub use output::{NullOutput, Output, ValueFormat, WireFormat};
