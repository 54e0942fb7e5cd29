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
mod faults;
mod fork;
mod memory;
mod player;
mod results;

use errors::{host_error, raise, scenario_error, Phase};
use memory::MemoryStream;
use player::NativePlayer;
use player_host::{MemoryReader, OutputChoice, Scenario, Session, MEMORY_READER_ID};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use std::ffi::OsString;
use std::path::PathBuf;

/// Where a run publishes, from the wrapper's `output` argument (`"lsl"` or `"null"`).
fn output_choice(py: Python<'_>, output: &str) -> PyResult<OutputChoice> {
    match output {
        "lsl" => Ok(OutputChoice::default()),
        "null" => Ok(OutputChoice::Null),
        other => Err(raise(
            py,
            "ScenarioError",
            format!("output: must be one of lsl, null, not '{other}'"),
        )),
    }
}

/// Opens `session` without the GIL: the run as the command line builds it (built-ins,
/// `PLAYER_PLUGIN_PATH`, the scenario's `plugins:` and `start_at:`), published to
/// `output`.
fn open(py: Python<'_>, session: Session, output: &str) -> PyResult<NativePlayer> {
    let session = session.output(output_choice(py, output)?);
    let player = py
        .detach(|| session.open())
        .map_err(|e| host_error(py, &e, Phase::Open))?;
    Ok(NativePlayer::new(player))
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
    let scenario = py
        .detach(|| Scenario::load(&path))
        .map_err(|e| host_error(py, &e, Phase::Open))?;
    open(py, Session::new(scenario), output)
}

/// Opens the recordings of a scenario given as JSON (the schema of scenario files).
#[pyfunction]
fn open_scenario_json(py: Python<'_>, json: &str, output: &str) -> PyResult<NativePlayer> {
    let scenario = parse_scenario(py, json)?;
    open(py, Session::new(scenario), output)
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
    open(py, Session::new(scenario).reader(Box::new(reader)), output)
}

/// Runs the `player-host` command line (`args[0]` is the program name) and returns its
/// exit status, without the GIL.
#[pyfunction]
fn cli_main(py: Python<'_>, args: Vec<OsString>) -> i32 {
    py.detach(|| player_host::cli::cli_main(args))
}

/// Hands the engine the liblsl to use unless `PLAYER_LIBLSL` names one: an absolute path
/// (`player_host._liblsl` passes pylsl's), loaded when first needed; `origin` says where
/// it comes from. A `ValueError` for a path that is not absolute, or once liblsl is in use.
#[pyfunction]
fn use_liblsl(path: PathBuf, origin: &str) -> PyResult<()> {
    player_host::provide_liblsl(&path, origin).map_err(PyValueError::new_err)
}

/// Which liblsl the engine uses (version, file, why) or why none can be used: one line.
/// Loads it if nothing has yet.
#[pyfunction]
fn liblsl_description() -> String {
    player_host::describe_liblsl()
}

/// The native half of the `player_host` package.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<NativePlayer>()?;
    m.add_class::<MemoryStream>()?;
    m.add_class::<results::PySummary>()?;
    m.add_class::<faults::PyFaultRecord>()?;
    m.add_class::<results::PyStreamStats>()?;
    m.add_class::<results::PyPlayStatus>()?;
    m.add_function(wrap_pyfunction!(open_scenario_file, m)?)?;
    m.add_function(wrap_pyfunction!(open_scenario_json, m)?)?;
    m.add_function(wrap_pyfunction!(open_memory, m)?)?;
    m.add_function(wrap_pyfunction!(cli_main, m)?)?;
    m.add_function(wrap_pyfunction!(use_liblsl, m)?)?;
    m.add_function(wrap_pyfunction!(liblsl_description, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
