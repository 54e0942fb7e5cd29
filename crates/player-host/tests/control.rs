//! The control socket of a [`Session`] (`--control`) and `player-host ctl` steering a real
//! player, with the null output: the wiring of the socket, the client and the player,
//! without LSL. The unit tests of each module test them against a mock `Steer` (the
//! terminal keys steering a real player are tested in `src/control/keys/tests.rs`).
#![allow(clippy::unwrap_used)]

mod support;
use support::*;

use player_host::{OutputChoice, PlayState, Player, Repeat, Scenario, Session, StreamEntry};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// The 2 s tone, looping until stopped, published nowhere, steered through a socket at
/// `socket`.
fn looping_player(socket: &Path) -> Player {
    let mut entry = StreamEntry::new(tone());
    entry.name = Some("tone".into());
    let mut scenario = Scenario::single(entry);
    scenario.repeat = Repeat::Forever;
    Session::new(scenario)
        .plugin_path_env(false)
        .output(OutputChoice::Null)
        .control_socket(socket)
        .open()
        .unwrap()
}

fn socket_path(dir: &TempDir) -> PathBuf {
    dir.join("control.sock")
}

/// `player-host ctl SOCKET COMMAND...`: its answer, as JSON.
fn ask(path: &Path, command: &str) -> Value {
    let out = Host::new()
        .args(["ctl", "--json", s(path)])
        .args(command.split_whitespace())
        .run();
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("ctl {command}: {e}: {}{}", stdout(&out), stderr(&out)))
}

#[test]
fn ctl_steers_a_playing_player_through_its_socket() {
    let dir = temp_dir("control-ctl");
    let path = socket_path(&dir);
    let mut player = looping_player(&path);
    player.start().unwrap();
    let controller = player.controller();
    wait_until("playing", || {
        use player_host::Steer;
        controller.status().state == PlayState::Playing
    });

    let paused = ask(&path, "pause");
    assert_eq!(paused["ok"], true, "{paused}");
    assert_eq!(paused["status"]["state"], "paused");
    let seek = ask(&path, "seek 1.25");
    assert_eq!(seek["status"]["position"], 1.25, "{seek}");
    let back = ask(&path, "seek -0.25");
    assert_eq!(back["status"]["position"], 1.0, "{back}");
    let fast = ask(&path, "speed 4");
    assert_eq!(fast["status"]["speed"], 4.0, "{fast}");
    let status = ask(&path, "status");
    assert_eq!(status["status"]["state"], "paused");
    assert_eq!(status["status"]["duration"], 2.0);
    assert_eq!(status["status"]["pass"], serde_json::json!([1, null]));
    assert_eq!(ask(&path, "resume")["status"]["state"], "playing");
    assert_eq!(ask(&path, "stop")["ok"], true);

    let summary = player.wait().unwrap();
    assert!(summary.interrupted, "stopped through the socket");
    assert!(path.exists(), "the socket lives as long as the player");
    drop(player);
    assert!(!path.exists(), "the socket file is removed with the player");
}

/// `player-host play` of the looping tone, published nowhere, steered at `socket`
/// (stdin: nothing, so no keys).
fn spawn_looping(socket: &Path) -> std::process::Child {
    Host::new()
        .args([
            "play",
            s(&tone()),
            "--output",
            "null",
            "--repeat",
            "forever",
        ])
        .args(["--control", s(socket)])
        .command()
        .spawn()
        .unwrap()
}

/// `player-host ctl SOCKET COMMAND...`: exit status, stdout, stderr.
fn ctl(path: &Path, command: &[&str]) -> (Option<i32>, String, String) {
    let out = Host::new().args(["ctl", s(path)]).args(command).run();
    (out.status.code(), stdout(&out), stderr(&out))
}

/// Waits for the player's exit (a safety net of 20 s); its status and stderr.
fn finish(mut child: std::process::Child) -> (Option<i32>, String) {
    wait_until("the player's exit", || child.try_wait().unwrap().is_some());
    let out = child.wait_with_output().unwrap();
    (out.status.code(), stderr(&out))
}

