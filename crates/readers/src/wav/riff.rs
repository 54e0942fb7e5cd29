//! The RIFF container: the 12-byte `RIFF....WAVE` header and the walk over its chunks to
//! find `fmt ` and `data`, skipping every other chunk (and the pad byte after odd sizes).

use super::fmt::{WavFormat, FMT_READ_LEN};
use player_api::io::SourceFile;
use player_api::ReadError;

/// Size of the RIFF header: `RIFF`, the RIFF size, `WAVE`.
pub(crate) const RIFF_HEADER_LEN: u64 = 12;
/// Size of a chunk header: four-character id, little-endian `u32` body size.
const CHUNK_HEADER_LEN: u64 = 8;

/// Where the samples are and how they are stored.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct WavLayout {
    /// The checked fmt chunk.
    pub format: WavFormat,
    /// Byte offset of the first sample.
    pub data_offset: u64,
    /// Bytes of the data chunk (all inside the file).
    pub data_len: u64,
}

impl WavLayout {
    /// Whole frames in the data chunk (a trailing partial frame is ignored).
    pub(crate) fn frames(&self) -> u64 {
        self.data_len / u64::from(self.format.block_align.max(1))
    }
}

/// How the first bytes of a file identify it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Container {
    /// `RIFF....WAVE`: little-endian WAV, readable.
    RiffWave,
    /// `RIFX....WAVE`: big-endian WAV, refused.
    RifxWave,
    /// `RF64....WAVE` or `BW64....WAVE`: 64-bit RIFF, refused.
    Rf64Wave,
    /// Anything else.
    Other,
}

/// Identifies a file from its first 12 bytes (or fewer when it is shorter).
pub(crate) fn identify(header: &[u8]) -> Container {
    if header.get(8..12) != Some(b"WAVE".as_slice()) {
        return Container::Other;
    }
    match header.get(..4) {
        Some(b"RIFF") => Container::RiffWave,
        Some(b"RIFX") => Container::RifxWave,
        Some(b"RF64") | Some(b"BW64") => Container::Rf64Wave,
        _ => Container::Other,
    }
}

/// Reads and checks the RIFF header, then walks the chunks to the fmt and data chunks.
pub(crate) fn read_layout(file: &mut SourceFile) -> Result<WavLayout, ReadError> {
    check_riff_header(file)?;
    walk_chunks(file)
}

/// Checks the 12-byte header, naming what the file is when it is not RIFF/WAVE.
fn check_riff_header(file: &mut SourceFile) -> Result<(), ReadError> {
    if file.is_empty() {
        return Err(
            ReadError::truncated("the file is empty (0 bytes), not a WAV file")
                .in_file(file.path()),
        );
    }
    let mut header = [0u8; RIFF_HEADER_LEN as usize];
    let n = file.read_prefix_at(0, &mut header)?;
    let magic = header.get(..4.min(n)).unwrap_or_default();
    match magic {
        b"RIFX" => {
            return Err(unsupported(
                file,
                "big-endian RIFX files are not supported (only little-endian RIFF WAVE)",
            ))
        }
        b"RF64" | b"BW64" => {
            return Err(unsupported(
                file,
                "RF64/BW64 (64-bit RIFF) files are not supported (only RIFF WAVE up to 4 GiB)",
            ))
        }
        b"RIFF" => {}
        _ if n >= 4 => {
            return Err(file.malformed(
                0,
                // Not a WAV file: its content is not quoted (it may be anything).
                "not a WAV file: it does not start with \"RIFF\"",
            ));
        }
        _ => {}
    }
    if n < header.len() {
        return Err(ReadError::truncated(format!(
            "the file ends after {n} bytes, inside the {RIFF_HEADER_LEN}-byte RIFF/WAVE header"
        ))
        .at_offset(0)
        .in_file(file.path()));
    }
    let form = header.get(8..12).unwrap_or_default();
    if form != b"WAVE" {
        return Err(file.malformed(
            8,
            "not a WAV file: a RIFF file whose form type is not \"WAVE\"",
        ));
    }
    Ok(())
}

fn unsupported(file: &SourceFile, message: &str) -> ReadError {
    ReadError::unsupported(message)
        .at_offset(0)
        .in_file(file.path())
}

/// One chunk header.
#[derive(Debug, Clone, Copy)]
struct Chunk {
    id: [u8; 4],
    size: u32,
    /// Offset of the chunk header.
    offset: u64,
}

impl Chunk {
    /// Offset of the chunk's body.
    fn body(&self) -> u64 {
        self.offset + CHUNK_HEADER_LEN
    }

    /// Offset of the next chunk: after the body and its pad byte when the size is odd.
    /// Always at least 8 bytes after this chunk, so a walk always advances.
    fn next(&self) -> u64 {
        self.body() + u64::from(self.size) + u64::from(self.size & 1)
    }

