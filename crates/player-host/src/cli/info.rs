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

/// `player-host validate`: parse the scenario and open every file.
pub(crate) fn validate(
    path: &Path,
    scenario: &Scenario,
    registry: &Registry,
) -> Result<Ended, HostError> {
    let player = Player::with_registry(scenario, registry)
        .map_err(|e| super::play::with_hint(e, &super::play::Invocation::Run))?;
    for w in player.warnings() {
        warning!("{w}");
    }
    let names = player.stream_names();
    let line = format!(
        "{}: ok ({}: {})",
        path.display(),
        plural(names.len(), "stream"),
        names.join(", ")
    );
    out!("{}", super::out::line(&line))?;
    Ok(Ended::Done)
}
