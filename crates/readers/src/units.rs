//! Conventions shared by the readers of formats that name units and channels in text
//! (EDF/BDF, GDF, CSV): voltages to volts, channel kinds from label prefixes.

/// The factor from a voltage unit written in a header (`uV`, `µV`, `mV`, `nV`, `V`, ...) to
/// volts, or `None` when the text is not a voltage.
///
/// Micro is accepted as `u`, the micro sign U+00B5 and the Greek mu U+03BC.
pub(crate) fn voltage_scale(unit: &str) -> Option<f64> {
    Some(match unit {
        "uV" | "uv" | "\u{b5}V" | "\u{3bc}V" => 1e-6,
        "mV" => 1e-3,
        "nV" => 1e-9,
        "V" => 1.0,
        _ => return None,
    })
}

/// The channel kind from the label's prefix (case-insensitive); `eeg` when none matches.
pub(crate) fn kind_of(label: &str) -> &'static str {
    const RULES: [(&[&str], &str); 10] = [
        (&["EEG"], "eeg"),
        (&["EOG"], "eog"),
        (&["ECG", "EKG"], "ecg"),
        (&["EMG"], "emg"),
        (&["RESP"], "resp"),
        (&["STATUS", "TRIGGER", "STIM"], "stim"),
        (&["TEMP"], "temp"),
        (&["GSR", "EDA"], "gsr"),
        (&["SPO2", "SAO2", "PLETH", "PULSE"], "bio"),
        (&["MISC"], "misc"),
    ];
    let upper = label.trim().to_ascii_uppercase();
    RULES
        .iter()
        .find(|(prefixes, _)| prefixes.iter().any(|p| upper.starts_with(p)))
        .map_or("eeg", |(_, kind)| kind)
}

/// The stream name for a rate: `256Hz`, `0.5Hz` (rounded to 6 decimals, zeros trimmed).
pub(crate) fn rate_name(rate: f64) -> String {
    let text = format!("{rate:.6}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    format!("{text}Hz")
}

/// The LSL content type of a stream: `EEG` when any channel is EEG, else the upper-case
/// kind shared by all channels (`ECG`, `EMG`, ...; `Markers` for stim), else `Misc`.
pub(crate) fn content_type(channels: &[player_api::ChannelInfo]) -> String {
    if channels.iter().any(|c| c.kind == "eeg") {
        return "EEG".into();
    }
    match channels.first() {
        Some(first) if channels.iter().all(|c| c.kind == first.kind) => match first.kind.as_str() {
            "stim" => "Markers".into(),
            kind => kind.to_ascii_uppercase(),
        },
        _ => "Misc".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_kinds_and_voltages() {
        assert_eq!(rate_name(256.0), "256Hz");
        assert_eq!(rate_name(0.5), "0.5Hz");
        assert_eq!(rate_name(1.0 / 3.0), "0.333333Hz");
        assert_eq!(kind_of("EEG Fp1"), "eeg");
        assert_eq!(kind_of("Fp1"), "eeg");
        assert_eq!(kind_of("ekg"), "ecg");
        assert_eq!(kind_of("Status"), "stim");
        assert_eq!(kind_of("SpO2"), "bio");
        assert_eq!(voltage_scale("\u{b5}V"), Some(1e-6));
        assert_eq!(voltage_scale("mV"), Some(1e-3));
        assert_eq!(voltage_scale("degC"), None);
    }
}
