//! The sample source of a FIF recording: reads frames on demand from the indexed data
//! buffers of every part (zeros for skips), scaled by `cal * range` to physical units.

use super::raw::Segment;
use player_api::io::{decode_into, Endian, SourceFile};
use player_api::{FrameSource, ReadError};
use std::path::PathBuf;
use std::sync::Arc;

/// One segment placed on the recording's frame axis.
#[derive(Debug, Clone, Copy)]
pub struct PlacedSegment {
    /// First frame (from the recording's first sample).
    pub start: u64,
    /// The part (file) holding it.
    pub part: usize,
    /// The segment.
    pub segment: Segment,
}

/// What every cursor of a recording shares.
#[derive(Debug)]
pub struct SharedIndex {
    /// The files, in order.
    pub parts: Vec<PathBuf>,
    /// All segments of all parts, in frame order.
    pub segments: Vec<PlacedSegment>,
    /// Per-channel factor to physical units.
    pub scales: Vec<f64>,
    /// Total frames.
    pub frames: u64,
}

/// An independent cursor over a FIF recording's single stream.
#[derive(Debug)]
pub struct FifSource {
    index: Arc<SharedIndex>,
    files: Vec<Option<SourceFile>>,
    position: u64,
    bytes: Vec<u8>,
}

impl FifSource {
    /// A cursor at frame 0. Files are opened when first read.
    pub fn new(index: Arc<SharedIndex>) -> Self {
        let files = index.parts.iter().map(|_| None).collect();
        FifSource {
            index,
            files,
            position: 0,
            bytes: Vec::new(),
        }
    }

    /// The index of the segment holding `frame` (which must be below the length).
    fn segment_at(&self, frame: u64) -> Option<usize> {
        let segs = &self.index.segments;
        let i = segs.partition_point(|s| s.start <= frame);
        i.checked_sub(1).filter(|&k| {
            segs.get(k)
                .is_some_and(|s| frame < s.start + s.segment.frames)
        })
    }

    fn file(&mut self, part: usize) -> Result<&mut SourceFile, ReadError> {
        let path = self
            .index
            .parts
            .get(part)
            .ok_or_else(|| ReadError::invalid_argument(format!("no part {part}")))?;
        let slot = self
            .files
            .get_mut(part)
            .ok_or_else(|| ReadError::invalid_argument(format!("no part {part}")))?;
        if slot.is_none() {
            *slot = Some(SourceFile::open(path)?);
        }
        slot.as_mut()
            .ok_or_else(|| ReadError::invalid_argument(format!("no part {part}")))
    }
}

impl FrameSource for FifSource {
    fn fill(&mut self, out: &mut [f64]) -> Result<usize, ReadError> {
        let nchan = self.index.scales.len();
        let wanted = (out.len() / nchan.max(1)) as u64;
        let mut done: u64 = 0;
        while done < wanted && self.position < self.index.frames {
            let Some(k) = self.segment_at(self.position) else {
                let mut err =
                    ReadError::malformed(format!("no data buffer holds frame {}", self.position));
                if let Some(path) = self.index.parts.first() {
                    err = err.in_file(path);
                }
                return Err(err);
            };
            let Some(&placed) = self.index.segments.get(k) else {
                return Err(ReadError::malformed("segment index out of range"));
            };
            let offset = self.position - placed.start;
            let n = (placed.segment.frames - offset).min(wanted - done);
            let dst_start = (done as usize) * nchan;
            let dst = &mut out[dst_start..dst_start + n as usize * nchan];
            match placed.segment.data {
                None => dst.fill(0.0),
                Some(buf) => {
                    let frame_bytes = (buf.format.size() * nchan) as u64;
                    let at = buf.pos + offset * frame_bytes;
                    let len = n * frame_bytes;
                    let mut bytes = std::mem::take(&mut self.bytes);
                    bytes.resize(len as usize, 0);
                    let result = self
                        .file(placed.part)
                        .and_then(|f| f.read_exact_at(at, &mut bytes, "a data buffer"));
                    if let Err(e) = result {
                        self.bytes = bytes;
                        return Err(e);
                    }
                    decode_into(&bytes, buf.format, Endian::Big, dst);
                    self.bytes = bytes;
                    for frame in dst.chunks_exact_mut(nchan) {
                        for (v, s) in frame.iter_mut().zip(&self.index.scales) {
                            *v *= s;
                        }
                    }
                }
            }
            done += n;
            self.position += n;
        }
        Ok(done as usize)
    }

    fn seek_frame(&mut self, frame: u64) -> Result<(), ReadError> {
        if frame > self.index.frames {
            return Err(ReadError::invalid_argument(format!(
                "cannot seek to frame {frame}: the recording has {} frames",
                self.index.frames
            )));
        }
        self.position = frame;
        Ok(())
    }
}
