//! Issue 24.5: every message is safe to print. A corpus of hostile strings (ESC
//! sequences, BEL, CR/LF, NUL, C1 controls, bidirectional overrides, very long strings,
//! invalid UTF-8) is put wherever text from a file or a request reaches the output:
//! scenario keys, values and names, file names, EDF channel labels and annotations, plugin
//! library names, control answers. Every command's output (`inspect`, `validate`, `run`,
//! `play`, `ctl`, `plugins`) is then checked byte by byte: valid UTF-8, no raw control
//! character but the line breaks between lines, no bidirectional override, and error and
//! warning lines of bounded length. A file that is not a scenario is never quoted.
#![allow(clippy::unwrap_used)]

mod support;
use support::*;

use std::ffi::OsStr;
use std::io::{BufRead, BufReader, Write};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::net::UnixListener;
use std::path::Path;
use std::process::Output;

/// What an attacker would put in a file or a request.
fn corpus() -> Vec<String> {
    let mut strings: Vec<String> = [
        "\u{1b}[2J\u{1b}[H",
        "\u{1b}]0;PWN\u{7}X",
        "bell\u{7}",
        "cr\rlf\nnext",
        "nul\u{0}end",
        "\u{9b}31m",
        "\u{202e}gpj.exe",
        "\u{2066}iso\u{2069}\u{200f}",
        "tab\tdel\u{7f}",
        "line\u{2028}sep",
    ]
    .map(String::from)
    .to_vec();
    strings.push(format!("{}\u{1b}[2J", "A".repeat(100_000)));
    strings
}

/// Whether `c` must never reach a terminal raw.
fn unsafe_char(c: char) -> bool {
    (c.is_control() && c != '\n')
        || matches!(
            c,
            '\u{200e}'
                | '\u{200f}'
                | '\u{61c}'
                | '\u{202a}'..='\u{202e}'
                | '\u{2066}'..='\u{2069}'
                | '\u{2028}'
                | '\u{2029}'
        )
}

/// Every byte `out` printed is safe for a terminal, and its error and warning lines are
/// short.
fn assert_safe(what: &str, out: &Output) {
    assert_ne!(out.status.code(), Some(101), "{what}: panicked");
    for (stream, bytes) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
        let Ok(text) = std::str::from_utf8(bytes) else {
            panic!("{what}: {stream} is not UTF-8: {bytes:?}");
        };
        if let Some(c) = text.chars().find(|c| unsafe_char(*c)) {
            panic!("{what}: {stream} has a raw {c:?}: {text}");
        }
        for line in text.lines() {
            if line.starts_with("error: ") || line.starts_with("warning: ") {
                assert!(line.len() < 4000, "{what}: {} bytes: {line}", line.len());
            }
        }
    }
}

/// `text` as a YAML double-quoted scalar, every character but printable ASCII escaped.
fn yaml(text: &str) -> String {
    let mut out = String::from('"');
    for c in text.chars() {
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_ascii_graphic() || c == ' ' => out.push(c),
            c if u32::from(c) <= 0xffff => out.push_str(&format!("\\u{:04X}", u32::from(c))),
            c => out.push_str(&format!("\\U{:08X}", u32::from(c))),
        }
    }
    out.push('"');
    out
}

/// Runs `player-host ARGS` (`Host` arguments may be any bytes) and checks its output.
fn run_safe(what: &str, args: &[&OsStr]) -> Output {
    let out = Host::new().args(args).run();
    assert_safe(what, &out);
    out
}

fn os(s: &str) -> &OsStr {
    OsStr::new(s)
}

