//! Error messages never echo the content of a file that is not of the format it was given
//! to, and cap every value they echo (`player_api::quote`), through the real binary.
#![allow(clippy::unwrap_used)]

mod support;
use support::*;

use std::path::Path;
use std::process::Output;

/// A line of `/etc/shadow` (made up): nothing of it may appear in a message.
const SECRET: &str = "root:$6$SeCrEtSaLt$HaShOfThePaSsWoRd:19000:0:99999:7:::\n";

/// Exit status 1 and one `error:` line naming `file`; returns that line.
fn one_error_naming(o: &Output, file: &Path) -> String {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    let lines: Vec<&str> = err.lines().filter(|l| l.starts_with("error: ")).collect();
    assert_eq!(lines.len(), 1, "{err}");
    assert!(lines[0].contains(file.to_str().unwrap()), "{err}");
    lines[0].to_string()
}

/// No piece of the secret line of 4 characters or more appears in `text`, once the
/// file's own path is taken out (a checkout under /root has "root" in it).
fn assert_no_secret(text: &str, path: &str) {
    let text = text.replace(path, "FILE");
    for field in SECRET.split([':', '$', '\n']).filter(|f| f.len() >= 4) {
        for start in 0..=field.len() - 4 {
            let piece = &field[start..start + 4];
            assert!(
                !text.contains(piece),
                "{piece:?} of the file echoed: {text}"
            );
        }
    }
}

#[test]
fn a_file_given_to_the_wrong_reader_is_not_quoted() {
    let d = temp_dir("secret");
    let secret = d.join("shadow");
    std::fs::write(&secret, SECRET.repeat(50)).unwrap();
    let path = secret.to_str().unwrap();
    for reader in ["wav", "edf", "fif", "xdf", "gdf", "eeglab", "csv"] {
        for args in [
            vec!["inspect", path, "--reader", reader],
            vec!["play", path, "--reader", reader, "--output", "null"],
        ] {
            let line = one_error_naming(&host(&args), &secret);
            assert_no_secret(&line, path);
            // Any text is a table to the csv reader: it refuses it (no rate) without
            // echoing it, as the others refuse what is not their format.
            let words = if reader == "csv" { "no rate" } else { "not a" };
            assert!(line.contains(words), "{reader}: {line}");
        }
    }
}

#[test]
fn echoed_values_are_capped() {
    let d = temp_dir("picks");
    let wav = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/fixtures/wav/demo-tone-8k-mono.wav");
    // 2000 picks of 100 characters: 200 kB that must not come back whole.
    let picks: Vec<String> = (0..2000).map(|i| format!("{i:0>100}")).collect();
    let scenario = d.join("s.yaml");
    std::fs::write(
        &scenario,
        format!(
            "streams:\n  - file: {}\n    picks: [{}]\n",
            wav.display(),
            picks.join(", ")
        ),
    )
    .unwrap();
    let out = host(&["validate", scenario.to_str().unwrap()]);
    let line = one_error_naming(&out, &wav);
    assert!(line.contains("match no channel"), "{line}");
    assert!(line.len() < 1000, "{} bytes: {line}", line.len());
    // A long reader id and scenario values, given by the user.
    let long = "z".repeat(5000);
    let err = stderr(&host(&[
        "inspect",
        wav.to_str().unwrap(),
        "--reader",
        &long,
    ]));
    assert!(err.contains("no reader with id \"zzzz"), "{err}");
    assert!(err.len() < 1000, "{} bytes: {err}", err.len());
    for setting in ["repeat", "format", "annotations"] {
        let key = if setting == "repeat" { "" } else { "    " };
        let indent = if setting == "repeat" {
            ""
        } else {
            "  - file: a.wav\n"
        };
        let text = if setting == "repeat" {
            format!("repeat: {long}\nstreams:\n  - file: a.wav\n")
        } else {
            format!("streams:\n{indent}{key}{setting}: {long}\n")
        };
        std::fs::write(&scenario, text).unwrap();
        let err = stderr(&host(&["validate", scenario.to_str().unwrap()]));
        assert!(err.contains("zzzz"), "{setting}: {err}");
        assert!(err.len() < 1000, "{setting}: {} bytes: {err}", err.len());
    }
}
