//! The [`FrameSource`] of a dataset: `EEG.data` is `[nbchan × pnts × trials]` in
//! column-major order, so frame `k` is `nbchan` consecutive values at `k × nbchan`: read
//! from the `.fdt` file or the `.set` in place, or from the decompressed variable.

use super::dataset::{DataPlace, CAL};
use super::mat::Place;
use player_api::io::{Endian, SourceFile};
use player_api::{FrameSource, ReadError};
use std::sync::Arc;

/// The most bytes one read takes from the file.
const MAX_READ: usize = 1 << 20;

/// A cursor over a dataset's frames.
#[derive(Debug)]
pub(crate) struct EeglabSource {
    data: Arc<DataPlace>,
    /// The file holding the samples, when they are read from disk.
    file: Option<SourceFile>,
    nbchan: usize,
    frames: u64,
    position: u64,
    bytes: Vec<u8>,
}

impl EeglabSource {
    pub(crate) fn new(data: Arc<DataPlace>, nbchan: usize, frames: u64) -> Result<Self, ReadError> {
        let file = match data.place {
            Place::File(_) => Some(SourceFile::open(&data.file)?),
            Place::Memory(..) => None,
        };
        Ok(EeglabSource {
            data,
            file,
            nbchan,
            frames,
            position: 0,
            bytes: Vec::new(),
        })
    }
}

impl FrameSource for EeglabSource {
    fn fill(&mut self, out: &mut [f64]) -> Result<usize, ReadError> {
        let size = self.data.stored.size();
        let frame_bytes = self.nbchan * size;
        let by_room = out.len() / self.nbchan;
        let by_read = (MAX_READ / frame_bytes).max(1);
        let left = self.frames.saturating_sub(self.position);
        let n = (by_room.min(by_read) as u64).min(left) as usize;
        if n == 0 {
            return Ok(0);
        }
        let len = n * frame_bytes;
        let start = self.position * frame_bytes as u64;
        let raw: &[u8] = match (&self.data.place, &mut self.file) {
            (Place::File(offset), Some(file)) => {
                self.bytes.resize(len, 0);
                file.read_exact_at(offset + start, &mut self.bytes, "EEG.data")?;
                &self.bytes
            }
            (Place::Memory(buf, offset), _) => {
                let from = usize::try_from(offset + start).unwrap_or(usize::MAX);
                buf.get(from..from.saturating_add(len)).ok_or_else(|| {
                    ReadError::malformed("internal inconsistency: samples outside their variable")
                        .in_file(&self.data.file)
                })?
            }
            (Place::File(_), None) => {
                return Err(ReadError::malformed(
                    "internal inconsistency: no file to read",
                ))
            }
        };
        let values = &mut out[..n * self.nbchan];
        self.data.stored.decode(raw, Endian::Little, values);
        for v in values.iter_mut() {
            *v *= CAL;
        }
        self.position += n as u64;
        Ok(n)
    }

    fn seek_frame(&mut self, frame: u64) -> Result<(), ReadError> {
        if frame > self.frames {
            return Err(ReadError::invalid_argument(format!(
                "cannot seek to frame {frame}: the stream has {} frames",
                self.frames
            )));
        }
        self.position = frame;
        Ok(())
    }
}
