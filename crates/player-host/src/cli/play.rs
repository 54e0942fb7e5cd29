//! `run` and `play`: open, (dry-run or) play with a status line, summarize, write the
//! statistics.

use super::out;
use super::report::{self, plural};
use super::status;
use super::{Ended, OutputKind, PlayOptions};
use crate::session::OutputChoice;
use crate::{HostError, Player, Session, Steer, StopCause, Summary};
use std::fs::File;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Which command asked: the hints of an error name that command's flags or keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Invocation {
    /// `player-host play FILE` (and `inspect`).
    Play,
    /// `player-host run SCENARIO` (and `validate`).
    Run,
}

/// Adds to a "no reader" error how to give one, in the words of the command.
pub(crate) fn with_hint(e: HostError, how: &Invocation) -> HostError {
    match e {
        HostError::NoReader { path, message } => {
            let hint = match how {
                Invocation::Play => {
                    "name a reader with --reader ID, or load the plugin that reads this format \
                     with --plugin-dir DIR"
                }
                Invocation::Run => {
                    "name a reader with `reader:`, or load the plugin that reads this format \
                     with the scenario's `plugins:` (or --plugin-dir DIR)"
                }
            };
            HostError::NoReader {
                path,
                message: format!("{message}; {hint}"),
            }
        }
        other => other,
    }
}

/// How often the status line is refreshed.
const STATUS_EVERY: Duration = Duration::from_millis(250);

/// Opens every stream of the session, then prints the plan (`--dry-run`) or plays it.
pub(crate) fn play(
    session: Session,
    options: &PlayOptions,
    how: &Invocation,
) -> Result<Ended, HostError> {
    // Every output path is checked before anything plays.
    let stats_file = match &options.stats_json {
        Some(path) if !options.dry_run => Some(StatsFile::create(path)?),
        _ => None,
    };
    let faults_log = match &options.faults_log {
        Some(path) if !options.dry_run => Some(File::create(path).map_err(|e| HostError::Io {
            what: format!("--faults-log {}", path.display()),
            source: e,
        })?),
        _ => None,
    };
    let scenario = session.scenario().clone();
    let mut session = options.configure(session);
    if let Some(file) = faults_log {
        session = session.faults_log(std::io::BufWriter::new(file));
    }
    let mut player = session.open().map_err(|e| with_hint(e, how))?;
    for w in player.warnings() {
        warning!("{w}");
    }
    if options.dry_run {
        let names = player.stream_names();
        let line = format!(
            "ok: would publish {}: {}",
            plural(names.len(), "stream"),
            names.join(", ")
        );
        out!("{}", out::line(&line))?;
        out!("{}", report::describe_plan(&player.plans(), &scenario))?;
        return Ok(Ended::Done);
    }
    install_signal_handler(&player);
    let verbose = !options.quiet;
    if verbose {
        let joined = player.stream_names().join(", ");
        let names = out::line(&joined);
        match options.output {
            OutputKind::Lsl => note!("publishing: {names}"),
            OutputKind::Null => note!("playing without publishing (--output null): {names}"),
        }
    }
    let steer: Arc<dyn Steer> = Arc::new(player.controller());
    player.start()?;
    let keys = crate::control::keys::Keys::start(steer).unwrap_or_else(|e| {
        warning!("no terminal keys: {e}");
        None
    });
    show_status(
        &player,
        verbose && std::io::stderr().is_terminal(),
        keys.as_ref(),
    );
    drop(keys); // the terminal is restored before the summary
    let summary = player.wait()?;
    let mut ended = report_summary(&summary, verbose);
    if let Some(file) = stats_file {
        if let Err(e) = file.write(&summary) {
            error!("{e}");
            // The run's own status (a failure, a signal) is kept; a clean run becomes 1.
            if ended == Ended::Done {
                ended = Ended::StreamsFailed;
            }
        }
    }
    Ok(ended)
}

