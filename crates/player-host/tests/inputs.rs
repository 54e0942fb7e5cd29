//! Bounded inputs, through the real binary: recordings must be regular files (a FIFO would
//! block forever, a device stream without end), scenarios regular files or pipes
//! (`validate /dev/stdin`) of at most 16 MB, nested at most 64 levels. Every refusal is
//! one line, at once.
#![allow(clippy::unwrap_used)]

mod support;
use support::*;

use player_api::conformance::TempDir;
use std::path::Path;
use std::process::Command;
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

/// More outlets than the open-file limit allows: one error naming the stream and the fix.
#[test]
fn running_out_of_file_descriptors_names_the_stream_and_the_limit() {
    let d = TempDir::new("inputs-fds");
    let wav = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/fixtures/wav/demo-tone-8k-mono.wav");
    let streams: String = (0..200)
        .map(|i| {
            format!(
                "  - file: {}\n    name: fdlimit-{}-{i}\n",
                wav.display(),
                std::process::id()
            )
        })
        .collect();
    let scenario = d.write("many.yaml", format!("streams:\n{streams}"));
    let script = format!(
        "ulimit -Sn 256 && exec {} run {} --quiet",
        env!("CARGO_BIN_EXE_player-host"),
        scenario.display()
    );
    let started = Instant::now();
    let out = Command::new("sh").args(["-c", &script]).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    let lines: Vec<&str> = err.lines().filter(|l| l.starts_with("error: ")).collect();
    assert_eq!(lines.len(), 1, "{err}");
    let named = lines[0].contains("fdlimit-") || lines[0].contains("demo-tone-8k-mono.wav");
    assert!(named, "names the stream or its file: {err}");
    assert!(
        lines[0].contains("open files") || lines[0].contains("Too many open files"),
        "{err}"
    );
    assert!(started.elapsed() < Duration::from_secs(60));
}
