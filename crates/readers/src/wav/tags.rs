//! WAVE format tags: the ones this reader decodes, and names for the ones it refuses.

/// `WAVE_FORMAT_PCM`: integer samples.
pub(crate) const PCM: u16 = 0x0001;
/// `WAVE_FORMAT_IEEE_FLOAT`: IEEE 754 samples.
pub(crate) const IEEE_FLOAT: u16 = 0x0003;
/// `WAVE_FORMAT_EXTENSIBLE`: the real format is the sub-format GUID of the fmt extension.
pub(crate) const EXTENSIBLE: u16 = 0xFFFE;

/// A human name for a format tag, for metadata and error messages.
pub(crate) fn tag_name(tag: u16) -> &'static str {
    match tag {
        0x0000 => "unknown",
        PCM => "PCM",
        0x0002 => "Microsoft ADPCM",
        IEEE_FLOAT => "IEEE float",
        0x0006 => "A-law",
        0x0007 => "mu-law",
        0x0010 => "OKI ADPCM",
        0x0011 => "IMA ADPCM",
        0x0014 => "G.723 ADPCM",
        0x0022 => "TrueSpeech",
        0x0031 => "GSM 6.10",
        0x0040 => "G.721 ADPCM",
        0x0050 => "MPEG audio",
        0x0055 => "MPEG Layer III (MP3)",
        0x0092 => "Dolby AC-3 SPDIF",
        0x00FF | 0x1610 => "AAC",
        0x0161..=0x0163 => "Windows Media Audio",
        0x2000 => "Dolby AC-3",
        0x2001 => "DTS",
        0x674F..=0x6771 => "Ogg Vorbis",
        0xF1AC => "FLAC",
        EXTENSIBLE => "EXTENSIBLE",
        _ => "unrecognised",
    }
}

/// The format tag as it is printed in messages and metadata: `0x0001`.
pub(crate) fn tag_hex(tag: u16) -> String {
    format!("0x{tag:04X}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_common_tags() {
        assert_eq!(tag_name(7), "mu-law");
        assert_eq!(tag_name(0x11), "IMA ADPCM");
        assert_eq!(tag_name(0x1234), "unrecognised");
        assert_eq!(tag_hex(0xFFFE), "0xFFFE");
    }
}
