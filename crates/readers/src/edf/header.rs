//! The fixed header (256 bytes) and the per-signal headers (256 bytes per signal) of an
//! EDF/BDF file: parsing and validation against the file's size.

use player_api::io::ascii::{field_text, parse_field};
use player_api::io::SourceFile;
use player_api::{quote, ReadError};

/// Length of the fixed header and of each signal's header.
pub(crate) const BLOCK: u64 = 256;

/// Widths of the per-signal header fields, in file order.
const SIGNAL_FIELDS: [(&str, u64); 10] = [
    ("label", 16),
    ("transducer type", 80),
    ("physical dimension", 8),
    ("physical minimum", 8),
    ("physical maximum", 8),
    ("digital minimum", 8),
    ("digital maximum", 8),
    ("prefiltering", 80),
    ("number of samples per record", 8),
    ("signal reserved field", 32),
];

/// One signal's header, validated.
#[derive(Debug, Clone)]
pub(crate) struct Signal {
    /// 0-based index in the file's signal list.
    pub index: usize,
    pub label: String,
    pub transducer: String,
    /// The physical dimension as written (padding trimmed).
    pub dimension: String,
    /// Whether the raw dimension is a Latin-1 `µV` (byte 0xB5 then `V`).
    pub latin1_micro: bool,
    pub phys_min: f64,
    pub phys_max: f64,
    pub dig_min: i64,
    pub dig_max: i64,
    pub prefilter: String,
    pub reserved: String,
    /// Samples per data record.
    pub spr: u64,
    /// Byte offset of this signal's samples inside a data record.
    pub offset_in_record: u64,
    /// Whether this is an EDF+/BDF+ annotation signal ("EDF Annotations").
    pub annotation: bool,
}

impl Signal {
    /// Digital to physical exactly as EDFlib (and so pyedflib) computes it:
    /// `bitvalue * (offset + d)` with `bitvalue = (pmax - pmin) / (dmax - dmin)` and
    /// `offset = pmax / bitvalue - dmax`. Algebraically this is
    /// `(d - dmin) * (pmax - pmin) / (dmax - dmin) + pmin`.
    pub fn scaling(&self) -> (f64, f64) {
        let bitvalue = (self.phys_max - self.phys_min) / (self.dig_max - self.dig_min) as f64;
        let offset = self.phys_max / bitvalue - self.dig_max as f64;
        (bitvalue, offset)
    }
}

/// The whole header of a file, validated against the file's size.
#[derive(Debug, Clone)]
pub(crate) struct Header {
    /// 24-bit BDF samples (else 16-bit EDF).
    pub bdf: bool,
    /// EDF+ / BDF+ (the reserved field starts with "EDF+" or "BDF+").
    pub plus: bool,
    /// EDF+D / BDF+D.
    pub discontinuous: bool,
    pub patient: String,
    pub recording: String,
    pub startdate: String,
    pub starttime: String,
    pub reserved: String,
    /// Header length in bytes (= 256 * (signals + 1)).
    pub header_bytes: u64,
    /// The record count as the header states it (-1: unknown).
    pub records_field: i64,
    /// The number of complete data records used.
    pub records: u64,
    /// Bytes after the last record used (a partial record, ignored).
    pub trailing_bytes: u64,
    /// The record duration text as written, and its value in seconds.
    pub duration_text: String,
    pub duration: f64,
    pub signals: Vec<Signal>,
    /// Bytes per data record.
    pub record_size: u64,
}

impl Header {
    /// Bytes per sample: 2 (EDF) or 3 (BDF).
    pub fn sample_bytes(&self) -> u64 {
        if self.bdf {
            3
        } else {
            2
        }
    }

    /// The format's name: `EDF`, `EDF+C`, `EDF+D`, `BDF`, `BDF+C` or `BDF+D`.
    pub fn format_name(&self) -> String {
        let base = if self.bdf { "BDF" } else { "EDF" };
        match (self.plus, self.discontinuous) {
            (false, _) => base.to_string(),
            (true, false) => format!("{base}+C"),
            (true, true) => format!("{base}+D"),
        }
    }

    /// Byte offset of data record `record`.
    pub fn record_offset(&self, record: u64) -> u64 {
        // Cannot overflow: record < records and header + records * size <= file length.
        self.header_bytes + record * self.record_size
    }
}

