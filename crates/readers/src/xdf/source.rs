//! The [`SampleSource`] of one XDF stream: walks its Samples chunks on disk sample by
//! sample (a 64 KiB read-ahead buffer at most), delivering values as `f64` (or text) and
//! each sample's clock-corrected time in seconds from the recording's earliest sample.

use super::clock::ClockMap;
use super::cursor::Cursor;
use super::dejitter::Dejitter;
use super::index::{read_sample, SkipValues, StreamIndex, ValueSink};
use player_api::io::{decode_into, Endian};
use player_api::SampleFormat;
use player_api::{Block, ReadError, SampleSource};
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
    format: SampleFormat,
}

impl ValueSink for NumericSink<'_> {
    fn numeric(&mut self, bytes: &[u8]) {
        decode_into(bytes, self.format, Endian::Little, self.out);
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
        self.stream.header.format == SampleFormat::String
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

    /// Appends numeric frames (with their times when the block is stamped).
    fn read_numeric(&mut self, block: &mut Block) -> Result<(), ReadError> {
        let format = self.stream.header.format;
        let nch = self.nch;
        let (out, stamps) = block.spare();
        let mut done = 0;
        for frame in out.chunks_exact_mut(nch) {
            let sink = NumericSink { out: frame, format };
            let Some(t) = self.next_sample(sink)? else {
                break;
            };
            if let Some(slot) = stamps.get_mut(done) {
                *slot = t;
            }
            done += 1;
        }
        block.commit(done)
    }

    /// Appends text frames with their times.
    fn read_text(&mut self, block: &mut Block) -> Result<(), ReadError> {
        while block.room() > 0 {
            let mut strings = Vec::with_capacity(self.nch);
            match self.next_sample(TextSink { out: &mut strings })? {
                Some(t) => block.push_text_frame(strings, t)?,
                None => break,
            }
        }
        Ok(())
    }
}

impl SampleSource for XdfSource {
    fn read(&mut self, block: &mut Block) -> Result<(), ReadError> {
        if self.is_text() {
            self.read_text(block)
        } else {
            self.read_numeric(block)
        }
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
