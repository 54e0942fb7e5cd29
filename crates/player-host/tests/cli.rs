//! The command line as a user meets it: exit codes, one-line errors naming the file, and
//! the null output path (no network needed).
#![allow(clippy::unwrap_used)]

mod support;
use support::*;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn wav(name: &str) -> PathBuf {
    repo().join("examples/fixtures/wav").join(name)
}

#[test]
fn missing_file_names_the_file() {
    let out = host(&["play", "/nonexistent/rec.wav", "--output", "null"]);
    assert_clean_error(&out, &["/nonexistent/rec.wav", "cannot open"]);
}

#[test]
fn empty_file_is_refused() {
    let d = temp_dir("empty");
    let f = d.join("empty.wav");
    std::fs::write(&f, b"").unwrap();
    let out = host(&["play", f.to_str().unwrap(), "--output", "null"]);
    assert_clean_error(&out, &["empty.wav", "empty"]);
}

#[test]
fn unknown_scenario_key_has_line_and_column() {
    let d = temp_dir("yaml");
    let f = d.join("s.yaml");
    std::fs::write(&f, "streams:\n  - file: a.wav\n    chunk_sise: 4\n").unwrap();
    let out = host(&["validate", f.to_str().unwrap()]);
    assert_clean_error(
        &out,
        &["s.yaml", "line 3 column 5", "unknown key `chunk_sise`"],
    );
    let out = host(&["run", f.to_str().unwrap(), "--output", "null"]);
    assert_clean_error(&out, &["line 3 column 5"]);
}

#[test]
fn scenario_paths_are_relative_to_the_yaml_file() {
    let d = temp_dir("rel");
    std::fs::copy(wav("demo-tone-8k-mono.wav"), d.join("tone.wav")).unwrap();
    let f = d.join("s.yaml");
    std::fs::write(&f, "streams:\n  - file: tone.wav\n    name: T\n").unwrap();
    let out = host(&["validate", f.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("(1 stream: T)"));
}

#[test]
fn unsupported_and_truncated_wavs_are_refused() {
    let dir = repo().join("examples/fixtures/wav");
    let mut bad: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let n = p.file_name().unwrap().to_string_lossy();
            n.starts_with("bad-") && n.ends_with(".wav")
        })
        .collect();
    bad.sort();
    assert!(
        bad.len() >= 4,
        "bad WAV fixtures missing in {}",
        dir.display()
    );
    for f in bad {
        let name = f.file_name().unwrap().to_string_lossy().to_string();
        let out = host(&[
            "play",
            f.to_str().unwrap(),
            "--output",
            "null",
            "--reader",
            "wav",
        ]);
        assert_clean_error(&out, &[&name]);
    }
}

#[test]
fn unknown_reader_lists_the_available_ones() {
    let out = host(&[
        "inspect",
        wav("demo-tone-8k-mono.wav").to_str().unwrap(),
        "--reader",
        "mp3",
    ]);
    assert_clean_error(&out, &["no reader with id \"mp3\"", "wav"]);
}

#[test]
fn null_output_plays_every_sample_and_reports_stats() {
    let d = temp_dir("null");
    let stats = d.join("stats.json");
    let out = host(&[
        "play",
        wav("demo-tone-8k-mono.wav").to_str().unwrap(),
        "--output",
        "null",
        "--repeat",
        "2",
        "--chunk-size",
        "100",
        "--stats-json",
        stats.to_str().unwrap(),
        "--quiet",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&stats).unwrap()).unwrap();
    let s = &json["streams"][0];
    assert_eq!(s["name"], "demo-tone-8k-mono");
    assert_eq!(s["samples"], 2 * 16000);
    assert_eq!(s["chunks"], 2 * 160);
    assert_eq!(s["finished"], true);
    // Two passes of 2 s at real time.
    let wall = json["wall_seconds"].as_f64().unwrap();
    assert!(wall >= 3.99, "played faster than real time: {wall}");
}

