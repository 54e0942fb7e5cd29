//! Reading sample data: a cursor over one stream.

use crate::{Block, ReadError};

/// A cursor over the frames of one stream.
///
/// One call reads: [`read`](SampleSource::read) appends frames to a [`Block`] made for
/// the stream's [`StreamKind`](crate::StreamKind), declared once in its
/// [`StreamInfo`](crate::StreamInfo):
///
/// * `Regular`: values only; frame `k`'s time is `k / nominal_rate`;
/// * `Stamped`: values, and each frame's time;
/// * `Text`: strings, and each frame's time.
///
/// Values are **physical** (volts, tesla, audio in [-1, 1), ...), interleaved; times are
/// seconds from the recording's first sample and never decrease.
///
/// Sources stream from the file: they keep at most a bounded buffer (typically one record
/// or block), whatever the file size. A host reads from a worker thread, so a source may
/// block on I/O; it must never block forever.
pub trait SampleSource: Send {
    /// Appends up to [`block.room()`](Block::room) frames from the current position and
    /// advances past them. Appending nothing (while the block has room) means the end of
    /// the stream; a short read does not: hosts call again until nothing comes.
    fn read(&mut self, block: &mut Block) -> Result<(), ReadError>;

    /// Moves the cursor so that the next read starts at `frame` (0-based). Seeking to the
    /// length of the stream is allowed (the next read appends nothing); beyond it is an
    /// [`InvalidArgument`](crate::ReadErrorKind::InvalidArgument) error.
    fn seek(&mut self, frame: u64) -> Result<(), ReadError>;
}
