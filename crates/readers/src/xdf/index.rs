//! The first pass over an XDF file: the chunk structure, checked, with the offsets and
//! sample counts of every Samples chunk, the clock offsets, headers and footers. No
//! sample value is kept: the index grows with the number of chunks, not with the data.
//!
//! Chunk layout: `[NumLengthBytes: 1, 4 or 8][Length][Tag: u16][Content]`, Length
//! counting the tag and the content. Tags: FileHeader 1, StreamHeader 2, Samples 3,
//! ClockOffset 4, Boundary 5, StreamFooter 6; every tag but 1 and 5 starts its content
//! with the stream id (u32).

use super::cursor::Cursor;
use super::header::{
    parse_file_header, parse_footer, parse_stream_header, value_size, StreamHeader,
};
use player_api::io::SourceFile;
use player_api::{quote, ReadError};

/// The `XDF:` magic at the start of every file.
pub(crate) const MAGIC: &[u8; 4] = b"XDF:";

/// One Samples chunk of a stream.
#[derive(Debug, Clone)]
pub(crate) struct SampleChunk {
    /// Offset of the first sample (after the sample count).
    pub(crate) data_start: u64,
    /// Offset just past the chunk.
    pub(crate) end: u64,
    /// Index in the stream of the chunk's first sample.
    pub(crate) first_frame: u64,
    /// Number of samples.
    pub(crate) count: u64,
    /// The stream's last recorded time before this chunk (pyxdf's `last_timestamp`,
    /// 0 before the first sample), from which omitted times are deduced.
    pub(crate) prev_time: f64,
}

/// What the index pass learned about one stream.
#[derive(Debug, Clone)]
pub(crate) struct StreamIndex {
    /// The stream id of its chunks.
    pub(crate) id: u32,
    /// Offset of its StreamHeader chunk.
    pub(crate) header_offset: u64,
    pub(crate) header: StreamHeader,
    /// Its Samples chunks, in file order (chunks without samples are left out).
    pub(crate) chunks: Vec<SampleChunk>,
    /// Total samples.
    pub(crate) frames: u64,
    /// Interval deduced between samples whose time is omitted (1 / rate, or 0).
    pub(crate) tdiff: f64,
    /// Recorded (uncorrected) time range of its samples.
    pub(crate) min_time: f64,
    /// Recorded time of the first sample.
    pub(crate) first_time: f64,
    pub(crate) max_time: f64,
    /// The last recorded time (running value of pyxdf's `last_timestamp`).
    pub(crate) last_time: f64,
    /// Samples whose time is before the previous sample's.
    pub(crate) backward_steps: u64,
    /// ClockOffset chunks: collection times and offset values.
    pub(crate) clock_times: Vec<f64>,
    pub(crate) clock_values: Vec<f64>,
    /// The StreamFooter's simple fields, when present.
    pub(crate) footer: Option<Vec<(String, String)>>,
}

/// A chunk cut short by the end of the file (the last chunk), left out.
#[derive(Debug, Clone)]
pub(crate) struct Truncation {
    /// Where the chunk starts.
    pub(crate) offset: u64,
    /// What it is ("Samples chunk of stream 3 (BioSemi)", "chunk header").
    pub(crate) what: String,
    /// Bytes the chunk announces (when its header is complete) and bytes present.
    pub(crate) announced: Option<u64>,
    pub(crate) present: u64,
}

/// The index of a whole file.
#[derive(Debug, Clone)]
pub(crate) struct FileIndex {
    pub(crate) file_header: Vec<(String, String)>,
    /// Streams in the order of their StreamHeader chunks.
    pub(crate) streams: Vec<StreamIndex>,
    pub(crate) chunk_count: u64,
    pub(crate) boundary_chunks: u64,
    pub(crate) truncation: Option<Truncation>,
}

/// The tag names for messages.
fn tag_name(tag: u16) -> &'static str {
    match tag {
        1 => "FileHeader",
        2 => "StreamHeader",
        3 => "Samples",
        4 => "ClockOffset",
        5 => "Boundary",
        6 => "StreamFooter",
        _ => "unknown",
    }
}

