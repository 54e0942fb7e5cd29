//! A scenario's text: read with bounds (size, nesting) before any parsing, and the YAML
//! parser's errors put in the user's words (the key, what it allows, where).

use std::path::Path;

/// Where the mapping that starts at `start` (line, column) gives `key` a second time:
/// the line and column of that key.
pub(super) fn second_key(text: &str, key: &str, start: (usize, usize)) -> Option<(usize, usize)> {
    let (first_line, column) = start;
    text.lines()
        .enumerate()
        .skip(first_line.saturating_sub(1))
        .filter_map(|(i, line)| {
            let body = line.trim_start();
            let body = body.strip_prefix("- ").map_or(body, str::trim_start);
            let at = line.len() - body.len() + 1;
            let rest = body.strip_prefix(key)?.trim_start();
            (at == column && rest.starts_with(':')).then_some((i + 1, at))
        })
        .nth(1)
}

/// `message` with every value it quotes (between backticks or double quotes, as serde's
/// messages do) cut like [`player_api::quote`] cuts: at most
/// [`player_api::QUOTE_MAX_CHARS`] characters, then an ellipsis and the value's length;
/// and every character unsafe to print escaped ([`player_api::escape`]: serde quotes an
/// unknown key or value between backticks as it is).
pub(super) fn cap_quoted(message: &str) -> String {
    let mut out = String::with_capacity(message.len().min(1024));
    let mut rest = message;
    while let Some(open) = rest.find(['`', '"']) {
        let delim = rest[open..].chars().next().unwrap_or('"');
        out.push_str(&rest[..=open]);
        let body = &rest[open + 1..];
        // The closing delimiter (a double quote escaped by a backslash does not close).
        let mut escaped = false;
        let close = body.char_indices().find_map(|(i, c)| {
            let closes = c == delim && !escaped;
            escaped = !escaped && c == '\\' && delim == '"';
            closes.then_some(i)
        });
        let (value, after) = match close {
            Some(i) => (&body[..i], &body[i + 1..]),
            None => (body, ""),
        };
        let count = value.chars().count();
        if count > player_api::QUOTE_MAX_CHARS {
            let cut: String = value.chars().take(player_api::QUOTE_MAX_CHARS).collect();
            out.push_str(&format!("{cut}{delim}… ({count} characters)"));
        } else {
            out.push_str(value);
            if close.is_some() {
                out.push(delim);
            }
        }
        rest = after;
    }
    out.push_str(rest);
    player_api::escape(&out).into_owned()
}

/// serde_yaml's messages end with " at line L column C"; we print the location first.
pub(super) fn strip_location(message: &str) -> &str {
    match message.rfind(" at line ") {
        Some(i) => &message[..i],
        None => message,
    }
}

/// serde's wording in a user's words: "invalid type: string \"ten\", expected X" becomes
/// "must be X, not \"ten\""; "unknown field"/"missing field"/"unknown variant" speak of
/// keys and values.
pub(super) fn humanize(message: &str) -> String {
    let (path, rest) = match message.split_once(": ") {
        Some((p, r)) if !p.contains(' ') => (Some(p), r),
        _ => (None, message),
    };
    let rest = rest.trim_end_matches('.');
    let said = if let Some(r) = rest
        .strip_prefix("invalid type: ")
        .or_else(|| rest.strip_prefix("invalid value: "))
    {
        match r.split_once(", expected ") {
            // A file whose top level is not a mapping is not a scenario: none of it is
            // echoed (it may be anything, e.g. a `.env` file).
            Some((got, "struct Scenario")) => format!(
                "not a scenario: a scenario is a mapping of keys such as `streams:` (a list \
                 of recordings), and this file is {} (not shown)",
                got_kind(got)
            ),
            Some((got, want)) => format!("must be {}, not {}", want_words(want), got_words(got)),
            None => rest.to_string(),
        }
    } else if let Some(r) = rest.strip_prefix("unknown variant ") {
        match r.split_once(", expected ") {
            Some((got, want)) => format!("must be {}, not {got}", want.replace("`", "")),
            None => rest.to_string(),
        }
    } else if let Some(r) = rest.strip_prefix("unknown field ") {
        match r.split_once(", expected ") {
            Some((got, want)) => format!(
                "unknown key {got}; the keys are {}",
                want.trim_start_matches("one of ")
            ),
            None => format!("unknown key {r}"),
        }
    } else if let Some(r) = rest.strip_prefix("missing field ") {
        format!("missing key {r}")
    } else if let Some(r) = rest.strip_prefix("duplicate field ") {
        format!("the key {r} is given twice")
    } else {
        rest.to_string()
    };
    match path {
        Some(p) => format!("{}: {said}", cap_path(p)),
        None => said,
    }
}

