//! The RIFF container: the 12-byte `RIFF....WAVE` header (or big-endian `RIFX`, or 64-bit
//! `RF64`/`BW64` with its `ds64` chunk) and the walk over its chunks to find `fmt ` and
//! `data`, skipping every other chunk (and the pad byte after odd sizes).

use super::ds64::{Ds64, DS64_READ_LEN, SIZE_IN_DS64};
use super::fmt::{WavFormat, FMT_READ_LEN};
use player_api::io::{Endian, SourceFile};
use player_api::ReadError;

/// Size of the RIFF header: `RIFF`, the RIFF size, `WAVE`.
pub(crate) const RIFF_HEADER_LEN: u64 = 12;
/// Size of a chunk header: four-character id, `u32` body size.
const CHUNK_HEADER_LEN: u64 = 8;

/// Where the samples are and how they are stored.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct WavLayout {
    /// The container the file is.
    pub container: Container,
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
    /// `RIFF....WAVE`: little-endian WAV with 32-bit sizes.
    Riff,
    /// `RIFX....WAVE`: big-endian WAV (every size, header field and sample).
    Rifx,
    /// `RF64....WAVE` (EBU Tech 3306): little-endian, 64-bit sizes in a `ds64` chunk.
    Rf64,
    /// `BW64....WAVE` (ITU-R BS.2088): the same layout as RF64.
    Bw64,
    /// Anything else.
    Other,
}

impl Container {
    /// The byte order of every number in the file.
    pub(crate) fn endian(self) -> Endian {
        match self {
            Container::Rifx => Endian::Big,
            _ => Endian::Little,
        }
    }

    /// Whether sizes of `0xFFFFFFFF` are found in a `ds64` chunk.
    fn has_ds64(self) -> bool {
        matches!(self, Container::Rf64 | Container::Bw64)
    }

    /// The four magic bytes as text (`RIFF`, `RIFX`, `RF64`, `BW64`).
    pub(crate) fn magic(self) -> &'static str {
        match self {
            Container::Riff => "RIFF",
            Container::Rifx => "RIFX",
            Container::Rf64 => "RF64",
            Container::Bw64 => "BW64",
            Container::Other => "?",
        }
    }
}

/// Identifies a file from its first 12 bytes (or fewer when it is shorter).
pub(crate) fn identify(header: &[u8]) -> Container {
    if header.get(8..12) != Some(b"WAVE".as_slice()) {
        return Container::Other;
    }
    magic_container(header.get(..4).unwrap_or_default())
}

/// The container named by the four magic bytes alone.
fn magic_container(magic: &[u8]) -> Container {
    match magic {
        b"RIFF" => Container::Riff,
        b"RIFX" => Container::Rifx,
        b"RF64" => Container::Rf64,
        b"BW64" => Container::Bw64,
        _ => Container::Other,
    }
}

/// Reads and checks the RIFF header (and the ds64 chunk of RF64/BW64 files), then walks
/// the chunks to the fmt and data chunks.
pub(crate) fn read_layout(file: &mut SourceFile) -> Result<WavLayout, ReadError> {
    let container = check_riff_header(file)?;
    let ds64 = if container.has_ds64() {
        Some(read_ds64(file, container)?)
    } else {
        None
    };
    let reader = ChunkReader {
        endian: container.endian(),
        ds64,
    };
    walk_chunks(file, container, &reader)
}

/// Checks the 12-byte header, naming what the file is when it is not a WAVE file.
fn check_riff_header(file: &mut SourceFile) -> Result<Container, ReadError> {
    if file.is_empty() {
        return Err(
            ReadError::truncated("the file is empty (0 bytes), not a WAV file")
                .in_file(file.path()),
        );
    }
    let mut header = [0u8; RIFF_HEADER_LEN as usize];
    let n = file.read_prefix_at(0, &mut header)?;
    let magic = header.get(..4.min(n)).unwrap_or_default();
    let container = magic_container(magic);
    if container == Container::Other && n >= 4 {
        return Err(file.malformed(
            0,
            // Not a WAV file: its content is not quoted (it may be anything).
            "not a WAV file: it does not start with \"RIFF\" (or \"RIFX\", \"RF64\", \"BW64\")",
        ));
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
            format!(
                "not a WAV file: a {} file whose form type is not \"WAVE\"",
                container.magic()
            ),
        ));
    }
    Ok(container)
}

/// Reads the ds64 chunk, which must be the first chunk of an RF64/BW64 file.
fn read_ds64(file: &mut SourceFile, container: Container) -> Result<Ds64, ReadError> {
    let plain = ChunkReader {
        endian: Endian::Little,
        ds64: None,
    };
    let chunk = plain.read(file, RIFF_HEADER_LEN)?;
    if &chunk.id != b"ds64" {
        return Err(file.malformed(
            RIFF_HEADER_LEN,
            format!(
                "the first chunk of an {} file is \"{}\", not \"ds64\" (which holds the \
                 64-bit sizes)",
                container.magic(),
                chunk.name()
            ),
        ));
    }
    check_inside(file, &chunk)?;
    let len = chunk.size.min(DS64_READ_LEN);
    let body = file.read_vec_at(chunk.body(), len, "the ds64 chunk")?;
    Ds64::parse(&body, chunk.size, chunk.body()).map_err(|e| e.in_file(file.path()))
}

