//! The `.vhdr` header: an INI-like text with `[Common Infos]`, `[Binary Infos]` and
//! `[Channel Infos]` sections.

use player_api::{quote, ChannelInfo, ReadError, SampleFormat};
use std::collections::BTreeMap;

/// How many channels a header may declare: the contract's limit.
use player_api::validate::MAX_CHANNELS;

/// The first-line signatures of a BrainVision header (with or without the space).
const MAGICS: [&[u8]; 2] = [
    b"Brain Vision Data Exchange Header File",
    b"BrainVision Data Exchange Header File",
];

/// Whether `bytes` (the start of a file) is a BrainVision header.
pub fn has_magic(bytes: &[u8]) -> bool {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    MAGICS.iter().any(|m| {
        bytes
            .get(..m.len())
            .is_some_and(|start| start.eq_ignore_ascii_case(m))
    })
}

/// The header's name of a sample format (`BinaryFormat=` values).
pub fn format_name(format: SampleFormat) -> &'static str {
    match format {
        SampleFormat::Int16 => "INT_16",
        SampleFormat::Int32 => "INT_32",
        SampleFormat::Float32 => "IEEE_FLOAT_32",
        _ => "unsupported",
    }
}

/// How samples are ordered in the data file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Orientation {
    /// Frame after frame (ch1,pt1, ch2,pt1, ...).
    Multiplexed,
    /// Channel after channel (all points of ch1, then ch2, ...).
    Vectorized,
}

impl Orientation {
    /// The header's name for it.
    pub fn name(self) -> &'static str {
        match self {
            Orientation::Multiplexed => "MULTIPLEXED",
            Orientation::Vectorized => "VECTORIZED",
        }
    }
}

/// One channel of the header.
#[derive(Debug, Clone, PartialEq)]
pub struct Channel {
    /// Name (`\1` decoded to a comma).
    pub name: String,
    /// Reference channel name (may be empty).
    pub reference: String,
    /// Resolution: the value of one raw step in `unit`.
    pub resolution: f64,
    /// The unit as written (`µV` when empty or absent).
    pub unit: String,
}

impl Channel {
    /// The SI unit, its factor from the written unit, and the channel kind.
    fn si(&self) -> (&str, f64, &'static str) {
        let voltage = |scale| {
            let kind = if ["HEOGL", "HEOGR", "VEOGb"].contains(&self.name.as_str()) {
                "eog"
            } else {
                "eeg"
            };
            ("V", scale, kind)
        };
        match self.unit.as_str() {
            "V" => voltage(1.0),
            "mV" => voltage(1e-3),
            "µV" | "μV" | "uV" => voltage(1e-6),
            "nV" => voltage(1e-9),
            "µS" | "μS" | "uS" => ("S", 1e-6, "misc"),
            other => (other, 1.0, "misc"),
        }
    }

    /// The factor from raw values to physical (SI where known) values.
    pub fn factor(&self) -> f64 {
        self.resolution * self.si().1
    }
}

/// What the player needs from a header.
#[derive(Debug, Clone)]
pub struct Header {
    /// The data file, relative to the header's directory.
    pub data_file: String,
    /// The marker file, relative to the header's directory, when named.
    pub marker_file: Option<String>,
    /// Sample type.
    pub format: SampleFormat,
    /// Sample order.
    pub orientation: Orientation,
    /// Samples per second (10⁶ / `SamplingInterval`).
    pub rate: f64,
    /// `DataPoints`, when the header gives it.
    pub data_points: Option<u64>,
    /// The channels, in data order.
    pub channels: Vec<Channel>,
}

/// A parsed INI text: section (lowercase) → key (lowercase) → (value, line number).
type Sections = BTreeMap<String, BTreeMap<String, (String, usize)>>;

/// Decodes header or marker bytes: UTF-8, else Latin-1 (older recordings).
pub fn decode_text(bytes: &[u8]) -> String {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_string(),
        Err(_) => bytes.iter().map(|&b| char::from(b)).collect(),
    }
}

/// Parses `key=value` lines into sections; `;` starts a comment line; the free text of a
/// `[Comment]` section ends the parse.
pub fn parse_sections(text: &str) -> Result<Sections, ReadError> {
    let mut sections = Sections::new();
    let mut current: Option<String> = None;
    for (i, raw) in text.lines().enumerate().skip(1) {
        let line_no = i + 1;
        let line = raw.trim();
        if line.is_empty() || line.starts_with(';') {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            let name = name.trim().to_ascii_lowercase();
            if name == "comment" {
                break;
            }
            sections.entry(name.clone()).or_default();
            current = Some(name);
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            return Err(ReadError::malformed(format!(
                "line {line_no}: expected `key=value` or `[section]`, found {}",
                quote(line)
            )));
        };
        let Some(section) = &current else {
            return Err(ReadError::malformed(format!(
                "line {line_no}: {} is outside any [section]",
                quote(key.trim())
            )));
        };
        sections.entry(section.clone()).or_default().insert(
            key.trim().to_ascii_lowercase(),
            (value.trim().to_string(), line_no),
        );
    }
    Ok(sections)
}

