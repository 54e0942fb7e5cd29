//! Bounded inputs, through the real binary: recordings must be regular files (a FIFO would
//! block forever, a device stream without end), scenarios regular files or pipes
//! (`validate /dev/stdin`) of at most 16 MB, nested at most 64 levels, whose parsing costs
//! little memory; and nothing blocks on a FIFO given as a scenario, a library or an output
//! (issue 24.4). Every refusal is one line, at once.
#![allow(clippy::unwrap_used)]

mod support;
use support::*;

use player_api::conformance::TempDir;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Exit status 1, one `error:` line containing every part, well before any timeout.
fn refused(args: &[&str], parts: &[&str]) {
    let (out, took) = Host::new().args(args).run_timed();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
    let lines: Vec<&str> = err.lines().filter(|l| l.starts_with("error: ")).collect();
    assert_eq!(lines.len(), 1, "{err}");
    for p in parts {
        assert!(lines[0].contains(p), "{p:?} missing: {err}");
    }
    assert!(took < Duration::from_secs(20), "took {took:?}");
}

fn mkfifo(path: &Path) {
    let c = std::ffi::CString::new(path.to_str().unwrap()).unwrap();
    // SAFETY: a valid C string; creates a FIFO in a test directory.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
}

#[test]
fn a_fifo_is_refused_as_a_recording_without_blocking() {
    let d = TempDir::new("inputs-fifo");
    let fifo = d.join("rec.wav");
    mkfifo(&fifo);
    let f = fifo.to_str().unwrap();
    refused(&["inspect", f], &["rec.wav", "is a FIFO"]);
    refused(
        &["inspect", f, "--reader", "wav"],
        &["rec.wav", "is a FIFO"],
    );
    refused(
        &["play", f, "--reader", "fif", "--output", "null"],
        &["is a FIFO"],
    );
}

#[test]
fn scenarios_must_be_regular_files_of_bounded_size_and_depth() {
    let d = TempDir::new("inputs-scenario");
    refused(
        &["run", "/dev/zero"],
        &["/dev/zero", "not a regular file or a pipe"],
    );
    refused(
        &["validate", "/dev/urandom"],
        &["not a regular file or a pipe"],
    );
    refused(
        &["validate", d.path().to_str().unwrap()],
        &["not a regular file or a pipe"],
    );
    let big = d.join("big.yaml");
    let f = std::fs::File::create(&big).unwrap();
    f.set_len(17 << 20).unwrap(); // sparse: nothing is written
    refused(
        &["validate", big.to_str().unwrap()],
        &["more than the 16777216"],
    );
    let deep = d.write("deep.yaml", "[".repeat(200_000));
    refused(
        &["validate", deep.to_str().unwrap()],
        &["nested more than 64 levels"],
    );
    let indented: String = (0..300)
        .map(|i| format!("{}a{i}:\n", " ".repeat(i)))
        .collect();
    let deep = d.write("indented.yaml", indented);
    refused(
        &["validate", deep.to_str().unwrap()],
        &["a scenario nests at most 64 levels"],
    );
}

/// More outlets than the open-file limit allows, at any count (the outlets or the
/// recordings run out): one error naming the stream (or its file), the limit and `ulimit
/// -n`, and the process ends (liblsl's threads once spun at real-time priority on a
/// failing `accept` and held the machine).
#[test]
fn running_out_of_file_descriptors_names_the_stream_and_the_limit() {
    let d = TempDir::new("inputs-fds");
    let wav = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/fixtures/wav/demo-tone-8k-mono.wav");
    for (limit, count) in [
        (256, 20),
        (256, 200),
        (256, 1000),
        (1024, 200),
        (1024, 1000),
    ] {
        let streams: String = (0..count)
            .map(|i| {
                format!(
                    "  - file: {}\n    name: fdlimit-{}-{i}\n",
                    wav.display(),
                    std::process::id()
                )
            })
            .collect();
        let scenario = d.write(
            &format!("many-{count}.yaml"),
            format!("streams:\n{streams}"),
        );
        let script = format!(
            "ulimit -Sn {limit} && exec {} run {} --quiet",
            env!("CARGO_BIN_EXE_player-host"),
            scenario.display()
        );
        let started = Instant::now();
        let out = Command::new("sh").args(["-c", &script]).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{limit}/{count}: {err}");
        let lines: Vec<&str> = err.lines().filter(|l| l.starts_with("error: ")).collect();
        assert_eq!(lines.len(), 1, "{limit}/{count}: {err}");
        let named = lines[0].contains("fdlimit-") || lines[0].contains("demo-tone-8k-mono.wav");
        assert!(named, "names the stream or its file: {err}");
        let said = format!("at its limit of {limit} open files (`ulimit -n`)");
        assert!(lines[0].contains(&said), "{limit}/{count}: {err}");
        if lines[0].contains("fdlimit-") {
            // An outlet ran out: the way to need fewer descriptors per outlet is named.
            assert!(
                lines[0].contains("`IPv6 = disable`"),
                "{limit}/{count}: {err}"
            );
        }
        assert!(started.elapsed() < Duration::from_secs(60));
    }
}

