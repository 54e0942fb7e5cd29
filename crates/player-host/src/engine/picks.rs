//! Which channels `picks` (`--picks`, `picks:`) keep, as MNE-Python reads picks: a
//! channel label (exact), a channel kind (`eeg`, `grad`, `stim`, ..., any case), or one of
//! MNE's words: `all`, `data` (MEG, EEG, sEEG, ECoG, DBS, CSD, fNIRS channels), `meg`
//! (`grad` + `mag`), `fnirs`, `eyetrack`. Spaces around a pick are ignored. (Channels
//! marked bad are not left out: the player replays the recording as it is.)

use crate::error::{HostError, Result};
use player_api::{quote, ChannelInfo, StreamInfo};
use std::collections::BTreeSet;
use std::path::Path;

/// MNE's MEG channel types.
const MEG: &[&str] = &["mag", "grad", "planar1", "planar2"];
/// MNE's fNIRS channel types.
const FNIRS: &[&str] = &[
    "hbo",
    "hbr",
    "fnirs_cw_amplitude",
    "fnirs_fd_ac_amplitude",
    "fnirs_fd_phase",
    "fnirs_od",
    "fnirs_td_gated_amplitude",
    "fnirs_td_moments_intensity",
    "fnirs_td_moments_mean",
    "fnirs_td_moments_variance",
];
/// MNE's eye-tracking channel types.
const EYETRACK: &[&str] = &["eyegaze", "pupil"];
/// MNE's data channel types besides MEG and fNIRS (`_DATA_CH_TYPES_SPLIT`).
const OTHER_DATA: &[&str] = &["eeg", "csd", "seeg", "ecog", "dbs"];
/// The words that name groups of kinds.
const WORDS: &[&str] = &["all", "data", "meg", "fnirs", "eyetrack"];

/// Whether `pick` keeps `channel`.
fn keeps(pick: &str, channel: &ChannelInfo) -> bool {
    let kind = channel.kind.to_ascii_lowercase();
    let kind = kind.as_str();
    if pick == channel.label {
        return true;
    }
    match pick.to_ascii_lowercase().as_str() {
        "all" => true,
        "data" => MEG.contains(&kind) || FNIRS.contains(&kind) || OTHER_DATA.contains(&kind),
        "meg" => MEG.contains(&kind),
        "fnirs" => FNIRS.contains(&kind),
        "eyetrack" => EYETRACK.contains(&kind),
        word => word == kind,
    }
}

/// The columns of `channels` that some pick keeps, in channel order; the picks that kept
/// something are added to `matched`.
pub(crate) fn pick_columns<'a>(
    channels: &[ChannelInfo],
    picks: &'a [String],
    matched: &mut BTreeSet<&'a str>,
) -> Vec<usize> {
    let mut cols = Vec::new();
    for (i, ch) in channels.iter().enumerate() {
        let mut keep = false;
        for p in picks {
            if keeps(p.trim(), ch) {
                matched.insert(p.as_str());
                keep = true;
            }
        }
        if keep {
            cols.push(i);
        }
    }
    cols
}

/// An error when some picks kept no channel of any stream: it names them and lists what
/// there is to pick (labels and kinds, shortened when long).
pub(crate) fn check_matched(
    path: &Path,
    picks: &[String],
    matched: &BTreeSet<&str>,
    streams: &[StreamInfo],
) -> Result<()> {
    let unmatched: Vec<&str> = picks
        .iter()
        .filter(|p| !matched.contains(p.as_str()))
        .map(|p| p.trim())
        .collect();
    if unmatched.is_empty() {
        return Ok(());
    }
    let channels = || streams.iter().flat_map(|s| &s.channels);
    let labels: Vec<&str> = channels().map(|c| c.label.as_str()).collect();
    let mut kinds: Vec<&str> = Vec::new();
    for c in channels() {
        if !kinds.contains(&c.kind.as_str()) {
            kinds.push(&c.kind);
        }
    }
    Err(HostError::config(format!(
        "{}: {} match no channel; labels: {}; kinds: {}; or MNE's words: {}",
        path.display(),
        quote_list("picks", &unmatched),
        shortened(&labels, 12),
        shortened(&kinds, 12),
        WORDS.join(", ")
    )))
}