/// The version field of an EDF file ("0" and spaces).
pub(crate) const EDF_VERSION: &[u8; 8] = b"0       ";
/// The version field of a BDF file.
pub(crate) const BDF_VERSION: &[u8; 8] = b"\xffBIOSEMI";

/// Whether `head` (at least the fixed header) starts like an EDF/BDF file with a header
/// size consistent with its signal count. Used by probing.
pub(crate) fn looks_like_edf(head: &[u8]) -> bool {
    let Some(version) = head.get(..8) else {
        return false;
    };
    if version != EDF_VERSION && version != BDF_VERSION && field_text(version) != "0" {
        return false;
    }
    let (Some(hb), Some(ns)) = (head.get(184..192), head.get(252..256)) else {
        return false;
    };
    match (
        parse_field::<u64>(hb, "header size"),
        parse_field::<u64>(ns, "signals"),
    ) {
        (Ok(hb), Ok(ns)) => {
            ns >= 1 && ns.checked_add(1).and_then(|n| n.checked_mul(BLOCK)) == Some(hb)
        }
        _ => false,
    }
}

/// Parses an integer field, also accepting an integral decimal such as `-32768.0`.
fn parse_int(bytes: &[u8], name: &str) -> Result<i64, String> {
    parse_field::<i64>(bytes, name).or_else(|e| match parse_field::<f64>(bytes, name) {
        Ok(v) if v.is_finite() && v.fract() == 0.0 && v.abs() < 9.0e15 => Ok(v as i64),
        _ => Err(e),
    })
}

/// Parses a finite decimal field.
fn parse_real(bytes: &[u8], name: &str) -> Result<f64, String> {
    let v = parse_field::<f64>(bytes, name)?;
    if v.is_finite() {
        Ok(v)
    } else {
        Err(format!(
            "{name} is not a finite number: {}",
            quote(&field_text(bytes))
        ))
    }
}

/// A slice of `buf` that the caller has sized; an internal error if not (never panics).
fn slice<'a>(
    file: &SourceFile,
    buf: &'a [u8],
    start: u64,
    len: u64,
) -> Result<&'a [u8], ReadError> {
    usize::try_from(start)
        .ok()
        .zip(usize::try_from(start + len).ok())
        .and_then(|(a, b)| buf.get(a..b))
        .ok_or_else(|| file.malformed(start, "header field out of range (internal error)"))
}