    /// The id as printable text.
    fn name(&self) -> String {
        self.id.escape_ascii().to_string()
    }
}

fn read_chunk(file: &mut SourceFile, offset: u64) -> Result<Chunk, ReadError> {
    let mut h = [0u8; CHUNK_HEADER_LEN as usize];
    file.read_exact_at(offset, &mut h, "a chunk header")?;
    Ok(Chunk {
        id: [h[0], h[1], h[2], h[3]],
        size: u32::from_le_bytes([h[4], h[5], h[6], h[7]]),
        offset,
    })
}

/// Walks the chunks from byte 12 until both fmt and data are found or the file ends. The
/// first fmt and the first data chunk count; every other chunk is skipped. The RIFF size
/// field is not trusted (writers often get it wrong): the walk is bounded by the file.
fn walk_chunks(file: &mut SourceFile) -> Result<WavLayout, ReadError> {
    let mut format: Option<WavFormat> = None;
    let mut data: Option<(u64, u64)> = None;
    let mut offset = RIFF_HEADER_LEN;
    while offset + CHUNK_HEADER_LEN <= file.len() && (format.is_none() || data.is_none()) {
        let chunk = read_chunk(file, offset)?;
        match &chunk.id {
            b"fmt " if format.is_none() => format = Some(read_fmt(file, &chunk)?),
            b"data" if data.is_none() => data = Some(check_data(file, &chunk)?),
            _ => check_inside(file, &chunk)?,
        }
        offset = chunk.next();
    }
    let format = format.ok_or_else(|| missing(file, "fmt"))?;
    let (data_offset, data_len) = data.ok_or_else(|| missing(file, "data"))?;
    Ok(WavLayout {
        format,
        data_offset,
        data_len,
    })
}

fn missing(file: &SourceFile, id: &str) -> ReadError {
    ReadError::malformed(format!(
        "no \"{id}\" chunk in the file ({} bytes)",
        file.len()
    ))
    .in_file(file.path())
}

/// A chunk that is skipped must still lie inside the file, else the file is cut short.
fn check_inside(file: &SourceFile, chunk: &Chunk) -> Result<(), ReadError> {
    file.check_range(
        chunk.body(),
        u64::from(chunk.size),
        &format!("chunk \"{}\"", chunk.name()),
    )
}

/// Reads (at most [`FMT_READ_LEN`] bytes of) the fmt chunk and parses it.
fn read_fmt(file: &mut SourceFile, chunk: &Chunk) -> Result<WavFormat, ReadError> {
    file.check_range(chunk.body(), u64::from(chunk.size), "the fmt chunk")?;
    let len = chunk.size.min(FMT_READ_LEN);
    let body = file.read_vec_at(chunk.body(), u64::from(len), "the fmt chunk")?;
    WavFormat::parse(&body, chunk.size, chunk.body()).map_err(|e| e.in_file(file.path()))
}

/// Checks that the data chunk lies inside the file; returns its offset and length.
fn check_data(file: &SourceFile, chunk: &Chunk) -> Result<(u64, u64), ReadError> {
    let len = u64::from(chunk.size);
    let available = file.len().saturating_sub(chunk.body());
    if len > available {
        return Err(ReadError::truncated(format!(
            "the data chunk declares {len} bytes but only {available} remain before the end \
             of the file ({} bytes): the file is truncated",
            file.len()
        ))
        .at_offset(chunk.offset)
        .in_file(file.path()));
    }
    Ok((chunk.body(), len))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifies_containers() {
        assert_eq!(identify(b"RIFF\0\0\0\0WAVEfmt "), Container::RiffWave);
        assert_eq!(identify(b"RIFX\0\0\0\0WAVE"), Container::RifxWave);
        assert_eq!(identify(b"RF64\xff\xff\xff\xffWAVE"), Container::Rf64Wave);
        assert_eq!(identify(b"RIFF\0\0\0\0AVI "), Container::Other);
        assert_eq!(identify(b"RIFF"), Container::Other);
        assert_eq!(identify(b""), Container::Other);
    }

    #[test]
    fn next_chunk_skips_the_pad_byte() {
        let odd = Chunk {
            id: *b"junk",
            size: 5,
            offset: 12,
        };
        assert_eq!(odd.next(), 12 + 8 + 5 + 1);
        let empty = Chunk {
            id: *b"junk",
            size: 0,
            offset: 12,
        };
        assert_eq!(empty.next(), 20);
        let huge = Chunk {
            id: *b"junk",
            size: u32::MAX,
            offset: 12,
        };
        assert!(huge.next() > huge.offset);
    }
}
