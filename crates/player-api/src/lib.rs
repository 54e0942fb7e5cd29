//! # player-api: the reader-plugin contract of `player`
//!
//! `player` replays recordings (FIF, EDF/BDF, WAV, and any format a plugin adds) as Lab
//! Streaming Layer streams. This crate is everything a reader needs and nothing more: it has
//! no LSL, no threads and no I/O policy of its own.
//!
//! A reader is a type implementing [`ReaderPlugin`]:
//!
//! * [`ReaderPlugin::info`] is its one static description ([`ReaderInfo`]: id,
//!   description, version, extensions, content [`Signature`]s);
//! * [`ReaderPlugin::probe`] looks at a file's path and first bytes ([`Probe`]) and says how
//!   sure it is that it can read it ([`Confidence`]); by default, signatures beat
//!   extensions;
//! * [`ReaderPlugin::open`] returns a [`Recording`]: its [`RecordingInfo`] lists one or more
//!   [`StreamInfo`]s (a multi-rate EDF file has one per rate, an XDF file many) and the
//!   [`Annotation`]s; [`Recording::open_stream`] gives an independent [`SampleSource`] cursor
//!   per stream;
//! * one [`SampleSource::read`] fills a [`Block`]: values **in physical units**, each
//!   frame's time when the stream is stamped, strings when it is text, as the stream's
//!   [`StreamKind`] declares; [`seek`](SampleSource::seek) moves the cursor;
//! * every failure is a [`ReadError`] that names the file, where in it, and what was wrong.
//!
//! Readers share one I/O kit ([`io`]: positional reads bounded by the file size, sample
//! decoding in every byte order, ASCII header fields); hosts open files through
//! [`validate::open_checked`], the one validation of the contract; and
//! `conformance` (feature `conformance`) checks a reader against a file the way a host
//! will use it, in the reader's own tests.
//!
//! Built-in readers register themselves with [`inventory`]:
//!
//! ```
//! use player_api::{OpenOptions, ReadError, ReaderInfo, ReaderPlugin, Recording, Signature};
//! use std::path::Path;
//!
//! /// Reads `.xyz` files.
//! struct XyzReader;
//!
//! static INFO: ReaderInfo = ReaderInfo::new(
//!     "xyz",
//!     "XYZ recordings",
//!     env!("CARGO_PKG_VERSION"),
//!     &["xyz"],
//!     &[Signature::at(0, b"XYZ1")],
//! );
//!
//! impl ReaderPlugin for XyzReader {
//!     fn info(&self) -> &ReaderInfo {
//!         &INFO
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
mod block;
pub mod calendar;
#[cfg(feature = "conformance")]
pub mod conformance;
mod error;
mod info;
pub mod io;
mod plugin;
mod quote;
mod source;
pub mod validate;

pub use block::Block;
pub use error::{ReadError, ReadErrorKind};
pub use info::{
    Annotation, ChannelInfo, Metadata, RecordingInfo, SampleFormat, StreamInfo, StreamKind,
    DESC_XML, IRREGULAR_RATE,
};
pub use plugin::{
    registered_readers, Confidence, OpenOptions, Probe, ReaderInfo, ReaderPlugin, Recording,
    Registration, Signature, PROBE_HEADER_LEN,
};
pub use quote::{escape, quote, QUOTE_MAX_CHARS};
pub use source::{FrameSource, SampleSource};

/// Re-exported so that readers register with `player_api::inventory::submit!` without
/// depending on `inventory` themselves (and always on the same version as the host).
pub use inventory;