#[test]
fn scenario_keys_values_and_names_are_escaped_everywhere() {
    let d = temp_dir("hostile-scenario");
    let tone = tone();
    let file = format!("  - file: {}\n", s(&tone));
    for h in corpus() {
        let q = yaml(&h);
        let scenarios = [
            format!("{q}: 1\nstreams:\n{file}"),
            format!("streams:\n{file}    {q}: 1\n"),
            format!("streams:\n{file}    annotations: {q}\n"),
            format!("streams:\n{file}    format: {q}\n"),
            format!("format: {q}\nstreams:\n{file}"),
            format!("repeat: {q}\nstreams:\n{file}"),
            format!("wait_for_consumers: {q}\nstreams:\n{file}"),
            format!("start_at: {q}\nstreams:\n{file}"),
            format!("streams:\n{file}    picks: [{q}]\n"),
            format!("streams:\n{file}    reader: {q}\n"),
            format!("streams:\n{file}    reader_options: {{{q}: {q}}}\n"),
            format!("streams:\n  - file: {q}\n"),
            format!("plugins: [{q}]\nstreams:\n{file}"),
            // Valid ones: the name and type are shown by every command.
            format!("streams:\n{file}    name: {q}\n    type: {q}\n"),
            format!("name: {q}\nstreams:\n{file}    source_id: {q}\n"),
        ];
        for (i, text) in scenarios.iter().enumerate() {
            let path = d.write(&format!("s{i}.yaml"), text);
            let p = path.as_os_str();
            let what = format!("scenario {i} with {:?}", &h[..h.len().min(20)]);
            run_safe(&format!("validate, {what}"), &[os("validate"), p]);
            run_safe(
                &format!("run --dry-run, {what}"),
                &[os("run"), p, os("--dry-run")],
            );
            let null = [os("run"), p, os("--output"), os("null"), os("--unpaced")];
            run_safe(&format!("run, {what}"), &null);
        }
    }
}

#[test]
fn file_names_are_escaped_everywhere() {
    let d = temp_dir("hostile-names");
    let mut names: Vec<Vec<u8>> = corpus()
        .iter()
        .filter(|h| h.len() < 200 && !h.contains(['\0', '/']))
        .map(|h| format!("{h}.wav").into_bytes())
        .collect();
    names.push(b"bad\xff\x9b\xe2\x80.wav".to_vec());
    for name in names {
        let path = d.path().join(OsStr::from_bytes(&name));
        std::fs::copy(tone(), &path).unwrap();
        let p = path.as_os_str();
        let what = format!("{:?}", String::from_utf8_lossy(&name));
        let out = run_safe(&format!("inspect {what}"), &[os("inspect"), p]);
        assert_ok(&out);
        run_safe(
            &format!("inspect --json {what}"),
            &[os("inspect"), p, os("--json")],
        );
        let out = run_safe(
            &format!("play --dry-run {what}"),
            &[os("play"), p, os("--dry-run")],
        );
        assert_ok(&out);
        let null = [os("play"), p, os("--output"), os("null"), os("--unpaced")];
        let out = run_safe(&format!("play {what}"), &null);
        assert_ok(&out);
        assert!(
            stderr(&out).contains("playing without publishing (--output null): "),
            "{}",
            stderr(&out)
        );
        let stats = d.join("stats.json");
        let with_stats = [&null[..], &[os("--stats-json"), stats.as_os_str()]].concat();
        run_safe(&format!("play --stats-json {what}"), &with_stats);
        let json = std::fs::read(&stats).unwrap();
        let text = String::from_utf8(json).unwrap();
        assert!(!text.chars().any(unsafe_char), "{text}");
        let picks = [
            os("play"),
            p,
            os("--picks"),
            os("\u{1b}[2J"),
            os("--output"),
            os("null"),
        ];
        run_safe(&format!("play --picks {what}"), &picks);
        let scenario = d.join("s.yaml");
        let mut text = b"streams:\n  - file: \"".to_vec();
        text.extend_from_slice(&name);
        text.extend_from_slice(b"\"\n");
        std::fs::write(&scenario, text).unwrap();
        run_safe(
            &format!("validate {what}"),
            &[os("validate"), scenario.as_os_str()],
        );
    }
}

/// The EDF+ fixture with hostile channel labels and annotation texts, the same length as
/// the fixture's.
fn hostile_edf(dir: &Path) -> std::path::PathBuf {
    let mut bytes = std::fs::read(fixture("edf/edfplus_annotations.edf")).unwrap();
    let labels: [&[u8]; 2] = [
        b"\x1b[2J\x1b]0;PWN\x07X   ",
        b"\xe2\x80\xaeGCE\xc2\x9b\xff\r\nZ    ",
    ];
    for (i, label) in labels.iter().enumerate() {
        assert_eq!(label.len(), 16);
        bytes[256 + 16 * i..256 + 16 * (i + 1)].copy_from_slice(label);
    }
    let texts: [(&[u8], &[u8]); 2] = [
        (b"stim A", b"\x1b[31m\x07"),
        (b"stim B", b"\xe2\x80\xaeA\rB"),
    ];
    for (from, to) in texts {
        let at = bytes.windows(6).position(|w| w == from).unwrap();
        bytes[at..at + 6].copy_from_slice(to);
    }
    let path = dir.join("hostile.edf");
    std::fs::write(&path, bytes).unwrap();
    path
}

