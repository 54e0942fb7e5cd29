//! Which liblsl the binary runs on, seen from outside: it exports no liblsl symbol that a
//! loaded liblsl could bind to, an unusable `PLAYER_LIBLSL` is a clear error, and every
//! liblsl passes the trust rule of plugins before it is loaded (issue 24.3): a library
//! whose constructor leaves a marker file ([`marker_library`]) shows whether it was. A
//! liblsl configuration file in the current directory is announced. (Loading a current
//! liblsl is tested in `src/transport/liblsl.rs`.)
#![allow(clippy::unwrap_used)]

mod support;
use support::*;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

/// The executable must not export liblsl's symbols: a dynamically loaded liblsl would
/// otherwise bind to the bundled copy's functions (ELF interposition).
#[test]
fn executable_exports_no_liblsl_symbol() {
    let exe = Path::new(env!("CARGO_BIN_EXE_player-host"));
    let out = Command::new("nm")
        .args(["-D", "--defined-only"])
        .arg(exe)
        .output()
        .expect("nm (binutils) runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    let exported: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("lsl_") || l.contains("lslboost") || l.contains("pugi"))
        .collect();
    assert!(exported.is_empty(), "exported: {exported:?}");
}

#[test]
fn an_unusable_player_liblsl_is_a_clear_error() {
    let out = Host::new()
        .args(["play", s(&fixture("wav/demo-chirp-16k-stereo.wav"))])
        .args(["--name", "liblsl-error-test", "--quiet"])
        .env("PLAYER_LIBLSL", "/nonexistent/liblsl.so")
        .run();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{err}");
    assert_ne!(out.status.code(), Some(101), "panicked: {err}");
    assert!(
        err.contains("PLAYER_LIBLSL=/nonexistent/liblsl.so"),
        "{err}"
    );
    assert!(err.contains("cannot resolve"), "{err}");
}

/// A subdirectory `name` of `parent` with `mode`.
fn subdir(parent: &Path, name: &str, mode: u32) -> PathBuf {
    let d = parent.join(name);
    std::fs::create_dir(&d).unwrap();
    std::fs::set_permissions(&d, std::fs::Permissions::from_mode(mode)).unwrap();
    d
}

/// `play --dry-run` of the tone with `env`, in `cwd`: it chooses the liblsl, and reports
/// one that cannot be used, without publishing anything.
fn dry_run(cwd: &Path, env: &[(&str, &str)]) -> Output {
    let mut host = Host::new()
        .args(["play", s(&tone()), "--dry-run"])
        .cwd(cwd)
        .limit(Duration::from_secs(30));
    for (k, v) in env {
        host = host.env(k, v);
    }
    host.run()
}

#[test]
fn player_liblsl_in_a_directory_others_can_write_is_refused_with_the_fix() {
    let d = temp_dir("liblsl-777");
    let open = subdir(d.path(), "open", 0o777);
    let marker = d.join("loaded");
    let lib = marker_library(&open, "liblsl.so", &marker);
    let out = dry_run(d.path(), &[("PLAYER_LIBLSL", s(&lib))]);
    assert_clean_error(
        &out,
        &[
            &format!("PLAYER_LIBLSL={}: untrusted: {}", s(&lib), s(&open)),
            "writable by its group and every user (mode 777)",
            &format!("chmod go-w {}", s(&open)),
            "PLAYER_PLUGIN_UNSAFE=1 loads it anyway",
        ],
    );
    assert!(!marker.exists(), "the untrusted liblsl was loaded");
    // The escape hatch of plugins, with the same meaning: loaded anyway (this one is no
    // liblsl, so it is then refused for what it lacks).
    let out = dry_run(
        d.path(),
        &[("PLAYER_LIBLSL", s(&lib)), ("PLAYER_PLUGIN_UNSAFE", "1")],
    );
    assert_clean_error(&out, &["lacks lsl_library_version"]);
    assert!(marker.exists(), "the escape hatch did not load it");
}

#[test]
fn a_bare_player_liblsl_is_not_looked_up_in_the_search_path() {
    let d = temp_dir("liblsl-bare");
    let path_dir = subdir(d.path(), "on-the-path", 0o755);
    let cwd = subdir(d.path(), "cwd", 0o755);
    let marker = d.join("loaded");
    marker_library(&path_dir, "liblsl.so", &marker);
    let env = [
        ("PLAYER_LIBLSL", "liblsl.so"),
        ("LD_LIBRARY_PATH", s(&path_dir)),
    ];
    let out = dry_run(&cwd, &env);
    assert_clean_error(
        &out,
        &[
            "PLAYER_LIBLSL=liblsl.so: cannot resolve liblsl.so",
            "never looked up in the loader's search path",
        ],
    );
    assert!(
        !marker.exists(),
        "liblsl.so was found through LD_LIBRARY_PATH"
    );
    // A bare name is the file in the current directory, like a plugin's.
    marker_library(&cwd, "liblsl.so", &marker);
    let out = dry_run(&cwd, &env);
    assert_clean_error(&out, &["lacks lsl_library_version"]);
    assert!(marker.exists());
}

#[test]
fn discovery_never_loads_a_liblsl_from_the_current_directory() {
    let d = temp_dir("liblsl-cwd");
    let cwd = subdir(d.path(), "cwd", 0o755);
    let marker = d.join("loaded");
    marker_library(&cwd, "liblsl.so", &marker);
    marker_library(&cwd, "liblsl.so.2", &marker);
    // Empty entries of LD_LIBRARY_PATH mean the current directory to the loader.
    for search in [":", "::", ".", ""] {
        let out = Host::new()
            .args(["--version"])
            .cwd(&cwd)
            .env("LD_LIBRARY_PATH", search)
            .run();
        assert_ok(&out);
        let text = stdout(&out);
        assert!(text.contains("liblsl 1."), "{text}");
        assert!(
            !marker.exists(),
            "LD_LIBRARY_PATH={search:?} loaded ./liblsl.so: {text}"
        );
        assert!(!text.contains(s(&cwd)), "{text}");
        // Nor through `play`, which opens outlets.
        let out = dry_run(&cwd, &[("LD_LIBRARY_PATH", search)]);
        assert_ok(&out);
        assert!(
            !marker.exists(),
            "LD_LIBRARY_PATH={search:?} loaded ./liblsl.so"
        );
    }
}

#[test]
fn player_liblsl_naming_a_fifo_is_refused_without_blocking() {
    let d = temp_dir("liblsl-fifo");
    let fifo = d.join("liblsl.so");
    let c = std::ffi::CString::new(s(&fifo)).unwrap();
    // SAFETY: a valid C string; creates a FIFO in a test directory.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    let out = dry_run(d.path(), &[("PLAYER_LIBLSL", s(&fifo))]);
    assert_clean_error(
        &out,
        &["is a FIFO (named pipe), not a library file", s(&fifo)],
    );
    // Not even the escape hatch loads it.
    let out = dry_run(
        d.path(),
        &[("PLAYER_LIBLSL", s(&fifo)), ("PLAYER_PLUGIN_UNSAFE", "1")],
    );
    assert_clean_error(&out, &["is a FIFO (named pipe), not a library file"]);
}

#[test]
fn a_liblsl_config_in_the_current_directory_is_announced_by_runs_that_publish() {
    let d = temp_dir("lslcfg-cwd");
    let cfg = d.write("lsl_api.cfg", "[log]\nlevel = -3\n");
    let scenario = d.write("s.yaml", format!("streams:\n  - file: {}\n", s(&tone())));
    let warning = format!(
        "warning: liblsl reads {} from the current directory",
        s(&cfg.canonicalize().unwrap())
    );
    let announced = |args: &[&str], env: &[(&str, &str)]| {
        let mut host = Host::new().args(args).cwd(d.path());
        for (k, v) in env {
            host = host.env(k, v);
        }
        let out = host.run();
        assert_ok(&out);
        let err = stderr(&out);
        assert!(
            err.lines().filter(|l| l.starts_with("warning: ")).count() <= 1,
            "{err}"
        );
        err.contains(&warning) && err.contains("--lsl-config PATH")
    };
    assert!(announced(&["play", s(&tone()), "--dry-run"], &[]));
    assert!(announced(&["run", "s.yaml", "--dry-run"], &[]));
    assert!(announced(&["run", s(&scenario), "--dry-run"], &[]));
    // Named explicitly, it is what the user chose; without outlets, nothing to say.
    let named = ["run", "s.yaml", "--dry-run", "--lsl-config", "lsl_api.cfg"];
    assert!(!announced(&named, &[]));
    assert!(!announced(
        &["run", "s.yaml", "--dry-run"],
        &[("LSLAPICFG", s(&cfg))]
    ));
    let tone = tone();
    let null = ["play", s(&tone), "--output", "null", "--unpaced", "--quiet"];
    assert!(!announced(&null, &[]));
}
