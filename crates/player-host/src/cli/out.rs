//! Writing for people and programs without ever panicking: stdout may be a pipe whose
//! reader went away (`| head`), stderr may be closed. `out!` writes a line to stdout and
//! returns an error on failure (the command then stops, quietly for a broken pipe);
//! `note!` writes a line to stderr and ignores failures (nobody is there to read it, and
//! the run goes on: `--stats-json` is still written).
//!
//! Everything printed is safe for a terminal, whatever files and peers put in it: a
//! message becomes one line with every control character escaped, of bounded length
//! ([`message`], used by `error!` and `warning!`), text shown as it is goes through
//! `player_api::escape` ([`line`]), and JSON has the characters serde leaves raw escaped
//! ([`json`]).

use crate::HostError;
use std::io::Write;

/// Writes `text` to stdout (and flushes), or says why it could not.
pub(crate) fn stdout(text: &str) -> Result<(), HostError> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|source| HostError::Io {
            what: "writing to stdout".into(),
            source,
        })
}

/// Writes `text` to stderr; failures are ignored.
pub(crate) fn stderr(text: &str) {
    let mut err = std::io::stderr().lock();
    let _ = err.write_all(text.as_bytes()).and_then(|()| err.flush());
}

/// `text` as one line safe to print: every control character (line breaks too), line
/// separator and bidirectional override escaped (`player_api::escape`).
pub(crate) fn line(text: &str) -> std::borrow::Cow<'_, str> {
    player_api::escape(text)
}

/// The most characters of an `error:` or `warning:` line: a longer one (a path of
/// 100 000 characters from a scenario) loses its middle.
pub(crate) const MAX_MESSAGE_CHARS: usize = 2000;

/// `text` as one message line: [`line`], and at most [`MAX_MESSAGE_CHARS`] characters,
/// its start and its end kept (where messages say what and why).
pub(crate) fn message(text: &str) -> String {
    let line = line(text);
    let count = line.chars().count();
    if count <= MAX_MESSAGE_CHARS {
        return line.into_owned();
    }
    let (head, tail) = (MAX_MESSAGE_CHARS * 2 / 3, MAX_MESSAGE_CHARS / 3);
    let start: String = line.chars().take(head).collect();
    let end: String = line.chars().skip(count - tail).collect();
    format!("{start}…({} characters cut)…{end}", count - head - tail)
}

/// JSON text safe to print: the non-ASCII characters that are unsafe on a terminal
/// (C1 controls, bidirectional overrides, ...), which serde_json leaves raw, written as
/// `\uXXXX` escapes, which mean the same characters in JSON. (serde_json escapes ASCII
/// controls itself; outside strings, JSON is ASCII.)
pub(crate) fn json(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut units = [0u16; 2];
    for c in text.chars() {
        let unsafe_char = (!c.is_ascii() || c == '\u{7f}')
            && matches!(
                player_api::escape(c.encode_utf8(&mut [0; 4])),
                std::borrow::Cow::Owned(_)
            );
        if unsafe_char {
            for unit in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{unit:04x}"));
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Whether `e` is a write to a closed pipe (the command then exits quietly with 141).
pub(crate) fn is_broken_pipe(e: &HostError) -> bool {
    matches!(e, HostError::Io { source, .. } if source.kind() == std::io::ErrorKind::BrokenPipe)
}

/// `println!` that returns `Err` instead of panicking (use with `?`).
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::cli::out::stdout(&format!("{}\n", format_args!($($arg)*)))
    };
}

/// `eprintln!` that never panics.
macro_rules! note {
    ($($arg:tt)*) => {
        $crate::cli::out::stderr(&format!("{}\n", format_args!($($arg)*)))
    };
}

/// One `error: ...` line on stderr, the message made one safe line ([`message`]).
macro_rules! error {
    ($($arg:tt)*) => {
        note!("error: {}", $crate::cli::out::message(&format!($($arg)*)))
    };
}

/// One `warning: ...` line on stderr, the message made one safe line ([`message`]).
macro_rules! warning {
    ($($arg:tt)*) => {
        note!("warning: {}", $crate::cli::out::message(&format!($($arg)*)))
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_messages_keep_their_start_and_end() {
        let text = format!("{}: File name too long", "A".repeat(100_000));
        let m = message(&text);
        assert!(m.chars().count() < MAX_MESSAGE_CHARS + 40, "{}", m.len());
        assert!(
            m.starts_with("AAAA") && m.ends_with(": File name too long"),
            "{m}"
        );
        assert!(m.contains("…(98021 characters cut)…"), "{m}");
        assert_eq!(message("short\nline"), "short\\nline");
    }

    #[test]
    fn json_keeps_its_meaning_and_loses_what_a_terminal_obeys() {
        let value = serde_json::json!({"label": "a\u{1b}[2J\u{9b}31m\u{202e}b\u{1F600}é\n"});
        let raw = format!("{value:#}");
        let safe = json(&raw);
        assert!(!safe.chars().any(|c| c.is_control() && c != '\n'), "{safe}");
        assert!(!safe.contains('\u{202e}'), "{safe}");
        assert!(
            safe.contains("\\u009b") && safe.contains("\\u202e"),
            "{safe}"
        );
        assert!(safe.contains('é') && safe.contains('\u{1F600}'), "{safe}");
        let back: serde_json::Value = serde_json::from_str(&safe).unwrap_or_default();
        assert_eq!(back, value);
    }
}
