//! The I/O kit of readers, built-in and plugins alike: positional reads checked against
//! the file's size before anything is allocated ([`SourceFile`]), decoding of packed
//! samples in every byte order ([`decode_into`]), and fixed-width ASCII header fields
//! ([`ascii`]).
//!
//! Every error names the file and the byte offset, so readers built on this kit report
//! problems the same way.

pub mod ascii;
mod decode;
mod file;

pub use decode::{decode_into, Endian};
pub use file::{check_regular_file, file_type_words, open_failed, open_files_limit, SourceFile};
