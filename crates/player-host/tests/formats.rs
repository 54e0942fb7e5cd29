//! Formats as the command line meets them: files that the built-in readers read or refuse
//! by their container (RF64/RIFX WAV, gzip-compressed FIF), with the exit status and the
//! one-line error a user sees.
#![allow(clippy::unwrap_used)]

mod support;
use support::*;

#[test]
fn inspect_of_a_fif_gz_exits_1_saying_how_to_unpack_it() {
    let gz = fixture("fif/short_raw.fif.gz");
    let path = gz.to_str().unwrap();
    let out = host(&["inspect", path]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 1, "one line expected: {err}");
    assert!(lines[0].starts_with("error: "), "{err}");
    let message =
        format!("gzip-compressed FIF is not supported: unpack it first (gunzip -k {path})");
    assert!(lines[0].contains(&message), "{err}");
    assert!(!err.contains("no reader"), "{err}");
}

#[test]
fn inspect_reads_rf64_bw64_and_rifx_wavs() {
    for (name, container, frames) in [
        ("rf64-pcm24-mono-48000.wav", "RF64", "333"),
        ("bw64-pcm16-stereo-48000.wav", "BW64", "500"),
        ("rifx-float32-stereo-22050.wav", "RIFX", "450"),
    ] {
        let out = host(&[
            "inspect",
            "--json",
            fixture(&format!("wav/{}", name)).to_str().unwrap(),
        ]);
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(text.contains(&format!("\"{container}\"")), "{name}: {text}");
        assert!(text.contains(frames), "{name}: {text}");
    }
}