/// `what` and the first few `values`, each [`quote`]d: `picks "a", "b" and 3 more`.
fn quote_list(what: &str, values: &[&str]) -> String {
    const SHOWN: usize = 5;
    let shown: Vec<String> = values.iter().take(SHOWN).map(|v| quote(v)).collect();
    let more = values.len().saturating_sub(SHOWN);
    let more = if more > 0 {
        format!(" and {more} more")
    } else {
        String::new()
    };
    format!("{what} {}{more}", shown.join(", "))
}

/// The first `most` items, then how many more; each item (a label or a kind from a file)
/// escaped and cut after [`player_api::QUOTE_MAX_CHARS`] characters.
fn shortened(items: &[&str], most: usize) -> String {
    let shown: Vec<String> = items.iter().take(most).map(|i| escaped(i)).collect();
    if items.len() <= most {
        return shown.join(", ");
    }
    format!("{}, ... ({} more)", shown.join(", "), items.len() - most)
}

/// `item` escaped (`player_api::escape`) and cut with `…` when long.
fn escaped(item: &str) -> String {
    let text = player_api::escape(item);
    if text.chars().count() <= player_api::QUOTE_MAX_CHARS {
        return text.into_owned();
    }
    let cut: String = text.chars().take(player_api::QUOTE_MAX_CHARS).collect();
    format!("{cut}…")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn channels() -> Vec<ChannelInfo> {
        [
            ("MEG 0113", "grad"),
            ("MEG 0111", "mag"),
            ("EEG 001", "eeg"),
            ("STI 014", "stim"),
            ("EOG 061", "eog"),
            ("MISC 1", "misc"),
        ]
        .iter()
        .map(|(l, k)| ChannelInfo::new(*l, *k, ""))
        .collect()
    }

    fn pick(words: &[&str]) -> Vec<usize> {
        let picks: Vec<String> = words.iter().map(|w| w.to_string()).collect();
        let mut matched = BTreeSet::new();
        pick_columns(&channels(), &picks, &mut matched)
    }

    /// Issue 14.7: MNE's words, labels with spaces, kinds in any case.
    #[test]
    fn mne_words_labels_and_kinds() {
        assert_eq!(pick(&["meg"]), [0, 1]);
        assert_eq!(pick(&["data"]), [0, 1, 2]);
        assert_eq!(pick(&["all"]), [0, 1, 2, 3, 4, 5]);
        assert_eq!(pick(&["misc"]), [5]);
        assert_eq!(pick(&[" EEG 001", "stim "]), [2, 3]);
        assert_eq!(pick(&["EOG"]), [4]);
        assert_eq!(pick(&["eyetrack"]), Vec::<usize>::new());
    }

    #[test]
    fn unmatched_picks_list_what_exists_shortened() {
        let many: Vec<ChannelInfo> = (0..30)
            .map(|i| ChannelInfo::new(format!("E{i}"), "eeg", "V"))
            .collect();
        let mut info = StreamInfo::new("raw", "EEG", 100.0, many);
        info.channels.push(ChannelInfo::new("TRIG", "stim", ""));
        let picks = vec!["meg".to_string(), "eeg".to_string()];
        let mut matched = BTreeSet::new();
        pick_columns(&info.channels, &picks, &mut matched);
        let err = check_matched(Path::new("r.edf"), &picks, &matched, &[info])
            .expect_err("meg matches nothing")
            .to_string();
        assert_eq!(
            err,
            "r.edf: picks \"meg\" match no channel; labels: E0, E1, E2, E3, E4, E5, E6, E7, \
             E8, E9, E10, E11, ... (19 more); kinds: eeg, stim; or MNE's words: all, data, \
             meg, fnirs, eyetrack"
        );
    }
}
