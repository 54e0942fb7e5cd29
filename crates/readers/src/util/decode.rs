//! Decoding packed numeric samples into `f64`.

use player_api::SampleFormat;

/// Byte order of a format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endian {
    /// Least significant byte first (WAV, EDF, BDF).
    Little,
    /// Most significant byte first (FIF).
    Big,
}

/// A packed sample representation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RawFormat {
    /// Unsigned 8-bit integer.
    U8,
    /// Signed 8-bit integer.
    I8,
    /// Signed 16-bit integer.
    I16,
    /// Signed 24-bit integer (3 bytes).
    I24,
    /// Signed 32-bit integer.
    I32,
    /// Signed 64-bit integer (values beyond ±2^53 round to the nearest `f64`).
    I64,
    /// IEEE 754 single precision.
    F32,
    /// IEEE 754 double precision.
    F64,
}

impl RawFormat {
    /// The matching [`SampleFormat`] (for `StreamInfo::sample_format`).
    pub const fn sample_format(self) -> SampleFormat {
        match self {
            RawFormat::U8 => SampleFormat::UInt8,
            RawFormat::I8 => SampleFormat::Int8,
            RawFormat::I16 => SampleFormat::Int16,
            RawFormat::I24 => SampleFormat::Int24,
            RawFormat::I32 => SampleFormat::Int32,
            RawFormat::I64 => SampleFormat::Int64,
            RawFormat::F32 => SampleFormat::Float32,
            RawFormat::F64 => SampleFormat::Float64,
        }
    }

    /// Bytes per sample.
    pub const fn size(self) -> usize {
        match self {
            RawFormat::U8 | RawFormat::I8 => 1,
            RawFormat::I16 => 2,
            RawFormat::I24 => 3,
            RawFormat::I32 | RawFormat::F32 => 4,
            RawFormat::I64 | RawFormat::F64 => 8,
        }
    }
}

/// Decodes `bytes` (a whole number of samples of `format`) into `out`, one `f64` per
/// sample, exactly (every supported integer fits an `f64`). Decodes
/// `min(bytes.len() / size, out.len())` samples and returns that count.
pub fn decode_into(bytes: &[u8], format: RawFormat, endian: Endian, out: &mut [f64]) -> usize {
    let size = format.size();
    let n = (bytes.len() / size).min(out.len());
    let chunks = bytes[..n * size].chunks_exact(size);
    for (dst, b) in out.iter_mut().zip(chunks) {
        *dst = decode_one(b, format, endian);
    }
    n
}

fn decode_one(b: &[u8], format: RawFormat, endian: Endian) -> f64 {
    macro_rules! num {
        ($t:ty, $n:literal) => {{
            let mut a = [0u8; $n];
            a.copy_from_slice(b);
            match endian {
                Endian::Little => <$t>::from_le_bytes(a) as f64,
                Endian::Big => <$t>::from_be_bytes(a) as f64,
            }
        }};
    }
    match format {
        RawFormat::U8 => f64::from(b[0]),
        RawFormat::I8 => f64::from(i8::from_le_bytes([b[0]])),
        RawFormat::I64 => num!(i64, 8),
        RawFormat::I16 => num!(i16, 2),
        RawFormat::I32 => num!(i32, 4),
        RawFormat::F32 => num!(f32, 4),
        RawFormat::F64 => num!(f64, 8),
        RawFormat::I24 => {
            let (lo, mid, hi) = match endian {
                Endian::Little => (b[0], b[1], b[2]),
                Endian::Big => (b[2], b[1], b[0]),
            };
            // Place the 3 bytes in the top of an i32 and shift back to sign-extend.
            f64::from(i32::from_le_bytes([0, lo, mid, hi]) >> 8)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_each_format_and_order() {
        let mut out = [0.0; 2];
        assert_eq!(
            decode_into(
                &[0xff, 0x7f, 0x00, 0x80],
                RawFormat::I16,
                Endian::Little,
                &mut out
            ),
            2
        );
        assert_eq!(out, [32767.0, -32768.0]);
        decode_into(
            &[0xff, 0x7f, 0xff, 0x00, 0x00, 0x80],
            RawFormat::I24,
            Endian::Little,
            &mut out,
        );
        assert_eq!(out, [-32769.0, -8388608.0]);
        decode_into(
            &[0x80, 0x00, 0x00, 0x7f, 0xff, 0xff],
            RawFormat::I24,
            Endian::Big,
            &mut out,
        );
        assert_eq!(out, [-8388608.0, 8388607.0]);
        decode_into(&1.5f32.to_be_bytes(), RawFormat::F32, Endian::Big, &mut out);
        assert_eq!(out[0], 1.5);
        decode_into(&[0, 255], RawFormat::U8, Endian::Little, &mut out);
        assert_eq!(out, [0.0, 255.0]);
    }

    #[test]
    fn stops_at_the_shorter_of_input_and_output() {
        let mut out = [0.0; 1];
        assert_eq!(
            decode_into(&[1, 0, 2, 0], RawFormat::I16, Endian::Little, &mut out),
            1
        );
        let mut out = [0.0; 4];
        assert_eq!(
            decode_into(&[1, 0, 2], RawFormat::I16, Endian::Little, &mut out),
            1
        );
    }
}
