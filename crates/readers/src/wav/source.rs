//! Streaming the data chunk: a cursor that reads only the frames asked for, through a
//! bounded buffer, and scales them to [-1, 1).

use super::fmt::WavFormat;
use super::riff::WavLayout;
use player_api::io::{decode_into, Endian, SourceFile};
use player_api::SampleFormat;
use player_api::{FrameSource, ReadError};

/// At most this many bytes of sample data are held in memory by one cursor.
const MAX_BUFFER_BYTES: usize = 64 * 1024;

/// How stored values become physical values: `(x - offset) * factor`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Scaling {
    offset: f64,
    factor: f64,
}

impl Scaling {
    /// Signed n-bit integers: `x / 2^(n-1)` with n the container's bits (valid bits are
    /// left-justified, so the container's full scale is the right one); unsigned 8-bit:
    /// `(x - 128) / 128`; floats as stored.
    pub(crate) fn for_format(raw: SampleFormat) -> Self {
        let (offset, factor) = match raw {
            SampleFormat::UInt8 => (128.0, 1.0 / 128.0),
            SampleFormat::Int16 => (0.0, 1.0 / 32_768.0),
            SampleFormat::Int24 => (0.0, 1.0 / 8_388_608.0),
            SampleFormat::Int32 => (0.0, 1.0 / 2_147_483_648.0),
            // Floats as stored (other formats are not WAV containers: fmt parsing never
            // yields them).
            _ => (0.0, 1.0),
        };
        Scaling { offset, factor }
    }

    /// Scales `values` in place (exactly: the factors are powers of two).
    fn apply(self, values: &mut [f64]) {
        if self.offset == 0.0 && self.factor == 1.0 {
            return;
        }
        for v in values {
            *v = (*v - self.offset) * self.factor;
        }
    }
}

/// What a cursor needs to know about the data chunk.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct DataLayout {
    data_offset: u64,
    frames: u64,
    block_align: usize,
    channels: usize,
    raw: SampleFormat,
    endian: Endian,
    scaling: Scaling,
}

impl DataLayout {
    /// The data layout of a checked file.
    pub(crate) fn new(layout: &WavLayout) -> Self {
        let format: &WavFormat = &layout.format;
        DataLayout {
            data_offset: layout.data_offset,
            frames: layout.frames(),
            block_align: usize::from(format.block_align).max(1),
            channels: usize::from(format.channels).max(1),
            raw: format.raw,
            endian: format.endian,
            scaling: Scaling::for_format(format.raw),
        }
    }

    /// Frames held in one full buffer (at least 1).
    fn frames_per_buffer(&self) -> usize {
        (MAX_BUFFER_BYTES / self.block_align).max(1)
    }
}

/// An independent cursor over the frames of a WAV file's data chunk, delivering
/// interleaved `f64` samples in [-1, 1) (floats as stored). It holds its own file handle
/// and at most a 64 KiB buffer (or one frame, when a frame is larger).
#[derive(Debug)]
pub struct WavSource {
    file: SourceFile,
    layout: DataLayout,
    position: u64,
    bytes: Vec<u8>,
}

impl WavSource {
    /// A cursor at frame 0 reading `file` as described by `layout`.
    pub(crate) fn new(file: SourceFile, layout: DataLayout) -> Self {
        WavSource {
            file,
            layout,
            position: 0,
            bytes: Vec::new(),
        }
    }

    /// Frames left after the cursor.
    fn remaining(&self) -> u64 {
        self.layout.frames.saturating_sub(self.position)
    }

    /// Reads `frames` frames at the cursor into the start of `out` (which holds at least
    /// that many) and advances the cursor.
    fn read_block(&mut self, frames: usize, out: &mut [f64]) -> Result<(), ReadError> {
        let len = frames * self.layout.block_align;
        let offset = self
            .position
            .checked_mul(self.layout.block_align as u64)
            .and_then(|o| o.checked_add(self.layout.data_offset))
            .ok_or_else(|| {
                self.file
                    .malformed(self.layout.data_offset, "data offset overflows")
            })?;
        self.bytes.resize(len, 0);
        self.file
            .read_exact_at(offset, &mut self.bytes, "the data chunk")?;
        let decoded = decode_into(&self.bytes, self.layout.raw, self.layout.endian, out);
        self.layout
            .scaling
            .apply(out.get_mut(..decoded).unwrap_or_default());
        self.position += frames as u64;
        Ok(())
    }
}

impl FrameSource for WavSource {
    fn fill(&mut self, out: &mut [f64]) -> Result<usize, ReadError> {
        let channels = self.layout.channels;
        if self.remaining() == 0 || out.len() < channels {
            return Ok(0);
        }
        let mut total = 0;
        let per_block = self.layout.frames_per_buffer() * channels;
        for dst in out.chunks_mut(per_block) {
            let frames = usize::try_from(self.remaining())
                .unwrap_or(usize::MAX)
                .min(dst.len() / channels);
            if frames == 0 {
                break;
            }
            self.read_block(frames, dst)?;
            total += frames;
        }
        Ok(total)
    }

    fn seek_frame(&mut self, frame: u64) -> Result<(), ReadError> {
        if frame > self.layout.frames {
            return Err(ReadError::invalid_argument(format!(
                "cannot seek to frame {frame}: the stream has {} frames",
                self.layout.frames
            ))
            .in_file(self.file.path()));
        }
        self.position = frame;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scaling_matches_the_convention() {
        let mut v = [0.0, 255.0, 128.0];
        Scaling::for_format(SampleFormat::UInt8).apply(&mut v);
        assert_eq!(v, [-1.0, 127.0 / 128.0, 0.0]);
        let mut v = [-32768.0, 32767.0];
        Scaling::for_format(SampleFormat::Int16).apply(&mut v);
        assert_eq!(v, [-1.0, 32767.0 / 32768.0]);
        let mut v = [-8_388_608.0, 16.0];
        Scaling::for_format(SampleFormat::Int24).apply(&mut v);
        assert_eq!(v, [-1.0, 16.0 / 8_388_608.0]);
        let mut v = [1.5, -0.0];
        Scaling::for_format(SampleFormat::Float64).apply(&mut v);
        assert_eq!(v, [1.5, -0.0]);
    }
}
