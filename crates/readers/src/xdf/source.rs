//! The [`SampleSource`] of one XDF stream: walks its Samples chunks on disk sample by
//! sample (a 64 KiB read-ahead buffer at most), delivering values as `f64` (or text) and
//! each sample's clock-corrected time in seconds from the recording's earliest sample.

use super::clock::ClockMap;
use super::cursor::Cursor;
use super::dejitter::Dejitter;
use super::header::ValueFormat;
use super::index::{read_sample, SkipValues, StreamIndex, ValueSink};
use crate::util::{decode_into, Endian, RawFormat};
use player_api::{ReadError, SampleSource};
use std::sync::Arc;

/// A cursor over one stream of an XDF file.
#[derive(Debug)]
pub(crate) struct XdfSource {
    cursor: Cursor,
    stream: Arc<StreamIndex>,
    clock: Arc<ClockMap>,
    dejitter: Option<Arc<Dejitter>>,
    origin: f64,
    nch: usize,
    /// The next frame to deliver.
    position: u64,
    /// The chunk holding `position`, how many of its samples are behind the cursor, and
    /// the last recorded time read (for omitted times).
    chunk: usize,
    in_chunk: u64,
    last: f64,
}

/// Decodes one numeric sample into a frame of `f64`.
struct NumericSink<'a> {
    out: &'a mut [f64],
    format: ValueFormat,
}

impl ValueSink for NumericSink<'_> {
    fn numeric(&mut self, bytes: &[u8]) {
        let raw = match self.format {
            ValueFormat::Int16 => RawFormat::I16,
            ValueFormat::Int32 => RawFormat::I32,
            ValueFormat::Float32 => RawFormat::F32,
            ValueFormat::Double64 => RawFormat::F64,
            ValueFormat::Int8 => RawFormat::I8,
            ValueFormat::Int64 => RawFormat::I64,
            ValueFormat::String => return,
        };
        decode_into(bytes, raw, Endian::Little, self.out);
    }
    fn string(&mut self, _: &[u8]) {}
    fn wants_values(&self) -> bool {
        true
    }
}

/// Collects the strings of one sample.
struct TextSink<'a> {
    out: &'a mut Vec<String>,
}

impl ValueSink for TextSink<'_> {
    fn numeric(&mut self, _: &[u8]) {}
    fn string(&mut self, bytes: &[u8]) {
        self.out.push(String::from_utf8_lossy(bytes).into_owned());
    }
    fn wants_values(&self) -> bool {
        true
    }
}

impl XdfSource {
    pub(crate) fn new(
        cursor: Cursor,
        stream: Arc<StreamIndex>,
        clock: Arc<ClockMap>,
        dejitter: Option<Arc<Dejitter>>,
        origin: f64,
    ) -> Result<Self, ReadError> {
        let nch = usize::try_from(stream.header.channel_count).map_err(|_| {
            ReadError::unsupported("too many channels").in_file(cursor.file().path())
        })?;
        let mut source = XdfSource {
            cursor,
            stream,
            clock,
            dejitter,
            origin,
            nch,
            position: 0,
            chunk: 0,
            in_chunk: 0,
            last: 0.0,
        };
        source.seek(0)?;
        Ok(source)
    }

    fn error(&self, err: ReadError) -> ReadError {
        err.in_file(self.cursor.file().path())
    }

    fn is_text(&self) -> bool {
        self.stream.header.format == ValueFormat::String
    }

    /// Reads the next sample into `sink`; its corrected time relative to the origin, or
    /// `None` at the end.
    fn next_sample(&mut self, sink: impl ValueSink) -> Result<Option<f64>, ReadError> {
        if self.position >= self.stream.frames {
            return Ok(None);
        }
        let stream = Arc::clone(&self.stream);
        let mut chunk = stream.chunks.get(self.chunk);
        while let Some(c) = chunk {
            if self.in_chunk < c.count {
                break;
            }
            self.chunk += 1;
            self.in_chunk = 0;
            chunk = stream.chunks.get(self.chunk);
            if let Some(next) = chunk {
                self.cursor.seek(next.data_start);
                self.last = next.prev_time;
            }
        }
        let Some(c) = chunk else {
            return Err(self.error(ReadError::malformed(
                "internal inconsistency: the stream has fewer samples than indexed",
            )));
        };
        let raw = read_sample(&mut self.cursor, &stream, self.last, c.end, sink)?;
        let time = match &self.dejitter {
            Some(d) => d.time(self.position),
            None => self.clock.fit_at(self.position).apply(raw),
        };
        self.last = raw;
        self.in_chunk += 1;
        self.position += 1;
        Ok(Some(time - self.origin))
    }

