//! `player-host`: the command line.

use clap::{Args, Parser, Subcommand, ValueEnum};
use player_api::OpenOptions;
use player_host::report;
use player_host::{
    AnnotationMode, HostError, NullOutput, Player, Registry, Repeat, Scenario, StreamEntry,
    Summary, ValueFormat, WaitForConsumers,
};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// Replay recordings (FIF, EDF/BDF, WAV, plugins) as synchronized Lab Streaming Layer
/// streams on one clock.
#[derive(Parser, Debug)]
#[command(name = "player-host", version, propagate_version = true)]
#[command(
    after_help = "Examples:\n  player-host play recording.fif --chunk-size 10\n  player-host run examples/demo.yaml\n  player-host inspect recording.edf"
)]
struct Cli {
    /// Load reader plugins from this directory (or library file); repeatable. Also read:
    /// the PLAYER_PLUGIN_PATH environment variable (a path list) and a scenario's
    /// `plugins:`. Built-in readers win id clashes, then the library loaded first.
    #[arg(long = "plugin-dir", value_name = "DIR", global = true)]
    plugin_dirs: Vec<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Play every stream of a scenario file.
    Run {
        /// The scenario (YAML).
        scenario: PathBuf,
        #[command(flatten)]
        play: PlayOptions,
    },
    /// Play one file, without a scenario (like `mne-lsl player`).
    Play {
        /// The recording.
        file: PathBuf,
        /// LSL stream name [default: the file's stem].
        #[arg(long, short)]
        name: Option<String>,
        /// Frames per push.
        #[arg(long, short, default_value_t = player_host::scenario::DEFAULT_CHUNK_SIZE, value_parser = clap::value_parser!(usize))]
        chunk_size: usize,
        /// Number of passes, or "forever"; timestamps continue across passes.
        #[arg(long, short, default_value = "1", value_parser = parse_repeat)]
        repeat: Repeat,
        /// Use this reader instead of probing the file (see `player-host plugins`).
        #[arg(long)]
        reader: Option<String>,
        /// A reader-specific option (see docs/readers/); repeatable.
        #[arg(long = "reader-option", value_name = "KEY=VALUE", value_parser = parse_key_value)]
        reader_options: Vec<(String, String)>,
        /// Seconds between start and the first sample's timestamp.
        #[arg(long, default_value_t = 0.0)]
        start_delay: f64,
        /// Wait for a consumer on every stream before starting; optionally at most SECS.
        #[arg(long, value_name = "SECS", num_args = 0..=1, default_missing_value = "inf")]
        wait_for_consumers: Option<f64>,
        /// Publish only these channels (labels or kinds), comma-separated.
        #[arg(long, value_delimiter = ',')]
        picks: Option<Vec<String>>,
        /// Publish annotations as NAME-markers: auto (when there are any), markers, none.
        #[arg(long, default_value = "auto")]
        annotations: AnnotationMode,
        /// Sample type on the wire: float32, float64, or native (the recorded format of an
        /// XDF stream; for other files the float type that holds the values exactly)
        /// [default: float32; native for XDF].
        #[arg(long)]
        format: Option<ValueFormat>,
        /// LSL content type [default: the reader's].
        #[arg(long = "type")]
        content_type: Option<String>,
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
    /// Check a scenario: its syntax, and that every file opens with the chosen reader.
    Validate {
        /// The scenario (YAML).
        scenario: PathBuf,
    },
}

#[derive(Args, Debug)]
struct PlayOptions {
    /// Where to publish: real LSL outlets, or nowhere (to test files and timing).
    #[arg(long, default_value = "lsl")]
    output: OutputKind,
    /// Write the end-of-run statistics as JSON to this file.
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
}

#[derive(ValueEnum, Clone, Copy, Debug)]
enum OutputKind {
    Lsl,
    Null,
}

fn parse_repeat(s: &str) -> Result<Repeat, String> {
    s.parse()
}

fn parse_key_value(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.is_empty() => Ok((k.to_string(), v.to_string())),
        _ => Err(format!("expected KEY=VALUE, not {s:?}")),
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match execute(cli.command, &cli.plugin_dirs) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The readers for a command: built-ins, then `--plugin-dir`, `PLAYER_PLUGIN_PATH` and
/// the scenario's `plugins:` (see `player_host::registry`). Refused libraries are warned
/// about unless `quiet`.
fn registry(plugin_dirs: &[PathBuf], scenario: Option<&Scenario>, quiet: bool) -> Registry {
    let mut registry = Registry::builtin();
    for dir in plugin_dirs {
        registry.add_plugin_path(dir);
    }
    registry.add_plugin_path_env();
    for path in scenario.map(|s| s.plugins.as_slice()).unwrap_or_default() {
        registry.add_plugin_path(path);
    }
    if !quiet {
        for r in registry.refused() {
            eprintln!("warning: plugin {} refused: {}", r.path.display(), r.reason);
        }
    }
    registry
}

fn execute(command: Command, plugin_dirs: &[PathBuf]) -> Result<ExitCode, HostError> {
    match command {
        Command::Run { scenario, play } => {
            let scenario = Scenario::load(&scenario)?;
            let registry = registry(plugin_dirs, Some(&scenario), false);
            play_scenario(&scenario, &registry, &play)
        }
        Command::Play {
            file,
            name,
            chunk_size,
            repeat,
            reader,
            reader_options,
            start_delay,
            wait_for_consumers,
            picks,
            annotations,
            format,
            content_type,
            play,
        } => {
            let mut entry = StreamEntry::new(file);
            entry.name = name;
            entry.chunk_size = chunk_size;
            entry.reader = reader;
            entry.reader_options = reader_options.into_iter().collect();
            entry.picks = picks;
            entry.annotations = annotations;
            entry.format = format;
            entry.content_type = content_type;
            let mut scenario = Scenario::single(entry);
            scenario.repeat = repeat;
            scenario.start_delay = start_delay;
            let registry = registry(plugin_dirs, None, false);
            scenario.wait_for_consumers = match wait_for_consumers {
                None => WaitForConsumers::No,
                Some(s) if s.is_infinite() => WaitForConsumers::Forever,
                Some(s) if s > 0.0 => WaitForConsumers::Timeout(s),
                Some(s) => {
                    return Err(HostError::config(format!(
                        "--wait-for-consumers takes a positive number of seconds, not {s}"
                    )))
                }
            };
            play_scenario(&scenario, &registry, &play)
        }
        Command::Inspect { file, reader, json } => {
            let registry = registry(plugin_dirs, None, false);
            inspect(&registry, &file, reader.as_deref(), json)
        }
        Command::Plugins { json } => {
            let registry = registry(plugin_dirs, None, true);
            if json {
                let readers: Vec<_> = registry
                    .entries()
                    .map(|e| {
                        let info = e.reader.info();
                        serde_json::json!({
                            "id": info.id(),
                            "origin": e.origin.to_string(),
                            "version": info.version(),
                            "extensions": info.extensions(),
                            "description": info.description(),
                        })
                    })
                    .collect();
                let refused: Vec<_> = registry
                    .refused()
                    .iter()
                    .map(|r| {
                        serde_json::json!({
                            "path": r.path.display().to_string(),
                            "reason": r.reason.to_string(),
                            "kind": r.reason.code(),
                        })
                    })
                    .collect();
                println!(
                    "{}",
                    serde_json::json!({ "readers": readers, "refused": refused })
                );
            } else {
                print!("{}", report::describe_readers(&registry));
                if !registry.refused().is_empty() {
                    println!("\nrefused libraries:");
                    for r in registry.refused() {
                        println!("  {}: {}", r.path.display(), r.reason);
                    }
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Validate { scenario } => {
            let parsed = Scenario::load(&scenario)?;
            let registry = registry(plugin_dirs, Some(&parsed), false);
            let player = Player::with_registry(&parsed, &registry)?;
            for w in player.warnings() {
                eprintln!("warning: {w}");
            }
            println!(
                "{}: ok ({} streams: {})",
                scenario.display(),
                player.stream_names().len(),
                player.stream_names().join(", ")
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn inspect(
    registry: &Registry,
    file: &Path,
    reader: Option<&str>,
    json: bool,
) -> Result<ExitCode, HostError> {
    let reader = registry.choose(file, reader)?;
    let recording = player_api::validate::open_checked(reader, file, &OpenOptions::default())?;
    let info = recording.info();
    if json {
        let value = serde_json::json!({
            "file": file.display().to_string(),
            "reader": reader.info().id(),
            "recording": info,
        });
        println!("{value:#}");
    } else {
        print!(
            "{}",
            report::describe_recording(file, reader.info().id(), info)
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Exit status of a run stopped by a signal: 128 + the signal number, as shells expect
/// (130 for Ctrl-C, 143 for SIGTERM).
fn signal_exit_code(signal: i32) -> u8 {
    u8::try_from(128 + signal).unwrap_or(1)
}

/// How often the status line is refreshed.
const STATUS_EVERY: Duration = Duration::from_millis(250);

fn play_scenario(
    scenario: &Scenario,
    registry: &Registry,
    options: &PlayOptions,
) -> Result<ExitCode, HostError> {
    if options.unpaced && !matches!(options.output, OutputKind::Null) {
        return Err(HostError::config(
            "--unpaced needs --output null: LSL receivers expect samples in real time",
        ));
    }
    let mut player = Player::with_registry(scenario, registry)?;
    for w in player.warnings() {
        eprintln!("warning: {w}");
    }
    if options.dry_run {
        println!(
            "ok: would publish {} streams: {}",
            player.stream_names().len(),
            player.stream_names().join(", ")
        );
        return Ok(ExitCode::SUCCESS);
    }
    if let OutputKind::Null = options.output {
        player = player.with_output(Arc::new(NullOutput));
    }
    if options.unpaced {
        player = player.unpaced();
    }
    let signals = install_signal_handler(&player);
    let verbose = !options.quiet;
    if verbose {
        eprintln!("publishing: {}", player.stream_names().join(", "));
    }
    player.start()?;
    let status = verbose && std::io::stderr().is_terminal();
    let mut last_status = std::time::Instant::now();
    while player.is_running() {
        // Poll often, so that the end (or a stop) is seen within milliseconds.
        std::thread::sleep(Duration::from_millis(10));
        if status && last_status.elapsed() >= STATUS_EVERY {
            last_status = std::time::Instant::now();
            eprint!("\r\x1b[K{}", report::status_line(&player.stats()));
        }
    }
    if status {
        eprint!("\r\x1b[K");
    }
    let summary = player.wait()?;
    if verbose {
        eprintln!("{}", report::summary_table(&summary));
    }
    if let Some(path) = &options.stats_json {
        write_stats(path, &summary)?;
    }
    for (stream, error) in summary.failures() {
        eprintln!("error: stream {stream:?}: {error}");
    }
    let signal = signals.load(Ordering::SeqCst);
    Ok(if summary.interrupted && signal != 0 {
        ExitCode::from(signal_exit_code(signal as i32))
    } else if summary.interrupted {
        ExitCode::FAILURE
    } else if summary.failures().is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn write_stats(path: &Path, summary: &Summary) -> Result<(), HostError> {
    let text =
        serde_json::to_string_pretty(summary).map_err(|e| HostError::config(e.to_string()))?;
    std::fs::write(path, text).map_err(|e| HostError::Io {
        what: format!("writing {}", path.display()),
        source: e,
    })
}

/// First SIGINT (Ctrl-C), SIGTERM or SIGHUP: stop cleanly and print the summary; the
/// exit status is then 128 + the signal. A second signal exits at once. Returns the
/// number of the first signal received (0 while none).
fn install_signal_handler(player: &Player) -> Arc<AtomicUsize> {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    let first = Arc::new(AtomicUsize::new(0));
    let mut signals = match signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP]) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("warning: cannot handle Ctrl-C: {e}");
            return first;
        }
    };
    let stop = player.stop_handle();
    let seen = first.clone();
    let spawned = std::thread::Builder::new()
        .name("signals".into())
        .spawn(move || {
            for signal in signals.forever() {
                let code = usize::try_from(signal).unwrap_or(1);
                if seen
                    .compare_exchange(0, code, Ordering::SeqCst, Ordering::SeqCst)
                    .is_err()
                {
                    std::process::exit(i32::from(signal_exit_code(signal)));
                }
                stop.stop();
            }
        });
    if let Err(e) = spawned {
        eprintln!("warning: cannot handle Ctrl-C: {e}");
    }
    first
}
