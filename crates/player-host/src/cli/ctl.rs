//! `player-host ctl SOCKET COMMAND`: the client of the control socket
//! ([`crate::control::socket`]). It turns a command line (`seek -5`) into one JSON request,
//! sends it, and prints the answer.
//!
//! Exit status ([`run`]): 0 when the player carried the request out, 1 when it refused it
//! or could not be reached, 2 for a usage mistake (nothing is sent).

use super::report::seconds_3;
use super::Ended;
use crate::control::protocol::Request;
use crate::error::{HostError, Result};
use serde_json::Value;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The commands, for usage messages.
pub const COMMANDS: &str =
    "pause | resume | seek SECONDS | seek +SECONDS | seek -SECONDS | speed FACTOR | status | stop";

/// The end of `player-host ctl --help` (for `#[command(after_help = ...)]`).
pub const AFTER_HELP: &str = "Examples:
  player-host ctl /tmp/player.sock pause
  player-host ctl /tmp/player.sock seek -10
  player-host ctl /tmp/player.sock status --json

Exit status: 0 done; 1 refused by the player (the reason on stderr) or no player at SOCKET;
2 usage mistake (nothing is sent). The protocol: docs/control.md.";

/// The arguments of `player-host ctl` (for the command line's `clap` parser).
#[derive(clap::Args, Debug, Clone)]
pub struct CtlArgs {
    /// The control socket of a running player (its `--control PATH`).
    pub socket: PathBuf,
    /// Print the player's answer as the JSON line it sent (see docs/control.md).
    #[arg(long)]
    pub json: bool,
    /// pause | resume | seek SECONDS | seek +SECONDS | seek -SECONDS | speed FACTOR |
    /// status | stop. `seek 12.5` goes to 12.5 s; `seek +5` / `seek -5` move by 5 s.
    #[arg(
        value_name = "COMMAND",
        required = true,
        num_args = 1..,
        allow_negative_numbers = true
    )]
    pub command: Vec<String>,
}

/// How long the client waits for the player's answer: well over the player's own limit
/// (it answers every request within about 2 s: carried out, or withdrawn and refused;
/// before t0 at once).
const ANSWER_TIMEOUT: Duration = Duration::from_secs(10);

/// The longest answer read, in bytes.
const MAX_ANSWER: u64 = 64 * 1024;

/// Parses a command line (`["seek", "-5"]`) into a request; the error is a usage message.
pub fn parse_command(command: &[String]) -> Result<Request> {
    let words: Vec<&str> = command.iter().map(String::as_str).collect();
    let request = match words.as_slice() {
        ["pause"] => Request::Pause,
        ["resume"] => Request::Resume,
        ["status"] => Request::Status,
        ["stop"] => Request::Stop,
        ["seek", at] => seek(at)?,
        ["speed", factor] => {
            let value = factor.strip_suffix(['x', '×']).unwrap_or(factor);
            Request::Speed(number(
                value,
                factor,
                "a speed factor (speed 2, speed 0.5)",
            )?)
        }
        [] => return Err(usage("no command")),
        [cmd @ ("pause" | "resume" | "status" | "stop"), ..] => {
            return Err(usage(&format!("{cmd} takes no argument")))
        }
        [cmd @ ("seek" | "speed"), ..] => return Err(usage(&format!("{cmd} takes one number"))),
        [other, ..] => {
            return Err(usage(&format!(
                "unknown command {}",
                player_api::quote(other)
            )))
        }
    };
    // The player's own checks (speed range, seek ≥ 0), before anything is sent.
    Request::parse(&request.to_json().to_string()).map_err(|e| usage(&e))
}

fn seek(at: &str) -> Result<Request> {
    if let Some(forward) = at.strip_prefix('+') {
        Ok(Request::SeekBy(number(forward, at, SECONDS)?))
    } else if let Some(back) = at.strip_prefix('-') {
        Ok(Request::SeekBy(-number(back, at, SECONDS)?))
    } else {
        Ok(Request::SeekTo(number(at, at, SECONDS)?))
    }
}

/// A finite, unsigned decimal number (`12.5`, `.5`); `original` is the argument as typed
/// and `what` what it should have been, for the message.
fn number(text: &str, original: &str, what: &str) -> Result<f64> {
    let plain = text.chars().all(|c| c.is_ascii_digit() || c == '.')
        && text.chars().any(|c| c.is_ascii_digit());
    match text.parse::<f64>() {
        Ok(v) if plain && v.is_finite() => Ok(v),
        _ => Err(usage(&format!(
            "{} is not {what}",
            player_api::quote(original)
        ))),
    }
}

/// What `seek` takes.
const SECONDS: &str = "a number of seconds (seek 12.5, seek +5, seek -5)";

fn usage(message: &str) -> HostError {
    HostError::Usage(format!(
        "{message}; usage: player-host ctl SOCKET {COMMANDS}"
    ))
}

