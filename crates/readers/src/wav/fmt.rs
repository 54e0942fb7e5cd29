//! The `fmt ` chunk: how the samples of the `data` chunk are stored, checked for
//! consistency and reduced to what decoding needs.

use super::tags::{self, EXTENSIBLE, IEEE_FLOAT, PCM};
use player_api::io::Endian;
use player_api::{ReadError, SampleFormat};

/// Size of the plain `WAVEFORMAT` + `wBitsPerSample` part every fmt chunk starts with.
pub(crate) const FMT_MIN_LEN: u32 = 16;
/// Size of a `WAVEFORMATEXTENSIBLE` fmt chunk (18 + a 22-byte extension).
pub(crate) const FMT_EXTENSIBLE_LEN: u32 = 40;
/// How many bytes of a fmt chunk are ever read: nothing after the extensible part is used.
pub(crate) const FMT_READ_LEN: u32 = FMT_EXTENSIBLE_LEN;

/// The fields of the KSDATAFORMAT_SUBTYPE_* GUIDs `0000xxxx-0000-0010-8000-00aa00389b71`
/// but the format tag `xxxx`: `Data2`, `Data3` (stored in the file's byte order, like
/// `Data1`) and the 8 bytes of `Data4` (always in this order).
const SUBFORMAT_DATA2: u16 = 0x0000;
const SUBFORMAT_DATA3: u16 = 0x0010;
const SUBFORMAT_DATA4: [u8; 8] = [0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71];

/// Whether samples are integers or IEEE floats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Encoding {
    /// Integer PCM (unsigned at 8 bits, signed otherwise).
    Pcm,
    /// IEEE 754 floating point.
    Float,
}

/// A checked fmt chunk.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct WavFormat {
    /// The format tag as written (`0xFFFE` for EXTENSIBLE files).
    pub format_tag: u16,
    /// The sample encoding (the sub-format's, for EXTENSIBLE files).
    pub encoding: Encoding,
    /// Channels per frame (at least 1).
    pub channels: u16,
    /// Frames per second (at least 1).
    pub sample_rate: u32,
    /// Bytes per frame (= channels × container bytes).
    pub block_align: u16,
    /// Bits of the sample container.
    pub bits_per_sample: u16,
    /// Meaningful bits, left-justified in the container (= container bits unless an
    /// EXTENSIBLE header says fewer).
    pub valid_bits: u16,
    /// The EXTENSIBLE speaker mask, when the file is EXTENSIBLE.
    pub channel_mask: Option<u32>,
    /// How one sample is packed.
    pub raw: SampleFormat,
    /// The byte order of the samples (big-endian in RIFX files only).
    pub endian: Endian,
}

/// The fixed fields at the start of every fmt chunk.
struct BaseFields {
    tag: u16,
    channels: u16,
    sample_rate: u32,
    block_align: u16,
    bits: u16,
}

/// The fields of a `WAVEFORMATEXTENSIBLE` extension.
struct Extension {
    valid_bits: u16,
    channel_mask: u32,
    sub_tag: u16,
}

impl WavFormat {
    /// Parses a fmt chunk. `body` holds the first `min(declared_len, FMT_READ_LEN)` bytes
    /// of a chunk declaring `declared_len` bytes, whose body starts at byte `offset` of the
    /// file; its numbers (and the samples) are in the `endian` byte order. Errors carry the
    /// offset of the offending field; the caller adds the file.
    pub(crate) fn parse(
        body: &[u8],
        declared_len: u32,
        offset: u64,
        endian: Endian,
    ) -> Result<Self, ReadError> {
        let base = parse_base(body, declared_len, offset, endian)?;
        let (encoding, valid_bits, channel_mask) = if base.tag == EXTENSIBLE {
            let ext = parse_extension(body, declared_len, offset, endian)?;
            let encoding = encoding_of(ext.sub_tag, true, offset + 24)?;
            let valid = if ext.valid_bits == 0 {
                base.bits
            } else {
                ext.valid_bits
            };
            (encoding, valid, Some(ext.channel_mask))
        } else {
            (encoding_of(base.tag, false, offset)?, base.bits, None)
        };
        check_counts(&base, offset)?;
        let raw = raw_format(encoding, base.bits, offset + 14)?;
        check_block_align(&base, raw, offset + 12)?;
        check_valid_bits(valid_bits, base.bits, offset + 18)?;
        Ok(WavFormat {
            format_tag: base.tag,
            encoding,
            channels: base.channels,
            sample_rate: base.sample_rate,
            block_align: base.block_align,
            bits_per_sample: base.bits,
            valid_bits,
            channel_mask,
            raw,
            endian,
        })
    }

