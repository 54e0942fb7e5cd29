//! Channel labels: `mono`, `left`/`right`, the speaker positions of an EXTENSIBLE channel
//! mask, or `ch1`, `ch2`, ...

/// Speaker position names of the `WAVEFORMATEXTENSIBLE` channel mask bits, lowest bit
/// first (`SPEAKER_FRONT_LEFT` = bit 0, ... `SPEAKER_TOP_BACK_RIGHT` = bit 17).
const SPEAKERS: [&str; 18] = [
    "FL", "FR", "FC", "LFE", "BL", "BR", "FLC", "FRC", "BC", "SL", "SR", "TC", "TFL", "TFC", "TFR",
    "TBL", "TBC", "TBR",
];

/// The mask of plain stereo (front left, front right).
const STEREO_MASK: u32 = 0x3;

/// Labels for `channels` channels with an optional EXTENSIBLE channel `mask`:
///
/// * one channel: `mono` (whatever the mask);
/// * two channels without a mask, with mask 0 or with the FL|FR mask: `left`, `right`;
/// * otherwise each channel takes the name of the next set mask bit in order (`FL`, `FR`,
///   `FC`, `LFE`, ...), and channels beyond the mask's set bits are `chN` (1-based
///   channel number).
pub(crate) fn channel_labels(channels: u16, mask: Option<u32>) -> Vec<String> {
    let mask = mask.unwrap_or(0);
    if channels == 1 {
        return vec!["mono".to_string()];
    }
    if channels == 2 && (mask == 0 || mask == STEREO_MASK) {
        return vec!["left".to_string(), "right".to_string()];
    }
    let mut names = SPEAKERS
        .iter()
        .enumerate()
        .filter(|(bit, _)| mask >> bit & 1 == 1)
        .map(|(_, name)| name.to_string());
    (1..=usize::from(channels))
        .map(|n| names.next().unwrap_or_else(|| format!("ch{n}")))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels() {
        assert_eq!(channel_labels(1, Some(4)), ["mono"]);
        assert_eq!(channel_labels(2, None), ["left", "right"]);
        assert_eq!(channel_labels(2, Some(3)), ["left", "right"]);
        assert_eq!(channel_labels(2, Some(0xC)), ["FC", "LFE"]);
        assert_eq!(channel_labels(3, None), ["ch1", "ch2", "ch3"]);
        assert_eq!(channel_labels(3, Some(0xB)), ["FL", "FR", "LFE"]);
        assert_eq!(channel_labels(4, Some(0x3)), ["FL", "FR", "ch3", "ch4"]);
        assert_eq!(
            channel_labels(6, Some(0x3F)),
            ["FL", "FR", "FC", "LFE", "BL", "BR"]
        );
        assert_eq!(channel_labels(2, Some(0x8000_0000)), ["ch1", "ch2"]);
    }
}