/// A FIFO nobody writes given as a scenario is read at once (as empty), not waited on; a
/// pipe with a scenario in it (`validate /dev/stdin`) still works.
#[test]
fn a_fifo_as_a_scenario_never_blocks_and_stdin_still_works() {
    let d = TempDir::new("inputs-scenario-fifo");
    let fifo = d.join("s.yaml");
    mkfifo(&fifo);
    refused(
        &["validate", s(&fifo)],
        &["s.yaml", "missing key `streams`"],
    );
    refused(
        &["run", s(&fifo), "--output", "null"],
        &["missing key `streams`"],
    );
    let mut child = Host::new()
        .args(["validate", "/dev/stdin"])
        .stdin(Stdio::piped())
        .command()
        .spawn()
        .unwrap();
    let text = format!("streams:\n  - file: {}\n", s(&tone()));
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_ok(&out);
    assert!(stdout(&out).contains("ok (1 stream"), "{}", stdout(&out));
}

/// A FIFO named as a plugin library (explicitly, or named like one in a plugin directory)
/// is refused, never opened by the loader, even with the escape hatch.
#[test]
fn a_fifo_as_a_plugin_library_is_refused_without_blocking() {
    let d = temp_dir("inputs-plugin-fifo");
    let fifo = d.join("libplayer_fifo.so");
    mkfifo(&fifo);
    for unsafe_hatch in ["0", "1"] {
        for path in [&fifo, &d.path().to_path_buf()] {
            let out = Host::new()
                .args(["plugins", "--plugin-dir", s(path)])
                .env("PLAYER_PLUGIN_UNSAFE", unsafe_hatch)
                .limit(Duration::from_secs(20))
                .run();
            assert_ok(&out);
            let text = stdout(&out);
            if path == &fifo {
                assert!(
                    text.contains("is a FIFO (named pipe), not a library file"),
                    "{text}"
                );
            }
        }
    }
}

/// `--stats-json` naming a FIFO nobody reads, a dangling link or a link loop is refused at
/// once, and the links stay links.
#[test]
fn stats_json_never_blocks_and_never_replaces_a_link() {
    let d = temp_dir("inputs-stats");
    let fifo = d.join("stats.fifo");
    mkfifo(&fifo);
    let play = |stats: &Path| {
        let tone = tone();
        let args = ["play", s(&tone), "--output", "null", "--unpaced", "--quiet"];
        Host::new()
            .args(args)
            .args(["--stats-json", s(stats)])
            .limit(Duration::from_secs(20))
            .run()
    };
    assert_clean_error(
        &play(&fifo),
        &["--stats-json", "nobody reads yet", "start its reader first"],
    );
    let dangling = d.join("dangling.json");
    std::os::unix::fs::symlink(d.join("missing/stats.json"), &dangling).unwrap();
    let looped = d.join("loop.json");
    std::os::unix::fs::symlink(&looped, &looped).unwrap();
    for link in [&dangling, &looped] {
        assert_clean_error(
            &play(link),
            &[
                "--stats-json",
                "is a symbolic link that leads nowhere",
                "not replaced",
            ],
        );
        let meta = std::fs::symlink_metadata(link).unwrap();
        assert!(meta.file_type().is_symlink(), "{} was replaced", s(link));
    }
    // A link to a file is followed: the file is written, the link stays.
    let real = d.write("real.json", "old");
    let link = d.join("link.json");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    assert_ok(&play(&link));
    assert!(std::fs::read_to_string(&real)
        .unwrap()
        .contains("\"samples\": 16000"));
    assert!(std::fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
}

/// A FIFO as liblsl's configuration file (`--lsl-config`, or `lsl_api.cfg` in the current
/// directory, which liblsl would open and block on) is refused at once; `--version` says
/// which file is in use without opening it.
#[test]
fn a_fifo_as_the_liblsl_config_is_refused_without_blocking() {
    let d = temp_dir("inputs-cfg-fifo");
    let fifo = d.join("lsl_api.cfg");
    mkfifo(&fifo);
    let out = Host::new()
        .args(["--version"])
        .cwd(d.path())
        .limit(Duration::from_secs(20))
        .run();
    assert_ok(&out);
    assert!(
        stdout(&out).contains("LSL config: none"),
        "{}",
        stdout(&out)
    );
    let tone = tone();
    let out = Host::new()
        .args(["play", s(&tone), "--dry-run", "--lsl-config", s(&fifo)])
        .limit(Duration::from_secs(20))
        .run();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("a FIFO (named pipe), not a regular file"));
    let out = Host::new()
        .args(["play", s(&tone), "--dry-run"])
        .cwd(d.path())
        .limit(Duration::from_secs(20))
        .run();
    assert_clean_error(
        &out,
        &["lsl_api.cfg: liblsl would read this configuration file, which is a FIFO"],
    );
}