impl Header {
    /// Parses and checks a header.
    pub fn parse(bytes: &[u8]) -> Result<Header, ReadError> {
        if !has_magic(bytes) {
            // Not a BrainVision header: its content is not quoted (it may be anything).
            return Err(ReadError::malformed(
                "not a BrainVision header: the first line is not \"Brain Vision Data Exchange Header File ...\"",
            ));
        }
        let sections = parse_sections(&decode_text(bytes))?;
        let common = sections
            .get("common infos")
            .ok_or_else(|| ReadError::malformed("the header has no [Common Infos] section"))?;
        let get = |key: &str| common.get(key).map(|(v, _)| v.as_str());
        let need = |key: &str, name: &str| {
            get(key)
                .filter(|v| !v.is_empty())
                .ok_or_else(|| ReadError::malformed(format!("[Common Infos] has no {name}")))
        };
        let data_file = need("datafile", "DataFile")?.to_string();
        let marker_file = get("markerfile")
            .filter(|v| !v.is_empty())
            .map(str::to_string);
        match get("dataformat").unwrap_or("BINARY") {
            f if f.eq_ignore_ascii_case("BINARY") => {}
            f if f.eq_ignore_ascii_case("ASCII") => {
                return Err(ReadError::unsupported(
                    "DataFormat=ASCII (text data) is not supported, only BINARY",
                ))
            }
            f => {
                return Err(ReadError::malformed(format!(
                    "DataFormat={} is not BINARY or ASCII",
                    quote(f)
                )))
            }
        }
        let orientation = match get("dataorientation").unwrap_or("MULTIPLEXED") {
            o if o.eq_ignore_ascii_case("MULTIPLEXED") => Orientation::Multiplexed,
            o if o.eq_ignore_ascii_case("VECTORIZED") => Orientation::Vectorized,
            o => {
                return Err(ReadError::malformed(format!(
                    "DataOrientation={} is not MULTIPLEXED or VECTORIZED",
                    quote(o)
                )))
            }
        };
        let channel_count: usize = parse_number(need("numberofchannels", "NumberOfChannels")?)
            .filter(|&n| (1..=MAX_CHANNELS).contains(&n))
            .ok_or_else(|| {
                ReadError::malformed(format!(
                    "NumberOfChannels={} is not a count from 1 to {MAX_CHANNELS}",
                    quote(get("numberofchannels").unwrap_or(""))
                ))
            })?;
        let interval: f64 = need("samplinginterval", "SamplingInterval")?
            .parse()
            .ok()
            .filter(|x: &f64| x.is_finite() && *x > 0.0)
            .ok_or_else(|| {
                ReadError::malformed(format!(
                    "SamplingInterval={} is not a positive number of microseconds",
                    quote(get("samplinginterval").unwrap_or(""))
                ))
            })?;
        let data_points = match get("datapoints").filter(|v| !v.is_empty()) {
            None => None,
            Some(v) => Some(parse_number::<u64>(v).ok_or_else(|| {
                ReadError::malformed(format!("DataPoints={} is not a count", quote(v)))
            })?),
        };
        let binary = sections.get("binary infos");
        let bget = |key: &str| binary.and_then(|b| b.get(key)).map(|(v, _)| v.as_str());
        let format = match bget("binaryformat") {
            Some("INT_16") => SampleFormat::Int16,
            Some("INT_32") => SampleFormat::Int32,
            Some("IEEE_FLOAT_32") => SampleFormat::Float32,
            Some(other) => {
                return Err(ReadError::unsupported(format!(
                    "BinaryFormat={} is not supported (INT_16, INT_32, IEEE_FLOAT_32)",
                    quote(other)
                )))
            }
            None => return Err(ReadError::malformed("[Binary Infos] has no BinaryFormat")),
        };
        if bget("usebigendianorder").is_some_and(|v| v.eq_ignore_ascii_case("YES")) {
            return Err(ReadError::unsupported(
                "big-endian data (UseBigEndianOrder=YES) is not supported",
            ));
        }
        for key in ["channeloffset", "dataoffset"] {
            if bget(key).is_some_and(|v| v != "0") {
                return Err(ReadError::unsupported(format!(
                    "[Binary Infos] {key} is not supported"
                )));
            }
        }
        let channels = parse_channels(sections.get("channel infos"), channel_count)?;
        Ok(Header {
            data_file,
            marker_file,
            format,
            orientation,
            rate: 1e6 / interval,
            data_points,
            channels,
        })
    }

    /// Frames in a data file of `len` bytes, checked against `DataPoints`.
    pub fn frames(&self, len: u64) -> Result<u64, ReadError> {
        let frame_bytes = (self.format.size() * self.channels.len()) as u64;
        let in_file = len / frame_bytes;
        match self.data_points {
            Some(points) if points > in_file => Err(ReadError::truncated(format!(
                "the header announces {points} data points but the data file holds {in_file} ({len} bytes)"
            ))),
            Some(points) => Ok(points),
            None if self.orientation == Orientation::Vectorized && len % frame_bytes != 0 => {
                Err(ReadError::malformed(format!(
                    "a VECTORIZED data file of {len} bytes is not a whole number of {} channels of {}",
                    self.channels.len(),
                    format_name(self.format)
                )))
            }
            None => Ok(in_file),
        }
    }

