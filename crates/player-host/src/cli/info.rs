//! The commands that describe: `inspect`, `plugins`, `validate`.

use super::report::{self, plural};
use super::Ended;
use crate::plugins::registry::Registry;
use crate::{HostError, Player, Scenario};
use player_api::OpenOptions;
use std::collections::HashMap;
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

/// How many of `validate`'s errors are printed one by one (the rest are counted).
const MAX_ERRORS_SHOWN: usize = 20;

/// `player-host validate`: opens every file of every entry, reporting every error found,
/// each naming the scenario and the entry (`demo.yaml: streams[1] (eeg): ...`), then
/// the streams that would be published twice. The first [`MAX_ERRORS_SHOWN`] are
/// printed, then how many there were.
pub(crate) fn validate(
    path: &Path,
    scenario: &Scenario,
    registry: &Registry,
) -> Result<Ended, HostError> {
    // Errors of the scenario's own values name their entry already.
    scenario.check()?;
    let mut errors = Errors::default();
    let names = open_each_entry(path, scenario, registry, &mut errors);
    let mut first_of: HashMap<&str, usize> = HashMap::with_capacity(names.len());
    for (name, i) in &names {
        if let Some(&j) = first_of.get(name.as_str()) {
            errors.push(format!(
                "{}: streams[{j}] and streams[{i}] would both be published as {}: give them \
                 distinct `name`s",
                path.display(),
                player_api::quote(name)
            ));
        } else {
            first_of.insert(name, *i);
        }
    }
    if errors.count > 0 {
        for e in &errors.shown {
            error!("{e}");
        }
        if errors.count > 1 {
            let more = match errors.count - errors.shown.len() {
                0 => String::new(),
                hidden => format!(" ({hidden} not shown)"),
            };
            let line = format!(
                "{}: {}{more}",
                path.display(),
                plural(errors.count, "error")
            );
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

/// `validate`'s errors: the first [`MAX_ERRORS_SHOWN`], and how many in all.
#[derive(Default)]
struct Errors {
    shown: Vec<String>,
    count: usize,
}

impl Errors {
    fn push(&mut self, error: String) {
        self.count += 1;
        if self.shown.len() < MAX_ERRORS_SHOWN {
            self.shown.push(error);
        }
    }
}

/// Opens every entry of `scenario` on its own: the names each would publish (with the
/// entry's index); an error per entry that does not open. Warnings are printed.
fn open_each_entry(
    path: &Path,
    scenario: &Scenario,
    registry: &Registry,
    errors: &mut Errors,
) -> Vec<(String, usize)> {
    let mut names: Vec<(String, usize)> = Vec::new();
    let mut template = scenario.clone();
    template.streams.clear();
    for (i, entry) in scenario.streams.iter().enumerate() {
        let mut one = template.clone();
        one.streams.push(entry.clone());
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
    names
}