impl PlayOptions {
    /// The session as these flags ask for it (`--output`, `--max-buffered`,
    /// `--unpaced`, `--control`, `--control-events`); a dry run serves no socket.
    fn configure(&self, session: Session) -> Session {
        let mut session = session.output(match self.output {
            OutputKind::Null => OutputChoice::Null,
            OutputKind::Lsl => OutputChoice::Lsl {
                max_buffered: self.max_buffered,
            },
        });
        if self.unpaced {
            session = session.unpaced();
        }
        if self.control_events {
            session = session.control_events(true);
        }
        match &self.control {
            Some(path) if !self.dry_run => session.control_socket(path),
            _ => session,
        }
    }
}

/// Refreshes the status line on stderr while the player runs (when `show`; with the keys'
/// help when they are read), else just waits for the end.
fn show_status(player: &Player, show: bool, keys: Option<&crate::control::keys::Keys>) {
    let controller = player.controller();
    let mut last = Instant::now();
    while player.is_running() {
        // Poll often, so that the end (or a stop) is seen within milliseconds.
        std::thread::sleep(Duration::from_millis(10));
        if show && last.elapsed() >= STATUS_EVERY {
            last = Instant::now();
            let (phase, stats) = (player.phase(), player.stats());
            let view = status::StatusView {
                phase: &phase,
                status: controller.status(),
                stats: &stats,
                now: Instant::now(),
            };
            let extra = keys.map(|keys| {
                keys.take_notice()
                    .unwrap_or_else(|| crate::control::keys::HELP.to_string())
            });
            let line = status::status_line_with(&view, terminal_width(), extra.as_deref());
            out::stderr(&format!("\r\x1b[K{line}"));
        }
    }
    if show {
        out::stderr("\r\x1b[K");
    }
}

/// The width of the terminal on stderr, or 80 when it is not one.
fn terminal_width() -> usize {
    // SAFETY: TIOCGWINSZ writes one `winsize` into the struct we pass; fd 2 may be
    // anything, and a failure leaves the zeroed struct (then 80 is used).
    let mut size: libc::winsize = unsafe { std::mem::zeroed() };
    let ok = unsafe { libc::ioctl(libc::STDERR_FILENO, libc::TIOCGWINSZ, &mut size) } == 0;
    match size.ws_col {
        cols if ok && cols > 0 => usize::from(cols),
        _ => 80,
    }
}

/// Prints the summary (unless quiet) and every stream's error; returns how the run ended:
/// a signal's stop as the signal, a failed stream as a failure, a stop by request (`ctl
/// stop`, the socket, `q`) as a success.
fn report_summary(summary: &Summary, verbose: bool) -> Ended {
    if verbose {
        note!("{}", report::summary_table(summary, terminal_width()));
    }
    for w in &summary.warnings {
        warning!("{w}");
    }
    for (stream, error) in summary.failures() {
        error!("stream {stream:?}: {error}");
    }
    match summary.stopped_by {
        Some(StopCause::Signal(signal)) => Ended::Signal(signal),
        _ if !summary.failures().is_empty() => Ended::StreamsFailed,
        Some(StopCause::Request) => Ended::Stopped,
        None if summary.interrupted => Ended::Stopped,
        None => Ended::Done,
    }
}

/// The `--stats-json` file, opened before playing (so that an unwritable path is found
/// at once). A regular file (or a new one) is written as a temporary file beside it and
/// renamed over it at the end, so that a full disk or a crash never leaves truncated
/// JSON; a symbolic link is followed first, and one that leads nowhere (dangling, or a
/// loop) is refused, never replaced. Anything else (`/dev/stdout`, a pipe) is written in
/// place: it cannot be replaced. Nothing blocks: a FIFO nobody reads is refused at once
/// ([`crate::files::open_write`]). `-` is stdout.
struct StatsFile {
    /// Where the statistics end up.
    path: PathBuf,
    /// The temporary file, renamed to `path` when written (`None`: written in place).
    temp: Option<PathBuf>,
    file: Option<File>,
}

impl StatsFile {
    fn error(path: &Path, source: std::io::Error) -> HostError {
        HostError::Io {
            what: format!("--stats-json {}", path.display()),
            source,
        }
    }