/// serde's path to a value (`streams[0].reader_options.KEY`), each key cut after
/// [`player_api::QUOTE_MAX_CHARS`] characters (a key comes from the file).
fn cap_path(path: &str) -> String {
    let cap = |key: &str| {
        if key.chars().count() <= player_api::QUOTE_MAX_CHARS {
            return key.to_string();
        }
        let cut: String = key.chars().take(player_api::QUOTE_MAX_CHARS).collect();
        format!("{cut}…")
    };
    path.split('.').map(cap).collect::<Vec<_>>().join(".")
}

/// serde's description of what it expected, for our two structs, in a user's words.
fn want_words(want: &str) -> &str {
    match want {
        "struct Scenario" => "a scenario: keys such as `streams:` (a list of recordings)",
        "struct StreamEntry" => "a recording: keys such as `file:`, `name:`",
        other => other,
    }
}

/// What kind of value serde describes ("string \"x\"", "integer `3`", "sequence"),
/// without the value.
fn got_kind(got: &str) -> &'static str {
    match got.split([' ', '`', '"']).next().unwrap_or("") {
        "string" => "text",
        "integer" | "floating" => "a number",
        "boolean" => "true or false",
        "sequence" => "a list",
        "unit" => "empty",
        _ => "something else",
    }
}

/// serde's description of a value ("string \"x\"", "integer `3`", "map") as a user
/// would say it.
fn got_words(got: &str) -> String {
    // Integers too large for 64 bits are described as "integer `N` as u128".
    let got = got
        .strip_suffix(" as u128")
        .or_else(|| got.strip_suffix(" as i128"))
        .unwrap_or(got);
    for (prefix, plain) in [
        ("string ", ""),
        ("integer ", ""),
        ("floating point ", ""),
        ("boolean ", ""),
    ] {
        if let Some(v) = got.strip_prefix(prefix) {
            return format!("{plain}{}", v.trim_matches('`'));
        }
    }
    match got {
        "map" => "a mapping (key: value)".into(),
        "sequence" => "a list".into(),
        "unit value" => "nothing".into(),
        other => other.into(),
    }
}

/// The largest scenario file read, in bytes.
pub const MAX_SCENARIO_BYTES: u64 = 16 << 20;

/// The deepest nesting of a scenario (brackets and braces, or indentation in columns / 2).
pub const MAX_NESTING: usize = 64;

/// Reads a scenario file: a regular file, or a pipe (`validate /dev/stdin`), of at most
/// [`MAX_SCENARIO_BYTES`], UTF-8. A device, a socket or a directory is refused before it
/// is opened; the open itself never blocks (a FIFO nobody writes reads as empty) and what
/// was opened is checked again on the open file ([`crate::files`]).
pub(super) fn read_bounded(path: &Path) -> std::result::Result<String, String> {
    use std::io::Read;
    let cannot = |e: std::io::Error| format!("cannot read the scenario: {e}");
    let refuse = |meta: &std::fs::Metadata| {
        format!(
            "cannot read the scenario: it is {}, not a regular file or a pipe",
            player_api::io::file_type_words(&meta.file_type())
        )
    };
    let readable = |meta: &std::fs::Metadata| meta.is_file() || crate::files::is_pipe(meta);
    let meta = std::fs::metadata(path).map_err(cannot)?;
    if !readable(&meta) {
        return Err(refuse(&meta));
    }
    let (file, meta) = crate::files::open_read(path).map_err(cannot)?;
    if !readable(&meta) {
        return Err(refuse(&meta));
    }
    if meta.len() > MAX_SCENARIO_BYTES {
        return Err(format!(
            "the scenario is {} bytes, more than the {MAX_SCENARIO_BYTES} a scenario may have",
            meta.len()
        ));
    }
    let mut text = String::new();
    file.take(MAX_SCENARIO_BYTES + 1)
        .read_to_string(&mut text)
        .map_err(cannot)?;
    if text.len() as u64 > MAX_SCENARIO_BYTES {
        return Err(format!(
            "the scenario is more than the {MAX_SCENARIO_BYTES} bytes a scenario may have"
        ));
    }
    Ok(text)
}