#[test]
fn edf_labels_and_annotations_are_escaped_in_inspect_and_the_picks_error() {
    let d = temp_dir("hostile-edf");
    let edf = hostile_edf(d.path());
    let e = edf.as_os_str();
    let out = run_safe("inspect", &[os("inspect"), e]);
    assert_ok(&out);
    let text = stdout(&out);
    assert!(text.contains(r"\u{1b}[2J\u{1b}]0;PWN\u{7}X"), "{text}");
    assert!(text.contains(r"\u{202e}GCE\u{9b}"), "{text}");
    let out = run_safe("inspect --json", &[os("inspect"), e, os("--json")]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        json["recording"]["streams"][0]["channels"][0]["label"],
        "\u{1b}[2J\u{1b}]0;PWN\u{7}X"
    );
    let picks = [
        os("play"),
        e,
        os("--picks"),
        os("nothing"),
        os("--output"),
        os("null"),
    ];
    let out = run_safe("the picks error", &picks);
    assert!(
        stderr(&out).contains(r"labels: \u{1b}[2J"),
        "{}",
        stderr(&out)
    );
    let null = [os("play"), e, os("--output"), os("null"), os("--unpaced")];
    assert_ok(&run_safe("play", &null));
}

#[test]
fn plugin_library_names_are_escaped_in_plugins_and_warnings() {
    let d = temp_dir("hostile-plugins");
    for h in corpus()
        .iter()
        .filter(|h| h.len() < 200 && !h.contains(['\0', '/']))
    {
        std::fs::write(d.join(format!("lib{h}.so")), b"not a library").unwrap();
    }
    let list = format!("/nonexistent/\u{1b}]0;PWN\u{7}:{}", s(d.path()));
    for args in [
        vec!["plugins"],
        vec!["plugins", "--json"],
        vec!["inspect", s(&tone())],
    ] {
        let out = Host::new()
            .args(&args)
            .env("PLAYER_PLUGIN_PATH", &list)
            .run();
        assert_safe(&format!("{args:?}"), &out);
        assert_ok(&out);
    }
}

/// A fake player that answers each connection with the next of `answers`.
fn fake_player(socket: &Path, answers: Vec<String>) -> std::thread::JoinHandle<()> {
    let listener = UnixListener::bind(socket).unwrap();
    std::thread::spawn(move || {
        for answer in answers {
            let (stream, _) = listener.accept().unwrap();
            let mut line = String::new();
            BufReader::new(&stream).read_line(&mut line).unwrap();
            (&stream).write_all(answer.as_bytes()).unwrap();
        }
    })
}

#[test]
fn control_answers_are_escaped_by_ctl() {
    let d = temp_dir("hostile-ctl");
    let socket = d.join("player.sock");
    let status = r#"{"ok":true,"status":{"state":"\u001b[2Jplaying\u202e\u0085","position":1.0,"duration":2.0,"pass":[1,1],"speed":1.0}}"#;
    let refusal = r#"{"ok":false,"error":"\u001b]0;PWN\u0007 \u202e \u009b\r\nforged: yes"}"#;
    let runs: [(&str, &[&str]); 5] = [
        (status, &["status"]),
        (status, &["--json", "status"]),
        (refusal, &["pause"]),
        (refusal, &["--json", "pause"]),
        ("\u{1b}[2J\u{7} not json \u{202e}", &["stop"]),
    ];
    let server = fake_player(
        &socket,
        runs.iter().map(|(a, _)| format!("{a}\n")).collect(),
    );
    for (answer, command) in runs {
        let out = Host::new().args(["ctl", s(&socket)]).args(command).run();
        assert_safe(&format!("ctl {command:?} answered {answer}"), &out);
        let text = format!("{}{}", stdout(&out), stderr(&out));
        assert!(!text.contains("\nforged"), "{text}");
    }
    server.join().unwrap();
}

#[test]
fn a_file_that_is_not_a_scenario_is_never_quoted() {
    let d = temp_dir("hostile-env");
    let env = d.write(".env", "DB_PASSWORD=hunter2-secret\nAPI_KEY=s3cr3t-value\n");
    for command in ["validate", "run"] {
        let out = run_safe(command, &[os(command), env.as_os_str()]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{err}");
        assert!(err.contains("not a scenario"), "{err}");
        for secret in ["DB_PASSWORD", "hunter2", "API_KEY", "s3cr3t"] {
            assert!(!err.contains(secret), "{secret} echoed: {err}");
        }
    }
}
