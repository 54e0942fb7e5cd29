//! The control socket, `ctl` and the terminal keys steering a real [`Player`] (its
//! `controller()`), with the null output: the wiring of `--control` and of the keys,
//! without LSL. The unit tests of each module test them against a mock `Steer`.
#![allow(clippy::unwrap_used)]

use player_host::control_socket::serve;
use player_host::ctl::ctl;
use player_host::keys::Keys;
use player_host::{NullOutput, PlayState, Player, Repeat, Scenario, Steer, StreamEntry};
use serde_json::Value;
use std::fs::File;
use std::io::Write;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The 2 s tone, looping until stopped, published nowhere.
fn looping_player() -> Player {
    let file = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/fixtures/wav/demo-tone-8k-mono.wav");
    let mut entry = StreamEntry::new(file);
    entry.name = Some("tone".into());
    let mut scenario = Scenario::single(entry);
    scenario.repeat = Repeat::Forever;
    Player::with_registry(&scenario, &player_host::Registry::builtin())
        .unwrap()
        .with_output(Arc::new(NullOutput))
}

/// Waits (a safety net of 20 s, not a timing check) until `done`.
fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let end = Instant::now() + Duration::from_secs(20);
    while !done() {
        assert!(Instant::now() < end, "still not {what}");
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn started(player: &mut Player) -> Arc<dyn Steer> {
    let steer: Arc<dyn Steer> = Arc::new(player.controller());
    player.start().unwrap();
    wait_until("playing", || steer.status().state == PlayState::Playing);
    steer
}

fn socket_path(tag: &str) -> PathBuf {
    std::env::temp_dir().join(format!("player-control-{tag}-{}.sock", std::process::id()))
}

fn ask(path: &Path, command: &str) -> Value {
    let words: Vec<String> = command.split_whitespace().map(String::from).collect();
    serde_json::from_str(&ctl(path, &words).unwrap()).unwrap()
}

#[test]
fn ctl_steers_a_playing_player_through_its_socket() {
    let mut player = looping_player();
    let steer = started(&mut player);
    let path = socket_path("ctl");
    let server = serve(&path, steer.clone()).unwrap();

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
    drop(server);
    assert!(!path.exists(), "the socket file is removed");
}

#[test]
fn keys_typed_on_a_terminal_steer_a_playing_player() {
    let (mut master, slave) = pty();
    let mut player = looping_player();
    let steer = started(&mut player);
    let keys = Keys::start_on(slave.as_raw_fd(), steer.clone())
        .unwrap()
        .expect("a terminal");
    master.write_all(b" ").unwrap();
    wait_until("paused", || steer.status().state == PlayState::Paused);
    master.write_all(b"+").unwrap();
    wait_until("at speed 2", || steer.status().speed == 2.0);
    master.write_all(b"0").unwrap();
    wait_until("at the start", || steer.status().position == 0.0);
    master.write_all(b"q").unwrap();
    let summary = player.wait().unwrap();
    assert!(summary.interrupted, "q stops the run");
    drop(keys);
}

fn pty() -> (File, OwnedFd) {
    let (mut master, mut slave) = (-1, -1);
    // SAFETY: valid pointers to two ints; null name, settings and size are allowed.
    let r = unsafe {
        libc::openpty(
            &mut master,
            &mut slave,
            std::ptr::null_mut(),
            std::ptr::null(),
            std::ptr::null(),
        )
    };
    assert_eq!(r, 0);
    // SAFETY: both descriptors are fresh and owned by nothing else.
    unsafe { (File::from_raw_fd(master), OwnedFd::from_raw_fd(slave)) }
}