/// Issue 23: `ctl stop`, `{"cmd":"stop"}` (and the `q` key, tests/e2e) ended with exit
/// status 1 and no message, like a failed stream. A stop asked for is a success, and the
/// summary says so.
#[test]
fn a_stop_by_request_exits_0_and_says_so() {
    let dir = temp_dir("control-stop");
    let path = socket_path(&dir);
    let child = spawn_looping(&path);
    wait_until("answering", || ctl(&path, &["status"]).0 == Some(0));
    let (code, out, err) = ctl(&path, &["stop"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(
        out.starts_with("finished"),
        "the answer shows the effect: {out}"
    );
    let (code, err) = finish(child);
    assert_eq!(code, Some(0), "{err}");
    assert!(
        err.contains("stopped in") && err.contains(" s by request"),
        "{err}"
    );
    assert!(!err.contains("error"), "{err}");

    let child = spawn_looping(&path);
    wait_until("answering", || ctl(&path, &["status"]).0 == Some(0));
    let answers = raw_exchange(&path, b"{\"cmd\": \"stop\"}\n");
    assert_eq!(answers[0]["ok"], true, "{answers:?}");
    assert_eq!(answers[0]["status"]["state"], "finished");
    let (code, err) = finish(child);
    assert_eq!(code, Some(0), "{err}");
    assert!(err.contains("by request"), "{err}");
}

/// Every answer line of the control socket at `path` to `payload`.
fn raw_exchange(path: &Path, payload: &[u8]) -> Vec<Value> {
    use std::io::{Read, Write};
    let mut stream = std::os::unix::net::UnixStream::connect(path).unwrap();
    stream.write_all(payload).unwrap();
    stream.shutdown(std::net::Shutdown::Write).unwrap();
    let mut text = String::new();
    stream.read_to_string(&mut text).unwrap();
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// Issue 23: `ctl S seek +99999999999999999999` and `{"cmd":"seek","by":1e300}` were
/// carried out (1.9 M samples in 3 s, a wrapped pass counter); `{"cmd":"status",
/// "cmd":"stop"}` stopped the player while the answer looked like a status. Now they are
/// refused with short messages, and change nothing.
#[test]
fn absurd_values_and_repeated_keys_are_refused_and_change_nothing() {
    let dir = temp_dir("control-values");
    let path = socket_path(&dir);
    let child = spawn_looping(&path);
    wait_until("answering", || ctl(&path, &["status"]).0 == Some(0));
    let (code, _, err) = ctl(&path, &["seek", "+99999999999999999999"]);
    assert_eq!(code, Some(2), "a usage mistake, nothing sent: {err}");
    assert!(err.contains("1e20") && err.len() < 300, "{err}");
    for bad in ["1e999", "nan", "-inf"] {
        assert_eq!(ctl(&path, &["speed", bad]).0, Some(2), "speed {bad}");
    }
    let answers = raw_exchange(
        &path,
        b"{\"cmd\": \"seek\", \"by\": 1e300}\n{\"cmd\": \"seek\", \"to\": 1e10}\n\
          {\"cmd\": \"speed\", \"value\": 1e300}\n{\"cmd\": \"status\", \"cmd\": \"stop\"}\n\
          {\"cmd\": \"status\"}\n",
    );
    for refused in &answers[..4] {
        assert_eq!(refused["ok"], false, "{refused}");
        let e = refused["error"].as_str().unwrap();
        assert!(e.len() < 150 && !e.contains("0000000000"), "{e}");
    }
    assert!(answers[3]["error"]
        .as_str()
        .unwrap()
        .contains("given twice"));
    let status = &answers[4]["status"];
    assert_eq!(status["state"], "playing", "still playing: {status}");
    assert_eq!(status["pass"][0], 1, "{status}");
    assert_eq!(ctl(&path, &["stop"]).0, Some(0));
    assert_eq!(finish(child).0, Some(0));
}