    /// The native sample format, for [`player_api::StreamInfo::sample_format`].
    pub(crate) fn sample_format(&self) -> SampleFormat {
        self.raw
    }

    /// A short description of the encoding: `PCM`, `IEEE float`, `EXTENSIBLE/PCM`, ...
    pub(crate) fn describe(&self) -> String {
        let inner = match self.encoding {
            Encoding::Pcm => tags::tag_name(PCM),
            Encoding::Float => tags::tag_name(IEEE_FLOAT),
        };
        if self.channel_mask.is_some() {
            format!("EXTENSIBLE/{inner}")
        } else {
            inner.to_string()
        }
    }
}

fn u16_in(endian: Endian, a: [u8; 2]) -> u16 {
    match endian {
        Endian::Little => u16::from_le_bytes(a),
        Endian::Big => u16::from_be_bytes(a),
    }
}

fn u32_in(endian: Endian, a: [u8; 4]) -> u32 {
    match endian {
        Endian::Little => u32::from_le_bytes(a),
        Endian::Big => u32::from_be_bytes(a),
    }
}

/// Reads the 16 bytes every fmt chunk has.
fn parse_base(
    body: &[u8],
    declared_len: u32,
    offset: u64,
    endian: Endian,
) -> Result<BaseFields, ReadError> {
    let head: [u8; 16] = match body.get(..16).map(<[u8; 16]>::try_from) {
        Some(Ok(head)) if declared_len >= FMT_MIN_LEN => head,
        _ => {
            return Err(ReadError::malformed(format!(
                "fmt chunk is {declared_len} bytes, shorter than the {FMT_MIN_LEN} bytes of \
                 the smallest WAVE format header"
            ))
            .at_offset(offset))
        }
    };
    let u16_at = |i: usize| u16_in(endian, [head[i], head[i + 1]]);
    Ok(BaseFields {
        tag: u16_at(0),
        channels: u16_at(2),
        sample_rate: u32_in(endian, [head[4], head[5], head[6], head[7]]),
        block_align: u16_at(12),
        bits: u16_at(14),
    })
}

/// Reads the `WAVEFORMATEXTENSIBLE` extension (bytes 16..40) and checks its GUID.
fn parse_extension(
    body: &[u8],
    declared_len: u32,
    offset: u64,
    endian: Endian,
) -> Result<Extension, ReadError> {
    let ext: [u8; 24] = match body.get(16..40).map(<[u8; 24]>::try_from) {
        Some(Ok(ext)) if declared_len >= FMT_EXTENSIBLE_LEN => ext,
        _ => {
            return Err(ReadError::malformed(format!(
                "fmt chunk says WAVE_FORMAT_EXTENSIBLE but is {declared_len} bytes, shorter \
                 than the {FMT_EXTENSIBLE_LEN} bytes of its extension"
            ))
            .at_offset(offset))
        }
    };
    let u16_at = |i: usize| u16_in(endian, [ext[i], ext[i + 1]]);
    let u32_at = |i: usize| u32_in(endian, [ext[i], ext[i + 1], ext[i + 2], ext[i + 3]]);
    let cb_size = u16_at(0);
    if cb_size < 22 {
        return Err(ReadError::malformed(format!(
            "WAVE_FORMAT_EXTENSIBLE extension size is {cb_size}, less than 22"
        ))
        .at_offset(offset + 16));
    }
    let data1 = u32_at(8);
    let standard = data1 <= u32::from(u16::MAX)
        && u16_at(12) == SUBFORMAT_DATA2
        && u16_at(14) == SUBFORMAT_DATA3
        && ext.get(16..24) == Some(SUBFORMAT_DATA4.as_slice());
    if !standard {
        return Err(ReadError::unsupported(format!(
            "WAVE_FORMAT_EXTENSIBLE sub-format GUID {} is not a standard KSDATAFORMAT_SUBTYPE \
             (only PCM and IEEE float are read)",
            guid_text(&ext)
        ))
        .at_offset(offset + 24));
    }
    Ok(Extension {
        valid_bits: u16_at(2),
        channel_mask: u32_at(4),
        // The tag is Data1's value (at most 0xFFFF, checked above).
        sub_tag: u16::try_from(data1).unwrap_or(u16::MAX),
    })
}