    /// The channels as the contract describes them.
    pub fn channel_infos(&self) -> Vec<ChannelInfo> {
        self.channels
            .iter()
            .map(|c| {
                let (unit, _, kind) = c.si();
                ChannelInfo::new(c.name.clone(), kind, unit)
                    .with_extra("reference", c.reference.clone())
                    .with_extra("resolution", c.resolution.to_string())
                    .with_extra("unit_in_file", c.unit.clone())
            })
            .collect()
    }
}

fn parse_number<T: std::str::FromStr>(s: &str) -> Option<T> {
    s.trim().parse().ok()
}

/// Parses `Ch<n>=name,ref,resolution,unit` for n in 1..=count.
fn parse_channels(
    section: Option<&BTreeMap<String, (String, usize)>>,
    count: usize,
) -> Result<Vec<Channel>, ReadError> {
    let section =
        section.ok_or_else(|| ReadError::malformed("the header has no [Channel Infos] section"))?;
    let mut channels: Vec<Option<Channel>> = vec![None; count];
    for (key, (value, line)) in section {
        let Some(n) = key.strip_prefix("ch").and_then(parse_number::<usize>) else {
            continue;
        };
        let Some(slot) = n.checked_sub(1).and_then(|i| channels.get_mut(i)) else {
            return Err(ReadError::malformed(format!(
                "line {line}: channel Ch{n} is outside NumberOfChannels={count}"
            )));
        };
        let mut fields = value.split(',');
        let name = fields.next().unwrap_or("").replace("\\1", ",");
        let reference = fields.next().unwrap_or("").replace("\\1", ",");
        let resolution = fields.next().unwrap_or("").trim();
        let unit = fields.next().unwrap_or("").trim();
        let unit = if unit.is_empty() { "µV" } else { unit }.to_string();
        let resolution = if resolution.is_empty() {
            1.0
        } else {
            resolution
                .parse::<f64>()
                .ok()
                .filter(|r| r.is_finite())
                .ok_or_else(|| {
                    ReadError::malformed(format!(
                        "line {line}: Ch{n} resolution {} is not a number",
                        quote(resolution)
                    ))
                })?
        };
        *slot = Some(Channel {
            name,
            reference,
            resolution,
            unit,
        });
    }
    channels
        .into_iter()
        .enumerate()
        .map(|(i, c)| {
            c.ok_or_else(|| {
                ReadError::malformed(format!(
                    "[Channel Infos] has no Ch{} (NumberOfChannels={count})",
                    i + 1
                ))
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    const HDR: &str = "Brain Vision Data Exchange Header File Version 1.0\n; c\n\n[Common Infos]\nCodepage=UTF-8\nDataFile=a.eeg\nMarkerFile=a.vmrk\nDataFormat=BINARY\nDataOrientation=VECTORIZED\nNumberOfChannels=2\nSamplingInterval=2000\n\n[Binary Infos]\nBinaryFormat=INT_32\n\n[Channel Infos]\nCh1=Fp1\\1x,,0.5,mV\nCh2=Temp,REF,,C\n\n[Comment]\nfree = text [x]\n";

    #[test]
    fn parses_a_header() {
        let h = Header::parse(HDR.as_bytes()).unwrap();
        assert_eq!(h.rate, 500.0);
        assert_eq!(h.format, SampleFormat::Int32);
        assert_eq!(h.orientation, Orientation::Vectorized);
        assert_eq!(h.channels[0].name, "Fp1,x");
        assert_eq!(h.channels[0].factor(), 0.5 * 1e-3);
        assert_eq!(h.channels[1].factor(), 1.0);
        let infos = h.channel_infos();
        assert_eq!(
            (infos[0].unit.as_str(), infos[0].kind.as_str()),
            ("V", "eeg")
        );
        assert_eq!(
            (infos[1].unit.as_str(), infos[1].kind.as_str()),
            ("C", "misc")
        );
        assert_eq!(h.frames(2 * 4 * 10).unwrap(), 10);
        assert!(h.frames(2 * 4 * 10 + 2).is_err());
    }

    #[test]
    fn bad_headers_say_what_is_wrong() {
        for (edit, want) in [
            ("NumberOfChannels=2", "NumberOfChannels=0"),
            ("SamplingInterval=2000", "SamplingInterval=-1"),
            ("BinaryFormat=INT_32", "BinaryFormat=INT_8"),
            ("Ch2=Temp,REF,,C", "Ch3=Temp,REF,,C"),
            ("DataFile=a.eeg\n", ""),
            ("Ch1=Fp1\\1x,,0.5,mV", "Ch1=Fp1,,zz,mV"),
            ("[Common Infos]\n", "nonsense line\n"),
        ] {
            let text = HDR.replace(edit, want);
            let e = Header::parse(text.as_bytes()).unwrap_err();
            assert!(!e.message().is_empty(), "{want}");
        }
        assert!(Header::parse(b"RIFF....")
            .unwrap_err()
            .message()
            .contains("not a BrainVision header"));
    }
}
