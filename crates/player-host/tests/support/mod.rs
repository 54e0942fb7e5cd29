//! The one harness of player-host's integration tests (each test file says `mod
//! support;`): the `player-host` binary run hermetically (a clean environment, a time
//! limit, no input), the repository's fixtures, temporary directories, and checks of
//! what a command printed.
//!
//! A run sees only what the harness gives it: `PATH`, a `HOME` of its own (so that no
//! `~/lsl_api/lsl_api.cfg` of the developer's is read), `PLAYER_LIBLSL` when the suite is
//! asked to run on another liblsl (`PLAYER_LIBLSL=... scripts/test`), and what the test
//! sets itself. Not every file uses every helper.
#![allow(dead_code, clippy::unwrap_used)]

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

pub use player_api::conformance::TempDir;

pub mod actions;
pub mod recorder;

/// How long a command may run before the test fails as hung.
pub const LIMIT: Duration = Duration::from_secs(60);

/// Environment variables passed through to the binary from the test's environment.
const PASSED: &[&str] = &["PATH", "PLAYER_LIBLSL"];

/// The repository's root.
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A fixture: `examples/fixtures/PATH`.
pub fn fixture(path: &str) -> PathBuf {
    repo().join("examples/fixtures").join(path)
}

/// The 2 s, 8 kHz mono tone (`examples/fixtures/wav/demo-tone-8k-mono.wav`).
pub fn tone() -> PathBuf {
    fixture("wav/demo-tone-8k-mono.wav")
}

/// A path as the `&str` a command line takes (the tests' paths are UTF-8).
pub fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// A fresh directory under cargo's per-target temporary directory (not `/tmp`, whose
/// sticky, world-writable mode fails the plugin trust rule), removed when dropped.
pub fn temp_dir(tag: &str) -> TempDir {
    TempDir::new_in(Path::new(env!("CARGO_TARGET_TMPDIR")), tag)
}

/// The `HOME` of every run: an empty directory, the same for the whole test binary.
fn home() -> PathBuf {
    let home = Path::new(env!("CARGO_TARGET_TMPDIR")).join("home");
    std::fs::create_dir_all(&home).unwrap();
    home
}

/// One run of the binary, set up step by step: `Host::new().args([...]).env(k, v).run()`
/// ([`host`] for the common case).
#[derive(Debug)]
pub struct Host {
    cmd: Command,
    limit: Duration,
    shown: String,
}

impl Default for Host {
    fn default() -> Self {
        Self::new()
    }
}

impl Host {
    /// A run of `player-host` with a clean environment (see the module docs).
    pub fn new() -> Host {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_player-host"));
        cmd.env_clear()
            .env("HOME", home())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for name in PASSED {
            if let Some(value) = std::env::var_os(name) {
                cmd.env(name, value);
            }
        }
        Host {
            cmd,
            limit: LIMIT,
            shown: String::new(),
        }
    }

    /// Adds arguments.
    pub fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        for a in args {
            self.shown.push(' ');
            self.shown.push_str(&a.as_ref().to_string_lossy());
            self.cmd.arg(a);
        }
        self
    }

    /// Sets an environment variable.
    pub fn env(mut self, key: &str, value: impl AsRef<OsStr>) -> Self {
        self.cmd.env(key, value);
        self
    }

    /// Runs in `dir`.
    pub fn cwd(mut self, dir: &Path) -> Self {
        self.cmd.current_dir(dir);
        self
    }

    /// Gives the run this standard input.
    pub fn stdin(mut self, stdin: impl Into<Stdio>) -> Self {
        self.cmd.stdin(stdin);
        self
    }

    /// Fails the test when the run takes longer than `limit` (default [`LIMIT`]).
    pub fn limit(mut self, limit: Duration) -> Self {
        self.limit = limit;
        self
    }

    /// Runs to the end (killed, and the test failed, past the limit); returns what it
    /// printed and how long it took.
    pub fn run_timed(mut self) -> (Output, Duration) {
        let started = Instant::now();
        let mut child = self.cmd.spawn().expect("run player-host");
        // Drain the pipes while waiting, so that a chatty run cannot block on them.
        let stdout = child.stdout.take().map(drain);
        let stderr = child.stderr.take().map(drain);
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status;
            }
            if started.elapsed() > self.limit {
                let _ = child.kill();
                let _ = child.wait();
                panic!("player-host{} ran longer than {:?}", self.shown, self.limit);
            }
            std::thread::sleep(Duration::from_millis(5));
        };
        let took = started.elapsed();
        let join = |h: Option<std::thread::JoinHandle<Vec<u8>>>| {
            h.map(|h| h.join().unwrap()).unwrap_or_default()
        };
        let output = Output {
            status,
            stdout: join(stdout),
            stderr: join(stderr),
        };
        (output, took)
    }

    /// Runs to the end; see [`run_timed`](Host::run_timed).
    pub fn run(self) -> Output {
        self.run_timed().0
    }

    /// The command as set up so far, for a test that drives the process itself (signals,
    /// closed pipes): the time limit is then the test's to keep.
    pub fn command(self) -> Command {
        self.cmd
    }
}

fn drain(mut pipe: impl std::io::Read + Send + 'static) -> std::thread::JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = pipe.read_to_end(&mut bytes);
        bytes
    })
}

/// Runs `player-host ARGS` with the clean environment.
pub fn host(args: &[&str]) -> Output {
    Host::new().args(args).run()
}

/// Runs `player-host ARGS`, failing the test if it runs longer than `limit`.
pub fn host_within(args: &[&str], limit: Duration) -> Output {
    Host::new().args(args).limit(limit).run()
}

/// What a run printed on stdout.
pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// What a run printed on stderr.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The run succeeded (else the test fails with its stderr).
pub fn assert_ok(o: &Output) {
    assert!(o.status.success(), "{}\n{}", o.status, stderr(o));
}

/// The run failed with status 1 and exactly one line on stderr, `error: ...`, containing
/// every one of `parts`, without a panic.
pub fn assert_clean_error(out: &Output, parts: &[&str]) {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(!err.contains("panicked"), "panicked: {err}");
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 1, "one line expected: {err}");
    assert!(lines[0].starts_with("error: "), "{err}");
    for p in parts {
        assert!(lines[0].contains(p), "{p:?} missing from {err}");
    }
}

/// Waits (a safety net of 20 s, not a timing check) until `done`.
pub fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let end = Instant::now() + Duration::from_secs(20);
    while !done() {
        assert!(Instant::now() < end, "still not {what}");
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Builds the shared library `dir/name` (mode 0755) whose constructor creates `marker`,
/// with `cc` (the C compiler every Rust build on this platform links with): whether
/// `marker` exists then says whether anything loaded the library, i.e. ran its code.
pub fn marker_library(dir: &Path, name: &str, marker: &Path) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let c = dir.join(format!("{name}.c"));
    std::fs::write(
        &c,
        format!(
            "#include <stdio.h>\n__attribute__((constructor)) static void mark(void) {{\n  FILE *f = fopen({:?}, \"w\");\n  if (f) {{ fputs(\"loaded\", f); fclose(f); }}\n}}\n",
            s(marker)
        ),
    )
    .unwrap();
    let lib = dir.join(name);
    let status = Command::new("cc")
        .args(["-shared", "-fPIC", "-o", s(&lib), s(&c)])
        .status();
    match status {
        Ok(st) if st.success() => {
            std::fs::remove_file(&c).unwrap();
            std::fs::set_permissions(&lib, std::fs::Permissions::from_mode(0o755)).unwrap();
            lib
        }
        other => panic!("cc could not build a test library ({other:?}): install a C compiler"),
    }
}
