//! The XML of FileHeader, StreamHeader and StreamFooter chunks.

use player_api::{quote, ChannelInfo, SampleFormat};

/// The sample format of an XDF `channel_format` (`float32`, `double64`, `int8`, `int16`,
/// `int32`, `int64`, `string`); `None` for anything else.
fn parse_format(text: &str) -> Option<SampleFormat> {
    match text.parse() {
        Ok(SampleFormat::UInt8 | SampleFormat::Int24) | Err(_) => None,
        Ok(format) => Some(format),
    }
}

/// Bytes per stored value; `None` for strings (variable length).
pub(crate) fn value_size(format: SampleFormat) -> Option<u64> {
    match format.size() {
        0 => None,
        n => Some(n as u64),
    }
}

/// What a StreamHeader says.
#[derive(Debug, Clone)]
pub(crate) struct StreamHeader {
    pub(crate) name: String,
    pub(crate) content_type: String,
    pub(crate) channel_count: u64,
    pub(crate) srate: f64,
    pub(crate) format: SampleFormat,
    pub(crate) format_text: String,
    /// Labels, kinds and units from `desc/channels/channel` (at most `channel_count`;
    /// [`all_channels`](StreamHeader::all_channels) completes them).
    pub(crate) channels: Vec<ChannelInfo>,
    /// Other simple `info` fields (`source_id`, `hostname`, `uid`, ...), kept as metadata.
    pub(crate) fields: Vec<(String, String)>,
    /// The `desc` element as written, for hosts that republish it.
    pub(crate) desc_xml: Option<String>,
    /// `desc/synchronization/can_drop_samples` is `true` (pyxdf then never dejitters).
    pub(crate) can_drop_samples: bool,
}

impl StreamHeader {
    /// Every channel: those of the desc, then `chN` (1-based) for the channels it does not
    /// describe, of the stream's kind. Allocates `channel_count` entries: callers check
    /// that count against the data first.
    pub(crate) fn all_channels(&self) -> Vec<ChannelInfo> {
        let mut channels = self.channels.clone();
        let kind = self.content_type.to_lowercase();
        for i in channels.len() as u64..self.channel_count {
            channels.push(ChannelInfo::new(format!("ch{}", i + 1), kind.clone(), ""));
        }
        channels
    }
}

/// Decodes chunk bytes as UTF-8 XML text (lossy, as pyxdf does) and parses it.
fn parse_doc(text: &str) -> Result<roxmltree::Document<'_>, String> {
    roxmltree::Document::parse(text).map_err(|e| format!("the XML is not well-formed: {e}"))
}

/// The text of the child `name` of `node`, trimmed.
fn child_text<'a>(node: roxmltree::Node<'a, 'a>, name: &str) -> Option<&'a str> {
    node.children()
        .find(|c| c.is_element() && c.has_tag_name(name))
        .map(|c| c.text().unwrap_or("").trim())
}

/// Parses a FileHeader's XML: its `info` fields, as metadata pairs.
pub(crate) fn parse_file_header(bytes: &[u8]) -> Result<Vec<(String, String)>, String> {
    let text = String::from_utf8_lossy(bytes);
    let doc = parse_doc(&text)?;
    Ok(simple_fields(doc.root_element()))
}

/// The leaf children of `node` as (tag, text) pairs.
fn simple_fields(node: roxmltree::Node<'_, '_>) -> Vec<(String, String)> {
    node.children()
        .filter(|c| c.is_element() && !c.children().any(|g| g.is_element()))
        .map(|c| {
            (
                c.tag_name().name().to_string(),
                c.text().unwrap_or("").trim().to_string(),
            )
        })
        .collect()
}

