//! Measurement dates as RFC 3339 text, for readers whose formats count time in seconds.

/// `seconds` since 1970-01-01 (UTC) as RFC 3339 text, to the second (the fraction is
/// dropped); `None` outside the years 0001-9999.
pub(crate) fn rfc3339_of_unix(seconds: f64) -> Option<String> {
    if !(-62_135_596_800.0..253_402_300_800.0).contains(&seconds) {
        return None;
    }
    let secs = seconds.floor() as i64;
    let (y, mo, d) = player_api::calendar::civil_from_days(secs.div_euclid(86_400));
    let s = secs.rem_euclid(86_400);
    Some(format!(
        "{y:04}-{mo:02}-{d:02}T{:02}:{:02}:{:02}Z",
        s / 3600,
        s / 60 % 60,
        s % 60
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_to_text() {
        assert_eq!(
            rfc3339_of_unix(0.0).as_deref(),
            Some("1970-01-01T00:00:00Z")
        );
        assert_eq!(
            rfc3339_of_unix(1_612_345_678.9).as_deref(),
            Some("2021-02-03T09:47:58Z")
        );
        assert_eq!(
            rfc3339_of_unix(-1.0).as_deref(),
            Some("1969-12-31T23:59:59Z")
        );
        assert_eq!(rfc3339_of_unix(1e12), None);
    }
}
