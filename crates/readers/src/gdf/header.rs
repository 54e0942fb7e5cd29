//! The fixed header (256 bytes) and the variable header (256 bytes per channel) of GDF
//! 1.x and 2.x files, validated against the file's size.
//!
//! Both versions: the version `GDF 1.xx` / `GDF 2.xx` at byte 0, the record count (`i64`)
//! at 236, the record duration as `u32` numerator and denominator at 244, the channel
//! count at 252 (`u32` in 1.x, `u16` in 2.x). The header length is an `i64` of bytes at 184
//! in 1.x and a `u16` of 256-byte blocks in 2.x (2.x may have a tag-length-value "header 3"
//! after the channels: it is skipped).

use super::units::unit_of;
use crate::numbers::RawType;
use player_api::io::{ascii::field_text, SourceFile};
use player_api::{quote, ReadError};

/// Fixed header and per-channel block length.
pub(crate) const BLOCK: u64 = 256;

/// One channel's header, validated.
#[derive(Debug, Clone)]
pub(crate) struct Channel {
    /// 0-based position among the file's channels.
    pub index: usize,
    pub label: String,
    pub transducer: String,
    /// The physical dimension as text (1.x; 2.x's obsolete 6-character field).
    pub dimension: String,
    /// 2.x: the physical dimension code (ISO/IEEE 11073-10101).
    pub dimension_code: Option<u16>,
    pub phys_min: f64,
    pub phys_max: f64,
    pub dig_min: f64,
    pub dig_max: f64,
    /// 1.x: the prefiltering text.
    pub prefilter: String,
    /// 2.x: lowpass, highpass, notch (Hz).
    pub filters: Option<[f32; 3]>,
    /// 2.x: the sensor position.
    pub position: Option<[f32; 3]>,
    pub spr: u64,
    /// The GDF type code and the packed type it means.
    pub type_code: u32,
    pub raw: RawType,
    /// Byte offset of this channel's samples inside a record.
    pub offset_in_record: u64,
    /// The SI unit, and the factor to it.
    pub unit: String,
    pub unit_scale: f64,
}

impl Channel {
    /// MNE-Python's scaling: `physical = (digital × cal + offset)` with `cal = physical
    /// range / digital range` and `offset = phys_min − dig_min × cal`, a range of 0 taken
    /// as 1 (as MNE takes it).
    pub(crate) fn scaling(&self) -> (f64, f64) {
        let pr = self.phys_max - self.phys_min;
        let dr = self.dig_max - self.dig_min;
        let pr = if pr == 0.0 { 1.0 } else { pr };
        let dr = if dr == 0.0 || !dr.is_finite() {
            1.0
        } else {
            dr
        };
        let cal = pr / dr;
        (cal, self.phys_min - self.dig_min * cal)
    }
}

/// The whole header.
#[derive(Debug, Clone)]
pub(crate) struct Header {
    /// `GDF 1.25`, `GDF 2.20`, ...
    pub version: String,
    /// The version's number (`1.25`).
    pub number: f64,
    pub patient: String,
    pub recording: String,
    /// RFC 3339, when the header has a valid start time.
    pub meas_date: Option<String>,
    pub header_bytes: u64,
    /// The record count as written (-1: unknown).
    pub records_field: i64,
    /// The records used.
    pub records: u64,
    /// The record duration: numerator, denominator, seconds.
    pub duration: (u32, u32, f64),
    pub channels: Vec<Channel>,
    pub record_size: u64,
}

impl Header {
    /// Byte offset of record `r`.
    pub(crate) fn record_offset(&self, r: u64) -> u64 {
        // Cannot overflow: header + records × size <= file length, checked.
        self.header_bytes + r * self.record_size
    }

    /// Where the event table starts (after the last record).
    pub(crate) fn events_offset(&self) -> u64 {
        self.record_offset(self.records)
    }
}

