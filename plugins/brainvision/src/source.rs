//! Streaming the data file: multiplexed frames in one read, vectorized channels with one
//! read each; at most [`MAX_BLOCK_BYTES`] are buffered whatever the file size. Reads go
//! through `player_api::io` (positional reads checked against the file's size, decoding).

use crate::header::{Header, Orientation};
use player_api::io::{decode_into, Endian, SourceFile};
use player_api::{FrameSource, ReadError, SampleFormat};
use std::path::Path;

/// The largest read from the file in one call.
const MAX_BLOCK_BYTES: usize = 1 << 20;

/// A cursor over the data file.
#[derive(Debug)]
pub struct BrainVisionSource {
    file: SourceFile,
    format: SampleFormat,
    orientation: Orientation,
    /// Raw-to-physical factor per channel.
    factors: Vec<f64>,
    /// Frames in the stream.
    frames: u64,
    /// Next frame to read.
    pos: u64,
    bytes: Vec<u8>,
    /// One channel's decoded values (vectorized files).
    column: Vec<f64>,
}

impl BrainVisionSource {
    /// Opens the data file at frame 0.
    pub fn open(path: &Path, header: &Header, frames: u64) -> Result<Self, ReadError> {
        Ok(BrainVisionSource {
            file: SourceFile::open(path)?,
            format: header.format,
            orientation: header.orientation,
            factors: header.channels.iter().map(|c| c.factor()).collect(),
            frames,
            pos: 0,
            bytes: Vec::new(),
            column: Vec::new(),
        })
    }

    fn channels(&self) -> usize {
        self.factors.len()
    }

    /// Reads `len` bytes at `offset` into `self.bytes`.
    fn read_at(&mut self, offset: u64, len: usize) -> Result<(), ReadError> {
        self.bytes.resize(len, 0);
        self.file.read_exact_at(offset, &mut self.bytes, "samples")
    }

    /// Fills `out` with up to `n` frames from the cursor (multiplexed: one read).
    fn fill_multiplexed(&mut self, out: &mut [f64], n: usize) -> Result<(), ReadError> {
        let frame_bytes = (self.format.size() * self.channels()) as u64;
        self.read_at(self.pos * frame_bytes, n * frame_bytes as usize)?;
        let values = &mut out[..n * self.channels()];
        decode_into(&self.bytes, self.format, Endian::Little, values);
        for frame in values.chunks_exact_mut(self.factors.len()) {
            for (v, f) in frame.iter_mut().zip(&self.factors) {
                *v *= f;
            }
        }
        Ok(())
    }

    /// Fills `out` with up to `n` frames from the cursor (vectorized: one read per channel,
    /// each channel holding `frames` points).
    fn fill_vectorized(&mut self, out: &mut [f64], n: usize) -> Result<(), ReadError> {
        let (channels, width) = (self.channels(), self.format.size() as u64);
        for c in 0..channels {
            let offset = (c as u64 * self.frames + self.pos) * width;
            self.read_at(offset, n * width as usize)?;
            self.column.resize(n, 0.0);
            decode_into(&self.bytes, self.format, Endian::Little, &mut self.column);
            let factor = self.factors.get(c).copied().unwrap_or(1.0);
            for (value, raw) in out.iter_mut().skip(c).step_by(channels).zip(&self.column) {
                *value = raw * factor;
            }
        }
        Ok(())
    }
}

impl FrameSource for BrainVisionSource {
    fn fill(&mut self, out: &mut [f64]) -> Result<usize, ReadError> {
        let frame_bytes = self.format.size() * self.channels();
        let max_frames = (MAX_BLOCK_BYTES / frame_bytes.max(1)).max(1) as u64;
        let n = ((out.len() / self.channels().max(1)) as u64)
            .min(self.frames - self.pos)
            .min(max_frames) as usize;
        if n == 0 {
            return Ok(0);
        }
        match self.orientation {
            Orientation::Multiplexed => self.fill_multiplexed(out, n)?,
            Orientation::Vectorized => self.fill_vectorized(out, n)?,
        }
        self.pos += n as u64;
        Ok(n)
    }

    fn seek_frame(&mut self, frame: u64) -> Result<(), ReadError> {
        if frame > self.frames {
            return Err(ReadError::invalid_argument(format!(
                "seek to frame {frame} past the end ({} frames)",
                self.frames
            )));
        }
        self.pos = frame;
        Ok(())
    }
}