/// One chunk header, its size resolved (through ds64 for RF64/BW64 files).
#[derive(Debug, Clone, Copy)]
struct Chunk {
    id: [u8; 4],
    size: u64,
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
        self.body()
            .saturating_add(self.size)
            .saturating_add(self.size & 1)
    }

    /// The id as printable text.
    fn name(&self) -> String {
        self.id.escape_ascii().to_string()
    }
}

/// How chunk headers are read: their size's byte order, and where 64-bit sizes are.
struct ChunkReader {
    endian: Endian,
    ds64: Option<Ds64>,
}

impl ChunkReader {
    fn read(&self, file: &mut SourceFile, offset: u64) -> Result<Chunk, ReadError> {
        let mut h = [0u8; CHUNK_HEADER_LEN as usize];
        file.read_exact_at(offset, &mut h, "a chunk header")?;
        let id = [h[0], h[1], h[2], h[3]];
        let bytes = [h[4], h[5], h[6], h[7]];
        let size32 = match self.endian {
            Endian::Little => u32::from_le_bytes(bytes),
            Endian::Big => u32::from_be_bytes(bytes),
        };
        let size = match &self.ds64 {
            Some(ds64) if size32 == SIZE_IN_DS64 => ds64.size_of(&id).ok_or_else(|| {
                file.malformed(
                    offset,
                    format!(
                        "chunk \"{}\" has the size 0xFFFFFFFF (\"see ds64\") but the ds64 \
                         chunk gives no size for it",
                        id.escape_ascii()
                    ),
                )
            })?,
            _ => u64::from(size32),
        };
        Ok(Chunk { id, size, offset })
    }
}

/// Walks the chunks from byte 12 until both fmt and data are found or the file ends. The
/// first fmt and the first data chunk count; every other chunk (ds64 included) is
/// skipped. The RIFF size field is not trusted (writers often get it wrong): the walk is
/// bounded by the file.
fn walk_chunks(
    file: &mut SourceFile,
    container: Container,
    reader: &ChunkReader,
) -> Result<WavLayout, ReadError> {
    let mut format: Option<WavFormat> = None;
    let mut data: Option<(u64, u64)> = None;
    let mut offset = RIFF_HEADER_LEN;
    while offset.saturating_add(CHUNK_HEADER_LEN) <= file.len()
        && (format.is_none() || data.is_none())
    {
        let chunk = reader.read(file, offset)?;
        match &chunk.id {
            b"fmt " if format.is_none() => format = Some(read_fmt(file, &chunk, reader.endian)?),
            b"data" if data.is_none() => data = Some(check_data(file, &chunk)?),
            _ => check_inside(file, &chunk)?,
        }
        offset = chunk.next();
    }
    let format = format.ok_or_else(|| missing(file, "fmt"))?;
    let (data_offset, data_len) = data.ok_or_else(|| missing(file, "data"))?;
    Ok(WavLayout {
        container,
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
        chunk.size,
        &format!("chunk \"{}\"", chunk.name()),
    )
}

/// Reads (at most [`FMT_READ_LEN`] bytes of) the fmt chunk and parses it.
fn read_fmt(file: &mut SourceFile, chunk: &Chunk, endian: Endian) -> Result<WavFormat, ReadError> {
    file.check_range(chunk.body(), chunk.size, "the fmt chunk")?;
    let declared = u32::try_from(chunk.size).unwrap_or(u32::MAX);
    let len = declared.min(FMT_READ_LEN);
    let body = file.read_vec_at(chunk.body(), u64::from(len), "the fmt chunk")?;
    WavFormat::parse(&body, declared, chunk.body(), endian).map_err(|e| e.in_file(file.path()))
}

/// Checks that the data chunk lies inside the file; returns its offset and length.
fn check_data(file: &SourceFile, chunk: &Chunk) -> Result<(u64, u64), ReadError> {
    let len = chunk.size;
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
        assert_eq!(identify(b"RIFF\0\0\0\0WAVEfmt "), Container::Riff);
        assert_eq!(identify(b"RIFX\0\0\0\0WAVE"), Container::Rifx);
        assert_eq!(identify(b"RF64\xff\xff\xff\xffWAVE"), Container::Rf64);
        assert_eq!(identify(b"BW64\xff\xff\xff\xffWAVE"), Container::Bw64);
        assert_eq!(identify(b"RIFF\0\0\0\0AVI "), Container::Other);
        assert_eq!(identify(b"RIFF"), Container::Other);
        assert_eq!(identify(b""), Container::Other);
        assert_eq!(Container::Rifx.endian(), Endian::Big);
        assert_eq!(Container::Bw64.endian(), Endian::Little);
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
            size: u64::MAX,
            offset: 12,
        };
        assert!(huge.next() > huge.offset);
    }
}