/// The packed type of a GDF type code.
fn raw_type(code: u32) -> Option<RawType> {
    Some(match code {
        1 => RawType::I8,
        2 => RawType::U8,
        3 => RawType::I16,
        4 => RawType::U16,
        5 => RawType::I32,
        6 => RawType::U32,
        7 => RawType::I64,
        8 => RawType::U64,
        16 => RawType::F32,
        17 => RawType::F64,
        279 => RawType::I24,
        535 => RawType::U24,
        _ => return None,
    })
}

/// Whether `head` (a file's first bytes) starts with a GDF version field.
pub(crate) fn looks_like_gdf(head: &[u8]) -> bool {
    head.len() >= 8
        && (head.starts_with(b"GDF 1.") || head.starts_with(b"GDF 2."))
        && head[6..8].iter().all(|b| b.is_ascii_digit() || *b == b' ')
}

/// Little-endian readers of a byte slice (the header, read whole).
struct Le<'a>(&'a [u8]);

impl Le<'_> {
    fn u16(&self, at: usize) -> u16 {
        u16::from_le_bytes([self.0[at], self.0[at + 1]])
    }
    fn u32(&self, at: usize) -> u32 {
        u32::from_le_bytes([self.0[at], self.0[at + 1], self.0[at + 2], self.0[at + 3]])
    }
    fn bytes8(&self, at: usize) -> [u8; 8] {
        let mut b = [0u8; 8];
        b.copy_from_slice(&self.0[at..at + 8]);
        b
    }
    fn i64(&self, at: usize) -> i64 {
        i64::from_le_bytes(self.bytes8(at))
    }
    fn u64(&self, at: usize) -> u64 {
        u64::from_le_bytes(self.bytes8(at))
    }
    fn f64(&self, at: usize) -> f64 {
        f64::from_le_bytes(self.bytes8(at))
    }
    fn f32(&self, at: usize) -> f32 {
        f32::from_le_bytes([self.0[at], self.0[at + 1], self.0[at + 2], self.0[at + 3]])
    }
    fn text(&self, at: usize, len: usize) -> String {
        field_text(&self.0[at..at + len])
    }
}

/// Reads and validates the header of `file`.
pub(crate) fn read_header(file: &mut SourceFile) -> Result<Header, ReadError> {
    let mut fixed = [0u8; BLOCK as usize];
    if file.len() < BLOCK {
        return Err(ReadError::truncated(format!(
            "the file ({} bytes) is shorter than the 256-byte GDF header",
            file.len()
        ))
        .in_file(file.path()));
    }
    file.read_exact_at(0, &mut fixed, "the fixed header")?;
    if !looks_like_gdf(&fixed) {
        return Err(file.malformed(
            0,
            "not a GDF file: it does not start with \"GDF 1.\" or \"GDF 2.\"",
        ));
    }
    let h = Le(&fixed);
    let version = h.text(0, 8);
    let number: f64 = version[4..].trim().parse().map_err(|_| {
        file.malformed(
            0,
            format!("the version {} is not a number", quote(&version)),
        )
    })?;
    let v2 = number >= 1.9;
    let ns = if v2 {
        u64::from(h.u16(252))
    } else {
        u64::from(h.u32(252))
    };
    if ns == 0 {
        return Err(file.malformed(252, "the number of channels is 0"));
    }
    let header_bytes = if v2 {
        u64::from(h.u16(184)) * BLOCK
    } else {
        let n = h.i64(184);
        u64::try_from(n)
            .map_err(|_| file.malformed(184, format!("the header length is {n} bytes")))?
    };
    let needed = BLOCK.saturating_mul(ns + 1);
    if header_bytes < needed || (!v2 && header_bytes != needed) {
        return Err(file.malformed(
            184,
            format!("the header length is {header_bytes} bytes, but {ns} channels take {needed}"),
        ));
    }
    file.check_range(0, header_bytes, "the header")?;
    let variable = file.read_vec_at(BLOCK, needed - BLOCK, "the channel headers")?;
    let channels = read_channels(file, &variable, ns as usize, v2)?;
    let (num, den) = (h.u32(244), h.u32(248));
    if num == 0 || den == 0 {
        return Err(file.malformed(
            244,
            format!("the record duration is {num}/{den} s: it must be above 0"),
        ));
    }
    let duration = f64::from(num) / f64::from(den);
    let record_size: u64 = channels.iter().map(|c| c.spr * c.raw.size() as u64).sum();
    let records_field = h.i64(236);
    // Records of 0 bytes (every channel without samples) fit any number of times.
    let available = (file.len() - header_bytes)
        .checked_div(record_size)
        .unwrap_or(u64::MAX);
    let records = match records_field {
        -1 => available,
        n if n < -1 => return Err(file.malformed(236, format!("the number of records is {n}"))),
        n => {
            let n = n as u64;
            if n > available {
                return Err(ReadError::truncated(format!(
                    "the header announces {n} records of {record_size} bytes, but the file holds {available}"
                ))
                .at_offset(236)
                .in_file(file.path()));
            }
            n
        }
    };
    let (patient, recording) = if v2 {
        (h.text(8, 66), h.text(88, 64))
    } else {
        (h.text(8, 80), h.text(88, 80))
    };
    let meas_date = if v2 {
        v2_date(h.u64(168))
    } else {
        v1_date(&h.text(168, 16))
    };
    Ok(Header {
        version,
        number,
        patient,
        recording,
        meas_date,
        header_bytes,
        records_field,
        records,
        duration: (num, den, duration),
        channels,
        record_size,
    })
}