/// Reads and validates the header of `file`.
pub(crate) fn read_header(file: &mut SourceFile) -> Result<Header, ReadError> {
    let mut fixed = [0u8; BLOCK as usize];
    file.check_range(0, BLOCK, "the fixed header")?;
    file.read_exact_at(0, &mut fixed, "the fixed header")?;
    let f = |a: u64, b: u64| slice(file, &fixed, a, b - a);

    let version = f(0, 8)?;
    let bdf = if version == BDF_VERSION {
        true
    } else if version == EDF_VERSION || field_text(version) == "0" {
        false
    } else {
        return Err(file.malformed(
            0,
            // Not an EDF file: its content is not quoted (it may be anything).
            "not an EDF or BDF file: the version field is neither \"0\" (EDF) nor \
             \"\\xffBIOSEMI\" (BDF)",
        ));
    };
    let patient = field_text(f(8, 88)?);
    let recording = field_text(f(88, 168)?);
    let startdate = field_text(f(168, 176)?);
    let starttime = field_text(f(176, 184)?);
    let header_field =
        parse_int(f(184, 192)?, "number of bytes in header").map_err(|m| file.malformed(184, m))?;
    let reserved = field_text(f(192, 236)?);
    let records_field =
        parse_int(f(236, 244)?, "number of data records").map_err(|m| file.malformed(236, m))?;
    let duration_text = field_text(f(244, 252)?);
    let duration = parse_real(f(244, 252)?, "duration of a data record")
        .map_err(|m| file.malformed(244, m))?;
    let ns = parse_int(f(252, 256)?, "number of signals").map_err(|m| file.malformed(252, m))?;

    if ns < 1 {
        return Err(file.malformed(
            252,
            format!("number of signals is {ns}: a file needs at least one signal"),
        ));
    }
    // ns has at most 4 digits, so this cannot overflow.
    let ns_u = ns as u64;
    let header_bytes = (ns_u + 1) * BLOCK;
    if header_bytes > file.len() {
        return Err(ReadError::truncated(format!(
            "number of signals is {ns}: their headers need {header_bytes} bytes but the file ({} bytes) ends first",
            file.len()
        ))
        .at_offset(252)
        .in_file(file.path()));
    }
    if header_field != header_bytes as i64 {
        return Err(file.malformed(
            184,
            format!(
                "number of bytes in header is {header_field}, but {ns} signals need {header_bytes}"
            ),
        ));
    }
    if duration.is_nan() || duration <= 0.0 {
        return Err(file.malformed(
            244,
            format!(
                "duration of a data record is {}: it must be greater than 0",
                quote(&duration_text)
            ),
        ));
    }
    if records_field < -1 {
        return Err(file.malformed(
            236,
            format!("number of data records is {records_field}: only -1 (unknown) or a count >= 0 is valid"),
        ));
    }

    let (plus, discontinuous) = {
        let r = reserved.as_bytes();
        let plus = r.starts_with(b"EDF+") || r.starts_with(b"BDF+");
        (plus, plus && r.get(4) == Some(&b'D'))
    };

    let block = file.read_vec_at(BLOCK, ns_u * BLOCK, "the signal headers")?;
    // Absolute offset of field `k` of signal `i` and its width.
    let field_at = |k: usize, i: u64| -> (u64, u64) {
        let before: u64 = SIGNAL_FIELDS.iter().take(k).map(|(_, w)| w * ns_u).sum();
        let width = SIGNAL_FIELDS.get(k).map_or(0, |(_, w)| *w);
        (BLOCK + before + i * width, width)
    };
    let raw = |k: usize, i: u64| -> Result<&[u8], ReadError> {
        let (at, w) = field_at(k, i);
        slice(file, &block, at - BLOCK, w)
    };

    let sample_bytes: u64 = if bdf { 3 } else { 2 };
    let (dig_lo, dig_hi) = if bdf {
        (-8_388_608, 8_388_607)
    } else {
        (-32_768, 32_767)
    };
    let mut signals = Vec::with_capacity(ns_u as usize);
    let mut record_size: u64 = 0;
    for i in 0..ns_u {
        let label = field_text(raw(0, i)?);
        let annotation = label == "EDF Annotations" || label == "BDF Annotations";
        let name = |k: usize| -> String {
            let field = SIGNAL_FIELDS.get(k).map_or("field", |(n, _)| *n);
            format!("{field} of signal {} ({})", i + 1, quote(&label))
        };
        let err = |k: usize, m: String| file.malformed(field_at(k, i).0, m);
        let dim_raw = raw(2, i)?;
        let latin1_micro = {
            let t: Vec<u8> = dim_raw
                .iter()
                .copied()
                .filter(|&b| b != b' ' && b != 0)
                .collect();
            t == [0xB5, b'V']
        };
        let spr = parse_int(raw(8, i)?, &name(8)).map_err(|m| err(8, m))?;
        if spr < 1 {
            return Err(err(
                8,
                format!("{} is {spr}: it must be at least 1", name(8)),
            ));
        }
        let spr = spr as u64;
        let (phys_min, phys_max, dig_min, dig_max) = if annotation {
            // Annotation signals carry text: their ranges are not used.
            (0.0, 1.0, 0, 1)
        } else {
            let pmin = parse_real(raw(3, i)?, &name(3)).map_err(|m| err(3, m))?;
            let pmax = parse_real(raw(4, i)?, &name(4)).map_err(|m| err(4, m))?;
            let dmin = parse_int(raw(5, i)?, &name(5)).map_err(|m| err(5, m))?;
            let dmax = parse_int(raw(6, i)?, &name(6)).map_err(|m| err(6, m))?;
            for (k, v) in [(5, dmin), (6, dmax)] {
                if !(dig_lo..=dig_hi).contains(&v) {
                    return Err(err(
                        k,
                        format!(
                            "{} is {v}, outside the {}-bit range",
                            name(k),
                            sample_bytes * 8
                        ),
                    ));
                }
            }
            if dmin >= dmax {
                return Err(err(
                    5,
                    format!(
                        "{} ({dmin}) must be less than the digital maximum ({dmax})",
                        name(5)
                    ),
                ));
            }
            if pmin == pmax {
                return Err(err(
                    3,
                    format!("{} equals the physical maximum ({pmax}): no scale", name(3)),
                ));
            }
            (pmin, pmax, dmin, dmax)
        };
        let bytes = spr
            .checked_mul(sample_bytes)
            .filter(|b| *b <= file.len())
            .ok_or_else(|| {
                err(
                    8,
                    format!(
                        "{} ({spr}) is larger than the file ({} bytes)",
                        name(8),
                        file.len()
                    ),
                )
            })?;
        signals.push(Signal {
            index: i as usize,
            label,
            transducer: field_text(raw(1, i)?),
            dimension: field_text(dim_raw),
            latin1_micro,
            phys_min,
            phys_max,
            dig_min,
            dig_max,
            prefilter: field_text(raw(7, i)?),
            reserved: field_text(raw(9, i)?),
            spr,
            offset_in_record: record_size,
            annotation,
        });
        // Each term is at most the file's length and there are at most 9999 of them.
        record_size += bytes;
    }

    let data_bytes = file.len() - header_bytes;
    let complete = data_bytes / record_size;
    let records = if records_field == -1 {
        complete
    } else {
        let claimed = records_field as u64;
        if claimed > complete {
            return Err(ReadError::truncated(format!(
                "number of data records is {claimed} ({record_size} bytes each) but the file holds only {complete} complete records ({data_bytes} data bytes)"
            ))
            .at_offset(236)
            .in_file(file.path()));
        }
        claimed
    };
    let trailing_bytes = data_bytes - records * record_size;

    Ok(Header {
        bdf,
        plus,
        discontinuous,
        patient,
        recording,
        startdate,
        starttime,
        reserved,
        header_bytes,
        records_field,
        records,
        trailing_bytes,
        duration_text,
        duration,
        signals,
        record_size,
    })
}

