//! The command line's rough edges a new user found (issue 23): `validate` reports every
//! error at once, the wrong command for a file says which was meant, `--stats-json -`,
//! the keys' help on an 80-column status line, `--output null` publishes nothing and says
//! so, shell completions and the manual page.
#![allow(clippy::unwrap_used)]

mod support;
use support::*;

use std::process::Command;

/// A scenario with four broken entries and a good one: every error is reported, each
/// naming the scenario and its entry; a missing file names its entry.
#[test]
fn validate_reports_every_error_naming_the_entry() {
    let dir = temp_dir("validate-all");
    let yaml = dir.join("broken.yaml");
    std::fs::write(
        &yaml,
        format!(
            "streams:\n  - file: missing.fif\n    name: meg\n  - file: {tone}\n    from: 98\n    \
             to: 99\n  - file: notes.txt\n  - file: {tone}\n  - file: {tone}\n    name: eeg\n  \
             - file: gone.edf\n",
            tone = s(&tone())
        ),
    )
    .unwrap();
    std::fs::write(dir.join("notes.txt"), "not a recording").unwrap();
    let out = host(&["validate", s(&yaml)]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    let errors: Vec<&str> = err.lines().filter(|l| l.starts_with("error: ")).collect();
    let at = |i: usize, entry: &str| format!("error: {}: streams[{i}] ({entry}): ", yaml.display());
    assert_eq!(errors.len(), 4, "{err}");
    assert!(
        errors[0].starts_with(&at(0, "meg")) && errors[0].contains("missing.fif"),
        "{err}"
    );
    assert!(errors[1].starts_with(&at(1, "demo-tone-8k-mono")), "{err}");
    assert!(errors[1].contains("holds no sample"), "{err}");
    assert!(errors[2].starts_with(&at(2, "notes")), "{err}");
    assert!(errors[2].contains("no reader recognizes"), "{err}");
    assert!(
        errors[3].starts_with(&at(5, "gone")) && errors[3].contains("gone.edf"),
        "{err}"
    );
    assert!(err.ends_with("4 errors\n"), "{err}");
    assert!(stdout(&out).is_empty());
    // Two entries published under one name are found too, after every file opened.
    let twice = dir.join("twice.yaml");
    let entry = format!("  - file: {}\n    name: tone\n", s(&tone()));
    std::fs::write(&twice, format!("streams:\n{entry}{entry}")).unwrap();
    let out = host(&["validate", s(&twice)]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("streams[0] and streams[1] would both be published as"));
}

#[test]
fn the_wrong_command_for_a_file_says_which_was_meant() {
    let out = host(&["run", s(&tone())]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("is a recording (wav reader), not a scenario"),
        "{err}"
    );
    assert!(
        err.contains(&format!("`player-host play {}`", s(&tone()))),
        "{err}"
    );
    let demo = repo().join("examples/demo.yaml");
    let out = host(&["play", s(&demo)]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("is a scenario, not a recording"), "{err}");
    assert!(
        err.contains(&format!("`player-host run {}`", s(&demo))),
        "{err}"
    );
    // Other mistakes keep their own message.
    let out = host(&["run", "/nonexistent.yaml"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(!stderr(&out).contains("is a recording"));
}

#[test]
fn stats_json_dash_writes_to_stdout_and_null_output_does_not_say_publishing() {
    let dir = temp_dir("stats-dash");
    let out = Host::new()
        .args(["play", s(&tone()), "--output", "null", "--stats-json", "-"])
        .cwd(dir.path())
        .run();
    assert_ok(&out);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["streams"][0]["samples"], 16000);
    assert!(!dir.join("-").exists(), "no file named -");
    let err = stderr(&out);
    assert!(!err.contains("publishing:"), "{err}");
    assert!(
        err.contains("without publishing (--output null): demo-tone-8k-mono"),
        "{err}"
    );
}

/// Issue 23: at 80 columns the keys' help was cut off; the status gives way instead.
#[test]
fn the_status_line_keeps_the_keys_help_at_80_columns() {
    let command = format!(
        "stty cols 80; {} play {} --output null --repeat 3",
        env!("CARGO_BIN_EXE_player-host"),
        s(&tone())
    );
    // `script` gives the player a terminal: stdin (keys are read) and stderr.
    let out = Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .stdin(std::process::Stdio::null())
        .output()
        .expect("util-linux `script` runs the player on a pseudo-terminal");
    let text = String::from_utf8_lossy(&out.stdout).replace("\x1b[K", "");
    let help = "space pause  ←/→ 5 s  +/- speed  0 start  q quit";
    let playing: Vec<&str> = text
        .split(['\r', '\n'])
        .filter(|l| l.contains(" s  pass "))
        .collect();
    assert!(!playing.is_empty(), "{text}");
    for l in &playing {
        assert!(l.chars().count() < 80, "{} columns: {l}", l.chars().count());
        assert!(l.ends_with(help), "the keys' help is whole: {l}");
    }
    assert_eq!(out.status.code(), Some(0), "{text}");
}

#[test]
fn completions_and_the_manual_page_are_generated() {
    let out = host(&["completions", "bash"]);
    assert_ok(&out);
    let script = stdout(&out);
    for word in [
        "run",
        "play",
        "ctl",
        "validate",
        "completions",
        "--stats-json",
    ] {
        assert!(
            script.contains(word),
            "{word} missing from the bash completions"
        );
    }
    let dir = temp_dir("completions");
    let file = dir.join("player-host.bash");
    std::fs::write(&file, &script).unwrap();
    let check = Command::new("bash").arg("-n").arg(&file).output().unwrap();
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
    let zsh = stdout(&host(&["completions", "zsh"]));
    assert!(zsh.starts_with("#compdef player-host"), "{zsh}");
    let fish = stdout(&host(&["completions", "fish"]));
    assert!(fish.contains("complete -c player-host"), "{fish}");
    assert_eq!(host(&["completions", "tcsh"]).status.code(), Some(2));

    let out = host(&["man"]);
    assert_ok(&out);
    let page = stdout(&out);
    assert!(page.contains(".TH player-host 1"), "{page}");
    for section in [".SH NAME", ".SH SYNOPSIS", ".SH SUBCOMMANDS"] {
        assert!(page.contains(section), "{section} missing");
    }
    let run = stdout(&host(&["man", "run"]));
    assert!(
        run.contains(".TH player-host-run 1") && run.contains("start\\-at"),
        "{run}"
    );
    let out = host(&["man", "fly"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("commands: run, play"),
        "{}",
        stderr(&out)
    );
    // groff reads it without a warning, and it says what the command does.
    let page_file = dir.join("player-host.1");
    std::fs::write(&page_file, &page).unwrap();
    let shown = Command::new("groff")
        .args(["-man", "-Tutf8", "-ww", "-z"])
        .arg(&page_file)
        .output();
    match shown {
        Ok(shown) => assert!(
            shown.status.success() && shown.stderr.is_empty(),
            "{}",
            String::from_utf8_lossy(&shown.stderr)
        ),
        Err(e) => panic!("groff is needed to check the manual page: {e}"),
    }
}