/// Widths of the per-channel fields, in file order.
const V1_FIELDS: [usize; 11] = [16, 80, 8, 8, 8, 8, 8, 80, 4, 4, 32];
const V2_FIELDS: [usize; 16] = [16, 80, 6, 2, 8, 8, 8, 8, 68, 4, 4, 4, 4, 4, 12, 20];

/// The channel headers (`variable`: the `ns × 256` bytes after the fixed header).
fn read_channels(
    file: &SourceFile,
    variable: &[u8],
    ns: usize,
    v2: bool,
) -> Result<Vec<Channel>, ReadError> {
    let widths: &[usize] = if v2 { &V2_FIELDS } else { &V1_FIELDS };
    let v = Le(variable);
    // Where field k of channel i is.
    let at = |k: usize, i: usize| -> usize {
        widths[..k].iter().map(|w| w * ns).sum::<usize>() + i * widths[k]
    };
    let mut out = Vec::with_capacity(ns);
    let mut offset_in_record = 0u64;
    for i in 0..ns {
        let label = v.text(at(0, i), 16);
        let named = |what: &str| format!("the {what} of channel {} ({})", i + 1, quote(&label));
        let bad = |k: usize, m: String| file.malformed(BLOCK + at(k, i) as u64, m);
        let (dimension, code, pmin, pmax, dmin, dmax, spr_k) = if v2 {
            (
                v.text(at(2, i), 6),
                Some(v.u16(at(3, i))),
                v.f64(at(4, i)),
                v.f64(at(5, i)),
                v.f64(at(6, i)),
                v.f64(at(7, i)),
                12,
            )
        } else {
            (
                v.text(at(2, i), 8),
                None,
                v.f64(at(3, i)),
                v.f64(at(4, i)),
                v.i64(at(5, i)) as f64,
                v.i64(at(6, i)) as f64,
                8,
            )
        };
        // The fields of the physical and digital range: 3..=6 in 1.x, 4..=7 in 2.x.
        let p0 = if v2 { 4 } else { 3 };
        let ranges = [
            ("physical minimum", pmin),
            ("physical maximum", pmax),
            ("digital minimum", dmin),
            ("digital maximum", dmax),
        ];
        for (k, (what, x)) in ranges.into_iter().enumerate() {
            if !x.is_finite() {
                return Err(bad(p0 + k, format!("{} is {x}", named(what))));
            }
        }
        let spr = u64::from(v.u32(at(spr_k, i)));
        let type_code = v.u32(at(spr_k + 1, i));
        let raw = raw_type(type_code).ok_or_else(|| {
            ReadError::unsupported(format!(
                "{} is {type_code}, which this reader does not read (it reads int8..int64, uint8..uint64, int24, uint24, float32 and float64: 1-8, 16, 17, 279, 535)",
                named("data type")
            ))
            .at_offset(BLOCK + at(spr_k + 1, i) as u64)
            .in_file(file.path())
        })?;
        if spr > file.len() {
            return Err(bad(
                spr_k,
                format!(
                    "{} is {spr}, more than the file holds",
                    named("number of samples per record")
                ),
            ));
        }
        let (filters, position) = if v2 {
            (
                Some([v.f32(at(9, i)), v.f32(at(10, i)), v.f32(at(11, i))]),
                Some([v.f32(at(14, i)), v.f32(at(14, i) + 4), v.f32(at(14, i) + 8)]),
            )
        } else {
            (None, None)
        };
        let (unit, unit_scale) = unit_of(code, &dimension);
        out.push(Channel {
            index: i,
            transducer: v.text(at(1, i), 80),
            prefilter: if v2 {
                String::new()
            } else {
                v.text(at(7, i), 80)
            },
            label,
            dimension,
            dimension_code: code,
            phys_min: pmin,
            phys_max: pmax,
            dig_min: dmin,
            dig_max: dmax,
            filters,
            position,
            spr,
            type_code,
            raw,
            offset_in_record,
            unit,
            unit_scale,
        });
        offset_in_record = offset_in_record
            .checked_add(spr * raw.size() as u64)
            .ok_or_else(|| file.malformed(BLOCK, "the record size overflows"))?;
    }
    Ok(out)
}

