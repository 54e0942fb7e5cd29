//! Quoting values in error messages, with a bounded length.
//!
//! The rule for every message of the host and of the readers:
//!
//! * a value taken from a file or from the user (a header field, a channel label, a pick,
//!   an option) is echoed through [`quote`]: in double quotes, control and other
//!   non-printable characters escaped, and cut after [`QUOTE_MAX_CHARS`] characters;
//! * the content of a file that does not parse as the format it was given to (its magic
//!   or first line is wrong) is **not** echoed at all: the message says what was expected.
//!   A file handed to the wrong reader may be anything, e.g. `/etc/shadow`;
//! * text shown as it is rather than quoted (a channel label in a table, a stream name in
//!   a list) goes through [`escape`], so that no control character, line break or
//!   bidirectional override from a file reaches the terminal.

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

/// `text` with every character that is not safe to print escaped as [`quote`] escapes
/// it (`\u{1b}`, `\n`, `\u{202e}`, ...), but without quotes, without escaping quotes and
/// backslashes, and without a length limit: for text shown as it is (a table cell, a name
/// in a list, a line of a message). Unsafe are the characters Rust's `{:?}` escapes in the
/// middle of a string: control characters (C0, DEL, C1), line and paragraph separators,
/// format characters such as bidirectional overrides and zero-width spaces, and
/// unassigned code points. Borrowed when nothing needs escaping.
///
/// ```
/// assert_eq!(player_api::escape("Fp1 (µV)"), "Fp1 (µV)");
/// assert_eq!(player_api::escape("a\u{1b}[2J\nb\u{202e}"), r"a\u{1b}[2J\nb\u{202e}");
/// assert_eq!(player_api::escape(r#"C:\"x""#), r#"C:\"x""#);
/// ```
pub fn escape(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(unsafe_to_print) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if unsafe_to_print(c) {
            out.extend(c.escape_debug());
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// Whether `c` is escaped by `{:?}` in the middle of a string, other than a quote or a
/// backslash. (Combining marks are escaped by `char::escape_debug` alone, not after
/// another character: `"e\u{301}"` is printed as it is.)
fn unsafe_to_print(c: char) -> bool {
    if matches!(c, '\\' | '"' | '\'') || c.is_ascii_graphic() || c == ' ' {
        return false;
    }
    let mut pair = [0u8; 8];
    let text: &str = {
        pair[0] = b'a';
        let len = c.encode_utf8(&mut pair[1..]).len();
        // Two valid UTF-8 sequences one after the other.
        std::str::from_utf8(&pair[..1 + len]).unwrap_or("a")
    };
    text.escape_debug().nth(1) != Some(c)
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
    fn escape_keeps_printable_text_and_escapes_the_rest() {
        for kept in [
            "", "Fp1", "µV", "O'Brien", r"C:\data", "e\u{301}", "日本", "😀",
        ] {
            assert_eq!(escape(kept), kept, "{kept}");
        }
        for (raw, shown) in [
            ("\u{1b}[2J", r"\u{1b}[2J"),
            ("bell\u{7}", r"bell\u{7}"),
            ("cr\rlf\n", r"cr\rlf\n"),
            ("nul\0", r"nul\0"),
            ("\u{9b}31m", r"\u{9b}31m"),
            ("\u{202e}txt.exe", r"\u{202e}txt.exe"),
            ("a\u{2028}b", r"a\u{2028}b"),
            ("tab\t", r"tab\t"),
            ("\u{7f}", r"\u{7f}"),
        ] {
            assert_eq!(escape(raw), shown, "{raw:?}");
            assert!(!escape(raw).chars().any(char::is_control));
        }
    }

    #[test]
    fn control_characters_cannot_reach_the_terminal() {
        let q = quote("\u{1b}[2Jgone\r\n");
        assert!(!q.chars().any(char::is_control), "{q}");
        assert_eq!(q, r#""\u{1b}[2Jgone\r\n""#);
    }
}