/// Parses a StreamHeader's XML. `max_channels` bounds the channel count (a count the file
/// could not hold is refused before anything is allocated for it).
pub(crate) fn parse_stream_header(bytes: &[u8], max_channels: u64) -> Result<StreamHeader, String> {
    let text = String::from_utf8_lossy(bytes);
    let doc = parse_doc(&text)?;
    let info = doc.root_element();
    let field = |name: &str| {
        child_text(info, name).ok_or_else(|| format!("the stream header has no <{name}>"))
    };
    let name = field("name")?.to_string();
    let content_type = child_text(info, "type").unwrap_or("").to_string();
    let count_text = field("channel_count")?;
    let channel_count: u64 = count_text
        .parse()
        .map_err(|_| format!("channel_count is not a whole number: {}", quote(count_text)))?;
    if channel_count == 0 {
        return Err("channel_count is 0".into());
    }
    if channel_count > max_channels {
        return Err(format!(
            "channel_count {channel_count} is more than the file could hold ({max_channels})"
        ));
    }
    let rate_text = field("nominal_srate")?;
    let srate: f64 = rate_text
        .parse()
        .map_err(|_| format!("nominal_srate is not a number: {}", quote(rate_text)))?;
    if !srate.is_finite() || srate < 0.0 {
        return Err(format!(
            "nominal_srate must be 0 or positive: {}",
            quote(rate_text)
        ));
    }
    let format_text = field("channel_format")?.to_string();
    let format = parse_format(&format_text)
        .ok_or_else(|| format!("unknown channel_format {}", quote(&format_text)))?;
    let desc = info
        .children()
        .find(|c| c.is_element() && c.has_tag_name("desc"));
    let kind_default = content_type.to_lowercase();
    let channels: Vec<ChannelInfo> = desc
        .and_then(|d| {
            d.children()
                .find(|c| c.is_element() && c.has_tag_name("channels"))
        })
        .map(|chs| {
            chs.children()
                .filter(|c| c.is_element() && c.has_tag_name("channel"))
                .take(channel_count as usize)
                .enumerate()
                .map(|(i, ch)| {
                    let label = child_text(ch, "label")
                        .filter(|l| !l.is_empty())
                        .map_or_else(|| format!("ch{}", i + 1), str::to_string);
                    let kind = child_text(ch, "type")
                        .filter(|t| !t.is_empty())
                        .map_or_else(|| kind_default.clone(), str::to_lowercase);
                    let unit = child_text(ch, "unit").unwrap_or("");
                    ChannelInfo::new(label, kind, unit)
                })
                .collect()
        })
        .unwrap_or_default();
    let fields = simple_fields(info)
        .into_iter()
        .filter(|(k, _)| {
            !matches!(
                k.as_str(),
                "name" | "type" | "channel_count" | "nominal_srate" | "channel_format" | "desc"
            )
        })
        .collect();
    let desc_xml = desc.and_then(|d| text.get(d.range()).map(str::to_string));
    let can_drop_samples = desc
        .and_then(|d| {
            d.children()
                .find(|c| c.is_element() && c.has_tag_name("synchronization"))
        })
        .and_then(|s| child_text(s, "can_drop_samples"))
        .is_some_and(|v| v.eq_ignore_ascii_case("true"));
    Ok(StreamHeader {
        name,
        content_type,
        channel_count,
        srate,
        format,
        format_text,
        channels,
        fields,
        desc_xml,
        can_drop_samples,
    })
}

/// Parses a StreamFooter's XML: its simple `info` fields (`first_timestamp`,
/// `last_timestamp`, `sample_count`, ...).
pub(crate) fn parse_footer(bytes: &[u8]) -> Result<Vec<(String, String)>, String> {
    parse_file_header(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_fields_channels_and_defaults() {
        let xml = br#"<?xml version="1.0"?><info><name>EEG &amp; co</name><type>EEG</type>
            <channel_count>3</channel_count><nominal_srate>250.5</nominal_srate>
            <channel_format>int16</channel_format><source_id>x</source_id>
            <desc><channels><channel><label>Fp1</label><unit>microvolts</unit>
            <type>EEG</type></channel><channel><unit>mV</unit></channel></channels></desc>
            </info>"#;
        let h = parse_stream_header(xml, 100).expect("valid");
        assert_eq!(h.name, "EEG & co");
        assert_eq!((h.channel_count, h.srate), (3, 250.5));
        assert_eq!(h.format, SampleFormat::Int16);
        let all = h.all_channels();
        let labels: Vec<_> = all.iter().map(|c| c.label.as_str()).collect();
        assert_eq!(labels, ["Fp1", "ch2", "ch3"]);
        assert_eq!(all[1].unit, "mV");
        assert_eq!(all[2].kind, "eeg");
        assert_eq!(h.fields, [("source_id".to_string(), "x".to_string())]);
        assert!(h.desc_xml.expect("desc").starts_with("<desc>"));
    }

    #[test]
    fn refuses_bad_headers() {
        let base = |count: &str, fmt: &str| {
            format!(
                "<info><name>a</name><channel_count>{count}</channel_count>\
                 <nominal_srate>1</nominal_srate><channel_format>{fmt}</channel_format></info>"
            )
        };
        assert!(parse_stream_header(base("0", "int8").as_bytes(), 10).is_err());
        assert!(parse_stream_header(base("11", "int8").as_bytes(), 10).is_err());
        assert!(parse_stream_header(base("1", "uint8").as_bytes(), 10).is_err());
        assert!(parse_stream_header(b"<info><name>a</info>", 10).is_err());
    }
}