/// Sends `command` (a command line, see [`parse_command`]) to the player listening at
/// `path` and returns its answer line (JSON, without the newline), whether it carried
/// the request out (`"ok": true`) or not.
///
/// Errors: a usage mistake ([`HostError::Config`], nothing sent), or the socket could not
/// be reached or did not answer ([`HostError::Io`]).
#[cfg(test)]
pub fn ctl(path: &Path, command: &[String]) -> Result<String> {
    let request = parse_command(command)?;
    exchange(path, &request)
}

/// Sends one request and reads one answer line.
pub fn exchange(path: &Path, request: &Request) -> Result<String> {
    let io_error = |what: &str, e: io::Error| HostError::Io {
        what: format!("{what} control socket {}", path.display()),
        source: e,
    };
    let mut stream = UnixStream::connect(path).map_err(|e| {
        let hint = match e.kind() {
            io::ErrorKind::NotFound => Some("is a player running with --control at this path?"),
            io::ErrorKind::ConnectionRefused => Some("nobody listens there: the player has ended?"),
            _ => None,
        };
        let e = match hint {
            Some(hint) => io::Error::new(e.kind(), format!("{e}; {hint}")),
            None => e,
        };
        io_error("connecting to", e)
    })?;
    stream
        .set_read_timeout(Some(ANSWER_TIMEOUT))
        .and_then(|()| stream.set_write_timeout(Some(ANSWER_TIMEOUT)))
        .map_err(|e| io_error("configuring", e))?;
    let line = request.to_json().to_string() + "\n";
    stream
        .write_all(line.as_bytes())
        .map_err(|e| io_error("writing to", e))?;
    let mut answer = String::new();
    BufReader::new((&stream).take(MAX_ANSWER))
        .read_line(&mut answer)
        .map_err(|e| match e.kind() {
            io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => no_answer(path),
            _ => io_error("reading the answer of", e),
        })?;
    if !answer.ends_with('\n') {
        let e = io::Error::new(io::ErrorKind::UnexpectedEof, "no complete answer line");
        return Err(io_error("reading the answer of", e));
    }
    answer.pop();
    Ok(answer)
}

/// What happened when the player did not answer in time: it took the request (it is
/// connected and read it) but is not running (stopped with Ctrl-Z or SIGSTOP) or stuck.
fn no_answer(path: &Path) -> HostError {
    HostError::Player(format!(
        "the player at {} did not answer within {} s: it is not running (stopped with \
         Ctrl-Z?) or stuck; the request was sent and may take effect when it runs again \
         (see `player-host ctl {} status`)",
        path.display(),
        ANSWER_TIMEOUT.as_secs(),
        path.display()
    ))
}

/// One line for a person: `paused  12.500 / 60.000 s  speed 1  pass 1/1`.
pub fn describe_status(status: &Value) -> String {
    let state = super::out::line(status["state"].as_str().unwrap_or("?"));
    let position = seconds_3(status["position"].as_f64().unwrap_or(f64::NAN));
    let duration = match status["duration"].as_f64() {
        Some(d) => format!(" / {}", seconds_3(d)),
        None => String::new(),
    };
    let speed = status["speed"].as_f64().unwrap_or(f64::NAN);
    let pass = match (status["pass"][0].as_u64(), status["pass"][1].as_u64()) {
        (Some(n), Some(total)) => format!("  pass {n}/{total}"),
        (Some(n), None) => format!("  pass {n}/∞"),
        _ => String::new(),
    };
    let speed = crate::scenario::number_text(speed);
    format!("{state}  {position}{duration} s  speed {speed}{pass}")
}

/// What `ctl` prints (on stdout, on stderr) for an answer line, and whether the player
/// carried the request out.
fn report(answer: &str, json: bool) -> (Option<String>, Option<String>, bool) {
    let parsed: Option<Value> = serde_json::from_str(answer).ok();
    let ok = parsed.as_ref().and_then(|v| v["ok"].as_bool());
    match (ok, parsed) {
        (Some(true), _) if json => (Some(super::out::json(answer)), None, true),
        (Some(true), Some(v)) => (Some(describe_status(&v["status"])), None, true),
        (Some(false), _) if json => (Some(super::out::json(answer)), None, false),
        (Some(false), Some(v)) => {
            let message = super::out::message(v["error"].as_str().unwrap_or("(no message)"));
            (
                None,
                Some(format!("error: the player refused: {message}")),
                false,
            )
        }
        _ => (
            None,
            Some(format!(
                "error: not an answer of the control protocol: {}",
                player_api::quote(answer)
            )),
            false,
        ),
    }
}

/// Runs `player-host ctl`: prints the answer (stdout, or the refusal on stderr) and says
/// how it ended: done, refused (exit 1), or an error (unreachable: 1; a usage mistake,
/// nothing sent: 2), the status chosen by [`super::exit_status`].
pub(crate) fn run(args: &CtlArgs) -> Result<Ended> {
    let request = parse_command(&args.command)?;
    let answer = exchange(&args.socket, &request)?;
    let (out, err, carried_out) = report(&answer, args.json);
    if let Some(out) = out {
        out!("{out}")?;
    }
    if let Some(err) = err {
        note!("{err}");
    }
    Ok(if carried_out {
        Ended::Done
    } else {
        Ended::Refused
    })
}

#[cfg(test)]
mod tests;