/// The sub-format GUID (bytes 8..24 of the extension) as hex text.
fn guid_text(ext: &[u8; 24]) -> String {
    ext.iter().skip(8).map(|b| format!("{b:02x}")).collect()
}

/// The encoding of a (sub-)format tag, or the reason it is refused.
fn encoding_of(tag: u16, sub_format: bool, offset: u64) -> Result<Encoding, ReadError> {
    match tag {
        PCM => Ok(Encoding::Pcm),
        IEEE_FLOAT => Ok(Encoding::Float),
        _ => {
            let what = if sub_format {
                "WAVE_FORMAT_EXTENSIBLE sub-format"
            } else {
                "format tag"
            };
            Err(ReadError::unsupported(format!(
                "{what} {} ({}) is not supported: only uncompressed PCM (0x0001) and IEEE \
                 float (0x0003) samples are read, plain or in WAVE_FORMAT_EXTENSIBLE",
                tags::tag_hex(tag),
                tags::tag_name(tag)
            ))
            .at_offset(offset))
        }
    }
}

/// Channel count and sample rate must not be zero.
fn check_counts(base: &BaseFields, offset: u64) -> Result<(), ReadError> {
    if base.channels == 0 {
        return Err(ReadError::malformed("channel count is 0").at_offset(offset + 2));
    }
    if base.sample_rate == 0 {
        return Err(ReadError::malformed("sample rate is 0").at_offset(offset + 4));
    }
    Ok(())
}

/// The packed representation of `bits`-bit samples of `encoding`.
fn raw_format(encoding: Encoding, bits: u16, offset: u64) -> Result<SampleFormat, ReadError> {
    if bits == 0 || bits > 64 {
        return Err(ReadError::malformed(format!(
            "{bits} bits per sample is not between 1 and 64"
        ))
        .at_offset(offset));
    }
    if bits % 8 != 0 {
        return Err(ReadError::unsupported(format!(
            "{bits} bits per sample is not a multiple of 8 (samples narrower than their \
             container need WAVE_FORMAT_EXTENSIBLE with valid bits)"
        ))
        .at_offset(offset));
    }
    match (encoding, bits) {
        (Encoding::Pcm, 8) => Ok(SampleFormat::UInt8),
        (Encoding::Pcm, 16) => Ok(SampleFormat::Int16),
        (Encoding::Pcm, 24) => Ok(SampleFormat::Int24),
        (Encoding::Pcm, 32) => Ok(SampleFormat::Int32),
        (Encoding::Float, 32) => Ok(SampleFormat::Float32),
        (Encoding::Float, 64) => Ok(SampleFormat::Float64),
        (Encoding::Pcm, _) => Err(ReadError::unsupported(format!(
            "{bits}-bit integer PCM is not supported (8, 16, 24 and 32 bits are)"
        ))
        .at_offset(offset)),
        (Encoding::Float, _) => Err(ReadError::unsupported(format!(
            "{bits}-bit IEEE float is not supported (32 and 64 bits are)"
        ))
        .at_offset(offset)),
    }
}

/// The block align must be exactly one frame: channels × bytes per sample.
fn check_block_align(base: &BaseFields, raw: SampleFormat, offset: u64) -> Result<(), ReadError> {
    let bytes = raw.size() as u32;
    let expected = u32::from(base.channels) * bytes;
    if u32::from(base.block_align) != expected {
        return Err(ReadError::malformed(format!(
            "block align is {} bytes but {} channels × {bytes} bytes per sample make {expected}",
            base.block_align, base.channels
        ))
        .at_offset(offset));
    }
    Ok(())
}

