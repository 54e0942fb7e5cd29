//! Errors as Python sees them: the exception classes of `player_host._errors`, with the
//! command line's one-line messages, and scenario messages that name the Python keyword
//! (`chunk_size: ...`) instead of the scenario's key path (`streams[0].chunk_size: ...`).

use player_host::HostError;
use pyo3::prelude::*;

/// When a failure happened: while opening (files, scenario) or while playing.
#[derive(Debug, Clone, Copy)]
pub enum Phase {
    Open,
    Run,
}

/// The `player_host._errors` exception for a host error (same one-line message as the
/// command line's `error: ...`).
pub fn host_error(py: Python<'_>, e: &HostError, phase: Phase) -> PyErr {
    let class = match (phase, e) {
        (_, HostError::Player(_)) => "PlayerError",
        (Phase::Run, _) => "StreamError",
        (Phase::Open, HostError::Read(_) | HostError::NoReader { .. }) => "FileFormatError",
        (Phase::Open, HostError::Scenario { .. }) => "ScenarioError",
        (Phase::Open, HostError::Config(m)) => {
            return raise(py, "ScenarioError", keyword_message(m))
        }
        (Phase::Open, _) => "PlayerError",
    };
    raise(py, class, e.to_string())
}

/// An exception of `player_host._errors` by class name, made with `args`.
pub fn raise_with<'py>(
    py: Python<'py>,
    class: &str,
    args: impl pyo3::call::PyCallArgs<'py>,
) -> PyErr {
    let made = py
        .import("player_host._errors")
        .and_then(|m| m.getattr(class))
        .and_then(|c| c.call1(args));
    match made {
        Ok(err) => PyErr::from_value(err),
        Err(e) => e,
    }
}

/// An exception of `player_host._errors` by class name, with a message.
pub fn raise(py: Python<'_>, class: &str, message: String) -> PyErr {
    raise_with(py, class, (message,))
}

/// A `ScenarioError` for a scenario the Python wrapper built from keyword arguments.
pub fn scenario_error(py: Python<'_>, message: &str) -> PyErr {
    raise(py, "ScenarioError", keyword_message(message))
}

/// The Python keyword of a scenario key.
fn keyword(key: &str) -> &str {
    match key {
        "file" => "source",
        "from" | "to" => "crop",
        "type" => "content_type",
        other => other,
    }
}

/// A scenario message (`line 1 column 9: streams[0].chunk_size: must be ...`, or a check's
/// `streams[0] (file): to must be ...`) as the Python keyword arguments name things
/// (`chunk_size: must be ...`, `crop: to must be ...`): the text is the wrapper's, its
/// line, column and list indices mean nothing to the caller.
pub fn keyword_message(message: &str) -> String {
    let message = match message.split_once(": ") {
        Some((at, rest)) if at.starts_with("line ") && at.contains(" column ") => rest,
        _ => message,
    };
    // `streams[0] (path): rest` (a check) or `streams[0].key: rest` / `streams[0]: rest`.
    let (path, rest) = match message.split_once(": ") {
        Some((path, rest)) => (path, rest),
        None => return message.to_string(),
    };
    let in_stream = path.strip_prefix("streams[").and_then(|p| {
        let (_, after) = p.split_once(']')?;
        Some(after)
    });
    let key = match in_stream {
        Some(after) if after.starts_with(" (") => {
            // A check of an entry: the message names the setting first.
            return match rest.split_once(' ') {
                Some(("from" | "to", _)) => format!("crop: {rest}"),
                _ => rest.to_string(),
            };
        }
        Some("") => return rest.to_string(),
        Some(after) => match after.strip_prefix('.') {
            Some(key) => key,
            None => return message.to_string(),
        },
        None if is_key(path) => path,
        None => return message.to_string(),
    };
    format!("{}: {rest}", keyword(key))
}

/// Whether `s` looks like a scenario key (`chunk_size`, `wait_for_consumers`).
fn is_key(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_ascii_lowercase() || c == '_')
}