/// Reads the chunk structure of the file behind `cursor`.
pub(crate) fn index(cursor: &mut Cursor) -> Result<FileIndex, ReadError> {
    let len = cursor.file().len();
    cursor.seek(0);
    let magic_ok = match cursor.take(4, len, "the XDF magic") {
        Ok(magic) => magic == MAGIC,
        Err(_) => false,
    };
    if !magic_ok {
        return Err(cursor.malformed(
            0,
            "not an XDF file: it does not start with the magic \"XDF:\"",
        ));
    }
    let mut ix = FileIndex {
        file_header: Vec::new(),
        streams: Vec::new(),
        chunk_count: 0,
        boundary_chunks: 0,
        truncation: None,
    };
    let mut pos = 4u64;
    while pos < len {
        let start = pos;
        cursor.seek(pos);
        // [NumLengthBytes][Length], possibly cut by the end of the file.
        let width = cursor.u8(len, "a chunk's NumLengthBytes")?;
        if !matches!(width, 1 | 4 | 8) {
            return Err(cursor.malformed(
                start,
                format!(
                    "chunk {}: NumLengthBytes is {width} (XDF allows 1, 4 or 8)",
                    ix.chunk_count
                ),
            ));
        }
        if start + 1 + u64::from(width) + 2 > len {
            if ix.chunk_count == 0 {
                return Err(
                    ReadError::truncated("the file ends inside its first chunk's header")
                        .at_offset(start)
                        .in_file(cursor.file().path()),
                );
            }
            ix.truncation = Some(Truncation {
                offset: start,
                what: "chunk header".into(),
                announced: None,
                present: len - start,
            });
            break;
        }
        cursor.seek(start);
        let length = cursor.varlen(len, "a chunk length")?;
        let content = cursor.pos();
        if length < 2 {
            return Err(cursor.malformed(
                start,
                format!("chunk length {length} is shorter than its 2-byte tag"),
            ));
        }
        let end = content.saturating_add(length);
        let tag = cursor.u16(len, "a chunk tag")?;
        if end > len {
            if ix.chunk_count == 0 {
                return Err(ReadError::truncated(format!(
                    "the FileHeader chunk announces {length} bytes but the file ends after {}",
                    len - content
                ))
                .at_offset(start)
                .in_file(cursor.file().path()));
            }
            let what = truncated_chunk_name(cursor, &ix, tag, end)?;
            ix.truncation = Some(Truncation {
                offset: start,
                what,
                announced: Some(length),
                present: len - content,
            });
            break;
        }
        if ix.chunk_count == 0 && tag != 1 {
            return Err(cursor.malformed(
                start,
                format!(
                    "the first chunk is a {} chunk (tag {tag}), not the FileHeader",
                    tag_name(tag)
                ),
            ));
        }
        match tag {
            1 => {
                if ix.chunk_count != 0 {
                    return Err(cursor.malformed(start, "a second FileHeader chunk"));
                }
                let bytes = chunk_bytes(cursor, end, "the FileHeader XML")?;
                ix.file_header = parse_file_header(&bytes)
                    .map_err(|e| cursor.malformed(start, format!("FileHeader chunk: {e}")))?;
            }
            2 => {
                let id = stream_id(cursor, start, end, tag)?;
                if ix.streams.iter().any(|s| s.id == id) {
                    return Err(cursor
                        .malformed(start, format!("a second StreamHeader for stream id {id}")));
                }
                let bytes = chunk_bytes(cursor, end, "the StreamHeader XML")?;
                let header = parse_stream_header(&bytes, len).map_err(|e| {
                    cursor.malformed(start, format!("StreamHeader chunk of stream id {id}: {e}"))
                })?;
                ix.streams
                    .push(new_stream(id, start, header, len).map_err(|e| {
                        cursor
                            .malformed(start, format!("StreamHeader chunk of stream id {id}: {e}"))
                    })?);
            }
            3 => {
                let id = stream_id(cursor, start, end, tag)?;
                let stream = find_stream(cursor, &mut ix.streams, id, start, tag)?;
                index_samples(cursor, stream, start, end)?;
            }
            4 => {
                let id = stream_id(cursor, start, end, tag)?;
                if length != 2 + 4 + 16 {
                    return Err(cursor.malformed(
                        start,
                        format!(
                            "ClockOffset chunk of stream id {id} has length {length} \
                             (it must be 22: tag, stream id, two doubles)"
                        ),
                    ));
                }
                let time = cursor.f64(end, "a clock offset's collection time")?;
                let value = cursor.f64(end, "a clock offset's value")?;
                let stream = find_stream(cursor, &mut ix.streams, id, start, tag)?;
                stream.clock_times.push(time);
                stream.clock_values.push(value);
            }
            5 => ix.boundary_chunks += 1,
            6 => {
                let id = stream_id(cursor, start, end, tag)?;
                let bytes = chunk_bytes(cursor, end, "the StreamFooter XML")?;
                let footer = parse_footer(&bytes).map_err(|e| {
                    cursor.malformed(start, format!("StreamFooter chunk of stream id {id}: {e}"))
                })?;
                find_stream(cursor, &mut ix.streams, id, start, tag)?.footer = Some(footer);
            }
            _ => {
                return Err(cursor.malformed(
                    start,
                    format!("unknown chunk tag {tag} (XDF 1.0 defines tags 1 to 6)"),
                ))
            }
        }
        ix.chunk_count += 1;
        pos = end;
    }
    if ix.chunk_count == 0 {
        return Err(
            ReadError::truncated("the file ends before its FileHeader chunk")
                .at_offset(4)
                .in_file(cursor.file().path()),
        );
    }
    Ok(ix)
}

