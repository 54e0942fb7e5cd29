//! Decoding packed numeric samples into `f64`.

use crate::SampleFormat;

/// Byte order of a format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endian {
    /// Least significant byte first (WAV, EDF, BDF).
    Little,
    /// Most significant byte first (FIF).
    Big,
}

/// Decodes `bytes` (samples of `format` packed in `endian` order) into `out`, one `f64`
/// per sample, exactly (every integer format but int64 beyond ±2^53 fits an `f64`).
/// Decodes `min(bytes.len() / format.size(), out.len())` samples and returns that count
/// (0 for [`SampleFormat::String`], which is not packed numbers).
///
/// ```
/// use player_api::io::{decode_into, Endian};
/// use player_api::SampleFormat;
/// let mut out = [0.0; 2];
/// let n = decode_into(&[0xff, 0x7f, 0x00, 0x80], SampleFormat::Int16, Endian::Little, &mut out);
/// assert_eq!((n, out), (2, [32767.0, -32768.0]));
/// ```
pub fn decode_into(bytes: &[u8], format: SampleFormat, endian: Endian, out: &mut [f64]) -> usize {
    let size = format.size();
    if size == 0 {
        return 0;
    }
    let n = (bytes.len() / size).min(out.len());
    let chunks = bytes[..n * size].chunks_exact(size);
    for (dst, b) in out.iter_mut().zip(chunks) {
        *dst = decode_one(b, format, endian);
    }
    n
}

fn decode_one(b: &[u8], format: SampleFormat, endian: Endian) -> f64 {
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
        SampleFormat::UInt8 => f64::from(b[0]),
        SampleFormat::Int8 => f64::from(i8::from_le_bytes([b[0]])),
        SampleFormat::Int64 => num!(i64, 8),
        SampleFormat::Int16 => num!(i16, 2),
        SampleFormat::Int32 => num!(i32, 4),
        SampleFormat::Float32 => num!(f32, 4),
        SampleFormat::Float64 => num!(f64, 8),
        SampleFormat::String => 0.0, // never packed (size 0): not reached
        SampleFormat::Int24 => {
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
                SampleFormat::Int16,
                Endian::Little,
                &mut out
            ),
            2
        );
        assert_eq!(out, [32767.0, -32768.0]);
        decode_into(
            &[0xff, 0x7f, 0xff, 0x00, 0x00, 0x80],
            SampleFormat::Int24,
            Endian::Little,
            &mut out,
        );
        assert_eq!(out, [-32769.0, -8388608.0]);
        decode_into(
            &[0x80, 0x00, 0x00, 0x7f, 0xff, 0xff],
            SampleFormat::Int24,
            Endian::Big,
            &mut out,
        );
        assert_eq!(out, [-8388608.0, 8388607.0]);
        decode_into(
            &1.5f32.to_be_bytes(),
            SampleFormat::Float32,
            Endian::Big,
            &mut out,
        );
        assert_eq!(out[0], 1.5);
        decode_into(&[0, 255], SampleFormat::UInt8, Endian::Little, &mut out);
        assert_eq!(out, [0.0, 255.0]);
    }

    #[test]
    fn stops_at_the_shorter_of_input_and_output() {
        let mut out = [0.0; 1];
        assert_eq!(
            decode_into(&[1, 0, 2, 0], SampleFormat::Int16, Endian::Little, &mut out),
            1
        );
        let mut out = [0.0; 4];
        assert_eq!(
            decode_into(&[1, 0, 2], SampleFormat::Int16, Endian::Little, &mut out),
            1
        );
    }
}