/// A library that, preloaded (`LD_PRELOAD`), writes the process's peak resident memory
/// (`VmHWM` of `/proc/self/status`: the memory of the program since its `exec`, unlike
/// `wait4`'s `ru_maxrss`, which starts from the parent's) to the file named by
/// `PEAK_RSS_FILE` when the process exits.
fn peak_rss_library(dir: &Path) -> std::path::PathBuf {
    let c = dir.join("peak.c");
    std::fs::write(
        &c,
        r#"#include <stdio.h>
#include <stdlib.h>
#include <string.h>
__attribute__((destructor)) static void peak(void) {
  const char *path = getenv("PEAK_RSS_FILE");
  FILE *status = fopen("/proc/self/status", "r");
  FILE *out = path ? fopen(path, "w") : NULL;
  char line[256];
  while (status && out && fgets(line, sizeof line, status))
    if (!strncmp(line, "VmHWM:", 6)) fputs(line + 6, out);
  if (status) fclose(status);
  if (out) fclose(out);
}
"#,
    )
    .unwrap();
    let lib = dir.join("libpeak.so");
    let built = Command::new("cc")
        .args(["-shared", "-fPIC", "-o", s(&lib), s(&c)])
        .status();
    assert!(
        built.is_ok_and(|st| st.success()),
        "cc could not build the peak-memory library: install a C compiler"
    );
    lib
}

/// Runs `player-host ARGS` and returns what it printed, its peak resident memory in kB
/// ([`peak_rss_library`]) and how long it took.
fn run_measured(dir: &Path, args: &[&str]) -> (Output, u64, Duration) {
    let file = dir.join("peak.txt");
    let _ = std::fs::remove_file(&file);
    let (out, took) = Host::new()
        .args(args)
        .env("LD_PRELOAD", peak_rss_library(dir))
        .env("PEAK_RSS_FILE", &file)
        .run_timed();
    let text = std::fs::read_to_string(&file).unwrap_or_default();
    let kb = text.trim().trim_end_matches("kB").trim().parse();
    assert!(
        kb.is_ok(),
        "no peak memory from {args:?}: {text:?} {}",
        stderr(&out)
    );
    (out, kb.unwrap_or_default(), took)
}

/// Issue 24.6: a 16 MB scenario costs under 200 MB before its error, whatever its shape
/// (on the base of this branch, `[0,0,0,...]` took 1.07 GB and 6.4 s, a list of entries
/// with an unknown key 0.5-0.7 GB). The time is printed (`--nocapture`), bounded only
/// generously here: the target, under 2 s, is a measurement, not a test on a shared
/// machine.
#[test]
fn parsing_a_16_mb_scenario_costs_little_memory() {
    const SIZE: usize = 16 << 20;
    let d = TempDir::new("inputs-16mb");
    let pad = |mut text: String| {
        // A comment line that fills the file up to just under 16 MiB.
        let room = SIZE - 16 - text.len();
        text.push('#');
        text.push_str(&"x".repeat(room));
        text.push('\n');
        text
    };
    let entry = "  - file: a.wav\n";
    let shapes: Vec<(&str, String)> = vec![
        (
            "flow",
            format!("streams: [{}0]\n", "0,".repeat(SIZE / 2 - 16)),
        ),
        (
            "block",
            format!("streams:\n{}", "- 0\n".repeat(SIZE / 4 - 4)),
        ),
        (
            "unknown-key",
            format!("bogus: 1\nstreams:\n{}", entry.repeat(SIZE / 16 - 2)),
        ),
        (
            "unknown-key-last",
            format!("streams:\n{}bogus: 1\n", entry.repeat(SIZE / 16 - 2)),
        ),
        // Just under the limit of marks, then filled up: parsed in full.
        (
            "entries",
            pad(format!("streams:\n{}", entry.repeat(166_000))),
        ),
        (
            "flow-at-limit",
            pad(format!("streams: [{}0]\n", "0,".repeat(499_990))),
        ),
        (
            "mapping-at-limit",
            pad(format!("streams: {{{}}}\n", "a, ".repeat(499_990))),
        ),
        ("text", format!("name: \"{}\"\n", "x".repeat(SIZE - 16))),
    ];
    for (shape, text) in shapes {
        assert!(
            text.len() <= SIZE && text.len() > SIZE - (1 << 20),
            "{shape}"
        );
        let path = d.write(&format!("{shape}.yaml"), &text);
        drop(text);
        let (out, rss_kb, took) = run_measured(d.path(), &["validate", s(&path)]);
        println!("{shape}: {} MB, {took:?}", rss_kb / 1024);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{shape}: {err}");
        // One error, or (166 000 entries naming a missing file) the first 20 and a count.
        let lines = if shape == "entries" { 21 } else { 1 };
        assert_eq!(err.lines().count(), lines, "{shape}: {err}");
        assert!(rss_kb < 200 * 1024, "{shape}: {} MB: {err}", rss_kb / 1024);
        assert!(took < Duration::from_secs(20), "{shape}: {took:?}");
    }
}