/// Describes a chunk cut by the end of the file, checking what can be checked.
fn truncated_chunk_name(
    cursor: &mut Cursor,
    ix: &FileIndex,
    tag: u16,
    end: u64,
) -> Result<String, ReadError> {
    let at = cursor.pos().saturating_sub(2);
    if !(1..=6).contains(&tag) {
        return Err(cursor.malformed(
            at,
            format!("unknown chunk tag {tag} (XDF 1.0 defines tags 1 to 6)"),
        ));
    }
    if matches!(tag, 2 | 3 | 4 | 6) {
        let len = cursor.file().len();
        if cursor.pos() + 4 <= len {
            let id = cursor.u32(end.min(len), "a stream id")?;
            let name = ix
                .streams
                .iter()
                .find(|s| s.id == id)
                .map(|s| format!(" ({})", quote(&s.header.name)))
                .unwrap_or_default();
            return Ok(format!("{} chunk of stream id {id}{name}", tag_name(tag)));
        }
    }
    Ok(format!("{} chunk", tag_name(tag)))
}

fn stream_id(cursor: &mut Cursor, start: u64, end: u64, tag: u16) -> Result<u32, ReadError> {
    if end < cursor.pos() + 4 {
        return Err(cursor.malformed(
            start,
            format!("{} chunk is too short for a stream id", tag_name(tag)),
        ));
    }
    cursor.u32(end, "a stream id")
}

/// The rest of the chunk (XML text): at most the chunk's length, which lies inside the file.
fn chunk_bytes(cursor: &mut Cursor, end: u64, what: &str) -> Result<Vec<u8>, ReadError> {
    let n = end.saturating_sub(cursor.pos());
    let n = usize::try_from(n).map_err(|_| cursor.malformed(cursor.pos(), "chunk too large"))?;
    Ok(cursor.take(n, end, what)?.to_vec())
}

fn find_stream<'a>(
    cursor: &Cursor,
    streams: &'a mut [StreamIndex],
    id: u32,
    start: u64,
    tag: u16,
) -> Result<&'a mut StreamIndex, ReadError> {
    match streams.iter_mut().find(|s| s.id == id) {
        Some(s) => Ok(s),
        None => Err(cursor.malformed(
            start,
            format!(
                "{} chunk of stream id {id}, which has no StreamHeader before it",
                tag_name(tag)
            ),
        )),
    }
}

fn new_stream(
    id: u32,
    offset: u64,
    header: StreamHeader,
    file_len: u64,
) -> Result<StreamIndex, String> {
    // A numeric sample must fit in the file (strings: at least 2 bytes per channel).
    let per_channel = value_size(header.format).unwrap_or(2);
    if header.channel_count.saturating_mul(per_channel) > file_len {
        return Err(format!(
            "{} channels of {} cannot fit in the file ({file_len} bytes)",
            header.channel_count, header.format_text
        ));
    }
    let tdiff = if header.srate > 0.0 {
        1.0 / header.srate
    } else {
        0.0
    };
    Ok(StreamIndex {
        id,
        header_offset: offset,
        header,
        chunks: Vec::new(),
        frames: 0,
        tdiff,
        min_time: f64::INFINITY,
        first_time: 0.0,
        max_time: f64::NEG_INFINITY,
        last_time: 0.0,
        backward_steps: 0,
        clock_times: Vec::new(),
        clock_values: Vec::new(),
        footer: None,
    })
}

/// Walks the samples of one Samples chunk (content after the stream id), checking that
/// they fill the chunk exactly, and records the chunk.
fn index_samples(
    cursor: &mut Cursor,
    stream: &mut StreamIndex,
    start: u64,
    end: u64,
) -> Result<(), ReadError> {
    let name = quote(&stream.header.name); // quoted for messages
    let count_at = cursor.pos();
    let count = cursor.varlen(end, "the sample count")?;
    let data_start = cursor.pos();
    // Every sample takes at least one byte (its TimeStampBytes): no loop over a count the
    // chunk cannot hold.
    let room = end - data_start;
    let nch = stream.header.channel_count;
    let min_sample = 1 + value_size(stream.header.format).map_or(2 * nch, |s| s * nch);
    if count.saturating_mul(min_sample) > room {
        return Err(cursor.malformed(
            count_at,
            format!(
                "Samples chunk of stream {name} claims {count} samples but holds {room} bytes \
                 (the sample count disagrees with the chunk size)"
            ),
        ));
    }
    let prev_time = stream.last_time;
    let mut last = stream.last_time;
    let mut k = 0u64;
    while k < count {
        let time = read_sample(cursor, stream, last, end, SkipValues).map_err(|e| {
            let at = e.offset().unwrap_or(start);
            ReadError::new(
                e.kind(),
                format!(
                    "Samples chunk of stream {name} (at byte {start}), sample {k} of {count}: {} \
                     (the sample count disagrees with the chunk size)",
                    e.message()
                ),
            )
            .at_offset(at)
            .in_file(cursor.file().path())
        })?;
        if time < last && k + stream.frames > 0 {
            stream.backward_steps += 1;
        }
        if k + stream.frames == 0 {
            stream.first_time = time;
        }
        stream.min_time = stream.min_time.min(time);
        stream.max_time = stream.max_time.max(time);
        last = time;
        k += 1;
    }
    if cursor.pos() != end {
        return Err(cursor.malformed(
            cursor.pos(),
            format!(
                "Samples chunk of stream {name} (at byte {start}) has {} bytes left after its \
                 {count} samples (the sample count disagrees with the chunk size)",
                end - cursor.pos()
            ),
        ));
    }
    stream.last_time = last;
    if count > 0 {
        stream.chunks.push(SampleChunk {
            data_start,
            end,
            first_frame: stream.frames,
            count,
            prev_time,
        });
        stream.frames += count;
    }
    Ok(())
}

