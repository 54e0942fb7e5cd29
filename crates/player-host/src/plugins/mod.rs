//! The readers a run can use: built in, loaded from plugin libraries, or given by the
//! program (data held in memory).
//!
//! # Vocabulary
//!
//! * **reader**: a `player_api::ReaderPlugin`, which opens files of one format;
//! * **registry**: the readers of one run, in the order they are tried, and the
//!   libraries that were **refused** with the reason ([`registry`]);
//! * **plugin sources**: where a run's plugin libraries come from (`--plugin-dir`,
//!   `PLAYER_PLUGIN_PATH`, a scenario's `plugins:`), turned into a registry in one place
//!   ([`PluginSources`]);
//! * **trust rule**: who may have written a library before it is loaded (the crate's
//!   `trust` module, shared with the loading of liblsl);
//! * **dynamic reader**: a reader behind the plugin C ABI ([`dynamic`]);
//! * **memory reader**: a reader of one recording held in memory ([`memory`]).

pub(crate) mod dynamic;
pub(crate) mod memory;
pub(crate) mod registry;

pub use memory::{EventValues, MemoryReader, MemoryRecording, MEMORY_READER_ID};
pub use registry::{Origin, Refused, PLUGIN_PATH_ENV};