#[test]
fn inspect_and_plugins_describe_what_is_there() {
    let out = host(&[
        "inspect",
        wav("demo-chirp-16k-stereo.wav").to_str().unwrap(),
    ]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("reader:     wav"), "{text}");
    assert!(
        text.contains("16000 Hz  2 channels  32000 samples"),
        "{text}"
    );
    let out = host(&["plugins"]);
    let text = String::from_utf8_lossy(&out.stdout);
    for id in ["edf", "wav"] {
        assert!(
            text.lines()
                .any(|l| l.starts_with(id) && l.contains("built-in")),
            "{text}"
        );
    }
}

/// Starts an endless null-output run, sends `signal` after it is playing, and returns the
/// exit code, the stderr text, and how long the player took to exit after the signal.
fn interrupt_with(signal: &str) -> (Option<i32>, String, std::time::Duration) {
    use std::io::Read;
    let mut child = Host::new()
        .command()
        .args([
            "play",
            wav("demo-tone-8k-mono.wav").to_str().unwrap(),
            "--output",
            "null",
            "--repeat",
            "forever",
        ])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1500));
    assert!(
        child.try_wait().unwrap().is_none(),
        "the endless run ended by itself"
    );
    let sent = std::time::Instant::now();
    let status = Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let code = child.wait().unwrap().code();
    let elapsed = sent.elapsed();
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    (code, err, elapsed)
}

#[test]
fn sigint_and_sigterm_stop_cleanly_with_a_summary() {
    for (signal, code) in [("-INT", 130), ("-TERM", 143)] {
        let (got, err, elapsed) = interrupt_with(signal);
        assert_eq!(got, Some(code), "{signal}: {err}");
        assert!(err.contains("stopped in"), "{signal}: no summary in {err}");
        assert!(!err.contains("panicked"), "{err}");
        // Generous bound for a shared machine; the benchmark measures the real figure.
        assert!(
            elapsed < std::time::Duration::from_secs(2),
            "{signal}: took {elapsed:?}"
        );
    }
}

