//! A run built by a [`Session`] (the one way every front end builds runs) means what the
//! scenario says, whatever the front end: here from Rust, through the public API. (The
//! command line's runs are tested by `cli.rs`, Python's by `tests/python`.)
#![allow(clippy::unwrap_used)]

mod support;
use support::*;

use player_host::{OutputChoice, Phase, Player, Scenario, Session, StartAt, StreamEntry};
use std::time::{SystemTime, UNIX_EPOCH};

/// The tone, to start 1.5 s from now by its `start_at:`, with a start delay that would put
/// t0 elsewhere if `start_at` were ignored.
fn scenario_starting_soon() -> Scenario {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs_f64();
    let mut entry = StreamEntry::new(tone());
    entry.name = Some(format!("start-at-{}", std::process::id()));
    let mut scenario = Scenario::single(entry);
    scenario.start_delay = 30.0;
    scenario.start_at = Some(StartAt::parse(&format!("{:.6}", now + 1.5)).unwrap());
    scenario
}

/// Starts `player`, stops it once its clock runs, and returns its t0.
fn t0_of(mut player: Player) -> f64 {
    player.start().unwrap();
    wait_until("the clock runs", || {
        matches!(player.phase(), Phase::Playing { .. })
    });
    player.stop();
    player.wait().unwrap().t0.unwrap()
}

/// A way to open a scenario.
type Open = fn(Scenario) -> Player;

#[test]
fn a_scenarios_start_at_sets_t0_from_rust() {
    let opened: [(&str, Open); 2] = [
        ("Session::open", |s| {
            Session::new(s)
                .plugin_path_env(false)
                .output(OutputChoice::Null)
                .open()
                .unwrap()
        }),
        ("Player::from_scenario", |s| {
            Player::from_scenario(&s).unwrap()
        }),
    ];
    for (how, open) in opened {
        let scenario = scenario_starting_soon();
        // The LSL clock value of the start time, read as the player reads it.
        let want = scenario.start_at.as_ref().unwrap().lsl_t0().unwrap();
        let got = t0_of(open(scenario));
        // Two readings of the system and LSL clocks agree to well under a millisecond;
        // with start_at ignored, t0 would be 30 s (the start delay) away.
        assert!(
            (got - want).abs() < 0.005,
            "{how}: t0 {got}, start_at {want}"
        );
    }
}
