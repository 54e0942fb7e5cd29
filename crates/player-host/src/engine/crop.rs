//! Crop: play only a section of a recording (`from`/`to`, seconds of the recording).
//!
//! A [`Section`] is resolved per stream into frames `[first, end)`; a [`Cropped`] source
//! shows only those frames, numbered from 0, with times counted from `from`, so that
//! the engine plays (and repeats, and seeks in) the section as if it were the whole
//! recording.

use crate::error::{HostError, Result};
use crate::scenario::number_text;
pub use crate::scenario::Section;
use player_api::{Block, ReadError, SampleSource, StreamInfo, StreamKind};

/// A source showing only frames `[first, end)` of `inner`, numbered from 0, with times
/// (stamped and text streams) counted from the section's start.
pub struct Cropped {
    inner: Box<dyn SampleSource>,
    first: u64,
    end: u64,
    /// Seconds subtracted from every time.
    shift: f64,
    /// The next frame (relative).
    position: u64,
    scratch: Block,
}

impl std::fmt::Debug for Cropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cropped")
            .field("first", &self.first)
            .field("end", &self.end)
            .field("position", &self.position)
            .finish()
    }
}

impl Cropped {
    /// Crops `inner` (a source of `stream`, at frame 0) to `section`; the stream info of
    /// the result (its length is the section's). Fails when the section holds no frame.
    pub fn new(
        mut inner: Box<dyn SampleSource>,
        stream: &StreamInfo,
        section: Section,
    ) -> Result<(Self, StreamInfo)> {
        let (first, end) = match stream.kind {
            StreamKind::Regular => {
                let len = stream.length.unwrap_or(u64::MAX);
                let frame = |t: f64| ((t * stream.nominal_rate) - 1e-9).ceil().max(0.0) as u64;
                (
                    frame(section.from).min(len),
                    section.to.map_or(len, |to| frame(to).min(len)),
                )
            }
            _ => (
                first_at(inner.as_mut(), stream, section.from)?,
                match section.to {
                    Some(to) => first_at(inner.as_mut(), stream, to)?,
                    None => stream.length.unwrap_or(u64::MAX),
                },
            ),
        };
        if end <= first {
            return Err(HostError::config(format!(
                "stream {:?}: the section from {} s{} holds no sample",
                stream.name,
                number_text(section.from),
                section
                    .to
                    .map(|t| format!(" to {} s", number_text(t)))
                    .unwrap_or_default()
            )));
        }
        inner.seek(first)?;
        let mut info = stream.clone();
        info.length = stream.length.map(|_| end - first);
        let cropped = Cropped {
            inner,
            first,
            end,
            shift: section.from,
            position: 0,
            scratch: Block::new(stream.kind, stream.channel_count(), 0),
        };
        Ok((cropped, info))
    }
}

/// The first frame of a stamped stream at or after `t` (by reading from the start).
fn first_at(source: &mut dyn SampleSource, stream: &StreamInfo, t: f64) -> Result<u64> {
    if t <= 0.0 {
        return Ok(0);
    }
    source.seek(0)?;
    let mut block = Block::new(stream.kind, stream.channel_count(), 256);
    let mut frame = 0u64;
    loop {
        block.clear();
        source.read(&mut block)?;
        if block.is_empty() {
            return Ok(frame);
        }
        if let Some(i) = block.stamps().iter().position(|&s| s >= t) {
            return Ok(frame + i as u64);
        }
        frame += block.frames() as u64;
    }
}

impl SampleSource for Cropped {
    fn read(&mut self, block: &mut Block) -> std::result::Result<(), ReadError> {
        let left = self.end - self.first - self.position.min(self.end - self.first);
        let want = (block.room() as u64).min(left) as usize;
        if want == 0 {
            return Ok(());
        }
        if self.scratch.capacity() != want {
            self.scratch = Block::new(block.kind(), block.channels(), want);
        }
        self.scratch.clear();
        self.inner.read(&mut self.scratch)?;
        let width = block.channels();
        let n = self.scratch.frames();
        for f in 0..n {
            let stamp = self.scratch.stamps().get(f).map(|t| t - self.shift);
            if block.kind() == StreamKind::Text {
                let strings = self.scratch.text()[f * width..(f + 1) * width].to_vec();
                block.push_text_frame(strings, stamp.unwrap_or(0.0))?;
            } else {
                block.push_frame(&self.scratch.values()[f * width..(f + 1) * width], stamp)?;
            }
        }
        self.position += n as u64;
        Ok(())
    }

    fn seek(&mut self, frame: u64) -> std::result::Result<(), ReadError> {
        let len = self.end - self.first;
        if frame > len {
            return Err(ReadError::invalid_argument(format!(
                "cannot seek to frame {frame}: the section has {len} frames"
            )));
        }
        self.inner.seek(self.first + frame)?;
        self.position = frame;
        Ok(())
    }
}
