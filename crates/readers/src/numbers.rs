//! Packed numbers of the binary formats that store more types than
//! [`SampleFormat`] names (GDF's and MATLAB's unsigned 16-, 32- and 64-bit integers):
//! sizes, decoding to `f64`, and the closest [`SampleFormat`] for a stream's info.

use player_api::io::{decode_into, Endian};
use player_api::SampleFormat;

/// A packed number type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RawType {
    I8,
    U8,
    I16,
    U16,
    I24,
    U24,
    I32,
    U32,
    I64,
    U64,
    F32,
    F64,
}

impl RawType {
    /// Bytes per number.
    pub(crate) fn size(self) -> usize {
        match self {
            RawType::I8 | RawType::U8 => 1,
            RawType::I16 | RawType::U16 => 2,
            RawType::I24 | RawType::U24 => 3,
            RawType::I32 | RawType::U32 | RawType::F32 => 4,
            RawType::I64 | RawType::U64 | RawType::F64 => 8,
        }
    }

    /// The lowercase name (`uint16`).
    pub(crate) fn name(self) -> &'static str {
        match self {
            RawType::I8 => "int8",
            RawType::U8 => "uint8",
            RawType::I16 => "int16",
            RawType::U16 => "uint16",
            RawType::I24 => "int24",
            RawType::U24 => "uint24",
            RawType::I32 => "int32",
            RawType::U32 => "uint32",
            RawType::I64 => "int64",
            RawType::U64 => "uint64",
            RawType::F32 => "float32",
            RawType::F64 => "float64",
        }
    }

    /// The [`SampleFormat`] that holds every value of this type (informational: sources
    /// deliver `f64`): unsigned types take the next wider signed one, `uint64` `float64`.
    pub(crate) fn sample_format(self) -> SampleFormat {
        match self {
            RawType::I8 => SampleFormat::Int8,
            RawType::U8 => SampleFormat::UInt8,
            RawType::I16 => SampleFormat::Int16,
            RawType::U16 | RawType::I24 => SampleFormat::Int24,
            RawType::U24 | RawType::I32 => SampleFormat::Int32,
            RawType::U32 | RawType::I64 => SampleFormat::Int64,
            RawType::F32 => SampleFormat::Float32,
            RawType::U64 | RawType::F64 => SampleFormat::Float64,
        }
    }

    /// The types `decode_into` reads as they are.
    fn native(self) -> Option<SampleFormat> {
        Some(match self {
            RawType::I8 => SampleFormat::Int8,
            RawType::U8 => SampleFormat::UInt8,
            RawType::I16 => SampleFormat::Int16,
            RawType::I24 => SampleFormat::Int24,
            RawType::I32 => SampleFormat::Int32,
            RawType::I64 => SampleFormat::Int64,
            RawType::F32 => SampleFormat::Float32,
            RawType::F64 => SampleFormat::Float64,
            _ => return None,
        })
    }

    /// Decodes `min(bytes.len() / size, out.len())` numbers of `bytes` into `out`; returns
    /// how many. Exact for every type but 64-bit integers beyond ±2^53 (nearest `f64`).
    pub(crate) fn decode(self, bytes: &[u8], endian: Endian, out: &mut [f64]) -> usize {
        if let Some(format) = self.native() {
            return decode_into(bytes, format, endian, out);
        }
        let size = self.size();
        let n = (bytes.len() / size).min(out.len());
        for (dst, b) in out.iter_mut().zip(bytes.chunks_exact(size)).take(n) {
            let mut wide = [0u8; 8];
            match endian {
                Endian::Little => wide[..size].copy_from_slice(b),
                Endian::Big => {
                    for (w, x) in wide[..size].iter_mut().zip(b.iter().rev()) {
                        *w = *x;
                    }
                }
            }
            *dst = u64::from_le_bytes(wide) as f64;
        }
        n
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unsigned_types_decode_in_both_orders() {
        let mut out = [0.0; 2];
        let n = RawType::U16.decode(&[0xff, 0xff, 0x01, 0x00], Endian::Little, &mut out);
        assert_eq!((n, out), (2, [65535.0, 1.0]));
        RawType::U16.decode(&[0x00, 0x01, 0x80, 0x00], Endian::Big, &mut out);
        assert_eq!(out, [1.0, 32768.0]);
        RawType::U24.decode(&[0xff, 0xff, 0xff, 1, 0, 0], Endian::Little, &mut out);
        assert_eq!(out, [16_777_215.0, 1.0]);
        RawType::I24.decode(&[0xff, 0xff, 0xff, 1, 0, 0], Endian::Little, &mut out);
        assert_eq!(out, [-1.0, 1.0]);
        RawType::U32.decode(&u32::MAX.to_le_bytes(), Endian::Little, &mut out);
        assert_eq!(out[0], 4_294_967_295.0);
        RawType::U64.decode(&(1u64 << 63).to_be_bytes(), Endian::Big, &mut out);
        assert_eq!(out[0], 9_223_372_036_854_775_808.0);
        let n = RawType::I16.decode(&[0x00, 0x80], Endian::Little, &mut out);
        assert_eq!((n, out[0]), (1, -32768.0));
        assert_eq!(RawType::U16.sample_format(), SampleFormat::Int24);
        assert_eq!(RawType::U64.name(), "uint64");
    }
}
