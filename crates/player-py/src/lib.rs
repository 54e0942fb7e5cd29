//! `player_host._native`: the player engine inside a Python process.
//!
//! The typed, documented API is the Python package around it (`player_host`, in
//! `python/`); this module is its native half:
//!
//! * opening a replay (this file): from a scenario file, from a scenario the Python
//!   wrapper built from its keyword arguments (checked here, once: errors name the
//!   keyword), or from data held in memory ([`memory`]);
//! * the [`player::NativePlayer`] that drives it (start, stop, wait, steering), inert in
//!   a forked child ([`fork`]);
//! * the results that cross back ([`results`]: summary, statistics, status) and the
//!   exceptions ([`errors`]).

mod errors;
mod fork;
mod memory;
mod player;
mod results;

use errors::{host_error, scenario_error, Phase};
use memory::MemoryStream;
use player::NativePlayer;
use player_host::{HostError, MemoryReader, Origin, Player, Registry, Scenario, MEMORY_READER_ID};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use std::ffi::OsString;
use std::path::PathBuf;

/// The readers of the command line: built-ins, `PLAYER_PLUGIN_PATH`, the scenario's
/// `plugins:`; refused libraries become warnings.
fn registry(scenario: &Scenario) -> (Registry, Vec<String>) {
    let mut registry = Registry::builtin();
    registry.add_plugin_path_env();
    for path in &scenario.plugins {
        registry.add_plugin_path(path);
    }
    let warnings = registry
        .refused()
        .iter()
        .map(|r| format!("plugin {} refused: {}", r.path.display(), r.reason))
        .collect();
    (registry, warnings)
}

/// A scenario from JSON text (what the Python wrapper builds from its arguments); errors
/// name the Python keyword (see [`errors::keyword_message`]).
fn parse_scenario(py: Python<'_>, json: &str) -> PyResult<Scenario> {
    let scenario = Scenario::parse(json).map_err(|m| scenario_error(py, &m))?;
    scenario
        .check()
        .map_err(|e| host_error(py, &e, Phase::Open))?;
    Ok(scenario)
}

/// Opens every recording of a scenario file.
#[pyfunction]
fn open_scenario_file(py: Python<'_>, path: PathBuf, output: &str) -> PyResult<NativePlayer> {
    let opened = py.detach(|| -> Result<_, HostError> {
        let scenario = Scenario::load(&path)?;
        let (registry, warnings) = registry(&scenario);
        Ok((Player::with_registry(&scenario, &registry)?, warnings))
    });
    let (player, warnings) = opened.map_err(|e| host_error(py, &e, Phase::Open))?;
    NativePlayer::new(py, player, warnings, output)
}

/// Opens the recordings of a scenario given as JSON (the schema of scenario files).
#[pyfunction]
fn open_scenario_json(py: Python<'_>, json: &str, output: &str) -> PyResult<NativePlayer> {
    let scenario = parse_scenario(py, json)?;
    let opened = py.detach(|| -> Result<_, HostError> {
        let (registry, warnings) = registry(&scenario);
        Ok((Player::with_registry(&scenario, &registry)?, warnings))
    });
    let (player, warnings) = opened.map_err(|e| host_error(py, &e, Phase::Open))?;
    NativePlayer::new(py, player, warnings, output)
}

/// Replays recordings held in memory: a scenario given as JSON whose every entry reads
/// `reader: memory` and names one of `streams` by its path (`memory:<label>`).
#[pyfunction]
fn open_memory(
    py: Python<'_>,
    json: &str,
    streams: Vec<PyRef<'_, MemoryStream>>,
    output: &str,
) -> PyResult<NativePlayer> {
    let scenario = parse_scenario(py, json)?;
    let known = |file: &std::path::Path| {
        streams
            .iter()
            .any(|s| std::path::Path::new(&s.path) == file)
    };
    if scenario
        .streams
        .iter()
        .any(|e| e.reader.as_deref() != Some(MEMORY_READER_ID) || !known(&e.file))
    {
        return Err(PyValueError::new_err(
            "open_memory takes a scenario whose entries are read by the memory reader, \
             each from one of the streams given",
        ));
    }
    let reader = streams.iter().fold(MemoryReader::empty(), |r, s| {
        r.with_recording(&s.path, s.recording.clone())
    });
    let player = py.detach(|| {
        let mut registry = Registry::builtin();
        registry.add_reader(Box::new(reader), Origin::Memory);
        Player::with_registry(&scenario, &registry)
    });
    let player = player.map_err(|e| host_error(py, &e, Phase::Open))?;
    NativePlayer::new(py, player, Vec::new(), output)
}

/// Runs the `player-host` command line (`args[0]` is the program name) and returns its
/// exit status, without the GIL.
#[pyfunction]
fn cli_main(py: Python<'_>, args: Vec<OsString>) -> i32 {
    py.detach(|| player_host::cli::cli_main(args))
}

/// The native half of the `player_host` package.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<NativePlayer>()?;
    m.add_class::<MemoryStream>()?;
    m.add_class::<results::PySummary>()?;
    m.add_class::<results::PyStreamStats>()?;
    m.add_class::<results::PyPlayStatus>()?;
    m.add_function(wrap_pyfunction!(open_scenario_file, m)?)?;
    m.add_function(wrap_pyfunction!(open_scenario_json, m)?)?;
    m.add_function(wrap_pyfunction!(open_memory, m)?)?;
    m.add_function(wrap_pyfunction!(cli_main, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
