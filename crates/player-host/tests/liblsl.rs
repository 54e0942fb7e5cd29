//! Which liblsl the host runs on: a current one loaded at run time (the one in the test
//! environment's pylsl wheel) and the bundled 1.13, without the two interfering.
#![allow(clippy::unwrap_used)]

use player_host::liblsl;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The liblsl shipped in pylsl's wheel, and the version pylsl reports for it, from the
/// Python named by `PLAYER_PYTHON` (`scripts/test` sets it); `None` (skip) without it.
fn pylsl_liblsl() -> Option<(PathBuf, i32)> {
    let Ok(python) = std::env::var("PLAYER_PYTHON") else {
        eprintln!("skipping: PLAYER_PYTHON (a Python with pylsl) is not set");
        return None;
    };
    let out = Command::new(python)
        .args([
            "-c",
            "import pylsl, pylsl.lib as l; print(l.lib._name); print(pylsl.library_version())",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let mut lines = text.lines();
    let path = PathBuf::from(lines.next().unwrap());
    let version = lines.next().unwrap().trim().parse().unwrap();
    Some((path, version))
}

#[test]
fn a_current_liblsl_loads_and_reports_its_own_version() {
    let Some((path, version)) = pylsl_liblsl() else {
        return;
    };
    assert!(
        version >= liblsl::MIN_DYNAMIC_VERSION,
        "pylsl's liblsl is {version}"
    );
    let lib = liblsl::load(&path, liblsl::MIN_DYNAMIC_VERSION, "test".into()).unwrap();
    // Through the table, the loaded library answers, not the bundled 1.13.
    assert_eq!(lib.about.version, version);
    assert_ne!(lib.about.version, 113);
    assert_eq!(
        lib.about.path.as_deref(),
        Some(path.canonicalize().unwrap().as_path())
    );
    assert!(lib.create_outlet_ex.is_some());
    // The host's clock (the bundled liblsl's, or read directly without it) is liblsl's.
    // SAFETY: liblsl's clock has no preconditions; both read the monotonic clock.
    let dynamic = unsafe { (lib.api.lsl_local_clock)() };
    let host = player_host::clock::local_clock();
    assert!((dynamic - host).abs() < 1.0, "{dynamic} vs {host}");
}

#[test]
fn a_library_older_than_required_is_refused_with_its_version() {
    let Some((path, version)) = pylsl_liblsl() else {
        return;
    };
    let Err(e) = liblsl::load(&path, version + 1, String::new()) else {
        panic!("an older liblsl was accepted");
    };
    assert!(e.contains("too old"), "{e}");
    assert!(
        e.contains(&format!("{}.{}", version / 100, version % 100)),
        "{e}"
    );
}

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
    let out = Command::new(env!("CARGO_BIN_EXE_player-host"))
        .args(["play"])
        .arg(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../../examples/fixtures/wav/demo-chirp-16k-stereo.wav"),
        )
        .args(["--name", "liblsl-error-test", "--quiet"])
        .env("PLAYER_LIBLSL", "/nonexistent/liblsl.so")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{err}");
    assert_ne!(out.status.code(), Some(101), "panicked: {err}");
    assert!(
        err.contains("PLAYER_LIBLSL=/nonexistent/liblsl.so"),
        "{err}"
    );
    assert!(err.contains("cannot load"), "{err}");
}
