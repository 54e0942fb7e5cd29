//! Parsing helpers shared by the readers: positional reads checked against the file size,
//! numeric decoding of sample buffers, and fixed-width ASCII header fields.

pub mod ascii;
pub mod decode;
pub mod file;

pub use decode::{decode_into, Endian, RawFormat};
pub use file::SourceFile;
