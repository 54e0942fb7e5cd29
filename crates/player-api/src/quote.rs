//! Quoting values in error messages, with a bounded length.
//!
//! The rule for every message of the host and of the readers:
//!
//! * a value taken from a file or from the user (a header field, a channel label, a pick,
//!   an option) is echoed through [`quote`]: in double quotes, control and other
//!   non-printable characters escaped, and cut after [`QUOTE_MAX_CHARS`] characters;
//! * the content of a file that does not parse as the format it was given to (its magic
//!   or first line is wrong) is **not** echoed at all: the message says what was expected.
//!   A file handed to the wrong reader may be anything, e.g. `/etc/shadow`.

/// The most characters of a value that [`quote`] echoes.
pub const QUOTE_MAX_CHARS: usize = 80;

/// `value` for a message: in double quotes, with quotes, backslashes and non-printable
/// characters escaped as Rust's `{:?}` does, and, if it has more than
/// [`QUOTE_MAX_CHARS`] characters, cut there with an ellipsis after the closing quote and
/// the full length in characters.
///
/// ```
/// assert_eq!(player_api::quote("Fp1"), r#""Fp1""#);
/// assert_eq!(player_api::quote("a\tb\"c"), r#""a\tb\"c""#);
/// let long = "x".repeat(100);
/// assert_eq!(
///     player_api::quote(&long),
///     format!("\"{}\"… (100 characters)", "x".repeat(80))
/// );
/// ```
pub fn quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len().min(QUOTE_MAX_CHARS) + 2);
    out.push('"');
    let mut chars = value.chars();
    for c in chars.by_ref().take(QUOTE_MAX_CHARS) {
        match c {
            // `escape_debug` keeps a single quote as is in a string, as `{:?}` does.
            '\'' => out.push('\''),
            c => out.extend(c.escape_debug()),
        }
    }
    out.push('"');
    if chars.next().is_some() {
        out.push_str(&format!("… ({} characters)", value.chars().count()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_values_are_quoted_like_debug() {
        for v in [
            "",
            "Fp1",
            "µV",
            "it's",
            "a\"b\\c",
            "tab\there",
            "nul\0bell\u{7}",
        ] {
            assert_eq!(quote(v), format!("{v:?}"), "{v}");
        }
    }

    #[test]
    fn long_values_are_cut_at_the_limit_with_their_length() {
        let exact = "é".repeat(QUOTE_MAX_CHARS);
        assert_eq!(quote(&exact), format!("\"{exact}\""));
        let long = format!("{exact}!");
        assert_eq!(quote(&long), format!("\"{exact}\"… (81 characters)"));
        let huge = "ab".repeat(5_000_000);
        let q = quote(&huge);
        assert!(q.len() < 120, "{}", q.len());
        assert!(q.ends_with("… (10000000 characters)"), "{q}");
    }

    #[test]
    fn control_characters_cannot_reach_the_terminal() {
        let q = quote("\u{1b}[2Jgone\r\n");
        assert!(!q.chars().any(char::is_control), "{q}");
        assert_eq!(q, r#""\u{1b}[2Jgone\r\n""#);
    }
}
