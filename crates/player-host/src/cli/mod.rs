//! The command line: arguments, one function per subcommand, and the exit status, decided
//! in one place ([`exit_status`]) from how the command ended.

#[macro_use]
mod out;
mod ctl;
mod docs;
mod info;
mod play;
mod report;
mod status;

use crate::plugins::registry::{PluginSources, Registry};
use crate::scenario::RunSettings;
use crate::{HostError, Scenario, Session, StreamEntry};
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// The exit status table, shown by `--help` (and in docs/command-line.md).
macro_rules! exit_status_table {
    () => {
        "Exit status:
  0      everything played, or the replay was stopped on purpose (ctl stop, the
         control socket's stop, the q key), or the command did what it was asked
  1      an error in a file or a scenario, or while playing (a stream failed, no
         consumer in time, --stats-json could not be written)
  2      a command-line mistake (an unknown flag, a value a flag does not take)
  141    stdout was closed early (e.g. `| head`): the command stops quietly
  128+N  stopped by signal N: 130 for Ctrl-C (SIGINT), 143 for SIGTERM, 129 for SIGHUP"
    };
}

const EXIT_STATUS_HELP: &str = exit_status_table!();

const TOP_HELP: &str = concat!(
    "Examples:\n",
    "  player-host play recording.fif --chunk-size 10\n",
    "  player-host run examples/demo.yaml --repeat forever\n",
    "  player-host inspect recording.edf\n\n",
    exit_status_table!()
);

/// Replay recordings (FIF, EDF/BDF, WAV, XDF, plugins) as synchronized Lab Streaming
/// Layer streams on one clock.
#[derive(Parser, Debug)]
#[command(name = "player-host", version, propagate_version = true)]
#[command(after_help = TOP_HELP)]
pub(crate) struct Cli {
    /// Load reader plugins from this directory (or library file); repeatable. Also read:
    /// the PLAYER_PLUGIN_PATH environment variable (a path list) and a scenario's
    /// `plugins:`. Built-in readers win id clashes, then the library loaded first.
    #[arg(long = "plugin-dir", value_name = "DIR", global = true)]
    plugin_dirs: Vec<PathBuf>,
    /// liblsl's configuration file (session id, ports, addresses), instead of its lookup:
    /// LSLAPICFG, then lsl_api.cfg in the current directory, ~/lsl_api/lsl_api.cfg,
    /// /etc/lsl_api/lsl_api.cfg. `player-host --version` shows the file in use.
    #[arg(long, value_name = "PATH", global = true)]
    lsl_config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Play every stream of a scenario file; flags override the scenario's values.
    #[command(after_help = EXIT_STATUS_HELP)]
    Run {
        /// The scenario (YAML).
        scenario: PathBuf,
        /// Play only these entries of the scenario (their `name`, else the file's stem),
        /// comma-separated: with --start-at, several hosts each play a part of one
        /// scenario on one timeline.
        #[arg(long, value_name = "NAME,NAME", value_delimiter = ',')]
        only: Option<Vec<String>>,
        #[command(flatten)]
        settings: RunSettings,
        #[command(flatten)]
        play: PlayOptions,
    },
    /// Play one file, without a scenario (like `mne-lsl player`).
    #[command(after_help = EXIT_STATUS_HELP)]
    Play {
        #[command(flatten)]
        stream: Box<StreamEntry>,
        #[command(flatten)]
        settings: RunSettings,
        #[command(flatten)]
        play: PlayOptions,
    },
    /// Show a recording's streams, channels, rate, duration and annotations.
    Inspect {
        /// The recording.
        file: PathBuf,
        /// Use this reader instead of probing the file.
        #[arg(long)]
        reader: Option<String>,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// List the available readers (built-in and plugins) and the refused libraries.
    Plugins {
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Steer a running player through its control socket (see docs/control.md).
    #[command(after_help = ctl::AFTER_HELP)]
    Ctl(ctl::CtlArgs),
    /// Check a scenario: its syntax, and that every file opens with the chosen reader;
    /// every error found is reported, naming its stream entry.
    Validate {
        /// The scenario (YAML).
        scenario: PathBuf,
    },
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell) on stdout.
    #[command(after_help = docs::COMPLETIONS_HELP)]
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff) on stdout: the command's, or one subcommand's.
    #[command(after_help = docs::MAN_HELP)]
    Man {
        /// A subcommand (run, play, ctl, ...), for its own page.
        command: Option<String>,
    },
}

/// How `run` and `play` publish and report.
#[derive(Args, Debug)]
pub(crate) struct PlayOptions {
    /// Where to publish: real LSL outlets, or nowhere (to test files and timing).
    #[arg(long, default_value = "lsl")]
    output: OutputKind,
    /// Write the end-of-run statistics as JSON to this file (`-`: stdout; a file is
    /// checked before playing, replaced at the end in one step).
    #[arg(long, value_name = "PATH")]
    stats_json: Option<PathBuf>,
    /// No status line and no summary.
    #[arg(long, short)]
    quiet: bool,
    /// Open every file and read its header, print what would be published, and stop.
    #[arg(long)]
    dry_run: bool,
    /// Push every chunk at once, ignoring time (only with --output null): checks that every
    /// sample of every file decodes, as fast as the disk allows.
    #[arg(long)]
    unpaced: bool,
    /// Open a control socket at PATH (mode 0600) to steer the replay while it plays:
    /// `player-host ctl PATH pause|resume|seek S|speed X|status|stop`, or JSON lines
    /// (docs/control.md).
    #[arg(long, value_name = "PATH")]
    control: Option<PathBuf>,
    /// Publish what the user does while playing (pause, resume, seek, speed, with the
    /// position) as the string stream NAME-player.
    #[arg(long)]
    control_events: bool,
    /// Seconds of data each outlet keeps for a consumer that does not take it [default:
    /// what 64 MiB holds, at most 360 s]: the memory a stalled consumer may cost.
    #[arg(long, value_name = "SECS", value_parser = crate::scenario::parse_seconds)]
    max_buffered: Option<f64>,
    /// Write every injected fault (--faults, `faults:`) as one JSON line to this file
    /// (docs/faults.md); the file is created before playing.
    #[arg(long, value_name = "PATH")]
    faults_log: Option<PathBuf>,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum OutputKind {
    Lsl,
    Null,
}

/// How a command ended, when it did not fail with an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ended {
    /// It did what it was asked.
    Done,
    /// It was stopped on purpose (`ctl stop`, the socket, the `q` key): a success.
    Stopped,
    /// It played, but at least one stream failed (or the statistics were not written).
    StreamsFailed,
    /// It was stopped by this signal.
    Signal(i32),
    /// The player refused the request (`ctl`).
    Refused,
    /// It found errors in its input and printed them (`validate`).
    Invalid,
}

/// The one place where an exit status is chosen (see [`EXIT_STATUS_HELP`]).
pub(crate) fn exit_status(result: &Result<Ended, HostError>) -> u8 {
    match result {
        Ok(Ended::Done | Ended::Stopped) => 0,
        Ok(Ended::StreamsFailed | Ended::Refused | Ended::Invalid) => 1,
        Ok(Ended::Signal(n)) => u8::try_from(128 + n).unwrap_or(1),
        Err(e) if out::is_broken_pipe(e) => 141,
        Err(HostError::Usage(_)) => 2,
        Err(_) => 1,
    }
}

/// Parses the command line, runs the command and returns its exit status.
pub fn main() -> ExitCode {
    let cli = match parse(std::env::args_os().collect()) {
        Ok(cli) => cli,
        // clap prints the message (help, version, or the mistake; a closed pipe is
        // ignored) and exits with 0 or 2.
        Err(e) => e.exit(),
    };
    ExitCode::from(dispatch(cli))
}

/// Runs the command line on `args` (the program name first, as `std::env::args_os`
/// gives it) and returns the exit status, as the `player-host` binary exits with it (see
/// [`EXIT_STATUS_HELP`]); for other front ends, such as the Python package's
/// `player-host` console script. Help, version and command-line mistakes are printed
/// and return 0 or 2 instead of exiting the process.
pub fn cli_main(args: Vec<OsString>) -> i32 {
    match parse(args) {
        Ok(cli) => i32::from(dispatch(cli)),
        Err(e) => {
            let _ = e.print();
            e.exit_code()
        }
    }
}

/// Runs a parsed command line; returns the exit status.
fn dispatch(cli: Cli) -> u8 {
    if let Some(path) = &cli.lsl_config {
        if let Err(e) = crate::transport::lsl_config::set(path) {
            error!("{e}");
            return exit_status(&Err(e));
        }
    }
    let result = execute(cli);
    if let Err(e) = &result {
        if !out::is_broken_pipe(e) {
            error!("{e}");
        }
    }
    exit_status(&result)
}

/// Parses the command line `args`; `--version` also says which liblsl configuration file
/// is in use (after `--lsl-config`, when given).
fn parse(args: Vec<OsString>) -> Result<Cli, clap::Error> {
    use clap::{CommandFactory, FromArgMatches};
    if let Some(i) = args.iter().position(|a| a == "--lsl-config") {
        if let Some(path) = args.get(i + 1) {
            let _ = crate::transport::lsl_config::set(Path::new(path));
        }
    }
    let long = format!(
        "{}\n{}\n{}",
        env!("CARGO_PKG_VERSION"),
        crate::transport::liblsl::describe(),
        crate::transport::lsl_config::describe()
    );
    let matches = Cli::command()
        .long_version(long)
        .try_get_matches_from(args)?;
    Cli::from_arg_matches(&matches)
}

fn execute(cli: Cli) -> Result<Ended, HostError> {
    let dirs = &cli.plugin_dirs;
    match cli.command {
        Command::Run {
            scenario,
            only,
            settings,
            play,
        } => run(dirs, &scenario, only.as_deref(), &settings, &play),
        Command::Play {
            stream,
            settings,
            play,
        } => play_file(dirs, *stream, &settings, &play),
        Command::Inspect { file, reader, json } => {
            info::inspect(&registry(dirs, None, false), &file, reader.as_deref(), json)
        }
        Command::Plugins { json } => info::plugins(&registry(dirs, None, true), json),
        Command::Validate { scenario } => {
            let parsed = Scenario::load_unchecked(&scenario)
                .map_err(|e| recording_not_scenario(dirs, &scenario, e))?;
            info::validate(&scenario, &parsed, &registry(dirs, Some(&parsed), false))
        }
        Command::Ctl(args) => ctl::run(&args),
        Command::Completions { shell } => docs::completions(shell),
        Command::Man { command } => docs::man(command.as_deref()),
    }
}

/// A scenario that did not load: when a reader recognizes the file, it is a recording
/// given to `run` or `validate` instead of `play` (a usage mistake).
fn recording_not_scenario(dirs: &[PathBuf], path: &Path, e: HostError) -> HostError {
    let sources = PluginSources {
        dirs,
        env: true,
        scenario: &[],
    };
    match sources.registry().choose(path, None) {
        Ok(reader) => HostError::Usage(format!(
            "{} is a recording ({} reader), not a scenario: to play one file, `player-host \
             play {}`",
            path.display(),
            reader.info().id(),
            path.display()
        )),
        Err(_) => e,
    }
}

/// `player-host run SCENARIO`: the scenario, its values replaced by the flags given, and
/// only the streams of `--only` when given.
fn run(
    dirs: &[PathBuf],
    path: &std::path::Path,
    only: Option<&[String]>,
    settings: &RunSettings,
    options: &PlayOptions,
) -> Result<Ended, HostError> {
    options.check()?;
    let mut scenario = Scenario::load(path).map_err(|e| recording_not_scenario(dirs, path, e))?;
    scenario.apply(settings);
    if let Some(names) = only {
        scenario.keep_only(names)?;
    }
    play::play(session(dirs, scenario), options, &play::Invocation::Run)
}

/// `player-host play FILE`: a scenario of one recording.
fn play_file(
    dirs: &[PathBuf],
    mut stream: StreamEntry,
    settings: &RunSettings,
    options: &PlayOptions,
) -> Result<Ended, HostError> {
    options.check()?;
    if let (Some(to), from) = (stream.to, stream.from.unwrap_or(0.0)) {
        if to <= from {
            return Err(HostError::Usage(format!(
                "--to {to} must be after --from {from}: the section would be empty"
            )));
        }
    }
    let file = stream.file.clone();
    // `play ROOT --bids ENTITIES`: FILE is the data set's root.
    if let Some(bids) = &mut stream.bids {
        bids.root = std::mem::take(&mut stream.file);
    }
    let mut scenario = Scenario::single(stream);
    scenario.apply(settings);
    play::play(session(dirs, scenario), options, &play::Invocation::Play)
        .map_err(|e| scenario_not_recording(&file, e))
}

/// A file that no reader reads given to `play`: when it is a scenario, `run` was meant
/// (a usage mistake).
fn scenario_not_recording(path: &Path, e: HostError) -> HostError {
    match e {
        HostError::NoReader { .. } if Scenario::load_unchecked(path).is_ok() => {
            HostError::Usage(format!(
                "{} is a scenario, not a recording: to play it, `player-host run {}`",
                path.display(),
                path.display()
            ))
        }
        other => other,
    }
}

/// The session of `scenario` with the `--plugin-dir` paths.
fn session(dirs: &[PathBuf], scenario: Scenario) -> Session {
    dirs.iter().fold(Session::new(scenario), |session, dir| {
        session.plugin_dir(dir)
    })
}

impl PlayOptions {
    /// Mistakes in the combination of flags (each value was checked by clap).
    fn check(&self) -> Result<(), HostError> {
        if self.unpaced && self.output != OutputKind::Null {
            return Err(HostError::Usage(
                "--unpaced needs --output null: LSL receivers expect samples in real time".into(),
            ));
        }
        Ok(())
    }
}

/// The readers for `inspect`, `plugins` and `validate`: built-ins, then `--plugin-dir`,
/// `PLAYER_PLUGIN_PATH` and the scenario's `plugins:`, as a run has them. Their warnings
/// are printed, those about refused libraries unless `listed` (`plugins` lists them).
fn registry(plugin_dirs: &[PathBuf], scenario: Option<&Scenario>, listed: bool) -> Registry {
    let sources = PluginSources {
        dirs: plugin_dirs,
        env: true,
        scenario: scenario.map(|s| s.plugins.as_slice()).unwrap_or_default(),
    };
    let registry = sources.registry();
    let warnings = if listed {
        registry.unsafe_warnings()
    } else {
        registry.warnings()
    };
    for warning in warnings {
        warning!("{warning}");
    }
    registry
}
