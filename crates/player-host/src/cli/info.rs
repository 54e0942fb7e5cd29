//! The commands that describe: `inspect`, `plugins`, `validate`.

use super::report::{self, plural};
use super::Ended;
use crate::plugins::registry::Registry;
use crate::{HostError, Player, Scenario};
use player_api::OpenOptions;
use std::path::Path;

/// `player-host inspect`: a recording's streams, as text or JSON.
pub(crate) fn inspect(
    registry: &Registry,
    file: &Path,
    reader: Option<&str>,
    json: bool,
) -> Result<Ended, HostError> {
    let reader = registry
        .choose(file, reader)
        .map_err(|e| super::play::with_hint(e, &super::play::Invocation::Play))?;
    let recording = player_api::validate::open_checked(reader, file, &OpenOptions::default())?;
    let info = recording.info();
    if json {
        let value = serde_json::json!({
            "file": file.display().to_string(),
            "reader": reader.info().id(),
            "recording": info,
        });
        out!("{}", super::out::json(&format!("{value:#}")))?;
    } else {
        out!(
            "{}",
            report::describe_recording(file, reader.info().id(), info).trim_end()
        )?;
    }
    Ok(Ended::Done)
}

/// `player-host plugins`: the readers and the refused libraries, from one list of rows
/// for both the text and the JSON.
pub(crate) fn plugins(registry: &Registry, json: bool) -> Result<Ended, HostError> {
    let readers = report::reader_rows(registry);
    let refused = registry.refused();
    if json {
        let refused: Vec<_> = refused
            .iter()
            .map(|r| {
                serde_json::json!({
                    "path": r.path.display().to_string(),
                    "reason": r.reason.to_string(),
                    "kind": r.reason.code(),
                })
            })
            .collect();
        let value = serde_json::json!({ "readers": readers, "refused": refused });
        out!("{}", super::out::json(&value.to_string()))?;
    } else {
        out!("{}", report::describe_readers(&readers).trim_end())?;
        if !refused.is_empty() {
            out!("\nrefused libraries:")?;
            for r in refused {
                let line = format!("{}: {}", r.path.display(), r.reason);
                out!("  {}", super::out::message(&line))?;
            }
        }
    }
    Ok(Ended::Done)
}

/// `player-host validate`: opens every file of every entry, reporting every error found,
/// each naming the scenario and the entry (`demo.yaml: streams[1] (eeg): ...`), then
/// the streams that would be published twice.
pub(crate) fn validate(
    path: &Path,
    scenario: &Scenario,
    registry: &Registry,
) -> Result<Ended, HostError> {
    // Errors of the scenario's own values name their entry already.
    scenario.check()?;
    let mut errors = Vec::new();
    let mut names: Vec<(String, usize)> = Vec::new();
    for (i, entry) in scenario.streams.iter().enumerate() {
        let mut one = scenario.clone();
        one.streams = vec![entry.clone()];
        match Player::with_registry(&one, registry) {
            Ok(player) => {
                for w in player.warnings() {
                    warning!("{w}");
                }
                names.extend(player.stream_names().iter().map(|n| (n.to_string(), i)));
            }
            Err(e) => {
                let e = super::play::with_hint(e, &super::play::Invocation::Run);
                errors.push(format!(
                    "{}: streams[{i}] ({}): {e}",
                    path.display(),
                    entry.base_name()
                ));
            }
        }
    }
    for (k, (name, i)) in names.iter().enumerate() {
        if let Some((_, j)) = names[..k].iter().find(|(n, _)| n == name) {
            errors.push(format!(
                "{}: streams[{j}] and streams[{i}] would both be published as {}: give them \
                 distinct `name`s",
                path.display(),
                player_api::quote(name)
            ));
        }
    }
    if !errors.is_empty() {
        for e in &errors {
            error!("{e}");
        }
        if errors.len() > 1 {
            let line = format!("{}: {}", path.display(), plural(errors.len(), "error"));
            note!("{}", super::out::message(&line));
        }
        return Ok(Ended::Invalid);
    }
    let names: Vec<&str> = names.iter().map(|(n, _)| n.as_str()).collect();
    let line = format!(
        "{}: ok ({}: {})",
        path.display(),
        plural(names.len(), "stream"),
        names.join(", ")
    );
    out!("{}", super::out::line(&line))?;
    Ok(Ended::Done)
}