    fn create(path: &Path) -> Result<Self, HostError> {
        if path == Path::new("-") {
            return Ok(StatsFile {
                path: path.to_path_buf(),
                temp: None,
                file: None,
            });
        }
        let fail = |why: String| Self::error(path, std::io::Error::other(why));
        let link = std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
        let target = match std::fs::metadata(path) {
            Ok(meta) if meta.is_dir() => return Err(fail("is a directory, not a file".into())),
            // Write to the file a link points at, not over the link.
            Ok(meta) if meta.is_file() => {
                std::fs::canonicalize(path).map_err(|e| Self::error(path, e))?
            }
            Ok(_) => return Self::in_place(path),
            Err(e) if link => {
                return Err(fail(format!(
                    "is a symbolic link that leads nowhere ({e}): it is not replaced; point \
                     it at a file, or remove it"
                )))
            }
            Err(_) => path.to_path_buf(),
        };
        let name = match target.file_name() {
            Some(n) => n.to_string_lossy().into_owned(),
            None => return Err(fail("is not a file name".into())),
        };
        let dir = match target.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        let temp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
        // `create_new` never follows a link nor opens what is there.
        let file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temp)
            .map_err(|e| Self::error(path, e))?;
        Ok(StatsFile {
            path: target,
            temp: Some(temp),
            file: Some(file),
        })
    }

    /// A pipe or a device, written in place; opened without blocking.
    fn in_place(path: &Path) -> Result<Self, HostError> {
        let (file, _) = crate::files::open_write(path).map_err(|e| Self::error(path, e))?;
        Ok(StatsFile {
            path: path.to_path_buf(),
            temp: None,
            file: Some(file),
        })
    }

    /// Writes `summary` and puts the file in place.
    fn write(mut self, summary: &Summary) -> Result<(), HostError> {
        let text = serde_json::to_string_pretty(summary)
            .map(|text| out::json(&text))
            .map_err(|e| Self::error(&self.path, std::io::Error::other(e)))?;
        if self.path == Path::new("-") {
            return out::stdout(&format!("{text}\n"));
        }
        let mut file = self
            .file
            .take()
            .ok_or_else(|| Self::error(&self.path, std::io::Error::other("already written")))?;
        let written = file.write_all(text.as_bytes()).and_then(|()| file.flush());
        let placed = match self.temp.take() {
            Some(temp) => {
                let renamed = written
                    .and_then(|()| file.sync_all())
                    .and_then(|()| std::fs::rename(&temp, &self.path));
                if renamed.is_err() {
                    let _ = std::fs::remove_file(&temp);
                }
                renamed
            }
            None => written,
        };
        placed.map_err(|e| Self::error(&self.path, e))
    }
}

impl Drop for StatsFile {
    fn drop(&mut self) {
        // Left over when the run ended without statistics.
        if let Some(temp) = &self.temp {
            let _ = std::fs::remove_file(temp);
        }
    }
}

/// First SIGINT (Ctrl-C), SIGTERM or SIGHUP: stop cleanly and print the summary; the
/// exit status is then 128 + the signal (the stop's cause, [`StopCause::Signal`]). A
/// second signal exits at once.
fn install_signal_handler(player: &Player) {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    let mut signals = match signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP]) {
        Ok(s) => s,
        Err(e) => {
            warning!("cannot handle Ctrl-C: {e}");
            return;
        }
    };
    let stop = player.stop_handle();
    let spawned = std::thread::Builder::new()
        .name("signals".into())
        .spawn(move || {
            let mut seen = false;
            for signal in signals.forever() {
                if std::mem::replace(&mut seen, true) {
                    let status = super::exit_status(&Ok(Ended::Signal(signal)));
                    crate::control::keys::restore_terminal();
                    std::process::exit(i32::from(status));
                }
                stop.stop_for_signal(signal);
            }
        });
    if let Err(e) = spawned {
        warning!("cannot handle Ctrl-C: {e}");
    }
}