/// The measurement date as RFC 3339 UTC text, from the header's `dd.mm.yy` and `hh.mm.ss`
/// fields (years 85-99 are 19xx, 00-84 are 20xx), with the 4-digit year (and day and month)
/// of an EDF+ recording field `Startdate dd-MMM-yyyy` when present and valid. `None` when
/// the fields are not a valid date and time.
pub(crate) fn meas_date(h: &Header) -> Option<String> {
    let three = |text: &str| -> Option<(u32, u32, u32)> {
        let mut it = text.split('.').map(|p| p.trim().parse::<u32>().ok());
        let (a, b, c) = (it.next()??, it.next()??, it.next()??);
        it.next().is_none().then_some((a, b, c))
    };
    let (mut day, mut month, yy) = three(&h.startdate)?;
    let mut year = if yy >= 85 { 1900 + yy } else { 2000 + yy };
    if yy > 99 {
        return None;
    }
    let (hour, minute, second) = three(&h.starttime)?;
    if h.plus {
        if let Some((d, m, y)) = plus_startdate(&h.recording) {
            day = d;
            month = m;
            year = y;
        }
    }
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days_in_month = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    if day == 0 || day > days_in_month || hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    Some(format!(
        "{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}Z"
    ))
}

/// `Startdate 02-MAR-2002 ...` of an EDF+ recording field, as (day, month, year).
fn plus_startdate(recording: &str) -> Option<(u32, u32, u32)> {
    let mut words = recording.split_whitespace();
    if words.next()? != "Startdate" {
        return None;
    }
    let mut parts = words.next()?.split('-');
    let day = parts.next()?.parse::<u32>().ok()?;
    let mon = parts.next()?.to_ascii_uppercase();
    let year = parts.next()?.parse::<u32>().ok()?;
    const MONTHS: [&str; 12] = [
        "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
    ];
    let month = MONTHS.iter().position(|m| *m == mon)? as u32 + 1;
    (1000..=9999).contains(&year).then_some((day, month, year))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn startdate_of_edf_plus_recording_field() {
        assert_eq!(
            plus_startdate("Startdate 02-MAR-2002 X X X"),
            Some((2, 3, 2002))
        );
        assert_eq!(plus_startdate("Startdate X X X X"), None);
        assert_eq!(plus_startdate("something else"), None);
    }

    #[test]
    fn probe_needs_consistent_header_size() {
        let mut h = vec![b' '; 256];
        h[..8].copy_from_slice(EDF_VERSION);
        h[184..188].copy_from_slice(b"768 ");
        h[252..254].copy_from_slice(b"2 ");
        assert!(looks_like_edf(&h));
        h[184..188].copy_from_slice(b"512 ");
        assert!(!looks_like_edf(&h));
        h[..8].copy_from_slice(b"1       ");
        assert!(!looks_like_edf(&h));
    }
}
