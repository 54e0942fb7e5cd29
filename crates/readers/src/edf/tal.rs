//! Time-stamped Annotation Lists (TALs): the text content of EDF+/BDF+ annotation signals.
//!
//! A TAL is `+onset[\x15duration]\x14text\x14[text\x14...]\x00`; an annotation signal's
//! bytes in one record hold TALs one after the other, then `\x00` padding. The first TAL of
//! each record (in the first annotation signal) starts with an empty text: it is the
//! record's time-keeping stamp (its start, in seconds from the header's start time).

use player_api::quote;

/// One parsed TAL.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Tal {
    /// Seconds from the header's start time.
    pub onset: f64,
    /// Seconds, when the TAL gives a duration.
    pub duration: Option<f64>,
    /// The annotation texts (the time-keeping TAL's first text is empty).
    pub texts: Vec<String>,
}

/// A TAL syntax error: a message and the byte position inside the parsed slice.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct TalError {
    pub position: usize,
    pub message: String,
}

/// Parses the TALs in `bytes` (one annotation signal's bytes of one record).
pub(crate) fn parse_tals(bytes: &[u8]) -> Result<Vec<Tal>, TalError> {
    let mut tals = Vec::new();
    let mut pos = 0;
    while let Some(&first) = bytes.get(pos) {
        if first == 0 {
            // Padding (or an empty TAL): skip it.
            pos += 1;
            continue;
        }
        let rest = bytes.get(pos..).unwrap_or_default();
        let len = rest.iter().position(|&b| b == 0).ok_or_else(|| TalError {
            position: pos,
            message: "TAL does not end with a NUL byte".into(),
        })?;
        let tal = rest.get(..len).unwrap_or_default();
        tals.push(parse_one(tal).map_err(|message| TalError {
            position: pos,
            message,
        })?);
        pos += len + 1;
    }
    Ok(tals)
}

fn parse_one(tal: &[u8]) -> Result<Tal, String> {
    let Some(body) = tal.strip_suffix(&[0x14]) else {
        return Err(format!(
            "TAL {} does not end with the 0x14 separator",
            quote(&String::from_utf8_lossy(tal))
        ));
    };
    let mut parts = body.split(|&b| b == 0x14);
    let stamp = parts.next().unwrap_or_default();
    let mut stamp_parts = stamp.split(|&b| b == 0x15);
    let onset_text = stamp_parts.next().unwrap_or_default();
    let onset = parse_time(onset_text, true).ok_or_else(|| {
        format!(
            "TAL onset {} is not a valid number",
            quote(&String::from_utf8_lossy(onset_text))
        )
    })?;
    let duration = match stamp_parts.next() {
        None => None,
        Some(text) => Some(parse_time(text, false).ok_or_else(|| {
            format!(
                "TAL duration {} is not a valid number",
                quote(&String::from_utf8_lossy(text))
            )
        })?),
    };
    if stamp_parts.next().is_some() {
        return Err("TAL has more than one duration".into());
    }
    let texts = parts
        .map(|t| String::from_utf8_lossy(t).into_owned())
        .collect();
    Ok(Tal {
        onset,
        duration,
        texts,
    })
}

/// `[+-]digits[.digits]` (the sign is required for onsets, absent for durations).
fn parse_time(text: &[u8], signed: bool) -> Option<f64> {
    let digits = if signed {
        match text.first() {
            Some(b'+') | Some(b'-') => text.get(1..)?,
            _ => return None,
        }
    } else {
        text
    };
    let mut dots = 0;
    let mut any_digit = false;
    for &b in digits {
        match b {
            b'0'..=b'9' => any_digit = true,
            b'.' => dots += 1,
            _ => return None,
        }
    }
    if !any_digit || dots > 1 {
        return None;
    }
    let value: f64 = std::str::from_utf8(text).ok()?.parse().ok()?;
    value.is_finite().then_some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_time_keeping_and_annotations() {
        let bytes = b"+1.5\x14\x14\x00+1.75\x150.25\x14stim\x14other\x14\x00\x00\x00";
        let tals = parse_tals(bytes).expect("valid");
        assert_eq!(tals.len(), 2);
        assert_eq!(tals[0].onset, 1.5);
        assert_eq!(tals[0].texts, vec![String::new()]);
        assert_eq!(tals[1].duration, Some(0.25));
        assert_eq!(tals[1].texts, vec!["stim".to_string(), "other".to_string()]);
    }

    #[test]
    fn rejects_bad_tals() {
        assert!(parse_tals(b"1.5\x14\x14\x00").is_err());
        assert!(parse_tals(b"+1.5\x14\x14").is_err());
        assert!(parse_tals(b"+1.x\x14\x14\x00").is_err());
        assert!(parse_tals(b"+1\x15-2\x14a\x14\x00").is_err());
        assert!(parse_tals(b"+1\x14a\x00").is_err());
        assert_eq!(parse_tals(b"\x00\x00").expect("padding").len(), 0);
    }
}