    fn check_capacity(&self, frames: usize) -> Result<(), ReadError> {
        if frames == 0 {
            return Err(self.error(ReadError::invalid_argument(format!(
                "the output buffers hold no whole frame ({} channels)",
                self.nch
            ))));
        }
        Ok(())
    }

    fn read_numeric(
        &mut self,
        out: &mut [f64],
        mut stamps: Option<&mut [f64]>,
    ) -> Result<usize, ReadError> {
        if self.is_text() {
            return Err(self.error(ReadError::unsupported(format!(
                "stream {:?} holds strings: read it with read_text",
                self.stream.header.name
            ))));
        }
        if self.position >= self.stream.frames {
            return Ok(0);
        }
        let mut capacity = out.len() / self.nch;
        if let Some(s) = &stamps {
            capacity = capacity.min(s.len());
        }
        self.check_capacity(capacity)?;
        let format = self.stream.header.format;
        let nch = self.nch;
        let mut done = 0;
        for frame in out.chunks_exact_mut(nch).take(capacity) {
            let sink = NumericSink { out: frame, format };
            let Some(t) = self.next_sample(sink)? else {
                break;
            };
            if let Some(slot) = stamps.as_deref_mut().and_then(|s| s.get_mut(done)) {
                *slot = t;
            }
            done += 1;
        }
        Ok(done)
    }
}

impl SampleSource for XdfSource {
    fn read(&mut self, out: &mut [f64]) -> Result<usize, ReadError> {
        self.read_numeric(out, None)
    }

    fn read_stamped(&mut self, out: &mut [f64], stamps: &mut [f64]) -> Result<usize, ReadError> {
        self.read_numeric(out, Some(stamps))
    }

    fn read_text(&mut self, out: &mut Vec<String>, stamps: &mut [f64]) -> Result<usize, ReadError> {
        if !self.is_text() {
            return Err(self.error(ReadError::unsupported(format!(
                "stream {:?} holds numbers: read it with read or read_stamped",
                self.stream.header.name
            ))));
        }
        if self.position >= self.stream.frames {
            return Ok(0);
        }
        self.check_capacity(stamps.len())?;
        let mut done = 0;
        for slot in stamps.iter_mut() {
            let before = out.len();
            match self.next_sample(TextSink { out: &mut *out })? {
                Some(t) => *slot = t,
                None => {
                    out.truncate(before);
                    break;
                }
            }
            done += 1;
        }
        Ok(done)
    }

    fn seek(&mut self, frame: u64) -> Result<(), ReadError> {
        let frames = self.stream.frames;
        if frame > frames {
            return Err(self.error(ReadError::invalid_argument(format!(
                "cannot seek to frame {frame}: the stream has {frames} frames"
            ))));
        }
        self.position = frame;
        let stream = Arc::clone(&self.stream);
        let ci = stream
            .chunks
            .partition_point(|c| c.first_frame + c.count <= frame);
        self.chunk = ci;
        self.in_chunk = 0;
        let Some(c) = stream.chunks.get(ci) else {
            return Ok(()); // at the end
        };
        self.cursor.seek(c.data_start);
        self.last = c.prev_time;
        // Walk to the frame inside the chunk: sizes and omitted times depend on every
        // sample before it.
        for _ in c.first_frame..frame {
            self.last = read_sample(&mut self.cursor, &stream, self.last, c.end, SkipValues)?;
            self.in_chunk += 1;
        }
        Ok(())
    }
}
