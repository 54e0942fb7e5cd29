//! One way to build a run: a [`Session`] takes a scenario and everything a front end
//! adds to it (plugin sources, readers of data in memory, the output, the control
//! socket, the control-events stream) and opens a ready [`Player`].
//!
//! The command line, the Rust API ([`Player::from_scenario`]) and the Python package all
//! build their runs here, so that every scenario key means the same thing everywhere
//! (`start_at:` sets t0, `plugins:` loads libraries, ...) and the registry of readers is
//! built in one place. Nothing here prints: what the user should know (refused plugins,
//! annotations left out, ...) comes back as the player's
//! [`warnings`](Player::warnings), for the front end to show.

use crate::control::socket;
use crate::engine::Player;
use crate::error::{HostError, Result};
use crate::plugins::registry::{PluginSources, Registry};
use crate::plugins::Origin;
use crate::scenario::Scenario;
use crate::transport::lsl::{LslOutput, MaxBuffered};
use crate::transport::{NullOutput, Output};
use player_api::ReaderPlugin;
use std::path::PathBuf;
use std::sync::Arc;

/// Where a run publishes.
#[derive(Clone)]
#[non_exhaustive]
pub enum OutputChoice {
    /// LSL outlets (the default), each keeping at most `max_buffered` seconds of data for
    /// a consumer that stops taking it (`None`: what 64 MiB holds, see `--max-buffered`).
    Lsl {
        /// Seconds kept per consumer, at most; `None` for the default bound.
        max_buffered: Option<f64>,
    },
    /// Nowhere: exact pacing, nothing published (`--output null`).
    Null,
    /// The program's own output (tests, simulations).
    Custom(Arc<dyn Output>),
}

impl Default for OutputChoice {
    fn default() -> Self {
        OutputChoice::Lsl { max_buffered: None }
    }
}

impl std::fmt::Debug for OutputChoice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            OutputChoice::Lsl { max_buffered } => f
                .debug_struct("Lsl")
                .field("max_buffered", max_buffered)
                .finish(),
            OutputChoice::Null => f.write_str("Null"),
            OutputChoice::Custom(_) => f.write_str("Custom(..)"),
        }
    }
}

impl OutputChoice {
    fn build(&self) -> Arc<dyn Output> {
        match self {
            OutputChoice::Lsl {
                max_buffered: Some(seconds),
            } => Arc::new(LslOutput::default().max_buffered(MaxBuffered::Seconds(*seconds))),
            OutputChoice::Lsl { max_buffered: None } => Arc::new(LslOutput::default()),
            OutputChoice::Null => Arc::new(NullOutput),
            OutputChoice::Custom(output) => output.clone(),
        }
    }
}

/// Everything a run is built from; [`open`](Session::open) turns it into a [`Player`].
///
/// ```no_run
/// use player_host::{Scenario, Session};
/// let scenario = Scenario::load("examples/demo.yaml".as_ref())?;
/// let mut player = Session::new(scenario)
///     .plugin_dir("plugins/")           // as --plugin-dir
///     .control_socket("/tmp/demo.sock") // as --control
///     .open()?;
/// for warning in player.warnings() {
///     eprintln!("warning: {warning}");
/// }
/// player.start()?;
/// let summary = player.wait()?;
/// # Ok::<(), player_host::HostError>(())
/// ```
pub struct Session {
    scenario: Scenario,
    plugin_dirs: Vec<PathBuf>,
    plugin_path_env: bool,
    readers: Vec<Box<dyn ReaderPlugin>>,
    output: OutputChoice,
    paced: bool,
    control_events: bool,
    control_socket: Option<PathBuf>,
    faults_log: Option<Box<dyn std::io::Write + Send>>,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("scenario", &self.scenario)
            .field("plugin_dirs", &self.plugin_dirs)
            .field("plugin_path_env", &self.plugin_path_env)
            .field("readers", &self.readers.len())
            .field("output", &self.output)
            .field("paced", &self.paced)
            .field("control_events", &self.control_events)
            .field("control_socket", &self.control_socket)
            .finish()
    }
}

impl Session {
    /// A run of `scenario`: its recordings read by the built-in readers, the libraries of
    /// `PLAYER_PLUGIN_PATH` and of its `plugins:`, published over LSL, paced, t0 at
    /// its `start_at:` or after its `start_delay`.
    pub fn new(scenario: Scenario) -> Self {
        Session {
            scenario,
            plugin_dirs: Vec::new(),
            plugin_path_env: true,
            readers: Vec::new(),
            output: OutputChoice::default(),
            paced: true,
            control_events: false,
            control_socket: None,
            faults_log: None,
        }
    }

    /// Writes every fault the run injects to `writer`, one JSON line each
    /// (`--faults-log`; docs/faults.md); the summary has them too.
    pub fn faults_log(mut self, writer: impl std::io::Write + Send + 'static) -> Self {
        self.faults_log = Some(Box::new(writer));
        self
    }

