//! Streaming the data file: multiplexed frames in one read, vectorized channels with one
//! seek each; at most [`MAX_BLOCK_BYTES`] are buffered whatever the file size.

use crate::header::{BinaryFormat, Header, Orientation};
use player_api::{ReadError, SampleSource};
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

/// The largest read from the file in one call.
const MAX_BLOCK_BYTES: usize = 1 << 20;

/// A cursor over the data file.
#[derive(Debug)]
pub struct BrainVisionSource {
    file: File,
    format: BinaryFormat,
    orientation: Orientation,
    /// Raw-to-physical factor per channel.
    factors: Vec<f64>,
    /// Frames in the stream.
    frames: u64,
    /// Next frame to read.
    pos: u64,
    buf: Vec<u8>,
}

impl BrainVisionSource {
    /// Opens the data file at frame 0.
    pub fn open(path: &Path, header: &Header, frames: u64) -> Result<Self, ReadError> {
        let file = File::open(path).map_err(|e| ReadError::io("opening the data file", e))?;
        Ok(BrainVisionSource {
            file,
            format: header.format,
            orientation: header.orientation,
            factors: header.channels.iter().map(|c| c.factor()).collect(),
            frames,
            pos: 0,
            buf: Vec::new(),
        })
    }

    fn channels(&self) -> usize {
        self.factors.len()
    }

    fn read_at(&mut self, offset: u64, bytes: usize) -> Result<(), ReadError> {
        self.buf.resize(bytes, 0);
        self.file
            .seek(SeekFrom::Start(offset))
            .and_then(|_| self.file.read_exact(&mut self.buf))
            .map_err(|e| ReadError::io("reading samples", e).at_offset(offset))
    }
}

impl SampleSource for BrainVisionSource {
    fn read(&mut self, out: &mut [f64]) -> Result<usize, ReadError> {
        let channels = self.channels();
        let width = self.format.width();
        let frame_bytes = width * channels;
        let max_frames = (MAX_BLOCK_BYTES / frame_bytes).max(1) as u64;
        let n = (out.len() / channels) as u64;
        let n = n.min(self.frames - self.pos).min(max_frames) as usize;
        if n == 0 {
            return Ok(0);
        }
        match self.orientation {
            Orientation::Multiplexed => {
                self.read_at(self.pos * frame_bytes as u64, n * frame_bytes)?;
                for ((value, raw), c) in out
                    .iter_mut()
                    .zip(self.buf.chunks_exact(width))
                    .zip((0..channels).cycle())
                {
                    let factor = self.factors.get(c).copied().unwrap_or(1.0);
                    *value = self.format.decode(raw) * factor;
                }
            }
            Orientation::Vectorized => {
                for c in 0..channels {
                    // Each channel holds `frames` points (DataPoints, else the file's).
                    let offset = (c as u64 * self.frames + self.pos) * width as u64;
                    self.read_at(offset, n * width)?;
                    let factor = self.factors.get(c).copied().unwrap_or(1.0);
                    for (value, raw) in out
                        .iter_mut()
                        .skip(c)
                        .step_by(channels)
                        .zip(self.buf.chunks_exact(width))
                    {
                        *value = self.format.decode(raw) * factor;
                    }
                }
            }
        }
        self.pos += n as u64;
        Ok(n)
    }

    fn seek(&mut self, frame: u64) -> Result<(), ReadError> {
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