/// Valid bits must fit in the container.
fn check_valid_bits(valid: u16, bits: u16, offset: u64) -> Result<(), ReadError> {
    if valid > bits {
        return Err(ReadError::malformed(format!(
            "valid bits per sample ({valid}) exceed the container's bits per sample ({bits})"
        ))
        .at_offset(offset));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use player_api::ReadErrorKind;

    fn base(tag: u16, channels: u16, rate: u32, align: u16, bits: u16) -> Vec<u8> {
        let mut b = Vec::new();
        b.extend_from_slice(&tag.to_le_bytes());
        b.extend_from_slice(&channels.to_le_bytes());
        b.extend_from_slice(&rate.to_le_bytes());
        b.extend_from_slice(&(rate * u32::from(align)).to_le_bytes());
        b.extend_from_slice(&align.to_le_bytes());
        b.extend_from_slice(&bits.to_le_bytes());
        b
    }

    fn extensible(channels: u16, bits: u16, valid: u16, mask: u32, sub: u16) -> Vec<u8> {
        let mut b = base(EXTENSIBLE, channels, 48000, channels * bits / 8, bits);
        b.extend_from_slice(&22u16.to_le_bytes());
        b.extend_from_slice(&valid.to_le_bytes());
        b.extend_from_slice(&mask.to_le_bytes());
        b.extend_from_slice(&sub.to_le_bytes());
        b.extend_from_slice(&[0, 0]);
        b.extend_from_slice(&SUBFORMAT_DATA2.to_le_bytes());
        b.extend_from_slice(&SUBFORMAT_DATA3.to_le_bytes());
        b.extend_from_slice(&SUBFORMAT_DATA4);
        b
    }

    fn parse(b: &[u8]) -> Result<WavFormat, ReadError> {
        WavFormat::parse(b, b.len() as u32, 20, Endian::Little)
    }

    /// The same fmt chunk with every number byte-swapped (what a RIFX writer stores).
    fn big_endian(le: &[u8]) -> Vec<u8> {
        let mut b = le.to_vec();
        // Fields as (offset, width): the base fields, then the extension's (its Data4
        // bytes are a byte array, not swapped).
        let fields = [
            (0, 2),
            (2, 2),
            (4, 4),
            (8, 4),
            (12, 2),
            (14, 2),
            (16, 2),
            (18, 2),
        ];
        let ext_fields = [(20, 4), (24, 4), (28, 2), (30, 2)];
        for (at, width) in fields.iter().chain(ext_fields.iter()) {
            if let Some(f) = b.get_mut(*at..at + width) {
                f.reverse();
            }
        }
        b
    }

    #[test]
    fn plain_formats() {
        let f = parse(&base(PCM, 2, 44100, 4, 16)).expect("pcm16");
        assert_eq!(
            (f.raw, f.valid_bits, f.channel_mask),
            (SampleFormat::Int16, 16, None)
        );
        assert_eq!(f.describe(), "PCM");
        assert_eq!(
            parse(&base(PCM, 1, 8000, 1, 8)).expect("u8").raw,
            SampleFormat::UInt8
        );
        let f = parse(&base(IEEE_FLOAT, 1, 8000, 8, 64)).expect("f64");
        assert_eq!(
            (f.raw, f.sample_format()),
            (SampleFormat::Float64, SampleFormat::Float64)
        );
    }

    #[test]
    fn fmt_longer_than_16_with_cb_size_is_fine() {
        let mut b = base(IEEE_FLOAT, 2, 8000, 8, 32);
        b.extend_from_slice(&0u16.to_le_bytes());
        assert_eq!(
            parse(&b).expect("float with cbSize").raw,
            SampleFormat::Float32
        );
    }

    #[test]
    fn extensible_with_fewer_valid_bits() {
        let f = parse(&extensible(2, 24, 20, 3, PCM)).expect("20 in 24");
        assert_eq!(
            (f.raw, f.valid_bits, f.channel_mask),
            (SampleFormat::Int24, 20, Some(3))
        );
        assert_eq!(f.describe(), "EXTENSIBLE/PCM");
        let f = parse(&extensible(1, 16, 0, 4, PCM)).expect("valid 0 means all");
        assert_eq!(f.valid_bits, 16);
        let f = parse(&extensible(2, 32, 32, 3, IEEE_FLOAT)).expect("float");
        assert_eq!(f.encoding, Encoding::Float);
    }

    #[test]
    fn refusals_name_the_problem_and_offset() {
        let cases: Vec<(Vec<u8>, ReadErrorKind, &str, u64)> = vec![
            (
                base(PCM, 1, 8000, 2, 16)[..14].to_vec(),
                ReadErrorKind::Malformed,
                "fmt chunk is 14 bytes",
                20,
            ),
            (
                base(7, 1, 8000, 1, 8),
                ReadErrorKind::Unsupported,
                "0x0007 (mu-law)",
                20,
            ),
            (
                base(PCM, 0, 8000, 0, 16),
                ReadErrorKind::Malformed,
                "channel count is 0",
                22,
            ),
            (
                base(PCM, 1, 0, 2, 16),
                ReadErrorKind::Malformed,
                "sample rate is 0",
                24,
            ),
            (
                base(PCM, 2, 8000, 2, 16),
                ReadErrorKind::Malformed,
                "block align is 2",
                32,
            ),
            (
                base(PCM, 1, 8000, 2, 12),
                ReadErrorKind::Unsupported,
                "12 bits per sample",
                34,
            ),
            (
                base(PCM, 1, 8000, 9, 72),
                ReadErrorKind::Malformed,
                "72 bits per sample",
                34,
            ),
            (
                base(PCM, 1, 8000, 0, 0),
                ReadErrorKind::Malformed,
                "0 bits per sample",
                34,
            ),
            (
                base(PCM, 1, 8000, 8, 64),
                ReadErrorKind::Unsupported,
                "64-bit integer PCM",
                34,
            ),
            (
                base(IEEE_FLOAT, 1, 8000, 2, 16),
                ReadErrorKind::Unsupported,
                "16-bit IEEE float",
                34,
            ),
            (
                extensible(1, 16, 20, 4, PCM),
                ReadErrorKind::Malformed,
                "valid bits per sample (20)",
                38,
            ),
            (
                extensible(1, 16, 16, 4, 0x11),
                ReadErrorKind::Unsupported,
                "0x0011 (IMA ADPCM)",
                44,
            ),
            (
                extensible(1, 16, 16, 4, PCM)[..30].to_vec(),
                ReadErrorKind::Malformed,
                "shorter than the 40",
                20,
            ),
        ];
        for (bytes, kind, text, offset) in cases {
            let err = parse(&bytes).expect_err(text);
            assert_eq!(err.kind(), kind, "{err}");
            assert!(err.message().contains(text), "{err} lacks {text}");
            assert_eq!(err.offset(), Some(offset), "{err}");
        }
    }

    #[test]
    fn big_endian_fields_are_read_in_their_order() {
        let le = extensible(2, 24, 20, 3, PCM);
        let be = big_endian(&le);
        assert_ne!(le, be);
        let f = WavFormat::parse(&be, be.len() as u32, 20, Endian::Big).expect("RIFX ext");
        assert_eq!(
            (
                f.channels,
                f.sample_rate,
                f.raw,
                f.valid_bits,
                f.channel_mask
            ),
            (2, 48000, SampleFormat::Int24, 20, Some(3))
        );
        assert_eq!(f.endian, Endian::Big);
        let plain = big_endian(&base(IEEE_FLOAT, 1, 96000, 8, 64));
        let f = WavFormat::parse(&plain, 16, 20, Endian::Big).expect("RIFX float");
        assert_eq!((f.sample_rate, f.raw), (96000, SampleFormat::Float64));
        // Read in the wrong order, the same bytes are refused, not misread.
        assert!(WavFormat::parse(&plain, 16, 20, Endian::Little).is_err());
    }

    #[test]
    fn unknown_guid_is_refused() {
        let mut b = extensible(1, 16, 16, 4, PCM);
        if let Some(last) = b.last_mut() {
            *last = 0;
        }
        let err = parse(&b).expect_err("bad guid");
        assert!(err.message().contains("sub-format GUID 0100"), "{err}");
    }

    #[test]
    fn short_body_with_long_declared_length_is_refused_not_indexed() {
        let err = WavFormat::parse(&[1, 0, 1], 16, 0, Endian::Little).expect_err("short");
        assert_eq!(err.kind(), ReadErrorKind::Malformed);
    }
}
