//! Reading sample data: a cursor over one stream.

use crate::ReadError;

/// A cursor over the frames of one stream, delivering **physical values** (volts, tesla,
/// audio in [-1, 1), ...) as interleaved `f64` frames: frame `k` occupies
/// `out[k * channels .. (k + 1) * channels]`.
///
/// Sources stream from the file: they keep at most a bounded buffer (typically one
/// record or block), whatever the file size. A host reads from a prefetch thread, so a
/// source may block on I/O; it must never block forever.
///
/// Regular numeric streams implement [`read`](SampleSource::read) and
/// [`seek`](SampleSource::seek). Irregular streams (nominal rate 0) also implement
/// [`read_stamped`](SampleSource::read_stamped); text streams implement
/// [`read_text`](SampleSource::read_text) instead of `read`.
pub trait SampleSource: Send {
    /// Reads up to `out.len() / channels` frames from the current position into `out` and
    /// returns how many were read; `0` means the end of the stream. A short read does not
    /// mean the end: hosts call again until `0`.
    fn read(&mut self, out: &mut [f64]) -> Result<usize, ReadError>;

    /// Moves the cursor so that the next read starts at `frame` (0-based). Seeking to the
    /// length of the stream is allowed (the next read returns 0); beyond it is an
    /// [`InvalidArgument`](crate::ReadErrorKind::InvalidArgument) error.
    fn seek(&mut self, frame: u64) -> Result<(), ReadError>;

    /// For stamped streams ([`StreamInfo::stamped`](crate::StreamInfo::stamped)): like
    /// [`read`](SampleSource::read), and also writes each frame's time, in seconds from
    /// the recording's first sample, into `stamps` (one per frame read; reads at most
    /// `min(out.len() / channels, stamps.len())` frames). Times never decrease. Other
    /// streams need not implement it.
    fn read_stamped(&mut self, out: &mut [f64], stamps: &mut [f64]) -> Result<usize, ReadError> {
        let _ = (out, stamps);
        Err(ReadError::unsupported(
            "this stream has no per-sample timestamps",
        ))
    }

    /// For text streams ([`SampleFormat::String`](crate::SampleFormat::String)): reads up to
    /// `stamps.len()` frames, appending `channels` strings per frame to `out` and each
    /// frame's time (seconds from the recording's first sample) to `stamps`; returns how
    /// many frames were read, `0` at the end.
    fn read_text(&mut self, out: &mut Vec<String>, stamps: &mut [f64]) -> Result<usize, ReadError> {
        let _ = (out, stamps);
        Err(ReadError::unsupported("this stream has no text samples"))
    }
}
