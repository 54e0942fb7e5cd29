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
