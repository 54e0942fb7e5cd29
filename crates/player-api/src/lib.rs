//! # player-api: the reader-plugin contract of `player`
//!
//! `player` replays recordings (FIF, EDF/BDF, WAV, and any format a plugin adds) as Lab
//! Streaming Layer streams. This crate is everything a reader needs and nothing more: it has
//! no LSL, no threads and no I/O policy of its own.
//!
//! A reader is a type implementing [`ReaderPlugin`]:
//!
//! * [`ReaderPlugin::probe`] looks at a file's path and first bytes ([`Probe`]) and says how
//!   sure it is that it can read it ([`Confidence`]); magic numbers beat extensions.
//! * [`ReaderPlugin::open`] returns a [`Recording`]: its [`RecordingInfo`] lists one or more
//!   [`StreamInfo`]s (a multi-rate EDF file has one per rate, an XDF file many) and the
//!   [`Annotation`]s; [`Recording::open_stream`] gives an independent [`SampleSource`] cursor
//!   per stream that reads interleaved frames **in physical units** and can
//!   [`seek`](SampleSource::seek).
//! * Every failure is a [`ReadError`] that names the file, where in it, and what was wrong.
//!
//! Built-in readers register themselves with [`inventory`]:
//!
//! ```
//! use player_api::{Confidence, OpenOptions, Probe, ReadError, ReaderPlugin, Recording};
//! use std::path::Path;
//!
//! /// Reads `.xyz` files.
//! struct XyzReader;
//!
//! impl ReaderPlugin for XyzReader {
//!     fn id(&self) -> &str { "xyz" }
//!     fn description(&self) -> &str { "XYZ recordings" }
//!     fn version(&self) -> &str { env!("CARGO_PKG_VERSION") }
//!     fn extensions(&self) -> &[&str] { &["xyz"] }
//!     fn probe(&self, probe: &Probe<'_>) -> Option<Confidence> {
//!         if probe.header.starts_with(b"XYZ1") {
//!             Some(Confidence::Magic)
//!         } else {
//!             probe.extension_in(self.extensions())
//!         }
//!     }
//!     fn open(&self, path: &Path, _: &OpenOptions) -> Result<Box<dyn Recording>, ReadError> {
//!         Err(ReadError::unsupported("this example reads nothing").in_file(path))
//!     }
//! }
//!
//! player_api::inventory::submit! { player_api::Registration::new(&XyzReader) }
//! ```
//!
//! A third party shipping a reader as a dynamic library implements the same trait and ends
//! its `cdylib` crate with [`export_plugin!`]`(MyReader)`; the C ABI that carries it across
//! the library boundary ([`abi`]) is versioned separately from this crate's Rust API
//! ([`abi::ABI_VERSION`]). The author's guide is `plugins/README.md` in the repository.

#![warn(missing_docs)]

pub mod abi;
mod error;
mod info;
mod plugin;
mod quote;
mod source;

pub use error::{ReadError, ReadErrorKind};
pub use info::{
    Annotation, ChannelInfo, Metadata, RecordingInfo, SampleFormat, StreamInfo, DESC_XML,
    IRREGULAR_RATE,
};
pub use plugin::{
    registered_readers, Confidence, OpenOptions, Probe, ReaderPlugin, Recording, Registration,
    PROBE_HEADER_LEN,
};
pub use quote::{quote, QUOTE_MAX_CHARS};
pub use source::SampleSource;

/// Re-exported so that readers register with `player_api::inventory::submit!` without
/// depending on `inventory` themselves (and always on the same version as the host).
pub use inventory;
