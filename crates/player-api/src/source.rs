//! Reading sample data: a cursor over one stream.

use crate::{Block, ReadError, StreamKind};

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

/// The easy way to write a [`SampleSource`] for a regular stream: fill interleaved frames.
/// Every `FrameSource` is a `SampleSource` (its `read` fills the block's free space and
/// commits what was filled).
///
/// Only for [`StreamKind::Regular`] streams: a `FrameSource` gives no times, so its `read`
/// refuses a block of another kind with a [`Contract`](crate::ReadErrorKind::Contract)
/// error instead of committing frames without their times. A stamped stream's source
/// implements [`SampleSource::read`] and gives each frame's time
/// ([`Block::spare`], [`Block::push_frame`]).
///
/// ```
/// use player_api::{Block, FrameSource, ReadError, SampleSource, StreamKind};
/// /// Two channels, 5 frames: frame k holds (k, -k).
/// struct Ramp(u64);
/// impl FrameSource for Ramp {
///     fn fill(&mut self, out: &mut [f64]) -> Result<usize, ReadError> {
///         let mut n = 0;
///         for frame in out.chunks_exact_mut(2).take((5 - self.0) as usize) {
///             frame.copy_from_slice(&[self.0 as f64, -(self.0 as f64)]);
///             self.0 += 1;
///             n += 1;
///         }
///         Ok(n)
///     }
///     fn seek_frame(&mut self, frame: u64) -> Result<(), ReadError> {
///         self.0 = frame;
///         Ok(())
///     }
/// }
/// let mut block = Block::new(StreamKind::Regular, 2, 8);
/// Ramp(3).read(&mut block).unwrap();
/// assert_eq!(block.values(), &[3.0, -3.0, 4.0, -4.0]);
/// ```
pub trait FrameSource: Send {
    /// Fills `out` with as many whole frames (physical values, interleaved) as it holds,
    /// from the current position, and advances; returns how many (0 at the end, or when
    /// `out` holds no whole frame).
    fn fill(&mut self, out: &mut [f64]) -> Result<usize, ReadError>;

    /// Moves the cursor to `frame` (see [`SampleSource::seek`]).
    fn seek_frame(&mut self, frame: u64) -> Result<(), ReadError>;
}

impl<T: FrameSource> SampleSource for T {
    fn read(&mut self, block: &mut Block) -> Result<(), ReadError> {
        if block.kind() != StreamKind::Regular {
            return Err(ReadError::contract(format!(
                "a FrameSource reads regular streams only, but was given a block of a {} \
                 stream (its frames need times: implement SampleSource::read instead)",
                block.kind().as_str()
            )));
        }
        let n = self.fill(block.spare().0)?;
        block.commit(n)
    }

    fn seek(&mut self, frame: u64) -> Result<(), ReadError> {
        self.seek_frame(frame)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::ReadErrorKind;

    /// Fills every frame it is given with 7.0, without end.
    struct Sevens;

    impl FrameSource for Sevens {
        fn fill(&mut self, out: &mut [f64]) -> Result<usize, ReadError> {
            out.fill(7.0);
            Ok(out.len())
        }
        fn seek_frame(&mut self, _: u64) -> Result<(), ReadError> {
            Ok(())
        }
    }

    #[test]
    fn a_frame_source_fills_regular_blocks() {
        let mut block = Block::new(StreamKind::Regular, 1, 3);
        Sevens.read(&mut block).unwrap();
        assert_eq!(block.values(), [7.0; 3]);
    }

    /// Stamped and text blocks need each frame's time, which a `FrameSource` does not
    /// give: refused, with nothing committed (no frame at a zeroed time).
    #[test]
    fn a_frame_source_refuses_blocks_that_are_not_regular() {
        for kind in [StreamKind::Stamped, StreamKind::Text] {
            let mut block = Block::new(kind, 1, 3);
            let e = Sevens.read(&mut block).unwrap_err();
            assert_eq!(e.kind(), ReadErrorKind::Contract);
            assert_eq!(
                e.to_string(),
                format!(
                    "a FrameSource reads regular streams only, but was given a block of a {} \
                     stream (its frames need times: implement SampleSource::read instead)",
                    kind.as_str()
                )
            );
            assert!(block.is_empty(), "{kind:?}: nothing committed");
        }
    }
}