/// The most marks that may start a YAML node in a scenario ([`check_structure`]): seven
/// times what a scenario of 10 000 streams of three keys each has (about 70 000).
pub const MAX_MARKS: usize = 500_000;

/// Bounds what parsing a scenario costs before it starts. The YAML parser holds every
/// event of a document in memory (about 120 bytes each) before its first key is looked at,
/// so that a 16 MB file of `[0,0,0,...]` took 1 GB; here a scenario may have at most
/// [`MAX_MARKS`] **marks**: line breaks, `,` `[` `{` `:` `?`, and `-` before a blank,
/// counted everywhere but in lines that are only a comment (inside quotes too: the count
/// can only be too high), each of which starts at most a few events. And a scenario may
/// use no YAML alias (`*name`, where a node can start: after a line break or one of those
/// marks and blanks), which makes the parser replay the node it names each time.
pub(super) fn check_structure(text: &str) -> std::result::Result<(), String> {
    let (mut marks, mut line, mut column) = (0usize, 1usize, 0usize);
    // Whether a node may start here (the start of a line, or after a mark and blanks).
    let mut node_start = true;
    // Whether the line has had only blanks so far, and whether it is a comment.
    let (mut blank_line, mut comment_line) = (true, false);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        column += 1;
        let was_blank_line = std::mem::replace(&mut blank_line, false);
        let next_blank = chars.peek().is_none_or(|n| n.is_whitespace());
        match c {
            '\n' | '\r' | '\u{85}' | '\u{2028}' | '\u{2029}' => {
                marks += 1;
                if c == '\n' {
                    (line, column) = (line + 1, 0);
                }
                (node_start, blank_line, comment_line) = (true, true, false);
            }
            _ if comment_line => {}
            '#' if was_blank_line => comment_line = true,
            ',' | '[' | '{' | ':' | '?' => (marks, node_start) = (marks + 1, true),
            '-' if next_blank => (marks, node_start) = (marks + 1, true),
            '*' if node_start => {
                return Err(format!(
                    "line {line} column {column}: `*` starts a YAML alias, which a scenario \
                     may not use (write the value out; if it is text, quote it: \"*...\")"
                ))
            }
            c if c.is_whitespace() || c == '\u{feff}' => blank_line = was_blank_line,
            _ => node_start = false,
        }
        if marks > MAX_MARKS {
            return Err(format!(
                "line {line}: more than {MAX_MARKS} lines, items and keys (`-` `:` `,` `[` \
                 `{{`), the most a scenario may have (10 000 streams of three keys have about \
                 70 000)"
            ));
        }
    }
    Ok(())
}

/// Refuses text nested deeper than [`MAX_NESTING`]: flow brackets and braces outside
/// quotes, and indentation plus the list entries (`- `) that open a line.
pub(super) fn check_nesting(text: &str) -> std::result::Result<(), String> {
    let (mut depth, mut quote) = (0usize, None::<char>);
    for (n, line) in text.lines().enumerate() {
        let indent = line.len() - line.trim_start_matches(' ').len();
        if indent / 2 > MAX_NESTING {
            return Err(format!(
                "line {}: indented {indent} columns: a scenario nests at most {MAX_NESTING} levels",
                n + 1
            ));
        }
        // `- - - x`: lists in lists on one line.
        let mut rest = line.trim_start_matches(' ');
        let mut entries = 0;
        while let Some(r) = rest.strip_prefix("- ") {
            (rest, entries) = (r.trim_start_matches(' '), entries + 1);
        }
        if indent / 2 + entries > MAX_NESTING {
            return Err(format!(
                "line {}: nested more than {MAX_NESTING} levels deep",
                n + 1
            ));
        }
        for c in line.chars() {
            match (quote, c) {
                (Some(q), c) if c == q => quote = None,
                (Some(_), _) => {}
                (None, '\'' | '"') => quote = Some(c),
                (None, '#') => break,
                (None, '[' | '{') => depth += 1,
                (None, ']' | '}') => depth = depth.saturating_sub(1),
                _ => {}
            }
            if depth > MAX_NESTING {
                return Err(format!(
                    "line {}: nested more than {MAX_NESTING} levels deep",
                    n + 1
                ));
            }
        }
    }
    Ok(())
}
