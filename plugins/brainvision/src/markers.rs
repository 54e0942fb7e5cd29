//! The `.vmrk` marker file: `[Marker Infos]` with
//! `Mk<n>=<type>,<description>,<position>,<points>,<channel>[,<date>]`.

use crate::header::{decode_text, parse_sections};
use player_api::{quote, ReadError};
use std::path::{Path, PathBuf};

/// The first-line signatures of a marker file.
const MAGICS: [&str; 2] = [
    "Brain Vision Data Exchange Marker File",
    "BrainVision Data Exchange Marker File",
];

/// One marker.
#[derive(Debug, Clone, PartialEq)]
pub struct Marker {
    /// Its type (`Stimulus`, `Response`, `Comment`, `New Segment`, ...).
    pub kind: String,
    /// Its description (`S  1`, free text); `\1` decoded to a comma.
    pub description: String,
    /// 1-based position in data points.
    pub position: i64,
    /// Length in data points.
    pub points: u64,
}

/// The markers of a file, and the measurement date of its first `New Segment`.
#[derive(Debug, Default)]
pub struct Markers {
    /// Markers in file order, without a leading `New Segment`.
    pub markers: Vec<Marker>,
    /// RFC 3339 UTC date, from the first `New Segment` marker that has one.
    pub meas_date: Option<String>,
}

/// The marker file of a header: `MarkerFile` (or, as MNE-Python does after a renaming, the
/// `.vmrk` beside the header when `MarkerFile` is missing from disk), or `None`.
pub fn find(header: &Path, dir: &Path, named: Option<&str>) -> Result<Option<PathBuf>, ReadError> {
    let Some(named) = named else {
        return Ok(None);
    };
    let path = dir.join(named);
    if path.is_file() {
        return Ok(Some(path));
    }
    let sibling = header.with_extension("vmrk");
    if sibling.is_file() {
        return Ok(Some(sibling));
    }
    Err(ReadError::invalid_argument(format!(
        "the marker file {} (MarkerFile in the header) does not exist",
        quote(&path.to_string_lossy())
    )))
}

/// Reads and parses a marker file; errors name it.
pub fn parse_file(path: &Path) -> Result<Markers, ReadError> {
    let bytes = crate::read_text_file(path, "the marker file")?;
    parse(&bytes).map_err(|e| e.in_file(path))
}

/// Parses marker-file bytes.
pub fn parse(bytes: &[u8]) -> Result<Markers, ReadError> {
    let text = decode_text(bytes);
    let first = text.lines().next().unwrap_or("").trim();
    if !MAGICS.iter().any(|m| {
        first
            .to_ascii_lowercase()
            .starts_with(&m.to_ascii_lowercase())
    }) {
        // Not a marker file: its content is not quoted (it may be anything).
        return Err(ReadError::malformed(format!(
            "not a BrainVision marker file: the first line does not start with {}",
            MAGICS.map(|m| format!("{m:?}")).join(" or ")
        )));
    }
    let sections = parse_sections(&text)?;
    let Some(infos) = sections.get("marker infos") else {
        return Ok(Markers::default());
    };
    let mut numbered: Vec<(u64, usize, &str)> = Vec::new();
    for (key, (value, line)) in infos {
        if let Some(n) = key.strip_prefix("mk").and_then(|n| n.parse::<u64>().ok()) {
            numbered.push((n, *line, value));
        }
    }
    numbered.sort_by_key(|&(n, _, _)| n);
    let mut out = Markers::default();
    for (index, (n, line, value)) in numbered.into_iter().enumerate() {
        let fields: Vec<&str> = value.split(',').collect();
        let field = |i: usize| fields.get(i).copied().unwrap_or("").trim();
        if fields.len() < 3 {
            return Err(ReadError::malformed(format!(
                "line {line}: Mk{n} has {} fields, at least type, description and position are needed",
                fields.len()
            )));
        }
        let kind = fields.first().copied().unwrap_or("").replace("\\1", ",");
        let description = fields.get(1).copied().unwrap_or("").replace("\\1", ",");
        let position: i64 = field(2).parse().map_err(|_| {
            ReadError::malformed(format!(
                "line {line}: Mk{n} position {} is not a whole number",
                quote(field(2))
            ))
        })?;
        // Like MNE-Python: a missing or non-numeric length counts as 0.
        let points: u64 = field(3).parse().unwrap_or(0);
        if kind == "New Segment" {
            if out.meas_date.is_none() {
                out.meas_date = parse_date(field(5));
            }
            if index == 0 {
                continue; // only marks the start of the recording
            }
        }
        out.markers.push(Marker {
            kind,
            description,
            position,
            points,
        });
    }
    Ok(out)
}

/// `YYYYMMDDhhmmssuuuuuu` as RFC 3339 UTC text, when valid.
fn parse_date(s: &str) -> Option<String> {
    if s.len() != 20 || !s.bytes().all(|b| b.is_ascii_digit()) || s.bytes().all(|b| b == b'0') {
        return None;
    }
    let part = |a: usize, b: usize| s.get(a..b).and_then(|x| x.parse::<u32>().ok());
    let (y, mo, d, h, mi, se, us) = (
        part(0, 4)?,
        part(4, 6)?,
        part(6, 8)?,
        part(8, 10)?,
        part(10, 12)?,
        part(12, 14)?,
        part(14, 20)?,
    );
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || se > 60 {
        return None;
    }
    Some(if us == 0 {
        format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{se:02}Z")
    } else {
        format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{se:02}.{us:06}Z")
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn parses_markers_and_date() {
        let text = "Brain Vision Data Exchange Marker File, Version 1.0\n[Common Infos]\nDataFile=a.eeg\n[Marker Infos]\n; c\nMk1=New Segment,,1,1,0,20200102030405123456\nMk2=Stimulus,S  1,11,1,0\nMk10=Comment,a\\1b,300,5,0\nMk3=Response,R  2,0,,0\n";
        let m = parse(text.as_bytes()).unwrap();
        assert_eq!(m.meas_date.as_deref(), Some("2020-01-02T03:04:05.123456Z"));
        let got: Vec<_> = m
            .markers
            .iter()
            .map(|m| {
                (
                    m.kind.as_str(),
                    m.description.as_str(),
                    m.position,
                    m.points,
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                ("Stimulus", "S  1", 11, 1),
                ("Response", "R  2", 0, 0),
                ("Comment", "a,b", 300, 5)
            ]
        );
    }

    #[test]
    fn bad_positions_are_errors() {
        let text = "Brain Vision Data Exchange Marker File, Version 1.0\n[Marker Infos]\nMk1=Stimulus,S  1,x,1,0\n";
        let e = parse(text.as_bytes()).unwrap_err();
        assert!(e.message().contains("line 3: Mk1 position"), "{e}");
    }
}
