//! Fixed-width ASCII header fields (EDF/BDF and similar).

use std::str::FromStr;

/// The text of a fixed-width field with padding (spaces, NULs) trimmed on both sides.
/// Bytes that are not ASCII are replaced, so this never fails.
pub fn field_text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes)
        .trim_matches(|c: char| c == ' ' || c == '\0')
        .to_string()
}

/// Parses a fixed-width numeric field. On failure returns a message naming the field and
/// quoting its text, for the caller to wrap with the file and offset.
pub fn parse_field<T: FromStr>(bytes: &[u8], field: &str) -> Result<T, String> {
    let text = field_text(bytes);
    text.parse::<T>()
        .map_err(|_| format!("{field} is not a valid number: {text:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims_and_parses() {
        assert_eq!(field_text(b"  Fp1   \0"), "Fp1");
        assert_eq!(parse_field::<f64>(b"0.5     ", "record duration"), Ok(0.5));
        let err = parse_field::<i64>(b"abc ", "number of records").expect_err("not a number");
        assert_eq!(err, "number of records is not a valid number: \"abc\"");
    }
}