    /// The scenario this session plays.
    pub fn scenario(&self) -> &Scenario {
        &self.scenario
    }

    /// Also loads the plugin library `path`, or a directory's plugin libraries
    /// (`--plugin-dir`; before `PLAYER_PLUGIN_PATH` and the scenario's `plugins:`).
    pub fn plugin_dir(mut self, path: impl Into<PathBuf>) -> Self {
        self.plugin_dirs.push(path.into());
        self
    }

    /// Whether the libraries of `PLAYER_PLUGIN_PATH` are loaded (default: yes).
    pub fn plugin_path_env(mut self, read: bool) -> Self {
        self.plugin_path_env = read;
        self
    }

    /// Adds a reader made by the program (e.g. a [`MemoryReader`](crate::MemoryReader)),
    /// tried after every other one; entries name it with `reader:`.
    pub fn reader(mut self, reader: Box<dyn ReaderPlugin>) -> Self {
        self.readers.push(reader);
        self
    }

    /// Where to publish (default: LSL).
    pub fn output(mut self, output: OutputChoice) -> Self {
        self.output = output;
        self
    }

    /// Pushes every chunk as soon as it is read, ignoring time: for checking that files
    /// decode, with [`OutputChoice::Null`] (lateness is then not measured).
    pub fn unpaced(mut self) -> Self {
        self.paced = false;
        self
    }

    /// Publishes what the user does while playing (pause, resume, seek, speed, with the
    /// position) as the string stream `NAME-player`, NAME being the scenario's `name:`,
    /// else its first stream's (`--control-events`).
    pub fn control_events(mut self, publish: bool) -> Self {
        self.control_events = publish;
        self
    }

    /// Serves the control protocol (`docs/control.md`) on a Unix socket at `path` while
    /// the player lives (`--control`).
    pub fn control_socket(mut self, path: impl Into<PathBuf>) -> Self {
        self.control_socket = Some(path.into());
        self
    }

    /// The readers this session's recordings can be opened with, built in the one place
    /// that builds registries: built-ins, the plugin directories, `PLAYER_PLUGIN_PATH`,
    /// the scenario's `plugins:`, then the program's readers.
    pub(crate) fn registry(&mut self) -> Registry {
        let sources = PluginSources {
            dirs: &self.plugin_dirs,
            env: self.plugin_path_env,
            scenario: &self.scenario.plugins,
        };
        let mut registry = sources.registry();
        for reader in self.readers.drain(..) {
            registry.add_reader(reader, Origin::Memory);
        }
        registry
    }

    /// Checks the scenario, opens every recording and makes the player, ready to
    /// [`start`](Player::start); the registry's refusals are among its
    /// [`warnings`](Player::warnings), and, when it publishes over LSL, a liblsl loaded
    /// despite the trust rule and a liblsl configuration read from the current directory.
    pub fn open(mut self) -> Result<Player> {
        self.scenario.check()?;
        let registry = self.registry();
        let t0_at = match &self.scenario.start_at {
            Some(at) => Some(at.lsl_t0()?),
            None => None,
        };
        let mut player = Player::with_registry(&self.scenario, &registry)?
            .with_output(self.output.build())
            .with_warnings_first(registry.warnings());
        if matches!(self.output, OutputChoice::Lsl { .. }) {
            player = player.with_warnings_first(lsl_warnings()?);
        }
        if !self.paced {
            player = player.unpaced();
        }
        if self.control_events {
            player = player.with_control_events(format!("{}-player", self.events_base()));
        }
        if let Some(t0) = t0_at {
            player = player.with_t0_at(t0);
        }
        if let Some(writer) = self.faults_log.take() {
            player = player.with_faults_log(writer);
        }
        if let Some(path) = &self.control_socket {
            let server = socket::serve(path, Arc::new(player.controller()))?;
            player = player.with_companion(Box::new(server));
        }
        Ok(player)
    }

    /// The NAME of the control-events stream `NAME-player`: the scenario's name, else its
    /// first stream's.
    fn events_base(&self) -> String {
        self.scenario
            .name
            .clone()
            .or_else(|| self.scenario.streams.first().map(|s| s.base_name()))
            .unwrap_or_else(|| "player".to_string())
    }
}

/// What a run that publishes over LSL should tell the user about liblsl (a library loaded
/// despite the trust rule, an `lsl_api.cfg` of the current directory), or why it cannot
/// run (`PLAYER_LIBLSL` is unusable, that configuration file is a FIFO or a device):
/// found when the run is opened, before anything plays.
fn lsl_warnings() -> Result<Vec<String>> {
    let liblsl = crate::transport::liblsl::get().map_err(|e| HostError::Lsl(e.to_string()))?;
    let mut warnings = liblsl.warnings.clone();
    warnings.extend(crate::transport::lsl_config::check_for_run()?);
    Ok(warnings)
}