/// What [`read_sample`] does with the values.
pub(crate) trait ValueSink {
    /// Receives the bytes of one numeric sample (all channels).
    fn numeric(&mut self, bytes: &[u8]);
    /// Receives one string value.
    fn string(&mut self, bytes: &[u8]);
    /// Whether values are wanted at all (else they are skipped without reading).
    fn wants_values(&self) -> bool;
}

impl<T: ValueSink> ValueSink for &mut T {
    fn numeric(&mut self, bytes: &[u8]) {
        (**self).numeric(bytes);
    }
    fn string(&mut self, bytes: &[u8]) {
        (**self).string(bytes);
    }
    fn wants_values(&self) -> bool {
        (**self).wants_values()
    }
}

/// A sink that skips values.
pub(crate) struct SkipValues;

impl ValueSink for SkipValues {
    fn numeric(&mut self, _: &[u8]) {}
    fn string(&mut self, _: &[u8]) {}
    fn wants_values(&self) -> bool {
        false
    }
}

/// Reads one sample at the cursor (inside a chunk ending at `end`): its time (recorded,
/// or deduced from `last` as pyxdf does: `last + 1/rate`), and its values into `sink`.
pub(crate) fn read_sample(
    cursor: &mut Cursor,
    stream: &StreamIndex,
    last: f64,
    end: u64,
    mut sink: impl ValueSink,
) -> Result<f64, ReadError> {
    let at = cursor.pos();
    let time = match cursor.u8(end, "a sample's TimeStampBytes")? {
        0 => last + stream.tdiff,
        8 => cursor.f64(end, "a sample's time stamp")?,
        n => {
            return Err(cursor.malformed(
                at,
                format!(
                    "a sample of stream {} has TimeStampBytes {n} (XDF allows 0 or 8)",
                    quote(&stream.header.name)
                ),
            ))
        }
    };
    let nch = stream.header.channel_count;
    match value_size(stream.header.format) {
        Some(size) => {
            let n = nch * size;
            if sink.wants_values() {
                let n = usize::try_from(n)
                    .map_err(|_| cursor.malformed(cursor.pos(), "sample too large"))?;
                sink.numeric(cursor.take(n, end, "a sample's values")?);
            } else {
                cursor.skip(n, end, "a sample's values")?;
            }
        }
        None => {
            for _ in 0..nch {
                let n = cursor.varlen(end, "a string value's length")?;
                if sink.wants_values() {
                    let n = usize::try_from(n)
                        .map_err(|_| cursor.malformed(cursor.pos(), "string too large"))?;
                    sink.string(cursor.take(n, end, "a string value")?);
                } else {
                    cursor.skip(n, end, "a string value")?;
                }
            }
        }
    }
    Ok(time)
}

/// Walks the recorded times of the first `frames` samples of `stream` (a second pass,
/// values skipped), calling `f(k, t)` for each sample `k` in order.
pub(crate) fn walk_times(
    cursor: &mut Cursor,
    stream: &StreamIndex,
    frames: u64,
    mut f: impl FnMut(u64, f64),
) -> Result<(), ReadError> {
    let mut k = 0u64;
    for c in &stream.chunks {
        cursor.seek(c.data_start);
        let mut last = c.prev_time;
        for _ in 0..c.count {
            if k >= frames {
                return Ok(());
            }
            last = read_sample(cursor, stream, last, c.end, SkipValues)?;
            f(k, last);
            k += 1;
        }
    }
    Ok(())
}

/// Reopens the file of an index for a new cursor.
pub(crate) fn reopen(file: &SourceFile) -> Result<Cursor, ReadError> {
    Ok(Cursor::new(file.reopen()?))
}