#[test]
fn unpaced_null_runs_decode_everything_at_once_and_dry_runs_only_open() {
    let d = temp_dir("unpaced");
    let stats = d.join("stats.json");
    let started = std::time::Instant::now();
    let out = host(&[
        "play",
        wav("demo-chirp-16k-stereo.wav").to_str().unwrap(),
        "--output",
        "null",
        "--unpaced",
        "--repeat",
        "50",
        "--quiet",
        "--stats-json",
        stats.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&stats).unwrap()).unwrap();
    assert_eq!(json["streams"][0]["samples"], 50 * 32000);
    // 100 s of audio: unpaced, it is not played in real time.
    assert!(started.elapsed() < std::time::Duration::from_secs(60));

    let out = host(&[
        "play",
        wav("demo-chirp-16k-stereo.wav").to_str().unwrap(),
        "--unpaced",
    ]);
    assert_usage_error(&out, "--unpaced needs --output null");

    let out = host(&[
        "play",
        wav("demo-chirp-16k-stereo.wav").to_str().unwrap(),
        "--dry-run",
        "--name",
        "X",
    ]);
    assert!(out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("ok: would publish 1 stream: X"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

/// A command-line mistake: exit status 2, and a message about the flag (not about a
/// scenario entry).
fn assert_usage_error(out: &Output, flag: &str) {
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{flag}: {err}");
    assert!(err.starts_with("error: "), "{err}");
    assert!(err.contains(flag), "{flag} missing from {err}");
    assert!(!err.contains("streams[0]"), "scenario wording: {err}");
    assert!(
        !err.contains("use '-- -"),
        "negative number taken as a flag: {err}"
    );
}

/// Issues 14.5, 14.6, 14.9 and 13.9: every mistake in the arguments exits 2 and names
/// the flag, negative numbers included; nothing is played.
#[test]
fn argument_mistakes_exit_2_naming_the_flag() {
    let file = wav("demo-tone-8k-mono.wav");
    let file = file.to_str().unwrap();
    let cases: &[(&[&str], &str)] = &[
        (&["--chunk-size", "0"], "--chunk-size"),
        (&["--chunk-size", "-5"], "--chunk-size"),
        (&["-c", "ten"], "--chunk-size"),
        (&["--start-delay=-1"], "--start-delay"),
        (&["--start-delay", "-1"], "--start-delay"),
        (&["--start-delay", "nan"], "--start-delay"),
        (&["--repeat", "-1"], "--repeat"),
        (&["--repeat", "0"], "--repeat"),
        (&["--wait-for-consumers", "0"], "--wait-for-consumers"),
        (&["--wait-for-consumers", "-1"], "--wait-for-consumers"),
        (&["--wait-for-consumers", "some"], "--wait-for-consumers"),
        (&["--unpaced"], "--unpaced"),
        (&["--name", ""], "--name"),
        (&["--name", "   "], "--name"),
        (&["--picks", "eeg,,stim"], "--picks"),
        (&["--reader-option", "=1"], "--reader-option"),
        (&["--from", "-1"], "--from"),
        (&["--from", "1", "--to", "0.5"], "--to"),
    ];
    for (args, flag) in cases {
        let mut all = vec!["play", file, "--output", "null", "--quiet"];
        if *flag == "--unpaced" {
            all = vec!["play", file, "--quiet"];
        }
        all.extend_from_slice(args);
        assert_usage_error(&host(&all), flag);
    }
    let d = temp_dir("usage");
    let f = d.join("s.yaml");
    std::fs::write(&f, "streams:\n  - file: x.wav\n").unwrap();
    for (args, flag) in [
        (["--repeat", "-2"], "--repeat"),
        (["--start-delay", "-1"], "--start-delay"),
        (["--wait-for-consumers", "0"], "--wait-for-consumers"),
        (["--format", "int7"], "--format"),
    ] {
        let mut all = vec!["run", f.to_str().unwrap(), "--output", "null"];
        all.extend_from_slice(&args);
        assert_usage_error(&host(&all), flag);
    }
}

/// A flag after a bare `--wait-for-consumers` is a flag, not its value.
#[test]
fn wait_for_consumers_without_a_value_is_followed_by_flags() {
    let out = host(&[
        "play",
        wav("demo-tone-8k-mono.wav").to_str().unwrap(),
        "--wait-for-consumers",
        "--dry-run",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Issue 13.8: `play`'s options and a scenario's stream keys are one definition: every
/// key has its flag (but `file`, the argument, and the run-wide `offset`/`format`).
#[test]
fn every_stream_key_is_a_play_flag() {
    let entry = player_host::StreamEntry::new("a.wav");
    let keys = serde_json::to_value(&entry).unwrap();
    let help = String::from_utf8_lossy(&host(&["play", "--help"]).stdout).to_string();
    for key in keys.as_object().unwrap().keys() {
        let flag = match key.as_str() {
            "file" | "offset" => continue,
            "format" => "--format".to_string(),
            "reader_options" => "--reader-option".to_string(),
            other => format!("--{}", other.replace('_', "-")),
        };
        assert!(
            help.contains(&format!("{flag} <")),
            "{key}: no {flag} in\n{help}"
        );
    }
    assert!(help.contains("Exit status:"), "{help}");
}

/// Issue 13.9: a run that cannot start (nobody connects in time) is an error of its own
/// that names the streams and the fix, with exit status 1.
#[test]
fn no_consumer_in_time_names_the_streams_and_the_fix() {
    let name = format!("nocons-{}", std::process::id());
    let out = host(&[
        "play",
        wav("demo-tone-8k-mono.wav").to_str().unwrap(),
        "--name",
        &name,
        "--wait-for-consumers",
        "0.3",
        "--quiet",
    ]);
    assert_clean_error(
        &out,
        &[
            "no consumer connected within 0.3 s to",
            &name,
            "start the receivers first",
        ],
    );
}

/// Runs player-host with stdout (or stderr) connected to a pipe whose reader is already
/// gone, as `| head -1` leaves it; returns the exit code and the other stream's text.
fn with_closed(stream: &str, args: &[&str]) -> (Option<i32>, String) {
    use std::os::fd::{FromRawFd, OwnedFd};
    let mut fds = [0; 2];
    // SAFETY: `fds` has room for the two descriptors pipe() writes.
    assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
    // SAFETY: pipe() succeeded, so both descriptors are open and owned by nobody else.
    let (reader, writer) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
    drop(reader);
    let mut cmd = Host::new().command();
    cmd.args(args);
    if stream == "stdout" {
        cmd.stdout(writer).stderr(std::process::Stdio::piped());
        let out = cmd.output().unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into(),
        )
    } else {
        cmd.stderr(writer).stdout(std::process::Stdio::piped());
        let out = cmd.output().unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into(),
        )
    }
}

/// Issue 14.2: a reader that goes away (`| head -1`) stops a command quietly with 141,
/// never a panic.
#[test]
fn closed_stdout_stops_quietly() {
    let fif = repo().join("examples/fixtures/fif/short_raw.fif");
    let fif = fif.to_str().unwrap();
    let d = temp_dir("pipe");
    let f = d.join("s.yaml");
    std::fs::write(&f, format!("streams:\n  - file: {fif}\n")).unwrap();
    let commands: [&[&str]; 6] = [
        &["inspect", "--json", fif],
        &["inspect", fif],
        &["plugins"],
        &["plugins", "--json"],
        &["validate", f.to_str().unwrap()],
        &["play", fif, "--dry-run"],
    ];
    for args in commands {
        let (code, err) = with_closed("stdout", args);
        assert_eq!(code, Some(141), "{args:?}: {err}");
        assert!(err.is_empty(), "{args:?}: not quiet: {err}");
    }
}

/// Issue 14.2: a closed stderr (`2>&1 >/dev/null | head -1`) neither panics nor stops
/// the run, and `--stats-json` is still written.
#[test]
fn closed_stderr_still_plays_and_writes_the_statistics() {
    let d = temp_dir("stderr");
    let stats = d.join("stats.json");
    let _ = std::fs::remove_file(&stats);
    let (code, _) = with_closed(
        "stderr",
        &[
            "play",
            wav("demo-tone-8k-mono.wav").to_str().unwrap(),
            "--output",
            "null",
            "--unpaced",
            "--stats-json",
            stats.to_str().unwrap(),
        ],
    );
    assert_eq!(code, Some(0));
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&stats).unwrap()).unwrap();
    assert_eq!(json["streams"][0]["samples"], 16000);
    // A mistake is still an exit status, even with nowhere to say it.
    let (code, _) = with_closed("stderr", &["play", "--chunk-size", "0", "x.wav"]);
    assert_eq!(code, Some(2));
}

/// Issue 14.13: `run --repeat/--start-delay/--wait-for-consumers/--format` override the
/// scenario's values.
#[test]
fn run_flags_override_the_scenario() {
    let d = temp_dir("override");
    let stats = d.join("stats.json");
    let f = d.join("s.yaml");
    let name = format!("override-{}", std::process::id());
    std::fs::write(
        &f,
        format!(
            "repeat: 3\nstart_delay: 600\nwait_for_consumers: 0.2\nformat: float32\nstreams:\n  - file: {}\n    name: {name}\n",
            wav("demo-tone-8k-mono.wav").display()
        ),
    )
    .unwrap();
    let out = host_within(
        &[
            "run",
            f.to_str().unwrap(),
            "--repeat",
            "2",
            "--start-delay",
            "0",
            "--wait-for-consumers",
            "no",
            "--quiet",
            "--stats-json",
            stats.to_str().unwrap(),
        ],
        std::time::Duration::from_secs(30),
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&stats).unwrap()).unwrap();
    assert_eq!(json["streams"][0]["samples"], 2 * 16000);
    // Without the overrides, the scenario would wait 600 s (or fail for want of a consumer).
    assert!(json["wall_seconds"].as_f64().unwrap() < 20.0);
    let out = host(&[
        "run",
        f.to_str().unwrap(),
        "--format",
        "float64",
        "--dry-run",
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("float64"), "{text}");
}

/// Issue 14.12: `--dry-run` says per stream what a receiver will get and how it will be
/// played; counts of one are singular everywhere.
#[test]
fn dry_run_describes_every_stream_and_the_plan() {
    let fif = repo().join("examples/fixtures/fif/short_raw.fif");
    let out = host(&[
        "play",
        fif.to_str().unwrap(),
        "--dry-run",
        "--chunk-size",
        "5",
        "--repeat",
        "3",
        "--format",
        "float64",
    ]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<Vec<&str>> = text
        .lines()
        .map(|l| {
            l.split("  ")
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .collect()
        })
        .collect();
    assert_eq!(
        lines[0],
        ["ok: would publish 2 streams: short_raw, short_raw-markers"]
    );
    assert_eq!(
        lines[1],
        [
            "stream", "type", "channels", "rate", "format", "duration", "markers", "offset",
            "chunk"
        ]
    );
    assert_eq!(
        lines[2],
        [
            "short_raw",
            "MEG",
            "8",
            "250 Hz",
            "float64",
            "2.040 s",
            "-",
            "0 s",
            "5"
        ]
    );
    assert_eq!(
        lines[3],
        [
            "short_raw-markers",
            "Markers",
            "1",
            "irregular",
            "string",
            "2.040 s",
            "3",
            "0 s",
            "1"
        ]
    );
    assert!(
        lines[4][0].starts_with("repeat 3, start delay 0 s"),
        "{text}"
    );

    let mono = wav("demo-tone-8k-mono.wav");
    let out = host(&["inspect", mono.to_str().unwrap()]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("8000 Hz  1 channel  "), "{text}");
    let out = host(&["play", mono.to_str().unwrap(), "--dry-run"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("ok: would publish 1 stream: "), "{text}");
}

/// Issue 14.7: picks as MNE reads them (`meg` = grad + mag), spaces trimmed, and an
/// error that lists what exists.
#[test]
fn picks_speak_mne() {
    let fif = repo().join("examples/fixtures/fif/short_raw.fif");
    let fif = fif.to_str().unwrap();
    let channels = |picks: &str| {
        let out = host(&["play", fif, "--dry-run", "--picks", picks]);
        let text = String::from_utf8_lossy(&out.stdout).to_string();
        assert!(
            out.status.success(),
            "{picks}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let row = text.lines().nth(2).unwrap().to_string();
        row.split_whitespace().nth(2).unwrap().to_string()
    };
    assert_eq!(channels("meg"), "3");
    assert_eq!(channels("EEG 001, stim"), "2");
    assert_eq!(channels("data"), "5");
    let out = host(&["play", fif, "--dry-run", "--picks", "ecog,eeg"]);
    assert_clean_error(
        &out,
        &[
            "short_raw.fif: picks \"ecog\" match no channel",
            "labels: MEG 0113, MEG 0112, MEG 0111, EEG 001",
            "kinds: grad, mag, eeg, stim, eog, ecg",
        ],
    );
}

/// Issue 14.8: an unwritable `--stats-json` is found before anything plays.
#[test]
fn stats_json_path_is_checked_before_playing() {
    let started = std::time::Instant::now();
    let out = host_within(
        &[
            "play",
            wav("demo-tone-8k-mono.wav").to_str().unwrap(),
            "--output",
            "null",
            "--repeat",
            "forever",
            "--stats-json",
            "/nonexistent-dir/stats.json",
        ],
        std::time::Duration::from_secs(20),
    );
    assert_clean_error(&out, &["--stats-json /nonexistent-dir/stats.json"]);
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
    let d = temp_dir("statsdir");
    let out = host(&[
        "play",
        wav("demo-tone-8k-mono.wav").to_str().unwrap(),
        "--output",
        "null",
        "--stats-json",
        d.to_str().unwrap(),
    ]);
    assert_clean_error(&out, &["--stats-json", "is a directory"]);
}

/// Issue 14.8: the statistics replace the file in one step (no temporary file is left),
/// and a failure to write them keeps the run's own exit status (130 here) and says so.
#[test]
fn stats_json_failure_keeps_the_exit_status_and_is_reported() {
    let d = temp_dir("statsfail");
    let stats = d.join("stats.json");
    let _ = std::fs::remove_dir_all(&stats);
    std::fs::write(&stats, "old").unwrap();
    let child = Host::new()
        .command()
        .args([
            "play",
            wav("demo-tone-8k-mono.wav").to_str().unwrap(),
            "--output",
            "null",
            "--repeat",
            "forever",
            "--stats-json",
            stats.to_str().unwrap(),
        ])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(800));
    // The old file is untouched while playing; then make the final rename impossible.
    assert_eq!(std::fs::read_to_string(&stats).unwrap(), "old");
    std::fs::remove_file(&stats).unwrap();
    std::fs::create_dir_all(stats.join("occupied")).unwrap();
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{err}");
    assert!(err.contains("error: --stats-json"), "{err}");
    let left: Vec<_> = std::fs::read_dir(&d)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert!(left.is_empty(), "temporary files left: {left:?}");
}

/// Issue 14.14 (wording): the "no reader" error says how to give one in the words of the
/// command (--plugin-dir for play, `plugins:` for run), and names gzip files as such.
#[test]
fn no_reader_error_speaks_the_command() {
    let d = temp_dir("noreader");
    let f = d.join("notes.txt");
    std::fs::write(&f, "hello, not a recording\n").unwrap();
    let out = host(&["play", f.to_str().unwrap(), "--output", "null"]);
    assert_clean_error(
        &out,
        &[
            "notes.txt: no reader recognizes this file",
            "--reader ID",
            "--plugin-dir DIR",
        ],
    );
    let y = d.join("s.yaml");
    std::fs::write(&y, "streams:\n  - file: notes.txt\n").unwrap();
    let out = host(&["run", y.to_str().unwrap(), "--output", "null"]);
    assert_clean_error(&out, &["`reader:`", "`plugins:`"]);
    let gz = d.join("rec_raw.fif.gz");
    std::fs::write(&gz, [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 1, 2, 3]).unwrap();
    let out = host(&["inspect", gz.to_str().unwrap()]);
    assert_clean_error(&out, &["gzip-compressed", "gunzip -k"]);
}

/// Issue 14.8: a link is followed (the file it points at is replaced, the link stays),
/// and what cannot be replaced (a pipe, like `/dev/stdout`) is written in place.
#[test]
fn stats_json_follows_links_and_writes_pipes_in_place() {
    use std::os::unix::fs::FileTypeExt;
    let d = temp_dir("statslink");
    let real = d.join("real.json");
    let link = d.join("link.json");
    let _ = std::fs::remove_file(&link);
    std::fs::write(&real, "old").unwrap();
    std::os::unix::fs::symlink(&real, &link).unwrap();
    let tone = wav("demo-tone-8k-mono.wav");
    let play = |stats: &Path| {
        host(&[
            "play",
            tone.to_str().unwrap(),
            "--output",
            "null",
            "--unpaced",
            "--quiet",
            "--stats-json",
            stats.to_str().unwrap(),
        ])
    };
    assert!(play(&link).status.success());
    assert!(std::fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&real).unwrap()).unwrap();
    assert_eq!(json["streams"][0]["samples"], 16000);

    let fifo = d.join("fifo");
    let _ = std::fs::remove_file(&fifo);
    let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read_to_string(fifo).unwrap())
    };
    // A FIFO nobody reads is refused at once (never waited on): until the reader thread
    // has opened it, try again.
    let started = std::time::Instant::now();
    loop {
        let out = play(&fifo);
        if out.status.success() {
            break;
        }
        assert!(
            stderr(&out).contains("nobody reads yet"),
            "{}",
            stderr(&out)
        );
        assert!(started.elapsed() < std::time::Duration::from_secs(20));
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let text = reader.join().unwrap();
    assert!(text.contains("\"samples\": 16000"), "{text}");
    assert!(std::fs::metadata(&fifo).unwrap().file_type().is_fifo());
}

/// Issue 14.11: on an 80-column terminal (a pseudo-terminal from util-linux `script`),
/// every status line fits, says the position out of the duration and the pass, and
/// counts the start delay down.
#[test]
fn status_lines_fit_an_80_column_terminal() {
    let fif = repo().join("examples/fixtures/fif/short_raw.fif");
    let command = format!(
        "stty cols 80; {} play {} --output null --repeat 2 --start-delay 0.5",
        env!("CARGO_BIN_EXE_player-host"),
        fif.display()
    );
    let out = Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .output()
        .expect("util-linux `script` runs the player on a pseudo-terminal");
    let text = String::from_utf8_lossy(&out.stdout).replace("\x1b[K", "");
    let lines: Vec<&str> = text
        .split(['\r', '\n'])
        .filter(|l| !l.trim().is_empty())
        .collect();
    for l in &lines {
        assert!(l.chars().count() < 80, "{} columns: {l}", l.chars().count());
    }
    assert!(
        lines.iter().any(|l| l.starts_with("starting in ")),
        "{text}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.contains("/2.0 s") && l.contains("pass 2/2")),
        "{text}"
    );
    assert_eq!(out.status.code(), Some(0), "{text}");
}
