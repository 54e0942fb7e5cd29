//! Which liblsl the binary runs on, seen from outside: it exports no liblsl symbol that a
//! loaded liblsl could bind to, and an unusable `PLAYER_LIBLSL` is a clear error. (Loading
//! a current liblsl is tested in `src/transport/liblsl.rs`.)
#![allow(clippy::unwrap_used)]

mod support;
use support::*;

use std::path::Path;
use std::process::Command;

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
    assert!(err.contains("cannot load"), "{err}");
}