/// GDF 1.x's start time `YYYYMMDDhhmmsscc`, to the second.
fn v1_date(text: &str) -> Option<String> {
    let d = text.as_bytes();
    if d.len() < 14 || !d[..14].iter().all(u8::is_ascii_digit) {
        return None;
    }
    let n = |a: usize, b: usize| text[a..b].parse::<i64>().ok();
    let (y, mo, day, h, mi, s) = (
        n(0, 4)?,
        n(4, 6)?,
        n(6, 8)?,
        n(8, 10)?,
        n(10, 12)?,
        n(12, 14)?,
    );
    let days = player_api::calendar::days_from_civil(y, mo, day);
    if player_api::calendar::civil_from_days(days) != (y, mo, day) || h > 23 || mi > 59 || s > 59 {
        return None;
    }
    Some(format!("{y:04}-{mo:02}-{day:02}T{h:02}:{mi:02}:{s:02}Z"))
}

/// GDF 2.x's start time: days since year 0 as a 32.32 fixed-point number (MATLAB's
/// `datenum`), to the second; 0 means none.
fn v2_date(value: u64) -> Option<String> {
    if value == 0 {
        return None;
    }
    let days = value as f64 / 4_294_967_296.0;
    // datenum 367 is 0001-01-01, which is Unix day -719162.
    crate::dates::rfc3339_of_unix((days - 367.0 - 719_162.0) * 86_400.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_of_both_versions() {
        assert_eq!(
            v1_date("2003112512301500").as_deref(),
            Some("2003-11-25T12:30:15Z")
        );
        assert_eq!(v1_date("20030231123015").as_deref(), None);
        assert_eq!(v1_date("").as_deref(), None);
        // 2020-01-01 is datenum 737791.
        let v = (737_791u64 << 32) + (1u64 << 31); // + 12 h
        assert_eq!(v2_date(v).as_deref(), Some("2020-01-01T12:00:00Z"));
        assert_eq!(v2_date(0), None);
        assert!(looks_like_gdf(b"GDF 2.20xx"));
        assert!(!looks_like_gdf(b"GDF 3.00"));
        assert!(!looks_like_gdf(b"GDF 1.x"));
    }
}
